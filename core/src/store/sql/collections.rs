//! arbot's own collections record: notes, promises, disputes, and jobs' lien facts and notices.

use chrono::{DateTime, NaiveDate, Utc};

use super::audit::write_audit;
use super::{Dialect, SqlStore, currency, on};
use crate::audit::{Author, Change, Recorded};
use crate::collections::{JobNotice, NewDispute, NewNote, NewPromise, Note, Promise, PromiseStatus};
use crate::money::Money;
use crate::store::{CollectionsStore, StoreError};

#[derive(sqlx::FromRow)]
struct NoteRow {
    pub id: i64,
    pub customer_id: i64,
    pub invoice_id: Option<i64>,
    pub kind: String,
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub follow_up_on: Option<NaiveDate>,
}

impl From<NoteRow> for Note {
    fn from(r: NoteRow) -> Self {
        Note {
            id: r.id,
            customer_id: r.customer_id,
            invoice_id: r.invoice_id,
            kind: r.kind,
            body: r.body,
            author: r.author,
            created_at: r.created_at,
            follow_up_on: r.follow_up_on,
        }
    }
}

const NOTE_COLUMNS: &str = "id, customer_id, invoice_id, kind, body, author, created_at, follow_up_on";

#[derive(sqlx::FromRow)]
struct PromiseRow {
    pub id: i64,
    pub customer_id: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub promised_for: NaiveDate,
    pub status: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait::async_trait]
impl<S: SqlStore> CollectionsStore for S {
    async fn add_note(&self, n: &NewNote, by: &Author) -> Result<Recorded<i64>, StoreError> {
        let change = Change {
            action: "note",
            customer_id: Some(n.customer_id),
            job_id: None,
            invoice_id: n.invoice_id,
            subject: n.kind.clone(),
            before: None,
            after: Some(match n.follow_up_on {
                Some(d) => format!("{} (follow up {d})", n.body),
                None => n.body.clone(),
            }),
        };
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            if write_audit!(tx, DB, by, n.created_at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            let id = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO notes (customer_id, invoice_id, kind, body, author, created_at, follow_up_on) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(n.customer_id)
            .bind(n.invoice_id)
            .bind(&n.kind)
            .bind(&n.body)
            .bind(&n.author)
            .bind(n.created_at)
            .bind(n.follow_up_on)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(id))
        })
    }

    async fn follow_ups(&self, after: NaiveDate, until: NaiveDate) -> Result<Vec<(Note, String)>, StoreError> {
        on!(self, read, |pool, DB| {
            type Row = (i64, i64, Option<i64>, String, String, String, DateTime<Utc>, Option<NaiveDate>, String);
            let rows = sqlx::query_as::<DB, Row>(
                "SELECT n.id, n.customer_id, n.invoice_id, n.kind, n.body, n.author, n.created_at, n.follow_up_on, \
                 c.name FROM notes n JOIN customers c ON c.id = n.customer_id \
                 WHERE n.follow_up_on > $1 AND n.follow_up_on <= $2 ORDER BY n.created_at DESC, n.id DESC",
            )
            .bind(after)
            .bind(until)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(id, customer_id, invoice_id, kind, body, author, created_at, follow_up_on, name)| {
                    (Note { id, customer_id, invoice_id, kind, body, author, created_at, follow_up_on }, name)
                })
                .collect())
        })
    }

    async fn notes_for_customer(&self, customer_id: i64, limit: i64) -> Result<Vec<Note>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!(
                "SELECT {NOTE_COLUMNS} FROM notes WHERE customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
            );
            let rows = sqlx::query_as::<DB, NoteRow>(sqlx::AssertSqlSafe(sql))
                .bind(customer_id)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            Ok(rows.into_iter().map(Note::from).collect())
        })
    }

    async fn last_contacts(&self) -> Result<Vec<(i64, DateTime<Utc>)>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_as::<DB, (i64, DateTime<Utc>)>(
                "SELECT customer_id, MAX(created_at) FROM notes GROUP BY customer_id",
            )
            .fetch_all(pool)
            .await?)
        })
    }

    async fn add_promise(&self, p: &NewPromise) -> Result<i64, StoreError> {
        on!(self, write, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, i64>(
                "INSERT INTO promises (customer_id, amount_minor, currency, promised_for, status, created_by, \
                 created_at) VALUES ($1, $2, $3, $4, 'open', $5, $6) RETURNING id",
            )
            .bind(p.customer_id)
            .bind(p.amount.minor)
            .bind(p.amount.currency.code().to_string())
            .bind(p.promised_for)
            .bind(&p.created_by)
            .bind(p.created_at)
            .fetch_one(pool)
            .await?)
        })
    }

    async fn set_promise_status(&self, id: i64, status: PromiseStatus) -> Result<(), StoreError> {
        on!(self, write, |pool, DB| {
            sqlx::query::<DB>("UPDATE promises SET status = $2 WHERE id = $1")
                .bind(id)
                .bind(status.as_str())
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    async fn promises_for_customer(&self, customer_id: i64) -> Result<Vec<Promise>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, PromiseRow>(
                "SELECT id, customer_id, amount_minor, currency, promised_for, status, created_by, created_at \
                 FROM promises WHERE customer_id = $1 ORDER BY promised_for DESC, id DESC",
            )
            .bind(customer_id)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|r| Promise {
                    id: r.id,
                    customer_id: r.customer_id,
                    amount: Money::new(r.amount_minor, currency(&r.currency)),
                    promised_for: r.promised_for,
                    status: PromiseStatus::parse(&r.status),
                    created_by: r.created_by,
                    created_at: r.created_at,
                })
                .collect())
        })
    }

    async fn promises_from(&self, from: NaiveDate) -> Result<Vec<(Promise, String)>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, (i64, i64, i64, String, NaiveDate, String, String, DateTime<Utc>, String)>(
                "SELECT p.id, p.customer_id, p.amount_minor, p.currency, p.promised_for, p.status, p.created_by, \
                 p.created_at, c.name FROM promises p JOIN customers c ON c.id = p.customer_id \
                 WHERE p.promised_for >= $1 ORDER BY p.promised_for, p.id",
            )
            .bind(from)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(id, customer_id, minor, cur, promised_for, status, created_by, created_at, name)| {
                    (
                        Promise {
                            id,
                            customer_id,
                            amount: Money::new(minor, currency(&cur)),
                            promised_for,
                            status: PromiseStatus::parse(&status),
                            created_by,
                            created_at,
                        },
                        name,
                    )
                })
                .collect())
        })
    }

    async fn open_dispute(&self, d: &NewDispute) -> Result<i64, StoreError> {
        on!(self, write, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, i64>(
                "INSERT INTO disputes (invoice_id, reason, detail, opened_by, opened_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(d.invoice_id)
            .bind(&d.reason)
            .bind(&d.detail)
            .bind(&d.opened_by)
            .bind(d.opened_at)
            .fetch_one(pool)
            .await?)
        })
    }

    async fn set_job_fact(
        &self,
        job_id: i64,
        fact: &str,
        value: &str,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<String>>, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let before: Option<String> =
                sqlx::query_scalar::<DB, String>("SELECT value FROM job_facts WHERE job_id = $1 AND fact = $2")
                    .bind(job_id)
                    .bind(fact)
                    .fetch_optional(&mut *tx)
                    .await?;
            let customer_id: Option<i64> = sqlx::query_scalar::<DB, i64>("SELECT customer_id FROM jobs WHERE id = $1")
                .bind(job_id)
                .fetch_optional(&mut *tx)
                .await?;
            let change = Change {
                action: "job_fact",
                customer_id,
                job_id: Some(job_id),
                invoice_id: None,
                subject: fact.to_string(),
                before: before.clone(),
                after: Some(value.to_string()),
            };
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            sqlx::query::<DB>(
                "INSERT INTO job_facts (job_id, fact, value, set_by, set_at) VALUES ($1, $2, $3, $4, $5) \
                ON CONFLICT (job_id, fact) DO UPDATE SET value = excluded.value, set_by = excluded.set_by, \
                set_at = excluded.set_at",
            )
            .bind(job_id)
            .bind(fact)
            .bind(value)
            .bind(&by.name)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(before))
        })
    }

    async fn job_facts(&self, job_id: i64) -> Result<Vec<(String, String)>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_as::<DB, (String, String)>(
                "SELECT fact, value FROM job_facts WHERE job_id = $1 ORDER BY fact",
            )
            .bind(job_id)
            .fetch_all(pool)
            .await?)
        })
    }

    async fn add_job_notice(&self, n: &JobNotice, by: &Author) -> Result<Recorded<i64>, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let customer_id: Option<i64> = sqlx::query_scalar::<DB, i64>("SELECT customer_id FROM jobs WHERE id = $1")
                .bind(n.job_id)
                .fetch_optional(&mut *tx)
                .await?;
            let tracking = n.tracking.as_deref().map(|t| format!(", tracking {t}")).unwrap_or_default();
            let change = Change {
                action: "job_notice",
                customer_id,
                job_id: Some(n.job_id),
                invoice_id: None,
                subject: n.kind.clone(),
                before: None,
                after: Some(format!("served {}{tracking}", n.served_on)),
            };
            if write_audit!(tx, DB, by, n.recorded_at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            let id = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO job_notices (job_id, kind, served_on, tracking, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(n.job_id)
            .bind(&n.kind)
            .bind(n.served_on)
            .bind(&n.tracking)
            .bind(&n.recorded_by)
            .bind(n.recorded_at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(id))
        })
    }

    async fn job_notices(&self, job_id: i64) -> Result<Vec<JobNotice>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, (i64, i64, String, NaiveDate, Option<String>, String, DateTime<Utc>)>(
                "SELECT id, job_id, kind, served_on, tracking, recorded_by, recorded_at FROM job_notices \
                 WHERE job_id = $1 ORDER BY served_on, id",
            )
            .bind(job_id)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(id, job_id, kind, served_on, tracking, recorded_by, recorded_at)| JobNotice {
                    id,
                    job_id,
                    kind,
                    served_on,
                    tracking,
                    recorded_by,
                    recorded_at,
                })
                .collect())
        })
    }
}
