//! A letter to a customer laid out for paper: the letterhead, the date, the addressee, the RE:
//! line and the letter's text as its template words it (each line a line, a long one wrapped, a
//! line that starts with two spaces indented), with "Page n of N" at the foot.

use super::pdf::{Doc, Face, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, wrap};
use super::statement::Sender;

/// What goes on the page.
#[derive(Debug, Clone)]
pub struct LetterPage<'a> {
    pub from: Sender<'a>,
    /// "December 3, 2026".
    pub date: String,
    /// The addressee's name, then their address lines.
    pub to: Vec<String>,
    /// The RE: line.
    pub subject: &'a str,
    pub body: &'a str,
    /// "Demand for payment": the document's title, with the addressee.
    pub title: &'a str,
}

const RIGHT: f32 = PAGE_WIDTH - MARGIN;
const SIZE: f32 = 10.5;
const LEADING: f32 = 14.5;
const INDENT: f32 = 22.0;

/// `Acme-Builders-demand-2026-12-03.pdf`.
pub fn file_name(customer: &str, kind: arbot_core::letters::LetterKind, date: chrono::NaiveDate) -> String {
    let name =
        customer.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    let kind = match kind {
        arbot_core::letters::LetterKind::Demand => "demand-letter",
        arbot_core::letters::LetterKind::Final => "final-notice",
        arbot_core::letters::LetterKind::IntentToLien => "notice-of-intent-to-lien",
    };
    format!("{name}-{kind}-{}.pdf", date.format("%Y-%m-%d"))
}

/// The letter as PDF.
pub fn pdf(page: &LetterPage<'_>) -> Vec<u8> {
    let addressee = page.to.first().map(String::as_str).unwrap_or("");
    let mut doc = Doc::new(
        format!("{} to {addressee} from {}, {}", page.title, page.from.name, page.date),
        format!("{} · {} to {addressee} · {}", page.from.name, page.title.to_lowercase(), page.date),
    );
    letterhead(&mut doc, page.from);
    doc.y -= 28.0;
    doc.text(MARGIN, doc.y, SIZE, Face::Regular, &page.date);
    doc.y -= 30.0;
    for (i, line) in page.to.iter().enumerate() {
        let face = if i == 0 { Face::Bold } else { Face::Regular };
        for part in wrap(line, SIZE, face, 300.0) {
            doc.text(MARGIN, doc.y, SIZE, face, &part);
            doc.y -= LEADING - 1.5;
        }
    }
    doc.y -= 16.0;
    let re = format!("RE: {}", page.subject);
    for part in wrap(&re, SIZE, Face::Bold, RIGHT - MARGIN) {
        doc.text(MARGIN, doc.y, SIZE, Face::Bold, &part);
        doc.y -= LEADING;
    }
    doc.y -= 8.0;
    body(&mut doc, page.body);
    doc.finish()
}

fn letterhead(doc: &mut Doc, from: Sender<'_>) {
    let top = PAGE_HEIGHT - MARGIN - 12.0;
    doc.text(MARGIN, top, 15.0, Face::Bold, from.name);
    let d = from.details;
    let mut right_y = top;
    for line in &d.address {
        doc.text_right(RIGHT, right_y, 9.0, Face::Regular, line);
        right_y -= 11.5;
    }
    let contact: Vec<&str> = [d.phone.as_deref(), d.email.as_deref()].into_iter().flatten().collect();
    if !contact.is_empty() {
        doc.text_right(RIGHT, right_y, 9.0, Face::Regular, &contact.join("  ·  "));
        right_y -= 11.5;
    }
    doc.y = (top - 12.0).min(right_y) - 4.0;
    doc.rule(MARGIN, RIGHT, doc.y, 0.8);
}

/// The letter's lines: a blank line is a paragraph's space, two spaces at the start indent.
fn body(doc: &mut Doc, text: &str) {
    for line in text.lines() {
        if line.trim().is_empty() {
            doc.y -= LEADING * 0.75;
            continue;
        }
        let (x, rest) = match line.strip_prefix("  ") {
            Some(rest) => (MARGIN + INDENT, rest.trim_start()),
            None => (MARGIN, line),
        };
        for part in wrap(rest, SIZE, Face::Regular, RIGHT - x) {
            if !doc.fits(0.0) {
                doc.new_page();
                doc.y -= 12.0;
            }
            doc.text(x, doc.y, SIZE, Face::Regular, &part);
            doc.y -= LEADING;
        }
    }
}
