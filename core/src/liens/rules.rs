//! The rules-file data model (one TOML file per state, embedded at compile time) and its
//! validation. `deny_unknown_fields` everywhere: a misspelt key is an error, never a silent
//! default.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use super::calendar::{CalendarSpec, Direction};
use super::facts::Fact;
use crate::ledger::{OurRole, ProjectType};

pub(crate) const SCHEMA_VERSION: u32 = 1;

/// One state's rules file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StateRules {
    pub schema_version: u32,
    pub state: String,
    pub name: String,
    /// When the rules were last checked against their sources.
    pub checked: NaiveDate,
    /// The statutes and the material the rules were read from.
    pub sources: Vec<String>,
    pub calendar: CalendarSpec,
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
}

/// What a deadline is, in words the rest of arbot keys on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    NoticeToOwner,
    PreliminaryNotice,
    MonthlyNotice,
    ClaimOfLien,
    LienService,
    NoticeOfNonpayment,
    StopPaymentNotice,
    NoticeOfIntent,
    LienEnforcement,
    BondSuit,
    FinalPaymentAffidavit,
    NocVoidIfNoWork,
    NocExpires,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::NoticeToOwner => "notice_to_owner",
            Kind::PreliminaryNotice => "preliminary_notice",
            Kind::MonthlyNotice => "monthly_notice",
            Kind::ClaimOfLien => "claim_of_lien",
            Kind::LienService => "lien_service",
            Kind::NoticeOfNonpayment => "notice_of_nonpayment",
            Kind::StopPaymentNotice => "stop_payment_notice",
            Kind::NoticeOfIntent => "notice_of_intent",
            Kind::LienEnforcement => "lien_enforcement",
            Kind::BondSuit => "bond_suit",
            Kind::FinalPaymentAffidavit => "final_payment_affidavit",
            Kind::NocVoidIfNoWork => "noc_void_if_no_work",
            Kind::NocExpires => "noc_expires",
        }
    }
}

/// What missing the deadline costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Consequence {
    RightLost,
    CoverageLimited,
    PriorityOnly,
}

impl Consequence {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Consequence::RightLost => "right_lost",
            Consequence::CoverageLimited => "coverage_limited",
            Consequence::PriorityOnly => "priority_only",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Confidence {
    High,
    Medium,
    Low,
}

impl Confidence {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// One deadline rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rule {
    /// Stable id, `<STATE>.<scope>.<name>`; never reuse one for a different rule.
    pub id: String,
    pub kind: Kind,
    pub document: String,
    #[serde(deserialize_with = "project_types")]
    pub projects: Vec<ProjectType>,
    #[serde(deserialize_with = "roles")]
    pub roles: Vec<OurRole>,
    /// `true`: only jobs with a payment bond; `false`: only jobs without; absent: both.
    pub bonded: Option<bool>,
    /// Which contracts the rule governs (Texas versions its rules by the original contract date).
    pub in_force: Option<InForce>,
    /// One deadline per month of furnishing, counted from that month.
    #[serde(default)]
    pub per_furnished_month: bool,
    pub due: DateExpr,
    /// For windows: the first day the act may be done.
    pub opens: Option<DateExpr>,
    /// The deadline is dropped once this fact is known and falls on or before the due date (the
    /// event it watches for happened: work began before a notice of commencement went void).
    pub satisfied_by: Option<Fact>,
    /// A mailing date that counts as timely service (Florida's § 713.18 safe harbour).
    pub mail_by: Option<MailBy>,
    /// Overrides the state calendar's weekend/holiday rule for this deadline.
    pub rollover: Option<RolloverOverride>,
    /// A late notice still covers work furnished this many days before it is served.
    pub lookback_days: Option<u32>,
    pub consequence: Consequence,
    pub consequence_text: String,
    pub citation: String,
    pub confidence: Confidence,
    #[serde(default)]
    pub notes: Vec<String>,
    /// Notes shown only to one role, keyed by role name.
    #[serde(default, deserialize_with = "role_notes")]
    pub role_notes: Vec<(OurRole, String)>,
    /// Notes shown only on one project type, keyed by project type name.
    #[serde(default, deserialize_with = "project_notes")]
    pub project_notes: Vec<(ProjectType, String)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InForce {
    pub contract_signed_from: Option<NaiveDate>,
    pub contract_signed_before: Option<NaiveDate>,
}

impl InForce {
    pub(crate) fn covers(&self, contract_signed: NaiveDate) -> bool {
        self.contract_signed_from.is_none_or(|from| contract_signed >= from)
            && self.contract_signed_before.is_none_or(|before| contract_signed < before)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MailBy {
    pub after: Fact,
    pub days: u32,
    /// Shown with `{date}` replaced by the mail-by date.
    pub note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RolloverOverride {
    pub direction: Direction,
    /// The rule's own authority for rolling (else the calendar's).
    pub citation: Option<String>,
    /// Why, shown when the unadjusted date is not a business day.
    pub reason: Option<String>,
}

/// What a term counts from: a job fact, or the unadjusted due date of earlier rules in the same
/// file (the earliest of those that applied to the job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Anchor {
    Fact(Fact),
    Rules(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offset {
    Days(u32),
    BusinessDays(u32),
    /// Calendar months; a day missing from the target month becomes its last day.
    Months(u32),
    /// Anniversaries; February 29 becomes February 28.
    Years(u32),
    /// "The 15th day of the 3rd month after the month in which ...".
    DayOfMonthAfter {
        months: u32,
        day: u32,
    },
    /// "90 days from the last day of the month in which ..." (Virginia).
    DaysAfterMonthEnd(u32),
}

/// A term counts only if its anchor falls within `days` after another fact (a California notice
/// of completion must be recorded within 15 days after completion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ValidWithin {
    pub after: Fact,
    pub days: u32,
}

/// One date computation: an anchor, a direction and an offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    pub anchor: Anchor,
    /// Counted back from the anchor ("at least N days before"); never rolled.
    pub backward: bool,
    pub offset: Offset,
    /// Dropped when its fact is unknown, instead of holding the whole rule back.
    pub optional: bool,
    pub valid_within: Option<ValidWithin>,
    /// When the anchor fact is unknown, count from this one instead: the earliest the unknown fact
    /// can be (a building is completed no earlier than our last day on it). The deadline then says
    /// it assumes so and names the fact that settles it.
    pub if_unknown: Option<Fact>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pick {
    Only,
    Earliest,
    Latest,
}

/// A date expression: one term, or the earlier or later of several.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "ExprSpec")]
pub(crate) struct DateExpr {
    pub pick: Pick,
    pub terms: Vec<Term>,
}

impl DateExpr {
    pub(crate) fn facts(&self) -> impl Iterator<Item = Fact> + '_ {
        self.terms.iter().filter_map(|t| match t.anchor {
            Anchor::Fact(fact) => Some(fact),
            Anchor::Rules(_) => None,
        })
    }

    pub(crate) fn rule_refs(&self) -> impl Iterator<Item = &str> + '_ {
        self.terms.iter().flat_map(|t| match &t.anchor {
            Anchor::Rules(ids) => ids.iter().map(String::as_str).collect(),
            Anchor::Fact(_) => Vec::new(),
        })
    }
}

/// The TOML shape of a date expression: `{ after = "first_furnished", days = 45 }`,
/// `{ before = "suit_planned", days = 5 }`, `{ after_rules = ["..."], years = 1 }`,
/// `{ before_rules = ["..."], days = 10 }`,
/// `{ after = "furnished_month", nth_month_after = 3, day = 15 }`,
/// `{ after = "last_furnished", days_after_month_end = 90 }`,
/// `{ after = "completed", days = 90, if_unknown = "last_furnished" }`,
/// `{ earlier_of = [ {...}, {..., optional = true} ] }`, `{ later_of = [...] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExprSpec {
    after: Option<Fact>,
    before: Option<Fact>,
    after_rules: Option<Vec<String>>,
    before_rules: Option<Vec<String>>,
    days: Option<u32>,
    business_days: Option<u32>,
    months: Option<u32>,
    years: Option<u32>,
    nth_month_after: Option<u32>,
    day: Option<u32>,
    days_after_month_end: Option<u32>,
    #[serde(default)]
    optional: bool,
    valid_within: Option<ValidWithin>,
    if_unknown: Option<Fact>,
    earlier_of: Option<Vec<ExprSpec>>,
    later_of: Option<Vec<ExprSpec>>,
}

impl ExprSpec {
    /// Nothing set but (possibly) a combinator list.
    fn is_bare(&self) -> bool {
        self.after.is_none()
            && self.before.is_none()
            && self.after_rules.is_none()
            && self.before_rules.is_none()
            && self.days.is_none()
            && self.business_days.is_none()
            && self.months.is_none()
            && self.years.is_none()
            && self.nth_month_after.is_none()
            && self.day.is_none()
            && self.days_after_month_end.is_none()
            && !self.optional
            && self.valid_within.is_none()
            && self.if_unknown.is_none()
    }
}

impl TryFrom<ExprSpec> for DateExpr {
    type Error = String;

    fn try_from(mut spec: ExprSpec) -> Result<DateExpr, String> {
        let (pick, list) = match (spec.earlier_of.take(), spec.later_of.take()) {
            (Some(_), Some(_)) => return Err("use earlier_of or later_of, not both".into()),
            (Some(list), None) => (Pick::Earliest, list),
            (None, Some(list)) => (Pick::Latest, list),
            (None, None) => return Ok(DateExpr { pick: Pick::Only, terms: vec![Term::try_from(spec)?] }),
        };
        if !spec.is_bare() {
            return Err("a combined date (earlier_of/later_of) takes nothing else beside its list".into());
        }
        if list.len() < 2 {
            return Err("earlier_of/later_of needs at least two dates".into());
        }
        let terms = list.into_iter().map(Term::try_from).collect::<Result<Vec<_>, _>>()?;
        if terms.iter().all(|t| t.optional) {
            return Err("earlier_of/later_of needs at least one date that is not optional".into());
        }
        Ok(DateExpr { pick, terms })
    }
}

impl TryFrom<ExprSpec> for Term {
    type Error = String;

    fn try_from(spec: ExprSpec) -> Result<Term, String> {
        if spec.earlier_of.is_some() || spec.later_of.is_some() {
            return Err("earlier_of/later_of cannot be nested".into());
        }
        let (anchor, backward) = match (spec.after, spec.before, spec.after_rules, spec.before_rules) {
            (Some(fact), None, None, None) => (Anchor::Fact(fact), false),
            (None, Some(fact), None, None) => (Anchor::Fact(fact), true),
            (None, None, Some(ids), None) if !ids.is_empty() => (Anchor::Rules(ids), false),
            (None, None, None, Some(ids)) if !ids.is_empty() => (Anchor::Rules(ids), true),
            _ => {
                return Err("a date needs exactly one of after, before, after_rules or before_rules (non-empty)".into());
            }
        };
        let offset = match (
            spec.days,
            spec.business_days,
            spec.months,
            spec.years,
            spec.nth_month_after,
            spec.day,
            spec.days_after_month_end,
        ) {
            (Some(n), None, None, None, None, None, None) => Offset::Days(n),
            (None, Some(n), None, None, None, None, None) if n > 0 => Offset::BusinessDays(n),
            (None, None, Some(n), None, None, None, None) if n > 0 => Offset::Months(n),
            (None, None, None, Some(n), None, None, None) if n > 0 => Offset::Years(n),
            (None, None, None, None, Some(months), Some(day), None) if months > 0 && (1..=28).contains(&day) => {
                Offset::DayOfMonthAfter { months, day }
            }
            (None, None, None, None, None, None, Some(n)) => Offset::DaysAfterMonthEnd(n),
            _ => {
                return Err("a date needs exactly one offset: days, business_days, months, years (above 0), \
                     nth_month_after (above 0) with day (1-28), or days_after_month_end"
                    .into());
            }
        };
        if backward && !matches!(offset, Offset::Days(_)) {
            return Err("a date counted back (before, before_rules) takes `days` only".into());
        }
        if spec.valid_within.is_some() && (!spec.optional || !matches!(anchor, Anchor::Fact(_))) {
            return Err("valid_within belongs on an optional date counted from a fact".into());
        }
        if let Some(stand_in) = spec.if_unknown {
            let valid = match anchor {
                Anchor::Fact(fact) => {
                    fact != stand_in && stand_in != Fact::FurnishedMonth && fact != Fact::FurnishedMonth
                }
                Anchor::Rules(_) => false,
            };
            if !valid || backward || spec.optional {
                return Err("if_unknown belongs on a date counted forward from a fact, names another dated fact, \
                     and is not optional"
                    .into());
            }
        }
        Ok(Term {
            anchor,
            backward,
            offset,
            optional: spec.optional,
            valid_within: spec.valid_within,
            if_unknown: spec.if_unknown,
        })
    }
}

fn project_types<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ProjectType>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|name| ProjectType::parse(name).ok_or_else(|| D::Error::custom(format!("unknown project type '{name}'"))))
        .collect()
}

fn roles<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<OurRole>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|name| OurRole::parse(name).ok_or_else(|| D::Error::custom(format!("unknown role '{name}'"))))
        .collect()
}

fn role_notes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(OurRole, String)>, D::Error> {
    std::collections::BTreeMap::<String, String>::deserialize(d)?
        .into_iter()
        .map(|(name, note)| {
            let role = OurRole::parse(&name).ok_or_else(|| D::Error::custom(format!("unknown role '{name}'")))?;
            Ok((role, note))
        })
        .collect()
}

fn project_notes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(ProjectType, String)>, D::Error> {
    std::collections::BTreeMap::<String, String>::deserialize(d)?
        .into_iter()
        .map(|(name, note)| {
            let project =
                ProjectType::parse(&name).ok_or_else(|| D::Error::custom(format!("unknown project type '{name}'")))?;
            Ok((project, note))
        })
        .collect()
}

impl StateRules {
    /// Parses and validates one state's file.
    pub(crate) fn load(code: &str, name: &str, text: &str) -> Result<StateRules, String> {
        let rules: StateRules = toml::from_str(text).map_err(|e| e.to_string())?;
        rules.validate(code, name)?;
        Ok(rules)
    }

    /// Checks what serde cannot: identity, unique ids, references, and every rule's metadata.
    fn validate(&self, code: &str, name: &str) -> Result<(), String> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(format!("schema_version {} (expected {SCHEMA_VERSION})", self.schema_version));
        }
        if self.state != code || self.name != name {
            return Err(format!("file says {} ({}), expected {code} ({name})", self.state, self.name));
        }
        if self.sources.is_empty() || self.sources.iter().any(|s| s.trim().is_empty()) {
            return Err("sources must name where the rules come from".into());
        }
        self.validate_calendar()?;
        let mut seen: HashSet<&str> = HashSet::new();
        // Rules a later rule may count from: earlier in the file and not repeated per month.
        let mut referable: HashSet<&str> = HashSet::new();
        for rule in &self.rules {
            rule.validate(code, &referable).map_err(|e| format!("rule {}: {e}", rule.id))?;
            if !seen.insert(&rule.id) {
                return Err(format!("rule id {} is used twice", rule.id));
            }
            if !rule.per_furnished_month {
                referable.insert(&rule.id);
            }
        }
        Ok(())
    }

    fn validate_calendar(&self) -> Result<(), String> {
        let calendar = &self.calendar;
        if calendar.holiday_citation.trim().is_empty() {
            return Err("calendar.holiday_citation is empty".into());
        }
        if has_duplicates(&calendar.holidays) {
            return Err("calendar.holidays lists a holiday twice".into());
        }
        // The rollover versions must tile the timeline: open start, open end, each `until` the
        // next `from`.
        let mut periods: Vec<_> = calendar.rollover.iter().collect();
        periods.sort_by_key(|p| p.from);
        let tiled = periods.first().is_some_and(|p| p.from.is_none())
            && periods.last().is_some_and(|p| p.until.is_none())
            && periods.windows(2).all(|w| w[0].until.is_some() && w[0].until == w[1].from);
        if !tiled {
            return Err("calendar.rollover versions must cover every date exactly once".into());
        }
        if periods.iter().any(|p| p.citation.trim().is_empty()) {
            return Err("a calendar.rollover version has no citation".into());
        }
        Ok(())
    }
}

impl Rule {
    fn validate(&self, code: &str, referable: &HashSet<&str>) -> Result<(), String> {
        if !self.id.starts_with(&format!("{code}.")) || self.id.contains(char::is_whitespace) {
            return Err(format!("id must start with '{code}.' and have no spaces"));
        }
        for (field, text) in
            [("document", &self.document), ("citation", &self.citation), ("consequence_text", &self.consequence_text)]
        {
            if text.trim().is_empty() {
                return Err(format!("{field} is empty"));
            }
        }
        if self.projects.is_empty() || self.roles.is_empty() {
            return Err("projects and roles must not be empty".into());
        }
        if has_duplicates(&self.projects) || has_duplicates(&self.roles) {
            return Err("projects or roles list an entry twice".into());
        }
        if self.due.terms.iter().all(|t| t.optional) {
            return Err("due needs a date that is not optional".into());
        }
        let exprs = std::iter::once(&self.due).chain(&self.opens);
        let uses_month = exprs.clone().flat_map(DateExpr::facts).any(|f| f == Fact::FurnishedMonth);
        if uses_month != self.per_furnished_month {
            return Err("furnished_month is counted from exactly when per_furnished_month = true".into());
        }
        for id in exprs.flat_map(DateExpr::rule_refs) {
            if !referable.contains(id) {
                return Err(format!("after_rules/before_rules names {id}, not an earlier one-off rule in this file"));
            }
        }
        if self.satisfied_by == Some(Fact::FurnishedMonth) {
            return Err("satisfied_by takes a dated fact".into());
        }
        // A look-back limits coverage; coverage can also be limited otherwise (Michigan reduces a
        // late notice's lien by what the owner paid before it).
        if self.lookback_days.is_some() && self.consequence != Consequence::CoverageLimited {
            return Err("lookback_days goes with consequence = \"coverage_limited\" only".into());
        }
        if let Some(mail_by) = &self.mail_by
            && !mail_by.note.contains("{date}")
        {
            return Err("mail_by.note must contain {date}".into());
        }
        if let Some(in_force) = &self.in_force
            && in_force.contract_signed_from.is_none()
            && in_force.contract_signed_before.is_none()
        {
            return Err("in_force needs contract_signed_from or contract_signed_before".into());
        }
        if self.role_notes.iter().any(|(role, _)| !self.roles.contains(role)) {
            return Err("role_notes names a role the rule does not cover".into());
        }
        if self.project_notes.iter().any(|(project, _)| !self.projects.contains(project)) {
            return Err("project_notes names a project type the rule does not cover".into());
        }
        Ok(())
    }
}

fn has_duplicates<T: PartialEq>(items: &[T]) -> bool {
    items.iter().enumerate().any(|(i, a)| items[..i].contains(a))
}
