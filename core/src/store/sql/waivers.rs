//! Lien waivers per job and pay application, the payments counted toward them, and their drafts.

use chrono::NaiveDate;

use super::audit::write_audit;
use super::{Dialect, SqlStore, currency, on};
use crate::audit::{Author, Change, Recorded};
use crate::money::Money;
use crate::store::{StoreError, WaiverStore};
use crate::waivers::{
    Allocation, JobApplication, NewWaiver, NewWaiverDraft, Stage, Status, StoredWaiverDraft, Waiver, WaiverKind,
    WaiverUpdate,
};

/// Records one payment counted toward a waiver, in the transaction `$tx`.
macro_rules! insert_waiver_payment {
    ($tx:expr, $db:ident, $waiver_id:expr, $p:expr) => {
        sqlx::query::<$db>(
            "INSERT INTO lien_waiver_payments (waiver_id, payment_id, invoice_id, received, amount_minor, \
             reference) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($waiver_id)
        .bind($p.payment_id)
        .bind($p.invoice_id)
        .bind($p.received)
        .bind($p.amount.minor)
        .bind(&$p.reference)
        .execute(&mut *$tx)
        .await?
    };
}

#[async_trait::async_trait]
impl<S: SqlStore> WaiverStore for S {
    async fn add_waiver(
        &self,
        w: &NewWaiver,
        payments: &[Allocation],
        by: &Author,
    ) -> Result<Recorded<i64>, StoreError> {
        let paid: i64 = payments.iter().map(|p| p.amount.minor).sum();
        let change = Change {
            action: "waiver_recorded",
            customer_id: Some(w.customer_id),
            job_id: Some(w.job_id),
            invoice_id: w.invoice_id,
            subject: format!("lien waiver, {}", w.pay_app),
            before: None,
            after: Some(format!(
                "{} {} {}{}",
                w.stage.word(),
                w.status.word(),
                w.amount,
                w.through.map(|t| format!(" through {t}")).unwrap_or_default()
            )),
        };
        let (requested_on, conditional_on, paid_on) = match w.status {
            Status::Requested => (Some(w.on), None, None),
            Status::ConditionalSent => (None, Some(w.on), None),
            Status::Paid | Status::UnconditionalSent => (None, None, Some(w.on)),
        };
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            if write_audit!(tx, DB, by, w.at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            let id = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO lien_waivers (job_id, customer_id, pay_app, invoice_id, stage, status, currency, \
                 amount_minor, paid_minor, through, requested_on, conditional_on, paid_on, created_by, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
            )
            .bind(w.job_id)
            .bind(w.customer_id)
            .bind(&w.pay_app)
            .bind(w.invoice_id)
            .bind(w.stage.word())
            .bind(w.status.word())
            .bind(w.amount.currency.code())
            .bind(w.amount.minor)
            .bind(paid)
            .bind(w.through)
            .bind(requested_on)
            .bind(conditional_on)
            .bind(paid_on)
            .bind(&w.created_by)
            .bind(w.at)
            .fetch_one(&mut *tx)
            .await?;
            for p in payments {
                insert_waiver_payment!(tx, DB, id, p);
            }
            tx.commit().await?;
            Ok(Recorded::New(id))
        })
    }

    async fn update_waiver(&self, u: &WaiverUpdate, from: Status, by: &Author) -> Result<Recorded<()>, StoreError> {
        let paid: i64 = u.payments.iter().map(|p| p.amount.minor).sum();
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let row = sqlx::query_as::<DB, (i64, i64, String)>(
                "SELECT job_id, customer_id, pay_app FROM lien_waivers WHERE id = $1",
            )
            .bind(u.id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((job_id, customer_id, pay_app)) = row else {
                return Ok(Recorded::Already);
            };
            let change = Change {
                action: "waiver_updated",
                customer_id: Some(customer_id),
                job_id: Some(job_id),
                invoice_id: None,
                subject: format!("lien waiver, {pay_app}"),
                before: Some(from.word().to_string()),
                after: Some(format!(
                    "{}{}",
                    u.status.word(),
                    if paid > 0 {
                        format!(", {} received", Money::new(paid, u.payments[0].amount.currency))
                    } else {
                        String::new()
                    }
                )),
            };
            if write_audit!(tx, DB, by, u.at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            let moved = sqlx::query::<DB>(
                "UPDATE lien_waivers SET status = $1, paid_minor = paid_minor + $2, \
                 amount_minor = COALESCE($3, amount_minor), through = COALESCE($4, through), \
                 stage = COALESCE($5, stage), conditional_on = COALESCE(conditional_on, $6), \
                 paid_on = COALESCE(paid_on, $7), unconditional_on = COALESCE(unconditional_on, $8), updated_at = $9 \
                 WHERE id = $10 AND status = $11",
            )
            .bind(u.status.word())
            .bind(paid)
            .bind(u.amount.map(|a| a.minor))
            .bind(u.through)
            .bind(u.stage.map(Stage::word))
            .bind(u.conditional_on)
            .bind(u.paid_on)
            .bind(u.unconditional_on)
            .bind(u.at)
            .bind(u.id)
            .bind(from.word())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved == 0 {
                // Another instance moved it first: leave it as it is.
                return Ok(Recorded::Already);
            }
            for p in &u.payments {
                insert_waiver_payment!(tx, DB, u.id, p);
            }
            tx.commit().await?;
            Ok(Recorded::New(()))
        })
    }

    async fn waivers(&self, job_id: Option<i64>, outstanding: bool) -> Result<Vec<Waiver>, StoreError> {
        let done = Status::UnconditionalSent.word();
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, WaiverRow>(
                "SELECT id, job_id, customer_id, pay_app, invoice_id, stage, status, currency, amount_minor, \
                 paid_minor, through, requested_on, conditional_on, paid_on, unconditional_on, created_by \
                 FROM lien_waivers WHERE ($1 IS NULL OR job_id = $1) AND ($2 = FALSE OR status <> $3) ORDER BY id",
            )
            .bind(job_id)
            .bind(outstanding)
            .bind(done)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().filter_map(WaiverRow::into_waiver).collect())
        })
    }

    async fn waiver_payments(&self, job_id: i64) -> Result<Vec<Allocation>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, (i64, Option<i64>, Option<i64>, NaiveDate, i64, Option<String>, String)>(
                "SELECT p.waiver_id, p.payment_id, p.invoice_id, p.received, p.amount_minor, p.reference, w.currency \
                 FROM lien_waiver_payments p JOIN lien_waivers w ON w.id = p.waiver_id WHERE w.job_id = $1 \
                 ORDER BY p.received, p.waiver_id",
            )
            .bind(job_id)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(waiver_id, payment_id, invoice_id, received, minor, reference, code)| Allocation {
                    waiver_id,
                    payment_id,
                    invoice_id,
                    received,
                    amount: Money::new(minor, currency(&code)),
                    reference,
                })
                .collect())
        })
    }

    async fn job_applications(&self, job_id: i64, from: NaiveDate) -> Result<Vec<JobApplication>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, (i64, i64, NaiveDate, Option<String>, String, i64)>(
                "SELECT p.id, a.invoice_id, p.received, p.reference, p.currency, CAST(SUM(a.amount_minor) AS BIGINT) \
                 FROM applications a JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id \
                 WHERE i.job_id = $1 AND p.deleted = FALSE AND a.credit_memo_ext IS NULL AND p.received >= $2 \
                 GROUP BY p.id, a.invoice_id, p.received, p.reference, p.currency ORDER BY p.received, p.id",
            )
            .bind(job_id)
            .bind(from)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .filter(|r| r.5 > 0)
                .map(|(payment_id, invoice_id, received, reference, code, minor)| JobApplication {
                    payment_id,
                    invoice_id,
                    received,
                    amount: Money::new(minor, currency(&code)),
                    reference: reference.filter(|r| !r.trim().is_empty()),
                })
                .collect())
        })
    }

    async fn add_waiver_draft(&self, d: &NewWaiverDraft, by: &Author) -> Result<Recorded<i64>, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            let row = sqlx::query_as::<DB, (i64, i64, String)>(
                "SELECT job_id, customer_id, pay_app FROM lien_waivers WHERE id = $1",
            )
            .bind(d.waiver_id)
            .fetch_optional(&mut *tx)
            .await?;
            let (job_id, customer_id, pay_app) = row.unwrap_or_default();
            let change = Change {
                action: "waiver_drafted",
                customer_id: (customer_id > 0).then_some(customer_id),
                job_id: (job_id > 0).then_some(job_id),
                invoice_id: None,
                subject: format!("{}, {pay_app}", d.document),
                before: None,
                after: Some(format!("{} ({}), {}", d.amount, d.form, d.file_name)),
            };
            if write_audit!(tx, DB, by, d.drafted_at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            let id = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO lien_waiver_drafts (waiver_id, kind, form, document, currency, amount_minor, drafted_on, \
                 file_name, pdf, drafted_by, drafted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 RETURNING id",
            )
            .bind(d.waiver_id)
            .bind(d.kind.word())
            .bind(d.form)
            .bind(&d.document)
            .bind(d.amount.currency.code())
            .bind(d.amount.minor)
            .bind(d.drafted_on)
            .bind(&d.file_name)
            .bind(&d.pdf)
            .bind(&d.drafted_by)
            .bind(d.drafted_at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(id))
        })
    }

    async fn waiver_drafts(&self, waiver_id: i64) -> Result<Vec<StoredWaiverDraft>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, (i64, i64, String, String, String, String, i64, NaiveDate, String, String)>(
                "SELECT id, waiver_id, kind, form, document, currency, amount_minor, drafted_on, file_name, drafted_by \
                 FROM lien_waiver_drafts WHERE waiver_id = $1 ORDER BY id DESC",
            )
            .bind(waiver_id)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .filter_map(|(id, waiver_id, kind, form, document, code, minor, drafted_on, file_name, drafted_by)| {
                    Some(StoredWaiverDraft {
                        id,
                        waiver_id,
                        kind: WaiverKind::parse(&kind)?,
                        form,
                        document,
                        amount: Money::new(minor, currency(&code)),
                        drafted_on,
                        file_name,
                        drafted_by,
                    })
                })
                .collect())
        })
    }

    async fn waiver_pdf(&self, draft_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, Vec<u8>>("SELECT pdf FROM lien_waiver_drafts WHERE id = $1")
                .bind(draft_id)
                .fetch_optional(pool)
                .await?)
        })
    }
}

#[derive(sqlx::FromRow)]
struct WaiverRow {
    id: i64,
    job_id: i64,
    customer_id: i64,
    pay_app: String,
    invoice_id: Option<i64>,
    stage: String,
    status: String,
    currency: String,
    amount_minor: i64,
    paid_minor: i64,
    through: Option<NaiveDate>,
    requested_on: Option<NaiveDate>,
    conditional_on: Option<NaiveDate>,
    paid_on: Option<NaiveDate>,
    unconditional_on: Option<NaiveDate>,
    created_by: String,
}

impl WaiverRow {
    /// The row as a waiver; a stage or status this build does not know (a newer one's) is skipped.
    fn into_waiver(self) -> Option<Waiver> {
        let c = currency(&self.currency);
        Some(Waiver {
            id: self.id,
            job_id: self.job_id,
            customer_id: self.customer_id,
            pay_app: self.pay_app,
            invoice_id: self.invoice_id,
            stage: Stage::parse(&self.stage)?,
            status: Status::parse(&self.status)?,
            amount: Money::new(self.amount_minor, c),
            paid: Money::new(self.paid_minor, c),
            through: self.through,
            requested_on: self.requested_on,
            conditional_on: self.conditional_on,
            paid_on: self.paid_on,
            unconditional_on: self.unconditional_on,
            created_by: self.created_by,
        })
    }
}
