//! `/ar dispute <invoice> <reason> [detail]`, `/ar dispute <invoice> resolve <outcome> [note]`
//! and `/ar disputes`. A disputed invoice is shown apart from overdue until it is resolved, and
//! its PM is asked in the account's escalation thread (opened for it if the account has none)
//! for what settling it needs.

use arbot_core::collections::{DISPUTE_OUTCOMES, NewDispute, reason_text};
use arbot_core::dates::short_date;
use arbot_core::ledger::Invoice;

use super::{CommandError, Invocation, escalate, missing_arg};
use crate::app::App;
use crate::chat::Post;
use crate::outbox::{Destination, enqueue_post};
use crate::reply::{Align, Reply, Severity, Table};
use crate::wording::at;

/// What the PM is asked for, by reason.
fn ask_for(reason: &str) -> &'static str {
    match reason {
        "quantity" => "the field quantities (daily reports, delivery tickets)",
        "pricing" => "the contract or change-order pricing",
        "backcharge" => "your account of the backcharge (dates, photos, who was on site)",
        "lien_waiver" => "the lien waiver they want",
        "change_order" => "the signed change order",
        "paperwork" => "the PO number, W-9 or vendor form they ask for",
        _ => "what you know about it",
    }
}

/// The one invoice a number names, or the sentence that says why not.
async fn one_invoice(app: &App, number: &str) -> Result<Invoice, CommandError> {
    let found = app.store.invoices_numbered(number).await?;
    match found.as_slice() {
        [] => Err(CommandError::User(format!(
            "There is no invoice #{number} in the ledger. Check the number with /ar invoice. Nothing was changed."
        ))),
        [one] => Ok(one.clone()),
        many => {
            let names: Vec<&str> = many.iter().map(|i| i.customer_name.as_str()).collect();
            Err(CommandError::User(format!(
                "Invoice #{number} is on {} accounts ({}); the ledger has the number twice. Fix it in the accounting \
                 system. Nothing was changed.",
                many.len(),
                names.join(", ")
            )))
        }
    }
}

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let number = inv.args.invoice("invoice").ok_or_else(|| missing_arg("invoice"))?;
    let reason = inv.args.choice("reason").ok_or_else(|| missing_arg("reason"))?;
    let invoice = one_invoice(app, number).await?;
    let open = app.store.disputes(true, Some(invoice.id)).await?;
    if inv.already(app.store.as_ref(), "dispute").await? {
        let what = if reason == "resolve" { "resolved" } else { "recorded" };
        return Ok(
            Reply::default().line(format!("Already {what}: this request reached arbot twice and was recorded once."))
        );
    }
    if reason == "resolve" {
        return resolve(app, inv, &invoice, open.first().map(|d| d.reason.as_str())).await;
    }
    // A word after the reason that happens to be an outcome belongs to the detail.
    let detail = match (inv.args.choice("outcome"), inv.args.text("detail")) {
        (Some(o), Some(d)) => Some(format!("{o} {d}")),
        (Some(o), None) => Some(o.to_string()),
        (None, d) => d.map(str::to_string),
    };
    if let Some(d) = open.first() {
        return Err(CommandError::User(format!(
            "Invoice #{} is already in dispute ({}, since {}, by {}). Resolve it first: /ar dispute {} resolve \
             <outcome>.",
            invoice.number,
            reason_text(&d.reason),
            short_date(d.opened_at.with_timezone(&app.config.time_zone).date_naive()),
            at(&d.opened_by),
            invoice.number
        )));
    }
    if invoice.balance.minor <= 0 {
        return Err(CommandError::User(format!(
            "Invoice #{} ({}) is paid; there is nothing to dispute. Nothing was changed.",
            invoice.number, invoice.customer_name
        )));
    }
    let now = app.clock.now();
    let new = NewDispute {
        invoice_id: invoice.id,
        reason: reason.to_string(),
        detail: detail.clone(),
        opened_by: inv.actor.name.clone(),
        opened_at: now,
    };
    let author = inv.author();
    let Some(id) = app.store.open_dispute(&new, &author).await?.new_value() else {
        return Ok(Reply::default().line("Already recorded: this request reached arbot twice and was recorded once."));
    };
    let what = reason_text(reason);
    let pm = match invoice.pm.clone() {
        Some(pm) => Some(pm),
        None => app.store.customer(invoice.customer_id).await?.and_then(|c| c.pm),
    };
    let mut reply = Reply::default().line(format!(
        "Invoice #{} ({}, {}) is in dispute: {what}. It is shown apart from overdue until resolved.",
        invoice.number, invoice.balance, invoice.customer_name
    ));
    // The PM hears about it in the account's thread, opened for it when the account has none.
    let ask = format!(
        "Invoice #{} ({}) is in dispute: {what}{}; needed from the PM: {}",
        invoice.number,
        invoice.balance,
        detail.as_deref().map(|d| format!(" — \"{d}\"")).unwrap_or_default(),
        ask_for(reason)
    );
    let (esc, created) = escalate::open(app, invoice.customer_id, None, Some(&ask), &inv.actor, &author).await?;
    if !created {
        let post = Post {
            text: pm.as_ref().map(|_| ask.clone()),
            mention: pm.iter().cloned().collect(),
            reply: Reply::titled(format!("In dispute: #{} — {}", invoice.number, invoice.customer_name))
                .line(ask.clone()),
        };
        let to = Destination::EscalationThread { escalation_id: esc.id };
        enqueue_post(app, &format!("dispute:{id}:thread"), to, post).await.map_err(CommandError::Internal)?;
    }
    // "No waiver, no check": the request is recorded on the job and its conditional waiver drafted,
    // for the AR team in the AR channel and in the account's thread.
    if reason == "lien_waiver"
        && let Some((lines, attachment)) = super::waivers::for_dispute(app, &invoice, &inv.actor.name, &author).await?
    {
        let mut post = Reply::titled(format!(
            "No waiver, no check: #{} — {} ({})",
            invoice.number, invoice.customer_name, invoice.balance
        ));
        post.lines = lines.clone();
        post.attachments.extend(attachment.clone());
        post.severity = Severity::Warning;
        enqueue_post(app, &format!("dispute:{id}:waiver"), Destination::ArChannel, Post::of(post.clone()))
            .await
            .map_err(CommandError::Internal)?;
        let to = Destination::EscalationThread { escalation_id: esc.id };
        enqueue_post(app, &format!("dispute:{id}:waiver:thread"), to, Post::of(post))
            .await
            .map_err(CommandError::Internal)?;
        reply.lines.extend(lines);
        reply.attachments.extend(attachment);
    }
    reply.lines.push(match &pm {
        Some(pm) => format!("I've asked {} in the account's thread for {}.", at(pm), ask_for(reason)),
        None => format!(
            "The account has no PM on record, so the ask for {} is in the account's thread for the AR team.",
            ask_for(reason)
        ),
    });
    reply.severity = Severity::Warning;
    Ok(reply)
}

async fn resolve(app: &App, inv: &Invocation, invoice: &Invoice, open: Option<&str>) -> Result<Reply, CommandError> {
    let Some(reason) = open else {
        return Err(CommandError::User(format!("Invoice #{} is not in dispute; nothing to resolve.", invoice.number)));
    };
    let Some(outcome) = inv.args.choice("outcome") else {
        return Err(CommandError::User(format!(
            "Say how it was resolved: /ar dispute {} resolve {} [note].",
            invoice.number,
            DISPUTE_OUTCOMES.join("|")
        )));
    };
    let note = inv.args.text("detail");
    let done = app.store.resolve_dispute(invoice.id, outcome, note, &inv.author(), app.clock.now()).await?;
    if !done.is_new() {
        return Ok(Reply::default().line("Already resolved: this request reached arbot twice and was recorded once."));
    }
    let back = if invoice.balance.minor > 0 {
        format!(" Its {} open counts as overdue again once past due.", invoice.balance)
    } else {
        String::new()
    };
    Ok(Reply::default()
        .line(format!(
            "Resolved: invoice #{} ({}) — {} dispute, {outcome}.{back}",
            invoice.number,
            invoice.customer_name,
            reason_text(reason)
        ))
        .severity(Severity::Good))
}

/// `/ar disputes`: what is in dispute, oldest first.
pub(super) async fn handle_list(app: &App) -> Result<Reply, CommandError> {
    let open = app.store.disputes(true, None).await?;
    let mut reply = Reply::titled("In dispute");
    if open.is_empty() {
        reply.lines.push("No invoice is in dispute.".to_string());
        return Ok(reply);
    }
    let today = app.today();
    let mut table = Table::new(&[
        ("Invoice", Align::Left),
        ("Customer", Align::Left),
        ("Balance", Align::Right),
        ("Reason", Align::Left),
        ("Since", Align::Left),
        ("By", Align::Left),
    ]);
    let mut total = 0;
    for d in &open {
        let invoice = app.store.invoices_numbered(&d.invoice_number).await?.into_iter().find(|i| i.id == d.invoice_id);
        let balance = invoice.map(|i| i.balance);
        if let Some(b) = balance.filter(|b| b.currency == app.config.currency) {
            total += b.minor;
        }
        let opened = d.opened_at.with_timezone(&app.config.time_zone).date_naive();
        let mut why = reason_text(&d.reason);
        if let Some(detail) = &d.detail {
            why.push_str(&format!(": {detail}"));
        }
        table.rows.push(vec![
            format!("#{}", d.invoice_number),
            d.customer_name.clone(),
            balance.map(|b| b.to_string()).unwrap_or_else(|| "—".to_string()),
            why,
            format!("{} ({} days)", short_date(opened), (today - opened).num_days()),
            at(&d.opened_by),
        ]);
    }
    reply.lines.push(format!(
        "{} in dispute, {} — shown apart from overdue until resolved (/ar dispute <invoice> resolve <outcome>).",
        crate::wording::count(open.len(), "invoice", "invoices"),
        app.money(total)
    ));
    reply.table = Some(table);
    reply.severity = Severity::Warning;
    Ok(reply)
}
