//! The facts about a job that lien deadlines are computed from, and how they are typed in.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{LienError, normalize_state, supported_list};
use crate::ledger::{OurRole, ProjectType};

/// A dated fact a rule can count from. The names are the ones people type (`/ar lien set ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact {
    FirstFurnished,
    LastFurnished,
    Completed,
    ContractSigned,
    NocRecorded,
    NoticeOfCompletionRecorded,
    LienRecorded,
    OwnerFinalPayment,
    SuitPlanned,
    /// A month in which we furnished labor or materials (Texas-style monthly notices).
    FurnishedMonth,
}

impl Fact {
    pub const ALL: &'static [Fact] = &[
        Fact::FirstFurnished,
        Fact::LastFurnished,
        Fact::Completed,
        Fact::ContractSigned,
        Fact::NocRecorded,
        Fact::NoticeOfCompletionRecorded,
        Fact::LienRecorded,
        Fact::OwnerFinalPayment,
        Fact::SuitPlanned,
        Fact::FurnishedMonth,
    ];

    /// The name used in commands and in [`super::missing_facts`].
    pub fn name(self) -> &'static str {
        match self {
            Fact::FirstFurnished => "first_furnished",
            Fact::LastFurnished => "last_furnished",
            Fact::Completed => "completed",
            Fact::ContractSigned => "contract_signed",
            Fact::NocRecorded => "noc_recorded",
            Fact::NoticeOfCompletionRecorded => "notice_of_completion_recorded",
            Fact::LienRecorded => "lien_recorded",
            Fact::OwnerFinalPayment => "owner_final_payment",
            Fact::SuitPlanned => "suit_planned",
            Fact::FurnishedMonth => "furnished_month",
        }
    }

    /// How the fact reads inside a sentence.
    pub fn label(self) -> &'static str {
        match self {
            Fact::FirstFurnished => "first furnishing",
            Fact::LastFurnished => "last furnishing",
            Fact::Completed => "completion of the work",
            Fact::ContractSigned => "the contract date",
            Fact::NocRecorded => "recording of the notice of commencement",
            Fact::NoticeOfCompletionRecorded => "recording of the notice of completion",
            Fact::LienRecorded => "recording of the lien",
            Fact::OwnerFinalPayment => "the owner's final payment",
            Fact::SuitPlanned => "the planned suit date",
            Fact::FurnishedMonth => "the month of furnishing",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Fact> {
        Fact::ALL.iter().copied().find(|f| f.name() == name)
    }
}

/// Everything the engine knows about one job. Unknown dates stay `None`; rules that need them are
/// skipped and [`super::missing_facts`] names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobFacts {
    /// Two-letter state code, e.g. `FL`.
    pub state: String,
    pub project: ProjectType,
    pub role: OurRole,
    /// A payment bond covers the job (Florida § 713.23 bonded private jobs). Public jobs are
    /// bond claims whatever this says.
    pub bonded: bool,
    pub first_furnished: Option<NaiveDate>,
    pub last_furnished: Option<NaiveDate>,
    pub completed: Option<NaiveDate>,
    pub contract_signed: Option<NaiveDate>,
    pub noc_recorded: Option<NaiveDate>,
    pub notice_of_completion_recorded: Option<NaiveDate>,
    pub lien_recorded: Option<NaiveDate>,
    pub owner_final_payment: Option<NaiveDate>,
    pub suit_planned: Option<NaiveDate>,
    /// Months (year, month) in which we furnished labor or materials, sorted, no duplicates.
    pub furnished_months: Vec<(i32, u32)>,
    /// The project type is not known: `project` is a placeholder, and the engine tries every
    /// project type the state's rules cover (see [`JobFacts::with_unknown`]).
    pub unknown_project: bool,
    /// Our role is not known: `role` is a placeholder, and the engine tries every role.
    pub unknown_role: bool,
}

/// The names [`JobFacts::set`] accepts besides the dated [`Fact`]s.
const SETTINGS: [&str; 4] = ["state", "project", "role", "bonded"];

impl JobFacts {
    /// A job with no dates known yet. The state is stored as typed; [`super::deadlines`] checks it.
    pub fn new(state: &str, project: ProjectType, role: OurRole) -> JobFacts {
        JobFacts {
            state: normalize_state(state).map_or_else(|| state.trim().to_ascii_uppercase(), str::to_string),
            project,
            role,
            bonded: false,
            first_furnished: None,
            last_furnished: None,
            completed: None,
            contract_signed: None,
            noc_recorded: None,
            notice_of_completion_recorded: None,
            lien_recorded: None,
            owner_final_payment: None,
            suit_planned: None,
            furnished_months: Vec::new(),
            unknown_project: false,
            unknown_role: false,
        }
    }

    /// A job whose project type or our role (or both) is not known yet. Its deadlines are the
    /// earliest any candidate value gives, each marked with what it assumes and the setting that
    /// settles it.
    pub fn with_unknown(state: &str, project: Option<ProjectType>, role: Option<OurRole>) -> JobFacts {
        let mut facts = JobFacts::new(state, project.unwrap_or(ProjectType::Private), role.unwrap_or(OurRole::Sub));
        facts.unknown_project = project.is_none();
        facts.unknown_role = role.is_none();
        facts
    }

    /// The project type, if known.
    pub fn known_project(&self) -> Option<ProjectType> {
        (!self.unknown_project).then_some(self.project)
    }

    /// Our role, if known.
    pub fn known_role(&self) -> Option<OurRole> {
        (!self.unknown_role).then_some(self.role)
    }

    /// Sets one fact by name, as typed in chat: `first_furnished 2026-10-09`, `role sub`,
    /// `bonded yes`, `furnished_month 2026-03` (repeatable). A date fact set to `none` is cleared;
    /// `furnished_month none` clears all months; `project unknown` or `role unknown` says the
    /// setting is not known, so every value is tried.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), LienError> {
        let name = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let value = value.trim();
        match name.as_str() {
            "state" => {
                self.state = normalize_state(value)
                    .ok_or_else(|| LienError::UnknownState { given: value.to_string(), supported: supported_list() })?
                    .to_string();
            }
            // `unknown` says the setting is not known: every value is tried (see `with_unknown`).
            "project" if value.eq_ignore_ascii_case("unknown") => self.unknown_project = true,
            "role" if value.eq_ignore_ascii_case("unknown") => self.unknown_role = true,
            "project" => {
                self.project = ProjectType::parse(value)
                    .ok_or_else(|| bad_value("project", value, &with_unknown(ProjectType::ALL)))?;
                self.unknown_project = false;
            }
            "role" => {
                self.role =
                    OurRole::parse(value).ok_or_else(|| bad_value("role", value, &with_unknown(OurRole::ALL)))?;
                self.unknown_role = false;
            }
            "bonded" => {
                self.bonded = match value.to_ascii_lowercase().as_str() {
                    "yes" | "y" | "true" | "1" => true,
                    "no" | "n" | "false" | "0" => false,
                    _ => return Err(bad_value("bonded", value, &["yes", "no"])),
                }
            }
            _ => match Fact::parse(&name) {
                Some(Fact::FurnishedMonth) => self.set_furnished_month(value)?,
                Some(fact) => {
                    let date = if is_none(value) { None } else { Some(parse_fact_date(fact, value)?) };
                    if let Some(slot) = self.date_slot(fact) {
                        *slot = date;
                    }
                }
                None => return Err(LienError::UnknownFact { given: name, valid: valid_fact_names() }),
            },
        }
        Ok(())
    }

    /// The date of a fact, if known. `FurnishedMonth` has no single date.
    pub fn date(&self, fact: Fact) -> Option<NaiveDate> {
        match fact {
            Fact::FirstFurnished => self.first_furnished,
            Fact::LastFurnished => self.last_furnished,
            Fact::Completed => self.completed,
            Fact::ContractSigned => self.contract_signed,
            Fact::NocRecorded => self.noc_recorded,
            Fact::NoticeOfCompletionRecorded => self.notice_of_completion_recorded,
            Fact::LienRecorded => self.lien_recorded,
            Fact::OwnerFinalPayment => self.owner_final_payment,
            Fact::SuitPlanned => self.suit_planned,
            Fact::FurnishedMonth => None,
        }
    }

    fn date_slot(&mut self, fact: Fact) -> Option<&mut Option<NaiveDate>> {
        match fact {
            Fact::FirstFurnished => Some(&mut self.first_furnished),
            Fact::LastFurnished => Some(&mut self.last_furnished),
            Fact::Completed => Some(&mut self.completed),
            Fact::ContractSigned => Some(&mut self.contract_signed),
            Fact::NocRecorded => Some(&mut self.noc_recorded),
            Fact::NoticeOfCompletionRecorded => Some(&mut self.notice_of_completion_recorded),
            Fact::LienRecorded => Some(&mut self.lien_recorded),
            Fact::OwnerFinalPayment => Some(&mut self.owner_final_payment),
            Fact::SuitPlanned => Some(&mut self.suit_planned),
            Fact::FurnishedMonth => None,
        }
    }

    fn set_furnished_month(&mut self, value: &str) -> Result<(), LienError> {
        if is_none(value) {
            self.furnished_months.clear();
            return Ok(());
        }
        let bad = || LienError::BadMonth { given: value.to_string() };
        let (year, month) = value.split_once('-').ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u32 = month.parse().map_err(|_| bad())?;
        if !(crate::dates::FIRST_YEAR..=2100).contains(&year) || NaiveDate::from_ymd_opt(year, month, 1).is_none() {
            return Err(bad());
        }
        if !self.furnished_months.contains(&(year, month)) {
            self.furnished_months.push((year, month));
            self.furnished_months.sort_unstable();
        }
        Ok(())
    }
}

/// A setting's values as people may type them, `unknown` last.
fn with_unknown<T: std::fmt::Display>(values: &[T]) -> Vec<String> {
    values.iter().map(ToString::to_string).chain(["unknown".to_string()]).collect()
}

fn is_none(value: &str) -> bool {
    value.is_empty() || value.eq_ignore_ascii_case("none")
}

fn parse_fact_date(fact: Fact, value: &str) -> Result<NaiveDate, LienError> {
    ["%Y-%m-%d", "%m/%d/%Y"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(value, format).ok())
        .filter(|d| (crate::dates::FIRST_YEAR..=2100).contains(&d.year()))
        .ok_or_else(|| LienError::BadDate { fact: fact.name().to_string(), given: value.to_string() })
}

fn bad_value<T: std::fmt::Display>(fact: &str, given: &str, valid: &[T]) -> LienError {
    let valid = valid.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    LienError::BadValue { fact: fact.to_string(), given: given.to_string(), valid }
}

fn valid_fact_names() -> String {
    SETTINGS.iter().copied().chain(Fact::ALL.iter().map(|f| f.name())).collect::<Vec<_>>().join(", ")
}
