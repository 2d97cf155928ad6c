//! `arbot sync`: each configured source (or one) with progress on the terminal, and a summary of
//! what changed.

use std::io::IsTerminal;

use anyhow::bail;
use arbot_core::source::Entity;
use arbot_core::sync::{Progress, SyncError, SyncReport, sync_source};
use indicatif::{HumanCount, MultiProgress, ProgressBar, ProgressStyle};

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
        let result = if tty {
            // One bar per entity, against the total the source expects, drawn by indicatif.
            let mut bars = Bars::new(MultiProgress::new());
            sync_source(app.store.as_ref(), source.as_ref(), app.clock.as_ref(), full, |p| bars.show(&p)).await
        } else {
            let mut current: Option<Entity> = None;
            let progress = |p: Progress| {
                if current != Some(p.entity) || p.done || p.pages.is_multiple_of(10) {
                    eprintln!("{}", progress_line(&p));
                }
                current = Some(p.entity);
            };
            sync_source(app.store.as_ref(), source.as_ref(), app.clock.as_ref(), full, progress).await
        };
        let (report, error) = match result {
            Ok(r) => (r, None),
            Err(SyncError::Source { error, partial }) => (partial, Some(error)),
            Err(SyncError::Store(e)) => return Err(e.into()),
        };
        for run in &report.interrupted {
            outln!("  {}", crate::commands::interrupted_text(&name, run));
        }
        let verb = if error.is_some() { "stopped after" } else { "done in" };
        outln!("{name}: {verb} {:.1}s", report.elapsed.as_secs_f64());
        // A sync stopped before it read anything has no figures to show, only the reason.
        let read_anything = report.entities.iter().any(|e| e.pages > 0);
        match crate::commands::sync_nothing_changed(&report).filter(|_| read_anything && error.is_none()) {
            Some(line) => outln!("  {}", line.strip_prefix(&format!("{name}: ")).unwrap_or(&line)),
            None => {
                for line in summary_table(&report).into_iter().filter(|_| read_anything) {
                    outln!("{line}");
                }
            }
        }
        if let Some(line) = crate::commands::sync_bank_text(&report) {
            outln!("  {}", line.strip_prefix(&format!("{name}: ")).unwrap_or(&line));
        }
        if let Some(err) = error {
            let text = crate::connect::failure_text(&vendor, &err, app.clock.as_ref());
            outln!("  {text}");
            failures.push(name);
        }
    }
    // Payments on jobs with waivers outstanding: which unconditional waivers are now owed (posted
    // to the AR channel through the outbox, with their drafts).
    let owed = crate::commands::waivers::match_payments(app).await.map_err(command_error)?;
    for reply in &owed {
        outln!("{}", reply.title.as_deref().unwrap_or_default());
        for line in &reply.lines {
            outln!("  {line}");
        }
    }
    if !failures.is_empty() {
        bail!("the sync did not finish for {} (see above)", failures.join(", "));
    }
    Ok(())
}

/// `arbot sync --reconcile`: every configured source (or one) reconciled, one line each (the
/// drift line is also queued for the AR channel); non-zero when a source could not be checked.
pub(super) async fn reconcile(app: &App, only: Option<&str>) -> anyhow::Result<()> {
    let sources = crate::commands::pick_sources(app, only).map_err(command_error)?;
    for source in &sources {
        eprintln!("Reconciling {}…", source.name());
    }
    let outcomes = crate::reconcile::reconcile_all(app, &sources).await?;
    let mut failures = Vec::new();
    for o in &outcomes {
        if let Ok(r) = &o.result {
            outln!("{}: done in {:.1}s", o.source, r.elapsed.as_secs_f64());
        }
        outln!("{}", o.text(app));
        if o.result.is_err() {
            failures.push(o.source.clone());
        }
    }
    if !failures.is_empty() {
        bail!("the reconcile did not finish for {} (see above)", failures.join(", "));
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

/// The bars of one source's sync on a terminal: one per entity, added as its pass begins.
struct Bars {
    multi: MultiProgress,
    bars: Vec<(Entity, ProgressBar)>,
}

impl Bars {
    fn new(multi: MultiProgress) -> Bars {
        Bars { multi, bars: Vec::new() }
    }

    /// Draws how far one entity's pass has come: a bar against the total the source expects
    /// (`invoices      [########----------------]     4,210 / 7,000`), or a running count where it
    /// gave none. What a source expects is an estimate: a pass that reads more (records changed
    /// while it paged) shows that as the total, and a finished one shows what it read.
    fn show(&mut self, p: &Progress) {
        let bar = match self.bars.iter().find(|(e, _)| *e == p.entity) {
            Some((_, bar)) => bar.clone(),
            None => {
                let bar = self.multi.add(ProgressBar::no_length());
                bar.set_prefix(p.entity.plural());
                self.bars.push((p.entity, bar.clone()));
                bar
            }
        };
        let total = p.expected_total.map(|t| if p.done { p.records } else { t.max(p.records) });
        match total {
            Some(total) => {
                bar.set_style(bar_style());
                // Nothing to read (a length of 0) is a full bar.
                bar.set_length(total);
                bar.set_position(p.records);
            }
            None => {
                bar.set_style(count_style());
                bar.set_position(p.records);
                bar.set_message(pages(p.pages));
            }
        }
        if p.done {
            bar.finish();
        }
    }
}

/// A bar: `  invoices      [##############----------]     4,210 / 7,000`.
fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("  {prefix:<13} [{bar:24}] {human_pos:>9} / {human_len}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("#-")
}

/// A running count where the source gave no total: `  invoices      ⠁     4,210 read, 5 pages`.
fn count_style() -> ProgressStyle {
    ProgressStyle::with_template("  {prefix:<13} {human_pos:>9} read, {msg} {spinner}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// `5 pages`, `1 page`.
fn pages(n: u64) -> String {
    format!("{n} page{}", if n == 1 { "" } else { "s" })
}

/// How far one entity's pass has come, as a plain line for logs (stderr not a terminal).
fn progress_line(p: &Progress) -> String {
    let name = p.entity.plural();
    let total = p.expected_total.map(|t| if p.done { p.records } else { t.max(p.records) });
    let (records, pages) = (HumanCount(p.records).to_string(), pages(p.pages));
    match total {
        Some(total) => format!("  {name:<13} {records:>9} of {} read, {pages}", HumanCount(total)),
        None => format!("  {name:<13} {records:>9} read, {pages}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(entity: Entity, pages: u64, records: u64, expected_total: Option<u64>, done: bool) -> Progress {
        Progress { entity, pages, records, expected_total, done }
    }

    /// A terminal that remembers the lines indicatif writes (less the blanks it pads them with).
    #[derive(Debug, Clone, Default)]
    struct Screen(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl Screen {
        fn last(&self) -> String {
            self.0.lock().unwrap_or_else(|p| p.into_inner()).last().cloned().unwrap_or_default()
        }
    }

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            80
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            if !s.trim().is_empty() {
                self.0.lock().unwrap_or_else(|p| p.into_inner()).push(s.to_string());
            }
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What the terminal shows after `steps` of one sync.
    fn drawn(steps: &[Progress]) -> String {
        let screen = Screen::default();
        let target = indicatif::ProgressDrawTarget::term_like(Box::new(screen.clone()));
        let mut bars = Bars::new(MultiProgress::with_draw_target(target));
        for p in steps {
            bars.show(p);
        }
        screen.last()
    }

    #[test]
    fn a_terminal_gets_a_bar_against_the_expected_total() {
        assert_eq!(
            drawn(&[
                at(Entity::Invoice, 1, 1_000, Some(7_000), false),
                at(Entity::Invoice, 5, 4_210, Some(7_000), false)
            ]),
            "  invoices      [##############----------]     4,210 / 7,000"
        );
        assert_eq!(
            drawn(&[at(Entity::CreditMemo, 1, 0, Some(1_250_000), false)]),
            "  credit memos  [------------------------]         0 / 1,250,000"
        );
        // More than expected (records changed while paging): the bar is full, the total grows.
        assert_eq!(
            drawn(&[at(Entity::Payment, 8, 7_003, Some(7_000), false)]),
            "  payments      [########################]     7,003 / 7,003"
        );
        // Finished short of the estimate (rows that make no record): full, at what was read.
        assert_eq!(
            drawn(&[at(Entity::Customer, 1, 50, Some(100), false), at(Entity::Customer, 2, 95, Some(100), true)]),
            "  customers     [########################]        95 / 95"
        );
        // Nothing to read.
        assert_eq!(
            drawn(&[at(Entity::Invoice, 1, 0, Some(0), true)]),
            "  invoices      [########################]         0 / 0"
        );
        // Without a total, a running count.
        assert_eq!(
            drawn(&[at(Entity::Invoice, 5, 4_210, None, false)]).trim_end_matches(|c: char| !c.is_ascii_alphanumeric()),
            "  invoices          4,210 read, 5 pages"
        );
    }

    #[test]
    fn each_entity_gets_its_own_bar() {
        let screen = Screen::default();
        let target = indicatif::ProgressDrawTarget::term_like(Box::new(screen.clone()));
        let mut bars = Bars::new(MultiProgress::with_draw_target(target));
        bars.show(&at(Entity::Customer, 1, 10, Some(10), true));
        bars.show(&at(Entity::Invoice, 1, 3, Some(6), false));
        assert_eq!(bars.bars.iter().map(|(e, _)| *e).collect::<Vec<_>>(), [Entity::Customer, Entity::Invoice]);
        assert!(bars.bars[0].1.is_finished() && !bars.bars[1].1.is_finished());
        assert_eq!(screen.last(), "  invoices      [############------------]         3 / 6");
    }

    #[test]
    fn without_a_terminal_it_prints_plain_lines() {
        assert_eq!(
            progress_line(&at(Entity::Invoice, 5, 4_210, None, false)),
            "  invoices          4,210 read, 5 pages"
        );
        assert_eq!(progress_line(&at(Entity::Job, 1, 12, None, true)), "  jobs                 12 read, 1 page");
        assert_eq!(
            progress_line(&at(Entity::Invoice, 5, 4_210, Some(7_000), false)),
            "  invoices          4,210 of 7,000 read, 5 pages"
        );
        assert_eq!(
            progress_line(&at(Entity::Payment, 2, 1_234_567, Some(2_000_000), false)),
            "  payments      1,234,567 of 2,000,000 read, 2 pages"
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
            interrupted: Vec::new(),
            bank: None,
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
}
