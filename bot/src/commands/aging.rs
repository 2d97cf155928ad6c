//! `/ar aging [as-of] [by]`: open balances by age bucket, grouped by customer, job or PM.

use arbot_core::aging::{AgingReport, Basis, GroupBy, aging_of_sums};
use arbot_core::dates::long_date;

use super::{CommandError, Invocation};
use crate::app::App;
use crate::reply::{Align, Attachment, Reply, Severity, Table};

/// Rows a chat reply lists; the CLI's `arbot aging` prints all of them.
const SHOWN: usize = 25;

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let today = app.today();
    let as_of = inv.args.date("as-of").unwrap_or(today);
    if as_of > today {
        return Err(CommandError::User(format!(
            "{} is in the future; aging can only be run as of today or earlier.",
            long_date(as_of)
        )));
    }
    let by = inv.args.choice("by").and_then(GroupBy::parse).unwrap_or_default();
    let basis = inv.args.choice("basis").and_then(Basis::parse).unwrap_or(app.config.aging.basis);
    let report = load(app, as_of, by, basis).await?;
    Ok(aging_reply(app, &report))
}

/// "1 open invoice in other currencies is not included.", when the report left some out.
pub fn left_out(r: &AgingReport) -> Option<String> {
    (r.other_currency_invoices > 0).then(|| {
        format!(
            "{} in other currencies {} not included.",
            crate::wording::count(r.other_currency_invoices, "open invoice", "open invoices"),
            if r.other_currency_invoices == 1 { "is" } else { "are" }
        )
    })
}

pub async fn load(app: &App, as_of: chrono::NaiveDate, by: GroupBy, basis: Basis) -> Result<AgingReport, CommandError> {
    super::require_ledger(app).await?;
    let historical = as_of < app.today();
    // Summed per group in the database: the report shows sums only, never an invoice.
    let cfg = app.config.aging.with_basis(basis);
    let groups = app.store.open_aging(as_of, historical, &cfg, by).await?;
    Ok(aging_of_sums(&groups, as_of, &cfg, by, app.config.currency))
}

fn aging_reply(app: &App, r: &AgingReport) -> Reply {
    let m = |minor: i64| app.money(minor);
    let by_invoice_date = r.basis == Basis::InvoiceDate;
    let mut reply = Reply::titled(format!(
        "Aging by {} — as of {}{}",
        r.group_by.as_str(),
        long_date(r.as_of),
        if by_invoice_date { ", by invoice date" } else { "" }
    ));
    let t = &r.totals;
    let other_currencies = left_out(r);
    if r.rows.is_empty() {
        match other_currencies {
            Some(line) => {
                reply.lines.push(format!("Nothing was open in {} on {}.", app.config.currency, long_date(r.as_of)));
                reply.lines.push(line);
                reply.severity = Severity::Warning;
            }
            None => {
                reply.lines.push(format!("Nothing was open on {}.", long_date(r.as_of)));
                reply.severity = Severity::Good;
            }
        }
        return reply;
    }
    // What is in dispute is shown apart from the overdue being chased, as on the card and the KPIs;
    // the buckets still hold every open invoice, so they add up to the open balance.
    let disputed = if t.disputed > 0 {
        format!(" · in dispute {} (in the buckets; /ar disputes)", m(t.disputed).compact())
    } else {
        String::new()
    };
    reply.lines.push(format!(
        "Open {} · overdue {}{disputed} · retainage held {} (not due)",
        m(t.total).compact(),
        m(t.collectible_overdue()).compact(),
        m(t.retainage).compact()
    ));
    if by_invoice_date {
        // The columns count days since the invoice date: the line above them says the same.
        let billed = t.total - t.retainage;
        let old = r.aged_over(90, &app.config.aging.buckets);
        if billed > 0 {
            let share = old as f64 * 100.0 / billed as f64;
            reply.lines.push(format!(
                "Billed more than 90 days ago: {} ({share:.1}% of what is due; the columns count days since the \
                 invoice date, overdue counts from the due date)",
                m(old).compact()
            ));
        }
    } else {
        match r.over_90_share() {
            Some(share) if share >= 10.0 => {
                reply.lines.push(format!("90+ days: {share:.1}% of overdue (target < 10%) ⚠"));
            }
            Some(share) => reply.lines.push(format!("90+ days: {share:.1}% of overdue (target < 10%)")),
            None => {}
        }
    }
    let (table, shown) = aging_table(app, r, SHOWN);
    reply.table = Some(table);
    let file = format!("aging-by-{}-{}.csv", r.group_by.as_str(), r.as_of);
    if r.rows.len() > shown {
        reply.footer = Some(format!(
            "Largest {shown} of {} rows shown; the total covers all. Every row is in {file} (arbot aging --format csv).",
            r.rows.len()
        ));
    }
    reply.attachments.push(Attachment::text(file, aging_csv(app, r)));
    if let Some(line) = other_currencies {
        reply.lines.push(line);
    }
    reply.severity = match r.over_90_share() {
        Some(s) if s >= 10.0 => Severity::Critical,
        Some(_) => Severity::Warning,
        None => Severity::Good,
    };
    reply
}

/// The aging table: one row per group (largest first, at most `limit`), then the total.
pub fn aging_table(app: &App, r: &AgingReport, limit: usize) -> (Table, usize) {
    let first = match r.group_by {
        GroupBy::Customer => "Customer",
        GroupBy::Job => "Job",
        GroupBy::Pm => "PM",
    };
    let mut table = Table::new(&[(first, Align::Left)]);
    for l in &r.labels {
        table.headers.push(l.clone());
        table.align.push(Align::Right);
    }
    for h in ["retainage", "total"] {
        table.headers.push(h.to_string());
        table.align.push(Align::Right);
    }
    let cell = |minor: i64| if minor == 0 { "—".to_string() } else { app.money(minor).to_string() };
    let row_cells = |label: &str, row: &arbot_core::aging::AgingRow| {
        let mut cells = vec![label.to_string()];
        cells.extend(row.buckets.iter().map(|b| cell(*b)));
        cells.push(cell(row.retainage));
        cells.push(app.money(row.total).to_string());
        cells
    };
    let shown = r.rows.len().min(limit);
    for row in &r.rows[..shown] {
        table.rows.push(row_cells(&row.label, row));
    }
    table.footer = Some(row_cells("Total", &r.totals));
    (table, shown)
}

/// The whole report as CSV: one row per group, then the total; amounts as plain decimals.
pub fn aging_csv(app: &App, r: &arbot_core::aging::AgingReport) -> String {
    let mut header = vec![r.group_by.as_str().to_string()];
    header.extend(r.labels.iter().cloned());
    header.extend(["retainage".to_string(), "total".to_string(), "oldest_days_past_due".to_string()]);
    // Part of the buckets, not beside them: what of the row is on invoices in dispute.
    header.push("in_dispute".to_string());
    let plain = |minor: i64| app.money(minor).to_plain_string();
    let mut rows = vec![header];
    for row in r.rows.iter().chain(std::iter::once(&r.totals)) {
        let mut cells = vec![spreadsheet_safe(&row.label)];
        cells.extend(row.buckets.iter().map(|b| plain(*b)));
        cells.push(plain(row.retainage));
        cells.push(plain(row.total));
        cells.push(row.oldest_days.to_string());
        cells.push(plain(row.disputed));
        rows.push(cells);
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in &rows {
        // Writing to memory cannot fail.
        let _ = out.write_record(row);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A name as a spreadsheet cell that the spreadsheet will show, never run: text starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and LibreOffice, so it
/// gets a leading apostrophe (OWASP's CSV-injection rule). Figures are written by arbot and are
/// plain numbers; names come from customers' records and may be anything.
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        assert_eq!(spreadsheet_safe("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(spreadsheet_safe("+SUM(1)"), "'+SUM(1)");
        assert_eq!(spreadsheet_safe("@x"), "'@x");
        assert_eq!(spreadsheet_safe("-2+3"), "'-2+3");
        assert_eq!(spreadsheet_safe("\tx"), "'\tx");
        assert_eq!(spreadsheet_safe("Acme Builders, Inc."), "Acme Builders, Inc.");
    }
}
