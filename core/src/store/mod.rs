//! Persistence: one [`Store`] trait, two implementations — SQLite (the embedded default) and
//! PostgreSQL (for teams that run several instances) — chosen by the database URL's scheme.
//!
//! The trait is split by aggregate ([`SyncStore`], [`LedgerReads`], [`CollectionsStore`],
//! [`ChatOpsStore`], [`ConnectionStore`], [`ReconcileStore`] and [`SchemaStore`]); [`Store`] is
//! all of them. Both
//! backends share their SQL text (`$1` placeholders work on both), written once per aggregate in
//! `sql/`; what differs (connecting, pragmas, migrations, leadership, a few SQL fragments) lives
//! in `sqlite.rs` and `postgres.rs`. Money is BIGINT minor units plus a currency code on both
//! backends.

mod postgres;
mod sql;
mod sqlite;

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::aging::{AgingConfig, AgingSums, GroupBy};
use crate::audit::{AuditEntry, AuditQuery, Author, Change, Recorded};
use crate::collections::{
    CashApplied, Dispute, JobNotice, LogRow, LogTally, NewDispute, NewNote, NewPlan, NewPromise, Note, PaymentPlan,
    Promise,
};
use crate::escalation::{
    Escalation, EscalationAction, EscalationEvent, EscalationLevel, EscalationPosts, NewEscalation,
};
use crate::ledger::{
    AppliedAmount, Credits, Customer, CustomerRef, Invoice, Job, JobWithCustomer, OpenItem, OverdueItem, OverduePage,
    Payment,
};
use crate::money::Currency;
use crate::outbox::{Delivery, OutboxCounts, OutboxItem};
use crate::source::{Entity, OpenInvoice, Record};

pub use self::postgres::PgStore;
pub use self::sqlite::SqliteStore;
pub use crate::ledger::PaymentLine;

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Failures of the store. The first variants are things a person can fix; `Internal` is ours.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("'{0}' is not a database URL arbot knows. Use sqlite://arbot.db (a file) or postgres://user@host/dbname.")]
    UnsupportedUrl(String),
    #[error(
        "Can't open the database at {url}: {reason}. Check the URL (--db or ARBOT_DATABASE_URL) and that the server is running."
    )]
    Unreachable { url: String, reason: String },
    #[error(
        "The database{} is read-only; arbot needs to write to it. Check the file's permissions (and ?mode=ro in the URL) or the server's role.",
        .0.as_ref().map(|u| format!(" at {u}")).unwrap_or_default()
    )]
    ReadOnly(Option<String>),
    #[error(
        "This database was set up by a newer arbot (schema version {found}; this arbot knows up to {known}). Upgrade arbot, or point it at another database."
    )]
    NewerSchema { found: i64, known: i64 },
    #[error("The database has not been set up yet. Run `arbot migrate` (the demo and console do it for you).")]
    NotMigrated,
    #[error(
        "No database was given: the URL is empty. Use --db sqlite://arbot.db (a file) or postgres://user@host/dbname, or leave --db out for the configured one."
    )]
    EmptyUrl,
    #[error(
        "{0} is not an arbot database: the file is not SQLite, or it is damaged. Point --db at another file (a new one is created)."
    )]
    NotADatabase(String),
    /// Anything else the driver reports: its words stay in the log and in the error's source.
    #[error("the database failed ({})", failure_kind(.0))]
    Internal(#[source] sqlx::Error),
}

/// What kind of driver failure, in a few plain words.
fn failure_kind(e: &sqlx::Error) -> &'static str {
    match e {
        sqlx::Error::Database(_) => "it refused a statement; ARBOT_LOG=debug shows which",
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => "the connection to it broke",
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => "it did not answer in time",
        sqlx::Error::RowNotFound => "a row it should have had was missing",
        _ => "an unexpected failure; ARBOT_LOG=debug shows it",
    }
}

/// SQLite's SQLITE_NOTADB (26): the file is not a database.
fn is_not_a_database(err: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = err else { return false };
    db.code().unwrap_or_default().parse::<i32>().is_ok_and(|c| c & 0xff == 26)
}

impl StoreError {
    /// Maps a driver error, recognising the cases a person can fix.
    pub(crate) fn from_sqlx(url: &str, err: sqlx::Error) -> StoreError {
        if is_read_only(&err) {
            return StoreError::ReadOnly(Some(redact(url)));
        }
        if is_not_a_database(&err) {
            return StoreError::NotADatabase(redact(url));
        }
        match err {
            sqlx::Error::Io(e) => StoreError::Unreachable { url: redact(url), reason: e.to_string() },
            sqlx::Error::PoolTimedOut => {
                StoreError::Unreachable { url: redact(url), reason: "timed out connecting".to_string() }
            }
            sqlx::Error::Tls(e) => StoreError::Unreachable { url: redact(url), reason: e.to_string() },
            other => StoreError::Internal(other),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    /// Recognises a read-only database even when the first write finds it.
    fn from(e: sqlx::Error) -> Self {
        if is_read_only(&e) {
            StoreError::ReadOnly(None)
        } else if is_not_a_database(&e) {
            StoreError::NotADatabase("the database file".to_string())
        } else {
            StoreError::Internal(e)
        }
    }
}

/// SQLite's SQLITE_READONLY (8, and extended codes whose low byte is 8) or Postgres' 25006.
fn is_read_only(err: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = err else { return false };
    let code = db.code().unwrap_or_default();
    let sqlite_readonly = code.parse::<i32>().is_ok_and(|c| c & 0xff == 8);
    sqlite_readonly || code == "25006" || db.message().contains("readonly database")
}

/// A URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// What a page did to the store, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PageStats {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
    pub voided: u64,
    /// Invoices that were open and are now paid off (balance zero, not voided); also counted as
    /// updated.
    pub closed: u64,
    /// Of the figures above, the customers and jobs that a page of another entity carried (the
    /// names an imported file's rows give).
    pub names: Tally,
    /// Of the figures above, the credit memos that a page of another entity carried (the credits
    /// in an imported invoices file).
    pub credits: Tally,
}

/// Records of one kind that a page of another entity carried, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.new += o.new;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

impl Tally {
    /// What `plan` added to `after` since `before`.
    pub fn since(before: &PageStats, after: &PageStats) -> Tally {
        Tally {
            new: after.new - before.new,
            updated: after.updated - before.updated,
            unchanged: after.unchanged - before.unchanged,
        }
    }
}

impl std::ops::AddAssign for PageStats {
    fn add_assign(&mut self, o: PageStats) {
        self.new += o.new;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
        self.deleted += o.deleted;
        self.voided += o.voided;
        self.closed += o.closed;
        self.names += o.names;
        self.credits += o.credits;
    }
}

/// Which open invoices to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenItemsQuery {
    /// Balances as of the end of this date.
    pub as_of: NaiveDate,
    /// Only this customer's invoices.
    pub customer_id: Option<i64>,
    /// Reconstruct balances from later payments (needed when `as_of` is in the past).
    pub historical: bool,
}

/// What was open on a date in one currency, summed by the database ([`LedgerReads::open_sums`]):
/// the figures of an aging report's total row, on the due-date basis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OpenSums {
    pub invoices: i64,
    /// Balance as of the date.
    pub total: i64,
    /// The due part (balance less retainage held) of what was past due.
    pub overdue: i64,
    /// The due part of what was more than 90 days past due.
    pub overdue_90: i64,
    /// Retainage held within the balances.
    pub retainage: i64,
    /// Balance of the invoices in dispute, and the past-due part of it.
    pub disputed: i64,
    pub disputed_overdue: i64,
}

/// One customer's invoices open on a date in one currency, summed by the database
/// ([`LedgerReads::overdue_by_customer`]). "Collectible" past due is the due part (balance less
/// retainage held) of invoices past due and not in dispute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerOverdue {
    pub customer_id: i64,
    pub name: String,
    /// Balance of every open invoice, and of those in dispute.
    pub open: i64,
    pub disputed: i64,
    /// Collectible past due; more than 60 and more than 90 days past due.
    pub overdue: i64,
    pub over_60: i64,
    pub over_90: i64,
    /// Invoices with collectible past due, and the earliest due date among them.
    pub overdue_invoices: i64,
    pub oldest_due: Option<NaiveDate>,
    /// Collectible past due times days past due, summed over the invoices.
    pub dollar_days: i128,
}

/// A finished or running sync, for status lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncRun {
    pub id: i64,
    pub source: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: RunStatus,
    pub detail: Option<String>,
}

/// How a sync or a scheduled run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    /// Finished and did its work.
    Done,
    Failed,
    /// Claimed, then found nothing to do (the chat was not set up, say).
    Skipped,
    /// The process running it stopped before it finished (killed, crashed, the machine went
    /// down); marked so by the next process that looked.
    Interrupted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Done => "done",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
            RunStatus::Interrupted => "interrupted",
        }
    }

    /// The stored word (`ok` is how earlier versions recorded a finished sync).
    pub fn parse(s: &str) -> RunStatus {
        match s {
            "running" => RunStatus::Running,
            "done" | "ok" => RunStatus::Done,
            "skipped" => RunStatus::Skipped,
            "interrupted" => RunStatus::Interrupted,
            _ => RunStatus::Failed,
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One occurrence of a scheduled job, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduledRun {
    pub job: String,
    pub scheduled_for: DateTime<Utc>,
    pub status: RunStatus,
    pub claimed_by: String,
    pub claimed_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub detail: Option<String>,
}

/// Proof that this instance leads (holds the chat gateway, or a source's reconcile). Dropping it
/// gives leadership up, eventually (on PostgreSQL when the server notices the connection closed);
/// [`Leadership::release`] gives it up before it returns, for a lock the next caller may want at
/// once.
#[async_trait::async_trait]
pub trait Leadership: Send + Sync + fmt::Debug {
    /// Whether leadership is still held (the lock's connection may have died).
    async fn held(&self) -> bool;
    /// Gives leadership up now.
    async fn release(self: Box<Self>) {}
}

/// Row counts, for the welcome text and sanity checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LedgerCounts {
    pub customers: i64,
    pub jobs: i64,
    pub invoices: i64,
    pub open_invoices: i64,
    pub payments: i64,
}

/// Where a source's connection stands, as the last sync (or `arbot connect`) left it; the
/// scheduler and `/ar sync` read it before calling the vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ConnectionStatus {
    Ok,
    /// The credentials stopped working; a person must run `arbot connect` again.
    NeedsReconnect {
        reason: String,
    },
    /// The vendor asked us not to call before `until` (a daily limit, a long `Retry-After`), or
    /// its daily allowance is nearly used up; `reason` says which, for people, when known.
    RateLimited {
        until: DateTime<Utc>,
        reason: Option<String>,
    },
}

impl ConnectionStatus {
    pub(crate) fn parts(&self) -> (&'static str, Option<&str>, Option<DateTime<Utc>>) {
        match self {
            ConnectionStatus::Ok => ("ok", None, None),
            ConnectionStatus::NeedsReconnect { reason } => ("needs_reconnect", Some(reason), None),
            ConnectionStatus::RateLimited { until, reason } => ("rate_limited", reason.as_deref(), Some(*until)),
        }
    }

    pub(crate) fn from_parts(status: &str, detail: Option<String>, until: Option<DateTime<Utc>>) -> ConnectionStatus {
        match (status, until) {
            ("needs_reconnect", _) => ConnectionStatus::NeedsReconnect { reason: detail.unwrap_or_default() },
            ("rate_limited", Some(until)) => ConnectionStatus::RateLimited { until, reason: detail },
            _ => ConnectionStatus::Ok,
        }
    }
}

/// A source's stored connection: its tokens, sealed (the store never sees them in the clear),
/// and its status.
#[derive(Clone, PartialEq, Eq)]
pub struct Connection {
    pub source: String,
    pub kind: String,
    pub sealed_tokens: Option<Vec<u8>>,
    /// Bumped on every token save, so two writers cannot both replace the same tokens.
    pub token_version: i64,
    pub status: ConnectionStatus,
    pub updated_at: DateTime<Utc>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("source", &self.source)
            .field("kind", &self.kind)
            .field("sealed_tokens", &self.sealed_tokens.as_ref().map(|t| format!("<{} bytes>", t.len())))
            .field("token_version", &self.token_version)
            .field("status", &self.status)
            .finish()
    }
}

/// arbot's persistence: every aggregate's trait. Implemented by [`SqliteStore`] and [`PgStore`]
/// (through the blanket impl below); see the module docs. Calling a method on `dyn Store` needs
/// its aggregate's trait in scope: `use arbot_core::store::prelude::*;`.
pub trait Store:
    SchemaStore
    + SyncStore
    + LedgerReads
    + CollectionsStore
    + AuditStore
    + ChatOpsStore
    + ConnectionStore
    + ReconcileStore
    + ReportStore
    + MailStore
    + NoticeStore
    + WaiverStore
    + fmt::Debug
{
}

impl<T> Store for T where
    T: SchemaStore
        + SyncStore
        + LedgerReads
        + CollectionsStore
        + AuditStore
        + ChatOpsStore
        + ConnectionStore
        + ReconcileStore
        + ReportStore
        + MailStore
        + NoticeStore
        + WaiverStore
        + fmt::Debug
        + ?Sized
{
}

/// The store's traits, for `use arbot_core::store::prelude::*;` where a store's methods are called.
pub mod prelude {
    pub use super::{
        AuditStore, ChatOpsStore, CollectionsStore, ConnectionStore, LedgerReads, MailStore, NoticeStore,
        ReconcileStore, ReportStore, SchemaStore, Store, SyncStore, WaiverStore,
    };
}

/// Which engine, and its schema.
#[async_trait::async_trait]
pub trait SchemaStore: Send + Sync {
    fn backend(&self) -> Backend;

    /// Applies pending migrations; returns how many were applied.
    async fn migrate(&self) -> Result<usize, StoreError>;
    /// Refreshes the planner's statistics (`ANALYZE`), after a large import or first sync: without
    /// them PostgreSQL (autovacuum off, or not yet run) plans a million-invoice ledger blind. On
    /// PostgreSQL a `VACUUM (ANALYZE)`, which also marks the loaded pages all visible, so the
    /// reports read the open invoices from their covering index alone.
    async fn analyze(&self) -> Result<(), StoreError>;
}

/// How long a sync run of a process this one cannot look up may stay `running` before it is
/// taken to have died.
pub const STALE_RUN_HOURS: i64 = 24;

/// What the sync engine writes and reads back: watermarks, sync runs, pages of records, and the
/// keys it compares with a source's.
#[async_trait::async_trait]
pub trait SyncStore: Send + Sync {
    async fn watermark(&self, source: &str, entity: Entity) -> Result<Option<String>, StoreError>;
    async fn start_sync_run(&self, source: &str, at: DateTime<Utc>) -> Result<i64, StoreError>;
    async fn finish_sync_run(
        &self,
        run: i64,
        at: DateTime<Utc>,
        status: RunStatus,
        detail: Option<&str>,
    ) -> Result<(), StoreError>;
    async fn last_sync_run(&self, source: &str) -> Result<Option<SyncRun>, StoreError>;
    /// Marks the sync runs (of `source`, or of every source) still `running` whose process is gone
    /// as [`RunStatus::Interrupted`], and returns them. A run's process is gone when it ran on this
    /// machine and no longer exists, or (another machine's, or one recorded before runs named their
    /// process) when it started more than [`STALE_RUN_HOURS`] hours before `at`.
    async fn interrupt_dead_sync_runs(
        &self,
        source: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Vec<SyncRun>, StoreError>;
    /// Writes one page in one transaction: upserts by `(source, external_id)` where the record is
    /// not older than what is stored, replaces payments' applications as a whole, applies
    /// deletions, and stores `watermark` (if given) for `(source, entity)` with the rows.
    async fn apply_page(
        &self,
        run: i64,
        source: &str,
        entity: Entity,
        records: &[Record],
        watermark: Option<&str>,
    ) -> Result<PageStats, StoreError>;
    /// arbot's id for a synced record.
    async fn id_for(&self, entity: Entity, source: &str, external_id: &str) -> Result<Option<i64>, StoreError>;
    /// `(payment, invoice)` external-id pairs: the invoices the stored applications of these
    /// payments name (what a payment paid before it changed or was deleted).
    async fn invoices_applied_by(
        &self,
        source: &str,
        payment_exts: &[&str],
    ) -> Result<Vec<(String, String)>, StoreError>;
    /// External ids of the stored, not deleted records of `entity` from `source`.
    async fn live_external_ids(&self, source: &str, entity: Entity) -> Result<Vec<String>, StoreError>;
    /// The stored customers or jobs of `source` with their names (and, for a job, its
    /// customer's external id): what a source that keys by name matches a new mention against.
    async fn keyed_names(&self, source: &str, entity: Entity) -> Result<Vec<KeyedName>, StoreError>;
    /// Gives a stored customer or job of `source` another external id (when a file names by its
    /// id a record first met by name), unless a record already has that id; whether it did.
    async fn rekey(&self, source: &str, entity: Entity, from: &str, to: &str) -> Result<bool, StoreError>;
    /// Folds a stored customer or job of `source` into another that is the same one (two
    /// mentions, by name and by id, met before the file that ties them): its invoices, payments,
    /// credits, jobs, notes, promises, escalations (or, for a job, its invoices, facts and
    /// notices) move to `into`, and `from` is marked deleted. Whether anything was folded.
    async fn merge(&self, source: &str, entity: Entity, from: &str, into: &str) -> Result<bool, StoreError>;
}

/// A stored customer or job: its key at the source and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedName {
    pub external_id: String,
    pub name: String,
    /// A job's customer (its external id).
    pub parent: Option<String>,
}

/// Reading the synced ledger: customers, jobs, invoices, payments and credits.
#[async_trait::async_trait]
pub trait LedgerReads: Send + Sync {
    async fn counts(&self) -> Result<LedgerCounts, StoreError>;
    /// Whether any customer is synced: [`LedgerReads::counts`]' first figure above zero, without
    /// counting a million invoices.
    async fn any_customers(&self) -> Result<bool, StoreError>;
    /// Customers whose name contains `needle` (case-insensitive), shortest names first.
    async fn customers_matching(&self, needle: &str, limit: i64) -> Result<Vec<CustomerRef>, StoreError>;
    async fn customer_names(&self) -> Result<Vec<CustomerRef>, StoreError>;
    /// Open invoices' numbers starting with `prefix` (suggestions as a number is typed), in order.
    async fn invoice_numbers_like(&self, prefix: &str, limit: i64) -> Result<Vec<String>, StoreError>;
    /// Every PM named on a customer or a job, in order.
    async fn pm_names(&self) -> Result<Vec<String>, StoreError>;
    async fn customer(&self, id: i64) -> Result<Option<Customer>, StoreError>;
    async fn jobs_for_customer(&self, customer_id: i64) -> Result<Vec<Job>, StoreError>;
    /// Jobs whose name contains `needle` (case-insensitive), or every job; by name.
    async fn jobs(&self, needle: Option<&str>) -> Result<Vec<JobWithCustomer>, StoreError>;
    async fn open_items(&self, q: OpenItemsQuery) -> Result<Vec<OpenItem>, StoreError>;
    /// [`LedgerReads::open_items`] in `currency`, summed in the database: for a report that
    /// needs only the totals.
    async fn open_sums(&self, q: OpenItemsQuery, currency: Currency) -> Result<OpenSums, StoreError>;
    /// [`LedgerReads::open_sums`] on each of `days` as they stood then (each `historical`), in one
    /// pass over the open invoices and the applications since the earliest rather than one per
    /// day: what the weekly report's KPIs and trend read for a dozen past days.
    async fn open_sums_on(&self, days: &[NaiveDate], currency: Currency) -> Result<Vec<OpenSums>, StoreError>;
    /// Unpaid balance per job, `(job id, minor units)`, on the invoices in `currency` open
    /// today and issued by `as_of`: summed in the database.
    async fn open_by_job(&self, as_of: NaiveDate, currency: Currency) -> Result<Vec<(i64, i64)>, StoreError>;
    /// The jobs (not deleted) with money owed: [`LedgerReads::open_by_job`] joined to the jobs in
    /// one statement, each with its unpaid balance, in [`LedgerReads::jobs`]' order. The lien
    /// alerts read these rather than every job ever.
    async fn owing_jobs(&self, as_of: NaiveDate, currency: Currency)
    -> Result<Vec<(JobWithCustomer, i64)>, StoreError>;
    /// The jobs (not deleted) that need lien attention, in one statement, each with its unpaid
    /// balance as [`LedgerReads::owing_jobs`] gives it (0 when nothing is owed), in
    /// [`LedgerReads::jobs`]' order: every job with money owed, and every other job with a dated
    /// lien fact on or after `since` (first or last furnished or a notice of commencement
    /// recorded, as synced; a dated fact or a month of work set from chat, a month counting from
    /// its first day; a claim of lien recorded). A chat-set value not written the way chat writes
    /// it counts as recent. With `since` from [`crate::liens::reach_days`], the jobs left out
    /// have no deadline on or after `since + reach`: `/ar liens` and the warnings read these
    /// rather than every job ever.
    async fn lien_jobs(
        &self,
        as_of: NaiveDate,
        currency: Currency,
        since: NaiveDate,
    ) -> Result<Vec<(JobWithCustomer, i64)>, StoreError>;
    /// [`LedgerReads::open_items`] on `as_of` (rebuilt from later payments when `historical`),
    /// summed per group and currency in the database, in `cfg`'s buckets and basis: what
    /// [`crate::aging::aging`] adds up, for [`crate::aging::aging_of_sums`].
    async fn open_aging(
        &self,
        as_of: NaiveDate,
        historical: bool,
        cfg: &AgingConfig,
        by: GroupBy,
    ) -> Result<Vec<AgingSums>, StoreError>;
    /// The invoices open today, issued by `as_of`, in `currency`, with something due (balance
    /// beyond retainage held) and due in `[due_from, due_by]` (from any date when `due_from` is
    /// `None`): oldest due first, then the most due, then by invoice.
    async fn overdue_items(
        &self,
        as_of: NaiveDate,
        due_from: Option<NaiveDate>,
        due_by: NaiveDate,
        currency: Currency,
    ) -> Result<Vec<OverdueItem>, StoreError>;
    /// [`LedgerReads::overdue_items`] from any due date, as `/ar overdue` shows it: the first
    /// `limit` rows, and the count, customers, total due and what of it is more than 90 days past
    /// due on `as_of` over all of them, summed in the database rather than read row by row.
    async fn overdue_page(
        &self,
        as_of: NaiveDate,
        due_by: NaiveDate,
        currency: Currency,
        limit: usize,
    ) -> Result<OverduePage, StoreError>;
    /// Each customer with invoices open today and issued by `as_of` in `currency`, their open
    /// and disputed balances and what is past due on them and not in dispute, summed in the
    /// database (what the digest ranks accounts by).
    async fn overdue_by_customer(
        &self,
        as_of: NaiveDate,
        currency: Currency,
    ) -> Result<Vec<CustomerOverdue>, StoreError>;
    async fn invoices_numbered(&self, number: &str) -> Result<Vec<Invoice>, StoreError>;
    async fn applications_to_invoice(&self, invoice_id: i64) -> Result<Vec<AppliedAmount>, StoreError>;
    /// The customer's most recent payments, newest first, with their applications.
    async fn recent_payments(&self, customer_id: i64, limit: i64) -> Result<Vec<Payment>, StoreError>;
    async fn credits(&self, customer_id: Option<i64>, currency: Currency) -> Result<Credits, StoreError>;
    /// Payments received after `after` up to and including `until`, newest first.
    async fn payments_received(&self, after: NaiveDate, until: NaiveDate) -> Result<Vec<PaymentLine>, StoreError>;
    /// Sum of invoice totals issued in `[from, to]` in `currency` (credit sales, for DSO and CEI).
    async fn sales_between(&self, from: NaiveDate, to: NaiveDate, currency: Currency) -> Result<i64, StoreError>;
    /// [`LedgerReads::sales_between`] per day of `[from, to]` that had any, oldest first: a year
    /// of countback months for several days from one read.
    async fn sales_by_day(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        currency: Currency,
    ) -> Result<Vec<(NaiveDate, i64)>, StoreError>;
    /// Every invoice of the customer that is not deleted, oldest issued first (what a statement
    /// is built from).
    async fn customer_invoices(&self, customer_id: i64) -> Result<Vec<Invoice>, StoreError>;
    /// Every payment and credit applied to the customer's invoices, oldest first.
    async fn customer_applications(&self, customer_id: i64) -> Result<Vec<AppliedAmount>, StoreError>;
}

/// What the leadership reports read beyond the ledger's own reads: each query returns what its
/// report shows, aggregated in SQL where only sums are shown.
#[async_trait::async_trait]
pub trait ReportStore: Send + Sync {
    /// Payments received from `from` through `to`, with what each paid (cash applications to
    /// invoices, with their jobs); newest first.
    async fn payments_with_lines(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<crate::cash::PaymentReceived>, StoreError>;
    /// Cash received on `day` in `currency`: the sum and how many payments.
    async fn cash_received_on(&self, day: NaiveDate, currency: Currency) -> Result<(i64, i64), StoreError>;
    /// The first day any payment was received: how far back the ledger's history goes.
    async fn first_payment_received(&self) -> Result<Option<NaiveDate>, StoreError>;
    /// Invoices issued on or after `issued_from`, now paid, in `currency`: customer, due date and
    /// the day the last cash reached them (what each payer's history of paying is read from).
    async fn paid_invoices(
        &self,
        issued_from: NaiveDate,
        currency: Currency,
    ) -> Result<Vec<crate::cash::PaidInvoice>, StoreError>;
    /// Notes logged from `from` (inclusive) to `until` (exclusive), with their customer's name,
    /// oldest first: what the cash report's "Requested that day" counts.
    async fn notes_logged(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<(crate::collections::Note, String)>, StoreError>;
    /// Writes a day's aging snapshot with its rows in one transaction; `false` (and nothing
    /// written) when that day has one already.
    async fn save_snapshot(&self, snapshot: &crate::snapshots::Snapshot) -> Result<bool, StoreError>;
    /// The days from `from` through `to` with a snapshot, and whether each was rebuilt, oldest first.
    async fn snapshot_days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(NaiveDate, bool)>, StoreError>;
    /// The snapshot of `day`, if one was kept.
    async fn snapshot(&self, day: NaiveDate) -> Result<Option<crate::snapshots::Snapshot>, StoreError>;
    /// The snapshot of `day` with the rows of one dimension only, if one was kept: what a
    /// report that reads a day's totals or its customers reads (a customer's rows are a quarter
    /// of a snapshot's on a ledger with three jobs a customer).
    async fn snapshot_of(
        &self,
        day: NaiveDate,
        by: crate::aging::GroupBy,
    ) -> Result<Option<crate::snapshots::Snapshot>, StoreError>;
    /// The customers that are general contractors themselves (kind `gc`): who a job that names
    /// no GC is counted under in the weekly report's breakdown by GC.
    /// Each job (not deleted): its name, its customer's name and the GC named on it, three
    /// columns per job rather than the whole job, for naming the GC of a report's job rows.
    async fn job_gc_names(&self) -> Result<Vec<(String, String, Option<String>)>, StoreError>;
    async fn general_contractor_ids(&self) -> Result<Vec<i64>, StoreError>;
    /// What the month-end close pack reads of the ledger for the month `from` through `to`, in
    /// `currency`: the invoices issued in it, every application made in it (cash and credit
    /// memos), the retainage-holding invoices those applications reached, the payments and
    /// credit memos with money on account at its end, and the balance at its end of every invoice
    /// ever disputed. Balances at the end are rebuilt as `/ar aging as-of` rebuilds them.
    async fn close_ledger(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        currency: Currency,
    ) -> Result<crate::close::CloseLedger, StoreError>;
    /// Where each KPI guardrail stands (none for one that never crossed).
    async fn guardrail_states(&self) -> Result<Vec<crate::guardrails::GuardrailState>, StoreError>;
    /// Moves a guardrail from its transition `seq` (0: it never crossed) to `seq + 1`, breached
    /// or recovered on `on`. False, and nothing written, when it is no longer at `seq` (another
    /// instance moved it first).
    async fn move_guardrail(
        &self,
        guardrail: &str,
        seq: i64,
        breached: bool,
        on: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Each bank account's current balance (the float watch's), largest first.
    async fn bank_balances(&self) -> Result<Vec<crate::float::BankBalance>, StoreError>;
    /// Sets an account's balance from chat (audited, once per `by.key`); returns the one it
    /// replaced.
    async fn set_bank_balance(
        &self,
        balance: &crate::float::BankBalance,
        by: &crate::audit::Author,
        at: DateTime<Utc>,
    ) -> Result<crate::audit::Recorded<Option<crate::float::BankBalance>>, StoreError>;
    /// Forgets an account's balance (audited, once per `by.key`); returns the one it removed,
    /// `None` when there was none.
    async fn remove_bank_balance(
        &self,
        account: &str,
        by: &crate::audit::Author,
        at: DateTime<Utc>,
    ) -> Result<crate::audit::Recorded<Option<crate::float::BankBalance>>, StoreError>;
    /// Records the balances a sync read from `source`, in one transaction: each replaces its
    /// account's balance unless that one is newer (a later day, or the same day set later), and
    /// `source`'s accounts it no longer lists are forgotten. Answers how many it wrote.
    async fn record_bank_balances(
        &self,
        source: &str,
        balances: &[crate::float::BankBalance],
    ) -> Result<usize, StoreError>;
}

/// arbot's own collections record: notes, promises, disputes, and jobs' lien facts and notices.
/// A write a person makes takes its [`Author`] and writes its audit record in the same
/// transaction; under a key already recorded it changes nothing and answers
/// [`Recorded::Already`].
#[async_trait::async_trait]
pub trait CollectionsStore: Send + Sync {
    async fn add_note(&self, note: &NewNote, by: &Author) -> Result<Recorded<i64>, StoreError>;
    /// Notes asking for a follow-up on a day after `after` up to and including `until`, newest
    /// first, with their customer's name.
    async fn follow_ups(&self, after: NaiveDate, until: NaiveDate) -> Result<Vec<(Note, String)>, StoreError>;
    async fn notes_for_customer(&self, customer_id: i64, limit: i64) -> Result<Vec<Note>, StoreError>;
    /// When each customer was last contacted (their newest note).
    async fn last_contacts(&self) -> Result<Vec<(i64, DateTime<Utc>)>, StoreError>;
    async fn add_promise(&self, promise: &NewPromise, by: &Author) -> Result<Recorded<i64>, StoreError>;
    /// Writes a team's collections log in one transaction: each row with its own audit record
    /// under the row's key (a row whose key was recorded before is counted as already there and
    /// written again never), then `summary`, the import's own record. All or nothing.
    async fn import_log(
        &self,
        rows: &[LogRow],
        by: &Author,
        at: DateTime<Utc>,
        summary: &Change,
    ) -> Result<LogTally, StoreError>;
    /// Cancels an open promise; `New(false)` when there is no open promise with that id.
    async fn cancel_promise(&self, id: i64, by: &Author, at: DateTime<Utc>) -> Result<Recorded<bool>, StoreError>;
    /// Cash (not credit memos) applied to invoices on or after `from`, of one customer or all,
    /// oldest first: what [`crate::collections::Promise::outcome`] judges promises by.
    async fn cash_applied(&self, customer_id: Option<i64>, from: NaiveDate) -> Result<Vec<CashApplied>, StoreError>;
    /// The customer's promises, newest logged first.
    async fn promises_for_customer(&self, customer_id: i64) -> Result<Vec<Promise>, StoreError>;
    /// Promises due on or after `from`, with their customer's name, soonest first.
    async fn promises_from(&self, from: NaiveDate) -> Result<Vec<(Promise, String)>, StoreError>;
    /// Records a payment plan with its installments; returns its id.
    async fn add_plan(&self, plan: &NewPlan, by: &Author) -> Result<Recorded<i64>, StoreError>;
    /// Cancels an open plan; `New(false)` when there is no open plan with that id.
    async fn cancel_plan(&self, id: i64, by: &Author, at: DateTime<Utc>) -> Result<Recorded<bool>, StoreError>;
    /// The customer's payment plans, newest agreed first.
    async fn plans_for_customer(&self, customer_id: i64) -> Result<Vec<PaymentPlan>, StoreError>;
    /// The plans (cancelled ones included) with an installment due from `from` through `until`,
    /// whole, with their customer's name, oldest agreed first. With the cash applied,
    /// [`crate::collections::installments_due`] lists those installments and their outcome.
    async fn plans_due(&self, from: NaiveDate, until: NaiveDate) -> Result<Vec<(PaymentPlan, String)>, StoreError>;
    async fn open_dispute(&self, dispute: &NewDispute, by: &Author) -> Result<Recorded<i64>, StoreError>;
    /// Resolves the open dispute of an invoice; `New(None)` when it has none.
    async fn resolve_dispute(
        &self,
        invoice_id: i64,
        outcome: &str,
        note: Option<&str>,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<i64>>, StoreError>;
    /// Disputes, oldest first: the open ones only, or all; of one invoice, or all.
    async fn disputes(&self, open_only: bool, invoice_id: Option<i64>) -> Result<Vec<Dispute>, StoreError>;
    /// Sets (or replaces) a lien fact for a job, as typed in chat; answers the value it replaced
    /// (the audit record keeps both).
    async fn set_job_fact(
        &self,
        job_id: i64,
        fact: &str,
        value: &str,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<String>>, StoreError>;
    /// The lien facts set from chat for a job, by fact name.
    async fn job_facts(&self, job_id: i64) -> Result<Vec<(String, String)>, StoreError>;
    /// Records a notice served or a lien recorded; returns its id.
    async fn add_job_notice(&self, notice: &JobNotice, by: &Author) -> Result<Recorded<i64>, StoreError>;
    async fn job_notices(&self, job_id: i64) -> Result<Vec<JobNotice>, StoreError>;
    /// Every job's lien facts set from chat, `(job id, fact, value)`, by job then fact: one
    /// statement for a report over all jobs.
    async fn all_job_facts(&self) -> Result<Vec<(i64, String, String)>, StoreError>;
    /// Every job's notices, by job, each job's in [`CollectionsStore::job_notices`]'s order.
    async fn all_job_notices(&self) -> Result<Vec<JobNotice>, StoreError>;
}

/// The audit trail (written by the audited writes themselves; see [`crate::audit`]).
#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    /// Audit records, newest first: every change, or one customer's (its jobs' included), or one
    /// job's.
    async fn audit_trail(&self, q: AuditQuery) -> Result<Vec<AuditEntry>, StoreError>;
    /// Whether a request with this idempotency key already recorded `action` (a retried Discord
    /// interaction): answered before the checks that the first delivery's record would now fail.
    async fn recorded(&self, key: &str, action: &str) -> Result<bool, StoreError>;
}

/// Chat operations: scheduled runs, the outbox, escalations, leadership.
#[async_trait::async_trait]
pub trait ChatOpsStore: Send + Sync {
    /// Claims the run of `job` scheduled for `scheduled_for`. True when this caller now owns it:
    /// nobody had claimed it, or its claim is still `running` from before `stale_before` (its
    /// owner died). Exactly one caller wins, across instances.
    async fn claim_run(
        &self,
        job: &str,
        scheduled_for: DateTime<Utc>,
        instance: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Records how a claimed run ended: done, failed or skipped.
    async fn finish_run(
        &self,
        job: &str,
        scheduled_for: DateTime<Utc>,
        status: RunStatus,
        detail: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The most recent runs of a job, newest first.
    async fn runs(&self, job: &str, limit: i64) -> Result<Vec<ScheduledRun>, StoreError>;

    /// Queues a post under an idempotency key. False (and nothing written) when the key is
    /// already queued or sent.
    async fn enqueue(&self, key: &str, kind: &str, payload: &str, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Claims up to `limit` posts to deliver now: pending ones whose time has come, and ones
    /// left `sending` since before `stale_before` by an instance that died. Each is claimed by
    /// exactly one caller.
    async fn claim_outbox(
        &self,
        instance: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, StoreError>;
    /// Records what became of a claimed post.
    async fn settle_outbox(&self, id: i64, delivery: &Delivery, at: DateTime<Utc>) -> Result<(), StoreError>;
    async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError>;
    /// Records how far an attempt got (JSON) before a step that cannot be looked for afterwards
    /// (handing an email to the mail server), so a crash right after it is known to be in doubt.
    async fn mark_outbox_progress(&self, id: i64, progress: &str) -> Result<(), StoreError>;
    /// A post by key: its status and where it landed.
    async fn outbox_status(&self, key: &str) -> Result<Option<(String, Option<String>)>, StoreError>;

    /// Opens an escalation, or returns the one already open for that account (and job); the
    /// flag says whether it is new.
    async fn open_escalation(&self, e: &NewEscalation, by: &Author) -> Result<(Escalation, bool), StoreError>;
    async fn escalation(&self, id: i64) -> Result<Option<Escalation>, StoreError>;
    /// Escalations not yet resolved, oldest first.
    async fn open_escalations(&self) -> Result<Vec<Escalation>, StoreError>;
    /// Records where parts of an escalation landed in chat (only the fields given).
    async fn record_escalation_posts(&self, id: i64, posts: &EscalationPosts) -> Result<(), StoreError>;
    /// Applies a person's action and logs it (and its audit record), once per `by.key` (a
    /// redelivered click is recorded once). `None` when there is no such escalation. A resolved escalation stays
    /// resolved.
    async fn act_on_escalation(
        &self,
        id: i64,
        action: &EscalationAction,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Option<Escalation>, StoreError>;
    /// Moves an open escalation up to `to` (PM → manager → legal) with a reason, logs it and its
    /// audit record (before and after level), once per `by.key`. The level it moved from, or
    /// `None` when nothing moved (resolved, already there or higher, or a redelivery). `None`
    /// overall when there is no such escalation.
    async fn move_escalation(
        &self,
        id: i64,
        to: EscalationLevel,
        reason: &str,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Option<(Escalation, Option<EscalationLevel>)>, StoreError>;
    async fn escalation_events(&self, id: i64) -> Result<Vec<EscalationEvent>, StoreError>;

    /// Tries to become the one instance that leads `role` (holds the chat gateway). On
    /// PostgreSQL an advisory lock held on its own connection, released when that connection
    /// closes (the instance stopped or died); on SQLite a lock on a file beside the database.
    async fn try_lead(&self, role: &str) -> Result<Option<Box<dyn Leadership>>, StoreError>;
}

/// Connections and credentials (connectors): what the token manager and the sync engine need.
/// Email to customers: where to write, and accounts set aside.
#[async_trait::async_trait]
pub trait MailStore: Send + Sync {
    /// Sets a customer's billing email (audited, once per `by.key`); returns the one it replaced.
    async fn set_contact_email(
        &self,
        customer_id: i64,
        email: &str,
        source: &str,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<String>>, StoreError>;
    /// Sets a customer's postal (billing) address, its lines joined by newlines (audited, once
    /// per `by.key`); returns the one it replaced.
    async fn set_contact_address(
        &self,
        customer_id: i64,
        address: &str,
        source: &str,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<String>>, StoreError>;
    async fn contact(&self, customer_id: i64) -> Result<Option<crate::mail::CustomerContact>, StoreError>;
    /// Keeps reminders away from an account through `until` (audited, once per `by.key`).
    async fn hold_reminders(
        &self,
        customer_id: i64,
        until: NaiveDate,
        reason: &str,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<i64>, StoreError>;
    /// The hold in force on `on`, if any: its last day and reason.
    async fn reminder_hold(&self, customer_id: i64, on: NaiveDate) -> Result<Option<(NaiveDate, String)>, StoreError>;
    /// Lifts every hold in force on `on` (they end the day before; audited, once per `by.key`):
    /// the last day and reason of the one that was in force, `None` when none was.
    async fn lift_reminder_hold(
        &self,
        customer_id: i64,
        on: NaiveDate,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<(NaiveDate, String)>>, StoreError>;
    /// Queues a reminder email under `key` and records what it asks of each invoice, in one
    /// transaction; false (and nothing written) when an email with this key was queued before.
    #[allow(clippy::too_many_arguments)]
    async fn enqueue_reminder(
        &self,
        key: &str,
        kind: &str,
        payload: &str,
        customer_id: i64,
        day: NaiveDate,
        lines: &[crate::mail::AskedLine],
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// What the account's queued reminders asked of each invoice (one row per invoice: the
    /// furthest stage and the latest day), leaving out reminders the mail server refused for good.
    async fn reminded(&self, customer_id: i64) -> Result<Vec<crate::mail::Reminded>, StoreError>;
    /// Records a person's choice about an account's reminder on `day` (audited, once per
    /// `by.key`); a later choice the same day replaces it.
    async fn set_reminder_choice(
        &self,
        customer_id: i64,
        day: NaiveDate,
        choice: &crate::mail::ReminderChoice,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<()>, StoreError>;
    async fn reminder_choice(
        &self,
        customer_id: i64,
        day: NaiveDate,
    ) -> Result<Option<crate::mail::ReminderChoice>, StoreError>;

    /// Keeps a drafted letter and its PDF (audited, once per `by.key`); its id.
    async fn add_letter(&self, letter: &crate::letters::NewLetter, by: &Author) -> Result<Recorded<i64>, StoreError>;
    async fn letter(&self, id: i64) -> Result<Option<crate::letters::Letter>, StoreError>;
    /// The PDF a letter was drafted as.
    async fn letter_pdf(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Letters newest first, of one customer or of everyone.
    async fn letters(&self, customer_id: Option<i64>, limit: i64) -> Result<Vec<crate::letters::Letter>, StoreError>;
    /// Records how letter `id` went and logs `note` on the account, in one transaction (audited,
    /// once per `by.key`); a later record replaces an earlier one. The way recorded before, if
    /// any.
    async fn record_letter_sent(
        &self,
        id: i64,
        sent: &crate::letters::Sent,
        note: &NewNote,
        by: &Author,
        at: DateTime<Utc>,
    ) -> Result<Recorded<Option<crate::letters::Sent>>, StoreError>;
}

/// Preliminary notices and Notices to Owner drafted for jobs ([`crate::notices`]).
#[async_trait::async_trait]
pub trait NoticeStore: Send + Sync {
    /// Keeps a drafted notice and its PDF (audited, once per `by.key`); its id.
    async fn add_notice_draft(
        &self,
        draft: &crate::notices::NewNoticeDraft,
        by: &Author,
    ) -> Result<Recorded<i64>, StoreError>;
    /// A job's drafted notices, newest first.
    async fn notice_drafts(&self, job_id: i64) -> Result<Vec<crate::notices::StoredNotice>, StoreError>;
    /// The PDF a notice was drafted as.
    async fn notice_pdf(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError>;
}

/// Lien waivers per job and pay application, the payments counted toward them, and their drafts
/// ([`crate::waivers`]).
#[async_trait::async_trait]
pub trait WaiverStore: Send + Sync {
    /// Records a pay application's waiver with the payments already counted toward it (audited,
    /// once per `by.key`); its id. A second waiver for the same job and pay application is refused
    /// by the database: look it up first with [`WaiverStore::waivers`].
    async fn add_waiver(
        &self,
        waiver: &crate::waivers::NewWaiver,
        payments: &[crate::waivers::Allocation],
        by: &Author,
    ) -> Result<Recorded<i64>, StoreError>;
    /// Moves a waiver on from `from` (its status when read), adding the payments counted toward
    /// it, in one transaction (audited, once per `by.key`). `Already` when the key was recorded
    /// or the waiver is no longer where it was read (another instance moved it first).
    async fn update_waiver(
        &self,
        update: &crate::waivers::WaiverUpdate,
        from: crate::waivers::Status,
        by: &Author,
    ) -> Result<Recorded<()>, StoreError>;
    /// Waivers of one job or of every job, oldest first; with `outstanding`, only those not yet
    /// settled by an unconditional waiver.
    async fn waivers(&self, job_id: Option<i64>, outstanding: bool) -> Result<Vec<crate::waivers::Waiver>, StoreError>;
    /// The payments counted toward a job's waivers so far.
    async fn waiver_payments(&self, job_id: i64) -> Result<Vec<crate::waivers::Allocation>, StoreError>;
    /// Cash applied to a job's invoices by payments received on or after `from` (credit memos
    /// and deleted payments left out), by payment and invoice.
    async fn job_applications(
        &self,
        job_id: i64,
        from: NaiveDate,
    ) -> Result<Vec<crate::waivers::JobApplication>, StoreError>;
    /// Keeps a drafted waiver and its PDF (audited, once per `by.key`); its id.
    async fn add_waiver_draft(
        &self,
        draft: &crate::waivers::NewWaiverDraft,
        by: &Author,
    ) -> Result<Recorded<i64>, StoreError>;
    /// A waiver's drafts, newest first.
    async fn waiver_drafts(&self, waiver_id: i64) -> Result<Vec<crate::waivers::StoredWaiverDraft>, StoreError>;
    /// The PDF a waiver was drafted as.
    async fn waiver_pdf(&self, draft_id: i64) -> Result<Option<Vec<u8>>, StoreError>;
}

#[async_trait::async_trait]
pub trait ConnectionStore: Send + Sync {
    /// The stored connection of a source, if any.
    async fn connection(&self, source: &str) -> Result<Option<Connection>, StoreError>;
    /// Stores sealed tokens. With `expected`, only if the stored token version is still that one
    /// (compare-and-swap); returns the new version, or `None` when another writer saved first.
    async fn save_tokens(
        &self,
        source: &str,
        kind: &str,
        sealed: &[u8],
        expected: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError>;
    /// Records where a source's connection stands (created if missing).
    async fn set_connection_status(
        &self,
        source: &str,
        status: &ConnectionStatus,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Takes the lease on refreshing a source's tokens for `holder` until `until_ms` (unix
    /// milliseconds), unless another holder has one that has not expired at `now_ms`. True when
    /// `holder` now holds it. Refreshes in different processes take turns through it, so a
    /// rotating refresh token is spent once. False, too, when the source has no connection row.
    async fn take_refresh_lease(
        &self,
        source: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Gives the lease back (if `holder` still has it).
    async fn release_refresh_lease(&self, source: &str, holder: &str) -> Result<(), StoreError>;
}

/// How arbot holds an invoice: its stored status and balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InvoiceState {
    pub status: InvoiceStatus,
    pub balance_minor: i64,
}

/// An invoice's stored status (`invoices.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InvoiceStatus {
    Open,
    Paid,
    Void,
    Deleted,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Open => "open",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Void => "void",
            InvoiceStatus::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> InvoiceStatus {
        match s {
            "open" => InvoiceStatus::Open,
            "void" => InvoiceStatus::Void,
            "deleted" => InvoiceStatus::Deleted,
            _ => InvoiceStatus::Paid,
        }
    }
}

/// A synced invoice as a reconcile compares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldInvoice {
    pub external_id: String,
    pub number: String,
    pub currency: Currency,
    pub state: InvoiceState,
}

/// An invoice a reconcile found drifted and repaired: how arbot held it before (`None`: not at
/// all) and after reading it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileFix {
    pub external_id: String,
    pub number: String,
    pub currency: Currency,
    pub before: Option<InvoiceState>,
    pub after: InvoiceState,
}

/// A reconcile run that has not finished: where to resume it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileRun {
    pub id: i64,
    pub source: String,
    pub started_at: DateTime<Utc>,
    /// Where the source's listing resumes (`None`: at its start, or it is complete).
    pub cursor: Option<String>,
    /// The listing is complete; what remains is comparing and repairing.
    pub listed: bool,
}

/// The reconcile's own records: runs, what the source listed, what was repaired (see
/// [`crate::reconcile`]), and the synced invoices it compares.
#[async_trait::async_trait]
pub trait ReconcileStore: Send + Sync {
    /// The not-deleted invoices of `source` held open.
    async fn open_invoices_held(&self, source: &str) -> Result<Vec<HeldInvoice>, StoreError>;
    /// These invoices of `source`, whatever their status (those not held are left out).
    async fn invoices_held(&self, source: &str, external_ids: &[String]) -> Result<Vec<HeldInvoice>, StoreError>;
    /// The latest unfinished reconcile of `source` started at or after `since`, to resume.
    async fn unfinished_reconcile(
        &self,
        source: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<ReconcileRun>, StoreError>;
    /// Starts a reconcile run; returns its id. Unfinished earlier runs of the source are marked
    /// failed (abandoned).
    async fn start_reconcile(&self, source: &str, sync_run: i64, at: DateTime<Utc>) -> Result<i64, StoreError>;
    /// Records the sync run (history row) of a resumed attempt.
    async fn resume_reconcile(&self, run: i64, sync_run: i64) -> Result<(), StoreError>;
    /// Stores one page of the listing and where the next starts (`None`: the listing is
    /// complete), in one transaction.
    async fn record_listing(&self, run: i64, invoices: &[OpenInvoice], next: Option<&str>) -> Result<(), StoreError>;
    /// What the source listed so far.
    async fn listed_invoices(&self, run: i64) -> Result<Vec<OpenInvoice>, StoreError>;
    /// Stores repaired invoices (replacing earlier rows for the same invoice).
    async fn record_fixes(&self, run: i64, fixes: &[ReconcileFix]) -> Result<(), StoreError>;
    /// Every invoice the run repaired, by number.
    async fn reconcile_fixes(&self, run: i64) -> Result<Vec<ReconcileFix>, StoreError>;
    /// Ends a run (done or failed); a done run's listing is dropped.
    async fn finish_reconcile(
        &self,
        run: i64,
        status: RunStatus,
        at: DateTime<Utc>,
        detail: Option<&str>,
    ) -> Result<(), StoreError>;
}

/// Opens the store named by `url` (`sqlite://…`, a bare file path, or `postgres://…`). A SQLite
/// file is created if missing. Does not migrate; see [`open_and_migrate`].
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    let bare = url.trim();
    if bare.is_empty() || bare == "sqlite:" || bare == "sqlite://" {
        return Err(StoreError::EmptyUrl);
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else if url.starts_with("sqlite:") || !url.contains("://") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact(url)))
    }
}

/// Opens the store and brings its schema up to date.
pub async fn open_and_migrate(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    let store = open(url).await?;
    store.migrate().await?;
    Ok(store)
}

/// The highest migration version this build knows, per backend.
pub(crate) fn known_version(migrator: &sqlx::migrate::Migrator) -> i64 {
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Stable 64-bit FNV-1a, for content hashes stored in the database (std's hasher may change
/// between Rust releases; this must not).
#[derive(Debug)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

pub(crate) fn content_hash<T: std::hash::Hash>(value: &T) -> i64 {
    use std::hash::Hasher;
    let mut h = Fnv::default();
    value.hash(&mut h);
    h.finish() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://ar:s3cret@db.local/arbot"), "postgres://ar:***@db.local/arbot");
        assert_eq!(redact("postgres://ar@db.local/arbot"), "postgres://ar@db.local/arbot");
        assert_eq!(redact("sqlite://arbot.db"), "sqlite://arbot.db");
    }

    #[test]
    fn content_hash_is_stable() {
        // Stored in databases: if this changes, every row looks "updated" on the next sync.
        // FNV-1a over "Acme", 0xff (str terminator) and 12 as little-endian i64, computed independently (Python).
        assert_eq!(content_hash(&("Acme", 12i64)), -6_159_638_707_211_263_556);
        assert_ne!(content_hash(&("Acme", 12i64)), content_hash(&("Acme", 13i64)));
    }
}
