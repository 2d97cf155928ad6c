//! Invoices, payments, customers and jobs from a spreadsheet (CSV or XLSX), for accounting
//! systems with no usable API (Foundation, Sage 100 Contractor, a team's own workbook).
//!
//! - **Columns** are found by name, case-insensitively, under the names of the default template
//!   ([`template`]) or the usual alternatives ("Inv #", "Open Balance", "Check #", ...); a
//!   mapping file ([`Mapping`]) names any others.
//! - **Values** are read as people type them: dates `2026-11-30`, `11/30/2026`, `Nov 30, 2026`
//!   (and Excel date cells), amounts `12500`, `$12,500.00`, `(1,200.00)` (and Excel numbers as
//!   Excel shows them, to six decimals).
//! - **Every bad row** is reported with its row number (as the spreadsheet numbers it, header
//!   row 1), column, value and why; the caller imports nothing unless told to skip them.
//! - **Keys are stable**, so importing the same file again changes nothing: customers by name
//!   (or `customer_id`), jobs by customer and name (or `job_id`), invoices by number, payments by
//!   customer and reference (check number).

mod identity;
mod read;
mod source;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use arbot_core::dates::parse_date;
use arbot_core::ledger::{CustomerKind, InvoiceKind, OurRole, ProjectType};
use arbot_core::source::{
    ApplicationRecord, CreditMemoRecord, CustomerRecord, InvoiceRecord, JobRecord, PaymentRecord, Record, Version,
};
use arbot_core::{Currency, Money};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

pub use identity::resolve as resolve_identities;
pub use read::{Cell, Table, read_file};
pub use source::SpreadsheetSource;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Invoices,
    Payments,
    Customers,
    Jobs,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Invoices, Kind::Payments, Kind::Customers, Kind::Jobs];

    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Invoices => "invoices",
            Kind::Payments => "payments",
            Kind::Customers => "customers",
            Kind::Jobs => "jobs",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        let s = s.trim().to_ascii_lowercase();
        Kind::ALL.into_iter().find(|k| k.as_str() == s || k.as_str().trim_end_matches('s') == s)
    }

    /// The template's columns: (name, required, what goes in it, other names it is found under).
    pub fn fields(&self) -> &'static [Field] {
        match self {
            Kind::Invoices => INVOICE_FIELDS,
            Kind::Payments => PAYMENT_FIELDS,
            Kind::Customers => CUSTOMER_FIELDS,
            Kind::Jobs => JOB_FIELDS,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One column of a template.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    pub help: &'static str,
    pub example: &'static str,
    pub aliases: &'static [&'static str],
}

const fn f(
    name: &'static str,
    required: bool,
    help: &'static str,
    example: &'static str,
    aliases: &'static [&'static str],
) -> Field {
    Field { name, required, help, example, aliases }
}

// The other names a column goes by, the same for the same meaning in every kind: our own
// template's, QuickBooks Desktop's report headers ("Num", "Name", "Open Balance"), Foundation's
// (`invoice_no`, `customer_no`, `amount_due`, `retainage_amount`) and Sage 100 Contractor's
// (`invnum`, `clnnum`, `invbal`, `amtpad`, `chknum`, `chkdte`, and its reports' "Invoice#",
// "Client", "Retention", "Paid"). Compared with case, spaces and punctuation ignored, and "#"
// and "number" read as "no" ([`header_key`]).
const CUSTOMER: &[&str] = &[
    "customer name",
    "customer id",
    "customer no",
    "client",
    "client name",
    "client no",
    "clnnum",
    "bill to",
    "bill to name",
    "name",
    "customer:job",
    "received from",
];
const INVOICE_NO: &[&str] =
    &["invoice no", "inv no", "inv", "invoice id", "invnum", "doc no", "applied to", "num", "number"];
const JOB: &[&str] = &["job name", "job no", "job id", "jobnum", "project", "project name", "project no"];

const INVOICE_FIELDS: &[Field] = &[
    f("invoice", true, "invoice number", "1042", INVOICE_NO),
    f("customer", true, "customer name (or customer_id)", "Acme Builders", CUSTOMER),
    f("job", false, "job or project name (or job_id)", "Marina Tower", JOB),
    f("date", true, "invoice date", "2026-10-15", &["invoice date", "issued", "txn date", "inv date", "invdte"]),
    f("due", false, "due date (default: the invoice date)", "2026-11-14", &["due date", "date due", "duedte"]),
    f(
        "total",
        true,
        "invoice total; a credit memo's is negative, as -1,200.00 or (1,200.00)",
        "12,500.00",
        &["amount", "invoice total", "invoice amount", "original amount", "invttl", "total amount"],
    ),
    f(
        "balance",
        false,
        "what was still owed on the as_of day (default: the total less paid)",
        "7,500.00",
        &["open balance", "balance due", "amount due", "open", "remaining", "invbal"],
    ),
    f(
        "paid",
        false,
        "what was paid by the as_of day, when there is no balance column",
        "",
        &["amount paid", "paid to date", "amtpad", "payments"],
    ),
    f(
        "as_of",
        false,
        "the day the balance is as of (default: the day of the import); payments after it reduce it",
        "2026-11-01",
        &["balance as of", "as of date", "aging date", "report date"],
    ),
    f(
        "retainage",
        false,
        "retainage held within the balance",
        "1,250.00",
        &["retainage held", "retention", "retainage amount", "retain", "retention held"],
    ),
    f(
        "type",
        false,
        "invoice or credit memo (default: a negative total is a credit)",
        "",
        &["invtyp", "transaction type", "doc type"],
    ),
    f("currency", false, "ISO code (default: the business currency)", "USD", &[]),
    f("status", false, "void, to mark a voided invoice", "", &[]),
    f("memo", false, "a note", "October pay app", &["notes", "description", "note", "ntetxt"]),
];

const PAYMENT_FIELDS: &[Field] = &[
    f(
        "reference",
        false,
        "check or payment number; rows with the same one are one payment",
        "4471",
        &["check no", "chknum", "ref", "ref no", "payment no", "payment", "check"],
    ),
    f("customer", true, "customer name (or customer_id)", "Acme Builders", CUSTOMER),
    f(
        "date",
        true,
        "date received",
        "2026-11-20",
        &["payment date", "received", "date received", "deposit date", "check date", "chkdte"],
    ),
    f(
        "amount",
        true,
        "amount received (or applied, when there is no applied column)",
        "7,500.00",
        &[
            "payment amount",
            "total",
            "amount received",
            "check amount",
            "cash amount",
            "amount paid",
            "paid amount",
            "paid",
        ],
    ),
    f("invoice", false, "invoice number it pays", "1042", INVOICE_NO),
    f("applied", false, "amount applied to that invoice", "7,500.00", &["amount applied", "applied amount"]),
    f("method", false, "check, ACH, wire, card", "check", &["payment method", "type"]),
    f("currency", false, "ISO code (default: the business currency)", "USD", &[]),
];

const CUSTOMER_FIELDS: &[Field] = &[
    f(
        "customer_id",
        false,
        "your system's id (default: the name is the key)",
        "C-1001",
        &["customer id", "customer no", "client no", "clnnum", "id", "account", "account no"],
    ),
    f(
        "name",
        true,
        "customer name",
        "Acme Builders",
        &["customer", "customer name", "company", "client", "client name", "bill to", "bill to name"],
    ),
    f("email", false, "AR contact email", "ap@acme.example", &["e-mail", "email address"]),
    f("phone", false, "AR contact phone", "(813) 555-0100", &["phone number", "telephone"]),
    f(
        "address",
        false,
        "billing address (lines split by newlines or |)",
        "400 Channelside Dr | Tampa, FL 33602",
        &["billing address", "bill to address", "bill-to address", "mailing address"],
    ),
    f("terms_days", false, "payment terms in days", "30", &["terms", "net", "terms days"]),
    f("pm", false, "our project manager for this customer", "dana", &["project manager", "supervisor", "sprvsr"]),
    f("kind", false, "gc, owner, homeowner or other", "gc", &["type", "customer type"]),
    f("active", false, "yes or no (default yes)", "yes", &["status"]),
];

const JOB_FIELDS: &[Field] = &[
    f(
        "job_id",
        false,
        "your system's job number (default: customer and name are the key)",
        "J-240",
        &["job id", "job no", "jobnum"],
    ),
    f("job", true, "job name", "Marina Tower", &["job name", "project", "project name", "name"]),
    f("customer", true, "customer name (or customer_id)", "C-1001", CUSTOMER),
    f("city", false, "", "Tampa", &[]),
    f("county", false, "", "Hillsborough", &[]),
    f("state", false, "two-letter state", "FL", &[]),
    f("project_type", false, "private, public or residential", "private", &["project type"]),
    f("role", false, "gc, sub, sub_sub, supplier or laborer", "sub", &["our role"]),
    f("owner", false, "property owner", "Bayfront Holdings LLC", &["owner name", "property owner"]),
    f("gc", false, "general contractor", "Acme Builders", &["general contractor", "gc name"]),
    f("pm", false, "our project manager", "dana", &["project manager", "supervisor", "sprvsr"]),
    f("first_furnished", false, "first day of work or materials", "2026-03-02", &["first furnished", "start date"]),
    f("last_furnished", false, "last day of work or materials", "", &["last furnished", "end date"]),
    f(
        "retainage_percent",
        false,
        "retainage held, in percent",
        "10",
        &["retainage %", "retainage", "retention %", "retention", "retention rate"],
    ),
];

/// The default template of a kind: a CSV header and one example row.
pub fn template(kind: Kind) -> String {
    let fields = kind.fields();
    let quote = |s: &str| if s.contains(',') { format!("\"{s}\"") } else { s.to_string() };
    let header: Vec<&str> = fields.iter().map(|f| f.name).collect();
    let example: Vec<String> = fields.iter().map(|f| quote(f.example)).collect();
    format!("{}\n{}\n", header.join(","), example.join(","))
}

/// A mapping file: which column holds which field, for files not laid out like the template.
///
/// ```toml
/// kind = "invoices"            # optional; --kind overrides
/// sheet = "Open AR"            # XLSX: the sheet to read (default: the first)
/// currency = "USD"             # default for rows without a currency column
/// [columns]
/// invoice = "Inv No."
/// customer = "Bill-To Name"
/// total = "Original Amt"
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub sheet: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

impl Mapping {
    pub fn from_toml(text: &str) -> Result<Mapping, ImportError> {
        toml::from_str(text).map_err(|e| ImportError::Mapping(e.to_string()))
    }
}

/// Why a file cannot be imported at all (as opposed to some of its rows).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("can't read {file}: {why}")]
    Unreadable { file: String, why: String },
    #[error("the mapping file has a mistake: {0}")]
    Mapping(String),
    #[error("{0}")]
    Layout(String),
}

/// One bad value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The row as the spreadsheet numbers it (the header is row 1).
    pub row: usize,
    pub column: String,
    pub value: String,
    pub why: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "row {}, column '{}': {}", self.row, self.column, self.why)
        } else {
            write!(f, "row {}, column '{}' ('{}'): {}", self.row, self.column, self.value, self.why)
        }
    }
}

/// How to read a file.
#[derive(Debug, Clone)]
pub struct Options {
    pub kind: Option<Kind>,
    pub mapping: Mapping,
    /// For rows and files that name no currency.
    pub currency: Currency,
    /// What "today" and dates without a year mean.
    pub today: NaiveDate,
    /// The version imported records carry (the import's time).
    pub at: DateTime<Utc>,
}

/// What a file holds: records from the good rows, and every problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub kind: Kind,
    pub records: Vec<Record>,
    pub problems: Vec<Problem>,
    /// Data rows read (blank rows left out) and how many had no problem.
    pub rows: usize,
    pub good_rows: usize,
    /// How many of the kind's own records the good rows make (payments group several rows).
    pub items: usize,
}

/// The key of a customer or job named in a file: case and spacing do not matter.
pub fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// How a header is compared: case, spaces and punctuation ignored, "#" and "number" read as
/// "no" (`Invoice #`, `invoice_no`, `Invoice Number` and `Invoice No.` are one name).
pub fn header_key(header: &str) -> String {
    let s = header.to_lowercase().replace('#', " no ").replace("number", "no");
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Referenced customers and jobs carry the oldest version there is, so they name a customer the
/// store does not have yet without ever overwriting one it has.
fn reference_version() -> Version {
    Version { updated_at: DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::microseconds(1), seq: 0 }
}

/// Which column index holds each field.
fn locate(table: &Table, kind: Kind, mapping: &Mapping) -> Result<HashMap<&'static str, usize>, ImportError> {
    let norm = header_key;
    let headers: Vec<String> = table.headers.iter().map(|h| norm(h)).collect();
    let mut found = HashMap::new();
    for (field, header) in &mapping.columns {
        let Some(fd) = kind.fields().iter().find(|f| f.name == field.as_str()) else {
            let names: Vec<&str> = kind.fields().iter().map(|f| f.name).collect();
            return Err(ImportError::Mapping(format!(
                "'{field}' is not a column of {kind}; the columns are {}",
                names.join(", ")
            )));
        };
        match headers.iter().position(|h| *h == norm(header)) {
            Some(i) => {
                found.insert(fd.name, i);
            }
            None => {
                return Err(ImportError::Layout(format!(
                    "the mapping says {field} is in column '{header}', but the file has no such column; its columns \
                     are: {}",
                    table.headers.join(", ")
                )));
            }
        }
    }
    for fd in kind.fields() {
        if found.contains_key(fd.name) {
            continue;
        }
        let names = std::iter::once(fd.name).chain(fd.aliases.iter().copied()).map(norm).collect::<Vec<_>>();
        let taken: Vec<usize> = found.values().copied().collect();
        if let Some(i) = headers.iter().enumerate().position(|(i, h)| !taken.contains(&i) && names.contains(h)) {
            found.insert(fd.name, i);
        }
    }
    let missing: Vec<&str> =
        kind.fields().iter().filter(|f| f.required && !found.contains_key(f.name)).map(|f| f.name).collect();
    if !missing.is_empty() {
        return Err(ImportError::Layout(format!(
            "this {kind} file has no column for {}. Its columns are: {}. Rename them as in `arbot import --template {kind}`, \
             or name them in a mapping file (--mapping map.toml, [columns] {} = \"Your column\").",
            missing.join(", "),
            table.headers.join(", "),
            missing[0]
        )));
    }
    Ok(found)
}

/// Guesses the kind from the headers, when not given.
fn guess_kind(table: &Table) -> Option<Kind> {
    let has = |n: &str| table.headers.iter().any(|h| name_key(h).contains(n));
    if has("invoice") && (has("total") || has("balance") || has("due")) {
        Some(Kind::Invoices)
    } else if has("amount") && (has("date") || has("check") || has("payment") || has("received")) {
        Some(Kind::Payments)
    } else if has("job") || has("project") {
        Some(Kind::Jobs)
    } else if has("name") || has("customer") {
        Some(Kind::Customers)
    } else {
        None
    }
}

/// One row being read, collecting its problems.
struct Row<'a> {
    n: usize,
    cells: &'a [Cell],
    cols: &'a HashMap<&'static str, usize>,
    headers: &'a [String],
    problems: Vec<Problem>,
    opts: &'a Options,
}

impl Row<'_> {
    fn cell(&self, field: &str) -> Option<&Cell> {
        self.cols.get(field).and_then(|i| self.cells.get(*i)).filter(|c| !c.is_empty())
    }

    fn column(&self, field: &str) -> String {
        self.cols.get(field).and_then(|i| self.headers.get(*i)).cloned().unwrap_or_else(|| field.to_string())
    }

    fn bad(&mut self, field: &str, value: &str, why: impl Into<String>) {
        let column = self.column(field);
        self.problems.push(Problem { row: self.n, column, value: value.to_string(), why: why.into() });
    }

    fn text(&self, field: &str) -> Option<String> {
        self.cell(field).map(|c| c.text().trim().to_string()).filter(|s| !s.is_empty())
    }

    fn required(&mut self, field: &str) -> Option<String> {
        let t = self.text(field);
        if t.is_none() {
            self.bad(field, "", "is empty; every row needs it");
        }
        t
    }

    fn date(&mut self, field: &str, required: bool) -> Option<NaiveDate> {
        let cell = self.cell(field).cloned();
        match cell {
            None => {
                if required {
                    self.bad(field, "", "is empty; every row needs a date");
                }
                None
            }
            // A date cell gets the same window as a typed date (an Excel cell can hold year 9999).
            Some(Cell::Date(d)) => {
                let years = arbot_core::dates::plausible_years(self.opts.today);
                if years.contains(&d.year()) {
                    Some(d)
                } else {
                    let shown = d.to_string();
                    let e = arbot_core::dates::DateError::OutOfRange {
                        shown: shown.clone(),
                        from: *years.start(),
                        to: *years.end(),
                    };
                    self.bad(field, &shown, e.to_string());
                    None
                }
            }
            Some(Cell::Number(n)) => {
                self.bad(field, &n, "is a number, not a date; format the column as dates or type them like 2026-11-30");
                None
            }
            Some(c) => {
                let t = c.text();
                match parse_date(&t, self.opts.today) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        self.bad(field, &t, e.to_string());
                        None
                    }
                }
            }
        }
    }

    fn currency(&mut self, default: Currency) -> Currency {
        match self.text("currency") {
            None => default,
            Some(t) => match Currency::parse(&t) {
                Ok(c) => c,
                Err(e) => {
                    self.bad("currency", &t, e.to_string());
                    default
                }
            },
        }
    }

    fn amount(&mut self, field: &str, currency: Currency, required: bool, signed: bool) -> Option<i64> {
        let Some(t) = self.text(field) else {
            if required {
                self.bad(field, "", "is empty; every row needs an amount");
            }
            return None;
        };
        let parsed = if signed { Money::parse_signed(&t, currency) } else { Money::parse(&t, currency) };
        match parsed {
            Ok(m) => Some(m.minor),
            Err(e) => {
                self.bad(field, &t, e.to_string());
                None
            }
        }
    }
}

/// Reads the records in `table`. A layout problem (a required column missing) is an error;
/// bad values are [`Problem`]s, one per value, and their rows make no records.
pub fn parse(table: &Table, opts: &Options) -> Result<Parsed, ImportError> {
    let kind = match (opts.kind, opts.mapping.kind.as_deref()) {
        (Some(k), _) => k,
        (None, Some(k)) => Kind::parse(k).ok_or_else(|| {
            ImportError::Mapping(format!("kind = \"{k}\"; use invoices, payments, customers or jobs"))
        })?,
        (None, None) => guess_kind(table).ok_or_else(|| {
            ImportError::Layout(
                "can't tell what this file holds; say --kind invoices, payments, customers or jobs".into(),
            )
        })?,
    };
    let default_currency = match &opts.mapping.currency {
        Some(c) => Currency::parse(c).map_err(|e| ImportError::Mapping(e.to_string()))?,
        None => opts.currency,
    };
    let cols = locate(table, kind, &opts.mapping)?;
    let version = Version { updated_at: opts.at, seq: 0 };
    let mut out = Parsed { kind, records: Vec::new(), problems: Vec::new(), rows: 0, good_rows: 0, items: 0 };
    let mut referenced: BTreeMap<String, String> = BTreeMap::new();
    let mut referenced_jobs: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut payments: BTreeMap<String, (PaymentRecord, usize)> = BTreeMap::new();
    let mut occurrences: HashMap<String, usize> = HashMap::new();

    for (i, cells) in table.rows.iter().enumerate() {
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        out.rows += 1;
        let n = table.numbers.get(i).copied().unwrap_or(i + 2);
        let mut row = Row { n, cells, cols: &cols, headers: &table.headers, problems: Vec::new(), opts };
        let mut made: Vec<Record> = Vec::new();
        let extra: Vec<String> =
            cells.iter().skip(table.headers.len()).filter(|c| !c.is_empty()).map(Cell::text).collect();
        if !extra.is_empty() {
            row.problems.push(Problem {
                row: row.n,
                column: "(whole row)".into(),
                value: extra.join(","),
                why: format!(
                    "has more cells than the {} columns the header names; in a CSV file an amount like 1,500.00 needs \
                     quotes (\"1,500.00\")",
                    table.headers.len()
                ),
            });
        }
        match kind {
            Kind::Customers => {
                let name = row.required("name");
                let id = row.text("customer_id");
                let terms =
                    row.text("terms_days").map(|t| (t.trim_start_matches(['n', 'N', 'e', 't', ' ']).parse::<i64>(), t));
                let terms_days = match terms {
                    None => None,
                    Some((Ok(d), _)) if (0..=3650).contains(&d) => Some(d),
                    Some((_, t)) => {
                        row.bad("terms_days", &t, "is not a number of days (like 30 or Net 30)");
                        None
                    }
                };
                let kind_text = row.text("kind");
                let customer_kind = match kind_text.as_deref().map(|k| (CustomerKind::parse(k), k)) {
                    None => CustomerKind::Other,
                    Some((Some(k), _)) => k,
                    Some((None, k)) => {
                        let k = k.to_string();
                        row.bad("kind", &k, "is not gc, owner, homeowner or other");
                        CustomerKind::Other
                    }
                };
                let active = match row.text("active").map(|a| a.to_ascii_lowercase()) {
                    None => true,
                    Some(a) if ["yes", "y", "true", "1", "active"].contains(&a.as_str()) => true,
                    Some(a) if ["no", "n", "false", "0", "inactive"].contains(&a.as_str()) => false,
                    Some(a) => {
                        row.bad("active", &a, "is not yes or no");
                        true
                    }
                };
                if let Some(name) = name {
                    let key = id.clone().unwrap_or_else(|| name_key(&name));
                    made.push(Record::Customer(CustomerRecord {
                        external_id: key,
                        name,
                        kind: customer_kind,
                        email: row.text("email"),
                        address: row.text("address").map(|a| {
                            a.split(['|', '\n']).map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
                        }),
                        phone: row.text("phone"),
                        terms_days,
                        pm: row.text("pm"),
                        active,
                        version,
                    }));
                }
            }
            Kind::Jobs => {
                let name = row.required("job");
                let customer = row.required("customer");
                let project_type =
                    enum_field(&mut row, "project_type", ProjectType::parse, "private, public or residential");
                let role = enum_field(&mut row, "role", OurRole::parse, "gc, sub, sub_sub, supplier or laborer");
                let first = row.date("first_furnished", false);
                let last = row.date("last_furnished", false);
                let retainage_bp = match row.text("retainage_percent") {
                    None => 0,
                    Some(t) => match Money::parse(t.trim_end_matches('%').trim(), Currency::USD) {
                        Ok(m) if m.minor <= 10_000 => m.minor,
                        _ => {
                            row.bad("retainage_percent", &t, "is not a percentage like 10 or 5.5");
                            0
                        }
                    },
                };
                if let (Some(name), Some(customer)) = (name, customer) {
                    let customer_key = name_key(&customer);
                    referenced.entry(customer_key.clone()).or_insert(customer);
                    let key = row.text("job_id").unwrap_or_else(|| format!("{customer_key}/{}", name_key(&name)));
                    made.push(Record::Job(JobRecord {
                        external_id: key,
                        customer_external_id: customer_key,
                        name,
                        city: row.text("city"),
                        county: row.text("county"),
                        state: row.text("state").map(|s| s.to_ascii_uppercase()),
                        project_type,
                        role,
                        owner_name: row.text("owner"),
                        gc_name: row.text("gc"),
                        pm: row.text("pm"),
                        first_furnished: first,
                        last_furnished: last,
                        noc_recorded: None,
                        noc_expires: None,
                        retainage_bp,
                        version,
                    }));
                }
            }
            Kind::Invoices => {
                let number = row.required("invoice");
                let named = row.required("customer");
                let issued = row.date("date", true);
                let due = row.date("due", false);
                let currency = row.currency(default_currency);
                let total = row.amount("total", currency, true, true);
                let balance = row.amount("balance", currency, false, true);
                let paid = row.amount("paid", currency, false, false);
                let as_of = row.date("as_of", false).unwrap_or(opts.today);
                let retainage = row.amount("retainage", currency, false, false).unwrap_or(0);
                let credit_type = match row.text("type").map(|s| header_key(&s)) {
                    None => None,
                    Some(t) if ["invoice", "inv", "bill", "progress", "retainage"].contains(&t.as_str()) => Some(false),
                    Some(t) if ["creditmemo", "credit", "cm", "creditnote"].contains(&t.as_str()) => Some(true),
                    Some(_) => {
                        let t = row.text("type").unwrap_or_default();
                        row.bad("type", &t, "is not invoice or credit memo");
                        None
                    }
                };
                let voided = match row.text("status").map(|s| s.to_ascii_lowercase()) {
                    None => false,
                    // Sage 100 Contractor's status codes: 1 open, 2 review, 3 dispute, 4 paid, 5 void.
                    Some(s) if s == "void" || s == "voided" || s == "5" => true,
                    Some(s)
                        if [
                            "open", "paid", "partial", "overdue", "current", "review", "dispute", "1", "2", "3", "4",
                        ]
                        .contains(&s.as_str()) =>
                    {
                        false
                    }
                    Some(s) => {
                        row.bad("status", &s, "is not void (leave it empty for a normal invoice)");
                        false
                    }
                };
                // A credit: a negative total in any notation, or a row typed as a credit memo.
                let credit = credit_type.unwrap_or(total.is_some_and(|t| t < 0));
                if credit_type == Some(false) && total.is_some_and(|t| t < 0) {
                    row.bad(
                        "total",
                        &row.text("total").unwrap_or_default(),
                        "is negative on a row typed as an invoice; a credit memo's type is 'credit memo'",
                    );
                }
                let total = total.map(i64::abs);
                let balance = match (balance, paid, total) {
                    (Some(b), _, _) => Some(if credit { b.abs() } else { b }),
                    (None, Some(p), Some(t)) => Some(t - p),
                    _ => None,
                };
                if let (Some(t), Some(b)) = (total, balance)
                    && (b > t || b < 0)
                {
                    match row.text("balance") {
                        Some(v) if b > t => row.bad("balance", &v, "is more than the invoice total"),
                        Some(v) => row.bad(
                            "balance",
                            &v,
                            "is negative, and an invoice's balance can't be; a credit is a row of its own with a \
                             negative total",
                        ),
                        None => {
                            row.bad("paid", &row.text("paid").unwrap_or_default(), "is more than the invoice total")
                        }
                    }
                }
                if let (Some(i), Some(d)) = (issued, due)
                    && d < i
                {
                    row.bad("due", &d.to_string(), "is before the invoice date");
                }
                if let Some(n) = &number
                    && let Some(first) = seen.insert(n.clone(), row.n)
                {
                    row.bad("invoice", n, format!("is also on row {first}; each invoice number once"));
                }
                if let (Some(number), Some(named), Some(issued), Some(total)) = (number, named, issued, total) {
                    let (customer, job) = customer_and_job(&named, row.text("job"));
                    let customer_key = name_key(&customer);
                    referenced.entry(customer_key.clone()).or_insert(customer);
                    let job = job.map(|j| {
                        let key = format!("{customer_key}/{}", name_key(&j));
                        referenced_jobs.entry(key.clone()).or_insert((customer_key.clone(), j));
                        key
                    });
                    let balance = if voided { 0 } else { balance.unwrap_or(total) };
                    if credit {
                        made.push(Record::CreditMemo(CreditMemoRecord {
                            external_id: format!("cm:{number}"),
                            customer_external_id: customer_key,
                            number,
                            issued,
                            currency,
                            total_minor: if voided { 0 } else { total },
                            remaining_minor: balance,
                            version,
                        }));
                    } else {
                        made.push(Record::Invoice(InvoiceRecord {
                            external_id: format!("inv:{number}"),
                            customer_external_id: customer_key,
                            job_external_id: job,
                            number,
                            kind: InvoiceKind::Progress,
                            issued,
                            due: due.unwrap_or(issued),
                            currency,
                            total_minor: if voided { 0 } else { total },
                            balance_minor: balance,
                            retainage_minor: retainage.min(balance.max(0)),
                            voided,
                            memo: row.text("memo"),
                            balance_as_of: Some(as_of),
                            version,
                        }));
                    }
                }
            }
            Kind::Payments => {
                let customer = row.required("customer").map(|c| customer_and_job(&c, None).0);
                let received = row.date("date", true);
                let currency = row.currency(default_currency);
                let amount = row.amount("amount", currency, true, true);
                let amount = match amount {
                    Some(a) if a < 0 => {
                        let t = row.text("amount").unwrap_or_default();
                        row.bad(
                            "amount",
                            &t,
                            "is negative, and a payment received can't be; a credit memo goes in an invoices file, \
                             where a negative total imports as a credit",
                        );
                        None
                    }
                    a => a,
                };
                let has_applied_column = cols.contains_key("applied");
                let invoice = row.text("invoice");
                let applied = if has_applied_column { row.amount("applied", currency, false, false) } else { None };
                if let (Some(customer), Some(received), Some(amount)) = (customer, received, amount)
                    && row.problems.is_empty()
                {
                    let customer_key = name_key(&customer);
                    referenced.entry(customer_key.clone()).or_insert(customer);
                    let reference = row.text("reference");
                    let applied_amount = if has_applied_column {
                        applied.unwrap_or(if invoice.is_some() { amount } else { 0 })
                    } else {
                        amount
                    };
                    let key = match &reference {
                        Some(r) => format!("pay:{customer_key}:{r}"),
                        None => {
                            let base = format!(
                                "pay:{customer_key}:{received}:{amount}:{}",
                                invoice.clone().unwrap_or_default()
                            );
                            let n = occurrences.entry(base.clone()).or_insert(0);
                            *n += 1;
                            format!("{base}:{n}")
                        }
                    };
                    let app = invoice.map(|inv| ApplicationRecord {
                        invoice_external_id: format!("inv:{inv}"),
                        amount_minor: applied_amount,
                        credit_memo_external_id: None,
                    });
                    match payments.get_mut(&key) {
                        Some((p, first_row)) => {
                            if p.received != received || p.currency != currency {
                                let first = *first_row;
                                row.bad(
                                    "date",
                                    &received.to_string(),
                                    format!("differs from row {first}, which has the same payment reference"),
                                );
                            } else if has_applied_column && p.amount_minor != amount {
                                let first = *first_row;
                                row.bad(
                                    "amount",
                                    &amount.to_string(),
                                    format!("differs from row {first}, the same payment"),
                                );
                            } else {
                                if !has_applied_column {
                                    p.amount_minor += amount;
                                }
                                p.applications.extend(app);
                            }
                        }
                        None => {
                            payments.insert(
                                key.clone(),
                                (
                                    PaymentRecord {
                                        external_id: key,
                                        customer_external_id: customer_key,
                                        received,
                                        currency,
                                        amount_minor: amount,
                                        unapplied_minor: 0,
                                        method: row.text("method"),
                                        reference,
                                        applications: app.into_iter().collect(),
                                        version,
                                    },
                                    row.n,
                                ),
                            );
                        }
                    }
                }
            }
        }
        if row.problems.is_empty() {
            out.good_rows += 1;
            out.records.extend(made);
        } else {
            out.problems.append(&mut row.problems);
        }
    }
    for (_, (mut p, first_row)) in payments {
        let applied: i64 = p.applications.iter().map(|a| a.amount_minor).sum();
        if applied > p.amount_minor {
            out.problems.push(Problem {
                row: first_row,
                column: "applied".into(),
                value: Money::new(applied, p.currency).to_string(),
                why: format!("applies more than the payment's {}", Money::new(p.amount_minor, p.currency)),
            });
            out.good_rows = out.good_rows.saturating_sub(1);
            continue;
        }
        p.unapplied_minor = p.amount_minor - applied;
        out.records.push(Record::Payment(p));
    }
    out.items = out.records.len();
    // Customers and jobs the rows name, so invoices and payments land under a real name.
    let mut refs: Vec<Record> = Vec::new();
    for (key, name) in referenced {
        refs.push(Record::Customer(CustomerRecord {
            external_id: key,
            name,
            kind: CustomerKind::Other,
            email: None,
            address: None,
            phone: None,
            terms_days: None,
            pm: None,
            active: true,
            version: reference_version(),
        }));
    }
    for (key, (customer, name)) in referenced_jobs {
        refs.push(Record::Job(JobRecord {
            external_id: key,
            customer_external_id: customer,
            name,
            city: None,
            county: None,
            state: None,
            project_type: None,
            role: None,
            owner_name: None,
            gc_name: None,
            pm: None,
            first_furnished: None,
            last_furnished: None,
            noc_recorded: None,
            noc_expires: None,
            retainage_bp: 0,
            version: reference_version(),
        }));
    }
    if kind == Kind::Customers {
        refs.clear();
    }
    refs.append(&mut out.records);
    out.records = refs;
    out.problems.sort_by_key(|p| p.row);
    Ok(out)
}

/// A QuickBooks Desktop "Customer:Job" name is a customer and a job in one cell (when no job
/// column says otherwise).
fn customer_and_job(named: &str, job: Option<String>) -> (String, Option<String>) {
    match (named.split_once(':'), job) {
        (_, Some(j)) => (named.to_string(), Some(j)),
        (Some((c, j)), None) if !c.trim().is_empty() && !j.trim().is_empty() => {
            (c.trim().to_string(), Some(j.trim().to_string()))
        }
        (_, None) => (named.to_string(), None),
    }
}

fn enum_field<T>(row: &mut Row<'_>, field: &str, parse: fn(&str) -> Option<T>, allowed: &str) -> Option<T> {
    let t = row.text(field)?;
    let v = parse(&t);
    if v.is_none() {
        row.bad(field, &t, format!("is not one of {allowed}"));
    }
    v
}

#[cfg(test)]
mod tests;
