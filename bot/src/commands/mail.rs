//! `/mail …`: what goes to customers by email. `/mail contact` sets where a customer's reminders
//! go; `/mail remind` prepares today's reminder for one account (every invoice at or past its
//! stage, in one email) with Send, Edit and Skip buttons; `/mail hold` keeps reminders away from an
//! account until a day. Each morning the round ([`queue_round`]) posts "Reminders ready" with every
//! account a stage has newly reached, and sends by itself what a stage without approval asks.
//! Sending goes through the outbox ([`crate::outbox::enqueue_reminder`]), keyed by customer and
//! day, so an account gets at most one reminder a day however often it is approved; what each
//! reminder asked is recorded with it, so a stage is asked once, not every morning.

use arbot_core::Money;
use arbot_core::audit::Recorded;
use arbot_core::audit::{Author, Surface};
use arbot_core::mail::{AccountState, AskedLine, EmailAddress, ReminderChoice, ReminderPlan, plan_reminder};
use arbot_core::store::OpenItemsQuery;
use chrono::NaiveDate;

use super::note::typed_name;
use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::mail::Email;
use crate::outbox::{BY_ITSELF, EmailJob, VendorPdf, enqueue_reminder, message_id};
use crate::reply::{Button, Form, FormField, Reply, Severity};
use crate::roles::Actor;
use crate::templates::{InvoiceContext, ReminderContext, Rendered};
use crate::wording::at;

/// `/mail contact <customer> [email] [address <lines split by ;>]`: where reminders and
/// statements are emailed, and where letters and statements are addressed.
pub(super) async fn handle_contact(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    let typed = typed_name(&customer.name);
    let email = inv.args.text("email").map(str::trim).filter(|t| !t.is_empty());
    let address = inv.args.text("address").map(postal_lines).filter(|a| !a.is_empty());
    if email.is_none() && address.is_none() {
        return Err(CommandError::User(format!(
            "Give an email, an address or both: /mail contact {typed} ap@example.com address 100 Main St; Tampa, FL \
             33602. Nothing was changed."
        )));
    }
    // Both are checked before either is kept.
    let email = match email {
        Some(e) => {
            Some(EmailAddress::parse(e).map_err(|why| CommandError::User(format!("{why}. Nothing was changed.")))?)
        }
        None => None,
    };
    let ledger = app.store.customer(customer.id).await?;
    let mut said = Vec::new();
    if let Some(email) = &email {
        let recorded =
            app.store.set_contact_email(customer.id, email.as_str(), "chat", &inv.author(), app.clock.now()).await?;
        let Some(before) = recorded.new_value() else {
            return Ok(Reply::default().line("Already set: this request reached arbot twice and was recorded once."));
        };
        let was = match before.or_else(|| ledger.as_ref().and_then(|c| c.email.clone())) {
            Some(old) if old != email.as_str() => format!(" (was {old})"),
            _ => String::new(),
        };
        said.push(format!("Reminders and statements for {} now go to {email}{was}.", customer.name));
    }
    if let Some(address) = &address {
        // Its own audit key, so that setting both in one command records both.
        let author = match inv.author().key.clone() {
            Some(key) => inv.author().with_key(format!("{key}:address")),
            None => inv.author(),
        };
        let recorded = app.store.set_contact_address(customer.id, address, "chat", &author, app.clock.now()).await?;
        if let Some(before) = recorded.new_value() {
            let was = match before.or_else(|| ledger.as_ref().and_then(|c| c.address.clone())) {
                Some(old) if old.trim() != address.as_str() => {
                    format!(" (was {})", old.lines().collect::<Vec<_>>().join(", "))
                }
                _ => String::new(),
            };
            said.push(format!(
                "Letters and statements to {} are now addressed to {}{was}.",
                customer.name,
                address.lines().collect::<Vec<_>>().join(", ")
            ));
        } else if said.is_empty() {
            return Ok(Reply::default().line("Already set: this request reached arbot twice and was recorded once."));
        }
    }
    if email.is_some() {
        said.push(format!("Prepare a reminder with /mail remind {typed}."));
    }
    let mut reply = Reply::default().line(said.join(" "));
    reply.severity = Severity::Good;
    Ok(reply)
}

/// A typed postal address as its lines: split at `;` or a line break, each trimmed.
fn postal_lines(typed: &str) -> String {
    typed.split([';', '\n']).map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
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

/// `/mail round`: the accounts due a reminder today, as the morning post lists them.
pub(super) async fn handle_round(app: &App) -> Result<Reply, CommandError> {
    round_now(app).await
}

/// The accounts due a reminder today, as the morning post lists them (nothing is sent).
pub async fn round_now(app: &App) -> Result<Reply, CommandError> {
    let today = app.today();
    let entries = round(app, today).await?;
    if entries.is_empty() {
        return Ok(Reply::default().line(format!(
            "No account is due a reminder on {}: no invoice has reached a stage it was not already asked at.",
            today.format("%a %b %-d")
        )));
    }
    Ok(round_reply(app, today, &entries, &[]))
}

/// A reminder as it would go out today, with what stops it, if anything.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub plan: Option<ReminderPlan>,
    pub to: Option<String>,
    pub hold: Option<(NaiveDate, String)>,
    /// What a person decided about it today (skipped, or their own subject and opening).
    pub choice: Option<ReminderChoice>,
    pub email: Option<Email>,
    /// The template's own opening paragraph of that email (before any edit), for the Edit form.
    pub opening: Option<String>,
    pub key: String,
    /// The invoices it asks for whose accounting system serves their own PDF (attached as it goes).
    pub pdfs: Vec<VendorPdf>,
}

impl Prepared {
    /// Whether it can go out as it stands (at a stage, an address, no hold).
    fn sendable(&self) -> bool {
        self.plan.is_some() && self.email.is_some() && self.hold.is_none()
    }
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
    let reminded = store.reminded(customer_id).await?;
    let state = AccountState {
        items: &items,
        promises: &promises,
        cash: &cash,
        rules: app.promise_rules(),
        hold_until: None,
        plans: &plans,
        reminded: &reminded,
    };
    let plan = plan_reminder(&app.config.reminders.ladder, &state, day);
    let ledger = store.customer(customer_id).await?;
    let to = match &ledger {
        Some(c) => super::statement::recipient(app, c).await?,
        None => None,
    };
    let choice = store.reminder_choice(customer_id, day).await?;
    let key = reminder_key(customer_id, day);
    // What the late-fee terms allow on the invoices it asks for, when reminders are to state it.
    let mut late_fee_minor = 0;
    if let (Some(plan), true) = (&plan, app.config.late_fees.in_reminders)
        && let Some(terms) = app.config.late_fees.terms_for(&plan.customer_name)
    {
        let asked: Vec<_> =
            items.iter().filter(|i| plan.lines.iter().any(|l| l.invoice_id == i.invoice_id)).cloned().collect();
        late_fee_minor = super::latefee::fees(app, terms, &asked, day).await?.iter().map(|l| l.total_minor).sum();
    }
    let (email, opening) = match (&plan, &to) {
        (Some(plan), Some(to)) if EmailAddress::parse(to).is_ok() => {
            let (email, rendered) = compose(app, plan, to, &key, choice.as_ref(), late_fee_minor)?;
            (Some(email), Some(rendered.opening))
        }
        _ => (None, None),
    };
    let pdfs = match &plan {
        Some(plan) => vendor_pdfs(app, plan).await?,
        None => Vec::new(),
    };
    Ok(Prepared { plan, to, hold, choice, email, opening, key, pdfs })
}

/// The invoices of `plan` whose accounting system serves their own PDF (QuickBooks, Xero).
async fn vendor_pdfs(app: &App, plan: &ReminderPlan) -> Result<Vec<VendorPdf>, CommandError> {
    let serving: Vec<&str> = app.sources.iter().filter(|s| s.serves_invoice_pdfs()).map(|s| s.name()).collect();
    if serving.is_empty() {
        return Ok(Vec::new());
    }
    let invoices = app.store.customer_invoices(plan.customer_id).await?;
    Ok(plan
        .lines
        .iter()
        .filter_map(|l| invoices.iter().find(|i| i.id == l.invoice_id))
        .filter(|i| serving.contains(&i.source.as_str()))
        .map(|i| VendorPdf { source: i.source.clone(), external_id: i.external_id.clone(), number: i.number.clone() })
        .collect())
}

fn money(app: &App, minor: i64) -> Money {
    app.money(minor)
}

/// What the templates see of a plan: its figures, worded as the email shows them.
pub fn context(app: &App, plan: &ReminderPlan, late_fee_minor: i64) -> ReminderContext {
    let ladder = &app.config.reminders.ladder;
    let stage = &ladder.stages()[plan.stage];
    let business = app.config.business_name.clone();
    let invoices = plan
        .lines
        .iter()
        .map(|l| {
            InvoiceContext::new(
                &l.number,
                l.job.clone(),
                l.pm.clone(),
                money(app, l.asked_minor).to_string(),
                l.due,
                l.days_from_due,
            )
        })
        .collect();
    let (late_fee, late_fee_terms) = if late_fee_minor > 0 {
        let terms = app.config.late_fees.terms_for(&plan.customer_name).map(|t| super::latefee::terms_text(app, t));
        (Some(money(app, late_fee_minor).to_string()), terms)
    } else {
        (None, None)
    };
    ReminderContext {
        customer: plan.customer_name.clone(),
        sender: format!("{business} accounts receivable"),
        business,
        stage: stage.name.clone(),
        stage_days: stage.days,
        total: money(app, plan.total_minor).to_string(),
        oldest_days: plan.lines.iter().map(|l| l.days_from_due).max().unwrap_or(0).max(0),
        overdue: plan.lines.iter().any(|l| l.days_from_due > 0),
        last: plan.stage + 1 == ladder.stages().len() && stage.days > 0,
        invoices,
        late_fee,
        late_fee_terms,
    }
}

/// A plan's email worded by its stage's template (`[reminders] templates`, or arbot's own),
/// with a person's own subject and opening for today where they edited it; with
/// `late_fee_minor` above zero, the template can state what the terms allow to date
/// (`[late_fees] in_reminders`).
pub fn compose(
    app: &App,
    plan: &ReminderPlan,
    to: &str,
    key: &str,
    choice: Option<&ReminderChoice>,
    late_fee_minor: i64,
) -> Result<(Email, Rendered), CommandError> {
    let ctx = context(app, plan, late_fee_minor);
    let opening = choice.and_then(|c| c.opening.as_deref());
    let rendered =
        app.config.reminders.templates.render(&app.config.reminders.ladder, plan.stage, &ctx, opening).map_err(
            |why| {
                CommandError::User(format!("This reminder can't be worded: {why}. Fix the template; nothing was sent."))
            },
        )?;
    let subject = choice.and_then(|c| c.subject.clone()).unwrap_or_else(|| rendered.subject.clone());
    let email = Email {
        to: vec![to.to_string()],
        subject,
        text: rendered.text.clone(),
        attachments: Vec::new(),
        message_id: message_id(key),
    };
    Ok((email, rendered))
}

/// The buttons of a prepared reminder: Send, Edit and Skip.
fn buttons(customer_id: i64, day: NaiveDate) -> Vec<Button> {
    ["Send", "Edit", "Skip"]
        .iter()
        .map(|label| Button {
            id: format!("mail:{}:{customer_id}:{day}", label.to_lowercase()),
            label: label.to_string(),
        })
        .collect()
}

/// The preview in chat, with Send, Edit and Skip when it can go out.
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
            // The statement is drawn when the email is queued ([`queue`]); a reminder always has
            // something open in the business's currency, so it always has one.
            let (_, period_end) = arbot_core::statement::default_period(day);
            reply.lines.push(String::new());
            let statement = crate::documents::statement::named(name, period_end, app.config.currency, "pdf");
            reply.lines.push(match p.pdfs.first() {
                None => format!("Attached: {statement}."),
                Some(first) => {
                    let vendor = crate::connect::vendor_name(&app.config.sources, &first.source);
                    let files: Vec<String> = p.pdfs.iter().map(|v| crate::outbox::invoice_file(&v.number)).collect();
                    format!("Attached: {statement}, and {} from {vendor} (fetched as it goes).", files.join(", "))
                }
            });
        }
        None => reply.lines.push(match &p.to {
            Some(bad) => format!("{name}'s email '{bad}' is not an address arbot can send to. Set one with /mail contact {typed} ap@example.com."),
            None => format!("{name} has no billing email, so this cannot be sent. Set one with /mail contact {typed} ap@example.com."),
        }),
    }
    let asked: Vec<String> = plan
        .lines
        .iter()
        .filter_map(|l| l.asked_on.map(|d| format!("#{} ({})", l.number, d.format("%b %-d"))))
        .collect();
    if !asked.is_empty() {
        reply.lines.push(format!("Asked for at this stage before: {}.", asked.join(", ")));
    }
    // One line per reason: "Left out: #1005, #1013 (only retainage is open)."
    let mut reasons: Vec<(&str, Vec<String>)> = Vec::new();
    for l in &plan.left_out {
        match reasons.iter_mut().find(|(why, _)| *why == l.why) {
            Some((_, numbers)) => numbers.push(format!("#{}", l.number)),
            None => reasons.push((&l.why, vec![format!("#{}", l.number)])),
        }
    }
    for (why, numbers) in reasons {
        reply.lines.push(format!("Left out: {} ({why}).", numbers.join(", ")));
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
    match &p.choice {
        Some(c) if c.skipped => reply
            .lines
            .push(format!("Skipped for today by {}: Send all leaves it out; Send here still sends it.", at(&c.set_by))),
        Some(c) => reply.lines.push(format!("The subject and opening are {}'s, for today.", at(&c.set_by))),
        None => {}
    }
    if p.email.is_some() {
        reply.buttons = buttons(plan.customer_id, day);
    } else {
        reply.severity = Severity::Warning;
    }
    reply
}

/// A Send click: the reminder is worked out again from the state now (a payment since the
/// preview is not asked for) and queued once under its day's key.
pub async fn approve(app: &App, customer_id: i64, day: NaiveDate, who: &str) -> Result<(bool, String), CommandError> {
    let p = prepared_today(app, customer_id, day).await?;
    if let Some((until, reason)) = &p.hold {
        return Err(CommandError::User(format!(
            "This account is on hold through {until} ({reason}); nothing was sent."
        )));
    }
    let (Some(_), Some(email)) = (&p.plan, &p.email) else {
        return Err(CommandError::User(
            "Nothing is due a reminder on this account any more (paid, promised or disputed since), or it has no \
             billing email; nothing was sent."
                .to_string(),
        ));
    };
    let queued = queue(app, &p, day, at(who)).await?;
    Ok((queued, email.to.join(", ")))
}

/// The reminder of `day`, which must be today: a button from an earlier day asks again.
async fn prepared_today(app: &App, customer_id: i64, day: NaiveDate) -> Result<Prepared, CommandError> {
    today_only(app, day)?;
    prepare(app, customer_id, day).await
}

/// Refuses a button of an earlier day's reminder.
fn today_only(app: &App, day: NaiveDate) -> Result<(), CommandError> {
    if day != app.today() {
        return Err(CommandError::User(format!(
            "This reminder was prepared for {}; prepare today's with /mail remind.",
            day.format("%a %b %-d")
        )));
    }
    Ok(())
}

/// Queues a prepared reminder with what it asks of each invoice; false when today's was queued.
async fn queue(app: &App, p: &Prepared, day: NaiveDate, approved_by: String) -> Result<bool, CommandError> {
    let (Some(plan), Some(email)) = (&p.plan, &p.email) else { return Ok(false) };
    let stages = app.config.reminders.ladder.stages();
    let stage = &stages[plan.stage];
    let numbers: Vec<String> = plan.lines.iter().map(|l| format!("#{}", l.number)).collect();
    // The account's statement goes with it, in the business's currency like the reminder: drawn
    // here, once it is sent, not for every preview and morning list.
    let mut email = email.clone();
    if let Some(customer) = super::statement::billed(app, plan.customer_id).await? {
        for st in super::statement::prepare(app, &customer, day).await? {
            if st.currency == app.config.currency {
                let [pdf, _csv] = super::statement::files(app, &st, &customer);
                email.attachments.push(pdf);
            }
        }
    }
    let job = EmailJob {
        customer_id: plan.customer_id,
        email: email.clone(),
        note: format!(
            "Reminder ({} stage) emailed to {}: {} for {}.",
            stage.name,
            email.to.join(", "),
            money(app, plan.total_minor),
            numbers.join(", ")
        ),
        approved_by,
        invoice_pdfs: p.pdfs.clone(),
    };
    let lines: Vec<AskedLine> = plan
        .lines
        .iter()
        .map(|l| AskedLine {
            invoice_id: l.invoice_id,
            stage: stages[l.stage].name.clone(),
            stage_days: stages[l.stage].days,
        })
        .collect();
    enqueue_reminder(app, &p.key, &job, day, &lines).await.map_err(CommandError::Internal)
}

/// A Skip click: today's reminder is left out of Send all (and the morning's list shows who
/// skipped it); it comes back in the next morning's round while it is still due.
pub async fn skip(
    app: &App,
    who: &Actor,
    customer_id: i64,
    day: NaiveDate,
    interaction: &str,
) -> Result<String, CommandError> {
    today_only(app, day)?;
    let by = Author::new(who.id.clone(), who.name.clone(), Surface::Discord).with_key(interaction);
    let choice = ReminderChoice { skipped: true, subject: None, opening: None, set_by: who.name.clone() };
    app.store.set_reminder_choice(customer_id, day, &choice, &by, app.clock.now()).await?;
    let time = app.clock.now().with_timezone(&app.config.time_zone).format("%-H:%M");
    Ok(format!(
        "Skipped by {} at {time}; nothing was sent. It is listed again in the next morning's reminders while it is \
         due; /mail hold keeps it back longer.",
        at(&who.name)
    ))
}

/// The Edit form's fields.
const SUBJECT: &str = "subject";
const OPENING: &str = "opening";

/// The form an Edit click opens: today's subject and opening paragraph, filled in as they stand.
pub async fn edit_form(app: &App, customer_id: i64, day: NaiveDate) -> Result<Form, CommandError> {
    let p = prepared_today(app, customer_id, day).await?;
    let (Some(plan), Some(email)) = (&p.plan, &p.email) else {
        return Err(CommandError::User(
            "Nothing is due a reminder on this account any more, or it has no billing email; there is nothing to edit."
                .to_string(),
        ));
    };
    let opening = p.choice.as_ref().and_then(|c| c.opening.clone()).or_else(|| p.opening.clone()).unwrap_or_default();
    let title: String = format!("Reminder to {}", plan.customer_name).chars().take(45).collect();
    Ok(Form {
        id: format!("mail:edit:{customer_id}:{day}"),
        title,
        fields: vec![
            FormField {
                id: SUBJECT.to_string(),
                label: "Subject".to_string(),
                long: false,
                required: true,
                placeholder: None,
                max_length: 200,
                value: Some(email.subject.clone()),
            },
            FormField {
                id: OPENING.to_string(),
                label: "Opening paragraph".to_string(),
                long: true,
                required: true,
                placeholder: None,
                max_length: 2000,
                value: Some(opening),
            },
        ],
    })
}

/// The Edit form coming back: today's email gets this subject and opening (the invoices and the
/// total stay as arbot works them out), and the preview is shown again with its buttons.
pub async fn save_edit(
    app: &App,
    who: &Actor,
    customer_id: i64,
    day: NaiveDate,
    value: impl Fn(&str) -> Option<String>,
    interaction: &str,
) -> Result<Reply, CommandError> {
    today_only(app, day)?;
    let (Some(subject), Some(opening)) = (value(SUBJECT), value(OPENING)) else {
        return Err(CommandError::User(
            "Give the email a subject and an opening paragraph. Nothing was changed.".into(),
        ));
    };
    if subject.contains(['\r', '\n']) {
        return Err(CommandError::User("A subject is one line. Nothing was changed.".into()));
    }
    let by = Author::new(who.id.clone(), who.name.clone(), Surface::Discord).with_key(interaction);
    let choice =
        ReminderChoice { skipped: false, subject: Some(subject), opening: Some(opening), set_by: who.name.clone() };
    app.store.set_reminder_choice(customer_id, day, &choice, &by, app.clock.now()).await?;
    let name = app.store.customer(customer_id).await?.map(|c| c.name).unwrap_or_default();
    let p = prepare(app, customer_id, day).await?;
    Ok(reminder_reply(app, &name, &p, day))
}

/// One account in the morning's round.
#[derive(Debug, Clone)]
pub struct RoundEntry {
    pub name: String,
    pub prepared: Prepared,
}

/// Every account a stage has newly reached on `day` (an invoice at a stage no standing reminder
/// asked it at), worked out from the state now, in order of name.
pub async fn round(app: &App, day: NaiveDate) -> Result<Vec<RoundEntry>, CommandError> {
    let ladder = &app.config.reminders.ladder;
    let items = app.store.open_items(OpenItemsQuery { as_of: day, customer_id: None, historical: false }).await?;
    let mut candidates: Vec<(String, i64)> = items
        .iter()
        .filter(|i| i.balance.currency == app.config.currency && !i.disputed)
        .filter(|i| ladder.stage_at((day - i.due).num_days()).is_some())
        .map(|i| (i.customer_name.clone(), i.customer_id))
        .collect();
    candidates.sort();
    candidates.dedup();
    let mut out = Vec::new();
    for (name, id) in candidates {
        let prepared = prepare(app, id, day).await?;
        if prepared.plan.as_ref().is_some_and(ReminderPlan::is_due) {
            out.push(RoundEntry { name, prepared });
        }
    }
    Ok(out)
}

/// What the morning's round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundOutcome {
    /// Accounts listed for approval.
    pub listed: usize,
    /// Reminders of stages without approval queued by themselves.
    pub sent_by_itself: usize,
    /// Whether the "Reminders ready" post was queued now (false: none due, or queued before).
    pub posted: bool,
}

/// Most accounts one "Reminders ready" post has a button for (Discord's 25, less Send all).
const ROUND_BUTTONS: usize = 24;

/// The morning's round: what a stage without approval asks is queued by itself, and "Reminders
/// ready" goes to the AR channel once a day with the rest, each account's button opening its
/// email, and Send all.
pub async fn queue_round(app: &App, day: NaiveDate) -> anyhow::Result<RoundOutcome> {
    let entries = round(app, day).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let stages = app.config.reminders.ladder.stages();
    let mut outcome = RoundOutcome::default();
    let mut by_itself = Vec::new();
    let mut listed = Vec::new();
    for e in entries {
        let plan = e.prepared.plan.as_ref().map(|p| p.stage);
        let automatic = plan.is_some_and(|s| !stages[s].approval);
        if automatic && e.prepared.sendable() {
            if queue(app, &e.prepared, day, BY_ITSELF.to_string()).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                outcome.sent_by_itself += 1;
            }
            by_itself.push(e);
        } else {
            listed.push(e);
        }
    }
    outcome.listed = listed.len();
    if listed.is_empty() && by_itself.is_empty() {
        return Ok(outcome);
    }
    let reply = round_reply(app, day, &listed, &by_itself);
    let post = crate::chat::Post::of(reply);
    outcome.posted =
        crate::outbox::enqueue_post(app, &format!("reminders:{day}"), crate::outbox::Destination::ArChannel, post)
            .await?;
    Ok(outcome)
}

/// "Reminders ready for Wed Dec 2: 4 accounts, $84,120.00", a line per account, its button.
fn round_reply(app: &App, day: NaiveDate, listed: &[RoundEntry], by_itself: &[RoundEntry]) -> Reply {
    let stages = app.config.reminders.ladder.stages();
    let total: i64 = listed.iter().filter_map(|e| e.prepared.plan.as_ref()).map(|p| p.total_minor).sum();
    let mut reply = Reply::titled(format!(
        "Reminders ready for {}: {} {}, {}",
        day.format("%a %b %-d"),
        listed.len(),
        if listed.len() == 1 { "account" } else { "accounts" },
        money(app, total)
    ));
    let line = |e: &RoundEntry| {
        let Some(plan) = &e.prepared.plan else { return String::new() };
        let n = plan.lines.len();
        let head = format!(
            "{} · {} stage · {} ({n} {})",
            e.name,
            stages[plan.stage].name,
            money(app, plan.total_minor),
            if n == 1 { "invoice" } else { "invoices" }
        );
        let typed = typed_name(&e.name);
        let what = if let Some((until, reason)) = &e.prepared.hold {
            format!("on hold through {} ({reason})", until.format("%b %-d"))
        } else if let Some(email) = &e.prepared.email {
            format!("to {}", email.to.join(", "))
        } else if let Some(bad) = &e.prepared.to {
            format!("'{bad}' is not an address arbot can send to: /mail contact {typed} ap@example.com")
        } else {
            format!("no billing email: /mail contact {typed} ap@example.com")
        };
        let skipped = match &e.prepared.choice {
            Some(c) if c.skipped => format!(" · skipped by {}", at(&c.set_by)),
            _ => String::new(),
        };
        format!("{head} → {what}{skipped}")
    };
    if listed.is_empty() {
        reply.lines.push("Nothing waits for approval today.".to_string());
    }
    for e in listed {
        reply.lines.push(line(e));
    }
    if !by_itself.is_empty() {
        reply.lines.push(String::new());
        reply.lines.push("Sent by itself (its stage needs no approval):".to_string());
        for e in by_itself {
            reply.lines.push(line(e));
        }
    }
    // What Send all would send: nobody skipped it.
    let ready = listed
        .iter()
        .filter(|e| e.prepared.sendable() && !e.prepared.choice.as_ref().is_some_and(|c| c.skipped))
        .count();
    if ready > 0 {
        reply.buttons.push(Button { id: format!("mail:all:{day}"), label: format!("Send all {ready}") });
        reply.footer = Some(
            "An account's button shows its email, to send, edit or skip. Send all emails every one with an address \
             that nobody skipped."
                .to_string(),
        );
    }
    let with_button: Vec<&RoundEntry> = listed.iter().filter(|e| e.prepared.sendable()).collect();
    for e in with_button.iter().take(ROUND_BUTTONS) {
        let label: String = e.name.chars().take(80).collect();
        reply.buttons.push(Button { id: format!("mail:review:{}:{day}", customer_of(e)), label });
    }
    if with_button.len() > ROUND_BUTTONS {
        reply.lines.push(format!(
            "{} more have no button here (Discord shows 25): /mail remind <customer> shows each.",
            with_button.len() - ROUND_BUTTONS
        ));
    }
    reply.severity = Severity::Info;
    reply
}

fn customer_of(e: &RoundEntry) -> i64 {
    e.prepared.plan.as_ref().map(|p| p.customer_id).unwrap_or_default()
}

/// Send all: every account in today's round with an address, not on hold and not skipped, queued
/// once (recomputed now, so a payment since the morning is not asked for). Returns the status.
pub async fn send_all(app: &App, who: &Actor, day: NaiveDate) -> Result<String, CommandError> {
    if day != app.today() {
        return Err(CommandError::User(format!(
            "These reminders were prepared for {}; today's are in this morning's post.",
            day.format("%a %b %-d")
        )));
    }
    let entries = round(app, day).await?;
    let (mut sent, mut already, mut skipped, mut cannot) = (Vec::new(), 0, Vec::new(), Vec::new());
    for e in &entries {
        if e.prepared.choice.as_ref().is_some_and(|c| c.skipped) {
            skipped.push(e.name.clone());
        } else if !e.prepared.sendable() {
            cannot.push(e.name.clone());
        } else if queue(app, &e.prepared, day, at(&who.name)).await? {
            sent.push(e.name.clone());
        } else {
            already += 1;
        }
    }
    let time = app.clock.now().with_timezone(&app.config.time_zone).format("%-H:%M");
    let mut status = format!(
        "Sent by {} at {time}: {} {} queued{}",
        at(&who.name),
        sent.len(),
        if sent.len() == 1 { "reminder" } else { "reminders" },
        if sent.is_empty() { String::new() } else { format!(" ({})", sent.join(", ")) }
    );
    if app.config.mail.is_none() && !sent.is_empty() {
        status.push_str("; they wait in the outbox until a [mail] server is set up in arbot.toml");
    }
    status.push('.');
    if already > 0 {
        status.push_str(&format!(" {already} already queued today."));
    }
    if !skipped.is_empty() {
        status.push_str(&format!(" Skipped: {}.", skipped.join(", ")));
    }
    if !cannot.is_empty() {
        status.push_str(&format!(" Not sent (on hold or no address): {}.", cannot.join(", ")));
    }
    Ok(status)
}
