//! The sync engine: pulls every entity of a [`Source`] page by page after its stored watermark
//! and writes each page, with the watermark it earns, in one transaction
//! ([`Store::apply_page`]). A failure leaves every committed page in place and the watermark at
//! the last committed page, so the next run resumes there; nothing is half-written.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::clock::Clock;
use crate::source::{Entity, Source, SourceError};
use crate::store::{PageStats, Store, StoreError};

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
}

impl SyncReport {
    pub fn totals(&self) -> PageStats {
        let mut t = PageStats::default();
        for e in &self.entities {
            t += e.stats;
        }
        t
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
    pub records: u64,
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
pub async fn sync_source(
    store: &dyn Store,
    source: &dyn Source,
    clock: &dyn Clock,
    full: bool,
    mut progress: impl FnMut(Progress) + Send,
) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let name = source.name().to_string();
    let run_id = store.start_sync_run(&name, clock.now()).await?;
    let mut report = SyncReport { source: name.clone(), run_id, full, entities: Vec::new(), elapsed: Duration::ZERO };
    for &entity in source.entities() {
        let since = if full { None } else { store.watermark(&name, entity).await? };
        let mut entry = EntityReport { entity, pages: 0, stats: PageStats::default() };
        let mut cursor: Option<String> = None;
        let mut records = 0u64;
        loop {
            let page = match source.fetch(entity, since.as_deref(), cursor.as_deref()).await {
                Ok(page) => page,
                Err(error) => {
                    report.entities.push(entry);
                    report.elapsed = started.elapsed();
                    let detail = error.to_string();
                    store.finish_sync_run(run_id, clock.now(), "failed", Some(&detail)).await?;
                    return Err(SyncError::Source { error, partial: report });
                }
            };
            let stats = match store.apply_page(run_id, &name, entity, &page.records, page.watermark.as_deref()).await {
                Ok(stats) => stats,
                Err(e) => {
                    // Best effort: the run row says what happened; the original error is the one to show.
                    let _ = store.finish_sync_run(run_id, clock.now(), "failed", Some(&e.to_string())).await;
                    return Err(e.into());
                }
            };
            entry.pages += 1;
            entry.stats += stats;
            records += page.records.len() as u64;
            progress(Progress { entity, pages: entry.pages, records });
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        report.entities.push(entry);
    }
    report.elapsed = started.elapsed();
    store.finish_sync_run(run_id, clock.now(), "ok", None).await?;
    Ok(report)
}
