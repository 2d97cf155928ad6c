//! `/report cash [date]` and `arbot report cash`: the daily cash report, as the manager gets it
//! at 17:00 on weekdays.

use arbot_core::cash::{CashReport, Compare};
use arbot_core::dates::{long_date, short_date, weekday_date};

use super::{CommandError, Invocation};
use crate::app::App;
use crate::reply::{Reply, Severity};
use crate::wording::count;

/// Loads the cash report for `date` (default today); a day after today is refused.
pub async fn build(app: &App, date: Option<chrono::NaiveDate>) -> Result<CashReport, CommandError> {
    super::require_ledger(app).await?;
    let today = app.today();
    let date = date.unwrap_or(today);
    if date > today {
        return Err(CommandError::User(format!(
            "{} is after today ({}): the cash report covers a day that has happened. Leave the date out for today.",
            long_date(date),
            long_date(today)
        )));
    }
    Ok(arbot_core::cash::load(app.store.as_ref(), date, today, app.config.currency, app.promise_rules()).await?)
}

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    Ok(cash_reply(app, &build(app, inv.args.date("date")).await?))
}

fn against(app: &App, total: i64, c: &Compare, what: &str) -> String {
    match *c {
        Compare::Total { total: then, .. } if then == total => format!("{what} the same"),
        Compare::Total { total: then, .. } if total > then => {
            format!("{what} {}, ▲ {}", app.money(then), app.money(total - then).compact())
        }
        Compare::Total { total: then, .. } => {
            format!("{what} {}, ▼ {}", app.money(then), app.money(then - total).compact())
        }
        Compare::NoHistory { day } => format!("{what}: no payments recorded as far back as {}", long_date(day)),
    }
}

pub fn cash_reply(app: &App, r: &CashReport) -> Reply {
    let m = |minor: i64| app.money(minor);
    let c = |minor: i64| app.money(minor).compact();
    let mut reply = Reply::titled(format!("Cash — {}", weekday_date(r.date)));
    let weekday = r.date.format("%A").to_string();
    let week = against(app, r.total, &r.week_before, &format!("last {weekday}"));
    let year = against(app, r.total, &r.year_before, "a year before");
    if r.payments == 0 {
        reply.lines.push(format!("Nothing received ({week}; {year})"));
    } else {
        let unapplied = if r.unapplied > 0 {
            let who: Vec<&str> = r.customers.iter().filter(|x| x.unapplied > 0).map(|x| x.name.as_str()).collect();
            format!(" · unapplied {} ({})", m(r.unapplied), who.join(", "))
        } else {
            String::new()
        };
        reply.lines.push(format!(
            "Received {} from {} ({week}; {year}){unapplied}",
            m(r.total),
            count(r.customers.len(), "customer", "customers")
        ));
    }
    for (cur, total, n) in &r.other_currencies {
        reply.lines.push(format!(
            "Also received {} in {} (not in the totals)",
            arbot_core::Money::new(*total, *cur),
            count(*n, "payment", "payments")
        ));
    }
    if !r.customers.is_empty() {
        let lines: Vec<String> = r
            .customers
            .iter()
            .take(15)
            .map(|x| {
                let jobs: Vec<String> = x
                    .jobs
                    .iter()
                    .map(|(job, amount)| format!("{} {}", job.as_deref().unwrap_or("no job"), c(*amount)))
                    .collect();
                let mut parts = Vec::new();
                if !jobs.is_empty() {
                    parts.push(jobs.join(", "));
                }
                if !x.invoices.is_empty() {
                    let nums: Vec<String> = x.invoices.iter().map(|n| format!("#{n}")).collect();
                    parts.push(nums.join(" "));
                }
                if x.unapplied > 0 {
                    parts.push(format!("{} unapplied", c(x.unapplied)));
                }
                format!("• {} — {}: {}", x.name, m(x.total), parts.join("; "))
            })
            .collect();
        let more = r.customers.len().saturating_sub(15);
        let more = if more > 0 { format!("\nand {more} more") } else { String::new() };
        reply = reply.field(format!("Received ({})", r.payments), format!("{}{more}", lines.join("\n")));
    }
    for w in &r.windows {
        let mut lines = Vec::new();
        let kept: Vec<String> = w
            .promises
            .iter()
            .take(8)
            .map(|p| {
                let record = match p.record.rate() {
                    Some(rate) => format!("kept {} of {} ({rate:.0}%)", p.record.kept, p.record.kept + p.record.broken),
                    None => "no promise judged yet".to_string(),
                };
                format!("• {} — {} by {}; {record}", p.name, c(p.amount), short_date(p.promised_for))
            })
            .collect();
        if w.promises.is_empty() {
            lines.push("Promises: none due".to_string());
        } else {
            lines.push(format!("Promises {} ({})", m(w.promised), w.promises.len()));
            lines.extend(kept);
            if w.promises.len() > 8 {
                lines.push(format!("and {} more", w.promises.len() - 8));
            }
        }
        if !w.installments.is_empty() {
            lines.push(format!("Plan installments {} ({})", m(w.planned), w.installments.len()));
            lines.extend(
                w.installments.iter().take(8).map(|i| {
                    format!("• {} — {} by {}, {} of {}", i.name, c(i.amount), short_date(i.due_on), i.seq, i.of)
                }),
            );
            if w.installments.len() > 8 {
                lines.push(format!("and {} more", w.installments.len() - 8));
            }
        }
        if w.invoices_count == 0 {
            lines.push("Invoices falling due: none".to_string());
        } else {
            let book = if w.weighted_by_book > 0 {
                format!(
                    "; {} with too little history of their own weighted by the whole book's",
                    count(w.weighted_by_book, "payer", "payers")
                )
            } else {
                String::new()
            };
            lines.push(format!(
                "Invoices falling due {} ({}), {} by how each customer pays{book}",
                m(w.invoices_due),
                w.invoices_count,
                m(w.invoices_weighted)
            ));
        }
        reply = reply.field(
            format!("Expected next {} days (to {}): {}", w.days, short_date(w.until), m(w.expected())),
            lines.join("\n"),
        );
    }
    let mut requested = Vec::new();
    let logged: i64 = r.requested.promises_logged.iter().map(|p| p.1).sum();
    requested.push(if r.requested.promises_logged.is_empty() {
        "no promises logged".to_string()
    } else {
        format!("{} ({})", count(r.requested.promises_logged.len(), "promise logged", "promises logged"), c(logged))
    });
    let by_customer = |list: &[(String, usize)], one: &str, many: &str, none: &str| -> String {
        let n: usize = list.iter().map(|x| x.1).sum();
        if n == 0 {
            return none.to_string();
        }
        let names: Vec<&str> = list.iter().take(5).map(|x| x.0.as_str()).collect();
        let more = if list.len() > 5 { format!(" and {} more", list.len() - 5) } else { String::new() };
        format!("{} ({}{more})", count(n, one, many), names.join(", "))
    };
    requested.push(by_customer(
        &r.requested.reminders_sent,
        "reminder emailed",
        "reminders emailed",
        "no reminders emailed",
    ));
    requested.push(by_customer(&r.requested.calls_logged, "call logged", "calls logged", "no calls logged"));
    reply = reply.field("Requested that day", requested.join(", "));
    reply.severity = if r.payments > 0 { Severity::Good } else { Severity::Info };
    reply.footer = Some(
        "Promises and plan installments count at what is still owed on them; invoices under an open promise or \
         plan are counted once, in it. Weights: the share of each customer's invoices of the last year paid within as many days of due."
            .to_string(),
    );
    reply
}
