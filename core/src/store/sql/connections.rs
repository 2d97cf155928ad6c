//! Connections and credentials (connectors): sealed tokens and where each source's connection
//! stands.

use chrono::{DateTime, Utc};

use super::{SqlStore, on};
use crate::store::{Connection, ConnectionStatus, ConnectionStore, StoreError};

#[async_trait::async_trait]
impl<S: SqlStore> ConnectionStore for S {
    async fn connection(&self, source: &str) -> Result<Option<Connection>, StoreError> {
        on!(self, write, |pool, DB| {
            let row = sqlx::query_as::<
                DB,
                (String, String, Option<Vec<u8>>, i64, String, Option<String>, Option<DateTime<Utc>>, DateTime<Utc>),
            >(
                "SELECT source, kind, sealed_tokens, token_version, status, detail, retry_at, updated_at \
                 FROM connections WHERE source = $1",
            )
            .bind(source)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|(source, kind, sealed_tokens, token_version, status, detail, retry_at, updated_at)| {
                Connection {
                    source,
                    kind,
                    sealed_tokens,
                    token_version,
                    updated_at,
                    status: ConnectionStatus::from_parts(&status, detail, retry_at),
                }
            }))
        })
    }

    async fn save_tokens(
        &self,
        source: &str,
        kind: &str,
        sealed: &[u8],
        expected: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        on!(self, write, |pool, DB| {
            match expected {
                None => Ok(Some(
                    sqlx::query_scalar::<DB, i64>(
                        "INSERT INTO connections (source, kind, sealed_tokens, token_version, status, updated_at) \
                     VALUES ($1, $2, $3, 1, 'ok', $4) ON CONFLICT (source) DO UPDATE SET kind = excluded.kind, \
                     sealed_tokens = excluded.sealed_tokens, token_version = connections.token_version + 1, \
                     updated_at = excluded.updated_at RETURNING token_version",
                    )
                    .bind(source)
                    .bind(kind)
                    .bind(sealed)
                    .bind(at)
                    .fetch_one(pool)
                    .await?,
                )),
                Some(v) => Ok(sqlx::query_scalar::<DB, i64>(
                    "UPDATE connections SET sealed_tokens = $2, token_version = token_version + 1, updated_at = $3 \
                     WHERE source = $1 AND token_version = $4 RETURNING token_version",
                )
                .bind(source)
                .bind(sealed)
                .bind(at)
                .bind(v)
                .fetch_optional(pool)
                .await?),
            }
        })
    }

    async fn set_connection_status(
        &self,
        source: &str,
        status: &ConnectionStatus,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on!(self, write, |pool, DB| {
            let (status, detail, until) = status.parts();
            sqlx::query::<DB>(
                "INSERT INTO connections (source, kind, token_version, status, detail, retry_at, updated_at) \
                 VALUES ($1, '', 0, $2, $3, $4, $5) ON CONFLICT (source) DO UPDATE SET status = excluded.status, \
                 detail = excluded.detail, retry_at = excluded.retry_at, updated_at = excluded.updated_at",
            )
            .bind(source)
            .bind(status)
            .bind(detail)
            .bind(until)
            .bind(at)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    async fn take_refresh_lease(
        &self,
        source: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool, StoreError> {
        on!(self, write, |pool, DB| {
            // One statement: the row's own lock (SQLite's writer lock, PostgreSQL's row lock)
            // makes the check and the take one step.
            let taken = sqlx::query::<DB>(
                "UPDATE connections SET refresh_holder = $2, refresh_until = $3 WHERE source = $1 \
                 AND (refresh_holder IS NULL OR refresh_holder = $2 OR refresh_until IS NULL OR refresh_until < $4)",
            )
            .bind(source)
            .bind(holder)
            .bind(until_ms)
            .bind(now_ms)
            .execute(pool)
            .await?
            .rows_affected();
            Ok(taken == 1)
        })
    }

    async fn release_refresh_lease(&self, source: &str, holder: &str) -> Result<(), StoreError> {
        on!(self, write, |pool, DB| {
            sqlx::query::<DB>(
                "UPDATE connections SET refresh_holder = NULL, refresh_until = NULL \
                 WHERE source = $1 AND refresh_holder = $2",
            )
            .bind(source)
            .bind(holder)
            .execute(pool)
            .await?;
            Ok(())
        })
    }
}
