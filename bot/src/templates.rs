//! Reminder templates: the wording of each stage's email, rendered with minijinja. A stage uses
//! `<stage name>.txt` in the templates folder (`[reminders] templates`, by default `templates/`
//! beside arbot.toml), or the file its `template` names; a stage with neither uses arbot's own
//! wording (the built-in templates under `arbot/`: a courtesy note before the due date, a friendly
//! reminder after it, a firmer one from 30 days, a final notice at the last stage).
//!
//! A template's first line is `Subject: …`, then a blank line, then the body, which holds the
//! opening paragraph in `{% block opening %}…{% endblock %}`: that block is what the Edit form
//! in chat changes for one day's email. Everything is checked when the config is loaded (syntax,
//! the subject line, the opening block, every placeholder), so a mistake is named with its file
//! and line before any email is drafted.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use arbot_core::mail::Ladder;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

/// The built-in templates, by their name in the environment.
const BUILT_IN: [(&str, &str); 5] = [
    ("arbot/courtesy.txt", include_str!("../templates/reminders/courtesy.txt")),
    ("arbot/reminder.txt", include_str!("../templates/reminders/reminder.txt")),
    ("arbot/past_due.txt", include_str!("../templates/reminders/past_due.txt")),
    ("arbot/final.txt", include_str!("../templates/reminders/final.txt")),
    ("arbot/_invoices.txt", include_str!("../templates/reminders/_invoices.txt")),
];

/// What a reminder template can use, as `{{ name }}`.
pub const PLACEHOLDERS: [(&str, &str); 12] = [
    ("customer", "the customer's name"),
    ("business", "our business name"),
    ("sender", "who signs: \"<business> accounts receivable\""),
    ("stage", "the stage's name"),
    ("stage_days", "the stage's days from the due date"),
    ("total", "what the email asks for in all, as money"),
    ("oldest_days", "days past due of the oldest invoice"),
    ("overdue", "true when any invoice is past due"),
    ("final", "true at the ladder's last stage"),
    ("invoices", "the invoices: number, job, pm, amount, due, days_past_due, when"),
    ("late_fee", "late charges to date under [late_fees], when in_reminders is on (else empty)"),
    ("late_fee_terms", "the late-fee terms in words (else empty)"),
];

/// Names a template may use that are minijinja's own.
pub(crate) const ENGINE_NAMES: [&str; 7] = ["range", "dict", "namespace", "loop", "self", "super", "debug"];

/// The hidden variable that carries an edited opening paragraph into the opening block.
const EDITED_OPENING: &str = "_edited_opening";

/// One reminder's figures, as the templates see them.
#[derive(Debug, Clone, Serialize)]
pub struct ReminderContext {
    pub customer: String,
    pub business: String,
    pub sender: String,
    pub stage: String,
    pub stage_days: i64,
    pub total: String,
    pub oldest_days: i64,
    pub overdue: bool,
    #[serde(rename = "final")]
    pub last: bool,
    pub invoices: Vec<InvoiceContext>,
    pub late_fee: Option<String>,
    pub late_fee_terms: Option<String>,
}

/// One invoice in a reminder, as the templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceContext {
    pub number: String,
    pub job: Option<String>,
    pub pm: Option<String>,
    pub amount: String,
    pub due: String,
    pub days_past_due: i64,
    /// "due Nov 20, 2026, 12 days past due".
    pub when: String,
}

impl InvoiceContext {
    /// An invoice due on `due`, `days_from_due` days ago (negative: not yet due), asking `amount`.
    pub fn new(
        number: &str,
        job: Option<String>,
        pm: Option<String>,
        amount: String,
        due: chrono::NaiveDate,
        days_from_due: i64,
    ) -> InvoiceContext {
        let due = due.format("%b %-d, %Y").to_string();
        let when =
            if days_from_due > 0 { format!("due {due}, {days_from_due} days past due") } else { format!("due {due}") };
        InvoiceContext { number: number.to_string(), job, pm, amount, due, days_past_due: days_from_due.max(0), when }
    }
}

/// A rendered reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    /// The opening paragraph as the template words it (before any edit).
    pub opening: String,
    /// The whole body, with the edited opening where one was given.
    pub text: String,
}

/// The reminder templates in force: the built-in ones, and the folder's files by stage name.
#[derive(Clone)]
pub struct Templates {
    env: Environment<'static>,
    /// Stage name → the template it uses from the folder.
    by_stage: BTreeMap<String, String>,
    folder: Option<PathBuf>,
    /// Every loaded file's name and text (for equality and for `Debug`).
    sources: BTreeMap<String, String>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").field("folder", &self.folder).field("by_stage", &self.by_stage).finish()
    }
}

impl PartialEq for Templates {
    fn eq(&self, other: &Self) -> bool {
        self.by_stage == other.by_stage && self.folder == other.folder && self.sources == other.sources
    }
}

impl Eq for Templates {}

impl Default for Templates {
    fn default() -> Self {
        Templates { env: environment(&BUILT_IN), by_stage: BTreeMap::new(), folder: None, sources: BTreeMap::new() }
    }
}

/// A minijinja environment for plain-text templates (strict about unknown names, nothing
/// HTML-escaped, block tags leave no blank lines) holding `built_in`, arbot's own wording.
pub(crate) fn environment(built_in: &[(&'static str, &'static str)]) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    match minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        Ok(syntax) => env.set_syntax(syntax),
        Err(e) => tracing::error!("template syntax settings refused: {e}"),
    }
    // Plain-text email and letters: nothing is HTML-escaped.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    for (name, source) in built_in {
        // The built-in templates are checked by their tests; a failure here is a build defect.
        if let Err(e) = env.add_template(name, source) {
            tracing::error!("built-in template {name} does not parse: {e}");
        }
    }
    env
}

/// The `.txt` files in `folder`, sorted by name.
pub(crate) fn txt_files(folder: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(folder).with_context(|| format!("Can't read {}", folder.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.with_context(|| format!("Can't read {}", folder.display()))?.path();
        if path.extension().is_some_and(|e| e == "txt") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads the template at `path` into `env` under its file name, and keeps its text in `sources`.
pub(crate) fn add_file(
    env: &mut Environment<'static>,
    sources: &mut BTreeMap<String, String>,
    folder: &Path,
    path: &Path,
) -> anyhow::Result<()> {
    let name = file_name(path);
    let source = std::fs::read_to_string(path).with_context(|| format!("Can't read {}", path.display()))?;
    env.add_template_owned(name.clone(), source.clone()).map_err(|e| anyhow::anyhow!(explain(folder, &e, &name)))?;
    sources.insert(name, source);
    Ok(())
}

/// Refuses a template that uses a name outside `placeholders` (and the engine's own), naming the
/// file and the line; `what` is "reminder" or "letter".
pub(crate) fn check_placeholders(
    tmpl: &minijinja::Template<'_, '_>,
    folder: &Path,
    file: &str,
    placeholders: &[(&str, &str)],
    what: &str,
) -> anyhow::Result<()> {
    let known: HashSet<&str> = placeholders.iter().map(|(n, _)| *n).chain(ENGINE_NAMES).collect();
    let mut unknown: Vec<String> =
        tmpl.undeclared_variables(false).into_iter().filter(|v| !known.contains(v.as_str())).collect();
    unknown.sort();
    if let Some(name) = unknown.first() {
        let line = line_of(tmpl.source(), name).map(|l| format!(" line {l}")).unwrap_or_default();
        bail!(
            "{}{line}: unknown placeholder '{name}'. A {what} template can use {}.",
            folder.join(file).display(),
            placeholders.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}

impl Templates {
    /// The file a stage uses, or `None` for arbot's own wording.
    pub fn file_of(&self, stage: &str) -> Option<&str> {
        self.by_stage.get(stage).map(String::as_str)
    }

    /// Loads the templates folder for `ladder`. `folder` is where `[reminders] templates` points
    /// (`explicit`: it was named, so it must exist) or the default beside the config file, used
    /// only when it exists. `named` is each stage's `template = "…"`, where it has one.
    pub fn load(
        folder: &Path,
        explicit: bool,
        ladder: &Ladder,
        named: &BTreeMap<String, String>,
    ) -> anyhow::Result<Templates> {
        let mut t = Templates::default();
        if !folder.is_dir() {
            if explicit {
                bail!(
                    "[reminders] templates is {}, and there is no such folder. Create it (arbot reminders templates \
                     writes arbot's own wording there to start from) or remove the line.",
                    folder.display()
                );
            }
            if let Some((stage, file)) = named.iter().next() {
                bail!(
                    "stage '{stage}' names the template {file}, but there is no templates folder ({} does not \
                     exist).",
                    folder.display()
                );
            }
            return Ok(t);
        }
        for path in txt_files(folder)? {
            add_file(&mut t.env, &mut t.sources, folder, &path)?;
        }
        let stage_names: Vec<&str> = ladder.stages().iter().map(|s| s.name.as_str()).collect();
        for (stage, file) in named {
            if !t.sources.contains_key(file) {
                bail!("stage '{stage}' names the template {file}, which is not in {}.", folder.display());
            }
        }
        for s in ladder.stages() {
            let file = named.get(&s.name).cloned().unwrap_or_else(|| format!("{}.txt", s.name));
            if t.sources.contains_key(&file) {
                t.by_stage.insert(s.name.clone(), file);
            }
        }
        let used: HashSet<&String> = t.by_stage.values().collect();
        for name in t.sources.keys() {
            if !name.starts_with('_') && !used.contains(name) {
                bail!(
                    "{} is not the template of any stage. The stages are {}; name a file after its stage \
                     (first.txt), set template = \"{name}\" on a stage, or start its name with _ for a piece other \
                     templates include.",
                    folder.join(name).display(),
                    stage_names.join(", ")
                );
            }
        }
        for file in t.by_stage.values() {
            t.check(folder, file)?;
        }
        t.folder = Some(folder.to_path_buf());
        Ok(t)
    }

    /// A stage template's checks: the subject line, the opening block, and every placeholder
    /// known, tried on two sample reminders (with and without jobs and a late fee).
    fn check(&self, folder: &Path, file: &str) -> anyhow::Result<()> {
        let tmpl = self.env.get_template(file).map_err(|e| anyhow::anyhow!(explain(folder, &e, file)))?;
        check_placeholders(&tmpl, folder, file, &PLACEHOLDERS, "reminder")?;
        for sample in samples() {
            let r = self.render_named(file, &sample, None).map_err(|e| anyhow::anyhow!(explain(folder, &e, file)))?;
            if r.subject.is_empty() {
                bail!(
                    "{} line 1: a reminder template starts with its subject line, like \"Subject: Past due: {{{{ \
                     total }}}}\", then a blank line, then the body.",
                    folder.join(file).display()
                );
            }
        }
        Ok(())
    }

    /// The template a stage uses: the folder's, or the built-in one for its place on the ladder.
    fn template_for(&self, ladder: &Ladder, stage: usize) -> String {
        let stages = ladder.stages();
        let s = &stages[stage.min(stages.len().saturating_sub(1))];
        if let Some(file) = self.by_stage.get(&s.name) {
            return file.clone();
        }
        let last = stage + 1 == stages.len() && s.days > 0;
        let kind = if last {
            "final"
        } else if s.days >= 30 {
            "past_due"
        } else if s.days > 0 {
            "reminder"
        } else {
            "courtesy"
        };
        format!("arbot/{kind}.txt")
    }

    /// Renders stage `stage`'s email for `ctx`, with `opening` in place of the template's own
    /// opening paragraph when given.
    pub fn render(
        &self,
        ladder: &Ladder,
        stage: usize,
        ctx: &ReminderContext,
        opening: Option<&str>,
    ) -> Result<Rendered, String> {
        let file = self.template_for(ladder, stage);
        self.render_named(&file, ctx, opening).map_err(|e| {
            let folder = if file.starts_with("arbot/") { None } else { self.folder.as_deref() };
            match folder {
                Some(folder) => explain(folder, &e, &file),
                None => format!("arbot's own template {file} failed: {e}"),
            }
        })
    }

    fn render_named(
        &self,
        file: &str,
        ctx: &ReminderContext,
        opening: Option<&str>,
    ) -> Result<Rendered, minijinja::Error> {
        let tmpl = self.env.get_template(file)?;
        let value = Value::from(minijinja::value::Serde(ctx));
        let mut captured = tmpl.render_captured(value.clone())?;
        let own_opening = captured.with_state_mut(|state| state.render_block("opening"))?;
        let full = match opening {
            None => captured.into_output(),
            Some(edited) => {
                // The edit keeps the whitespace the template puts around its own opening.
                let lead = &own_opening[..own_opening.len() - own_opening.trim_start().len()];
                let trail = &own_opening[own_opening.trim_end().len()..];
                let edited = format!("{lead}{}{trail}", edited.trim());
                // A child template replaces the opening block: the edit is a value, never template
                // source, so whatever a person types is shown as typed.
                let child =
                    format!("{{% extends {file:?} %}}{{% block opening %}}{{{{ {EDITED_OPENING} }}}}{{% endblock %}}");
                let ctx = minijinja::context! { _edited_opening => edited, ..value };
                self.env.render_str(&child, ctx)?
            }
        };
        let (subject, text) = split_subject(&full);
        Ok(Rendered { subject, opening: own_opening.trim().to_string(), text })
    }
}

/// Splits a rendered template into its subject line and the body after the blank line.
pub(crate) fn split_subject(full: &str) -> (String, String) {
    let (first, rest) = full.split_once('\n').unwrap_or((full, ""));
    match first.strip_prefix("Subject:") {
        Some(subject) => (subject.trim().to_string(), rest.trim_start_matches(['\r', '\n']).to_string()),
        None => (String::new(), full.to_string()),
    }
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The first line of `source` where `name` stands as a word inside `{{ }}` or `{% %}`.
pub(crate) fn line_of(source: &str, name: &str) -> Option<usize> {
    source
        .lines()
        .position(|line| {
            line.match_indices(name).any(|(at, _)| {
                let before = line[..at].chars().next_back();
                let after = line[at + name.len()..].chars().next();
                let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                !word(before) && !word(after) && (line[..at].contains("{{") || line[..at].contains("{%"))
            })
        })
        .map(|i| i + 1)
}

/// A minijinja error as a person fixing the file needs it: the file, the line, what is wrong.
pub(crate) fn explain(folder: &Path, e: &minijinja::Error, file: &str) -> String {
    let name = e.name().unwrap_or(file);
    let line = e.line().map(|l| format!(" line {l}")).unwrap_or_default();
    let what = match e.kind() {
        minijinja::ErrorKind::UndefinedError => {
            "a placeholder or field that a reminder does not have (invoice fields are number, job, pm, amount, \
             due, days_past_due and when)"
                .to_string()
        }
        _ => e.detail().map(str::to_string).unwrap_or_else(|| e.kind().to_string()),
    };
    let path = if name.starts_with("arbot/") { PathBuf::from(name) } else { folder.join(name) };
    format!("{}{line}: {what}", path.display())
}

/// Two sample reminders that between them give every placeholder a value of each kind.
fn samples() -> [ReminderContext; 2] {
    let invoice = |job: Option<&str>, pm: Option<&str>, days: i64| InvoiceContext {
        number: "1042".to_string(),
        job: job.map(str::to_string),
        pm: pm.map(str::to_string),
        amount: "$1,200.00".to_string(),
        due: "Nov 20, 2026".to_string(),
        days_past_due: days,
        when: "due Nov 20, 2026".to_string(),
    };
    let base = ReminderContext {
        customer: "Acme Builders".to_string(),
        business: "Suncoast Drywall".to_string(),
        sender: "Suncoast Drywall accounts receivable".to_string(),
        stage: "firm".to_string(),
        stage_days: 30,
        total: "$1,200.00".to_string(),
        oldest_days: 31,
        overdue: true,
        last: false,
        invoices: vec![invoice(Some("Harbor Point"), Some("Dana"), 31), invoice(None, None, 12)],
        late_fee: Some("$18.00".to_string()),
        late_fee_terms: Some("1.5% a month after 10 days".to_string()),
    };
    let mut other = base.clone();
    other.invoices = vec![invoice(None, None, -3)];
    other.late_fee = None;
    other.late_fee_terms = None;
    other.overdue = false;
    other.last = true;
    [base, other]
}

/// Writes arbot's own wording for each stage of `ladder` into `folder` as `<stage>.txt`, as a
/// starting point; files already there are kept. Returns the files written.
pub fn write_starters(folder: &Path, ladder: &Ladder) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(folder).with_context(|| format!("Can't create {}", folder.display()))?;
    let built_in: BTreeMap<&str, &str> = BUILT_IN.into_iter().collect();
    let t = Templates::default();
    let mut written = Vec::new();
    let invoices = folder.join("_invoices.txt");
    if !invoices.exists() {
        std::fs::write(&invoices, built_in["arbot/_invoices.txt"])
            .with_context(|| format!("Can't write {}", invoices.display()))?;
        written.push(invoices);
    }
    for (i, s) in ladder.stages().iter().enumerate() {
        let path = folder.join(format!("{}.txt", s.name));
        if path.exists() {
            continue;
        }
        let source = built_in[t.template_for(ladder, i).as_str()].replace("arbot/_invoices.txt", "_invoices.txt");
        std::fs::write(&path, source).with_context(|| format!("Can't write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ladder() -> Ladder {
        Ladder::default()
    }

    #[test]
    fn the_built_in_templates_render_every_stage() {
        let t = Templates::default();
        let [with, without] = samples();
        for stage in 0..ladder().stages().len() {
            for ctx in [&with, &without] {
                let r = t.render(&ladder(), stage, ctx, None).expect("renders");
                assert!(!r.subject.is_empty(), "stage {stage} has a subject");
                assert!(r.text.starts_with("Hello Acme Builders accounts payable,\n\n"), "{}", r.text);
                assert!(r.text.contains(&r.opening), "the opening is in the body");
                assert!(r.text.ends_with("Suncoast Drywall accounts receivable\n"), "{:?}", r.text);
            }
        }
        let r = t.render(&ladder(), 4, &with, None).expect("renders");
        assert_eq!(r.subject, "Final notice: $1,200.00 past due to Suncoast Drywall");
        assert!(r.text.contains(&format!("payable,\n\n{}\n\n  Invoice #1042 (Harbor Point)", r.opening)), "{}", r.text);
        assert!(r.text.contains("  Invoice #1042 (Harbor Point): $1,200.00 due Nov 20, 2026\n  Invoice #1042:"));
        assert!(r.text.contains("\n\nTotal: $1,200.00\n\nUnder our payment terms (1.5% a month after 10 days), late"));
        let r = t.render(&ladder(), 0, &without, None).expect("renders");
        assert!(r.text.contains("\nTotal: $1,200.00\n\nIf you have questions"), "{}", r.text);
    }

    #[test]
    fn an_edited_opening_replaces_the_block_and_is_never_read_as_template() {
        let t = Templates::default();
        let [ctx, _] = samples();
        let r =
            t.render(&ladder(), 1, &ctx, Some("Hi Sam, as we discussed {{ total }} on the phone.")).expect("renders");
        assert!(r.text.contains("\n\nHi Sam, as we discussed {{ total }} on the phone.\n\n  Invoice"), "{}", r.text);
        assert!(!r.text.contains("friendly reminder"));
        assert!(r.opening.starts_with("This is a friendly reminder"), "the template's own opening is kept apart");
    }

    fn folder_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        dir
    }

    #[test]
    fn a_stage_file_is_used_and_the_others_keep_arbots_wording() {
        let dir = folder_with(&[(
            "firm.txt",
            "Subject: {{ customer }}: {{ total }} is 30 days late\n\nDear {{ customer }},\n\n{% block opening %}Please \
             call Dana about {{ invoices | length }} invoices.{% endblock %}\n\n{% include \"arbot/_invoices.txt\" %}",
        )]);
        let t = Templates::load(dir.path(), true, &ladder(), &BTreeMap::new()).expect("loads");
        assert_eq!(t.file_of("firm"), Some("firm.txt"));
        let [ctx, _] = samples();
        let firm = ladder().stages().iter().position(|s| s.name == "firm").expect("firm stage");
        let r = t.render(&ladder(), firm, &ctx, None).expect("renders");
        assert_eq!(r.subject, "Acme Builders: $1,200.00 is 30 days late");
        assert_eq!(r.opening, "Please call Dana about 2 invoices.");
        assert!(r.text.contains("Total: $1,200.00"));
        let r = t.render(&ladder(), 0, &ctx, None).expect("renders");
        assert!(r.subject.starts_with("Upcoming:"), "{}", r.subject);
    }

    #[test]
    fn mistakes_are_refused_with_the_file_and_line() {
        let cases: [(&str, &str, &str); 5] = [
            (
                "firm.txt",
                "Subject: x\n\nHello\n{% block opening %}Pay {{ totl }}{% endblock %}",
                "firm.txt line 4: unknown placeholder 'totl'",
            ),
            (
                "firm.txt",
                "Subject: x\n\n{% block opening %}{% for i in invoices %}{{ i.numbr }}{% endfor %}{% endblock %}",
                "firm.txt line 3: a placeholder or field",
            ),
            ("firm.txt", "Subject: x\n\n{% block opening %}Hi{% endblock", "firm.txt line 3"),
            (
                "firm.txt",
                "Dear {{ customer }}\n\n{% block opening %}Hi{% endblock %}",
                "firm.txt line 1: a reminder template starts with its subject line",
            ),
            (
                "frist.txt",
                "Subject: x\n\n{% block opening %}Hi{% endblock %}",
                "frist.txt is not the template of any stage",
            ),
        ];
        for (name, text, expected) in cases {
            let dir = folder_with(&[(name, text)]);
            let err = Templates::load(dir.path(), true, &ladder(), &BTreeMap::new()).expect_err(text);
            assert!(format!("{err:#}").contains(expected), "{text:?} gave {err:#}");
        }
        let dir = folder_with(&[("firm.txt", "Subject: x\n\nno opening block here")]);
        let err = Templates::load(dir.path(), true, &ladder(), &BTreeMap::new()).expect_err("no block");
        assert!(format!("{err:#}").contains("firm.txt"), "{err:#}");
        let missing = Templates::load(Path::new("/nonexistent/templates"), true, &ladder(), &BTreeMap::new());
        assert!(format!("{:#}", missing.expect_err("missing")).contains("no such folder"));
        assert!(Templates::load(Path::new("/nonexistent/templates"), false, &ladder(), &BTreeMap::new()).is_ok());
    }

    #[test]
    fn the_starters_load_back_and_read_as_arbots_own() {
        let dir = tempfile::tempdir().expect("temp dir");
        let written = write_starters(dir.path(), &ladder()).expect("writes");
        assert_eq!(written.len(), ladder().stages().len() + 1);
        let t = Templates::load(dir.path(), true, &ladder(), &BTreeMap::new()).expect("loads");
        let own = Templates::default();
        let [ctx, _] = samples();
        for stage in 0..ladder().stages().len() {
            assert_eq!(t.render(&ladder(), stage, &ctx, None), own.render(&ladder(), stage, &ctx, None));
        }
        assert!(write_starters(dir.path(), &ladder()).expect("again").is_empty(), "files already there are kept");
    }
}
