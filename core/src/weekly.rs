//! The weekly AR report as data: the aging now against a week and four weeks before (from the
//! daily snapshots, so each reads what was known that day), with the disputed money apart; the
//! KPIs on the same three days and the promises-kept rate; the accounts that moved into a worse
//! bucket; the largest risks with why (size, age, broken promises, silence, disputes, lien
//! deadlines with money owed); by PM and by GC; and recommended actions chosen by the rules in
//! [`RULES`]. Chat adapters decide how it looks.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;

use crate::aging::{AgingConfig, AgingRow, GroupBy};
use crate::collections::{CashApplied, Outcome, Promise, PromiseRules, PromiseStatus};
use crate::dates::short_date;
use crate::kpi::{Kpis, kpis, kpis_on};
use crate::liens::{LienAlert, LienAlerts};
use crate::money::{Currency, Money};
use crate::snapshots::{Snapshot, compute, compute_by, on_day, on_day_by};
use crate::store::{Store, StoreError};

/// The rules recommended actions are chosen by, in the order they are tried for each account
/// (one action per account, the first rule that matches), written down so anyone can check them.
/// The text before the colon is why; after it, what to do.
pub const RULES: &[&str] = &[
    "a lien or notice deadline within 14 days on a job with money owed: serve or record it (or get paid) before the date",
    "moved into the oldest bucket this week: escalate to the manager",
    "collections.repromise_limit (default 2) or more broken promises in the last 90 days, with money past due: escalate to the manager",
    "moved into a worse bucket this week with money past due: call the customer's AP this week",
    "money past due in dispute among the largest risks: settle the dispute (paperwork, change order)",
    "past due more than 90 days among the largest risks: escalate to the manager",
    "a deadline that loses lien rights passed with nothing recorded, on a job with money owed: take it to the manager (record what was done, if it was)",
    "a promise broken in the last 90 days among the largest risks: call for a new date",
    "no contact logged in 14 days among the largest risks: call the customer's AP this week",
];

/// Indexes into [`RULES`].
pub mod rule {
    pub const LIEN_SOON: usize = 0;
    pub const OLDEST_BUCKET: usize = 1;
    pub const BROKEN_AGAIN: usize = 2;
    pub const MOVED: usize = 3;
    pub const DISPUTE: usize = 4;
    pub const OVER_90: usize = 5;
    pub const LIEN_PASSED: usize = 6;
    pub const BROKEN_ONCE: usize = 7;
    pub const SILENT: usize = 8;
}

/// How many of the largest risks are listed.
pub const TOP_RISKS: usize = 10;

/// How far back broken promises count as a risk.
pub const BROKEN_LOOKBACK_DAYS: u64 = 90;

/// The promises-kept rate counts the promises whose last day (promised day plus grace) fell in
/// the this many days before the report's day.
pub const PROMISE_KPI_DAYS: u64 = 30;

/// Days without a note or call logged that make a risk "silent" (the digest's figure).
pub const SILENT_DAYS: i64 = crate::digest::QUIET_DAYS;

/// How far back notes are read to find the last contact.
pub const CONTACT_LOOKBACK_DAYS: u64 = 90;

/// How far ahead a lien or notice deadline counts as a risk (the digest's horizon).
pub const LIEN_DAYS: i64 = crate::digest::LIEN_HORIZON_DAYS;

/// How many weeks the trend behind the charts covers, the report's day the last of them.
pub const TREND_WEEKS: usize = 12;

/// How many accounts the top-overdue chart shows.
pub const TOP_OVERDUE: usize = 10;

/// One week of the trend: the aging of the day, totalled (from the snapshot kept that day,
/// rebuilt from the ledger where none was, as the report's three days are), and the countback
/// DSO as `/ar kpi` computes it that day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendWeek {
    pub aging: AgingPoint,
    /// Countback DSO in days; `None` when there were no sales to count back over.
    pub dso: Option<f64>,
}

/// The aging of one day, totalled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgingPoint {
    pub day: NaiveDate,
    /// Rebuilt from the ledger rather than kept on the day.
    pub rebuilt: bool,
    pub buckets: Vec<i64>,
    pub total: i64,
    /// Past due, the disputed part included (see `disputed_overdue`).
    pub overdue: i64,
    pub overdue_90: i64,
    /// Open on invoices in dispute (in the buckets), and the past-due part of it.
    pub disputed: i64,
    pub disputed_overdue: i64,
}

impl AgingPoint {
    /// Past due and not in dispute: what is being chased (what `/ar aging` calls overdue).
    pub fn collectible_overdue(&self) -> i64 {
        self.overdue - self.disputed_overdue
    }

    /// Retainage held: the open balance not in the buckets.
    pub fn retainage(&self) -> i64 {
        self.total - self.buckets.iter().sum::<i64>()
    }
}

/// The promises whose last day fell in the [`PROMISE_KPI_DAYS`] before a day, judged on it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PromisesKept {
    pub day: NaiveDate,
    pub kept: u32,
    /// Broken, or partly kept (too little paid by the last day).
    pub broken: u32,
}

impl PromisesKept {
    /// Kept out of judged, in percent; `None` when no promise fell due.
    pub fn rate(&self) -> Option<f64> {
        let judged = self.kept + self.broken;
        (judged > 0).then(|| f64::from(self.kept) * 100.0 / f64::from(judged))
    }
}

/// An account whose oldest money moved into an older bucket since last week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moved {
    pub customer_id: i64,
    pub name: String,
    /// Bucket labels: where its oldest money was last week (None: it owed nothing), and now.
    pub from: Option<String>,
    pub to: String,
    pub to_index: usize,
    pub total: i64,
    pub overdue: i64,
    pub oldest_days: i64,
}

/// One of the largest risks: an account by past due (the disputed part included), with why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    pub customer_id: i64,
    pub name: String,
    pub total: i64,
    /// Past due, the disputed part included.
    pub overdue: i64,
    pub overdue_90: i64,
    pub disputed: i64,
    pub disputed_overdue: i64,
    pub oldest_days: i64,
    /// Promises broken (or partly kept) in the last [`BROKEN_LOOKBACK_DAYS`].
    pub broken_promises: u32,
    /// Days since the last note or call logged, or `None` when none was logged in the
    /// [`CONTACT_LOOKBACK_DAYS`] before the day.
    pub last_contact_days: Option<i64>,
    /// Lien and notice deadlines within [`LIEN_DAYS`], and passed ones that lose rights, on its
    /// jobs with money owed.
    pub liens: Vec<LienAlert>,
    pub reasons: Vec<String>,
}

impl Risk {
    /// Past due and not in dispute.
    pub fn collectible_overdue(&self) -> i64 {
        self.overdue - self.disputed_overdue
    }

    /// Silent: no contact logged in [`SILENT_DAYS`].
    pub fn silent(&self) -> bool {
        self.last_contact_days.is_none_or(|d| d >= SILENT_DAYS)
    }
}

/// A recommended action: the account, the rule (index into [`RULES`]) that chose it, and why in
/// the account's own terms ("second broken promise").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub customer_id: i64,
    pub name: String,
    pub rule: usize,
    pub why: String,
    /// Past due and not in dispute.
    pub overdue: i64,
    pub oldest_days: i64,
}

/// One general contractor's share of the aging: the GC named on each job (an invoice on no job,
/// or on a job that names no GC, counts under its customer when the customer is a GC itself, and
/// under "no GC on record" when not).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GcRow {
    pub gc: Option<String>,
    /// The customers billed under it.
    pub customers: usize,
    /// Its jobs with money open.
    pub jobs: usize,
    /// Some of the money is on invoices that name no job.
    pub no_job: bool,
    pub total: i64,
    pub overdue: i64,
    pub overdue_90: i64,
    pub disputed_overdue: i64,
    pub oldest_days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyReport {
    pub day: NaiveDate,
    pub currency: Currency,
    pub labels: Vec<String>,
    /// Now, a week before and four weeks before.
    pub aging: [AgingPoint; 3],
    /// The KPIs on the same three days.
    pub kpis: [Kpis; 3],
    /// The promises-kept rate on the same three days.
    pub promises: [PromisesKept; 3],
    /// The last [`TREND_WEEKS`] weeks, oldest first, ending on the day: the charts' figures.
    pub trend: Vec<TrendWeek>,
    pub moved: Vec<Moved>,
    pub risks: Vec<Risk>,
    pub actions: Vec<Action>,
    /// By customer, now, largest first.
    pub by_customer: Vec<AgingRow>,
    /// By job, now, largest first.
    pub by_job: Vec<AgingRow>,
    /// By PM, now.
    pub by_pm: Vec<AgingRow>,
    /// By GC, now (from the same day's job rows).
    pub by_gc: Vec<GcRow>,
    /// Accounts paying slower with money not yet due ([`crate::trends::slowing`]): named before
    /// they are overdue.
    pub slowing: Vec<crate::trends::Slowing>,
}

/// What the report reads besides the aging and the KPIs.
#[derive(Debug, Clone)]
pub struct Signals<'a> {
    pub rules: PromiseRules,
    /// How many broken promises make an account one to escalate (`collections.repromise_limit`).
    pub repromise_limit: u32,
    /// Promises due from well before four weeks ago on, with customer names.
    pub promises: &'a [(Promise, String)],
    /// Cash applied since the oldest of them was logged.
    pub cash: &'a [CashApplied],
    /// The day of the last note logged by the end of the report's day, per customer, within
    /// [`CONTACT_LOOKBACK_DAYS`].
    pub last_contact: &'a HashMap<i64, NaiveDate>,
    pub liens: &'a LienAlerts,
    /// What each job row of the day's snapshot is, by its label ("Job (Customer)").
    pub gc_of_row: &'a HashMap<String, RowGc>,
}

/// A snapshot's customer rows totalled: the day's aging as one point.
pub(crate) fn point(s: &Snapshot, columns: usize) -> AgingPoint {
    let mut buckets = vec![0i64; columns];
    let mut p = AgingPoint {
        day: s.day,
        rebuilt: s.rebuilt,
        buckets: Vec::new(),
        total: 0,
        overdue: 0,
        overdue_90: 0,
        disputed: 0,
        disputed_overdue: 0,
    };
    for r in s.rows_by(GroupBy::Customer) {
        for (i, b) in r.buckets.iter().enumerate().take(columns) {
            buckets[i] += b;
        }
        p.total += r.total;
        p.overdue += r.overdue;
        p.overdue_90 += r.overdue_90;
        p.disputed += r.disputed;
        p.disputed_overdue += r.disputed_overdue;
    }
    p.buckets = buckets;
    p
}

/// The oldest bucket an account has money in.
fn worst(r: &AgingRow) -> Option<usize> {
    r.buckets.iter().rposition(|b| *b > 0)
}

/// "second", "third", … for counts of broken promises.
pub fn ordinal(n: u32) -> String {
    const WORDS: [&str; 10] =
        ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];
    match n {
        1..=10 => WORDS[n as usize - 1].to_string(),
        _ => format!("{n}th"),
    }
}

/// The promises-kept rate on `day`: promises logged by then, not cancelled, in `currency`, whose
/// last day fell in the [`PROMISE_KPI_DAYS`] before it, judged as of it.
pub fn promises_kept(
    promises: &[(Promise, String)],
    cash: &[CashApplied],
    day: NaiveDate,
    rules: PromiseRules,
    currency: Currency,
) -> PromisesKept {
    let mut out = PromisesKept { day, kept: 0, broken: 0 };
    let from = day - Days::new(PROMISE_KPI_DAYS);
    for (p, _) in promises {
        let deadline = p.deadline(rules.grace_days);
        if p.status == PromiseStatus::Cancelled
            || p.amount.currency != currency
            || p.logged_on(rules.tz) > day
            || deadline < from
            || deadline >= day
        {
            continue;
        }
        match p.outcome(cash, day, rules) {
            Outcome::Kept { .. } => out.kept += 1,
            o if o.is_broken() => out.broken += 1,
            _ => {}
        }
    }
    out
}

/// Each account's broken promises in the [`BROKEN_LOOKBACK_DAYS`] before `day`, with the latest
/// broken one: (count, its amount, its promised day).
fn broken_promises(
    promises: &[(Promise, String)],
    cash: &[CashApplied],
    day: NaiveDate,
    rules: PromiseRules,
    currency: Currency,
) -> HashMap<i64, (u32, Money, NaiveDate)> {
    let mut out: HashMap<i64, (u32, Money, NaiveDate)> = HashMap::new();
    let from = day - Days::new(BROKEN_LOOKBACK_DAYS);
    for (p, _) in promises {
        if p.status == PromiseStatus::Cancelled
            || p.amount.currency != currency
            || p.logged_on(rules.tz) > day
            || p.promised_for < from
        {
            continue;
        }
        if p.outcome(cash, day, rules).is_broken() {
            let e = out.entry(p.customer_id).or_insert((0, p.amount, p.promised_for));
            e.0 += 1;
            if p.promised_for >= e.2 {
                (e.1, e.2) = (p.amount, p.promised_for);
            }
        }
    }
    out
}

fn lien_text(a: &LienAlert, day: NaiveDate, currency: Currency) -> String {
    let owed = Money::new(a.unpaid, currency).compact();
    if a.due < day {
        format!(
            "{} {} on {} was due {} and nothing is recorded (rights may be lost), {owed} owed on the job",
            a.state,
            a.document,
            a.job_name,
            short_date(a.due)
        )
    } else {
        format!("{} {} on {} due {}, {owed} owed on the job", a.state, a.document, a.job_name, short_date(a.due))
    }
}

/// Computes the report from the three days' aging and KPIs, and the signals of the day.
pub fn weekly_report(
    now: &Snapshot,
    week: &Snapshot,
    month: &Snapshot,
    kpis: [Kpis; 3],
    trend: Vec<TrendWeek>,
    signals: &Signals<'_>,
) -> WeeklyReport {
    let columns = now.labels.len();
    let currency = now.currency;
    let day = now.day;
    let money = |minor: i64| Money::new(minor, currency).compact();
    let before: HashMap<i64, &AgingRow> =
        week.rows_by(GroupBy::Customer).filter_map(|r| r.customer_id.map(|id| (id, r))).collect();
    let accounts: HashMap<i64, &AgingRow> =
        now.rows_by(GroupBy::Customer).filter_map(|r| r.customer_id.map(|id| (id, r))).collect();
    let mut moved = Vec::new();
    for r in now.rows_by(GroupBy::Customer) {
        let (Some(id), Some(to)) = (r.customer_id, worst(r)) else { continue };
        let from = before.get(&id).and_then(|b| worst(b));
        // Bucket 0 is money not yet due: only a move into a past-due bucket counts.
        if to > 0 && from.is_none_or(|f| to > f) {
            moved.push(Moved {
                customer_id: id,
                name: r.label.clone(),
                from: from.and_then(|f| now.labels.get(f).cloned()),
                to: now.labels.get(to).cloned().unwrap_or_default(),
                to_index: to,
                total: r.total,
                overdue: r.overdue,
                oldest_days: r.oldest_days,
            });
        }
    }
    moved.sort_by(|a, b| b.to_index.cmp(&a.to_index).then(b.overdue.cmp(&a.overdue)).then(a.name.cmp(&b.name)));

    let broken = broken_promises(signals.promises, signals.cash, day, signals.rules, currency);
    let mut liens: HashMap<i64, Vec<LienAlert>> = HashMap::new();
    for a in signals.liens.passed.iter().chain(signals.liens.coming.iter()) {
        liens.entry(a.customer_id).or_default().push(a.clone());
    }
    let contact_days = |id: i64| signals.last_contact.get(&id).map(|d| (day - *d).num_days());

    let mut risks: Vec<Risk> = now
        .rows_by(GroupBy::Customer)
        .filter_map(|r| {
            let id = r.customer_id?;
            let alerts = liens.get(&id).cloned().unwrap_or_default();
            if r.overdue <= 0 && alerts.is_empty() {
                return None;
            }
            let mut reasons = Vec::new();
            if r.overdue > 0 {
                reasons.push(format!("past due {} days at the oldest", r.oldest_days));
            }
            if r.overdue_90 > 0 {
                reasons.push(format!("{} past due more than 90 days", money(r.overdue_90)));
            }
            if r.disputed > 0 {
                reasons.push(format!(
                    "{} in dispute ({} of it past due)",
                    money(r.disputed),
                    money(r.disputed_overdue)
                ));
            }
            let broken_promises = broken.get(&id).map_or(0, |b| b.0);
            if let Some((n, amount, on)) = broken.get(&id) {
                let what = if *n == 1 { "a broken promise".to_string() } else { format!("{n} broken promises") };
                reasons.push(format!(
                    "{what} in {BROKEN_LOOKBACK_DAYS} days (the latest {} for {})",
                    amount.compact(),
                    short_date(*on)
                ));
            }
            let last_contact_days = contact_days(id);
            if r.overdue > 0 {
                match last_contact_days {
                    Some(d) if d >= SILENT_DAYS => reasons.push(format!("no contact logged in {d} days")),
                    Some(_) => {}
                    None => reasons.push(format!("no contact logged in the {CONTACT_LOOKBACK_DAYS} days before")),
                }
            }
            for a in &alerts {
                reasons.push(lien_text(a, day, currency));
            }
            if moved.iter().any(|m| m.customer_id == id) {
                reasons.push("moved into a worse bucket this week".to_string());
            }
            Some(Risk {
                customer_id: id,
                name: r.label.clone(),
                total: r.total,
                overdue: r.overdue,
                overdue_90: r.overdue_90,
                disputed: r.disputed,
                disputed_overdue: r.disputed_overdue,
                oldest_days: r.oldest_days,
                broken_promises,
                last_contact_days,
                liens: alerts,
                reasons,
            })
        })
        .collect();
    risks.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(b.collectible_overdue().cmp(&a.collectible_overdue()))
            .then(b.total.cmp(&a.total))
            .then(a.name.cmp(&b.name))
    });
    risks.truncate(TOP_RISKS);

    // Each candidate account once, tried against the rules in order.
    let mut candidates: Vec<i64> = Vec::new();
    let mut add = |id: i64| {
        if !candidates.contains(&id) {
            candidates.push(id);
        }
    };
    let mut lien_ids: Vec<i64> = liens.keys().copied().collect();
    lien_ids.sort_unstable();
    let mut broken_ids: Vec<i64> = broken.keys().copied().collect();
    broken_ids.sort_unstable();
    moved.iter().for_each(|m| add(m.customer_id));
    risks.iter().for_each(|r| add(r.customer_id));
    lien_ids.into_iter().for_each(&mut add);
    broken_ids.into_iter().for_each(&mut add);
    let mut actions: Vec<Action> = Vec::new();
    for id in candidates {
        let Some(row) = accounts.get(&id) else { continue };
        let risk = risks.iter().find(|r| r.customer_id == id);
        let mv = moved.iter().find(|m| m.customer_id == id);
        let alerts = liens.get(&id).map(Vec::as_slice).unwrap_or_default();
        let broken_n = broken.get(&id).map_or(0, |b| b.0);
        let coming = alerts.iter().find(|a| a.due >= day);
        let passed = alerts.iter().find(|a| a.due < day);
        let in_risks = |f: &dyn Fn(&Risk) -> bool| risk.is_some_and(f);
        let chosen: Option<(usize, String)> = if let Some(a) = coming {
            Some((rule::LIEN_SOON, lien_text(a, day, currency)))
        } else if let Some(m) = mv.filter(|m| m.to_index + 1 == columns) {
            Some((rule::OLDEST_BUCKET, format!("moved into {} this week", m.to)))
        } else if broken_n >= signals.repromise_limit.max(1) && row.overdue > 0 {
            Some((rule::BROKEN_AGAIN, format!("{} broken promise", ordinal(broken_n))))
        } else if let Some(m) = mv {
            let from = m.from.as_deref().unwrap_or("nothing owed");
            Some((rule::MOVED, format!("moved from {from} into {} this week", m.to)))
        } else if in_risks(&|r| r.disputed_overdue > 0) {
            Some((rule::DISPUTE, format!("{} past due in dispute", money(row.disputed_overdue))))
        } else if in_risks(&|r| r.overdue_90 > 0) {
            Some((rule::OVER_90, format!("{} past due more than 90 days", money(row.overdue_90))))
        } else if let Some(a) = passed {
            Some((rule::LIEN_PASSED, lien_text(a, day, currency)))
        } else if in_risks(&|r| r.broken_promises > 0 && r.overdue > 0) {
            Some((rule::BROKEN_ONCE, "a broken promise".to_string()))
        } else if in_risks(&|r| r.overdue > 0 && r.silent()) {
            Some((
                rule::SILENT,
                match risk.and_then(|r| r.last_contact_days) {
                    Some(d) => format!("no contact logged in {d} days"),
                    None => format!("no contact logged in {CONTACT_LOOKBACK_DAYS} days"),
                },
            ))
        } else {
            None
        };
        if let Some((rule, why)) = chosen {
            actions.push(Action {
                customer_id: id,
                name: row.label.clone(),
                rule,
                why,
                overdue: row.collectible_overdue(),
                oldest_days: row.oldest_days,
            });
        }
    }
    actions.sort_by(|a, b| a.rule.cmp(&b.rule).then(b.overdue.cmp(&a.overdue)).then(a.name.cmp(&b.name)));

    let sorted = |by: GroupBy| {
        let mut rows: Vec<AgingRow> = now.rows_by(by).cloned().collect();
        rows.sort_by(|a, b| b.total.cmp(&a.total).then(a.label.cmp(&b.label)));
        rows
    };
    let by_customer = sorted(GroupBy::Customer);
    let by_job = sorted(GroupBy::Job);
    let by_pm = sorted(GroupBy::Pm);
    let by_gc = by_gc(now, signals.gc_of_row);
    WeeklyReport {
        day,
        currency,
        labels: now.labels.clone(),
        aging: [point(now, columns), point(week, columns), point(month, columns)],
        kpis,
        promises: [
            promises_kept(signals.promises, signals.cash, day, signals.rules, currency),
            promises_kept(signals.promises, signals.cash, week.day, signals.rules, currency),
            promises_kept(signals.promises, signals.cash, month.day, signals.rules, currency),
        ],
        trend,
        moved,
        risks,
        actions,
        by_customer,
        by_job,
        by_pm,
        by_gc,
        slowing: Vec::new(),
    }
}

impl WeeklyReport {
    /// The accounts with the most money past due (the disputed part included, as the largest
    /// risks are ordered), largest first, at most `n`: the top-overdue chart's bars.
    pub fn top_overdue(&self, n: usize) -> Vec<&AgingRow> {
        let mut rows: Vec<&AgingRow> = self.by_customer.iter().filter(|r| r.overdue > 0).collect();
        rows.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then(b.collectible_overdue().cmp(&a.collectible_overdue()))
                .then(a.label.cmp(&b.label))
        });
        rows.truncate(n);
        rows
    }
}

/// The aging totals and countback DSO of the `weeks` weeks ending on `day` (`day`, `day` - 7,
/// …), oldest first: each day from its snapshot, or rebuilt from the ledger where none was kept
/// (marked rebuilt), and `day` live when it is today, as [`load`] reads the report's three days.
pub async fn trend(
    store: &dyn Store,
    day: NaiveDate,
    today: NaiveDate,
    weeks: usize,
    cfg: &AgingConfig,
    currency: Currency,
    now: DateTime<Utc>,
) -> Result<Vec<TrendWeek>, StoreError> {
    trend_with(store, day, today, weeks, cfg, currency, now, &[]).await
}

/// [`trend`], reusing the days already read (their snapshot and KPIs).
#[allow(clippy::too_many_arguments)]
async fn trend_with(
    store: &dyn Store,
    day: NaiveDate,
    today: NaiveDate,
    weeks: usize,
    cfg: &AgingConfig,
    currency: Currency,
    now: DateTime<Utc>,
    known: &[(&Snapshot, &Kpis)],
) -> Result<Vec<TrendWeek>, StoreError> {
    let days: Vec<NaiveDate> = (0..weeks as u64).rev().map(|back| day - Days::new(7 * back)).collect();
    // The DSO of the past weeks not read yet, all at once: their open sums in one pass over the
    // ledger and the sales by day read once (a pass and thirteen statements a week before).
    let past: Vec<NaiveDate> =
        days.iter().copied().filter(|d| *d < today && !known.iter().any(|(s, _)| s.day == *d)).collect();
    let dso_past: HashMap<NaiveDate, Option<f64>> =
        past.iter().copied().zip(crate::kpi::dso_on(store, &past, currency).await?).collect();
    let mut out = Vec::with_capacity(weeks);
    for d in days {
        let week = match known.iter().find(|(s, _)| s.day == d) {
            Some((s, k)) => TrendWeek { aging: point(s, s.labels.len()), dso: k.dso },
            None => {
                // The week's totals (its customers' rows) and its DSO: neither the jobs' and PMs'
                // rows nor the rest of the KPIs, which the trend does not show.
                let (s, dso) = if d == today {
                    let s = compute_by(store, d, today, cfg, currency, now, GroupBy::Customer).await?;
                    (s, kpis(store, d, false, currency).await?.dso)
                } else {
                    let s = on_day_by(store, d, today, cfg, currency, now, GroupBy::Customer).await?;
                    (s, dso_past.get(&d).copied().flatten())
                };
                TrendWeek { aging: point(&s, s.labels.len()), dso }
            }
        };
        out.push(week);
    }
    Ok(out)
}

/// The day's job rows summed by the GC of each (see [`GcRow`]), largest first, "no GC on
/// record" last.
fn by_gc(now: &Snapshot, gc_of_row: &HashMap<String, RowGc>) -> Vec<GcRow> {
    let mut rows: BTreeMap<Option<String>, (GcRow, Vec<i64>)> = BTreeMap::new();
    for r in now.rows_by(GroupBy::Job) {
        let of = gc_of_row.get(&r.label).cloned().unwrap_or_default();
        let gc = of.gc;
        let (row, customers) = rows.entry(gc.clone()).or_insert_with(|| {
            (
                GcRow {
                    gc,
                    customers: 0,
                    jobs: 0,
                    no_job: false,
                    total: 0,
                    overdue: 0,
                    overdue_90: 0,
                    disputed_overdue: 0,
                    oldest_days: 0,
                },
                Vec::new(),
            )
        });
        if of.job {
            row.jobs += 1;
        } else {
            row.no_job = true;
        }
        row.total += r.total;
        row.overdue += r.overdue;
        row.overdue_90 += r.overdue_90;
        row.disputed_overdue += r.disputed_overdue;
        row.oldest_days = row.oldest_days.max(r.oldest_days);
        if let Some(id) = r.customer_id
            && !customers.contains(&id)
        {
            customers.push(id);
        }
    }
    let mut out: Vec<GcRow> = rows
        .into_values()
        .map(|(mut row, customers)| {
            row.customers = customers.len();
            row
        })
        .collect();
    out.sort_by(|a, b| a.gc.is_none().cmp(&b.gc.is_none()).then(b.total.cmp(&a.total)).then(a.gc.cmp(&b.gc)));
    out
}

/// A job row of a snapshot: whether it is a job (not the invoices on no job), and its GC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowGc {
    pub job: bool,
    pub gc: Option<String>,
}

/// The GC of each job row of `snap` (see [`GcRow`]): the GC named on the job; else the
/// customer, when it is a GC; else none.
pub async fn gc_of_rows(store: &dyn Store, snap: &Snapshot) -> Result<HashMap<String, RowGc>, StoreError> {
    let mut named: HashMap<String, Option<String>> = HashMap::new();
    for (job, customer, gc) in store.job_gc_names().await? {
        let gc = gc.map(|g| g.trim().to_string()).filter(|g| !g.is_empty());
        named.insert(format!("{job} ({customer})"), gc);
    }
    let gcs: std::collections::HashSet<i64> = store.general_contractor_ids().await?.into_iter().collect();
    let names: HashMap<i64, String> =
        snap.rows_by(GroupBy::Customer).filter_map(|r| r.customer_id.map(|id| (id, r.label.clone()))).collect();
    let mut out = HashMap::new();
    for r in snap.rows_by(GroupBy::Job) {
        let job = named.get(&r.label).cloned();
        // The job's GC; else the customer, when it is a GC itself.
        let gc = job
            .clone()
            .flatten()
            .or_else(|| r.customer_id.filter(|id| gcs.contains(id)).and_then(|id| names.get(&id).cloned()));
        out.insert(r.label.clone(), RowGc { job: job.is_some(), gc });
    }
    Ok(out)
}

/// How the report judges promises and lien deadlines.
#[derive(Debug, Clone)]
pub struct WeeklyOptions {
    pub rules: PromiseRules,
    pub repromise_limit: u32,
    /// Days the recording offices were closed (`liens.closures`).
    pub closures: Vec<NaiveDate>,
}

/// Loads and computes the weekly report for `day`: `day`'s aging live when it is today (what
/// `/ar aging` shows), else its snapshot; a week and four weeks before from their snapshots
/// (rebuilt from the ledger where none was kept, and marked so); promises judged, notes read and
/// lien deadlines worked out as of `day`.
pub async fn load(
    store: &dyn Store,
    day: NaiveDate,
    today: NaiveDate,
    cfg: &AgingConfig,
    currency: Currency,
    now: DateTime<Utc>,
    options: &WeeklyOptions,
) -> Result<WeeklyReport, StoreError> {
    let snap_now = if day == today {
        compute(store, day, today, cfg, currency, now).await?
    } else {
        on_day(store, day, today, cfg, currency, now).await?
    };
    let week = on_day(store, day - Days::new(7), today, cfg, currency, now).await?;
    let month = on_day(store, day - Days::new(28), today, cfg, currency, now).await?;
    // The past days' KPIs in one pass over the ledger (see `kpi::kpis_on`); today's live.
    let k = if day < today {
        kpis_on(store, [day, week.day, month.day], currency).await?
    } else {
        let (k, [w, m]) =
            tokio::try_join!(kpis(store, day, false, currency), kpis_on(store, [week.day, month.day], currency))?;
        [k, w, m]
    };
    let rules = options.rules;
    // Promises due from before the earliest window: the promises-kept rate four weeks before,
    // and broken promises in the 90 days before the day.
    let earliest = (month.day - Days::new(PROMISE_KPI_DAYS)).min(day - Days::new(BROKEN_LOOKBACK_DAYS));
    let promises = store.promises_from(earliest - Days::new(u64::from(rules.grace_days))).await?;
    let cash = match promises.iter().map(|(p, _)| p.logged_on(rules.tz)).min() {
        Some(from) => store.cash_applied(None, from).await?,
        None => Vec::new(),
    };
    // Notes from the lookback through the end of the day, in the business's time zone (read a
    // day wider either side in UTC, then kept to the day).
    let utc = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    let from = day - Days::new(CONTACT_LOOKBACK_DAYS);
    let notes = store.notes_logged(utc(from - Days::new(1)), utc(day + Days::new(2))).await?;
    let mut last_contact: HashMap<i64, NaiveDate> = HashMap::new();
    for (n, _) in &notes {
        let on = n.created_at.with_timezone(&rules.tz).date_naive();
        if on < from || on > day {
            continue;
        }
        let e = last_contact.entry(n.customer_id).or_insert(on);
        *e = (*e).max(on);
    }
    let liens = crate::liens::lien_alerts(store, day, LIEN_DAYS, &options.closures, currency).await?;
    let gc_of_row = gc_of_rows(store, &snap_now).await?;
    let signals = Signals {
        rules,
        repromise_limit: options.repromise_limit,
        promises: &promises,
        cash: &cash,
        last_contact: &last_contact,
        liens: &liens,
        gc_of_row: &gc_of_row,
    };
    let known = [(&snap_now, &k[0]), (&week, &k[1]), (&month, &k[2])];
    let trend = trend_with(store, day, today, TREND_WEEKS, cfg, currency, now, &known).await?;
    let mut report = weekly_report(&snap_now, &week, &month, k, trend, &signals);
    // Invoices paid in the year may have been issued well before it.
    let history = store.paid_invoices(day - Days::new(crate::trends::HISTORY_DAYS * 2), currency).await?;
    let open: Vec<crate::ledger::OpenItem> = store
        .open_items(crate::store::OpenItemsQuery { as_of: day, customer_id: None, historical: day < today })
        .await?
        .into_iter()
        .filter(|i| i.currency() == currency && !i.disputed)
        .collect();
    report.slowing = crate::trends::slowing(&history, &open, day);
    Ok(report)
}
