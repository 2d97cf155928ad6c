//! `/mail …`: what goes to customers by email. `/mail contact` sets where a customer's reminders
//! go; `/mail remind` prepares today's reminder for one account (every invoice at or past its
//! stage, in one email) with a Send and a Skip button; `/mail hold` keeps reminders away from an
//! account until a day. Sending goes through the outbox ([`crate::outbox::enqueue_email`]), keyed
//! by customer and day, so an account gets at most one reminder a day however often it is approved.

use arbot_core::Money;
use arbot_core::audit::Recorded;
use arbot_core::mail::{AccountState, EmailAddress, ReminderPlan, plan_reminder};
use arbot_core::store::OpenItemsQuery;
use chrono::NaiveDate;

use super::note::typed_name;
use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::mail::Email;
use crate::outbox::{EmailJob, enqueue_email, message_id};
use crate::reply::{Button, Reply, Severity};
use crate::wording::at;

/// `/mail contact <customer> <email>`.
pub(super) async fn handle_contact(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    let typed = inv.args.text("email").unwrap_or_default();
    let email = EmailAddress::parse(typed).map_err(|why| CommandError::User(format!("{why}. Nothing was changed.")))?;
    let recorded =
        app.store.set_contact_email(customer.id, email.as_str(), "chat", &inv.author(), app.clock.now()).await?;
    let Some(before) = recorded.new_value() else {
        return Ok(Reply::default().line("Already set: this request reached arbot twice and was recorded once."));
    };
    let from_ledger = app.store.customer(customer.id).await?.and_then(|c| c.email);
    let was = match before.or(from_ledger) {
        Some(old) if old != email.as_str() => format!(" (was {old})"),
        _ => String::new(),
    };
    let mut reply = Reply::default().line(format!(
        "Reminders for {} now go to {email}{was}. Prepare one with /mail remind {}.",
        customer.name,
        typed_name(&customer.name)
    ));
    reply.severity = Severity::Good;
    Ok(reply)
}

/// `/mail unhold <customer>`: the hold in force ends yesterday, so reminders resume today.
pub(super) async fn handle_unhold(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    let today = app.today();
    // A retried interaction whose first delivery lifted the hold is answered as such, before the
    // check that would now find no hold.
    if inv.already(app.store.as_ref(), "reminder_hold_lifted").await? {
        return Ok(Reply::default().line("Already lifted: this request reached arbot twice and was recorded once."));
    }
    match app.store.lift_reminder_hold(customer.id, today, &inv.author(), app.clock.now()).await? {
        Recorded::Already => {
            Ok(Reply::default().line("Already lifted: this request reached arbot twice and was recorded once."))
        }
        Recorded::New(None) => Err(CommandError::User(format!(
            "{} is not on hold today, so there is nothing to lift. Nothing was changed.",
            customer.name
        ))),
        Recorded::New(Some((until, reason))) => {
            let mut reply = Reply::default().line(format!(
                "Lifted the hold on {} (it ran through {}: {reason}). Reminders are due again from today; \
                 /mail remind {} shows what would go out.",
                customer.name,
                until.format("%a %b %-d"),
                typed_name(&customer.name)
            ));
            reply.severity = Severity::Good;
            Ok(reply)
        }
    }
}

/// `/mail hold <customer> <until> <reason>`.
pub(super) async fn handle_hold(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    let until = inv.args.date("until").ok_or_else(|| missing_arg("until"))?;
    let today = app.today();
    if until < today {
        return Err(CommandError::User(format!(
            "{until} has passed; a hold runs until today or a later day. Nothing was changed."
        )));
    }
    let Some(reason) = inv.args.text("reason").map(str::trim).filter(|r| !r.is_empty()) else {
        return Err(CommandError::User(format!(
            "Say why, like /mail hold {} {until} PM handles this relationship. Nothing was changed.",
            typed_name(&customer.name)
        )));
    };
    if !app.store.hold_reminders(customer.id, until, reason, &inv.author(), app.clock.now()).await?.is_new() {
        return Ok(Reply::default().line("Already held: this request reached arbot twice and was recorded once."));
    }
    let mut reply = Reply::default().line(format!(
        "No reminders go to {} through {} ({reason}). /mail remind {} still shows what would be due.",
        customer.name,
        until.format("%a %b %-d"),
        typed_name(&customer.name)
    ));
    reply.severity = Severity::Good;
    Ok(reply)
}

/// `/mail remind <customer>`.
pub(super) async fn handle_remind(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    let today = app.today();
    let prepared = prepare(app, customer.id, today).await?;
    Ok(reminder_reply(app, &customer.name, &prepared, today))
}

/// A reminder as it would go out today, with what stops it, if anything.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub plan: Option<ReminderPlan>,
    pub to: Option<String>,
    pub hold: Option<(NaiveDate, String)>,
    pub email: Option<Email>,
    pub key: String,
}

/// The outbox key of a customer's reminder on a day: one a day, whoever approves it.
pub fn reminder_key(customer_id: i64, day: NaiveDate) -> String {
    format!("reminder:{customer_id}:{day}")
}

/// Works out the reminder an account is due on `day` from its state now.
pub async fn prepare(app: &App, customer_id: i64, day: NaiveDate) -> Result<Prepared, CommandError> {
    let store = &app.store;
    let items: Vec<_> = store
        .open_items(OpenItemsQuery { as_of: day, customer_id: Some(customer_id), historical: false })
        .await?
        .into_iter()
        .filter(|i| i.balance.currency == app.config.currency)
        .collect();
    let promises = store.promises_for_customer(customer_id).await?;
    let plans = store.plans_for_customer(customer_id).await?;
    let tz = app.config.time_zone;
    let from =
        promises.iter().map(|p| p.logged_on(tz)).chain(plans.iter().map(|p| p.logged_on(tz))).min().unwrap_or(day);
    let cash = store.cash_applied(Some(customer_id), from).await?;
    let hold = store.reminder_hold(customer_id, day).await?;
    let state = AccountState {
        items: &items,
        promises: &promises,
        cash: &cash,
        rules: app.promise_rules(),
        hold_until: None,
        plans: &plans,
    };
    let plan = plan_reminder(&app.config.reminders.ladder, &state, day);
    let contact = store.contact(customer_id).await?.and_then(|c| c.email);
    let ledger = store.customer(customer_id).await?;
    let to = contact.or_else(|| ledger.as_ref().and_then(|c| c.email.clone())).filter(|e| !e.trim().is_empty());
    let key = reminder_key(customer_id, day);
    let email = match (&plan, &to) {
        (Some(plan), Some(to)) if EmailAddress::parse(to).is_ok() => Some(compose(app, plan, to, &key)),
        _ => None,
    };
    Ok(Prepared { plan, to, hold, email, key })
}

fn money(app: &App, minor: i64) -> Money {
    app.money(minor)
}

/// The email of a plan: the built-in wording of its stage (courteous before and just after the
/// due date, firmer as it ages, a final notice at the last stage).
pub fn compose(app: &App, plan: &ReminderPlan, to: &str, key: &str) -> Email {
    let ladder = &app.config.reminders.ladder;
    let stage = &ladder.stages()[plan.stage];
    let last = plan.stage + 1 == ladder.stages().len() && stage.days > 0;
    let total = money(app, plan.total_minor);
    let business = &app.config.business_name;
    let overdue = plan.lines.iter().any(|l| l.days_from_due > 0);
    let oldest = plan.lines.iter().map(|l| l.days_from_due).max().unwrap_or(0);
    let subject = if last {
        format!("Final notice: {total} past due to {business}")
    } else if stage.days >= 30 {
        format!("Past due: {total} on your account with {business}")
    } else if overdue {
        format!("Reminder: {total} past due to {business}")
    } else {
        format!("Upcoming: {total} due soon to {business}")
    };
    let opening = if last {
        // Only what arbot knows: not "despite our earlier reminders", which it may never have sent.
        format!(
            "The invoices below remain unpaid, {total} in all, the oldest {oldest} days past due. Please pay \
             within ten days, or call us to agree a date, so we can keep this account in good standing."
        )
    } else if stage.days >= 30 {
        format!(
            "Our records show {total} past due on the invoices below, the oldest {oldest} days past due. Please \
             let us know when payment will be made, or whether anything is holding it up."
        )
    } else if overdue {
        format!(
            "This is a friendly reminder that the invoices below are now past due, {total} in all. If payment is \
             already on its way, thank you, and please disregard this note."
        )
    } else {
        format!("A courtesy note: the invoices below, {total} in all, come due shortly.")
    };
    let mut text = format!("Hello {} accounts payable,\n\n{opening}\n\n", plan.customer_name);
    for l in &plan.lines {
        let when = if l.days_from_due > 0 {
            format!("due {}, {} days past due", l.due.format("%b %-d, %Y"), l.days_from_due)
        } else {
            format!("due {}", l.due.format("%b %-d, %Y"))
        };
        let job = l.job.as_deref().map(|j| format!(" ({j})")).unwrap_or_default();
        text.push_str(&format!("  Invoice #{}{job}: {} {when}\n", l.number, money(app, l.asked_minor)));
    }
    text.push_str(&format!("\nTotal: {total}\n\nIf you have questions about any of these invoices, reply to this email.\n\nThank you,\n{business} accounts receivable\n"));
    Email { to: vec![to.to_string()], subject, text, attachments: Vec::new(), message_id: message_id(key) }
}

/// The preview in chat, with Send and Skip when it can go out.
pub fn reminder_reply(app: &App, name: &str, p: &Prepared, day: NaiveDate) -> Reply {
    let typed = typed_name(name);
    let Some(plan) = &p.plan else {
        return Reply::default().line(format!(
            "Nothing of {name}'s is at a reminder stage on {}: no invoice is within the ladder's days, or what is \
             (disputed, promised, on a payment plan) is left out.",
            day.format("%a %b %-d")
        ));
    };
    let stage = &app.config.reminders.ladder.stages()[plan.stage];
    let mut reply =
        Reply::titled(format!("Reminder for {name}: {} ({} stage)", money(app, plan.total_minor), stage.name));
    match &p.email {
        Some(email) => {
            reply.lines.push(format!("To {}: \"{}\"", email.to.join(", "), email.subject));
            reply.lines.push(String::new());
            reply.lines.push(email.text.trim_end().to_string());
        }
        None => reply.lines.push(match &p.to {
            Some(bad) => format!("{name}'s email '{bad}' is not an address arbot can send to. Set one with /mail contact {typed} ap@example.com."),
            None => format!("{name} has no billing email, so this cannot be sent. Set one with /mail contact {typed} ap@example.com."),
        }),
    }
    for l in &plan.left_out {
        reply.lines.push(format!("Left out: #{} ({}).", l.number, l.why));
    }
    if plan.on_plan_minor > 0 {
        reply.lines.push(format!(
            "Left out: {} under the payment plan, installments not yet due.",
            app.money(plan.on_plan_minor)
        ));
    }
    if let Some((until, reason)) = &p.hold {
        reply.lines.push(format!(
            "{name} is on hold through {} ({reason}): nothing is sent until then.",
            until.format("%a %b %-d")
        ));
        reply.severity = Severity::Warning;
        return reply;
    }
    if p.email.is_some() {
        reply.buttons = vec![
            Button { id: format!("mail:send:{}:{day}", plan.customer_id), label: "Send".to_string() },
            Button { id: format!("mail:skip:{}:{day}", plan.customer_id), label: "Skip".to_string() },
        ];
    } else {
        reply.severity = Severity::Warning;
    }
    reply
}

/// A Send click: the reminder is worked out again from the state now (a payment since the
/// preview is not asked for) and queued once under its day's key.
pub async fn approve(app: &App, customer_id: i64, day: NaiveDate, who: &str) -> Result<(bool, String), CommandError> {
    let today = app.today();
    if day != today {
        return Err(CommandError::User(format!(
            "This reminder was prepared for {}; prepare today's with /mail remind.",
            day.format("%a %b %-d")
        )));
    }
    let p = prepare(app, customer_id, day).await?;
    if let Some((until, reason)) = &p.hold {
        return Err(CommandError::User(format!(
            "This account is on hold through {until} ({reason}); nothing was sent."
        )));
    }
    let (Some(plan), Some(email)) = (&p.plan, &p.email) else {
        return Err(CommandError::User(
            "Nothing is due a reminder on this account any more (paid, promised or disputed since), or it has no \
             billing email; nothing was sent."
                .to_string(),
        ));
    };
    let stage = &app.config.reminders.ladder.stages()[plan.stage];
    let numbers: Vec<String> = plan.lines.iter().map(|l| format!("#{}", l.number)).collect();
    let job = EmailJob {
        customer_id,
        email: email.clone(),
        note: format!(
            "Reminder ({} stage) emailed to {}: {} for {}.",
            stage.name,
            email.to.join(", "),
            money(app, plan.total_minor),
            numbers.join(", ")
        ),
        approved_by: at(who),
    };
    let queued = enqueue_email(app, &p.key, &job).await.map_err(CommandError::Internal)?;
    Ok((queued, email.to.join(", ")))
}
