//! The month-end close pack as data: the aging frozen at the period's last day (the snapshot kept
//! that day, so a payment backdated into the month afterwards does not change it), the unapplied
//! cash and open credit memos to clear, the invoices in dispute, the promises and plan
//! installments that rolled into the new month, retainage held and what of it was paid, and the
//! invoices issued and the cash collected in the month. Chat adapters decide how it looks.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use serde::Serialize;

use crate::aging::{AgingConfig, AgingRow, GroupBy};
use crate::collections::{Outcome, PromiseRules, PromiseStatus, installments_due};
use crate::ledger::InvoiceKind;
use crate::money::Currency;
use crate::snapshots::on_day_by;
use crate::store::{Store, StoreError};
use crate::weekly::{AgingPoint, point};

/// How far ahead of the period's end plan installments are read (every installment still to come).
const PLAN_HORIZON_DAYS: u64 = 3660;

/// An invoice issued in the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedInvoice {
    pub number: String,
    pub customer_name: String,
    pub job_name: Option<String>,
    pub kind: InvoiceKind,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub total: i64,
    /// The retainage the invoice holds back, as the ledger records it now.
    pub retainage: i64,
}

/// One application made in the month: cash, or a credit memo applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub applied_on: NaiveDate,
    /// The payment's day and reference.
    pub received: NaiveDate,
    pub reference: Option<String>,
    pub customer_name: String,
    pub invoice_id: i64,
    pub invoice_number: String,
    pub invoice_kind: InvoiceKind,
    pub amount: i64,
    /// Set when the application is a credit memo rather than cash.
    pub credit_memo: Option<String>,
}

/// An invoice that holds retainage and had something applied in the month: enough to rebuild
/// its balance before and after the month's applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetainageTouched {
    pub invoice_id: i64,
    pub total: i64,
    pub balance_now: i64,
    pub retainage: i64,
    pub applied_in_month: i64,
    pub applied_after: i64,
}

/// Money on account at the period's end: a payment's unapplied cash, or a credit memo's
/// remaining credit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OnAccount {
    pub customer_name: String,
    /// The payment's reference, or the credit memo's number.
    pub reference: Option<String>,
    /// The day it was received or issued.
    pub date: NaiveDate,
    /// The payment's or credit memo's whole amount.
    pub amount: i64,
    /// What of it was on account at the period's end.
    pub open: i64,
}

/// A disputed invoice's balance at the period's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvoiceAtEnd {
    pub invoice_id: i64,
    pub number: String,
    pub customer_name: String,
    pub due: NaiveDate,
    pub balance: i64,
}

/// What [`crate::store::ReportStore::close_ledger`] reads of the ledger for one month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CloseLedger {
    pub issued: Vec<IssuedInvoice>,
    pub applied: Vec<Applied>,
    pub retainage_touched: Vec<RetainageTouched>,
    pub unapplied: Vec<OnAccount>,
    pub credit_memos: Vec<OnAccount>,
    pub disputed: Vec<InvoiceAtEnd>,
}

/// An invoice in dispute at the period's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disputed {
    pub number: String,
    pub customer_name: String,
    pub reason: String,
    pub opened_on: NaiveDate,
    pub due: NaiveDate,
    /// Its balance at the period's end.
    pub balance: i64,
}

/// A promise open at the period's end that falls due after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolledPromise {
    pub customer_name: String,
    pub promised_for: NaiveDate,
    pub logged_on: NaiveDate,
    pub amount: i64,
    /// Still owed on it at the period's end (its amount less the cash applied toward it by then).
    pub owed: i64,
}

/// A plan installment due after the period's end, not yet paid at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolledInstallment {
    pub customer_name: String,
    pub plan_id: i64,
    pub seq: i64,
    pub of: i64,
    pub due_on: NaiveDate,
    pub amount: i64,
    /// Still owed on it at the period's end.
    pub owed: i64,
}

/// Retainage over the month. `held_start` and `held_end` are the retainage column of the aging
/// kept on the day before the month and on its last day. `retained` is the retainage on the
/// invoices issued in the month; `paid` the part of the month's applications (cash and credits)
/// that reached into an invoice's retainage, once its due part was paid; both read the
/// retainage each invoice holds as the ledger records it now (the accounting systems keep no
/// history of it). `other` is what is left: `held_start + retained - paid - held_end`, retainage
/// the accounting system stopped showing as held without a payment (released to billing or
/// written off), or a change to the ledger after a snapshot was kept. Retainage billed on its own
/// invoice (kind `retainage`) is counted apart, as billed and as cash collected on those invoices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RetainageMonth {
    pub held_start: i64,
    pub held_end: i64,
    pub retained: i64,
    pub paid: i64,
    pub other: i64,
    /// Retainage invoices issued in the month: how many, and their total.
    pub billed_invoices: usize,
    pub billed: i64,
    /// Cash applied in the month to retainage invoices.
    pub collected_on_billed: i64,
}

/// The month-end close pack for one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClosePack {
    /// The month's first and last days.
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub currency: Currency,
    pub labels: Vec<String>,
    /// The aging at the period's end (the snapshot kept on its last day, or rebuilt and marked).
    pub aging: AgingPoint,
    /// The aging on the day before the month (for retainage held at its start).
    pub aging_before: AgingPoint,
    /// The period end's aging by customer, largest first (what `/ar aging <last day>` lists).
    pub by_customer: Vec<AgingRow>,
    pub unapplied: Vec<OnAccount>,
    pub credit_memos: Vec<OnAccount>,
    pub disputes: Vec<Disputed>,
    pub promises: Vec<RolledPromise>,
    pub installments: Vec<RolledInstallment>,
    pub retainage: RetainageMonth,
    pub issued: Vec<IssuedInvoice>,
    /// Cash applied to invoices in the month, oldest first.
    pub collected: Vec<Applied>,
    /// Credit memos applied to invoices in the month, oldest first.
    pub credits_applied: Vec<Applied>,
}

fn sum<T>(items: &[T], f: impl Fn(&T) -> i64) -> i64 {
    items.iter().map(f).sum()
}

impl ClosePack {
    /// The month as `2026-11`: the key the scheduled post is sent under.
    pub fn key(&self) -> String {
        month_key(self.first)
    }

    pub fn unapplied_total(&self) -> i64 {
        sum(&self.unapplied, |x| x.open)
    }

    pub fn credit_memos_total(&self) -> i64 {
        sum(&self.credit_memos, |x| x.open)
    }

    pub fn disputed_total(&self) -> i64 {
        sum(&self.disputes, |x| x.balance)
    }

    pub fn promised_total(&self) -> i64 {
        sum(&self.promises, |x| x.owed)
    }

    pub fn installments_total(&self) -> i64 {
        sum(&self.installments, |x| x.owed)
    }

    pub fn issued_total(&self) -> i64 {
        sum(&self.issued, |x| x.total)
    }

    pub fn collected_total(&self) -> i64 {
        sum(&self.collected, |x| x.amount)
    }

    pub fn credits_applied_total(&self) -> i64 {
        sum(&self.credits_applied, |x| x.amount)
    }
}

/// `2026-11`.
pub fn month_key(first: NaiveDate) -> String {
    first.format("%Y-%m").to_string()
}

/// The first day of `day`'s month.
pub fn first_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The last day of the month that begins on `first`.
pub fn last_of(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first)
}

/// The last month that has ended by `today`: on any day of December, November.
pub fn last_ended(today: NaiveDate) -> NaiveDate {
    first_of(first_of(today).pred_opt().unwrap_or(today))
}

/// Why a piece of text is not a month.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("I couldn't read '{0}' as a month. Try november, Nov 2026 or 2026-11.")]
pub struct MonthError(pub String);

/// Reads a month as people type it: `november`, `Nov`, `Nov 2026`, `november 2026`, `2026-11`,
/// `11/2026`. A month name without a year is the latest month of that name that has begun
/// (`november` typed in January is the November just past; typed in December, last month).
/// Answers the month's first day.
pub fn parse_month(input: &str, today: NaiveDate) -> Result<NaiveDate, MonthError> {
    let raw = input.trim();
    let bad = || MonthError(raw.to_string());
    let norm = raw.replace(',', " ");
    let words: Vec<&str> = norm.split_whitespace().collect();
    let ym = |y: i32, m: u32| -> Result<NaiveDate, MonthError> {
        if !crate::dates::plausible_years(today).contains(&y) {
            return Err(bad());
        }
        NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)
    };
    let num = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())).then(|| s.parse().ok()).flatten()
    };
    match words.as_slice() {
        [one] => {
            for sep in ['-', '/'] {
                if let Some((a, b)) = one.split_once(sep) {
                    return match (num(a), num(b)) {
                        (Some(y), Some(m)) if a.len() == 4 => ym(y as i32, m),
                        (Some(m), Some(y)) if b.len() == 4 => ym(y as i32, m),
                        _ => Err(bad()),
                    };
                }
            }
            let m = crate::dates::month_from_name(one).ok_or_else(bad)?;
            let y = if m <= today.month() { today.year() } else { today.year() - 1 };
            ym(y, m)
        }
        [name, year] => {
            let m = crate::dates::month_from_name(name).ok_or_else(bad)?;
            match num(year) {
                Some(y) if year.len() == 4 => ym(y as i32, m),
                _ => Err(bad()),
            }
        }
        _ => Err(bad()),
    }
}

/// Computes the retainage over the month from the two days' aging and the month's ledger.
pub fn retainage_month(before: &AgingPoint, end: &AgingPoint, ledger: &CloseLedger) -> RetainageMonth {
    let held = |r: i64, b: i64| r.max(0).min(b.max(0));
    let retained: i64 = ledger.issued.iter().map(|i| held(i.retainage, i.total)).sum();
    let paid: i64 = ledger
        .retainage_touched
        .iter()
        .map(|t| {
            let end = (t.balance_now + t.applied_after).min(t.total);
            let start = (end + t.applied_in_month).min(t.total);
            held(t.retainage, start) - held(t.retainage, end)
        })
        .sum();
    let billed: Vec<&IssuedInvoice> = ledger.issued.iter().filter(|i| i.kind == InvoiceKind::Retainage).collect();
    let (held_start, held_end) = (before.retainage(), end.retainage());
    RetainageMonth {
        held_start,
        held_end,
        retained,
        paid,
        other: held_start + retained - paid - held_end,
        billed_invoices: billed.len(),
        billed: billed.iter().map(|i| i.total).sum(),
        collected_on_billed: ledger
            .applied
            .iter()
            .filter(|a| a.credit_memo.is_none() && a.invoice_kind == InvoiceKind::Retainage)
            .map(|a| a.amount)
            .sum(),
    }
}

/// Loads and computes the close pack of the month beginning on `first` (a month that has ended
/// by `today`): the aging of its last day and of the day before it from their snapshots (rebuilt
/// from the ledger where none was kept, and marked so); everything else from the ledger as it
/// stands now, read as of the end of the month's last day.
pub async fn load(
    store: &dyn Store,
    first: NaiveDate,
    today: NaiveDate,
    cfg: &AgingConfig,
    currency: Currency,
    now: DateTime<Utc>,
    rules: PromiseRules,
) -> Result<ClosePack, StoreError> {
    let first = first_of(first);
    let last = last_of(first);
    let before = first.pred_opt().unwrap_or(first);
    // The customers' rows: the pack shows the aging by customer and the totals, not the jobs'
    // and PMs' rows (a snapshot's other three quarters on a ledger of three jobs a customer).
    let end = on_day_by(store, last, today, cfg, currency, now, GroupBy::Customer).await?;
    let start = on_day_by(store, before, today, cfg, currency, now, GroupBy::Customer).await?;
    let columns = end.labels.len();
    let aging = point(&end, columns);
    let aging_before = point(&start, start.labels.len());
    let mut by_customer: Vec<AgingRow> = end.rows_by(GroupBy::Customer).cloned().collect();
    by_customer.sort_by(|a, b| b.total.cmp(&a.total).then(a.label.cmp(&b.label)));

    let ledger = store.close_ledger(first, last, currency).await?;
    let retainage = retainage_month(&aging_before, &aging, &ledger);

    // Disputes opened by the end of the last day and not resolved by then, on invoices with a
    // balance then; the earliest such dispute of each invoice.
    let on = |t: DateTime<Utc>| t.with_timezone(&rules.tz).date_naive();
    let balances: HashMap<i64, &InvoiceAtEnd> = ledger.disputed.iter().map(|i| (i.invoice_id, i)).collect();
    let mut disputes: Vec<Disputed> = Vec::new();
    let mut seen = Vec::new();
    for d in store.disputes(false, None).await? {
        let open_then = on(d.opened_at) <= last && d.resolved_at.is_none_or(|r| on(r) > last);
        let Some(inv) = balances.get(&d.invoice_id).filter(|i| i.balance > 0) else { continue };
        if !open_then || seen.contains(&d.invoice_id) {
            continue;
        }
        seen.push(d.invoice_id);
        disputes.push(Disputed {
            number: inv.number.clone(),
            customer_name: inv.customer_name.clone(),
            reason: crate::collections::reason_text(&d.reason),
            opened_on: on(d.opened_at),
            due: inv.due,
            balance: inv.balance,
        });
    }
    disputes.sort_by(|a, b| b.balance.cmp(&a.balance).then(a.number.cmp(&b.number)));

    // Promises and installments due after the last day, logged by it, not paid by it.
    let after = last + Days::new(1);
    let promises = store.promises_from(after).await?;
    let plans = store.plans_due(after, last + Days::new(PLAN_HORIZON_DAYS)).await?;
    let earliest = promises
        .iter()
        .map(|(p, _)| p.logged_on(rules.tz))
        .chain(plans.iter().map(|(p, _)| p.logged_on(rules.tz)))
        .min();
    let cash = match earliest {
        Some(from) => store.cash_applied(None, from).await?,
        None => Vec::new(),
    };
    let mut rolled: Vec<RolledPromise> = promises
        .iter()
        .filter(|(p, _)| {
            p.status != PromiseStatus::Cancelled
                && p.amount.currency == currency
                && p.logged_on(rules.tz) <= last
                && p.promised_for > last
        })
        .filter_map(|(p, name)| match p.outcome(&cash, last, rules) {
            Outcome::Pending { paid } => Some(RolledPromise {
                customer_name: name.clone(),
                promised_for: p.promised_for,
                logged_on: p.logged_on(rules.tz),
                amount: p.amount.minor,
                owed: p.amount.minor - paid.minor,
            }),
            _ => None,
        })
        .collect();
    rolled.sort_by(|a, b| a.promised_for.cmp(&b.promised_for).then(a.customer_name.cmp(&b.customer_name)));
    let standing: Vec<_> = plans
        .into_iter()
        .filter(|(p, _)| {
            p.status != PromiseStatus::Cancelled && p.total.currency == currency && p.logged_on(rules.tz) <= last
        })
        .collect();
    let installments: Vec<RolledInstallment> =
        installments_due(&standing, &cash, after, last + Days::new(PLAN_HORIZON_DAYS), last, rules)
            .into_iter()
            .filter_map(|i| match i.outcome {
                Outcome::Pending { paid } => Some(RolledInstallment {
                    customer_name: i.customer_name,
                    plan_id: i.plan_id,
                    seq: i.seq,
                    of: i.of,
                    due_on: i.due_on,
                    amount: i.amount.minor,
                    owed: i.amount.minor - paid.minor,
                }),
                _ => None,
            })
            .collect();

    let (credits_applied, collected): (Vec<Applied>, Vec<Applied>) =
        ledger.applied.iter().cloned().partition(|a| a.credit_memo.is_some());
    Ok(ClosePack {
        first,
        last,
        currency,
        labels: end.labels.clone(),
        aging,
        aging_before,
        by_customer,
        unapplied: ledger.unapplied,
        credit_memos: ledger.credit_memos,
        disputes,
        promises: rolled,
        installments,
        retainage,
        issued: ledger.issued,
        collected,
        credits_applied,
    })
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)] // amounts read as dollars_cents
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn months_read_as_people_type_them() {
        let today = d("2026-12-03");
        for (typed, want) in [
            ("november", "2026-11-01"),
            ("Nov", "2026-11-01"),
            ("Nov 2026", "2026-11-01"),
            ("november, 2025", "2025-11-01"),
            ("2026-11", "2026-11-01"),
            ("11/2026", "2026-11-01"),
            ("december", "2026-12-01"),
            ("jan", "2026-01-01"),
        ] {
            assert_eq!(parse_month(typed, today), Ok(d(want)), "{typed}");
        }
        // In January, "december" is the December just past.
        assert_eq!(parse_month("december", d("2027-01-05")), Ok(d("2026-12-01")));
        for bad in ["", "smarch", "2026-13", "13/2026", "Nov 26", "0000-11", "nov 30 2026"] {
            assert!(parse_month(bad, today).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_default_month_is_the_last_one_that_has_ended() {
        assert_eq!(last_ended(d("2026-12-01")), d("2026-11-01"));
        assert_eq!(last_ended(d("2026-12-31")), d("2026-11-01"));
        assert_eq!(last_ended(d("2027-01-02")), d("2026-12-01"));
        assert_eq!(last_of(d("2026-02-01")), d("2026-02-28"));
        assert_eq!(last_of(d("2026-12-01")), d("2026-12-31"));
    }

    fn point(total: i64, buckets: i64) -> AgingPoint {
        AgingPoint {
            day: d("2026-11-30"),
            rebuilt: true,
            buckets: vec![buckets],
            total,
            overdue: 0,
            overdue_90: 0,
            disputed: 0,
            disputed_overdue: 0,
        }
    }

    /// A $10,000 invoice holding $1,000 retainage: $9,500 paid in the month takes the due part
    /// and $500 of the retainage; an invoice issued in the month adds its own.
    #[test]
    fn retainage_paid_is_the_part_of_the_months_payments_past_the_due_part() {
        let ledger = CloseLedger {
            issued: vec![IssuedInvoice {
                number: "2".into(),
                customer_name: "A".into(),
                job_name: None,
                kind: InvoiceKind::Progress,
                issued: d("2026-11-10"),
                due: d("2026-12-10"),
                total: 5_000_00,
                retainage: 500_00,
            }],
            retainage_touched: vec![RetainageTouched {
                invoice_id: 1,
                total: 10_000_00,
                balance_now: 0,
                retainage: 1_000_00,
                applied_in_month: 9_500_00,
                applied_after: 500_00,
            }],
            ..CloseLedger::default()
        };
        // Held before: $1,000 (on a $10,000 balance); at the end: $500 + the new $500.
        let r = retainage_month(&point(10_000_00, 9_000_00), &point(5_500_00, 4_500_00), &ledger);
        assert_eq!((r.held_start, r.retained, r.paid, r.held_end, r.other), (1_000_00, 500_00, 500_00, 1_000_00, 0));
    }
}
