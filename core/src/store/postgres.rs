//! PostgreSQL, for teams that run several arbot instances against one database.

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};

use std::collections::HashMap;

use super::sql::{Dialect, IdRow, Pools, SqlStore, Stored, was_open};
use super::{StoreError, known_version, redact};

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

/// arbot's store on a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The same pool: Postgres takes many writers.
    writer: PgPool,
    url: String,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| pg_error(url, e))?;
        let store = PgStore { writer: pool.clone(), pool, url: redact(url) };
        store.check_schema().await?;
        Ok(store)
    }

    async fn check_schema(&self) -> Result<(), StoreError> {
        let has_table: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| pg_error(&self.url, e))?;
        if !has_table {
            return Ok(());
        }
        let found: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(&self.pool).await?;
        let known = known_version(&MIGRATOR);
        match found {
            Some(found) if found > known => Err(StoreError::NewerSchema { found, known }),
            _ => Ok(()),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn pg_error(url: &str, err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        let code = db.code().unwrap_or_default();
        // 28xxx: authentication; 3D000: no such database.
        if code.starts_with("28") || code == "3D000" {
            return StoreError::Unreachable { url: redact(url), reason: db.message().to_string() };
        }
    }
    StoreError::from_sqlx(url, err)
}

impl Dialect for sqlx::Postgres {
    /// Claims skip rows another instance is claiming at the same moment.
    const LOCK_ROWS: &'static str = " FOR UPDATE SKIP LOCKED";

    /// A date less a date is whole days.
    const DAYS_PAST_DUE: &'static str = "($1 - t.due)";

    /// The historical open items read in one pass over the invoices: the open ones are spread over
    /// nearly every page of the table, so the partial index saves no reading, and the closed ones
    /// paid since were a second full scan (0.75 s to 0.6 s for the digest's "then" on a
    /// 1,000,000-invoice ledger, 1.03 s to 0.67 s for the KPIs' start of period).
    const HISTORY_IN_ONE_SCAN: bool = true;

    /// The CASE, as measured before; PostgreSQL evaluates it once per row.
    const ISSUED_IN_WHERE: Option<&'static str> = None;

    /// Statistics, and the visibility map: after a bulk load no page is marked all visible, so an
    /// index-only scan of the open invoices' covering index (migration 0031) reads the table anyway until
    /// a vacuum (the digest's accounts 0.50 s to 0.21 s, the sums at the previous digest 0.60 s
    /// to 0.28 s on a freshly seeded 1,000,000-invoice ledger, in psql).
    const ANALYZE: &'static str = "VACUUM (ANALYZE)";

    /// A transaction that writes, begun as any other.
    async fn begin_write(pool: &sqlx::Pool<Self>) -> Result<sqlx::Transaction<'static, Self>, sqlx::Error> {
        pool.begin().await
    }

    /// Ids of `table` rows by external id. The keys go in as one array, each probing the unique
    /// index through a LATERAL subquery. A plain IN list or join lets the planner, while a table
    /// is filling up and its statistics lag (a first sync, a seed), scan every row of the source
    /// per page instead.
    async fn ids_of(
        tx: &mut sqlx::Transaction<'_, Self>,
        table: &'static str,
        source: &str,
        exts: &[&str],
    ) -> Result<HashMap<String, i64>, StoreError> {
        if exts.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT t.external_id, t.id FROM unnest($2::text[]) AS k(ext) CROSS JOIN LATERAL \
             (SELECT x.external_id, x.id FROM {table} x WHERE x.source = $1 AND x.external_id = k.ext LIMIT 1) t"
        );
        let rows: Vec<IdRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(source).bind(exts).fetch_all(&mut **tx).await?;
        Ok(rows.into_iter().map(|r| (r.external_id, r.id)).collect())
    }

    /// What is stored for these external ids: version, content hash, and (invoices) whether open.
    async fn stored_versions(
        tx: &mut sqlx::Transaction<'_, Self>,
        table: &'static str,
        source: &str,
        exts: &[&str],
    ) -> Result<HashMap<String, Stored>, StoreError> {
        if exts.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT t.external_id, t.src_updated_at, t.src_seq, t.content_hash, t.was_open \
             FROM unnest($2::text[]) AS k(ext) CROSS JOIN LATERAL (SELECT x.external_id, x.src_updated_at, \
             x.src_seq, x.content_hash, {} AS was_open FROM {table} x \
             WHERE x.source = $1 AND x.external_id = k.ext LIMIT 1) t",
            was_open(table)
        );
        let rows: Vec<Stored> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(source).bind(exts).fetch_all(&mut **tx).await?;
        Ok(rows.into_iter().map(|r| (r.external_id.clone(), r)).collect())
    }

    /// `(payment, invoice)` pairs of the stored applications of these payments: each key probes
    /// the payments' unique index through a LATERAL subquery, as in `ids_of`, so a table whose
    /// statistics lag (a first sync) is never scanned whole per page.
    async fn applied_by(pool: &PgPool, source: &str, exts: &[&str]) -> Result<Vec<(String, String)>, StoreError> {
        if exts.is_empty() {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_as(
            "SELECT p.external_id, a.invoice_ext FROM unnest($2::text[]) AS k(ext) CROSS JOIN LATERAL \
             (SELECT x.id, x.external_id FROM payments x WHERE x.source = $1 AND x.external_id = k.ext LIMIT 1) p \
             CROSS JOIN LATERAL (SELECT y.invoice_ext FROM applications y WHERE y.payment_id = p.id) a",
        )
        .bind(source)
        .bind(exts)
        .fetch_all(pool)
        .await?)
    }
}

#[async_trait::async_trait]
impl SqlStore for PgStore {
    fn pools(&self) -> Pools<'_> {
        Pools::Postgres { read: &self.pool, write: &self.writer }
    }

    async fn run_migrations(&self) -> Result<usize, StoreError> {
        self.check_schema().await?;
        let before = applied(&self.pool).await?;
        // sqlx takes an advisory lock here, so instances starting together migrate once.
        MIGRATOR.run(&self.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(inner) => pg_error(&self.url, inner),
            other => StoreError::Internal(sqlx::Error::Migrate(Box::new(other))),
        })?;
        Ok(applied(&self.pool).await?.saturating_sub(before))
    }

    async fn lead(&self, role: &str) -> Result<Option<Box<dyn super::Leadership>>, StoreError> {
        use sqlx::Connection;
        // Its own connection, out of the pool: the lock lives exactly as long as it does.
        let mut conn = self.pool.acquire().await?.detach();
        let key = super::content_hash(&("arbot-leader", role));
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(key).fetch_one(&mut conn).await?;
        if !got {
            let _ = conn.close().await;
            return Ok(None);
        }
        Ok(Some(Box::new(PgLeadership { conn: tokio::sync::Mutex::new(conn), key })))
    }
}

/// Leadership on PostgreSQL: a session advisory lock on a dedicated connection. If this process
/// dies or its connection drops, the server releases the lock and another instance takes over.
#[derive(Debug)]
struct PgLeadership {
    conn: tokio::sync::Mutex<sqlx::PgConnection>,
    key: i64,
}

#[async_trait::async_trait]
impl super::Leadership for PgLeadership {
    async fn held(&self) -> bool {
        let mut conn = self.conn.lock().await;
        sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&mut *conn).await.is_ok()
    }

    async fn release(self: Box<Self>) {
        use sqlx::Connection;
        let mut conn = self.conn.into_inner();
        // Unlocked before the call returns: closing the connection alone frees the lock only once
        // the server has noticed, and the next reconcile may ask for it sooner.
        let _ =
            sqlx::query_scalar::<_, bool>("SELECT pg_advisory_unlock($1)").bind(self.key).fetch_one(&mut conn).await;
        let _ = conn.close().await;
    }
}

async fn applied(pool: &PgPool) -> Result<usize, StoreError> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(pool).await?;
    if !exists {
        return Ok(0);
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(pool).await?;
    Ok(n as usize)
}
