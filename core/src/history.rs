//! An account's timeline, newest first: notes, promises and their outcome, payment plans and their
//! installments' outcomes, disputes, escalations
//! and the clicks on them, notices served on its jobs, and payments, each with who and when.
//! Built from the records themselves (and, for escalations, from the audit trail).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::audit::AuditQuery;
use crate::collections::{PromiseRules, reason_text};
use crate::dates::short_date;
use crate::store::{Store, StoreError};

/// One thing that happened on an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// The day, in the business's time zone.
    pub on: NaiveDate,
    /// The moment, when it is known (a payment or a notice has only its day).
    pub at: Option<DateTime<Utc>>,
    /// `note`, `promise`, `plan`, `installment`, `dispute`, `escalation`, `notice`, `payment`.
    pub kind: &'static str,
    pub what: String,
    /// Who did it, when a person did.
    pub who: Option<String>,
}

/// How many payments and notes the timeline reads at most.
const DEPTH: i64 = 200;

/// The customer's timeline, newest first.
pub async fn history(
    store: &dyn Store,
    customer_id: i64,
    today: NaiveDate,
    rules: PromiseRules,
) -> Result<Vec<Event>, StoreError> {
    let day = |t: DateTime<Utc>| t.with_timezone(&rules.tz).date_naive();
    let mut events = Vec::new();
    for n in store.notes_for_customer(customer_id, DEPTH).await? {
        let follow = n.follow_up_on.map(|d| format!(" (follow up {})", short_date(d))).unwrap_or_default();
        events.push(Event {
            on: day(n.created_at),
            at: (!n.day_only).then_some(n.created_at),
            kind: "note",
            what: format!("{}: \"{}\"{follow}", n.kind, n.body),
            who: Some(n.author),
        });
    }
    let promises = store.promises_for_customer(customer_id).await?;
    if let Some(from) = promises.iter().map(|p| p.logged_on(rules.tz)).min() {
        let cash = store.cash_applied(Some(customer_id), from).await?;
        for p in &promises {
            let outcome = p.outcome(&cash, today, rules);
            let note = p.note.as_deref().map(|n| format!(" — \"{n}\"")).unwrap_or_default();
            events.push(Event {
                on: p.logged_on(rules.tz),
                at: (!p.day_only).then_some(p.created_at),
                kind: "promise",
                what: format!("{} by {}{note}: {}", p.amount, short_date(p.promised_for), outcome.word()),
                who: Some(p.created_by.clone()),
            });
        }
    }
    let plans = store.plans_for_customer(customer_id).await?;
    if let Some(from) = plans.iter().map(|p| p.logged_on(rules.tz)).min() {
        let cash = store.cash_applied(Some(customer_id), from).await?;
        for p in &plans {
            let note = p.note.as_deref().map(|n| format!(" — \"{n}\"")).unwrap_or_default();
            events.push(Event {
                on: p.logged_on(rules.tz),
                at: Some(p.created_at),
                kind: "plan",
                what: format!("payment plan: {} in {} installments{note}", p.total, p.installments.len()),
                who: Some(p.created_by.clone()),
            });
            let of = p.installments.len();
            for (i, outcome) in p.installments.iter().zip(p.outcomes(&cash, today, rules)) {
                // What has happened: installments whose day has come, or paid ahead.
                if i.due_on > today && !matches!(outcome, crate::collections::Outcome::Kept { .. }) {
                    continue;
                }
                events.push(Event {
                    on: i.due_on,
                    at: None,
                    kind: "installment",
                    what: format!("{} of {of}: {} due {}: {}", i.seq, i.amount, short_date(i.due_on), outcome.word()),
                    who: None,
                });
            }
        }
    }
    for d in store.disputes(false, None).await?.into_iter().filter(|d| d.customer_id == customer_id) {
        let detail = d.detail.as_deref().map(|x| format!(" — \"{x}\"")).unwrap_or_default();
        events.push(Event {
            on: day(d.opened_at),
            at: Some(d.opened_at),
            kind: "dispute",
            what: format!("#{} in dispute: {}{detail}", d.invoice_number, reason_text(&d.reason)),
            who: Some(d.opened_by.clone()),
        });
        if let Some(at) = d.resolved_at {
            let note = d.resolution_note.as_deref().map(|x| format!(" — \"{x}\"")).unwrap_or_default();
            events.push(Event {
                on: day(at),
                at: Some(at),
                kind: "dispute",
                what: format!("#{} dispute resolved: {}{note}", d.invoice_number, d.outcome.unwrap_or_default()),
                who: d.resolved_by,
            });
        }
    }
    let audit = store.audit_trail(AuditQuery { customer_id: Some(customer_id), job_id: None, limit: DEPTH }).await?;
    for e in audit.iter().filter(|e| e.action == "plan" && e.subject == "cancelled") {
        let what = format!("payment plan cancelled ({})", e.before.clone().unwrap_or_default());
        events.push(Event { on: day(e.at), at: Some(e.at), kind: "plan", what, who: Some(e.actor_name.clone()) });
    }
    for e in audit.into_iter().filter(|e| e.action == "escalation") {
        let what = match e.subject.as_str() {
            "open" => format!("escalated: {}", e.after.unwrap_or_default()),
            "ack" => "escalation acknowledged".to_string(),
            "call" => "escalation taken: will call them".to_string(),
            "snooze" => "escalation snoozed".to_string(),
            "resolve" => "escalation resolved".to_string(),
            "level" => {
                format!("escalation moved up from {} to {}", e.before.unwrap_or_default(), e.after.unwrap_or_default())
            }
            other => format!("escalation {other}"),
        };
        events.push(Event { on: day(e.at), at: Some(e.at), kind: "escalation", what, who: Some(e.actor_name) });
    }
    for job in store.jobs_for_customer(customer_id).await? {
        for n in store.job_notices(job.id).await? {
            let tracking = n.tracking.as_deref().map(|t| format!(", tracking {t}")).unwrap_or_default();
            events.push(Event {
                on: n.served_on,
                at: None,
                kind: "notice",
                what: format!("{} served on {}{tracking}", n.kind.replace('_', " "), job.name),
                who: Some(n.recorded_by),
            });
        }
    }
    for p in store.recent_payments(customer_id, DEPTH).await? {
        let to: Vec<String> = p
            .applications
            .iter()
            .filter(|a| a.credit_memo_number.is_none())
            .filter_map(|a| a.invoice_number.as_ref().map(|n| format!("#{n} {}", a.amount)))
            .collect();
        let applied = if to.is_empty() { String::new() } else { format!(" → {}", to.join(", ")) };
        let reference = p.reference.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
        events.push(Event {
            on: p.received,
            at: None,
            kind: "payment",
            what: format!("{} received{reference}{applied}", p.amount),
            who: None,
        });
    }
    // Newest first; a moment of the same day before its undated events.
    events.sort_by_key(|e| std::cmp::Reverse((e.on, e.at)));
    Ok(events)
}
