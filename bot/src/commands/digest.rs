//! `/ar digest` and `arbot digest`: the daily overdue digest, as the AR channel will get it.

use arbot_core::dates::{short_date, weekday_date};
use arbot_core::digest::Digest;

use super::CommandError;
use crate::app::App;
use crate::reply::{Button, Reply, Severity};

pub async fn build(app: &App) -> Result<Digest, CommandError> {
    super::require_ledger(app).await?;
    Ok(arbot_core::digest::load(
        app.store.as_ref(),
        app.today(),
        app.config.currency,
        &app.config.liens.closures,
        app.promise_rules(),
    )
    .await?)
}

pub(super) async fn handle(app: &App) -> Result<Reply, CommandError> {
    Ok(digest_reply(app, &build(app).await?))
}

fn change(minor: i64, app: &App) -> String {
    match minor {
        0 => "no change".to_string(),
        m if m > 0 => format!("▲ {}", app.money(m).compact()),
        m => format!("▼ {}", app.money(-m).compact()),
    }
}

pub fn digest_reply(app: &App, d: &Digest) -> Reply {
    let m = |minor: i64| app.money(minor).compact();
    let mut reply = Reply::titled(format!("AR digest — {}", weekday_date(d.date)));
    let disputed = if d.disputed > 0 { format!(" · in dispute {}", m(d.disputed)) } else { String::new() };
    reply.aside = Some(format!(
        "open {} ({}) · overdue {} ({}){disputed}",
        m(d.open),
        change(d.open_change, app),
        m(d.overdue),
        change(d.overdue_change, app)
    ));
    if let Some(share) = d.over_90_share {
        let flag = if share >= 10.0 { " ⚠" } else { "" };
        reply.lines.push(format!("90+ days: {share:.1}% of overdue (target < 10%){flag}"));
    }
    if d.needs_today.is_empty() {
        reply = reply.field("Needs someone today", "Nothing urgent.");
    } else {
        let lines: Vec<String> = d
            .needs_today
            .iter()
            .take(10)
            .map(|a| {
                if a.overdue > 0 {
                    format!("• {} — {}, {} days; {}", a.label, m(a.overdue), a.days, a.reason)
                } else {
                    format!("• {} — {}", a.label, a.reason)
                }
            })
            .collect();
        reply = reply.field("Needs someone today", lines.join("\n"));
    }
    let since =
        if (d.date - d.since).num_days() > 1 { d.since.format("%A").to_string() } else { "yesterday".to_string() };
    let newly: i64 = d.newly_overdue.iter().map(|x| x.2).sum();
    let paid: i64 = d.payments.iter().map(|p| p.amount.minor).sum();
    let promised: i64 = d.promises_this_week.iter().map(|(p, _)| p.amount.minor).sum();
    let list = |items: Vec<String>| if items.is_empty() { "—".to_string() } else { items.join("\n") };
    if !d.at_risk.is_empty() {
        let lines: Vec<String> = d
            .at_risk
            .iter()
            .map(|a| {
                let old = if a.over_60 > 0 { format!(", {} over 60 days", m(a.over_60)) } else { String::new() };
                format!("• {} — {} overdue, oldest {} days{old}", a.name, m(a.overdue), a.oldest_days)
            })
            .collect();
        reply = reply.field("Most at risk", lines.join("\n"));
    }
    if !d.lien_passed.is_empty() {
        let lines: Vec<String> = d
            .lien_passed
            .iter()
            .take(8)
            .map(|a| {
                format!(
                    "• {} was due {} — {} ({}, {}); {} unpaid",
                    a.document,
                    short_date(a.due),
                    a.job_name,
                    a.customer_name,
                    a.state,
                    m(a.unpaid)
                )
            })
            .collect();
        let more = d.lien_passed.len().saturating_sub(8);
        let mut text = lines.join("\n");
        if more > 0 {
            text.push_str(&format!("\n… and {more} more (/ar liens)"));
        }
        text.push_str("\nServed after all? Record it with /ar notice; if not, the right may be lost: ask counsel.");
        reply = reply.field(format!("Deadlines passed, nothing recorded, money owed ({})", d.lien_passed.len()), text);
    }
    if !d.waivers.is_empty() {
        let lines: Vec<String> = d
            .waivers
            .iter()
            .take(8)
            .map(|w| match w.late_since {
                None => format!(
                    "• {} ({}), {} — {} paid: the unconditional waiver is owed",
                    w.job_name,
                    w.customer_name,
                    w.pay_app,
                    w.amount.compact()
                ),
                Some(due) => format!(
                    "• {} ({}), {} — {}: conditional waiver out, payment late since {}",
                    w.job_name,
                    w.customer_name,
                    w.pay_app,
                    w.amount.compact(),
                    short_date(due)
                ),
            })
            .collect();
        let more = d.waivers.len().saturating_sub(8);
        let mut text = lines.join("\n");
        if more > 0 {
            text.push_str(&format!("\n… and {more} more"));
        }
        text.push_str("\n/lien waivers lists them; /lien waiver <job> unconditional for <pay app> drafts one.");
        reply = reply.field(format!("Lien waivers ({})", d.waivers.len()), text);
    }
    if !d.lien_deadlines.is_empty() {
        let lines: Vec<String> = d
            .lien_deadlines
            .iter()
            .take(8)
            .map(|a| {
                format!(
                    "• {} {} — {} ({}, {}); {} unpaid",
                    short_date(a.due),
                    a.document,
                    a.job_name,
                    a.customer_name,
                    a.state,
                    m(a.unpaid)
                )
            })
            .collect();
        let more = d.lien_deadlines.len().saturating_sub(8);
        let mut text = lines.join("\n");
        if more > 0 {
            text.push_str(&format!("\n… and {more} more (/ar liens 14)"));
        }
        reply = reply.field(
            format!(
                "Lien and notice deadlines, next {} days ({})",
                arbot_core::digest::LIEN_HORIZON_DAYS,
                d.lien_deadlines.len()
            ),
            text,
        );
    }
    // A button per line that needs someone: a click opens an escalation thread for it.
    reply.buttons = d
        .needs_today
        .iter()
        .take(10)
        .map(|a| Button {
            id: match a.job_id {
                Some(job) => format!("esc:open:{}:{job}", a.customer_id),
                None => format!("esc:open:{}", a.customer_id),
            },
            label: format!("Escalate {}", a.label).chars().take(80).collect(),
        })
        .collect();
    reply = reply
        .field(
            format!("Newly overdue ({}) · {}", d.newly_overdue.len(), m(newly)),
            list(d.newly_overdue.iter().take(5).map(|(c, n, a)| format!("{c} #{n} {}", m(*a))).collect()),
        )
        .field(
            format!("Payments since {since} ({}) · {}", d.payments.len(), m(paid)),
            list(
                d.payments
                    .iter()
                    .take(5)
                    .map(|p| format!("{} {} ({})", p.customer_name, p.amount.compact(), short_date(p.received)))
                    .collect(),
            ),
        )
        .field(
            format!("Promises due this week ({}) · {}", d.promises_this_week.len(), m(promised)),
            list(
                d.promises_this_week
                    .iter()
                    .take(5)
                    .map(|(p, name)| format!("{name} {} by {}", p.amount.compact(), short_date(p.promised_for)))
                    .collect(),
            ),
        );
    if !d.installments_this_week.is_empty() {
        let due: i64 = d.installments_this_week.iter().map(|i| i.amount.minor - paid_toward(&i.outcome)).sum();
        reply = reply.field(
            format!("Plan installments due this week ({}) · {}", d.installments_this_week.len(), m(due)),
            list(
                d.installments_this_week
                    .iter()
                    .take(5)
                    .map(|i| {
                        format!(
                            "{} {} by {} ({} of {})",
                            i.customer_name,
                            i.amount.compact(),
                            short_date(i.due_on),
                            i.seq,
                            i.of
                        )
                    })
                    .collect(),
            ),
        );
    }
    if !d.lien_deadlines.is_empty() {
        reply.footer = Some(arbot_core::liens::DISCLAIMER.to_string());
    }
    reply.severity = match d.over_90_share {
        _ if !d.lien_passed.is_empty() => Severity::Critical,
        Some(s) if s >= 10.0 => Severity::Critical,
        _ if !d.needs_today.is_empty() || !d.waivers.is_empty() => Severity::Warning,
        _ => Severity::Good,
    };
    reply
}

/// What was paid so far toward an installment not yet kept.
fn paid_toward(o: &arbot_core::collections::Outcome) -> i64 {
    match o {
        arbot_core::collections::Outcome::Pending { paid } => paid.minor,
        _ => 0,
    }
}
