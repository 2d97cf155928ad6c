//! `/ar liens [days]` and `/ar job <name>`: lien and notice deadlines next to what is unpaid on
//! each job, computed from the job's facts by `arbot_core::liens`.

use std::collections::HashMap;

use arbot_core::dates::{long_date, short_date};
use arbot_core::ledger::JobWithCustomer;
use arbot_core::liens::{DISCLAIMER, deadlines, facts_for_job, missing_facts};
use arbot_core::store::OpenItemsQuery;

use super::{CommandError, Invocation, at};
use crate::app::App;
use crate::reply::{Align, Reply, Severity, Table};

/// Unpaid balance per job, from today's open invoices.
async fn unpaid_by_job(app: &App) -> Result<HashMap<i64, i64>, CommandError> {
    let items =
        app.store.open_items(OpenItemsQuery { as_of: app.today(), customer_id: None, historical: false }).await?;
    let mut out = HashMap::new();
    for i in items.iter().filter(|i| i.currency() == app.config.currency) {
        if let Some(job) = i.job_id {
            *out.entry(job).or_insert(0) += i.balance.minor;
        }
    }
    Ok(out)
}

fn days_left(n: i64) -> String {
    match n {
        0 => "today".to_string(),
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    }
}

/// Missing facts that hold back the main deadlines. A lien not yet recorded, a suit not yet
/// planned or an owner's final payment not yet made are not gaps in the record.
fn primary_missing(facts: &arbot_core::liens::JobFacts) -> Vec<&'static str> {
    missing_facts(facts)
        .into_iter()
        .filter(|f| !matches!(*f, "lien_recorded" | "suit_planned" | "owner_final_payment"))
        .collect()
}

fn job_label(j: &JobWithCustomer) -> String {
    format!("{} ({})", j.job.name, j.customer_name)
}

pub(super) async fn handle_liens(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let days: i64 = match inv.arg("days") {
        Some(s) => s.parse().ok().filter(|d| (0..=366).contains(d)).ok_or_else(|| {
            CommandError::User(format!("'{s}' isn't a number of days from 0 to 366. Try /ar liens 30."))
        })?,
        None => 30,
    };
    let today = app.today();
    let horizon = today + chrono::Days::new(days as u64);
    let unpaid = unpaid_by_job(app).await?;
    let jobs = app.store.jobs(None).await?;
    let mut rows = Vec::new();
    let mut needs_facts = Vec::new();
    for j in &jobs {
        let owed = unpaid.get(&j.job.id).copied().unwrap_or(0);
        let Some(facts) = facts_for_job(&j.job) else {
            if owed > 0 {
                needs_facts.push(format!(
                    "{} — {} unpaid; set its state, project type and our role",
                    job_label(j),
                    app.money(owed)
                ));
            }
            continue;
        };
        match deadlines(&facts, &[]) {
            Ok(found) => {
                rows.extend(found.into_iter().filter(|d| d.due >= today && d.due <= horizon).map(|d| (d, j, owed)));
            }
            Err(e) => {
                if owed > 0 {
                    needs_facts.push(format!("{}: {e}", job_label(j)));
                }
                continue;
            }
        }
        let missing = primary_missing(&facts);
        if owed > 0 && !missing.is_empty() {
            needs_facts.push(format!("{} — {} unpaid; missing {}", job_label(j), app.money(owed), missing.join(", ")));
        }
    }
    rows.sort_by(|a, b| a.0.due.cmp(&b.0.due).then_with(|| b.2.cmp(&a.2)));
    let mut reply = Reply::titled(format!("Lien and notice deadlines — next {days} days"));
    if rows.is_empty() {
        reply.lines.push(format!("Nothing falls due by {} on the jobs whose facts I have.", long_date(horizon)));
    } else {
        let mut table = Table::new(&[
            ("Due", Align::Left),
            ("In", Align::Right),
            ("Document", Align::Left),
            ("Job", Align::Left),
            ("Unpaid", Align::Right),
            ("Citation", Align::Left),
        ]);
        for (d, j, owed) in &rows {
            table.rows.push(vec![
                short_date(d.due),
                days_left((d.due - today).num_days()),
                d.document.clone(),
                format!("{} ({}, {})", j.job.name, j.customer_name, j.job.state.as_deref().unwrap_or("?")),
                if *owed > 0 { app.money(*owed).to_string() } else { "—".to_string() },
                d.citation.clone(),
            ]);
        }
        reply.table = Some(table);
    }
    if !needs_facts.is_empty() {
        let shown: Vec<String> = needs_facts.iter().take(10).map(|s| format!("• {s}")).collect();
        let more = needs_facts.len().saturating_sub(10);
        let mut text = shown.join("\n");
        if more > 0 {
            text.push_str(&format!("\n… and {more} more"));
        }
        reply = reply.field("Money outstanding, lien facts missing", text);
    }
    reply.severity = match rows.first() {
        Some((d, _, _)) if (d.due - today).num_days() <= 3 => Severity::Critical,
        Some(_) => Severity::Warning,
        None => Severity::Good,
    };
    reply.footer = Some(DISCLAIMER.to_string());
    Ok(reply)
}

pub(super) async fn handle_job(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let query = inv.arg("name").unwrap_or_default();
    let found = app.store.jobs(Some(query)).await?;
    let job = match found.as_slice() {
        [] => {
            return Err(CommandError::User(format!(
                "No job matches '{query}'. /ar liens lists the jobs with deadlines."
            )));
        }
        [one] => one,
        many => match many.iter().find(|j| j.job.name.eq_ignore_ascii_case(query.trim())) {
            Some(exact) => exact,
            None => {
                let names: Vec<String> = many.iter().take(10).map(job_label).collect();
                return Ok(Reply::default().line(format!(
                    "{} jobs match '{query}': {} — which one?",
                    many.len(),
                    names.join(", ")
                )));
            }
        },
    };
    let today = app.today();
    let owed = unpaid_by_job(app).await?.get(&job.job.id).copied().unwrap_or(0);
    let j = &job.job;
    let mut reply = Reply::titled(format!("{} — {}", j.name, job.customer_name));
    let place: Vec<&str> = [j.city.as_deref(), j.county.as_deref(), j.state.as_deref()].into_iter().flatten().collect();
    let mut aside = Vec::new();
    if !place.is_empty() {
        aside.push(place.join(", "));
    }
    if let Some(pm) = &j.pm {
        aside.push(format!("PM: {}", at(pm)));
    }
    reply.aside = (!aside.is_empty()).then(|| aside.join("   "));
    reply.lines.push(format!("Unpaid on this job: {}", app.money(owed)));
    let fact = |v: Option<String>| v.unwrap_or_else(|| "—".to_string());
    let facts_text = format!(
        "project: {} · our role: {} · owner: {} · GC: {}\nfirst furnished: {} · last furnished: {} · NOC recorded: {} · NOC expires: {}",
        fact(j.project_type.map(|p| p.as_str().to_string())),
        fact(j.role.map(|r| r.as_str().replace('_', "-"))),
        fact(j.owner_name.clone()),
        fact(j.gc_name.clone()),
        fact(j.first_furnished.map(long_date)),
        fact(j.last_furnished.map(long_date)),
        fact(j.noc_recorded.map(long_date)),
        fact(j.noc_expires.map(long_date)),
    );
    reply = reply.field("Facts", facts_text);
    match facts_for_job(j) {
        None => {
            reply.lines.push("I need the job's state, project type and our role to compute its deadlines.".to_string());
        }
        Some(facts) => match deadlines(&facts, &[]) {
            Err(e) => reply.lines.push(e.to_string()),
            Ok(found) => {
                let mut table = Table::new(&[
                    ("Due", Align::Left),
                    ("In", Align::Right),
                    ("Document", Align::Left),
                    ("Citation", Align::Left),
                    ("If missed", Align::Left),
                ]);
                for d in &found {
                    let n = (d.due - today).num_days();
                    table.rows.push(vec![
                        long_date(d.due),
                        if n < 0 { format!("passed {} ago", days_left(-n)) } else { days_left(n) },
                        d.document.clone(),
                        d.citation.clone(),
                        d.consequence.replace('_', " "),
                    ]);
                }
                if !found.is_empty() {
                    reply.table = Some(table);
                }
                let notes: Vec<String> = found
                    .iter()
                    .filter(|d| d.due >= today)
                    .flat_map(|d| d.notes.iter().take(1).map(move |n| format!("{}: {n}", d.document)))
                    .take(3)
                    .collect();
                if !notes.is_empty() {
                    reply = reply.field("Notes", notes.join("\n"));
                }
                let missing = missing_facts(&facts);
                if !missing.is_empty() {
                    reply = reply.field("More deadlines once I know", missing.join(", "));
                }
            }
        },
    }
    reply.footer = Some(DISCLAIMER.to_string());
    reply.severity = if owed > 0 { Severity::Warning } else { Severity::Info };
    Ok(reply)
}
