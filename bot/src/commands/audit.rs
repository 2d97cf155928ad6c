//! `/ar audit [customer] [job <job>]`: the audit trail, newest first — who changed what, when,
//! from where, and the value before and after. Records are kept for good; this only reads them.

use std::collections::HashMap;

use arbot_core::audit::{AuditEntry, AuditQuery, Surface};
use chrono::{DateTime, Utc};

use super::{CommandError, Invocation, job_label};
use crate::app::App;
use crate::reply::{Align, Reply, Table};
use crate::wording::at;

/// How many records one answer shows.
const SHOWN: i64 = 50;

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("customer");
    let job = inv.args.job("job");
    let (scope, q) = match (customer, job) {
        (_, Some(j)) => (job_label(j), AuditQuery { customer_id: None, job_id: Some(j.job.id), limit: SHOWN }),
        (Some(c), None) => (c.name.clone(), AuditQuery { customer_id: Some(c.id), job_id: None, limit: SHOWN }),
        (None, None) => ("every account".to_string(), AuditQuery { customer_id: None, job_id: None, limit: SHOWN }),
    };
    let entries = app.store.audit_trail(q).await?;
    let mut reply = Reply::titled(format!("Audit trail — {scope}"));
    if entries.is_empty() {
        reply.lines.push(format!(
            "Nothing has been changed from chat or the command line for {scope} yet. Notes, promises, job facts \
             and notices recorded from now on show here."
        ));
        return Ok(reply);
    }
    let jobs: HashMap<i64, String> = if entries.iter().any(|e| e.job_id.is_some()) {
        app.store.jobs(None).await?.into_iter().map(|j| (j.job.id, j.job.name)).collect()
    } else {
        HashMap::new()
    };
    let customers: HashMap<i64, String> = if q.customer_id.is_none() {
        app.store.customer_names().await?.into_iter().map(|c| (c.id, c.name)).collect()
    } else {
        HashMap::new()
    };
    let mut table = Table::new(&[
        ("When", Align::Left),
        ("Who", Align::Left),
        ("From", Align::Left),
        ("What", Align::Left),
        ("Before", Align::Left),
        ("After", Align::Left),
    ]);
    for e in &entries {
        let mut what = what_changed(e);
        if let Some(name) = e.job_id.and_then(|id| jobs.get(&id)).filter(|_| q.job_id.is_none()) {
            what.push_str(&format!(" — {name}"));
        } else if let Some(name) = e.customer_id.and_then(|id| customers.get(&id)) {
            what.push_str(&format!(" — {name}"));
        }
        table.rows.push(vec![
            when(app, e.at),
            // A person gets an @; the command line's own runs (the demo's seeding) do not.
            if matches!(e.surface, Surface::Cli | Surface::Import) { e.actor_name.clone() } else { at(&e.actor_name) },
            e.surface.as_str().to_string(),
            what,
            e.before.clone().unwrap_or_else(|| "—".to_string()),
            e.after.clone().unwrap_or_else(|| "—".to_string()),
        ]);
    }
    reply.table = Some(table);
    if entries.len() as i64 == SHOWN {
        reply.footer = Some(format!("The newest {SHOWN} changes; name a customer or a job to see theirs."));
    }
    Ok(reply)
}

/// "job fact last_furnished", "call logged", "escalation ack".
fn what_changed(e: &AuditEntry) -> String {
    match e.action.as_str() {
        "job_fact" => format!("job fact {}", e.subject),
        "job_notice" => format!("notice {}", e.subject.replace('_', " ")),
        "note" => format!("{} logged", e.subject),
        other => format!("{} {}", other.replace('_', " "), e.subject.replace('_', " ")),
    }
}

/// `Dec 2, 09:41` in the business's time zone.
pub(super) fn when(app: &App, t: DateTime<Utc>) -> String {
    t.with_timezone(&app.config.time_zone).format("%b %-d, %H:%M").to_string()
}
