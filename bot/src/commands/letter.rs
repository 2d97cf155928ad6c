//! `/mail letter <customer> <kind> [job]` drafts a demand letter, a final notice or a notice of
//! intent to lien as PDF, worded by its template, and keeps it; `/mail sent <letter> <how>
//! [tracking] [on <date>]` records how and when it went (certified mail with its tracking number)
//! and logs it on the account; `/mail letters [customer]` lists them, each with its PDF a click away.

use arbot_core::Money;
use arbot_core::collections::NewNote;
use arbot_core::dates::long_date;
use arbot_core::ledger::{Customer, OpenItem};
use arbot_core::letters::{Letter, LetterKind, NewLetter, Sent, SentHow, check_tracking};
use arbot_core::store::OpenItemsQuery;
use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::note::typed_name;
use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::chat::Post;
use crate::documents::letter::{LetterPage, file_name, pdf};
use crate::documents::statement::Sender;
use crate::letters::LetterContext;
use crate::outbox::{Destination, enqueue_post};
use crate::reply::{Attachment, Button, Reply, Severity};
use crate::templates::InvoiceContext;
use crate::wording::{at, count};

/// `today` plus the configured days, moved off a weekend to the Monday after.
fn pay_by(app: &App, today: NaiveDate) -> NaiveDate {
    let day = today + Days::new(u64::from(app.config.letters.pay_within_days));
    match day.weekday() {
        Weekday::Sat => day + Days::new(2),
        Weekday::Sun => day + Days::new(1),
        _ => day,
    }
}

fn invoice_context(i: &OpenItem, amount: i64, today: NaiveDate) -> InvoiceContext {
    let amount = Money::new(amount, i.currency()).to_string();
    InvoiceContext::new(&i.number, i.job_name.clone(), i.pm.clone(), amount, i.due, (today - i.due).num_days())
}

/// What one draft needs besides its wording.
struct Draft {
    ctx: LetterContext,
    amount: Money,
    pay_by: NaiveDate,
    job_id: Option<i64>,
    lien_due: Option<NaiveDate>,
    lines: Vec<String>,
}

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let found = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    let kind = inv.args.choice("kind").and_then(LetterKind::parse).ok_or_else(|| missing_arg("kind"))?;
    let customer = super::statement::billed(app, found.id)
        .await?
        .ok_or_else(|| CommandError::User(format!("{} is no longer in the ledger.", found.name)))?;
    let today = app.today();
    let items: Vec<OpenItem> = app
        .store
        .open_items(OpenItemsQuery { as_of: today, customer_id: Some(customer.id), historical: false })
        .await?;
    let draft = match kind {
        LetterKind::Demand | LetterKind::Final => past_due(app, &customer, kind, &items, today).await?,
        LetterKind::IntentToLien => intent_to_lien(app, inv, &customer, &items, today).await?,
    };
    let rendered = app.config.letters.templates.render(kind, &draft.ctx).map_err(|why| {
        CommandError::User(format!("This letter can't be worded: {why}. Fix the template; nothing was drafted."))
    })?;
    let mut to = vec![customer.name.clone()];
    let address = customer.address.clone().unwrap_or_default();
    to.extend(address.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string));
    let page = LetterPage {
        from: Sender { name: &app.config.business_name, details: &app.config.business },
        date: today.format("%B %-d, %Y").to_string(),
        to,
        subject: &rendered.subject,
        body: &rendered.body,
        title: kind.title(),
    };
    let bytes = pdf(&page);
    let name = file_name(&customer.name, kind, today);
    let letter = NewLetter {
        customer_id: customer.id,
        job_id: draft.job_id,
        kind,
        drafted_on: today,
        amount: draft.amount,
        pay_by: draft.pay_by,
        lien_due: draft.lien_due,
        subject: rendered.subject.clone(),
        file_name: name.clone(),
        pdf: bytes.clone(),
        drafted_by: at(&inv.actor.name),
        drafted_at: app.clock.now(),
    };
    let Some(id) = app.store.add_letter(&letter, &inv.author()).await?.new_value() else {
        return Ok(Reply::default()
            .line("Already drafted: this request reached arbot twice and was drafted once; /mail letters lists it."));
    };
    let mut reply = Reply::titled(format!("{}: {}, letter {id}", kind.title(), customer.name));
    reply.lines.push(format!(
        "Drafted by {}: asks {} by {}.",
        at(&inv.actor.name),
        draft.amount,
        draft.pay_by.format("%a %b %-d, %Y")
    ));
    reply.lines.extend(draft.lines);
    if address.trim().is_empty() {
        reply.lines.push(format!(
            "No billing address on record: the letter is addressed to the name only. It comes from the accounting \
                 system's bill-to, or set one with /mail contact {} address <street>; <City, ST ZIP>.",
            typed_name(&customer.name)
        ));
    }
    reply.lines.push(format!(
        "When it goes out: /mail sent {id} certified <tracking number> (or mail, email, hand, courier); that logs it \
         on the account."
    ));
    reply.attachments.push(Attachment::new(name.clone(), bytes.clone()));
    // The account's escalation thread (the job's, for a notice of intent) gets the draft too, so
    // the PM and the manager can read it there before it goes.
    let escalations = app.store.open_escalations().await?;
    let thread = escalations
        .iter()
        .find(|e| e.customer_id == customer.id && draft.job_id.is_some() && e.job_id == draft.job_id)
        .or_else(|| escalations.iter().find(|e| e.customer_id == customer.id && e.job_id.is_none()))
        .or_else(|| escalations.iter().find(|e| e.customer_id == customer.id));
    if let Some(esc) = thread {
        let mut post = Reply::titled(format!("{} drafted: letter {id}", kind.title()));
        post.lines.push(format!(
            "{} drafted a {} to {}: asks {} by {}. Read it before it goes; /mail sent {id} records how it went.",
            at(&inv.actor.name),
            kind.noun(),
            customer.name,
            draft.amount,
            long_date(draft.pay_by)
        ));
        post.attachments.push(Attachment::new(name, bytes));
        let to = Destination::EscalationThread { escalation_id: esc.id };
        if enqueue_post(app, &format!("letter:{id}:thread"), to, Post::of(post))
            .await
            .map_err(CommandError::Internal)?
        {
            reply.lines.push("It goes to the account's escalation thread too, for review there.".to_string());
        }
    }
    let wording = match app.config.letters.templates.file_of(kind) {
        Some(file) => format!("Worded by {}", file.display()),
        None => "Worded by arbot's own template (arbot reminders templates writes it out to edit)".to_string(),
    };
    reply.footer = Some(format!("{wording}. Read it before it goes: arbot keeps this draft as letter {id}."));
    Ok(reply)
}

fn common(app: &App, customer: &Customer, today: NaiveDate, pay_by: NaiveDate) -> LetterContext {
    let business = app.config.business_name.clone();
    let d = &app.config.business;
    let remit = d.remit_lines();
    let contact: Vec<&str> = [d.phone.as_deref(), d.email.as_deref()].into_iter().flatten().collect();
    LetterContext {
        customer: customer.name.clone(),
        sender: app.config.letters.signer.clone().unwrap_or_else(|| format!("{business} accounts receivable")),
        business: business.clone(),
        date: today.format("%B %-d, %Y").to_string(),
        pay_by: pay_by.format("%A, %B %-d, %Y").to_string(),
        remit: (!remit.is_empty()).then(|| format!("{business}, {}", remit.join(", "))),
        contact: (!contact.is_empty()).then(|| contact.join(" or ")),
        ..LetterContext::default()
    }
}

/// A demand letter or final notice: every invoice past due and not disputed, less retainage held.
async fn past_due(
    app: &App,
    customer: &Customer,
    kind: LetterKind,
    items: &[OpenItem],
    today: NaiveDate,
) -> Result<Draft, CommandError> {
    let currency = app.config.currency;
    let mut lines = Vec::new();
    let disputed: Vec<String> = items
        .iter()
        .filter(|i| i.disputed && i.due < today && i.due_part() > 0)
        .map(|i| format!("#{} {}", i.number, Money::new(i.due_part(), i.currency())))
        .collect();
    let asked: Vec<&OpenItem> =
        items.iter().filter(|i| !i.disputed && i.due < today && i.due_part() > 0 && i.currency() == currency).collect();
    if asked.is_empty() {
        let why = if disputed.is_empty() { "" } else { " that is not disputed" };
        return Err(CommandError::User(format!(
            "{} has nothing past due{why} in {}; a {} asks for past-due money only. Nothing was drafted.",
            customer.name,
            currency.code(),
            kind.noun()
        )));
    }
    if !disputed.is_empty() {
        lines.push(format!("Left out, disputed: {}.", disputed.join(", ")));
    }
    let total: i64 = asked.iter().map(|i| i.due_part()).sum();
    let pay_by = pay_by(app, today);
    let mut ctx = common(app, customer, today, pay_by);
    ctx.total = Money::new(total, currency).to_string();
    ctx.oldest_days = asked.iter().map(|i| (today - i.due).num_days()).max().unwrap_or(0);
    ctx.invoices = asked.iter().map(|i| invoice_context(i, i.due_part(), today)).collect();
    if app.config.late_fees.in_reminders
        && let Some(terms) = app.config.late_fees.terms_for(&customer.name)
    {
        let owned: Vec<OpenItem> = asked.iter().map(|i| (*i).clone()).collect();
        let fee: i64 = super::latefee::fees(app, terms, &owned, today).await?.iter().map(|l| l.total_minor).sum();
        if fee > 0 {
            ctx.late_fee = Some(Money::new(fee, currency).to_string());
            ctx.late_fee_terms = Some(super::latefee::terms_text(app, terms));
        }
    }
    lines.push(format!("{} past due, the oldest {} days.", count(asked.len(), "invoice", "invoices"), ctx.oldest_days));
    for p in app.store.promises_for_customer(customer.id).await? {
        if p.status == arbot_core::collections::PromiseStatus::Open && p.promised_for >= today {
            lines.push(format!(
                "Mind: {} promised {} for {}; that promise is not due yet.",
                customer.name,
                p.amount,
                long_date(p.promised_for)
            ));
        }
    }
    Ok(Draft { ctx, amount: Money::new(total, currency), pay_by, job_id: None, lien_due: None, lines })
}

/// A notice of intent to lien: one job's unpaid invoices, the job's claim-of-lien deadline and
/// the state's rule from the lien engine.
async fn intent_to_lien(
    app: &App,
    inv: &Invocation,
    customer: &Customer,
    items: &[OpenItem],
    today: NaiveDate,
) -> Result<Draft, CommandError> {
    let typed = typed_name(&customer.name);
    let owed_jobs: Vec<i64> = {
        let mut ids: Vec<i64> = items.iter().filter_map(|i| i.job_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let job = match inv.args.job("job") {
        Some(j) if j.job.customer_id != customer.id => {
            return Err(CommandError::User(format!(
                "{} is {}'s job, not {}'s. Nothing was drafted.",
                j.job.name, j.customer_name, customer.name
            )));
        }
        Some(j) => j.job.clone(),
        None => {
            let jobs = app.store.jobs_for_customer(customer.id).await?;
            let owed: Vec<_> = jobs.into_iter().filter(|j| owed_jobs.contains(&j.id)).collect();
            match owed.as_slice() {
                [one] => one.clone(),
                [] => {
                    return Err(CommandError::User(format!(
                        "{} owes nothing on any job; a notice of intent to lien is about one job's unpaid work. Nothing \
                         was drafted.",
                        customer.name
                    )));
                }
                many => {
                    let names: Vec<&str> = many.iter().map(|j| j.name.as_str()).collect();
                    return Err(CommandError::User(format!(
                        "Which job? {} owes on {}: add one, like /mail letter {typed} lien {}. Nothing was drafted.",
                        customer.name,
                        names.join(", "),
                        typed_name(names[0])
                    )));
                }
            }
        }
    };
    let on_job: Vec<&OpenItem> = items.iter().filter(|i| i.job_id == Some(job.id) && i.balance.minor > 0).collect();
    if on_job.is_empty() {
        return Err(CommandError::User(format!(
            "Nothing is unpaid on {}; there is nothing to lien for. Nothing was drafted.",
            job.name
        )));
    }
    let record = super::liens::lien_record(app, &job).await?;
    if let Some(recorded) = record.served("claim_of_lien") {
        return Err(CommandError::User(format!(
            "A claim of lien on {} was recorded on {}; a notice of intent comes before one. Nothing was drafted.",
            job.name,
            long_date(recorded.served_on)
        )));
    }
    let Some(facts) = record.facts.as_ref() else {
        return Err(CommandError::User(format!(
            "I need {}'s state to find its lien deadline: /ar job {} set state FL (its two-letter code). Nothing was \
             drafted.",
            job.name,
            typed_name(&job.name)
        )));
    };
    let deadlines = arbot_core::liens::deadlines(facts, &app.config.liens.closures)
        .map_err(|e| CommandError::User(format!("{e} Nothing was drafted.")))?;
    let claims: Vec<_> = deadlines.iter().filter(|d| d.kind == "claim_of_lien").collect();
    let Some(claim) = claims.iter().filter(|d| d.due >= today).min_by_key(|d| d.due) else {
        let text = match claims.iter().max_by_key(|d| d.due) {
            Some(d) => format!(
                "The last day to record a claim of lien on {} was {} ({}); a notice of intent now would promise what \
                 the law may no longer allow. Talk to counsel. Nothing was drafted.",
                job.name,
                long_date(d.due),
                d.citation
            ),
            None => {
                let missing = super::liens::primary_missing(&arbot_core::liens::missing_facts(facts));
                let hint = missing
                    .first()
                    .map(|f| {
                        format!(" It needs {}: /ar job {} set {f} <value>.", missing.join(", "), typed_name(&job.name))
                    })
                    .unwrap_or_default();
                format!(
                    "No claim-of-lien deadline follows from {}'s facts yet, so the notice would have no date to \
                     give.{hint} Nothing was drafted.",
                    job.name
                )
            }
        };
        return Err(CommandError::User(text));
    };
    let currency = on_job[0].currency();
    let on_job: Vec<&OpenItem> = on_job.into_iter().filter(|i| i.currency() == currency).collect();
    let unpaid: i64 = on_job.iter().map(|i| i.balance.minor).sum();
    let retainage: i64 = on_job.iter().map(|i| i.retainage_held()).sum();
    let total: i64 = on_job.iter().filter(|i| i.due < today).map(|i| i.due_part()).sum();
    let not_yet_due = unpaid - retainage - total;
    let money = |minor: i64| Money::new(minor, currency);
    let rest = || {
        let mut parts = Vec::new();
        if not_yet_due > 0 {
            parts.push(format!("{} not yet due", money(not_yet_due)));
        }
        if retainage > 0 {
            parts.push(format!("{} retainage held", money(retainage)));
        }
        parts.join(" and ")
    };
    if total <= 0 {
        return Err(CommandError::User(format!(
            "Nothing on {} is past due: its {} unpaid is {}. A notice of intent asks for money past due; draft it once \
             an invoice on the job is. Nothing was drafted.",
            job.name,
            money(unpaid),
            rest()
        )));
    }
    let mut pay = pay_by(app, today);
    let mut lines = Vec::new();
    if pay >= claim.due {
        pay = claim.due.pred_opt().unwrap_or(claim.due).max(today);
        lines.push(format!(
            "The claim of lien is due {}, before the usual {} days to pay: the letter asks payment by {}. Record the \
             lien in time whatever they answer.",
            long_date(claim.due),
            app.config.letters.pay_within_days,
            long_date(pay)
        ));
    }
    let mut ctx = common(app, customer, today, pay);
    ctx.total = money(total).to_string();
    ctx.unpaid = Some(money(unpaid).to_string());
    ctx.not_yet_due = (not_yet_due > 0).then(|| money(not_yet_due).to_string());
    ctx.retainage = (retainage > 0).then(|| money(retainage).to_string());
    ctx.oldest_days = on_job.iter().map(|i| (today - i.due).num_days()).max().unwrap_or(0).max(0);
    ctx.invoices = on_job.iter().map(|i| invoice_context(i, i.balance.minor, today)).collect();
    // The owner and GC as the accounting system has them, or as set from chat (`/ar job … set
    // owner`), and the property's street address where it is known.
    let parties = arbot_core::liens::JobParties::of(&job, &app.store.job_facts(job.id).await?);
    let place: Vec<&str> = [job.city.as_deref(), job.state.as_deref()].into_iter().flatten().collect();
    ctx.job = Some(job.name.clone());
    ctx.job_address = parties.property.clone().or_else(|| (!place.is_empty()).then(|| place.join(", ")));
    // A letter to the owner itself names no other owner and copies no one.
    let owner_is_customer = parties.owner.as_deref().is_some_and(|o| same_name(o, &customer.name));
    ctx.owner = parties.owner.clone().filter(|_| !owner_is_customer);
    ctx.gc = parties.gc.clone();
    ctx.state = Some(facts.state.clone());
    ctx.lien_document = Some(claim.document.clone());
    ctx.lien_due = Some(claim.due.format("%B %-d, %Y").to_string());
    ctx.lien_statute = Some(claim.citation.clone());
    let besides = if unpaid > total {
        format!(" of the {} unpaid (the rest is {})", money(unpaid), rest())
    } else {
        String::new()
    };
    lines.push(format!(
        "Asks the {} past due on {}{besides}; {} due {} ({}).",
        money(total),
        job.name,
        claim.document,
        long_date(claim.due),
        claim.citation
    ));
    if on_job.iter().any(|i| i.disputed) {
        lines.push("Mind: some of these invoices are disputed; settle what the dispute is about first.".to_string());
    }
    match &parties.owner {
        Some(_) if owner_is_customer => lines
            .push(format!("{} is the job's owner, so the letter goes to the owner and has no cc line.", customer.name)),
        Some(owner) => lines.push(format!("Copy the owner, {owner}: the letter names them in its cc line.")),
        None => lines.push(format!(
            "The owner is not on record, so the letter has no cc line: /ar job {} set owner <name> adds one.",
            typed_name(&job.name)
        )),
    }
    lines.push(format!(
        "A notice of intent does not extend the deadline: the claim must still be recorded by {}. {}",
        long_date(claim.due),
        arbot_core::liens::DISCLAIMER
    ));
    Ok(Draft { ctx, amount: money(total), pay_by: pay, job_id: Some(job.id), lien_due: Some(claim.due), lines })
}

/// Whether two names are the same party: "Harborview Owners Assn" and "Harborview Owners
/// Association, Inc." are; case, punctuation, the usual abbreviations and the company-form words
/// (Inc, LLC, Corp, ...) do not tell names apart.
fn same_name(a: &str, b: &str) -> bool {
    fn words(s: &str) -> Vec<String> {
        s.to_lowercase()
            .replace('&', " and ")
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .map(|w| w.replace('\'', ""))
            .filter(|w| !w.is_empty())
            .filter(|w| {
                !matches!(
                    w.as_str(),
                    "inc"
                        | "llc"
                        | "llp"
                        | "lp"
                        | "pllc"
                        | "pc"
                        | "co"
                        | "corp"
                        | "corporation"
                        | "company"
                        | "ltd"
                        | "the"
                )
            })
            .map(|w| match w.as_str() {
                "assn" | "assoc" | "asn" => "association".to_string(),
                "intl" => "international".to_string(),
                "bros" => "brothers".to_string(),
                "dev" => "development".to_string(),
                _ => w,
            })
            .collect()
    }
    let (a, b) = (words(a), words(b));
    !a.is_empty() && a == b
}

/// `/mail sent <letter> <how> [tracking] [on <date>]`.
pub(super) async fn handle_sent(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let id = i64::from(inv.args.count("letter").ok_or_else(|| missing_arg("letter"))?);
    let how = inv.args.choice("how").and_then(SentHow::parse).ok_or_else(|| missing_arg("how"))?;
    let today = app.today();
    let on = inv.args.date("on").unwrap_or(today);
    let letter = app.store.letter(id).await?.ok_or_else(|| {
        CommandError::User(format!("There is no letter {id}; /mail letters lists the letters drafted."))
    })?;
    let tracking = check_tracking(how, inv.args.text("tracking"))
        .map_err(|why| CommandError::User(format!("{why}. Nothing was recorded.")))?;
    if on > today {
        return Err(CommandError::User(format!(
            "{} is after today; record a letter once it has gone. Nothing was recorded.",
            long_date(on)
        )));
    }
    if on < letter.drafted_on {
        return Err(CommandError::User(format!(
            "Letter {id} was drafted on {}, after {}. Nothing was recorded.",
            long_date(letter.drafted_on),
            long_date(on)
        )));
    }
    let sent = Sent { on, how, tracking, by: at(&inv.actor.name) };
    let job = letter.job_name.as_deref().map(|j| format!(" on {j}")).unwrap_or_default();
    let note = NewNote {
        customer_id: letter.customer_id,
        invoice_id: None,
        kind: "letter".to_string(),
        body: format!(
            "{} (letter {id}{job}: {} by {}) sent {}.",
            letter.kind.title(),
            letter.amount,
            long_date(letter.pay_by),
            sent.describe()
        ),
        author: inv.actor.name.clone(),
        created_at: app.clock.now(),
        follow_up_on: (letter.pay_by > today).then_some(letter.pay_by),
        day_only: false,
    };
    let Some(before) =
        app.store.record_letter_sent(id, &sent, &note, &inv.author(), app.clock.now()).await?.new_value()
    else {
        return Ok(Reply::default().line("Already recorded: this request reached arbot twice and was recorded once."));
    };
    let mut text = format!(
        "Recorded: letter {id}, the {} to {}, went {}. Logged on the account",
        letter.kind.noun(),
        letter.customer_name,
        sent.describe()
    );
    if letter.pay_by > today {
        text.push_str(&format!(
            "; the digest brings {} back on {}, the pay-by day",
            letter.customer_name,
            long_date(letter.pay_by)
        ));
    }
    text.push('.');
    if let Some(before) = before {
        text.push_str(&format!(" This replaces what was recorded before: {}.", before.describe()));
    }
    let mut reply = Reply::default().line(text);
    reply.severity = Severity::Good;
    Ok(reply)
}

/// One letter, in a line.
fn letter_line(l: &Letter) -> String {
    let job = l.job_name.as_deref().map(|j| format!(" ({j})")).unwrap_or_default();
    let status = match &l.sent {
        Some(s) => format!("sent {}", s.describe()),
        None => format!("not recorded as sent: /mail sent {} certified <tracking>", l.id),
    };
    format!(
        "{} · {} · {}{job} · {} · {} by {} · {status}",
        l.id,
        l.drafted_on.format("%b %-d"),
        l.customer_name,
        l.kind.title(),
        l.amount,
        l.pay_by.format("%b %-d")
    )
}

/// `/mail letters [customer]`: the latest letters, newest first.
pub(super) async fn handle_list(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("customer");
    let letters = app.store.letters(customer.map(|c| c.id), 20).await?;
    let whose = customer.map(|c| format!(" to {}", c.name)).unwrap_or_default();
    if letters.is_empty() {
        return Ok(Reply::default().line(format!("No letters{whose} yet: /mail letter <customer> demand drafts one.")));
    }
    let mut reply = Reply::titled(format!("Letters{whose}: the latest {}", letters.len()));
    for l in &letters {
        reply.lines.push(letter_line(l));
    }
    for l in letters.iter().take(25) {
        reply.buttons.push(Button { id: format!("letter:show:{}", l.id), label: format!("Letter {}", l.id) });
    }
    reply.footer = Some("A letter's button shows the PDF as it was drafted.".to_string());
    Ok(reply)
}

/// A letter's button: its PDF as drafted.
pub async fn show(app: &App, id: i64) -> Result<Reply, CommandError> {
    let letter =
        app.store.letter(id).await?.ok_or_else(|| CommandError::User(format!("There is no letter {id} any more.")))?;
    let bytes = app.store.letter_pdf(id).await?.unwrap_or_default();
    let mut reply = Reply::titled(format!("Letter {id}: {}, {}", letter.kind.title(), letter.customer_name));
    reply.lines.push(letter_line(&letter));
    reply.attachments.push(Attachment::new(letter.file_name.clone(), bytes));
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::same_name;

    #[test]
    fn a_party_is_known_under_its_usual_spellings() {
        assert!(same_name("Harborview Owners Assn", "Harborview Owners Association, Inc."));
        assert!(same_name("ACME BUILDERS, LLC", "Acme Builders"));
        assert!(same_name("Smith & Sons Co.", "Smith and Sons"));
        assert!(!same_name("Harborview Owners Assn", "Harborview Towers LLC"));
        assert!(!same_name("Inc.", "LLC"), "nothing left to compare is not a match");
    }
}
