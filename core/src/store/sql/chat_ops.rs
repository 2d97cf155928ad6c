//! Chat operations: scheduled runs, the outbox, escalations, leadership.

use chrono::{DateTime, Utc};

use super::audit::write_audit;
use super::{Dialect, SqlStore, on};
use crate::audit::{Author, Change};
use crate::escalation::{
    Escalation, EscalationAction, EscalationEvent, EscalationLevel, EscalationPosts, NewEscalation,
};
use crate::outbox::{Delivery, OutboxCounts, OutboxItem};
use crate::store::{ChatOpsStore, Leadership, RunStatus, ScheduledRun, StoreError};

/// The columns of an escalation, in [`EscalationRow`]'s order.
const ESCALATION_SELECT: &str = "SELECT id, customer_id, job_id, title, reason, pm, status, level, opened_by, \
    opened_at, channel_id, message_id, thread_id, thread_message_id, acked_by, acked_at, snoozed_until, resolved_by, \
    resolved_at FROM escalations";

#[derive(sqlx::FromRow)]
struct EscalationRow {
    pub id: i64,
    pub customer_id: i64,
    pub job_id: Option<i64>,
    pub title: String,
    pub reason: String,
    pub pm: Option<String>,
    pub status: String,
    pub level: String,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub channel_id: Option<String>,
    pub message_id: Option<String>,
    pub thread_id: Option<String>,
    pub thread_message_id: Option<String>,
    pub acked_by: Option<String>,
    pub acked_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl From<EscalationRow> for crate::escalation::Escalation {
    fn from(r: EscalationRow) -> Self {
        crate::escalation::Escalation {
            id: r.id,
            customer_id: r.customer_id,
            job_id: r.job_id,
            title: r.title,
            reason: r.reason,
            pm: r.pm,
            status: crate::escalation::EscalationStatus::parse(&r.status)
                .unwrap_or(crate::escalation::EscalationStatus::Open),
            level: crate::escalation::EscalationLevel::parse(&r.level)
                .unwrap_or(crate::escalation::EscalationLevel::Pm),
            opened_by: r.opened_by,
            opened_at: r.opened_at,
            channel_id: r.channel_id,
            message_id: r.message_id,
            thread_id: r.thread_id,
            thread_message_id: r.thread_message_id,
            acked_by: r.acked_by,
            acked_at: r.acked_at,
            snoozed_until: r.snoozed_until,
            resolved_by: r.resolved_by,
            resolved_at: r.resolved_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    pub id: i64,
    pub key: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub result: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<OutboxRow> for crate::outbox::OutboxItem {
    fn from(r: OutboxRow) -> Self {
        crate::outbox::OutboxItem {
            id: r.id,
            key: r.key,
            kind: r.kind,
            payload: r.payload,
            attempts: r.attempts,
            result: r.result,
            last_error: r.last_error,
            created_at: r.created_at,
        }
    }
}

/// Queues an outbox item once per key: `$1` key, `$2` kind, `$3` payload, `$4` now; returns the
/// new row's id, or nothing when the key was queued before.
pub(super) const INSERT_OUTBOX: &str = "INSERT INTO outbox (key, kind, payload, status, attempts, next_attempt_at, \
     created_at) VALUES ($1, $2, $3, 'pending', 0, $4, $4) ON CONFLICT (key) DO NOTHING RETURNING id";

#[async_trait::async_trait]
impl<S: SqlStore> ChatOpsStore for S {
    async fn claim_run(
        &self,
        job: &str,
        scheduled_for: DateTime<Utc>,
        instance: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        on!(self, write, |pool, DB| {
            // The insert wins for the first caller; a later one takes over only a run still
            // marked running whose claim is stale. Both in one statement, so one caller wins.
            let won: Option<i64> = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO scheduled_runs (job, scheduled_for, status, claimed_by, claimed_at) \
                 VALUES ($1, $2, 'running', $3, $4) \
                 ON CONFLICT (job, scheduled_for) DO UPDATE SET claimed_by = excluded.claimed_by, \
                 claimed_at = excluded.claimed_at \
                 WHERE scheduled_runs.status = 'running' AND scheduled_runs.claimed_at < $5 RETURNING id",
            )
            .bind(job)
            .bind(scheduled_for)
            .bind(instance)
            .bind(now)
            .bind(stale_before)
            .fetch_optional(pool)
            .await?;
            Ok(won.is_some())
        })
    }

    async fn finish_run(
        &self,
        job: &str,
        scheduled_for: DateTime<Utc>,
        status: RunStatus,
        detail: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on!(self, write, |pool, DB| {
            sqlx::query::<DB>(
                "UPDATE scheduled_runs SET status = $3, detail = $4, finished_at = $5 \
                WHERE job = $1 AND scheduled_for = $2",
            )
            .bind(job)
            .bind(scheduled_for)
            .bind(status.as_str())
            .bind(detail)
            .bind(at)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    async fn runs(&self, job: &str, limit: i64) -> Result<Vec<ScheduledRun>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<
                DB,
                (String, DateTime<Utc>, String, String, DateTime<Utc>, Option<DateTime<Utc>>, Option<String>),
            >(
                "SELECT job, scheduled_for, status, claimed_by, claimed_at, finished_at, detail \
                 FROM scheduled_runs WHERE job = $1 ORDER BY scheduled_for DESC LIMIT $2",
            )
            .bind(job)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(job, scheduled_for, status, claimed_by, claimed_at, finished_at, detail)| ScheduledRun {
                    job,
                    scheduled_for,
                    status: RunStatus::parse(&status),
                    claimed_by,
                    claimed_at,
                    finished_at,
                    detail,
                })
                .collect())
        })
    }

    async fn enqueue(&self, key: &str, kind: &str, payload: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        on!(self, write, |pool, DB| {
            let id: Option<i64> = sqlx::query_scalar::<DB, i64>(INSERT_OUTBOX)
                .bind(key)
                .bind(kind)
                .bind(payload)
                .bind(at)
                .fetch_optional(pool)
                .await?;
            Ok(id.is_some())
        })
    }

    async fn claim_outbox(
        &self,
        instance: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        on!(self, write, |pool, DB| {
            let sql = format!(
                "UPDATE outbox SET status = 'sending', claimed_by = $1, claimed_at = $2, \
                attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox \
                WHERE (status = 'pending' AND next_attempt_at <= $2) \
                   OR (status = 'sending' AND claimed_at < $3) \
                ORDER BY id LIMIT $4{}) \
                RETURNING id, key, kind, payload, attempts, result, last_error, created_at",
                DB::LOCK_ROWS
            );
            let mut rows = sqlx::query_as::<DB, OutboxRow>(sqlx::AssertSqlSafe(sql))
                .bind(instance)
                .bind(now)
                .bind(stale_before)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.sort_by_key(|r| r.id);
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    async fn settle_outbox(&self, id: i64, delivery: &Delivery, at: DateTime<Utc>) -> Result<(), StoreError> {
        on!(self, write, |pool, DB| {
            let query = match delivery {
                Delivery::Sent { result } => sqlx::query::<DB>(
                    "UPDATE outbox SET status = 'sent', result = $2, sent_at = $3, last_error = NULL, \
                     claimed_by = NULL WHERE id = $1",
                )
                .bind(id)
                .bind(result.clone())
                .bind(at),
                Delivery::Retry { error, retry_at, progress } => sqlx::query::<DB>(
                    "UPDATE outbox SET status = 'pending', last_error = $2, next_attempt_at = $3, \
                     result = COALESCE($4, result), claimed_by = NULL WHERE id = $1",
                )
                .bind(id)
                .bind(error.clone())
                .bind(*retry_at)
                .bind(progress.clone()),
                Delivery::Failed { error } => sqlx::query::<DB>(
                    "UPDATE outbox SET status = 'failed', last_error = $2, claimed_by = NULL, \
                     next_attempt_at = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(error.clone())
                .bind(at),
            };
            query.execute(pool).await?;
            Ok(())
        })
    }

    async fn mark_outbox_progress(&self, id: i64, progress: &str) -> Result<(), StoreError> {
        on!(self, write, |pool, DB| {
            sqlx::query::<DB>("UPDATE outbox SET result = $2 WHERE id = $1")
                .bind(id)
                .bind(progress)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, (String, i64)>(
                "SELECT status, CAST(COUNT(*) AS BIGINT) FROM outbox GROUP BY status",
            )
            .fetch_all(pool)
            .await?;
            let mut c = OutboxCounts::default();
            for (status, n) in rows {
                match status.as_str() {
                    "pending" => c.pending = n,
                    "sending" => c.sending = n,
                    "sent" => c.sent = n,
                    _ => c.failed += n,
                }
            }
            Ok(c)
        })
    }

    async fn outbox_status(&self, key: &str) -> Result<Option<(String, Option<String>)>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_as::<DB, (String, Option<String>)>("SELECT status, result FROM outbox WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?)
        })
    }

    async fn open_escalation(&self, e: &NewEscalation, by: &Author) -> Result<(Escalation, bool), StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            // One open escalation per account (and job): a second request finds the first.
            let id: Option<i64> = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO escalations (customer_id, job_id, title, reason, pm, status, opened_by, opened_at) \
                 VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(e.customer_id)
            .bind(e.job_id)
            .bind(&e.title)
            .bind(&e.reason)
            .bind(&e.pm)
            .bind(&e.opened_by)
            .bind(e.opened_at)
            .fetch_optional(&mut *tx)
            .await?;
            if id.is_some() {
                let change = Change {
                    action: "escalation",
                    customer_id: Some(e.customer_id),
                    job_id: e.job_id,
                    invoice_id: None,
                    subject: "open".to_string(),
                    before: None,
                    after: Some(e.reason.clone()),
                };
                write_audit!(tx, DB, by, e.opened_at, &change);
            }
            let query = match id {
                Some(id) => sqlx::query_as::<DB, EscalationRow>(sqlx::AssertSqlSafe(format!(
                    "{} WHERE id = $1",
                    ESCALATION_SELECT
                )))
                .bind(id),
                None => sqlx::query_as::<DB, EscalationRow>(sqlx::AssertSqlSafe(format!(
                    "{} WHERE customer_id = $1 AND COALESCE(job_id, 0) = $2 AND status <> 'resolved'",
                    ESCALATION_SELECT
                )))
                .bind(e.customer_id)
                .bind(e.job_id.unwrap_or(0)),
            };
            let row = query.fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok((row.into(), id.is_some()))
        })
    }

    async fn escalation(&self, id: i64) -> Result<Option<Escalation>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!("{} WHERE id = $1", ESCALATION_SELECT);
            let row =
                sqlx::query_as::<DB, EscalationRow>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
            Ok(row.map(Into::into))
        })
    }

    async fn open_escalations(&self) -> Result<Vec<Escalation>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!("{} WHERE status <> 'resolved' ORDER BY opened_at, id", ESCALATION_SELECT);
            let rows = sqlx::query_as::<DB, EscalationRow>(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }

    async fn record_escalation_posts(&self, id: i64, p: &EscalationPosts) -> Result<(), StoreError> {
        on!(self, write, |pool, DB| {
            sqlx::query::<DB>(
                "UPDATE escalations SET channel_id = COALESCE($2, channel_id), \
                message_id = COALESCE($3, message_id), thread_id = COALESCE($4, thread_id), \
                thread_message_id = COALESCE($5, thread_message_id) WHERE id = $1",
            )
            .bind(id)
            .bind(&p.channel_id)
            .bind(&p.message_id)
            .bind(&p.thread_id)
            .bind(&p.thread_message_id)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    async fn act_on_escalation(
        &self,
        id: i64,
        action: &EscalationAction,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Option<Escalation>, StoreError> {
        let (actor_id, actor_name, interaction_id) = (&by.id, &by.name, by.key.as_deref());
        on!(self, write, |pool, DB| {
            let select = format!("{} WHERE id = $1", ESCALATION_SELECT);
            let mut tx = DB::begin_write(pool).await?;
            let before: Option<(i64, Option<i64>, String)> = sqlx::query_as::<DB, (i64, Option<i64>, String)>(
                "SELECT customer_id, job_id, status FROM escalations WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((customer_id, job_id, status_before)) = before else {
                return Ok(None);
            };
            let logged: Option<i64> = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO escalation_events (escalation_id, action, actor_id, actor_name, at, interaction_id) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(id)
            .bind(action.as_str())
            .bind(actor_id)
            .bind(actor_name)
            .bind(at)
            .bind(interaction_id)
            .fetch_optional(&mut *tx)
            .await?;
            if logged.is_some() {
                let update = match action {
                    EscalationAction::Acknowledge | EscalationAction::WillCall => sqlx::query::<DB>(
                        "UPDATE escalations SET status = 'acknowledged', acked_by = $2, acked_at = $3, \
                         snoozed_until = NULL WHERE id = $1 AND status <> 'resolved'",
                    )
                    .bind(id)
                    .bind(actor_name)
                    .bind(at),
                    EscalationAction::Snooze { until } => sqlx::query::<DB>(
                        "UPDATE escalations SET status = 'snoozed', snoozed_until = $2 \
                         WHERE id = $1 AND status <> 'resolved'",
                    )
                    .bind(id)
                    .bind(*until),
                    EscalationAction::Resolve => sqlx::query::<DB>(
                        "UPDATE escalations SET status = 'resolved', resolved_by = $2, resolved_at = $3 \
                         WHERE id = $1 AND status <> 'resolved'",
                    )
                    .bind(id)
                    .bind(actor_name)
                    .bind(at),
                };
                if update.execute(&mut *tx).await?.rows_affected() > 0 {
                    let change = Change {
                        action: "escalation",
                        customer_id: Some(customer_id),
                        job_id,
                        invoice_id: None,
                        subject: action.as_str().to_string(),
                        before: Some(status_before),
                        after: Some(action.status_after().as_str().to_string()),
                    };
                    write_audit!(tx, DB, by, at, &change);
                }
            }
            let row =
                sqlx::query_as::<DB, EscalationRow>(sqlx::AssertSqlSafe(select)).bind(id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(row.into()))
        })
    }

    async fn move_escalation(
        &self,
        id: i64,
        to: EscalationLevel,
        reason: &str,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Option<(Escalation, Option<EscalationLevel>)>, StoreError> {
        let (actor_id, actor_name, interaction_id) = (&by.id, &by.name, by.key.as_deref());
        let action = format!("level:{}", to.as_str());
        on!(self, write, |pool, DB| {
            let select = format!("{} WHERE id = $1", ESCALATION_SELECT);
            let mut tx = DB::begin_write(pool).await?;
            let before: Option<(i64, Option<i64>, String, String)> =
                sqlx::query_as::<DB, (i64, Option<i64>, String, String)>(
                    "SELECT customer_id, job_id, status, level FROM escalations WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((customer_id, job_id, status, level_before)) = before else {
                return Ok(None);
            };
            let mut moved_from = None;
            let from = EscalationLevel::parse(&level_before).unwrap_or(EscalationLevel::Pm);
            if status != "resolved" && from < to {
                // Once per interaction: a redelivered command finds its event and moves nothing.
                let logged: Option<i64> = sqlx::query_scalar::<DB, i64>(
                    "INSERT INTO escalation_events (escalation_id, action, actor_id, actor_name, at, interaction_id) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(id)
                .bind(&action)
                .bind(actor_id)
                .bind(actor_name)
                .bind(at)
                .bind(interaction_id)
                .fetch_optional(&mut *tx)
                .await?;
                if logged.is_some() {
                    sqlx::query::<DB>("UPDATE escalations SET level = $2 WHERE id = $1")
                        .bind(id)
                        .bind(to.as_str())
                        .execute(&mut *tx)
                        .await?;
                    let change = Change {
                        action: "escalation",
                        customer_id: Some(customer_id),
                        job_id,
                        invoice_id: None,
                        subject: "level".to_string(),
                        before: Some(from.as_str().to_string()),
                        after: Some(format!("{}: {}", to.as_str(), reason.trim())),
                    };
                    write_audit!(tx, DB, by, at, &change);
                    moved_from = Some(from);
                }
            }
            let row =
                sqlx::query_as::<DB, EscalationRow>(sqlx::AssertSqlSafe(select)).bind(id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some((row.into(), moved_from)))
        })
    }

    async fn escalation_events(&self, id: i64) -> Result<Vec<EscalationEvent>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, (i64, String, String, String, DateTime<Utc>)>(
                "SELECT escalation_id, action, actor_id, actor_name, at FROM escalation_events \
                 WHERE escalation_id = $1 ORDER BY at, id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(escalation_id, action, actor_id, actor_name, at)| EscalationEvent {
                    escalation_id,
                    action,
                    actor_id,
                    actor_name,
                    at,
                })
                .collect())
        })
    }

    async fn try_lead(&self, role: &str) -> Result<Option<Box<dyn Leadership>>, StoreError> {
        self.lead(role).await
    }
}
