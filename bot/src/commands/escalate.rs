//! `/ar escalate <customer> [reason]`, and the same from a digest line's button: hand an account
//! (or one of its jobs) to its PM. arbot opens the escalation, then the outbox posts an alert in
//! the AR channel, opens a thread from it named after the account, and puts the figures, the
//! history and the ask in the thread's first message, with the PM mentioned and buttons to
//! acknowledge, snooze, take the call or resolve.

use arbot_core::audit::Author;
use arbot_core::dates::short_date;
use arbot_core::escalation::{Escalation, EscalationLevel, EscalationStatus, NewEscalation};
use arbot_core::summary::{CustomerSummary, customer_summary};

use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::chat::Post;
use crate::reply::{Button, Reply, Severity};
use crate::roles::{Actor, Permission};
use crate::wording::{at, days_phrase};

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    let reason = inv.args.text("reason");
    if let Some(ask) = reason.and_then(level_ask) {
        return move_up(app, inv, customer.id, ask?).await;
    }
    let (esc, created) = open(app, customer.id, None, reason, &inv.actor, &inv.author()).await?;
    Ok(opened_reply(&esc, created))
}

/// Where "up <reason>" or "level manager|legal <reason>" asks to take an account.
struct LevelAsk {
    /// `None`: one level up from where it is.
    to: Option<EscalationLevel>,
    reason: String,
}

/// Reads the level keywords at the start of the reason; `None` when they are not there (an
/// ordinary reason), an error when they are there but incomplete.
fn level_ask(text: &str) -> Option<Result<LevelAsk, CommandError>> {
    let text = text.trim();
    let (first, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let (to, rest) = match first.to_ascii_lowercase().as_str() {
        "up" => (None, rest.trim()),
        "level" => {
            let rest = rest.trim();
            let (word, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            match EscalationLevel::parse(word) {
                Some(EscalationLevel::Pm) => {
                    return Some(Err(CommandError::User(
                        "An escalation moves up only (PM → manager → legal); to close it, press Resolved in its \
                         thread."
                            .to_string(),
                    )));
                }
                Some(level) => (Some(level), after.trim()),
                None => {
                    return Some(Err(CommandError::User(format!(
                        "I read \"level {word}\" but the levels are manager and legal: try `/ar escalate <customer> \
                         level legal <reason>`."
                    ))));
                }
            }
        }
        _ => return None,
    };
    if rest.is_empty() {
        return Some(Err(CommandError::User(
            "Say why it moves up: `/ar escalate <customer> up <reason>`. Nothing changed.".to_string(),
        )));
    }
    Some(Ok(LevelAsk { to, reason: rest.to_string() }))
}

/// Moves the account's open escalation up a level (opening one at manager level when none is
/// open), records it, and posts what the level expects next in its thread.
async fn move_up(app: &App, inv: &Invocation, customer_id: i64, ask: LevelAsk) -> Result<Reply, CommandError> {
    if !inv.actor.may(Permission::Escalate) {
        return Err(CommandError::User(format!(
            "Only {} can move an escalation up (your roles: {}). Ask in the AR channel.",
            crate::roles::who_holds(Permission::Escalate),
            inv.actor.roles_text()
        )));
    }
    let author = inv.author();
    let open_now =
        app.store.open_escalations().await?.into_iter().find(|e| e.customer_id == customer_id && e.job_id.is_none());
    let current = match open_now {
        Some(esc) => esc,
        None => open(app, customer_id, None, Some(&ask.reason), &inv.actor, &author).await?.0,
    };
    let to = match ask.to.or_else(|| current.level.up()) {
        Some(to) => to,
        None => {
            let mut reply = Reply::default()
                .line(format!("{} is already at legal, the top level; nothing changed.", current.title));
            reply.ephemeral = true;
            return Ok(reply);
        }
    };
    if to <= current.level {
        let mut reply = Reply::default().line(format!(
            "{} is already at {} level; nothing changed.",
            current.title,
            level_name(current.level)
        ));
        reply.ephemeral = true;
        return Ok(reply);
    }
    // The open (when "up" opened it) is recorded under the interaction's key; the move under its own.
    let mover = arbot_core::audit::Author { key: author.key.as_ref().map(|k| format!("{k}:level")), ..author.clone() };
    let (esc, moved_from) = app
        .store
        .move_escalation(current.id, to, &ask.reason, &mover, app.clock.now())
        .await?
        .ok_or_else(|| CommandError::User("That escalation is no longer on record.".to_string()))?;
    let expects = expectation(app, &esc).await?;
    let Some(from) = moved_from else {
        // A redelivered interaction (or a race): the move is already recorded.
        return Ok(Reply::default()
            .line(format!("{} is at {} level.", esc.title, level_name(esc.level)))
            .line(format!("Next: {expects}.")));
    };
    let manager = app.config.collections.manager.clone().filter(|_| esc.level == EscalationLevel::Manager);
    let mut post = Reply::default()
        .line(format!(
            "Moved up from {} to {} by {}: {}.",
            level_name(from),
            level_name(esc.level),
            at(&author.name),
            ask.reason
        ))
        .line(format!("Next: {expects}."))
        .severity(Severity::Warning);
    if esc.level == EscalationLevel::Manager && manager.is_none() {
        post = post.line("No manager is set to add ([collections] manager in arbot.toml).");
    }
    let text = manager.as_ref().map(|_| "this is yours now:".to_string());
    let key = format!("esc:{}:level:{}", esc.id, esc.level.as_str());
    crate::outbox::enqueue_post(
        app,
        &key,
        crate::outbox::Destination::EscalationThread { escalation_id: esc.id },
        Post { text, mention: manager.iter().cloned().collect(), reply: post },
    )
    .await
    .map_err(CommandError::Internal)?;
    let added = manager.as_deref().map(|m| format!(" {} is added to its thread.", at(m))).unwrap_or_default();
    Ok(Reply::default()
        .line(format!(
            "Moved up: {} is at {} level now (was {}).{added}",
            esc.title,
            level_name(esc.level),
            level_name(from)
        ))
        .line(format!("Next: {expects}."))
        .severity(Severity::Good))
}

fn level_name(level: EscalationLevel) -> &'static str {
    match level {
        EscalationLevel::Pm => "PM",
        EscalationLevel::Manager => "manager",
        EscalationLevel::Legal => "legal",
    }
}

/// What a level expects next, in a clause.
async fn expectation(app: &App, esc: &Escalation) -> Result<String, CommandError> {
    Ok(match esc.level {
        EscalationLevel::Pm => "the PM reaches the customer and says in the thread what they hear".to_string(),
        EscalationLevel::Manager => {
            "call the customer's owner or principal; consider a credit hold on new work".to_string()
        }
        EscalationLevel::Legal => {
            let mut jobs = app.store.jobs_for_customer(esc.customer_id).await?;
            if let Some(id) = esc.job_id {
                jobs.retain(|j| j.id == id);
            }
            // Only a deadline still running: a passed one is no notice's to save, and a notice
            // of commencement expiring is an event, not a document to send.
            let today = app.today();
            let next =
                arbot_core::liens::next_deadlines(app.store.as_ref(), &jobs, today, &app.config.liens.closures).await?;
            let running: Vec<String> = jobs
                .iter()
                .filter_map(|j| match next.get(&j.id) {
                    Some(arbot_core::liens::Next::Coming(d)) if !arbot_core::liens::is_event(d) => {
                        Some(format!("{} due {} on {}", d.document, short_date(d.due), j.name))
                    }
                    _ => None,
                })
                .collect();
            if running.is_empty() {
                "no lien deadline is running on its jobs, so refer it to a collections agency or counsel".to_string()
            } else {
                format!(
                    "send a notice of intent to lien ({}), or refer it to a collections agency or counsel",
                    running.join("; ")
                )
            }
        }
    })
}

/// What the person who escalated is told.
pub fn opened_reply(esc: &Escalation, created: bool) -> Reply {
    let who = esc.pm.as_deref().map(at).unwrap_or_else(|| "the AR team".to_string());
    if created {
        return Reply::default()
            .line(format!("Escalated: {}. A thread opens in the AR channel asking {who} to help.", esc.title))
            .severity(Severity::Good);
    }
    let state = match esc.status {
        EscalationStatus::Acknowledged => {
            format!("acknowledged by {}", esc.acked_by.as_deref().map(at).unwrap_or_else(|| "someone".into()))
        }
        EscalationStatus::Snoozed => "snoozed".to_string(),
        _ => "waiting for an answer".to_string(),
    };
    let mut reply = Reply::default().line(format!(
        "{} is already escalated (opened by {}, {state}); see its thread.",
        esc.title,
        at(&esc.opened_by)
    ));
    reply.ephemeral = true;
    reply
}

/// Opens (or finds) the escalation for an account, or one job of it, and queues its posts.
pub async fn open(
    app: &App,
    customer_id: i64,
    job_id: Option<i64>,
    reason: Option<&str>,
    by: &Actor,
    author: &Author,
) -> Result<(Escalation, bool), CommandError> {
    if !by.may(Permission::Escalate) {
        return Err(CommandError::User(format!(
            "Only {} can open an escalation (your roles: {}). Ask in the AR channel.",
            crate::roles::who_holds(Permission::Escalate),
            by.roles_text()
        )));
    }
    let today = app.today();
    let summary =
        customer_summary(app.store.as_ref(), customer_id, today, false, &app.config.aging, app.config.currency)
            .await?
            .ok_or_else(|| CommandError::User("That customer is no longer in the ledger.".to_string()))?;
    let job = job_id.and_then(|id| summary.jobs.iter().find(|j| j.job.id == id));
    if job_id.is_some() && job.is_none() {
        return Err(CommandError::User("That job is no longer in the ledger.".to_string()));
    }
    let m = |minor: i64| app.money(minor).compact();
    let row = &summary.aging;
    let oldest = summary.oldest.as_ref().map(|o| o.days_past_due).unwrap_or(0);
    let title = match job {
        Some(j) => format!("{} ({}) — {} unpaid", j.job.name, summary.customer.name, m(j.unpaid)),
        None if row.overdue > 0 => format!("{} — {}, {oldest} days", summary.customer.name, m(row.overdue)),
        None => format!("{} — {} open", summary.customer.name, m(row.total)),
    };
    let reason = match reason {
        Some(r) => r.trim().to_string(),
        None => auto_reason(app, &summary, job.map(|j| &j.job)).await?,
    };
    let pm = job.and_then(|j| j.job.pm.clone()).or_else(|| summary.customer.pm.clone());
    let new = NewEscalation {
        customer_id,
        job_id,
        title: title.clone(),
        reason: reason.clone(),
        pm: pm.clone(),
        opened_by: by.name.clone(),
        opened_at: app.clock.now(),
    };
    let (esc, created) = app.store.open_escalation(&new, author).await?;
    if created {
        let alert = alert_post(&esc);
        let first = first_post(app, &esc, &summary);
        crate::outbox::enqueue_escalation(app, esc.id, alert, first).await.map_err(CommandError::Internal)?;
    }
    Ok((esc, created))
}

/// Why, in a line, when the person did not say: what is overdue and what went wrong.
async fn auto_reason(
    app: &App,
    s: &CustomerSummary,
    job: Option<&arbot_core::ledger::Job>,
) -> Result<String, CommandError> {
    let m = |minor: i64| app.money(minor).compact();
    let today = app.today();
    let mut parts = Vec::new();
    if let Some(job) = job {
        let next = super::liens::next_deadlines(app, std::slice::from_ref(job)).await?;
        if let Some(text) = next.get(&job.id) {
            parts.push(format!("{text} on {}", job.name));
        }
    }
    if s.aging.overdue > 0 {
        let oldest = s.oldest.as_ref().map(|o| o.days_past_due).unwrap_or(0);
        parts.push(format!("{} overdue, oldest {oldest} days", m(s.aging.overdue)));
    }
    if let Some(p) = &s.promise
        && p.outcome(&s.promise_cash, today, app.promise_rules()).is_broken()
    {
        parts.push(format!("promise for {} broke on {}", p.amount.compact(), short_date(p.promised_for)));
    }
    match &s.last_note {
        Some(n) => {
            let days = (today - n.created_at.with_timezone(&app.config.time_zone).date_naive()).num_days();
            if days >= arbot_core::digest::QUIET_DAYS {
                parts.push(format!("no contact in {days} days"));
            }
        }
        None if s.aging.overdue > 0 => parts.push("no contact on record".to_string()),
        None => {}
    }
    if parts.is_empty() {
        parts.push("the AR team asked for help".to_string());
    }
    Ok(parts.join("; "))
}

/// The alert in the AR channel; the thread opens from it.
fn alert_post(esc: &Escalation) -> Post {
    let who = esc.pm.as_deref().map(at).unwrap_or_else(|| "the AR team".to_string());
    let reply = Reply::titled(format!("Escalation: {}", esc.title))
        .line(format!("Why: {}.", esc.reason))
        .line(format!("Opened by {}; {who} is asked to help in the thread.", at(&esc.opened_by)))
        .severity(Severity::Warning);
    Post::of(reply)
}

/// The thread's first message: the figures, the history and the ask, with buttons.
fn first_post(app: &App, esc: &Escalation, s: &CustomerSummary) -> Post {
    let m = |minor: i64| app.money(minor).to_string();
    let row = &s.aging;
    let mut reply = Reply::titled(&s.customer.name).severity(Severity::Warning);
    // As on the card: what is in dispute is apart from the overdue the PM is asked to chase.
    let mut headline = format!("Open {} · overdue {}", m(row.total), m(row.collectible_overdue()));
    if row.disputed > 0 {
        headline.push_str(&format!(" · in dispute {}", m(row.disputed)));
    }
    reply.lines.push(headline);
    reply.lines.push(format!("Why: {}.", esc.reason));
    if let Some(o) = &s.oldest {
        let disputed = if o.item.disputed { " · disputed" } else { "" };
        reply = reply.field(
            "Oldest open",
            format!("#{} {} {}{disputed}", o.item.number, m(o.item.due_part()), days_phrase(o.days_past_due)),
        );
    }
    if let Some(p) = &s.promise {
        // Kept, partly kept or broken as the card says it: read from the cash, not the stored status.
        let outcome = super::promise::outcome_text(app, p, &s.promise_cash);
        reply = reply.field("Promise", format!("{} by {} · {outcome}", p.amount, short_date(p.promised_for)));
    }
    if let Some(pay) = &s.last_payment {
        reply = reply.field("Last payment", format!("{} on {}", pay.amount, short_date(pay.received)));
    }
    let notes = if let Some(n) = &s.last_note {
        let when = short_date(n.created_at.with_timezone(&app.config.time_zone).date_naive());
        format!("{when} {}: \"{}\"", at(&n.author), n.body)
    } else {
        "no contact on record".to_string()
    };
    reply = reply.field("Last note", notes);
    let ask = match &esc.pm {
        Some(pm) => {
            format!("{}, can you reach them (or the GC or owner) this week and say here what you hear?", at(pm))
        }
        None => "Who can reach them this week? Say here what you hear.".to_string(),
    };
    reply = reply.field("The ask", ask);
    reply.buttons = buttons(esc.id, esc.customer_id);
    let subject = match esc.job_id.and_then(|id| s.jobs.iter().find(|j| j.job.id == id)) {
        Some(j) => format!("{} ({})", j.job.name, s.customer.name),
        None => s.customer.name.clone(),
    };
    let text = esc.pm.as_ref().map(|_| format!("can you help with {subject}?"));
    Post { text, mention: esc.pm.iter().cloned().collect(), reply }
}

/// The buttons on an escalation thread's first message. Their ids carry the escalation id, so a
/// click is routed by id after any restart. "Log call" opens the call form for the account.
pub fn buttons(id: i64, customer_id: i64) -> Vec<Button> {
    vec![
        Button { id: format!("esc:ack:{id}"), label: "Acknowledge".to_string() },
        Button { id: format!("esc:snooze:{id}"), label: "Snooze 1 day".to_string() },
        Button { id: format!("esc:call:{id}"), label: "I'll call them".to_string() },
        Button { id: format!("esc:resolve:{id}"), label: "Resolved".to_string() },
        super::note::log_call_button(customer_id),
    ]
}
