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

/// A sync run whose process died stays `running` until the next sync of its source, which marks
/// it interrupted (and only it: a run of a live process, or of another machine's process that
/// may still be going, is left alone until it is a day old).
#[tokio::test]
async fn a_run_whose_process_died_is_marked_interrupted_by_the_next_sync() {
    use arbot_core::store::RunStatus;
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let clock = PinnedClock { today, tz: chrono_tz::America::New_York };
    let now = arbot_core::Clock::now(&clock);
    // A pid that is free: a child that has exited and been reaped.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    let me = arbot_core::process::this();
    let owner = |host: &str, pid: u32| format!("{host}/{pid}/{:016x}", 7u64);
    for db in TestDb::all().await {
        let name = db.name;
        let mut runs = Vec::new();
        for (owner, hours_ago) in [
            (Some(owner(&me.host, dead_pid)), 0),
            (Some(me.to_recorded()), 0),
            (Some(owner("another-box", 1)), 1),
            (Some(owner("another-box", 1)), 25),
            (None, 30),
            (None, 2),
        ] {
            let started = now - chrono::Duration::hours(hours_ago);
            let id = db.store.start_sync_run("sample", started).await.unwrap();
            set_owner(&db, id, owner.as_deref()).await;
            runs.push(id);
        }
        let other_source = db.store.start_sync_run("elsewhere", now).await.unwrap();
        set_owner(&db, other_source, Some(&owner(&me.host, dead_pid))).await;

        let report = sync_source(db.store.as_ref(), &SampleSource::new(today), &clock, false, |_| {}).await.unwrap();
        let marked: Vec<i64> = report.interrupted.iter().map(|r| r.id).collect();
        assert_eq!(marked, [runs[0], runs[3], runs[4]], "{name}: the dead, and the day-old that can't be looked up");
        assert!(report.interrupted.iter().all(|r| r.status == RunStatus::Interrupted), "{name}");
        assert_eq!(status(&db, runs[1]).await, "running", "{name}: this process is alive");
        assert_eq!(status(&db, runs[2]).await, "running", "{name}: another machine's, an hour old");
        assert_eq!(status(&db, runs[0]).await, "interrupted", "{name}");
        assert_eq!(status(&db, other_source).await, "running", "{name}: another source's run waits for its own sync");
        // Marked once: the next sync finds nothing more.
        let again = sync_source(db.store.as_ref(), &SampleSource::new(today), &clock, false, |_| {}).await.unwrap();
        assert!(again.interrupted.is_empty(), "{name}");
        // On start (`arbot run`), every source.
        let all = db.store.interrupt_dead_sync_runs(None, now).await.unwrap();
        assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), [other_source], "{name}");
        db.close().await;
    }
}

async fn set_owner(db: &TestDb, run: i64, owner: Option<&str>) {
    let url = &db.url;
    if db.name == "sqlite" {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(url).await.unwrap();
        sqlx::query("UPDATE sync_runs SET owner = $1 WHERE id = $2")
            .bind(owner)
            .bind(run)
            .execute(&mut c)
            .await
            .unwrap();
    } else {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(url).await.unwrap();
        sqlx::query("UPDATE sync_runs SET owner = $1 WHERE id = $2")
            .bind(owner)
            .bind(run)
            .execute(&mut c)
            .await
            .unwrap();
    }
}

async fn status(db: &TestDb, run: i64) -> String {
    let url = &db.url;
    if db.name == "sqlite" {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(url).await.unwrap();
        sqlx::query_scalar("SELECT status FROM sync_runs WHERE id = $1").bind(run).fetch_one(&mut c).await.unwrap()
    } else {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(url).await.unwrap();
        sqlx::query_scalar("SELECT status FROM sync_runs WHERE id = $1").bind(run).fetch_one(&mut c).await.unwrap()
    }
}
