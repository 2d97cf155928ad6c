//! Late fees as the terms allow them, computed and shown, never booked: a monthly rate charged day
//! by day on each open invoice's unpaid balance (less retainage, which is not due) after its grace
//! days, an optional flat fee once an invoice is past its grace, and an optional cap per invoice.
//! The balance on each day is read from the payments and credits applied to the invoice, so an
//! invoice paid down late accrues on what was still owed each day, not on today's balance alone.

use chrono::NaiveDate;
use serde::Serialize;

use crate::ledger::OpenItem;

/// A percentage in hundredths of a percent (basis points): `1.5%` is 150.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Percent(pub u32);

impl Percent {
    /// Reads `1.5%`, `1.5` or `0.75 %`, at most two decimals, at most 100%.
    pub fn parse(text: &str) -> Result<Percent, String> {
        let t = text.trim().trim_end_matches('%').trim();
        let bad = || format!("'{}' is not a percentage; write it like 1.5%", text.trim());
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
            || frac.len() > 2
        {
            return Err(bad());
        }
        let whole: u32 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
        let frac: u32 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let bp = whole.checked_mul(100).and_then(|w| w.checked_add(frac)).ok_or_else(bad)?;
        if bp > 10_000 {
            return Err(format!("{} is over 100%", text.trim()));
        }
        Ok(Percent(bp))
    }
}

impl std::fmt::Display for Percent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        match frac {
            0 => write!(f, "{whole}%"),
            f10 if f10 % 10 == 0 => write!(f, "{whole}.{}%", f10 / 10),
            _ => write!(f, "{whole}.{frac:02}%"),
        }
    }
}

/// The most one invoice's late fees may come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Cap {
    /// A share of the invoice's amount.
    Share(Percent),
    /// An amount, in minor units of the invoice's currency.
    Amount(i64),
}

/// What a customer's terms allow (the business's, or that customer's own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LateFeeTerms {
    /// Charged per month (a year is twelve), day by day.
    pub monthly: Percent,
    /// Once per invoice, when it is past its grace days (minor units).
    pub flat_minor: i64,
    /// Days after the due date before anything is charged.
    pub grace_days: u32,
    pub cap: Option<Cap>,
}

/// One invoice's late fees to a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LateFeeLine {
    pub invoice_id: i64,
    pub number: String,
    pub due: NaiveDate,
    /// Days past due on the day asked (0 when not yet due).
    pub days_late: i64,
    /// Days the rate was charged: past due, less the grace days.
    pub days_charged: i64,
    /// The rate's share, rounded to the minor unit.
    pub interest_minor: i64,
    pub flat_minor: i64,
    /// What the cap took off (0 when it did not bite).
    pub capped_minor: i64,
    pub total_minor: i64,
}

/// The late fees of one open invoice on `on`. `applied` is every payment and credit applied to it
/// (day, minor units), in any order; the balance before the first of them is the invoice's total.
pub fn late_fee(terms: &LateFeeTerms, item: &OpenItem, applied: &[(NaiveDate, i64)], on: NaiveDate) -> LateFeeLine {
    let days_late = (on - item.due).num_days().max(0);
    let start = item.due + chrono::Duration::days(i64::from(terms.grace_days));
    let days_charged = (on - start).num_days().max(0);
    let mut interest_units: i128 = 0; // minor units x basis points x days
    if days_charged > 0 {
        let mut applied: Vec<(NaiveDate, i64)> = applied.to_vec();
        applied.sort();
        // Each day d in (start, on] is charged on what was owed at its end: a payment stops the
        // charge on its own day.
        let owed_on = |d: NaiveDate| {
            let paid: i64 = applied.iter().filter(|(day, _)| *day <= d).map(|(_, m)| m).sum();
            let balance = (item.total.minor - paid).max(0);
            (balance - item.retainage.minor.max(0)).max(0)
        };
        // Whole runs of days between applications share one balance.
        let mut cuts: Vec<NaiveDate> = applied.iter().map(|(d, _)| *d).filter(|d| *d > start && *d <= on).collect();
        cuts.dedup();
        let mut from = start + chrono::Duration::days(1);
        for cut in cuts.into_iter().chain(std::iter::once(on + chrono::Duration::days(1))) {
            if cut > from {
                let days = (cut - from).num_days();
                interest_units += i128::from(owed_on(from)) * i128::from(days);
                from = cut;
            }
        }
        interest_units *= i128::from(terms.monthly.0);
    }
    // bp per month -> per day: x 12 / 365; / 10,000 for the basis points. Rounded half up.
    let denominator: i128 = 10_000 * 365;
    let interest_minor = i64::try_from((interest_units * 12 + denominator / 2) / denominator).unwrap_or(i64::MAX);
    let flat_minor = if days_charged > 0 { terms.flat_minor } else { 0 };
    let uncapped = interest_minor.saturating_add(flat_minor);
    let limit = match terms.cap {
        Some(Cap::Share(p)) => (i128::from(item.total.minor) * i128::from(p.0) / 10_000) as i64,
        Some(Cap::Amount(m)) => m,
        None => i64::MAX,
    };
    let total_minor = uncapped.min(limit);
    LateFeeLine {
        invoice_id: item.invoice_id,
        number: item.number.clone(),
        due: item.due,
        days_late,
        days_charged,
        interest_minor,
        flat_minor,
        capped_minor: uncapped - total_minor,
        total_minor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Money;
    use crate::ledger::InvoiceKind;
    use crate::money::Currency;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn item(total: i64, retainage: i64, due: &str) -> OpenItem {
        let usd = Currency::parse("USD").unwrap();
        OpenItem {
            invoice_id: 1,
            number: "1001".into(),
            customer_id: 1,
            customer_name: "Acme".into(),
            job_id: None,
            job_name: None,
            pm: None,
            kind: InvoiceKind::Progress,
            issued: d("2026-09-01"),
            due: d(due),
            total: Money::new(total, usd),
            balance: Money::new(total, usd),
            retainage: Money::new(retainage, usd),
            disputed: false,
        }
    }

    fn terms(monthly: &str, grace_days: u32) -> LateFeeTerms {
        LateFeeTerms { monthly: Percent::parse(monthly).unwrap(), flat_minor: 0, grace_days, cap: None }
    }

    #[test]
    fn percentages_read_as_people_write_them() {
        assert_eq!(Percent::parse("1.5%"), Ok(Percent(150)));
        assert_eq!(Percent::parse(" 0.75 % "), Ok(Percent(75)));
        assert_eq!(Percent::parse("2"), Ok(Percent(200)));
        assert_eq!(Percent::parse(".5%"), Ok(Percent(50)));
        for bad in ["", "%", "1.555%", "one", "-1%", "1,5%"] {
            assert!(Percent::parse(bad).is_err(), "{bad}");
        }
        assert!(Percent::parse("101%").unwrap_err().contains("over 100%"));
        assert_eq!(Percent(150).to_string(), "1.5%");
        assert_eq!(Percent(75).to_string(), "0.75%");
        assert_eq!(Percent(1000).to_string(), "10%");
    }

    #[test]
    fn the_rate_is_charged_day_by_day_after_the_grace_days() {
        // $10,000.00 due Oct 1, 1.5% a month, 10 days' grace, on Dec 1: 61 days late, 51 charged.
        // 1,000,000 x 150 bp x 51 days x 12 / (10,000 x 365) = 25,150.68... -> $251.51.
        let line = late_fee(&terms("1.5%", 10), &item(1_000_000, 0, "2026-10-01"), &[], d("2026-12-01"));
        assert_eq!((line.days_late, line.days_charged, line.interest_minor), (61, 51, 25_151));
        // Within the grace days: nothing, not even the flat fee.
        let mut t = terms("1.5%", 10);
        t.flat_minor = 2_500;
        let line = late_fee(&t, &item(1_000_000, 0, "2026-10-01"), &[], d("2026-10-11"));
        assert_eq!((line.days_charged, line.total_minor), (0, 0));
        // A day later: one day's rate (493.15 -> 493) and the flat $25.
        let line = late_fee(&t, &item(1_000_000, 0, "2026-10-01"), &[], d("2026-10-12"));
        assert_eq!((line.interest_minor, line.flat_minor, line.total_minor), (493, 2_500, 2_993));
    }

    #[test]
    fn payments_lower_the_balance_from_their_day_and_retainage_is_not_charged() {
        // $10,000.00 with $1,000.00 retainage, due Oct 1, no grace; $5,000.00 paid Oct 21.
        // Oct 2..Oct 20 (19 days) on $9,000.00, Oct 21..Oct 31 (11 days) on $4,000.00, 1% a month:
        // (900,000 x 19 + 400,000 x 11) x 100 x 12 / 3,650,000 = 7,068.49 -> $70.68.
        let line = late_fee(
            &terms("1%", 0),
            &item(1_000_000, 100_000, "2026-10-01"),
            &[(d("2026-10-21"), 500_000)],
            d("2026-10-31"),
        );
        assert_eq!((line.days_charged, line.interest_minor), (30, 7_068));
        // A payment before the grace ended counts from the start.
        let line = late_fee(
            &terms("1%", 30),
            &item(1_000_000, 0, "2026-10-01"),
            &[(d("2026-10-15"), 600_000)],
            d("2026-11-30"),
        );
        // Nov 1..Nov 30: 30 days on $4,000.00 = 400,000 x 100 x 30 x 12 / 3,650,000 = 3,945.2 -> $39.45.
        assert_eq!((line.days_charged, line.interest_minor), (30, 3_945));
    }

    #[test]
    fn the_cap_is_a_share_of_the_invoice_or_an_amount() {
        let mut t = terms("1.5%", 0);
        t.cap = Some(Cap::Share(Percent(100))); // 1% of $10,000.00 = $100.00
        let line = late_fee(&t, &item(1_000_000, 0, "2026-01-01"), &[], d("2026-12-01"));
        assert_eq!((line.total_minor, line.capped_minor), (10_000, line.interest_minor - 10_000));
        t.cap = Some(Cap::Amount(5_000));
        assert_eq!(late_fee(&t, &item(1_000_000, 0, "2026-01-01"), &[], d("2026-12-01")).total_minor, 5_000);
    }
}
