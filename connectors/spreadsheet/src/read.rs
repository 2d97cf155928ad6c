//! Reading a file into a header row and cells: CSV (comma, semicolon or tab separated, with or
//! without a byte-order mark) or a workbook (XLSX, XLS, ODS) through calamine.

use std::borrow::Cow;
use std::path::Path;

use calamine::{Data, Reader};
use chrono::NaiveDate;

use crate::ImportError;

/// One cell, as the file holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A spreadsheet number, as decimal text (never a float in arbot).
    Number(String),
    /// A spreadsheet date cell.
    Date(NaiveDate),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) | Cell::Number(t) => t.clone(),
            Cell::Date(d) => d.to_string(),
        }
    }
}

/// A sheet: its header row and the rows under it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Each row's number as the spreadsheet shows it (the header is row 1).
    pub numbers: Vec<usize>,
}

/// Reads `path` by its extension: `.csv`/`.tsv`/`.txt`, or `.xlsx`/`.xlsm`/`.xls`/`.ods`.
pub fn read_file(path: &Path, sheet: Option<&str>) -> Result<Table, ImportError> {
    let file = path.display().to_string();
    let unreadable = |why: String| ImportError::Unreadable { file: file.clone(), why };
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "tsv" | "txt" => {
            let bytes = std::fs::read(path).map_err(|e| {
                unreadable(match e.kind() {
                    std::io::ErrorKind::NotFound => "there is no such file".to_string(),
                    std::io::ErrorKind::PermissionDenied => {
                        "arbot is not allowed to read it (check its permissions)".into()
                    }
                    _ => format!("the file could not be read ({})", e.kind()),
                })
            })?;
            read_csv(&bytes).map_err(unreadable)
        }
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => read_workbook(path, sheet).map_err(unreadable),
        _ => Err(unreadable("arbot reads .csv and .xlsx files (and .xls, .ods)".into())),
    }
}

/// A CSV file's bytes as UTF-8: UTF-8 (with or without a byte-order mark) as it is; UTF-16 with
/// a byte-order mark (what Excel's "Unicode text" writes) decoded; anything else that is not
/// UTF-8 read as Windows-1252, the Latin-1 superset older Windows exports use.
pub fn to_utf8(bytes: &[u8]) -> Cow<'_, [u8]> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Cow::Borrowed(rest);
    }
    let utf16 = |rest: &[u8], unit: fn([u8; 2]) -> u16| {
        let units: Vec<u16> = rest.chunks(2).map(|c| unit([c[0], c.get(1).copied().unwrap_or(0)])).collect();
        Cow::Owned(String::from_utf16_lossy(&units).into_bytes())
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes);
    }
    if std::str::from_utf8(bytes).is_ok() {
        return Cow::Borrowed(bytes);
    }
    Cow::Owned(bytes.iter().map(|&b| windows_1252(b)).collect::<String>().into_bytes())
}

/// One Windows-1252 byte: Latin-1, except 0x80-0x9F, where Windows put the euro sign, curly
/// quotes and dashes (the five bytes it left undefined read as Latin-1's control characters).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// CSV text: the separator is whichever of `,` `;` and tab the header row uses most.
pub fn read_csv(bytes: &[u8]) -> Result<Table, String> {
    let decoded = to_utf8(bytes);
    let bytes: &[u8] = &decoded;
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| first_line.iter().filter(|b| **b == c).count();
    let delimiter = [b',', b';', b'\t'].into_iter().max_by_key(|c| count(*c)).unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            tracing::debug!("CSV header: {e}");
            "the header row is unreadable; save the file as CSV (UTF-8) and import it again".to_string()
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    let mut numbers = Vec::new();
    // Newlines counted so far, up to byte `counted_to`: rows come in file order, so each byte is
    // counted once (counting from the start for every row made a large file quadratic).
    let (mut counted_to, mut newlines) = (0usize, 0usize);
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| {
            tracing::debug!("CSV row {}: {e}", i + 2);
            format!("row {} is unreadable; save the file as CSV (UTF-8) and import it again", i + 2)
        })?;
        // The line the row starts on, counting blank lines as a spreadsheet shows them.
        let line = rec.position().map(|p| {
            let mut at = (p.byte() as usize).min(bytes.len());
            // The position may sit before blank lines the reader skipped.
            while at < bytes.len() && (bytes[at] == b'\n' || bytes[at] == b'\r') {
                at += 1;
            }
            if at >= counted_to {
                newlines += bytes[counted_to..at].iter().filter(|b| **b == b'\n').count();
                counted_to = at;
            } else {
                newlines = bytes[..at].iter().filter(|b| **b == b'\n').count();
                counted_to = at;
            }
            newlines + 1
        });
        numbers.push(line.unwrap_or(i + 2));
        rows.push(
            rec.iter().map(|c| if c.trim().is_empty() { Cell::Empty } else { Cell::Text(c.to_string()) }).collect(),
        );
    }
    if headers.iter().all(String::is_empty) {
        return Err("it is empty; the first row must name the columns".into());
    }
    Ok(Table { headers, rows, numbers })
}

/// What to say of a workbook calamine could not read (its words go to the log).
fn damaged(e: impl std::fmt::Display) -> String {
    tracing::debug!("workbook: {e}");
    "it is not a workbook arbot can open: it looks damaged or cut short (a download that did not finish?). \
     Open it in Excel and save it again, or save it as CSV"
        .to_string()
}

fn read_workbook(path: &Path, sheet: Option<&str>) -> Result<Table, String> {
    let mut book = calamine::open_workbook_auto(path).map_err(damaged)?;
    let range = match sheet {
        Some(name) => book.worksheet_range(name).map_err(|e| {
            tracing::debug!("sheet {name}: {e}");
            format!("there is no sheet named '{name}'; the sheets are {}", book.sheet_names().join(", "))
        })?,
        None => match book.worksheet_range_at(0) {
            Some(r) => r.map_err(damaged)?,
            None => return Err("the workbook has no sheets".into()),
        },
    };
    let first = range.start().map(|(row, _)| row as usize + 1).unwrap_or(1);
    let mut rows = range.rows();
    let headers: Vec<String> = match rows.next() {
        Some(r) => r.iter().map(|c| cell(c).text().trim().to_string()).collect(),
        None => return Err("the sheet is empty; the first row must name the columns".into()),
    };
    let rows: Vec<Vec<Cell>> = rows.map(|r| r.iter().map(cell).collect()).collect();
    let numbers = (0..rows.len()).map(|i| first + 1 + i).collect();
    Ok(Table { headers, rows, numbers })
}

fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(i.to_string()),
        Data::Float(f) => Cell::Number(float_text(*f)),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if dt.is_datetime() => Cell::Date(t.date()),
            _ => Cell::Number(float_text(dt.as_f64())),
        },
        Data::DateTimeIso(s) => match NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
            Ok(d) => Cell::Date(d),
            Err(_) => Cell::Text(s.clone()),
        },
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// A spreadsheet number as Excel shows it: at most six decimals, no float noise
/// (`0.30000000000000004` is `0.3`), trailing zeros dropped.
pub fn float_text(f: f64) -> String {
    let s = format!("{f:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_string() } else { s.to_string() }
}
