//! `/report trends <customer>`: how fast a customer pays, whether it is getting slower, when its
//! open invoices are likely to be paid, and its risk score with the reasons
//! ([`arbot_core::trends`]).

use arbot_core::dates::{long_date, short_date};
use arbot_core::store::OpenItemsQuery;
use arbot_core::trends::{AccountSignals, Direction, PayerTrend, book_median, payer_trend};
use chrono::Days;

use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::reply::{Align, Reply, Severity, Table};

/// How many of the open invoices' likely dates are listed.
const SHOWN: usize = 10;

/// How far back broken promises count toward the risk score.
const BROKEN_DAYS: u64 = 90;

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    super::require_ledger(app).await?;
    let found = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    let t = load(app, found.id, &found.name).await?;
    Ok(trend_reply(app, &t))
}

/// The trend of one customer today.
pub async fn load(app: &App, customer_id: i64, name: &str) -> Result<PayerTrend, CommandError> {
    let store = app.store.as_ref();
    let day = app.today();
    let currency = app.config.currency;
    // Invoices paid in the year may have been issued well before it.
    let history = store.paid_invoices(day - Days::new(arbot_core::trends::HISTORY_DAYS * 2), currency).await?;
    let open: Vec<_> = store
        .open_items(OpenItemsQuery { as_of: day, customer_id: Some(customer_id), historical: false })
        .await?
        .into_iter()
        .filter(|i| i.currency() == currency)
        .collect();
    let promises = store.promises_for_customer(customer_id).await?;
    let since = day - Days::new(BROKEN_DAYS);
    let from = promises.iter().map(|p| p.logged_on(app.config.time_zone)).min().unwrap_or(day);
    let cash = store.cash_applied(Some(customer_id), from).await?;
    let broken_promises = promises
        .iter()
        .filter(|p| p.promised_for >= since && p.outcome(&cash, day, app.promise_rules()).is_broken())
        .count();
    let signals = AccountSignals { broken_promises, disputed: open.iter().filter(|i| i.disputed).count() };
    Ok(payer_trend(customer_id, name, day, &history, &open, book_median(&history, day), &signals))
}

fn days(v: Option<f64>) -> String {
    v.map_or("–".to_string(), |v| format!("{v:.1}"))
}

fn whole(v: Option<f64>) -> String {
    v.map_or("–".to_string(), |v| format!("{v:.0}"))
}

pub fn trend_reply(app: &App, t: &PayerTrend) -> Reply {
    let mut reply = Reply::titled(format!("Payer trends: {} — {}", t.name, long_date(t.day)));
    let why = if t.reasons.is_empty() { "nothing in the rules applies".to_string() } else { t.reasons.join("; ") };
    reply.lines.push(format!("Risk: {} ({} of 100): {why}.", t.risk_level(), t.risk));
    let y = &t.year;
    reply.lines.push(match y.median_late {
        Some(m) if y.paid > 0 => format!(
            "Over the year: {} paid, a median {} (average {} days late), {} days from invoice to payment on average.",
            crate::wording::count(y.paid, "invoice", "invoices"),
            late_words(m),
            whole(y.average_late),
            whole(y.average_to_pay)
        ),
        _ => "No invoice of theirs was paid in the year.".to_string(),
    });
    let recent = t.periods.last().and_then(|p| p.median_late);
    reply.lines.push(match (t.direction, recent) {
        (Direction::Slower(by), Some(r)) => format!(
            "Paying slower: a median {} in the last quarter, {by} days worse than in the three before.",
            late_words(r)
        ),
        (Direction::Faster(by), Some(r)) => format!(
            "Paying faster: a median {} in the last quarter, {by} days better than in the three before.",
            late_words(r)
        ),
        (Direction::Steady, _) => "Steady: the last quarter is within a week of the three before.".to_string(),
        _ => "Too few invoices paid in the last quarter, or before it, to see a trend.".to_string(),
    });
    let mut table = Table::new(&[
        ("Quarter", Align::Left),
        ("Paid", Align::Right),
        ("Median late", Align::Right),
        ("Average late", Align::Right),
        ("Days to pay", Align::Right),
    ]);
    for p in &t.periods {
        table.rows.push(vec![
            format!("{} – {}", short_date(p.from), short_date(p.to)),
            p.paid.to_string(),
            p.median_late.map_or("–".to_string(), |m| m.to_string()),
            days(p.average_late),
            days(p.average_to_pay),
        ]);
    }
    reply.table = Some(table);
    if !t.predicted.is_empty() {
        let basis = match (t.median_late, t.from_book) {
            (Some(m), false) => format!("its own median, {}", late_words(m)),
            (Some(m), true) => format!("too few of its own, so the whole book's median, {}", late_words(m)),
            (None, _) => "no history anywhere, so their due dates".to_string(),
        };
        let lines: Vec<String> = t
            .predicted
            .iter()
            .take(SHOWN)
            .map(|p| {
                let when = if p.late_by_then > 0 {
                    format!("{} ({} days past due by then)", short_date(p.likely), p.late_by_then)
                } else {
                    short_date(p.likely)
                };
                format!("• #{} {} due {} → likely {when}", p.number, app.money(p.due_minor), short_date(p.due))
            })
            .collect();
        let more = t.predicted.len().saturating_sub(SHOWN);
        let tail = if more > 0 { format!("\n… and {more} more") } else { String::new() };
        reply = reply.field(format!("Likely payment dates ({basis})"), format!("{}{tail}", lines.join("\n")));
    }
    reply.severity = match t.risk {
        0..25 => Severity::Info,
        25..50 => Severity::Warning,
        _ => Severity::Critical,
    };
    reply.footer = Some(
        "Days late run from the due date to the last payment; a likely date is a due date plus the median, never \
         before today. The risk rules are in the README (Payer trends)."
            .to_string(),
    );
    reply
}

/// "6 days late", "2 days early", "on the due date".
fn late_words(days: i64) -> String {
    match days {
        0 => "on the due date".to_string(),
        1 => "1 day late".to_string(),
        -1 => "1 day early".to_string(),
        d if d > 0 => format!("{d} days late"),
        d => format!("{} days early", -d),
    }
}
