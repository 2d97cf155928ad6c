//! PostgreSQL, for teams that run several arbot instances against one database.

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::common::sql_store;
use super::{Backend, StoreError, known_version, redact};

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

/// arbot's store on a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
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
        let store = PgStore { pool, url: redact(url) };
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

sql_store!(PgStore, sqlx::Postgres, {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn migrate(&self) -> Result<usize, StoreError> {
        self.check_schema().await?;
        let before = applied(&self.pool).await?;
        // sqlx takes an advisory lock here, so instances starting together migrate once.
        MIGRATOR.run(&self.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(inner) => pg_error(&self.url, inner),
            other => StoreError::Internal(sqlx::Error::Migrate(Box::new(other))),
        })?;
        Ok(applied(&self.pool).await?.saturating_sub(before))
    }
});

async fn applied(pool: &PgPool) -> Result<usize, StoreError> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(pool).await?;
    if !exists {
        return Ok(0);
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(pool).await?;
    Ok(n as usize)
}
