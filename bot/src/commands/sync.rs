//! `/ar sync [source]`: pull from the accounting systems now.

use std::sync::Arc;

use arbot_core::source::Source;
use arbot_core::sync::{SyncError, SyncReport, sync_source};

use super::{CommandError, Invocation};
use crate::app::App;
use crate::reply::{Align, Reply, Severity, Table};

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let sources = pick_sources(app, inv.arg("source"))?;
    let mut reply = Reply::titled("Sync");
    let mut table = Table::new(&[
        ("Source", Align::Left),
        ("Records", Align::Left),
        ("New", Align::Right),
        ("Updated", Align::Right),
        ("Deleted/void", Align::Right),
        ("Unchanged", Align::Right),
    ]);
    let mut failed = false;
    for source in sources {
        match sync_source(app.store.as_ref(), source.as_ref(), app.clock.as_ref(), false, |_| {}).await {
            Ok(report) => push_rows(&mut table, &report),
            Err(SyncError::Source { error, partial }) => {
                push_rows(&mut table, &partial);
                let vendor = crate::connect::vendor_name(&app.config.sources, source.name());
                reply.lines.push(crate::connect::failure_text(&vendor, &error, app.clock.as_ref()));
                failed = true;
            }
            Err(SyncError::Store(e)) => return Err(e.into()),
        }
    }
    reply.table = Some(table);
    reply.severity = if failed { Severity::Warning } else { Severity::Good };
    if !failed {
        reply.lines.insert(0, "Up to date.".to_string());
    }
    Ok(reply)
}

fn push_rows(table: &mut Table, report: &SyncReport) {
    for e in &report.entities {
        table.rows.push(vec![
            report.source.clone(),
            e.entity.plural().to_string(),
            e.stats.new.to_string(),
            e.stats.updated.to_string(),
            (e.stats.deleted + e.stats.voided).to_string(),
            e.stats.unchanged.to_string(),
        ]);
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
