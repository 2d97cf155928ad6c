//! A [`Reply`] as Discord embeds: the key figures first, tables in code blocks so amounts line up,
//! a colour by severity, and everything within Discord's limits (a title 256 characters, a
//! description 4,096, a field 1,024, 25 fields an embed, 10 embeds and 6,000 characters a
//! message, 5 buttons a row and 5 rows). What does not fit goes into more embeds and, past a
//! message's limits, more messages.

use poise::serenity_prelude as serenity;

use crate::reply::table_text;
use crate::reply::{Align, Reply, Severity, Table};

pub const TITLE_MAX: usize = 256;
pub const DESCRIPTION_MAX: usize = 4096;
pub const FIELD_NAME_MAX: usize = 256;
pub const FIELD_VALUE_MAX: usize = 1024;
pub const FIELDS_MAX: usize = 25;
pub const FOOTER_MAX: usize = 2048;
pub const EMBEDS_MAX: usize = 10;
pub const MESSAGE_CHARS_MAX: usize = 6000;
pub const BUTTONS_PER_ROW: usize = 5;
pub const ROWS_MAX: usize = 5;

/// One embed, before it becomes serenity's builder (plain data, so it can be checked in tests).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmbedSpec {
    pub title: Option<String>,
    pub description: String,
    pub fields: Vec<(String, String)>,
    pub footer: Option<String>,
    pub colour: u32,
}

impl EmbedSpec {
    /// Characters counted against a message's 6,000.
    pub fn chars(&self) -> usize {
        let count = |s: &str| s.chars().count();
        self.title.as_deref().map_or(0, count)
            + count(&self.description)
            + self.fields.iter().map(|(n, v)| count(n) + count(v)).sum::<usize>()
            + self.footer.as_deref().map_or(0, count)
    }
}

/// The embed colour for a severity.
pub fn colour(severity: Severity) -> u32 {
    match severity {
        Severity::Info => 0x5865F2,
        Severity::Good => 0x2E9D5B,
        Severity::Warning => 0xE0A100,
        Severity::Critical => 0xD83C3E,
        Severity::Error => 0x8A8F98,
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Splits text at line ends into pieces of at most `max` characters (a line longer than that is
/// cut into pieces of its own, so nothing is lost).
fn pieces(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let lines = text.lines().flat_map(|line| {
        let chars: Vec<char> = line.chars().collect();
        if chars.is_empty() {
            vec![String::new()]
        } else {
            chars.chunks(max.max(1)).map(|c| c.iter().collect::<String>()).collect()
        }
    });
    for line in lines {
        let extra = if cur.is_empty() { 0 } else { 1 };
        if cur.chars().count() + extra + line.chars().count() > max {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push('\n');
        }
        cur.push_str(&line);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// The widest table shown as a code block (aligned columns). A wider one wraps into a mess on a
/// phone, so it becomes one line a row instead.
pub const TABLE_MAX_WIDTH: usize = 64;

/// The description's blocks in order: the aside, the lines, then the table.
fn blocks(reply: &Reply) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(aside) = &reply.aside {
        // The console spaces the aside's parts out; in an embed they read better as a list.
        let parts: Vec<&str> = aside.split("   ").map(str::trim).filter(|p| !p.is_empty()).collect();
        out.push(format!("**{}**", parts.join(" · ")));
    }
    for line in &reply.lines {
        out.extend(pieces(line, DESCRIPTION_MAX - 8));
    }
    if let Some(table) = &reply.table {
        let text = table_text(table);
        let width = text.lines().map(|l| l.trim_end().chars().count()).max().unwrap_or(0);
        if width <= TABLE_MAX_WIDTH {
            // Each chunk is its own code block, so a table split across embeds still lines up.
            for chunk in pieces(text.trim_end(), DESCRIPTION_MAX - 16) {
                out.push(format!("```\n{chunk}\n```"));
            }
        } else {
            out.extend(row_lines(table).into_iter().flat_map(|l| pieces(&l, DESCRIPTION_MAX - 8)));
        }
    }
    out
}

/// Escapes what Discord's markdown would otherwise act on.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '_' | '~' | '`' | '|' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A table as one line a row: the row's name in bold, then its cells, amounts with their column
/// names ("1-30 $37,710.00"); empty cells left out. The totals row comes last.
fn row_lines(t: &Table) -> Vec<String> {
    t.rows
        .iter()
        .chain(t.footer.iter())
        .map(|row| {
            let mut parts = Vec::new();
            for (i, cell) in row.iter().enumerate() {
                let cell = cell.trim();
                if cell.is_empty() || cell == "—" {
                    continue;
                }
                let header = t.headers.get(i).map(String::as_str).unwrap_or("").trim();
                let right = t.align.get(i) == Some(&Align::Right);
                parts.push(match (i, right) {
                    (0, false) => format!("**{}**", escape(cell)),
                    (_, true) if !header.is_empty() => format!("{header} {}", escape(cell)),
                    _ => escape(cell),
                });
            }
            parts.join(" · ")
        })
        .collect()
}

/// A reply as messages of embeds: usually one message with one embed.
pub fn embeds_for(reply: &Reply) -> Vec<Vec<EmbedSpec>> {
    let colour = colour(reply.severity);
    let title = reply.title.as_deref().map(|t| clip(t, TITLE_MAX));
    let mut embeds: Vec<EmbedSpec> = vec![EmbedSpec { title: title.clone(), colour, ..EmbedSpec::default() }];
    for block in blocks(reply) {
        let last = embeds.last_mut().map(|e| e.description.chars().count()).unwrap_or(0);
        let sep = if last == 0 { 0 } else { 1 };
        if last + sep + block.chars().count() > DESCRIPTION_MAX {
            let cont = title.as_ref().map(|t| clip(&format!("{t} (continued)"), TITLE_MAX));
            embeds.push(EmbedSpec { title: cont, colour, ..EmbedSpec::default() });
        }
        let Some(e) = embeds.last_mut() else { continue };
        if !e.description.is_empty() {
            e.description.push('\n');
        }
        e.description.push_str(&block);
    }
    for field in &reply.fields {
        let name = clip(if field.name.trim().is_empty() { "\u{200b}" } else { &field.name }, FIELD_NAME_MAX);
        let values = pieces(if field.value.trim().is_empty() { "—" } else { &field.value }, FIELD_VALUE_MAX);
        for (i, value) in values.into_iter().enumerate() {
            let name = if i == 0 { name.clone() } else { clip(&format!("{name} (continued)"), FIELD_NAME_MAX) };
            let size = name.chars().count() + value.chars().count();
            if embeds.last().is_some_and(|e| e.fields.len() >= FIELDS_MAX || e.chars() + size > MESSAGE_CHARS_MAX) {
                embeds.push(EmbedSpec { colour, ..EmbedSpec::default() });
            }
            if let Some(e) = embeds.last_mut() {
                e.fields.push((name, value));
            }
        }
    }
    if let Some(footer) = &reply.footer {
        let footer = clip(footer, FOOTER_MAX);
        if embeds.last().is_some_and(|e| e.chars() + footer.chars().count() > MESSAGE_CHARS_MAX) {
            embeds.push(EmbedSpec { colour, ..EmbedSpec::default() });
        }
        if let Some(e) = embeds.last_mut() {
            e.footer = Some(footer);
        }
    }
    // An embed needs some content: a reply with nothing at all still says so.
    for e in &mut embeds {
        if e.title.is_none() && e.description.is_empty() && e.fields.is_empty() && e.footer.is_none() {
            e.description = "—".to_string();
        }
    }
    let mut messages: Vec<Vec<EmbedSpec>> = vec![Vec::new()];
    let mut used = 0;
    for e in embeds {
        let n = e.chars();
        let full =
            messages.last().is_some_and(|m| !m.is_empty() && (m.len() >= EMBEDS_MAX || used + n > MESSAGE_CHARS_MAX));
        if full {
            messages.push(Vec::new());
            used = 0;
        }
        used += n;
        if let Some(m) = messages.last_mut() {
            m.push(e);
        }
    }
    messages
}

/// Rows of at most five buttons, at most five rows (Discord's limits).
pub fn button_rows(reply: &Reply) -> Vec<Vec<(String, String)>> {
    reply
        .buttons
        .iter()
        .take(BUTTONS_PER_ROW * ROWS_MAX)
        .map(|b| (clip(&b.id, 100), clip(&b.label, 80)))
        .collect::<Vec<_>>()
        .chunks(BUTTONS_PER_ROW)
        .map(<[_]>::to_vec)
        .collect()
}

pub fn embed(spec: &EmbedSpec) -> serenity::CreateEmbed {
    let mut e = serenity::CreateEmbed::new().colour(spec.colour);
    if let Some(t) = &spec.title {
        e = e.title(t);
    }
    if !spec.description.is_empty() {
        e = e.description(&spec.description);
    }
    for (name, value) in &spec.fields {
        e = e.field(name, value, false);
    }
    if let Some(f) = &spec.footer {
        e = e.footer(serenity::CreateEmbedFooter::new(f));
    }
    e
}

/// Serenity's action rows for a reply's buttons.
pub fn components(reply: &Reply) -> Vec<serenity::CreateActionRow> {
    button_rows(reply)
        .into_iter()
        .map(|row| {
            serenity::CreateActionRow::Buttons(
                row.into_iter()
                    .map(|(id, label)| {
                        let style = if id.starts_with("esc:ack:") {
                            serenity::ButtonStyle::Primary
                        } else if id.starts_with("esc:resolve:") {
                            serenity::ButtonStyle::Success
                        } else {
                            serenity::ButtonStyle::Secondary
                        };
                        serenity::CreateButton::new(id).label(label).style(style)
                    })
                    .collect(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Button;

    #[test]
    fn a_short_reply_is_one_embed() {
        let r = Reply::titled("Acme Builders Inc")
            .line("Open $1.00")
            .field("Last payment", "none")
            .severity(Severity::Warning);
        let m = embeds_for(&r);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].len(), 1);
        let e = &m[0][0];
        assert_eq!(e.title.as_deref(), Some("Acme Builders Inc"));
        assert_eq!(e.description, "Open $1.00");
        assert_eq!(e.fields, [("Last payment".to_string(), "none".to_string())]);
        assert_eq!(e.colour, colour(Severity::Warning));
    }

    #[test]
    fn a_long_table_splits_within_every_limit() {
        let mut t = Table::new(&[("Customer", Align::Left), ("Overdue", Align::Right)]);
        for i in 0..2000 {
            t.rows.push(vec![format!("Customer number {i} of a very long ledger"), format!("${i},000.00")]);
        }
        let mut r = Reply::titled("Overdue invoices");
        r.table = Some(t);
        for i in 0..40 {
            r = r.field(format!("Field {i}"), "x".repeat(1500));
        }
        r.footer = Some("the end".into());
        let messages = embeds_for(&r);
        assert!(messages.len() > 1, "too much for one message");
        let mut rows_seen = 0;
        for m in &messages {
            assert!(m.len() <= EMBEDS_MAX);
            assert!(m.iter().map(EmbedSpec::chars).sum::<usize>() <= MESSAGE_CHARS_MAX);
            for e in m {
                assert!(e.description.chars().count() <= DESCRIPTION_MAX);
                assert!(e.fields.len() <= FIELDS_MAX);
                assert!(
                    e.fields
                        .iter()
                        .all(|(n, v)| n.chars().count() <= FIELD_NAME_MAX && v.chars().count() <= FIELD_VALUE_MAX)
                );
                // Every code block is closed within its embed.
                assert_eq!(e.description.matches("```").count() % 2, 0);
                rows_seen += e.description.matches("of a very long ledger").count();
            }
        }
        assert_eq!(rows_seen, 2000, "no row is lost");
        assert_eq!(messages.last().and_then(|m| m.last()).and_then(|e| e.footer.as_deref()), Some("the end"));
        let fields: usize = messages.iter().flatten().map(|e| e.fields.len()).sum();
        assert_eq!(fields, 80, "each 1,500-character field becomes two");
    }

    #[test]
    fn narrow_tables_stay_aligned_and_wide_ones_become_lines() {
        let mut narrow = Table::new(&[("current", Align::Right), ("1-30", Align::Right)]);
        narrow.rows.push(vec!["$47,610.00".into(), "—".into()]);
        let r = Reply { table: Some(narrow), ..Reply::default() };
        let d = &embeds_for(&r)[0][0].description;
        assert!(d.starts_with("```\n") && d.contains("$47,610.00"), "{d}");

        let mut wide = Table::new(&[
            ("Customer", Align::Left),
            ("current", Align::Right),
            ("1-30", Align::Right),
            ("61-90", Align::Right),
            ("retainage", Align::Right),
            ("total", Align::Right),
        ]);
        wide.rows.push(vec![
            "Lone Star Commercial Contractors".into(),
            "$50,535.00".into(),
            "$37,710.00".into(),
            "—".into(),
            "$27,600.00".into(),
            "$117,120.00".into(),
        ]);
        wide.rows.push(vec!["Me_and_*you*".into(), "—".into(), "—".into(), "$1.00".into(), "—".into(), "$1.00".into()]);
        wide.footer = Some(vec![
            "Total".into(),
            "$50,535.00".into(),
            "$37,710.00".into(),
            "$1.00".into(),
            "$27,600.00".into(),
            "$117,121.00".into(),
        ]);
        let r = Reply { table: Some(wide), ..Reply::default() };
        let d = &embeds_for(&r)[0][0].description;
        assert!(!d.contains("```"), "{d}");
        let lines: Vec<&str> = d.lines().collect();
        assert_eq!(
            lines[0],
            "**Lone Star Commercial Contractors** · current $50,535.00 · 1-30 $37,710.00 · retainage $27,600.00 · total $117,120.00"
        );
        assert_eq!(lines[1], "**Me\\_and\\_\\*you\\*** · 61-90 $1.00 · total $1.00");
        assert!(lines[2].starts_with("**Total** · current $50,535.00"), "{d}");
    }

    #[test]
    fn the_aside_reads_as_a_list() {
        let r = Reply { aside: Some("PM: @dana   terms: Net 30".into()), ..Reply::titled("Gulf Coast Builders LLC") };
        assert_eq!(embeds_for(&r)[0][0].description, "**PM: @dana · terms: Net 30**");
    }

    #[test]
    fn buttons_come_in_rows_of_five() {
        let r = Reply {
            buttons: (0..30).map(|i| Button { id: format!("b:{i}"), label: format!("Button {i}") }).collect(),
            ..Reply::default()
        };
        let rows = button_rows(&r);
        assert_eq!(rows.len(), 5);
        assert!(rows.iter().all(|row| row.len() == 5));
    }
}
