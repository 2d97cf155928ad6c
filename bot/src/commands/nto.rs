//! `/ar nto <job> [month]`: drafts the job's preliminary notice or Notice to Owner as a PDF to
//! mail, in its state's form (`arbot_core::notices`), filled from the job's facts and our
//! business; keeps the draft; posts it in the job's (or its account's) escalation thread when
//! there is one. A fact the form needs and arbot lacks is asked for with the command that sets
//! it, and nothing is drafted. Serving it is recorded as before: `/ar notice <job> nto <date>`.

use arbot_core::dates::long_date;
use arbot_core::liens::{DISCLAIMER, JobParties, notice_word, state_name};
use arbot_core::notices::{
    Claimant, Form, Missing, NewNoticeDraft, NoticeInput, OpenInvoice, Refusal, choose, document_name, draft,
    month_name, set_command,
};
use arbot_core::store::OpenItemsQuery;
use arbot_core::{Money, ledger::JobWithCustomer};

use super::note::typed_name;
use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::chat::Post;
use crate::documents::notice::{file_name, pdf};
use crate::outbox::{Destination, enqueue_post};
use crate::reply::{Attachment, Reply, Severity};
use crate::wording::at;

/// Said with every draft: arbot fills in the form; it does not advise.
pub const DRAFT_DISCLAIMER: &str = "arbot computes dates and drafts documents from the job's facts; it is not legal \
advice. Read the notice, and have counsel review it, before it is served.";

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let job = inv.args.job("job").ok_or_else(|| missing_arg("job"))?;
    let typed = typed_name(&job.job.name);
    let month = match inv.args.text("month").map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => Some(parse_month(m).ok_or_else(|| {
            CommandError::User(format!(
                "I couldn't read '{m}' as a month; give it as 2026-10, like /ar nto {typed} 2026-10. Nothing was drafted."
            ))
        })?),
        None => None,
    };
    let today = app.today();
    let record = super::liens::lien_record(app, &job.job).await?;
    let Some(facts) = record.facts.as_ref() else {
        return Err(CommandError::User(format!(
            "I need the state {} is in to know which notice it owes: /ar job {typed} set state FL (its two-letter \
             code). Nothing was drafted.",
            job.job.name
        )));
    };
    let deadlines = arbot_core::liens::deadlines(facts, &app.config.liens.closures)
        .map_err(|e| CommandError::User(format!("{e} Nothing was drafted.")))?;
    let chosen = choose(&deadlines, month.as_deref(), today).map_err(|r| refusal(&r, job, facts))?;
    let overrides = app.store.job_facts(job.job.id).await?;
    let parties = JobParties::of(&job.job, &overrides);
    let currency = app.config.currency;
    let items = app
        .store
        .open_items(OpenItemsQuery { as_of: today, customer_id: Some(job.job.customer_id), historical: false })
        .await?;
    let open_invoices: Vec<OpenInvoice> = items
        .iter()
        .filter(|i| i.job_id == Some(job.job.id) && i.currency() == currency && i.balance.minor > 0)
        .map(|i| OpenInvoice { number: i.number.clone(), issued: i.issued, balance: i.balance })
        .collect();
    let unpaid = Money::new(open_invoices.iter().map(|i| i.balance.minor).sum(), currency);
    let d = &app.config.business;
    let claimant = Claimant {
        name: app.config.business_name.clone(),
        address: d.address.clone(),
        phone: d.phone.clone(),
        email: d.email.clone(),
        signer: app.config.letters.signer.clone(),
    };
    let customer_address = app.store.customer(job.job.customer_id).await?.and_then(|c| c.address);
    let input = NoticeInput {
        deadline: chosen,
        all: &deadlines,
        facts,
        parties: &parties,
        job_name: &job.job.name,
        city: job.job.city.as_deref(),
        county: job.job.county.as_deref(),
        customer: &job.customer_name,
        customer_address: customer_address.as_deref(),
        claimant: &claimant,
        unpaid,
        open_invoices: &open_invoices,
        currency,
        today,
    };
    let notice = match draft(&input).map_err(|r| refusal(&r, job, facts))? {
        Ok(notice) => notice,
        Err(missing) => return Err(CommandError::User(asked(job, document_name(chosen), &missing))),
    };
    let bytes = pdf(&notice, &job.job.name);
    let name = file_name(&job.job.name, &notice);
    let kept = NewNoticeDraft {
        job_id: job.job.id,
        customer_id: job.job.customer_id,
        kind: notice.kind.clone(),
        rule: notice.rule.clone(),
        form: notice.form,
        month: notice.month.clone(),
        document: notice.document.clone(),
        drafted_on: today,
        due: chosen.due,
        file_name: name.clone(),
        pdf: bytes.clone(),
        drafted_by: at(&inv.actor.name),
        drafted_at: app.clock.now(),
    };
    let Some(id) = app.store.add_notice_draft(&kept, &inv.author()).await?.new_value() else {
        return Ok(Reply::default().line("Already drafted: this request reached arbot twice and was drafted once."));
    };
    let state = state_name(&facts.state).unwrap_or(&facts.state);
    let mut reply = Reply::titled(format!("{}: {} ({state}), notice {id}", notice.document, job.job.name));
    let to: Vec<String> = notice.to.iter().map(|p| format!("{} ({})", p.name, p.role.to_lowercase())).collect();
    if notice.form == Form::Generic {
        // Said first: this is not the state's own form.
        reply.lines.push(format!(
            "arbot doesn't hold {state}'s own form for this notice: this is a generic one with the content such notices \
             share. Compare it with {} (and any form it prescribes) before it is served.",
            notice.citation
        ));
    }
    let form = match notice.form {
        Form::Generic => format!("as a generic notice under {}", notice.citation),
        // The statute's content in arbot's words (see the advice below).
        Form::WashingtonRightToClaim | Form::OhioFurnishing => {
            format!("with the content {} asks for, in arbot's words", notice.citation)
        }
        Form::ArizonaPreliminary => format!("after the {}(D) form", notice.citation),
        // Its closing paragraphs are not held (see the advice below).
        Form::MontanaRightToClaim => format!("after the {} notice", notice.citation),
        _ => format!("in the {} form", notice.citation),
    };
    reply.lines.push(format!("Drafted by {} {form}: to {}.", at(&inv.actor.name), to.join(" and ")));
    if !notice.copies.is_empty() {
        let copies: Vec<String> =
            notice.copies.iter().map(|p| format!("{} ({})", p.name, p.role.to_lowercase())).collect();
        reply.lines.push(format!("Copies to {}.", copies.join(", ")));
    }
    let month = chosen.month.as_deref().map(|m| format!(" for the work of {}", month_name(m))).unwrap_or_default();
    if chosen.due >= today {
        let mut when = format!("Due {}{month} ({}).", chosen.due.format("%a %b %-d, %Y"), chosen.citation);
        if let Some(mail) = chosen.mail_by.filter(|m| m.last_day >= today) {
            when.push_str(&format!(
                " Mailed by certified mail by {}, it counts as served on mailing.",
                long_date(mail.to_be_safe.unwrap_or(mail.last_day))
            ));
        }
        reply.lines.push(when);
    } else {
        reply.lines.push(format!(
            "Mind: it was due {}{month} ({}) and nothing is recorded as served. {} Ask counsel before relying on it.",
            long_date(chosen.due),
            chosen.citation,
            chosen.consequence_text
        ));
    }
    if let Some(a) = &chosen.assumption {
        reply.lines.push(format!("That date assumes {}; set {} to be sure.", a.assumes, a.settled_by));
    }
    if let Some(served) = record.served(&chosen.kind) {
        reply.lines.push(format!(
            "A {} is already recorded as served on {}; this is another draft.",
            document_name(chosen).to_lowercase(),
            long_date(served.served_on)
        ));
    }
    reply.lines.extend(notice.advice.iter().cloned());
    let word = notice_word(&chosen.kind).unwrap_or("nto");
    reply.lines.push(format!("When it is served: /ar notice {typed} {word} <date> <tracking no>"));
    // The job's thread (or its account's), where the PM and the AR team talk about it.
    let escalations = app.store.open_escalations().await?;
    if let Some(esc) = crate::warnings::thread_for(&escalations, job) {
        let mut post = Reply::titled(format!("{} drafted: {}", notice.document, job.job.name));
        post.lines.extend(
            reply.lines.iter().filter(|l| l.starts_with("Drafted by") || l.starts_with("arbot doesn't")).cloned(),
        );
        post.lines.push(format!("Kept as notice {id}."));
        post.lines.push(format!("When it is served: /ar notice {typed} {word} <date> <tracking no>"));
        post.attachments.push(Attachment::new(name.clone(), bytes.clone()));
        post.footer = Some(DRAFT_DISCLAIMER.to_string());
        let to = Destination::EscalationThread { escalation_id: esc.id };
        enqueue_post(app, &format!("nto:{id}:thread"), to, Post::of(post)).await.map_err(CommandError::Internal)?;
        reply.lines.push("Posted in the job's escalation thread too.".to_string());
    }
    reply.attachments.push(Attachment::new(name, bytes));
    reply.footer = Some(format!("{DRAFT_DISCLAIMER} {DISCLAIMER}"));
    reply.severity =
        if notice.form == Form::Generic || chosen.due < today { Severity::Warning } else { Severity::Good };
    Ok(reply)
}

/// `2026-10` or `2026-3` as `YYYY-MM`.
fn parse_month(text: &str) -> Option<String> {
    let (year, month) = text.split_once(['-', '/'])?;
    let year: i32 = year.trim().parse().ok()?;
    let month: u32 = month.trim().parse().ok()?;
    ((1..=12).contains(&month) && (arbot_core::dates::FIRST_YEAR..=2100).contains(&year))
        .then(|| format!("{year:04}-{month:02}"))
}

/// What the form still needs, each with the command that sets it.
fn asked(job: &JobWithCustomer, document: &str, missing: &[Missing]) -> String {
    let typed = typed_name(&job.job.name);
    let n = missing.len();
    let mut text = format!(
        "I can't draft the {document} for {} yet: the form needs {} I don't have. Nothing was drafted.",
        job.job.name,
        if n == 1 { "one thing".to_string() } else { format!("{n} things") }
    );
    for m in missing {
        let what = match m {
            Missing::Fact { what, .. } => what.as_str(),
            Missing::Setting { what, .. } => what,
        };
        text.push_str(&format!("\n• {what}: {}", set_command(&typed, m)));
    }
    text.push_str(&format!("\nThen /ar nto {typed} again."));
    text
}

fn refusal(r: &Refusal, job: &JobWithCustomer, facts: &arbot_core::liens::JobFacts) -> CommandError {
    let state = state_name(&facts.state).unwrap_or(&facts.state);
    let text = match r {
        Refusal::NoneOwed => format!(
            "{state}'s rules give {} no preliminary notice or notice to owner (as a {} on a {} job), so there is \
             nothing to draft. /ar job {} shows its deadlines.",
            job.job.name,
            facts.role.as_str().replace('_', "-"),
            facts.project,
            typed_name(&job.job.name)
        ),
        Refusal::NoSuchMonth { month, months } if months.is_empty() => format!(
            "{} has no monthly notice for {month}: no month of work is recorded. Add one with /ar job {} set \
             furnished_month {month}. Nothing was drafted.",
            job.job.name,
            typed_name(&job.job.name)
        ),
        Refusal::NoSuchMonth { month, months } => format!(
            "{} has no monthly notice for {month}; the months of work recorded are {}. Nothing was drafted.",
            job.job.name,
            months.join(", ")
        ),
        Refusal::FiledNotMailed { document, citation, where_ } => format!(
            "The {document} for {} is {where_} ({citation}), not mailed, so arbot doesn't draft it. Once it is \
             filed, record it with /ar notice {} prelim <date> <confirmation no>.",
            job.job.name,
            typed_name(&job.job.name)
        ),
        Refusal::NotDrafted { document, citation, why } => {
            format!("arbot doesn't draft the {document} for {} ({citation}): {why}. Nothing was drafted.", job.job.name)
        }
        Refusal::NothingUnpaid => format!(
            "Nothing is unpaid on {}, and a notice of claim for unpaid labor or materials claims what is unpaid. \
             Nothing was drafted.",
            job.job.name
        ),
    };
    CommandError::User(text)
}
