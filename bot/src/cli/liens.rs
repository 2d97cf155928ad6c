//! `arbot liens deadlines`: ad-hoc lien and notice deadlines from facts typed on the command
//! line, without a database.

use anyhow::Context;
use arbot_core::dates::{long_date, parse_date};
use arbot_core::ledger::{OurRole, ProjectType};
use arbot_core::liens::{
    DISCLAIMER, Deadline, JobFacts, StateInfo, deadlines, missing_facts, states as state_rules, supported_states,
};
use chrono::NaiveDate;
use clap::Args;

use super::args::SummaryFormat;
use crate::reply::{Align, Table, table_text};

#[derive(Debug, Args)]
pub struct DeadlineArgs {
    /// The job's state, as a two-letter code or its name (`arbot liens states` lists them).
    #[arg(long)]
    pub state: String,
    /// private, public or residential; `unknown` gives the earliest deadline any project type
    /// would, marked with that assumption.
    #[arg(long, default_value = "private")]
    pub project: String,
    /// Our role on the job: gc, sub, sub_sub, supplier or laborer; `unknown` gives the earliest
    /// deadline any role would, marked with that assumption.
    #[arg(long, default_value = "sub")]
    pub role: String,
    /// The job has a payment bond (bonded private jobs).
    #[arg(long)]
    pub bonded: bool,
    /// A job fact as NAME=DATE (repeatable): first_furnished, last_furnished, completed,
    /// contract_signed, noc_recorded, notice_of_completion_recorded, lien_recorded,
    /// owner_final_payment, suit_planned; furnished_month=YYYY-MM for monthly notices.
    #[arg(long = "fact", value_name = "NAME=DATE")]
    pub facts: Vec<String>,
    /// A day the recording office is closed (a storm, say), treated like a holiday (repeatable).
    #[arg(long = "closure", value_name = "DATE")]
    pub closures: Vec<String>,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
}

pub fn run(args: &DeadlineArgs, today: NaiveDate) -> anyhow::Result<()> {
    let unknown = |value: &str| value.trim().eq_ignore_ascii_case("unknown");
    let project = match unknown(&args.project) {
        true => None,
        false => Some(ProjectType::parse(&args.project).with_context(|| {
            format!("--project '{}' should be private, public, residential or unknown", args.project)
        })?),
    };
    let role = match unknown(&args.role) {
        true => None,
        false => Some(OurRole::parse(&args.role).with_context(|| {
            format!("--role '{}' should be gc, sub, sub_sub, supplier, laborer or unknown", args.role)
        })?),
    };
    let mut facts = match (project, role) {
        (Some(project), Some(role)) => JobFacts::new(&args.state, project, role),
        _ => JobFacts::with_unknown(&args.state, project, role),
    };
    if args.bonded {
        facts.set("bonded", "yes")?;
    }
    for f in &args.facts {
        let (name, value) = f
            .split_once('=')
            .with_context(|| format!("--fact '{f}' should be NAME=DATE, like first_furnished=2026-01-10"))?;
        facts.set(name.trim(), value.trim())?;
    }
    let closures = args
        .closures
        .iter()
        .map(|c| parse_date(c, today).with_context(|| format!("--closure '{c}'")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let found = deadlines(&facts, &closures)?;
    match args.format {
        SummaryFormat::Json => super::write_stdout(&format!("{}\n", serde_json::to_string_pretty(&found)?))?,
        SummaryFormat::Table => super::write_stdout(&table(&found, &facts, today))?,
    }
    Ok(())
}

fn table(found: &[Deadline], facts: &JobFacts, today: NaiveDate) -> String {
    let mut out = String::new();
    if found.is_empty() {
        out.push_str("No deadlines follow from these facts yet.\n");
    } else {
        let mut t = Table::new(&[
            ("Due", Align::Left),
            ("Days", Align::Right),
            ("Document", Align::Left),
            ("Counted to", Align::Left),
            ("Citation", Align::Left),
            ("Confidence", Align::Left),
        ]);
        for d in found {
            let days = (d.due - today).num_days();
            let raw = if d.raw_due == d.due { String::new() } else { format!("{} (rolled)", long_date(d.raw_due)) };
            t.rows.push(vec![
                long_date(d.due),
                if days < 0 { format!("{} ago", -days) } else { days.to_string() },
                d.document.clone(),
                raw,
                d.citation.clone(),
                d.confidence.clone(),
            ]);
        }
        out.push_str(&table_text(&t));
        out.push('\n');
        for d in found {
            out.push_str(&format!("{} — {} ({}): {}\n", long_date(d.due), d.document, d.rule, d.consequence_text));
            for n in &d.notes {
                out.push_str(&format!("  · {n}\n"));
            }
        }
    }
    let missing = missing_facts(facts);
    if !missing.is_empty() {
        out.push_str(&format!("\nMore deadlines once you know: {}.\n", missing.join(", ")));
    }
    out.push_str(&format!("\n{DISCLAIMER} States covered: {}.\n", supported_states().join(", ")));
    out
}

/// `arbot liens states`: each state's rules, sources and last-checked date.
pub fn states(format: SummaryFormat) -> anyhow::Result<()> {
    let list = state_rules()?;
    match format {
        SummaryFormat::Json => super::write_stdout(&format!("{}\n", serde_json::to_string_pretty(&list)?))?,
        SummaryFormat::Table => super::write_stdout(&states_table(&list))?,
    }
    Ok(())
}

fn states_table(list: &[StateInfo]) -> String {
    let mut t = Table::new(&[
        ("State", Align::Left),
        ("Rules", Align::Right),
        ("Checked", Align::Left),
        ("Sources", Align::Left),
    ]);
    for s in list {
        t.rows.push(vec![
            format!("{} {}", s.code, s.name),
            s.rules.to_string(),
            s.checked.to_string(),
            s.sources.join("; "),
        ]);
    }
    format!("{}\n{} states. {DISCLAIMER}\n", table_text(&t), list.len())
}
