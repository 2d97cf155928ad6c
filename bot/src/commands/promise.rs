//! `/ar promise <customer> [cancel|correct] <amount> <date> [invoices…] [note]`: a promise to
//! pay, refused with a sentence when it cannot be one (zero, more than is owed, a past date,
//! another currency, an invoice that is unknown, paid or another customer's). Whether it was kept
//! is never recorded by hand: [`arbot_core::collections::Promise::outcome`] reads it from the
//! cash applied every time it is shown.

use arbot_core::collections::{CashApplied, NewPromise, Outcome, Promise};
use arbot_core::dates::{short_date, weekday_date};
use arbot_core::ledger::Invoice;
use arbot_core::summary::customer_summary;

use super::note::{invoice_of, require_own_account, typed_name};
use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::reply::{Reply, Severity};
use crate::wording::at;

/// How a promise stands, in words: "open", "kept (paid Nov 20)", "broken: nothing paid by Nov 30".
pub(super) fn outcome_text(app: &App, p: &Promise, cash: &[CashApplied]) -> String {
    let grace = app.config.collections.promise_grace_days;
    match p.outcome(cash, app.today(), app.promise_rules()) {
        Outcome::Pending { paid } if paid.minor > 0 => format!("open, {paid} paid so far"),
        Outcome::Pending { .. } => "open".to_string(),
        Outcome::Kept { on, .. } => format!("kept (paid in full {})", short_date(on)),
        Outcome::PartlyKept { paid, short } => format!("partly kept: {paid} paid, {short} still owed"),
        Outcome::Broken => format!("broken: nothing paid by {}", short_date(p.deadline(grace))),
        Outcome::Cancelled => "cancelled".to_string(),
    }
}

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    require_own_account(app, &inv.actor, customer.id, "log promises").await?;
    if inv.already(app.store.as_ref(), "promise").await? {
        return Ok(Reply::default().line("Already logged: this request reached arbot twice and was recorded once."));
    }
    let today = app.today();
    let grace = app.config.collections.promise_grace_days;
    let summary =
        customer_summary(app.store.as_ref(), customer.id, today, false, &app.config.aging, app.config.currency)
            .await?
            .ok_or_else(|| CommandError::User("That customer is no longer in the ledger.".to_string()))?;
    let name = &summary.customer.name;
    let typed = typed_name(name);
    let standing: Vec<&Promise> = summary
        .promises
        .iter()
        .filter(|p| matches!(p.outcome(&summary.promise_cash, today, app.promise_rules()), Outcome::Pending { .. }))
        .collect();
    let change = inv.args.choice("change");
    if change == Some("cancel") {
        let Some(p) = standing.first() else {
            return Err(CommandError::User(format!("{name} has no open promise to cancel.")));
        };
        if !app.store.cancel_promise(p.id, &inv.author(), app.clock.now()).await?.is_new() {
            return Ok(Reply::default().line("Already cancelled: this request reached arbot twice."));
        }
        return Ok(Reply::default()
            .line(format!(
                "Cancelled: {name}'s promise of {} by {} (logged by {}). The audit trail keeps it.",
                p.amount,
                weekday_date(p.promised_for),
                at(&p.created_by)
            ))
            .severity(Severity::Good));
    }
    let (Some(amount), Some(date)) = (inv.args.amount("amount"), inv.args.date("date")) else {
        return Err(CommandError::User(format!(
            "Say how much and by when, like /ar promise {typed} 12500 {}.",
            short_date(today + chrono::Days::new(7))
        )));
    };
    if amount.minor <= 0 {
        return Err(CommandError::User(format!(
            "{amount} isn't a promise to pay; say the amount they will pay, like /ar promise {typed} 12500 {}.",
            short_date(date)
        )));
    }
    if date < today {
        return Err(CommandError::User(format!(
            "{} has passed; a promise needs today or a later day. Nothing was logged.",
            weekday_date(date)
        )));
    }
    // What the promise pays: the invoices named, or every open invoice of the account.
    let mut invoices: Vec<Invoice> = Vec::new();
    for number in inv.args.invoices("invoices") {
        let i = invoice_of(app, number, customer.id, name).await?;
        if i.balance.minor <= 0 {
            return Err(CommandError::User(format!(
                "Invoice #{} is paid; name the invoices still open (/ar customer {typed}). Nothing was logged.",
                i.number
            )));
        }
        if !invoices.iter().any(|x| x.id == i.id) {
            invoices.push(i);
        }
    }
    let (owed, currencies): (i64, Vec<String>) = if invoices.is_empty() {
        let items = &summary.open_items;
        let owed = items.iter().filter(|i| i.balance.currency == amount.currency).map(|i| i.balance.minor).sum();
        let others = items
            .iter()
            .filter(|i| i.balance.currency != amount.currency)
            .map(|i| i.balance.currency.code().to_string())
            .collect();
        (owed, others)
    } else {
        let owed = invoices.iter().filter(|i| i.balance.currency == amount.currency).map(|i| i.balance.minor).sum();
        let others = invoices
            .iter()
            .filter(|i| i.balance.currency != amount.currency)
            .map(|i| format!("#{} in {}", i.number, i.balance.currency.code()))
            .collect();
        (owed, others)
    };
    if owed == 0 && !currencies.is_empty() {
        return Err(CommandError::User(format!(
            "What {name} owes{} is in another currency ({}); a promise is in {}, the business currency. Nothing was \
             logged.",
            if invoices.is_empty() { "" } else { " on those invoices" },
            currencies.join(", "),
            amount.currency.code()
        )));
    }
    if !invoices.is_empty() && !currencies.is_empty() {
        return Err(CommandError::User(format!(
            "A promise is in one currency: {} {} not in {}. Name them in separate promises. Nothing was logged.",
            if currencies.len() == 1 { "invoice" } else { "invoices" },
            currencies.join(", "),
            amount.currency.code()
        )));
    }
    if amount.minor > owed {
        let on = if invoices.is_empty() { String::new() } else { " on those invoices".to_string() };
        return Err(CommandError::User(format!(
            "{name} owes {}{on}, less than the {amount} promised; a promise can't be for more than is owed. \
             Check the amount. Nothing was logged.",
            arbot_core::Money::new(owed, amount.currency)
        )));
    }
    // A plan's installments are the account's promises: the same cash can't keep both.
    if let Some(plan) = super::plan::standing(app, &summary) {
        return Err(CommandError::User(format!(
            "{name} pays under a payment plan of {} in {} installments (agreed by {}); its installments are what it \
             has promised, and the same payments can't keep a promise too. To change what was agreed, cancel the plan \
             and agree a new one: /ar plan {typed} cancel. Nothing was logged.",
            plan.total,
            plan.installments.len(),
            at(&plan.created_by)
        )));
    }
    // One promise stands at a time; `correct` replaces it.
    let replacing = match (standing.first(), change) {
        (Some(p), Some("correct")) => Some(*p),
        (Some(p), _) => {
            return Err(CommandError::User(format!(
                "{name} already promised {} by {} (logged by {}). To change it: /ar promise {typed} correct <amount> \
                 <date>; to drop it: /ar promise {typed} cancel. Nothing was logged.",
                p.amount,
                weekday_date(p.promised_for),
                at(&p.created_by)
            )));
        }
        (None, _) => None,
    };
    let broken = summary
        .promises
        .iter()
        .filter(|p| p.outcome(&summary.promise_cash, today, app.promise_rules()).is_broken())
        .count();
    let limit = app.config.collections.repromise_limit as usize;
    if replacing.is_none() && broken >= limit {
        return Err(CommandError::User(format!(
            "{name} has broken {broken} {} already (the limit is {limit}, [collections] repromise_limit). Escalate \
             instead: /ar escalate {typed}. Nothing was logged.",
            if broken == 1 { "promise" } else { "promises" }
        )));
    }
    let author = inv.author();
    // The replaced promise's cancellation is its own record under the request's key.
    let replaced_by =
        arbot_core::audit::Author { key: author.key.as_ref().map(|k| format!("{k}:replaced")), ..author.clone() };
    if let Some(p) = replacing
        && !app.store.cancel_promise(p.id, &replaced_by, app.clock.now()).await?.is_new()
    {
        return Ok(Reply::default().line("Already logged: this request reached arbot twice and was recorded once."));
    }
    let new = NewPromise {
        customer_id: customer.id,
        amount,
        promised_for: date,
        created_by: inv.actor.name.clone(),
        created_at: app.clock.now(),
        invoice_ids: invoices.iter().map(|i| i.id).collect(),
        note: inv.args.text("note").map(str::to_string),
        day_only: false,
    };
    if !app.store.add_promise(&new, &author).await?.is_new() {
        return Ok(Reply::default().line("Already logged: this request reached arbot twice and was recorded once."));
    }
    let against = if invoices.is_empty() {
        "against its oldest invoices first".to_string()
    } else {
        let numbers: Vec<String> = invoices.iter().map(|i| format!("#{}", i.number)).collect();
        format!("against {}", numbers.join(", "))
    };
    let corrected =
        replacing.map(|p| format!(" (replacing {} by {})", p.amount, short_date(p.promised_for))).unwrap_or_default();
    let after = app.digest_day(date + chrono::Days::new(u64::from(grace) + 1));
    let mut reply = Reply::default().line(format!(
        "Logged: {name} promises {amount} by {}, {against}{corrected}. It shows on the customer card; if it is not \
         paid by {}, the digest of {} lists it under \"Needs someone today\" while the account is overdue, until someone \
         logs a note or a new promise.",
        weekday_date(date),
        short_date(date + chrono::Days::new(u64::from(grace))),
        weekday_date(after)
    ));
    if broken > 0 {
        reply.lines.push(format!(
            "{name} has broken {broken} {} before; after {limit}, arbot will ask you to escalate instead.",
            if broken == 1 { "promise" } else { "promises" }
        ));
    }
    reply.severity = Severity::Good;
    Ok(reply)
}
