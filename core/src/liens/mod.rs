//! Mechanics' lien and notice deadlines: rules as data, a calendar per state, and an engine that
//! turns a job's facts into dated deadlines.
//!
//! # The model
//!
//! * **Rules are data.** Each state has one TOML file under `core/liens/` (embedded with
//!   `include_str!`). A file holds the state's calendar and a list of `[[rule]]`s. A rule has a
//!   stable `id`, the `kind` and `document`, who must act (`projects`, `roles`, optionally
//!   `bonded`), when it is in force (`in_force`, by the original contract date), the `due` date
//!   expression, optionally a window opening (`opens`), a safe-harbour mailing date (`mail_by`),
//!   a rollover override, a look-back (`lookback_days`), a fact that makes it moot
//!   (`satisfied_by`), what missing it costs (`consequence`, `consequence_text`), the `citation`,
//!   a `confidence` and notes. Unknown keys are rejected; ids, references and metadata are
//!   validated when a file loads (and by a test for every file).
//! * **Date expressions** count from a job fact (`after`), back from one (`before`: "at least N
//!   days before", never rolled), or from earlier rules' unadjusted due dates (`after_rules`,
//!   `before_rules`: chains anchor on the unadjusted date, the earlier reading), by
//!   `days`, `business_days`, calendar `months` (clamped to the month's end), `years`
//!   (anniversaries; Feb 29 -> Feb 28) or `nth_month_after` + `day` ("the 15th day of the 3rd
//!   month after") or `days_after_month_end` ("90 days from the last day of the month in
//!   which"). `earlier_of` / `later_of` combine terms; `optional` terms drop out when their fact
//!   is unknown; `if_unknown` counts from a stand-in fact instead (the earliest the unknown one
//!   can be), marked as an assumption; `valid_within` ignores an event recorded outside its
//!   window.
//! * **Calendars** list the weekend days and the statutory holidays (with the state's
//!   observed-day rule), and version the weekend/holiday rollover by the unadjusted due date
//!   (Florida's § 713.011 from 2023-10-01, Texas's SB 929 from 2025-09-01). Callers pass extra
//!   closure dates (a clerk's office closed for a storm).
//! * **Conservative by construction.** Where a rollover is unsettled the earlier date is kept and
//!   a note says what a roll would give; holidays whose status is uncertain are left out (a
//!   missing holiday can only make a date earlier); uncertain rules take the earlier reading.
//!
//! Every [`Deadline`] carries both the unadjusted (`raw_due`) and the adjusted (`due`) date and
//! [`DISCLAIMER`]: dates are estimates, never legal advice.

mod calendar;
mod engine;
mod facts;
mod notices;
mod parties;
mod record;
mod rules;

#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::Serialize;

pub use facts::{Fact, JobFacts};
pub use notices::{notice_kind, notice_word, notice_words};
pub use parties::{JobParties, MAX_PARTY_CHARS, PartyError, PartyFact, address_lines, party_value};
pub use record::{
    LienAlert, LienAlerts, LienRecord, LienRecords, Next, is_event, lien_alerts, next_deadlines, unpaid_by_job,
};

use calendar::Calendar;
use rules::StateRules;

/// Shown with every deadline, in every output.
pub const DISCLAIMER: &str = "Dates are estimates from the job's facts, not legal advice; confirm with counsel.";

/// One dated obligation for the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// The rule's stable id, e.g. `FL.private.nto`.
    pub rule: String,
    /// `notice_to_owner`, `preliminary_notice`, `monthly_notice`, `claim_of_lien`, `lien_service`,
    /// `notice_of_nonpayment`, `stop_payment_notice`, `notice_of_intent`, `lien_enforcement`,
    /// `bond_suit`, `final_payment_affidavit`, `noc_void_if_no_work` or `noc_expires`.
    pub kind: String,
    pub document: String,
    /// The last day, after the weekend/holiday rule.
    pub due: NaiveDate,
    /// The last day as counted, before the weekend/holiday rule.
    pub raw_due: NaiveDate,
    /// For windows: the first day the act may be done.
    pub opens: Option<NaiveDate>,
    pub citation: String,
    /// `right_lost`, `coverage_limited` or `priority_only`.
    pub consequence: String,
    pub consequence_text: String,
    /// `high`, `medium` or `low`.
    pub confidence: String,
    /// Safe-harbour dates, rollover explanations, conservative choices, caveats. Read them with
    /// [`Deadline::notes_as_of`], which leaves out advice whose day has passed.
    pub notes: Vec<String>,
    /// Where mailing counts as serving (a safe harbour): the last day to mail, and the earlier
    /// day to mail by to be safe when that last day is a holiday. The first note says so.
    pub mail_by: Option<MailBy>,
    /// For a deadline repeated per month of furnishing: that month, `YYYY-MM`.
    pub month: Option<String>,
    /// Set when a fact that picks the rule (or its date) is unknown and this is the earliest of
    /// the candidate dates; the document says so too.
    pub assumption: Option<Assumption>,
    /// Always [`DISCLAIMER`].
    pub disclaimer: &'static str,
}

/// What a candidate deadline assumes about an unknown fact, and the fact that would settle it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assumption {
    /// "a contract signed on or after 2022-01-01".
    pub assumes: String,
    /// The fact's name, as typed: `contract_signed`; for an unknown project type or role the
    /// setting's name (`project`, `role`, or `project and role`).
    pub settled_by: &'static str,
}

/// The last day a mailed notice counts as served on mailing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MailBy {
    pub last_day: NaiveDate,
    /// An earlier business day to mail by, when `last_day` is a weekend or holiday.
    pub to_be_safe: Option<NaiveDate>,
}

impl Deadline {
    /// What missing it costs, most first: rights lost, then coverage limited, then priority;
    /// events (a notice of commencement expiring) last.
    pub fn cost_rank(&self) -> u8 {
        if self.kind.starts_with("noc_") {
            return 3;
        }
        match self.consequence.as_str() {
            "right_lost" => 0,
            "coverage_limited" => 1,
            _ => 2,
        }
    }

    /// Whether missing it loses the lien or bond right outright.
    pub fn loses_rights(&self) -> bool {
        self.consequence == "right_lost" && !self.kind.starts_with("noc_")
    }

    /// The notes as they read on `today`: a mail-by date that has passed is not advised any
    /// more; the note says instead that the notice now counts when it is received.
    pub fn notes_as_of(&self, today: NaiveDate) -> Vec<String> {
        let Some(mail) = self.mail_by else { return self.notes.clone() };
        let mut notes = self.notes.clone();
        if notes.is_empty() {
            return notes;
        }
        let show = |d: NaiveDate| d.format("%a %Y-%m-%d").to_string();
        if mail.last_day < today {
            notes[0] = format!(
                "The mailing safe harbour ended {}: the notice now counts when it is received, so it must \
                 reach them by {}.",
                show(mail.last_day),
                show(self.due)
            );
        } else if mail.to_be_safe.is_some_and(|d| d < today)
            && let Some(cut) = notes[0].find(&format!(" {} is ", show(mail.last_day)))
        {
            // The "mail by … to be safe" day has passed; the last day itself still stands.
            notes[0].truncate(cut);
        }
        notes
    }
}

/// Why the engine could not answer; the text is written for the AR specialist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LienError {
    #[error("I don't have lien rules for '{given}'. Supported states: {supported}.")]
    UnknownState { given: String, supported: String },
    #[error("'{given}' isn't a job fact I know. Valid facts: {valid}.")]
    UnknownFact { given: String, valid: String },
    #[error("I couldn't read '{given}' as a date for {fact}. Write dates as YYYY-MM-DD, for example 2026-10-09.")]
    BadDate { fact: String, given: String },
    #[error("I couldn't read '{given}' as a month for furnished_month. Write it as YYYY-MM, for example 2026-03.")]
    BadMonth { given: String },
    #[error("'{given}' isn't a valid {fact}. Use one of: {valid}.")]
    BadValue { fact: String, given: String, valid: String },
    #[error("The {state} rules cover {covered} jobs, not {project} jobs; check {project} deadlines with counsel.")]
    ProjectNotCovered { state: String, project: String, covered: String },
    #[error("A date for {rule} falls outside the calendar I can compute; check the job's dates.")]
    DateOutOfRange { rule: String },
    #[error("The built-in lien rules for {state} failed to load ({reason}). This is a bug in arbot; please report it.")]
    BrokenRules { state: String, reason: String },
}

/// An embedded rules file.
struct StateFile {
    code: &'static str,
    name: &'static str,
    text: &'static str,
}

const STATE_FILES: [StateFile; 51] = [
    StateFile { code: "AK", name: "Alaska", text: include_str!("../../liens/AK.toml") },
    StateFile { code: "AL", name: "Alabama", text: include_str!("../../liens/AL.toml") },
    StateFile { code: "AR", name: "Arkansas", text: include_str!("../../liens/AR.toml") },
    StateFile { code: "AZ", name: "Arizona", text: include_str!("../../liens/AZ.toml") },
    StateFile { code: "CA", name: "California", text: include_str!("../../liens/CA.toml") },
    StateFile { code: "CO", name: "Colorado", text: include_str!("../../liens/CO.toml") },
    StateFile { code: "CT", name: "Connecticut", text: include_str!("../../liens/CT.toml") },
    StateFile { code: "DC", name: "District of Columbia", text: include_str!("../../liens/DC.toml") },
    StateFile { code: "DE", name: "Delaware", text: include_str!("../../liens/DE.toml") },
    StateFile { code: "FL", name: "Florida", text: include_str!("../../liens/FL.toml") },
    StateFile { code: "GA", name: "Georgia", text: include_str!("../../liens/GA.toml") },
    StateFile { code: "HI", name: "Hawaii", text: include_str!("../../liens/HI.toml") },
    StateFile { code: "IA", name: "Iowa", text: include_str!("../../liens/IA.toml") },
    StateFile { code: "ID", name: "Idaho", text: include_str!("../../liens/ID.toml") },
    StateFile { code: "IL", name: "Illinois", text: include_str!("../../liens/IL.toml") },
    StateFile { code: "IN", name: "Indiana", text: include_str!("../../liens/IN.toml") },
    StateFile { code: "KS", name: "Kansas", text: include_str!("../../liens/KS.toml") },
    StateFile { code: "KY", name: "Kentucky", text: include_str!("../../liens/KY.toml") },
    StateFile { code: "LA", name: "Louisiana", text: include_str!("../../liens/LA.toml") },
    StateFile { code: "MA", name: "Massachusetts", text: include_str!("../../liens/MA.toml") },
    StateFile { code: "MD", name: "Maryland", text: include_str!("../../liens/MD.toml") },
    StateFile { code: "ME", name: "Maine", text: include_str!("../../liens/ME.toml") },
    StateFile { code: "MI", name: "Michigan", text: include_str!("../../liens/MI.toml") },
    StateFile { code: "MN", name: "Minnesota", text: include_str!("../../liens/MN.toml") },
    StateFile { code: "MO", name: "Missouri", text: include_str!("../../liens/MO.toml") },
    StateFile { code: "MS", name: "Mississippi", text: include_str!("../../liens/MS.toml") },
    StateFile { code: "MT", name: "Montana", text: include_str!("../../liens/MT.toml") },
    StateFile { code: "NC", name: "North Carolina", text: include_str!("../../liens/NC.toml") },
    StateFile { code: "ND", name: "North Dakota", text: include_str!("../../liens/ND.toml") },
    StateFile { code: "NE", name: "Nebraska", text: include_str!("../../liens/NE.toml") },
    StateFile { code: "NH", name: "New Hampshire", text: include_str!("../../liens/NH.toml") },
    StateFile { code: "NJ", name: "New Jersey", text: include_str!("../../liens/NJ.toml") },
    StateFile { code: "NM", name: "New Mexico", text: include_str!("../../liens/NM.toml") },
    StateFile { code: "NV", name: "Nevada", text: include_str!("../../liens/NV.toml") },
    StateFile { code: "NY", name: "New York", text: include_str!("../../liens/NY.toml") },
    StateFile { code: "OH", name: "Ohio", text: include_str!("../../liens/OH.toml") },
    StateFile { code: "OK", name: "Oklahoma", text: include_str!("../../liens/OK.toml") },
    StateFile { code: "OR", name: "Oregon", text: include_str!("../../liens/OR.toml") },
    StateFile { code: "PA", name: "Pennsylvania", text: include_str!("../../liens/PA.toml") },
    StateFile { code: "RI", name: "Rhode Island", text: include_str!("../../liens/RI.toml") },
    StateFile { code: "SC", name: "South Carolina", text: include_str!("../../liens/SC.toml") },
    StateFile { code: "SD", name: "South Dakota", text: include_str!("../../liens/SD.toml") },
    StateFile { code: "TN", name: "Tennessee", text: include_str!("../../liens/TN.toml") },
    StateFile { code: "TX", name: "Texas", text: include_str!("../../liens/TX.toml") },
    StateFile { code: "UT", name: "Utah", text: include_str!("../../liens/UT.toml") },
    StateFile { code: "VA", name: "Virginia", text: include_str!("../../liens/VA.toml") },
    StateFile { code: "VT", name: "Vermont", text: include_str!("../../liens/VT.toml") },
    StateFile { code: "WA", name: "Washington", text: include_str!("../../liens/WA.toml") },
    StateFile { code: "WI", name: "Wisconsin", text: include_str!("../../liens/WI.toml") },
    StateFile { code: "WV", name: "West Virginia", text: include_str!("../../liens/WV.toml") },
    StateFile { code: "WY", name: "Wyoming", text: include_str!("../../liens/WY.toml") },
];

/// The two-letter codes of the states with rules, alphabetically.
pub fn supported_states() -> Vec<&'static str> {
    STATE_FILES.iter().map(|f| f.code).collect()
}

/// The state's name (`Florida` for `FL`), if arbot has its rules.
pub fn state_name(code: &str) -> Option<&'static str> {
    let code = normalize_state(code)?;
    STATE_FILES.iter().find(|f| f.code == code).map(|f| f.name)
}

fn supported_list() -> String {
    STATE_FILES.iter().map(|f| format!("{} ({})", f.code, f.name)).collect::<Vec<_>>().join(", ")
}

/// `fl`, `FL` or `Florida` -> `FL`.
fn normalize_state(input: &str) -> Option<&'static str> {
    let input = input.trim();
    STATE_FILES
        .iter()
        .find(|f| f.code.eq_ignore_ascii_case(input) || f.name.eq_ignore_ascii_case(input))
        .map(|f| f.code)
}

/// Each state's rules, parsed from its embedded file the first time they are asked for and kept
/// for the life of the process (a report over 40,000 jobs parses each file once, not per job).
fn load(state: &str) -> Result<&'static StateRules, LienError> {
    static PARSED: [OnceLock<Result<StateRules, String>>; STATE_FILES.len()] =
        [const { OnceLock::new() }; STATE_FILES.len()];
    let (n, file) = normalize_state(state)
        .and_then(|code| STATE_FILES.iter().enumerate().find(|(_, f)| f.code == code))
        .ok_or_else(|| LienError::UnknownState { given: state.to_string(), supported: supported_list() })?;
    PARSED[n]
        .get_or_init(|| StateRules::load(file.code, file.name, file.text))
        .as_ref()
        .map_err(|reason| LienError::BrokenRules { state: file.code.to_string(), reason: reason.clone() })
}

/// The job's deadlines, sorted by due date. Rules whose facts are unknown are skipped (see
/// [`missing_facts`]); `closures` are extra days the office is closed (a clerk's office shut for
/// a storm), treated like holidays.
pub fn deadlines(facts: &JobFacts, closures: &[NaiveDate]) -> Result<Vec<Deadline>, LienError> {
    Ok(evaluate(facts, closures)?.deadlines)
}

/// A job's deadlines ([`deadlines`]) and the facts that would unlock more ([`missing_facts`]),
/// from one pass over its state's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluated {
    pub deadlines: Vec<Deadline>,
    pub missing: Vec<&'static str>,
}

/// [`deadlines`] and [`missing_facts`] at once, for a report that needs both for many jobs.
pub fn evaluate(facts: &JobFacts, closures: &[NaiveDate]) -> Result<Evaluated, LienError> {
    let rules = load(&facts.state)?;
    if !facts.unknown_project && !rules.rules.iter().any(|rule| rule.projects.contains(&facts.project)) {
        let mut covered: Vec<&str> = rules.rules.iter().flat_map(|r| r.projects.iter().map(|p| p.as_str())).collect();
        covered.sort_unstable();
        covered.dedup();
        return Err(LienError::ProjectNotCovered {
            state: rules.name.clone(),
            project: facts.project.as_str().to_string(),
            covered: covered.join(" and "),
        });
    }
    let evaluation = if facts.unknown_project || facts.unknown_role {
        engine::evaluate_candidates(rules, facts, closures)?
    } else {
        engine::evaluate(rules, facts, closures)?
    };
    let settings = [("project", facts.unknown_project), ("role", facts.unknown_role)];
    let mut missing: Vec<&'static str> =
        settings.iter().filter(|(_, unknown)| *unknown).map(|(name, _)| *name).collect();
    missing.extend(evaluation.missing.into_iter().map(Fact::name));
    Ok(Evaluated { deadlines: evaluation.deadlines, missing })
}

/// Deadlines that protect lien rights before any money is late: a notice to owner or a
/// preliminary notice (counted from first furnishing or a recorded notice of commencement) and a
/// monthly notice for each month of work. They run whether or not the job has an unpaid balance,
/// so the warnings announce them on every job; the other kinds (a claim of lien, its service, a
/// suit) matter only while money is owed.
pub const PREVENTIVE: &[&str] = &["notice_to_owner", "preliminary_notice", "monthly_notice"];

/// The most days after the latest of a job's dated facts that one of its deadlines (of `kinds`,
/// or of any kind) can fall, in any state's rules, with `closures` as the extra closed days.
///
/// Every deadline counts from a dated fact (first or last furnished, a notice of commencement,
/// completion, a recorded lien, a month of work counted from its first day ...), from an earlier
/// rule's unadjusted date, or back from a fact; this adds up the longest chain of offsets any
/// rule has (a month as 31 days, a year as 366, `n` business days as `2n + 30` plus one day for
/// each closure) and the furthest a roll off a closed day can move a date. So a job whose dated
/// facts all lie more than this before `today` has no such deadline due on or after `today`:
/// [`crate::store::LedgerReads::lien_jobs`] leaves it out unless money is owed on it.
pub fn reach_days(kinds: Option<&[&str]>, closures: &[NaiveDate]) -> i64 {
    use rules::{Anchor, Offset};
    let closures = i64::try_from(closures.len()).unwrap_or(i64::MAX / 4);
    let mut widest = 0i64;
    for file in &STATE_FILES {
        // A file that does not load gives no deadlines (every job in its state says so).
        let Ok(rules) = load(file.code) else { continue };
        // Each rule's unadjusted due date, at most this many days after the latest fact; a
        // rule counts only from rules before it in its file.
        let mut raw: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
        for rule in &rules.rules {
            let reach = rule
                .due
                .terms
                .iter()
                .map(|term| {
                    let from = match &term.anchor {
                        Anchor::Fact(_) => 0,
                        Anchor::Rules(ids) => {
                            ids.iter().filter_map(|id| raw.get(id.as_str()).copied()).max().unwrap_or(0)
                        }
                    };
                    let offset = match term.offset {
                        _ if term.backward => 0,
                        Offset::Days(n) => i64::from(n),
                        Offset::BusinessDays(n) => 2 * i64::from(n) + 30 + closures,
                        Offset::Months(n) => 31 * i64::from(n),
                        Offset::Years(n) => 366 * i64::from(n),
                        Offset::DayOfMonthAfter { months, .. } => 31 * (i64::from(months) + 1),
                        Offset::DaysAfterMonthEnd(n) => 31 + i64::from(n),
                    };
                    from + offset
                })
                .max()
                .unwrap_or(0);
            raw.insert(&rule.id, reach);
            if kinds.is_none_or(|kinds| kinds.contains(&rule.kind.as_str())) {
                widest = widest.max(reach);
            }
        }
    }
    widest + calendar::MAX_ROLL_DAYS as i64
}

/// The earliest date the latest of a job's dated facts can be for the job to have a deadline
/// (of `kinds`, or of any kind) due on or after `from`: `from` less [`reach_days`].
pub fn facts_since(from: NaiveDate, kinds: Option<&[&str]>, closures: &[NaiveDate]) -> NaiveDate {
    let reach = u64::try_from(reach_days(kinds, closures)).unwrap_or(0);
    from.checked_sub_days(chrono::Days::new(reach)).unwrap_or(NaiveDate::MIN)
}

/// The facts that would unlock more deadlines for this job (by [`Fact::name`]); `state` when the
/// state has no rules.
pub fn missing_facts(facts: &JobFacts) -> Vec<&'static str> {
    if load(&facts.state).is_err() {
        return vec!["state"];
    }
    evaluate(facts, &[]).map(|evaluation| evaluation.missing).unwrap_or_default()
}

/// The lien facts arbot holds for a synced job, or `None` while its state, project type or our
/// role is unknown.
pub fn facts_for_job(job: &crate::ledger::Job) -> Option<JobFacts> {
    let mut facts = JobFacts::new(job.state.as_deref()?, job.project_type?, job.role?);
    facts.first_furnished = job.first_furnished;
    facts.last_furnished = job.last_furnished;
    facts.noc_recorded = job.noc_recorded;
    Some(facts)
}

/// One state's rules file, as `arbot liens states` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateInfo {
    pub code: &'static str,
    pub name: &'static str,
    /// How many rules the file holds.
    pub rules: usize,
    /// When the rules were last checked against their sources.
    pub checked: NaiveDate,
    pub sources: Vec<String>,
}

/// Every state with rules, alphabetically.
pub fn states() -> Result<Vec<StateInfo>, LienError> {
    STATE_FILES
        .iter()
        .map(|file| {
            let rules = load(file.code)?;
            Ok(StateInfo {
                code: file.code,
                name: file.name,
                rules: rules.rules.len(),
                checked: rules.checked,
                sources: rules.sources.clone(),
            })
        })
        .collect()
}

/// The state's holidays observed in `year` (as its lien rules count them), with their names.
pub fn holidays(state: &str, year: i32) -> Result<Vec<(NaiveDate, String)>, LienError> {
    let rules = load(state)?;
    let calendar = Calendar::new(&rules.calendar, &[]);
    Ok(calendar.holidays_in(year).into_iter().map(|(date, why)| (date, why.to_string())).collect())
}
