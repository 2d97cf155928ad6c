//! `/ar note <customer> [invoice] <kind> <text> [follow-up <date>]`: a call, email, letter,
//! meeting or note on an account, with its author and time. A follow-up date puts the account
//! under "Needs someone today" in that day's digest. PMs may log on their own accounts only.

use arbot_core::collections::NewNote;
use arbot_core::dates::weekday_date;
use arbot_core::ledger::Invoice;

use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::reply::{Button, Reply, Severity};
use crate::roles::{Actor, Role};
use crate::wording::at;

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    let kind = inv.args.choice("kind").ok_or_else(|| missing_arg("kind"))?;
    let Some(body) = inv.args.text("text").map(str::trim) else {
        return Err(CommandError::User(format!(
            "Say what was said or done, like /ar note {} {kind} Spoke to AP; check run Friday.",
            typed_name(&customer.name)
        )));
    };
    require_own_account(app, &inv.actor, customer.id, "log notes").await?;
    let invoice = match inv.args.invoice("invoice") {
        Some(number) => Some(invoice_of(app, number, customer.id, &customer.name).await?),
        None => None,
    };
    let today = app.today();
    let follow_up = inv.args.date("follow-up");
    if let Some(d) = follow_up.filter(|d| *d < today) {
        return Err(CommandError::User(format!(
            "{} has passed; a follow-up needs today or a later day. Nothing was logged.",
            weekday_date(d)
        )));
    }
    let now = app.clock.now();
    let note = NewNote {
        customer_id: customer.id,
        invoice_id: invoice.as_ref().map(|i| i.id),
        kind: kind.to_string(),
        body: body.to_string(),
        author: inv.actor.name.clone(),
        created_at: now,
        follow_up_on: follow_up,
        day_only: false,
    };
    if !app.store.add_note(&note, &inv.author()).await?.is_new() {
        return Ok(Reply::default().line("Already logged: this request reached arbot twice and was recorded once."));
    }
    let time = now.with_timezone(&app.config.time_zone).format("%-H:%M");
    let what = match kind {
        "note" => "a note on".to_string(),
        "meeting" => "a meeting with".to_string(),
        "email" => "an email with".to_string(),
        other => format!("a {other} with"),
    };
    let about = invoice.map(|i| format!(" about #{}", i.number)).unwrap_or_default();
    let mut reply = Reply::default().line(format!(
        "Logged {what} {}{about} (by {}, {time}): \"{body}\".",
        customer.name,
        at(&inv.actor.name)
    ));
    reply.lines.push(match follow_up {
        Some(d) => {
            let day = app.digest_day(d);
            format!("I'll list {} under \"Needs someone today\" in the digest of {}.", customer.name, weekday_date(day))
        }
        None => format!("Follow up? Add a date: /ar note {} {kind} … follow-up Dec 4.", typed_name(&customer.name)),
    });
    reply.severity = Severity::Good;
    Ok(reply)
}

/// The "Log call" button of an account (on its card and its escalation threads): it opens the
/// call form ([`super::clicks`]), whose call is logged as this command logs one.
pub(super) fn log_call_button(customer_id: i64) -> Button {
    Button { id: format!("note:call:{customer_id}"), label: "Log call".to_string() }
}

/// The invoice `number` of this customer, or the sentence that says why not.
pub(super) async fn invoice_of(
    app: &App,
    number: &str,
    customer_id: i64,
    customer_name: &str,
) -> Result<Invoice, CommandError> {
    let found = app.store.invoices_numbered(number).await?;
    if let Some(i) = found.iter().find(|i| i.customer_id == customer_id) {
        return Ok(i.clone());
    }
    Err(CommandError::User(match found.first() {
        Some(other) => format!(
            "Invoice #{} belongs to {}, not {customer_name}. Check the number, or name {} instead. Nothing was logged.",
            other.number, other.customer_name, other.customer_name
        ),
        None => format!(
            "There is no invoice #{number} in the ledger. Check the number with /ar invoice. Nothing was logged."
        ),
    }))
}

/// A PM who is not also on the AR team or a manager may log only on accounts where the ledger
/// names them PM (the customer's PM or a PM of one of its jobs).
pub(super) async fn require_own_account(
    app: &App,
    actor: &Actor,
    customer_id: i64,
    what: &str,
) -> Result<(), CommandError> {
    if actor.roles.iter().any(|r| matches!(r, Role::Ar | Role::Manager)) {
        return Ok(());
    }
    let same = |pm: &str| pm.trim().trim_start_matches('@').eq_ignore_ascii_case(actor.name.trim_start_matches('@'));
    let customer = app.store.customer(customer_id).await?;
    let jobs = app.store.jobs_for_customer(customer_id).await?;
    let theirs = customer.as_ref().and_then(|c| c.pm.as_deref()).is_some_and(same)
        || jobs.iter().filter_map(|j| j.pm.as_deref()).any(same);
    if theirs {
        return Ok(());
    }
    let name = customer.map(|c| c.name).unwrap_or_else(|| "this account".to_string());
    Err(CommandError::User(format!(
        "PMs {what} on their own accounts; the ledger doesn't name you ({}) PM of {name}. Ask the AR team in the AR \
         channel. Nothing was logged.",
        at(&actor.name)
    )))
}

/// `"acme builders inc"`: what to type to name the customer again (quoted, so it always names
/// exactly this one).
pub(super) fn typed_name(name: &str) -> String {
    if name.contains(' ') { format!("\"{}\"", name.to_lowercase()) } else { name.to_lowercase() }
}
