//! The daily cash report as data: what came in on a day (by customer and job, with what each
//! payment paid), against the same weekday a week and a year before where the ledger goes back
//! that far; what is expected in the next 7 and 30 days (open promises, with each payer's record
//! of keeping them, payment-plan installments, and invoices falling due, weighted by each
//! customer's own history of paying); and what was asked for that day (promises logged, reminders
//! emailed, calls logged). Chat adapters decide how it looks.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::collections::{CashApplied, Note, Outcome, PaymentPlan, Promise, PromiseRules, PromiseStatus};
use crate::ledger::OpenItem;
use crate::money::{Currency, Money};
use crate::store::{OpenItemsQuery, Store, StoreError};

/// A payment received, with what it paid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentReceived {
    pub payment_id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub received: NaiveDate,
    pub amount: Money,
    /// Cash not applied to an invoice arbot has.
    pub unapplied: Money,
    pub method: Option<String>,
    pub reference: Option<String>,
    /// The cash it applied to invoices, in the payment's currency.
    pub lines: Vec<PaidLine>,
}

/// Cash a payment applied to one invoice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaidLine {
    pub invoice_id: Option<i64>,
    pub invoice_number: Option<String>,
    pub job_id: Option<i64>,
    pub job_name: Option<String>,
    pub amount: i64,
}

/// A paid invoice, for a payer's history: when it was due and when the last cash reached it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PaidInvoice {
    pub customer_id: i64,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub paid_on: NaiveDate,
}

/// How far back a payer's history of paying is read.
pub const HISTORY_DAYS: u64 = 365;

/// A payer with fewer paid invoices than this in [`HISTORY_DAYS`] is weighted by the whole
/// book's history instead of its own.
pub const MIN_HISTORY: usize = 3;

/// The windows expected cash is shown for, in days after the report's day.
pub const WINDOWS: [u32; 2] = [7, 30];

/// One customer's received cash on the day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerCash {
    pub customer_id: i64,
    pub name: String,
    pub total: i64,
    /// By job: (job name, or None for invoices without a job, amount), largest first.
    pub jobs: Vec<(Option<String>, i64)>,
    /// Invoice numbers paid, in order.
    pub invoices: Vec<String>,
    /// Cash not applied to an invoice.
    pub unapplied: i64,
    pub payments: usize,
}

/// A comparison day's total, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Compare {
    Total {
        day: NaiveDate,
        total: i64,
        payments: i64,
    },
    /// The ledger's first payment came after that day.
    NoHistory {
        day: NaiveDate,
    },
}

/// An open promise expected in a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectedPromise {
    pub promise_id: i64,
    pub customer_id: i64,
    pub name: String,
    pub promised_for: NaiveDate,
    /// What is still to come: the amount less what has been paid against it.
    pub amount: i64,
    pub record: PromiseRecord,
}

/// How a payer has kept its promises (those whose time is up, in the last year).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PromiseRecord {
    pub kept: u32,
    pub broken: u32,
}

impl PromiseRecord {
    /// Kept out of judged, in percent; `None` with nothing judged yet.
    pub fn rate(&self) -> Option<f64> {
        let judged = self.kept + self.broken;
        (judged > 0).then(|| f64::from(self.kept) * 100.0 / f64::from(judged))
    }
}

/// What is expected by the end of a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    pub days: u32,
    pub until: NaiveDate,
    /// Open promises due by `until` (and those past their day but still within grace).
    pub promises: Vec<ExpectedPromise>,
    pub promised: i64,
    /// Installments of open payment plans due by `until` (and those past their day but still
    /// within grace), at what is still owed on each.
    pub installments: Vec<ExpectedInstallment>,
    pub planned: i64,
    /// Open invoices falling due after the day through `until`, not under an open promise or
    /// plan: their
    /// due amount (balance less retainage), and that amount weighted by each payer's history.
    pub invoices_due: i64,
    pub invoices_count: usize,
    pub invoices_weighted: i64,
    /// Payers among those invoices weighted by the whole book's history (too little of their own).
    pub weighted_by_book: usize,
}

impl Window {
    /// Promises and installments at what is still owed on them, plus invoices as weighted.
    pub fn expected(&self) -> i64 {
        self.promised + self.planned + self.invoices_weighted
    }
}

/// A payment-plan installment expected in a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectedInstallment {
    pub plan_id: i64,
    pub customer_id: i64,
    pub name: String,
    /// Its place in the plan, and how many the plan has.
    pub seq: i64,
    pub of: i64,
    pub due_on: NaiveDate,
    /// What is still to come on it.
    pub amount: i64,
}

/// What was asked for on the day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Requested {
    /// Promises logged that day: (customer name, amount, promised for).
    pub promises_logged: Vec<(String, i64, NaiveDate)>,
    /// Reminder emails arbot sent that day (the `email` notes it logs when the mail server takes
    /// one), by customer: (customer name, how many), by name.
    pub reminders_sent: Vec<(String, usize)>,
    /// Calls logged that day (`call` notes), by customer: (customer name, how many), by name.
    pub calls_logged: Vec<(String, usize)>,
}

/// The body every reminder's note starts with (`bot/src/commands/mail.rs`).
pub const REMINDER_NOTE_PREFIX: &str = "Reminder (";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CashReport {
    pub date: NaiveDate,
    pub currency: Currency,
    /// Received on the day in the report's currency, by customer, largest first.
    pub customers: Vec<CustomerCash>,
    pub total: i64,
    pub payments: usize,
    pub unapplied: i64,
    /// Payments in other currencies, not in the totals: (currency, total, count).
    pub other_currencies: Vec<(Currency, i64, usize)>,
    pub week_before: Compare,
    pub year_before: Compare,
    pub windows: Vec<Window>,
    pub requested: Requested,
}

/// Everything the report is computed from.
#[derive(Debug, Clone)]
pub struct CashInputs<'a> {
    pub date: NaiveDate,
    pub currency: Currency,
    pub received: &'a [PaymentReceived],
    pub week_before: Compare,
    pub year_before: Compare,
    /// Open items as of the day.
    pub open: &'a [OpenItem],
    /// Promises due from a year before the day on, with customer names.
    pub promises: &'a [(Promise, String)],
    /// Payment plans with an installment due from a year before the day on, with customer names.
    pub plans: &'a [(PaymentPlan, String)],
    /// Cash applied since the oldest of those promises and plans was logged.
    pub cash: &'a [CashApplied],
    pub rules: PromiseRules,
    /// Paid invoices of the last [`HISTORY_DAYS`].
    pub history: &'a [PaidInvoice],
    /// Notes logged around the day (a day either side is fine: they are filtered by their day in
    /// the business's time zone), with customer names.
    pub notes: &'a [(Note, String)],
}

/// `amount` weighted by the share of a payer's history paid within `days` of the due date
/// (`days` may be negative: early), in millionths of a minor unit; nothing with no history.
fn weighted_micros(amount: i64, lateness: &[i64], days: i64) -> i128 {
    if lateness.is_empty() {
        return 0;
    }
    let within = lateness.iter().filter(|&&l| l <= days).count() as i128;
    i128::from(amount) * within * 1_000_000 / lateness.len() as i128
}

pub fn cash_report(input: &CashInputs<'_>) -> CashReport {
    let cur = input.currency;
    // Received, by customer.
    let mut customers: Vec<CustomerCash> = Vec::new();
    let mut other: Vec<(Currency, i64, usize)> = Vec::new();
    for p in input.received.iter().filter(|p| p.received == input.date) {
        if p.amount.currency != cur {
            match other.iter_mut().find(|o| o.0 == p.amount.currency) {
                Some(o) => {
                    o.1 += p.amount.minor;
                    o.2 += 1;
                }
                None => other.push((p.amount.currency, p.amount.minor, 1)),
            }
            continue;
        }
        let idx = match customers.iter().position(|c| c.customer_id == p.customer_id) {
            Some(i) => i,
            None => {
                customers.push(CustomerCash {
                    customer_id: p.customer_id,
                    name: p.customer_name.clone(),
                    total: 0,
                    jobs: Vec::new(),
                    invoices: Vec::new(),
                    unapplied: 0,
                    payments: 0,
                });
                customers.len() - 1
            }
        };
        let c = &mut customers[idx];
        c.total += p.amount.minor;
        c.unapplied += p.unapplied.minor;
        c.payments += 1;
        for l in &p.lines {
            match c.jobs.iter_mut().find(|j| j.0 == l.job_name) {
                Some(j) => j.1 += l.amount,
                None => c.jobs.push((l.job_name.clone(), l.amount)),
            }
            if let Some(n) = &l.invoice_number
                && !c.invoices.contains(n)
            {
                c.invoices.push(n.clone());
            }
        }
    }
    for c in &mut customers {
        c.jobs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    customers.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
    other.sort_by_key(|o| o.0.code().to_string());

    let tz = input.rules.tz;
    let expected = Expectations::of(input);
    let windows = WINDOWS.iter().map(|&days| expected.window(days)).collect();

    let mut logged: Vec<(String, i64, NaiveDate)> = input
        .promises
        .iter()
        .filter(|(p, _)| p.logged_on(tz) == input.date && p.amount.currency == cur)
        .map(|(p, name)| (name.clone(), p.amount.minor, p.promised_for))
        .collect();
    logged.sort();
    let mut reminders: Vec<(String, usize)> = Vec::new();
    let mut calls: Vec<(String, usize)> = Vec::new();
    for (n, name) in input.notes {
        if n.created_at.with_timezone(&tz).date_naive() != input.date {
            continue;
        }
        let list = match n.kind.as_str() {
            "email" if n.author == "arbot" && n.body.starts_with(REMINDER_NOTE_PREFIX) => &mut reminders,
            "call" => &mut calls,
            _ => continue,
        };
        match list.iter_mut().find(|x| &x.0 == name) {
            Some(x) => x.1 += 1,
            None => list.push((name.clone(), 1)),
        }
    }
    reminders.sort();
    calls.sort();

    CashReport {
        date: input.date,
        currency: cur,
        total: customers.iter().map(|c| c.total).sum(),
        payments: customers.iter().map(|c| c.payments).sum(),
        unapplied: customers.iter().map(|c| c.unapplied).sum(),
        customers,
        other_currencies: other,
        week_before: input.week_before,
        year_before: input.year_before,
        windows,
        requested: Requested { promises_logged: logged, reminders_sent: reminders, calls_logged: calls },
    }
}

/// What is expected after a report's day, as the day knew it: each payer's record of keeping
/// promises, the open promises and plan installments still to come, the invoices they stand for,
/// and each payer's history of paying. [`Expectations::window`] sums it to any day; the cash
/// report's windows and the float watch's forecast read the same figures.
#[derive(Debug)]
pub struct Expectations<'a> {
    input: &'a CashInputs<'a>,
    records: HashMap<i64, PromiseRecord>,
    open_promises: Vec<(&'a Promise, &'a String, i64)>,
    open_installments: Vec<ExpectedInstallment>,
    covered_invoices: HashSet<i64>,
    covered_customers: HashSet<i64>,
    lateness: HashMap<i64, Vec<i64>>,
    book: Vec<i64>,
}

impl<'a> Expectations<'a> {
    pub fn of(input: &'a CashInputs<'a>) -> Expectations<'a> {
        let cur = input.currency;
        // Each payer's record of keeping promises, and the open ones still to come.
        let mut records: HashMap<i64, PromiseRecord> = HashMap::new();
        let mut open_promises: Vec<(&Promise, &String, i64)> = Vec::new();
        let tz = input.rules.tz;
        for (p, name) in input.promises {
            // A promise logged after the day was not known on it.
            if p.amount.currency != cur || p.logged_on(tz) > input.date {
                continue;
            }
            match p.outcome(input.cash, input.date, input.rules) {
                Outcome::Kept { .. } => records.entry(p.customer_id).or_default().kept += 1,
                Outcome::Broken | Outcome::PartlyKept { .. } => records.entry(p.customer_id).or_default().broken += 1,
                Outcome::Pending { paid } => {
                    let left = p.amount.minor - paid.minor;
                    if left > 0 {
                        open_promises.push((p, name, left));
                    }
                }
                Outcome::Cancelled => {}
            }
        }
        // The installments of open plans still to come, as the day knew them: a plan agreed after
        // the day was not known on it.
        let mut open_installments: Vec<ExpectedInstallment> = Vec::new();
        for (plan, name) in input.plans {
            if plan.total.currency != cur || plan.status == PromiseStatus::Cancelled || plan.logged_on(tz) > input.date
            {
                continue;
            }
            let outcomes = plan.outcomes(input.cash, input.date, input.rules);
            for (i, o) in plan.installments.iter().zip(outcomes) {
                if let Outcome::Pending { paid } = o {
                    let left = i.amount.minor - paid.minor;
                    if left > 0 {
                        open_installments.push(ExpectedInstallment {
                            plan_id: plan.id,
                            customer_id: plan.customer_id,
                            name: name.clone(),
                            seq: i.seq,
                            of: plan.installments.len() as i64,
                            due_on: i.due_on,
                            amount: left,
                        });
                    }
                }
            }
        }
        open_installments.sort_by(|a, b| {
            a.due_on.cmp(&b.due_on).then_with(|| a.plan_id.cmp(&b.plan_id)).then_with(|| a.seq.cmp(&b.seq))
        });
        // Invoices an open promise stands for are counted once, in the promise: those it names, or
        // every invoice of a customer whose promise names none. A plan names no invoices: every
        // invoice of a customer with installments still to come is counted in the plan.
        let mut covered_invoices: HashSet<i64> = HashSet::new();
        let mut covered_customers: HashSet<i64> = HashSet::new();
        for (p, _, _) in &open_promises {
            if p.invoice_ids.is_empty() {
                covered_customers.insert(p.customer_id);
            } else {
                covered_invoices.extend(p.invoice_ids.iter().copied());
            }
        }
        covered_customers.extend(open_installments.iter().map(|i| i.customer_id));

        // Each payer's history: days from due to paid.
        let mut lateness: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut book: Vec<i64> = Vec::with_capacity(input.history.len());
        for h in input.history {
            let days = (h.paid_on - h.due).num_days();
            lateness.entry(h.customer_id).or_default().push(days);
            book.push(days);
        }

        Expectations {
            input,
            records,
            open_promises,
            open_installments,
            covered_invoices,
            covered_customers,
            lateness,
            book,
        }
    }

    /// What is expected from the day after the report's day through `days` after it.
    pub fn window(&self, days: u32) -> Window {
        let input = self.input;
        let until = input.date + Days::new(u64::from(days));
        let mut promises: Vec<ExpectedPromise> = self
            .open_promises
            .iter()
            .filter(|(p, _, _)| p.promised_for <= until)
            .map(|(p, name, left)| ExpectedPromise {
                promise_id: p.id,
                customer_id: p.customer_id,
                name: (*name).clone(),
                promised_for: p.promised_for,
                amount: *left,
                record: self.records.get(&p.customer_id).copied().unwrap_or_default(),
            })
            .collect();
        promises.sort_by(|a, b| a.promised_for.cmp(&b.promised_for).then_with(|| b.amount.cmp(&a.amount)));
        let promised = promises.iter().map(|p| p.amount).sum();
        let installments: Vec<ExpectedInstallment> =
            self.open_installments.iter().filter(|i| i.due_on <= until).cloned().collect();
        let planned = installments.iter().map(|i| i.amount).sum();
        // The weighted sum in millionths of a minor unit, rounded once at the end: money stays
        // whole numbers, and the rounding is the sum's, not each invoice's.
        let (mut due, mut count, mut weighted) = (0i64, 0usize, 0i128);
        let mut by_book: HashSet<i64> = HashSet::new();
        for item in self.expected_invoices() {
            if item.due > until {
                continue;
            }
            let amount = item.due_part();
            let own = self.lateness.get(&item.customer_id).filter(|l| l.len() >= MIN_HISTORY);
            let history = match own {
                Some(l) => l.as_slice(),
                None => {
                    by_book.insert(item.customer_id);
                    self.book.as_slice()
                }
            };
            due += amount;
            count += 1;
            weighted += weighted_micros(amount, history, (until - item.due).num_days());
        }
        Window {
            days,
            until,
            promises,
            promised,
            installments,
            planned,
            invoices_due: due,
            invoices_count: count,
            invoices_weighted: ((weighted + 500_000).div_euclid(1_000_000)) as i64,
            weighted_by_book: by_book.len(),
        }
    }

    /// The open invoices whose cash is expected as they fall due: in the report's currency, not
    /// in dispute, due after the day, with something due, and not stood for by an open promise or
    /// plan (those are counted in the promise or the plan).
    fn expected_invoices(&self) -> impl Iterator<Item = &'a OpenItem> + '_ {
        let input = self.input;
        input.open.iter().filter(move |item| {
            item.currency() == input.currency
                && !item.disputed
                && item.due > input.date
                && !self.covered_invoices.contains(&item.invoice_id)
                && !self.covered_customers.contains(&item.customer_id)
                && item.due_part() > 0
        })
    }

    /// Whether an open promise or plan stands for this customer's invoice (so its cash is
    /// already expected there).
    pub fn covers(&self, item: &OpenItem) -> bool {
        self.covered_invoices.contains(&item.invoice_id) || self.covered_customers.contains(&item.customer_id)
    }
}

/// What the cash report is computed from, as read from the store.
#[derive(Debug, Clone)]
pub struct CashData {
    pub date: NaiveDate,
    pub currency: Currency,
    pub rules: PromiseRules,
    pub received: Vec<PaymentReceived>,
    pub week_before: Compare,
    pub year_before: Compare,
    pub open: Vec<OpenItem>,
    pub promises: Vec<(Promise, String)>,
    pub plans: Vec<(PaymentPlan, String)>,
    pub cash: Vec<CashApplied>,
    pub history: Vec<PaidInvoice>,
    pub notes: Vec<(Note, String)>,
}

impl CashData {
    /// Reads what the cash report for `date` needs, expecting cash up to `horizon_days` after it
    /// (at least the report's own windows). A day before `today` reads the open items as they
    /// stood at the end of that day.
    pub async fn load(
        store: &dyn Store,
        date: NaiveDate,
        today: NaiveDate,
        currency: Currency,
        rules: PromiseRules,
        horizon_days: u32,
    ) -> Result<CashData, StoreError> {
        let received = store.payments_with_lines(date, date).await?;
        let first = store.first_payment_received().await?;
        let compare = async |day: NaiveDate| -> Result<Compare, StoreError> {
            Ok(match first {
                Some(f) if f <= day => {
                    let (total, payments) = store.cash_received_on(day, currency).await?;
                    Compare::Total { day, total, payments }
                }
                _ => Compare::NoHistory { day },
            })
        };
        let week_before = compare(date - Days::new(7)).await?;
        // The same weekday a year before: 52 weeks back.
        let year_before = compare(date - Days::new(364)).await?;
        let open =
            store.open_items(OpenItemsQuery { as_of: date, customer_id: None, historical: date < today }).await?;
        let promises = store.promises_from(date - Days::new(HISTORY_DAYS)).await?;
        // Plans with an installment from grace before the day on; the last window's end bounds them.
        let until = date + Days::new(u64::from(horizon_days.max(WINDOWS[WINDOWS.len() - 1])));
        let plans = store.plans_due(date - Days::new(u64::from(rules.grace_days)), until).await?;
        let cash_from = promises
            .iter()
            .map(|(p, _)| p.logged_on(rules.tz))
            .chain(plans.iter().map(|(p, _)| p.logged_on(rules.tz)))
            .min()
            .unwrap_or(date);
        let cash = store.cash_applied(None, cash_from).await?;
        let history = store.paid_invoices(date - Days::new(HISTORY_DAYS + 90), currency).await?;
        let history: Vec<PaidInvoice> = history.into_iter().filter(|h| h.paid_on <= date).collect();
        // Notes from a day before to a day after, in UTC: whatever the time zone, the day is inside.
        let utc = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
        let notes = store.notes_logged(utc(date - Days::new(1)), utc(date + Days::new(2))).await?;
        Ok(CashData {
            date,
            currency,
            rules,
            received,
            week_before,
            year_before,
            open,
            promises,
            plans,
            cash,
            history,
            notes,
        })
    }

    pub fn inputs(&self) -> CashInputs<'_> {
        CashInputs {
            date: self.date,
            currency: self.currency,
            received: &self.received,
            week_before: self.week_before,
            year_before: self.year_before,
            open: &self.open,
            promises: &self.promises,
            plans: &self.plans,
            cash: &self.cash,
            rules: self.rules,
            history: &self.history,
            notes: &self.notes,
        }
    }
}

/// Loads and computes the cash report for `date`. A day before `today` reads the open items as
/// they stood at the end of that day.
pub async fn load(
    store: &dyn Store,
    date: NaiveDate,
    today: NaiveDate,
    currency: Currency,
    rules: PromiseRules,
) -> Result<CashReport, StoreError> {
    let data = CashData::load(store, date, today, currency, rules, 0).await?;
    Ok(cash_report(&data.inputs()))
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;

    #[test]
    fn a_payers_history_weights_what_falls_due() {
        // Paid 10 days early, on time, 5 late, 20 late: within 0 days of due = 2 of 4.
        let l = [-10, 0, 5, 20];
        assert_eq!(weighted_micros(100_00, &l, 0), 50_00 * 1_000_000);
        assert_eq!(weighted_micros(100_00, &l, 5), 75_00 * 1_000_000);
        assert_eq!(weighted_micros(100_00, &l, 30), 100_00 * 1_000_000);
        assert_eq!(weighted_micros(100_00, &l, -11), 0);
        assert_eq!(weighted_micros(100_00, &[], 30), 0);
        // A third of a cent is kept until the sum is rounded.
        assert_eq!(weighted_micros(1, &[0, 9, 9], 0), 333_333);
    }

    #[test]
    fn a_promise_record_is_kept_over_judged() {
        assert_eq!(PromiseRecord { kept: 3, broken: 1 }.rate(), Some(75.0));
        assert_eq!(PromiseRecord::default().rate(), None);
    }
}
