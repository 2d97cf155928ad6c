//! arbot's own collections record, kept beside the synced ledger: notes on every contact,
//! promises to pay, disputes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::money::Money;

/// The kinds of contact a note records, as people type them.
pub const NOTE_KINDS: &[&str] = &["call", "email", "letter", "meeting", "note"];

/// A contact or remark on an account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub id: i64,
    pub customer_id: i64,
    pub invoice_id: Option<i64>,
    pub kind: String,
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
    /// The day someone should follow up, if the note asked for one.
    pub follow_up_on: Option<NaiveDate>,
    /// Only the day of `created_at` is known (a row of an imported log); its time is not shown.
    pub day_only: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewNote {
    pub customer_id: i64,
    pub invoice_id: Option<i64>,
    /// call, email, letter, meeting or note.
    pub kind: String,
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub follow_up_on: Option<NaiveDate>,
    /// Only the day of `created_at` is known (a row of an imported log).
    pub day_only: bool,
}

/// A customer's commitment to pay an amount by a date, against some invoices or (none named) its
/// oldest. Whether it was kept is never stored: [`Promise::outcome`] derives it from the cash
/// applied and the date every time. What is stored is what people did: logged it, or cancelled it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Promise {
    pub id: i64,
    pub customer_id: i64,
    pub amount: Money,
    pub promised_for: NaiveDate,
    /// `Cancelled` when someone cancelled it; otherwise `Open` (see [`Promise::outcome`]).
    pub status: PromiseStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The invoices it pays; empty for "the oldest first" (any of the customer's invoices).
    pub invoice_ids: Vec<i64>,
    pub note: Option<String>,
    /// Only the day of `created_at` is known (a row of an imported log); its time is not shown.
    pub day_only: bool,
}

/// Cash (not a credit memo) applied to one of a customer's invoices on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CashApplied {
    pub customer_id: i64,
    pub invoice_id: i64,
    pub applied_on: NaiveDate,
    pub amount: Money,
}

/// Where a promise stands, from the payments and the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Its day (plus grace) has not passed; `paid` so far.
    Pending {
        paid: Money,
    },
    /// Paid in full by its day plus grace, on `on`.
    Kept {
        paid: Money,
        on: NaiveDate,
    },
    /// Its day plus grace passed with part paid: a broken promise, `short` still owed.
    PartlyKept {
        paid: Money,
        short: Money,
    },
    /// Its day plus grace passed with nothing paid.
    Broken,
    Cancelled,
}

impl Outcome {
    /// Not kept, and its time is up: nothing or too little was paid.
    pub fn is_broken(&self) -> bool {
        matches!(self, Outcome::Broken | Outcome::PartlyKept { .. })
    }

    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Pending { .. } => "open",
            Outcome::Kept { .. } => "kept",
            Outcome::PartlyKept { .. } => "partly kept",
            Outcome::Broken => "broken",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// How promises are judged: the grace days after the promised day, and the business's time zone
/// (a promise logged at 8 p.m. in New York was logged that day, not the next).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromiseRules {
    pub grace_days: u32,
    pub tz: chrono_tz::Tz,
}

impl Promise {
    /// The day it was logged, in the business's time zone.
    pub fn logged_on(&self, tz: chrono_tz::Tz) -> NaiveDate {
        self.created_at.with_timezone(&tz).date_naive()
    }

    /// The last day a payment keeps it: the promised day plus the grace days.
    pub fn deadline(&self, grace_days: u32) -> NaiveDate {
        self.promised_for + chrono::Days::new(u64::from(grace_days))
    }

    /// The one rule for whether a promise was kept: the cash applied to its invoices (any of
    /// the customer's, when it names none) in its currency from the day it was logged through
    /// its deadline, against its amount, as of `today`.
    pub fn outcome(&self, cash: &[CashApplied], today: NaiveDate, rules: PromiseRules) -> Outcome {
        if self.status == PromiseStatus::Cancelled {
            return Outcome::Cancelled;
        }
        let deadline = self.deadline(rules.grace_days);
        let logged = self.logged_on(rules.tz);
        let mut lines: Vec<&CashApplied> = cash
            .iter()
            .filter(|c| {
                c.customer_id == self.customer_id
                    && c.amount.currency == self.amount.currency
                    && c.applied_on >= logged
                    && c.applied_on <= deadline
                    && c.applied_on <= today
                    && (self.invoice_ids.is_empty() || self.invoice_ids.contains(&c.invoice_id))
            })
            .collect();
        lines.sort_by_key(|c| c.applied_on);
        let mut paid = 0i64;
        for c in &lines {
            paid += c.amount.minor;
            if paid >= self.amount.minor {
                return Outcome::Kept { paid: Money::new(paid, self.amount.currency), on: c.applied_on };
            }
        }
        let paid_money = Money::new(paid, self.amount.currency);
        if today <= deadline {
            Outcome::Pending { paid: paid_money }
        } else if paid > 0 {
            Outcome::PartlyKept { paid: paid_money, short: Money::new(self.amount.minor - paid, self.amount.currency) }
        } else {
            Outcome::Broken
        }
    }
}

/// What a person did with a promise: it stands (open) or they cancelled it. Kept and broken are
/// not stored (see [`Promise::outcome`]); older databases' `kept`/`broken` words read as open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PromiseStatus {
    Open,
    Cancelled,
}

impl PromiseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PromiseStatus::Open => "open",
            PromiseStatus::Cancelled => "cancelled",
        }
    }

    /// The stored word; anything but cancelled reads as open, so a promise is never silently
    /// dropped.
    pub fn parse(s: &str) -> PromiseStatus {
        match s.trim().to_ascii_lowercase().as_str() {
            "cancelled" | "canceled" => PromiseStatus::Cancelled,
            _ => PromiseStatus::Open,
        }
    }
}

impl std::fmt::Display for PromiseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewPromise {
    pub customer_id: i64,
    pub amount: Money,
    pub promised_for: NaiveDate,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub invoice_ids: Vec<i64>,
    pub note: Option<String>,
    /// Only the day of `created_at` is known (a row of an imported log).
    pub day_only: bool,
}

/// One row of a team's own collections log (`arbot import --kind notes|promises`), with the key
/// that makes it import once however often the log (or a later export repeating it) comes in.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRow {
    /// Stable across files: made from what the row says, never from the file or its row number.
    pub key: String,
    pub entry: LogEntry,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LogEntry {
    Note(NewNote),
    Promise(NewPromise),
}

impl LogEntry {
    /// The audit action its record is kept under (`note`, `promise`).
    pub fn action(&self) -> &'static str {
        match self {
            LogEntry::Note(_) => "note",
            LogEntry::Promise(_) => "promise",
        }
    }
}

/// What an import of a log wrote: rows new to arbot, and rows it already had (by their key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogTally {
    pub new: usize,
    pub already: usize,
}

/// How often a plan's installments fall due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Every {
    Week,
    TwoWeeks,
    Month,
}

impl Every {
    /// The words people type: `week`, `2weeks`, `month`.
    pub const WORDS: &'static [&'static str] = &["week", "2weeks", "month"];

    pub fn parse(word: &str) -> Option<Every> {
        match word.trim().to_ascii_lowercase().as_str() {
            "week" | "weekly" => Some(Every::Week),
            "2weeks" | "2_weeks" | "biweekly" | "fortnight" => Some(Every::TwoWeeks),
            "month" | "monthly" => Some(Every::Month),
            _ => None,
        }
    }

    /// The `k`th day from `first` (0: `first`); a month later than the 31st is the month's last day.
    pub fn nth(self, first: NaiveDate, k: u32) -> Option<NaiveDate> {
        match self {
            Every::Week => first.checked_add_days(chrono::Days::new(7 * u64::from(k))),
            Every::TwoWeeks => first.checked_add_days(chrono::Days::new(14 * u64::from(k))),
            Every::Month => first.checked_add_months(chrono::Months::new(k)),
        }
    }
}

/// The most installments a plan may have (three years of monthly payments).
pub const MAX_INSTALLMENTS: u32 = 36;

/// `total` split into `n` installments `every` so often from `first`: equal parts, the cents that
/// do not divide evenly on the last. `None` when `n` is 0 or a date overflows.
pub fn schedule(total: Money, n: u32, every: Every, first: NaiveDate) -> Option<Vec<Installment>> {
    if n == 0 {
        return None;
    }
    let part = total.minor / i64::from(n);
    (0..n)
        .map(|k| {
            let minor = if k + 1 == n { total.minor - part * i64::from(n - 1) } else { part };
            Some(Installment {
                seq: i64::from(k) + 1,
                due_on: every.nth(first, k)?,
                amount: Money::new(minor, total.currency),
            })
        })
        .collect()
}

/// One payment of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Installment {
    /// 1 for the first.
    pub seq: i64,
    pub due_on: NaiveDate,
    pub amount: Money,
}

/// A customer's agreement to pay a total in installments. Like a [`Promise`], whether each
/// installment was kept is never stored: [`PaymentPlan::outcomes`] derives it from the cash applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentPlan {
    pub id: i64,
    pub customer_id: i64,
    pub total: Money,
    /// `Cancelled` when someone cancelled it.
    pub status: PromiseStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub note: Option<String>,
    /// In order of their day.
    pub installments: Vec<Installment>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewPlan {
    pub customer_id: i64,
    pub total: Money,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub note: Option<String>,
    pub installments: Vec<Installment>,
}

impl PaymentPlan {
    /// The day it was agreed, in the business's time zone.
    pub fn logged_on(&self, tz: chrono_tz::Tz) -> NaiveDate {
        self.created_at.with_timezone(&tz).date_naive()
    }

    /// The one rule for a plan's installments, one outcome each, in order: the customer's cash (in
    /// the plan's currency, to any of its invoices) applied from the day the plan was agreed pays
    /// the installments in order. Installment `k` is kept when the cash applied by its day plus
    /// grace covers it and every installment before it; partly kept or broken when that day has
    /// passed with less. A cancelled plan's kept installments stay kept, the rest read cancelled.
    pub fn outcomes(&self, cash: &[CashApplied], today: NaiveDate, rules: PromiseRules) -> Vec<Outcome> {
        let logged = self.logged_on(rules.tz);
        let mut lines: Vec<&CashApplied> = cash
            .iter()
            .filter(|c| {
                c.customer_id == self.customer_id
                    && c.amount.currency == self.total.currency
                    && c.applied_on >= logged
                    && c.applied_on <= today
            })
            .collect();
        lines.sort_by_key(|c| c.applied_on);
        let cur = self.total.currency;
        let mut before = 0i64;
        let mut out = Vec::with_capacity(self.installments.len());
        for i in &self.installments {
            let deadline = i.due_on + chrono::Days::new(u64::from(rules.grace_days));
            let target = before + i.amount.minor;
            let mut paid = 0i64;
            let mut kept_on = None;
            for c in lines.iter().filter(|c| c.applied_on <= deadline) {
                paid += c.amount.minor;
                if paid >= target {
                    kept_on = Some(c.applied_on);
                    break;
                }
            }
            let toward = (paid - before).clamp(0, i.amount.minor);
            let outcome = match kept_on {
                Some(on) => Outcome::Kept { paid: i.amount, on },
                None if self.status == PromiseStatus::Cancelled => Outcome::Cancelled,
                None if today <= deadline => Outcome::Pending { paid: Money::new(toward, cur) },
                None if toward > 0 => Outcome::PartlyKept {
                    paid: Money::new(toward, cur),
                    short: Money::new(i.amount.minor - toward, cur),
                },
                None => Outcome::Broken,
            };
            out.push(outcome);
            before = target;
        }
        out
    }

    /// What is left to pay on it: the installments not kept, less what was paid toward them.
    pub fn remaining(&self, outcomes: &[Outcome]) -> Money {
        let left = self
            .installments
            .iter()
            .zip(outcomes)
            .map(|(i, o)| match o {
                Outcome::Kept { .. } | Outcome::Cancelled => 0,
                Outcome::Pending { paid } | Outcome::PartlyKept { paid, .. } => i.amount.minor - paid.minor,
                Outcome::Broken => i.amount.minor,
            })
            .sum();
        Money::new(left, self.total.currency)
    }
}

/// An installment with its plan's customer and where it stands: what "expected cash" and the
/// digest read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstallmentDue {
    pub plan_id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    /// Its place in the plan, and how many the plan has.
    pub seq: i64,
    pub of: i64,
    pub due_on: NaiveDate,
    pub amount: Money,
    pub outcome: Outcome,
}

/// The installments of `plans` due from `from` through `until`, soonest first, with their outcome
/// as of `today` judged by `cash` (the plans' cash from the day the oldest was agreed).
pub fn installments_due(
    plans: &[(PaymentPlan, String)],
    cash: &[CashApplied],
    from: NaiveDate,
    until: NaiveDate,
    today: NaiveDate,
    rules: PromiseRules,
) -> Vec<InstallmentDue> {
    let mut out = Vec::new();
    for (plan, name) in plans {
        let outcomes = plan.outcomes(cash, today, rules);
        for (i, outcome) in plan.installments.iter().zip(outcomes) {
            if i.due_on >= from && i.due_on <= until {
                out.push(InstallmentDue {
                    plan_id: plan.id,
                    customer_id: plan.customer_id,
                    customer_name: name.clone(),
                    seq: i.seq,
                    of: plan.installments.len() as i64,
                    due_on: i.due_on,
                    amount: i.amount,
                    outcome,
                });
            }
        }
    }
    out.sort_by_key(|i| (i.due_on, i.plan_id, i.seq));
    out
}

/// Why a customer contests an invoice: the code people type, and how it reads.
pub const DISPUTE_REASONS: &[(&str, &str)] = &[
    ("quantity", "quantity"),
    ("pricing", "pricing"),
    ("backcharge", "backcharge"),
    ("lien_waiver", "lien waiver missing"),
    ("change_order", "change order"),
    ("paperwork", "paperwork (PO, W-9, vendor form)"),
    ("other", "other"),
];

/// How a dispute ended.
pub const DISPUTE_OUTCOMES: &[&str] = &["paid", "credit", "rebilled", "withdrawn", "other"];

/// How a reason code reads ("lien waiver missing"); an unknown code reads as itself.
pub fn reason_text(code: &str) -> String {
    DISPUTE_REASONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, t)| t.to_string())
        .unwrap_or_else(|| code.replace('_', " "))
}

/// A contested invoice, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dispute {
    pub id: i64,
    pub invoice_id: i64,
    pub invoice_number: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub reason: String,
    pub detail: Option<String>,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub outcome: Option<String>,
    pub resolution_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewDispute {
    pub invoice_id: i64,
    /// A short reason code: quantity, pricing, backcharge, lien_waiver, change_order, other.
    pub reason: String,
    pub detail: Option<String>,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
}

/// A notice served or a lien recorded on a job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobNotice {
    pub id: i64,
    pub job_id: i64,
    /// A deadline kind: `notice_to_owner`, `claim_of_lien`, ...
    pub kind: String,
    pub served_on: NaiveDate,
    pub tracking: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)] // amounts read as dollars_cents: 4_000_00 is $4,000.00
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn promise(amount: i64, on: &str, invoices: &[i64]) -> Promise {
        Promise {
            id: 1,
            customer_id: 7,
            amount: Money::usd(amount),
            promised_for: d(on),
            status: PromiseStatus::Open,
            created_by: "sam".into(),
            // 8 p.m. in New York on Nov 9: logged on the 9th there, though the 10th in UTC.
            created_at: Utc.with_ymd_and_hms(2026, 11, 10, 1, 0, 0).unwrap(),
            invoice_ids: invoices.to_vec(),
            note: None,
            day_only: false,
        }
    }

    fn r(grace_days: u32) -> PromiseRules {
        PromiseRules { grace_days, tz: chrono_tz::America::New_York }
    }

    fn cash(invoice_id: i64, on: &str, amount: i64) -> CashApplied {
        CashApplied { customer_id: 7, invoice_id, applied_on: d(on), amount: Money::usd(amount) }
    }

    fn plan(total: i64, n: u32, every: Every, first: &str) -> PaymentPlan {
        PaymentPlan {
            id: 3,
            customer_id: 7,
            total: Money::usd(total),
            status: PromiseStatus::Open,
            created_by: "sam".into(),
            created_at: Utc.with_ymd_and_hms(2026, 11, 10, 1, 0, 0).unwrap(),
            note: None,
            installments: schedule(Money::usd(total), n, every, d(first)).unwrap(),
        }
    }

    #[test]
    fn a_schedule_splits_the_total_and_keeps_month_ends() {
        let s = schedule(Money::usd(100_00), 3, Every::Month, d("2027-01-31")).unwrap();
        let days: Vec<NaiveDate> = s.iter().map(|i| i.due_on).collect();
        assert_eq!(days, vec![d("2027-01-31"), d("2027-02-28"), d("2027-03-31")]);
        let amounts: Vec<i64> = s.iter().map(|i| i.amount.minor).collect();
        assert_eq!(amounts, vec![33_33, 33_33, 33_34]);
        assert_eq!(s.iter().map(|i| i.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
        let w = schedule(Money::usd(10_00), 2, Every::TwoWeeks, d("2026-12-01")).unwrap();
        assert_eq!(w[1].due_on, d("2026-12-15"));
        assert!(schedule(Money::usd(10_00), 0, Every::Week, d("2026-12-01")).is_none());
        assert_eq!(Every::parse("2weeks"), Some(Every::TwoWeeks));
        assert_eq!(Every::parse("daily"), None);
    }

    #[test]
    fn installments_are_paid_in_order_from_the_cash() {
        // $3,000 in three monthly parts from Dec 1.
        let p = plan(3_000_00, 3, Every::Month, "2026-12-01");
        let rules = r(2);
        // Nothing yet, before the first day: all open.
        let o = p.outcomes(&[], d("2026-11-20"), rules);
        assert!(o.iter().all(|o| *o == Outcome::Pending { paid: Money::usd(0) }));
        // $1,500 on Nov 28: the first kept, half of the second paid ahead.
        let paid = [cash(1, "2026-11-28", 1_500_00)];
        let o = p.outcomes(&paid, d("2026-12-10"), rules);
        assert_eq!(o[0], Outcome::Kept { paid: Money::usd(1_000_00), on: d("2026-11-28") });
        assert_eq!(o[1], Outcome::Pending { paid: Money::usd(500_00) });
        assert_eq!(o[2], Outcome::Pending { paid: Money::usd(0) });
        // Jan 3 (Jan 1 plus 2 grace days) passes with nothing more: the second partly kept.
        let o = p.outcomes(&paid, d("2027-01-04"), rules);
        assert_eq!(o[1], Outcome::PartlyKept { paid: Money::usd(500_00), short: Money::usd(500_00) });
        assert_eq!(p.remaining(&o), Money::usd(1_500_00));
        // Cash after an installment's deadline does not keep it; it pays the missed one first, so
        // the next is kept only once the account has caught up.
        let late = [cash(1, "2026-12-05", 1_000_00)];
        let o = p.outcomes(&late, d("2027-01-04"), rules);
        assert_eq!(o[..2], [Outcome::Broken, Outcome::Broken]);
        let caught_up = [cash(1, "2026-12-05", 1_000_00), cash(2, "2027-01-02", 1_000_00)];
        let o = p.outcomes(&caught_up, d("2027-01-04"), rules);
        assert_eq!(o[..2], [Outcome::Broken, Outcome::Kept { paid: Money::usd(1_000_00), on: d("2027-01-02") }]);
        // Cash before the plan was agreed or in another currency counts for nothing.
        let early = [cash(1, "2026-11-08", 3_000_00)];
        assert_eq!(p.outcomes(&early, d("2027-04-01"), rules), vec![Outcome::Broken; 3]);
        // Cancelled: what was kept stays kept, the rest reads cancelled.
        let cancelled = PaymentPlan { status: PromiseStatus::Cancelled, ..p.clone() };
        let o = cancelled.outcomes(&paid, d("2027-04-01"), rules);
        assert!(matches!(o[0], Outcome::Kept { .. }));
        assert_eq!(o[1..], [Outcome::Cancelled, Outcome::Cancelled]);
        // The window listing, with customer and outcome.
        let due =
            installments_due(&[(p, "Acme".into())], &paid, d("2026-12-15"), d("2027-01-31"), d("2027-01-04"), rules);
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].seq, due[0].of, due[0].due_on), (2, 3, d("2027-01-01")));
        assert!(due[0].outcome.is_broken());
    }

    #[test]
    fn kept_partly_kept_or_broken_from_the_cash_and_the_date() {
        let p = promise(4_000_00, "2026-11-20", &[]);
        // Before the day: open, with what has come in so far.
        assert_eq!(
            p.outcome(&[cash(1, "2026-11-12", 1_000_00)], d("2026-11-19"), r(0)),
            Outcome::Pending { paid: Money::usd(1_000_00) }
        );
        // Paid in full in two payments by the day: kept, on the day the second came.
        let two = [cash(1, "2026-11-12", 1_000_00), cash(2, "2026-11-20", 3_000_00)];
        assert_eq!(
            p.outcome(&two, d("2026-11-25"), r(0)),
            Outcome::Kept { paid: Money::usd(4_000_00), on: d("2026-11-20") }
        );
        // Too little by the day: partly kept (broken), with what is still owed.
        assert_eq!(
            p.outcome(&two[..1], d("2026-11-21"), r(0)),
            Outcome::PartlyKept { paid: Money::usd(1_000_00), short: Money::usd(3_000_00) }
        );
        assert!(p.outcome(&two[..1], d("2026-11-21"), r(0)).is_broken());
        // Nothing: broken the day after; with 3 grace days, not before the 24th.
        assert_eq!(p.outcome(&[], d("2026-11-21"), r(0)), Outcome::Broken);
        assert_eq!(p.outcome(&[], d("2026-11-23"), r(3)), Outcome::Pending { paid: Money::usd(0) });
        assert_eq!(p.outcome(&[], d("2026-11-24"), r(3)), Outcome::Broken);
        // A payment after the deadline, before the promise was logged, in another currency or
        // to an invoice it does not name does not keep it.
        let late = [cash(1, "2026-11-21", 4_000_00)];
        assert_eq!(p.outcome(&late, d("2026-11-22"), r(0)), Outcome::Broken);
        let same_day = [cash(1, "2026-11-09", 4_000_00)];
        assert!(matches!(p.outcome(&same_day, d("2026-11-22"), r(0)), Outcome::Kept { .. }));
        let early = [cash(1, "2026-11-08", 4_000_00)];
        assert_eq!(p.outcome(&early, d("2026-11-22"), r(0)), Outcome::Broken);
        let cad_code = crate::Currency::parse("CAD").unwrap();
        let cad = [CashApplied { amount: Money::new(4_000_00, cad_code), ..cash(1, "2026-11-15", 0) }];
        assert_eq!(p.outcome(&cad, d("2026-11-22"), r(0)), Outcome::Broken);
        let named = promise(4_000_00, "2026-11-20", &[2]);
        assert_eq!(named.outcome(&[cash(1, "2026-11-15", 4_000_00)], d("2026-11-22"), r(0)), Outcome::Broken);
        assert!(matches!(
            named.outcome(&[cash(2, "2026-11-15", 4_000_00)], d("2026-11-22"), r(0)),
            Outcome::Kept { .. }
        ));
        // Cancelled is cancelled, whatever was paid.
        let cancelled = Promise { status: PromiseStatus::Cancelled, ..p };
        assert_eq!(cancelled.outcome(&[], d("2026-11-30"), r(0)), Outcome::Cancelled);
    }
}
