//! The audit trail's SQL: the insert every audited write runs in its own transaction, and the
//! reads behind `/ar audit`.

use chrono::{DateTime, Utc};

use super::{SqlStore, on};
use crate::audit::{AuditEntry, AuditQuery, Surface};
use crate::store::{AuditStore, StoreError};

/// Appends one record; `ON CONFLICT DO NOTHING` makes a request whose key was already recorded
/// for this action return no row, so the caller rolls its change back.
pub(super) const AUDIT_INSERT: &str = "INSERT INTO audit_log (at, actor_id, actor_name, surface, action, customer_id, \
     job_id, invoice_id, subject, before, after, key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
     ON CONFLICT DO NOTHING RETURNING id";

/// Writes the audit record of a change inside the transaction `$tx` (of database `$db`):
/// `Some(id)`, or `None` when the author's key already recorded this action (a retried request).
macro_rules! write_audit {
    ($tx:expr, $db:ident, $author:expr, $at:expr, $change:expr) => {{
        let (author, change): (&$crate::audit::Author, &$crate::audit::Change) = ($author, $change);
        sqlx::query_scalar::<$db, i64>($crate::store::sql::audit::AUDIT_INSERT)
            .bind($at)
            .bind(&author.id)
            .bind(&author.name)
            .bind(author.surface.as_str())
            .bind(change.action)
            .bind(change.customer_id)
            .bind(change.job_id)
            .bind(change.invoice_id)
            .bind(&change.subject)
            .bind(&change.before)
            .bind(&change.after)
            .bind(&author.key)
            .fetch_optional(&mut *$tx)
            .await?
    }};
}
pub(super) use write_audit;

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: DateTime<Utc>,
    actor_id: String,
    actor_name: String,
    surface: String,
    action: String,
    customer_id: Option<i64>,
    job_id: Option<i64>,
    invoice_id: Option<i64>,
    subject: String,
    before: Option<String>,
    after: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            surface: Surface::parse(&r.surface),
            action: r.action,
            customer_id: r.customer_id,
            job_id: r.job_id,
            invoice_id: r.invoice_id,
            subject: r.subject,
            before: r.before,
            after: r.after,
        }
    }
}

#[async_trait::async_trait]
impl<S: SqlStore> AuditStore for S {
    async fn recorded(&self, key: &str, action: &str) -> Result<bool, StoreError> {
        on!(self, read, |pool, DB| {
            let found =
                sqlx::query_scalar::<DB, i64>("SELECT id FROM audit_log WHERE key = $1 AND action = $2 LIMIT 1")
                    .bind(key)
                    .bind(action)
                    .fetch_optional(pool)
                    .await?;
            Ok(found.is_some())
        })
    }

    async fn audit_trail(&self, q: AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        on!(self, read, |pool, DB| {
            // A customer's trail includes its jobs' changes (recorded with the customer's id).
            let rows = sqlx::query_as::<DB, AuditRow>(
                "SELECT id, at, actor_id, actor_name, surface, action, customer_id, job_id, invoice_id, subject, \
                 before, after FROM audit_log \
                 WHERE ($1 IS NULL OR customer_id = $1) AND ($2 IS NULL OR job_id = $2) \
                 ORDER BY at DESC, id DESC LIMIT $3",
            )
            .bind(q.customer_id)
            .bind(q.job_id)
            .bind(q.limit.max(1))
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(AuditEntry::from).collect())
        })
    }
}
