//! Letter templates: the wording of the demand letter, the final notice and the notice of intent
//! to lien, rendered with minijinja like the reminders. A kind uses `<kind>.txt` (`demand.txt`,
//! `final.txt`, `lien.txt`) in the `letters/` folder inside the templates folder, else arbot's own
//! wording. A template's first line is `Subject: …` (the letter's RE: line), then a blank line,
//! then the letter: each line of the template is a line of the letter (a long one wraps), a blank
//! line is a paragraph break, a line that starts with two spaces is indented. Everything is checked
//! when the config is loaded, so a mistake is named with its file and line before any letter is
//! drafted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use arbot_core::letters::LetterKind;
use minijinja::{Environment, Value};
use serde::Serialize;

use crate::templates::{
    InvoiceContext, add_file, check_placeholders, environment, explain, file_name, split_subject, txt_files,
};

/// The built-in letters, by their name in the environment.
const BUILT_IN: [(&str, &str); 4] = [
    ("arbot/letters/demand.txt", include_str!("../templates/letters/demand.txt")),
    ("arbot/letters/final.txt", include_str!("../templates/letters/final.txt")),
    ("arbot/letters/lien.txt", include_str!("../templates/letters/lien.txt")),
    ("arbot/letters/_invoices.txt", include_str!("../templates/letters/_invoices.txt")),
];

/// The folder inside the templates folder that holds the letters.
pub const LETTERS_FOLDER: &str = "letters";

/// What a letter template can use, as `{{ name }}`.
pub const PLACEHOLDERS: [(&str, &str); 23] = [
    ("customer", "the customer's name"),
    ("business", "our business name"),
    ("sender", "who signs: [letters] signer, else \"<business> accounts receivable\""),
    ("date", "the letter's date"),
    ("total", "what the letter asks for, as money"),
    ("pay_by", "the day it asks payment by ([letters] pay_within_days after the letter's date)"),
    ("oldest_days", "days past due of the oldest invoice"),
    ("invoices", "the invoices: number, job, pm, amount, due, days_past_due, when"),
    ("late_fee", "late charges to date under [late_fees], when in_reminders is on (else empty)"),
    ("late_fee_terms", "the late-fee terms in words (else empty)"),
    ("remit", "where to send payment, on one line (else empty)"),
    ("contact", "our phone and email from [business] (else empty)"),
    ("job", "the job (a notice of intent to lien; else empty)"),
    ("job_address", "the job's address or city and state (else empty)"),
    ("owner", "the job's owner, when known"),
    ("gc", "the job's general contractor, when known"),
    ("state", "the job's state"),
    ("lien_document", "the lien deadline's document, like \"Claim of lien\""),
    ("lien_due", "the last day to record the claim of lien"),
    ("lien_statute", "the statute that sets it"),
    ("unpaid", "everything unpaid on the job, past due or not (a notice of intent to lien; else empty)"),
    ("not_yet_due", "the part of it not yet due, less retainage (else empty)"),
    ("retainage", "the retainage held in it (else empty)"),
];

/// One letter's figures, as the templates see them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LetterContext {
    pub customer: String,
    pub business: String,
    pub sender: String,
    pub date: String,
    pub total: String,
    pub pay_by: String,
    pub oldest_days: i64,
    pub invoices: Vec<InvoiceContext>,
    pub late_fee: Option<String>,
    pub late_fee_terms: Option<String>,
    pub remit: Option<String>,
    pub contact: Option<String>,
    pub job: Option<String>,
    pub job_address: Option<String>,
    pub owner: Option<String>,
    pub gc: Option<String>,
    pub state: Option<String>,
    pub lien_document: Option<String>,
    pub lien_due: Option<String>,
    pub lien_statute: Option<String>,
    pub unpaid: Option<String>,
    pub not_yet_due: Option<String>,
    pub retainage: Option<String>,
}

/// A rendered letter: its RE: line and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedLetter {
    pub subject: String,
    pub body: String,
}

/// The letter templates in force: arbot's own, and the folder's by kind.
#[derive(Clone)]
pub struct LetterTemplates {
    env: Environment<'static>,
    /// Every loaded file's name and text.
    sources: BTreeMap<String, String>,
    folder: Option<PathBuf>,
}

impl std::fmt::Debug for LetterTemplates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LetterTemplates")
            .field("folder", &self.folder)
            .field("files", &self.sources.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl PartialEq for LetterTemplates {
    fn eq(&self, other: &Self) -> bool {
        self.folder == other.folder && self.sources == other.sources
    }
}

impl Eq for LetterTemplates {}

impl Default for LetterTemplates {
    fn default() -> Self {
        LetterTemplates { env: environment(&BUILT_IN), sources: BTreeMap::new(), folder: None }
    }
}

fn own_file(kind: LetterKind) -> String {
    format!("{}.txt", kind.word())
}

impl LetterTemplates {
    /// The file a kind uses from the folder, or `None` for arbot's own wording.
    pub fn file_of(&self, kind: LetterKind) -> Option<PathBuf> {
        let file = own_file(kind);
        let folder = self.folder.as_ref()?;
        self.sources.contains_key(&file).then(|| folder.join(file))
    }

    /// Loads `folder` (the templates folder's `letters/`), if it exists.
    pub fn load(folder: &Path) -> anyhow::Result<LetterTemplates> {
        let mut t = LetterTemplates::default();
        if !folder.is_dir() {
            return Ok(t);
        }
        let files = txt_files(folder)?;
        let kinds: Vec<String> = LetterKind::ALL.iter().map(|k| own_file(*k)).collect();
        for path in &files {
            let name = file_name(path);
            if !name.starts_with('_') && !kinds.contains(&name) {
                bail!(
                    "{} is not a letter arbot drafts. The letters are {}; start a file's name with _ for a piece \
                     other letters include.",
                    path.display(),
                    kinds.join(", ")
                );
            }
            add_file(&mut t.env, &mut t.sources, folder, path)?;
        }
        for kind in LetterKind::ALL {
            let file = own_file(kind);
            if t.sources.contains_key(&file) {
                t.check(folder, &file)?;
            }
        }
        t.folder = Some(folder.to_path_buf());
        Ok(t)
    }

    /// A letter template's checks: the subject line and every placeholder known, tried on two
    /// sample letters (one past-due letter, one notice of intent to lien).
    fn check(&self, folder: &Path, file: &str) -> anyhow::Result<()> {
        let tmpl = self.env.get_template(file).map_err(|e| anyhow::anyhow!(explain(folder, &e, file)))?;
        check_placeholders(&tmpl, folder, file, &PLACEHOLDERS, "letter")?;
        for sample in samples() {
            let r = self.render_named(file, &sample).map_err(|e| anyhow::anyhow!(explain(folder, &e, file)))?;
            if r.subject.is_empty() {
                bail!(
                    "{} line 1: a letter template starts with its subject line, like \"Subject: Demand for payment: \
                     {{{{ total }}}}\", then a blank line, then the letter.",
                    folder.join(file).display()
                );
            }
        }
        Ok(())
    }

    /// Renders the letter of `kind` for `ctx`.
    pub fn render(&self, kind: LetterKind, ctx: &LetterContext) -> Result<RenderedLetter, String> {
        let own = own_file(kind);
        let (file, folder) = match (&self.folder, self.sources.contains_key(&own)) {
            (Some(folder), true) => (own, Some(folder.as_path())),
            _ => (format!("arbot/letters/{}", own_file(kind)), None),
        };
        self.render_named(&file, ctx).map_err(|e| match folder {
            Some(folder) => explain(folder, &e, &file),
            None => format!("arbot's own letter {file} failed: {e}"),
        })
    }

    fn render_named(&self, file: &str, ctx: &LetterContext) -> Result<RenderedLetter, minijinja::Error> {
        let tmpl = self.env.get_template(file)?;
        let full = tmpl.render(Value::from(minijinja::value::Serde(ctx)))?;
        let (subject, body) = split_subject(&full);
        Ok(RenderedLetter { subject, body: tidy(&body) })
    }
}

/// The body with each line's trailing spaces and the blank lines at its ends taken off (blank
/// lines inside are kept: two before the signature leave room to sign).
fn tidy(body: &str) -> String {
    let lines: Vec<&str> = body.lines().map(str::trim_end).collect();
    let start = lines.iter().position(|l| !l.is_empty()).unwrap_or(lines.len());
    let end = lines.iter().rposition(|l| !l.is_empty()).map_or(start, |i| i + 1);
    lines[start..end.max(start)].join("\n")
}

/// Two sample letters that between them give every placeholder a value of each kind.
fn samples() -> [LetterContext; 2] {
    let invoice = InvoiceContext {
        number: "1042".to_string(),
        job: Some("Harbor Point".to_string()),
        pm: Some("Dana".to_string()),
        amount: "$1,200.00".to_string(),
        due: "Nov 20, 2026".to_string(),
        days_past_due: 31,
        when: "due Nov 20, 2026, 31 days past due".to_string(),
    };
    let past_due = LetterContext {
        customer: "Acme Builders".to_string(),
        business: "Suncoast Drywall".to_string(),
        sender: "Suncoast Drywall accounts receivable".to_string(),
        date: "December 3, 2026".to_string(),
        total: "$1,200.00".to_string(),
        pay_by: "Monday, December 14, 2026".to_string(),
        oldest_days: 31,
        invoices: vec![invoice.clone()],
        late_fee: Some("$18.00".to_string()),
        late_fee_terms: Some("1.5% a month after 10 days".to_string()),
        remit: Some("Suncoast Drywall, PO Box 1, Tampa, FL 33601".to_string()),
        contact: Some("(813) 555-0100 or ar@suncoast.example".to_string()),
        ..LetterContext::default()
    };
    let mut lien = past_due.clone();
    lien.late_fee = None;
    lien.late_fee_terms = None;
    lien.remit = None;
    lien.contact = None;
    lien.job = Some("Harbor Point".to_string());
    lien.job_address = Some("Tampa, FL".to_string());
    lien.owner = Some("Harbor Point LLC".to_string());
    lien.gc = Some("Acme Builders".to_string());
    lien.state = Some("FL".to_string());
    lien.lien_document = Some("Claim of lien".to_string());
    lien.lien_due = Some("February 18, 2027".to_string());
    lien.lien_statute = Some("Fla. Stat. § 713.08(5)".to_string());
    lien.unpaid = Some("$2,900.00".to_string());
    lien.not_yet_due = Some("$1,500.00".to_string());
    lien.retainage = Some("$200.00".to_string());
    let mut later = invoice;
    later.number = "1051".to_string();
    later.amount = "$1,700.00".to_string();
    later.due = "Dec 20, 2026".to_string();
    later.days_past_due = 0;
    later.when = "due Dec 20, 2026".to_string();
    lien.invoices.push(later);
    [past_due, lien]
}

/// Writes arbot's own wording of each letter into `folder` (the templates folder's `letters/`)
/// as a starting point; files already there are kept. Returns the files written.
pub fn write_starters(folder: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(folder).with_context(|| format!("Can't create {}", folder.display()))?;
    let mut written = Vec::new();
    for (name, source) in BUILT_IN {
        let Some(file) = name.strip_prefix("arbot/letters/") else { continue };
        let path = folder.join(file);
        if path.exists() {
            continue;
        }
        let source = source.replace("arbot/letters/_invoices.txt", "_invoices.txt");
        std::fs::write(&path, source).with_context(|| format!("Can't write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_letters_render_with_their_figures() {
        let t = LetterTemplates::default();
        let [past_due, lien] = samples();
        let r = t.render(LetterKind::Demand, &past_due).expect("renders");
        assert_eq!(r.subject, "Demand for payment: $1,200.00 past due on the account of Acme Builders");
        assert!(r.body.starts_with("Dear Acme Builders accounts payable,\n\nOur records show"), "{}", r.body);
        assert!(r.body.contains("by 31 days.\n\n  Invoice #1042"), "a blank line before the invoices: {}", r.body);
        assert!(r.body.contains("\n  Invoice #1042 (Harbor Point): $1,200.00 due Nov 20, 2026, 31 days past due\n"));
        assert!(r.body.contains("We ask that you pay $1,200.00 by Monday, December 14, 2026."), "{}", r.body);
        assert!(r.body.contains("Late charges to date under our payment terms (1.5% a month after 10 days): $18.00"));
        assert!(r.body.contains("Please send payment to: Suncoast Drywall, PO Box 1, Tampa, FL 33601."));
        assert!(r.body.ends_with("Sincerely,\n\n\nSuncoast Drywall accounts receivable"), "{:?}", r.body);
        let (letter, _) = r.body.split_once("Sincerely").expect("signed");
        assert!(!letter.contains("\n\n\n"), "one blank line between paragraphs: {:?}", r.body);
        let r = t.render(LetterKind::Final, &past_due).expect("renders");
        assert!(r.subject.starts_with("Final notice: $1,200.00"));
        assert!(r.body.contains("further steps available to us under our contract with you and the law"));
        let r = t.render(LetterKind::IntentToLien, &lien).expect("renders");
        assert_eq!(r.subject, "Notice of intent to lien: Harbor Point, Tampa, FL");
        assert!(r.body.contains(
            "Under Fla. Stat. § 713.08(5), a claim of lien for this work can be recorded until February 18, 2027."
        ));
        assert!(
            r.body.contains("$2,900.00 for that work remains unpaid, and $1,200.00 of it is past due."),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("Past due: $1,200.00\nNot yet due: $1,500.00\nRetainage held: $200.00\nTotal unpaid on this project: $2,900.00\n\n"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("Unless we receive the $1,200.00 past due by Monday, December 14, 2026,"),
            "{}",
            r.body
        );
        assert!(r.body.contains("Invoice #1051 (Harbor Point): $1,700.00 due Dec 20, 2026\n"), "{}", r.body);
        assert!(r.body.ends_with("cc: Harbor Point LLC, owner"), "{:?}", r.body);
        let (letter, _) = r.body.split_once("Sincerely").expect("signed");
        assert!(!letter.contains("\n\n\n"), "one blank line between paragraphs: {:?}", r.body);
        // All of it past due: the letter says so once, without the breakdown.
        let mut all_due = lien.clone();
        (all_due.unpaid, all_due.not_yet_due, all_due.retainage) = (Some(all_due.total.clone()), None, None);
        all_due.invoices.truncate(1);
        let r = t.render(LetterKind::IntentToLien, &all_due).expect("renders");
        assert!(r.body.contains("$1,200.00 for that work remains unpaid past its due dates."), "{}", r.body);
        assert!(r.body.contains("Past due: $1,200.00\n\nUnder"), "{}", r.body);
        assert!(!r.body.contains("Please send payment"), "no remit line without a remit-to");
    }

    fn folder_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        dir
    }

    #[test]
    fn a_letter_file_is_used_and_mistakes_are_refused_with_the_file_and_line() {
        let dir =
            folder_with(&[("demand.txt", "Subject: Pay {{ total }}\n\nDear {{ customer }},\n\nBy {{ pay_by }}.")]);
        let t = LetterTemplates::load(dir.path()).expect("loads");
        assert_eq!(t.file_of(LetterKind::Demand), Some(dir.path().join("demand.txt")));
        assert_eq!(t.file_of(LetterKind::Final), None);
        let [ctx, _] = samples();
        let r = t.render(LetterKind::Demand, &ctx).expect("renders");
        assert_eq!(
            (r.subject.as_str(), r.body.as_str()),
            ("Pay $1,200.00", "Dear Acme Builders,\n\nBy Monday, December 14, 2026.")
        );
        assert!(t.render(LetterKind::Final, &ctx).expect("renders").subject.starts_with("Final notice"));
        let cases = [
            ("demand.txt", "Subject: x\n\nDear {{ custmer }}", "demand.txt line 3: unknown placeholder 'custmer'"),
            ("lien.txt", "Dear {{ customer }}", "lien.txt line 1: a letter template starts with its subject line"),
            ("warning.txt", "Subject: x\n\nHi", "warning.txt is not a letter arbot drafts"),
            ("final.txt", "Subject: x\n\n{% if total %}open", "final.txt line 3"),
        ];
        for (name, text, expected) in cases {
            let dir = folder_with(&[(name, text)]);
            let err = LetterTemplates::load(dir.path()).expect_err(text);
            assert!(format!("{err:#}").contains(expected), "{text:?} gave {err:#}");
        }
        assert_eq!(
            LetterTemplates::load(Path::new("/nonexistent/letters")).expect("no folder"),
            LetterTemplates::default()
        );
    }

    #[test]
    fn the_starters_load_back_and_read_as_arbots_own() {
        let dir = tempfile::tempdir().expect("temp dir");
        let written = write_starters(dir.path()).expect("writes");
        assert_eq!(written.len(), 4);
        let t = LetterTemplates::load(dir.path()).expect("loads");
        let own = LetterTemplates::default();
        for ctx in samples() {
            for kind in LetterKind::ALL {
                assert_eq!(t.render(kind, &ctx), own.render(kind, &ctx));
            }
        }
        assert!(write_starters(dir.path()).expect("again").is_empty(), "files already there are kept");
    }
}
