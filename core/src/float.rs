//! The minimum-float watch: the money in the bank (each account's latest balance, read from the
//! accounting system where its connector can, or set from chat), plus the cash expected day by
//! day over the next weeks (the cash report's figures: open promises, plan installments, invoices
//! falling due weighted by each payer's history), less the outflows the team has configured
//! (payroll, rent), against the minimum float. When the forecast dips under the minimum, the
//! past-due money not already expected is listed, largest first, until it would close the gap.
//! Where the watch stands is kept with the KPI guardrails' states under [`STATE_KEY`], so a dip
//! is said once across restarts and instances, and its recovery once more.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use serde::Serialize;

use crate::cash::{CashData, CashInputs, Expectations};
use crate::collections::PromiseRules;
use crate::money::{Currency, Money};
use crate::store::{Store, StoreError};

/// How many days ahead the forecast runs unless configured.
pub const DEFAULT_HORIZON_DAYS: u32 = 14;

/// The longest forecast: the cash report's figures are read no further.
pub const MAX_HORIZON_DAYS: u32 = 90;

/// The key the watch's state is kept under, beside the KPI guardrails'.
pub const STATE_KEY: &str = "minimum_float";

/// How many accounts a dip names as the collections that would close it.
pub const SHOWN: usize = 5;

/// A balance older than this many days is called out as stale.
pub const STALE_DAYS: i64 = 3;

/// One bank account's balance, as last read or set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankBalance {
    /// The account's name as the accounting system or the person gave it. Accounts are one
    /// account by name, whatever the case: a balance set from chat for "checking" replaces
    /// QuickBooks' "Checking" reading until QuickBooks reads a newer one, and the other way round.
    pub account: String,
    /// `chat`, or the source it was read from (`quickbooks`, `xero`, ...).
    pub source: String,
    pub balance: Money,
    /// The day the balance is of.
    pub as_of: NaiveDate,
    /// Who set it, from chat.
    pub set_by: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

impl BankBalance {
    /// The account's key: its name, trimmed and lower-cased.
    pub fn key(account: &str) -> String {
        account.trim().to_lowercase()
    }
}

/// When a configured outflow goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "every", rename_all = "snake_case")]
pub enum Recurs {
    /// Every week on this day.
    Weekly { weekday: Weekday },
    /// Every month on this day (the month's last day when it is shorter).
    Monthly { day: u32 },
    /// Once, on this day.
    Once { on: NaiveDate },
}

impl Recurs {
    /// Reads `friday`, `fridays`, `fri`, `monthly 15`, `15th`, `month-end`, or a date
    /// (`2026-12-24`).
    pub fn parse(s: &str) -> Result<Recurs, String> {
        let t = s.trim().to_lowercase();
        let word = t.trim_end_matches('s');
        if let Ok(weekday) = word.parse::<Weekday>() {
            return Ok(Recurs::Weekly { weekday });
        }
        if let Ok(on) = NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
            return Ok(Recurs::Once { on });
        }
        if matches!(t.as_str(), "month-end" | "month end" | "last day" | "monthly last") {
            return Ok(Recurs::Monthly { day: 31 });
        }
        let n = t.trim_start_matches("monthly").trim_start_matches("on").trim();
        let n = n.trim_end_matches("st").trim_end_matches("nd").trim_end_matches("rd").trim_end_matches("th");
        match n.trim().parse::<u32>() {
            Ok(day @ 1..=31) => Ok(Recurs::Monthly { day }),
            _ => Err(format!(
                "'{s}' is not a day an outflow recurs on; use a weekday (friday), a day of the month (monthly 15, \
                 month-end) or a date (2026-12-24)"
            )),
        }
    }

    pub fn on(&self, day: NaiveDate) -> bool {
        match *self {
            Recurs::Weekly { weekday } => day.weekday() == weekday,
            Recurs::Monthly { day: d } => {
                let next = day.checked_add_months(chrono::Months::new(1)).unwrap_or(day);
                let last = (next.with_day(1).unwrap_or(next) - Days::new(1)).day();
                day.day() == d.min(last)
            }
            Recurs::Once { on } => day == on,
        }
    }

    /// How it reads: "Fridays", "the 15th", "month-end", "Dec 24".
    pub fn text(&self) -> String {
        match *self {
            Recurs::Weekly { weekday } => {
                // Any date of that weekday gives its name.
                let monday = NaiveDate::from_isoywd_opt(2026, 1, weekday).unwrap_or_default();
                format!("{}s", monday.format("%A"))
            }
            Recurs::Monthly { day: 31 } => "month-end".to_string(),
            Recurs::Monthly { day } => format!("the {}", crate::dates::ordinal_number(day)),
            Recurs::Once { on } => crate::dates::short_date(on),
        }
    }
}

/// Money the team knows goes out (payroll, rent): the forecast takes it off on its days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outflow {
    pub name: String,
    pub amount: i64,
    pub recurs: Recurs,
}

/// The watch as configured (`[float]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FloatConfig {
    /// The minimum float, in the business's currency; `None`: no minimum to watch.
    pub minimum: Option<i64>,
    pub horizon_days: u32,
    pub outflows: Vec<Outflow>,
}

impl Default for FloatConfig {
    fn default() -> Self {
        FloatConfig { minimum: None, horizon_days: DEFAULT_HORIZON_DAYS, outflows: Vec::new() }
    }
}

/// One day of the forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayPoint {
    pub day: NaiveDate,
    /// Expected in that day: open promises, plan installments, and invoices falling due as
    /// weighted by their payers' history.
    pub promised: i64,
    pub planned: i64,
    pub invoices: i64,
    /// Configured outflows that day: (name, amount).
    pub outflows: Vec<(String, i64)>,
    /// The balance at the end of the day.
    pub balance: i64,
}

impl DayPoint {
    pub fn inflow(&self) -> i64 {
        self.promised + self.planned + self.invoices
    }

    pub fn outflow(&self) -> i64 {
        self.outflows.iter().map(|o| o.1).sum()
    }
}

/// A customer's past-due money that the forecast does not count on: not in dispute, not under an
/// open promise or plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collectible {
    pub customer_id: i64,
    pub name: String,
    pub past_due: i64,
    pub invoices: usize,
    /// Days past due of its oldest such invoice.
    pub oldest_days: i64,
    /// The PM most of it sits with.
    pub pm: Option<String>,
}

/// The forecast from today's bank balance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub today: NaiveDate,
    pub currency: Currency,
    pub minimum: Option<i64>,
    pub horizon_days: u32,
    /// The balances counted (in the business's currency), largest first.
    pub balances: Vec<BankBalance>,
    /// Balances in other currencies, not counted.
    pub other_currencies: Vec<BankBalance>,
    /// What the counted balances add up to.
    pub start: i64,
    /// The oldest counted balance's day.
    pub oldest_balance: NaiveDate,
    pub days: Vec<DayPoint>,
    /// The lowest balance over the forecast, today included, and its (first) day.
    pub low: i64,
    pub low_on: NaiveDate,
    /// The first day the forecast is under the minimum (today when it already is).
    pub first_under: Option<NaiveDate>,
    /// How far the low is under the minimum (0 when it is not).
    pub gap: i64,
    /// Past-due money the forecast does not count on, largest first: those that would close the
    /// gap (all of it when fewer than [`SHOWN`] do not).
    pub collections: Vec<Collectible>,
    /// All such past-due money.
    pub collectible_total: i64,
}

impl Forecast {
    pub fn under(&self) -> bool {
        self.first_under.is_some()
    }

    pub fn expected_in(&self) -> i64 {
        self.days.iter().map(DayPoint::inflow).sum()
    }

    pub fn going_out(&self) -> i64 {
        self.days.iter().map(DayPoint::outflow).sum()
    }

    pub fn end(&self) -> i64 {
        self.days.last().map_or(self.start, |d| d.balance)
    }

    /// Whether the balances counted are older than [`STALE_DAYS`].
    pub fn stale(&self) -> bool {
        (self.today - self.oldest_balance).num_days() > STALE_DAYS
    }
}

/// The current balance of each account: the newest reading or setting per account name.
/// `history` is every reading, in any order.
pub fn current(history: &[BankBalance]) -> Vec<BankBalance> {
    let mut by: HashMap<String, &BankBalance> = HashMap::new();
    for b in history {
        let k = BankBalance::key(&b.account);
        match by.get(&k) {
            Some(have) if (have.as_of, have.recorded_at) >= (b.as_of, b.recorded_at) => {}
            _ => {
                by.insert(k, b);
            }
        }
    }
    let mut out: Vec<BankBalance> = by.into_values().cloned().collect();
    out.sort_by(|a, b| b.balance.minor.cmp(&a.balance.minor).then_with(|| a.account.cmp(&b.account)));
    out
}

/// The forecast from `balances` (each account's current balance) over `cfg.horizon_days`, the
/// expected cash read from `input` (the cash report's inputs for today). `None` with no balance
/// in `input.currency` to start from.
pub fn forecast(balances: &[BankBalance], cfg: &FloatConfig, input: &CashInputs<'_>) -> Option<Forecast> {
    let (today, currency) = (input.date, input.currency);
    let (counted, other): (Vec<BankBalance>, Vec<BankBalance>) =
        balances.iter().cloned().partition(|b| b.balance.currency == currency);
    let oldest_balance = counted.iter().map(|b| b.as_of).min()?;
    let start: i64 = counted.iter().map(|b| b.balance.minor).sum();
    let expected = Expectations::of(input);
    let horizon = cfg.horizon_days.clamp(1, MAX_HORIZON_DAYS);
    let mut days = Vec::new();
    let (mut balance, mut before) = (start, (0i64, 0i64, 0i64));
    let (mut low, mut low_on) = (start, today);
    let below = |b: i64| cfg.minimum.is_some_and(|m| b < m);
    let mut first_under = below(start).then_some(today);
    for d in 1..=horizon {
        let day = today + Days::new(u64::from(d));
        let w = expected.window(d);
        let through = (w.promised, w.planned, w.invoices_weighted);
        let outflows: Vec<(String, i64)> =
            cfg.outflows.iter().filter(|o| o.recurs.on(day)).map(|o| (o.name.clone(), o.amount)).collect();
        let (promised, planned, invoices) = (through.0 - before.0, through.1 - before.1, through.2 - before.2);
        balance += promised + planned + invoices - outflows.iter().map(|o| o.1).sum::<i64>();
        before = through;
        if balance < low {
            (low, low_on) = (balance, day);
        }
        if first_under.is_none() && below(balance) {
            first_under = Some(day);
        }
        days.push(DayPoint { day, promised, planned, invoices, outflows, balance });
    }
    let gap = cfg.minimum.map_or(0, |m| (m - low).max(0));
    // Past-due money not counted on, by customer.
    let mut by: HashMap<i64, (Collectible, HashMap<String, i64>)> = HashMap::new();
    for item in input.open.iter().filter(|i| {
        i.currency() == currency && !i.disputed && i.due <= today && i.due_part() > 0 && !expected.covers(i)
    }) {
        let (c, pms) = by.entry(item.customer_id).or_insert_with(|| {
            (
                Collectible {
                    customer_id: item.customer_id,
                    name: item.customer_name.clone(),
                    past_due: 0,
                    invoices: 0,
                    oldest_days: 0,
                    pm: None,
                },
                HashMap::new(),
            )
        });
        c.past_due += item.due_part();
        c.invoices += 1;
        c.oldest_days = c.oldest_days.max((today - item.due).num_days());
        if let Some(pm) = &item.pm {
            *pms.entry(pm.clone()).or_default() += item.due_part();
        }
    }
    let mut all: Vec<Collectible> = by
        .into_values()
        .map(|(mut c, pms)| {
            let mut pms: Vec<(String, i64)> = pms.into_iter().collect();
            pms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            c.pm = pms.into_iter().next().map(|p| p.0);
            c
        })
        .collect();
    all.sort_by(|a, b| b.past_due.cmp(&a.past_due).then_with(|| a.name.cmp(&b.name)));
    let collectible_total = all.iter().map(|c| c.past_due).sum();
    let mut collections = Vec::new();
    if gap > 0 {
        let mut sum = 0;
        for c in all {
            if sum >= gap || collections.len() == SHOWN {
                break;
            }
            sum += c.past_due;
            collections.push(c);
        }
    }
    let mut counted = counted;
    counted.sort_by(|a, b| b.balance.minor.cmp(&a.balance.minor).then_with(|| a.account.cmp(&b.account)));
    Some(Forecast {
        today,
        currency,
        minimum: cfg.minimum,
        horizon_days: horizon,
        balances: counted,
        other_currencies: other,
        start,
        oldest_balance,
        days,
        low,
        low_on,
        first_under,
        gap,
        collections,
        collectible_total,
    })
}

/// Reads the balances and today's expected cash and forecasts; `None` when no bank balance is
/// known in `currency`.
pub async fn load(
    store: &dyn Store,
    today: NaiveDate,
    currency: Currency,
    rules: PromiseRules,
    cfg: &FloatConfig,
) -> Result<Option<Forecast>, StoreError> {
    let balances = current(&store.bank_balances().await?);
    if !balances.iter().any(|b| b.balance.currency == currency) {
        return Ok(None);
    }
    let data = CashData::load(store, today, today, currency, rules, cfg.horizon_days).await?;
    Ok(forecast(&balances, cfg, &data.inputs()))
}

/// Where the watch stands in the store: (under, its transition number).
pub async fn state(store: &dyn Store) -> Result<(bool, i64), StoreError> {
    Ok(store
        .guardrail_states()
        .await?
        .into_iter()
        .find(|s| s.guardrail == STATE_KEY)
        .map_or((false, 0), |s| (s.breached, s.seq)))
}

/// The key a dip's (or a recovery's) post goes out under.
pub fn post_key(seq: i64) -> String {
    format!("float:{seq}")
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;
    use crate::ledger::{InvoiceKind, OpenItem};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn bal(account: &str, minor: i64, as_of: &str, source: &str) -> BankBalance {
        BankBalance {
            account: account.into(),
            source: source.into(),
            balance: Money::new(minor, Currency::USD),
            as_of: d(as_of),
            set_by: None,
            recorded_at: d(as_of).and_hms_opt(12, 0, 0).unwrap().and_utc(),
        }
    }

    fn item(id: i64, customer: i64, name: &str, due: &str, minor: i64) -> OpenItem {
        OpenItem {
            invoice_id: id,
            number: id.to_string(),
            customer_id: customer,
            customer_name: name.into(),
            job_id: None,
            job_name: None,
            pm: Some("Dana".into()),
            kind: InvoiceKind::Progress,
            issued: d(due) - Days::new(30),
            due: d(due),
            total: Money::new(minor, Currency::USD),
            balance: Money::new(minor, Currency::USD),
            retainage: Money::new(0, Currency::USD),
            disputed: false,
        }
    }

    fn inputs<'a>(open: &'a [OpenItem], history: &'a [crate::cash::PaidInvoice]) -> CashInputs<'a> {
        CashInputs {
            date: d("2026-12-04"),
            currency: Currency::USD,
            received: &[],
            week_before: crate::cash::Compare::NoHistory { day: d("2026-11-27") },
            year_before: crate::cash::Compare::NoHistory { day: d("2025-12-05") },
            open,
            promises: &[],
            plans: &[],
            cash: &[],
            rules: PromiseRules { grace_days: 3, tz: chrono_tz::America::New_York },
            history,
            notes: &[],
        }
    }

    #[test]
    fn outflow_days_read_as_people_say_them() {
        assert_eq!(Recurs::parse("Fridays").unwrap(), Recurs::Weekly { weekday: Weekday::Fri });
        assert_eq!(Recurs::parse("monthly 15").unwrap(), Recurs::Monthly { day: 15 });
        assert_eq!(Recurs::parse("1st").unwrap(), Recurs::Monthly { day: 1 });
        assert_eq!(Recurs::parse("month-end").unwrap(), Recurs::Monthly { day: 31 });
        assert_eq!(Recurs::parse("2026-12-24").unwrap(), Recurs::Once { on: d("2026-12-24") });
        assert!(Recurs::parse("sometimes").unwrap_err().contains("sometimes"));
        assert!(Recurs::parse("monthly 32").is_err());
        // The 31st of a 30-day month is its last day.
        assert!(Recurs::Monthly { day: 31 }.on(d("2026-11-30")));
        assert!(!Recurs::Monthly { day: 30 }.on(d("2026-02-27")));
        assert!(Recurs::Monthly { day: 30 }.on(d("2026-02-28")));
    }

    #[test]
    fn the_newest_balance_of_an_account_counts_whoever_gave_it() {
        let history = vec![
            bal("Checking", 150_000_00, "2026-12-01", "quickbooks"),
            bal("checking ", 120_000_00, "2026-12-03", "chat"),
            bal("Payroll", 20_000_00, "2026-12-02", "quickbooks"),
        ];
        let now = current(&history);
        assert_eq!(now.len(), 2);
        assert_eq!((now[0].source.as_str(), now[0].balance.minor), ("chat", 120_000_00));
    }

    #[test]
    fn a_dip_under_the_minimum_names_the_collections_that_would_close_it() {
        // $60k in the bank; $40k payroll on Friday Dec 11; $30k falls due Dec 8 from a payer who
        // always pays on time; Acme owes $25k and Bolt $10k past due, Cole $5k.
        let open = vec![
            item(1, 1, "Acme", "2026-10-01", 25_000_00),
            item(2, 2, "Bolt", "2026-11-20", 10_000_00),
            item(3, 3, "Cole", "2026-11-25", 5_000_00),
            item(4, 4, "Dent", "2026-12-08", 30_000_00),
        ];
        let history: Vec<crate::cash::PaidInvoice> = (0..3)
            .map(|i| crate::cash::PaidInvoice {
                customer_id: 4,
                issued: d("2026-06-01") + Days::new(i * 30),
                due: d("2026-07-01") + Days::new(i * 30),
                paid_on: d("2026-07-01") + Days::new(i * 30),
            })
            .collect();
        let input = inputs(&open, &history);
        let cfg = FloatConfig {
            minimum: Some(75_000_00),
            horizon_days: 14,
            outflows: vec![Outflow {
                name: "Payroll".into(),
                amount: 40_000_00,
                recurs: Recurs::Weekly { weekday: Weekday::Fri },
            }],
        };
        let f = forecast(&[bal("Operating", 60_000_00, "2026-12-04", "chat")], &cfg, &input).unwrap();
        assert_eq!(f.start, 60_000_00);
        // Dec 8 brings Dent's $30k (always on time); Dec 11 takes $40k payroll: $50k.
        let dec8 = f.days.iter().find(|p| p.day == d("2026-12-08")).unwrap();
        assert_eq!((dec8.invoices, dec8.balance), (30_000_00, 90_000_00));
        assert_eq!(f.first_under, Some(d("2026-12-04")), "already under the minimum today");
        // Payroll again on Dec 18: $10k.
        assert_eq!(f.end(), 10_000_00);
        // The end balance is today's less the two payrolls, plus Dent.
        assert_eq!(f.start + f.expected_in() - f.going_out(), f.end());
        let names: Vec<&str> = f.collections.iter().map(|c| c.name.as_str()).collect();
        // The low is Dec 18's $10k: a $65k gap; Acme, Bolt and Cole together are $40k.
        assert_eq!((f.low, f.low_on, f.gap), (10_000_00, d("2026-12-18"), 65_000_00));
        assert_eq!(names, ["Acme", "Bolt", "Cole"]);
        assert_eq!(f.collectible_total, 40_000_00);
        assert_eq!(f.collections[0].oldest_days, 64);
    }

    #[test]
    fn a_small_gap_names_only_the_accounts_it_needs() {
        let open = vec![item(1, 1, "Acme", "2026-10-01", 25_000_00), item(2, 2, "Bolt", "2026-11-20", 10_000_00)];
        let input = inputs(&open, &[]);
        let cfg = FloatConfig { minimum: Some(100_000_00), ..FloatConfig::default() };
        let f = forecast(&[bal("Operating", 90_000_00, "2026-12-04", "chat")], &cfg, &input).unwrap();
        assert_eq!(f.gap, 10_000_00);
        assert_eq!(f.collections.len(), 1, "Acme's $25k closes a $10k gap");
        // Over the minimum, nothing is named.
        let cfg = FloatConfig { minimum: Some(50_000_00), ..FloatConfig::default() };
        let f = forecast(&[bal("Operating", 90_000_00, "2026-12-04", "chat")], &cfg, &input).unwrap();
        assert!(!f.under() && f.collections.is_empty() && f.gap == 0);
        assert_eq!(f.collectible_total, 35_000_00);
        // No balance in the currency: no forecast.
        let eur = BankBalance {
            balance: Money::new(1, Currency::parse("EUR").unwrap()),
            ..bal("Euro", 1, "2026-12-04", "chat")
        };
        assert!(forecast(&[eur], &cfg, &input).is_none());
    }
}
