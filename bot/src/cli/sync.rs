//! `arbot sync`: each configured source (or one) with progress on the terminal, and a summary of
//! what changed.

use std::io::IsTerminal;

use anyhow::bail;
use arbot_core::source::Entity;
use arbot_core::sync::{Progress, SyncError, SyncReport, sync_source};

use super::command_error;
use crate::app::App;

/// `arbot sync`: every configured source (or one), with progress and a summary.
pub(super) async fn sync(app: &App, only: Option<&str>, full: bool) -> anyhow::Result<()> {
    let sources = crate::commands::pick_sources(app, only).map_err(command_error)?;
    let tty = std::io::stderr().is_terminal();
    let mut failures = Vec::new();
    for source in sources {
        let name = source.name().to_string();
        let vendor = crate::connect::vendor_name(&app.config.sources, &name);
        eprintln!("Syncing {name}{}…", if full { " (everything)" } else { "" });
        let mut current: Option<Entity> = None;
        let progress = |p: Progress| {
            let line = progress_line(&p, tty);
            if tty {
                // One line per entity, redrawn in place while it is read.
                if current.is_some_and(|c| c != p.entity) {
                    eprintln!();
                }
                eprint!("\r{line}\x1b[K");
            } else if current != Some(p.entity) || p.done || p.pages.is_multiple_of(10) {
                eprintln!("{line}");
            }
            current = Some(p.entity);
        };
        let result = sync_source(app.store.as_ref(), source.as_ref(), app.clock.as_ref(), full, progress).await;
        if tty {
            eprintln!();
        }
        let (report, error) = match result {
            Ok(r) => (r, None),
            Err(SyncError::Source { error, partial }) => (partial, Some(error)),
            Err(SyncError::Store(e)) => return Err(e.into()),
        };
        let verb = if error.is_some() { "stopped after" } else { "done in" };
        println!("{name}: {verb} {:.1}s", report.elapsed.as_secs_f64());
        // A sync stopped before it read anything has no figures to show, only the reason.
        let read_anything = report.entities.iter().any(|e| e.pages > 0);
        for line in summary_table(&report).into_iter().filter(|_| read_anything) {
            println!("{line}");
        }
        if let Some(err) = error {
            let text = crate::connect::failure_text(&vendor, &err, app.clock.as_ref());
            println!("  {text}");
            failures.push(name);
        }
    }
    if !failures.is_empty() {
        bail!("the sync did not finish for {} (see above)", failures.join(", "));
    }
    Ok(())
}

/// What a sync did, per entity: new, updated, paid off (invoices), voided or deleted, unchanged.
fn summary_table(report: &SyncReport) -> Vec<String> {
    let row = |name: &str, new: &str, updated: &str, paid_off: &str, gone: &str, unchanged: &str| {
        format!("  {name:<13} {new:>8} {updated:>8} {paid_off:>9} {gone:>15} {unchanged:>10}")
    };
    let mut lines = vec![row("", "new", "updated", "paid off", "voided/deleted", "unchanged")];
    for e in &report.entities {
        let s = e.stats;
        // Paid off is about invoices, however the sync came to read them.
        let paid_off = if e.entity == Entity::Invoice { report.invoices_paid_off().to_string() } else { String::new() };
        lines.push(row(
            e.entity.plural(),
            &s.new.to_string(),
            &s.updated.to_string(),
            &paid_off,
            &(s.deleted + s.voided).to_string(),
            &s.unchanged.to_string(),
        ));
    }
    lines
}

/// The width of a progress bar's track, in characters.
const BAR_WIDTH: u64 = 24;

/// How far one entity's pass has come. On a terminal (`bar`), a bar against the total the source
/// expects (`invoices      [########----------------]     4,210 / 7,000`), or a running count
/// where it gave none; otherwise a plain line for logs. What a source expects is an estimate: a
/// pass that reads more (records changed while it paged) shows that as the total, and a finished
/// one shows what it read.
fn progress_line(p: &Progress, bar: bool) -> String {
    let name = p.entity.plural();
    let total = p.expected_total.map(|t| if p.done { p.records } else { t.max(p.records) });
    let pages = format!("{} page{}", p.pages, if p.pages == 1 { "" } else { "s" });
    match (total, bar) {
        (Some(total), true) => {
            // Nothing to read is done.
            let filled = (p.records.min(total) * BAR_WIDTH).checked_div(total).unwrap_or(BAR_WIDTH);
            let track = format!("{}{}", "#".repeat(filled as usize), "-".repeat((BAR_WIDTH - filled) as usize));
            format!("  {name:<13} [{track}] {:>9} / {}", thousands(p.records), thousands(total))
        }
        (Some(total), false) => {
            format!("  {name:<13} {:>9} of {} read, {pages}", thousands(p.records), thousands(total))
        }
        (None, _) => format!("  {name:<13} {:>9} read, {pages}", thousands(p.records)),
    }
}

/// `7000` as `7,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(entity: Entity, pages: u64, records: u64, expected_total: Option<u64>, done: bool) -> Progress {
        Progress { entity, pages, records, expected_total, done }
    }

    #[test]
    fn a_terminal_gets_a_bar_against_the_expected_total() {
        assert_eq!(
            progress_line(&at(Entity::Invoice, 5, 4_210, Some(7_000), false), true),
            "  invoices      [##############----------]     4,210 / 7,000"
        );
        assert_eq!(
            progress_line(&at(Entity::CreditMemo, 1, 0, Some(1_250_000), false), true),
            "  credit memos  [------------------------]         0 / 1,250,000"
        );
        // More than expected (records changed while paging): the bar is full, the total grows.
        assert_eq!(
            progress_line(&at(Entity::Payment, 8, 7_003, Some(7_000), false), true),
            "  payments      [########################]     7,003 / 7,003"
        );
        // Finished short of the estimate (rows that make no record): full, at what was read.
        assert_eq!(
            progress_line(&at(Entity::Customer, 2, 95, Some(100), true), true),
            "  customers     [########################]        95 / 95"
        );
        // Nothing to read.
        assert_eq!(
            progress_line(&at(Entity::Invoice, 1, 0, Some(0), true), true),
            "  invoices      [########################]         0 / 0"
        );
    }

    #[test]
    fn without_a_total_or_a_terminal_it_counts() {
        assert_eq!(
            progress_line(&at(Entity::Invoice, 5, 4_210, None, false), true),
            "  invoices          4,210 read, 5 pages"
        );
        assert_eq!(progress_line(&at(Entity::Job, 1, 12, None, true), false), "  jobs                 12 read, 1 page");
        assert_eq!(
            progress_line(&at(Entity::Invoice, 5, 4_210, Some(7_000), false), false),
            "  invoices          4,210 of 7,000 read, 5 pages"
        );
    }

    #[test]
    fn the_summary_shows_invoices_paid_off_on_the_invoices_row() {
        use arbot_core::store::PageStats;
        use arbot_core::sync::EntityReport;
        let entry = |entity, stats| EntityReport { entity, pages: 1, stats };
        let report = SyncReport {
            source: "qbo".into(),
            run_id: 1,
            full: false,
            entities: vec![
                entry(Entity::Invoice, PageStats { new: 3, updated: 5, voided: 1, closed: 2, ..PageStats::default() }),
                // Invoices read again with their payments (QuickBooks) are paid off there.
                entry(Entity::Payment, PageStats { new: 12, updated: 10, closed: 10, ..PageStats::default() }),
            ],
            elapsed: std::time::Duration::from_secs(2),
        };
        assert_eq!(
            summary_table(&report),
            [
                "                     new  updated  paid off  voided/deleted  unchanged",
                "  invoices             3        5        12               1          0",
                "  payments            12       10                         0          0",
            ]
        );
    }

    #[test]
    fn counts_are_grouped_in_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
