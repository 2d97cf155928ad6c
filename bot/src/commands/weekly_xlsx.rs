//! The weekly AR report as an XLSX workbook: Summary, Aging by customer, By job, By PM, Risks,
//! Actions, Paying slower. Money is written as numbers with the currency's number format, dates as dates.

use arbot_core::aging::AgingRow;
use arbot_core::money::{Currency, Money};
use arbot_core::weekly::WeeklyReport;
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

/// The sheets, in order.
pub const SHEETS: [&str; 7] = ["Summary", "Aging by customer", "By job", "By PM", "Risks", "Actions", "Paying slower"];

/// The file name the workbook is attached as.
pub fn file_name(r: &WeeklyReport) -> String {
    format!("weekly-ar-{}.xlsx", r.day)
}

pub(super) struct Styles {
    pub(super) money: Format,
    pub(super) date: Format,
    pub(super) header: Format,
    pub(super) pct: Format,
}

impl Styles {
    /// The workbooks' formats: money in the currency's format, dates as dates, bold headers.
    pub(super) fn new(currency: Currency) -> Styles {
        Styles {
            money: Format::new().set_num_format(money_format(currency)),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            header: Format::new().set_bold(),
            pct: Format::new().set_num_format("0.0"),
        }
    }
}

/// A cell value for an amount in minor units: the same decimal text arbot shows, read as the
/// number a spreadsheet stores (the only place money becomes a float, at the file's edge).
pub(super) fn amount(currency: Currency, minor: i64) -> f64 {
    Money::new(minor, currency).to_plain_string().parse().unwrap_or(0.0)
}

pub(super) fn money_format(currency: Currency) -> String {
    let decimals = match currency.minor_digits() {
        0 => String::new(),
        n => format!(".{}", "0".repeat(n as usize)),
    };
    match currency.code() {
        "USD" => format!("$#,##0{decimals};-$#,##0{decimals}"),
        code => format!("#,##0{decimals} \"{code}\";-#,##0{decimals} \"{code}\""),
    }
}

pub(super) fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

pub(super) fn headers(ws: &mut Worksheet, s: &Styles, cols: &[(&str, f64)]) -> Result<(), XlsxError> {
    for (i, (name, width)) in cols.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *name, &s.header)?;
        ws.set_column_width(i as u16, *width)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn aging_sheet(
    ws: &mut Worksheet,
    s: &Styles,
    r: &WeeklyReport,
    first: &str,
    rows: &[AgingRow],
) -> Result<(), XlsxError> {
    let mut cols: Vec<(&str, f64)> = vec![(first, 34.0)];
    cols.extend(r.labels.iter().map(|l| (l.as_str(), 14.0)));
    cols.extend([
        ("Retainage", 14.0),
        ("Open", 15.0),
        ("Past due", 15.0),
        ("Over 90 days", 15.0),
        ("In dispute", 14.0),
        ("Invoices", 10.0),
        ("Oldest days past due", 12.0),
    ]);
    headers(ws, s, &cols)?;
    let m = |v: i64| amount(r.currency, v);
    for (i, row) in rows.iter().enumerate() {
        let y = i as u32 + 1;
        ws.write_string(y, 0, &row.label)?;
        let mut x = 1u16;
        for b in 0..r.labels.len() {
            ws.write_number_with_format(y, x, m(row.buckets.get(b).copied().unwrap_or(0)), &s.money)?;
            x += 1;
        }
        for v in [row.retainage, row.total, row.overdue, row.overdue_90, row.disputed] {
            ws.write_number_with_format(y, x, m(v), &s.money)?;
            x += 1;
        }
        ws.write_number(y, x, row.invoices as f64)?;
        ws.write_number(y, x + 1, row.oldest_days as f64)?;
    }
    Ok(())
}

/// Renders the workbook.
pub fn workbook(r: &WeeklyReport) -> Result<Vec<u8>, XlsxError> {
    let s = Styles::new(r.currency);
    let m = |v: i64| amount(r.currency, v);
    let mut wb = Workbook::new();

    let ws = wb.add_worksheet().set_name(SHEETS[0])?;
    // The three days (now, a week before, four weeks before) head their columns as dates.
    headers(ws, &s, &[("Measure", 40.0), ("", 15.0), ("", 15.0), ("", 17.0)])?;
    for (i, p) in r.aging.iter().enumerate() {
        ws.write_datetime_with_format(0, i as u16 + 1, excel_date(p.day)?, &s.date.clone().set_bold())?;
    }
    let mut y = 1u32;
    let mut money_row = |ws: &mut Worksheet, name: &str, v: [i64; 3]| -> Result<(), XlsxError> {
        ws.write_string(y, 0, name)?;
        for (i, v) in v.iter().enumerate() {
            ws.write_number_with_format(y, i as u16 + 1, m(*v), &s.money)?;
        }
        y += 1;
        Ok(())
    };
    let [a0, a1, a2] = &r.aging;
    money_row(ws, "Open", [a0.total, a1.total, a2.total])?;
    money_row(
        ws,
        "Past due, not in dispute",
        [a0.collectible_overdue(), a1.collectible_overdue(), a2.collectible_overdue()],
    )?;
    money_row(ws, "In dispute", [a0.disputed, a1.disputed, a2.disputed])?;
    money_row(ws, "Over 90 days", [a0.overdue_90, a1.overdue_90, a2.overdue_90])?;
    for (b, label) in r.labels.iter().enumerate() {
        let at = |p: &arbot_core::weekly::AgingPoint| p.buckets.get(b).copied().unwrap_or(0);
        money_row(ws, label, [at(a0), at(a1), at(a2)])?;
    }
    let mut y = 5 + r.labels.len() as u32;
    let kpi_rows: [(&str, [Option<f64>; 3]); 4] = [
        ("DSO (countback), days", [r.kpis[0].dso, r.kpis[1].dso, r.kpis[2].dso]),
        (
            "Over 90 days, % of open (target < 10%)",
            [r.kpis[0].over_90_share, r.kpis[1].over_90_share, r.kpis[2].over_90_share],
        ),
        ("CEI, %", [r.kpis[0].cei, r.kpis[1].cei, r.kpis[2].cei]),
        (
            "Average days delinquent",
            [r.kpis[0].average_days_delinquent, r.kpis[1].average_days_delinquent, r.kpis[2].average_days_delinquent],
        ),
    ];
    for (name, vals) in kpi_rows {
        ws.write_string(y, 0, name)?;
        for (i, v) in vals.iter().enumerate() {
            match v {
                Some(v) => ws.write_number_with_format(y, i as u16 + 1, *v, &s.pct)?,
                None => ws.write_string(y, i as u16 + 1, "n/a")?,
            };
        }
        y += 1;
    }
    ws.write_string(y, 0, "Promises kept, %")?;
    for (i, p) in r.promises.iter().enumerate() {
        match p.rate() {
            Some(v) => ws.write_number_with_format(y, i as u16 + 1, v, &s.pct)?,
            None => ws.write_string(y, i as u16 + 1, "none due")?,
        };
    }
    y += 1;
    ws.write_string(y, 0, "Snapshot rebuilt from the ledger")?;
    for (i, p) in r.aging.iter().enumerate() {
        ws.write_string(y, i as u16 + 1, if p.rebuilt { "yes" } else { "no" })?;
    }

    let ws = wb.add_worksheet().set_name(SHEETS[1])?;
    aging_sheet(ws, &s, r, "Customer", &r.by_customer)?;
    let ws = wb.add_worksheet().set_name(SHEETS[2])?;
    aging_sheet(ws, &s, r, "Job", &r.by_job)?;
    let ws = wb.add_worksheet().set_name(SHEETS[3])?;
    aging_sheet(ws, &s, r, "PM", &r.by_pm)?;

    let ws = wb.add_worksheet().set_name(SHEETS[4])?;
    headers(
        ws,
        &s,
        &[
            ("Customer", 34.0),
            ("Open", 15.0),
            ("Past due, not in dispute", 15.0),
            ("Past due in dispute", 15.0),
            ("Oldest days past due", 12.0),
            ("Broken promises", 10.0),
            ("Days since last contact", 12.0),
            ("Why", 80.0),
        ],
    )?;
    for (i, x) in r.risks.iter().enumerate() {
        let y = i as u32 + 1;
        ws.write_string(y, 0, &x.name)?;
        ws.write_number_with_format(y, 1, m(x.total), &s.money)?;
        ws.write_number_with_format(y, 2, m(x.collectible_overdue()), &s.money)?;
        ws.write_number_with_format(y, 3, m(x.disputed_overdue), &s.money)?;
        ws.write_number(y, 4, x.oldest_days as f64)?;
        ws.write_number(y, 5, f64::from(x.broken_promises))?;
        match x.last_contact_days {
            Some(d) => ws.write_number(y, 6, d as f64)?,
            None => ws.write_string(y, 6, "none on record")?,
        };
        ws.write_string(y, 7, x.reasons.join("; "))?;
    }

    let ws = wb.add_worksheet().set_name(SHEETS[5])?;
    headers(
        ws,
        &s,
        &[("Action", 60.0), ("Why", 60.0), ("Past due", 15.0), ("Oldest days past due", 12.0), ("Rule", 8.0)],
    )?;
    for (i, a) in r.actions.iter().enumerate() {
        let y = i as u32 + 1;
        ws.write_string(y, 0, super::weekly::action_text(a))?;
        ws.write_string(y, 1, &a.why)?;
        ws.write_number_with_format(y, 2, m(a.overdue), &s.money)?;
        ws.write_number(y, 3, a.oldest_days as f64)?;
        ws.write_number(y, 4, a.rule as f64)?;
    }

    // Accounts paying slower with money not yet due: named before they are overdue.
    let ws = wb.add_worksheet().set_name(SHEETS[6])?;
    headers(
        ws,
        &s,
        &[
            ("Customer", 34.0),
            ("Median days late, last quarter", 14.0),
            ("Median days late, three quarters before", 14.0),
            ("Slower by (days)", 12.0),
            ("Not yet due", 15.0),
        ],
    )?;
    for (i, x) in r.slowing.iter().enumerate() {
        let y = i as u32 + 1;
        ws.write_string(y, 0, &x.name)?;
        ws.write_number(y, 1, x.recent_median as f64)?;
        ws.write_number(y, 2, x.before_median as f64)?;
        ws.write_number(y, 3, x.slower_by as f64)?;
        ws.write_number_with_format(y, 4, m(x.not_yet_due_minor), &s.money)?;
    }
    if r.slowing.is_empty() {
        ws.write_string(1, 0, "No account with money not yet due is paying slower.")?;
    }
    wb.save_to_buffer()
}
