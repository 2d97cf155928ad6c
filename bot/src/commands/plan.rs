//! `/ar plan <customer> <total> <n> <every> <first date>` (or `dates <day amount>, …`), and
//! `/ar plan <customer> cancel`: a payment plan whose installments are judged like promises, from
//! the cash applied ([`arbot_core::collections::PaymentPlan::outcomes`]), never by a timer.
//! Refused with a sentence when it cannot be one: zero, more than is open, a past day, too many
//! or too few installments, what is owed in another currency, a plan already standing.

use arbot_core::Money;
use arbot_core::collections::{Every, Installment, MAX_INSTALLMENTS, NewPlan, Outcome, PaymentPlan, schedule};
use arbot_core::dates::{parse_date, short_date, weekday_date};
use arbot_core::summary::{CustomerSummary, customer_summary};
use chrono::NaiveDate;

use super::note::{require_own_account, typed_name};
use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::reply::{Reply, Severity};
use crate::wording::at;

/// The plan that still stands: not cancelled, with an installment still open (its day plus grace
/// not passed, not yet paid).
pub(super) fn standing<'a>(app: &App, s: &'a CustomerSummary) -> Option<&'a PaymentPlan> {
    s.plans.iter().find(|p| {
        p.status == arbot_core::collections::PromiseStatus::Open
            && p.outcomes(&s.promise_cash, app.today(), app.promise_rules())
                .iter()
                .any(|o| matches!(o, Outcome::Pending { .. }))
    })
}

/// How one installment stands, in words.
fn installment_text(app: &App, i: &Installment, o: &Outcome) -> String {
    let grace = app.config.collections.promise_grace_days;
    let deadline = i.due_on + chrono::Days::new(u64::from(grace));
    match o {
        Outcome::Pending { paid } if paid.minor > 0 => format!("open, {paid} paid so far"),
        Outcome::Pending { .. } => "open".to_string(),
        Outcome::Kept { on, .. } => format!("kept (paid {})", short_date(*on)),
        Outcome::PartlyKept { paid, short } => format!("partly kept: {paid} paid, {short} short"),
        Outcome::Broken => format!("broken: not paid by {}", short_date(deadline)),
        Outcome::Cancelled => "cancelled".to_string(),
    }
}

/// The customer card's "Payment plan" field: the newest plan, its next installment and any broken.
pub(super) fn card_text(app: &App, s: &CustomerSummary) -> Option<String> {
    let plan = standing(app, s).or(s.plans.first())?;
    let outcomes = plan.outcomes(&s.promise_cash, app.today(), app.promise_rules());
    let kept = outcomes.iter().filter(|o| matches!(o, Outcome::Kept { .. })).count();
    let mut text = format!(
        "{} in {} installments (agreed by {}, {}) · {kept} kept",
        plan.total,
        plan.installments.len(),
        at(&plan.created_by),
        short_date(plan.logged_on(app.config.time_zone))
    );
    if plan.status == arbot_core::collections::PromiseStatus::Cancelled {
        text.push_str(" · cancelled");
        return Some(text);
    }
    let broken: Vec<String> = plan
        .installments
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| o.is_broken())
        .map(|(i, o)| format!("{} of {} {}", i.seq, plan.installments.len(), installment_text(app, i, o)))
        .collect();
    if !broken.is_empty() {
        text.push_str(&format!(" · {}", broken.join("; ")));
    }
    if let Some((i, o)) = plan.installments.iter().zip(&outcomes).find(|(_, o)| matches!(o, Outcome::Pending { .. })) {
        text.push_str(&format!(
            "\nNext: {} by {} ({} of {}, {}) · {} left to pay",
            i.amount,
            weekday_date(i.due_on),
            i.seq,
            plan.installments.len(),
            installment_text(app, i, o),
            plan.remaining(&outcomes)
        ));
    }
    Some(text)
}

/// `Dec 15 10000, Jan 15 10000`: each part a day and an amount, in order.
fn read_dates(text: &str, today: NaiveDate, app: &App) -> Result<Vec<(NaiveDate, Money)>, CommandError> {
    let mut out: Vec<(NaiveDate, Money)> = Vec::new();
    for part in text.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
        let words: Vec<&str> = part.split_whitespace().collect();
        let unread = || {
            CommandError::User(format!(
                "I couldn't read '{part}' as a day and an amount; list them like dates Dec 15 10000, Jan 15 10000. \
                 Nothing was recorded."
            ))
        };
        let (Some(amount), true) = (words.last(), words.len() >= 2) else { return Err(unread()) };
        let amount = Money::parse(amount, app.config.currency).map_err(|_| unread())?;
        let typed = words[..words.len() - 1].join(" ");
        let mut day =
            parse_date(&typed, today).map_err(|e| CommandError::User(format!("{e} Nothing was recorded.")))?;
        // `Dec 15, Jan 15` typed in November: a day without a year that has passed this year is
        // next year's.
        if day < today
            && !year_typed(&typed)
            && let Some(next) = day.checked_add_months(chrono::Months::new(12))
        {
            day = next;
        }
        if let Some((prev, _)) = out.last()
            && day <= *prev
        {
            return Err(CommandError::User(format!(
                "The installments' days go in order: {} comes after {}. Nothing was recorded.",
                short_date(*prev),
                short_date(day)
            )));
        }
        out.push((day, amount));
    }
    if out.is_empty() {
        return Err(CommandError::User(
            "List each installment's day and amount, like dates Dec 15 10000, Jan 15 10000. Nothing was recorded."
                .to_string(),
        ));
    }
    Ok(out)
}

/// Whether a typed day names its year (`2027-01-15`, `1/15/27`, `Jan 15 2027`).
fn year_typed(typed: &str) -> bool {
    typed.matches(['/', '-']).count() >= 2
        || typed.split(|c: char| !c.is_ascii_digit()).any(|run| run.len() == 4)
        || typed.split_whitespace().count() >= 3
}

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    require_own_account(app, &inv.actor, customer.id, "agree payment plans").await?;
    if inv.already(app.store.as_ref(), "plan").await? {
        return Ok(Reply::default().line("Already recorded: this request reached arbot twice and was recorded once."));
    }
    let today = app.today();
    let summary =
        customer_summary(app.store.as_ref(), customer.id, today, false, &app.config.aging, app.config.currency)
            .await?
            .ok_or_else(|| CommandError::User("That customer is no longer in the ledger.".to_string()))?;
    let name = &summary.customer.name;
    let typed = typed_name(name);
    let current = standing(app, &summary);
    if inv.args.choice("change") == Some("cancel") {
        let Some(plan) = current else {
            return Err(CommandError::User(format!("{name} has no payment plan standing to cancel.")));
        };
        let outcomes = plan.outcomes(&summary.promise_cash, today, app.promise_rules());
        if !app.store.cancel_plan(plan.id, &inv.author(), app.clock.now()).await?.is_new() {
            return Ok(Reply::default().line("Already cancelled: this request reached arbot twice."));
        }
        return Ok(Reply::default()
            .line(format!(
                "Cancelled: {name}'s payment plan of {} in {} installments (agreed by {}); {} of it was still to pay. \
                 The audit trail keeps it.",
                plan.total,
                plan.installments.len(),
                at(&plan.created_by),
                plan.remaining(&outcomes)
            ))
            .severity(Severity::Good));
    }
    let example = format!("/ar plan {typed} 30000 3 month {}", short_date(today + chrono::Days::new(14)));
    let regular = (inv.args.count("n"), inv.args.choice("every"), inv.args.date("first"));
    let (total, installments, every) = match inv.args.text("dates") {
        Some(list) => {
            if regular != (None, None, None) {
                return Err(CommandError::User(format!(
                    "Give either how many, how often and the first day ({example}) or each day and amount \
                     (/ar plan {typed} dates Dec 15 10000, Jan 15 10000), not both. Nothing was recorded."
                )));
            }
            let parts = read_dates(list, today, app)?;
            if let Some((_, m)) = parts.iter().find(|(_, m)| m.minor <= 0) {
                return Err(CommandError::User(format!(
                    "{m} isn't an installment; each needs an amount they will pay. Nothing was recorded."
                )));
            }
            let sum = Money::new(parts.iter().map(|(_, m)| m.minor).sum(), app.config.currency);
            if let Some(total) = inv.args.amount("total")
                && total != sum
            {
                return Err(CommandError::User(format!(
                    "The installments add up to {sum}, not the {total} total given; correct one of them. Nothing \
                     was recorded."
                )));
            }
            let installments: Vec<Installment> = parts
                .iter()
                .enumerate()
                .map(|(k, (due_on, amount))| Installment { seq: k as i64 + 1, due_on: *due_on, amount: *amount })
                .collect();
            (sum, installments, None)
        }
        None => {
            let (Some(total), (Some(n), Some(every), Some(first))) = (inv.args.amount("total"), regular) else {
                return Err(CommandError::User(format!(
                    "Say the total, how many installments, how often (week, 2weeks or month) and the first day, \
                     like {example}; or each day and amount: /ar plan {typed} dates Dec 15 10000, Jan 15 10000."
                )));
            };
            if total.minor <= 0 {
                return Err(CommandError::User(format!(
                    "{total} isn't a payment plan; say the total they will pay, like {example}. Nothing was recorded."
                )));
            }
            if !(2..=MAX_INSTALLMENTS).contains(&n) {
                return Err(CommandError::User(format!(
                    "A plan has 2 to {MAX_INSTALLMENTS} installments, not {n}; for one payment log a promise \
                     (/ar promise {typed} {} {}). Nothing was recorded.",
                    total.minor / 100,
                    short_date(first)
                )));
            }
            let every = Every::parse(every).unwrap_or(Every::Month);
            let Some(installments) = schedule(total, n, every, first) else {
                return Err(CommandError::User("Those days run past the calendar. Nothing was recorded.".to_string()));
            };
            (total, installments, Some(every))
        }
    };
    if installments.len() > MAX_INSTALLMENTS as usize {
        return Err(CommandError::User(format!(
            "A plan has at most {MAX_INSTALLMENTS} installments, not {}. Nothing was recorded.",
            installments.len()
        )));
    }
    let first = installments[0].due_on;
    if first < today {
        return Err(CommandError::User(format!(
            "{} has passed; a plan's first installment is today or later. Nothing was recorded.",
            weekday_date(first)
        )));
    }
    if total.minor <= 0 {
        return Err(CommandError::User(format!("{total} isn't a payment plan. Nothing was recorded.")));
    }
    let items = &summary.open_items;
    let owed: i64 = items.iter().filter(|i| i.balance.currency == total.currency).map(|i| i.balance.minor).sum();
    let others: Vec<String> = items
        .iter()
        .filter(|i| i.balance.currency != total.currency && i.balance.minor > 0)
        .map(|i| i.balance.currency.code().to_string())
        .collect();
    if owed <= 0 && !others.is_empty() {
        return Err(CommandError::User(format!(
            "What {name} owes is in another currency ({}); a plan is in {}, the business currency. Nothing was \
             recorded.",
            others.join(", "),
            total.currency.code()
        )));
    }
    if total.minor > owed {
        return Err(CommandError::User(format!(
            "{name} has {} open, less than the {total} of the plan; a plan can't be for more than is open. Check the \
             total. Nothing was recorded.",
            Money::new(owed.max(0), total.currency)
        )));
    }
    // The same cash can't keep both a promise and an installment: one commitment stands at a time.
    if let Some(p) = summary
        .promises
        .iter()
        .find(|p| matches!(p.outcome(&summary.promise_cash, today, app.promise_rules()), Outcome::Pending { .. }))
    {
        return Err(CommandError::User(format!(
            "{name} promised {} by {} (logged by {}), and the same payments can't keep both a promise and a plan. \
             Wait for the promise, or drop it first: /ar promise {typed} cancel. Nothing was recorded.",
            p.amount,
            weekday_date(p.promised_for),
            at(&p.created_by)
        )));
    }
    if let Some(p) = current {
        return Err(CommandError::User(format!(
            "{name} already has a payment plan of {} in {} installments (agreed by {}). To replace it, cancel it \
             first: /ar plan {typed} cancel. Nothing was recorded.",
            p.total,
            p.installments.len(),
            at(&p.created_by)
        )));
    }
    let new = NewPlan {
        customer_id: customer.id,
        total,
        created_by: inv.actor.name.clone(),
        created_at: app.clock.now(),
        note: inv.args.text("note").map(str::to_string),
        installments: installments.clone(),
    };
    if !app.store.add_plan(&new, &inv.author()).await?.is_new() {
        return Ok(Reply::default().line("Already recorded: this request reached arbot twice and was recorded once."));
    }
    let how = match every {
        Some(Every::Week) => " weekly",
        Some(Every::TwoWeeks) => " fortnightly",
        Some(Every::Month) => " monthly",
        None => "",
    };
    let days: Vec<String> =
        installments.iter().take(6).map(|i| format!("{} {}", weekday_date(i.due_on), i.amount)).collect();
    let more = installments.len().saturating_sub(6);
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    let grace = app.config.collections.promise_grace_days;
    let grace = match grace {
        0 => String::new(),
        1 => " (plus 1 grace day)".to_string(),
        g => format!(" (plus {g} grace days)"),
    };
    let reply = Reply::default()
        .line(format!(
            "Agreed: {name} pays {total} in {}{how} installments: {}{more}.",
            installments.len(),
            days.join(", ")
        ))
        .line(format!(
            "Each is judged from the payments as they sync: kept when the payments from today on cover it and the ones \
             before it by its day{grace}, broken otherwise. A broken installment is posted once in the AR channel and \
             listed in the digest; the plan shows on the customer card. Cancel it with /ar plan {typed} cancel."
        ))
        .severity(Severity::Good);
    Ok(reply)
}
