//! The daily overdue digest as data: totals and their change since the last digest, what needs a
//! person today, accounts newly overdue, payments since, promises due this week. Chat adapters
//! decide how it looks; this module decides what is in it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use serde::Serialize;

use crate::collections::{
    CashApplied, InstallmentDue, Note, Outcome, PaymentPlan, Promise, PromiseRules, PromiseStatus,
};
use crate::ledger::{OverdueItem, PaymentLine};
use crate::money::Currency;
use crate::store::{CustomerOverdue, OpenItemsQuery, OpenSums, Store, StoreError};

/// The weekday before `today` (Friday for a Monday): when the previous digest went out.
pub fn previous_business_day(today: NaiveDate) -> NaiveDate {
    let mut d = today - Days::new(1);
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d - Days::new(1);
    }
    d
}

pub use crate::liens::LienAlert;

/// Everything the digest is computed from.
#[derive(Debug, Clone)]
pub struct DigestInputs<'a> {
    pub today: NaiveDate,
    pub currency: Currency,
    /// Each customer's open and past-due sums today, and what was open as of the previous
    /// digest, summed.
    pub accounts: &'a [CustomerOverdue],
    pub then: OpenSums,
    /// The invoices that fell past due since the previous digest (due from then until
    /// yesterday), with something due on them.
    pub newly_overdue: &'a [OverdueItem],
    pub payments_since: &'a [PaymentLine],
    /// Promises due from [`PROMISE_LOOKBACK_DAYS`] ago on, with customer names.
    pub promises: &'a [(Promise, String)],
    /// Cash applied since the oldest of those promises was logged.
    pub cash: &'a [CashApplied],
    /// How promises are judged.
    pub rules: PromiseRules,
    /// Payment plans' installments due from [`PROMISE_LOOKBACK_DAYS`] ago through the next six
    /// days, with their outcome today.
    pub installments: &'a [InstallmentDue],
    pub last_contact: &'a HashMap<i64, DateTime<Utc>>,
    /// Notes asking for a follow-up since the previous digest through today, newest first, with
    /// their customer's name.
    pub follow_ups: &'a [(Note, String)],
    /// Lien and notice deadlines not yet met in the next [`LIEN_HORIZON_DAYS`], soonest first.
    pub lien_alerts: &'a [LienAlert],
    /// Deadlines that lose rights, passed with nothing recorded, on jobs with money owed.
    pub lien_passed: &'a [LienAlert],
}

/// How long a broken promise nobody acted on stays in the digest.
pub const PROMISE_LOOKBACK_DAYS: u64 = 90;

/// How far ahead the digest's lien section looks.
pub const LIEN_HORIZON_DAYS: i64 = 14;

/// How close a deadline must be to put its job on the "needs someone today" list.
pub const LIEN_URGENT_DAYS: i64 = 3;

/// Why an account is on today's list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attention {
    pub customer_id: i64,
    /// The job, when the reason is about one job (a lien or notice deadline).
    pub job_id: Option<i64>,
    pub label: String,
    pub overdue: i64,
    pub days: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    pub date: NaiveDate,
    pub since: NaiveDate,
    pub currency: Currency,
    pub open: i64,
    pub open_change: i64,
    pub overdue: i64,
    pub overdue_change: i64,
    /// Open on invoices in dispute: not in `overdue`, shown apart.
    pub disputed: i64,
    pub over_90_share: Option<f64>,
    pub needs_today: Vec<Attention>,
    /// Invoices that fell past due since the last digest: (customer, invoice number, amount due).
    pub newly_overdue: Vec<(String, String, i64)>,
    pub payments: Vec<PaymentLine>,
    /// The accounts most at risk: the most overdue dollars weighted by how long past due.
    pub at_risk: Vec<AtRisk>,
    /// Lien and notice deadlines in the next two weeks, soonest first.
    pub lien_deadlines: Vec<LienAlert>,
    /// Deadlines that lose rights, passed with nothing recorded, on jobs with money owed: here
    /// every day until someone records what was done.
    pub lien_passed: Vec<LienAlert>,
    /// Open promises due today through the next six days.
    pub promises_this_week: Vec<(Promise, String)>,
    /// Payment plans' installments due today through the next six days, not yet kept.
    pub installments_this_week: Vec<InstallmentDue>,
    /// Lien waivers that need someone: unconditionals owed, conditionals out with the payment late.
    pub waivers: Vec<crate::waivers::WaiverDue>,
}

/// An account near the top of the risk list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtRisk {
    pub customer_id: i64,
    pub name: String,
    pub overdue: i64,
    /// Days past due of its oldest overdue invoice.
    pub oldest_days: i64,
    /// Overdue more than 60 days.
    pub over_60: i64,
}

/// How many accounts the risk list shows.
pub const AT_RISK: usize = 5;

/// How long without contact makes a well-overdue account need a call.
pub const QUIET_DAYS: i64 = 14;

struct Account {
    name: String,
    overdue: i64,
    oldest: i64,
    over_60: i64,
    /// Overdue dollars times days past due: big and old ranks first.
    dollar_days: i128,
}

/// The "needs someone today" list as it is built, with the accounts already on it (a set, not a
/// scan of the list: a large ledger has thousands of quiet accounts).
#[derive(Default)]
struct Needs {
    list: Vec<Attention>,
    /// Accounts on the list with money overdue.
    chased: HashSet<i64>,
    /// Accounts on the list for the account itself (not one of its jobs).
    accounts: HashSet<i64>,
}

impl Needs {
    fn push(&mut self, a: Attention) {
        if a.overdue > 0 {
            self.chased.insert(a.customer_id);
        }
        if a.job_id.is_none() {
            self.accounts.insert(a.customer_id);
        }
        self.list.push(a);
    }

    fn chased(&self, customer_id: i64) -> bool {
        self.chased.contains(&customer_id)
    }

    fn has_account(&self, customer_id: i64) -> bool {
        self.accounts.contains(&customer_id)
    }
}

pub fn digest(input: &DigestInputs<'_>) -> Digest {
    let today = input.today;
    let since = previous_business_day(today);
    // In dispute: open, but not overdue that anyone is chasing (reported apart).
    let (mut open, mut overdue, mut over_90, mut disputed) = (0, 0, 0, 0);
    let mut accounts: HashMap<i64, Account> = HashMap::new();
    for c in input.accounts {
        open += c.open;
        disputed += c.disputed;
        overdue += c.overdue;
        over_90 += c.over_90;
        if c.overdue_invoices == 0 {
            continue;
        }
        accounts.insert(
            c.customer_id,
            Account {
                name: c.name.clone(),
                overdue: c.overdue,
                oldest: c.oldest_due.map_or(0, |due| (today - due).num_days()),
                over_60: c.over_60,
                dollar_days: c.dollar_days,
            },
        );
    }
    // Overdue that anyone is chasing leaves out what is in dispute, as today's figure does.
    let (open_then, overdue_then) = (input.then.total, input.then.overdue - input.then.disputed_overdue);

    let mut fell_due: Vec<&OverdueItem> =
        input.newly_overdue.iter().filter(|i| !i.disputed && i.due >= since && i.due < today).collect();
    fell_due.sort_by_key(|i| (i.due, i.invoice_id));
    let newly_overdue = fell_due.iter().map(|i| (i.customer_name.clone(), i.number.clone(), i.due_part)).collect();

    let mut needs = Needs::default();
    for alert in input.lien_alerts.iter().filter(|a| (a.due - today).num_days() <= LIEN_URGENT_DAYS) {
        let left = (alert.due - today).num_days();
        let when = match left {
            0 => "due TODAY".to_string(),
            1 => "due tomorrow".to_string(),
            n => format!("due in {n} days"),
        };
        // A deadline is about the job, not the account's overdue balance.
        needs.push(Attention {
            customer_id: alert.customer_id,
            job_id: Some(alert.job_id),
            label: format!("{} ({})", alert.job_name, alert.customer_name),
            overdue: 0,
            days: 0,
            reason: format!(
                "{} {} {when}, {} unpaid on the job",
                alert.state,
                alert.document,
                money(alert.unpaid, input.currency)
            ),
        });
    }
    // An account's newest promise that was not cancelled, if it broke and nobody has acted since
    // (no note logged after its deadline, no newer promise): here every day until someone does.
    let mut newest: HashMap<i64, (&Promise, &String)> = HashMap::new();
    for (p, name) in input.promises.iter().filter(|(p, _)| p.status != PromiseStatus::Cancelled) {
        let e = newest.entry(p.customer_id).or_insert((p, name));
        if (p.created_at, p.id) > (e.0.created_at, e.0.id) {
            *e = (p, name);
        }
    }
    let mut broken: Vec<(&Promise, &String)> = newest.into_values().collect();
    broken.sort_by_key(|(p, _)| (p.promised_for, p.id));
    for (p, name) in broken {
        let outcome = p.outcome(input.cash, today, input.rules);
        if !outcome.is_broken() {
            continue;
        }
        let deadline = p.deadline(input.rules.grace_days);
        let acted = input.last_contact.get(&p.customer_id).is_some_and(|t| t.date_naive() > deadline);
        let Some(a) = accounts.get(&p.customer_id).filter(|a| a.overdue > 0) else { continue };
        if acted || needs.chased(p.customer_id) {
            continue;
        }
        let when = if deadline == today - Days::new(1) {
            "yesterday".to_string()
        } else {
            format!("on {}", crate::dates::short_date(deadline))
        };
        let how = match outcome {
            crate::collections::Outcome::PartlyKept { paid, .. } => {
                format!("was partly kept ({} paid)", paid.compact())
            }
            _ => format!("broke {when}"),
        };
        needs.push(Attention {
            customer_id: p.customer_id,
            job_id: None,
            label: name.clone(),
            overdue: a.overdue,
            days: a.oldest,
            reason: format!("promise for {} {how} → escalate?", p.amount.compact()),
        });
    }
    // An account's latest broken installment (of a plan not cancelled), until someone acts: a
    // note after its deadline.
    let mut latest: HashMap<i64, &InstallmentDue> = HashMap::new();
    for i in input.installments.iter().filter(|i| i.outcome.is_broken()) {
        let e = latest.entry(i.customer_id).or_insert(i);
        if (i.due_on, i.plan_id, i.seq) > (e.due_on, e.plan_id, e.seq) {
            *e = i;
        }
    }
    let mut broken_parts: Vec<&InstallmentDue> = latest.into_values().collect();
    broken_parts.sort_by_key(|i| (i.due_on, i.plan_id, i.seq));
    for i in broken_parts {
        let deadline = i.due_on + Days::new(u64::from(input.rules.grace_days));
        let acted = input.last_contact.get(&i.customer_id).is_some_and(|t| t.date_naive() > deadline);
        let Some(a) = accounts.get(&i.customer_id).filter(|a| a.overdue > 0) else { continue };
        if acted || needs.chased(i.customer_id) {
            continue;
        }
        let how = match i.outcome {
            Outcome::PartlyKept { paid, .. } => format!("was partly paid ({})", paid.compact()),
            _ => format!("was not paid by {}", crate::dates::short_date(deadline)),
        };
        needs.push(Attention {
            customer_id: i.customer_id,
            job_id: None,
            label: i.customer_name.clone(),
            overdue: a.overdue,
            days: a.oldest,
            reason: format!("plan installment {} of {} ({}) {how} → escalate?", i.seq, i.of, i.amount.compact()),
        });
    }
    for (n, name) in input.follow_ups {
        if needs.has_account(n.customer_id) {
            continue;
        }
        let a = accounts.get(&n.customer_id);
        let said: String = n.body.chars().take(60).collect();
        let more = if n.body.chars().count() > 60 { "…" } else { "" };
        needs.push(Attention {
            customer_id: n.customer_id,
            job_id: None,
            label: name.clone(),
            overdue: a.map(|a| a.overdue).unwrap_or(0),
            days: a.map(|a| a.oldest).unwrap_or(0),
            reason: format!("follow-up due ({}'s {}: \"{said}{more}\")", n.author, n.kind),
        });
    }
    let mut quiet: Vec<(&i64, &Account)> = accounts.iter().filter(|(_, a)| a.oldest > 60).collect();
    quiet.sort_by_key(|(id, a)| (std::cmp::Reverse(a.overdue), **id));
    for (id, a) in quiet {
        if needs.chased(*id) {
            continue;
        }
        let reason = match input.last_contact.get(id) {
            Some(t) => {
                let d = (today - t.date_naive()).num_days();
                if d < QUIET_DAYS {
                    continue;
                }
                format!("no contact in {d} days")
            }
            None => "no contact on record".to_string(),
        };
        needs.push(Attention {
            customer_id: *id,
            job_id: None,
            label: a.name.clone(),
            overdue: a.overdue,
            days: a.oldest,
            reason,
        });
    }

    let mut ranked: Vec<(&i64, &Account)> = accounts.iter().collect();
    ranked.sort_by_key(|(id, a)| (std::cmp::Reverse(a.dollar_days), **id));
    let at_risk = ranked
        .into_iter()
        .take(AT_RISK)
        .map(|(id, a)| AtRisk {
            customer_id: *id,
            name: a.name.clone(),
            overdue: a.overdue,
            oldest_days: a.oldest,
            over_60: a.over_60,
        })
        .collect();

    let week_end = today + Days::new(6);
    let promises_this_week = input
        .promises
        .iter()
        .filter(|(p, _)| {
            p.promised_for >= today
                && p.promised_for <= week_end
                && matches!(p.outcome(input.cash, today, input.rules), crate::collections::Outcome::Pending { .. })
        })
        .cloned()
        .collect();

    let installments_this_week = input
        .installments
        .iter()
        .filter(|i| i.due_on >= today && i.due_on <= week_end && matches!(i.outcome, Outcome::Pending { .. }))
        .cloned()
        .collect();

    Digest {
        date: today,
        since,
        currency: input.currency,
        open,
        open_change: open - open_then,
        overdue,
        overdue_change: overdue - overdue_then,
        disputed,
        over_90_share: (overdue > 0).then(|| over_90 as f64 * 100.0 / overdue as f64),
        needs_today: needs.list,
        newly_overdue,
        payments: input.payments_since.to_vec(),
        at_risk,
        lien_deadlines: input.lien_alerts.to_vec(),
        lien_passed: input.lien_passed.to_vec(),
        promises_this_week,
        installments_this_week,
        waivers: Vec::new(),
    }
}

fn money(minor: i64, currency: Currency) -> String {
    crate::money::Money::new(minor, currency).compact()
}

/// Reads what the digest needs from the store and computes it: open items today and as of the
/// previous weekday, payments received from the previous weekday through yesterday, promises from a week back, the last contact with each
/// account, and the lien deadlines of the next [`LIEN_HORIZON_DAYS`].
pub async fn load(
    store: &dyn Store,
    today: NaiveDate,
    currency: Currency,
    closures: &[NaiveDate],
    rules: PromiseRules,
) -> Result<Digest, StoreError> {
    let since = previous_business_day(today);
    // The reads are independent and run at once, each on a connection of its own: the digest
    // takes about as long as its slowest read (the accounts summed per customer), not the sum
    // of them all (on a 1,000,000-invoice ledger the accounts, the sums at the previous digest
    // and the jobs with money owed were each 0.2 to 0.8 s).
    let (now, fell_due, then, payments, (promises, plans, cash), last_contact, follow_ups, alerts, waivers) = tokio::try_join!(
        // Summed per customer in the database; only the invoices that fell past due are read.
        store.overdue_by_customer(today, currency),
        async {
            match today.checked_sub_days(Days::new(1)) {
                Some(yesterday) => store.overdue_items(today, Some(since), yesterday, currency).await,
                None => Ok(Vec::new()),
            }
        },
        store.open_sums(OpenItemsQuery { as_of: since, customer_id: None, historical: true }, currency),
        // Each day's payments in exactly one digest: the previous weekday's digest went out in the
        // morning, so it could not hold what arrived later that day; this one lists the previous
        // weekday through yesterday, and today's payments wait for tomorrow's.
        store.payments_received(since - Days::new(1), today - Days::new(1)),
        promises_and_cash(store, today, rules),
        store.last_contacts(),
        store.follow_ups(since, today),
        crate::liens::lien_alerts(store, today, LIEN_HORIZON_DAYS, closures, currency),
        crate::waivers::due_today(store, today),
    )?;
    let installments = crate::collections::installments_due(
        &plans,
        &cash,
        today - Days::new(PROMISE_LOOKBACK_DAYS),
        today + Days::new(6),
        today,
        rules,
    );
    let last_contact: HashMap<_, _> = last_contact.into_iter().collect();
    let mut d = digest(&DigestInputs {
        today,
        currency,
        accounts: &now,
        then,
        newly_overdue: &fell_due,
        payments_since: &payments,
        promises: &promises,
        cash: &cash,
        rules,
        installments: &installments,
        last_contact: &last_contact,
        follow_ups: &follow_ups,
        lien_alerts: &alerts.coming,
        lien_passed: &alerts.passed,
    });
    d.waivers = waivers;
    Ok(d)
}

/// The promises from [`PROMISE_LOOKBACK_DAYS`] back, the payment plans due from then through the
/// next six days, and the cash applied since the oldest of them was logged.
#[allow(clippy::type_complexity)]
async fn promises_and_cash(
    store: &dyn Store,
    today: NaiveDate,
    rules: PromiseRules,
) -> Result<(Vec<(Promise, String)>, Vec<(PaymentPlan, String)>, Vec<CashApplied>), StoreError> {
    let (promises, plans) = tokio::try_join!(
        store.promises_from(today - Days::new(PROMISE_LOOKBACK_DAYS)),
        store.plans_due(today - Days::new(PROMISE_LOOKBACK_DAYS), today + Days::new(6)),
    )?;
    let first_logged = promises
        .iter()
        .map(|(p, _)| p.logged_on(rules.tz))
        .chain(plans.iter().map(|(p, _)| p.logged_on(rules.tz)))
        .min();
    let cash = match first_logged {
        Some(from) => store.cash_applied(None, from).await?,
        None => Vec::new(),
    };
    Ok((promises, plans, cash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_digest_was_the_last_weekday() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(previous_business_day(d("2026-11-23")), d("2026-11-20")); // Mon -> Fri
        assert_eq!(previous_business_day(d("2026-11-24")), d("2026-11-23"));
        assert_eq!(previous_business_day(d("2026-11-22")), d("2026-11-20")); // Sun -> Fri
    }
}
