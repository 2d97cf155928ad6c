//! The weekly AR report as data: the aging now against a week and four weeks before (from the
//! daily snapshots, so each reads what was known that day), the KPIs on the same three days, the
//! accounts that moved into a worse bucket, the largest risks with why, by PM, and recommended
//! actions chosen by the rules in [`RULES`]. Chat adapters decide how it looks.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;

use crate::aging::{AgingConfig, AgingRow, GroupBy};
use crate::kpi::{Kpis, kpis};
use crate::money::Currency;
use crate::snapshots::{Snapshot, compute, on_day};
use crate::store::{Store, StoreError};

/// The rules recommended actions are chosen by, in the order they are tried for each account
/// (one action per account, the first rule that matches), written down so anyone can check them.
pub const RULES: &[&str] = &[
    "moved into the oldest bucket this week: escalate to the manager",
    "moved into a worse bucket this week with money past due: call the customer's AP this week",
    "money past due in dispute among the largest risks: settle the dispute (paperwork, change order)",
    "past due more than 90 days among the largest risks: escalate to the manager",
];

/// How many of the largest risks are listed.
pub const TOP_RISKS: usize = 10;

/// The aging of one day, totalled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgingPoint {
    pub day: NaiveDate,
    /// Rebuilt from the ledger rather than kept on the day.
    pub rebuilt: bool,
    pub buckets: Vec<i64>,
    pub total: i64,
    pub overdue: i64,
    pub overdue_90: i64,
}

/// An account whose oldest money moved into an older bucket since last week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moved {
    pub customer_id: i64,
    pub name: String,
    /// Bucket labels: where its oldest money was last week (None: it owed nothing), and now.
    pub from: Option<String>,
    pub to: String,
    pub to_index: usize,
    pub total: i64,
    pub overdue: i64,
    pub oldest_days: i64,
}

/// One of the largest risks: an account by collectible past due, with why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    pub customer_id: i64,
    pub name: String,
    pub total: i64,
    pub overdue: i64,
    pub overdue_90: i64,
    pub disputed_overdue: i64,
    pub oldest_days: i64,
    pub reasons: Vec<String>,
}

/// A recommended action: the account, what to do, and the rule (index into [`RULES`]) that chose it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub customer_id: i64,
    pub name: String,
    pub rule: usize,
    pub overdue: i64,
    pub oldest_days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyReport {
    pub day: NaiveDate,
    pub currency: Currency,
    pub labels: Vec<String>,
    /// Now, a week before and four weeks before.
    pub aging: [AgingPoint; 3],
    /// The KPIs on the same three days.
    pub kpis: [Kpis; 3],
    pub moved: Vec<Moved>,
    pub risks: Vec<Risk>,
    pub actions: Vec<Action>,
    /// By PM, now.
    pub by_pm: Vec<AgingRow>,
}

fn point(s: &Snapshot, columns: usize) -> AgingPoint {
    let mut buckets = vec![0i64; columns];
    let (mut total, mut overdue, mut overdue_90) = (0, 0, 0);
    for r in s.rows_by(GroupBy::Customer) {
        for (i, b) in r.buckets.iter().enumerate().take(columns) {
            buckets[i] += b;
        }
        total += r.total;
        overdue += r.overdue;
        overdue_90 += r.overdue_90;
    }
    AgingPoint { day: s.day, rebuilt: s.rebuilt, buckets, total, overdue, overdue_90 }
}

/// The oldest bucket an account has money in.
fn worst(r: &AgingRow) -> Option<usize> {
    r.buckets.iter().rposition(|b| *b > 0)
}

/// Computes the report from the three days' aging and KPIs.
pub fn weekly_report(now: &Snapshot, week: &Snapshot, month: &Snapshot, kpis: [Kpis; 3]) -> WeeklyReport {
    let columns = now.labels.len();
    let before: HashMap<i64, &AgingRow> =
        week.rows_by(GroupBy::Customer).filter_map(|r| r.customer_id.map(|id| (id, r))).collect();
    let mut moved = Vec::new();
    for r in now.rows_by(GroupBy::Customer) {
        let (Some(id), Some(to)) = (r.customer_id, worst(r)) else { continue };
        let from = before.get(&id).and_then(|b| worst(b));
        // Bucket 0 is money not yet due: only a move into a past-due bucket counts.
        if to > 0 && from.is_none_or(|f| to > f) {
            moved.push(Moved {
                customer_id: id,
                name: r.label.clone(),
                from: from.and_then(|f| now.labels.get(f).cloned()),
                to: now.labels.get(to).cloned().unwrap_or_default(),
                to_index: to,
                total: r.total,
                overdue: r.overdue,
                oldest_days: r.oldest_days,
            });
        }
    }
    moved.sort_by(|a, b| b.to_index.cmp(&a.to_index).then(b.overdue.cmp(&a.overdue)).then(a.name.cmp(&b.name)));

    let mut risks: Vec<Risk> = now
        .rows_by(GroupBy::Customer)
        .filter(|r| r.overdue > 0)
        .filter_map(|r| {
            let id = r.customer_id?;
            let mut reasons = vec![format!("past due {} days at the oldest", r.oldest_days)];
            if r.overdue_90 > 0 {
                reasons.push("money past due more than 90 days".to_string());
            }
            if r.disputed_overdue > 0 {
                reasons.push("past-due money in dispute".to_string());
            }
            if moved.iter().any(|m| m.customer_id == id) {
                reasons.push("moved into a worse bucket this week".to_string());
            }
            Some(Risk {
                customer_id: id,
                name: r.label.clone(),
                total: r.total,
                overdue: r.overdue,
                overdue_90: r.overdue_90,
                disputed_overdue: r.disputed_overdue,
                oldest_days: r.oldest_days,
                reasons,
            })
        })
        .collect();
    risks.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.name.cmp(&b.name)));
    risks.truncate(TOP_RISKS);

    let mut actions: Vec<Action> = Vec::new();
    let act = |actions: &mut Vec<Action>, id: i64, name: &str, rule: usize, overdue: i64, days: i64| {
        if !actions.iter().any(|a| a.customer_id == id) {
            actions.push(Action { customer_id: id, name: name.to_string(), rule, overdue, oldest_days: days });
        }
    };
    for m in &moved {
        let rule = if m.to_index + 1 == columns { 0 } else { 1 };
        act(&mut actions, m.customer_id, &m.name, rule, m.overdue, m.oldest_days);
    }
    for r in &risks {
        if r.disputed_overdue > 0 {
            act(&mut actions, r.customer_id, &r.name, 2, r.overdue, r.oldest_days);
        } else if r.overdue_90 > 0 {
            act(&mut actions, r.customer_id, &r.name, 3, r.overdue, r.oldest_days);
        }
    }

    let mut by_pm: Vec<AgingRow> = now.rows_by(GroupBy::Pm).cloned().collect();
    by_pm.sort_by(|a, b| b.total.cmp(&a.total).then(a.label.cmp(&b.label)));
    WeeklyReport {
        day: now.day,
        currency: now.currency,
        labels: now.labels.clone(),
        aging: [point(now, columns), point(week, columns), point(month, columns)],
        kpis,
        moved,
        risks,
        actions,
        by_pm,
    }
}

/// Loads and computes the weekly report for `day`: `day`'s aging live when it is today (what
/// `/ar aging` shows), else its snapshot; a week and four weeks before from their snapshots
/// (rebuilt from the ledger where none was kept, and marked so).
pub async fn load(
    store: &dyn Store,
    day: NaiveDate,
    today: NaiveDate,
    cfg: &AgingConfig,
    currency: Currency,
    now: DateTime<Utc>,
) -> Result<WeeklyReport, StoreError> {
    let snap_now = if day == today {
        compute(store, day, today, cfg, currency, now).await?
    } else {
        on_day(store, day, today, cfg, currency, now).await?
    };
    let week = on_day(store, day - Days::new(7), today, cfg, currency, now).await?;
    let month = on_day(store, day - Days::new(28), today, cfg, currency, now).await?;
    let k = [
        kpis(store, day, day < today, currency).await?,
        kpis(store, week.day, true, currency).await?,
        kpis(store, month.day, true, currency).await?,
    ];
    Ok(weekly_report(&snap_now, &week, &month, k))
}
