//! Aging: open invoices grouped by how long past due, in configurable buckets plus an explicit
//! "current" (not yet due) bucket and a retainage column, so a row always sums to its open
//! balance.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::ledger::OpenItem;
use crate::money::{Currency, Money};

/// Which date an invoice's age counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Days past the due date (the default; what "overdue" means).
    #[default]
    DueDate,
    /// Days since the invoice date.
    InvoiceDate,
}

impl Basis {
    pub fn parse(s: &str) -> Option<Basis> {
        match s.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "due" | "due_date" => Some(Basis::DueDate),
            "invoice" | "invoice_date" | "issued" => Some(Basis::InvoiceDate),
            _ => None,
        }
    }
}

/// How an aging report is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    #[default]
    Customer,
    Job,
    Pm,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "customer" | "customers" => Some(GroupBy::Customer),
            "job" | "jobs" | "project" => Some(GroupBy::Job),
            "pm" | "pms" | "manager" => Some(GroupBy::Pm),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            GroupBy::Customer => "customer",
            GroupBy::Job => "job",
            GroupBy::Pm => "pm",
        }
    }
}

/// Bucket edges in days, e.g. `[30, 60, 90, 120]` → current, 1-30, 31-60, 61-90, 91-120, 120+.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Buckets(Vec<u32>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Aging buckets must be increasing whole days above 0, like [30, 60, 90, 120]; got {0:?}.")]
pub struct BucketsError(pub Vec<u32>);

impl Buckets {
    pub fn new(edges: Vec<u32>) -> Result<Buckets, BucketsError> {
        let ok = !edges.is_empty() && edges[0] > 0 && edges.windows(2).all(|w| w[0] < w[1]);
        if ok { Ok(Buckets(edges)) } else { Err(BucketsError(edges)) }
    }

    /// The column labels in a basis: by due date `current`, `1-30`, ..., `120+`; by invoice
    /// date (where nothing is "not yet due") `0-30`, `31-60`, ..., `120+`.
    pub fn labels_for(&self, basis: Basis) -> Vec<String> {
        match basis {
            Basis::DueDate => self.labels(),
            Basis::InvoiceDate => {
                let mut out = self.labels();
                out.remove(0);
                if let Some(first) = out.first_mut() {
                    *first = first.replacen('1', "0", 1);
                }
                out
            }
        }
    }

    /// How many columns a row has in a basis.
    pub fn len_for(&self, basis: Basis) -> usize {
        match basis {
            Basis::DueDate => self.len(),
            Basis::InvoiceDate => self.len() - 1,
        }
    }

    /// The column for an age in days in a basis.
    pub fn index_for(&self, basis: Basis, days: i64) -> usize {
        match basis {
            Basis::DueDate => self.index(days),
            Basis::InvoiceDate => self.index(days.max(1)) - 1,
        }
    }

    /// The fewest days an age in column `i` has, in a basis (`current` counts as 0).
    pub fn lower_bound(&self, basis: Basis, i: usize) -> i64 {
        let i = match basis {
            Basis::InvoiceDate if i == 0 => return 0,
            Basis::InvoiceDate => i + 1,
            Basis::DueDate => i,
        };
        match i {
            0 => 0,
            1 => 1,
            _ => self.0.get(i - 2).map_or(i64::MAX, |e| i64::from(*e) + 1),
        }
    }

    /// The column labels: `current`, `1-30`, ..., `120+`.
    pub fn labels(&self) -> Vec<String> {
        let mut out = vec!["current".to_string()];
        let mut lo = 1;
        for e in &self.0 {
            out.push(format!("{lo}-{e}"));
            lo = e + 1;
        }
        out.push(format!("{}+", self.0.last().copied().unwrap_or(0)));
        out
    }

    /// How many columns a row has (current + one per edge + the open-ended last).
    pub fn len(&self) -> usize {
        self.0.len() + 2
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// The column for an age in days: 0 for current (zero or fewer days).
    pub fn index(&self, days: i64) -> usize {
        if days <= 0 {
            return 0;
        }
        self.0.iter().position(|e| days <= i64::from(*e)).map_or(self.0.len() + 1, |i| i + 1)
    }
}

impl Default for Buckets {
    fn default() -> Self {
        Buckets(vec![30, 60, 90, 120])
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct AgingConfig {
    pub buckets: Buckets,
    pub basis: Basis,
}

impl AgingConfig {
    /// The same buckets in another basis (a command that chooses its own).
    pub fn with_basis(&self, basis: Basis) -> AgingConfig {
        AgingConfig { buckets: self.buckets.clone(), basis }
    }

    /// The column labels in this basis.
    pub fn labels(&self) -> Vec<String> {
        self.buckets.labels_for(self.basis)
    }
}

/// One line of an aging report (a customer, a job or a PM), or its total. In JSON every amount
/// is a [`Money`] (`{"amount":"14250.00","currency":"USD"}`), counts are numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgingRow {
    pub label: String,
    /// The customer, when grouped by customer.
    pub customer_id: Option<i64>,
    /// Amounts per bucket, excluding retainage held, in minor units.
    pub buckets: Vec<i64>,
    /// Retainage held: billed, not yet due, never overdue.
    pub retainage: i64,
    /// Open balance = sum of buckets + retainage.
    pub total: i64,
    /// Past due (by due date, whatever the basis), excluding retainage.
    pub overdue: i64,
    /// Past due more than 90 days, excluding retainage.
    pub overdue_90: i64,
    pub invoices: usize,
    /// Days the oldest open invoice is past due (0 if none is).
    pub oldest_days: i64,
    /// Open on invoices in dispute (all of it, past due or not).
    pub disputed: i64,
    /// The past-due part of `overdue` that is on invoices in dispute: not collectible until the
    /// dispute is settled.
    pub disputed_overdue: i64,
    /// The currency of every amount in the row (the report's).
    pub currency: Currency,
}

impl Serialize for AgingRow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let m = |minor: i64| Money::new(minor, self.currency);
        let mut st = s.serialize_struct("AgingRow", 11)?;
        st.serialize_field("label", &self.label)?;
        st.serialize_field("customer_id", &self.customer_id)?;
        st.serialize_field("buckets", &self.buckets.iter().map(|b| m(*b)).collect::<Vec<_>>())?;
        st.serialize_field("retainage", &m(self.retainage))?;
        st.serialize_field("total", &m(self.total))?;
        st.serialize_field("overdue", &m(self.overdue))?;
        st.serialize_field("overdue_90", &m(self.overdue_90))?;
        st.serialize_field("disputed", &m(self.disputed))?;
        st.serialize_field("disputed_overdue", &m(self.disputed_overdue))?;
        st.serialize_field("invoices", &self.invoices)?;
        st.serialize_field("oldest_days", &self.oldest_days)?;
        st.end()
    }
}

impl AgingRow {
    /// What is past due and not in dispute: what the AR specialist is chasing.
    pub fn collectible_overdue(&self) -> i64 {
        self.overdue - self.disputed_overdue
    }

    fn empty(label: String, customer_id: Option<i64>, columns: usize, currency: Currency) -> AgingRow {
        AgingRow {
            currency,
            label,
            customer_id,
            buckets: vec![0; columns],
            retainage: 0,
            total: 0,
            overdue: 0,
            overdue_90: 0,
            invoices: 0,
            oldest_days: 0,
            disputed: 0,
            disputed_overdue: 0,
        }
    }

    fn add(&mut self, item: &OpenItem, as_of: NaiveDate, cfg: &AgingConfig) {
        let days_past_due = (as_of - item.due).num_days();
        let age = match cfg.basis {
            Basis::DueDate => days_past_due,
            Basis::InvoiceDate => (as_of - item.issued).num_days(),
        };
        let due_part = item.due_part();
        self.buckets[cfg.buckets.index_for(cfg.basis, age)] += due_part;
        self.retainage += item.retainage_held();
        self.total += item.balance.minor;
        if days_past_due > 0 {
            self.overdue += due_part;
            if days_past_due > 90 {
                self.overdue_90 += due_part;
            }
            if due_part > 0 {
                self.oldest_days = self.oldest_days.max(days_past_due);
            }
        }
        if item.disputed {
            self.disputed += item.balance.minor;
            if days_past_due > 0 {
                self.disputed_overdue += due_part;
            }
        }
        self.invoices += 1;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgingReport {
    pub as_of: NaiveDate,
    pub basis: Basis,
    pub group_by: GroupBy,
    pub currency: Currency,
    pub labels: Vec<String>,
    /// Largest balance first.
    pub rows: Vec<AgingRow>,
    pub totals: AgingRow,
    /// Open invoices in other currencies, left out of these figures.
    pub other_currency_invoices: usize,
}

impl AgingReport {
    pub fn money(&self, minor: i64) -> Money {
        Money::new(minor, self.currency)
    }

    /// What the table's columns hold past `days` days old in the report's basis (retainage
    /// aside): by invoice date, what was billed more than `days` days ago.
    pub fn aged_over(&self, days: i64, buckets: &Buckets) -> i64 {
        self.totals
            .buckets
            .iter()
            .enumerate()
            .filter(|(i, _)| buckets.lower_bound(self.basis, *i) > days)
            .map(|(_, b)| b)
            .sum()
    }

    /// Share of overdue AR that is more than 90 days past due, in percent.
    pub fn over_90_share(&self) -> Option<f64> {
        (self.totals.overdue > 0).then(|| self.totals.overdue_90 as f64 * 100.0 / self.totals.overdue as f64)
    }
}

/// The report of its rows, the largest total first (then by label).
fn report(
    as_of: NaiveDate,
    cfg: &AgingConfig,
    group_by: GroupBy,
    currency: Currency,
    rows: BTreeMap<(String, Option<i64>), AgingRow>,
    totals: AgingRow,
    other_currency_invoices: usize,
) -> AgingReport {
    let mut rows: Vec<AgingRow> = rows.into_values().collect();
    rows.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.label.cmp(&b.label)));
    AgingReport {
        as_of,
        basis: cfg.basis,
        group_by,
        currency,
        labels: cfg.labels(),
        rows,
        totals,
        other_currency_invoices,
    }
}

/// The row an invoice (or a group of them) falls in: its label, and the customer when the rows
/// are customers or jobs.
fn row_key(
    group_by: GroupBy,
    customer_name: &str,
    customer_id: i64,
    job_name: Option<&str>,
    pm: Option<&str>,
) -> (String, Option<i64>) {
    match group_by {
        GroupBy::Customer => (customer_name.to_string(), Some(customer_id)),
        GroupBy::Job => (
            match job_name {
                Some(j) => format!("{j} ({customer_name})"),
                None => format!("(no job) ({customer_name})"),
            },
            Some(customer_id),
        ),
        GroupBy::Pm => (pm.unwrap_or("(no PM)").to_string(), None),
    }
}

/// Builds an aging report from open items (see [`crate::store::LedgerReads::open_items`]).
pub fn aging(
    items: &[OpenItem],
    as_of: NaiveDate,
    cfg: &AgingConfig,
    group_by: GroupBy,
    currency: Currency,
) -> AgingReport {
    let columns = cfg.buckets.len_for(cfg.basis);
    let mut groups: BTreeMap<(String, Option<i64>), AgingRow> = BTreeMap::new();
    let mut totals = AgingRow::empty("Total".to_string(), None, columns, currency);
    let mut other = 0;
    for item in items {
        if item.currency() != currency {
            other += 1;
            continue;
        }
        let (label, cid) =
            row_key(group_by, &item.customer_name, item.customer_id, item.job_name.as_deref(), item.pm.as_deref());
        groups
            .entry((label.clone(), cid))
            .or_insert_with(|| AgingRow::empty(label, cid, columns, currency))
            .add(item, as_of, cfg);
        totals.add(item, as_of, cfg);
    }
    report(as_of, cfg, group_by, currency, groups, totals, other)
}

/// One group's open invoices in one currency, summed by the database
/// ([`crate::store::LedgerReads::open_aging`]): what [`aging`] adds up from the items, with the
/// bucket columns of the query's basis. The group's label is made as [`aging`] makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgingSums {
    /// The customer (grouped by customer or job; 0 by PM).
    pub customer_id: i64,
    pub customer_name: String,
    /// The job's name (grouped by job), `None` for invoices on no job.
    pub job_name: Option<String>,
    /// The PM (grouped by PM, and by job: the job's PM, else the customer's), `None` for
    /// invoices with none. Grouped by job, the sums add up to the customers' and PMs' rows.
    pub pm: Option<String>,
    pub currency: Currency,
    pub buckets: Vec<i64>,
    pub retainage: i64,
    pub total: i64,
    pub overdue: i64,
    pub overdue_90: i64,
    pub invoices: i64,
    /// The earliest due date of a past-due invoice with something due on it.
    pub oldest_due: Option<NaiveDate>,
    pub disputed: i64,
    pub disputed_overdue: i64,
}

impl AgingRow {
    fn add_sums(&mut self, s: &AgingSums, as_of: NaiveDate) {
        for (b, add) in self.buckets.iter_mut().zip(&s.buckets) {
            *b += add;
        }
        self.retainage += s.retainage;
        self.total += s.total;
        self.overdue += s.overdue;
        self.overdue_90 += s.overdue_90;
        self.invoices += usize::try_from(s.invoices).unwrap_or(0);
        if let Some(due) = s.oldest_due {
            self.oldest_days = self.oldest_days.max((as_of - due).num_days());
        }
        self.disputed += s.disputed;
        self.disputed_overdue += s.disputed_overdue;
    }
}

/// The same report as [`aging`], from the sums of each group (the database's GROUP BY) rather
/// than from every open invoice.
pub fn aging_of_sums(
    groups: &[AgingSums],
    as_of: NaiveDate,
    cfg: &AgingConfig,
    group_by: GroupBy,
    currency: Currency,
) -> AgingReport {
    let columns = cfg.buckets.len_for(cfg.basis);
    let mut rows_by: BTreeMap<(String, Option<i64>), AgingRow> = BTreeMap::new();
    let mut totals = AgingRow::empty("Total".to_string(), None, columns, currency);
    let mut other = 0;
    for g in groups {
        if g.currency != currency {
            other += usize::try_from(g.invoices).unwrap_or(0);
            continue;
        }
        let (label, cid) = row_key(group_by, &g.customer_name, g.customer_id, g.job_name.as_deref(), g.pm.as_deref());
        rows_by
            .entry((label.clone(), cid))
            .or_insert_with(|| AgingRow::empty(label, cid, columns, currency))
            .add_sums(g, as_of);
        totals.add_sums(g, as_of);
    }
    report(as_of, cfg, group_by, currency, rows_by, totals, other)
}

/// The dates that part an aging report's columns, for a query on the date its basis counts
/// from (the due date or the invoice date): column 0 holds dates on or after the first, column
/// `k` dates before the `k`-th and on or after the `k+1`-th, the last column dates before the
/// last. One fewer than [`Buckets::len_for`].
pub fn column_bounds(cfg: &AgingConfig, as_of: NaiveDate) -> Vec<NaiveDate> {
    let back = |days: u32| as_of.checked_sub_days(chrono::Days::new(u64::from(days))).unwrap_or(NaiveDate::MIN);
    let edges = cfg.buckets.0.iter().map(|e| back(*e));
    match cfg.basis {
        Basis::DueDate => std::iter::once(as_of).chain(edges).collect(),
        Basis::InvoiceDate => edges.collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::InvoiceKind;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn item(customer: &str, due: &str, balance: i64, retainage: i64) -> OpenItem {
        OpenItem {
            invoice_id: 1,
            number: "1001".into(),
            customer_id: customer.len() as i64,
            customer_name: customer.into(),
            job_id: None,
            job_name: None,
            pm: None,
            kind: InvoiceKind::Progress,
            issued: d(due) - chrono::Days::new(30),
            due: d(due),
            total: Money::usd(balance),
            balance: Money::usd(balance),
            retainage: Money::usd(retainage),
            disputed: false,
        }
    }

    #[test]
    fn by_invoice_date_the_columns_and_the_90_day_figure_count_the_same_days() {
        let cfg = AgingConfig { basis: Basis::InvoiceDate, ..AgingConfig::default() };
        let as_of = d("2026-12-01");
        // Issued 30 days before due: 10 days, 45 days, 100 days and 200 days ago.
        let items = [
            item("a", "2026-12-21", 1_000, 0),
            item("a", "2026-11-16", 2_000, 0),
            item("a", "2026-09-22", 4_000, 400),
            item("a", "2026-06-14", 8_000, 0),
        ];
        let r = aging(&items, as_of, &cfg, GroupBy::Customer, Currency::USD);
        assert_eq!(r.labels, ["0-30", "31-60", "61-90", "91-120", "120+"], "no 'current' column by invoice date");
        assert_eq!(r.totals.buckets, [1_000, 2_000, 0, 3_600, 8_000]);
        assert_eq!(r.aged_over(90, &cfg.buckets), 3_600 + 8_000, "what the 91-120 and 120+ columns hold");
        assert_eq!(r.totals.buckets.iter().sum::<i64>() + r.totals.retainage, r.totals.total);
        // By due date the same invoices fill 'current' and the 90+ figure is by due date.
        let due = aging(&items, as_of, &AgingConfig::default(), GroupBy::Customer, Currency::USD);
        assert_eq!(due.totals.buckets, [1_000, 2_000, 0, 3_600, 0, 8_000]);
        assert_eq!(due.aged_over(90, &cfg.buckets), due.totals.overdue_90);
    }

    #[test]
    fn labels_and_indexes() {
        let b = Buckets::default();
        assert_eq!(b.labels(), ["current", "1-30", "31-60", "61-90", "91-120", "120+"]);
        assert_eq!(b.index(-5), 0);
        assert_eq!(b.index(0), 0);
        assert_eq!(b.index(1), 1);
        assert_eq!(b.index(30), 1);
        assert_eq!(b.index(31), 2);
        assert_eq!(b.index(120), 4);
        assert_eq!(b.index(121), 5);
        assert!(Buckets::new(vec![30, 30]).is_err());
        assert!(Buckets::new(vec![0, 30]).is_err());
        assert!(Buckets::new(vec![]).is_err());
    }

    #[test]
    fn retainage_is_never_overdue() {
        let as_of = d("2026-11-22");
        // $10,000 invoice 45 days past due, $1,000 of it retainage held.
        let items = [item("Gulf", "2026-10-08", 1_000_000, 100_000)];
        let r = aging(&items, as_of, &AgingConfig::default(), GroupBy::Customer, Currency::USD);
        assert_eq!(r.totals.buckets, vec![0, 0, 900_000, 0, 0, 0]);
        assert_eq!(r.totals.retainage, 100_000);
        assert_eq!(r.totals.overdue, 900_000);
        assert_eq!(r.totals.total, 1_000_000);
    }

    #[test]
    fn groups_and_sorts_by_balance() {
        let as_of = d("2026-11-22");
        let items = [
            item("Small Co", "2026-11-01", 100, 0),
            item("Big Co", "2026-06-01", 50_000, 0),
            item("Big Co", "2026-12-01", 25_000, 0),
        ];
        let r = aging(&items, as_of, &AgingConfig::default(), GroupBy::Customer, Currency::USD);
        assert_eq!(r.rows[0].label, "Big Co");
        assert_eq!(r.rows[0].buckets, vec![25_000, 0, 0, 0, 0, 50_000]);
        assert_eq!(r.rows[0].oldest_days, 174);
        assert_eq!(r.over_90_share().map(|s| s.round()), Some(100.0));
    }

    #[test]
    fn invoice_date_basis_ages_from_issue() {
        let as_of = d("2026-11-22");
        // Issued Oct 23 (30 days ago), due Nov 22: current by due date, 0-30 by invoice date.
        let items = [item("A", "2026-11-22", 500, 0)];
        let cfg = AgingConfig { basis: Basis::InvoiceDate, ..AgingConfig::default() };
        let r = aging(&items, as_of, &cfg, GroupBy::Customer, Currency::USD);
        assert_eq!((r.labels[0].as_str(), r.totals.buckets[0]), ("0-30", 500));
        assert_eq!(r.totals.overdue, 0);
    }

    proptest! {
        #[test]
        fn rows_always_sum_to_the_open_balance(
            specs in proptest::collection::vec((0i64..400, 1i64..10_000_000, 0i64..2_000_000, 0usize..4), 0..60),
            edges in proptest::collection::btree_set(1u32..200, 1..6),
        ) {
            let as_of = d("2026-11-22");
            let items: Vec<OpenItem> = specs.iter().map(|(age, bal, ret, who)| {
                let mut it = item(["A", "BB", "CCC", "DDDD"][*who], "2026-11-22", *bal, *ret);
                it.due = as_of - chrono::Days::new(*age as u64) + chrono::Days::new(60);
                it
            }).collect();
            let cfg = AgingConfig { buckets: Buckets::new(edges.into_iter().collect()).unwrap(), basis: Basis::DueDate };
            for by in [GroupBy::Customer, GroupBy::Job, GroupBy::Pm] {
                let r = aging(&items, as_of, &cfg, by, Currency::USD);
                let expected: i64 = items.iter().map(|i| i.balance.minor).sum();
                prop_assert_eq!(r.totals.total, expected);
                prop_assert_eq!(r.totals.buckets.iter().sum::<i64>() + r.totals.retainage, expected);
                for row in &r.rows {
                    prop_assert_eq!(row.buckets.iter().sum::<i64>() + row.retainage, row.total);
                }
                prop_assert_eq!(r.rows.iter().map(|x| x.total).sum::<i64>(), expected);
            }
        }
    }
}
