//! The KPI guardrails in the AR channel: each check (`[schedule] kpi_guardrails`) reads them
//! ([`arbot_core::guardrails`]); a guardrail that crossed or recovered is posted once, with the
//! accounts that moved it, by PM and by GC, under a key numbered by the transition, so neither a restart
//! nor a second instance posts it twice.

use arbot_core::dates::short_date;
use arbot_core::guardrails::{Guardrail, Mover, Reading, Transition, pending, record};

use crate::app::App;
use crate::chat::Post;
use crate::outbox::{Destination, enqueue_post};
use crate::reply::{Reply, Severity};

fn pct(v: Option<f64>) -> String {
    v.map_or("n/a".to_string(), |v| format!("{v:.1}%"))
}

/// What a reading says in a sentence: "90+ share 14.1% (target under 10%)".
pub fn reading_text(r: &Reading) -> String {
    match r.guardrail {
        Guardrail::Over90Share => format!("90+ share {} (target under {}%)", pct(r.value), r.limit),
        Guardrail::DsoRise => match (r.value, r.dso) {
            (Some(rise), Some((now, then))) => format!(
                "countback DSO {now:.0} days, {} {:.0} in four weeks from {then:.0} (limit: up {} days)",
                if rise >= 0.0 { "up" } else { "down" },
                rise.abs(),
                r.limit
            ),
            _ => "countback DSO n/a".to_string(),
        },
        Guardrail::CeiFloor => format!("CEI {} (floor {}%)", pct(r.value), r.limit),
    }
}

/// The post of a guardrail that crossed or recovered.
pub fn transition_reply(app: &App, t: &Transition) -> Reply {
    let c = |minor: i64| app.money(minor).compact();
    let what = if t.crossed { "crossed" } else { "recovered" };
    let mut reply = Reply::titled(format!("KPI guardrail {what}: {}", reading_text(&t.reading)));
    let measure = t.reading.guardrail.measure();
    let since = short_date(t.since);
    reply.lines.push(if t.crossed {
        format!("What moved it: {measure}, {since} → {}.", short_date(t.day))
    } else {
        format!(
            "Back within its limit. What moved it back: {measure}, {since} (when it crossed) → {}.",
            short_date(t.day)
        )
    });
    let line = |m: &Mover, pm: bool| {
        let who = match (&m.pm, pm) {
            (Some(p), true) => format!("{} ({p})", m.label),
            _ => m.label.clone(),
        };
        format!("• {who} — {} → {} {measure}", c(m.then), c(m.now))
    };
    let accounts: Vec<String> = t.accounts.iter().map(|m| line(m, true)).collect();
    reply = reply.field("Accounts", if accounts.is_empty() { "none moved".to_string() } else { accounts.join("\n") });
    let pms: Vec<String> = t.by_pm.iter().map(|m| line(m, false)).collect();
    reply = reply.field("By PM", if pms.is_empty() { "none moved".to_string() } else { pms.join("\n") });
    let gcs: Vec<String> = t.by_gc.iter().map(|m| line(m, false)).collect();
    reply = reply.field("By GC", if gcs.is_empty() { "none moved".to_string() } else { gcs.join("\n") });
    reply.severity = if t.crossed { Severity::Critical } else { Severity::Good };
    reply.footer = Some(
        "Said once when a guardrail crosses and once when it recovers ([kpi_guardrails] in arbot.toml).".to_string(),
    );
    reply
}

/// Checks the guardrails now: queues each transition's post, then records it. Answers the run's
/// sentence and how many posts were queued.
pub async fn check(app: &App) -> anyhow::Result<(String, usize)> {
    if !app.config.kpi_guardrails.enabled {
        return Ok(("KPI guardrails are off ([kpi_guardrails] enabled = false)".to_string(), 0));
    }
    let checked = pending(
        app.store.as_ref(),
        app.today(),
        &app.config.aging,
        app.config.currency,
        app.clock.now(),
        &app.config.kpi_guardrails.limits,
    )
    .await?;
    let mut queued = 0;
    let mut said = Vec::new();
    for t in &checked.transitions {
        let what = if t.crossed { "crossed" } else { "recovered" };
        let post = Post::of(transition_reply(app, t));
        let new = enqueue_post(app, &t.key(), Destination::ArChannel, post).await?;
        queued += usize::from(new);
        let recorded = record(app.store.as_ref(), t, app.clock.now()).await?;
        said.push(match (new, recorded) {
            (true, _) => format!("{} {what}, queued", t.reading.guardrail.key()),
            (false, true) => format!("{} {what}, already queued", t.reading.guardrail.key()),
            (false, false) => format!("{} {what}, recorded by another instance", t.reading.guardrail.key()),
        });
    }
    if said.is_empty() {
        let now: Vec<String> = checked.readings.iter().map(reading_text).collect();
        said.push(format!("no guardrail crossed or recovered ({})", now.join("; ")));
    }
    Ok((said.join("; "), queued))
}

/// The guardrail's short name: "90+ share", "DSO rise", "CEI".
fn short_name(g: Guardrail) -> &'static str {
    match g {
        Guardrail::Over90Share => "90+ share",
        Guardrail::DsoRise => "DSO rise",
        Guardrail::CeiFloor => "CEI",
    }
}

/// How a guardrail past its limit reads: the 90+ share over its target, CEI under its floor.
fn past(g: Guardrail) -> &'static str {
    match g {
        Guardrail::Over90Share => "over its target",
        Guardrail::DsoRise => "over its limit",
        Guardrail::CeiFloor => "under its floor",
    }
}

/// `/report guardrails`: where each guardrail stands today against its limit, and since when; for
/// one over its limit, the accounts that hold it there (since the day it crossed, else over the
/// last four weeks). It reads and records nothing: the scheduled check posts the changes.
pub async fn status_reply(app: &App) -> anyhow::Result<Reply> {
    use arbot_core::aging::GroupBy;
    use arbot_core::guardrails::{SHOWN, WINDOW_DAYS, holders, read};
    use arbot_core::snapshots::{compute_by, on_day_by};
    let store = app.store.as_ref();
    let (today, currency, now) = (app.today(), app.config.currency, app.clock.now());
    let before_day = today - chrono::Days::new(WINDOW_DAYS);
    // Four weeks before as the ledger stood then, in one pass for its open sums and its CEI
    // period's start (`kpis_on`), beside today's.
    let (k_now, [k_before]) = tokio::try_join!(
        arbot_core::kpi::kpis(store, today, false, currency),
        arbot_core::kpi::kpis_on(store, [before_day], currency)
    )?;
    let readings = read(&k_now, &k_before, &app.config.kpi_guardrails.limits);
    let states = store.guardrail_states().await?;
    let enabled = app.config.kpi_guardrails.enabled;
    let mut reply = Reply::titled(format!("KPI guardrails — {}", arbot_core::dates::long_date(today)));
    if !enabled {
        reply.lines.push(
            "The checks are off ([kpi_guardrails] enabled = false): nothing is posted when a guardrail crosses. \
             Today's readings:"
                .to_string(),
        );
    }
    let mut over = Vec::new();
    for r in &readings {
        let state = states.iter().find(|s| s.guardrail == r.guardrail.key());
        let recorded = state.is_some_and(|s| s.breached);
        let since = state.map(|s| short_date(s.changed_on));
        let next = if enabled { "; the next scheduled check posts it" } else { "" };
        reply.lines.push(match (r.breached, recorded, since) {
            (true, true, Some(since)) => {
                format!("⚠ {}: {} since {since} (posted then).", reading_text(r), past(r.guardrail))
            }
            (true, _, _) => format!("⚠ {}: {}, not posted yet{next}.", reading_text(r), past(r.guardrail)),
            (false, true, _) => format!("✓ {}: back within its limit, not posted yet{next}.", reading_text(r)),
            (false, false, Some(since)) => format!("✓ {}: within its limit since {since}.", reading_text(r)),
            (false, false, None) => format!("✓ {}: within its limit.", reading_text(r)),
        });
        if r.breached {
            let from = state.filter(|s| s.breached).map_or(before_day, |s| s.changed_on.min(today));
            over.push((r.guardrail, from));
        }
    }
    if !over.is_empty() {
        // The customers' rows alone: the accounts listed are customers.
        let cfg = &app.config.aging;
        let snap_now = compute_by(store, today, today, cfg, currency, now, GroupBy::Customer).await?;
        for (g, from) in over {
            let snap_then = on_day_by(store, from, today, cfg, currency, now, GroupBy::Customer).await?;
            let mut accounts = holders(g, &snap_now, &snap_then, GroupBy::Customer);
            accounts.truncate(SHOWN);
            let c = |minor: i64| app.money(minor).compact();
            let then = short_date(from);
            let lines: Vec<String> = accounts
                .iter()
                .map(|m| format!("• {} — {} {} ({} on {then})", m.label, c(m.now), g.measure(), c(m.then)))
                .collect();
            let title = format!("Most {} now ({})", g.measure(), short_name(g));
            reply = reply.field(title, if lines.is_empty() { "none".to_string() } else { lines.join("\n") });
        }
        reply.severity = Severity::Warning;
    } else {
        reply.severity = Severity::Good;
    }
    reply.footer = Some(
        "Checked at [schedule] kpi_guardrails; each crossing and recovery is posted to the AR channel once. /ar kpi has \
         the figures."
            .to_string(),
    );
    Ok(reply)
}
