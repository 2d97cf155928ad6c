//! Job facts + a state's rules -> deadlines: compute each term's unadjusted date, roll it off
//! closed days by the state's (versioned) rule, pick the earlier or later, and explain.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, Days, Months, NaiveDate};

use super::calendar::{Calendar, Direction};
use super::facts::{Fact, JobFacts};
use super::rules::{Anchor, DateExpr, Offset, Pick, Rule, StateRules, Term};
use super::{Assumption, DISCLAIMER, Deadline, LienError, MailBy};
use crate::ledger::{OurRole, ProjectType};

/// Everything one pass over a state's rules finds.
#[derive(Debug)]
pub(crate) struct Evaluation {
    /// Sorted by due date.
    pub deadlines: Vec<Deadline>,
    /// Facts whose absence held an applicable rule back.
    pub missing: BTreeSet<Fact>,
}

pub(crate) fn evaluate(rules: &StateRules, facts: &JobFacts, closures: &[NaiveDate]) -> Result<Evaluation, LienError> {
    let periods = contract_periods(rules, facts);
    if periods.is_empty() {
        return evaluate_once(rules, facts, closures, None);
    }
    // The contract date picks the law and is unknown: evaluate under every version, keep the
    // rules that do not depend on it once, and for each kind of notice (and month) the version
    // whose first date is earliest, marked with that assumption.
    let mut passes = Vec::new();
    for period in &periods {
        passes.push((period, evaluate_once(rules, facts, closures, Some(period))?));
    }
    let versioned = |d: &Deadline| rules.rules.iter().any(|r| r.id == d.rule && r.in_force.is_some());
    let mut missing = BTreeSet::from([Fact::ContractSigned]);
    let mut deadlines: Vec<Deadline> = Vec::new();
    // (kind, month) -> per period: its deadlines of that kind.
    let mut groups: Vec<(GroupKey, Vec<Candidates>)> = Vec::new();
    for (index, (_, pass)) in passes.iter().enumerate() {
        missing.extend(pass.missing.iter().copied());
        for d in &pass.deadlines {
            if !versioned(d) {
                if index == 0 {
                    deadlines.push(d.clone());
                }
                continue;
            }
            group_candidate(&mut groups, index, d);
        }
    }
    for (_, candidates) in groups {
        // Earliest first date wins; on a tie the newest law (periods run newest first).
        let first = |list: &[Deadline]| list.iter().map(|d| (d.due, d.raw_due)).min();
        let Some((chosen, list)) = candidates.iter().min_by_key(|(i, list)| (first(list), *i)) else { continue };
        let period = passes[*chosen].0;
        let others: Vec<String> = candidates
            .iter()
            .filter(|(i, _)| i != chosen)
            .filter_map(|(i, list)| {
                let d = list.iter().min_by_key(|d| (d.due, d.raw_due))?;
                Some(format!(
                    "{}: {} due {}",
                    crate::dates::capitalize(&passes[*i].0.if_signed()),
                    d.document,
                    show(d.due)
                ))
            })
            .collect();
        for (n, d) in list.iter().enumerate() {
            let mut d = d.clone();
            assume(&mut d, period.assumption(), Fact::ContractSigned.name());
            if n == 0 && !others.is_empty() {
                d.notes.push(format!("{}.", others.join("; ")));
            }
            deadlines.push(d);
        }
    }
    sort(&mut deadlines);
    Ok(Evaluation { deadlines, missing })
}

/// With the project type or our role unknown ([`JobFacts::with_unknown`]): every candidate
/// value is evaluated and, for each kind of deadline (and month), the candidate whose first date
/// is earliest is kept, marked with what it assumes, unless every candidate gives that date.
pub(crate) fn evaluate_candidates(
    rules: &StateRules,
    facts: &JobFacts,
    closures: &[NaiveDate],
) -> Result<Evaluation, LienError> {
    let projects: Vec<ProjectType> = if facts.unknown_project {
        ProjectType::ALL.iter().copied().filter(|p| rules.rules.iter().any(|r| r.projects.contains(p))).collect()
    } else {
        vec![facts.project]
    };
    let roles: Vec<OurRole> = if facts.unknown_role { OurRole::ALL.to_vec() } else { vec![facts.role] };
    let mut candidates: Vec<((ProjectType, OurRole), Evaluation)> = Vec::new();
    for &project in &projects {
        for &role in &roles {
            let mut known = facts.clone();
            known.project = project;
            known.role = role;
            known.unknown_project = false;
            known.unknown_role = false;
            candidates.push(((project, role), evaluate(rules, &known, closures)?));
        }
    }
    let mut missing = BTreeSet::new();
    let mut groups: Vec<(GroupKey, Vec<Candidates>)> = Vec::new();
    for (index, (_, pass)) in candidates.iter().enumerate() {
        missing.extend(pass.missing.iter().copied());
        for d in &pass.deadlines {
            group_candidate(&mut groups, index, d);
        }
    }
    let mut deadlines = Vec::new();
    for (_, group) in groups {
        let first = |list: &[Deadline]| list.iter().map(|d| (d.due, d.raw_due)).min();
        let Some(best) = group.iter().filter_map(|(_, list)| first(list)).min() else { continue };
        let winners: Vec<(ProjectType, OurRole)> =
            group.iter().filter(|(_, list)| first(list) == Some(best)).map(|(i, _)| candidates[*i].0).collect();
        let Some((chosen, list)) = group.iter().find(|(_, list)| first(list) == Some(best)) else { continue };
        let (project, role) = candidates[*chosen].0;
        // A setting is named when the date depends on it: some value of it, the other held at the
        // chosen candidate's, gives a later date or none.
        let all_win = candidates.iter().all(|(c, _)| winners.contains(c));
        let role_free = roles.iter().all(|r| winners.contains(&(project, *r)));
        let project_free = projects.iter().all(|p| winners.contains(&(*p, role)));
        let (assumption, settle) = match (facts.unknown_project && !project_free, facts.unknown_role && !role_free) {
            _ if all_win => (None, ""),
            (true, true) | (false, false) => (
                Some(format!("{} and that we are the {}", project_words(project), role_words(role))),
                "project and role",
            ),
            (true, false) => (Some(project_words(project)), "project"),
            (false, true) => (Some(format!("that we are the {}", role_words(role))), "role"),
        };
        for d in list {
            let mut d = d.clone();
            if let Some(assumption) = &assumption {
                assume(&mut d, assumption.clone(), settle);
            }
            deadlines.push(d);
        }
    }
    sort(&mut deadlines);
    Ok(Evaluation { deadlines, missing })
}

fn project_words(project: ProjectType) -> String {
    match project {
        ProjectType::Private => "a private job".to_string(),
        ProjectType::Public => "a public job".to_string(),
        ProjectType::Residential => "a residential job".to_string(),
    }
}

fn role_words(role: OurRole) -> &'static str {
    match role {
        OurRole::Gc => "general contractor",
        OurRole::Sub => "subcontractor",
        OurRole::SubSub => "sub-subcontractor",
        OurRole::Supplier => "supplier",
        OurRole::Laborer => "laborer",
    }
}

/// A kind of deadline, and the month it is for (monthly notices).
type GroupKey = (String, Option<String>);
/// One contract-date period's deadlines of a kind (by the period's index).
type Candidates = (usize, Vec<Deadline>);

/// Files deadline `d` of candidate pass `index` under its kind and month.
fn group_candidate(groups: &mut Vec<(GroupKey, Vec<Candidates>)>, index: usize, d: &Deadline) {
    let key = (d.kind.clone(), d.month.clone());
    let slot = match groups.iter().position(|(k, _)| *k == key) {
        Some(i) => &mut groups[i].1,
        None => {
            groups.push((key, Vec::new()));
            let last = groups.len() - 1;
            &mut groups[last].1
        }
    };
    match slot.iter_mut().find(|(i, _)| *i == index) {
        Some((_, list)) => list.push(d.clone()),
        None => slot.push((index, vec![d.clone()])),
    }
}

/// Marks a deadline as resting on an assumption about an unknown fact (or setting), in its
/// document (which every answer shows) and in `assumption`. A deadline that already rests on one
/// (a Texas contract date) names both, the new one first.
fn assume(d: &mut Deadline, assumption: String, settle: &'static str) {
    let text = format!("Assumes {assumption}: the earliest of the possible dates. Set {settle} to be sure.");
    d.notes.insert(usize::from(d.mail_by.is_some()), text);
    let (assumes, settle_text) = match d.assumption.take() {
        Some(earlier) => {
            let suffix = format!(" — assumes {}; set {} to be sure", earlier.assumes, earlier.settled_by);
            if let Some(base) = d.document.strip_suffix(&suffix) {
                d.document = base.to_string();
            }
            (format!("{assumption} and {}", earlier.assumes), format!("{settle} and {}", earlier.settled_by))
        }
        None => (assumption, settle.to_string()),
    };
    d.document = format!("{} — assumes {assumes}; set {settle_text} to be sure", d.document);
    d.assumption = Some(Assumption { assumes, settled_by: settle });
}

fn sort(deadlines: &mut [Deadline]) {
    deadlines.sort_by(|a, b| (a.due, a.raw_due, &a.rule, &a.document).cmp(&(b.due, b.raw_due, &b.rule, &b.document)));
}

/// A range of contract dates under which one version of the law applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ContractPeriod {
    from: Option<NaiveDate>,
    before: Option<NaiveDate>,
}

impl ContractPeriod {
    fn assumption(&self) -> String {
        format!("a contract {}", self.range())
    }

    fn if_signed(&self) -> String {
        format!("if the contract was {}", self.range())
    }

    fn range(&self) -> String {
        match (self.from, self.before) {
            (Some(from), Some(before)) => format!("signed from {from} to before {before}"),
            (Some(from), None) => format!("signed on or after {from}"),
            (None, Some(before)) => format!("signed before {before}"),
            (None, None) => "signed at any date".to_string(),
        }
    }

    fn within(&self, from: Option<NaiveDate>, before: Option<NaiveDate>) -> bool {
        let starts = match (from, self.from) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(f), Some(s)) => s >= f,
        };
        let ends = match (before, self.before) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(b), Some(e)) => e <= b,
        };
        starts && ends
    }
}

/// With the contract date unknown and a rule for this job versioned by it, the contract-date
/// ranges that select a version, newest first; empty otherwise.
fn contract_periods(rules: &StateRules, facts: &JobFacts) -> Vec<ContractPeriod> {
    if facts.contract_signed.is_some() {
        return Vec::new();
    }
    let mut bounds: BTreeSet<NaiveDate> = BTreeSet::new();
    for rule in rules.rules.iter().filter(|rule| applies(rule, facts)) {
        if let Some(in_force) = &rule.in_force {
            bounds.extend(in_force.contract_signed_from);
            bounds.extend(in_force.contract_signed_before);
        }
    }
    if bounds.is_empty() {
        return Vec::new();
    }
    let bounds: Vec<NaiveDate> = bounds.into_iter().collect();
    let mut periods = vec![ContractPeriod { from: None, before: bounds.first().copied() }];
    for pair in bounds.windows(2) {
        periods.push(ContractPeriod { from: Some(pair[0]), before: Some(pair[1]) });
    }
    periods.push(ContractPeriod { from: bounds.last().copied(), before: None });
    periods.reverse();
    periods
}

fn evaluate_once(
    rules: &StateRules,
    facts: &JobFacts,
    closures: &[NaiveDate],
    period: Option<&ContractPeriod>,
) -> Result<Evaluation, LienError> {
    let mut evaluator =
        Evaluator { facts, calendar: Calendar::new(&rules.calendar, closures), raw_due: HashMap::new() };
    let mut deadlines = Vec::new();
    let mut missing = BTreeSet::new();
    for rule in rules.rules.iter().filter(|rule| applies(rule, facts)) {
        if let Some(in_force) = &rule.in_force {
            match (facts.contract_signed, period) {
                (Some(signed), _) if !in_force.covers(signed) => continue,
                (Some(_), _) => {}
                (None, Some(period))
                    if !period.within(in_force.contract_signed_from, in_force.contract_signed_before) =>
                {
                    continue;
                }
                (None, Some(_)) => {}
                (None, None) => {
                    missing.insert(Fact::ContractSigned);
                    continue;
                }
            }
        }
        if rule.per_furnished_month {
            if facts.furnished_months.is_empty() {
                missing.insert(Fact::FurnishedMonth);
            }
            for &(year, month) in &facts.furnished_months {
                let start = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| out_of_range(rule))?;
                match evaluator.deadline(rule, Some(start))? {
                    Outcome::Due(deadline) => {
                        missing.extend(deadline.assumption.as_ref().and_then(|a| Fact::parse(a.settled_by)));
                        deadlines.push(deadline);
                    }
                    Outcome::Missing(facts) => missing.extend(facts),
                    Outcome::Satisfied => {}
                }
            }
        } else {
            match evaluator.deadline(rule, None)? {
                Outcome::Due(deadline) => {
                    missing.extend(deadline.assumption.as_ref().and_then(|a| Fact::parse(a.settled_by)));
                    evaluator.raw_due.insert(&rule.id, deadline.raw_due);
                    deadlines.push(deadline);
                }
                Outcome::Missing(facts) => missing.extend(facts),
                Outcome::Satisfied => {}
            }
        }
    }
    sort(&mut deadlines);
    Ok(Evaluation { deadlines, missing })
}

fn applies(rule: &Rule, facts: &JobFacts) -> bool {
    rule.projects.contains(&facts.project)
        && rule.roles.contains(&facts.role)
        && rule.bonded.is_none_or(|bonded| bonded == facts.bonded)
}

fn out_of_range(rule: &Rule) -> LienError {
    LienError::DateOutOfRange { rule: rule.id.clone() }
}

#[allow(clippy::large_enum_variant)] // one per rule evaluated, moved straight into a list
enum Outcome {
    Due(Deadline),
    Missing(Vec<Fact>),
    /// What the rule watches for already happened in time.
    Satisfied,
}

/// A term with its dates.
struct Dated<'r> {
    term: &'r Term,
    /// What the term counted from, in words.
    from: String,
    /// The unknown fact whose stand-in the term counted from (see [`Term::if_unknown`]).
    assumed: Option<Fact>,
    anchor: NaiveDate,
    raw: NaiveDate,
    due: NaiveDate,
    roll_note: Option<String>,
}

/// A term's anchor: its date and what it is, in words.
struct Anchored {
    date: NaiveDate,
    from: String,
    /// Set when the anchor fact is unknown and its stand-in was used.
    assumed: Option<Fact>,
}

/// The terms of an expression that could be dated (with anchor and unadjusted date), or the facts
/// that held it back.
enum Terms<'r> {
    /// The dated terms, and the unknown facts of later-of terms left out (assumed early enough).
    Dated(Vec<(&'r Term, Anchored, NaiveDate)>, Vec<Fact>),
    Missing(Vec<Fact>),
}

struct Evaluator<'a> {
    facts: &'a JobFacts,
    calendar: Calendar<'a>,
    /// Unadjusted due dates of the one-off rules computed so far, for `after_rules`.
    raw_due: HashMap<&'a str, NaiveDate>,
}

impl<'a> Evaluator<'a> {
    fn deadline(&self, rule: &'a Rule, month: Option<NaiveDate>) -> Result<Outcome, LienError> {
        let mut invalid_notes = Vec::new();
        let (terms, assumed) = match self.terms(rule, &rule.due, month, &mut invalid_notes)? {
            Terms::Dated(terms, assumed) => (terms, assumed),
            Terms::Missing(facts) => return Ok(Outcome::Missing(facts)),
        };
        let opens = match &rule.opens {
            None => None,
            Some(expr) => match self.terms(rule, expr, month, &mut invalid_notes)? {
                Terms::Dated(terms, _) => pick(expr.pick, terms.into_iter().map(|(_, _, raw)| (raw, raw))),
                Terms::Missing(facts) if facts.is_empty() || expr.terms.iter().all(|t| t.optional) => None,
                Terms::Missing(facts) => return Ok(Outcome::Missing(facts)),
            },
        };
        let dated: Vec<Dated> =
            terms.into_iter().map(|(term, anchor, raw)| self.roll(rule, term, anchor, raw)).collect();
        let Some(chosen_index) = pick_index(rule.due.pick, dated.iter().map(|d| (d.due, d.raw))) else {
            return Ok(Outcome::Missing(Vec::new()));
        };
        let chosen = &dated[chosen_index];
        if rule.satisfied_by.and_then(|fact| self.facts.date(fact)).is_some_and(|date| date <= chosen.due) {
            return Ok(Outcome::Satisfied);
        }

        let mut notes = Vec::new();
        let mail_by = self.mail_by(rule, chosen.due);
        notes.extend(self.mail_by_note(rule, chosen.due));
        if dated.len() > 1 {
            notes.push(combination_note(rule.due.pick, &dated));
        }
        notes.extend(chosen.roll_note.clone());
        notes.extend(self.closure_note(rule, chosen));
        notes.extend(invalid_notes);
        if let Some(days) = rule.lookback_days {
            notes.push(format!(
                "A late notice still covers work furnished in the {} before the day it is served; \
                 work before that loses lien protection.",
                plural(days, "day")
            ));
        }
        notes.extend(rule.notes.iter().cloned());
        notes.extend(rule.role_notes.iter().filter(|(role, _)| *role == self.facts.role).map(|(_, n)| n.clone()));
        notes.extend(rule.project_notes.iter().filter(|(p, _)| *p == self.facts.project).map(|(_, n)| n.clone()));

        let document = match month {
            Some(start) => format!("{} (work furnished in {})", rule.document, start.format("%b %Y")),
            None => rule.document.clone(),
        };
        let mut deadline = Deadline {
            rule: rule.id.clone(),
            kind: rule.kind.as_str().to_string(),
            document,
            due: chosen.due,
            raw_due: chosen.raw,
            opens,
            citation: rule.citation.clone(),
            consequence: rule.consequence.as_str().to_string(),
            consequence_text: rule.consequence_text.clone(),
            confidence: rule.confidence.as_str().to_string(),
            notes,
            mail_by,
            month: month.map(|start| start.format("%Y-%m").to_string()),
            assumption: None,
            disclaimer: DISCLAIMER,
        };
        if let (Some(fact), Some(stand_in)) = (chosen.assumed, chosen.term.if_unknown) {
            let assumption = format!("{} on the day of {}, the earliest it can be", fact.label(), stand_in.label());
            assume(&mut deadline, assumption, fact.name());
        } else if let Some(&fact) = assumed.first() {
            assume(&mut deadline, format!("{} early enough not to push this date later", fact.label()), fact.name());
        }
        Ok(Outcome::Due(deadline))
    }

    /// Dates every term of `expr` (anchor and unadjusted date); optional terms whose fact is
    /// unknown or invalid drop out.
    fn terms<'r>(
        &self,
        rule: &Rule,
        expr: &'r DateExpr,
        month: Option<NaiveDate>,
        invalid_notes: &mut Vec<String>,
    ) -> Result<Terms<'r>, LienError> {
        let mut dated = Vec::new();
        let mut missing = Vec::new();
        let mut held_back = false;
        for term in &expr.terms {
            let Some(anchored) = self.anchor(&term.anchor, month).or_else(|| self.stand_in(term)) else {
                if !term.optional {
                    if let Anchor::Fact(fact) = term.anchor {
                        missing.push(fact);
                    }
                    // In a later-of, an unknown date can only push the deadline later: the other
                    // dates give the earliest it can be.
                    held_back |= expr.pick != Pick::Latest || !matches!(term.anchor, Anchor::Fact(_));
                }
                continue;
            };
            if let Some(note) = self.invalid(term, anchored.date) {
                invalid_notes.push(note);
                continue;
            }
            let raw = self.apply(term, anchored.date).ok_or_else(|| out_of_range(rule))?;
            dated.push((term, anchored, raw));
        }
        if held_back || dated.is_empty() {
            return Ok(Terms::Missing(missing));
        }
        Ok(Terms::Dated(dated, missing))
    }

    fn anchor(&self, anchor: &Anchor, month: Option<NaiveDate>) -> Option<Anchored> {
        match anchor {
            Anchor::Fact(fact) => {
                let date = if *fact == Fact::FurnishedMonth { month } else { self.facts.date(*fact) };
                Some(Anchored { date: date?, from: fact.label().to_string(), assumed: None })
            }
            Anchor::Rules(ids) => ids
                .iter()
                .filter_map(|id| Some((*self.raw_due.get(id.as_str())?, id)))
                .min()
                .map(|(date, id)| Anchored { date, from: format!("the unadjusted {id} deadline"), assumed: None }),
        }
    }

    /// The stand-in anchor of a term whose fact is unknown ([`Term::if_unknown`]), if it has one
    /// and the stand-in is known.
    fn stand_in(&self, term: &Term) -> Option<Anchored> {
        let (Anchor::Fact(fact), Some(stand_in)) = (&term.anchor, term.if_unknown) else { return None };
        let date = self.facts.date(stand_in)?;
        let from = format!("{} (unknown: taken as {}, the earliest it can be)", fact.label(), stand_in.label());
        Some(Anchored { date, from, assumed: Some(*fact) })
    }

    /// Why an optional term does not count here (a California notice of completion recorded
    /// too late), if it does not.
    fn invalid(&self, term: &Term, anchor: NaiveDate) -> Option<String> {
        let within = term.valid_within?;
        let base = self.facts.date(within.after)?;
        let last = base.checked_add_days(Days::new(within.days.into()))?;
        let Anchor::Fact(fact) = term.anchor else { return None };
        (anchor < base || anchor > last).then(|| {
            format!(
                "{} on {} is not within {} after {} ({}), so it does not shorten this deadline.",
                crate::dates::capitalize(fact.label()),
                show(anchor),
                plural(within.days, "day"),
                within.after.label(),
                show(base)
            )
        })
    }

    fn apply(&self, term: &Term, anchor: NaiveDate) -> Option<NaiveDate> {
        match term.offset {
            Offset::Days(n) if term.backward => anchor.checked_sub_days(Days::new(n.into())),
            Offset::Days(n) => anchor.checked_add_days(Days::new(n.into())),
            Offset::BusinessDays(n) => self.calendar.add_business_days(anchor, n),
            Offset::Months(n) => anchor.checked_add_months(Months::new(n)),
            Offset::Years(n) => anchor.checked_add_months(Months::new(n.checked_mul(12)?)),
            Offset::DayOfMonthAfter { months, day } => {
                anchor.with_day(1)?.checked_add_months(Months::new(months))?.with_day(day)
            }
            Offset::DaysAfterMonthEnd(n) => anchor
                .with_day(1)?
                .checked_add_months(Months::new(1))?
                .pred_opt()?
                .checked_add_days(Days::new(n.into())),
        }
    }

    /// Moves an unadjusted date off a closed day as the rule (or the state calendar version in
    /// force on that date) says, and explains what happened.
    fn roll<'r>(&self, rule: &Rule, term: &'r Term, anchored: Anchored, raw: NaiveDate) -> Dated<'r> {
        let Anchored { date: anchor, from, assumed } = anchored;
        let Some(closed) = self.calendar.closed(raw) else {
            return Dated { term, from, assumed, anchor, raw, due: raw, roll_note: None };
        };
        if term.backward {
            let note = format!(
                "{} is {closed}; a date counted back from {from} never moves, so act by then or earlier.",
                show(raw)
            );
            return Dated { term, from, assumed, anchor, raw, due: raw, roll_note: Some(note) };
        }
        let dated = |due, roll_note| Dated { term, from, assumed, anchor, raw, due, roll_note };
        let spec = self.calendar.spec();
        let version = spec.rollover.iter().find(|version| version.covers(raw));
        let (direction, citation) = match &rule.rollover {
            Some(over) => {
                let citation = over.citation.as_deref().or(version.map(|v| v.citation.as_str())).unwrap_or_default();
                (over.direction, citation)
            }
            None => version.map_or((Direction::Unsettled, ""), |v| (v.direction, v.citation.as_str())),
        };
        let reason = rule.rollover.as_ref().and_then(|over| over.reason.as_deref());
        let next = self.calendar.next_business_day(raw);
        let (due, note) = match direction {
            Direction::Never => return dated(raw, reason.map(|reason| format!("{} is {closed}. {reason}", show(raw)))),
            _ if next < raw => (
                next,
                format!(
                    "{} is {closed}; {citation} may not extend a deadline past the closed day that follows, so \
                     this uses the business day before, {} (conservative: earlier of two readings).",
                    show(raw),
                    show(next)
                ),
            ),
            Direction::NextBusinessDay => {
                let skipped = self.closed_days(raw, next);
                (next, format!("{skipped}; moved to the next business day, {} ({citation}).", show(next)))
            }
            Direction::PreviousBusinessDay => {
                let before = self.calendar.previous_business_day(raw);
                let note = format!(
                    "{} is {closed}; whether it moves is unsettled ({citation}), so this uses the business day \
                     before, {} (conservative: earlier of two readings).",
                    show(raw),
                    show(before)
                );
                (before, note)
            }
            Direction::Unsettled => {
                let note = format!(
                    "{} is {closed}; whether it moves to {} is unsettled ({citation}), so this keeps {} \
                     (conservative: earlier of two readings).",
                    show(raw),
                    show(next),
                    show(raw)
                );
                (raw, note)
            }
        };
        let note = match reason {
            Some(reason) => format!("{note} {reason}"),
            None => note,
        };
        dated(due, Some(note))
    }

    /// "Sun 2027-05-30 is a Sunday and Mon 2027-05-31 is Memorial Day": the closed days from
    /// `from` up to (not including) `until`.
    fn closed_days(&self, from: NaiveDate, until: NaiveDate) -> String {
        let days: Vec<String> = from
            .iter_days()
            .take_while(|day| *day < until)
            .filter_map(|day| Some(format!("{} is {}", show(day), self.calendar.closed(day)?)))
            .collect();
        match days.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => days.concat(),
        }
    }

    /// The safe harbour's last mailing day (before `due`), and the business day before it when
    /// that day is closed.
    fn mail_by(&self, rule: &Rule, due: NaiveDate) -> Option<MailBy> {
        let mail_by = rule.mail_by.as_ref()?;
        let date = self.facts.date(mail_by.after)?.checked_add_days(Days::new(mail_by.days.into()))?;
        if date >= due {
            return None;
        }
        let to_be_safe = self.calendar.closed(date).map(|_| self.calendar.previous_business_day(date));
        Some(MailBy { last_day: date, to_be_safe })
    }

    fn mail_by_note(&self, rule: &Rule, due: NaiveDate) -> Option<String> {
        let mail_by = rule.mail_by.as_ref()?;
        let date = self.facts.date(mail_by.after)?.checked_add_days(Days::new(mail_by.days.into()))?;
        if date >= due {
            return None;
        }
        let mut note = mail_by.note.replace("{date}", &show(date));
        if let Some(closed) = self.calendar.closed(date) {
            let before = self.calendar.previous_business_day(date);
            note.push_str(&format!(" {} is {closed}; mail by {} to be safe.", show(date), show(before)));
        }
        Some(note)
    }

    /// Extra closure dates inside a period: the state may toll it, which the engine does not do.
    /// Only for rules that follow the state calendar's own rollover (the statute the note cites).
    fn closure_note(&self, rule: &Rule, chosen: &Dated) -> Option<String> {
        let note = self.calendar.spec().closure_note.as_deref()?;
        if chosen.term.backward || rule.rollover.is_some() {
            return None;
        }
        let count = self.calendar.closures().iter().filter(|c| **c > chosen.anchor && **c <= chosen.raw).count();
        (count > 0).then(|| format!("{} inside this period. {note}", plural_closures(count)))
    }
}

fn plural_closures(count: usize) -> String {
    if count == 1 { "1 closure date falls".to_string() } else { format!("{count} closure dates fall") }
}

fn pick(pick: Pick, values: impl Iterator<Item = (NaiveDate, NaiveDate)>) -> Option<NaiveDate> {
    let values: Vec<_> = values.collect();
    pick_index(pick, values.iter().copied()).map(|i| values[i].1)
}

/// The index of the chosen `(due, raw)`: the earliest (ties: earlier raw) or the latest.
fn pick_index(pick: Pick, values: impl Iterator<Item = (NaiveDate, NaiveDate)>) -> Option<usize> {
    let indexed = values.enumerate();
    match pick {
        Pick::Only | Pick::Earliest => indexed.min_by_key(|(_, key)| *key),
        Pick::Latest => indexed.max_by_key(|(_, key)| *key),
    }
    .map(|(i, _)| i)
}

fn combination_note(pick: Pick, dated: &[Dated]) -> String {
    let parts: Vec<String> = dated.iter().map(|d| format!("{} ({})", describe(d.term, &d.from), show(d.due))).collect();
    let head = if pick == Pick::Latest { "Later of" } else { "Earlier of" };
    format!("{head}: {}.", parts.join("; "))
}

/// A term in words: "45 days after first furnishing".
fn describe(term: &Term, from: &str) -> String {
    match term.offset {
        Offset::Days(n) if term.backward => format!("{} before {from}", plural(n, "day")),
        Offset::Days(n) => format!("{} after {from}", plural(n, "day")),
        Offset::BusinessDays(n) => format!("{} after {from}", plural(n, "business day")),
        Offset::Months(n) => format!("{} after {from}", plural(n, "month")),
        Offset::Years(n) => format!("{} after {from}", plural(n, "year")),
        Offset::DayOfMonthAfter { months, day } => {
            format!(
                "the {} of the {} month after the month of {from}",
                crate::dates::ordinal_number(day),
                crate::dates::ordinal_number(months)
            )
        }
        Offset::DaysAfterMonthEnd(n) => format!("{} after the last day of the month of {from}", plural(n, "day")),
    }
}

fn plural(n: u32, unit: &str) -> String {
    if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") }
}

/// `Mon 2026-11-23`: how dates read in notes.
fn show(date: NaiveDate) -> String {
    date.format("%a %Y-%m-%d").to_string()
}
