//! The embedded default: one SQLite file, WAL, a busy timeout, created if missing.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use std::collections::HashMap;

use sqlx::QueryBuilder;

use super::sql::{CHUNK, Dialect, IdRow, Pools, SqlStore, Stored, was_open};
use super::{StoreError, known_version};

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");

/// arbot's store on a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Readers: several connections, which WAL lets read while a write is in progress.
    pool: SqlitePool,
    /// The one writer. SQLite takes one writer at a time anyway, and a single connection keeps
    /// its page cache warm across pages: a cache is dropped whenever another connection commits.
    writer: SqlitePool,
    url: String,
    /// The database file (`None` in memory), beside which the leader lock lives.
    file: Option<std::path::PathBuf>,
}

impl SqliteStore {
    /// Opens (creating if missing) the SQLite database at `url`: `sqlite://path`, `sqlite:path`,
    /// `sqlite::memory:` or a bare file path.
    pub async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::Unreachable { url: url.to_string(), reason: e.to_string() })?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        // The one writer connection: 64 MiB of page cache (the default is 2 MiB) so a large
        // ledger's indexes stay in memory while a sync writes them, pages read through a memory
        // map (up to 256 MiB) and temporary tables in memory.
        let writer_options = options
            .clone()
            .pragma("cache_size", "-65536")
            .pragma("mmap_size", "268435456")
            .pragma("temp_store", "memory");
        // The readers that reports use: no memory map (each connection maps the file again, and
        // every page a report touches counts toward the process's resident memory, up to 256 MiB
        // per connection) and SQLite's default 2 MiB of page cache each, so a report on a large
        // ledger stays small.
        let reader_options = options.pragma("cache_size", "-2048").pragma("mmap_size", "0");
        let in_memory = url.contains(":memory:");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(writer_options)
            .await
            .map_err(|e| sqlite_error(url, e))?;
        // An in-memory database exists once per connection: read and write through the same one.
        let pool = if in_memory {
            writer.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(reader_options)
                .await
                .map_err(|e| sqlite_error(url, e))?
        };
        let file = (!in_memory).then(|| writer.connect_options().get_filename().to_path_buf());
        let store = SqliteStore { pool, writer, url: url.to_string(), file };
        store.check_schema().await?;
        Ok(store)
    }

    /// Refuses a database written by a newer arbot.
    async fn check_schema(&self) -> Result<(), StoreError> {
        let has_table: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
                .fetch_one(&self.pool)
                .await
                .map_err(|e| sqlite_error(&self.url, e))?;
        if has_table == 0 {
            return Ok(());
        }
        let found: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&self.pool)
            .await?;
        let known = known_version(&MIGRATOR);
        match found {
            Some(found) if found > known => Err(StoreError::NewerSchema { found, known }),
            _ => Ok(()),
        }
    }

    /// The pool, for tests and tools that need raw SQL.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn sqlite_error(url: &str, err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        // 14 = SQLITE_CANTOPEN: a missing directory or no permission to create the file.
        if db.code().as_deref() == Some("14") {
            return StoreError::Unreachable { url: url.to_string(), reason: db.message().to_string() };
        }
    }
    StoreError::from_sqlx(url, err)
}

impl Dialect for sqlx::Sqlite {
    /// SQLite has one writer at a time: a claim's UPDATE needs no row locks.
    const LOCK_ROWS: &'static str = "";

    /// Whole days from the day a `julianday` names (its noon) to another's: exact.
    const DAYS_PAST_DUE: &'static str = "CAST(julianday($1) - julianday(t.due) AS BIGINT)";

    /// The historical open items read as open now (through the partial index, which carries
    /// every column) plus the closed invoices paid since, looked up one by one.
    const HISTORY_IN_ONE_SCAN: bool = false;

    /// In the WHERE clause, with a unary `+` so that the invoice-date index cannot serve it and
    /// the planner stays on the partial index of open invoices: aging's fourteen sums then read
    /// the balance as it is (its SQL 0.21 s to 0.19 s of CPU on a 1,000,000-invoice ledger).
    const ISSUED_IN_WHERE: Option<&'static str> = Some("+");

    /// Statistics only: SQLite reads an index alone without a visibility map.
    const ANALYZE: &'static str = "ANALYZE";

    /// A transaction that writes takes the write lock when it begins (`BEGIN IMMEDIATE`), under
    /// the busy timeout. Begun as a reader (`BEGIN` is DEFERRED) it would need the lock only at
    /// its first write, and SQLite refuses that upgrade at once ("database is locked") rather than
    /// wait, whenever another connection (another arbot process on the same file) is writing or
    /// has written since this one began reading.
    async fn begin_write(pool: &sqlx::Pool<Self>) -> Result<sqlx::Transaction<'static, Self>, sqlx::Error> {
        pool.begin_with("BEGIN IMMEDIATE").await
    }

    /// Ids of `table` rows by external id (an IN list: SQLite probes the unique index per key).
    async fn ids_of(
        tx: &mut sqlx::Transaction<'_, Self>,
        table: &'static str,
        source: &str,
        exts: &[&str],
    ) -> Result<HashMap<String, i64>, StoreError> {
        let mut out = HashMap::with_capacity(exts.len());
        for chunk in exts.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Self>::new("SELECT external_id, id FROM ");
            qb.push(table).push(" WHERE source = ").push_bind(source).push(" AND external_id IN (");
            let mut sep = qb.separated(", ");
            for e in chunk {
                sep.push_bind(*e);
            }
            sep.push_unseparated(")");
            let rows: Vec<IdRow> = qb.build_query_as().fetch_all(&mut **tx).await?;
            out.extend(rows.into_iter().map(|r| (r.external_id, r.id)));
        }
        Ok(out)
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
        let mut qb = QueryBuilder::<Self>::new("SELECT external_id, src_updated_at, src_seq, content_hash, ");
        qb.push(was_open(table))
            .push(" AS was_open FROM ")
            .push(table)
            .push(" WHERE source = ")
            .push_bind(source)
            .push(" AND external_id IN (");
        let mut sep = qb.separated(", ");
        for e in exts {
            sep.push_bind(*e);
        }
        sep.push_unseparated(")");
        let rows: Vec<Stored> = qb.build_query_as().fetch_all(&mut **tx).await?;
        Ok(rows.into_iter().map(|r| (r.external_id.clone(), r)).collect())
    }

    /// `(payment, invoice)` pairs of the stored applications of these payments (an IN list on
    /// the payments' unique index, then the applications' index per payment).
    async fn applied_by(pool: &SqlitePool, source: &str, exts: &[&str]) -> Result<Vec<(String, String)>, StoreError> {
        if exts.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<Self>::new(
            "SELECT p.external_id, a.invoice_ext FROM payments p JOIN applications a ON a.payment_id = p.id \
             WHERE p.source = ",
        );
        qb.push_bind(source).push(" AND p.external_id IN (");
        let mut sep = qb.separated(", ");
        for e in exts {
            sep.push_bind(*e);
        }
        sep.push_unseparated(")");
        Ok(qb.build_query_as().fetch_all(pool).await?)
    }
}

#[async_trait::async_trait]
impl SqlStore for SqliteStore {
    fn pools(&self) -> Pools<'_> {
        Pools::Sqlite { read: &self.pool, write: &self.writer }
    }

    async fn run_migrations(&self) -> Result<usize, StoreError> {
        self.check_schema().await?;
        let before = applied(&self.pool).await?;
        MIGRATOR.run(&self.writer).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(inner) => sqlite_error(&self.url, inner),
            other => StoreError::Internal(sqlx::Error::Migrate(Box::new(other))),
        })?;
        Ok(applied(&self.pool).await?.saturating_sub(before))
    }

    async fn lead(&self, role: &str) -> Result<Option<Box<dyn super::Leadership>>, StoreError> {
        let Some(file) = &self.file else {
            // An in-memory database lives in this process only: it leads itself.
            return Ok(Some(Box::new(FileLeadership { _file: None })));
        };
        let mut path = file.clone().into_os_string();
        path.push(format!(".{role}.lock"));
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::Unreachable { url: self.url.clone(), reason: format!("lock file: {e}") })?;
        match lock.try_lock() {
            Ok(()) => Ok(Some(Box::new(FileLeadership { _file: Some(lock) }))),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(StoreError::Unreachable { url: self.url.clone(), reason: format!("lock file: {e}") })
            }
        }
    }
}

/// Leadership on SQLite: an exclusive lock on a file beside the database, which the operating
/// system releases when the process ends, however it ends.
#[derive(Debug)]
struct FileLeadership {
    _file: Option<std::fs::File>,
}

#[async_trait::async_trait]
impl super::Leadership for FileLeadership {
    async fn held(&self) -> bool {
        true
    }
}

async fn applied(pool: &SqlitePool) -> Result<usize, StoreError> {
    let exists: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_one(pool)
            .await?;
    if exists == 0 {
        return Ok(0);
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(pool).await?;
    Ok(n as usize)
}
