//! The reconcile's aggregate: its runs, what a source listed, what it repaired, and the synced
//! invoices it compares with the source's.

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

use super::{CHUNK, Dialect, SqlStore, currency, on};
use crate::source::OpenInvoice;
use crate::store::{
    HeldInvoice, InvoiceState, InvoiceStatus, ReconcileFix, ReconcileRun, ReconcileStore, RunStatus, StoreError,
};

#[derive(sqlx::FromRow)]
struct HeldRow {
    external_id: String,
    number: String,
    currency: String,
    status: String,
    balance_minor: i64,
}

impl From<HeldRow> for HeldInvoice {
    fn from(r: HeldRow) -> HeldInvoice {
        HeldInvoice {
            external_id: r.external_id,
            number: r.number,
            currency: currency(&r.currency),
            state: InvoiceState { status: InvoiceStatus::parse(&r.status), balance_minor: r.balance_minor },
        }
    }
}

#[derive(sqlx::FromRow)]
struct FixRow {
    external_id: String,
    number: String,
    currency: String,
    before_status: Option<String>,
    before_minor: Option<i64>,
    after_status: String,
    after_minor: i64,
}

#[async_trait::async_trait]
impl<S: SqlStore> ReconcileStore for S {
    async fn open_invoices_held(&self, source: &str) -> Result<Vec<HeldInvoice>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, HeldRow>(
                "SELECT external_id, number, currency, status, balance_minor FROM invoices \
                 WHERE source = $1 AND status = 'open'",
            )
            .bind(source)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(HeldInvoice::from).collect())
        })
    }

    async fn invoices_held(&self, source: &str, external_ids: &[String]) -> Result<Vec<HeldInvoice>, StoreError> {
        on!(self, read, |pool, DB| {
            let mut out = Vec::new();
            for chunk in external_ids.chunks(CHUNK) {
                let mut qb = QueryBuilder::<DB>::new(
                    "SELECT external_id, number, currency, status, balance_minor FROM invoices WHERE source = ",
                );
                qb.push_bind(source).push(" AND external_id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(id.as_str());
                }
                sep.push_unseparated(")");
                let rows: Vec<HeldRow> = qb.build_query_as().fetch_all(pool).await?;
                out.extend(rows.into_iter().map(HeldInvoice::from));
            }
            Ok(out)
        })
    }

    async fn unfinished_reconcile(
        &self,
        source: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<ReconcileRun>, StoreError> {
        on!(self, read, |pool, DB| {
            let row = sqlx::query_as::<DB, (i64, String, DateTime<Utc>, Option<String>, bool)>(
                "SELECT id, source, started_at, cursor, listed FROM reconcile_runs \
                 WHERE source = $1 AND status <> 'done' AND status <> 'abandoned' AND started_at >= $2 \
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(source)
            .bind(since)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|(id, source, started_at, cursor, listed)| ReconcileRun {
                id,
                source,
                started_at,
                cursor,
                listed,
            }))
        })
    }

    async fn start_reconcile(&self, source: &str, sync_run: i64, at: DateTime<Utc>) -> Result<i64, StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            // An earlier run left unfinished too long ago to resume: its listing is dropped.
            let old: Vec<i64> = sqlx::query_scalar::<DB, i64>(
                "UPDATE reconcile_runs SET status = 'abandoned', finished_at = $2 \
                 WHERE source = $1 AND status <> 'done' AND status <> 'abandoned' RETURNING id",
            )
            .bind(source)
            .bind(at)
            .fetch_all(&mut *tx)
            .await?;
            for id in old {
                sqlx::query::<DB>("DELETE FROM reconcile_listed WHERE run_id = $1").bind(id).execute(&mut *tx).await?;
            }
            let id = sqlx::query_scalar::<DB, i64>(
                "INSERT INTO reconcile_runs (source, sync_run_id, started_at, status) \
                 VALUES ($1, $2, $3, 'running') RETURNING id",
            )
            .bind(source)
            .bind(sync_run)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    async fn resume_reconcile(&self, run: i64, sync_run: i64) -> Result<(), StoreError> {
        on!(self, write, |pool, DB| {
            sqlx::query::<DB>("UPDATE reconcile_runs SET sync_run_id = $2, status = 'running' WHERE id = $1")
                .bind(run)
                .bind(sync_run)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    async fn record_listing(&self, run: i64, invoices: &[OpenInvoice], next: Option<&str>) -> Result<(), StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            for chunk in invoices.chunks(CHUNK) {
                let mut qb = QueryBuilder::<DB>::new(
                    "INSERT INTO reconcile_listed (run_id, external_id, number, currency, balance_minor) ",
                );
                qb.push_values(chunk, |mut b, i| {
                    b.push_bind(run)
                        .push_bind(&i.external_id)
                        .push_bind(&i.number)
                        .push_bind(i.currency.code().to_string())
                        .push_bind(i.balance_minor);
                });
                // A page read twice (listing rows shifted while it paged) keeps the later reading.
                qb.push(
                    " ON CONFLICT (run_id, external_id) DO UPDATE SET number = excluded.number, \
                     currency = excluded.currency, balance_minor = excluded.balance_minor",
                );
                qb.build().execute(&mut *tx).await?;
            }
            sqlx::query::<DB>("UPDATE reconcile_runs SET cursor = $2, listed = $3 WHERE id = $1")
                .bind(run)
                .bind(next)
                .bind(next.is_none())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    async fn listed_invoices(&self, run: i64) -> Result<Vec<OpenInvoice>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, (String, String, String, i64)>(
                "SELECT external_id, number, currency, balance_minor FROM reconcile_listed WHERE run_id = $1",
            )
            .bind(run)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(external_id, number, c, balance_minor)| OpenInvoice {
                    external_id,
                    number,
                    currency: currency(&c),
                    balance_minor,
                })
                .collect())
        })
    }

    async fn record_fixes(&self, run: i64, fixes: &[ReconcileFix]) -> Result<(), StoreError> {
        if fixes.is_empty() {
            return Ok(());
        }
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            for chunk in fixes.chunks(CHUNK) {
                let mut qb = QueryBuilder::<DB>::new(
                    "INSERT INTO reconcile_fixes (run_id, external_id, number, currency, before_status, \
                     before_minor, after_status, after_minor) ",
                );
                qb.push_values(chunk, |mut b, f| {
                    b.push_bind(run)
                        .push_bind(&f.external_id)
                        .push_bind(&f.number)
                        .push_bind(f.currency.code().to_string())
                        .push_bind(f.before.map(|s| s.status.as_str()))
                        .push_bind(f.before.map(|s| s.balance_minor))
                        .push_bind(f.after.status.as_str())
                        .push_bind(f.after.balance_minor);
                });
                // Repaired twice in one run (resumed): the first "before" stays, the last "after" wins.
                qb.push(
                    " ON CONFLICT (run_id, external_id) DO UPDATE SET number = excluded.number, \
                     after_status = excluded.after_status, after_minor = excluded.after_minor",
                );
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    async fn reconcile_fixes(&self, run: i64) -> Result<Vec<ReconcileFix>, StoreError> {
        on!(self, read, |pool, DB| {
            let rows = sqlx::query_as::<DB, FixRow>(
                "SELECT external_id, number, currency, before_status, before_minor, after_status, after_minor \
                 FROM reconcile_fixes WHERE run_id = $1 ORDER BY number, external_id",
            )
            .bind(run)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|r| ReconcileFix {
                    external_id: r.external_id,
                    number: r.number,
                    currency: currency(&r.currency),
                    before: match (r.before_status, r.before_minor) {
                        (Some(s), Some(m)) => Some(InvoiceState { status: InvoiceStatus::parse(&s), balance_minor: m }),
                        _ => None,
                    },
                    after: InvoiceState { status: InvoiceStatus::parse(&r.after_status), balance_minor: r.after_minor },
                })
                .collect())
        })
    }

    async fn finish_reconcile(
        &self,
        run: i64,
        status: RunStatus,
        at: DateTime<Utc>,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        on!(self, write, |pool, DB| {
            let mut tx = DB::begin_write(pool).await?;
            sqlx::query::<DB>("UPDATE reconcile_runs SET status = $2, finished_at = $3, detail = $4 WHERE id = $1")
                .bind(run)
                .bind(status.as_str())
                .bind(at)
                .bind(detail)
                .execute(&mut *tx)
                .await?;
            if status == RunStatus::Done {
                sqlx::query::<DB>("DELETE FROM reconcile_listed WHERE run_id = $1").bind(run).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
