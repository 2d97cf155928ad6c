//! The SQL both backends share, one file per aggregate. Each aggregate's trait is implemented
//! once, for every [`SqlStore`] (the SQLite and the PostgreSQL store); each method runs its SQL
//! through [`on!`], which writes the body once and compiles it per backend.
//!
//! Portability rules kept here: `$N` placeholders; every integer is BIGINT and every aggregate is
//! `CAST(... AS BIGINT)` (Postgres sums BIGINT into NUMERIC); booleans compared to TRUE/FALSE;
//! date arithmetic done in Rust and bound as parameters. The few fragments that cannot be
//! portable are [`Dialect`]'s.

mod audit;
mod chat_ops;
mod collections;
mod connections;
mod ledger;
mod mail;
mod notices;
mod reconcile;
mod reports;
mod sync;
mod waivers;

use std::collections::HashMap;
use std::fmt;

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

use super::{Backend, Leadership, SchemaStore, StoreError};
use crate::money::Currency;
use crate::source::Entity;

pub(super) use self::sync::{IdRow, Stored, was_open};

/// Rows per multi-row statement: well under SQLite's 32,766 and Postgres' 65,535 bind limits.
pub(super) const CHUNK: usize = 500;

/// A store's pools: `read` for queries, `write` for changes (on SQLite a single connection; on
/// PostgreSQL the same pool).
#[derive(Debug, Clone, Copy)]
pub(super) enum Pools<'a> {
    Sqlite { read: &'a SqlitePool, write: &'a SqlitePool },
    Postgres { read: &'a PgPool, write: &'a PgPool },
}

/// A store on SQL: what each backend provides itself. Every aggregate trait is implemented for
/// every `SqlStore`.
#[async_trait::async_trait]
pub(super) trait SqlStore: Send + Sync + fmt::Debug {
    fn pools(&self) -> Pools<'_>;
    async fn run_migrations(&self) -> Result<usize, StoreError>;
    async fn lead(&self, role: &str) -> Result<Option<Box<dyn Leadership>>, StoreError>;
}

/// What the SQL text cannot say the same way on both engines, by `sqlx::Database`.
pub(super) trait Dialect: sqlx::Database {
    /// Appended to a claim's inner SELECT so two instances never claim the same row.
    const LOCK_ROWS: &'static str;

    /// Days from the due date `t.due` to the date bound as `$1`, as a BIGINT.
    const DAYS_PAST_DUE: &'static str;

    /// Whether the open items on a past date (every customer's) are read in one pass over the
    /// invoices rather than as the open invoices plus the closed ones paid since.
    const HISTORY_IN_ONE_SCAN: bool;

    /// How aging sums the open invoices issued by `$1`: `Some(prefix)` keeps the later ones out
    /// in the WHERE clause, `{prefix}i.issued <= $1`, so the balance is the column itself rather
    /// than a CASE that each of the sums evaluates again; `None` keeps the CASE.
    const ISSUED_IN_WHERE: Option<&'static str>;

    /// What refreshes the planner's statistics after a large import ([`SchemaStore::analyze`]).
    const ANALYZE: &'static str;

    /// Begins a transaction that writes.
    async fn begin_write(pool: &sqlx::Pool<Self>) -> Result<sqlx::Transaction<'static, Self>, sqlx::Error>;

    /// Ids of `table` rows by external id.
    async fn ids_of(
        tx: &mut sqlx::Transaction<'_, Self>,
        table: &'static str,
        source: &str,
        exts: &[&str],
    ) -> Result<HashMap<String, i64>, StoreError>;

    /// What is stored for these external ids: version, content hash, and (invoices) whether open.
    async fn stored_versions(
        tx: &mut sqlx::Transaction<'_, Self>,
        table: &'static str,
        source: &str,
        exts: &[&str],
    ) -> Result<HashMap<String, Stored>, StoreError>;

    /// `(payment, invoice)` external-id pairs of the stored applications of these payments (at
    /// most [`CHUNK`] of them).
    async fn applied_by(
        pool: &sqlx::Pool<Self>,
        source: &str,
        exts: &[&str],
    ) -> Result<Vec<(String, String)>, StoreError>;
}

/// Runs `$body` with `$pool` bound to the store's `read` or `write` pool and `$db` to its
/// `sqlx::Database` type: the body is written once and compiled for each backend.
macro_rules! on {
    ($store:expr, $role:ident, |$pool:ident, $db:ident| $body:expr) => {
        match $crate::store::sql::SqlStore::pools($store) {
            $crate::store::sql::Pools::Sqlite { $role: $pool, .. } => {
                #[allow(dead_code)]
                type $db = sqlx::Sqlite;
                $body
            }
            $crate::store::sql::Pools::Postgres { $role: $pool, .. } => {
                #[allow(dead_code)]
                type $db = sqlx::Postgres;
                $body
            }
        }
    };
}
use on;

#[async_trait::async_trait]
impl<S: SqlStore> SchemaStore for S {
    fn backend(&self) -> Backend {
        match self.pools() {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres { .. } => Backend::Postgres,
        }
    }

    async fn migrate(&self) -> Result<usize, StoreError> {
        self.run_migrations().await
    }

    async fn analyze(&self) -> Result<(), StoreError> {
        on!(self, write, |pool, DB| {
            // The simple protocol: VACUUM runs in no transaction, not even an implicit one.
            sqlx::raw_sql(<DB as Dialect>::ANALYZE).execute(pool).await?;
            Ok(())
        })
    }
}

pub(super) fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap_or_default()
}

pub(super) fn table_of(entity: Entity) -> &'static str {
    match entity {
        Entity::Customer => "customers",
        Entity::Job => "jobs",
        Entity::Invoice => "invoices",
        Entity::CreditMemo => "credit_memos",
        Entity::Payment => "payments",
    }
}

/// Escapes LIKE wildcards in user text (with `ESCAPE '\'`).
pub(super) fn like_pattern(needle: &str) -> String {
    let mut out = String::from("%");
    for c in needle.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}
