//! Daily snapshots of the aging by customer, job and PM, taken when the digest runs, so the
//! weekly report's trends read what was known on each day (a backdated payment does not rewrite
//! last month). A day with no snapshot (arbot was down) is rebuilt from the ledger as that day
//! stood, and marked rebuilt.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;

use crate::aging::{AgingConfig, AgingRow, GroupBy, aging_of_sums};
use crate::money::Currency;
use crate::store::{Store, StoreError};

/// How many days back a missing snapshot is rebuilt: enough for "four weeks ago".
pub const CATCH_UP_DAYS: u64 = 35;

/// The dimensions a snapshot keeps.
pub const DIMENSIONS: [GroupBy; 3] = [GroupBy::Customer, GroupBy::Job, GroupBy::Pm];

/// One day's aging, by customer, job and PM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub day: NaiveDate,
    /// Rebuilt from the ledger afterwards rather than taken on the day.
    pub rebuilt: bool,
    pub taken_at: DateTime<Utc>,
    pub currency: Currency,
    /// The bucket labels of every row's `buckets`.
    pub labels: Vec<String>,
    pub rows: Vec<(GroupBy, AgingRow)>,
}

impl Snapshot {
    /// The rows of one dimension, in the order they were stored (by label).
    pub fn rows_by(&self, by: GroupBy) -> impl Iterator<Item = &AgingRow> {
        self.rows.iter().filter(move |(g, _)| *g == by).map(|(_, r)| r)
    }
}

/// Computes the aging of `day` by every dimension: today's open items when `day` is today, the
/// ledger rebuilt as of the end of `day` before it.
pub async fn compute(
    store: &dyn Store,
    day: NaiveDate,
    today: NaiveDate,
    cfg: &AgingConfig,
    currency: Currency,
    now: DateTime<Utc>,
) -> Result<Snapshot, StoreError> {
    // Summed per job in the database, one statement rather than every open invoice read into
    // memory: the rows are the ones `aging` gives from the open items. A job's sums carry its
    // customer and its PM, so the customers' and the PMs' rows are the jobs' rows added up
    // (`aging_of_sums` adds the groups that share a row), not two more passes over the ledger.
    let sums = store.open_aging(day, day < today, cfg, GroupBy::Job).await?;
    let mut rows = Vec::new();
    for by in DIMENSIONS {
        let report = aging_of_sums(&sums, day, cfg, by, currency);
        rows.extend(report.rows.into_iter().map(|r| (by, r)));
    }
    Ok(Snapshot { day, rebuilt: day < today, taken_at: now, currency, labels: cfg.labels(), rows })
}

/// [`compute`] for one dimension only: what a report that reads a day's totals or its customers
/// needs (the weekly trend, the close pack, the guardrails' accounts).
pub async fn compute_by(
    store: &dyn Store,
    day: NaiveDate,
    today: NaiveDate,
    cfg: &AgingConfig,
    currency: Currency,
    now: DateTime<Utc>,
    by: GroupBy,
) -> Result<Snapshot, StoreError> {
    let sums = store.open_aging(day, day < today, cfg, by).await?;
    let rows = aging_of_sums(&sums, day, cfg, by, currency).rows.into_iter().map(|r| (by, r)).collect();
    Ok(Snapshot { day, rebuilt: day < today, taken_at: now, currency, labels: cfg.labels(), rows })
}

/// What [`take_and_catch_up`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Taken {
    /// Today's snapshot was written now (false: it was there already).
    pub today: bool,
    /// Missing days of the last [`CATCH_UP_DAYS`] rebuilt from the ledger.
    pub rebuilt: usize,
}

/// Writes today's snapshot, once, and rebuilds the missing days of the last [`CATCH_UP_DAYS`].
/// Safe to run twice or on two
/// instances at once: a day is written by whoever inserts it first.
pub async fn take_and_catch_up(
    store: &dyn Store,
    today: NaiveDate,
    cfg: &AgingConfig,
    currency: Currency,
    now: DateTime<Utc>,
) -> Result<Taken, StoreError> {
    let from = today - Days::new(CATCH_UP_DAYS);
    let have: Vec<NaiveDate> = store.snapshot_days(from, today).await?.into_iter().map(|(d, _)| d).collect();
    let mut taken = Taken::default();
    if !have.contains(&today) {
        taken.today = store.save_snapshot(&compute(store, today, today, cfg, currency, now).await?).await?;
    }
    let mut day = from;
    while day < today {
        if !have.contains(&day) {
            let snap = compute(store, day, today, cfg, currency, now).await?;
            if store.save_snapshot(&snap).await? {
                taken.rebuilt += 1;
            }
        }
        day = day + Days::new(1);
    }
    Ok(taken)
}

/// The snapshot of `day`, or, when none was kept, the day rebuilt from the ledger now (marked
/// rebuilt, not stored).
pub async fn on_day(
    store: &dyn Store,
    day: NaiveDate,
    today: NaiveDate,
    cfg: &AgingConfig,
    currency: Currency,
    now: DateTime<Utc>,
) -> Result<Snapshot, StoreError> {
    match store.snapshot(day).await? {
        Some(s) => Ok(s),
        None => {
            let mut s = compute(store, day, today, cfg, currency, now).await?;
            s.rebuilt = day < today;
            Ok(s)
        }
    }
}

/// [`on_day`] for one dimension only: the kept snapshot's rows of `by`, or that dimension rebuilt
/// from the ledger.
pub async fn on_day_by(
    store: &dyn Store,
    day: NaiveDate,
    today: NaiveDate,
    cfg: &AgingConfig,
    currency: Currency,
    now: DateTime<Utc>,
    by: GroupBy,
) -> Result<Snapshot, StoreError> {
    match store.snapshot_of(day, by).await? {
        Some(s) => Ok(s),
        None => {
            let mut s = compute_by(store, day, today, cfg, currency, now, by).await?;
            s.rebuilt = day < today;
            Ok(s)
        }
    }
}
