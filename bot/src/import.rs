//! `arbot import FILE.csv|FILE.xlsx`: invoices, payments, customers or jobs from a spreadsheet,
//! for accounting systems with no usable API. A file with bad rows imports nothing (unless told
//! to skip them) and lists every bad value; importing the same file again changes nothing.

use std::path::{Path, PathBuf};

use arbot_connector_spreadsheet::{
    Kind, Mapping, Options, Parsed, Problem, SpreadsheetSource, parse, read_file, resolve_identities,
};
use arbot_core::source::{Entity, OpenInvoicePage, Page, Reconcilable, Record, Source, SourceError};
use arbot_core::store::{PageStats, Store, Tally};
use arbot_core::sync::{SyncError, sync_source};
use arbot_core::{Clock, Currency, Money};

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
    /// Credits an invoices file held (negative totals, credit memo rows), by outcome.
    pub credits: Tally,
    /// Invoice numbers payments are applied to that arbot does not have (yet), with what is
    /// applied to them: counted as unapplied cash until the invoice is imported.
    pub unknown_invoices: Vec<(String, Money)>,
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
    let parsed = read_and_parse(clock, currency, req)?;
    if !parsed.problems.is_empty() && !req.skip_bad_rows {
        return Err(ImportFailure::BadRows {
            rows: parsed.rows,
            good_rows: parsed.good_rows,
            problems: parsed.problems,
        });
    }
    import_parsed(store, clock, req, parsed).await
}

/// The file read and parsed (its mapping too), rows with problems listed.
fn read_and_parse(clock: &dyn Clock, currency: Currency, req: &ImportRequest) -> Result<Parsed, ImportFailure> {
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
    parse(&table, &opts).map_err(|e| ImportFailure::File(format!("{}: {e}", display(&req.file))))
}

async fn import_parsed(
    store: &dyn Store,
    clock: &dyn Clock,
    req: &ImportRequest,
    mut parsed: Parsed,
) -> Result<Imported, ImportFailure> {
    // One customer and one job however the files name them (id or name).
    resolve_identities(store, &req.source, &mut parsed.records).await?;
    let unknown_invoices = unknown_invoices(store, &req.source, &parsed.records).await?;
    // Through the sync engine like every other source: a full read of the file, in one run.
    let source = SpreadsheetSource::new(&req.source, parsed.kind, parsed.records);
    let report = sync_source(store, &source, clock, true, |_| {}).await.map_err(|e| match e {
        SyncError::Store(e) => ImportFailure::Store(e),
        SyncError::Source { error, .. } => ImportFailure::File(error.to_string()),
    })?;
    // One page: the file's own records, with the names its rows give and (an invoices file) its
    // credits counted apart.
    let all = report.totals();
    let (names, credits) = (all.names, all.credits);
    let stats = PageStats {
        new: all.new - names.new - credits.new,
        updated: all.updated - names.updated - credits.updated,
        unchanged: all.unchanged - names.unchanged - credits.unchanged,
        names: Tally::default(),
        credits: Tally::default(),
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
        credits,
        unknown_invoices,
        new_names,
        skipped_rows,
        problems: parsed.problems,
        interrupted: report.interrupted.len(),
    })
}

/// A `[[sources]]` entry of kind `spreadsheet`: its file read again, whole, whenever the source is
/// asked for anything (`arbot sync`, the reconcile), through [`SpreadsheetSource`]. A file with a
/// bad row is refused as `arbot import` refuses it. Without a `file` it cannot be reconciled, and
/// says so.
#[derive(Debug)]
pub struct ConfiguredFile {
    name: String,
    file: Option<PathBuf>,
    mapping: Option<PathBuf>,
    /// The currency of rows that name none, or why the configured one can't be read.
    currency: Result<Currency, String>,
    clock: std::sync::Arc<dyn Clock>,
}

impl ConfiguredFile {
    pub fn new(
        name: &str,
        file: Option<PathBuf>,
        mapping: Option<PathBuf>,
        currency: Result<Currency, String>,
        clock: std::sync::Arc<dyn Clock>,
    ) -> ConfiguredFile {
        ConfiguredFile { name: name.to_string(), file, mapping, currency, clock }
    }

    fn no_file(&self) -> String {
        format!(
            "'{name}' is a spreadsheet source with no file to read again: set file = \"…\" in its [[sources]] entry \
             to the export you import, or import the latest export with arbot import FILE --source {name}",
            name = self.name
        )
    }

    /// The file as it is now.
    fn load(&self) -> Result<SpreadsheetSource, SourceError> {
        let Some(file) = &self.file else {
            return Err(SourceError::Unavailable { source_name: self.name.clone(), detail: self.no_file() });
        };
        let req = ImportRequest {
            file: file.clone(),
            kind: None,
            mapping: self.mapping.clone(),
            skip_bad_rows: false,
            source: self.name.clone(),
        };
        let currency = self.currency.clone().map_err(|why| SourceError::Unavailable {
            source_name: self.name.clone(),
            detail: format!("its [[sources]] entry has {why}"),
        })?;
        let garbled = |detail: String| SourceError::Garbled { source_name: self.name.clone(), detail };
        let parsed = read_and_parse(self.clock.as_ref(), currency, &req).map_err(|e| garbled(e.to_string()))?;
        if let Some(p) = parsed.problems.first() {
            let more = match parsed.problems.len() - 1 {
                0 => String::new(),
                n => format!(" (and {} more)", crate::wording::count(n, "problem", "problems")),
            };
            return Err(garbled(format!("{p}{more}; fix the file")));
        }
        Ok(SpreadsheetSource::new(&self.name, parsed.kind, parsed.records))
    }
}

#[async_trait::async_trait]
impl Source for ConfiguredFile {
    fn name(&self) -> &str {
        &self.name
    }

    async fn fetch(&self, entity: Entity, since: Option<&str>, cursor: Option<&str>) -> Result<Page, SourceError> {
        self.load()?.fetch(entity, since, cursor).await
    }

    async fn fetch_by_ids(&self, entity: Entity, ids: &[String]) -> Result<Vec<Record>, SourceError> {
        self.load()?.fetch_by_ids(entity, ids).await
    }

    fn reconcilable(&self) -> Reconcilable {
        match &self.file {
            None => Reconcilable::No(self.no_file()),
            Some(_) => Reconcilable::File,
        }
    }

    async fn open_invoices(&self, cursor: Option<&str>) -> Result<OpenInvoicePage, SourceError> {
        let file = self.load()?;
        if let Reconcilable::No(why) = file.reconcilable() {
            return Err(SourceError::Unavailable { source_name: self.name.clone(), detail: why });
        }
        file.open_invoices(cursor).await
    }
}

/// The invoices the payments in `records` apply to that neither the store nor the file has,
/// by number, with the amount applied to each.
async fn unknown_invoices(
    store: &dyn Store,
    source: &str,
    records: &[Record],
) -> Result<Vec<(String, Money)>, arbot_core::StoreError> {
    let mut out: Vec<(String, Money)> = Vec::new();
    if !records.iter().any(|r| matches!(r, Record::Payment(p) if !p.applications.is_empty())) {
        return Ok(out);
    }
    // One read of the source's invoice keys, not one query per payment line.
    let known: std::collections::HashSet<String> = store
        .live_external_ids(source, Entity::Invoice)
        .await?
        .into_iter()
        .chain(records.iter().filter_map(|r| match r {
            Record::Invoice(i) => Some(i.external_id.clone()),
            _ => None,
        }))
        .collect();
    for r in records {
        let Record::Payment(p) = r else { continue };
        for a in &p.applications {
            if known.contains(&a.invoice_external_id) {
                continue;
            }
            let number = a.invoice_external_id.strip_prefix("inv:").unwrap_or(&a.invoice_external_id).to_string();
            match out.iter_mut().find(|(n, m)| *n == number && m.currency == p.currency) {
                Some((_, m)) => m.minor += a.amount_minor,
                None => out.push((number, Money::new(a.amount_minor, p.currency))),
            }
        }
    }
    Ok(out)
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
    if s.closed > 0 {
        out.push_str(&format!(" {} paid off.", crate::wording::count(s.closed as usize, "invoice", "invoices")));
    }
    let c = i.credits;
    if c.new + c.updated + c.unchanged > 0 {
        out.push_str(&format!(
            " Credits: {} new, {} updated, {} unchanged (each reduces what its customer owes).",
            c.new, c.updated, c.unchanged
        ));
    }
    if i.new_names > 0 {
        out.push_str(&format!(" {} customer or job name(s) were new to arbot.", i.new_names));
    }
    for (number, amount) in &i.unknown_invoices {
        out.push_str(&format!(
            "\n{amount} is applied to invoice {number}, which arbot doesn't have: it counts as unapplied cash until \
             invoice {number} is imported."
        ));
    }
    if s.new + s.updated + c.new + c.updated == 0 && i.skipped_rows == 0 {
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
