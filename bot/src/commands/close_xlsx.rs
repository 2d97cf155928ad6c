//! The month-end close pack as an XLSX workbook, written with the weekly report's helpers: money
//! as numbers in the currency's number format, dates as dates, the header row frozen.

use arbot_core::close::{Applied, ClosePack, OnAccount};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

use super::weekly_xlsx::{Styles, amount, excel_date, headers};

/// The sheets, in order.
pub const SHEETS: [&str; 8] = [
    "Summary",
    "Aging by customer",
    "Unapplied and credits",
    "Disputes",
    "Promises and plans rolled",
    "Retainage",
    "Invoices issued",
    "Collected",
];

/// The file name the workbook is attached as: `close-2026-11.xlsx`.
pub fn file_name(r: &ClosePack) -> String {
    format!("close-{}.xlsx", r.key())
}

fn on_account(
    ws: &mut Worksheet,
    s: &Styles,
    r: &ClosePack,
    y: &mut u32,
    kind: &str,
    rows: &[OnAccount],
) -> Result<(), XlsxError> {
    for x in rows {
        ws.write_string(*y, 0, kind)?;
        ws.write_string(*y, 1, &x.customer_name)?;
        ws.write_string(*y, 2, x.reference.as_deref().unwrap_or(""))?;
        ws.write_datetime_with_format(*y, 3, excel_date(x.date)?, &s.date)?;
        ws.write_number_with_format(*y, 4, amount(r.currency, x.amount), &s.money)?;
        ws.write_number_with_format(*y, 5, amount(r.currency, x.open), &s.money)?;
        *y += 1;
    }
    Ok(())
}

fn applied(ws: &mut Worksheet, s: &Styles, r: &ClosePack, y: &mut u32, rows: &[Applied]) -> Result<(), XlsxError> {
    for x in rows {
        ws.write_datetime_with_format(*y, 0, excel_date(x.applied_on)?, &s.date)?;
        ws.write_string(*y, 1, &x.customer_name)?;
        ws.write_string(*y, 2, &x.invoice_number)?;
        match &x.credit_memo {
            Some(cm) => ws.write_string(*y, 3, format!("credit memo {cm}"))?,
            None => ws.write_string(*y, 3, "cash")?,
        };
        ws.write_string(*y, 4, x.reference.as_deref().unwrap_or(""))?;
        ws.write_datetime_with_format(*y, 5, excel_date(x.received)?, &s.date)?;
        ws.write_number_with_format(*y, 6, amount(r.currency, x.amount), &s.money)?;
        *y += 1;
    }
    Ok(())
}

/// Renders the workbook.
pub fn workbook(r: &ClosePack) -> Result<Vec<u8>, XlsxError> {
    let s = Styles::new(r.currency);
    let m = |v: i64| amount(r.currency, v);
    let mut wb = Workbook::new();

    // Summary: one figure a row, the period's last day heading the value column.
    let ws = wb.add_worksheet().set_name(SHEETS[0])?;
    headers(ws, &s, &[("Measure", 52.0), ("", 17.0)])?;
    ws.write_datetime_with_format(0, 1, excel_date(r.last)?, &s.date.clone().set_bold())?;
    let a = &r.aging;
    let t = &r.retainage;
    let mut rows: Vec<(String, i64)> = vec![
        ("Open".into(), a.total),
        ("Past due, not in dispute".into(), a.collectible_overdue()),
        ("In dispute (aging)".into(), a.disputed),
        ("Over 90 days".into(), a.overdue_90),
    ];
    rows.extend(r.labels.iter().zip(&a.buckets).map(|(l, v)| (l.clone(), *v)));
    rows.extend([
        ("Retainage held".to_string(), a.retainage()),
        ("Unapplied cash".into(), r.unapplied_total()),
        ("Open credit memos".into(), r.credit_memos_total()),
        ("In dispute (invoices open in dispute)".into(), r.disputed_total()),
        ("Promises rolled into the new month".into(), r.promised_total()),
        ("Plan installments rolled into the new month".into(), r.installments_total()),
        ("Retainage held at the start".into(), t.held_start),
        ("Retainage on invoices issued in the month".into(), t.retained),
        ("Retainage paid in the month".into(), t.paid),
        ("Retainage otherwise no longer held".into(), t.other),
        ("Retainage held at the end".into(), t.held_end),
        ("Retainage billed on retainage invoices".into(), t.billed),
        ("Cash collected on retainage invoices".into(), t.collected_on_billed),
        ("Invoiced in the month".into(), r.issued_total()),
        ("Cash collected in the month".into(), r.collected_total()),
        ("Credits applied in the month".into(), r.credits_applied_total()),
    ]);
    let mut y = 1u32;
    for (name, v) in &rows {
        ws.write_string(y, 0, name)?;
        ws.write_number_with_format(y, 1, m(*v), &s.money)?;
        y += 1;
    }
    for (name, n) in [
        ("Invoices issued in the month", r.issued.len()),
        ("Cash applications in the month", r.collected.len()),
        ("Invoices in dispute", r.disputes.len()),
    ] {
        ws.write_string(y, 0, name)?;
        ws.write_number(y, 1, n as f64)?;
        y += 1;
    }
    ws.write_string(y, 0, "Aging snapshot rebuilt from the ledger")?;
    ws.write_string(y, 1, if a.rebuilt { "yes" } else { "no" })?;

    // Aging by customer at the period's end, as `/ar aging <last day>` lists it.
    let ws = wb.add_worksheet().set_name(SHEETS[1])?;
    let mut cols: Vec<(&str, f64)> = vec![("Customer", 34.0)];
    cols.extend(r.labels.iter().map(|l| (l.as_str(), 14.0)));
    cols.extend([
        ("Retainage", 14.0),
        ("Open", 15.0),
        ("Past due", 15.0),
        ("Over 90 days", 15.0),
        ("In dispute", 14.0),
        ("Invoices", 10.0),
    ]);
    headers(ws, &s, &cols)?;
    for (i, row) in r.by_customer.iter().enumerate() {
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
    }

    let ws = wb.add_worksheet().set_name(SHEETS[2])?;
    headers(
        ws,
        &s,
        &[
            ("Kind", 16.0),
            ("Customer", 34.0),
            ("Reference", 18.0),
            ("Date", 12.0),
            ("Amount", 15.0),
            ("On account at the end", 15.0),
        ],
    )?;
    let mut y = 1u32;
    on_account(ws, &s, r, &mut y, "unapplied cash", &r.unapplied)?;
    on_account(ws, &s, r, &mut y, "credit memo", &r.credit_memos)?;

    let ws = wb.add_worksheet().set_name(SHEETS[3])?;
    headers(
        ws,
        &s,
        &[
            ("Invoice", 12.0),
            ("Customer", 34.0),
            ("Reason", 28.0),
            ("Opened", 12.0),
            ("Due", 12.0),
            ("Balance at the end", 15.0),
        ],
    )?;
    for (i, x) in r.disputes.iter().enumerate() {
        let y = i as u32 + 1;
        ws.write_string(y, 0, &x.number)?;
        ws.write_string(y, 1, &x.customer_name)?;
        ws.write_string(y, 2, &x.reason)?;
        ws.write_datetime_with_format(y, 3, excel_date(x.opened_on)?, &s.date)?;
        ws.write_datetime_with_format(y, 4, excel_date(x.due)?, &s.date)?;
        ws.write_number_with_format(y, 5, m(x.balance), &s.money)?;
    }

    let ws = wb.add_worksheet().set_name(SHEETS[4])?;
    headers(
        ws,
        &s,
        &[
            ("Kind", 16.0),
            ("Customer", 34.0),
            ("Due", 12.0),
            ("Logged", 12.0),
            ("Amount", 15.0),
            ("Owed at the end", 15.0),
        ],
    )?;
    let mut y = 1u32;
    for x in &r.promises {
        ws.write_string(y, 0, "promise")?;
        ws.write_string(y, 1, &x.customer_name)?;
        ws.write_datetime_with_format(y, 2, excel_date(x.promised_for)?, &s.date)?;
        ws.write_datetime_with_format(y, 3, excel_date(x.logged_on)?, &s.date)?;
        ws.write_number_with_format(y, 4, m(x.amount), &s.money)?;
        ws.write_number_with_format(y, 5, m(x.owed), &s.money)?;
        y += 1;
    }
    for x in &r.installments {
        ws.write_string(y, 0, format!("installment {} of {}", x.seq, x.of))?;
        ws.write_string(y, 1, &x.customer_name)?;
        ws.write_datetime_with_format(y, 2, excel_date(x.due_on)?, &s.date)?;
        ws.write_string(y, 3, format!("plan {}", x.plan_id))?;
        ws.write_number_with_format(y, 4, m(x.amount), &s.money)?;
        ws.write_number_with_format(y, 5, m(x.owed), &s.money)?;
        y += 1;
    }

    let ws = wb.add_worksheet().set_name(SHEETS[5])?;
    headers(ws, &s, &[("Retainage", 60.0), ("Amount", 15.0)])?;
    let lines: [(String, i64); 8] = [
        (format!("Held at the end of {}", r.aging_before.day), t.held_start),
        ("Retained on invoices issued in the month".into(), t.retained),
        ("Paid out of retainage (cash and credits applied in the month)".into(), t.paid),
        ("Otherwise no longer held (released without a payment, or changed since)".into(), t.other),
        (format!("Held at the end of {}", r.last), t.held_end),
        (format!("Retainage invoices issued in the month ({})", t.billed_invoices), t.billed),
        ("Cash collected on retainage invoices in the month".into(), t.collected_on_billed),
        ("Paid out of retainage and collected on retainage invoices".into(), t.paid + t.collected_on_billed),
    ];
    for (i, (name, v)) in lines.iter().enumerate() {
        ws.write_string(i as u32 + 1, 0, name)?;
        ws.write_number_with_format(i as u32 + 1, 1, m(*v), &s.money)?;
    }

    let ws = wb.add_worksheet().set_name(SHEETS[6])?;
    headers(
        ws,
        &s,
        &[
            ("Invoice", 12.0),
            ("Customer", 34.0),
            ("Job", 30.0),
            ("Kind", 12.0),
            ("Issued", 12.0),
            ("Due", 12.0),
            ("Total", 15.0),
            ("Retainage", 14.0),
        ],
    )?;
    for (i, x) in r.issued.iter().enumerate() {
        let y = i as u32 + 1;
        ws.write_string(y, 0, &x.number)?;
        ws.write_string(y, 1, &x.customer_name)?;
        ws.write_string(y, 2, x.job_name.as_deref().unwrap_or(""))?;
        ws.write_string(y, 3, x.kind.as_str())?;
        ws.write_datetime_with_format(y, 4, excel_date(x.issued)?, &s.date)?;
        ws.write_datetime_with_format(y, 5, excel_date(x.due)?, &s.date)?;
        ws.write_number_with_format(y, 6, m(x.total), &s.money)?;
        ws.write_number_with_format(y, 7, m(x.retainage), &s.money)?;
    }

    let ws = wb.add_worksheet().set_name(SHEETS[7])?;
    headers(
        ws,
        &s,
        &[
            ("Applied", 12.0),
            ("Customer", 34.0),
            ("Invoice", 12.0),
            ("Cash or credit", 22.0),
            ("Payment reference", 18.0),
            ("Received", 12.0),
            ("Amount", 15.0),
        ],
    )?;
    let mut y = 1u32;
    applied(ws, &s, r, &mut y, &r.collected)?;
    applied(ws, &s, r, &mut y, &r.credits_applied)?;
    wb.save_to_buffer()
}
