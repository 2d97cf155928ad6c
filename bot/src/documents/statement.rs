//! A customer's statement laid out as the customer reads it: as a one- or two-page PDF (the
//! letterhead, the bill-to address, the period's summary, the account's activity with a running
//! balance, the invoices open with their aging, and a remittance slip to return with a check) and
//! as CSV for the customer's AP clerk. Every figure comes from core's [`Statement`].

use arbot_core::Money;
use arbot_core::dates::long_date;
use arbot_core::ledger::Customer;
use arbot_core::statement::{BUCKETS, LineKind, Statement, StatementLine};

use super::pdf::{Doc, Face, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, text_width};
use crate::config::BusinessDetails;

/// Who the statement is from.
#[derive(Debug, Clone, Copy)]
pub struct Sender<'a> {
    pub name: &'a str,
    pub details: &'a BusinessDetails,
}

const RIGHT: f32 = PAGE_WIDTH - MARGIN;
const BODY: f32 = 9.0;
const ROW: f32 = 14.0;

fn money(s: &Statement, minor: i64) -> String {
    Money::new(minor, s.currency).to_string()
}

/// `Acme-Builders-statement-2026-11.pdf`: the customer and the period's last month.
pub fn file_name(s: &Statement, ext: &str) -> String {
    named(&s.customer_name, s.period_end, s.currency, ext)
}

/// [`file_name`] from the customer's name, the period's last day and the currency.
pub fn named(customer: &str, period_end: chrono::NaiveDate, currency: arbot_core::Currency, ext: &str) -> String {
    let name =
        customer.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    let code = if currency.code() == "USD" { String::new() } else { format!("-{}", currency.code()) };
    format!("{name}-statement-{}{code}.{ext}", period_end.format("%Y-%m"))
}

/// `s` cut with an ellipsis to fit `width`.
fn fit(s: &str, width: f32, size: f32, face: Face) -> String {
    if text_width(s, size, face) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if text_width(&format!("{out}{c}…"), size, face) > width {
            break;
        }
        out.push(c);
    }
    format!("{}…", out.trim_end())
}

/// What an activity line says: "Invoice #1042", "Payment 5531 applied to #1042".
pub fn describe(line: &StatementLine) -> String {
    let reference = line.reference.trim();
    match line.kind {
        LineKind::Invoice => format!("Invoice #{}", line.invoice),
        LineKind::Payment if reference.is_empty() => format!("Payment applied to #{}", line.invoice),
        LineKind::Payment => format!("Payment {reference} applied to #{}", line.invoice),
        LineKind::Credit if reference.is_empty() => format!("Credit applied to #{}", line.invoice),
        LineKind::Credit => format!("Credit {reference} applied to #{}", line.invoice),
    }
}

fn period_text(s: &Statement) -> String {
    format!("{} – {}", s.period_start.format("%b %-d"), long_date(s.period_end))
}

/// The statement as PDF.
pub fn pdf(s: &Statement, from: Sender<'_>, customer: &Customer) -> Vec<u8> {
    let title = format!("Statement for {} from {}, {}", s.customer_name, from.name, period_text(s));
    let footer = format!("{} · statement for {} · {}", from.name, s.customer_name, period_text(s));
    let mut doc = Doc::new(title, footer);
    letterhead(&mut doc, s, from);
    bill_to_and_summary(&mut doc, s, customer);
    activity(&mut doc, s);
    open_items(&mut doc, s);
    remittance(&mut doc, s, from);
    doc.finish()
}

fn letterhead(doc: &mut Doc, s: &Statement, from: Sender<'_>) {
    let top = PAGE_HEIGHT - MARGIN - 12.0;
    doc.text(MARGIN, top, 15.0, Face::Bold, &fit(from.name, 300.0, 15.0, Face::Bold));
    let mut y = top - 15.0;
    let d = from.details;
    let contact: Vec<&str> = [d.phone.as_deref(), d.email.as_deref()].into_iter().flatten().collect();
    let contact = contact.join("  ·  ");
    for line in d.address.iter().map(String::as_str).chain((!contact.is_empty()).then_some(contact.as_str())) {
        doc.text(MARGIN, y, BODY, Face::Regular, &fit(line, 300.0, BODY, Face::Regular));
        y -= 11.5;
    }
    doc.text_right(RIGHT, top, 20.0, Face::Bold, "STATEMENT");
    let facts = [
        ("Statement date", long_date(s.as_of)),
        ("Period", period_text(s)),
        ("Currency", s.currency.code().to_string()),
    ];
    let mut fy = top - 18.0;
    for (label, value) in facts {
        doc.text_right(RIGHT - 110.0, fy, BODY, Face::Regular, label);
        doc.text_right(RIGHT, fy, BODY, Face::Bold, &value);
        fy -= 12.0;
    }
    doc.y = y.min(fy) - 10.0;
    doc.rule(MARGIN, RIGHT, doc.y, 0.8);
}

fn bill_to_and_summary(doc: &mut Doc, s: &Statement, customer: &Customer) {
    let top = doc.y - 20.0;
    doc.text(MARGIN, top, 8.0, Face::Bold, "BILL TO");
    doc.text(MARGIN, top - 15.0, 11.0, Face::Bold, &fit(&s.customer_name, 250.0, 11.0, Face::Bold));
    let mut y = top - 29.0;
    let address = customer.address.as_deref().unwrap_or("");
    for line in address.lines().map(str::trim).filter(|l| !l.is_empty()) {
        doc.text(MARGIN, y, BODY + 1.0, Face::Regular, &fit(line, 250.0, BODY + 1.0, Face::Regular));
        y -= 12.5;
    }
    if let Some(email) = customer.email.as_deref().filter(|e| !e.trim().is_empty()) {
        doc.text(MARGIN, y, BODY, Face::Regular, &fit(email, 250.0, BODY, Face::Regular));
        y -= 12.5;
    }

    // The summary, on the right.
    let left = 330.0;
    doc.text(left, top, 8.0, Face::Bold, "ACCOUNT SUMMARY");
    let rows = [
        (format!("Balance on {}", long_date(s.period_start)), s.opening_minor, false),
        ("Invoices".to_string(), s.invoiced_minor, false),
        ("Payments".to_string(), -s.paid_minor, false),
        ("Credits".to_string(), -s.credited_minor, false),
        (format!("Balance on {}", long_date(s.period_end)), s.closing_minor, true),
    ];
    let mut sy = top - 15.0;
    for (label, amount, strong) in rows {
        let face = if strong { Face::Bold } else { Face::Regular };
        if strong {
            doc.rule(left, RIGHT, sy + 9.5, 0.5);
        }
        doc.text(left, sy, BODY, face, &label);
        doc.text_right(RIGHT, sy, BODY, face, &money(s, amount));
        sy -= 13.0;
    }
    if s.on_account_minor != 0 {
        doc.text(left, sy, BODY, Face::Regular, "Unapplied payments and credits");
        doc.text_right(RIGHT, sy, BODY, Face::Regular, &money(s, -s.on_account_minor));
        sy -= 13.0;
    }
    sy -= 4.0;
    doc.band(left - 6.0, sy - 6.0, RIGHT - left + 12.0, 20.0, 0.9);
    doc.text(left, sy, 10.0, Face::Bold, &format!("Amount due on {}", long_date(s.as_of)));
    doc.text_right(RIGHT, sy, 11.0, Face::Bold, &money(s, s.amount_due_minor));
    sy -= 19.0;
    if s.retainage_minor > 0 {
        doc.text(left, sy, 8.0, Face::Regular, "Retainage held (not yet due)");
        doc.text_right(RIGHT, sy, 8.0, Face::Regular, &money(s, s.retainage_minor));
        sy -= 12.0;
    }
    doc.y = y.min(sy) - 10.0;
}

/// A table's header band; the cursor moves under it.
fn header(doc: &mut Doc, cols: &[(&str, f32, bool)]) {
    doc.band(MARGIN, doc.y - 4.5, RIGHT - MARGIN, 15.0, 0.88);
    for (label, x, right) in cols {
        if *right {
            doc.text_right(*x, doc.y, 8.0, Face::Bold, label);
        } else {
            doc.text(*x, doc.y, 8.0, Face::Bold, label);
        }
    }
    doc.y -= ROW + 1.0;
}

/// A section title, on a new page when the title, the header and a couple of rows do not fit.
fn section(doc: &mut Doc, title: &str, cols: &[(&str, f32, bool)]) {
    if !doc.fits(22.0 + 3.0 * ROW) {
        doc.new_page();
    }
    doc.y -= 14.0;
    doc.text(MARGIN, doc.y, 11.0, Face::Bold, title);
    doc.y -= 16.0;
    header(doc, cols);
}

/// Makes room for one more row; a new page repeats the header.
fn room(doc: &mut Doc, title: &str, cols: &[(&str, f32, bool)]) {
    if doc.fits(ROW) {
        return;
    }
    doc.new_page();
    doc.text(MARGIN, doc.y, 9.0, Face::Bold, &format!("{title} (continued)"));
    doc.y -= 16.0;
    header(doc, cols);
}

const DATE_X: f32 = MARGIN + 4.0;
const DESC_X: f32 = MARGIN + 72.0;
const CHARGE_R: f32 = 392.0;
const PAID_R: f32 = 476.0;
const BALANCE_R: f32 = RIGHT - 4.0;

fn activity(doc: &mut Doc, s: &Statement) {
    let title = format!("Account activity, {}", period_text(s));
    let cols = [
        ("Date", DATE_X, false),
        ("Description", DESC_X, false),
        ("Charges", CHARGE_R, true),
        ("Payments & credits", PAID_R, true),
        ("Balance", BALANCE_R, true),
    ];
    section(doc, &title, &cols);
    let desc_width = CHARGE_R - 70.0 - DESC_X;
    let row = |doc: &mut Doc, date: &str, desc: &str, charge: &str, paid: &str, balance: &str, face: Face| {
        doc.text(DATE_X, doc.y, BODY, face, date);
        doc.text(DESC_X, doc.y, BODY, face, &fit(desc, desc_width, BODY, face));
        doc.text_right(CHARGE_R, doc.y, BODY, face, charge);
        doc.text_right(PAID_R, doc.y, BODY, face, paid);
        doc.text_right(BALANCE_R, doc.y, BODY, face, balance);
        doc.y -= ROW;
    };
    let day = |d: chrono::NaiveDate| d.format("%b %-d, %Y").to_string();
    row(doc, &day(s.period_start), "Balance brought forward", "", "", &money(s, s.opening_minor), Face::Regular);
    if s.lines.is_empty() {
        room(doc, &title, &cols);
        row(doc, "", "No invoices, payments or credits in this period.", "", "", "", Face::Regular);
    }
    for line in &s.lines {
        room(doc, &title, &cols);
        let charge = if line.charge_minor != 0 { money(s, line.charge_minor) } else { String::new() };
        let paid = if line.paid_minor != 0 { money(s, line.paid_minor) } else { String::new() };
        row(doc, &day(line.date), &describe(line), &charge, &paid, &money(s, line.balance_minor), Face::Regular);
    }
    room(doc, &title, &cols);
    doc.rule(MARGIN, RIGHT, doc.y + ROW - 4.0, 0.5);
    row(
        doc,
        &day(s.period_end),
        "Balance at the end of the period",
        &money(s, s.invoiced_minor),
        &money(s, s.paid_minor + s.credited_minor),
        &money(s, s.closing_minor),
        Face::Bold,
    );
}

const INV_X: f32 = MARGIN + 4.0;
const ISSUED_X: f32 = MARGIN + 110.0;
const DUE_X: f32 = MARGIN + 190.0;
const LATE_R: f32 = 380.0;
const RET_R: f32 = 470.0;

fn open_items(doc: &mut Doc, s: &Statement) {
    let title = format!("Open invoices on {}", long_date(s.as_of));
    let cols = [
        ("Invoice", INV_X, false),
        ("Issued", ISSUED_X, false),
        ("Due", DUE_X, false),
        ("Days past due", LATE_R, true),
        ("Retainage held", RET_R, true),
        ("Open balance", BALANCE_R, true),
    ];
    section(doc, &title, &cols);
    if s.open.is_empty() {
        doc.text(INV_X, doc.y, BODY, Face::Regular, "Nothing is open on this account. Thank you.");
        doc.y -= ROW;
        return;
    }
    for o in &s.open {
        room(doc, &title, &cols);
        doc.text(
            INV_X,
            doc.y,
            BODY,
            Face::Regular,
            &fit(&format!("#{}", o.number), ISSUED_X - INV_X - 6.0, BODY, Face::Regular),
        );
        doc.text(ISSUED_X, doc.y, BODY, Face::Regular, &long_date(o.issued));
        doc.text(DUE_X, doc.y, BODY, Face::Regular, &long_date(o.due));
        let late = if o.days_past_due > 0 { o.days_past_due.to_string() } else { "not yet due".to_string() };
        doc.text_right(LATE_R, doc.y, BODY, Face::Regular, &late);
        let ret = if o.retainage_minor > 0 { money(s, o.retainage_minor) } else { String::new() };
        doc.text_right(RET_R, doc.y, BODY, Face::Regular, &ret);
        doc.text_right(BALANCE_R, doc.y, BODY, Face::Regular, &money(s, o.balance_minor));
        doc.y -= ROW;
    }
    // The aging of what is open, in one band.
    if !doc.fits(2.0 * ROW + 12.0) {
        doc.new_page();
    }
    doc.y -= 8.0;
    let total: i64 = s.aging_minor.iter().sum();
    let width = (RIGHT - MARGIN) / 6.0;
    doc.band(MARGIN, doc.y - 18.0, RIGHT - MARGIN, 30.0, 0.93);
    let labels = BUCKETS.iter().map(|b| if *b == "Current" { "Current".to_string() } else { format!("{b} days") });
    for (n, (label, amount)) in labels.zip(s.aging_minor).chain([("Total".to_string(), total)]).enumerate() {
        let right = MARGIN + width * (n as f32 + 1.0) - 6.0;
        doc.text_right(right, doc.y + 2.0, 7.5, Face::Bold, &label);
        let face = if n == BUCKETS.len() { Face::Bold } else { Face::Regular };
        doc.text_right(right, doc.y - 11.0, BODY, face, &money(s, amount));
    }
    doc.y -= 30.0;
    let mut notes = Vec::new();
    if s.retainage_minor > 0 {
        notes.push(format!(
            "retainage of {} is held under the contracts and is not yet due",
            money(s, s.retainage_minor)
        ));
    }
    if s.on_account_minor != 0 {
        notes.push(format!(
            "{} of your payments and credits is not yet applied to an invoice",
            money(s, s.on_account_minor)
        ));
    }
    if !notes.is_empty() {
        doc.paragraph(
            MARGIN,
            RIGHT - MARGIN,
            8.0,
            Face::Regular,
            &format!(
                "The amount due of {} leaves out what is not yet owed: {}.",
                money(s, s.amount_due_minor),
                notes.join("; ")
            ),
        );
    }
}

fn remittance(doc: &mut Doc, s: &Statement, from: Sender<'_>) {
    let d = from.details;
    let mut notes = Vec::new();
    // A phone number is kept on one line.
    let phone = d.phone.as_deref().map(|p| p.replace(' ', "\u{a0}"));
    let contact: Vec<&str> = [d.email.as_deref(), phone.as_deref()].into_iter().flatten().collect();
    if !contact.is_empty() {
        notes.push(format!("Questions about this statement? Contact {} at {}.", from.name, contact.join(" or ")));
    }
    if let Some(note) = &d.payment_note {
        notes.push(note.clone());
    }
    let slip = 92.0;
    let needed = slip + 16.0 * notes.len() as f32 + 12.0;
    if !doc.fits(needed) {
        doc.new_page();
    }
    doc.y -= 8.0;
    for n in &notes {
        doc.paragraph(MARGIN, RIGHT - MARGIN, BODY, Face::Regular, n);
    }
    // The slip sits at the foot of the page, like a statement's tear-off.
    let top = (doc.y - 12.0).min(super::pdf::BODY_BOTTOM + slip);
    doc.dashed_rule(MARGIN, RIGHT, top);
    doc.text_centred(
        PAGE_WIDTH / 2.0,
        top - 9.0,
        7.0,
        Face::Regular,
        "Please detach and return this part with your payment",
    );
    let y = top - 24.0;
    doc.text(MARGIN, y, 8.0, Face::Bold, "REMIT TO");
    doc.text(MARGIN, y - 13.0, 10.0, Face::Bold, &fit(from.name, 240.0, 10.0, Face::Bold));
    let mut ly = y - 25.0;
    let lines = d.remit_lines();
    if lines.is_empty() {
        doc.text(MARGIN, ly, BODY, Face::Regular, "(the address on your invoices)");
    }
    for line in lines.iter().take(4) {
        doc.text(MARGIN, ly, BODY, Face::Regular, &fit(line, 240.0, BODY, Face::Regular));
        ly -= 11.5;
    }
    let left = 330.0;
    let rows = [
        ("Account", fit(&s.customer_name, 150.0, BODY, Face::Bold)),
        ("Statement date", long_date(s.as_of)),
        ("Amount due", money(s, s.amount_due_minor)),
    ];
    let mut ry = y;
    for (label, value) in rows {
        doc.text(left, ry, BODY, Face::Regular, label);
        doc.text_right(RIGHT, ry, BODY, Face::Bold, &value);
        ry -= 13.0;
    }
    doc.text(left, ry - 4.0, BODY, Face::Regular, "Amount enclosed");
    doc.frame(RIGHT - 120.0, ry - 9.0, 120.0, 17.0, 0.6);
    doc.y = ry - 20.0;
}

/// The statement as CSV: one row per activity line (with the opening and closing balances) and
/// one per open invoice, told apart by the `section` column.
pub fn csv(s: &Statement) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let plain = |minor: i64| Money::new(minor, s.currency).to_plain_string();
    let blank = String::new;
    let mut rows: Vec<[String; 11]> = vec![[
        "section".into(),
        "date".into(),
        "type".into(),
        "reference".into(),
        "invoice".into(),
        "due".into(),
        "days_past_due".into(),
        "charges".into(),
        "payments".into(),
        "balance".into(),
        "retainage".into(),
    ]];
    rows.push([
        "activity".into(),
        s.period_start.to_string(),
        "opening balance".into(),
        blank(),
        blank(),
        blank(),
        blank(),
        blank(),
        blank(),
        plain(s.opening_minor),
        blank(),
    ]);
    for l in &s.lines {
        let kind = match l.kind {
            LineKind::Invoice => "invoice",
            LineKind::Payment => "payment",
            LineKind::Credit => "credit",
        };
        rows.push([
            "activity".into(),
            l.date.to_string(),
            kind.into(),
            l.reference.clone(),
            l.invoice.clone(),
            blank(),
            blank(),
            if l.charge_minor != 0 { plain(l.charge_minor) } else { blank() },
            if l.paid_minor != 0 { plain(l.paid_minor) } else { blank() },
            plain(l.balance_minor),
            blank(),
        ]);
    }
    rows.push([
        "activity".into(),
        s.period_end.to_string(),
        "closing balance".into(),
        blank(),
        blank(),
        blank(),
        blank(),
        plain(s.invoiced_minor),
        plain(s.paid_minor + s.credited_minor),
        plain(s.closing_minor),
        blank(),
    ]);
    if s.on_account_minor != 0 {
        rows.push([
            "on_account".into(),
            s.as_of.to_string(),
            "unapplied payments and credits".into(),
            blank(),
            blank(),
            blank(),
            blank(),
            blank(),
            plain(s.on_account_minor),
            blank(),
            blank(),
        ]);
    }
    for o in &s.open {
        rows.push([
            "open".into(),
            o.issued.to_string(),
            "invoice".into(),
            o.number.clone(),
            o.number.clone(),
            o.due.to_string(),
            o.days_past_due.max(0).to_string(),
            blank(),
            blank(),
            plain(o.balance_minor),
            plain(o.retainage_minor),
        ]);
    }
    for r in rows {
        // Writing to a Vec cannot fail.
        let _ = w.write_record(&r);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}
