//! `/ar sync [reconcile] [source]`: pull from the accounting systems now, or reconcile every open
//! invoice with them ([`crate::reconcile`]).

use std::sync::Arc;

use arbot_core::source::{Entity, Source};
use arbot_core::store::SyncRun;
use arbot_core::sync::{SyncError, SyncReport, sync_source};

use super::{CommandError, Invocation};
use crate::app::App;
use crate::reply::{Align, Reply, Severity, Table};

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let sources = pick_sources(app, inv.args.text("source"))?;
    if inv.args.choice("mode") == Some("reconcile") {
        return reconcile(app, &sources).await;
    }
    let mut reply = Reply::titled("Sync");
    let mut table = Table::new(&[
        ("Source", Align::Left),
        ("Records", Align::Left),
        ("New", Align::Right),
        ("Updated", Align::Right),
        ("Paid off", Align::Right),
        ("Deleted/void", Align::Right),
        ("Unchanged", Align::Right),
    ]);
    let mut failed = false;
    for source in sources {
        match sync_source(app.store.as_ref(), source.as_ref(), app.clock.as_ref(), false, |_| {}).await {
            Ok(report) => push_rows(&mut reply, &mut table, &report),
            Err(SyncError::Source { error, partial }) => {
                push_rows(&mut reply, &mut table, &partial);
                let vendor = crate::connect::vendor_name(&app.config.sources, source.name());
                reply.lines.push(crate::connect::failure_text(&vendor, &error, app.clock.as_ref()));
                failed = true;
            }
            Err(SyncError::Store(e)) => return Err(e.into()),
        }
    }
    reply.table = (!table.rows.is_empty()).then_some(table);
    reply.severity = if failed { Severity::Warning } else { Severity::Good };
    if !failed {
        reply.lines.insert(0, "Up to date.".to_string());
    }
    // What the payments just synced did to the lien waivers outstanding (also posted in the AR
    // channel): each waiver now paid, with its unconditional waiver drafted.
    for owed in super::waivers::match_payments(app).await? {
        if let Some(title) = &owed.title {
            reply.lines.push(format!("{title}:"));
        }
        reply.lines.extend(owed.lines);
        reply.attachments.extend(owed.attachments);
        reply.severity = Severity::Warning;
    }
    Ok(reply)
}

/// `/ar sync reconcile`: one line per source, what drifted and is now right (also posted to the
/// AR channel once), or that nothing had.
async fn reconcile(app: &App, sources: &[Arc<dyn Source>]) -> Result<Reply, CommandError> {
    let outcomes = crate::reconcile::reconcile_all(app, sources).await?;
    let mut reply = Reply::titled("Reconcile");
    let drifted = outcomes.iter().any(|o| o.result.as_ref().is_ok_and(|r| !r.fixes.is_empty()));
    let failed = outcomes.iter().any(|o| o.result.is_err());
    reply.lines = outcomes.iter().map(|o| o.text(app)).collect();
    reply.severity = if failed || drifted { Severity::Warning } else { Severity::Good };
    Ok(reply)
}

/// What a sync that changed nothing says, instead of a row of zeros and "unchanged 1" per
/// kind (an incremental sync reads the last few minutes again to be safe): `None` when it
/// changed something.
pub fn nothing_changed(report: &SyncReport) -> Option<String> {
    let t = report.totals();
    if t.new + t.updated + t.deleted + t.voided + t.closed > 0 {
        return None;
    }
    let read = t.unchanged;
    let again = match (read, report.full) {
        (0, _) => String::new(),
        (1, false) => " (it read 1 record again to be safe, and arbot already had it as it is)".to_string(),
        (n, false) => format!(" (it read {n} records again to be safe, and arbot already had each as it is)"),
        (n, true) => format!(" (it read all {n} records again, and arbot already had each as it is)"),
    };
    Some(format!("{}: nothing new or changed since the last sync{again}.", report.source))
}

/// What a sync says of the bank balances it could not read (for the float watch); nothing when
/// it read them or the source has none.
pub fn bank_text(report: &SyncReport) -> Option<String> {
    match &report.bank {
        Some(arbot_core::sync::BankRead::Failed { reason }) => Some(format!(
            "{}: the bank balances were not read ({reason}); the float watch keeps the ones it had.",
            report.source
        )),
        _ => None,
    }
}

/// The sentence for an earlier run whose process died: what was kept and what happened since.
pub fn interrupted_text(source: &str, run: &SyncRun) -> String {
    format!(
        "The sync of {source} started {} did not finish (its process stopped); it is marked interrupted. \
         The pages it had committed are kept, each whole.",
        run.started_at.format("%b %-d at %H:%M UTC")
    )
}

/// A source's rows, and a line for the invoices it found paid off.
fn push_rows(reply: &mut Reply, table: &mut Table, report: &SyncReport) {
    for run in &report.interrupted {
        reply.lines.push(interrupted_text(&report.source, run));
    }
    if let Some(line) = bank_text(report) {
        reply.lines.push(line);
    }
    if let Some(line) = nothing_changed(report) {
        reply.lines.push(line);
        return;
    }
    let paid_off = report.invoices_paid_off();
    for e in &report.entities {
        table.rows.push(vec![
            report.source.clone(),
            e.entity.plural().to_string(),
            e.stats.new.to_string(),
            e.stats.updated.to_string(),
            // Paid off is about invoices, however the sync came to read them.
            if e.entity == Entity::Invoice { paid_off.to_string() } else { String::new() },
            (e.stats.deleted + e.stats.voided).to_string(),
            e.stats.unchanged.to_string(),
        ]);
    }
    if paid_off > 0 {
        let invoices = if paid_off == 1 { "invoice" } else { "invoices" };
        reply.lines.push(format!("{}: {paid_off} {invoices} paid off since the last sync.", report.source));
    }
}

/// The sources to sync: all configured ones, or the one named.
pub fn pick_sources(app: &App, name: Option<&str>) -> Result<Vec<Arc<dyn Source>>, CommandError> {
    if app.sources.is_empty() {
        return Err(CommandError::User(
            "No accounting system is configured to sync from. Add a [[sources]] entry to arbot.toml (see the README)."
                .to_string(),
        ));
    }
    match name {
        None => Ok(app.sources.clone()),
        Some(n) => {
            let found: Vec<_> = app.sources.iter().filter(|s| s.name().eq_ignore_ascii_case(n)).cloned().collect();
            if found.is_empty() {
                let names: Vec<&str> = app.sources.iter().map(|s| s.name()).collect();
                return Err(CommandError::User(format!(
                    "There is no source named '{n}'. Configured: {}.",
                    names.join(", ")
                )));
            }
            Ok(found)
        }
    }
}

#[cfg(test)]
mod tests {
    use arbot_core::store::PageStats;
    use arbot_core::sync::EntityReport;

    use super::*;

    #[test]
    fn invoices_paid_off_are_shown_with_the_invoices_and_said() {
        let entry = |entity, stats| EntityReport { entity, pages: 1, stats };
        let report = SyncReport {
            source: "qbo".into(),
            run_id: 1,
            full: false,
            entities: vec![
                entry(Entity::Invoice, PageStats { updated: 4, closed: 1, ..PageStats::default() }),
                entry(Entity::Payment, PageStats { new: 11, updated: 11, closed: 11, ..PageStats::default() }),
            ],
            elapsed: std::time::Duration::from_secs(1),
            interrupted: Vec::new(),
            bank: None,
        };
        let mut reply = Reply::titled("Sync");
        let mut table = Table::new(&[("Source", Align::Left), ("Records", Align::Left)]);
        push_rows(&mut reply, &mut table, &report);
        assert_eq!(table.rows[0], ["qbo", "invoices", "0", "4", "12", "0", "0"]);
        assert_eq!(table.rows[1][4], "", "paid off is about invoices");
        assert_eq!(reply.lines, ["qbo: 12 invoices paid off since the last sync."]);

        let mut quiet = Reply::titled("Sync");
        let report = SyncReport {
            entities: vec![entry(Entity::Invoice, PageStats { new: 1, ..PageStats::default() })],
            ..report
        };
        push_rows(&mut quiet, &mut table, &report);
        assert!(quiet.lines.is_empty(), "nothing said when nothing was paid off");
    }

    #[test]
    fn a_sync_with_nothing_new_says_so_in_words() {
        let entry =
            |entity| EntityReport { entity, pages: 1, stats: PageStats { unchanged: 1, ..PageStats::default() } };
        let report = SyncReport {
            source: "quickbooks".into(),
            run_id: 2,
            full: false,
            entities: vec![entry(Entity::Customer), entry(Entity::Invoice), entry(Entity::Payment)],
            elapsed: std::time::Duration::from_secs(1),
            interrupted: Vec::new(),
            bank: None,
        };
        let mut reply = Reply::titled("Sync");
        let mut table = Table::new(&[("Source", Align::Left)]);
        push_rows(&mut reply, &mut table, &report);
        assert!(table.rows.is_empty(), "no row of zeros");
        assert_eq!(
            reply.lines,
            ["quickbooks: nothing new or changed since the last sync (it read 3 records again to be safe, and arbot \
              already had each as it is)."]
        );
    }
}
