//! `/ar kpi`: the numbers the CFO asks about.

use arbot_core::dates::long_date;
use arbot_core::kpi::kpis;

use super::{CommandError, Invocation};
use crate::app::App;
use crate::reply::{Reply, Severity};

pub(super) async fn handle(app: &App, _inv: &Invocation) -> Result<Reply, CommandError> {
    super::require_ledger(app).await?;
    let today = app.today();
    let k = kpis(app.store.as_ref(), today, false, app.config.currency).await?;
    let m = |minor: i64| app.money(minor);
    let days =
        |d: Option<f64>| d.map_or("n/a (no sales in the last 12 months)".to_string(), |d| format!("{d:.0} days"));
    let mut reply = Reply::titled(format!("Collections KPIs — {}", long_date(k.as_of)));
    // What is in dispute is reported apart from the overdue being chased.
    let disputed = if k.disputed > 0 { format!(" · in dispute {}", m(k.disputed)) } else { String::new() };
    reply.lines.push(format!(
        "Open {} · overdue {}{disputed} · retainage held {} (not due)",
        m(k.open_ar),
        m(k.overdue - k.disputed_overdue),
        m(k.retainage)
    ));
    let share = match k.over_90_share {
        Some(s) if s >= 10.0 => format!("{s:.1}% ⚠ (target < 10%; {} over 90 days)", m(k.overdue_90)),
        Some(s) => format!("{s:.1}% (target < 10%)"),
        None => "nothing overdue".to_string(),
    };
    reply = reply
        .field("Overdue aged over 90 days", share)
        .field("DSO (countback)", days(k.dso))
        .field("Best possible DSO", days(k.best_possible_dso))
        .field("Average days delinquent", days(k.average_days_delinquent))
        .field(
            format!("CEI, last {} days", k.cei_days),
            k.cei.map_or("n/a".to_string(), |c| format!("{c:.0}% (100% = collected everything collectible)")),
        )
        .field(format!("Billed, last {} days", k.cei_days), m(k.sales_last_30).to_string());
    reply.severity = match k.over_90_share {
        Some(s) if s >= 10.0 => Severity::Critical,
        Some(_) => Severity::Warning,
        None => Severity::Good,
    };
    reply.footer = Some(
        "DSO counts back month by month through sales; CEI compares collections with what was collectible.".to_string(),
    );
    Ok(reply)
}
