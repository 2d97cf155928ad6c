//! `/report weekly [date]` and `arbot report weekly`: the weekly AR report for leadership, as it
//! is posted on Monday mornings.

use arbot_core::dates::{long_date, short_date};
use arbot_core::weekly::{RULES, WeeklyReport};

use super::{CommandError, Invocation};
use crate::app::App;
use crate::reply::{Reply, Severity};

/// Loads the weekly report for `date` (default today); a day after today is refused.
pub async fn build(app: &App, date: Option<chrono::NaiveDate>) -> Result<WeeklyReport, CommandError> {
    super::require_ledger(app).await?;
    let today = app.today();
    let date = date.unwrap_or(today);
    if date > today {
        return Err(CommandError::User(format!(
            "{} is after today ({}): the weekly report covers a day that has happened. Leave the date out for today.",
            long_date(date),
            long_date(today)
        )));
    }
    Ok(arbot_core::weekly::load(
        app.store.as_ref(),
        date,
        today,
        &app.config.aging,
        app.config.currency,
        app.clock.now(),
    )
    .await?)
}

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    Ok(weekly_reply(app, &build(app, inv.args.date("date")).await?))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("n/a".to_string(), |v| format!("{v:.1}%"))
}

fn days(v: Option<f64>) -> String {
    v.map_or("n/a".to_string(), |v| format!("{v:.0} days"))
}

pub fn weekly_reply(app: &App, r: &WeeklyReport) -> Reply {
    let m = |minor: i64| app.money(minor);
    let c = |minor: i64| app.money(minor).compact();
    let mut reply = Reply::titled(format!("Weekly AR — {}", long_date(r.day)));
    let [now, week, month] = &r.aging;
    let change = |then: i64| match now.total - then {
        0 => "the same".to_string(),
        d if d > 0 => format!("▲ {}", c(d)),
        d => format!("▼ {}", c(-d)),
    };
    reply.lines.push(format!(
        "Open {} · past due {} · over 90 days {} (a week before {}, {}; four weeks before {}, {})",
        m(now.total),
        m(now.overdue),
        m(now.overdue_90),
        m(week.total),
        change(week.total),
        m(month.total),
        change(month.total)
    ));
    let rebuilt: Vec<String> = r.aging.iter().filter(|p| p.rebuilt).map(|p| short_date(p.day)).collect();
    if !rebuilt.is_empty() {
        let (what, were) = if rebuilt.len() == 1 { ("snapshot", "was") } else { ("snapshots", "were") };
        reply.lines.push(format!(
            "The {what} of {} {were} rebuilt from the ledger afterwards (none was taken that day).",
            rebuilt.join(" and ")
        ));
    }
    let header = |p: &arbot_core::weekly::AgingPoint| short_date(p.day);
    let mut aging = Vec::new();
    for (i, label) in r.labels.iter().enumerate() {
        let b = |p: &arbot_core::weekly::AgingPoint| c(p.buckets.get(i).copied().unwrap_or(0));
        aging.push(format!("{label}: {} · {} · {}", b(now), b(week), b(month)));
    }
    reply = reply.field(format!("Aging {} · {} · {}", header(now), header(week), header(month)), aging.join("\n"));
    let [k0, k1, k2] = &r.kpis;
    reply = reply.field(
        "KPIs (now · a week before · four weeks before)",
        [
            format!("DSO (countback) {} · {} · {}", days(k0.dso), days(k1.dso), days(k2.dso)),
            format!(
                "Over 90 days {} · {} · {} (target < 10%)",
                pct(k0.over_90_share),
                pct(k1.over_90_share),
                pct(k2.over_90_share)
            ),
            format!("CEI {} · {} · {}", pct(k0.cei), pct(k1.cei), pct(k2.cei)),
            format!(
                "Average days delinquent {} · {} · {}",
                days(k0.average_days_delinquent),
                days(k1.average_days_delinquent),
                days(k2.average_days_delinquent)
            ),
        ]
        .join("\n"),
    );
    let moved: Vec<String> = r
        .moved
        .iter()
        .take(10)
        .map(|x| {
            let from = x.from.as_deref().unwrap_or("nothing owed");
            format!("• {} — {} → {}, {} past due", x.name, from, x.to, c(x.overdue))
        })
        .collect();
    reply = reply.field(
        format!("Moved into a worse bucket ({})", r.moved.len()),
        if moved.is_empty() { "none".to_string() } else { moved.join("\n") },
    );
    let risks: Vec<String> =
        r.risks.iter().map(|x| format!("• {} — {} past due: {}", x.name, c(x.overdue), x.reasons.join("; "))).collect();
    reply =
        reply.field("Largest risks", if risks.is_empty() { "nothing past due".to_string() } else { risks.join("\n") });
    let pms: Vec<String> = r
        .by_pm
        .iter()
        .take(10)
        .map(|x| format!("• {} — open {}, past due {}, over 90 {}", x.label, c(x.total), c(x.overdue), c(x.overdue_90)))
        .collect();
    reply = reply.field("By PM", if pms.is_empty() { "none".to_string() } else { pms.join("\n") });
    let actions: Vec<String> = r
        .actions
        .iter()
        .take(10)
        .map(|a| {
            let what = match a.rule {
                0 | 3 => format!("Escalate {} to the manager", a.name),
                1 => format!("Call {}'s AP this week", a.name),
                _ => format!("Settle the dispute with {}", a.name),
            };
            let why = RULES.get(a.rule).and_then(|r| r.split(':').next()).unwrap_or("");
            format!("• {what}: {why}, {} past due, {} days", c(a.overdue), a.oldest_days)
        })
        .collect();
    reply = reply.field(
        "Recommended actions",
        if actions.is_empty() { "none this week".to_string() } else { actions.join("\n") },
    );
    reply.severity = match k0.over_90_share {
        Some(s) if s >= 10.0 => Severity::Critical,
        Some(_) => Severity::Warning,
        None => Severity::Good,
    };
    reply.footer = Some(
        "Earlier weeks read the aging snapshot kept that day. Actions follow the written rules (arbot_core::weekly::RULES)."
            .to_string(),
    );
    reply
}
