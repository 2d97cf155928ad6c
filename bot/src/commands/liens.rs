//! `/ar liens [days]` and `/ar job <name>`: lien and notice deadlines next to what is unpaid on
//! each job, computed from the job's facts by `arbot_core::liens`.

use std::collections::HashMap;

use arbot_core::collections::JobNotice;
use arbot_core::dates::{long_date, short_date};
use arbot_core::ledger::{Job, JobWithCustomer, OurRole, ProjectType};
use arbot_core::liens::{
    DISCLAIMER, JobFacts, JobParties, LienRecord, LienRecords, Next, PartyFact, deadlines, evaluate, facts_since,
    is_event, missing_facts, party_value,
};

use super::{CommandError, Invocation, job_label, missing_arg};
use crate::app::App;
use crate::reply::{Align, Reply, Severity, Table};
use crate::roles::Permission;
use crate::wording::{at, days_left};

/// Unpaid balance per job, from today's open invoices in the business currency.
pub(crate) async fn unpaid_by_job(app: &App) -> Result<HashMap<i64, i64>, CommandError> {
    Ok(arbot_core::liens::unpaid_by_job(app.store.as_ref(), app.today(), app.config.currency).await?)
}

/// A job's lien record.
pub(crate) async fn lien_record(app: &App, job: &Job) -> Result<LienRecord, CommandError> {
    Ok(LienRecord::load(app.store.as_ref(), job).await?)
}

/// Each job's next deadline, phrased for the customer summary: a right-losing deadline that
/// passed with nothing recorded ("Notice to Owner was due Nov 23 — passed, nothing recorded"),
/// else the coming one whose miss costs most ("Notice to Owner due Dec 2 (1 day)").
pub async fn next_deadlines(app: &App, jobs: &[Job]) -> Result<HashMap<i64, String>, CommandError> {
    let today = app.today();
    let found = arbot_core::liens::next_deadlines(app.store.as_ref(), jobs, today, &app.config.liens.closures).await?;
    Ok(found
        .into_iter()
        .map(|(job, next)| {
            let text = match next {
                Next::Passed(d) => {
                    format!("{} was due {} — passed, nothing recorded; rights at risk", d.document, short_date(d.due))
                }
                Next::Coming(d) => {
                    // "Notice of commencement expires" is an event, not a document to send.
                    let verb = if is_event(&d) { "" } else { " due" };
                    format!("{}{verb} {} ({})", d.document, short_date(d.due), days_left((d.due - today).num_days()))
                }
            };
            (job, text)
        })
        .collect())
}

/// Missing facts that hold back the main deadlines. A lien not yet recorded, a suit not yet
/// planned or an owner's final payment not yet made are not gaps in the record.
pub(crate) fn primary_missing(missing: &[&'static str]) -> Vec<&'static str> {
    missing
        .iter()
        .copied()
        .filter(|f| !matches!(*f, "lien_recorded" | "suit_planned" | "owner_final_payment"))
        .collect()
}

pub(super) async fn handle_liens(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let days = i64::from(inv.args.days("days").unwrap_or(30));
    if days > 366 {
        return Err(CommandError::User(format!(
            "{days} days is further ahead than /ar liens looks (at most 366). Try /ar liens 30."
        )));
    }
    let today = app.today();
    // Only jobs with money owed show passed deadlines and missing facts; a job with nothing owed
    // shows its deadlines due from today, which only a dated fact within `reach_days` can give.
    // So the jobs read are those with money owed and those with such a fact, not every job ever.
    let since = facts_since(today, None, &app.config.liens.closures);
    let jobs = app.store.lien_jobs(today, app.config.currency, since).await?;
    let records = LienRecords::load(app.store.as_ref()).await?;
    Ok(liens_reply(app, days, &jobs, &records))
}

/// One deadline as `/ar liens` shows it.
struct Shown {
    due: chrono::NaiveDate,
    document: String,
    citation: String,
}

/// What `/ar liens <days>` shows, from `jobs` (each with its unpaid balance today) and every
/// job's lien record. The handler passes [`arbot_core::store::LedgerReads::lien_jobs`]; every
/// job, each with its balance, gives the same reply.
pub fn liens_reply(app: &App, days: i64, jobs: &[(JobWithCustomer, i64)], records: &LienRecords) -> Reply {
    let today = app.today();
    let horizon = today + chrono::Days::new(days.max(0) as u64);
    let closures = &app.config.liens.closures;
    let mut rows = Vec::new();
    let mut passed = Vec::new();
    let mut needs_facts = Vec::new();
    for (j, owed) in jobs {
        let owed = *owed;
        let record = records.record(&j.job);
        let Some(facts) = &record.facts else {
            if owed > 0 {
                needs_facts.push(format!("{} — {} unpaid; set its state", job_label(j), app.money(owed)));
            }
            continue;
        };
        // One pass over the rules gives the deadlines (passed and coming) and the missing facts.
        let found = match evaluate(facts, closures) {
            Ok(found) => found,
            Err(e) => {
                if owed > 0 {
                    needs_facts.push(format!("{}: {e}", job_label(j)));
                }
                continue;
            }
        };
        let open = || found.deadlines.iter().filter(|d| record.served(&d.kind).is_none());
        // Only what the reply shows of each deadline is kept (a large ledger has thousands of
        // passed ones; a whole deadline carries its notes and explanation).
        let shown = |d: &arbot_core::liens::Deadline| {
            (Shown { due: d.due, document: d.document.clone(), citation: d.citation.clone() }, j, owed)
        };
        if owed > 0 {
            passed.extend(open().filter(|d| d.due < today && d.loses_rights()).map(shown));
        }
        rows.extend(open().filter(|d| d.due >= today && d.due <= horizon).map(shown));
        let missing = primary_missing(&found.missing);
        if owed > 0 && !missing.is_empty() {
            needs_facts.push(format!("{} — {} unpaid; missing {}", job_label(j), app.money(owed), missing.join(", ")));
        }
    }
    rows.sort_by(|a, b| a.0.due.cmp(&b.0.due).then_with(|| b.2.cmp(&a.2)));
    let mut reply = Reply::titled(format!("Lien and notice deadlines — next {days} days"));
    passed.sort_by(|a, b| a.0.due.cmp(&b.0.due).then_with(|| b.2.cmp(&a.2)));
    if !passed.is_empty() {
        let shown: Vec<String> = passed
            .iter()
            .take(10)
            .map(|(d, j, owed)| {
                format!(
                    "• {} was due {} — {} ({}, {}); {} unpaid",
                    d.document,
                    short_date(d.due),
                    j.job.name,
                    j.customer_name,
                    j.job.state.as_deref().unwrap_or("?"),
                    app.money(*owed)
                )
            })
            .collect();
        let more = passed.len().saturating_sub(10);
        let mut text = shown.join("\n");
        if more > 0 {
            text.push_str(&format!("\n… and {more} more"));
        }
        text.push_str("\nServed after all? Record it with /ar notice <job> <kind> <date>. If not, the right may be lost: ask counsel.");
        reply = reply.field("Passed with nothing recorded — rights at risk, money owed", text);
    }
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
        _ if !passed.is_empty() => Severity::Critical,
        Some((d, _, _)) if (d.due - today).num_days() <= 3 => Severity::Critical,
        Some(_) => Severity::Warning,
        None => Severity::Good,
    };
    reply.footer = Some(DISCLAIMER.to_string());
    reply
}

pub(super) async fn handle_job(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let job = inv.args.job("name").ok_or_else(|| missing_arg("name"))?;
    // `/ar job <name> set <fact> <value>` records a fact.
    if let Some(fact) = inv.args.choice("fact") {
        return set_fact(app, inv, job, fact, inv.args.text("value")).await;
    }
    if inv.args.text("value").is_some() {
        return Err(CommandError::User(
            "Say which fact the value is for, like /ar job marina set last_furnished 2026-11-20.".to_string(),
        ));
    }
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
    let record = lien_record(app, j).await?;
    let effective = record.facts.as_ref();
    let first_furnished = effective.and_then(|f| f.first_furnished).or(j.first_furnished);
    let last_furnished = effective.and_then(|f| f.last_furnished).or(j.last_furnished);
    let noc_recorded = effective.and_then(|f| f.noc_recorded).or(j.noc_recorded);
    // An unknown setting shows as unknown even when a value was synced ("role unknown" set).
    let project = effective.map_or(j.project_type, JobFacts::known_project);
    let role = effective.map_or(j.role, JobFacts::known_role);
    let parties = JobParties::of(j, &app.store.job_facts(j.id).await?);
    let fact = |v: Option<String>| v.unwrap_or_else(|| "—".to_string());
    let facts_text = format!(
        "project: {} · our role: {} · owner: {} · GC: {}\nfirst furnished: {} · last furnished: {} · NOC recorded: {} · NOC expires: {}",
        fact(project.map(|p| p.as_str().to_string())),
        fact(role.map(|r| r.as_str().replace('_', "-"))),
        fact(parties.owner.clone()),
        fact(parties.gc.clone()),
        fact(first_furnished.map(long_date)),
        fact(last_furnished.map(long_date)),
        fact(noc_recorded.map(long_date)),
        fact(j.noc_expires.map(long_date)),
    );
    reply = reply.field("Facts", facts_text);
    if let Some(text) = parties_text(&parties, app.config.currency) {
        reply = reply.field("For its notices", text);
    }
    if !record.notices.is_empty() {
        let served: Vec<String> = record
            .notices
            .iter()
            .map(|n| {
                let tracking = n.tracking.as_deref().map(|t| format!(" · {t}")).unwrap_or_default();
                format!("{} {}{tracking} (by {})", n.kind.replace('_', " "), long_date(n.served_on), at(&n.recorded_by))
            })
            .collect();
        reply = reply.field("Served / recorded", served.join("\n"));
    }
    if let Some(text) = super::waivers::job_card_text(app, j).await? {
        reply = reply.field("Lien waivers outstanding", text);
    }
    match effective {
        None => {
            reply.lines.push("I need the job's state to compute its deadlines.".to_string());
        }
        Some(facts) => match deadlines(facts, &app.config.liens.closures) {
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
                        match record.served(&d.kind) {
                            Some(x) => format!("done {}", short_date(x.served_on)),
                            None if n < 0 => format!("passed {} ago", days_left(-n)),
                            None => days_left(n),
                        },
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
                    .filter(|d| d.due >= today && record.served(&d.kind).is_none())
                    .flat_map(|d| d.notes_as_of(today).into_iter().take(1).map(move |n| format!("{}: {n}", d.document)))
                    .take(3)
                    .collect();
                if !notes.is_empty() {
                    reply = reply.field("Notes", notes.join("\n"));
                }
                let missing = missing_facts(facts);
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

/// The AR team records facts and notices; others may only read.
fn require_record(inv: &Invocation, what: &str) -> Result<(), CommandError> {
    if inv.actor.may(Permission::Record) {
        return Ok(());
    }
    Err(CommandError::User(format!(
        "Only {} can {what} (your roles: {}). Ask in the AR channel.",
        crate::roles::who_holds(Permission::Record),
        inv.actor.roles_text()
    )))
}

/// `/ar job <name> set <fact> <value>`.
async fn set_fact(
    app: &App,
    inv: &Invocation,
    job: &JobWithCustomer,
    fact: &str,
    value: Option<&str>,
) -> Result<Reply, CommandError> {
    require_record(inv, "set job facts")?;
    let party = PartyFact::parse(fact);
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Err(CommandError::User(format!(
            "Say the value of {fact}, like /ar job {} set {fact} {}.",
            super::note::typed_name(&job.job.name),
            party.map_or("2026-11-20", PartyFact::example)
        )));
    };
    if let Some(party) = party {
        return set_party(app, inv, job, party, value).await;
    }
    // Dates may be typed as people type them; the stored value is always YYYY-MM-DD.
    let value = match fact {
        "state" | "project" | "role" | "bonded" => value.to_string(),
        // A month is stored as YYYY-MM (`2026-3` becomes `2026-03`), so the store can compare it.
        "furnished_month" => match value.split_once('-').map(|(y, m)| (y.parse::<i32>(), m.parse::<u32>())) {
            Some((Ok(year), Ok(month))) if (1..=12).contains(&month) && (1000..=9999).contains(&year) => {
                format!("{year:04}-{month:02}")
            }
            _ => value.to_string(),
        },
        _ if value.eq_ignore_ascii_case("none") => "none".to_string(),
        _ => arbot_core::dates::parse_date(value, app.today())?.to_string(),
    };
    // Check it the way the engine will read it before storing it.
    let mut probe = JobFacts::new("FL", ProjectType::Private, OurRole::Sub);
    probe.set(fact, &value).map_err(|e| CommandError::User(e.to_string()))?;
    let recorded = app.store.set_job_fact(job.job.id, fact, &value, &inv.author(), app.clock.now()).await?;
    let was = match recorded.new_value() {
        Some(Some(before)) if before != value => format!(" (was {before})"),
        _ => String::new(),
    };
    let mut reply = Reply::default().line(format!(
        "Recorded: {} — {fact} {value}{was}. /ar job {} shows the deadlines it changes.",
        job_label(job),
        super::note::typed_name(&job.job.name)
    ));
    reply.severity = Severity::Good;
    Ok(reply)
}

/// `/ar job <name> set owner_address …`: a fact a notice names (see `/ar nto`).
async fn set_party(
    app: &App,
    inv: &Invocation,
    job: &JobWithCustomer,
    fact: PartyFact,
    value: &str,
) -> Result<Reply, CommandError> {
    let stored = party_value(fact, value, app.config.currency)
        .map_err(|e| CommandError::User(format!("{e} Nothing was recorded.")))?;
    let recorded = app.store.set_job_fact(job.job.id, fact.name(), &stored, &inv.author(), app.clock.now()).await?;
    let was = match recorded.new_value() {
        Some(Some(before)) if before != stored && !before.is_empty() => format!(" (was {before})"),
        _ => String::new(),
    };
    let shown = match fact {
        PartyFact::Estimate => JobParties { estimate: Some(stored.clone()), ..JobParties::default() }
            .estimate(app.config.currency)
            .map_or_else(|| stored.clone(), |m| m.to_string()),
        _ => stored.clone(),
    };
    let typed = super::note::typed_name(&job.job.name);
    let text = if stored.is_empty() {
        format!("Cleared: {} — {}{was}; it reads as not known now.", job_label(job), fact.name())
    } else {
        format!(
            "Recorded: {} — {} {shown}{was}. /ar nto {typed} drafts the job's notice with it.",
            job_label(job),
            fact.name()
        )
    };
    let mut reply = Reply::default().line(text);
    reply.severity = Severity::Good;
    Ok(reply)
}

/// What a job's notices name, for `/ar job`: only what is known.
fn parties_text(p: &JobParties, currency: arbot_core::Currency) -> Option<String> {
    let pair = |name: Option<&str>, address: Option<&str>| match (name, address) {
        (Some(n), Some(a)) => Some(format!("{n}, {a}")),
        (Some(n), None) => Some(format!("{n} (no address)")),
        (None, Some(a)) => Some(format!("(no name), {a}")),
        (None, None) => None,
    };
    let lines: Vec<String> = [
        ("owner", pair(p.owner.as_deref(), p.owner_address.as_deref())),
        ("GC", pair(p.gc.as_deref(), p.gc_address.as_deref())),
        ("lender", pair(p.lender.as_deref(), p.lender_address.as_deref())),
        ("surety", pair(p.surety.as_deref(), p.surety_address.as_deref())),
        ("bond", p.bond_number.clone()),
        ("property", p.property.clone()),
        ("legal description", p.legal_description.clone()),
        ("work", p.work.clone()),
        ("estimate", p.estimate(currency).map(|m| m.to_string())),
    ]
    .into_iter()
    .filter_map(|(label, v)| v.map(|v| format!("{label}: {v}")))
    .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// `/ar notice <job> <kind> <date> [tracking]`.
pub(super) async fn handle_notice(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    require_record(inv, "record notices")?;
    let job = inv.args.job("job").ok_or_else(|| missing_arg("job"))?;
    let kind = inv.args.notice("kind").ok_or_else(|| missing_arg("kind"))?;
    let date = inv.args.date("date").ok_or_else(|| missing_arg("date"))?;
    if date > app.today() {
        return Err(CommandError::User(format!(
            "{} is in the future; record a notice once it is served or recorded.",
            long_date(date)
        )));
    }
    let notice = JobNotice {
        id: 0,
        job_id: job.job.id,
        kind: kind.to_string(),
        served_on: date,
        tracking: inv.args.text("tracking").map(str::to_string),
        recorded_by: inv.actor.name.clone(),
        recorded_at: app.clock.now(),
    };
    app.store.add_job_notice(&notice, &inv.author()).await?;
    let tracking = notice.tracking.as_deref().map(|t| format!(", tracking {t}")).unwrap_or_default();
    let mut reply = Reply::default().line(format!(
        "Recorded: {} served on {}{tracking} — {}. I'll stop warning about it.",
        kind.replace('_', " "),
        long_date(date),
        job_label(job)
    ));
    reply.severity = Severity::Good;
    Ok(reply)
}
