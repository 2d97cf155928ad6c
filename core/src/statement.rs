//! A customer's statement for a period, as data: the balance owed on their invoices at the start
//! of the period, every invoice issued and every payment and credit applied in it (dated, with a
//! running balance), the balance at its end, and what is open on `as_of` with its age.
//!
//! A balance on a day is read as the aging reads it: the invoice's balance now plus what was
//! applied to it after that day (never more than its total), voided invoices left out. Where the
//! ledger itemises every payment, `closing = opening + invoices - payments - credits`; where it
//! does not (a spreadsheet with balances but no payments), the opening and closing balances still
//! agree with the aging, and the lines show what the ledger itemises.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::ledger::{AppliedAmount, Invoice, InvoiceStatus};
use crate::money::Currency;
use crate::store::{Store, StoreError};

/// What a statement line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LineKind {
    Invoice,
    Payment,
    Credit,
}

/// One dated line of activity in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementLine {
    pub date: NaiveDate,
    pub kind: LineKind,
    /// The invoice's number, the payment's reference or the credit memo's number.
    pub reference: String,
    /// The invoice the payment or credit went to (the invoice's own number on an invoice line).
    pub invoice: String,
    /// Added to the balance (invoices) or taken off it (payments, credits), in minor units.
    pub charge_minor: i64,
    pub paid_minor: i64,
    pub balance_minor: i64,
}

/// An invoice open on `as_of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenLine {
    pub number: String,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub days_past_due: i64,
    pub balance_minor: i64,
    pub retainage_minor: i64,
    /// Index into [`BUCKETS`].
    pub bucket: usize,
}

/// The aging columns of a statement.
pub const BUCKETS: [&str; 5] = ["Current", "1-30", "31-60", "61-90", "90+"];

fn bucket(days_past_due: i64) -> usize {
    match days_past_due {
        d if d <= 0 => 0,
        1..=30 => 1,
        31..=60 => 2,
        61..=90 => 3,
        _ => 4,
    }
}

/// A statement in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub customer_id: i64,
    pub customer_name: String,
    pub currency: Currency,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub as_of: NaiveDate,
    pub opening_minor: i64,
    pub invoiced_minor: i64,
    pub paid_minor: i64,
    pub credited_minor: i64,
    pub closing_minor: i64,
    pub lines: Vec<StatementLine>,
    pub open: Vec<OpenLine>,
    /// What is open on `as_of`, per [`BUCKETS`].
    pub aging_minor: [i64; 5],
    /// Retainage held on the invoices open on `as_of` (not yet due).
    pub retainage_minor: i64,
    /// Cash received and not applied to an invoice, and open credit memos, as the ledger stands
    /// now: money of the customer's we hold against what is open.
    pub on_account_minor: i64,
    /// Open on `as_of`, less retainage held and less what is on account.
    pub amount_due_minor: i64,
}

impl Statement {
    /// Whether the statement tells the customer anything: a balance at either end, activity,
    /// something open or something on account.
    pub fn has_news(&self) -> bool {
        self.opening_minor != 0
            || self.closing_minor != 0
            || !self.lines.is_empty()
            || !self.open.is_empty()
            || self.on_account_minor != 0
    }

    /// Takes what the customer has on account (unapplied cash, open credits) off the amount due.
    pub fn with_on_account(mut self, minor: i64) -> Statement {
        self.on_account_minor = minor;
        self.amount_due_minor -= minor;
        self
    }
}

/// The calendar month that ends on or before `as_of`: `as_of`'s own month when `as_of` is its
/// last day, otherwise the month before.
pub fn default_period(as_of: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_of_month = as_of.with_day(1).unwrap_or(as_of);
    let next = if as_of.month() == 12 {
        NaiveDate::from_ymd_opt(as_of.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(as_of.year(), as_of.month() + 1, 1)
    };
    let last_of_month = next.and_then(|d| d.pred_opt()).unwrap_or(as_of);
    if as_of == last_of_month {
        return (first_of_month, last_of_month);
    }
    let end = first_of_month.pred_opt().unwrap_or(first_of_month);
    (end.with_day(1).unwrap_or(end), end)
}

/// Builds the statement of the customer's invoices in `currency` from their invoices and the
/// applications to them.
pub fn build(
    customer_id: i64,
    customer_name: &str,
    currency: Currency,
    invoices: &[Invoice],
    applications: &[AppliedAmount],
    period: (NaiveDate, NaiveDate),
    as_of: NaiveDate,
) -> Statement {
    let (start, end) = period;
    // Voided (and deleted) invoices are no part of what is owed.
    let invoices: Vec<&Invoice> = invoices
        .iter()
        .filter(|i| i.total.currency == currency && matches!(i.status, InvoiceStatus::Open | InvoiceStatus::Paid))
        .collect();
    let ids: Vec<i64> = invoices.iter().map(|i| i.id).collect();
    let apps: Vec<&AppliedAmount> =
        applications.iter().filter(|a| a.invoice_id.is_some_and(|id| ids.contains(&id))).collect();
    // What was owed on an invoice at the end of `day`: as the historical aging reads it.
    let balance_on = |i: &Invoice, day: NaiveDate| -> i64 {
        if i.issued > day {
            return 0;
        }
        let later: i64 =
            apps.iter().filter(|a| a.invoice_id == Some(i.id) && a.applied_on > day).map(|a| a.amount.minor).sum();
        (i.balance.minor + later).min(i.total.minor)
    };
    let owed_on = |day: NaiveDate| -> i64 { invoices.iter().map(|i| balance_on(i, day)).sum() };
    let before = start.pred_opt().unwrap_or(start);
    let opening = owed_on(before);

    let mut lines: Vec<StatementLine> = Vec::new();
    for i in invoices.iter().filter(|i| i.issued >= start && i.issued <= end) {
        lines.push(StatementLine {
            date: i.issued,
            kind: LineKind::Invoice,
            reference: i.number.clone(),
            invoice: i.number.clone(),
            charge_minor: i.total.minor,
            paid_minor: 0,
            balance_minor: 0,
        });
    }
    for a in apps.iter().filter(|a| a.applied_on >= start && a.applied_on <= end) {
        let (kind, reference) = match &a.credit_memo_number {
            Some(memo) => (LineKind::Credit, memo.clone()),
            None => (LineKind::Payment, a.payment_reference.clone().unwrap_or_else(|| "Payment".to_string())),
        };
        lines.push(StatementLine {
            date: a.applied_on,
            kind,
            reference,
            invoice: a.invoice_number.clone().unwrap_or_default(),
            charge_minor: 0,
            paid_minor: a.amount.minor,
            balance_minor: 0,
        });
    }
    // Invoices before the payments of the same day.
    lines.sort_by(|a, b| a.date.cmp(&b.date).then((a.kind != LineKind::Invoice).cmp(&(b.kind != LineKind::Invoice))));
    let mut running = opening;
    for l in &mut lines {
        running += l.charge_minor - l.paid_minor;
        l.balance_minor = running;
    }
    let invoiced: i64 = lines.iter().map(|l| l.charge_minor).sum();
    let paid: i64 = lines.iter().filter(|l| l.kind == LineKind::Payment).map(|l| l.paid_minor).sum();
    let credited: i64 = lines.iter().filter(|l| l.kind == LineKind::Credit).map(|l| l.paid_minor).sum();

    let mut open = Vec::new();
    let mut aging = [0i64; 5];
    let mut retainage = 0;
    for i in invoices.iter().filter(|i| i.issued <= as_of) {
        let balance = balance_on(i, as_of);
        if balance == 0 {
            continue;
        }
        let days = (as_of - i.due).num_days();
        let b = bucket(days);
        aging[b] += balance;
        let held = i.retainage.minor.clamp(0, balance.max(0));
        retainage += held;
        open.push(OpenLine {
            number: i.number.clone(),
            issued: i.issued,
            due: i.due,
            days_past_due: days.max(0),
            balance_minor: balance,
            retainage_minor: held,
            bucket: b,
        });
    }
    let open_total: i64 = aging.iter().sum();
    Statement {
        customer_id,
        customer_name: customer_name.to_string(),
        currency,
        period_start: start,
        period_end: end,
        as_of,
        opening_minor: opening,
        invoiced_minor: invoiced,
        paid_minor: paid,
        credited_minor: credited,
        closing_minor: owed_on(end),
        lines,
        open,
        aging_minor: aging,
        retainage_minor: retainage,
        on_account_minor: 0,
        amount_due_minor: open_total - retainage,
    }
}

/// The customer's statements, one per currency they have invoices in (the business's currency
/// first), for `period` (the default when `None`) and `as_of`.
pub async fn statements(
    store: &dyn Store,
    customer_id: i64,
    customer_name: &str,
    home: Currency,
    period: Option<(NaiveDate, NaiveDate)>,
    as_of: NaiveDate,
) -> Result<Vec<Statement>, StoreError> {
    let invoices = store.customer_invoices(customer_id).await?;
    let applications = store.customer_applications(customer_id).await?;
    let period = period.unwrap_or_else(|| default_period(as_of));
    let mut currencies: Vec<Currency> = invoices.iter().map(|i| i.total.currency).collect();
    currencies.push(home);
    currencies.sort_by_key(|c| (*c != home, c.code().to_string()));
    currencies.dedup();
    let mut out = Vec::new();
    for c in currencies {
        let st = build(customer_id, customer_name, c, &invoices, &applications, period, as_of);
        let credits = store.credits(Some(customer_id), c).await?;
        let st = st.with_on_account(credits.unapplied_cash + credits.open_credit_memos);
        // Other currencies only where they have something to say.
        if st.currency == home || st.has_news() {
            out.push(st);
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)] // amounts in cents written as dollars_cents
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn default_period_is_the_month_that_ends_on_or_before_as_of() {
        assert_eq!(default_period(d(2026, 12, 2)), (d(2026, 11, 1), d(2026, 11, 30)));
        assert_eq!(default_period(d(2026, 11, 30)), (d(2026, 11, 1), d(2026, 11, 30)));
        assert_eq!(default_period(d(2027, 1, 15)), (d(2026, 12, 1), d(2026, 12, 31)));
        assert_eq!(default_period(d(2026, 12, 31)), (d(2026, 12, 1), d(2026, 12, 31)));
    }

    fn invoice(id: i64, status: InvoiceStatus, issued: NaiveDate, total: i64, balance: i64) -> Invoice {
        Invoice {
            id,
            source: "sheet".into(),
            external_id: id.to_string(),
            number: format!("{}", 1000 + id),
            customer_id: 1,
            customer_name: "Acme".into(),
            job_id: None,
            job_name: None,
            pm: None,
            kind: crate::ledger::InvoiceKind::Progress,
            status,
            issued,
            due: issued + chrono::Days::new(30),
            total: crate::Money::usd(total),
            balance: crate::Money::usd(balance),
            retainage: crate::Money::usd(0),
            memo: None,
        }
    }

    #[test]
    fn balances_are_the_ledgers_where_payments_are_not_itemised_and_voids_owe_nothing() {
        // A spreadsheet's invoice: $1,000.00 billed, $400.00 still open, no payment rows. Another
        // paid $250.00 on Nov 20 (an itemised application), and a voided one.
        let invoices = [
            invoice(1, InvoiceStatus::Open, d(2026, 10, 5), 1_000_00, 400_00),
            invoice(2, InvoiceStatus::Open, d(2026, 11, 3), 500_00, 250_00),
            invoice(3, InvoiceStatus::Void, d(2026, 11, 4), 900_00, 900_00),
        ];
        let applied = [AppliedAmount {
            payment_id: Some(7),
            payment_reference: Some("CHK 5521".into()),
            invoice_id: Some(2),
            invoice_number: Some("1002".into()),
            applied_on: d(2026, 11, 20),
            amount: crate::Money::usd(250_00),
            credit_memo_number: None,
        }];
        let st = build(1, "Acme", Currency::USD, &invoices, &applied, default_period(d(2026, 12, 2)), d(2026, 12, 2));
        assert_eq!((st.opening_minor, st.invoiced_minor, st.paid_minor), (400_00, 500_00, 250_00));
        assert_eq!(st.closing_minor, 650_00, "what the ledger has open, as the aging reads it");
        assert!(st.lines.iter().all(|l| l.invoice != "1003"), "a voided invoice is not billed");
        assert_eq!(
            st.open.iter().map(|o| (o.number.as_str(), o.balance_minor)).collect::<Vec<_>>(),
            [("1001", 400_00), ("1002", 250_00)]
        );
    }

    #[test]
    fn buckets() {
        assert_eq!(
            [bucket(-3), bucket(0), bucket(1), bucket(30), bucket(31), bucket(90), bucket(91)],
            [0, 0, 1, 1, 2, 3, 4]
        );
    }
}
