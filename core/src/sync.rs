//! The sync engine: pulls every entity of a [`Source`] page by page after its stored watermark
//! and writes each page, with the watermark it earns, in one transaction
//! ([`SyncStore::apply_page`](crate::store::SyncStore::apply_page)). A failure leaves every
//! committed page in place and the watermark at the last committed page, so the next run resumes
//! there; nothing is half-written.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::clock::Clock;
use crate::source::{Deletion, Entity, Page, Record, Source, SourceError, Version};
use crate::store::{ConnectionStatus, PageStats, RunStatus, Store, StoreError, SyncRun};

/// What happened to one entity in a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EntityReport {
    pub entity: Entity,
    pub pages: u64,
    pub stats: PageStats,
}

/// The outcome of syncing one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub source: String,
    pub run_id: i64,
    pub full: bool,
    pub entities: Vec<EntityReport>,
    #[serde(with = "duration_ms")]
    pub elapsed: Duration,
    /// Earlier runs of this source whose process died before they finished, found and marked
    /// interrupted as this run began.
    pub interrupted: Vec<SyncRun>,
    /// The bank balances read after the records (for the float watch), from a source that
    /// serves them; `None` from one that does not.
    pub bank: Option<BankRead>,
}

/// How reading a source's bank balances went. A failure here does not fail the sync: the
/// records are in, and the float watch keeps the balances it had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BankRead {
    Read { accounts: usize },
    Failed { reason: String },
}

impl SyncReport {
    pub fn totals(&self) -> PageStats {
        let mut t = PageStats::default();
        for e in &self.entities {
            t += e.stats;
        }
        t
    }

    /// Invoices this sync found paid off, whichever pass read them: a vendor that changes an
    /// invoice's balance without touching the invoice (QuickBooks) shows it to the payments pass,
    /// which reads the invoice again.
    pub fn invoices_paid_off(&self) -> u64 {
        self.totals().closed
    }
}

mod duration_ms {
    pub fn serialize<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
}

/// Progress, reported after every page so a terminal can draw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub entity: Entity,
    pub pages: u64,
    /// Records of this entity read so far, deletions included (not the records that come with
    /// them: the invoices a payment page reads again, a credit note's applications).
    pub records: u64,
    /// How many the source expects the pass to read in all, when it said
    /// ([`Page::expected_total`]): an estimate.
    pub expected_total: Option<u64>,
    /// The entity's pass is over: `records` is all there was.
    pub done: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The source failed; the pages before the failure are committed (`partial`).
    #[error("{error}")]
    Source { error: SourceError, partial: SyncReport },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Syncs one source. `full` ignores stored watermarks and re-reads everything (idempotently).
///
/// Besides the pages themselves, the engine:
/// - re-reads (through [`Source::fetch_by_ids`]) the invoices that a changed, new or deleted
///   payment applies to, or applied to before, and writes them with that payment page, because a
///   vendor may change an invoice's balance without moving the invoice's own timestamp; invoices
///   this run already read after the payment changed are not read again;
/// - on the last page of a [`Page::complete`] pass, marks the stored invoices, credit memos and
///   payments the pass did not deliver as deleted, in the same transaction;
/// - records the source's [`ConnectionStatus`]: rate limited until a time, needing reconnection,
///   or ok; and does not call a source that asked to be left alone until a time still ahead.
pub async fn sync_source(
    store: &dyn Store,
    source: &dyn Source,
    clock: &dyn Clock,
    full: bool,
    mut progress: impl FnMut(Progress) + Send,
) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let name = source.name().to_string();
    // A run of this source whose process died would otherwise stay `running` for ever.
    let interrupted = store.interrupt_dead_sync_runs(Some(&name), clock.now()).await?;
    for run in &interrupted {
        tracing::warn!(source = %name, run = run.id, started_at = %run.started_at, "an earlier sync did not finish: its process stopped");
    }
    let run_id = store.start_sync_run(&name, clock.now()).await?;
    let mut report = SyncReport {
        source: name.clone(),
        run_id,
        full,
        entities: Vec::new(),
        elapsed: Duration::ZERO,
        interrupted,
        bank: None,
    };
    let previous = store.connection(&name).await?.map(|c| c.status);
    if let Some(error) = still_rate_limited(previous.as_ref(), &name, clock.now()) {
        store.finish_sync_run(run_id, clock.now(), RunStatus::Failed, Some(&error.to_string())).await?;
        return Err(SyncError::Source { error, partial: report });
    }
    // The invoices this run has read, and the source's time when it began reading them.
    let mut invoices_read: Option<InvoicesRead> = None;
    for &entity in source.entities() {
        let since = if full { None } else { store.watermark(&name, entity).await? };
        let mut entry = EntityReport { entity, pages: 0, stats: PageStats::default() };
        let mut records = 0u64;
        let mut expected_total: Option<u64> = None;
        let mut pass_started: Option<DateTime<Utc>> = None;
        let mut delivered: HashSet<String> = HashSet::new();
        // While a page is written, the next one is already being read: the source's network
        // and parsing overlap the database's work. A page is still committed only after the
        // pages before it, with its own watermark.
        let mut fetched =
            fetch_page(store, source, &name, entity, since.as_deref(), None, invoices_read.as_ref()).await;
        loop {
            let (mut page, records_in_page) = match fetched {
                Ok(p) => p,
                Err(ExtraError::Store(e)) => return Err(fail(store, run_id, clock, e).await),
                Err(ExtraError::Source(error)) => {
                    report.entities.push(entry);
                    report.elapsed = started.elapsed();
                    let detail = error.to_string();
                    store.finish_sync_run(run_id, clock.now(), RunStatus::Failed, Some(&detail)).await?;
                    if let Some(status) = status_after(&error) {
                        store.set_connection_status(&name, &status, clock.now()).await?;
                    }
                    return Err(SyncError::Source { error, partial: report });
                }
            };
            if entry.pages == 0 {
                pass_started = page.served_at;
            }
            if page.expected_total.is_some() {
                expected_total = page.expected_total;
            }
            if entity == Entity::Invoice || page.complete {
                delivered.extend(page.records.iter().filter_map(|r| own_id(r, entity)));
            }
            if page.complete && page.next.is_none() && RECONCILED.contains(&entity) {
                let stored = match store.live_external_ids(&name, entity).await {
                    Ok(ids) => ids,
                    Err(e) => return Err(fail(store, run_id, clock, e).await),
                };
                let at = pass_started.unwrap_or_else(|| clock.now());
                page.records.extend(
                    stored
                        .into_iter()
                        .filter(|id| !delivered.contains(id))
                        .map(|id| Record::Deleted(Deletion { entity, external_id: id, version: Version::at(at) })),
                );
            }
            let write = store.apply_page(run_id, &name, entity, &page.records, page.watermark.as_deref());
            let last = page.next.is_none();
            let (applied, next) = match page.next.as_deref() {
                Some(next) => {
                    let read =
                        fetch_page(store, source, &name, entity, since.as_deref(), Some(next), invoices_read.as_ref());
                    let (applied, read) = tokio::join!(write, read);
                    (applied, Some(read))
                }
                None => (write.await, None),
            };
            let stats = match applied {
                Ok(stats) => stats,
                Err(e) => return Err(fail(store, run_id, clock, e).await),
            };
            entry.pages += 1;
            entry.stats += stats;
            records += records_in_page as u64;
            progress(Progress { entity, pages: entry.pages, records, expected_total, done: last });
            match next {
                Some(n) => fetched = n,
                None => break,
            }
        }
        if entity == Entity::Invoice {
            invoices_read = Some(InvoicesRead { since: pass_started, ids: std::mem::take(&mut delivered) });
        }
        report.entities.push(entry);
    }
    report.bank = read_bank_balances(store, source, clock).await?;
    report.elapsed = started.elapsed();
    store.finish_sync_run(run_id, clock.now(), RunStatus::Done, None).await?;
    // A first sync or a large import changes what the planners should expect: fresh statistics
    // (PostgreSQL's autovacuum may be off). Reports still work without them, only slower.
    let t = report.totals();
    if t.new + t.updated >= ANALYZE_AFTER
        && let Err(e) = store.analyze().await
    {
        tracing::warn!(error = %e, "could not refresh the planner statistics after a large sync");
    }
    if previous.is_some_and(|s| s != ConnectionStatus::Ok) {
        store.set_connection_status(&name, &ConnectionStatus::Ok, clock.now()).await?;
    }
    Ok(report)
}

/// Reads the source's bank balances, where it serves them, and records them for the float watch.
async fn read_bank_balances(
    store: &dyn Store,
    source: &dyn Source,
    clock: &dyn Clock,
) -> Result<Option<BankRead>, StoreError> {
    if !source.serves_bank_balances() {
        return Ok(None);
    }
    match source.bank_balances(clock.today()).await {
        Ok(accounts) => {
            let now = clock.now();
            let balances: Vec<crate::float::BankBalance> = accounts
                .into_iter()
                .map(|a| crate::float::BankBalance {
                    account: a.name,
                    source: source.name().to_string(),
                    balance: a.balance,
                    as_of: a.as_of,
                    set_by: None,
                    recorded_at: now,
                })
                .collect();
            store.record_bank_balances(source.name(), &balances).await?;
            Ok(Some(BankRead::Read { accounts: balances.len() }))
        }
        Err(e) => {
            tracing::warn!(source = %source.name(), error = %e, "could not read the bank balances");
            Ok(Some(BankRead::Failed { reason: e.to_string() }))
        }
    }
}

/// Records written by one sync above which the planner statistics are refreshed.
pub const ANALYZE_AFTER: u64 = 10_000;

/// The entities a complete pass reconciles. Customers and jobs are never deleted by a vendor
/// (they are made inactive), and a placeholder customer must not vanish under its invoices.
const RECONCILED: [Entity; 3] = [Entity::Invoice, Entity::CreditMemo, Entity::Payment];

/// The invoices read by this run's invoice pass.
#[derive(Debug)]
struct InvoicesRead {
    /// The source's time when the pass began, if it says.
    since: Option<DateTime<Utc>>,
    ids: HashSet<String>,
}

enum ExtraError {
    Store(StoreError),
    Source(SourceError),
}

/// The external id of a record of `entity` (deletions excluded).
fn own_id(r: &Record, entity: Entity) -> Option<String> {
    match (r, entity) {
        (Record::Invoice(i), Entity::Invoice) => Some(i.external_id.clone()),
        (Record::CreditMemo(m), Entity::CreditMemo) => Some(m.external_id.clone()),
        (Record::Payment(p), Entity::Payment) => Some(p.external_id.clone()),
        _ => None,
    }
}

/// Whether a record counts toward an entity's progress: one of its own records or deletions
/// (a QuickBooks sub-customer read with the customers is a job).
fn counts_toward(r: &Record, entity: Entity) -> bool {
    let of = match r {
        Record::Customer(_) => Entity::Customer,
        Record::Job(_) => Entity::Job,
        Record::Invoice(_) => Entity::Invoice,
        Record::CreditMemo(_) => Entity::CreditMemo,
        Record::Payment(_) => Entity::Payment,
        Record::Deleted(d) => d.entity,
    };
    of == entity || (entity == Entity::Customer && of == Entity::Job)
}

/// Reads a page, with the invoices its payments touch; returns it and how many of its records
/// count toward the entity's progress.
/// The error a source still rate-limited at `now` gives, without asking it (its connection
/// recorded the limit and when it ends).
pub(crate) fn still_rate_limited(
    previous: Option<&ConnectionStatus>,
    name: &str,
    now: DateTime<Utc>,
) -> Option<SourceError> {
    match previous {
        Some(ConnectionStatus::RateLimited { until, reason }) if *until > now => {
            Some(SourceError::RateLimited { source_name: name.to_string(), retry_at: *until, reason: reason.clone() })
        }
        _ => None,
    }
}

/// Where a source's connection stands after this failure, when the failure says.
pub(crate) fn status_after(error: &SourceError) -> Option<ConnectionStatus> {
    match error {
        SourceError::RateLimited { retry_at, reason, .. } => {
            Some(ConnectionStatus::RateLimited { until: *retry_at, reason: reason.clone() })
        }
        SourceError::NeedsReconnect { reason, .. } => Some(ConnectionStatus::NeedsReconnect { reason: reason.clone() }),
        _ => None,
    }
}

async fn fetch_page(
    store: &dyn Store,
    source: &dyn Source,
    name: &str,
    entity: Entity,
    since: Option<&str>,
    cursor: Option<&str>,
    read: Option<&InvoicesRead>,
) -> Result<(Page, usize), ExtraError> {
    let mut page = source.fetch(entity, since, cursor).await.map_err(ExtraError::Source)?;
    let own = page.records.iter().filter(|r| counts_toward(r, entity)).count();
    let extra = extra_records(store, source, name, entity, &page, read).await?;
    page.records.extend(extra);
    Ok((page, own))
}

/// The invoices to read again with a payment page: those its payments apply to now or applied
/// to before (stored applications), unless this run read them after the payment last changed.
async fn extra_records(
    store: &dyn Store,
    source: &dyn Source,
    name: &str,
    entity: Entity,
    page: &Page,
    read: Option<&InvoicesRead>,
) -> Result<Vec<Record>, ExtraError> {
    if entity != Entity::Payment {
        return Ok(Vec::new());
    }
    // Invoice -> the latest change of a payment touching it.
    let mut wanted: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    let mut payments: Vec<(&str, DateTime<Utc>)> = Vec::new();
    for r in &page.records {
        match r {
            Record::Payment(p) => {
                payments.push((&p.external_id, p.version.updated_at));
                for a in &p.applications {
                    let at = wanted.entry(a.invoice_external_id.clone()).or_insert(p.version.updated_at);
                    *at = (*at).max(p.version.updated_at);
                }
            }
            Record::Deleted(d) if d.entity == Entity::Payment => payments.push((&d.external_id, d.version.updated_at)),
            _ => {}
        }
    }
    if payments.is_empty() {
        return Ok(Vec::new());
    }
    let changed_at: HashMap<&str, DateTime<Utc>> = payments.iter().copied().collect();
    let ids: Vec<&str> = payments.iter().map(|(id, _)| *id).collect();
    let before = store.invoices_applied_by(name, &ids).await.map_err(ExtraError::Store)?;
    for (payment, invoice) in before {
        if let Some(t) = changed_at.get(payment.as_str()) {
            let at = wanted.entry(invoice).or_insert(*t);
            *at = (*at).max(*t);
        }
    }
    let ids: Vec<String> = wanted
        .into_iter()
        .filter(|(invoice, changed)| match read {
            Some(InvoicesRead { since: Some(since), ids }) => !(ids.contains(invoice) && changed < since),
            _ => true,
        })
        .map(|(invoice, _)| invoice)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    source.fetch_by_ids(Entity::Invoice, &ids).await.map_err(ExtraError::Source)
}

/// Marks the run failed (best effort: the original error is the one to show) and passes the
/// store error on.
async fn fail(store: &dyn Store, run: i64, clock: &dyn Clock, e: StoreError) -> SyncError {
    let _ = store.finish_sync_run(run, clock.now(), RunStatus::Failed, Some(&e.to_string())).await;
    e.into()
}
