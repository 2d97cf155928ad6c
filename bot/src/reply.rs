//! The reply view model: what a command answers, independent of where it is shown. The console
//! renders it as aligned text; the Discord adapter as embeds. Handlers never format for a platform.

use serde::{Deserialize, Serialize};

/// How urgent a reply is; Discord shows it as the embed colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Info,
    Good,
    Warning,
    Critical,
    /// The command could not be carried out.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<String>>,
    /// A totals row, set apart when rendered.
    pub footer: Option<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[(&str, Align)]) -> Table {
        Table {
            headers: headers.iter().map(|(h, _)| h.to_string()).collect(),
            align: headers.iter().map(|(_, a)| *a).collect(),
            rows: Vec::new(),
            footer: None,
        }
    }
}

/// A button with a stable id, so a click can be routed after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub id: String,
    pub label: String,
}

/// A form a button opens (Discord's modal): a title and up to five text fields, each with a stable
/// id, so what comes back is routed by the form's id like a click.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    pub id: String,
    /// At most 45 characters (Discord's limit).
    pub title: String,
    pub fields: Vec<FormField>,
}

/// One text field of a [`Form`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    pub id: String,
    /// At most 45 characters (Discord's limit).
    pub label: String,
    /// A few lines rather than one.
    pub long: bool,
    pub required: bool,
    pub placeholder: Option<String>,
    pub max_length: u16,
    /// The text it opens with (an email's subject as it stands, to be changed).
    #[serde(default)]
    pub value: Option<String>,
}

/// A file sent with a reply: the full report as CSV, a statement as PDF, a chart as PNG. Kept as
/// bytes (base64 when a reply is stored in the outbox).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    #[serde(with = "base64_bytes")]
    pub content: Vec<u8>,
}

impl Attachment {
    pub fn new(name: impl Into<String>, content: Vec<u8>) -> Attachment {
        Attachment { name: name.into(), content }
    }

    /// A text file (CSV, say).
    pub fn text(name: impl Into<String>, content: String) -> Attachment {
        Attachment { name: name.into(), content: content.into_bytes() }
    }

    /// The content as text, if it is UTF-8 (a CSV, not a PDF).
    pub fn as_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.content).ok()
    }
}

mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text.as_bytes()).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Reply {
    pub title: Option<String>,
    /// Short text shown beside the title (PM, terms).
    pub aside: Option<String>,
    pub severity: Severity,
    /// Body lines, most important first.
    pub lines: Vec<String>,
    pub table: Option<Table>,
    pub fields: Vec<Field>,
    /// A closing line (a hint, a disclaimer, "and 12 more").
    pub footer: Option<String>,
    pub buttons: Vec<Button>,
    /// Files that go with the reply, where the platform can attach them.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Shown only to the person who asked, where the platform can.
    pub ephemeral: bool,
}

impl Reply {
    pub fn titled(title: impl Into<String>) -> Reply {
        Reply { title: Some(title.into()), ..Reply::default() }
    }

    /// A one-line answer to a mistake the person can fix.
    pub fn user_error(text: impl Into<String>) -> Reply {
        Reply { severity: Severity::Error, lines: vec![text.into()], ephemeral: true, ..Reply::default() }
    }

    pub fn line(mut self, text: impl Into<String>) -> Reply {
        self.lines.push(text.into());
        self
    }

    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Reply {
        self.fields.push(Field { name: name.into(), value: value.into() });
        self
    }

    pub fn severity(mut self, s: Severity) -> Reply {
        self.severity = s;
        self
    }
}

/// Characters as a terminal shows them (close enough for our text: no wide glyphs in figures).
pub fn width(s: &str) -> usize {
    s.chars().count()
}

/// A table as monospaced text: columns padded and aligned, the totals row under a rule (the
/// console, the CLI and Discord's code blocks all show tables this way).
pub fn table_text(t: &Table) -> String {
    let cols = t.headers.len();
    let mut widths: Vec<usize> = t.headers.iter().map(|h| width(h)).collect();
    for row in t.rows.iter().chain(t.footer.iter()) {
        for (i, c) in row.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(width(c));
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::from(" ");
        for (i, w) in widths.iter().enumerate() {
            let c = cells.get(i).map(String::as_str).unwrap_or("");
            let pad = " ".repeat(w - width(c));
            s.push(' ');
            match t.align.get(i).copied().unwrap_or(Align::Left) {
                Align::Left => {
                    s.push_str(c);
                    s.push_str(&pad);
                }
                Align::Right => {
                    s.push_str(&pad);
                    s.push_str(c);
                }
            }
            s.push(' ');
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&t.headers);
    for row in &t.rows {
        out.push_str(&line(row));
    }
    if let Some(f) = &t.footer {
        let total: usize = widths.iter().map(|w| w + 2).sum();
        out.push_str(&format!("  {}\n", "─".repeat(total.saturating_sub(2))));
        out.push_str(&line(f));
    }
    out
}
