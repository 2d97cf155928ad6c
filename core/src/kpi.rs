//! Collections KPIs: countback DSO, the share of overdue AR aged over 90 days, CEI and average
//! days delinquent. The formulas are pure functions; [`kpis`] gathers their inputs from a store.

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use crate::money::Currency;
use crate::store::{OpenItemsQuery, Store, StoreError};

/// Countback DSO: walk back through periods (most recent first), using up the open balance
/// against each period's sales; a period that is not fully used counts pro rata.
/// `periods` holds `(days in period, sales in period)`. `None` when there were no sales at all.
pub fn countback_dso(open_ar: i64, periods: &[(u32, i64)]) -> Option<f64> {
    if open_ar <= 0 {
        return Some(0.0);
    }
    let mut left = open_ar as f64;
    let mut days = 0.0;
    let mut any_sales = false;
    for &(period_days, sales) in periods {
        if sales <= 0 {
            days += f64::from(period_days);
            continue;
        }
        any_sales = true;
        if left > sales as f64 {
            left -= sales as f64;
            days += f64::from(period_days);
        } else {
            days += f64::from(period_days) * left / sales as f64;
            return Some(days);
        }
    }
    // More open AR than all the sales we looked at: DSO is at least the whole window.
    any_sales.then_some(days)
}

/// Collection effectiveness index, in percent: what was collected in a period out of what was
/// collectible. `None` when nothing was collectible.
pub fn cei(begin_ar: i64, sales: i64, end_ar: i64, end_current_ar: i64) -> Option<f64> {
    let collectible = begin_ar + sales - end_current_ar;
    (collectible > 0).then(|| (begin_ar + sales - end_ar) as f64 * 100.0 / collectible as f64)
}

/// The calendar-month periods countback DSO walks, most recent first: the month to date, then
/// whole months before it.
pub fn countback_periods(as_of: NaiveDate, months: u32) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::with_capacity(months as usize);
    let mut end = as_of;
    for _ in 0..months {
        let start = end.with_day(1).unwrap_or(end);
        out.push((start, end));
        match start.pred_opt() {
            Some(prev) => end = prev,
            None => break,
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpis {
    pub as_of: NaiveDate,
    pub currency: Currency,
    pub open_ar: i64,
    pub overdue: i64,
    pub overdue_90: i64,
    /// Open on invoices in dispute, and the past-due part of it (within `overdue`).
    pub disputed: i64,
    pub disputed_overdue: i64,
    pub retainage: i64,
    /// Percent of overdue AR more than 90 days past due (target under 10%).
    pub over_90_share: Option<f64>,
    /// Countback DSO in days, over the last 12 months of sales.
    pub dso: Option<f64>,
    /// Best possible DSO: the current (not yet due) part of AR alone, counted back the same way.
    pub best_possible_dso: Option<f64>,
    /// DSO less best possible DSO.
    pub average_days_delinquent: Option<f64>,
    /// CEI over the trailing `cei_days`.
    pub cei: Option<f64>,
    pub cei_days: u32,
    pub sales_last_30: i64,
}

/// Computes the KPIs as of a date. `historical` as in [`OpenItemsQuery`]. The aging configuration
/// does not enter them (overdue and over 90 days always count from the due date).
pub async fn kpis(
    store: &dyn Store,
    as_of: NaiveDate,
    historical: bool,
    currency: Currency,
) -> Result<Kpis, StoreError> {
    let cei_days = 30u32;
    let begin_date = as_of - Days::new(u64::from(cei_days));
    // The KPIs need totals only: summed by the database, not read invoice by invoice. The
    // aging buckets do not enter them (overdue and over 90 days count from the due date). The
    // statements are independent and run at once, each on a connection of its own: the KPIs
    // take as long as the slowest (the open sums at the start of the period), not the sum.
    let months = countback_periods(as_of, 12);
    let (now, begin, sales, monthly) = tokio::try_join!(
        store.open_sums(OpenItemsQuery { as_of, customer_id: None, historical }, currency),
        store.open_sums(OpenItemsQuery { as_of: begin_date, customer_id: None, historical: true }, currency),
        store.sales_between(begin_date + Days::new(1), as_of, currency),
        futures_util::future::try_join_all(
            months.iter().map(|(start, end)| store.sales_between(*start, *end, currency))
        ),
    )?;
    let periods: Vec<(u32, i64)> = months
        .iter()
        .zip(monthly)
        .map(|((start, end), sales)| ((*end - *start).num_days() as u32 + 1, sales))
        .collect();
    Ok(of_sums(as_of, currency, cei_days, &now, &begin, sales, &periods))
}

/// [`kpis`] on each of `days` before today, each as the ledger stood at its end (`historical`):
/// the open sums on every day and 30 days before it in one pass over the ledger
/// ([`crate::store::LedgerReads::open_sums_on`]) and the sales of each day read once for every
/// countback month and CEI period, rather than two passes and thirteen statements per day (the
/// weekly report reads the KPIs of a week and four weeks before and the DSO of twelve weeks).
pub async fn kpis_on<const N: usize>(
    store: &dyn Store,
    days: [NaiveDate; N],
    currency: Currency,
) -> Result<[Kpis; N], StoreError> {
    let cei_days = 30u32;
    let begins: [NaiveDate; N] = days.map(|d| d - Days::new(u64::from(cei_days)));
    let months: [Vec<(NaiveDate, NaiveDate)>; N] = days.map(|d| countback_periods(d, 12));
    let from = months.iter().flatten().map(|p| p.0).chain(begins.iter().map(|b| *b + Days::new(1))).min();
    let to = days.iter().max().copied();
    let (from, to) = (from.unwrap_or(NaiveDate::MIN), to.unwrap_or(NaiveDate::MIN));
    let on: Vec<NaiveDate> = days.iter().chain(&begins).copied().collect();
    let (sums, sales) = tokio::try_join!(store.open_sums_on(&on, currency), store.sales_by_day(from, to, currency))?;
    Ok(std::array::from_fn(|k| {
        let periods = periods_of(&months[k], &sales);
        let sold = sold(&sales, begins[k] + Days::new(1), days[k]);
        of_sums(days[k], currency, cei_days, &sums[k], &sums[N + k], sold, &periods)
    }))
}

/// Countback DSO alone on each of `days` before today, as [`kpis_on`] has it: the open sums on
/// every day in one pass, the sales by day read once.
pub async fn dso_on(store: &dyn Store, days: &[NaiveDate], currency: Currency) -> Result<Vec<Option<f64>>, StoreError> {
    let months: Vec<Vec<(NaiveDate, NaiveDate)>> = days.iter().map(|d| countback_periods(*d, 12)).collect();
    let (Some(from), Some(to)) = (months.iter().flatten().map(|p| p.0).min(), days.iter().max().copied()) else {
        return Ok(Vec::new());
    };
    let (sums, sales) = tokio::try_join!(store.open_sums_on(days, currency), store.sales_by_day(from, to, currency))?;
    Ok(sums.iter().zip(&months).map(|(s, m)| countback_dso(s.total, &periods_of(m, &sales))).collect())
}

/// The sales of `[from, to]` from the sales by day.
fn sold(sales: &[(NaiveDate, i64)], from: NaiveDate, to: NaiveDate) -> i64 {
    sales.iter().filter(|(d, _)| *d >= from && *d <= to).map(|(_, s)| *s).sum()
}

/// Countback periods as `(days, sales)`, from the sales by day.
fn periods_of(months: &[(NaiveDate, NaiveDate)], sales: &[(NaiveDate, i64)]) -> Vec<(u32, i64)> {
    months.iter().map(|(start, end)| ((*end - *start).num_days() as u32 + 1, sold(sales, *start, *end))).collect()
}

/// The KPIs of the open sums on `as_of` and `cei_days` before it, the sales since then and the
/// countback months' sales.
fn of_sums(
    as_of: NaiveDate,
    currency: Currency,
    cei_days: u32,
    now: &crate::store::OpenSums,
    begin: &crate::store::OpenSums,
    sales: i64,
    periods: &[(u32, i64)],
) -> Kpis {
    let current_part = now.total - now.overdue;
    let dso = countback_dso(now.total, periods);
    let best = countback_dso(current_part, periods);
    Kpis {
        as_of,
        currency,
        open_ar: now.total,
        overdue: now.overdue,
        overdue_90: now.overdue_90,
        disputed: now.disputed,
        disputed_overdue: now.disputed_overdue,
        retainage: now.retainage,
        over_90_share: (now.overdue > 0).then(|| now.overdue_90 as f64 * 100.0 / now.overdue as f64),
        dso,
        best_possible_dso: best,
        average_days_delinquent: dso.zip(best).map(|(d, b)| (d - b).max(0.0)),
        cei: cei(begin.total, sales, now.total, current_part),
        cei_days,
        sales_last_30: sales,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countback_walks_back_month_by_month() {
        // $150 open; this month (22 days) sold $100, last month (31 days) sold $100:
        // 22 days + half of 31 = 37.5.
        assert_eq!(countback_dso(15_000, &[(22, 10_000), (31, 10_000)]), Some(37.5));
        // Everything sold this month: pro rata within it.
        assert_eq!(countback_dso(5_000, &[(20, 10_000)]), Some(10.0));
        assert_eq!(countback_dso(0, &[(20, 10_000)]), Some(0.0));
        assert_eq!(countback_dso(100, &[(30, 0)]), None);
        // A month without sales still counts its days.
        assert_eq!(countback_dso(10_000, &[(30, 0), (31, 10_000)]), Some(61.0));
    }

    #[test]
    fn cei_is_collected_over_collectible() {
        // Began with 1000, billed 500, ended with 600 of which 300 current:
        // collected 900 of 1200 collectible = 75%.
        assert_eq!(cei(1000, 500, 600, 300), Some(75.0));
        assert_eq!(cei(0, 0, 0, 0), None);
    }

    #[test]
    fn periods_are_calendar_months() {
        let p = countback_periods("2026-03-10".parse().unwrap(), 3);
        let s: Vec<String> = p.iter().map(|(a, b)| format!("{a}..{b}")).collect();
        assert_eq!(s, ["2026-03-01..2026-03-10", "2026-02-01..2026-02-28", "2026-01-01..2026-01-31"]);
    }
}
