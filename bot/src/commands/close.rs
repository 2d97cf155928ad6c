//! `/report close [month]` and `arbot report close`: the month-end close pack, as it is posted on
//! the first business day of the next month.

use arbot_core::close::{ClosePack, last_ended, last_of, month_key, parse_month};
use arbot_core::dates::{long_date, short_date};
use chrono::NaiveDate;

use super::{CommandError, Invocation};
use crate::app::App;
use crate::reply::{Attachment, Reply, Severity};

/// `November 2026`.
pub fn month_name(first: NaiveDate) -> String {
    first.format("%B %Y").to_string()
}

/// Reads a typed month (default: the last month that has ended) and refuses one that has not
/// ended yet.
pub fn month(app: &App, typed: Option<&str>) -> Result<NaiveDate, CommandError> {
    let today = app.today();
    let default = last_ended(today);
    let Some(typed) = typed else { return Ok(default) };
    let first = parse_month(typed, today).map_err(|e| CommandError::User(e.to_string()))?;
    if last_of(first) >= today {
        let when = if first > today { "is still to come" } else { "hasn't ended yet" };
        return Err(CommandError::User(format!(
            "{} {when} (today is {}): the close pack covers a month that is over. Leave the month out for {}.",
            month_name(first),
            long_date(today),
            month_name(default)
        )));
    }
    Ok(first)
}

/// Loads the close pack of the month beginning on `first`.
pub async fn build(app: &App, first: NaiveDate) -> Result<ClosePack, CommandError> {
    super::require_ledger(app).await?;
    Ok(arbot_core::close::load(
        app.store.as_ref(),
        first,
        app.today(),
        &app.config.aging,
        app.config.currency,
        app.clock.now(),
        app.promise_rules(),
    )
    .await?)
}

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let first = month(app, inv.args.text("month"))?;
    Ok(close_reply(app, &build(app, first).await?))
}

/// How many lines each list shows in chat; the workbook has them all.
const SHOWN: usize = 5;

fn listed(lines: Vec<String>, empty: &str) -> String {
    if lines.is_empty() {
        return empty.to_string();
    }
    let more = lines.len().saturating_sub(SHOWN);
    let mut out: Vec<String> = lines.into_iter().take(SHOWN).collect();
    if more > 0 {
        out.push(format!("… and {more} more (in the workbook)"));
    }
    out.join("\n")
}

fn count(n: usize, one: &str, many: &str) -> String {
    crate::wording::count(n, one, many)
}

pub fn close_reply(app: &App, r: &ClosePack) -> Reply {
    let m = |minor: i64| app.money(minor);
    let c = |minor: i64| app.money(minor).compact();
    let end = short_date(r.last);
    let month = r.first.format("%B").to_string();
    let next = r.last.succ_opt().map_or_else(String::new, |d| d.format("%B").to_string());
    let mut reply = Reply::titled(format!("Month-end close — {}", month_name(r.first)));
    let a = &r.aging;
    let disputed =
        if a.disputed > 0 { format!(" · in dispute {} (in the buckets)", m(a.disputed)) } else { String::new() };
    reply.lines.push(format!(
        "Open at {end} {} · past due {}{disputed} · over 90 days {} · retainage held {} (not due)",
        m(a.total),
        m(a.collectible_overdue()),
        m(a.overdue_90),
        m(a.retainage())
    ));
    reply.lines.push(format!(
        "{month}: invoiced {} ({}) · collected {} in cash ({}) · credits applied {}",
        m(r.issued_total()),
        count(r.issued.len(), "invoice", "invoices"),
        m(r.collected_total()),
        count(r.collected.len(), "application", "applications"),
        m(r.credits_applied_total())
    ));
    reply.lines.push(if a.rebuilt {
        format!("No aging snapshot was kept on {end}: the aging was rebuilt from the ledger as it stands now.")
    } else {
        format!("The aging is the snapshot kept on {end}: entries dated in {month} made since do not change it.")
    });

    let mut aging: Vec<String> =
        r.labels.iter().zip(&a.buckets).map(|(label, v)| format!("{label}: {}", c(*v))).collect();
    aging.push(format!("retainage: {}", c(a.retainage())));
    reply = reply.field(format!("Aging at {end}"), aging.join(" · "));

    let mut clear: Vec<String> = r
        .unapplied
        .iter()
        .map(|x| {
            let reference = x.reference.as_deref().map_or(String::new(), |s| format!(" (ref {s})"));
            format!("• {} — {} unapplied, received {}{reference}", x.customer_name, m(x.open), short_date(x.date))
        })
        .collect();
    clear.extend(r.credit_memos.iter().map(|x| {
        let number = x.reference.as_deref().unwrap_or("credit memo");
        format!("• {} — {} open on credit memo {number} of {}", x.customer_name, m(x.open), short_date(x.date))
    }));
    reply = reply.field(
        format!(
            "To clear: {} · {}",
            match r.unapplied.len() {
                0 => "no unapplied cash".to_string(),
                n => format!("unapplied cash {} ({})", c(r.unapplied_total()), count(n, "payment", "payments")),
            },
            match r.credit_memos.len() {
                0 => "no open credit memos".to_string(),
                n => format!("open credit memos {} ({n})", c(r.credit_memos_total())),
            }
        ),
        listed(clear, "nothing on account"),
    );

    let disputes: Vec<String> = r
        .disputes
        .iter()
        .map(|x| {
            format!(
                "• #{} {} — {}: {}, since {}",
                x.number,
                x.customer_name,
                m(x.balance),
                x.reason,
                short_date(x.opened_on)
            )
        })
        .collect();
    reply = reply.field(
        format!("In dispute at {end}: {} ({})", c(r.disputed_total()), count(r.disputes.len(), "invoice", "invoices")),
        listed(disputes, "none"),
    );

    let mut rolled: Vec<String> = r
        .promises
        .iter()
        .map(|x| {
            format!(
                "• {} — promise {} by {} (logged {})",
                x.customer_name,
                m(x.owed),
                short_date(x.promised_for),
                short_date(x.logged_on)
            )
        })
        .collect();
    rolled.extend(r.installments.iter().map(|x| {
        format!("• {} — installment {} of {}, {} on {}", x.customer_name, x.seq, x.of, m(x.owed), short_date(x.due_on))
    }));
    reply = reply.field(
        format!(
            "Rolled into {next}: {} · {}",
            match r.promises.len() {
                0 => "no promises".to_string(),
                n => format!("promises {} ({n})", c(r.promised_total())),
            },
            match r.installments.len() {
                0 => "no plan installments".to_string(),
                n => format!("plan installments {} ({n})", c(r.installments_total())),
            }
        ),
        listed(rolled, "no promise or installment open"),
    );

    let t = &r.retainage;
    let before = short_date(r.aging_before.day);
    let mut ret = vec![format!(
        "held {before} {} → {end} {}: retained on {month}'s invoices {}, paid out of retainage {}",
        m(t.held_start),
        m(t.held_end),
        m(t.retained),
        m(t.paid)
    )];
    if t.other != 0 {
        ret.push(format!(
            "{} otherwise no longer held (released to billing without a payment, or the ledger changed since a snapshot)",
            m(t.other)
        ));
    }
    ret.push(if t.billed_invoices > 0 {
        format!(
            "retainage billed on its own invoices: {} ({}); cash collected on retainage invoices {}",
            m(t.billed),
            count(t.billed_invoices, "invoice", "invoices"),
            m(t.collected_on_billed)
        )
    } else {
        format!("no retainage invoice issued; cash collected on retainage invoices {}", m(t.collected_on_billed))
    });
    reply = reply.field("Retainage", ret.join("\n"));

    let mut issued: Vec<&arbot_core::close::IssuedInvoice> = r.issued.iter().collect();
    issued.sort_by(|a, b| b.total.cmp(&a.total).then(a.number.cmp(&b.number)));
    let issued: Vec<String> = issued
        .iter()
        .map(|x| format!("• #{} {} — {}, {}", x.number, x.customer_name, m(x.total), short_date(x.issued)))
        .collect();
    reply = reply.field(
        format!("Issued in {month}: {} ({})", c(r.issued_total()), count(r.issued.len(), "invoice", "invoices")),
        listed(issued, "none"),
    );

    // Collected by customer, largest first.
    let mut by: Vec<(String, i64, usize)> = Vec::new();
    for x in &r.collected {
        match by.iter_mut().find(|(n, _, _)| *n == x.customer_name) {
            Some(e) => {
                e.1 += x.amount;
                e.2 += 1;
            }
            None => by.push((x.customer_name.clone(), x.amount, 1)),
        }
    }
    by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let collected: Vec<String> = by
        .iter()
        .map(|(name, amount, n)| format!("• {name} — {} ({})", m(*amount), count(*n, "application", "applications")))
        .collect();
    reply = reply.field(
        format!("Collected in {month}: {} in cash", c(r.collected_total())),
        listed(collected, "no cash applied"),
    );

    reply.severity = if r.unapplied.is_empty() && r.credit_memos.is_empty() && r.disputes.is_empty() {
        Severity::Good
    } else {
        Severity::Warning
    };
    match super::close_xlsx::workbook(r) {
        Ok(bytes) => reply.attachments.push(Attachment::new(super::close_xlsx::file_name(r), bytes)),
        Err(e) => reply.lines.push(format!("The workbook could not be made ({e}); the summary above is complete.")),
    }
    reply.footer = Some(format!(
        "Everything but the aging is the ledger as it stands now, as of the end of {end}. The workbook {} has every line.",
        super::close_xlsx::file_name(r)
    ));
    reply
}

/// The key the scheduled post of the month beginning on `first` goes out under.
pub fn post_key(first: NaiveDate) -> String {
    format!("close:{}", month_key(first))
}

/// The scheduled run on `day`: posts the close pack of the month before once, on the first run
/// in a month's first ten days (the first business day, or the first day arbot is up after it).
pub async fn queue_month_end(app: &App, day: NaiveDate) -> anyhow::Result<(String, bool)> {
    use chrono::Datelike;
    let first = last_ended(day);
    let key = post_key(first);
    if day.day() > 10 {
        return Ok((format!("the close pack is posted in a month's first ten days; {day} is later"), false));
    }
    if app.store.outbox_status(&key).await?.is_some() {
        return Ok((format!("the close pack for {} was posted before ({key})", month_key(first)), false));
    }
    let pack = build(app, first).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let post = crate::chat::Post::of(close_reply(app, &pack));
    let queued = crate::outbox::enqueue_post(app, &key, crate::outbox::Destination::ArChannel, post).await?;
    Ok((
        if queued {
            format!("close pack for {} queued", month_key(first))
        } else {
            format!("close pack for {} was already queued", month_key(first))
        },
        queued,
    ))
}
