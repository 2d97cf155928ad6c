//! A preliminary notice or Notice to Owner laid out for mailing: the claimant's name and address
//! at the head, the date and the job, then the notice's text in the order its statute gives it
//! (a statutory warning boxed in bold, headings centred, labelled items in two columns), the
//! people it goes to after its title, the signature block, the copies, and for a Texas notice
//! the open invoices as its billing statement. The words come from `arbot_core::notices`; this
//! module only places them.

use arbot_core::notices::{Block, NoticeDraft, Party};

use super::pdf::{Doc, Face, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, text_width, wrap};

pub(super) const RIGHT: f32 = PAGE_WIDTH - MARGIN;
pub(super) const WIDTH: f32 = RIGHT - MARGIN;
pub(super) const SIZE: f32 = 9.5;
pub(super) const LEADING: f32 = 12.6;
const LABEL_WIDTH: f32 = 190.0;
const GAP: f32 = 7.0;

/// `Marina-Tower-notice-to-owner-2026-12-04.pdf`.
pub fn file_name(job: &str, n: &NoticeDraft) -> String {
    let name = job.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    let month = n.month.as_deref().map(|m| format!("-{m}")).unwrap_or_default();
    format!("{name}-{}{month}-{}.pdf", n.file_stem, n.date.format("%Y-%m-%d"))
}

/// The notice as PDF.
pub fn pdf(n: &NoticeDraft, job: &str) -> Vec<u8> {
    let date = n.date.format("%B %-d, %Y").to_string();
    let mut doc = Doc::new(
        format!("{} from {} — {job}, {date}", n.document, n.claimant.name),
        format!("{} · {} · {job} · {date}", n.claimant.name, sentence_case(&n.title)),
    );
    head(&mut doc, n, job, &date);
    let mut addressed = false;
    for block in &n.blocks {
        match block {
            Block::Warning(text) => warning(&mut doc, text),
            Block::Heading(text) => {
                heading(&mut doc, text);
                // The people it is addressed to follow its title, as the statutory forms have them.
                if !addressed {
                    addressed = true;
                    to(&mut doc, &n.to);
                }
            }
            Block::Text(text) => paragraph(&mut doc, MARGIN, WIDTH, Face::Regular, text),
            Block::Bold(text) => paragraph(&mut doc, MARGIN, WIDTH, Face::Bold, text),
            Block::Bullet(text) => bullet(&mut doc, text),
            Block::Field { label, value } => field(&mut doc, label, value),
        }
    }
    // The signature and the copies stay together, on the last page of the text.
    let copy_lines: usize = n.copies.iter().map(|p| copy_line(p).len().div_ceil(95).max(1)).sum();
    room(&mut doc, 76.0 + if copy_lines > 0 { 16.0 + copy_lines as f32 * 11.5 } else { 0.0 });
    signature(&mut doc, n);
    copies(&mut doc, &n.copies);
    if !n.statement.is_empty() {
        statement(&mut doc, n);
    }
    doc.finish()
}

/// "NOTICE OF FURNISHING" as "Notice of furnishing", for the footer.
fn sentence_case(title: &str) -> String {
    let lower = title.to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

/// Room for `height` more points, or a new page.
pub(super) fn room(doc: &mut Doc, height: f32) {
    if !doc.fits(height) {
        doc.new_page();
        doc.y -= 6.0;
    }
}

fn head(doc: &mut Doc, n: &NoticeDraft, job: &str, date: &str) {
    let top = PAGE_HEIGHT - MARGIN - 10.0;
    doc.text(MARGIN, top, 13.0, Face::Bold, &n.claimant.name);
    let mut y = top - 13.0;
    for line in n.claimant.address.iter().chain(&n.claimant.contact) {
        doc.text(MARGIN, y, 9.0, Face::Regular, line);
        y -= 11.0;
    }
    doc.text_right(RIGHT, top, 9.0, Face::Regular, &format!("Date: {date}"));
    doc.text_right(RIGHT, top - 11.0, 9.0, Face::Regular, &format!("Job: {job}"));
    doc.text_right(RIGHT, top - 22.0, 9.0, Face::Regular, &n.citation);
    doc.y = y.min(top - 22.0) - 4.0;
    doc.rule(MARGIN, RIGHT, doc.y, 0.8);
    doc.y -= 8.0;
}

pub(super) fn paragraph(doc: &mut Doc, x: f32, width: f32, face: Face, text: &str) {
    for line in wrap(text, SIZE, face, width) {
        room(doc, LEADING);
        doc.y -= LEADING;
        doc.text(x, doc.y, SIZE, face, &line);
    }
    doc.y -= 4.0;
}

pub(super) fn warning(doc: &mut Doc, text: &str) {
    let size = 9.5;
    let leading = size * 1.3;
    let pad = 7.0;
    let lines = wrap(text, size, Face::Bold, WIDTH - 2.0 * pad);
    let height = lines.len() as f32 * leading + 2.0 * pad;
    room(doc, height + 8.0);
    doc.y -= 4.0;
    let top = doc.y;
    doc.frame(MARGIN, top - height, WIDTH, height, 1.4);
    let mut y = top - pad - size;
    for line in &lines {
        doc.text(MARGIN + pad, y, size, Face::Bold, line);
        y -= leading;
    }
    doc.y = top - height - 8.0;
}

pub(super) fn heading(doc: &mut Doc, text: &str) {
    room(doc, 32.0);
    doc.y -= 15.0;
    doc.text_centred(PAGE_WIDTH / 2.0, doc.y, 12.0, Face::Bold, text);
    doc.y -= 6.0;
}

fn to(doc: &mut Doc, people: &[Party]) {
    if people.is_empty() {
        return;
    }
    // Side by side, up to three across, each with its role over its name and address.
    let across = people.len().min(3);
    let column = WIDTH / across as f32;
    for row in people.chunks(across) {
        let height = row.iter().map(|p| 2 + p.address.len()).max().unwrap_or(2) as f32 * 12.0;
        room(doc, height + 8.0);
        let top = doc.y - 6.0;
        for (i, p) in row.iter().enumerate() {
            let x = MARGIN + i as f32 * column;
            let mut y = top - 9.0;
            doc.text(x, y, 8.0, Face::Regular, &format!("To ({}):", p.role.to_lowercase()));
            y -= 12.0;
            for part in wrap(&p.name, SIZE, Face::Bold, column - 10.0) {
                doc.text(x, y, SIZE, Face::Bold, &part);
                y -= 12.0;
            }
            for line in &p.address {
                doc.text(x, y, SIZE, Face::Regular, line);
                y -= 12.0;
            }
        }
        doc.y = top - height - 4.0;
    }
}

fn bullet(doc: &mut Doc, text: &str) {
    let indent = 14.0;
    let lines = wrap(text, SIZE, Face::Regular, WIDTH - indent);
    for (i, line) in lines.iter().enumerate() {
        room(doc, LEADING);
        doc.y -= LEADING;
        if i == 0 {
            doc.text(MARGIN, doc.y, SIZE, Face::Regular, "—");
        }
        doc.text(MARGIN + indent, doc.y, SIZE, Face::Regular, line);
    }
    doc.y -= 4.0;
}

pub(super) fn field(doc: &mut Doc, label: &str, value: &str) {
    let labels = wrap(label, SIZE - 0.5, Face::Bold, LABEL_WIDTH - GAP);
    let values = wrap(value, SIZE, Face::Regular, WIDTH - LABEL_WIDTH);
    let rows = labels.len().max(values.len()).max(1);
    let height = rows as f32 * LEADING;
    room(doc, height + 4.0);
    let top = doc.y;
    for (i, l) in labels.iter().enumerate() {
        doc.text(MARGIN, top - LEADING * (i as f32 + 1.0), SIZE - 0.5, Face::Bold, l);
    }
    for (i, v) in values.iter().enumerate() {
        doc.text(MARGIN + LABEL_WIDTH, top - LEADING * (i as f32 + 1.0), SIZE, Face::Regular, v);
    }
    doc.y = top - height - 3.0;
    doc.rule(MARGIN, RIGHT, doc.y + 1.0, 0.2);
    doc.y -= 1.5;
}

fn signature(doc: &mut Doc, n: &NoticeDraft) {
    let s = &n.claimant;
    doc.y -= 18.0;
    doc.text(MARGIN, doc.y, SIZE, Face::Bold, &format!("{}: {}", s.label, s.name));
    doc.y -= 26.0;
    doc.rule(MARGIN, MARGIN + 250.0, doc.y, 0.6);
    doc.rule(MARGIN + 290.0, RIGHT, doc.y, 0.6);
    doc.y -= 10.0;
    let by = match &s.signer {
        Some(signer) => format!("Signature — {signer}, for {}", s.name),
        None => format!("Signature and printed name, for {}", s.name),
    };
    doc.text(MARGIN, doc.y, 8.0, Face::Regular, &by);
    doc.text(MARGIN + 290.0, doc.y, 8.0, Face::Regular, "Date");
    doc.y -= 12.0;
    doc.text(MARGIN, doc.y, 9.0, Face::Regular, &s.address.join(", "));
    doc.y -= 4.0;
}

fn copies(doc: &mut Doc, people: &[Party]) {
    if people.is_empty() {
        return;
    }
    room(doc, 30.0);
    doc.y -= 12.0;
    doc.text(MARGIN, doc.y, 9.0, Face::Bold, "Copies to:");
    doc.y -= 2.0;
    for p in people {
        let text = copy_line(p);
        for line in wrap(&text, 9.0, Face::Regular, WIDTH - 14.0) {
            room(doc, 11.5);
            doc.y -= 11.5;
            doc.text(MARGIN + 14.0, doc.y, 9.0, Face::Regular, &line);
        }
    }
}

/// "First Harbor Bank (lender), 500 E Kennedy Blvd, Tampa, FL 33602".
fn copy_line(p: &Party) -> String {
    format!("{} ({}), {}", p.name, p.role.to_lowercase(), p.address.join(", "))
}

fn statement(doc: &mut Doc, n: &NoticeDraft) {
    room(doc, 90.0);
    doc.y -= 22.0;
    doc.text(MARGIN, doc.y, 10.5, Face::Bold, "Billing statement: invoices open on this project");
    doc.y -= 8.0;
    let cols = [MARGIN + 6.0, MARGIN + 150.0];
    let amount_right = RIGHT - 6.0;
    doc.band(MARGIN, doc.y - 14.0, WIDTH, 14.0, 0.9);
    doc.text(cols[0], doc.y - 10.0, 8.5, Face::Bold, "Invoice");
    doc.text(cols[1], doc.y - 10.0, 8.5, Face::Bold, "Dated");
    doc.text_right(amount_right, doc.y - 10.0, 8.5, Face::Bold, "Unpaid");
    doc.y -= 14.0;
    let mut total: Option<arbot_core::Money> = None;
    for (k, i) in n.statement.iter().enumerate() {
        // The last row keeps the total with it.
        room(doc, if k + 1 == n.statement.len() { 34.0 } else { 14.0 });
        doc.y -= 13.0;
        doc.text(cols[0], doc.y, 9.0, Face::Regular, &format!("#{}", i.number));
        doc.text(cols[1], doc.y, 9.0, Face::Regular, &i.issued.format("%B %-d, %Y").to_string());
        doc.text_right(amount_right, doc.y, 9.0, Face::Regular, &i.balance.to_string());
        total = match total {
            None => Some(i.balance),
            Some(t) => t.checked_add(i.balance),
        };
    }
    if let Some(total) = total {
        doc.y -= 5.0;
        doc.rule(MARGIN, RIGHT, doc.y, 0.6);
        doc.y -= 13.0;
        doc.text(cols[0], doc.y, 9.0, Face::Bold, "Total");
        let shown = total.to_string();
        doc.text(amount_right - text_width(&shown, 9.0, Face::Bold), doc.y, 9.0, Face::Bold, &shown);
    }
}
