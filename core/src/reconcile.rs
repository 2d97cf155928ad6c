//! The reconcile: a periodic full comparison of a source's open invoices with arbot's, because
//! incremental sync trusts change stamps that do not always move (QuickBooks changes a balance
//! without touching the invoice; its change feed reaches back 30 days; a file replaces what it
//! is given).
//!
//! For one source ([`reconcile_source`]):
//! 1. **List** what the source holds open ([`Source::open_invoices`]: id, number, currency,
//!    balance), page by page, each page stored with the cursor of the next
//!    ([`ReconcileStore::record_listing`]), so a run stopped by a rate limit, a daily allowance or
//!    a crash resumes from the page it stopped at (within [`RESUME_WITHIN`]).
//! 2. **Compare** in both directions with the invoices arbot holds open for that source: a
//!    balance (or currency) that differs; open here but not listed there (paid, voided or deleted
//!    there); listed there but not open here (missing, or closed here).
//! 3. **Repair** each difference by reading that invoice again by id ([`Source::fetch_by_ids`])
//!    and writing what the source returns through the sync path
//!    ([`SyncStore::apply_page`](crate::store::SyncStore::apply_page)), never by writing the
//!    listed number over ours: the listing only says where to look. An invoice an API source no
//!    longer returns is deleted there ([`Reconcilable::Api`]); one missing from a file is left
//!    as it is ([`Reconcilable::File`]).
//!
//! Each attempt is a row of the sync history (`sync_runs`) whose detail says what it found; what
//! changed is returned as [`ReconcileFix`]es (how arbot held the invoice before and after) for
//! the bot to announce.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::clock::Clock;
use crate::source::{Deletion, Entity, OpenInvoice, Reconcilable, Record, Source, SourceError, Version};
use crate::store::{
    ConnectionStatus, HeldInvoice, InvoiceStatus, PageStats, ReconcileFix, RunStatus, Store, StoreError,
};

/// An interrupted reconcile younger than this resumes where it stopped; an older one starts over.
pub const RESUME_WITHIN: chrono::Duration = chrono::Duration::hours(36);

/// Invoices read again per call to the source (each connector splits further as its API needs).
const REREAD_CHUNK: usize = 200;

/// A reconcile deletes the invoices a source no longer has only when they are at most this many,
/// or a fifth of the open invoices arbot holds for it, whichever is more.
pub const DELETE_AT_MOST: usize = 20;

/// What one reconcile of one source found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    pub source: String,
    /// The sync-history row of this attempt.
    pub run_id: i64,
    /// This attempt carried on a run interrupted earlier.
    pub resumed: bool,
    /// How many invoices the source listed as open.
    pub listed: u64,
    /// How many invoices arbot held open for the source before repairing.
    pub held_open: u64,
    /// Invoices that differed and were read again.
    pub reread: u64,
    /// The invoices whose record changed, by number.
    pub fixes: Vec<ReconcileFix>,
    /// What the repairs wrote (through the sync path).
    pub stats: PageStats,
    /// Invoices that still differ from the listing after being read again (the source changed
    /// them meanwhile); left as the source returned them.
    pub still_different: u64,
    /// Invoices open here that a file source does not hold: not read (a file proves nothing by
    /// leaving an invoice out) and left as they are.
    pub not_in_file: u64,
    /// Invoices open here that the source no longer returns, kept because there were more of
    /// them than a reconcile deletes on its own (a source failing, more likely than right).
    pub not_found_kept: u64,
    #[serde(with = "duration_ms")]
    pub elapsed: Duration,
}

impl ReconcileReport {
    /// What the sync history keeps of it.
    fn summary(&self) -> String {
        match self.fixes.len() {
            0 => format!("reconcile: {} open at the source, {} here; nothing had drifted", self.listed, self.held_open),
            n => format!(
                "reconcile: {} open at the source, {} here; {n} invoice{} had drifted and {} repaired",
                self.listed,
                self.held_open,
                if n == 1 { "" } else { "s" },
                if n == 1 { "was" } else { "were" }
            ),
        }
    }
}

mod duration_ms {
    pub fn serialize<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// The source cannot be reconciled; the sentence says why and what to do instead.
    #[error("{reason}")]
    Unsupported { source_name: String, reason: String },
    /// Another reconcile of the same source is running (in this process or another one on the
    /// same database); this one stopped before reading or changing anything.
    #[error("{source_name} is already being reconciled")]
    Busy { source_name: String },
    /// The source failed; what was listed and repaired so far is kept, and the next reconcile
    /// resumes there.
    #[error("{error}")]
    Source { error: SourceError },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The lock a reconcile of `source` holds: a file name on SQLite, an advisory lock on PostgreSQL.
fn lock_name(source: &str) -> String {
    let safe: String = source.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("reconcile-{safe}")
}

/// Reconciles one source: lists, compares and repairs (see the module docs). Refused with
/// [`ReconcileError::Busy`] while another reconcile of the same source runs.
pub async fn reconcile_source(
    store: &dyn Store,
    source: &dyn Source,
    clock: &dyn Clock,
) -> Result<ReconcileReport, ReconcileError> {
    let started = Instant::now();
    let name = source.name().to_string();
    let kind = source.reconcilable();
    if let Reconcilable::No(reason) = kind {
        return Err(ReconcileError::Unsupported { source_name: name, reason });
    }
    // One reconcile of a source at a time: two would resume the same unfinished run and list
    // into it side by side. Held until this function returns, however it returns.
    let Some(turn) = store.try_lead(&lock_name(&name)).await? else {
        return Err(ReconcileError::Busy { source_name: name });
    };
    let result = reconcile_held(store, source, clock, name, kind, started).await;
    turn.release().await;
    result
}

/// [`reconcile_source`] once it holds the source's turn.
async fn reconcile_held(
    store: &dyn Store,
    source: &dyn Source,
    clock: &dyn Clock,
    name: String,
    kind: Reconcilable,
    started: Instant,
) -> Result<ReconcileReport, ReconcileError> {
    let previous = store.connection(&name).await?.map(|c| c.status);
    if let Some(error) = crate::sync::still_rate_limited(previous.as_ref(), &name, clock.now()) {
        return Err(ReconcileError::Source { error });
    }
    let now = clock.now();
    let sync_run = store.start_sync_run(&name, now).await?;
    let (run, resumed) = match store.unfinished_reconcile(&name, now - RESUME_WITHIN).await? {
        Some(r) => {
            store.resume_reconcile(r.id, sync_run).await?;
            (r, true)
        }
        None => {
            let id = store.start_reconcile(&name, sync_run, now).await?;
            (
                crate::store::ReconcileRun { id, source: name.clone(), started_at: now, cursor: None, listed: false },
                false,
            )
        }
    };

    // 1. The listing, from where an earlier attempt stopped.
    let mut served_at: Option<DateTime<Utc>> = None;
    if !run.listed {
        let mut cursor = run.cursor.clone();
        loop {
            let page = match source.open_invoices(cursor.as_deref()).await {
                Ok(p) => p,
                Err(e) => return Err(stopped(store, clock, &name, sync_run, run.id, e).await?),
            };
            served_at = served_at.max(page.served_at);
            store.record_listing(run.id, &page.invoices, page.next.as_deref()).await?;
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
    }

    // 2. Both directions.
    let listed = store.listed_invoices(run.id).await?;
    let held = store.open_invoices_held(&name).await?;
    let mut suspects = differences(&listed, &held);
    let mut not_in_file = 0u64;
    if kind == Reconcilable::File {
        let there: HashSet<&str> = listed.iter().map(|l| l.external_id.as_str()).collect();
        for h in held.iter().filter(|h| !there.contains(h.external_id.as_str())) {
            suspects.remove(&h.external_id);
            not_in_file += 1;
        }
    }

    // 3. Each difference read again through the sync path.
    let listed_by_id: HashMap<&str, &OpenInvoice> = listed.iter().map(|l| (l.external_id.as_str(), l)).collect();
    let mut stats = PageStats::default();
    let mut still_different = 0u64;
    let ids: Vec<String> = suspects.into_iter().collect();
    // Every difference is read before anything is written: how many invoices the source no
    // longer has decides whether they may be deleted here.
    let mut reads = Vec::new();
    for chunk in ids.chunks(REREAD_CHUNK) {
        let before: HashMap<String, HeldInvoice> =
            store.invoices_held(&name, chunk).await?.into_iter().map(|h| (h.external_id.clone(), h)).collect();
        let records: Vec<Record> = match source.fetch_by_ids(Entity::Invoice, chunk).await {
            Ok(r) => r.into_iter().filter(|r| invoice_id(r).is_some()).collect(),
            Err(e) => return Err(stopped(store, clock, &name, sync_run, run.id, e).await?),
        };
        let gone: Vec<String> = if kind == Reconcilable::Api {
            let returned: HashSet<&str> = records.iter().filter_map(invoice_id).collect();
            chunk
                .iter()
                .filter(|id| !returned.contains(id.as_str()))
                .filter(|id| before.get(*id).is_some_and(|h| h.state.status != InvoiceStatus::Deleted))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        reads.push((chunk, before, records, gone));
    }
    let gone_total: usize = reads.iter().map(|r| r.3.len()).sum();
    // A source that suddenly has lost many invoices is more likely failing than right: past
    // this many, nothing is deleted and a person is told.
    let may_delete = gone_total <= DELETE_AT_MOST.max(held.len() / 5);
    let mut not_found_kept = 0u64;
    let mut kept: HashSet<String> = HashSet::new();
    // Gone at the source: deleted as of now (or the source's later clock), so the deletion is
    // not older than what is stored.
    let at = served_at.map_or(clock.now(), |s| s.max(clock.now()));
    for (chunk, before, mut records, gone) in reads {
        if may_delete {
            records.extend(gone.into_iter().map(|id| {
                Record::Deleted(Deletion {
                    entity: Entity::Invoice,
                    external_id: id,
                    version: Version { updated_at: at, seq: i64::MAX },
                })
            }));
        } else {
            not_found_kept += gone.len() as u64;
            kept.extend(gone);
        }
        stats += store.apply_page(sync_run, &name, Entity::Invoice, &records, None).await?;
        let after = store.invoices_held(&name, chunk).await?;
        let mut fixes = Vec::new();
        for a in after {
            let b = before.get(&a.external_id).map(|h| h.state);
            if b != Some(a.state) {
                fixes.push(ReconcileFix {
                    external_id: a.external_id.clone(),
                    number: a.number.clone(),
                    currency: a.currency,
                    before: b,
                    after: a.state,
                });
            }
            let agrees = match listed_by_id.get(a.external_id.as_str()) {
                Some(l) => a.state.status == InvoiceStatus::Open && a.state.balance_minor == l.balance_minor,
                None => a.state.status != InvoiceStatus::Open,
            };
            if !agrees && !kept.contains(&a.external_id) {
                still_different += 1;
                tracing::info!(source = %name, invoice = %a.number, "still differs from the listing after reading it again");
            }
        }
        store.record_fixes(run.id, &fixes).await?;
    }
    if not_found_kept > 0 {
        tracing::warn!(source = %name, not_found_kept, "invoices the source no longer returns were kept: too many to delete in one reconcile");
    }

    let fixes = store.reconcile_fixes(run.id).await?;
    let report = ReconcileReport {
        source: name.clone(),
        run_id: sync_run,
        resumed,
        listed: listed.len() as u64,
        held_open: held.len() as u64,
        reread: ids.len() as u64,
        fixes,
        stats,
        still_different,
        not_in_file,
        not_found_kept,
        elapsed: started.elapsed(),
    };
    let summary = report.summary();
    store.finish_sync_run(sync_run, clock.now(), RunStatus::Done, Some(&summary)).await?;
    store.finish_reconcile(run.id, RunStatus::Done, clock.now(), Some(&summary)).await?;
    if previous.is_some_and(|s| s != ConnectionStatus::Ok) {
        store.set_connection_status(&name, &ConnectionStatus::Ok, clock.now()).await?;
    }
    Ok(report)
}

/// The invoices to read again: listed with another balance or currency than arbot holds, or
/// not open here; open here but not listed.
pub fn differences(listed: &[OpenInvoice], held_open: &[HeldInvoice]) -> BTreeSet<String> {
    let held: HashMap<&str, &HeldInvoice> = held_open.iter().map(|h| (h.external_id.as_str(), h)).collect();
    let there: HashSet<&str> = listed.iter().map(|l| l.external_id.as_str()).collect();
    let mut out = BTreeSet::new();
    for l in listed {
        let same = held.get(l.external_id.as_str()).is_some_and(|h| {
            h.state.balance_minor == l.balance_minor
                && h.currency == l.currency
                && h.state.status == InvoiceStatus::Open
        });
        if !same {
            out.insert(l.external_id.clone());
        }
    }
    for h in held_open {
        if !there.contains(h.external_id.as_str()) {
            out.insert(h.external_id.clone());
        }
    }
    out
}

/// Records a run the source stopped (kept for resuming) and what the failure says about the
/// connection; returns the error to report.
async fn stopped(
    store: &dyn Store,
    clock: &dyn Clock,
    name: &str,
    sync_run: i64,
    run: i64,
    error: SourceError,
) -> Result<ReconcileError, StoreError> {
    let detail = format!("reconcile stopped: {error}");
    store.finish_sync_run(sync_run, clock.now(), RunStatus::Failed, Some(&detail)).await?;
    store.finish_reconcile(run, RunStatus::Failed, clock.now(), Some(&detail)).await?;
    if let Some(status) = crate::sync::status_after(&error) {
        store.set_connection_status(name, &status, clock.now()).await?;
    }
    Ok(ReconcileError::Source { error })
}

fn invoice_id(r: &Record) -> Option<&str> {
    match r {
        Record::Invoice(i) => Some(&i.external_id),
        Record::Deleted(d) if d.entity == Entity::Invoice => Some(&d.external_id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::store::InvoiceState;

    fn listed(id: &str, cents: i64) -> OpenInvoice {
        OpenInvoice { external_id: id.into(), number: format!("#{id}"), currency: Currency::USD, balance_minor: cents }
    }

    fn held(id: &str, status: InvoiceStatus, cents: i64) -> HeldInvoice {
        HeldInvoice {
            external_id: id.into(),
            number: format!("#{id}"),
            currency: Currency::USD,
            state: InvoiceState { status, balance_minor: cents },
        }
    }

    #[test]
    fn differences_run_both_ways() {
        let there = [listed("1", 100), listed("2", 250), listed("3", 75), listed("5", 10)];
        let here = [
            held("1", InvoiceStatus::Open, 100), // agrees
            held("2", InvoiceStatus::Open, 200), // balance differs
            held("4", InvoiceStatus::Open, 40),  // open here, not there
            held("5", InvoiceStatus::Open, 10),
        ];
        // "3" is missing here.
        let d = differences(&there, &here);
        assert_eq!(d.into_iter().collect::<Vec<_>>(), ["2", "3", "4"]);
        let mut other = listed("5", 10);
        other.currency = Currency::parse("CAD").unwrap_or_default();
        assert_eq!(differences(&[other], &here[3..]).len(), 1, "another currency is a difference");
        assert!(differences(&[], &[]).is_empty());
    }
}
