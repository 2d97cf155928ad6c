//! Email to customers: billing contacts, reminder holds, what each queued reminder asked for, and
//! the choices people made about a day's reminder.

use chrono::{DateTime, NaiveDate, Utc};

use super::audit::write_audit;
use super::{Dialect, SqlStore, on};
use crate::audit::{Author, Change, Recorded};
use crate::mail::{AskedLine, CustomerContact, Reminded, ReminderChoice};
use crate::store::{MailStore, StoreError};

#[async_trait::async_trait]
impl<S: SqlStore> MailStore for S {
    async fn set_contact_email(
        &self,
        customer_id: i64,
        email: &str,
        source: &str,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<String>>, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let before =
                sqlx::query_scalar::<DB, Option<String>>("SELECT email FROM customer_contacts WHERE customer_id = $1")
                    .bind(customer_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .flatten();
            let change = Change {
                action: "contact",
                customer_id: Some(customer_id),
                job_id: None,
                invoice_id: None,
                subject: "billing email".to_string(),
                before: before.clone(),
                after: Some(email.to_string()),
            };
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            sqlx::query::<DB>(
                "INSERT INTO customer_contacts (customer_id, email, source, set_by, set_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (customer_id) DO UPDATE SET email = excluded.email, source = excluded.source, \
                 set_by = excluded.set_by, set_at = excluded.set_at",
            )
            .bind(customer_id)
            .bind(email)
            .bind(source)
            .bind(&by.name)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(before))
        })
    }

    async fn contact(&self, customer_id: i64) -> Result<Option<CustomerContact>, StoreError> {
        on!(self, read, |pool, DB| {
            let row = sqlx::query_as::<DB, (Option<String>, Option<String>, String)>(
                "SELECT email, address, source FROM customer_contacts WHERE customer_id = $1",
            )
            .bind(customer_id)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|(email, address, source)| CustomerContact { customer_id, email, address, source }))
        })
    }

    async fn hold_reminders(
        &self,
        customer_id: i64,
        until: NaiveDate,
        reason: &str,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<i64>, StoreError> {
        let change = Change {
            action: "reminder_hold",
            customer_id: Some(customer_id),
            job_id: None,
            invoice_id: None,
            subject: format!("until {until}"),
            before: None,
            after: Some(reason.to_string()),
        };
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            let id = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO reminder_holds (customer_id, until, reason, set_by, set_at) VALUES ($1, $2, $3, $4, $5) \
                 RETURNING id",
            )
            .bind(customer_id)
            .bind(until)
            .bind(reason)
            .bind(&by.name)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(id))
        })
    }

    async fn reminder_hold(&self, customer_id: i64, on: NaiveDate) -> Result<Option<(NaiveDate, String)>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_as::<DB, (NaiveDate, String)>(
                "SELECT until, reason FROM reminder_holds WHERE customer_id = $1 AND until >= $2 \
                 ORDER BY until DESC, id DESC LIMIT 1",
            )
            .bind(customer_id)
            .bind(on)
            .fetch_optional(pool)
            .await?)
        })
    }

    async fn lift_reminder_hold(
        &self,
        customer_id: i64,
        on: NaiveDate,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<(NaiveDate, String)>>, StoreError> {
        let held = self.reminder_hold(customer_id, on).await?;
        let Some((until, reason)) = held.clone() else { return Ok(Recorded::New(None)) };
        let Some(ended) = on.pred_opt() else { return Ok(Recorded::New(None)) };
        let change = Change {
            action: "reminder_hold_lifted",
            customer_id: Some(customer_id),
            job_id: None,
            invoice_id: None,
            subject: format!("from {on}"),
            before: Some(format!("until {until}: {reason}")),
            after: None,
        };
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            sqlx::query::<DB>("UPDATE reminder_holds SET until = $1 WHERE customer_id = $2 AND until >= $3")
                .bind(ended)
                .bind(customer_id)
                .bind(on)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Recorded::New(held))
        })
    }
    async fn enqueue_reminder(
        &self,
        key: &str,
        kind: &str,
        payload: &str,
        customer_id: i64,
        day: NaiveDate,
        lines: &[AskedLine],
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let id: Option<i64> = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO outbox (key, kind, payload, status, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, 'pending', 0, $4, $4) ON CONFLICT (key) DO NOTHING RETURNING id",
            )
            .bind(key)
            .bind(kind)
            .bind(payload)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            if id.is_none() {
                return Ok(false);
            }
            for l in lines {
                sqlx::query::<DB>(
                    "INSERT INTO reminder_lines (outbox_key, customer_id, day, invoice_id, stage, stage_days) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(key)
                .bind(customer_id)
                .bind(day)
                .bind(l.invoice_id)
                .bind(&l.stage)
                .bind(l.stage_days)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    async fn reminded(&self, customer_id: i64) -> Result<Vec<Reminded>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, (i64, i64, NaiveDate)>(
                "SELECT l.invoice_id, CAST(MAX(l.stage_days) AS BIGINT), MAX(l.day) FROM reminder_lines l \
                 JOIN outbox o ON o.key = l.outbox_key \
                 WHERE l.customer_id = $1 AND o.status <> 'failed' GROUP BY l.invoice_id ORDER BY l.invoice_id",
            )
            .bind(customer_id)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(|(invoice_id, stage_days, day)| Reminded { invoice_id, stage_days, day }).collect())
        })
    }

    async fn set_reminder_choice(
        &self,
        customer_id: i64,
        day: NaiveDate,
        choice: &ReminderChoice,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<()>, StoreError> {
        let change = Change {
            action: if choice.skipped { "reminder_skipped" } else { "reminder_edited" },
            customer_id: Some(customer_id),
            job_id: None,
            invoice_id: None,
            subject: format!("reminder of {day}"),
            before: None,
            after: if choice.skipped {
                None
            } else {
                Some(format!(
                    "subject: {}; opening: {}",
                    choice.subject.as_deref().unwrap_or("as written"),
                    choice.opening.as_deref().unwrap_or("as written")
                ))
            },
        };
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            sqlx::query::<DB>(
                "INSERT INTO reminder_choices (customer_id, day, skipped, subject, opening, set_by, set_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (customer_id, day) DO UPDATE SET \
                 skipped = excluded.skipped, subject = excluded.subject, opening = excluded.opening, \
                 set_by = excluded.set_by, set_at = excluded.set_at",
            )
            .bind(customer_id)
            .bind(day)
            .bind(choice.skipped)
            .bind(&choice.subject)
            .bind(&choice.opening)
            .bind(&by.name)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(()))
        })
    }

    async fn reminder_choice(&self, customer_id: i64, day: NaiveDate) -> Result<Option<ReminderChoice>, StoreError> {
        on!(self, read, |pool, DB| {
            let row = sqlx::query_as::<DB, (bool, Option<String>, Option<String>, String)>(
                "SELECT skipped, subject, opening, set_by FROM reminder_choices WHERE customer_id = $1 AND day = $2",
            )
            .bind(customer_id)
            .bind(day)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|(skipped, subject, opening, set_by)| ReminderChoice { skipped, subject, opening, set_by }))
        })
    }
}
