//! Lien and notice warnings: each open deadline is announced in the AR channel at the configured
//! lead times (by default 14, 7, 3, 1 and 0 days before), once per lead time, and a deadline that
//! passed without its document recorded is reported once as missed. The outbox key holds the
//! job, the rule, the due date and the lead time, so a warning is never posted twice, across
//! restarts and instances. Where the job (or its account) has an escalation thread, the warning
//! is posted there too, addressed to the PM.

use arbot_core::dates::{long_date, weekday_date};
use arbot_core::escalation::Escalation;
use arbot_core::ledger::JobWithCustomer;
use arbot_core::liens::{DISCLAIMER, Deadline, LienRecords, PREVENTIVE, facts_since, is_event, notice_word};
use chrono::NaiveDate;

use crate::app::App;
use crate::chat::Post;

use crate::outbox::{Destination, enqueue_post};
use crate::reply::{Button, Reply, Severity};
use crate::wording::at;

/// How long after a deadline passed it is still reported as missed (once). Older ones were
/// either reported already or predate arbot.
pub const MISSED_WITHIN_DAYS: i64 = 7;

/// Which warning, if any, is due today for a deadline `days_left` away: the smallest lead time
/// that is at least `days_left` (`Some(lead)`), or `None`. A run that missed a day still gives
/// the warning for the lead it is now within, once.
pub fn lead_for(days_left: i64, leads: &[u32]) -> Option<u32> {
    leads.iter().copied().filter(|l| i64::from(*l) >= days_left).min()
}

/// What a warning is about: ahead of the deadline, or after it was missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    Ahead { lead: u32 },
    Missed,
}

/// Queues today's warnings; returns how many new ones were queued.
pub async fn queue_lien_warnings(app: &App) -> anyhow::Result<usize> {
    let today = app.today();
    let closures = &app.config.liens.closures;
    // A job with nothing owed is warned about only for its preventive notices, up to
    // MISSED_WITHIN_DAYS after they passed: only a dated fact within their reach can give one.
    // So the jobs read are those with money owed and those with such a fact, not every job ever,
    // and every job's facts and notices are read in one statement each.
    let missed_from = today.checked_sub_days(chrono::Days::new(MISSED_WITHIN_DAYS as u64)).unwrap_or(today);
    let since = facts_since(missed_from, Some(PREVENTIVE), closures);
    let jobs = app.store.lien_jobs(today, app.config.currency, since).await?;
    let records = LienRecords::load(app.store.as_ref()).await?;
    let escalations = app.store.open_escalations().await?;
    let mut queued = 0;
    for (job, owed) in jobs {
        let record = records.record(&job.job);
        for d in record.open_deadlines(closures) {
            if is_event(&d) {
                continue;
            }
            if owed <= 0 && !PREVENTIVE.contains(&d.kind.as_str()) {
                continue;
            }
            let days_left = (d.due - today).num_days();
            let warning = if days_left >= 0 {
                match lead_for(days_left, &app.config.liens.warn_days) {
                    Some(lead) => Warning::Ahead { lead },
                    None => continue,
                }
            } else if days_left >= -MISSED_WITHIN_DAYS {
                Warning::Missed
            } else {
                continue;
            };
            let tag = match warning {
                Warning::Ahead { lead } => lead.to_string(),
                Warning::Missed => "missed".to_string(),
            };
            let key = format!("lien:{}:{}:{}:{tag}", job.job.id, d.rule, d.due);
            let reply = warning_reply(app, &job, &d, owed, today, warning);
            let pm = job.job.pm.clone();
            let post = Post { text: None, mention: Vec::new(), reply: reply.clone() };
            if enqueue_post(app, &key, Destination::ArChannel, post).await? {
                queued += 1;
            }
            // The job's escalation thread (or its account's) hears about it too, with the PM called on.
            if let Some(esc) = thread_for(&escalations, &job) {
                let text = pm.as_ref().map(|_| "this deadline is on your job:".to_string());
                // The thread is the escalation already: no button to open another.
                let reply = Reply { buttons: Vec::new(), ..reply };
                let post = Post { text, mention: pm.into_iter().collect(), reply };
                let to = Destination::EscalationThread { escalation_id: esc.id };
                if enqueue_post(app, &format!("{key}:thread"), to, post).await? {
                    queued += 1;
                }
            }
        }
    }
    Ok(queued)
}

/// The open escalation for this job, else one for its account as a whole.
pub(crate) fn thread_for<'a>(escalations: &'a [Escalation], job: &JobWithCustomer) -> Option<&'a Escalation> {
    escalations
        .iter()
        .find(|e| e.job_id == Some(job.job.id))
        .or_else(|| escalations.iter().find(|e| e.customer_id == job.job.customer_id && e.job_id.is_none()))
}

/// The warning as it reads in the channel.
pub fn warning_reply(
    app: &App,
    job: &JobWithCustomer,
    d: &Deadline,
    owed: i64,
    today: NaiveDate,
    warning: Warning,
) -> Reply {
    let j = &job.job;
    let mut place: Vec<String> = Vec::new();
    if let Some(city) = &j.city {
        place.push(city.clone());
    }
    if let Some(county) = &j.county {
        place.push(format!("{county} County"));
    }
    if let Some(state) = &j.state {
        place.push(state.clone());
    }
    let place = if place.is_empty() { String::new() } else { format!(" ({})", place.join(", ")) };
    let days_left = (d.due - today).num_days();
    let when = match (warning, days_left) {
        (Warning::Missed, n) => format!("was due {} ({} days ago) and is not recorded", long_date(d.due), -n),
        (_, 0) => "due TODAY".to_string(),
        (_, 1) => "due tomorrow".to_string(),
        (_, n) => format!("due in {n} days"),
    };
    let title = match warning {
        Warning::Missed => format!("Missed: {} — {}{place}", d.document, j.name),
        Warning::Ahead { .. } => format!("{} {when} — {}{place}", d.document, j.name),
    };
    let mut reply = Reply::titled(title);
    reply.severity = match warning {
        Warning::Missed => Severity::Critical,
        Warning::Ahead { .. } if days_left <= 3 => Severity::Critical,
        Warning::Ahead { .. } => Severity::Warning,
    };
    match warning {
        Warning::Missed => reply.lines.push(format!("{} {when} ({}).", d.document, d.citation)),
        Warning::Ahead { .. } => {
            reply.lines.push(format!("Due {} ({}) for {}.", weekday_date(d.due), d.citation, job.customer_name))
        }
    }
    reply.lines.extend(d.notes.iter().cloned());
    reply.lines.push(format!("Missing it: {}", d.consequence_text));
    let pm = j.pm.as_deref().map(|p| format!(" PM: {}.", at(p))).unwrap_or_default();
    let unpaid = if owed > 0 { app.money(owed).to_string() } else { "nothing yet".to_string() };
    reply.lines.push(format!("Unpaid on this job: {unpaid}.{pm}"));
    if let Some(word) = notice_word(&d.kind) {
        let date = if warning == Warning::Missed { "<date>".to_string() } else { today.to_string() };
        reply.lines.push(format!("Record it: /ar notice \"{}\" {word} {date} <tracking no>", j.name));
    }
    reply.footer = Some(DISCLAIMER.to_string());
    reply.buttons = vec![Button {
        id: format!("esc:open:{}:{}", j.customer_id, j.id),
        label: format!("Escalate {}", j.name).chars().take(80).collect(),
    }];
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_lead_time_once() {
        let leads = [14, 7, 3, 1, 0];
        assert_eq!(lead_for(20, &leads), None);
        assert_eq!(lead_for(14, &leads), Some(14));
        assert_eq!(lead_for(10, &leads), Some(14));
        assert_eq!(lead_for(7, &leads), Some(7));
        assert_eq!(lead_for(6, &leads), Some(7));
        assert_eq!(lead_for(2, &leads), Some(3));
        assert_eq!(lead_for(1, &leads), Some(1));
        assert_eq!(lead_for(0, &leads), Some(0));
        assert_eq!(lead_for(5, &[3]), None);
    }
}
