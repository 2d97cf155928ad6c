//! Lien waivers per job and pay application ([`arbot_core::waivers`]):
//!
//! - `/lien waiver <job> requested|conditional|received|unconditional [progress|final] [amount]
//!   [for <pay app>] [through <date>] [on <date>]` records a step: the GC asked for one, we gave the
//!   conditional waiver (drafted as PDF in the state's form), the payment came in (then the
//!   unconditional waiver is owed, and drafted), we gave the unconditional waiver.
//! - `/lien waivers [job]` lists what is outstanding.
//! - After every sync, [`match_payments`] counts the payments applied to each job's invoices
//!   toward its waivers; when one is paid, arbot says which unconditional waiver is now owed and
//!   drafts it, in the AR channel and the job's thread.
//! - With the lien warnings, [`queue_late_waivers`] escalates a conditional waiver out while its
//!   payment is late.
//! - A `lien_waiver` dispute ("no waiver, no check") records the request and drafts the
//!   conditional waiver for the AR team ([`for_dispute`]).

use std::collections::{BTreeMap, HashMap};

use arbot_core::Money;
use arbot_core::audit::{Author, Surface};
use arbot_core::dates::{long_date, short_date};
use arbot_core::ledger::{Invoice, JobWithCustomer};
use arbot_core::liens::{DISCLAIMER, JobParties, state_name};
use arbot_core::notices::{Claimant, Missing, set_command};
use arbot_core::waivers::{
    self, Allocation, NewWaiver, NewWaiverDraft, Refusal, Stage, Status, Step, Waiver, WaiverDraft, WaiverInput,
    WaiverKind, WaiverUpdate,
};

use super::note::typed_name;
use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::chat::Post;
use crate::documents::waiver::{file_name, pdf};
use crate::outbox::{Destination, enqueue_post};
use crate::reply::{Align, Attachment, Button, Reply, Severity, Table};
use crate::wording::at;

/// The answer to a request that reached arbot twice (a retried Discord interaction).
const RECORDED_ONCE: &str = "Already recorded: this request reached arbot twice and was recorded once.";

/// Said with every waiver drafted.
pub const WAIVER_DISCLAIMER: &str = "arbot drafts waivers from the job's facts and the ledger; it is not legal advice. \
Read the waiver, and have counsel review it, before it is signed and given.";

/// `/lien waiver`'s actions.
pub const ACTIONS: &[&str] = &["requested", "conditional", "received", "unconditional"];
/// `/lien waiver`'s stages.
pub const STAGES: &[&str] = &["progress", "final"];

/// A pay application's label as typed: `#1039` and `1039` are the same.
fn clean_label(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    s.strip_prefix('#').map(str::to_string).unwrap_or(s)
}

fn same_label(a: &str, b: &str) -> bool {
    clean_label(a).eq_ignore_ascii_case(&clean_label(b))
}

/// Our business, as a waiver names it.
fn claimant(app: &App) -> Claimant {
    let d = &app.config.business;
    Claimant {
        name: app.config.business_name.clone(),
        address: d.address.clone(),
        phone: d.phone.clone(),
        email: d.email.clone(),
        signer: app.config.letters.signer.clone(),
    }
}

/// The job's state, from its lien facts (synced, or set with `/ar job … set state`).
async fn job_state(app: &App, job: &JobWithCustomer) -> Result<Option<String>, CommandError> {
    let record = super::liens::lien_record(app, &job.job).await?;
    Ok(record.facts.map(|f| f.state).or_else(|| job.job.state.clone()).map(|s| s.to_uppercase()))
}

/// A waiver drawn as PDF.
struct Drawn {
    draft: WaiverDraft,
    bytes: Vec<u8>,
    name: String,
}

/// Draws the waiver of `kind` for `w` on `job`, or says what it needs.
async fn draw(
    app: &App,
    job: &JobWithCustomer,
    w: &Waiver,
    kind: WaiverKind,
    amount: Money,
) -> Result<Result<Drawn, String>, CommandError> {
    let typed = typed_name(&job.job.name);
    let Some(state) = job_state(app, job).await? else {
        return Ok(Err(format!(
            "I need the state {} is in to know which waiver form to use: /ar job {typed} set state CA (its two-letter \
             code).",
            job.job.name
        )));
    };
    let overrides = app.store.job_facts(job.job.id).await?;
    let parties = JobParties::of(&job.job, &overrides);
    let claimant = claimant(app);
    // Earlier conditional waivers on the job whose payment has not all come in.
    let earlier_unpaid: Vec<(chrono::NaiveDate, Money)> = app
        .store
        .waivers(Some(job.job.id), true)
        .await?
        .into_iter()
        .filter(|o| o.id != w.id && o.status == Status::ConditionalSent && o.unpaid().minor > 0)
        .filter_map(|o| Some((o.conditional_on?, o.unpaid())))
        .collect();
    let input = WaiverInput {
        waiver: w,
        kind,
        state: &state,
        parties: &parties,
        job_name: &job.job.name,
        customer: &job.customer_name,
        claimant: &claimant,
        amount,
        earlier_unpaid,
        today: app.today(),
    };
    match waivers::draft(&input) {
        Ok(draft) => {
            let bytes = pdf(&draft, &job.job.name);
            let name = file_name(&job.job.name, &w.pay_app, &draft);
            Ok(Ok(Drawn { draft, bytes, name }))
        }
        Err(missing) => Ok(Err(asked(job, kind, &missing))),
    }
}

/// What the form still needs, each with the command that sets it.
fn asked(job: &JobWithCustomer, kind: WaiverKind, missing: &[Missing]) -> String {
    let typed = typed_name(&job.job.name);
    let n = missing.len();
    let mut text = format!(
        "I can't draft the {} waiver for {} yet: the form needs {} I don't have.",
        kind.word(),
        job.job.name,
        if n == 1 { "one thing".to_string() } else { format!("{n} things") }
    );
    for m in missing {
        let (what, how) = match m {
            Missing::Fact { fact: "through", what, .. } => {
                (what.as_str(), format!("/lien waiver {typed} {} … through <date>", kind.word()))
            }
            Missing::Fact { what, .. } => (what.as_str(), set_command(&typed, m)),
            Missing::Setting { what, .. } => (*what, set_command(&typed, m)),
        };
        text.push_str(&format!("\n• {what}: {how}"));
    }
    text
}

/// Keeps a drawn waiver; its draft number.
async fn keep(app: &App, w: &Waiver, drawn: &Drawn, by: &str, author: &Author) -> Result<Option<i64>, CommandError> {
    let new = NewWaiverDraft {
        waiver_id: w.id,
        kind: drawn.draft.kind,
        form: drawn.draft.form.word,
        document: drawn.draft.document.clone(),
        amount: drawn.draft.amount,
        drafted_on: app.today(),
        file_name: drawn.name.clone(),
        pdf: drawn.bytes.clone(),
        drafted_by: by.to_string(),
        drafted_at: app.clock.now(),
    };
    Ok(app.store.add_waiver_draft(&new, author).await?.new_value())
}

/// "in the Cal. Civ. Code § 8132 form" / "as a generic waiver".
fn form_words(d: &WaiverDraft) -> String {
    if d.form.statutory {
        format!("in the {} form", d.form.citation)
    } else if d.form.word == "generic" {
        "as a generic waiver".to_string()
    } else {
        format!("on the {} form with a condition of payment added", d.form.citation)
    }
}

/// The lines every draft's answer carries: the form, what to check, the disclaimer.
fn draft_lines(d: &WaiverDraft, id: Option<i64>) -> Vec<String> {
    let mut lines = d.advice.clone();
    if !d.form.statutory && d.form.word != "generic" {
        lines.push(d.form.source.to_string());
    }
    if let Some(id) = id {
        lines.push(format!("Kept as waiver draft {id}."));
    }
    lines
}

/// The waiver the words name on a job: by its pay application, or the one outstanding.
fn pick<'a>(
    all: &'a [Waiver],
    label: Option<&str>,
    action: &str,
    job: &JobWithCustomer,
) -> Result<Option<&'a Waiver>, CommandError> {
    let typed = typed_name(&job.job.name);
    if let Some(label) = label {
        return Ok(all.iter().find(|w| same_label(&w.pay_app, label)));
    }
    let open: Vec<&Waiver> = all.iter().filter(|w| w.status.outstanding()).collect();
    match (open.as_slice(), action) {
        (_, "requested") | ([], "conditional" | "received") => Err(CommandError::User(format!(
            "Name the pay application it is for, like /lien waiver {typed} {action} 18250 for Pay app 7 through Oct 31 (or \
             for its invoice number). Nothing was changed."
        ))),
        ([], _) => Err(CommandError::User(format!(
            "No waiver is outstanding on {}, so no unconditional waiver is owed. /lien waivers {typed} lists its waivers. \
             Nothing was changed.",
            job.job.name
        ))),
        ([one], _) => Ok(Some(one)),
        (many, _) => {
            let labels: Vec<String> = many.iter().map(|w| format!("{} ({})", w.pay_app, w.status.text())).collect();
            Err(CommandError::User(format!(
                "{} has {} waivers outstanding: {}. Say which pay application, like /lien waiver {typed} {action} for {}. \
                 Nothing was changed.",
                job.job.name,
                many.len(),
                labels.join(", "),
                many[0].pay_app
            )))
        }
    }
}

fn refusal_text(r: Refusal, w: Option<&Waiver>, job: &JobWithCustomer) -> String {
    let typed = typed_name(&job.job.name);
    let label = w.map(|w| w.pay_app.clone()).unwrap_or_else(|| "<pay app>".to_string());
    let app = w.map(app_label).unwrap_or_else(|| "that pay application".to_string());
    match r {
        Refusal::AlreadyRecorded { status } => format!(
            "A waiver for {app} on {} is already recorded ({}). /lien waivers {typed} shows it. Nothing was changed.",
            job.job.name,
            status.text()
        ),
        Refusal::NotPaid => format!(
            "The payment for {app} on {} isn't in yet, and an unconditional waiver gives up the lien right whether or \
             not it ever arrives, so arbot won't draft one. {} When the payment syncs (or you record it: /lien waiver \
             {typed} received <amount> for {label}), arbot drafts the unconditional. Nothing was changed.",
            job.job.name,
            match w.map(|w| w.status) {
                Some(Status::ConditionalSent) => "The conditional waiver is out, which is what stands until then.",
                _ => "Give the conditional waiver instead.",
            }
        ),
        Refusal::AlreadyPaid => format!(
            "The payment for {app} on {} is already in: what is owed now is the unconditional waiver (/lien waiver \
             {typed} unconditional for {label}). Nothing was changed.",
            job.job.name
        ),
        Refusal::AlreadyGiven => format!(
            "The unconditional waiver for {app} on {} was already given; nothing more is owed on it. Nothing was \
             changed.",
            job.job.name
        ),
    }
}

/// The invoice a pay application's label names, among the job's.
fn invoice_named<'a>(invoices: &'a [Invoice], job_id: i64, label: &str) -> Option<&'a Invoice> {
    invoices.iter().find(|i| i.job_id == Some(job_id) && same_label(&i.number, label))
}

/// "Pay app 7 ($18,250.75 through Oct 31)".
fn describe(w: &Waiver) -> String {
    let through = w.through.map(|t| format!(" through {}", short_date(t))).unwrap_or_default();
    let stage = if w.stage == Stage::Final { ", final" } else { "" };
    format!("{} ({}{through}{stage})", app_label(w), w.amount)
}

/// The pay application as said: "invoice #1039" when it is the job's invoice, else its label.
fn app_label(w: &Waiver) -> String {
    if w.invoice_id.is_some() && w.pay_app.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        format!("invoice #{}", w.pay_app)
    } else {
        w.pay_app.clone()
    }
}

pub(super) async fn handle_waiver(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let job = inv.args.job("job").ok_or_else(|| missing_arg("job"))?;
    let action = inv.args.choice("action").ok_or_else(|| missing_arg("action"))?;
    let typed = typed_name(&job.job.name);
    let today = app.today();
    let on = inv.args.date("on").unwrap_or(today);
    if on > today {
        return Err(CommandError::User(format!(
            "{} is after today; record a step on the day it happened, or leave `on` out for today. Nothing was changed.",
            long_date(on)
        )));
    }
    let label = inv.args.text("pay-app").map(clean_label).filter(|l| !l.is_empty());
    let amount = inv.args.amount("amount");
    if let Some(a) = amount {
        if a.minor <= 0 {
            return Err(CommandError::User(format!(
                "A waiver is for an amount more than zero, not {a}. Nothing was changed."
            )));
        }
        if a.currency != app.config.currency {
            return Err(CommandError::User(format!(
                "Waivers are kept in {}; give the amount in it. Nothing was changed.",
                app.config.currency.code()
            )));
        }
    }
    let stage = inv.args.choice("stage").and_then(Stage::parse);
    let through = inv.args.date("through");
    let all = app.store.waivers(Some(job.job.id), false).await?;
    let current = pick(&all, label.as_deref(), action, job)?;
    let pay_app = current.map(|w| w.pay_app.clone()).or(label.clone()).unwrap_or_default();
    if inv.already(app.store.as_ref(), "waiver_recorded").await?
        || inv.already(app.store.as_ref(), "waiver_updated").await?
    {
        return Ok(Reply::default().line(RECORDED_ONCE));
    }
    let author = inv.author();
    let by = at(&inv.actor.name);
    match action {
        "requested" => {
            waivers::next(current.map(|w| w.status), Step::Request)
                .map_err(|r| CommandError::User(refusal_text(r, current, job)))?;
            let Some(amount) = amount else {
                return Err(CommandError::User(format!(
                    "Give the amount the waiver is to cover, like /lien waiver {typed} requested 18250 for {pay_app} through \
                     Oct 31. Nothing was changed."
                )));
            };
            let invoices = app.store.customer_invoices(job.job.customer_id).await?;
            let new = NewWaiver {
                job_id: job.job.id,
                customer_id: job.job.customer_id,
                pay_app: pay_app.clone(),
                invoice_id: invoice_named(&invoices, job.job.id, &pay_app).map(|i| i.id),
                stage: stage.unwrap_or(Stage::Progress),
                status: Status::Requested,
                amount,
                through,
                on,
                created_by: inv.actor.name.clone(),
                at: app.clock.now(),
            };
            let Some(id) = app.store.add_waiver(&new, &[], &author).await?.new_value() else {
                return Ok(Reply::default().line(RECORDED_ONCE));
            };
            let through = through.map(|t| format!(" through {}", short_date(t))).unwrap_or_default();
            Ok(Reply::titled(format!("Lien waiver requested: {} ({})", job.job.name, job.customer_name))
                .line(format!(
                    "Recorded (waiver {id}): {} asked on {} for a {} lien waiver for {pay_app}, {amount}{through}.",
                    job.customer_name,
                    short_date(on),
                    new.stage.word()
                ))
                .line(format!(
                    "Next: /lien waiver {typed} conditional for {pay_app} drafts the conditional waiver to give in exchange for \
                     the payment; when the payment syncs, arbot drafts the unconditional."
                ))
                .severity(Severity::Good))
        }
        "conditional" => {
            waivers::next(current.map(|w| w.status), Step::Conditional)
                .map_err(|r| CommandError::User(refusal_text(r, current, job)))?;
            let invoices = app.store.customer_invoices(job.job.customer_id).await?;
            let invoice = invoice_named(&invoices, job.job.id, &pay_app);
            // The amount: as given, else as recorded, else the pay application's invoice.
            let Some(amount) = amount.or(current.map(|w| w.amount)).or(invoice.map(|i| i.balance)) else {
                return Err(CommandError::User(format!(
                    "Give the amount of the payment the waiver is for, like /lien waiver {typed} conditional 18250 for {pay_app} \
                     through Oct 31. Nothing was changed."
                )));
            };
            let mut w = match current {
                Some(w) => w.clone(),
                None => Waiver {
                    id: 0,
                    job_id: job.job.id,
                    customer_id: job.job.customer_id,
                    pay_app: pay_app.clone(),
                    invoice_id: invoice.map(|i| i.id),
                    stage: Stage::Progress,
                    status: Status::ConditionalSent,
                    amount,
                    paid: Money::zero(amount.currency),
                    through: None,
                    requested_on: None,
                    conditional_on: Some(on),
                    paid_on: None,
                    unconditional_on: None,
                    created_by: inv.actor.name.clone(),
                },
            };
            w.amount = amount;
            w.through = through.or(w.through);
            w.stage = stage.unwrap_or(w.stage);
            let drawn = match draw(app, job, &w, WaiverKind::Conditional, w.unpaid()).await? {
                Ok(d) => d,
                Err(asked) => return Err(CommandError::User(format!("{asked}\nNothing was changed."))),
            };
            let id = match current {
                None => {
                    let new = NewWaiver {
                        job_id: w.job_id,
                        customer_id: w.customer_id,
                        pay_app: w.pay_app.clone(),
                        invoice_id: w.invoice_id,
                        stage: w.stage,
                        status: Status::ConditionalSent,
                        amount: w.amount,
                        through: w.through,
                        on,
                        created_by: inv.actor.name.clone(),
                        at: app.clock.now(),
                    };
                    match app.store.add_waiver(&new, &[], &author).await?.new_value() {
                        Some(id) => id,
                        None => {
                            return Ok(Reply::default().line(RECORDED_ONCE));
                        }
                    }
                }
                Some(c) => {
                    let update = WaiverUpdate {
                        id: c.id,
                        status: Status::ConditionalSent,
                        amount: Some(w.amount),
                        through: w.through,
                        stage: Some(w.stage),
                        conditional_on: Some(on),
                        paid_on: None,
                        unconditional_on: None,
                        payments: Vec::new(),
                        at: app.clock.now(),
                    };
                    if !app.store.update_waiver(&update, c.status, &author).await?.is_new() {
                        return Ok(Reply::default().line(RECORDED_ONCE));
                    }
                    c.id
                }
            };
            w.id = id;
            let kept = keep(app, &w, &drawn, &by, &author).await?;
            let mut reply =
                Reply::titled(format!("{}: {} ({})", drawn.draft.document, job.job.name, job.customer_name));
            let given = match current.and_then(|c| c.conditional_on.filter(|_| c.status == Status::ConditionalSent)) {
                Some(first) => format!("Another draft of the conditional waiver given on {}.", short_date(first)),
                None => format!("Recorded as given on {}.", short_date(on)),
            };
            reply.lines.push(format!(
                "Drafted by {by} {} for {}: {} to {}, effective only when that payment clears. {given}",
                form_words(&drawn.draft),
                describe(&w),
                drawn.draft.amount,
                job.customer_name,
            ));
            reply.lines.extend(draft_lines(&drawn.draft, kept));
            reply.lines.push(
                "When the payment syncs from the accounting system, arbot says the unconditional waiver is owed and \
                 drafts it."
                    .to_string(),
            );
            if post_in_thread(app, job, &format!("waiver-conditional:{id}:{}", kept.unwrap_or(0)), &reply, &drawn)
                .await?
            {
                reply.lines.push("Posted in the job's escalation thread too.".to_string());
            }
            let severity = if drawn_generic_warning(&reply) { Severity::Warning } else { Severity::Good };
            finish(&mut reply, drawn, severity);
            Ok(reply)
        }
        "received" => {
            let (unpaid, paid_before) = match current {
                Some(w) => (w.unpaid(), w.paid),
                None => (Money::zero(app.config.currency), Money::zero(app.config.currency)),
            };
            let Some(received) = amount.or((unpaid.minor > 0).then_some(unpaid)) else {
                return Err(CommandError::User(format!(
                    "Give the amount received, like /lien waiver {typed} received 18250 for {pay_app}. Nothing was changed."
                )));
            };
            let total = current.map(|w| w.amount).unwrap_or(received);
            let fully = paid_before.minor + received.minor >= total.minor;
            let status = waivers::next(current.map(|w| w.status), Step::Received { fully })
                .map_err(|r| CommandError::User(refusal_text(r, current, job)))?;
            let allocation = Allocation {
                waiver_id: current.map(|w| w.id).unwrap_or(0),
                payment_id: None,
                invoice_id: None,
                received: on,
                amount: received,
                reference: Some(format!("recorded by {by}")),
            };
            let id = match current {
                None => {
                    let invoices = app.store.customer_invoices(job.job.customer_id).await?;
                    let new = NewWaiver {
                        job_id: job.job.id,
                        customer_id: job.job.customer_id,
                        pay_app: pay_app.clone(),
                        invoice_id: invoice_named(&invoices, job.job.id, &pay_app).map(|i| i.id),
                        stage: stage.unwrap_or(Stage::Progress),
                        status,
                        amount: total,
                        through,
                        on,
                        created_by: inv.actor.name.clone(),
                        at: app.clock.now(),
                    };
                    match app.store.add_waiver(&new, std::slice::from_ref(&allocation), &author).await?.new_value() {
                        Some(id) => id,
                        None => {
                            return Ok(Reply::default().line(RECORDED_ONCE));
                        }
                    }
                }
                Some(c) => {
                    let update = WaiverUpdate {
                        id: c.id,
                        status,
                        amount: None,
                        through,
                        stage,
                        conditional_on: None,
                        paid_on: fully.then_some(on),
                        unconditional_on: None,
                        payments: vec![allocation],
                        at: app.clock.now(),
                    };
                    if !app.store.update_waiver(&update, c.status, &author).await?.is_new() {
                        return Ok(Reply::default().line(RECORDED_ONCE));
                    }
                    c.id
                }
            };
            let w =
                app.store.waivers(Some(job.job.id), false).await?.into_iter().find(|w| w.id == id).ok_or_else(
                    || CommandError::Internal(anyhow::anyhow!("waiver {id} vanished after it was recorded")),
                )?;
            if !fully {
                return Ok(Reply::titled(format!("Payment recorded: {} ({})", job.job.name, job.customer_name))
                    .line(format!(
                        "Recorded {received} received on {} for {}: {} of {} in so far, {} still to come. The \
                         unconditional waiver is owed once it is all in.",
                        short_date(on),
                        w.pay_app,
                        w.paid,
                        w.amount,
                        w.unpaid()
                    ))
                    .severity(Severity::Good));
            }
            let reply = owed_reply(
                app,
                job,
                &w,
                &[format!("{received} recorded as received on {} by {by}", short_date(on))],
                &author,
            )
            .await?;
            Ok(reply)
        }
        "unconditional" => {
            let status = waivers::next(current.map(|w| w.status), Step::Unconditional)
                .map_err(|r| CommandError::User(refusal_text(r, current, job)))?;
            let Some(c) = current else {
                return Err(CommandError::User(refusal_text(Refusal::NotPaid, None, job)));
            };
            let mut w = c.clone();
            w.through = through.or(w.through);
            let drawn = match draw(app, job, &w, WaiverKind::Unconditional, w.paid).await? {
                Ok(d) => d,
                Err(asked) => return Err(CommandError::User(format!("{asked}\nNothing was changed."))),
            };
            let update = WaiverUpdate {
                id: c.id,
                status,
                amount: None,
                through,
                stage: None,
                conditional_on: None,
                paid_on: None,
                unconditional_on: Some(on),
                payments: Vec::new(),
                at: app.clock.now(),
            };
            if !app.store.update_waiver(&update, c.status, &author).await?.is_new() {
                return Ok(Reply::default().line(RECORDED_ONCE));
            }
            let kept = keep(app, &w, &drawn, &by, &author).await?;
            let mut reply =
                Reply::titled(format!("{}: {} ({})", drawn.draft.document, job.job.name, job.customer_name));
            reply.lines.push(format!(
                "Drafted by {by} {} for {}: {} received. Recorded as given on {}; nothing more is owed on {}.",
                form_words(&drawn.draft),
                describe(&w),
                w.paid,
                short_date(on),
                app_label(&w)
            ));
            reply.lines.extend(draft_lines(&drawn.draft, kept));
            if post_in_thread(app, job, &format!("waiver-unconditional:{}:{}", c.id, kept.unwrap_or(0)), &reply, &drawn)
                .await?
            {
                reply.lines.push("Posted in the job's escalation thread too.".to_string());
            }
            finish(&mut reply, drawn, Severity::Good);
            Ok(reply)
        }
        other => Err(CommandError::Internal(anyhow::anyhow!("the parser let through the waiver action '{other}'"))),
    }
}

/// Whether the answer leads with a form warning (a generic waiver in a state with its own form).
fn drawn_generic_warning(reply: &Reply) -> bool {
    reply.lines.iter().any(|l| l.contains("prescribes its own waiver forms") || l.contains("could not confirm"))
}

/// Attaches the PDF and the disclaimers.
fn finish(reply: &mut Reply, drawn: Drawn, severity: Severity) {
    reply.attachments.push(Attachment::new(drawn.name, drawn.bytes));
    reply.footer = Some(WAIVER_DISCLAIMER.to_string());
    reply.severity = severity;
}

/// Posts a drafted waiver in the job's escalation thread (or its account's), if it has one.
async fn post_in_thread(
    app: &App,
    job: &JobWithCustomer,
    key: &str,
    reply: &Reply,
    drawn: &Drawn,
) -> Result<bool, CommandError> {
    let escalations = app.store.open_escalations().await?;
    let Some(esc) = crate::warnings::thread_for(&escalations, job) else {
        return Ok(false);
    };
    let mut post = Reply::titled(reply.title.clone().unwrap_or_default());
    post.lines = reply.lines.clone();
    post.attachments.push(Attachment::new(drawn.name.clone(), drawn.bytes.clone()));
    post.footer = Some(WAIVER_DISCLAIMER.to_string());
    let to = Destination::EscalationThread { escalation_id: esc.id };
    enqueue_post(app, key, to, Post::of(post)).await.map_err(CommandError::Internal)?;
    Ok(true)
}

/// "Unconditional waiver now owed": what came in, which waiver is owed, and its draft.
async fn owed_reply(
    app: &App,
    job: &JobWithCustomer,
    w: &Waiver,
    came_in: &[String],
    author: &Author,
) -> Result<Reply, CommandError> {
    let typed = typed_name(&job.job.name);
    let mut reply = Reply::titled(format!("Unconditional waiver now owed — {} ({})", job.job.name, job.customer_name));
    let before = match (w.conditional_on, w.requested_on) {
        (Some(d), _) => format!(", which had a conditional waiver out since {}", short_date(d)),
        (None, Some(d)) => format!(", which {} asked a waiver for on {}", job.customer_name, short_date(d)),
        _ => String::new(),
    };
    reply.lines.push(format!("Paid: {} for {}{before}.", came_in.join("; "), describe(w)));
    match draw(app, job, w, WaiverKind::Unconditional, w.paid).await? {
        Ok(drawn) => {
            let kept = keep(app, w, &drawn, "arbot", author).await?;
            reply.lines.push(format!(
                "Owed now: the unconditional {} waiver for {}, drafted {} and attached.",
                w.stage.word(),
                w.paid,
                form_words(&drawn.draft)
            ));
            reply.lines.extend(draft_lines(&drawn.draft, kept));
            reply.lines.push(format!(
                "Give it now that the payment is in; once it has gone: /lien waiver {typed} unconditional for {}",
                w.pay_app
            ));
            finish(&mut reply, drawn, Severity::Warning);
        }
        Err(asked) => {
            reply.lines.push(format!("Owed now: the unconditional {} waiver for {}.", w.stage.word(), w.paid));
            reply.lines.push(asked);
            reply.lines.push(format!("Then: /lien waiver {typed} unconditional for {}", w.pay_app));
            reply.severity = Severity::Warning;
        }
    }
    Ok(reply)
}

/// The author of what arbot records by itself, keyed so a step is recorded once across
/// instances and restarts.
fn arbot(key: String) -> Author {
    Author::new("arbot", "arbot", Surface::Cli).with_key(key)
}

/// After a sync: counts the payments applied to each job's invoices toward its waivers awaiting
/// payment. Each waiver now paid gets "Unconditional waiver now owed" with its draft, in the AR
/// channel and the job's thread; each partly paid one a line. Returns the replies, for the one
/// who ran the sync.
pub async fn match_payments(app: &App) -> Result<Vec<Reply>, CommandError> {
    let waiting: Vec<Waiver> =
        app.store.waivers(None, true).await?.into_iter().filter(|w| w.status.awaiting_payment()).collect();
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let mut by_job: BTreeMap<i64, Vec<Waiver>> = BTreeMap::new();
    for w in waiting {
        by_job.entry(w.job_id).or_default().push(w);
    }
    let mut replies = Vec::new();
    let escalations = app.store.open_escalations().await?;
    for (job_id, list) in by_job {
        let Some(from) = list.iter().filter_map(Waiver::counts_from).min() else { continue };
        let applications = app.store.job_applications(job_id, from).await?;
        if applications.is_empty() {
            continue;
        }
        let mut used: HashMap<(i64, i64), i64> = HashMap::new();
        for a in app.store.waiver_payments(job_id).await? {
            if let (Some(p), Some(i)) = (a.payment_id, a.invoice_id) {
                *used.entry((p, i)).or_default() += a.amount.minor;
            }
        }
        let allocations = waivers::allocate(&list, &applications, &used);
        if allocations.is_empty() {
            continue;
        }
        let Some(job) = job_of(app, list[0].customer_id, job_id).await? else { continue };
        for w in &list {
            let mine: Vec<Allocation> = allocations.iter().filter(|a| a.waiver_id == w.id).cloned().collect();
            if mine.is_empty() {
                continue;
            }
            let got: i64 = mine.iter().map(|a| a.amount.minor).sum();
            let fully = w.paid.minor + got >= w.amount.minor;
            let Ok(status) = waivers::next(Some(w.status), Step::Received { fully }) else { continue };
            let last = mine.iter().map(|a| a.received).max().unwrap_or(app.today());
            let update = WaiverUpdate {
                id: w.id,
                status,
                amount: None,
                through: None,
                stage: None,
                conditional_on: None,
                paid_on: fully.then_some(last),
                unconditional_on: None,
                payments: mine.clone(),
                at: app.clock.now(),
            };
            let key = format!("waiver:{}:paid:{}", w.id, w.paid.minor + got);
            let author = arbot(key.clone());
            if !app.store.update_waiver(&update, w.status, &author).await?.is_new() {
                continue;
            }
            let came_in: Vec<String> = mine
                .iter()
                .map(|a| {
                    let reference = a.reference.as_deref().map(|r| format!(" (ref {r})")).unwrap_or_default();
                    format!("{} received {}{reference}", a.amount, short_date(a.received))
                })
                .collect();
            let mut now = w.clone();
            now.status = status;
            now.paid = Money::new(w.paid.minor + got, w.amount.currency);
            now.paid_on = update.paid_on.or(w.paid_on);
            let reply = if fully {
                owed_reply(app, &job, &now, &came_in, &author).await?
            } else {
                Reply::titled(format!("Part of a waiver's payment in — {} ({})", job.job.name, job.customer_name))
                    .line(format!(
                        "{} toward {}: {} of {} in, {} still to come. The conditional waiver stays out; the \
                         unconditional is owed once it is all in.",
                        came_in.join("; "),
                        w.pay_app,
                        now.paid,
                        now.amount,
                        now.unpaid()
                    ))
                    .severity(Severity::Warning)
            };
            let pm = job.job.pm.clone();
            let post = Post { text: None, mention: Vec::new(), reply: reply.clone() };
            enqueue_post(app, &key, Destination::ArChannel, post).await.map_err(CommandError::Internal)?;
            if let Some(esc) = crate::warnings::thread_for(&escalations, &job) {
                let text = pm.as_ref().map(|_| "a waiver on your job:".to_string());
                let post = Post { text, mention: pm.into_iter().collect(), reply: reply.clone() };
                let to = Destination::EscalationThread { escalation_id: esc.id };
                enqueue_post(app, &format!("{key}:thread"), to, post).await.map_err(CommandError::Internal)?;
            }
            replies.push(reply);
        }
    }
    Ok(replies)
}

/// A job with its customer's name, by id.
async fn job_of(app: &App, customer_id: i64, job_id: i64) -> Result<Option<JobWithCustomer>, CommandError> {
    let Some(customer) = app.store.customer(customer_id).await? else { return Ok(None) };
    let jobs = app.store.jobs_for_customer(customer_id).await?;
    Ok(jobs.into_iter().find(|j| j.id == job_id).map(|job| JobWithCustomer { job, customer_name: customer.name }))
}

/// The due date of a waiver's invoice, if it names one.
fn invoice_due(invoices: &[Invoice], w: &Waiver) -> Option<(String, chrono::NaiveDate)> {
    let id = w.invoice_id?;
    invoices.iter().find(|i| i.id == id).map(|i| (i.number.clone(), i.due))
}

/// Escalates each conditional waiver out while its payment is late, once each, in the AR channel
/// (with an Escalate button) and the job's thread. Returns how many posts were queued.
pub async fn queue_late_waivers(app: &App) -> anyhow::Result<usize> {
    let today = app.today();
    let out: Vec<Waiver> =
        app.store.waivers(None, true).await?.into_iter().filter(|w| w.status == Status::ConditionalSent).collect();
    let escalations = app.store.open_escalations().await?;
    let mut queued = 0;
    let mut invoices: HashMap<i64, Vec<Invoice>> = HashMap::new();
    for w in &out {
        if let std::collections::hash_map::Entry::Vacant(e) = invoices.entry(w.customer_id) {
            e.insert(app.store.customer_invoices(w.customer_id).await?);
        }
        let due = invoice_due(invoices.get(&w.customer_id).map(Vec::as_slice).unwrap_or(&[]), w);
        if !waivers::is_late(w, due.as_ref().map(|d| d.1), today) {
            continue;
        }
        let Some(job) = job_of(app, w.customer_id, w.job_id).await.map_err(|e| anyhow::anyhow!("{e}"))? else {
            continue;
        };
        let reply = late_reply(&job, w, due.as_ref(), today);
        let key = format!("waiver-late:{}", w.id);
        if enqueue_post(app, &key, Destination::ArChannel, Post::of(reply.clone())).await? {
            queued += 1;
        }
        if let Some(esc) = crate::warnings::thread_for(&escalations, &job) {
            let pm = job.job.pm.clone();
            let text = pm.as_ref().map(|_| "a waiver's payment on your job is late:".to_string());
            let reply = Reply { buttons: Vec::new(), ..reply };
            let post = Post { text, mention: pm.into_iter().collect(), reply };
            let to = Destination::EscalationThread { escalation_id: esc.id };
            if enqueue_post(app, &format!("{key}:thread"), to, post).await? {
                queued += 1;
            }
        }
    }
    Ok(queued)
}

/// The escalation of a conditional waiver whose payment is late.
pub fn late_reply(
    job: &JobWithCustomer,
    w: &Waiver,
    due: Option<&(String, chrono::NaiveDate)>,
    today: chrono::NaiveDate,
) -> Reply {
    let j = &job.job;
    let typed = typed_name(&j.name);
    let mut reply =
        Reply::titled(format!("⚠ Conditional waiver out, payment late — {} ({})", j.name, job.customer_name));
    reply.severity = Severity::Critical;
    let sent = w.conditional_on.map(short_date).unwrap_or_else(|| "an earlier day".to_string());
    let due_text = match due {
        Some((number, d)) => {
            format!("invoice #{number} was due {} ({} days ago)", short_date(*d), (today - *d).num_days())
        }
        None => format!(
            "no invoice of the job is named as its pay application, and it has been out more than {} days",
            waivers::PAY_WITHIN_DAYS
        ),
    };
    let paid = if w.paid.minor > 0 {
        format!("{} of it has come in, {} has not", w.paid, w.unpaid())
    } else {
        "no payment applied to the job since has paid it".to_string()
    };
    reply.lines.push(format!(
        "The conditional waiver for {} went to {} on {sent}; {due_text}, and {paid}.",
        describe(w),
        job.customer_name
    ));
    reply.lines.push(format!(
        "A conditional waiver takes effect only when its payment clears, so nothing is given up yet; the job's lien \
         deadlines still run: /ar job {typed}."
    ));
    let pm = j.pm.as_deref().map(|p| format!(" PM: {}.", at(p))).unwrap_or_default();
    reply.lines.push(format!("Unpaid on this waiver: {}.{pm}", w.unpaid()));
    reply.footer = Some(DISCLAIMER.to_string());
    reply.buttons = vec![Button {
        id: format!("esc:open:{}:{}", j.customer_id, j.id),
        label: format!("Escalate {}", j.name).chars().take(80).collect(),
    }];
    reply
}

/// The job card's line per waiver outstanding ("invoice #1146 ($21,600.00 through Nov 8): conditional
/// out, awaiting payment"), with where to see them; `None` when none is.
pub(super) async fn job_card_text(app: &App, job: &arbot_core::ledger::Job) -> Result<Option<String>, CommandError> {
    let open = app.store.waivers(Some(job.id), true).await?;
    if open.is_empty() {
        return Ok(None);
    }
    let mut lines: Vec<String> = open.iter().map(|w| format!("{}: {}", describe(w), w.status.text())).collect();
    lines.push(format!("/lien waivers {}", typed_name(&job.name)));
    Ok(Some(lines.join("\n")))
}

/// `/lien waivers [job]`: what is outstanding (every job), or a job's waivers.
pub(super) async fn handle_list(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let job = inv.args.job("job");
    let today = app.today();
    let list = app.store.waivers(job.map(|j| j.job.id), job.is_none()).await?;
    let title = match job {
        Some(j) => format!("Lien waivers — {} ({})", j.job.name, j.customer_name),
        None => "Lien waivers outstanding".to_string(),
    };
    let mut reply = Reply::titled(title);
    if list.is_empty() {
        reply.lines.push(match job {
            Some(j) => format!(
                "No lien waiver is recorded on {}. When the GC asks for one: /lien waiver {} requested <amount> for \
                 <pay app> through <date>",
                j.job.name,
                typed_name(&j.job.name)
            ),
            None => "No lien waiver is outstanding. When a GC asks for one: /lien waiver <job> requested <amount> for <pay app> \
                     through <date>"
                .to_string(),
        });
        reply.lines.push(states_text());
        return Ok(reply);
    }
    let mut table = Table::new(&[
        ("Job", Align::Left),
        ("Pay app", Align::Left),
        ("Waiver", Align::Left),
        ("Amount", Align::Right),
        ("Where it stands", Align::Left),
    ]);
    let mut jobs: HashMap<i64, JobWithCustomer> = HashMap::new();
    let mut invoices: HashMap<i64, Vec<Invoice>> = HashMap::new();
    let mut owed = Vec::new();
    let mut late = Vec::new();
    for w in &list {
        if !jobs.contains_key(&w.job_id)
            && let Some(j) = job_of(app, w.customer_id, w.job_id).await?
        {
            jobs.insert(w.job_id, j);
        }
        if let std::collections::hash_map::Entry::Vacant(e) = invoices.entry(w.customer_id) {
            e.insert(app.store.customer_invoices(w.customer_id).await?);
        }
        let name = jobs.get(&w.job_id).map(|j| j.job.name.clone()).unwrap_or_else(|| format!("job {}", w.job_id));
        let typed = typed_name(&name);
        let due = invoice_due(invoices.get(&w.customer_id).map(Vec::as_slice).unwrap_or(&[]), w);
        let stands = match w.status {
            Status::Requested => {
                format!("asked {}; conditional not given yet", w.requested_on.map(short_date).unwrap_or_default())
            }
            Status::ConditionalSent => {
                let pay_by = waivers::pay_by(w, due.as_ref().map(|d| d.1));
                let paid = if w.paid.minor > 0 { format!(", {} in", w.paid) } else { String::new() };
                if waivers::is_late(w, due.as_ref().map(|d| d.1), today) {
                    late.push(format!("{name}, {}", w.pay_app));
                    format!(
                        "conditional out since {}{paid}; payment LATE (due {})",
                        w.conditional_on.map(short_date).unwrap_or_default(),
                        pay_by.map(short_date).unwrap_or_default()
                    )
                } else {
                    format!(
                        "conditional out since {}{paid}; payment due {}",
                        w.conditional_on.map(short_date).unwrap_or_default(),
                        pay_by.map(short_date).unwrap_or_default()
                    )
                }
            }
            Status::Paid => {
                owed.push(format!("/lien waiver {typed} unconditional for {}", w.pay_app));
                format!("paid {}: unconditional OWED", w.paid_on.map(short_date).unwrap_or_default())
            }
            Status::UnconditionalSent => {
                format!("unconditional given {}", w.unconditional_on.map(short_date).unwrap_or_default())
            }
        };
        let through = w.through.map(|t| format!(" thru {}", short_date(t))).unwrap_or_default();
        table.rows.push(vec![
            name,
            w.pay_app.clone(),
            format!("{}{through}", w.stage.word()),
            w.amount.to_string(),
            stands,
        ]);
    }
    let outstanding: Vec<&Waiver> = list.iter().filter(|w| w.status.outstanding()).collect();
    let total: i64 =
        outstanding.iter().filter(|w| w.amount.currency == app.config.currency).map(|w| w.amount.minor).sum();
    reply.lines.push(format!(
        "{} outstanding, {} in all.",
        match outstanding.len() {
            1 => "1 waiver".to_string(),
            n => format!("{n} waivers"),
        },
        app.money(total)
    ));
    if !owed.is_empty() {
        reply.lines.push(format!("Unconditional waivers owed now (the payment is in): {}", owed.join(" · ")));
    }
    if !late.is_empty() {
        reply.lines.push(format!("Conditional waivers out with the payment late: {}.", late.join("; ")));
    }
    reply.table = Some(table);
    reply.severity = if !late.is_empty() || !owed.is_empty() { Severity::Warning } else { Severity::Info };
    Ok(reply)
}

/// For a `lien_waiver` dispute on a job's invoice ("no waiver, no check"): the waiver request
/// recorded for that invoice (if none is), and its conditional waiver drafted, for the AR team.
/// Returns the lines to say and the PDF, or why it could not be drafted.
pub async fn for_dispute(
    app: &App,
    invoice: &Invoice,
    by: &str,
    author: &Author,
) -> Result<Option<(Vec<String>, Option<Attachment>)>, CommandError> {
    let Some(job_id) = invoice.job_id else {
        return Ok(None);
    };
    let Some(job) = job_of(app, invoice.customer_id, job_id).await? else { return Ok(None) };
    let typed = typed_name(&job.job.name);
    let today = app.today();
    let all = app.store.waivers(Some(job_id), false).await?;
    let existing = all.iter().find(|w| w.invoice_id == Some(invoice.id) || same_label(&w.pay_app, &invoice.number));
    let mut lines = Vec::new();
    let w = match existing {
        Some(w) if !w.status.awaiting_payment() => {
            lines.push(format!(
                "Its waiver for #{} is recorded as {}: /lien waivers {typed}.",
                invoice.number,
                w.status.text()
            ));
            return Ok(Some((lines, None)));
        }
        Some(w) => w.clone(),
        None => {
            // The pay application's through date is taken as the invoice's date until told otherwise.
            let new = NewWaiver {
                job_id,
                customer_id: invoice.customer_id,
                pay_app: invoice.number.clone(),
                invoice_id: Some(invoice.id),
                stage: Stage::Progress,
                status: Status::Requested,
                amount: invoice.balance,
                through: Some(invoice.issued),
                on: today,
                created_by: by.to_string(),
                at: app.clock.now(),
            };
            let Some(id) = app.store.add_waiver(&new, &[], author).await?.new_value() else {
                return Ok(None);
            };
            lines.push(format!(
                "Recorded the waiver request for #{} ({}, through {}, the invoice's date) as waiver {id}.",
                invoice.number,
                invoice.balance,
                short_date(invoice.issued)
            ));
            match app.store.waivers(Some(job_id), false).await?.into_iter().find(|w| w.id == id) {
                Some(w) => w,
                None => return Ok(Some((lines, None))),
            }
        }
    };
    match draw(app, &job, &w, WaiverKind::Conditional, w.unpaid()).await? {
        Ok(drawn) => {
            let kept = keep(app, &w, &drawn, by, author).await?;
            lines.push(format!(
                "The conditional waiver for #{} is drafted {} and attached{}: give it to {} in exchange for the check, \
                 then record it: /lien waiver {typed} conditional for {}",
                invoice.number,
                form_words(&drawn.draft),
                kept.map(|k| format!(" (waiver draft {k})")).unwrap_or_default(),
                job.customer_name,
                w.pay_app
            ));
            lines.extend(drawn.draft.advice.iter().cloned());
            Ok(Some((lines, Some(Attachment::new(drawn.name, drawn.bytes)))))
        }
        Err(asked) => {
            lines.push(asked);
            lines.push(format!("Then: /lien waiver {typed} conditional for {}", w.pay_app));
            Ok(Some((lines, None)))
        }
    }
}

/// The states with statutory forms arbot drafts, and those it drafts generically, for help text.
pub fn states_text() -> String {
    let names = |codes: &[&str]| codes.iter().map(|c| state_name(c).unwrap_or(c).to_string()).collect::<Vec<_>>();
    let prescribed: Vec<&str> = waivers::PRESCRIBED.iter().map(|(s, _)| *s).collect();
    format!(
        "Statutory forms: {}. Generic waiver, with a warning to use the state's own form: {}. Generic waiver: every \
         other state.",
        names(waivers::STATUTORY).join(", "),
        names(&prescribed).join(", ")
    )
}
