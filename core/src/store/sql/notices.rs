//! Preliminary notices and Notices to Owner drafted for jobs: each draft with its PDF.

use chrono::NaiveDate;

use super::audit::write_audit;
use super::{Dialect, SqlStore, on};
use crate::audit::{Author, Change, Recorded};
use crate::notices::{Form, NewNoticeDraft, StoredNotice};
use crate::store::{NoticeStore, StoreError};

#[async_trait::async_trait]
impl<S: SqlStore> NoticeStore for S {
    async fn add_notice_draft(&self, n: &NewNoticeDraft, by: &Author) -> Result<Recorded<i64>, StoreError> {
        let month = n.month.as_deref().map(|m| format!(" ({m})")).unwrap_or_default();
        let change = Change {
            action: "notice_drafted",
            customer_id: Some(n.customer_id),
            job_id: Some(n.job_id),
            invoice_id: None,
            subject: n.document.clone(),
            before: None,
            after: Some(format!("{}{month}, due {}, {}", n.rule, n.due, n.file_name)),
        };
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            if write_audit!(tx, DB, by, n.drafted_at, &change).is_none() {
                return Ok(Recorded::Already);
            }
            let id = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO notice_drafts (job_id, customer_id, kind, rule, form, month, document, drafted_on, due, \
                 file_name, pdf, drafted_by, drafted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            )
            .bind(n.job_id)
            .bind(n.customer_id)
            .bind(&n.kind)
            .bind(&n.rule)
            .bind(n.form.word())
            .bind(&n.month)
            .bind(&n.document)
            .bind(n.drafted_on)
            .bind(n.due)
            .bind(&n.file_name)
            .bind(&n.pdf)
            .bind(&n.drafted_by)
            .bind(n.drafted_at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Recorded::New(id))
        })
    }

    async fn notice_drafts(&self, job_id: i64) -> Result<Vec<StoredNotice>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, NoticeRow>(
                "SELECT id, job_id, customer_id, kind, rule, form, month, document, drafted_on, due, file_name, \
                 drafted_by FROM notice_drafts WHERE job_id = $1 ORDER BY id DESC",
            )
            .bind(job_id)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().filter_map(NoticeRow::into_notice).collect())
        })
    }

    async fn notice_pdf(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        on!(self, read, |pool, DB| {
            Ok(sqlx::query_scalar::<DB, Vec<u8>>("SELECT pdf FROM notice_drafts WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?)
        })
    }
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: i64,
    job_id: i64,
    customer_id: i64,
    kind: String,
    rule: String,
    form: String,
    month: Option<String>,
    document: String,
    drafted_on: NaiveDate,
    due: NaiveDate,
    file_name: String,
    drafted_by: String,
}

impl NoticeRow {
    /// The row as a notice; a form this build does not know (written by a newer one) is skipped.
    fn into_notice(self) -> Option<StoredNotice> {
        Some(StoredNotice {
            id: self.id,
            job_id: self.job_id,
            customer_id: self.customer_id,
            kind: self.kind,
            rule: self.rule,
            form: Form::parse(&self.form)?,
            month: self.month,
            document: self.document,
            drafted_on: self.drafted_on,
            due: self.due,
            file_name: self.file_name,
            drafted_by: self.drafted_by,
        })
    }
}
