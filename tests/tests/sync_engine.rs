//! The sync engine against a source that fails part-way: pages before the failure stay
//! committed with their watermark, nothing is half-written, and the next sync finishes the job
//! with the store exactly as a clean sync leaves it.

#![allow(clippy::unwrap_used)] // in a test, a failed unwrap is a failed test

use std::sync::atomic::{AtomicUsize, Ordering};

use arbot_connector_sample::SampleSource;
use arbot_core::PinnedClock;
use arbot_core::source::{Entity, Page, Source, SourceError};
use arbot_core::store::{OpenItemsQuery, Store};
use arbot_core::sync::{SyncError, sync_source};
use arbot_tests::TestDb;
use chrono::NaiveDate;

/// The sample ledger, except that the `fail_at`-th fetch (counting from 1) fails.
#[derive(Debug)]
struct FailsOnce {
    inner: SampleSource,
    fail_at: usize,
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl Source for FailsOnce {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn fetch(&self, entity: Entity, since: Option<&str>, cursor: Option<&str>) -> Result<Page, SourceError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.fail_at {
            return Err(SourceError::Unavailable { source_name: "sample".into(), detail: "connection reset".into() });
        }
        self.inner.fetch(entity, since, cursor).await
    }
}

async fn snapshot(store: &dyn Store, today: NaiveDate) -> (arbot_core::store::LedgerCounts, Vec<(String, i64)>) {
    let items = store.open_items(OpenItemsQuery { as_of: today, customer_id: None, historical: false }).await.unwrap();
    let mut open: Vec<(String, i64)> = items.into_iter().map(|i| (i.number, i.balance.minor)).collect();
    open.sort();
    (store.counts().await.unwrap(), open)
}

#[tokio::test]
async fn a_failed_sync_resumes_without_loss_or_duplicates() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let clock = PinnedClock { today, tz: chrono_tz::America::New_York };
    for db in TestDb::all().await {
        let name = db.name;
        // What a clean sync produces, in a database of its own.
        let clean = TestDb::sqlite().await;
        sync_source(clean.store.as_ref(), &SampleSource::new(today).with_page_size(10), &clock, false, |_| {})
            .await
            .unwrap();
        let expected = snapshot(clean.store.as_ref(), today).await;

        // Small pages, and the 9th request fails (in the middle of the invoices).
        let flaky =
            FailsOnce { inner: SampleSource::new(today).with_page_size(10), fail_at: 9, calls: AtomicUsize::new(0) };
        let err = sync_source(db.store.as_ref(), &flaky, &clock, false, |_| {}).await.unwrap_err();
        let SyncError::Source { error, partial } = err else { panic!("{name}: expected a source error") };
        assert!(error.to_string().contains("connection reset"), "{name}: {error}");
        let committed: u64 = partial.entities.iter().map(|e| e.stats.new).sum();
        assert!(committed > 0, "{name}: the pages before the failure were committed");
        let wm = db.store.watermark("sample", Entity::Invoice).await.unwrap();
        assert!(wm.is_some(), "{name}: the watermark moved with the committed invoice pages");
        assert_eq!(
            db.store.last_sync_run("sample").await.unwrap().unwrap().status,
            arbot_core::store::RunStatus::Failed,
            "{name}"
        );

        // The next sync picks up from the watermark and ends where a clean sync ends.
        let report = sync_source(db.store.as_ref(), &flaky, &clock, false, |_| {}).await.unwrap();
        assert!(report.totals().new > 0, "{name}");
        assert_eq!(snapshot(db.store.as_ref(), today).await, expected, "{name}: same ledger as a clean sync");
        // And once more: nothing new, nothing changed.
        let again = sync_source(db.store.as_ref(), &flaky, &clock, false, |_| {}).await.unwrap();
        assert_eq!((again.totals().new, again.totals().updated), (0, 0), "{name}");
        clean.close().await;
        db.close().await;
    }
}
