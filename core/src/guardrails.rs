//! KPI guardrails: the 90+ share against its target, countback DSO's rise over four weeks, and
//! CEI against its floor. When one crosses, arbot says so once, with the accounts that moved it,
//! by PM and by GC; and once more when it recovers. Where each stands is kept in the store
//! ([`crate::store::ReportStore::move_guardrail`]), so a crossing is said once across restarts
//! and instances. This module reads the KPIs and decides; the bot posts.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;

use crate::aging::{AgingConfig, AgingRow, GroupBy};
use crate::kpi::{Kpis, kpis};
use crate::money::Currency;
use crate::snapshots::{Snapshot, compute, on_day};
use crate::store::{Store, StoreError};

/// The guardrails, as configured (`[kpi_guardrails]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Limits {
    /// The 90+ share (percent of past due more than 90 days) breaches at or above this.
    pub over_90_target: f64,
    /// Countback DSO breaches when it rose by more than this many days over four weeks.
    pub dso_rise_days: f64,
    /// CEI (percent) breaches below this.
    pub cei_floor: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { over_90_target: 10.0, dso_rise_days: 10.0, cei_floor: 70.0 }
    }
}

/// How far back the DSO rise and the accounts that moved a guardrail are measured.
pub const WINDOW_DAYS: u64 = 28;

/// How many accounts and PMs a crossing names.
pub const SHOWN: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Guardrail {
    Over90Share,
    DsoRise,
    CeiFloor,
}

impl Guardrail {
    pub const ALL: [Guardrail; 3] = [Guardrail::Over90Share, Guardrail::DsoRise, Guardrail::CeiFloor];

    /// The stable name it is stored and posted under.
    pub fn key(&self) -> &'static str {
        match self {
            Guardrail::Over90Share => "over_90_share",
            Guardrail::DsoRise => "dso_rise",
            Guardrail::CeiFloor => "cei_floor",
        }
    }

    /// Which aging figure of an account moves it: money over 90 days, the open balance (DSO
    /// rises when it grows faster than sales), past due not in dispute (CEI falls when it is
    /// not collected).
    pub fn measure(&self) -> &'static str {
        match self {
            Guardrail::Over90Share => "over 90 days",
            Guardrail::DsoRise => "open",
            Guardrail::CeiFloor => "past due",
        }
    }

    fn of(&self, r: &AgingRow) -> i64 {
        match self {
            Guardrail::Over90Share => r.overdue_90,
            Guardrail::DsoRise => r.total,
            Guardrail::CeiFloor => r.collectible_overdue(),
        }
    }
}

/// Where a guardrail stands in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuardrailState {
    pub guardrail: String,
    pub breached: bool,
    /// How many times it has crossed or recovered.
    pub seq: i64,
    pub changed_on: NaiveDate,
}

/// One guardrail read on a day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Reading {
    pub guardrail: Guardrail,
    pub breached: bool,
    /// The 90+ share or CEI in percent, or the DSO rise in days; `None` when there is nothing
    /// to measure (no past due, no sales, nothing collectible), which never breaches.
    pub value: Option<f64>,
    /// What it is held to.
    pub limit: f64,
    /// DSO now and four weeks before (for the DSO rise).
    pub dso: Option<(f64, f64)>,
}

/// Reads each guardrail from the KPIs now and [`WINDOW_DAYS`] before.
pub fn read(now: &Kpis, before: &Kpis, limits: &Limits) -> [Reading; 3] {
    let over_90 = now.over_90_share;
    let dso = now.dso.zip(before.dso);
    let rise = dso.map(|(n, b)| n - b);
    [
        Reading {
            guardrail: Guardrail::Over90Share,
            breached: over_90.is_some_and(|v| v >= limits.over_90_target),
            value: over_90,
            limit: limits.over_90_target,
            dso: None,
        },
        Reading {
            guardrail: Guardrail::DsoRise,
            breached: rise.is_some_and(|v| v > limits.dso_rise_days),
            value: rise,
            limit: limits.dso_rise_days,
            dso,
        },
        Reading {
            guardrail: Guardrail::CeiFloor,
            breached: now.cei.is_some_and(|v| v < limits.cei_floor),
            value: now.cei,
            limit: limits.cei_floor,
            dso: None,
        },
    ]
}

/// An account or a PM, by how much of the guardrail's measure it had then and has now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mover {
    pub label: String,
    /// The PM of an account (as the snapshot's job rows have it), for the accounts.
    pub pm: Option<String>,
    pub then: i64,
    pub now: i64,
}

impl Mover {
    pub fn change(&self) -> i64 {
        self.now - self.then
    }
}

/// A guardrail that crossed or recovered, with what moved it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    pub day: NaiveDate,
    pub currency: Currency,
    pub reading: Reading,
    /// Crossed (true) or recovered (false).
    pub crossed: bool,
    /// The transition's number ([`GuardrailState::seq`] after it): the key it is posted under.
    pub seq: i64,
    /// What the accounts are measured against: [`WINDOW_DAYS`] before on a crossing, the day it
    /// crossed on a recovery.
    pub since: NaiveDate,
    /// The accounts whose measure grew most since then (fell most, on a recovery).
    pub accounts: Vec<Mover>,
    /// The same by PM.
    pub by_pm: Vec<Mover>,
    /// The same by GC (as the weekly report's breakdown: the GC named on each job, else the
    /// customer when it is a GC; "no GC on record" otherwise).
    pub by_gc: Vec<Mover>,
}

impl Transition {
    /// The key the post goes out under: the guardrail and the transition's number.
    pub fn key(&self) -> String {
        format!("guardrail:{}:{}", self.reading.guardrail.key(), self.seq)
    }
}

/// The accounts (or PMs) of `by` ranked by how much `g`'s measure moved from `then` to `now`:
/// grew most on a crossing, fell most on a recovery; only those that moved that way.
pub fn movers(g: Guardrail, now: &Snapshot, then: &Snapshot, by: GroupBy, crossed: bool) -> Vec<Mover> {
    let key = |r: &AgingRow| (r.label.clone(), r.customer_id);
    let before: HashMap<(String, Option<i64>), i64> = then.rows_by(by).map(|r| (key(r), g.of(r))).collect();
    let mut seen: Vec<(String, Option<i64>)> = Vec::new();
    let mut out: Vec<Mover> = Vec::new();
    for r in now.rows_by(by) {
        seen.push(key(r));
        out.push(Mover {
            label: r.label.clone(),
            pm: None,
            then: before.get(&key(r)).copied().unwrap_or(0),
            now: g.of(r),
        });
    }
    for r in then.rows_by(by) {
        if !seen.contains(&key(r)) {
            out.push(Mover { label: r.label.clone(), pm: None, then: g.of(r), now: 0 });
        }
    }
    rank(out, crossed)
}

/// The accounts (or PMs) of `by` with the most of `g`'s measure on `now`, largest first, each with
/// what it had on `then`: who holds a guardrail where it is (those with none are left out).
pub fn holders(g: Guardrail, now: &Snapshot, then: &Snapshot, by: GroupBy) -> Vec<Mover> {
    let key = |r: &AgingRow| (r.label.clone(), r.customer_id);
    let before: HashMap<(String, Option<i64>), i64> = then.rows_by(by).map(|r| (key(r), g.of(r))).collect();
    let mut out: Vec<Mover> = now
        .rows_by(by)
        .filter(|r| g.of(r) > 0)
        .map(|r| Mover {
            label: r.label.clone(),
            pm: None,
            then: before.get(&key(r)).copied().unwrap_or(0),
            now: g.of(r),
        })
        .collect();
    out.sort_by(|a, b| b.now.cmp(&a.now).then(a.label.cmp(&b.label)));
    out
}

/// Those that moved the measure the way it went (up when it crossed, down when it recovered),
/// the largest move first.
fn rank(mut out: Vec<Mover>, crossed: bool) -> Vec<Mover> {
    out.retain(|m| if crossed { m.change() > 0 } else { m.change() < 0 });
    if crossed {
        out.sort_by(|a, b| b.change().cmp(&a.change()).then(a.label.cmp(&b.label)));
    } else {
        out.sort_by(|a, b| a.change().cmp(&b.change()).then(a.label.cmp(&b.label)));
    }
    out
}

/// The job rows of a snapshot summed by GC (see [`crate::weekly::GcRow`]) in `g`'s measure.
fn by_gc(g: Guardrail, snap: &Snapshot, gc_of_row: &HashMap<String, crate::weekly::RowGc>) -> HashMap<String, i64> {
    let mut out: HashMap<String, i64> = HashMap::new();
    for r in snap.rows_by(GroupBy::Job) {
        let gc = gc_of_row.get(&r.label).and_then(|x| x.gc.clone()).unwrap_or_else(|| "no GC on record".to_string());
        *out.entry(gc).or_default() += g.of(r);
    }
    out
}

/// GCs ranked as [`movers`] ranks accounts.
fn gc_movers(now: &HashMap<String, i64>, then: &HashMap<String, i64>, crossed: bool) -> Vec<Mover> {
    let out: Vec<Mover> = now
        .iter()
        .map(|(gc, v)| Mover { label: gc.clone(), pm: None, then: then.get(gc).copied().unwrap_or(0), now: *v })
        .chain(then.iter().filter(|(gc, _)| !now.contains_key(*gc)).map(|(gc, v)| Mover {
            label: gc.clone(),
            pm: None,
            then: *v,
            now: 0,
        }))
        .collect();
    rank(out, crossed)
}

/// The PM of each account (the customer rows of a snapshot name none): the PM most of its open
/// money sits with on the day. Accounts the day does not have are left without one.
fn pms_of(items: &[crate::ledger::OpenItem], currency: Currency) -> HashMap<i64, String> {
    let mut by: HashMap<i64, HashMap<String, i64>> = HashMap::new();
    for i in items.iter().filter(|i| i.currency() == currency) {
        let pm = i.pm.clone().unwrap_or_else(|| "(no PM)".to_string());
        *by.entry(i.customer_id).or_default().entry(pm).or_default() += i.balance.minor;
    }
    by.into_iter()
        .filter_map(|(id, pms)| {
            let mut v: Vec<(String, i64)> = pms.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            v.into_iter().next().map(|(pm, _)| (id, pm))
        })
        .collect()
}

/// What a check of the guardrails found: each reading, and each guardrail that crossed or
/// recovered since it was last recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checked {
    pub readings: [Reading; 3],
    pub transitions: Vec<Transition>,
}

/// Reads the guardrails on `today` and finds each that crossed or recovered since the store last
/// recorded it. The caller queues each transition's post under [`Transition::key`] first, then
/// [`record`]s it: a crash between the two finds the same transition next time, under the same
/// key, so it is queued once; and of two instances, the one that records it second is told so.
pub async fn pending(
    store: &dyn Store,
    today: NaiveDate,
    cfg: &AgingConfig,
    currency: Currency,
    now: DateTime<Utc>,
    limits: &Limits,
) -> Result<Checked, StoreError> {
    let before_day = today - Days::new(WINDOW_DAYS);
    let k_now = kpis(store, today, false, currency).await?;
    let k_before = kpis(store, before_day, true, currency).await?;
    let readings = read(&k_now, &k_before, limits);
    let states: HashMap<String, GuardrailState> =
        store.guardrail_states().await?.into_iter().map(|s| (s.guardrail.clone(), s)).collect();
    let changed: Vec<(Reading, i64, NaiveDate)> = readings
        .iter()
        .filter_map(|r| {
            let state = states.get(r.guardrail.key());
            let (breached, seq) = state.map_or((false, 0), |s| (s.breached, s.seq));
            // A recovery is measured from the day it crossed; a crossing over the window.
            let since = match state {
                Some(s) if s.breached => s.changed_on.min(today),
                _ => before_day,
            };
            (r.breached != breached).then_some((*r, seq, since))
        })
        .collect();
    let mut transitions = Vec::new();
    if !changed.is_empty() {
        let snap_now: Snapshot = compute(store, today, today, cfg, currency, now).await?;
        let items = store
            .open_items(crate::store::OpenItemsQuery { as_of: today, customer_id: None, historical: false })
            .await?;
        let mut pms = pms_of(&items, currency);
        let gc_now = crate::weekly::gc_of_rows(store, &snap_now).await?;
        for (reading, seq, since) in changed {
            let snap_then = on_day(store, since, today, cfg, currency, now).await?;
            let gc_then = crate::weekly::gc_of_rows(store, &snap_then).await?;
            let g = reading.guardrail;
            let crossed = reading.breached;
            let mut accounts = movers(g, &snap_now, &snap_then, GroupBy::Customer, crossed);
            accounts.truncate(SHOWN);
            let ids: HashMap<String, i64> = snap_now
                .rows_by(GroupBy::Customer)
                .chain(snap_then.rows_by(GroupBy::Customer))
                .filter_map(|r| r.customer_id.map(|id| (r.label.clone(), id)))
                .collect();
            for a in &mut accounts {
                let Some(id) = ids.get(&a.label).copied() else { continue };
                if !pms.contains_key(&id)
                    && let Some(pm) = store.customer(id).await?.and_then(|c| c.pm)
                {
                    pms.insert(id, pm);
                }
                a.pm = pms.get(&id).cloned();
            }
            let mut by_pm = movers(g, &snap_now, &snap_then, GroupBy::Pm, crossed);
            by_pm.truncate(SHOWN);
            let mut gcs = gc_movers(&by_gc(g, &snap_now, &gc_now), &by_gc(g, &snap_then, &gc_then), crossed);
            gcs.truncate(SHOWN);
            transitions.push(Transition {
                day: today,
                currency,
                reading,
                crossed,
                seq: seq + 1,
                since,
                accounts,
                by_pm,
                by_gc: gcs,
            });
        }
    }
    Ok(Checked { readings, transitions })
}

/// Records a transition [`pending`] found, once its post is queued. False when another
/// instance recorded it first (its post went under the same key, so it is not posted twice).
pub async fn record(store: &dyn Store, t: &Transition, now: DateTime<Utc>) -> Result<bool, StoreError> {
    store.move_guardrail(t.reading.guardrail.key(), t.seq - 1, t.crossed, t.day, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(over_90: Option<f64>, dso: Option<f64>, cei: Option<f64>) -> Kpis {
        Kpis {
            as_of: "2026-12-01".parse().unwrap(),
            currency: Currency::USD,
            open_ar: 0,
            overdue: 0,
            overdue_90: 0,
            disputed: 0,
            disputed_overdue: 0,
            retainage: 0,
            over_90_share: over_90,
            dso,
            best_possible_dso: None,
            average_days_delinquent: None,
            cei,
            cei_days: 30,
            sales_last_30: 0,
        }
    }

    fn row(label: &str, id: Option<i64>, total: i64, overdue: i64, over_90: i64, disputed_overdue: i64) -> AgingRow {
        AgingRow {
            label: label.into(),
            customer_id: id,
            buckets: vec![total],
            retainage: 0,
            total,
            overdue,
            overdue_90: over_90,
            invoices: 1,
            oldest_days: 0,
            disputed: disputed_overdue,
            disputed_overdue,
            currency: Currency::USD,
        }
    }

    fn snap(day: &str, rows: Vec<(GroupBy, AgingRow)>) -> Snapshot {
        Snapshot {
            day: day.parse().unwrap(),
            rebuilt: false,
            taken_at: chrono::Utc::now(),
            currency: Currency::USD,
            labels: vec!["current".into()],
            rows,
        }
    }

    #[test]
    fn the_accounts_that_moved_a_guardrail_are_those_whose_measure_moved_its_way() {
        use GroupBy::Customer as C;
        let then = snap(
            "2026-11-04",
            vec![
                (C, row("Acme", Some(1), 10_000, 5_000, 0, 0)),
                (C, row("Bayline", Some(2), 8_000, 8_000, 8_000, 0)),
                (C, row("Gone", Some(3), 4_000, 4_000, 1_000, 0)),
            ],
        );
        let now = snap(
            "2026-12-02",
            vec![
                (C, row("Acme", Some(1), 30_000, 9_000, 6_000, 2_000)),
                (C, row("Bayline", Some(2), 9_000, 9_000, 9_000, 0)),
                (C, row("New", Some(4), 2_000, 0, 0, 0)),
            ],
        );
        let moved = |g: Guardrail, crossed: bool| -> Vec<(String, i64, i64)> {
            movers(g, &now, &then, C, crossed).into_iter().map(|m| (m.label, m.then, m.now)).collect()
        };
        // Over 90: grew most first; an account paid off counts on the way back.
        assert_eq!(moved(Guardrail::Over90Share, true), [("Acme".into(), 0, 6_000), ("Bayline".into(), 8_000, 9_000)]);
        assert_eq!(moved(Guardrail::Over90Share, false), [("Gone".into(), 1_000, 0)]);
        // DSO: the open balance; CEI: past due not in dispute (Acme's $2,000 in dispute is left out).
        assert_eq!(
            moved(Guardrail::DsoRise, true),
            [("Acme".into(), 10_000, 30_000), ("New".into(), 0, 2_000), ("Bayline".into(), 8_000, 9_000)]
        );
        assert_eq!(moved(Guardrail::CeiFloor, true), [("Acme".into(), 5_000, 7_000), ("Bayline".into(), 8_000, 9_000)]);
        assert_eq!(moved(Guardrail::CeiFloor, false), [("Gone".into(), 4_000, 0)]);
    }

    #[test]
    fn each_guardrail_breaches_past_its_limit_and_not_on_nothing_to_measure() {
        let limits = Limits::default();
        let [o, d, c] = read(&k(Some(10.0), Some(61.0), Some(69.9)), &k(None, Some(50.0), None), &limits);
        assert!(o.breached && c.breached, "10% is not under a 10% target; 69.9 is under a 70 floor");
        assert!(d.breached, "up 11 days, more than 10");
        assert_eq!(d.value, Some(11.0));
        let [o, d, c] = read(&k(Some(9.9), Some(60.0), Some(70.0)), &k(None, Some(50.0), None), &limits);
        assert!(!o.breached && !d.breached && !c.breached, "up exactly 10 days is not more than 10");
        let [o, d, c] = read(&k(None, Some(90.0), None), &k(None, None, None), &limits);
        assert!(!o.breached && !d.breached && !c.breached, "nothing to measure never breaches");
    }
}
