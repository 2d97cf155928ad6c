//! What arbot emails customers, as data: a billing address that parses, the reminder ladder, and
//! the reminder an account is due today. The stage of an account is recomputed from its state
//! every time ([`plan_reminder`]): what is open, how far past due, what is disputed or promised.
//! Nothing advances it by a timer, so a restart or a gap neither repeats nor skips a stage.
//!
//! An account on a payment plan (`collections::PaymentPlan`) is asked only for installments whose
//! day (plus grace) has passed unpaid: what its pending installments still cover is left out.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::collections::{CashApplied, Outcome, PaymentPlan, Promise, PromiseRules, PromiseStatus};
use crate::ledger::OpenItem;

/// A billing email address, checked enough to catch a typo (one `@`, a dotted domain, no spaces).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Reads an address as people type it (`<ap@acme.com>` and `mailto:` are accepted).
    pub fn parse(text: &str) -> Result<EmailAddress, String> {
        let t = text.trim().trim_start_matches("mailto:").trim_start_matches('<').trim_end_matches('>').trim();
        let bad =
            |why: &str| Err(format!("'{}' is not an email address ({why}); write it like ap@acme.com", text.trim()));
        if t.is_empty() {
            return bad("it is empty");
        }
        if t.chars().any(|c| c.is_whitespace() || c == ',' || c == ';') {
            return bad("it has a space or a separator in it");
        }
        let Some((local, domain)) = t.split_once('@') else { return bad("there is no @") };
        if local.is_empty() || domain.contains('@') {
            return bad("it needs one name before a single @");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-')) {
            return bad("the part after @ is not a domain like acme.com");
        }
        Ok(EmailAddress(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A customer's billing contact as arbot keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerContact {
    pub customer_id: i64,
    pub email: Option<String>,
    pub address: Option<String>,
    /// `chat` when a person set it, else the source it came from.
    pub source: String,
}

/// One rung of the reminder ladder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Its name, which is also its template's (`courtesy`, `first`, `firm`, `final`).
    pub name: String,
    /// Days relative to the due date: −5 is five days before it, 30 is thirty days after.
    pub days: i64,
    /// Invoices at this stage go out only when together they are at least this much (minor units).
    pub min_minor: i64,
    /// Whether a person approves it in chat first (otherwise it goes out by itself).
    pub approval: bool,
}

/// The ladder: stages in increasing `days`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ladder {
    stages: Vec<Stage>,
}

impl Ladder {
    /// Sorts the stages by day; refuses two on one day or two of one name.
    pub fn new(mut stages: Vec<Stage>) -> Result<Ladder, String> {
        stages.sort_by_key(|s| s.days);
        for w in stages.windows(2) {
            if w[0].days == w[1].days {
                return Err(format!(
                    "reminder stages '{}' and '{}' are both on day {}; give each its own day",
                    w[0].name, w[1].name, w[0].days
                ));
            }
        }
        let mut names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("two reminder stages are named '{}'; give each its own name", w[0]));
        }
        Ok(Ladder { stages })
    }

    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The highest stage an invoice `days_from_due` days past its due date (negative: before it)
    /// has reached.
    pub fn stage_at(&self, days_from_due: i64) -> Option<usize> {
        self.stages.iter().rposition(|s| s.days <= days_from_due)
    }
}

impl Default for Ladder {
    /// Courtesy five days before due, then 1, 15, 30 and 45 days after it, each approved in chat.
    fn default() -> Self {
        let stage = |name: &str, days| Stage { name: name.to_string(), days, min_minor: 0, approval: true };
        Ladder {
            stages: vec![
                stage("courtesy", -5),
                stage("first", 1),
                stage("second", 15),
                stage("firm", 30),
                stage("final", 45),
            ],
        }
    }
}

/// One invoice in a reminder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReminderLine {
    pub invoice_id: i64,
    pub number: String,
    pub job: Option<String>,
    /// The job's project manager, where the ledger has one.
    pub pm: Option<String>,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    /// Days past due (negative before the due date).
    pub days_from_due: i64,
    /// What the reminder asks for: the due part of the balance less any amount promised.
    pub asked_minor: i64,
    /// The stage this invoice reached.
    pub stage: usize,
    /// The day a standing reminder already asked for this invoice at this stage or a later one:
    /// it is in the email again, but it alone does not make the account due a reminder.
    pub asked_on: Option<NaiveDate>,
}

/// An invoice left out of the reminder, and why (for the person approving it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    pub number: String,
    pub why: String,
}

/// The reminder an account is due today: every invoice at or past a stage, in one email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReminderPlan {
    pub customer_id: i64,
    pub customer_name: String,
    /// The highest stage among its lines: the email's tone and template.
    pub stage: usize,
    pub lines: Vec<ReminderLine>,
    pub total_minor: i64,
    pub left_out: Vec<LeftOut>,
    /// What a payment plan's installments not yet due cover of the invoices at a stage, left out.
    pub on_plan_minor: i64,
}

impl ReminderPlan {
    /// Whether some invoice has reached a stage no standing reminder asked it at: only then is
    /// the account due a reminder in the morning's round (a stage goes out once, however many
    /// mornings pass; `/mail remind` can still send one again by hand).
    pub fn is_due(&self) -> bool {
        self.lines.iter().any(|l| l.asked_on.is_none())
    }
}

/// What a reminder already queued asked of one invoice: the furthest stage (its days from due)
/// and the latest day. A reminder the mail server refused for good is not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reminded {
    pub invoice_id: i64,
    pub stage_days: i64,
    pub day: NaiveDate,
}

/// One invoice of a queued reminder, as its record keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedLine {
    pub invoice_id: i64,
    pub stage: String,
    pub stage_days: i64,
}

/// What a person decided about an account's reminder on a day: to skip it, or to send it with a
/// subject or opening paragraph of their own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReminderChoice {
    pub skipped: bool,
    pub subject: Option<String>,
    pub opening: Option<String>,
    pub set_by: String,
}

/// What [`plan_reminder`] reads: the account's open items and its collections state.
#[derive(Debug, Clone, Copy)]
pub struct AccountState<'a> {
    pub items: &'a [OpenItem],
    pub promises: &'a [Promise],
    pub cash: &'a [CashApplied],
    pub rules: PromiseRules,
    /// A hold set from chat, until this day (inclusive).
    pub hold_until: Option<NaiveDate>,
    /// The customer's payment plans (cancelled ones are ignored); `cash` must reach back to the
    /// day the oldest was agreed.
    pub plans: &'a [PaymentPlan],
    /// What standing reminders already asked of its invoices.
    pub reminded: &'a [Reminded],
}

/// What the account's standing plans still cover on `today`: every installment whose day plus
/// grace has not passed, less what was paid toward it. A kept installment's cash already lowered
/// the balances; a broken one is no longer covered, so it may be asked for.
fn plan_covers(state: &AccountState<'_>, today: NaiveDate) -> i64 {
    state
        .plans
        .iter()
        .filter(|p| p.status != PromiseStatus::Cancelled)
        .flat_map(|p| p.installments.iter().zip(p.outcomes(state.cash, today, state.rules)))
        .map(|(i, outcome)| match outcome {
            Outcome::Pending { paid } => (i.amount.minor - paid.minor).max(0),
            _ => 0,
        })
        .sum()
}

/// The reminder this account is due on `today`, or `None` when nothing is at a stage (or it is on
/// hold). Disputed invoices, amounts under a promise not yet due and what a payment plan's pending
/// installments cover (taken from the newest invoices, so the oldest debt is what is asked) are
/// left out; a stage whose invoices together are under its minimum is left out too.
pub fn plan_reminder(ladder: &Ladder, state: &AccountState<'_>, today: NaiveDate) -> Option<ReminderPlan> {
    let first = state.items.first()?;
    if state.hold_until.is_some_and(|until| today <= until) {
        return None;
    }
    // What each pending promise still covers, spread over its invoices (the oldest first when it
    // names none), so that amount is not asked for again.
    let mut promised: BTreeMap<i64, i64> = BTreeMap::new();
    let mut items: Vec<&OpenItem> = state.items.iter().collect();
    items.sort_by_key(|i| (i.due, i.invoice_id));
    for p in state.promises {
        if let Outcome::Pending { paid } = p.outcome(state.cash, today, state.rules) {
            let mut left = (p.amount.minor - paid.minor).max(0);
            for i in items.iter().filter(|i| p.invoice_ids.is_empty() || p.invoice_ids.contains(&i.invoice_id)) {
                let already = promised.get(&i.invoice_id).copied().unwrap_or(0);
                let take = left.min((i.due_part() - already).max(0));
                if take > 0 {
                    *promised.entry(i.invoice_id).or_default() += take;
                    left -= take;
                }
            }
        }
    }
    // What the plan's pending installments cover, taken from the newest invoices first.
    let mut planned: BTreeMap<i64, i64> = BTreeMap::new();
    let mut covered = plan_covers(state, today);
    for i in items.iter().rev().filter(|i| !i.disputed) {
        if covered <= 0 {
            break;
        }
        let room = (i.due_part() - promised.get(&i.invoice_id).copied().unwrap_or(0)).max(0);
        let take = covered.min(room);
        if take > 0 {
            planned.insert(i.invoice_id, take);
            covered -= take;
        }
    }
    let mut lines = Vec::new();
    let mut left_out = Vec::new();
    let mut on_plan_minor = 0;
    for i in items {
        let days = (today - i.due).num_days();
        let Some(stage) = ladder.stage_at(days) else { continue };
        if i.disputed {
            left_out.push(LeftOut { number: i.number.clone(), why: "in dispute".to_string() });
            continue;
        }
        let promise = promised.get(&i.invoice_id).copied().unwrap_or(0);
        let plan = planned.get(&i.invoice_id).copied().unwrap_or(0);
        let asked = i.due_part() - promise - plan;
        on_plan_minor += plan;
        if asked <= 0 {
            let why = if plan > 0 {
                "on a payment plan, installments not yet due"
            } else if promise > 0 {
                "promised, not yet due"
            } else {
                "only retainage is open"
            };
            left_out.push(LeftOut { number: i.number.clone(), why: why.to_string() });
            continue;
        }
        let asked_on = state
            .reminded
            .iter()
            .find(|r| r.invoice_id == i.invoice_id && r.stage_days >= ladder.stages[stage].days)
            .map(|r| r.day);
        lines.push(ReminderLine {
            invoice_id: i.invoice_id,
            number: i.number.clone(),
            job: i.job_name.clone(),
            pm: i.pm.clone(),
            issued: i.issued,
            due: i.due,
            days_from_due: days,
            asked_minor: asked,
            stage,
            asked_on,
        });
    }
    // Each stage's minimum applies to its own invoices.
    let mut by_stage: BTreeMap<usize, i64> = BTreeMap::new();
    for l in &lines {
        *by_stage.entry(l.stage).or_default() += l.asked_minor;
    }
    lines.retain(|l| {
        let keep = by_stage.get(&l.stage).copied().unwrap_or(0) >= ladder.stages[l.stage].min_minor;
        if !keep {
            left_out.push(LeftOut { number: l.number.clone(), why: "under the stage's minimum".to_string() });
        }
        keep
    });
    let stage = lines.iter().map(|l| l.stage).max()?;
    Some(ReminderPlan {
        customer_id: first.customer_id,
        customer_name: first.customer_name.clone(),
        stage,
        total_minor: lines.iter().map(|l| l.asked_minor).sum(),
        lines,
        left_out,
        on_plan_minor,
    })
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

    fn item(id: i64, due: &str, balance: i64, disputed: bool) -> OpenItem {
        OpenItem {
            invoice_id: id,
            number: format!("{}", 1000 + id),
            customer_id: 1,
            customer_name: "Acme".into(),
            job_id: None,
            job_name: None,
            pm: None,
            kind: InvoiceKind::Progress,
            issued: d("2026-09-01"),
            due: d(due),
            total: Money::new(balance, cad()),
            balance: Money::new(balance, cad()),
            retainage: Money::new(0, cad()),
            disputed,
        }
    }

    fn cad() -> Currency {
        Currency::parse("CAD").unwrap()
    }

    fn rules() -> PromiseRules {
        PromiseRules { grace_days: 0, tz: chrono_tz::America::Toronto }
    }

    fn state<'a>(items: &'a [OpenItem], promises: &'a [Promise]) -> AccountState<'a> {
        AccountState { items, promises, cash: &[], rules: rules(), hold_until: None, plans: &[], reminded: &[] }
    }

    #[test]
    fn addresses_parse_or_say_why() {
        assert_eq!(EmailAddress::parse(" <AP@Acme.COM> ").unwrap().as_str(), "AP@acme.com");
        for bad in ["", "ap", "ap@acme", "ap@@acme.com", "a p@acme.com", "@acme.com", "ap@acme..com", "a@b.com,c@d.com"]
        {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
        assert!(EmailAddress::parse("ap@acme").unwrap_err().contains("like ap@acme.com"));
    }

    #[test]
    fn the_stage_is_the_highest_reached_and_recomputed_from_the_date() {
        let ladder = Ladder::default();
        assert_eq!(ladder.stage_at(-6), None);
        assert_eq!(ladder.stage_at(-5), Some(0));
        assert_eq!(ladder.stage_at(0), Some(0));
        assert_eq!(ladder.stage_at(14), Some(1));
        assert_eq!(ladder.stage_at(400), Some(4));
        let items = [item(1, "2026-11-01", 50000, false), item(2, "2026-11-20", 20000, false)];
        let plan = plan_reminder(&ladder, &state(&items, &[]), d("2026-12-01")).unwrap();
        assert_eq!(plan.stage, 3, "30 days past due is 'firm'");
        assert_eq!(plan.lines.iter().map(|l| l.stage).collect::<Vec<_>>(), [3, 1]);
        assert_eq!(plan.total_minor, 70000);
        // Nothing at a stage yet: no reminder at all.
        assert!(plan_reminder(&ladder, &state(&items, &[]), d("2026-10-20")).is_none());
    }

    #[test]
    fn disputes_promises_holds_and_minimums_are_left_out() {
        let ladder = Ladder::default();
        let items = [
            item(1, "2026-11-01", 50000, false),
            item(2, "2026-11-02", 30000, true),
            item(3, "2026-11-03", 10000, false),
        ];
        let promise = Promise {
            id: 1,
            customer_id: 1,
            amount: Money::new(45000, cad()),
            promised_for: d("2026-12-10"),
            status: PromiseStatus::Open,
            created_by: "sam".into(),
            created_at: "2026-11-25T15:00:00Z".parse().unwrap(),
            invoice_ids: vec![],
            note: None,
            day_only: false,
        };
        let promises = [promise.clone()];
        let plan = plan_reminder(&ladder, &state(&items, &promises), d("2026-12-01")).unwrap();
        // 450 of #1001's 500 is promised; #1002 is disputed; #1003 stands.
        assert_eq!(
            plan.lines.iter().map(|l| (l.number.as_str(), l.asked_minor)).collect::<Vec<_>>(),
            [("1001", 5000), ("1003", 10000)]
        );
        assert_eq!(plan.left_out, [LeftOut { number: "1002".into(), why: "in dispute".into() }]);
        // Once the promise's day has passed unpaid, the whole amount is asked for again.
        let later = plan_reminder(&ladder, &state(&items, &promises), d("2026-12-11")).unwrap();
        assert_eq!(later.total_minor, 60000);
        // A hold stops it through its last day.
        let mut held = state(&items, &promises);
        held.hold_until = Some(d("2026-12-11"));
        assert!(plan_reminder(&ladder, &held, d("2026-12-11")).is_none());
        assert!(plan_reminder(&ladder, &held, d("2026-12-12")).is_some());
        // A stage's minimum applies to that stage's invoices together.
        let strict =
            Ladder::new(vec![Stage { name: "first".into(), days: 1, min_minor: 70000, approval: true }]).unwrap();
        let plan = plan_reminder(&strict, &state(&items, &[]), d("2026-12-01"));
        assert!(plan.is_none(), "600 asked is under the 700 minimum");
    }

    #[test]
    fn a_plan_is_asked_only_for_installments_due_and_unpaid() {
        use crate::collections::Installment;
        let ladder = Ladder::default();
        // 900 open over three overdue invoices; a plan of 3 x 300 agreed Nov 25.
        let items = [
            item(1, "2026-10-01", 30000, false),
            item(2, "2026-10-15", 30000, false),
            item(3, "2026-11-01", 30000, false),
        ];
        let inst = |seq, day: &str| Installment { seq, due_on: d(day), amount: Money::new(30000, cad()) };
        let plan = PaymentPlan {
            id: 1,
            customer_id: 1,
            total: Money::new(90000, cad()),
            status: PromiseStatus::Open,
            created_by: "sam".into(),
            created_at: "2026-11-25T15:00:00Z".parse().unwrap(),
            note: None,
            installments: vec![inst(1, "2026-12-05"), inst(2, "2027-01-05"), inst(3, "2027-02-05")],
        };
        let plans = [plan.clone()];
        let mut st = state(&items, &[]);
        st.plans = &plans;
        // Before the first installment's day nothing is asked: the plan covers it all.
        assert!(plan_reminder(&ladder, &st, d("2026-12-01")).is_none());
        // The first installment broken: 300 is asked, from the oldest invoice.
        let broken = plan_reminder(&ladder, &st, d("2026-12-06")).unwrap();
        assert_eq!(
            broken.lines.iter().map(|l| (l.number.as_str(), l.asked_minor)).collect::<Vec<_>>(),
            [("1001", 30000)]
        );
        assert!(broken.left_out.iter().all(|l| l.why.contains("payment plan")), "{:?}", broken.left_out);
        assert_eq!(broken.on_plan_minor, 60000, "#1002 and #1003 are under the plan");
        // A cancelled plan covers nothing: all 900 is asked.
        let mut cancelled = plan;
        cancelled.status = PromiseStatus::Cancelled;
        let plans = [cancelled];
        st.plans = &plans;
        assert_eq!(plan_reminder(&ladder, &st, d("2026-12-01")).unwrap().total_minor, 90000);
    }

    #[test]
    fn a_stage_already_asked_does_not_make_the_account_due_again() {
        let ladder = Ladder::default();
        let items = [item(1, "2026-11-20", 50000, false), item(2, "2026-11-28", 20000, false)];
        // Both at the first stage (days 1..14); #1001 was asked at it on Nov 21.
        let asked = [Reminded { invoice_id: 1, stage_days: 1, day: d("2026-11-21") }];
        let mut st = state(&items, &[]);
        st.reminded = &asked;
        let plan = plan_reminder(&ladder, &st, d("2026-12-01")).unwrap();
        assert_eq!(plan.lines.iter().map(|l| l.asked_on).collect::<Vec<_>>(), [Some(d("2026-11-21")), None]);
        assert!(plan.is_due(), "#1002 reached the first stage since");
        // Once #1002 was asked too, nothing is due until one of them reaches the next stage.
        let both = [asked[0], Reminded { invoice_id: 2, stage_days: 1, day: d("2026-12-01") }];
        st.reminded = &both;
        assert!(!plan_reminder(&ladder, &st, d("2026-12-04")).unwrap().is_due());
        let later = plan_reminder(&ladder, &st, d("2026-12-05")).unwrap();
        assert!(later.is_due(), "#1001 is 15 days past due: the second stage");
        assert_eq!(later.lines[0].stage, 2);
        // Asked at a later stage than today's (the ladder was changed since): not due again.
        let ahead = [Reminded { invoice_id: 1, stage_days: 30, day: d("2026-11-21") }];
        st.reminded = &ahead;
        st.items = &items[..1];
        assert!(!plan_reminder(&ladder, &st, d("2026-12-05")).unwrap().is_due());
    }

    #[test]
    fn a_ladder_refuses_two_stages_on_one_day() {
        let s = |name: &str, days| Stage { name: name.into(), days, min_minor: 0, approval: false };
        assert!(Ladder::new(vec![s("a", 1), s("b", 1)]).unwrap_err().contains("both on day 1"));
        assert!(Ladder::new(vec![s("a", 1), s("a", 2)]).unwrap_err().contains("named 'a'"));
    }
}
