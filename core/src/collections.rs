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
        }
    }

    fn r(grace_days: u32) -> PromiseRules {
        PromiseRules { grace_days, tz: chrono_tz::America::New_York }
    }

    fn cash(invoice_id: i64, on: &str, amount: i64) -> CashApplied {
        CashApplied { customer_id: 7, invoice_id, applied_on: d(on), amount: Money::usd(amount) }
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
