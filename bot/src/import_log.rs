//! `arbot import --kind notes|promises FILE`: a team's own collections log (the spreadsheet the AR
//! team kept before arbot) brought in. Every row is checked first; one mistake refuses the whole
//! file. A good file is written in one transaction, each row under a key made from what it says,
//! so importing the same log again, or a later export repeating earlier rows, adds nothing twice.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use arbot_connector_spreadsheet::{Cell, Problem, Table, header_key, name_key, read_file};
use arbot_core::audit::{Author, Change, Surface};
use arbot_core::collections::{LogEntry, LogRow, NOTE_KINDS, NewNote, NewPromise, Outcome, Promise, PromiseRules};
use arbot_core::dates::parse_date;
use arbot_core::ledger::CustomerRef;
use arbot_core::store::Store;
use arbot_core::summary::closest;
use arbot_core::{Clock, Currency, Money};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// What the log holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    Notes,
    Promises,
}

impl LogKind {
    pub fn parse(s: &str) -> Option<LogKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "notes" | "note" => Some(LogKind::Notes),
            "promises" | "promise" => Some(LogKind::Promises),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogKind::Notes => "notes",
            LogKind::Promises => "promises",
        }
    }

    fn fields(self) -> &'static [(&'static str, bool, &'static [&'static str])] {
        match self {
            LogKind::Notes => NOTE_FIELDS,
            LogKind::Promises => PROMISE_FIELDS,
        }
    }
}

const CUSTOMER: &[&str] = &["customer", "customer name", "client", "client name", "account", "name", "bill to"];
const INVOICE: &[&str] = &["invoice", "invoice no", "inv no", "inv", "invoices", "invoice(s)", "invoice nos"];
const TEXT: &[&str] =
    &["notes", "note", "comment", "comments", "what was said", "details", "remarks", "summary", "description"];
const BY: &[&str] = &["by", "who", "collector", "author", "logged by", "contacted by", "rep", "user"];

/// (field, required, the headers it is found under), compared as [`header_key`] compares them.
const NOTE_FIELDS: &[(&str, bool, &[&str])] = &[
    ("date", true, &["date", "contact date", "date of contact", "contacted on", "when"]),
    ("customer", true, CUSTOMER),
    ("invoice", false, INVOICE),
    ("kind", false, &["type", "kind", "contact type", "method", "how"]),
    ("notes", true, TEXT),
    ("by", false, BY),
    ("follow_up", false, &["follow up", "follow-up", "follow up date", "next follow up", "next contact", "callback"]),
];

const PROMISE_FIELDS: &[(&str, bool, &[&str])] = &[
    ("customer", true, CUSTOMER),
    ("amount", true, &["amount", "amount promised", "promised amount", "promise amount"]),
    (
        "promise_date",
        true,
        &["promise date", "date promised", "promised date", "promised for", "pay by", "promised on"],
    ),
    ("invoice", false, INVOICE),
    ("logged", false, &["logged", "logged on", "date logged", "entered", "date entered", "taken on"]),
    ("notes", false, TEXT),
    ("by", false, BY),
];

/// What to import.
#[derive(Debug, Clone)]
pub struct LogRequest {
    pub file: PathBuf,
    pub kind: LogKind,
    pub currency: Currency,
    pub rules: PromiseRules,
}

/// What an import of a log did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogImported {
    pub kind: LogKind,
    pub file: String,
    pub rows: usize,
    pub new: usize,
    pub already: usize,
}

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum LogFailure {
    #[error("{0} Nothing was imported.")]
    File(String),
    #[error("{}", bad_rows_text(*.rows, .problems))]
    BadRows { rows: usize, problems: Vec<Problem> },
    #[error(transparent)]
    Store(#[from] arbot_core::StoreError),
}

/// How many problems a refusal lists.
const SHOWN: usize = 8;

fn bad_rows_text(rows: usize, problems: &[Problem]) -> String {
    let bad: std::collections::BTreeSet<usize> = problems.iter().map(|p| p.row).collect();
    let mut out = format!(
        "Nothing was imported: {} of {rows} rows {} problems:\n",
        bad.len(),
        if bad.len() == 1 { "has" } else { "have" }
    );
    for p in problems.iter().take(SHOWN) {
        out.push_str(&format!("  {p}\n"));
    }
    if problems.len() > SHOWN {
        out.push_str(&format!("  … and {} more.\n", problems.len() - SHOWN));
    }
    out.push_str("Fix them and import the file again; the whole file goes in at once or not at all.");
    out
}

/// Reads and checks the log, then writes it whole in one transaction. `progress` hears a line
/// now and then on a big file.
pub async fn import_log(
    store: &dyn Store,
    clock: &dyn Clock,
    req: &LogRequest,
    progress: &mut dyn FnMut(String),
) -> Result<LogImported, LogFailure> {
    let file = display(&req.file);
    let table = read_file(&req.file, None).map_err(|e| LogFailure::File(format!("{e}.")))?;
    let cols = locate(&table, req.kind).map_err(LogFailure::File)?;
    let rows = table.rows.len();
    if rows == 0 {
        return Err(LogFailure::File(format!("{file} has a header row and no rows under it.")));
    }
    let big = rows >= 1_000;
    if big {
        progress(format!("Checking {} of {file}…", crate::wording::count(rows, "row", "rows")));
    }
    let customers = store.customer_names().await?;
    let by_name: HashMap<String, &CustomerRef> = customers.iter().map(|c| (name_key(&c.name), c)).collect();
    let checker = Checker { store, clock, req, cols: &cols, headers: &table.headers, customers: &customers, by_name };
    let mut out = Vec::with_capacity(rows);
    let mut problems = Vec::new();
    for (i, cells) in table.rows.iter().enumerate() {
        let n = table.numbers.get(i).copied().unwrap_or(i + 2);
        let mut row = RowCheck { n, cells, problems: Vec::new() };
        let entry = match req.kind {
            LogKind::Notes => checker.note(&mut row).await?,
            LogKind::Promises => checker.promise(&mut row).await?,
        };
        problems.append(&mut row.problems);
        if let Some(e) = entry {
            out.push((n, e));
        }
        if big && (i + 1) % 1_000 == 0 {
            progress(format!("  checked {} of {}", i + 1, rows));
        }
    }
    if req.kind == LogKind::Promises && problems.is_empty() {
        problems = checker.one_standing(&out).await?;
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.row);
        return Err(LogFailure::BadRows { rows, problems });
    }
    if big {
        progress(format!("Writing {} in one transaction…", crate::wording::count(rows, "row", "rows")));
    }
    let batch: Vec<LogRow> = out.into_iter().map(|(_, r)| r).collect();
    let by = Author::new("import", "arbot import", Surface::Import);
    let summary = Change {
        action: "import",
        customer_id: None,
        job_id: None,
        invoice_id: None,
        subject: req.kind.as_str().to_string(),
        before: None,
        after: Some(format!("{file}, {} rows", rows)),
    };
    let tally = store.import_log(&batch, &by, clock.now(), &summary).await?;
    Ok(LogImported { kind: req.kind, file, rows, new: tally.new, already: tally.already })
}

/// The summary a person reads after an import.
pub fn summary(i: &LogImported) -> String {
    let what = match i.kind {
        LogKind::Notes => ("note", "notes"),
        LogKind::Promises => ("promise", "promises"),
    };
    if i.new == 0 {
        let all = match i.rows {
            1 => format!("its one {}", what.0),
            2 => format!("both its {}", what.1),
            n => format!("all {n} of its {}", what.1),
        };
        return format!("Nothing new in {}: arbot already had {all}. Nothing was added.", i.file);
    }
    let mut out = format!("Imported {} from {}", crate::wording::count(i.new, what.0, what.1), i.file);
    if i.already > 0 {
        out.push_str(&format!(
            "; {} of its rows {} already in arbot and {} left as {}",
            i.already,
            if i.already == 1 { "was" } else { "were" },
            if i.already == 1 { "was" } else { "were" },
            if i.already == 1 { "it was" } else { "they were" }
        ));
    }
    out.push('.');
    if i.kind == LogKind::Promises {
        out.push_str(" Each is judged kept or broken from the cash applied, as a promise typed in chat is.");
    }
    out
}

/// The kind of log a file's headers make, when they make one: what `arbot import` without
/// `--kind` asks about instead of guessing a customers file from a log's Customer column.
pub fn looks_like_log(headers: &[String]) -> Option<LogKind> {
    let table = Table { headers: headers.to_vec(), ..Table::default() };
    let has = |n: &str| headers.iter().any(|h| name_key(h).contains(n));
    if locate(&table, LogKind::Promises).is_ok() && has("promise") {
        Some(LogKind::Promises)
    } else if locate(&table, LogKind::Notes).is_ok() && !has("total") && !has("balance") && !has("amount") {
        Some(LogKind::Notes)
    } else {
        None
    }
}

/// Which column index holds each field, or why the file can't be read as this kind.
fn locate(table: &Table, kind: LogKind) -> Result<HashMap<&'static str, usize>, String> {
    let headers: Vec<String> = table.headers.iter().map(|h| header_key(h)).collect();
    let mut found: HashMap<&'static str, usize> = HashMap::new();
    for (field, _, aliases) in kind.fields() {
        let names: Vec<String> = aliases.iter().map(|a| header_key(a)).collect();
        let taken: Vec<usize> = found.values().copied().collect();
        // The first alias that names a free column wins: "Notes" before "Summary".
        let hit =
            names.iter().find_map(|n| headers.iter().enumerate().position(|(i, h)| h == n && !taken.contains(&i)));
        if let Some(i) = hit {
            found.insert(field, i);
        }
    }
    let missing: Vec<String> = kind
        .fields()
        .iter()
        .filter(|(f, required, _)| *required && !found.contains_key(f))
        .map(|(f, _, aliases)| {
            let name = f.replace('_', " ");
            let others: Vec<&str> =
                aliases.iter().copied().filter(|a| header_key(a) != header_key(&name)).take(3).collect();
            format!("{name} (or {})", others.join(", "))
        })
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "This {} log has no column for {}. Its columns are: {}. Rename a column to one of those names.",
            kind.as_str(),
            missing.join("; "),
            table.headers.join(", ")
        ));
    }
    Ok(found)
}

struct RowCheck<'a> {
    n: usize,
    cells: &'a [Cell],
    problems: Vec<Problem>,
}

struct Checker<'a> {
    store: &'a dyn Store,
    clock: &'a dyn Clock,
    req: &'a LogRequest,
    cols: &'a HashMap<&'static str, usize>,
    headers: &'a [String],
    customers: &'a [CustomerRef],
    by_name: HashMap<String, &'a CustomerRef>,
}

impl Checker<'_> {
    fn column(&self, field: &str) -> String {
        self.cols.get(field).and_then(|i| self.headers.get(*i)).cloned().unwrap_or_else(|| field.to_string())
    }

    fn cell<'c>(&self, row: &RowCheck<'c>, field: &str) -> Option<&'c Cell> {
        self.cols.get(field).and_then(|i| row.cells.get(*i)).filter(|c| !c.is_empty())
    }

    fn text(&self, row: &RowCheck<'_>, field: &str) -> Option<String> {
        self.cell(row, field)
            .map(|c| c.text().split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|s| !s.is_empty())
    }

    fn bad(&self, row: &mut RowCheck<'_>, field: &str, value: &str, why: impl Into<String>) {
        row.problems.push(Problem {
            row: row.n,
            column: self.column(field),
            value: value.to_string(),
            why: why.into(),
        });
    }

    fn date(&self, row: &mut RowCheck<'_>, field: &str, required: bool) -> Option<NaiveDate> {
        match self.cell(row, field).cloned() {
            None => {
                if required {
                    self.bad(row, field, "", "is empty; every row needs a date");
                }
                None
            }
            Some(Cell::Date(d)) => Some(d),
            Some(Cell::Number(n)) => {
                self.bad(
                    row,
                    field,
                    &n,
                    "is a number, not a date; format the column as dates or type them like 2026-11-30",
                );
                None
            }
            Some(c) => {
                let t = c.text();
                match parse_date(&t, self.clock.today()) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        self.bad(row, field, t.trim(), e.to_string());
                        None
                    }
                }
            }
        }
    }

    fn customer(&self, row: &mut RowCheck<'_>) -> Option<CustomerRef> {
        let name = self.text(row, "customer")?;
        if let Some(c) = self.by_name.get(&name_key(&name)) {
            return Some((*c).clone());
        }
        let near = closest(&name, self.customers, 3);
        let why = if near.is_empty() {
            "is no customer arbot has; sync or import the customers first".to_string()
        } else {
            format!(
                "is no customer arbot has; the closest are {}",
                near.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
            )
        };
        self.bad(row, "customer", &name, why);
        None
    }

    /// The invoice ids the row names, each the customer's.
    async fn invoices(
        &self,
        row: &mut RowCheck<'_>,
        customer: Option<&CustomerRef>,
    ) -> Result<Option<Vec<i64>>, arbot_core::StoreError> {
        let Some(text) = self.text(row, "invoice") else { return Ok(Some(Vec::new())) };
        let mut ids = Vec::new();
        let mut ok = true;
        for number in
            text.split(|c: char| c == ',' || c == ';' || c == '/' || c.is_whitespace()).filter(|s| !s.is_empty())
        {
            let number = number.trim_start_matches('#');
            let found = self.store.invoices_numbered(number).await?;
            let Some(customer) = customer else { continue };
            match (found.iter().find(|i| i.customer_id == customer.id), found.first()) {
                (Some(i), _) => {
                    if !ids.contains(&i.id) {
                        ids.push(i.id);
                    }
                }
                (None, Some(other)) => {
                    ok = false;
                    self.bad(
                        row,
                        "invoice",
                        number,
                        format!("belongs to {}, not {}", other.customer_name, customer.name),
                    );
                }
                (None, None) => {
                    ok = false;
                    self.bad(row, "invoice", number, "is no invoice in the ledger");
                }
            }
        }
        Ok(ok.then_some(ids))
    }

    /// Noon of `day` in the business time zone: a contact on a day is on that day however it is read.
    fn at_noon(&self, day: NaiveDate) -> DateTime<Utc> {
        let local = day.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
        match local.and_local_timezone(self.clock.tz()) {
            chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            chrono::LocalResult::None => local.and_utc(),
        }
    }

    fn by(&self, row: &RowCheck<'_>) -> String {
        self.text(row, "by").unwrap_or_else(|| "import".to_string())
    }

    async fn note(&self, row: &mut RowCheck<'_>) -> Result<Option<LogRow>, arbot_core::StoreError> {
        let date = self.date(row, "date", true);
        if self.text(row, "customer").is_none() {
            self.bad(row, "customer", "", "is empty; every row needs the customer");
        }
        let customer = self.customer(row);
        let invoices = self.invoices(row, customer.as_ref()).await?;
        let kind = match self.text(row, "kind") {
            None => Some("note".to_string()),
            Some(t) => {
                let k = t.to_ascii_lowercase();
                let k = match k.as_str() {
                    "phone" | "phone call" | "called" | "voicemail" | "vm" => "call".to_string(),
                    "e-mail" | "emailed" => "email".to_string(),
                    "meet" | "site visit" | "visit" => "meeting".to_string(),
                    "comment" | "remark" => "note".to_string(),
                    _ => k,
                };
                if NOTE_KINDS.contains(&k.as_str()) {
                    Some(k)
                } else {
                    self.bad(
                        row,
                        "kind",
                        &t,
                        format!("is not a kind of contact; use one of {}", NOTE_KINDS.join(", ")),
                    );
                    None
                }
            }
        };
        let body = self.text(row, "notes");
        if body.is_none() {
            self.bad(row, "notes", "", "is empty; every row needs what was said");
        }
        let follow_up = self.date(row, "follow_up", false);
        if let (Some(d), Some(f)) = (date, follow_up)
            && f < d
        {
            self.bad(row, "follow_up", &f.to_string(), format!("is before the contact on {d}"));
        }
        if let (Some(d), true) = (date, date.is_some_and(|d| d > self.clock.today())) {
            self.bad(row, "date", &d.to_string(), "is in the future; a log records contacts that happened");
        }
        let (Some(date), Some(customer), Some(invoices), Some(kind), Some(body), true) =
            (date, customer, invoices, kind, body, row.problems.is_empty())
        else {
            return Ok(None);
        };
        let key = format!("log-note:{:016x}", fnv(&[&customer.id.to_string(), &date.to_string(), &kind, &body]));
        let note = NewNote {
            customer_id: customer.id,
            invoice_id: invoices.first().copied(),
            kind,
            body,
            author: self.by(row),
            created_at: self.at_noon(date),
            follow_up_on: follow_up,
            day_only: true,
        };
        Ok(Some(LogRow { key, entry: LogEntry::Note(note) }))
    }

    async fn promise(&self, row: &mut RowCheck<'_>) -> Result<Option<LogRow>, arbot_core::StoreError> {
        let today = self.clock.today();
        if self.text(row, "customer").is_none() {
            self.bad(row, "customer", "", "is empty; every row needs the customer");
        }
        let customer = self.customer(row);
        let amount = match self.text(row, "amount") {
            None => {
                self.bad(row, "amount", "", "is empty; every row needs the amount promised");
                None
            }
            Some(t) => match Money::parse(&t, self.req.currency) {
                Ok(m) if m.minor > 0 => Some(m),
                Ok(_) => {
                    self.bad(row, "amount", &t, "is not a promise to pay; give the amount they promised");
                    None
                }
                Err(e) => {
                    self.bad(row, "amount", &t, e.to_string());
                    None
                }
            },
        };
        let promised = self.date(row, "promise_date", true);
        let logged = self.date(row, "logged", false);
        let invoices = self.invoices(row, customer.as_ref()).await?;
        if let Some(l) = logged {
            if l > today {
                self.bad(row, "logged", &l.to_string(), "is in the future; a promise is logged on or before today");
            }
            if promised.is_some_and(|p| l > p) {
                self.bad(row, "logged", &l.to_string(), "is after the promised day");
            }
        } else if promised.is_some_and(|p| p < today) {
            self.bad(
                row,
                "logged",
                "",
                "is empty, and the promised day has passed; a past promise needs the day it was logged, to judge it \
                 by the cash paid from then",
            );
        }
        let (Some(customer), Some(amount), Some(promised), Some(invoices), true) =
            (customer, amount, promised, invoices, row.problems.is_empty())
        else {
            return Ok(None);
        };
        let key = format!(
            "log-promise:{:016x}",
            fnv(&[&customer.id.to_string(), &amount.minor.to_string(), amount.currency.code(), &promised.to_string()])
        );
        let (created_at, day_only) = match logged {
            Some(l) if l < today => (self.at_noon(l), true),
            _ => (self.clock.now(), false),
        };
        let promise = NewPromise {
            customer_id: customer.id,
            amount,
            promised_for: promised,
            created_by: self.by(row),
            created_at,
            invoice_ids: invoices,
            note: self.text(row, "notes"),
            day_only,
        };
        Ok(Some(LogRow { key, entry: LogEntry::Promise(promise) }))
    }

    /// A customer has one standing (open, not yet due) promise at a time, as in chat: a row that
    /// would make a second is a problem. Rows arbot already has are not counted twice.
    async fn one_standing(&self, rows: &[(usize, LogRow)]) -> Result<Vec<Problem>, arbot_core::StoreError> {
        let today = self.clock.today();
        let rules = self.req.rules;
        let mut problems = Vec::new();
        let mut standing: HashMap<i64, (Money, NaiveDate, String)> = HashMap::new();
        let mut cash_of: HashMap<i64, Vec<arbot_core::collections::CashApplied>> = HashMap::new();
        // The rows arbot does not have yet; the cash to judge them and the customer's own
        // promises by runs from the earliest day any of them was logged.
        let mut fresh = Vec::new();
        let mut earliest: HashMap<i64, NaiveDate> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for (n, row) in rows {
            let LogEntry::Promise(p) = &row.entry else { continue };
            // A row the file repeats is the same promise, written once.
            if !seen.insert(row.key.as_str()) || self.store.recorded(&row.key, "promise").await? {
                continue;
            }
            let logged = p.created_at.with_timezone(&rules.tz).date_naive();
            let e = earliest.entry(p.customer_id).or_insert(logged);
            *e = (*e).min(logged);
            fresh.push((*n, p));
        }
        for (customer, from) in &earliest {
            let existing = self.store.promises_for_customer(*customer).await?;
            let from = existing.iter().map(|p| p.logged_on(rules.tz)).fold(*from, NaiveDate::min);
            let cash = self.store.cash_applied(Some(*customer), from).await?;
            for old in existing {
                if matches!(old.outcome(&cash, today, rules), Outcome::Pending { .. }) {
                    standing.insert(*customer, (old.amount, old.promised_for, "in arbot".to_string()));
                }
            }
            cash_of.insert(*customer, cash);
        }
        for (n, p) in fresh {
            let as_promise = Promise {
                id: 0,
                customer_id: p.customer_id,
                amount: p.amount,
                promised_for: p.promised_for,
                status: arbot_core::collections::PromiseStatus::Open,
                created_by: p.created_by.clone(),
                created_at: p.created_at,
                invoice_ids: p.invoice_ids.clone(),
                note: None,
                day_only: p.day_only,
            };
            let cash = cash_of.get(&p.customer_id).map(Vec::as_slice).unwrap_or_default();
            if !matches!(as_promise.outcome(cash, today, rules), Outcome::Pending { .. }) {
                continue;
            }
            match standing.get(&p.customer_id) {
                Some((amount, by, where_)) => problems.push(Problem {
                    row: n,
                    column: self.column("promise_date"),
                    value: p.promised_for.to_string(),
                    why: format!(
                        "would be a second open promise: the customer already has {amount} promised by {by} ({where_}); \
                         a customer has one standing promise at a time, so keep one of them (change one in chat with \
                         /ar promise … correct)"
                    ),
                }),
                None => {
                    standing.insert(p.customer_id, (p.amount, p.promised_for, format!("row {n}")));
                }
            }
        }
        Ok(problems)
    }
}

/// FNV-1a, 64 bits, over the parts with a separator: stable across builds and machines (the
/// standard library's hasher promises neither).
fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in part.as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn display(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| p.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_part_boundaries_matter() {
        assert_eq!(fnv(&["a", "b"]), fnv(&["a", "b"]));
        assert_ne!(fnv(&["ab", ""]), fnv(&["a", "b"]));
        assert_eq!(fnv(&[]), 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn synonyms_find_the_columns() {
        let table = Table {
            headers: vec![
                "Contact Date".into(),
                "Client".into(),
                "Inv #".into(),
                "What was said".into(),
                "Collector".into(),
            ],
            rows: vec![],
            numbers: vec![],
        };
        let cols = locate(&table, LogKind::Notes).expect("columns");
        assert_eq!(cols.get("date"), Some(&0));
        assert_eq!(cols.get("customer"), Some(&1));
        assert_eq!(cols.get("invoice"), Some(&2));
        assert_eq!(cols.get("notes"), Some(&3));
        assert_eq!(cols.get("by"), Some(&4));
        let err = locate(&Table { headers: vec!["Client".into()], ..Table::default() }, LogKind::Promises)
            .expect_err("no amount");
        assert!(err.contains("no column for amount (or amount promised, promised amount, promise amount)"), "{err}");
        let log = |h: &[&str]| looks_like_log(&h.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(log(&["Date", "Client", "Comment"]), Some(LogKind::Notes));
        assert_eq!(log(&["Customer", "Amount", "Date Promised"]), Some(LogKind::Promises));
        assert_eq!(log(&["Invoice #", "Customer", "Date", "Total"]), None);
        assert_eq!(log(&["Name", "Email", "Phone"]), None);
    }
}
