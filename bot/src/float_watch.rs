//! The minimum-float watch in chat ([`arbot_core::float`]): `/report float` shows the forecast;
//! each check (`[schedule] float`) posts a dip of the forecast under the minimum to the AR
//! channel once, with the collections that would close the gap, and its recovery once more, under
//! a key numbered by the transition, so neither a restart nor a second instance posts it twice.

use arbot_core::dates::{short_date, weekday_date};
use arbot_core::float::{Forecast, STATE_KEY, post_key, state};

use crate::app::App;
use crate::chat::Post;
use crate::outbox::{Destination, enqueue_post};
use crate::reply::{Reply, Severity};
use crate::wording::count;

/// How to give arbot a balance, for replies that have none.
pub const HOW_TO_SET: &str = "Set one with /report float set <amount> [account] (a connected QuickBooks or Xero \
     reads its bank accounts at each sync).";

/// Reads the forecast for today; `None` when no bank balance is known.
pub async fn load(app: &App) -> anyhow::Result<Option<Forecast>> {
    Ok(arbot_core::float::load(
        app.store.as_ref(),
        app.today(),
        app.config.currency,
        app.promise_rules(),
        &app.config.float.watch,
    )
    .await?)
}

/// "Operating checking $118,450.00 (sample, Dec 4)".
fn balance_line(app: &App, b: &arbot_core::float::BankBalance) -> String {
    let from = match &b.set_by {
        Some(who) => format!("set by {who}"),
        None => crate::connect::vendor_name(&app.config.sources, &b.source),
    };
    format!("{} {} ({from}, {})", b.account, b.balance, short_date(b.as_of))
}

/// The forecast's lines: where the balance starts, what comes in and goes out, the low point
/// against the minimum.
fn forecast_lines(app: &App, f: &Forecast) -> Vec<String> {
    let m = |minor: i64| app.money(minor);
    let c = |minor: i64| app.money(minor).compact();
    let mut lines = Vec::new();
    let stale = if f.stale() {
        format!(" — the oldest is from {}; set today's with /report float set", short_date(f.oldest_balance))
    } else {
        String::new()
    };
    lines.push(format!("In the bank {} ({}){stale}", m(f.start), count(f.balances.len(), "account", "accounts")));
    let to = f.days.last().map_or(f.today, |d| d.day);
    lines.push(format!(
        "Next {} days (to {}): expected in {}, going out {}, ending {}",
        f.horizon_days,
        short_date(to),
        c(f.expected_in()),
        c(f.going_out()),
        m(f.end())
    ));
    let low = if f.low_on == f.today { "today".to_string() } else { weekday_date(f.low_on) };
    lines.push(match f.minimum {
        Some(min) if f.under() => {
            let first = match f.first_under {
                Some(d) if d == f.today => "already under it today".to_string(),
                Some(d) => format!("under it from {}", weekday_date(d)),
                None => String::new(),
            };
            format!("⚠ Lowest {} on {low}: {} under the {} minimum ({first})", m(f.low), c(f.gap), c(min))
        }
        Some(min) => format!("✓ Lowest {} on {low}, {} above the {} minimum", m(f.low), c(f.low - min), c(min)),
        None => format!("Lowest {} on {low}. No minimum is set: [float] minimum in arbot.toml", m(f.low)),
    });
    lines
}

/// The days money moves: inflows by kind and each outflow, with the balance after.
fn day_lines(app: &App, f: &Forecast) -> Vec<String> {
    let c = |minor: i64| app.money(minor).compact();
    f.days
        .iter()
        .filter(|d| d.inflow() != 0 || !d.outflows.is_empty())
        .map(|d| {
            let mut parts = Vec::new();
            if d.promised > 0 {
                parts.push(format!("promises +{}", c(d.promised)));
            }
            if d.planned > 0 {
                parts.push(format!("plans +{}", c(d.planned)));
            }
            if d.invoices > 0 {
                parts.push(format!("invoices +{}", c(d.invoices)));
            }
            for (name, amount) in &d.outflows {
                parts.push(format!("{name} −{}", c(*amount)));
            }
            format!("{} {} → {}", weekday_date(d.day), parts.join(", "), c(d.balance))
        })
        .collect()
}

/// The past-due money that would close a gap, one line an account.
fn collection_lines(app: &App, f: &Forecast) -> Vec<String> {
    let c = |minor: i64| app.money(minor).compact();
    f.collections
        .iter()
        .map(|x| {
            let pm = x.pm.as_deref().map(|p| format!(" (PM {p})")).unwrap_or_default();
            format!(
                "• {}{pm} — {} past due, {}, oldest {} days",
                x.name,
                c(x.past_due),
                count(x.invoices, "invoice", "invoices"),
                x.oldest_days
            )
        })
        .collect()
}

fn collections_field(app: &App, f: &Forecast, reply: Reply) -> Reply {
    if f.gap <= 0 {
        return reply;
    }
    let c = |minor: i64| app.money(minor).compact();
    let named: i64 = f.collections.iter().map(|x| x.past_due).sum();
    let mut lines = collection_lines(app, f);
    if f.collections.is_empty() {
        lines.push("No past-due money outside promises, plans and disputes to collect.".to_string());
    } else if named < f.gap {
        lines.push(format!(
            "Together {}: {} short of the gap, even collected in full ({} past due in all outside promises, plans and \
             disputes).",
            c(named),
            c(f.gap - named),
            c(f.collectible_total)
        ));
    } else {
        lines.push(format!("Together {}, against a {} gap.", c(named), c(f.gap)));
    }
    reply.field("Collections that would close the gap", lines.join("\n"))
}

fn outflows_text(app: &App) -> String {
    let outflows = &app.config.float.watch.outflows;
    if outflows.is_empty() {
        return "no outflows are configured ([[float.outflows]] in arbot.toml: payroll, rent)".to_string();
    }
    let parts: Vec<String> =
        outflows.iter().map(|o| format!("{} {} {}", o.name, app.money(o.amount).compact(), o.recurs.text())).collect();
    format!("outflows configured ([[float.outflows]]): {}", parts.join(", "))
}

/// `/report float`: the forecast, each balance it starts from, the days money moves, and the
/// collections that would close a gap.
pub async fn status_reply(app: &App) -> anyhow::Result<Reply> {
    let mut reply = Reply::titled(format!("Float — {}", weekday_date(app.today())));
    let Some(f) = load(app).await? else {
        reply.lines.push(format!("arbot has no bank balance in {}. {HOW_TO_SET}", app.config.currency));
        reply.severity = Severity::Info;
        return Ok(reply);
    };
    reply.lines = forecast_lines(app, &f);
    let (under, seq) = state(app.store.as_ref()).await?;
    let enabled = app.config.float.enabled && f.minimum.is_some();
    if enabled && f.under() != under {
        reply.lines.push(if f.under() {
            "Not posted to the AR channel yet: the next scheduled check posts it.".to_string()
        } else {
            "Back over the minimum; the next scheduled check posts that.".to_string()
        });
    } else if enabled && under && seq > 0 {
        reply.lines.push("Posted to the AR channel when the forecast dipped.".to_string());
    }
    let mut accounts: Vec<String> = f.balances.iter().map(|b| format!("• {}", balance_line(app, b))).collect();
    for b in &f.other_currencies {
        accounts.push(format!("• {} (not counted: {})", balance_line(app, b), b.balance.currency));
    }
    reply = reply.field("Bank balances", accounts.join("\n"));
    let days = day_lines(app, &f);
    reply = reply.field(
        "When money moves",
        if days.is_empty() { "nothing expected in or out".to_string() } else { days.join("\n") },
    );
    reply = collections_field(app, &f, reply);
    reply.severity = if f.under() { Severity::Warning } else { Severity::Good };
    reply.footer = Some(format!(
        "Expected in: open promises, plan installments and invoices falling due, weighted as /report cash weighs \
         them; {}.",
        outflows_text(app)
    ));
    Ok(reply)
}

/// The post of a dip under the minimum, or of its recovery.
pub fn transition_reply(app: &App, f: &Forecast) -> Reply {
    let c = |minor: i64| app.money(minor).compact();
    let min = f.minimum.unwrap_or_default();
    let mut reply = if f.under() {
        let when = match f.first_under {
            Some(d) if d == f.today => "today".to_string(),
            Some(d) => weekday_date(d),
            None => String::new(),
        };
        Reply::titled(format!("Float forecast under the {} minimum from {when}", c(min)))
    } else {
        Reply::titled(format!("Float forecast back over the {} minimum", c(min)))
    };
    reply.lines = forecast_lines(app, f);
    reply = collections_field(app, f, reply);
    reply.severity = if f.under() { Severity::Critical } else { Severity::Good };
    reply.footer = Some(
        "Said once when the forecast dips under the minimum and once when it recovers; /report float has the days."
            .to_string(),
    );
    reply
}

/// Checks the watch now: a dip under the minimum (or its recovery) since the last check is queued
/// for the AR channel, then recorded. Answers the run's sentence and how many posts were queued.
pub async fn check(app: &App) -> anyhow::Result<(String, usize)> {
    if !app.config.float.enabled {
        return Ok(("the float watch is off ([float] enabled = false)".to_string(), 0));
    }
    let Some(min) = app.config.float.watch.minimum else {
        return Ok(("no minimum float is set ([float] minimum)".to_string(), 0));
    };
    let Some(f) = load(app).await? else {
        return Ok((format!("no bank balance in {} to forecast from", app.config.currency), 0));
    };
    let (under, seq) = state(app.store.as_ref()).await?;
    let low = format!("low {} on {}", app.money(f.low).compact(), short_date(f.low_on));
    if f.under() == under {
        let how = if under { "under" } else { "over" };
        return Ok((format!("the float forecast is still {how} the {} minimum ({low})", app.money(min).compact()), 0));
    }
    let post = Post::of(transition_reply(app, &f));
    let new = enqueue_post(app, &post_key(seq + 1), Destination::ArChannel, post).await?;
    let recorded = app.store.move_guardrail(STATE_KEY, seq, f.under(), f.today, app.clock.now()).await?;
    let what = if f.under() { "dipped under the minimum" } else { "recovered" };
    Ok((
        match (new, recorded) {
            (true, _) => format!("the float forecast {what} ({low}), queued"),
            (false, true) => format!("the float forecast {what} ({low}), already queued"),
            (false, false) => format!("the float forecast {what} ({low}), recorded by another instance"),
        },
        usize::from(new),
    ))
}
