//! Payer trends: how fast a customer pays and whether it is getting slower, from its own paid
//! invoices; when each of its open invoices is likely to be paid; and a risk score with the
//! reasons that make it up, by rules written down in [`RISK_RULES`]. Used by `/report trends` and
//! by the weekly report, which names the accounts paying slower before their invoices are overdue.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::cash::PaidInvoice;
use crate::ledger::OpenItem;

/// How far back a payer's history is read: four quarters of [`QUARTER_DAYS`].
pub const HISTORY_DAYS: u64 = 364;

/// The length of one period of the trend.
pub const QUARTER_DAYS: u64 = 91;

/// "Recently": the last quarter, against the three before it.
pub const RECENT_DAYS: u64 = QUARTER_DAYS;

/// A payer whose median days late in the last quarter is this much worse than in the three
/// quarters before is paying slower (and this much better, faster).
pub const SLOWER_DAYS: i64 = 7;

/// Fewer paid invoices than this in a period say nothing about it.
pub const MIN_PAID: usize = 2;

/// The rules the risk score adds up, in points, each one a reason when it applies.
pub const RISK_RULES: &[(&str, u32)] = &[
    ("pays a median of more than 30 days late over the year", 30),
    ("pays a median of 8 to 30 days late over the year", 15),
    ("paying slower: the last quarter's median days late is 7 or more worse than the three before", 25),
    ("money more than 60 days past due now", 20),
    ("money 31 to 60 days past due now", 10),
    ("a promise broken in the last 90 days (each, up to two)", 10),
    ("an invoice in dispute now", 10),
];

/// One period of a payer's history: the invoices whose last payment fell in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    /// The period's last day.
    pub to: NaiveDate,
    pub paid: usize,
    /// Days from the due date to the last payment (negative: early).
    pub median_late: Option<i64>,
    pub average_late: Option<f64>,
    /// Days from the invoice date to the last payment.
    pub average_to_pay: Option<f64>,
}

/// Whether a payer is getting slower.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "direction", content = "days")]
pub enum Direction {
    /// The last quarter's median days late is this many days worse.
    Slower(i64),
    Faster(i64),
    Steady,
    /// Too few paid invoices in the last quarter or before it to say.
    Unknown,
}

/// When an open invoice is likely to be paid, from the payer's median days late.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Predicted {
    pub invoice_id: i64,
    pub number: String,
    pub due: NaiveDate,
    /// What is due on it (the balance less retainage held).
    pub due_minor: i64,
    /// The due date plus the median days late, never before the day of the report.
    pub likely: NaiveDate,
    /// Days past due it would be by then.
    pub late_by_then: i64,
}

/// A payer's trend on a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayerTrend {
    pub customer_id: i64,
    pub name: String,
    pub day: NaiveDate,
    /// Four quarters, oldest first, the last ending on the day.
    pub periods: Vec<Period>,
    /// Over the year.
    pub year: Period,
    pub direction: Direction,
    /// The median days late the predictions use: the payer's own over the year, else the whole
    /// book's (`from_book`).
    pub median_late: Option<i64>,
    pub from_book: bool,
    pub predicted: Vec<Predicted>,
    /// 0 to 100: the points of the [`RISK_RULES`] that apply.
    pub risk: u32,
    pub reasons: Vec<String>,
}

impl PayerTrend {
    /// "low", "medium" or "high".
    pub fn risk_level(&self) -> &'static str {
        match self.risk {
            0..25 => "low",
            25..50 => "medium",
            _ => "high",
        }
    }
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    // The lower middle of an even count: a whole number of days, never rounded up.
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]).div_euclid(2) })
}

fn period(history: &[&PaidInvoice], from: NaiveDate, to: NaiveDate) -> Period {
    let inside: Vec<&&PaidInvoice> = history.iter().filter(|h| h.paid_on >= from && h.paid_on <= to).collect();
    let late: Vec<i64> = inside.iter().map(|h| (h.paid_on - h.due).num_days()).collect();
    let to_pay: Vec<i64> = inside.iter().map(|h| (h.paid_on - h.issued).num_days()).collect();
    let avg = |v: &[i64]| (!v.is_empty()).then(|| v.iter().sum::<i64>() as f64 / v.len() as f64);
    Period {
        from,
        to,
        paid: inside.len(),
        median_late: median(late.clone()),
        average_late: avg(&late),
        average_to_pay: avg(&to_pay),
    }
}

/// What else the risk score reads about an account on the day.
#[derive(Debug, Clone, Default)]
pub struct AccountSignals {
    /// Promises broken in the last 90 days.
    pub broken_promises: usize,
    /// Invoices in dispute now.
    pub disputed: usize,
}

/// The trend of one payer on `day`: `history` is its paid invoices (any read of
/// [`crate::store::ReportReads::paid_invoices`] for it), `open` its open items on the day,
/// `book_median` the median days late of the whole book (for a payer with too little history).
pub fn payer_trend(
    customer_id: i64,
    name: &str,
    day: NaiveDate,
    history: &[PaidInvoice],
    open: &[OpenItem],
    book_median: Option<i64>,
    signals: &AccountSignals,
) -> PayerTrend {
    let mine: Vec<&PaidInvoice> = history.iter().filter(|h| h.customer_id == customer_id && h.paid_on <= day).collect();
    let start = day - Days::new(HISTORY_DAYS) + Days::new(1);
    let periods: Vec<Period> = (0..4u64)
        .map(|q| {
            let from = start + Days::new(q * QUARTER_DAYS);
            period(&mine, from, from + Days::new(QUARTER_DAYS - 1))
        })
        .collect();
    let year = period(&mine, start, day);
    let recent = periods.last().cloned();
    let before = period(&mine, start, day - Days::new(RECENT_DAYS));
    let direction = match (recent.as_ref(), &before) {
        (Some(r), b) if r.paid >= MIN_PAID && b.paid >= MIN_PAID => match (r.median_late, b.median_late) {
            (Some(r), Some(b)) if r - b >= SLOWER_DAYS => Direction::Slower(r - b),
            (Some(r), Some(b)) if b - r >= SLOWER_DAYS => Direction::Faster(b - r),
            _ => Direction::Steady,
        },
        _ => Direction::Unknown,
    };
    let (median_late, from_book) = if year.paid >= MIN_PAID { (year.median_late, false) } else { (book_median, true) };
    let mut predicted: Vec<Predicted> = open
        .iter()
        .filter(|i| i.customer_id == customer_id && i.due_part() > 0)
        .map(|i| {
            let likely = median_late.map(|m| i.due + chrono::Duration::days(m)).unwrap_or(i.due).max(day);
            Predicted {
                invoice_id: i.invoice_id,
                number: i.number.clone(),
                due: i.due,
                due_minor: i.due_part(),
                likely,
                late_by_then: (likely - i.due).num_days().max(0),
            }
        })
        .collect();
    predicted.sort_by(|a, b| a.likely.cmp(&b.likely).then(a.number.cmp(&b.number)));

    let mut reasons = Vec::new();
    let mut risk = 0u32;
    let mut add = |points: u32, why: String| {
        risk += points;
        reasons.push(why);
    };
    match year.median_late.filter(|_| year.paid >= MIN_PAID) {
        Some(m) if m > 30 => add(RISK_RULES[0].1, format!("pays a median {m} days late over the year")),
        Some(m) if m > 7 => add(RISK_RULES[1].1, format!("pays a median {m} days late over the year")),
        _ => {}
    }
    if let Direction::Slower(d) = direction {
        add(RISK_RULES[2].1, format!("paying {d} days slower in the last quarter than in the three before"));
    }
    let oldest = open
        .iter()
        .filter(|i| i.customer_id == customer_id && i.due_part() > 0 && i.due < day)
        .map(|i| (day - i.due).num_days())
        .max();
    match oldest {
        Some(d) if d > 60 => add(RISK_RULES[3].1, format!("money {d} days past due now")),
        Some(d) if d > 30 => add(RISK_RULES[4].1, format!("money {d} days past due now")),
        _ => {}
    }
    let broken = signals.broken_promises.min(2);
    if broken > 0 {
        let what = if broken == 1 { "a promise".to_string() } else { format!("{broken} promises") };
        add(RISK_RULES[5].1 * broken as u32, format!("{what} broken in the last 90 days"));
    }
    if signals.disputed > 0 {
        let what =
            if signals.disputed == 1 { "an invoice".to_string() } else { format!("{} invoices", signals.disputed) };
        add(RISK_RULES[6].1, format!("{what} in dispute"));
    }
    PayerTrend {
        customer_id,
        name: name.to_string(),
        day,
        periods,
        year,
        direction,
        median_late,
        from_book,
        predicted,
        risk: risk.min(100),
        reasons,
    }
}

/// The whole book's median days late, from `history` up to `day` over the year.
pub fn book_median(history: &[PaidInvoice], day: NaiveDate) -> Option<i64> {
    let start = day - Days::new(HISTORY_DAYS);
    median(
        history
            .iter()
            .filter(|h| h.paid_on > start && h.paid_on <= day)
            .map(|h| (h.paid_on - h.due).num_days())
            .collect(),
    )
}

/// An account paying slower that has money not yet due: named in the weekly report before it is
/// overdue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slowing {
    pub customer_id: i64,
    pub name: String,
    /// How many days worse the last quarter's median is.
    pub slower_by: i64,
    pub recent_median: i64,
    pub before_median: i64,
    /// What is due and not yet past due.
    pub not_yet_due_minor: i64,
}

/// Every account of `open` paying slower (see [`Direction::Slower`]) with money not yet due, the
/// most not yet due first.
pub fn slowing(history: &[PaidInvoice], open: &[OpenItem], day: NaiveDate) -> Vec<Slowing> {
    let mut names: HashMap<i64, &str> = HashMap::new();
    let mut not_yet: HashMap<i64, i64> = HashMap::new();
    for i in open.iter().filter(|i| i.due >= day && i.due_part() > 0) {
        names.insert(i.customer_id, &i.customer_name);
        *not_yet.entry(i.customer_id).or_default() += i.due_part();
    }
    // Each payer's own history, gathered once: `payer_trend` over the whole book for each of
    // thousands of accounts read the book once per account (20,000 accounts by 600,000 paid
    // invoices on a 1,000,000-invoice ledger).
    let mut by_payer: HashMap<i64, Vec<PaidInvoice>> = HashMap::new();
    for h in history.iter().filter(|h| not_yet.contains_key(&h.customer_id)) {
        by_payer.entry(h.customer_id).or_default().push(*h);
    }
    let mut out: Vec<Slowing> = not_yet
        .iter()
        .filter_map(|(id, minor)| {
            let t = payer_trend(
                *id,
                names.get(id).copied().unwrap_or_default(),
                day,
                by_payer.get(id).map_or(&[][..], Vec::as_slice),
                &[],
                None,
                &AccountSignals::default(),
            );
            let Direction::Slower(by) = t.direction else { return None };
            let recent = t.periods.last().and_then(|p| p.median_late)?;
            Some(Slowing {
                customer_id: *id,
                name: t.name,
                slower_by: by,
                recent_median: recent,
                before_median: recent - by,
                not_yet_due_minor: *minor,
            })
        })
        .collect();
    out.sort_by(|a, b| b.not_yet_due_minor.cmp(&a.not_yet_due_minor).then(a.name.cmp(&b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::InvoiceKind;
    use crate::money::{Currency, Money};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    fn paid(customer_id: i64, due: &str, late: i64) -> PaidInvoice {
        let due = d(due);
        PaidInvoice { customer_id, issued: due - Days::new(30), due, paid_on: due + chrono::Duration::days(late) }
    }

    fn open(customer_id: i64, number: &str, due: &str, minor: i64) -> OpenItem {
        OpenItem {
            invoice_id: number.parse().unwrap_or_default(),
            number: number.to_string(),
            customer_id,
            customer_name: "Gulf Coast".to_string(),
            job_id: None,
            job_name: None,
            pm: None,
            kind: InvoiceKind::Progress,
            issued: d(due) - Days::new(30),
            due: d(due),
            total: Money::new(minor, Currency::USD),
            balance: Money::new(minor, Currency::USD),
            retainage: Money::new(0, Currency::USD),
            disputed: false,
        }
    }

    #[test]
    fn a_payer_getting_slower_is_named_with_its_figures_and_its_open_invoices_are_dated() {
        let day = d("2026-12-01");
        // Three quarters paying 5 days late, then the last quarter 19 to 23 days late.
        let mut history = vec![
            paid(1, "2026-01-10", 4),
            paid(1, "2026-03-10", 5),
            paid(1, "2026-05-10", 5),
            paid(1, "2026-07-10", 6),
            paid(1, "2026-09-20", 19),
            paid(1, "2026-10-20", 23),
            paid(1, "2026-11-01", 21),
        ];
        // Another payer, steady, and one paid after the day (not known yet).
        history.extend([paid(2, "2026-06-01", 0), paid(2, "2026-10-01", 1), paid(1, "2026-11-25", 40)]);
        let items = [open(1, "7", "2026-11-20", 100_000), open(1, "8", "2026-12-15", 250_000)];
        let t = payer_trend(1, "Gulf Coast", day, &history, &items, None, &AccountSignals::default());
        assert_eq!(t.periods.len(), 4);
        assert_eq!(t.periods[3].paid, 3, "{:?}", t.periods);
        assert_eq!(t.periods[3].median_late, Some(21));
        assert_eq!(t.direction, Direction::Slower(16), "21 against a median of 5 before");
        assert_eq!(t.year.median_late, Some(6), "4, 5, 5, 6, 19, 21, 23");
        assert_eq!(t.year.average_to_pay.map(|v| (v * 10.0).round()), Some(419.0), "30 + 83 / 7 days");
        // #7 is 11 days past due; the median says 6 days late, so: today. #8: Dec 21.
        assert_eq!(
            t.predicted.iter().map(|p| (p.number.as_str(), p.likely)).collect::<Vec<_>>(),
            [("7", day), ("8", d("2026-12-21"))]
        );
        assert_eq!(t.reasons, ["paying 16 days slower in the last quarter than in the three before"]);
        assert_eq!((t.risk, t.risk_level()), (25, "medium"));
        let s = slowing(&history, &items, day);
        assert_eq!(s.len(), 1);
        assert_eq!(
            (s[0].slower_by, s[0].recent_median, s[0].before_median, s[0].not_yet_due_minor),
            (16, 21, 5, 250_000)
        );
    }

    #[test]
    fn too_little_history_says_so_and_falls_back_to_the_book() {
        let day = d("2026-12-01");
        let history = [paid(2, "2026-06-01", 10), paid(2, "2026-10-01", 14), paid(1, "2026-11-01", 3)];
        let items = [open(1, "9", "2026-12-10", 50_000)];
        let signals = AccountSignals { broken_promises: 3, disputed: 1 };
        let t = payer_trend(1, "New Co", day, &history, &items, book_median(&history, day), &signals);
        assert_eq!((t.direction, t.from_book, t.median_late), (Direction::Unknown, true, Some(10)));
        assert_eq!(t.predicted[0].likely, d("2026-12-20"));
        assert_eq!(t.reasons, ["2 promises broken in the last 90 days", "an invoice in dispute"]);
        assert_eq!(t.risk, 30);
        assert!(slowing(&history, &items, day).is_empty());
    }
}
