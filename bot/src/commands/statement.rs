//! `/mail statement <customer> [as-of]`: the customer's statement for the month that ends on or
//! before `as-of` (today by default), with what is open on `as-of`, attached as PDF and CSV.

use arbot_core::Money;
use arbot_core::dates::{long_date, short_date};
use arbot_core::ledger::Customer;
use arbot_core::statement::{Statement, statements};
use chrono::NaiveDate;

use arbot_core::mail::EmailAddress;

use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::documents::statement::{self as doc, Sender};
use crate::mail::Email;
use crate::outbox::{EmailJob, enqueue_email, message_id};
use crate::reply::{Attachment, Button, Reply};
use crate::wording::{at, count};

/// The customer's statements for the month that ends on or before `as_of`, one per currency
/// they owe in; empty when there is nothing to tell them (no balance, no activity).
pub async fn prepare(app: &App, customer: &Customer, as_of: NaiveDate) -> Result<Vec<Statement>, CommandError> {
    let all = statements(app.store.as_ref(), customer.id, &customer.name, app.config.currency, None, as_of).await?;
    Ok(all.into_iter().filter(Statement::has_news).collect())
}

/// The PDF and CSV of a statement.
pub fn files(app: &App, s: &Statement, customer: &Customer) -> [Attachment; 2] {
    let from = Sender { name: &app.config.business_name, details: &app.config.business };
    [
        Attachment::new(doc::file_name(s, "pdf"), doc::pdf(s, from, customer)),
        Attachment::text(doc::file_name(s, "csv"), doc::csv(s)),
    ]
}

/// What chat shows of a statement besides its files (`currency` names it, when the customer
/// has statements in more than one).
fn summary(s: &Statement, currency: bool) -> Vec<String> {
    let m = |minor: i64| Money::new(minor, s.currency).to_string();
    let code = if currency { format!("{}: ", s.currency.code()) } else { String::new() };
    let mut lines = vec![format!(
        "{code}Balance on {}: {} · invoiced {} · paid {} · credited {} · balance on {}: {}",
        short_date(s.period_start),
        m(s.opening_minor),
        m(s.invoiced_minor),
        m(s.paid_minor),
        m(s.credited_minor),
        short_date(s.period_end),
        m(s.closing_minor),
    )];
    let mut due = format!("Amount due on {}: {}", long_date(s.as_of), m(s.amount_due_minor));
    if s.retainage_minor > 0 {
        due.push_str(&format!(" (retainage {} held, not yet due)", m(s.retainage_minor)));
    }
    if s.on_account_minor != 0 {
        due.push_str(&format!(" after {} on account (unapplied payments and credits)", m(s.on_account_minor)));
    }
    if let Some(oldest) = s.open.iter().map(|o| o.days_past_due).max().filter(|d| *d > 0) {
        due.push_str(&format!(
            "; {} open, the oldest {oldest} days past due",
            count(s.open.len(), "invoice", "invoices")
        ));
    } else if !s.open.is_empty() {
        due.push_str(&format!("; {} open, none past due", count(s.open.len(), "invoice", "invoices")));
    }
    lines.push(due);
    lines
}

/// The outbox key of a statement's email: once per customer per statement date.
pub fn statement_key(customer_id: i64, as_of: NaiveDate) -> String {
    format!("statement:{customer_id}:{as_of}")
}

/// The Email button's id.
pub fn send_button(customer_id: i64, as_of: NaiveDate) -> String {
    format!("stmt:send:{customer_id}:{as_of}")
}

/// The email that carries the customer's statements (their PDF and CSV) to `to`.
pub fn compose(app: &App, customer: &Customer, list: &[Statement], to: &str, key: &str) -> Email {
    let business = &app.config.business_name;
    let Some(first) = list.first() else {
        return Email {
            to: vec![to.to_string()],
            subject: String::new(),
            text: String::new(),
            attachments: Vec::new(),
            message_id: message_id(key),
        };
    };
    let month = first.period_end.format("%B %Y").to_string();
    let m = |s: &Statement, minor: i64| Money::new(minor, s.currency).to_string();
    let due: Vec<String> = list.iter().map(|s| m(s, s.amount_due_minor)).collect();
    let subject = format!("Statement for {month} from {business}: {} due", due.join(" and "));
    let mut text = format!("Hello {} accounts payable,\n\n", customer.name);
    text.push_str(&format!(
        "Attached is your statement for {month} from {business}, as a PDF with a CSV of the same lines.\n\n"
    ));
    for s in list {
        let code = if list.len() > 1 { format!(" ({})", s.currency.code()) } else { String::new() };
        text.push_str(&format!("Balance on {}{code}: {}\n", long_date(s.period_end), m(s, s.closing_minor)));
        let mut line = format!("Amount due on {}{code}: {}", long_date(s.as_of), m(s, s.amount_due_minor));
        if s.retainage_minor > 0 {
            line.push_str(&format!(" (retainage of {} is held and not yet due)", m(s, s.retainage_minor)));
        }
        if s.on_account_minor != 0 {
            line.push_str(&format!(
                ", after {} of your payments and credits not yet applied",
                m(s, s.on_account_minor)
            ));
        }
        text.push_str(&line);
        text.push('\n');
    }
    let remit = app.config.business.remit_lines();
    if !remit.is_empty() {
        text.push_str(&format!("\nPlease remit to:\n{business}\n{}\n", remit.join("\n")));
    }
    if let Some(note) = &app.config.business.payment_note {
        text.push_str(&format!("{note}\n"));
    }
    text.push_str(
        "\nIf anything on the statement does not match your records, reply to this email and we will look into it.\n",
    );
    text.push_str(&format!("\nThank you,\n{business} accounts receivable\n"));
    let attachments = list.iter().flat_map(|s| files(app, s, customer)).collect();
    Email { to: vec![to.to_string()], subject, text, attachments, message_id: message_id(key) }
}

/// The customer as statements and letters address them: the ledger's record, with the billing
/// email and postal address set from chat (`/mail contact`) in place of the accounting system's.
pub async fn billed(app: &App, customer_id: i64) -> Result<Option<Customer>, CommandError> {
    let Some(mut customer) = app.store.customer(customer_id).await? else { return Ok(None) };
    if let Some(contact) = app.store.contact(customer_id).await? {
        if let Some(email) = contact.email.filter(|e| !e.trim().is_empty()) {
            customer.email = Some(email);
        }
        if let Some(address) = contact.address.filter(|a| !a.trim().is_empty()) {
            customer.address = Some(address);
        }
    }
    Ok(Some(customer))
}

/// Where the customer's email goes (statements and reminders): the billing email set from chat,
/// else the ledger's.
pub async fn recipient(app: &App, customer: &Customer) -> Result<Option<String>, CommandError> {
    let contact = app.store.contact(customer.id).await?.and_then(|c| c.email);
    Ok(contact.or_else(|| customer.email.clone()).map(|e| e.trim().to_string()).filter(|e| !e.is_empty()))
}

/// The Email button: the statement of `as_of` is drafted again from the ledger now and queued
/// once under its key; the status line says what became of it.
pub async fn send(app: &App, who: &str, customer_id: i64, as_of: NaiveDate) -> Result<String, CommandError> {
    let customer = billed(app, customer_id)
        .await?
        .ok_or_else(|| CommandError::User("That customer is no longer in the ledger; nothing was sent.".to_string()))?;
    let list = prepare(app, &customer, as_of).await?;
    if list.is_empty() {
        return Err(CommandError::User(format!(
            "{} has no balance, activity or open invoices for this statement any more; nothing was sent.",
            customer.name
        )));
    }
    let to = recipient(app, &customer).await?.ok_or_else(|| {
        CommandError::User(format!(
            "{} has no billing email; set one with /mail contact, then ask for the statement again. Nothing was sent.",
            customer.name
        ))
    })?;
    EmailAddress::parse(&to)
        .map_err(|why| CommandError::User(format!("{why}; fix it with /mail contact. Nothing was sent.")))?;
    let queued = queue_statement(app, who, &customer, &list, &to, as_of).await?;
    let time = app.clock.now().with_timezone(&app.config.time_zone).format("%-H:%M");
    Ok(if !queued {
        format!("Already sent: the statement dated {} went to {to} once; nothing more was queued.", long_date(as_of))
    } else if app.config.mail.is_none() {
        format!(
            "Approved by {} at {time}; it waits in the outbox for {to} until a [mail] server is set up in arbot.toml, \
             and is logged on the account once sent.",
            at(who)
        )
    } else {
        format!("Approved by {} at {time}; it goes to {to} now and is logged on the account once sent.", at(who))
    })
}

/// Queues the email of the customer's statements (`list`, not empty) to `to` under the
/// statement's key, with the note it logs; false when it was queued before.
async fn queue_statement(
    app: &App,
    who: &str,
    customer: &Customer,
    list: &[Statement],
    to: &str,
    as_of: NaiveDate,
) -> Result<bool, CommandError> {
    let Some(first) = list.first() else { return Ok(false) };
    let key = statement_key(customer.id, as_of);
    let job = EmailJob {
        customer_id: customer.id,
        note: format!(
            "Statement for {} emailed to {to}: balance {} on {}, amount due {} on {}.",
            first.period_end.format("%B %Y"),
            Money::new(first.closing_minor, first.currency),
            long_date(first.period_end),
            Money::new(first.amount_due_minor, first.currency),
            long_date(first.as_of),
        ),
        email: compose(app, customer, list, to, &key),
        approved_by: at(who),
        invoice_pdfs: Vec::new(),
    };
    enqueue_email(app, &key, &job).await.map_err(CommandError::Internal)
}

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let found = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    let today = app.today();
    let as_of = inv.args.date("date").unwrap_or(today);
    if as_of > today {
        return Err(CommandError::User(format!(
            "{} is after today; a statement shows what is known, so give today or an earlier day.",
            long_date(as_of)
        )));
    }
    let customer = billed(app, found.id)
        .await?
        .ok_or_else(|| CommandError::User(format!("{} is no longer in the ledger.", found.name)))?;
    statement_reply(app, &customer, as_of).await
}

/// `/mail statement`'s answer (and a month-end post's button's): the statement's figures, its
/// files, where it would be emailed, and the Email it button.
pub async fn statement_reply(app: &App, customer: &Customer, as_of: NaiveDate) -> Result<Reply, CommandError> {
    let list = prepare(app, customer, as_of).await?;
    let (start, end) = arbot_core::statement::default_period(as_of);
    let Some(first) = list.first() else {
        return Ok(Reply::default().line(format!(
            "{} owed nothing and had no invoices, payments or credits from {} to {}, and nothing is open on {}: \
             there is no statement to send.",
            customer.name,
            start.format("%b %-d"),
            long_date(end),
            long_date(as_of)
        )));
    };
    let mut reply = Reply::titled(format!("Statement: {}, {}", customer.name, first.period_end.format("%B %Y")));
    for s in &list {
        reply.lines.extend(summary(s, list.len() > 1));
        reply.attachments.extend(files(app, s, customer));
    }
    if customer.address.as_deref().is_none_or(|a| a.trim().is_empty()) {
        reply.lines.push(format!(
            "No billing address on record: the statement's bill-to shows the name only. It comes from the \
                 accounting system's bill-to, or set one with /mail contact {} address <street>; <City, ST ZIP>.",
            super::note::typed_name(&customer.name)
        ));
    }
    if app.config.business.remit_lines().is_empty() {
        reply.lines.push(
            "No remit-to address is set: add `address` (or `remit_to`) under [business] in arbot.toml.".to_string(),
        );
    }
    match recipient(app, customer).await? {
        Some(to) if EmailAddress::parse(&to).is_ok() => {
            reply.lines.push(format!("Email goes to {to}."));
            reply.buttons.push(Button { id: send_button(customer.id, as_of), label: "Email it".to_string() });
        }
        Some(to) => reply.lines.push(format!("The billing email '{to}' is not an address; fix it with /mail contact.")),
        None => reply.lines.push(format!(
            "{} has no billing email; /mail contact sets one, so the statement can be emailed.",
            customer.name
        )),
    }
    reply.footer = Some(format!(
        "The statement as PDF and CSV{}; balances as the aging reads them.",
        if list.len() > 1 { ", one of each per currency" } else { "" }
    ));
    Ok(reply)
}

/// One customer of the month-end run.
#[derive(Debug, Clone)]
pub struct RunEntry {
    pub customer: Customer,
    pub statements: Vec<Statement>,
    /// The billing email, when it is an address.
    pub to: Option<String>,
    /// What the ledger or chat has that is not an address.
    pub bad_to: Option<String>,
}

/// The month-end post's key: once per statement month.
pub fn month_end_key(as_of: NaiveDate) -> String {
    let (_, end) = arbot_core::statement::default_period(as_of);
    format!("statements:{}", end.format("%Y-%m"))
}

/// Every customer a statement dated `as_of` has something to tell: who owed something when the
/// month began or ended, or owes now; in order of name.
pub async fn month_end(app: &App, as_of: NaiveDate) -> Result<Vec<RunEntry>, CommandError> {
    use arbot_core::store::OpenItemsQuery;
    let (start, end) = arbot_core::statement::default_period(as_of);
    let before = start.pred_opt().unwrap_or(start);
    let mut ids = std::collections::BTreeSet::new();
    for (day, historical) in [(before, true), (end, true), (as_of, as_of < app.today())] {
        let items = app.store.open_items(OpenItemsQuery { as_of: day, customer_id: None, historical }).await?;
        ids.extend(items.iter().map(|i| i.customer_id));
    }
    let mut out = Vec::new();
    for id in ids {
        let Some(customer) = billed(app, id).await? else { continue };
        let statements = prepare(app, &customer, as_of).await?;
        if statements.is_empty() {
            continue;
        }
        let (to, bad_to) = match recipient(app, &customer).await? {
            Some(to) if EmailAddress::parse(&to).is_ok() => (Some(to), None),
            Some(bad) => (None, Some(bad)),
            None => (None, None),
        };
        out.push(RunEntry { customer, statements, to, bad_to });
    }
    out.sort_by_key(|e| e.customer.name.to_lowercase());
    Ok(out)
}

/// Most customers one post has a button for (Discord's 25, less Email all).
const RUN_BUTTONS: usize = 24;

/// "Statements ready for November 2026: 18 customers, $412,300.00 due", a line per customer,
/// Email all, and a button per customer that shows their statement.
pub fn month_end_reply(app: &App, as_of: NaiveDate, entries: &[RunEntry]) -> Reply {
    let (_, end) = arbot_core::statement::default_period(as_of);
    let home: Vec<&Statement> =
        entries.iter().flat_map(|e| e.statements.iter()).filter(|s| s.currency == app.config.currency).collect();
    let total: i64 = home.iter().map(|s| s.amount_due_minor).sum();
    let mut reply = Reply::titled(format!(
        "Statements ready for {}: {}, {} due",
        end.format("%B %Y"),
        count(entries.len(), "customer", "customers"),
        app.money(total)
    ));
    reply.severity = crate::reply::Severity::Info;
    if entries.is_empty() {
        reply.lines.push(format!("Nobody owed anything in {} or owes now: no statements.", end.format("%B %Y")));
        return reply;
    }
    for e in entries {
        let due: Vec<String> =
            e.statements.iter().map(|s| Money::new(s.amount_due_minor, s.currency).to_string()).collect();
        let typed = super::note::typed_name(&e.customer.name);
        let to = match (&e.to, &e.bad_to) {
            (Some(to), _) => format!("to {to}"),
            (None, Some(bad)) => format!("'{bad}' is not an address: /mail contact {typed} ap@example.com"),
            (None, None) => format!("no billing email: /mail contact {typed} ap@example.com"),
        };
        reply.lines.push(format!("{} · {} due → {to}", e.customer.name, due.join(" + ")));
    }
    let ready = entries.iter().filter(|e| e.to.is_some()).count();
    if ready > 0 {
        reply.buttons.push(Button { id: format!("stmt:all:{as_of}"), label: format!("Email all {ready}") });
    }
    for e in entries.iter().take(RUN_BUTTONS) {
        let label: String = e.customer.name.chars().take(80).collect();
        reply.buttons.push(Button { id: format!("stmt:review:{}:{as_of}", e.customer.id), label });
    }
    if entries.len() > RUN_BUTTONS {
        reply.lines.push(format!(
            "{} more have no button here (Discord shows 25): /mail statement <customer> shows each.",
            entries.len() - RUN_BUTTONS
        ));
    }
    reply.footer = Some(format!(
        "Each statement is dated {} and covers {}. A customer's button shows the statement; Email all sends \
         every one with an address, once.",
        long_date(as_of),
        end.format("%B %Y")
    ));
    reply
}

/// Email all: every statement of the run with an address, drafted again now and queued once.
pub async fn send_all(app: &App, who: &str, as_of: NaiveDate) -> Result<String, CommandError> {
    let entries = month_end(app, as_of).await?;
    let (mut sent, mut already, mut cannot) = (0usize, 0usize, Vec::new());
    for e in &entries {
        let Some(to) = &e.to else {
            cannot.push(e.customer.name.clone());
            continue;
        };
        if queue_statement(app, who, &e.customer, &e.statements, to, as_of).await? {
            sent += 1;
        } else {
            already += 1;
        }
    }
    let time = app.clock.now().with_timezone(&app.config.time_zone).format("%-H:%M");
    let mut status = format!("Sent by {} at {time}: {} queued", at(who), count(sent, "statement", "statements"));
    if app.config.mail.is_none() && sent > 0 {
        status.push_str("; they wait in the outbox until a [mail] server is set up in arbot.toml");
    }
    status.push('.');
    if already > 0 {
        status.push_str(&format!(" {already} had gone before."));
    }
    if !cannot.is_empty() {
        status.push_str(&format!(" Not sent (no billing email): {}.", cannot.join(", ")));
    }
    Ok(status)
}

/// The scheduled run: on the first run in the first ten days of a month, "Statements ready" for
/// the month before goes to the AR channel, once (across restarts and instances). Returns what it
/// did, in a sentence.
pub async fn queue_month_end(app: &App, day: NaiveDate) -> anyhow::Result<(String, bool)> {
    use chrono::Datelike;
    let key = month_end_key(day);
    if day.day() > 10 {
        return Ok((format!("statements are prepared in a month's first ten days; {day} is later"), false));
    }
    if app.store.outbox_status(&key).await?.is_some() {
        return Ok((format!("statements for {key} were posted before"), false));
    }
    let entries = month_end(app, day).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let post = crate::chat::Post::of(month_end_reply(app, day, &entries));
    let posted = crate::outbox::enqueue_post(app, &key, crate::outbox::Destination::ArChannel, post).await?;
    Ok((format!("{} statement(s) listed for approval ({key})", entries.len()), posted))
}

/// `/mail statements [date]`: the month-end list on demand.
pub(super) async fn handle_run(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let today = app.today();
    let as_of = inv.args.date("date").unwrap_or(today);
    if as_of > today {
        return Err(CommandError::User(format!("{} is after today; give today or an earlier day.", long_date(as_of))));
    }
    let entries = month_end(app, as_of).await?;
    Ok(month_end_reply(app, as_of, &entries))
}
