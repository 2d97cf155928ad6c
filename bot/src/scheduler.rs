//! Scheduled work: cron expressions in the business's time zone. Every occurrence is a row keyed
//! by `(job, scheduled_for)` ([`arbot_core::store::ChatOpsStore::claim_run`]), so a restart neither skips
//! nor repeats a run, a run missed while arbot was down is caught up once (if it is not older
//! than the catch-up window), and with several instances on PostgreSQL each run is claimed by
//! exactly one. What a run posts goes through the outbox, keyed by the day, so even a run taken
//! over from an instance that died mid-way cannot post twice.

use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use cron::Schedule;
use tokio::sync::{Notify, watch};

use arbot_core::store::RunStatus;

use crate::app::App;
use crate::chat::Post;
use crate::config::ScheduleConfig;
use crate::outbox::{Destination, enqueue_post};

/// What a scheduled job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Post the daily overdue digest to the AR channel.
    Digest,
    /// Post the day's cash report to the AR channel.
    CashReport,
    /// Post the weekly AR report to the AR channel.
    WeeklyReport,
    /// Check the KPI guardrails; post each one that crossed or recovered.
    KpiGuardrails,
    /// Check the minimum-float watch; post a dip under the minimum, or its recovery.
    Float,
    /// Post the day's "Reminders ready" for approval, and send what needs none.
    Reminders,
    /// Post the month's "Statements ready" for approval (once a month).
    Statements,
    /// Post the month before's close pack (once a month).
    Close,
    /// Announce lien and notice deadlines at their lead times, and missed ones once.
    LienWarnings,
    /// Pull from the configured accounting systems.
    Sync,
    /// Compare every open invoice with each source and repair what drifted.
    Reconcile,
}

/// A job and when it runs.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: &'static str,
    pub kind: JobKind,
    pub schedule: Schedule,
    /// A run still marked running after this long is presumed dead and may be taken over.
    pub lease: chrono::Duration,
}

/// The jobs the configuration schedules.
pub fn jobs(config: &ScheduleConfig) -> anyhow::Result<Vec<Job>> {
    Ok(vec![
        Job {
            name: "sync",
            kind: JobKind::Sync,
            schedule: config.sync.schedule().clone(),
            lease: chrono::Duration::hours(2),
        },
        Job {
            name: "reconcile",
            kind: JobKind::Reconcile,
            schedule: config.reconcile.schedule().clone(),
            lease: chrono::Duration::hours(3),
        },
        Job {
            name: "digest",
            kind: JobKind::Digest,
            schedule: config.digest.schedule().clone(),
            lease: chrono::Duration::minutes(15),
        },
        Job {
            name: "cash_report",
            kind: JobKind::CashReport,
            schedule: config.cash_report.schedule().clone(),
            lease: chrono::Duration::minutes(15),
        },
        Job {
            name: "weekly_report",
            kind: JobKind::WeeklyReport,
            schedule: config.weekly_report.schedule().clone(),
            lease: chrono::Duration::minutes(15),
        },
        Job {
            name: "kpi_guardrails",
            kind: JobKind::KpiGuardrails,
            schedule: config.kpi_guardrails.schedule().clone(),
            lease: chrono::Duration::minutes(15),
        },
        Job {
            name: "float",
            kind: JobKind::Float,
            schedule: config.float.schedule().clone(),
            lease: chrono::Duration::minutes(15),
        },
        Job {
            name: "reminders",
            kind: JobKind::Reminders,
            schedule: config.reminders.schedule().clone(),
            lease: chrono::Duration::minutes(15),
        },
        Job {
            name: "statements",
            kind: JobKind::Statements,
            schedule: config.statements.schedule().clone(),
            lease: chrono::Duration::minutes(30),
        },
        Job {
            name: "close",
            kind: JobKind::Close,
            schedule: config.close.schedule().clone(),
            lease: chrono::Duration::minutes(30),
        },
        Job {
            name: "lien_warnings",
            kind: JobKind::LienWarnings,
            schedule: config.lien_warnings.schedule().clone(),
            lease: chrono::Duration::minutes(15),
        },
    ])
}

/// The occurrence to run at `now`: the latest one at or before `now` that is no older than
/// `catch_up`. Earlier missed occurrences are not run (one catch-up, not a burst).
pub fn due(schedule: &Schedule, tz: Tz, now: DateTime<Utc>, catch_up: chrono::Duration) -> Option<DateTime<Utc>> {
    let from = (now - catch_up).with_timezone(&tz);
    // `after` excludes its start; step back a second so an occurrence exactly at the start counts.
    schedule
        .after(&(from - chrono::Duration::seconds(1)))
        .take_while(|t| t.with_timezone(&Utc) <= now)
        .last()
        .map(|t| t.with_timezone(&Utc))
}

/// What one tick did with one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub job: &'static str,
    pub scheduled_for: DateTime<Utc>,
    /// Done or failed, with a sentence in `detail`.
    pub status: RunStatus,
    pub detail: String,
}

/// Runs the jobs when they are due.
#[derive(Debug, Clone)]
pub struct Scheduler {
    app: App,
    jobs: Vec<Job>,
    instance: String,
    catch_up: chrono::Duration,
    /// Wakes the outbox dispatcher when a run queued something.
    outbox: Arc<Notify>,
}

impl Scheduler {
    pub fn new(app: App, instance: &str, outbox: Arc<Notify>) -> anyhow::Result<Scheduler> {
        let jobs = jobs(&app.config.schedule)?;
        let catch_up = chrono::Duration::hours(i64::from(app.config.schedule.catch_up_hours));
        Ok(Scheduler { app, jobs, instance: instance.to_string(), catch_up, outbox })
    }

    /// Runs every job whose occurrence is due and not yet claimed; returns what ran here.
    pub async fn tick(&self) -> Vec<RunReport> {
        let mut reports = Vec::new();
        for job in &self.jobs {
            let now = self.app.clock.now();
            let Some(at) = due(&job.schedule, self.app.clock.tz(), now, self.catch_up) else { continue };
            match self.app.store.claim_run(job.name, at, &self.instance, now, now - job.lease).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::error!(job = job.name, "can't record the scheduled run: {e}");
                    continue;
                }
            }
            let (status, detail) = match self.run(job.kind, at).await {
                Ok(detail) => (RunStatus::Done, detail),
                Err(e) => (RunStatus::Failed, format!("{e:#}")),
            };
            if status == RunStatus::Failed {
                tracing::error!(job = job.name, %at, "scheduled run failed: {detail}");
            } else {
                tracing::info!(job = job.name, %at, "scheduled run: {detail}");
            }
            if let Err(e) = self.app.store.finish_run(job.name, at, status, Some(&detail), self.app.clock.now()).await {
                tracing::error!(job = job.name, "can't record the end of the scheduled run: {e}");
            }
            reports.push(RunReport { job: job.name, scheduled_for: at, status, detail });
        }
        reports
    }

    async fn run(&self, kind: JobKind, at: DateTime<Utc>) -> anyhow::Result<String> {
        match kind {
            JobKind::Digest => {
                let day = at.with_timezone(&self.app.clock.tz()).date_naive();
                // The day's aging snapshot, at the digest's cut-off, and any missing day rebuilt.
                let taken = arbot_core::snapshots::take_and_catch_up(
                    self.app.store.as_ref(),
                    self.app.today(),
                    &self.app.config.aging,
                    self.app.config.currency,
                    self.app.clock.now(),
                )
                .await?;
                let snapshot = match (taken.today, taken.rebuilt) {
                    (true, 0) => "aging snapshot taken; ".to_string(),
                    (false, 0) => String::new(),
                    (t, n) => format!(
                        "aging snapshot {}{n} missing day(s) rebuilt from the ledger; ",
                        if t { "taken, " } else { "already there, " }
                    ),
                };
                let digest = crate::commands::build_digest(&self.app).await.map_err(|e| anyhow!("{e}"))?;
                let post = Post::of(crate::commands::digest_reply(&self.app, &digest));
                let queued = enqueue_post(&self.app, &format!("digest:{day}"), Destination::ArChannel, post).await?;
                self.outbox.notify_one();
                Ok(if queued {
                    format!("{snapshot}digest for {day} queued")
                } else {
                    format!("{snapshot}digest for {day} was already queued")
                })
            }
            JobKind::CashReport => {
                let day = at.with_timezone(&self.app.clock.tz()).date_naive();
                let report = crate::commands::build_cash(&self.app, Some(day)).await.map_err(|e| anyhow!("{e}"))?;
                let post = Post::of(crate::commands::cash_reply(&self.app, &report));
                let queued = enqueue_post(&self.app, &format!("cash:{day}"), Destination::ArChannel, post).await?;
                self.outbox.notify_one();
                Ok(if queued {
                    format!("cash report for {day} queued")
                } else {
                    format!("cash report for {day} was already queued")
                })
            }
            JobKind::WeeklyReport => {
                let day = at.with_timezone(&self.app.clock.tz()).date_naive();
                let report = crate::commands::build_weekly(&self.app, Some(day)).await.map_err(|e| anyhow!("{e}"))?;
                let post = Post::of(crate::commands::weekly_reply(&self.app, &report));
                let queued = enqueue_post(&self.app, &format!("weekly:{day}"), Destination::ArChannel, post).await?;
                self.outbox.notify_one();
                Ok(if queued {
                    format!("weekly report for {day} queued")
                } else {
                    format!("weekly report for {day} was already queued")
                })
            }
            JobKind::KpiGuardrails => {
                let (detail, queued) = crate::guardrails::check(&self.app).await?;
                if queued > 0 {
                    self.outbox.notify_one();
                }
                Ok(detail)
            }
            JobKind::Float => {
                let (detail, queued) = crate::float_watch::check(&self.app).await?;
                if queued > 0 {
                    self.outbox.notify_one();
                }
                Ok(detail)
            }
            JobKind::Reminders => {
                let day = at.with_timezone(&self.app.clock.tz()).date_naive();
                let r = crate::commands::mail::queue_round(&self.app, day).await?;
                if r.posted || r.sent_by_itself > 0 {
                    self.outbox.notify_one();
                }
                Ok(match (r.listed, r.sent_by_itself, r.posted) {
                    (0, 0, _) => format!("no reminders due on {day}"),
                    (listed, auto, true) => {
                        format!("{listed} reminder(s) listed for approval, {auto} sent by themselves on {day}")
                    }
                    (listed, auto, false) => format!(
                        "{listed} reminder(s) for approval (already posted), {auto} more sent by themselves on {day}"
                    ),
                })
            }
            JobKind::Statements => {
                let day = at.with_timezone(&self.app.clock.tz()).date_naive();
                let (detail, posted) = crate::commands::statement::queue_month_end(&self.app, day).await?;
                if posted {
                    self.outbox.notify_one();
                }
                Ok(detail)
            }
            JobKind::Close => {
                let day = at.with_timezone(&self.app.clock.tz()).date_naive();
                let (detail, posted) = crate::commands::close::queue_month_end(&self.app, day).await?;
                if posted {
                    self.outbox.notify_one();
                }
                Ok(detail)
            }
            JobKind::LienWarnings => {
                let queued = crate::warnings::queue_lien_warnings(&self.app).await?;
                let broken = crate::promises::queue_broken_promises(&self.app).await?;
                let late = crate::commands::waivers::queue_late_waivers(&self.app).await?;
                if queued + broken + late > 0 {
                    self.outbox.notify_one();
                }
                Ok(format!(
                    "{queued} lien warning(s), {broken} broken promise(s) and {late} late waiver payment(s) queued"
                ))
            }
            JobKind::Sync => {
                // The escalation ladder climbs on the sync's hourly schedule, sources or not.
                if crate::ladder::queue_ladder(&self.app).await? > 0 {
                    self.outbox.notify_one();
                }
                if self.app.sources.is_empty() {
                    return Ok("no sources configured".to_string());
                }
                let mut lines = Vec::new();
                for source in &self.app.sources {
                    let result = arbot_core::sync::sync_source(
                        self.app.store.as_ref(),
                        source.as_ref(),
                        self.app.clock.as_ref(),
                        false,
                        |_| {},
                    )
                    .await;
                    match result {
                        Ok(r) => {
                            let t = r.totals();
                            lines.push(format!("{}: {} new, {} updated", r.source, t.new, t.updated));
                        }
                        Err(e) => lines.push(format!("{}: {e}", source.name())),
                    }
                }
                // Payments on jobs with waivers out: the unconditional waivers now owed, posted.
                let owed = crate::commands::waivers::match_payments(&self.app).await.map_err(|e| anyhow!("{e}"))?;
                if !owed.is_empty() {
                    self.outbox.notify_one();
                    lines.push(format!("{} lien waiver(s) paid", owed.len()));
                }
                Ok(lines.join("; "))
            }
            JobKind::Reconcile => {
                if self.app.sources.is_empty() {
                    return Ok("no sources configured".to_string());
                }
                let outcomes = crate::reconcile::reconcile_all(&self.app, &self.app.sources).await?;
                if outcomes.iter().any(|o| o.result.as_ref().is_ok_and(crate::reconcile::worth_posting)) {
                    self.outbox.notify_one();
                }
                Ok(outcomes.iter().map(|o| o.text(&self.app)).collect::<Vec<_>>().join(" "))
            }
        }
    }

    /// Ticks every `every` until `shutdown` turns true.
    pub async fn run_every(self, every: Duration, mut shutdown: watch::Receiver<bool>) {
        loop {
            self.tick().await;
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const NY: Tz = chrono_tz::America::New_York;

    #[test]
    fn five_field_crontab_weekdays_mean_what_they_say() {
        let s = crate::cron::Cron::parse("0 8 * * 1-5").unwrap().schedule().clone();
        // Sat Nov 28, 2026: the next run is Mon Nov 30 at 08:00 New York (13:00 UTC).
        let next = s.after(&at("2026-11-28T12:00:00Z").with_timezone(&NY)).next().unwrap();
        assert_eq!(next.with_timezone(&Utc), at("2026-11-30T13:00:00Z"));
        let names = crate::cron::Cron::parse("0 8 * * Mon-Fri").unwrap().schedule().clone();
        let next = names.after(&at("2026-11-28T12:00:00Z").with_timezone(&NY)).next().unwrap();
        assert_eq!(next.with_timezone(&Utc), at("2026-11-30T13:00:00Z"));
        assert!(crate::cron::Cron::parse("0 8 * * 0").is_ok());
        assert!(crate::cron::Cron::parse("every morning").is_err());
        assert!(crate::cron::Cron::parse("0 8 * * 9").is_err());
    }

    #[test]
    fn due_is_the_latest_occurrence_within_the_catch_up_window() {
        let s = crate::cron::Cron::parse("0 8 * * Mon-Fri").unwrap().schedule().clone();
        let window = chrono::Duration::hours(12);
        // Mon Nov 30, 07:59 New York: nothing today yet; Friday's run is older than the window.
        assert_eq!(due(&s, NY, at("2026-11-30T12:59:00Z"), window), None);
        // 08:00 exactly, and later that day.
        assert_eq!(due(&s, NY, at("2026-11-30T13:00:00Z"), window), Some(at("2026-11-30T13:00:00Z")));
        assert_eq!(due(&s, NY, at("2026-11-30T20:30:00Z"), window), Some(at("2026-11-30T13:00:00Z")));
        // Past the window: not caught up.
        assert_eq!(due(&s, NY, at("2026-12-01T02:00:00Z"), window), None);
        // Down for two days: only the latest occurrence is due.
        let s = crate::cron::Cron::parse("0 8 * * *").unwrap().schedule().clone();
        assert_eq!(
            due(&s, NY, at("2026-12-02T14:00:00Z"), chrono::Duration::hours(72)),
            Some(at("2026-12-02T13:00:00Z"))
        );
    }

    #[test]
    fn eight_oclock_is_local_across_daylight_saving() {
        let s = crate::cron::Cron::parse("0 8 * * Mon-Fri").unwrap().schedule().clone();
        // Fri Oct 30, 2026 is still EDT (UTC-4); Mon Nov 2 is EST (UTC-5).
        let window = chrono::Duration::hours(1);
        assert_eq!(due(&s, NY, at("2026-10-30T12:30:00Z"), window), Some(at("2026-10-30T12:00:00Z")));
        assert_eq!(due(&s, NY, at("2026-11-02T13:30:00Z"), window), Some(at("2026-11-02T13:00:00Z")));
    }
}
