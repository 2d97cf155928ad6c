//! `/mail latefee <customer> [date]`: what the late-fee terms in `[late_fees]` allow on an
//! account's open invoices to a day, invoice by invoice, with the arithmetic's inputs. arbot
//! computes and documents late fees; it never books one into the accounting system.

use arbot_core::dates::short_date;
use arbot_core::latefees::{Cap, LateFeeLine, LateFeeTerms, late_fee};
use arbot_core::ledger::{InvoiceStatus, OpenItem};
use arbot_core::store::OpenItemsQuery;
use chrono::NaiveDate;

use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::reply::{Align, Reply, Severity, Table};
use crate::wording::count;

/// The terms in a few words: "1.5% a month after 10 days' grace, $25.00 once, capped at 10% of
/// each invoice".
pub fn terms_text(app: &App, t: &LateFeeTerms) -> String {
    let mut parts = Vec::new();
    if t.monthly.0 > 0 {
        parts.push(format!("{} a month, charged daily", t.monthly));
    }
    if t.flat_minor > 0 {
        parts.push(format!("{} once per invoice", app.money(t.flat_minor)));
    }
    let mut text = parts.join(" and ");
    if t.grace_days > 0 {
        text.push_str(&format!(", after {} days' grace", t.grace_days));
    }
    match t.cap {
        Some(Cap::Share(p)) => text.push_str(&format!(", capped at {p} of each invoice")),
        Some(Cap::Amount(m)) => text.push_str(&format!(", capped at {} an invoice", app.money(m))),
        None => {}
    }
    text
}

/// Late fees on the account's open invoices (disputed ones left out) on `on`, in the business's
/// currency: each invoice at or past its grace, and what was left out.
pub async fn fees(
    app: &App,
    terms: &LateFeeTerms,
    items: &[OpenItem],
    on: NaiveDate,
) -> Result<Vec<LateFeeLine>, CommandError> {
    let mut out = Vec::new();
    for i in items.iter().filter(|i| !i.disputed && i.currency() == app.config.currency && i.due < on) {
        let applied: Vec<(NaiveDate, i64)> = app
            .store
            .applications_to_invoice(i.invoice_id)
            .await?
            .into_iter()
            .filter(|a| a.applied_on <= on)
            .map(|a| (a.applied_on, a.amount.minor))
            .collect();
        out.push(late_fee(terms, i, &applied, on));
    }
    Ok(out)
}

/// How far back `/mail latefee` looks for invoices paid late: what the terms allowed on them until
/// they were paid is still there to charge.
pub const PAID_LATE_DAYS: i64 = 90;

/// An invoice paid in full after its due date and grace, and what the terms allowed on it until
/// then.
#[derive(Debug, Clone)]
pub struct PaidLate {
    pub line: LateFeeLine,
    /// The day its due part was paid off.
    pub paid_on: NaiveDate,
}

/// The account's invoices in the business's currency paid off in the [`PAID_LATE_DAYS`] to `on`
/// after their grace days, with the fees that ran until each was paid.
pub async fn paid_late(
    app: &App,
    terms: &LateFeeTerms,
    customer_id: i64,
    on: NaiveDate,
) -> Result<Vec<PaidLate>, CommandError> {
    let since = on - chrono::Days::new(PAID_LATE_DAYS.unsigned_abs());
    let mut out = Vec::new();
    for i in app.store.customer_invoices(customer_id).await? {
        if i.status != InvoiceStatus::Paid || i.balance.minor != 0 || i.balance.currency != app.config.currency {
            continue;
        }
        let mut applied: Vec<(NaiveDate, i64)> = app
            .store
            .applications_to_invoice(i.id)
            .await?
            .into_iter()
            .filter(|a| a.applied_on <= on)
            .map(|a| (a.applied_on, a.amount.minor))
            .collect();
        applied.sort();
        // Still open on `on` (its retainage paid later, say): [`fees`] counts it there.
        if applied.iter().map(|(_, m)| m).sum::<i64>() < i.total.minor {
            continue;
        }
        // The day the due part was paid off: retainage, which is not due, may follow later.
        let due_part = i.total.minor - i.retainage.minor.max(0);
        let mut paid = 0;
        let Some(paid_on) = applied.iter().find_map(|(day, m)| {
            paid += m;
            (paid >= due_part).then_some(*day)
        }) else {
            continue;
        };
        if paid_on <= since || paid_on <= i.due + chrono::Days::new(u64::from(terms.grace_days)) {
            continue;
        }
        let item = OpenItem {
            invoice_id: i.id,
            number: i.number.clone(),
            customer_id: i.customer_id,
            customer_name: i.customer_name.clone(),
            job_id: i.job_id,
            job_name: i.job_name.clone(),
            pm: i.pm.clone(),
            kind: i.kind,
            issued: i.issued,
            due: i.due,
            total: i.total,
            balance: i.balance,
            retainage: i.retainage,
            disputed: false,
        };
        let line = late_fee(terms, &item, &applied, paid_on);
        if line.total_minor > 0 {
            out.push(PaidLate { line, paid_on });
        }
    }
    out.sort_by_key(|p| (p.paid_on, p.line.number.clone()));
    Ok(out)
}

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    let today = app.today();
    let on = inv.args.date("date").unwrap_or(today);
    let Some(terms) = app.config.late_fees.terms_for(&customer.name) else {
        let why = if app.config.late_fees.has_own(&customer.name) {
            format!("{}'s late fees are waived ([late_fees.customers] in arbot.toml)", customer.name)
        } else {
            "No late-fee terms are set ([late_fees] in arbot.toml)".to_string()
        };
        return Ok(Reply::default().line(format!("{why}, so arbot computes none.")));
    };
    let items = app
        .store
        .open_items(OpenItemsQuery { as_of: on, customer_id: Some(customer.id), historical: on < today })
        .await?;
    let lines = fees(app, terms, &items, on).await?;
    let charged: Vec<&LateFeeLine> = lines.iter().filter(|l| l.total_minor > 0).collect();
    let paid = paid_late(app, terms, customer.id, on).await?;
    let open_total: i64 = charged.iter().map(|l| l.total_minor).sum();
    let paid_total: i64 = paid.iter().map(|p| p.line.total_minor).sum();
    let total = open_total + paid_total;
    let own = if app.config.late_fees.has_own(&customer.name) { " (this customer's own terms)" } else { "" };
    let mut reply =
        Reply::titled(format!("Late fees on {} to {}: {}", customer.name, on.format("%a %b %-d"), app.money(total)));
    reply.lines.push(format!("Terms: {}{own}.", terms_text(app, terms)));
    if charged.is_empty() && paid.is_empty() {
        reply.lines.push(format!(
            "Nothing has accrued: no open invoice of {} is past its due date and grace days on {}, and none was paid \
             late in the {PAID_LATE_DAYS} days before.",
            customer.name,
            short_date(on)
        ));
    } else {
        let mut table = Table::new(&[
            ("Invoice", Align::Left),
            ("Due", Align::Left),
            ("Days late", Align::Right),
            ("Charged", Align::Right),
            ("Rate", Align::Right),
            ("Flat", Align::Right),
            ("Fee", Align::Right),
        ]);
        let rows = charged.iter().map(|l| (*l, None)).chain(paid.iter().map(|p| (&p.line, Some(p.paid_on))));
        for (l, paid_on) in rows {
            let mut fee = app.money(l.total_minor).to_string();
            if l.capped_minor > 0 {
                fee.push_str(" (cap)");
            }
            let invoice = match paid_on {
                Some(day) => format!("#{} (paid {})", l.number, short_date(day)),
                None => format!("#{}", l.number),
            };
            table.rows.push(vec![
                invoice,
                short_date(l.due),
                l.days_late.to_string(),
                count(usize::try_from(l.days_charged).unwrap_or_default(), "day", "days"),
                app.money(l.interest_minor).to_string(),
                app.money(l.flat_minor).to_string(),
                fee,
            ]);
        }
        table.footer = Some(vec![
            "Total".to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            app.money(total).to_string(),
        ]);
        reply.table = Some(table);
    }
    if !paid.is_empty() {
        reply.lines.push(format!(
            "{} of it on open invoices; {} on {} paid late in the {PAID_LATE_DAYS} days to {}, charged until the day \
             each was paid.",
            app.money(open_total),
            app.money(paid_total),
            count(paid.len(), "invoice", "invoices"),
            short_date(on)
        ));
    }
    let within = lines.len() - charged.len();
    if within > 0 {
        reply
            .lines
            .push(format!("{} past due but within the grace days.", count(within, "invoice is", "invoices are")));
    }
    let disputed: Vec<String> = items.iter().filter(|i| i.disputed).map(|i| format!("#{}", i.number)).collect();
    if !disputed.is_empty() {
        reply.lines.push(format!("Left out: {} (in dispute).", disputed.join(", ")));
    }
    reply.footer = Some(
        "Computed on each day's unpaid balance (retainage is not charged), from the payments and credits applied. \
         arbot books nothing: to charge a fee, add it in your accounting system."
            .to_string(),
    );
    reply.severity = if total > 0 { Severity::Warning } else { Severity::Info };
    Ok(reply)
}
