//! Job facts + a state's rules -> deadlines: compute each term's unadjusted date, roll it off
//! closed days by the state's (versioned) rule, pick the earlier or later, and explain.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, Days, Months, NaiveDate};

use super::calendar::{Calendar, Direction};
use super::facts::{Fact, JobFacts};
use super::rules::{Anchor, DateExpr, Offset, Pick, Rule, StateRules, Term};
use super::{DISCLAIMER, Deadline, LienError, MailBy};

/// Everything one pass over a state's rules finds.
#[derive(Debug)]
pub(crate) struct Evaluation {
    /// Sorted by due date.
    pub deadlines: Vec<Deadline>,
    /// Facts whose absence held an applicable rule back.
    pub missing: BTreeSet<Fact>,
}

pub(crate) fn evaluate(rules: &StateRules, facts: &JobFacts, closures: &[NaiveDate]) -> Result<Evaluation, LienError> {
    let mut evaluator =
        Evaluator { facts, calendar: Calendar::new(&rules.calendar, closures), raw_due: HashMap::new() };
    let mut deadlines = Vec::new();
    let mut missing = BTreeSet::new();
    for rule in rules.rules.iter().filter(|rule| applies(rule, facts)) {
        if let Some(in_force) = &rule.in_force {
            match facts.contract_signed {
                None => {
                    missing.insert(Fact::ContractSigned);
                    continue;
                }
                Some(signed) if !in_force.covers(signed) => continue,
                Some(_) => {}
            }
        }
        if rule.per_furnished_month {
            if facts.furnished_months.is_empty() {
                missing.insert(Fact::FurnishedMonth);
            }
            for &(year, month) in &facts.furnished_months {
                let start = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| out_of_range(rule))?;
                match evaluator.deadline(rule, Some(start))? {
                    Outcome::Due(deadline) => deadlines.push(deadline),
                    Outcome::Missing(facts) => missing.extend(facts),
                    Outcome::Satisfied => {}
                }
            }
        } else {
            match evaluator.deadline(rule, None)? {
                Outcome::Due(deadline) => {
                    evaluator.raw_due.insert(&rule.id, deadline.raw_due);
                    deadlines.push(deadline);
                }
                Outcome::Missing(facts) => missing.extend(facts),
                Outcome::Satisfied => {}
            }
        }
    }
    deadlines.sort_by(|a, b| (a.due, a.raw_due, &a.rule, &a.document).cmp(&(b.due, b.raw_due, &b.rule, &b.document)));
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
    anchor: NaiveDate,
    raw: NaiveDate,
    due: NaiveDate,
    roll_note: Option<String>,
}

/// A term's anchor: its date and what it is, in words.
struct Anchored {
    date: NaiveDate,
    from: String,
}

/// The terms of an expression that could be dated (with anchor and unadjusted date), or the facts
/// that held it back.
enum Terms<'r> {
    Dated(Vec<(&'r Term, Anchored, NaiveDate)>),
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
        let terms = match self.terms(rule, &rule.due, month, &mut invalid_notes)? {
            Terms::Dated(terms) => terms,
            Terms::Missing(facts) => return Ok(Outcome::Missing(facts)),
        };
        let opens = match &rule.opens {
            None => None,
            Some(expr) => match self.terms(rule, expr, month, &mut invalid_notes)? {
                Terms::Dated(terms) => pick(expr.pick, terms.into_iter().map(|(_, _, raw)| (raw, raw))),
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
        Ok(Outcome::Due(Deadline {
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
            disclaimer: DISCLAIMER,
        }))
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
            let Some(anchored) = self.anchor(&term.anchor, month) else {
                if !term.optional {
                    held_back = true;
                    if let Anchor::Fact(fact) = term.anchor {
                        missing.push(fact);
                    }
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
        Ok(Terms::Dated(dated))
    }

    fn anchor(&self, anchor: &Anchor, month: Option<NaiveDate>) -> Option<Anchored> {
        match anchor {
            Anchor::Fact(fact) => {
                let date = if *fact == Fact::FurnishedMonth { month } else { self.facts.date(*fact) };
                Some(Anchored { date: date?, from: fact.label().to_string() })
            }
            Anchor::Rules(ids) => ids
                .iter()
                .filter_map(|id| Some((*self.raw_due.get(id.as_str())?, id)))
                .min()
                .map(|(date, id)| Anchored { date, from: format!("the unadjusted {id} deadline") }),
        }
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
                capitalize(fact.label()),
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
        }
    }

    /// Moves an unadjusted date off a closed day as the rule (or the state calendar version in
    /// force on that date) says, and explains what happened.
    fn roll<'r>(&self, rule: &Rule, term: &'r Term, anchored: Anchored, raw: NaiveDate) -> Dated<'r> {
        let Anchored { date: anchor, from } = anchored;
        let Some(closed) = self.calendar.closed(raw) else {
            return Dated { term, from, anchor, raw, due: raw, roll_note: None };
        };
        if term.backward {
            let note = format!(
                "{} is {closed}; a date counted back from {from} never moves, so act by then or earlier.",
                show(raw)
            );
            return Dated { term, from, anchor, raw, due: raw, roll_note: Some(note) };
        }
        let dated = |due, roll_note| Dated { term, from, anchor, raw, due, roll_note };
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
            format!("the {} of the {} month after the month of {from}", ordinal(day), ordinal(months))
        }
    }
}

fn plural(n: u32, unit: &str) -> String {
    if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `Mon 2026-11-23`: how dates read in notes.
fn show(date: NaiveDate) -> String {
    date.format("%a %Y-%m-%d").to_string()
}
