//! A small page-layout kit over `pdf-writer` for the documents arbot drafts (statements now;
//! letters and notices next): US Letter pages, the standard Helvetica faces (nothing embedded:
//! every PDF reader carries them, so a statement is a few kilobytes), text left- or right-aligned
//! by the faces' published widths, wrapped paragraphs, rules and shaded bands, and a footer with
//! "Page n of N" written once the page count is known.
//!
//! Text is encoded as WinAnsi (Windows-1252): ASCII, Latin-1 letters (é, ñ, ü) and the usual
//! typographic marks (– — ‘ ’ “ ” • …). Anything else is drawn as `?` rather than garbled.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// US Letter, in points.
pub const PAGE_WIDTH: f32 = 612.0;
pub const PAGE_HEIGHT: f32 = 792.0;
/// Three quarters of an inch all round.
pub const MARGIN: f32 = 54.0;
/// The lowest baseline the body may use before the footer.
pub const BODY_BOTTOM: f32 = MARGIN + 24.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
}

impl Face {
    fn resource(self) -> Name<'static> {
        match self {
            Face::Regular => Name(b"F1"),
            Face::Bold => Name(b"F2"),
        }
    }
}

/// Advance widths (per 1,000 units of the font size) of Helvetica and Helvetica-Bold for the
/// printable ASCII characters 32..=126, from Adobe's Core 14 AFM files.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P.._
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p..~
];
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // space../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0..?
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // P.._
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // `..o
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, // p..~
];

/// The WinAnsi byte for `c`, if it has one.
fn win_ansi(c: char) -> Option<u8> {
    let b = match c {
        ' '..='~' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '™' => 0x99,
        _ => return None,
    };
    Some(b)
}

/// `s` as WinAnsi bytes: tabs and newlines as spaces, anything without a WinAnsi byte as `?`.
pub fn encode(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => b' ',
            c => win_ansi(c).unwrap_or(b'?'),
        })
        .collect()
}

fn glyph_width(b: u8, face: Face) -> u16 {
    let table = match face {
        Face::Regular => &HELVETICA,
        Face::Bold => &HELVETICA_BOLD,
    };
    match b {
        32..=126 => table[usize::from(b - 32)],
        0x85 | 0x97 => 1000,
        0x91 | 0x92 => {
            if face == Face::Bold {
                278
            } else {
                222
            }
        }
        0x93 | 0x94 => {
            if face == Face::Bold {
                500
            } else {
                333
            }
        }
        0x95 => 350,
        // A no-break space is as wide as a space.
        0xa0 => 278,
        // Latin-1 letters are close to the average lower-case width.
        _ => 556,
    }
}

/// The width of `s` set in `face` at `size` points.
pub fn text_width(s: &str, size: f32, face: Face) -> f32 {
    let units: u32 = encode(s).into_iter().map(|b| u32::from(glyph_width(b, face))).sum();
    units as f32 * size / 1000.0
}

/// `text` broken into lines no wider than `width` at `size` (words longer than a line are
/// broken where they must be). Paragraph breaks (`\n`) are kept as empty lines between.
pub fn wrap(text: &str, size: f32, face: Face, width: f32) -> Vec<String> {
    let mut out = Vec::new();
    for (i, para) in text.split('\n').enumerate() {
        if i > 0 && para.trim().is_empty() {
            out.push(String::new());
            continue;
        }
        let mut line = String::new();
        // Only a plain space breaks a line: a no-break space keeps "(813) 555-0142" together.
        for word in para.split([' ', '\t']).filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if text_width(&candidate, size, face) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            // A word wider than the line: cut it where it must be.
            let mut rest = word.to_string();
            while text_width(&rest, size, face) > width {
                let mut cut = String::new();
                for c in rest.chars() {
                    if text_width(&format!("{cut}{c}"), size, face) > width && !cut.is_empty() {
                        break;
                    }
                    cut.push(c);
                }
                rest = rest[cut.len()..].to_string();
                out.push(cut);
            }
            line = rest;
        }
        if !line.is_empty() {
            out.push(line);
        }
    }
    out
}

/// A document being laid out, page by page. Coordinates are PDF points from the bottom left.
pub struct Doc {
    title: String,
    footer_left: String,
    pages: Vec<Content>,
    /// The baseline the next line of body text goes on (see [`Doc::cursor`]).
    pub y: f32,
}

impl std::fmt::Debug for Doc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Doc").field("title", &self.title).field("pages", &self.pages.len()).field("y", &self.y).finish()
    }
}

impl Doc {
    /// A document of one empty page; `footer_left` is printed at the foot of every page beside
    /// "Page n of N".
    pub fn new(title: impl Into<String>, footer_left: impl Into<String>) -> Doc {
        Doc {
            title: title.into(),
            footer_left: footer_left.into(),
            pages: vec![Content::new()],
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.pages.push(Content::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page; the cursor goes back to its top.
    pub fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_HEIGHT - MARGIN;
    }

    /// Whether `height` more points fit above the footer on this page.
    pub fn fits(&self, height: f32) -> bool {
        self.y - height >= BODY_BOTTOM
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// `s` with its left end at `x`, baseline `y`.
    pub fn text(&mut self, x: f32, y: f32, size: f32, face: Face, s: &str) {
        let bytes = encode(s);
        let c = self.page();
        c.begin_text();
        c.set_font(face.resource(), size);
        c.next_line(x, y);
        c.show(Str(&bytes));
        c.end_text();
    }

    /// `s` with its right end at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, size: f32, face: Face, s: &str) {
        let x = right - text_width(s, size, face);
        self.text(x, y, size, face, s);
    }

    /// `s` centred on `centre`.
    pub fn text_centred(&mut self, centre: f32, y: f32, size: f32, face: Face, s: &str) {
        let x = centre - text_width(s, size, face) / 2.0;
        self.text(x, y, size, face, s);
    }

    /// A horizontal rule from `x1` to `x2` at `y`.
    pub fn rule(&mut self, x1: f32, x2: f32, y: f32, width: f32) {
        let c = self.page();
        c.set_line_width(width);
        c.set_stroke_gray(0.35);
        c.move_to(x1, y);
        c.line_to(x2, y);
        c.stroke();
    }

    /// A filled grey band (a table's header, a highlighted total).
    pub fn band(&mut self, x: f32, y: f32, width: f32, height: f32, gray: f32) {
        let c = self.page();
        c.set_fill_gray(gray);
        c.rect(x, y, width, height);
        c.fill_nonzero();
        c.set_fill_gray(0.0);
    }

    /// An outlined box.
    pub fn frame(&mut self, x: f32, y: f32, width: f32, height: f32, line: f32) {
        let c = self.page();
        c.set_line_width(line);
        c.set_stroke_gray(0.35);
        c.rect(x, y, width, height);
        c.stroke();
    }

    /// A dashed rule (a tear-off line).
    pub fn dashed_rule(&mut self, x1: f32, x2: f32, y: f32) {
        let c = self.page();
        c.set_line_width(0.6);
        c.set_stroke_gray(0.45);
        c.set_dash_pattern([4.0, 3.0], 0.0);
        c.move_to(x1, y);
        c.line_to(x2, y);
        c.stroke();
        c.set_dash_pattern([], 0.0);
    }

    /// Writes the paragraph at the cursor, wrapped to `width`, moving the cursor down (and onto
    /// a new page when the page is full).
    pub fn paragraph(&mut self, x: f32, width: f32, size: f32, face: Face, text: &str) {
        let leading = size * 1.35;
        for line in wrap(text, size, face, width) {
            if !self.fits(leading) {
                self.new_page();
            }
            self.y -= leading;
            if !line.is_empty() {
                self.text(x, self.y, size, face, &line);
            }
        }
    }

    /// The finished PDF: every page with its footer, the document's title in its properties.
    pub fn finish(mut self) -> Vec<u8> {
        let count = self.pages.len();
        let footer_left = std::mem::take(&mut self.footer_left);
        let pages = std::mem::take(&mut self.pages);
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let first_page = 6;
        let page_ids: Vec<Ref> = (0..count).map(|n| Ref::new(first_page + 2 * n as i32)).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids(page_ids.iter().copied()).count(count as i32);
        pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.document_info(info).title(TextStr(&self.title)).producer(TextStr("arbot"));
        for (n, mut content) in pages.into_iter().enumerate() {
            let id = page_ids[n];
            let content_id = Ref::new(id.get() + 1);
            let y = MARGIN - 4.0;
            let foot = encode(&footer_left);
            let number = encode(&format!("Page {} of {count}", n + 1));
            let number_x = PAGE_WIDTH - MARGIN - text_width(&format!("Page {} of {count}", n + 1), 8.0, Face::Regular);
            content.set_fill_gray(0.35);
            content.begin_text();
            content.set_font(Face::Regular.resource(), 8.0);
            content.next_line(MARGIN, y);
            content.show(Str(&foot));
            content.end_text();
            content.begin_text();
            content.set_font(Face::Regular.resource(), 8.0);
            content.next_line(number_x, y);
            content.show(Str(&number));
            content.end_text();
            let mut page = pdf.page(id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
            page.parent(tree);
            page.contents(content_id);
            {
                let mut resources = page.resources();
                let mut fonts = resources.fonts();
                fonts.pair(Face::Regular.resource(), regular);
                fonts.pair(Face::Bold.resource(), bold);
            }
            page.finish();
            pdf.stream(content_id, &content.finish());
        }
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_published_metrics() {
        // Digits are all 556 units: "1,234.56" is six digits, a comma and a point.
        let w = text_width("1,234.56", 10.0, Face::Regular);
        assert!((w - (6.0 * 5.56 + 2.0 * 2.78)).abs() < 0.001, "{w}");
        assert!(text_width("W", 10.0, Face::Bold) > text_width("i", 10.0, Face::Bold));
        assert!(text_width("Statement", 10.0, Face::Bold) > text_width("Statement", 10.0, Face::Regular));
    }

    #[test]
    fn text_is_encoded_as_win_ansi_and_the_rest_as_question_marks() {
        assert_eq!(encode("Café – “ok”"), b"Caf\xe9 \x96 \x93ok\x94".to_vec());
        assert_eq!(encode("数"), b"?".to_vec());
    }

    #[test]
    fn wrapping_keeps_each_line_inside_the_width_and_every_word() {
        let text = "Please remit to the address below and include the statement date with your payment.";
        let lines = wrap(text, 10.0, Face::Regular, 150.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(lines.iter().all(|l| text_width(l, 10.0, Face::Regular) <= 150.0), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        let long = wrap("REF-0000000000000000000000000000000000000001", 10.0, Face::Regular, 60.0);
        assert!(long.len() > 1 && long.iter().all(|l| text_width(l, 10.0, Face::Regular) <= 60.0), "{long:?}");
        assert_eq!(long.concat(), "REF-0000000000000000000000000000000000000001");
        let kept = wrap("Call us at (813)\u{a0}555-0142 today", 10.0, Face::Regular, 90.0);
        assert!(kept.iter().any(|l| l.contains("(813)\u{a0}555-0142")), "{kept:?}");
    }

    #[test]
    fn a_document_breaks_onto_new_pages_and_numbers_them() {
        let mut doc = Doc::new("Test", "arbot test");
        for n in 0..200 {
            doc.paragraph(MARGIN, 300.0, 10.0, Face::Regular, &format!("Line {n}"));
        }
        assert!(doc.page_count() >= 4, "{}", doc.page_count());
        let pages = doc.page_count();
        let bytes = doc.finish();
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains(&format!("(Page {pages} of {pages})")), "the last page is numbered");
    }
}
