//! `/ar customer <name>`: the one screen an AR specialist needs before calling a customer.

use std::collections::HashMap;

use arbot_core::dates::short_date;
use arbot_core::summary::{CustomerSummary, customer_summary};

use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::reply::{Align, Button, Reply, Severity, Table};
use crate::wording::{at, days_phrase};

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("name").ok_or_else(|| missing_arg("name"))?;
    let summary =
        customer_summary(app.store.as_ref(), customer.id, app.today(), false, &app.config.aging, app.config.currency)
            .await?
            .ok_or_else(|| CommandError::User(format!("{} was removed while I was looking it up.", customer.name)))?;
    summary_reply(app, &summary).await
}

/// The customer summary with each unpaid job's next lien or notice deadline, as `/ar customer`,
/// a pick-list click and `arbot customer` show it.
pub async fn summary_reply(app: &App, summary: &CustomerSummary) -> Result<Reply, CommandError> {
    let jobs: Vec<_> = summary.jobs.iter().filter(|j| j.unpaid > 0).map(|j| j.job.clone()).collect();
    let next = super::liens::next_deadlines(app, &jobs).await?;
    let mut reply = customer_reply(app, summary, &next);
    // In chat the card offers the call form (the console logs with /ar note).
    reply.buttons.push(super::note::log_call_button(summary.customer.id));
    Ok(reply)
}

/// "3 customers match 'gulf': … — which one?", with a button per customer.
pub(super) fn several_reply(query: &str, list: &[arbot_core::ledger::CustomerRef]) -> Reply {
    let names: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
    let shown = if names.len() > 10 {
        format!("{}, and {} more", names[..10].join(", "), names.len() - 10)
    } else {
        names.join(", ")
    };
    let mut reply = Reply::default().line(format!("{} customers match '{query}': {shown} — which one?", list.len()));
    reply.buttons =
        list.iter().take(25).map(|c| Button { id: format!("customer:{}", c.id), label: c.name.clone() }).collect();
    reply.ephemeral = true;
    reply
}

/// The customer summary as a reply (also used by the CLI's table output). `next_deadlines` holds
/// each unpaid job's next lien or notice deadline (see [`super::liens::next_deadlines`]).
pub fn customer_reply(app: &App, s: &CustomerSummary, next_deadlines: &HashMap<i64, String>) -> Reply {
    let m = |minor: i64| app.money(minor).to_string();
    let row = &s.aging;
    let mut aside = Vec::new();
    if let Some(pm) = &s.customer.pm {
        aside.push(format!("PM: {}", at(pm)));
    }
    if let Some(t) = s.customer.terms_days {
        aside.push(format!("terms: Net {t}"));
    }
    if !s.customer.active {
        aside.push("inactive".to_string());
    }
    let mut reply = Reply::titled(&s.customer.name);
    reply.aside = (!aside.is_empty()).then(|| aside.join("   "));
    // What is in dispute is shown apart: it is not what the AR specialist is chasing.
    let mut headline = format!("Open {} · overdue {}", m(row.total), m(row.collectible_overdue()));
    if row.disputed > 0 {
        headline.push_str(&format!(" · in dispute {}", m(row.disputed)));
    }
    if row.retainage > 0 {
        headline.push_str(&format!(" · retainage held {} (not due)", m(row.retainage)));
    }
    reply.lines.push(headline);
    if !s.other_currencies.is_empty() {
        let others: Vec<String> = s.other_currencies.iter().map(ToString::to_string).collect();
        reply.lines.push(format!(
            "Also open in other currencies: {} (not in the {} figures here).",
            others.join(" · "),
            app.config.currency
        ));
    } else if row.total == 0 {
        reply.lines.push(if s.customer.active { "Nothing open: all paid up." } else { "Nothing open." }.to_string());
    }
    let credits = s.credits.unapplied_cash + s.credits.open_credit_memos;
    if credits > 0 {
        let mut parts = Vec::new();
        if s.credits.unapplied_cash > 0 {
            parts.push(format!("unapplied cash {}", m(s.credits.unapplied_cash)));
        }
        if s.credits.open_credit_memos > 0 {
            parts.push(format!("open credits {}", m(s.credits.open_credit_memos)));
        }
        let net = row.total - credits;
        let net = if net >= 0 { format!("net owed {}", m(net)) } else { format!("they are owed {}", m(-net)) };
        reply.lines.push(format!("On account: {} — apply before chasing ({net}).", parts.join(" · ")));
    }
    if !s.credits.other_currencies.is_empty() {
        let others: Vec<String> = s.credits.other_currencies.iter().map(ToString::to_string).collect();
        reply.lines.push(format!(
            "On account in other currencies (unapplied cash and credits): {} (not in the {} figures here).",
            others.join(" · "),
            app.config.currency
        ));
    }
    if row.disputed > 0 {
        reply.lines.push("Settle the dispute before chasing those invoices (/ar disputes).".to_string());
    }
    if row.total > 0 {
        let mut table = Table::new(&[]);
        table.headers = s.labels.clone();
        table.align = vec![Align::Right; s.labels.len()];
        table.rows.push(row.buckets.iter().map(|b| if *b == 0 { "—".to_string() } else { m(*b) }).collect());
        reply.table = Some(table);
    }
    if let Some(o) = &s.oldest {
        // In the invoice's own currency, which need not be the business's.
        let owed = arbot_core::Money::new(o.item.due_part(), o.item.currency());
        let mut text = format!("#{}  {owed}  {}", o.item.number, days_phrase(o.days_past_due));
        for c in &o.credits_applied {
            let memo = c.credit_memo_number.as_deref().unwrap_or("credit");
            text.push_str(&format!("  (credit memo {memo} applied {})", c.amount));
        }
        if o.item.disputed {
            text.push_str("  · disputed");
        }
        reply = reply.field("Oldest open", text);
    }
    match &s.last_payment {
        Some(p) => {
            let mut text = format!("{} on {}", p.amount, short_date(p.received));
            let targets: Vec<String> = p
                .applications
                .iter()
                .filter(|a| a.credit_memo_number.is_none())
                .filter_map(|a| a.invoice_number.as_ref().map(|n| format!("#{n}")))
                .collect();
            if !targets.is_empty() {
                text.push_str(&format!(" → {}", targets.join(", ")));
            }
            if p.unapplied.minor > 0 {
                text.push_str(&format!(" ({} unapplied)", p.unapplied));
            }
            reply = reply.field("Last payment", text);
        }
        None => reply = reply.field("Last payment", "none on record"),
    }
    if let Some(p) = &s.promise {
        reply = reply.field(
            "Promise",
            format!(
                "{} by {} (logged by {}, {}) · {}",
                p.amount,
                short_date(p.promised_for),
                at(&p.created_by),
                short_date(p.created_at.with_timezone(&app.config.time_zone).date_naive()),
                super::promise::outcome_text(app, p, &s.promise_cash)
            ),
        );
    }
    if let Some(text) = super::plan::card_text(app, s) {
        reply = reply.field("Payment plan", text);
    }
    let mut shows_deadline = false;
    if !s.jobs.is_empty() {
        let jobs: Vec<String> = s
            .jobs
            .iter()
            .take(5)
            .map(|j| {
                let mut facts = Vec::new();
                if let Some(st) = &j.job.state {
                    facts.push(st.clone());
                }
                if let Some(r) = j.job.role {
                    facts.push(r.as_str().replace('_', "-"));
                }
                let mut line = j.job.name.clone();
                if !facts.is_empty() {
                    line.push_str(&format!(" ({})", facts.join(", ")));
                }
                if j.unpaid > 0 {
                    line.push_str(&format!(" — {} unpaid", m(j.unpaid)));
                }
                if let Some(ff) = j.job.first_furnished {
                    line.push_str(&format!("; first furnished {}", short_date(ff)));
                }
                if j.unpaid > 0
                    && let Some(next) = next_deadlines.get(&j.job.id)
                {
                    line.push_str(&format!("; {next}"));
                    shows_deadline = true;
                }
                line
            })
            .collect();
        let more = s.jobs.len().saturating_sub(5);
        let mut text = jobs.join("\n");
        if more > 0 {
            text.push_str(&format!("\n… and {more} more"));
        }
        reply = reply.field("Jobs", text);
    }
    match &s.last_note {
        Some(n) => {
            let when = short_date(n.created_at.with_timezone(&app.config.time_zone).date_naive());
            let kind = if n.kind == "note" { String::new() } else { format!(" ({})", n.kind) };
            let follow_up = n
                .follow_up_on
                .filter(|d| *d >= app.today())
                .map(|d| format!(" · follow up {}", arbot_core::dates::weekday_date(d)))
                .unwrap_or_default();
            reply = reply.field("Last note", format!("{when} {}{kind}: \"{}\"{follow_up}", at(&n.author), n.body));
        }
        None if row.overdue > 0 => {
            reply =
                reply.field("Last note", "no contact on record — log one after you call: /ar note <customer> call …")
        }
        None => {}
    }
    if shows_deadline {
        reply.footer = Some(arbot_core::liens::DISCLAIMER.to_string());
    }
    reply.severity = if row.overdue_90 > 0 {
        Severity::Critical
    } else if row.overdue > 0 {
        Severity::Warning
    } else {
        Severity::Good
    };
    reply
}
