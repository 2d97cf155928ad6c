//! arbot's own collections record: notes, promises, disputes, and jobs' lien facts and notices.

use chrono::{DateTime, NaiveDate, Utc};

use super::audit::write_audit;
use super::{Dialect, SqlStore, currency, on};
use crate::audit::{Author, Change, Recorded};
use crate::collections::{
    CashApplied, Dispute, Installment, JobNotice, LogEntry, LogRow, LogTally, NewDispute, NewNote, NewPlan, NewPromise,
    Note, PaymentPlan, Promise, PromiseStatus,
};
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
    pub day_only: bool,
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
            day_only: r.day_only,
        }
    }
}

#[derive(sqlx::FromRow)]
struct DisputeRow {
    id: i64,
    invoice_id: i64,
    invoice_number: String,
    customer_id: i64,
    customer_name: String,
    reason: String,
    detail: Option<String>,
    opened_by: String,
    opened_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    resolved_by: Option<String>,
    outcome: Option<String>,
    resolution_note: Option<String>,
}

impl From<DisputeRow> for Dispute {
    fn from(r: DisputeRow) -> Self {
        Dispute {
            id: r.id,
            invoice_id: r.invoice_id,
            invoice_number: r.invoice_number,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            reason: r.reason,
            detail: r.detail,
            opened_by: r.opened_by,
            opened_at: r.opened_at,
            resolved_at: r.resolved_at,
            resolved_by: r.resolved_by,
            outcome: r.outcome,
            resolution_note: r.resolution_note,
        }
    }
}

#[derive(sqlx::FromRow)]
struct NamedPromiseRow {
    #[sqlx(flatten)]
    promise: PromiseRow,
    name: String,
}

/// Promises with the invoices each names, from `(promise, invoice)` links.
fn with_invoices(rows: Vec<PromiseRow>, links: &[(i64, i64)]) -> Vec<Promise> {
    rows.into_iter()
        .map(|r| {
            let ids = links.iter().filter(|(p, _)| *p == r.id).map(|(_, i)| *i).collect();
            r.into_promise(ids)
        })
        .collect()
}

/// Notes with their customer's name: the start of a query reading [`NoteWithCustomer`] rows.
pub(super) const NOTES_WITH_CUSTOMER: &str = "SELECT n.id, n.customer_id, n.invoice_id, n.kind, n.body, n.author, \
     n.created_at, n.follow_up_on, n.day_only, c.name FROM notes n JOIN customers c ON c.id = n.customer_id";

/// A note and its customer's name, as [`NOTES_WITH_CUSTOMER`] reads them.
#[derive(sqlx::FromRow)]
pub(super) struct NoteWithCustomer {
    #[sqlx(flatten)]
    note: NoteRow,
    name: String,
}

impl NoteWithCustomer {
    pub(super) fn into_pair(self) -> (Note, String) {
        (self.note.into(), self.name)
    }
}

const NOTE_COLUMNS: &str = "id, customer_id, invoice_id, kind, body, author, created_at, follow_up_on, day_only";

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
    pub note: Option<String>,
    pub day_only: bool,
}

impl PromiseRow {
    fn into_promise(self, invoice_ids: Vec<i64>) -> Promise {
        Promise {
            id: self.id,
            customer_id: self.customer_id,
            amount: Money::new(self.amount_minor, currency(&self.currency)),
            promised_for: self.promised_for,
            status: PromiseStatus::parse(&self.status),
            created_by: self.created_by,
            created_at: self.created_at,
            invoice_ids,
            note: self.note,
            day_only: self.day_only,
        }
    }
}

const PROMISE_COLUMNS: &str = "p.id, p.customer_id, p.amount_minor, p.currency, p.promised_for, p.status, p.created_by, p.created_at, p.note, \
     p.day_only";

#[derive(sqlx::FromRow)]
struct PlanRow {
    id: i64,
    customer_id: i64,
    total_minor: i64,
    currency: String,
    status: String,
    created_by: String,
    created_at: DateTime<Utc>,
    note: Option<String>,
    name: String,
}

const PLAN_COLUMNS: &str = "pl.id, pl.customer_id, pl.total_minor, pl.currency, pl.status, pl.created_by, \
     pl.created_at, pl.note, c.name";

/// Plans with their installments, from `(plan, seq, due_on, amount)` rows.
fn plans_with(rows: Vec<PlanRow>, parts: &[(i64, i64, NaiveDate, i64)]) -> Vec<(PaymentPlan, String)> {
    rows.into_iter()
        .map(|r| {
            let cur = currency(&r.currency);
            let installments = parts
                .iter()
                .filter(|(plan, ..)| *plan == r.id)
                .map(|&(_, seq, due_on, minor)| Installment { seq, due_on, amount: Money::new(minor, cur) })
                .collect();
            let plan = PaymentPlan {
                id: r.id,
                customer_id: r.customer_id,
                total: Money::new(r.total_minor, cur),
                status: PromiseStatus::parse(&r.status),
                created_by: r.created_by,
                created_at: r.created_at,
                note: r.note,
                installments,
            };
            (plan, r.name)
        })
        .collect()
}

/// The audit record of a note written.
fn note_change(n: &NewNote) -> Change {
    Change {
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
    }
}

/// The audit record of a promise logged.
fn promise_change(p: &NewPromise) -> Change {
    let invoices = if p.invoice_ids.is_empty() {
        String::new()
    } else {
        format!(" against invoice ids {}", p.invoice_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", "))
    };
    Change {
        action: "promise",
        customer_id: Some(p.customer_id),
        job_id: None,
        invoice_id: p.invoice_ids.first().copied(),
        subject: "logged".to_string(),
        before: None,
        after: Some(format!("{} by {}{invoices}", p.amount, p.promised_for)),
    }
}

/// Inserts a note inside the transaction `$tx` (of database `$db`); its id.
macro_rules! insert_note {
    ($tx:expr, $db:ident, $n:expr) => {{
        let n: &NewNote = $n;
        sqlx::query_scalar::<$db, i64>(
            "INSERT INTO notes (customer_id, invoice_id, kind, body, author, created_at, follow_up_on, day_only) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(n.customer_id)
        .bind(n.invoice_id)
        .bind(&n.kind)
        .bind(&n.body)
        .bind(&n.author)
        .bind(n.created_at)
        .bind(n.follow_up_on)
        .bind(n.day_only)
        .fetch_one(&mut *$tx)
        .await?
    }};
}
pub(super) use insert_note;

/// Inserts an open promise and the invoices it names inside the transaction `$tx`; its id.
macro_rules! insert_promise {
    ($tx:expr, $db:ident, $p:expr) => {{
        let p: &NewPromise = $p;
        let id = sqlx::query_scalar::<$db, i64>(
            "INSERT INTO promises (customer_id, amount_minor, currency, promised_for, status, created_by, \
             created_at, note, day_only) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8) RETURNING id",
        )
        .bind(p.customer_id)
        .bind(p.amount.minor)
        .bind(p.amount.currency.code().to_string())
        .bind(p.promised_for)
        .bind(&p.created_by)
        .bind(p.created_at)
        .bind(&p.note)
        .bind(p.day_only)
        .fetch_one(&mut *$tx)
        .await?;
        for invoice in &p.invoice_ids {
            sqlx::query::<$db>(
                "INSERT INTO promise_invoices (promise_id, invoice_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(invoice)
            .execute(&mut *$tx)
            .await?;
        }
        id
    }};
}

#[async_trait::async_trait]
impl<S: SqlStore> CollectionsStore for S {
    async fn add_note(&self, n: &NewNote, by: &Author) -> Result<Recorded<i64>, StoreError> {
        let change = note_change(n);
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            if write_audit!(tx, DB, by, n.created_at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            let id = insert_note!(tx, DB, n);
            tx.commit().await?;
            Ok(Recorded::New(id))
        })
    }

    async fn follow_ups(&self, after: NaiveDate, until: NaiveDate) -> Result<Vec<(Note, String)>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!(
                "{NOTES_WITH_CUSTOMER} WHERE n.follow_up_on > $1 AND n.follow_up_on <= $2 \
                 ORDER BY n.created_at DESC, n.id DESC"
            );
            let rows = sqlx::query_as::<DB, NoteWithCustomer>(sqlx::AssertSqlSafe(sql))
                .bind(after)
                .bind(until)
                .fetch_all(pool)
                .await?;
            Ok(rows.into_iter().map(NoteWithCustomer::into_pair).collect())
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

    async fn add_promise(&self, p: &NewPromise, by: &Author) -> Result<Recorded<i64>, StoreError> {
        let change = promise_change(p);
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            if write_audit!(tx, DB, by, p.created_at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            let id = insert_promise!(tx, DB, p);
            tx.commit().await?;
            Ok(Recorded::New(id))
        })
    }

    async fn import_log(
        &self,
        rows: &[LogRow],
        by: &Author,
        at: DateTime<Utc>,
        summary: &Change,
    ) -> Result<LogTally, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let mut tally = LogTally::default();
            for row in rows {
                let (change, name) = match &row.entry {
                    LogEntry::Note(n) => (note_change(n), &n.author),
                    LogEntry::Promise(p) => (promise_change(p), &p.created_by),
                };
                let author = Author::new(by.id.clone(), name.clone(), by.surface).with_key(row.key.clone());
                if write_audit!(tx, DB, &author, at, &change).is_none() {
                    tally.already += 1;
                    continue;
                }
                match &row.entry {
                    LogEntry::Note(n) => {
                        insert_note!(tx, DB, n);
                    }
                    LogEntry::Promise(p) => {
                        insert_promise!(tx, DB, p);
                    }
                }
                tally.new += 1;
            }
            let mut summary = summary.clone();
            summary.after = Some(format!(
                "{}{} new, {} already there",
                summary.after.as_deref().map(|a| format!("{a}: ")).unwrap_or_default(),
                tally.new,
                tally.already
            ));
            write_audit!(tx, DB, by, at, &summary);
            tx.commit().await?;
            Ok(tally)
        })
    }

    async fn cancel_promise(&self, id: i64, by: &Author, at: DateTime<Utc>) -> Result<Recorded<bool>, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let found: Option<(i64, String)> =
                sqlx::query_as::<DB, (i64, String)>("SELECT customer_id, status FROM promises WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((customer_id, status)) = found.filter(|(_, s)| PromiseStatus::parse(s) == PromiseStatus::Open)
            else {
                return Ok(Recorded::New(false));
            };
            let change = Change {
                action: "promise",
                customer_id: Some(customer_id),
                job_id: None,
                invoice_id: None,
                subject: "cancelled".to_string(),
                before: Some(status),
                after: Some("cancelled".to_string()),
            };
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            sqlx::query::<DB>(
                "UPDATE promises SET status = 'cancelled', cancelled_by = $2, cancelled_at = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(&by.name)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(true))
        })
    }

    async fn promises_for_customer(&self, customer_id: i64) -> Result<Vec<Promise>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!(
                "SELECT {PROMISE_COLUMNS} FROM promises p WHERE p.customer_id = $1 \
                 ORDER BY p.created_at DESC, p.id DESC"
            );
            let rows =
                sqlx::query_as::<DB, PromiseRow>(sqlx::AssertSqlSafe(sql)).bind(customer_id).fetch_all(pool).await?;
            let links = sqlx::query_as::<DB, (i64, i64)>(
                "SELECT pi.promise_id, pi.invoice_id FROM promise_invoices pi JOIN promises p ON p.id = pi.promise_id \
                 WHERE p.customer_id = $1 ORDER BY pi.invoice_id",
            )
            .bind(customer_id)
            .fetch_all(pool)
            .await?;
            Ok(with_invoices(rows, &links))
        })
    }

    async fn promises_from(&self, from: NaiveDate) -> Result<Vec<(Promise, String)>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!(
                "SELECT {PROMISE_COLUMNS}, c.name FROM promises p JOIN customers c ON c.id = p.customer_id \
                 WHERE p.promised_for >= $1 ORDER BY p.promised_for, p.id"
            );
            let rows =
                sqlx::query_as::<DB, NamedPromiseRow>(sqlx::AssertSqlSafe(sql)).bind(from).fetch_all(pool).await?;
            let links = sqlx::query_as::<DB, (i64, i64)>(
                "SELECT pi.promise_id, pi.invoice_id FROM promise_invoices pi JOIN promises p ON p.id = pi.promise_id \
                 WHERE p.promised_for >= $1 ORDER BY pi.invoice_id",
            )
            .bind(from)
            .fetch_all(pool)
            .await?;
            let names: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
            let promises = with_invoices(rows.into_iter().map(|r| r.promise).collect(), &links);
            Ok(promises.into_iter().zip(names).collect())
        })
    }

    async fn cash_applied(&self, customer_id: Option<i64>, from: NaiveDate) -> Result<Vec<CashApplied>, StoreError> {
        // One statement for one customer (its payments by the customer index) and another for
        // everyone (the applications by date): `($2 IS NULL OR ...)` would keep both planners off
        // the customer's index.
        let customer = if customer_id.is_some() { "AND p.customer_id = $2" } else { "" };
        let sql = format!(
            "SELECT p.customer_id, a.invoice_id, a.applied_on, a.amount_minor, p.currency FROM applications a \
             JOIN payments p ON p.id = a.payment_id \
             WHERE a.invoice_id IS NOT NULL AND a.credit_memo_ext IS NULL AND p.deleted = FALSE \
             AND a.applied_on >= $1 {customer} ORDER BY a.applied_on, a.id"
        );
        on!(self, read, |pool, DB| {
            let mut query =
                sqlx::query_as::<DB, (i64, i64, NaiveDate, i64, String)>(sqlx::AssertSqlSafe(sql)).bind(from);
            if let Some(id) = customer_id {
                query = query.bind(id);
            }
            let rows = query.fetch_all(pool).await?;
            Ok(rows
                .into_iter()
                .map(|(customer_id, invoice_id, applied_on, minor, cur)| CashApplied {
                    customer_id,
                    invoice_id,
                    applied_on,
                    amount: Money::new(minor, currency(&cur)),
                })
                .collect())
        })
    }

    async fn add_plan(&self, p: &NewPlan, by: &Author) -> Result<Recorded<i64>, StoreError> {
        let parts: Vec<String> = p.installments.iter().map(|i| format!("{} on {}", i.amount, i.due_on)).collect();
        let change = Change {
            action: "plan",
            customer_id: Some(p.customer_id),
            job_id: None,
            invoice_id: None,
            subject: "agreed".to_string(),
            before: None,
            after: Some(format!("{} in {} installments: {}", p.total, p.installments.len(), parts.join(", "))),
        };
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            if write_audit!(tx, DB, by, p.created_at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            let id = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO payment_plans (customer_id, total_minor, currency, status, created_by, created_at, note) \
                 VALUES ($1, $2, $3, 'open', $4, $5, $6) RETURNING id",
            )
            .bind(p.customer_id)
            .bind(p.total.minor)
            .bind(p.total.currency.code().to_string())
            .bind(&p.created_by)
            .bind(p.created_at)
            .bind(&p.note)
            .fetch_one(&mut *tx)
            .await?;
            for i in &p.installments {
                sqlx::query::<DB>(
                    "INSERT INTO plan_installments (plan_id, seq, due_on, amount_minor) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(i.seq)
                .bind(i.due_on)
                .bind(i.amount.minor)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(Recorded::New(id))
        })
    }

    async fn cancel_plan(&self, id: i64, by: &Author, at: DateTime<Utc>) -> Result<Recorded<bool>, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let found: Option<(i64, String, i64, String)> = sqlx::query_as::<DB, (i64, String, i64, String)>(
                "SELECT customer_id, status, total_minor, currency FROM payment_plans WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((customer_id, status, total, cur)) =
                found.filter(|(_, s, ..)| PromiseStatus::parse(s) == PromiseStatus::Open)
            else {
                return Ok(Recorded::New(false));
            };
            let change = Change {
                action: "plan",
                customer_id: Some(customer_id),
                job_id: None,
                invoice_id: None,
                subject: "cancelled".to_string(),
                before: Some(format!("{status}: {}", Money::new(total, currency(&cur)))),
                after: Some("cancelled".to_string()),
            };
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            sqlx::query::<DB>(
                "UPDATE payment_plans SET status = 'cancelled', cancelled_by = $2, cancelled_at = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(&by.name)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(true))
        })
    }

    async fn plans_for_customer(&self, customer_id: i64) -> Result<Vec<PaymentPlan>, StoreError> {
        on!(self, read, |pool, DB| {
            let sql = format!(
                "SELECT {PLAN_COLUMNS} FROM payment_plans pl JOIN customers c ON c.id = pl.customer_id \
                 WHERE pl.customer_id = $1 ORDER BY pl.created_at DESC, pl.id DESC"
            );
            let rows =
                sqlx::query_as::<DB, PlanRow>(sqlx::AssertSqlSafe(sql)).bind(customer_id).fetch_all(pool).await?;
            let parts = sqlx::query_as::<DB, (i64, i64, NaiveDate, i64)>(
                "SELECT i.plan_id, i.seq, i.due_on, i.amount_minor FROM plan_installments i \
                 JOIN payment_plans pl ON pl.id = i.plan_id WHERE pl.customer_id = $1 ORDER BY i.plan_id, i.seq",
            )
            .bind(customer_id)
            .fetch_all(pool)
            .await?;
            Ok(plans_with(rows, &parts).into_iter().map(|(p, _)| p).collect())
        })
    }

    async fn plans_due(&self, from: NaiveDate, until: NaiveDate) -> Result<Vec<(PaymentPlan, String)>, StoreError> {
        on!(self, read, |pool, DB| {
            const DUE: &str = "SELECT DISTINCT plan_id FROM plan_installments WHERE due_on >= $1 AND due_on <= $2";
            let sql = format!(
                "SELECT {PLAN_COLUMNS} FROM payment_plans pl JOIN customers c ON c.id = pl.customer_id \
                 WHERE pl.id IN ({DUE}) ORDER BY pl.created_at, pl.id"
            );
            let rows =
                sqlx::query_as::<DB, PlanRow>(sqlx::AssertSqlSafe(sql)).bind(from).bind(until).fetch_all(pool).await?;
            let sql = format!(
                "SELECT plan_id, seq, due_on, amount_minor FROM plan_installments WHERE plan_id IN ({DUE}) \
                 ORDER BY plan_id, seq"
            );
            let parts = sqlx::query_as::<DB, (i64, i64, NaiveDate, i64)>(sqlx::AssertSqlSafe(sql))
                .bind(from)
                .bind(until)
                .fetch_all(pool)
                .await?;
            Ok(plans_with(rows, &parts))
        })
    }

    async fn open_dispute(&self, d: &NewDispute, by: &Author) -> Result<Recorded<i64>, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let customer_id: Option<i64> =
                sqlx::query_scalar::<DB, i64>("SELECT customer_id FROM invoices WHERE id = $1")
                    .bind(d.invoice_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let change = Change {
                action: "dispute",
                customer_id,
                job_id: None,
                invoice_id: Some(d.invoice_id),
                subject: "opened".to_string(),
                before: None,
                after: Some(match &d.detail {
                    Some(detail) => format!("{}: {detail}", d.reason),
                    None => d.reason.clone(),
                }),
            };
            if write_audit!(tx, DB, by, d.opened_at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            let id = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO disputes (invoice_id, reason, detail, opened_by, opened_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(d.invoice_id)
            .bind(&d.reason)
            .bind(&d.detail)
            .bind(&d.opened_by)
            .bind(d.opened_at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(id))
        })
    }

    async fn resolve_dispute(
        &self,
        invoice_id: i64,
        outcome: &str,
        note: Option<&str>,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<i64>>, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let open: Option<(i64, String, i64)> = sqlx::query_as::<DB, (i64, String, i64)>(
                "SELECT d.id, d.reason, i.customer_id FROM disputes d JOIN invoices i ON i.id = d.invoice_id \
                 WHERE d.invoice_id = $1 AND d.resolved_at IS NULL ORDER BY d.id LIMIT 1",
            )
            .bind(invoice_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((id, reason, customer_id)) = open else {
                return Ok(Recorded::New(None));
            };
            let change = Change {
                action: "dispute",
                customer_id: Some(customer_id),
                job_id: None,
                invoice_id: Some(invoice_id),
                subject: "resolved".to_string(),
                before: Some(format!("open: {reason}")),
                after: Some(match note {
                    Some(n) => format!("{outcome}: {n}"),
                    None => outcome.to_string(),
                }),
            };
            if write_audit!(tx, DB, by, at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            sqlx::query::<DB>(
                "UPDATE disputes SET resolved_at = $2, resolved_by = $3, outcome = $4, resolution_note = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(at)
            .bind(&by.name)
            .bind(outcome)
            .bind(note)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(Some(id)))
        })
    }

    async fn disputes(&self, open_only: bool, invoice_id: Option<i64>) -> Result<Vec<Dispute>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, DisputeRow>(
                "SELECT d.id, d.invoice_id, i.number AS invoice_number, i.customer_id, c.name AS customer_name, \
                 d.reason, d.detail, d.opened_by, d.opened_at, d.resolved_at, d.resolved_by, d.outcome, \
                 d.resolution_note FROM disputes d JOIN invoices i ON i.id = d.invoice_id \
                 JOIN customers c ON c.id = i.customer_id \
                 WHERE ($1 = FALSE OR d.resolved_at IS NULL) AND ($2 IS NULL OR d.invoice_id = $2) \
                 ORDER BY d.opened_at, d.id",
            )
            .bind(open_only)
            .bind(invoice_id)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(Dispute::from).collect())
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
            let rows = sqlx::query_as::<DB, NoticeRow>(
                "SELECT id, job_id, kind, served_on, tracking, recorded_by, recorded_at FROM job_notices \
                 WHERE job_id = $1 ORDER BY served_on, id",
            )
            .bind(job_id)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(notice_of).collect())
        })
    }

    async fn all_job_facts(&self) -> Result<Vec<(i64, String, String)>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_as::<DB, (i64, String, String)>(
                "SELECT job_id, fact, value FROM job_facts ORDER BY job_id, fact",
            )
            .fetch_all(pool)
            .await?)
        })
    }

    async fn all_job_notices(&self) -> Result<Vec<JobNotice>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, NoticeRow>(
                "SELECT id, job_id, kind, served_on, tracking, recorded_by, recorded_at FROM job_notices \
                 ORDER BY job_id, served_on, id",
            )
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(notice_of).collect())
        })
    }
}

type NoticeRow = (i64, i64, String, NaiveDate, Option<String>, String, DateTime<Utc>);

fn notice_of((id, job_id, kind, served_on, tracking, recorded_by, recorded_at): NoticeRow) -> JobNotice {
    JobNotice { id, job_id, kind, served_on, tracking, recorded_by, recorded_at }
}
