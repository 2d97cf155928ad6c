//! arbot's test kit. Real databases for tests: a fresh SQLite file per test, and — when
//! `ARBOT_TEST_POSTGRES_URL` is set (CI sets it) — a fresh PostgreSQL database per test on that
//! server, dropped afterwards. A fake Discord on loopback ([`fake_discord`]) for running the
//! real serenity client, and fake QuickBooks and Xero servers ([`fake_quickbooks`],
//! [`fake_xero`]) built on what they share ([`vendor_kit`]), each behind the adapter the connector
//! conformance suite drives ([`conformance`]). A sample world for the bot's
//! end-to-end tests ([`bot_world`]): the sample ledger, the fake Discord and the bot wired to them.

pub mod bot_world;
pub mod conformance;
pub mod fake_discord;

pub mod fake_quickbooks;
pub mod fake_xero;
pub mod smtp_server;
pub mod snapshot;
pub mod vendor_kit;
pub mod xlsx;

use std::sync::Arc;

use arbot_core::store::{self, Store};
use sqlx::Connection;

/// A database for one test. Call [`TestDb::close`] at the end to drop a PostgreSQL database.
pub struct TestDb {
    pub url: String,
    pub store: Arc<dyn Store>,
    pub name: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb").field("name", &self.name).finish()
    }
}

/// Logs to stderr while `TEST_LOG` is set (`TEST_LOG=debug cargo test ...`); silent otherwise.
pub fn init_logs() {
    if let Ok(level) = std::env::var("TEST_LOG") {
        let filter = tracing_subscriber::EnvFilter::new(if level.is_empty() { "info".to_string() } else { level });
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    }
}

/// The PostgreSQL server tests may use, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("ARBOT_TEST_POSTGRES_URL").ok().filter(|s| !s.trim().is_empty())
}

impl TestDb {
    /// A migrated SQLite database in a fresh temporary file.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("arbot.db").display());
        let store = store::open_and_migrate(&url).await.expect("open sqlite");
        TestDb { url, store, name: "sqlite", _dir: Some(dir), pg: None }
    }

    /// A migrated, empty PostgreSQL database, or `None` when no server is configured. A configured
    /// but unreachable server fails the test: CI must not skip these silently.
    pub async fn postgres() -> Option<TestDb> {
        let admin = postgres_url()?;
        let name = format!("arbot_test_{}_{}", std::process::id(), fastrand_suffix());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("ARBOT_TEST_POSTGRES_URL is set but the server can't be reached: {e}"));
        drop_leftovers(&mut conn).await;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let url = with_database(&admin, &name);
        let store = store::open_and_migrate(&url).await.expect("open postgres");
        Some(TestDb { url, store, name: "postgres", _dir: None, pg: Some((admin, name)) })
    }

    /// Every backend available to this test run: SQLite always, PostgreSQL when configured.
    pub async fn all() -> Vec<TestDb> {
        let mut out = vec![TestDb::sqlite().await];
        if let Some(pg) = TestDb::postgres().await {
            out.push(pg);
        }
        out
    }

    /// Drops the PostgreSQL database (SQLite's file goes with its temp dir).
    pub async fn close(self) {
        let TestDb { store, pg, .. } = self;
        drop(store);
        if let Some((admin, name)) = pg
            && let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&mut conn)
                .await;
        }
    }
}

/// Drops test databases left by test processes that are gone (a test that panicked never reaches
/// [`TestDb::close`]). Names carry the creating process id.
async fn drop_leftovers(conn: &mut sqlx::PgConnection) {
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'arbot_test_%'")
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_default();
    for name in names {
        let pid = name.trim_start_matches("arbot_test_").split('_').next().unwrap_or_default();
        if !pid.is_empty() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&mut *conn)
                .await;
        }
    }
}

/// `postgres://u@h:5432/postgres` with the database replaced.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

fn fastrand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{nanos:x}{n}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_in_a_url() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:5432", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(super::with_database("postgres://p@h/db?sslmode=disable", "x"), "postgres://p@h/x?sslmode=disable");
    }
}
