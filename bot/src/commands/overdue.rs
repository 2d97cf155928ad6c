//! `/ar overdue [min-days] [pm]`: every overdue invoice, oldest first.

use arbot_core::dates::short_date;
use arbot_core::ledger::OverduePage;

use super::{CommandError, Invocation};
use crate::app::App;
use crate::reply::{Align, Reply, Severity, Table};
use crate::wording::{at, count};

/// How many rows a chat reply lists; the total always covers all of them.
const SHOWN: usize = 25;

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    super::require_ledger(app).await?;
    let min_days = i64::from(inv.args.days("min-days").unwrap_or(1).max(1));
    let pm = inv.args.pm("pm").map(|p| p.trim_start_matches('@').to_lowercase());
    let today = app.today();
    // At least `min_days` past due: due on or before that many days ago. The database picks
    // them (in the business's currency, with something due) and puts them in order.
    let due_by = today.checked_sub_days(chrono::Days::new(min_days.unsigned_abs())).unwrap_or(chrono::NaiveDate::MIN);
    let page = match &pm {
        // Everyone's: the database sums them and sends the rows shown.
        None => app.store.overdue_page(today, due_by, app.config.currency, SHOWN).await?,
        // One PM's: every row read and kept by the PM's name as typed, in any case.
        Some(pm) => {
            let items = app.store.overdue_items(today, None, due_by, app.config.currency).await?;
            let rows: Vec<_> =
                items.into_iter().filter(|i| i.pm.as_deref().is_some_and(|p| p.to_lowercase() == *pm)).collect();
            let customers: std::collections::BTreeSet<i64> = rows.iter().map(|i| i.customer_id).collect();
            OverduePage {
                invoices: rows.len() as i64,
                customers: customers.len() as i64,
                total: rows.iter().map(|i| i.due_part).sum(),
                over_90: rows.iter().filter(|i| (today - i.due).num_days() > 90).map(|i| i.due_part).sum(),
                rows: rows.into_iter().take(SHOWN).collect(),
            }
        }
    };
    let (total, over_90, invoices) = (page.total, page.over_90, usize::try_from(page.invoices).unwrap_or(0));
    let scope = match (&pm, min_days) {
        (Some(pm), 1) => format!(" for {}", at(pm)),
        (Some(pm), d) => format!(" {d}+ days for {}", at(pm)),
        (None, 1) => String::new(),
        (None, d) => format!(" {d}+ days"),
    };
    if invoices == 0 {
        let mut reply = Reply::titled(format!("Overdue{scope}")).severity(Severity::Good);
        reply
            .lines
            .push("Nothing overdue. ".to_string() + if pm.is_some() { "Their accounts are all current." } else { "" });
        return Ok(reply);
    }
    let mut reply =
        Reply::titled(format!("Overdue{scope}: {} on {}", app.money(total), count(invoices, "invoice", "invoices")));
    reply.lines.push(format!("{} customers · {} over 90 days", page.customers, app.money(over_90)));
    let mut table = Table::new(&[
        ("Invoice", Align::Left),
        ("Customer", Align::Left),
        ("Due", Align::Left),
        ("Days", Align::Right),
        ("Overdue", Align::Right),
        ("PM", Align::Left),
    ]);
    for i in &page.rows {
        let mut number = format!("#{}", i.number);
        if i.disputed {
            number.push_str(" (disputed)");
        }
        table.rows.push(vec![
            number,
            i.customer_name.clone(),
            short_date(i.due),
            (today - i.due).num_days().to_string(),
            app.money(i.due_part).to_string(),
            i.pm.as_deref().map(at).unwrap_or_default(),
        ]);
    }
    reply.table = Some(table);
    if invoices > SHOWN {
        reply.footer = Some(format!(
            "Showing the oldest {SHOWN} of {invoices}. Narrow it with /ar overdue 90 or /ar overdue <min-days> <pm>."
        ));
    }
    reply.severity = if over_90 > 0 { Severity::Critical } else { Severity::Warning };
    Ok(reply)
}
