//! Renders a [`Reply`] as plain, aligned text for the console and the CLI.

use std::fmt::Write;

use crate::reply::{Reply, Severity, table_text, width};

/// Width the title line pads to before the aside.
const WIDTH: usize = 88;

pub fn to_text(reply: &Reply) -> String {
    to_text_saved(reply, None)
}

/// [`to_text`], saying the attachments were saved in `saved_in` (the console's folder).
pub fn to_text_saved(reply: &Reply, saved_in: Option<&std::path::Path>) -> String {
    let mut out = String::new();
    if let Some(title) = &reply.title {
        let marker = match reply.severity {
            Severity::Critical => "‼ ",
            Severity::Warning => "⚠ ",
            _ => "",
        };
        let title = format!("{marker}{title}");
        match &reply.aside {
            Some(aside) => {
                let pad = WIDTH.saturating_sub(width(&title) + width(aside)).max(4);
                let _ = writeln!(out, "{title}{}{aside}", " ".repeat(pad));
            }
            None => {
                let _ = writeln!(out, "{title}");
            }
        }
    }
    for line in &reply.lines {
        let _ = writeln!(out, "{line}");
    }
    if let Some(table) = &reply.table {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&table_text(table));
    }
    if !reply.fields.is_empty() {
        out.push('\n');
        let name_w = reply.fields.iter().map(|f| width(&f.name)).max().unwrap_or(0) + 2;
        for f in &reply.fields {
            let mut lines = f.value.lines();
            let first = lines.next().unwrap_or("");
            let _ = writeln!(out, "{}{}{first}", f.name, " ".repeat(name_w - width(&f.name)));
            for more in lines {
                let _ = writeln!(out, "{}{more}", " ".repeat(name_w));
            }
        }
    }
    if let Some(footer) = &reply.footer {
        out.push('\n');
        let _ = writeln!(out, "{footer}");
    }
    out.push_str(&attachments_text(reply, saved_in));
    out
}

/// A line per attachment: its name and size, and where it was saved (the console saves them;
/// elsewhere Discord attaches them).
pub fn attachments_text(reply: &Reply, saved_in: Option<&std::path::Path>) -> String {
    let mut out = String::new();
    for a in &reply.attachments {
        let size = match a.as_text() {
            Some(text) => format!("{} lines", text.lines().count()),
            None => format!("{} KB", a.content.len().div_ceil(1024)),
        };
        let _ = match saved_in {
            Some(folder) => writeln!(out, "📎 {} ({size}), saved as {}", a.name, folder.join(&a.name).display()),
            None => writeln!(out, "📎 {} ({size}; Discord attaches it as a file)", a.name),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::{Align, Table};

    #[test]
    fn aligns_tables() {
        let mut t = Table::new(&[("Customer", Align::Left), ("Total", Align::Right)]);
        t.rows.push(vec!["Acme".into(), "$1,000.00".into()]);
        t.rows.push(vec!["Gulf Coast Builders".into(), "$5.00".into()]);
        t.footer = Some(vec!["Total".into(), "$1,005.00".into()]);
        let text = table_text(&t);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "  Customer                 Total");
        assert_eq!(lines[1], "  Acme                 $1,000.00");
        assert_eq!(lines[2], "  Gulf Coast Builders      $5.00");
        assert_eq!(lines[4], "  Total                $1,005.00");
    }

    #[test]
    fn renders_fields_and_title() {
        let r = Reply::titled("Acme").field("Oldest open", "#1001").field("Promise", "none\nsecond line");
        let text = to_text(&r);
        assert!(text.starts_with("Acme\n"));
        assert!(text.contains("Oldest open  #1001\n"));
        assert!(text.contains("Promise      none\n             second line\n"));
    }
}
