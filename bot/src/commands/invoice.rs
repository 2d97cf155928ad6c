//! `/ar invoice <number>`: one invoice and everything applied to it.

use arbot_core::dates::short_date;
use arbot_core::ledger::InvoiceStatus;

use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::reply::{Align, Reply, Severity, Table};
use crate::wording::{at, days_phrase};

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let number = inv.args.invoice("number").ok_or_else(|| missing_arg("number"))?;
    let found = app.store.invoices_numbered(number).await?;
    let Some(invoice) = found.first() else {
        return Err(CommandError::User(format!(
            "No invoice numbered '{number}'. Check the number, or run /ar customer <name> to see their open invoices."
        )));
    };
    let today = app.today();
    let mut reply = Reply::titled(format!("Invoice #{} — {}", invoice.number, invoice.customer_name));
    if found.len() > 1 {
        let others: Vec<&str> = found[1..].iter().map(|i| i.customer_name.as_str()).collect();
        reply.footer = Some(format!("{} other invoice(s) share this number: {}", found.len() - 1, others.join(", ")));
    }
    let mut aside = vec![invoice.kind.as_str().replace('_', "-")];
    if let Some(pm) = &invoice.pm {
        aside.push(format!("PM: {}", at(pm)));
    }
    reply.aside = Some(aside.join("   "));
    let days = (today - invoice.due).num_days();
    let retainage = invoice.retainage_held();
    let due_part = invoice.balance.minor - retainage.minor;
    let status = match invoice.status {
        InvoiceStatus::Void => "void".to_string(),
        InvoiceStatus::Deleted => "deleted in the accounting system".to_string(),
        InvoiceStatus::Paid => "paid in full".to_string(),
        // Retainage is not due until it is released: an invoice with only retainage left is not
        // past due, however old it is.
        InvoiceStatus::Open if due_part <= 0 && retainage.minor > 0 => "retainage only, not due yet".to_string(),
        InvoiceStatus::Open => days_phrase(days),
    };
    let mut headline = format!("Balance {} of {} · {status}", invoice.balance, invoice.total);
    if retainage.minor > 0 {
        headline.push_str(&format!(" · retainage held {retainage} (not due)"));
    }
    reply.lines.push(headline);
    if invoice.status == InvoiceStatus::Open && retainage.minor > 0 && due_part == 0 {
        reply.lines.push("Only retainage is left: it falls due when the job's retainage is released.".to_string());
    }
    reply = reply.field("Dates", format!("issued {} · due {}", short_date(invoice.issued), short_date(invoice.due)));
    if let Some(job) = &invoice.job_name {
        reply = reply.field("Job", job.clone());
    }
    let apps = app.store.applications_to_invoice(invoice.id).await?;
    if !apps.is_empty() {
        let mut table = Table::new(&[("Date", Align::Left), ("Applied", Align::Right), ("From", Align::Left)]);
        for a in &apps {
            let from = match (&a.credit_memo_number, &a.payment_reference) {
                (Some(cm), _) => format!("credit memo {cm}"),
                (None, Some(r)) => format!("payment {r}"),
                (None, None) => "payment".to_string(),
            };
            table.rows.push(vec![short_date(a.applied_on), a.amount.to_string(), from]);
        }
        reply.table = Some(table);
    }
    let open = app
        .store
        .open_items(arbot_core::store::OpenItemsQuery {
            as_of: today,
            customer_id: Some(invoice.customer_id),
            historical: false,
        })
        .await?;
    let disputed = open.iter().any(|o| o.invoice_id == invoice.id && o.disputed);
    if disputed {
        reply.lines.push("In dispute: shown apart from overdue until it is resolved (/ar disputes).".to_string());
    }
    if let Some(memo) = &invoice.memo {
        reply = reply.field("Memo", memo.clone());
    }
    reply.severity = match invoice.status {
        InvoiceStatus::Open if due_part > 0 && days > 90 => Severity::Critical,
        InvoiceStatus::Open if due_part > 0 && days > 0 => Severity::Warning,
        InvoiceStatus::Open => Severity::Info,
        _ => Severity::Good,
    };
    Ok(reply)
}
