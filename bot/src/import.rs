//! `arbot import FILE.csv|FILE.xlsx`: invoices, payments, customers or jobs from a spreadsheet,
//! for accounting systems with no usable API. A file with bad rows imports nothing (unless told
//! to skip them) and lists every bad value; importing the same file again changes nothing.

use std::path::{Path, PathBuf};

use arbot_connector_spreadsheet::{Kind, Mapping, Options, Parsed, Problem, SpreadsheetSource, parse, read_file};
use arbot_core::store::{NameStats, PageStats, Store};
use arbot_core::sync::{SyncError, sync_source};
use arbot_core::{Clock, Currency};

/// The source name imported records are keyed under, unless `--source` says otherwise.
pub const DEFAULT_SOURCE: &str = "spreadsheet";

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub file: PathBuf,
    pub kind: Option<Kind>,
    pub mapping: Option<PathBuf>,
    pub skip_bad_rows: bool,
    pub source: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub kind: Kind,
    pub file: String,
    pub source: String,
    pub rows: usize,
    /// The file's own records written (invoices, payments, ...), by outcome.
    pub stats: PageStats,
    /// Customers and jobs the rows name that arbot did not have yet.
    pub new_names: u64,
    /// Rows left out (only with `--skip-bad-rows`), with their problems.
    pub skipped_rows: usize,
    pub problems: Vec<Problem>,
    /// Earlier imports into this source whose process died before they finished (marked so now).
    pub interrupted: usize,
}

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error("{0}")]
    File(String),
    #[error("{}", bad_rows_text(.rows, .problems))]
    BadRows { rows: usize, good_rows: usize, problems: Vec<Problem> },
    #[error(transparent)]
    Store(#[from] arbot_core::StoreError),
}

fn bad_rows_text(rows: &usize, problems: &[Problem]) -> String {
    let bad: std::collections::BTreeSet<usize> = problems.iter().map(|p| p.row).collect();
    let mut out = format!(
        "Nothing was imported: {} of {rows} rows {} problems:\n",
        bad.len(),
        if bad.len() == 1 { "has" } else { "have" }
    );
    for p in problems {
        out.push_str(&format!("  {p}\n"));
    }
    let good = rows.saturating_sub(bad.len());
    if good == 0 {
        out.push_str("Fix them and import the file again.");
    } else {
        out.push_str(&format!(
            "Fix them and import the file again, or add --skip-bad-rows to import the {good} good row{}.",
            if good == 1 { "" } else { "s" }
        ));
    }
    out
}

/// Reads, checks and (when every row is good, or bad rows are to be skipped) writes a file.
pub async fn import(
    store: &dyn Store,
    clock: &dyn Clock,
    currency: Currency,
    req: &ImportRequest,
) -> Result<Imported, ImportFailure> {
    let mapping = match &req.mapping {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| ImportFailure::File(format!("can't read the mapping file {}: {e}", p.display())))?;
            Mapping::from_toml(&text).map_err(|e| ImportFailure::File(format!("{}: {e}", p.display())))?
        }
        None => Mapping::default(),
    };
    let table = read_file(&req.file, mapping.sheet.as_deref()).map_err(|e| ImportFailure::File(e.to_string()))?;
    let opts = Options { kind: req.kind, mapping, currency, today: clock.today(), at: clock.now() };
    let parsed: Parsed =
        parse(&table, &opts).map_err(|e| ImportFailure::File(format!("{}: {e}", display(&req.file))))?;
    if !parsed.problems.is_empty() && !req.skip_bad_rows {
        return Err(ImportFailure::BadRows {
            rows: parsed.rows,
            good_rows: parsed.good_rows,
            problems: parsed.problems,
        });
    }
    // Through the sync engine like every other source: a full read of the file, in one run.
    let source = SpreadsheetSource::new(&req.source, parsed.kind, parsed.records);
    let report = sync_source(store, &source, clock, true, |_| {}).await.map_err(|e| match e {
        SyncError::Store(e) => ImportFailure::Store(e),
        SyncError::Source { error, .. } => ImportFailure::File(error.to_string()),
    })?;
    // One page: the file's own records and the names its rows give, counted apart.
    let all = report.totals();
    let names = all.names;
    let stats = PageStats {
        new: all.new - names.new,
        updated: all.updated - names.updated,
        unchanged: all.unchanged - names.unchanged,
        names: NameStats::default(),
        ..all
    };
    let new_names = names.new;
    let skipped_rows = parsed.rows - parsed.good_rows;
    Ok(Imported {
        kind: parsed.kind,
        file: display(&req.file),
        source: req.source.clone(),
        rows: parsed.rows,
        stats,
        new_names,
        skipped_rows,
        problems: parsed.problems,
        interrupted: report.interrupted.len(),
    })
}

fn display(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| p.display().to_string())
}

/// The summary a person reads after an import.
pub fn summary(i: &Imported) -> String {
    let s = i.stats;
    let mut out = format!(
        "Imported {} from {} (source '{}'): {} new, {} updated, {} unchanged",
        i.kind, i.file, i.source, s.new, s.updated, s.unchanged
    );
    if s.voided > 0 {
        out.push_str(&format!(" ({} void)", s.voided));
    }
    out.push('.');
    if i.new_names > 0 {
        out.push_str(&format!(" {} customer or job name(s) were new to arbot.", i.new_names));
    }
    if s.new + s.updated == 0 && i.skipped_rows == 0 {
        out.push_str(" Nothing changed: arbot already had all of it.");
    }
    if i.interrupted > 0 {
        out.push_str(&format!(
            "\nAn earlier import into '{}' did not finish (its process stopped): it left nothing behind, \
             and is marked interrupted.",
            i.source
        ));
    }
    if i.skipped_rows > 0 {
        out.push_str(&format!("\nSkipped {} row(s) with problems:", i.skipped_rows));
        for p in &i.problems {
            out.push_str(&format!("\n  {p}"));
        }
    }
    out
}
