//! Broken promises, announced: each promise that broke (its day plus grace passed with nothing
//! or too little applied) is posted once in the AR channel, and in the account's escalation
//! thread if it has one, with an Escalate button. The outbox key is the promise's id, so it is
//! posted once across restarts and instances; the digest keeps listing it until someone acts.
//! A payment plan's broken installment is announced the same way, once per installment.

use arbot_core::collections::Outcome;
use arbot_core::dates::{short_date, weekday_date};
use arbot_core::digest::PROMISE_LOOKBACK_DAYS;
use arbot_core::store::OpenItemsQuery;
use chrono::Days;

use crate::app::App;
use crate::chat::Post;
use crate::outbox::{Destination, enqueue_post};
use crate::reply::{Button, Reply, Severity};
use crate::wording::at;

/// How long after it broke a promise is still announced (once): older ones broke before arbot
/// was watching, and the digest lists them anyway.
pub const ANNOUNCE_WITHIN_DAYS: i64 = 7;

/// Queues the announcement of every promise that broke and was not announced yet; returns how
/// many posts were queued.
pub async fn queue_broken_promises(app: &App) -> anyhow::Result<usize> {
    let today = app.today();
    let rules = app.promise_rules();
    let promises = app.store.promises_from(today - Days::new(PROMISE_LOOKBACK_DAYS)).await?;
    // Installments broken lately: due no earlier than the announcement window (plus grace) back.
    let window = Days::new(ANNOUNCE_WITHIN_DAYS as u64 + u64::from(rules.grace_days) + 1);
    let plans = app.store.plans_due(today - window, today).await?;
    let first_logged = promises
        .iter()
        .map(|(p, _)| p.logged_on(rules.tz))
        .chain(plans.iter().map(|(p, _)| p.logged_on(rules.tz)))
        .min();
    let Some(from) = first_logged else {
        return Ok(0);
    };
    let cash = app.store.cash_applied(None, from).await?;
    let items = app.store.open_items(OpenItemsQuery { as_of: today, customer_id: None, historical: false }).await?;
    let escalations = app.store.open_escalations().await?;
    let mut queued = 0;
    for (p, name) in &promises {
        let outcome = p.outcome(&cash, today, rules);
        let deadline = p.deadline(rules.grace_days);
        if !outcome.is_broken() || (today - deadline).num_days() > ANNOUNCE_WITHIN_DAYS {
            continue;
        }
        let paid = match outcome {
            Outcome::PartlyKept { paid, short } => format!("Paid since: {paid}; {short} still owed."),
            _ => format!("Paid since: {}.", arbot_core::Money::zero(p.amount.currency)),
        };
        let mut reply = Reply::titled(format!("✗ Promise broken — {name}"));
        reply.severity = Severity::Critical;
        reply.lines.push(format!(
            "{} was promised by {} (logged by {}, {}). {paid}",
            p.amount,
            weekday_date(p.promised_for),
            at(&p.created_by),
            short_date(p.logged_on(rules.tz))
        ));
        let broken = promises
            .iter()
            .filter(|(q, _)| q.customer_id == p.customer_id && q.outcome(&cash, today, rules).is_broken())
            .count();
        if broken > 1 {
            reply.lines.push(format!("{} broken promise in the last {PROMISE_LOOKBACK_DAYS} days.", ordinal(broken)));
        }
        let open: Vec<_> =
            items.iter().filter(|i| i.customer_id == p.customer_id && i.currency() == app.config.currency).collect();
        let total: i64 = open.iter().map(|i| i.balance.minor).sum();
        let oldest = open.iter().map(|i| (today - i.due).num_days()).max().unwrap_or(0);
        if total > 0 {
            let age = if oldest > 0 { format!(", oldest {oldest} days past due") } else { String::new() };
            reply.lines.push(format!("Open {}{age}.", app.money(total).compact()));
        }
        reply.buttons = vec![Button {
            id: format!("esc:open:{}", p.customer_id),
            label: format!("Escalate {name}").chars().take(80).collect(),
        }];
        let key = format!("promise-broken:{}", p.id);
        if enqueue_post(app, &key, Destination::ArChannel, Post::of(reply.clone())).await? {
            queued += 1;
        }
        if let Some(esc) = escalations.iter().find(|e| e.customer_id == p.customer_id && e.job_id.is_none()) {
            // The thread is the escalation already: no button to open another.
            let reply = Reply { buttons: Vec::new(), ..reply };
            let to = Destination::EscalationThread { escalation_id: esc.id };
            if enqueue_post(app, &format!("{key}:thread"), to, Post::of(reply)).await? {
                queued += 1;
            }
        }
    }
    for i in arbot_core::collections::installments_due(&plans, &cash, today - window, today, today, rules) {
        let deadline = i.due_on + Days::new(u64::from(rules.grace_days));
        if !i.outcome.is_broken() || (today - deadline).num_days() > ANNOUNCE_WITHIN_DAYS {
            continue;
        }
        let paid = match i.outcome {
            Outcome::PartlyKept { paid, short } => format!("Paid toward it: {paid}; {short} short."),
            _ => format!("Paid toward it: {}.", arbot_core::Money::zero(i.amount.currency)),
        };
        let name = &i.customer_name;
        let mut reply = Reply::titled(format!("✗ Plan installment broken — {name}"));
        reply.severity = Severity::Critical;
        reply.lines.push(format!(
            "Installment {} of {} ({}) was due {}. {paid}",
            i.seq,
            i.of,
            i.amount,
            weekday_date(i.due_on)
        ));
        reply.buttons = vec![Button {
            id: format!("esc:open:{}", i.customer_id),
            label: format!("Escalate {name}").chars().take(80).collect(),
        }];
        let key = format!("installment-broken:{}:{}", i.plan_id, i.seq);
        if enqueue_post(app, &key, Destination::ArChannel, Post::of(reply.clone())).await? {
            queued += 1;
        }
        if let Some(esc) = escalations.iter().find(|e| e.customer_id == i.customer_id && e.job_id.is_none()) {
            let reply = Reply { buttons: Vec::new(), ..reply };
            let to = Destination::EscalationThread { escalation_id: esc.id };
            if enqueue_post(app, &format!("{key}:thread"), to, Post::of(reply)).await? {
                queued += 1;
            }
        }
    }
    Ok(queued)
}

fn ordinal(n: usize) -> String {
    match n {
        2 => "Second".to_string(),
        3 => "Third".to_string(),
        4 => "Fourth".to_string(),
        5 => "Fifth".to_string(),
        n => format!("{n}th"),
    }
}
