//! What arbot holds about a job's liens, read from the store and put together with the rules:
//! a job's effective facts and the notices served ([`LienRecord`]), the unpaid balance on each
//! job, each job's next deadline, and the deadlines close enough to need a person. Chat answers,
//! the digest and the warnings all read these, so they agree.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{Deadline, JobFacts, deadlines, facts_for_job};
use crate::collections::JobNotice;
use crate::ledger::{Job, OurRole, ProjectType};
use crate::money::Currency;
use crate::store::{Store, StoreError};

/// A job's lien facts and the notices recorded for it, read once.
#[derive(Debug, Clone, PartialEq)]
pub struct LienRecord {
    /// What was synced, then what was set from chat, then liens recorded with `/ar notice`.
    /// `None` while its state is unknown; with the project type or our role unknown, the facts
    /// say so and the deadlines are the earliest any candidate gives ([`JobFacts::with_unknown`]).
    pub facts: Option<JobFacts>,
    pub notices: Vec<JobNotice>,
}

impl LienRecord {
    /// Reads a job's record: synced facts, overridden by facts set from chat, with a recorded
    /// claim of lien starting the enforcement clock.
    pub async fn load(store: &dyn Store, job: &Job) -> Result<LienRecord, StoreError> {
        let notices = store.job_notices(job.id).await?;
        let overrides = store.job_facts(job.id).await?;
        Ok(LienRecord::of(job, overrides, notices))
    }

    /// A job's record from its synced facts, the facts set from chat (by fact name) and its
    /// notices.
    pub fn of(job: &Job, overrides: Vec<(String, String)>, notices: Vec<JobNotice>) -> LienRecord {
        let get = |name: &str| overrides.iter().find(|(f, _)| f == name).map(|(_, v)| v.as_str());
        let state = get("state").or(job.state.as_deref());
        let project = get("project").and_then(ProjectType::parse).or(job.project_type);
        let role = get("role").and_then(OurRole::parse).or(job.role);
        let Some(state) = state else {
            return LienRecord { facts: None, notices };
        };
        let mut facts = match (project, role) {
            (Some(project), Some(role)) => facts_for_job(job).unwrap_or_else(|| JobFacts::new(state, project, role)),
            _ => {
                let mut facts = JobFacts::with_unknown(state, project, role);
                facts.first_furnished = job.first_furnished;
                facts.last_furnished = job.last_furnished;
                facts.noc_recorded = job.noc_recorded;
                facts
            }
        };
        for (fact, value) in &overrides {
            // Stored values were checked when they were set; one that no longer parses is skipped.
            let _ = facts.set(fact, value);
        }
        if facts.lien_recorded.is_none() {
            facts.lien_recorded = notices.iter().find(|n| n.kind == "claim_of_lien").map(|n| n.served_on);
        }
        LienRecord { facts: Some(facts), notices }
    }

    /// The notice recorded for a deadline kind, if any.
    pub fn served(&self, kind: &str) -> Option<&JobNotice> {
        self.notices.iter().find(|n| n.kind == kind)
    }

    /// Every deadline the job's facts give, with the configured closure days; `None` while the
    /// facts are incomplete or the state is not covered.
    pub fn deadlines(&self, closures: &[NaiveDate]) -> Option<Vec<Deadline>> {
        deadlines(self.facts.as_ref()?, closures).ok()
    }

    /// The deadlines not yet met (no notice recorded for them).
    pub fn open_deadlines(&self, closures: &[NaiveDate]) -> Vec<Deadline> {
        self.deadlines(closures).unwrap_or_default().into_iter().filter(|d| self.served(&d.kind).is_none()).collect()
    }

    /// Deadlines that lose rights, passed before `today` with nothing recorded for them: shown
    /// until someone records what was done (or the job is paid).
    pub fn passed_rights(&self, today: NaiveDate, closures: &[NaiveDate]) -> Vec<Deadline> {
        self.open_deadlines(closures).into_iter().filter(|d| d.due < today && d.loses_rights()).collect()
    }

    /// What needs doing next on the job: a right-losing deadline that passed with nothing
    /// recorded comes first (someone must find out whether it was done); then the coming
    /// deadlines ranked by what missing them costs, soonest first within a rank.
    pub fn next(&self, today: NaiveDate, closures: &[NaiveDate]) -> Option<Next> {
        let open = self.open_deadlines(closures);
        if let Some(passed) = open.iter().filter(|d| d.due < today && d.loses_rights()).min_by_key(|d| d.due) {
            return Some(Next::Passed(passed.clone()));
        }
        open.into_iter().filter(|d| d.due >= today).min_by_key(|d| (d.cost_rank(), d.due)).map(Next::Coming)
    }
}

/// A job's next deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// A deadline that loses rights passed with nothing recorded.
    Passed(Deadline),
    /// The coming deadline whose miss would cost most.
    Coming(Deadline),
}

/// Every job's facts set from chat and notices, read in one statement each: a report over all
/// jobs builds each job's [`LienRecord`] from these instead of two statements per job.
#[derive(Debug, Clone, Default)]
pub struct LienRecords {
    facts: HashMap<i64, Vec<(String, String)>>,
    notices: HashMap<i64, Vec<JobNotice>>,
}

impl LienRecords {
    pub async fn load(store: &dyn Store) -> Result<LienRecords, StoreError> {
        let mut out = LienRecords::default();
        for (job, fact, value) in store.all_job_facts().await? {
            out.facts.entry(job).or_default().push((fact, value));
        }
        for n in store.all_job_notices().await? {
            out.notices.entry(n.job_id).or_default().push(n);
        }
        Ok(out)
    }

    /// The job's record, as [`LienRecord::load`] reads it.
    pub fn record(&self, job: &Job) -> LienRecord {
        LienRecord::of(
            job,
            self.facts.get(&job.id).cloned().unwrap_or_default(),
            self.notices.get(&job.id).cloned().unwrap_or_default(),
        )
    }
}

/// Whether a deadline is an event (a notice of commencement expiring) rather than a document to
/// serve or record.
pub fn is_event(d: &Deadline) -> bool {
    d.kind.starts_with("noc_")
}

/// Unpaid balance per job (job id → minor units), from the open invoices in `currency` today.
pub async fn unpaid_by_job(
    store: &dyn Store,
    today: NaiveDate,
    currency: Currency,
) -> Result<HashMap<i64, i64>, StoreError> {
    Ok(store.open_by_job(today, currency).await?.into_iter().collect())
}

/// Up to this many jobs' records are read job by job rather than all jobs' at once.
const FEW_JOBS: usize = 8;

/// Each job's next deadline (job id → [`LienRecord::next`]).
pub async fn next_deadlines(
    store: &dyn Store,
    jobs: &[Job],
    today: NaiveDate,
    closures: &[NaiveDate],
) -> Result<HashMap<i64, Next>, StoreError> {
    let mut out = HashMap::new();
    // A customer's few jobs are read job by job (two statements each); many, from every
    // job's facts and notices read at once.
    let every = if jobs.len() > FEW_JOBS { Some(LienRecords::load(store).await?) } else { None };
    for job in jobs {
        let record = match &every {
            Some(records) => records.record(job),
            None => LienRecord::load(store, job).await?,
        };
        if let Some(next) = record.next(today, closures) {
            out.insert(job.id, next);
        }
    }
    Ok(out)
}

/// A job deadline close enough to need a person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LienAlert {
    pub customer_id: i64,
    pub job_id: i64,
    pub job_name: String,
    pub customer_name: String,
    pub state: String,
    pub document: String,
    pub due: NaiveDate,
    pub unpaid: i64,
}

/// The lien deadlines that need a person, on jobs with money unpaid.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LienAlerts {
    /// Not yet met, due within the horizon, soonest first (the digest's lien section and its
    /// "needs someone today" lines).
    pub coming: Vec<LienAlert>,
    /// Losing rights, passed with nothing recorded, oldest first: shown until someone records
    /// what was done.
    pub passed: Vec<LienAlert>,
}

/// Reads the record of every job with money owed once and sorts its deadlines into [`LienAlerts`]: those due within
/// `days`, and those that lose rights and passed with nothing recorded.
pub async fn lien_alerts(
    store: &dyn Store,
    today: NaiveDate,
    days: i64,
    closures: &[NaiveDate],
    currency: Currency,
) -> Result<LienAlerts, StoreError> {
    // Only jobs with money owed can alert: read those (with their balance) in one statement,
    // not every job ever.
    let owing = store.owing_jobs(today, currency).await?;
    if owing.is_empty() {
        return Ok(LienAlerts::default());
    }
    let records = LienRecords::load(store).await?;
    let mut out = LienAlerts::default();
    for (j, owed) in owing {
        let record = records.record(&j.job);
        let Some(state) = record.facts.as_ref().map(|f| f.state.clone()) else { continue };
        let alert = |d: &Deadline| LienAlert {
            customer_id: j.job.customer_id,
            job_id: j.job.id,
            job_name: j.job.name.clone(),
            customer_name: j.customer_name.clone(),
            state: state.clone(),
            document: d.document.clone(),
            due: d.due,
            unpaid: owed,
        };
        for d in record.open_deadlines(closures) {
            let left = (d.due - today).num_days();
            if (0..=days).contains(&left) && !is_event(&d) {
                out.coming.push(alert(&d));
            } else if left < 0 && d.loses_rights() {
                out.passed.push(alert(&d));
            }
        }
    }
    out.coming.sort_by_key(|a| a.due);
    out.passed.sort_by_key(|a| a.due);
    Ok(out)
}
