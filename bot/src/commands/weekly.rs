//! `/report weekly [date]` and `arbot report weekly`: the weekly AR report for leadership, as it
//! is posted on Monday mornings.

use arbot_core::dates::{long_date, short_date};
use arbot_core::weekly::{Action, AgingPoint, PromisesKept, WeeklyReport, rule};

use super::{CommandError, Invocation};
use crate::app::App;
use crate::reply::{Attachment, Reply, Severity};

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
        &options(app),
    )
    .await?)
}

/// How the report judges promises and lien deadlines, from the configuration.
pub fn options(app: &App) -> arbot_core::weekly::WeeklyOptions {
    arbot_core::weekly::WeeklyOptions {
        rules: app.promise_rules(),
        repromise_limit: app.config.collections.repromise_limit,
        closures: app.config.liens.closures.clone(),
    }
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

fn kept(p: &PromisesKept) -> String {
    match p.rate() {
        Some(rate) => format!("{} of {} ({rate:.0}%)", p.kept, p.kept + p.broken),
        None => "none due".to_string(),
    }
}

/// "Harborview Owners Assn's", "Seminole Mechanical Contractors'".
fn possessive(name: &str) -> String {
    if name.ends_with('s') || name.ends_with('S') { format!("{name}'") } else { format!("{name}'s") }
}

/// What an action asks someone to do, by the rule that chose it.
pub fn action_text(a: &Action) -> String {
    let name = &a.name;
    let whose = possessive(name);
    match a.rule {
        rule::LIEN_SOON => format!("Meet {whose} lien deadline (serve or record it, or get paid)"),
        rule::LIEN_PASSED => format!("Take {whose} missed lien deadline to the manager"),
        rule::OLDEST_BUCKET | rule::BROKEN_AGAIN | rule::OVER_90 => format!("Escalate {name} to the manager"),
        rule::MOVED | rule::SILENT => format!("Call {whose} AP this week"),
        rule::DISPUTE => format!("Settle the dispute with {name}"),
        rule::BROKEN_ONCE => format!("Call {name} for a new promised date"),
        _ => format!("Look at {name}"),
    }
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
    // The disputed money apart from the past due being chased, as /ar aging shows it.
    let disputed = if now.disputed > 0 {
        format!(" · in dispute {} (in the buckets; /ar disputes)", m(now.disputed))
    } else {
        String::new()
    };
    reply.lines.push(format!(
        "Open {} · past due {}{disputed} · over 90 days {} (a week before {}, {}; four weeks before {}, {})",
        m(now.total),
        m(now.collectible_overdue()),
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
    let header = |p: &AgingPoint| short_date(p.day);
    let mut aging = Vec::new();
    for (i, label) in r.labels.iter().enumerate() {
        let b = |p: &AgingPoint| c(p.buckets.get(i).copied().unwrap_or(0));
        aging.push(format!("{label}: {} · {} · {}", b(now), b(week), b(month)));
    }
    aging.push(format!(
        "past due, not in dispute: {} · {} · {}",
        c(now.collectible_overdue()),
        c(week.collectible_overdue()),
        c(month.collectible_overdue())
    ));
    aging.push(format!("in dispute: {} · {} · {}", c(now.disputed), c(week.disputed), c(month.disputed)));
    reply = reply.field(format!("Aging {} · {} · {}", header(now), header(week), header(month)), aging.join("\n"));
    let [k0, k1, k2] = &r.kpis;
    let [p0, p1, p2] = &r.promises;
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
            format!(
                "Promises kept {} · {} · {} (of those due in the {} days before)",
                kept(p0),
                kept(p1),
                kept(p2),
                arbot_core::weekly::PROMISE_KPI_DAYS
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
    let risks: Vec<String> = r
        .risks
        .iter()
        .map(|x| {
            let owed = match (x.collectible_overdue(), x.disputed_overdue) {
                (0, 0) => format!("{} open, none past due", c(x.total)),
                (0, d) => format!("{} past due, all in dispute", c(d)),
                (p, 0) => format!("{} past due", c(p)),
                (p, d) => format!("{} past due (and {} in dispute)", c(p), c(d)),
            };
            format!("• {} — {owed}: {}", x.name, x.reasons.join("; "))
        })
        .collect();
    reply =
        reply.field("Largest risks", if risks.is_empty() { "nothing past due".to_string() } else { risks.join("\n") });
    let pms: Vec<String> = r
        .by_pm
        .iter()
        .take(10)
        .map(|x| {
            let disputed =
                if x.disputed_overdue > 0 { format!(", in dispute {}", c(x.disputed_overdue)) } else { String::new() };
            format!(
                "• {} — open {}, past due {}{disputed}, over 90 {}",
                x.label,
                c(x.total),
                c(x.collectible_overdue()),
                c(x.overdue_90)
            )
        })
        .collect();
    reply = reply.field("By PM", if pms.is_empty() { "none".to_string() } else { pms.join("\n") });
    let gcs: Vec<String> = r
        .by_gc
        .iter()
        .take(10)
        .map(|x| {
            let disputed =
                if x.disputed_overdue > 0 { format!(", in dispute {}", c(x.disputed_overdue)) } else { String::new() };
            let jobs = match (x.jobs, x.no_job) {
                (0, _) => "invoices on no job".to_string(),
                (n, false) => crate::wording::count(n, "job", "jobs"),
                (n, true) => format!("{} and invoices on no job", crate::wording::count(n, "job", "jobs")),
            };
            let whose = match x.customers {
                1 => String::new(),
                n => format!(" for {n} customers"),
            };
            format!(
                "• {} — open {}, past due {}{disputed}, over 90 {} ({jobs}{whose})",
                x.gc.as_deref().unwrap_or("no GC on record"),
                c(x.total),
                c(x.overdue - x.disputed_overdue),
                c(x.overdue_90)
            )
        })
        .collect();
    reply = reply.field(
        "By GC (named on the job, else the customer when it is a GC)",
        if gcs.is_empty() { "none".to_string() } else { gcs.join("\n") },
    );
    if !r.slowing.is_empty() {
        let lines: Vec<String> = r
            .slowing
            .iter()
            .take(10)
            .map(|s| {
                format!(
                    "• {} — a median {} days late in the last quarter, {} before; {} not yet due",
                    s.name,
                    s.recent_median,
                    s.before_median,
                    c(s.not_yet_due_minor)
                )
            })
            .collect();
        reply = reply.field("Paying slower (before it is overdue; /report trends)", lines.join("\n"));
    }
    let actions: Vec<String> = r
        .actions
        .iter()
        .take(10)
        .map(|a| {
            if a.overdue > 0 {
                format!("• {}: {}, {} past due, {} days", action_text(a), a.why, c(a.overdue), a.oldest_days)
            } else {
                format!("• {}: {}", action_text(a), a.why)
            }
        })
        .collect();
    let more = r.actions.len().saturating_sub(actions.len());
    let mut actions_text = if actions.is_empty() { "none this week".to_string() } else { actions.join("\n") };
    if more > 0 {
        actions_text.push_str(&format!("\n… and {more} more (arbot report weekly --format json lists them all)"));
    }
    reply = reply.field("Recommended actions", actions_text);
    reply.severity = match k0.over_90_share {
        Some(s) if s >= 10.0 => Severity::Critical,
        Some(_) => Severity::Warning,
        None => Severity::Good,
    };
    // The whole report as a workbook, on demand and on the Monday post alike.
    match super::weekly_xlsx::workbook(r) {
        Ok(bytes) => reply.attachments.push(Attachment::new(super::weekly_xlsx::file_name(r), bytes)),
        Err(e) => reply.lines.push(format!("The workbook could not be made ({e}); the report above is complete.")),
    }
    // The charts: aging by bucket and DSO over the last weeks, the top overdue accounts.
    match super::weekly_charts::charts(r) {
        Ok(charts) => {
            reply.attachments.extend(charts.into_iter().map(|(name, png)| Attachment::new(name, png)));
        }
        Err(e) => reply.lines.push(format!("The charts could not be drawn ({e}); the report above is complete.")),
    }
    reply.footer = Some(
        "Earlier weeks read the aging snapshot kept that day. Actions follow the written rules (arbot_core::weekly::RULES)."
            .to_string(),
    );
    reply
}
