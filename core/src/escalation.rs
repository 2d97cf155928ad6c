//! Escalations: an account (or one of its jobs) handed to a person. arbot posts an alert in the
//! AR channel, opens a thread from it, mentions the PM, and records every click on the thread's
//! buttons (who and when), so the state lives in the database and survives restarts.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Where an escalation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationStatus {
    /// Waiting for someone to pick it up.
    Open,
    Acknowledged,
    /// Set aside until `snoozed_until`.
    Snoozed,
    Resolved,
}

impl EscalationStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            EscalationStatus::Open => "open",
            EscalationStatus::Acknowledged => "acknowledged",
            EscalationStatus::Snoozed => "snoozed",
            EscalationStatus::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<EscalationStatus> {
        Some(match s {
            "open" => EscalationStatus::Open,
            "acknowledged" => EscalationStatus::Acknowledged,
            "snoozed" => EscalationStatus::Snoozed,
            "resolved" => EscalationStatus::Resolved,
            _ => return None,
        })
    }
}

/// How far up an escalation has gone: its PM first, then the manager, then legal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationLevel {
    Pm,
    Manager,
    Legal,
}

impl EscalationLevel {
    pub fn as_str(&self) -> &'static str {
        match self {
            EscalationLevel::Pm => "pm",
            EscalationLevel::Manager => "manager",
            EscalationLevel::Legal => "legal",
        }
    }

    pub fn parse(s: &str) -> Option<EscalationLevel> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "pm" => EscalationLevel::Pm,
            "manager" => EscalationLevel::Manager,
            "legal" => EscalationLevel::Legal,
            _ => return None,
        })
    }

    /// The level above this one; `None` at legal, the top.
    pub fn up(&self) -> Option<EscalationLevel> {
        match self {
            EscalationLevel::Pm => Some(EscalationLevel::Manager),
            EscalationLevel::Manager => Some(EscalationLevel::Legal),
            EscalationLevel::Legal => None,
        }
    }
}

/// What a person did on an escalation (a button click, or a command).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationAction {
    Acknowledge,
    /// Set it aside until the given instant.
    Snooze {
        until: DateTime<Utc>,
    },
    /// "I'll call them": acknowledged, with a promise of a call.
    WillCall,
    Resolve,
}

impl EscalationAction {
    /// The word stored in the event log and used in button ids.
    pub fn as_str(&self) -> &'static str {
        match self {
            EscalationAction::Acknowledge => "ack",
            EscalationAction::Snooze { .. } => "snooze",
            EscalationAction::WillCall => "call",
            EscalationAction::Resolve => "resolve",
        }
    }

    /// The status an escalation has after this action.
    pub fn status_after(&self) -> EscalationStatus {
        match self {
            EscalationAction::Acknowledge | EscalationAction::WillCall => EscalationStatus::Acknowledged,
            EscalationAction::Snooze { .. } => EscalationStatus::Snoozed,
            EscalationAction::Resolve => EscalationStatus::Resolved,
        }
    }
}

/// An escalation as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Escalation {
    pub id: i64,
    pub customer_id: i64,
    pub job_id: Option<i64>,
    /// The thread's name: "Harborview Owners Assn — $115.0k, 35 days".
    pub title: String,
    /// Why it was escalated, in a sentence.
    pub reason: String,
    /// The PM asked to help (a name from the ledger, e.g. "dana").
    pub pm: Option<String>,
    pub status: EscalationStatus,
    /// Who holds it now: the PM, the manager or legal.
    pub level: EscalationLevel,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    /// The chat channel of the alert, the alert message, the thread opened from it, and the
    /// thread's first message (which carries the buttons). Filled in as each is posted.
    pub channel_id: Option<String>,
    pub message_id: Option<String>,
    pub thread_id: Option<String>,
    pub thread_message_id: Option<String>,
    pub acked_by: Option<String>,
    pub acked_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl Escalation {
    /// Still someone's to deal with at `now` (open, or snoozed and the snooze has run out).
    pub fn needs_attention(&self, now: DateTime<Utc>) -> bool {
        match self.status {
            EscalationStatus::Open => true,
            EscalationStatus::Snoozed => self.snoozed_until.is_none_or(|u| u <= now),
            EscalationStatus::Acknowledged | EscalationStatus::Resolved => false,
        }
    }
}

/// What the escalation ladder asks for next on an escalation nobody has picked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LadderStep {
    /// One gentle re-ping of the PM in the thread.
    Reping,
    /// The manager added to the thread.
    AddManager,
    /// A snooze ran out with nobody having picked the escalation up: the PM is asked again,
    /// once per snooze.
    SnoozeOver,
}

impl LadderStep {
    pub fn as_str(self) -> &'static str {
        match self {
            LadderStep::Reping => "reping",
            LadderStep::AddManager => "manager",
            LadderStep::SnoozeOver => "snooze-over",
        }
    }
}

/// Hours from `from` to `to` that fall on weekdays (Monday to Friday) in `tz`: a weekend does
/// not count against whoever was asked.
pub fn business_hours_between(from: DateTime<Utc>, to: DateTime<Utc>, tz: chrono_tz::Tz) -> i64 {
    use chrono::Datelike;
    let mut minutes = 0i64;
    let mut t = from;
    while t < to {
        let next = (t + chrono::Duration::minutes(15)).min(to);
        if !matches!(t.with_timezone(&tz).weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
            minutes += (next - t).num_minutes();
        }
        t = next;
    }
    minutes / 60
}

impl Escalation {
    /// The ladder's steps due at `now` for an escalation still open (never acknowledged,
    /// snoozed or resolved): a re-ping after `after_hours` business hours, the manager after
    /// twice as long. Each step is posted once (the caller keys it), so a step already taken is
    /// listed again harmlessly.
    pub fn ladder(&self, now: DateTime<Utc>, tz: chrono_tz::Tz, after_hours: u32) -> Vec<LadderStep> {
        if self.level != EscalationLevel::Pm {
            // Moved up by hand: the ladder no longer chases the PM or adds the manager again.
            return Vec::new();
        }
        if self.status == EscalationStatus::Snoozed && after_hours > 0 {
            // A snooze that ran out puts it back in front of the PM, once per snooze (the caller
            // keys the step with the snooze's end).
            return match self.snoozed_until {
                Some(until) if until <= now => vec![LadderStep::SnoozeOver],
                _ => Vec::new(),
            };
        }
        if self.status != EscalationStatus::Open || after_hours == 0 {
            return Vec::new();
        }
        let waited = business_hours_between(self.opened_at, now, tz);
        let after = i64::from(after_hours);
        let mut steps = Vec::new();
        if waited >= after {
            steps.push(LadderStep::Reping);
        }
        if waited >= 2 * after {
            steps.push(LadderStep::AddManager);
        }
        steps
    }
}

/// An escalation to open.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEscalation {
    pub customer_id: i64,
    pub job_id: Option<i64>,
    pub title: String,
    pub reason: String,
    pub pm: Option<String>,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
}

/// One recorded action on an escalation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationEvent {
    pub escalation_id: i64,
    pub action: String,
    pub actor_id: String,
    pub actor_name: String,
    pub at: DateTime<Utc>,
}

/// Where the parts of an escalation landed in chat, recorded as each is posted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EscalationPosts {
    pub channel_id: Option<String>,
    pub message_id: Option<String>,
    pub thread_id: Option<String>,
    pub thread_message_id: Option<String>,
}

/// A thread name within chat limits (Discord: 2 to 100 characters).
pub fn thread_name(title: &str) -> String {
    let mut name: String = title.trim().chars().take(100).collect();
    if name.chars().count() < 2 {
        name = format!("Escalation {name}").trim().to_string();
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in [
            EscalationStatus::Open,
            EscalationStatus::Acknowledged,
            EscalationStatus::Snoozed,
            EscalationStatus::Resolved,
        ] {
            assert_eq!(EscalationStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(EscalationStatus::parse("maybe"), None);
        for l in [EscalationLevel::Pm, EscalationLevel::Manager, EscalationLevel::Legal] {
            assert_eq!(EscalationLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(EscalationLevel::Pm.up(), Some(EscalationLevel::Manager));
        assert_eq!(EscalationLevel::Manager.up(), Some(EscalationLevel::Legal));
        assert_eq!(EscalationLevel::Legal.up(), None);
        assert_eq!(EscalationLevel::parse("boss"), None);
    }

    #[test]
    fn a_snooze_runs_out() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let esc = Escalation {
            id: 1,
            customer_id: 1,
            job_id: None,
            title: "Acme".into(),
            reason: "r".into(),
            pm: None,
            status: EscalationStatus::Snoozed,
            level: EscalationLevel::Pm,
            opened_by: "sam".into(),
            opened_at: at("2026-11-23T13:00:00Z"),
            channel_id: None,
            message_id: None,
            thread_id: None,
            thread_message_id: None,
            acked_by: None,
            acked_at: None,
            snoozed_until: Some(at("2026-11-24T13:00:00Z")),
            resolved_by: None,
            resolved_at: None,
        };
        assert!(!esc.needs_attention(at("2026-11-24T12:59:00Z")));
        assert!(esc.needs_attention(at("2026-11-24T13:00:00Z")));
        // The ladder asks again once the snooze is over, not before.
        let ny = chrono_tz::America::New_York;
        assert!(esc.ladder(at("2026-11-24T12:59:00Z"), ny, 24).is_empty());
        assert_eq!(esc.ladder(at("2026-11-24T13:00:00Z"), ny, 24), [LadderStep::SnoozeOver]);
        assert!(esc.ladder(at("2026-11-24T13:00:00Z"), ny, 0).is_empty(), "0 turns the ladder off");
        let acked = Escalation { status: EscalationStatus::Acknowledged, ..esc };
        assert!(!acked.needs_attention(at("2026-12-24T13:00:00Z")));
    }

    #[test]
    fn thread_names_fit() {
        assert_eq!(thread_name(&"x".repeat(150)).chars().count(), 100);
        assert_eq!(thread_name("A"), "Escalation A");
        assert_eq!(thread_name("Harborview — $115.0k, 35 days"), "Harborview — $115.0k, 35 days");
    }
}

#[cfg(test)]
mod ladder_tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_weekend_does_not_count_and_each_step_comes_after_its_hours() {
        let ny = chrono_tz::America::New_York;
        // Fri 9:00 to Mon 9:00 in New York: Friday's 15 hours and Monday's 9; the weekend not.
        assert_eq!(business_hours_between(at("2026-11-20T14:00:00Z"), at("2026-11-23T14:00:00Z"), ny), 24);
        assert_eq!(business_hours_between(at("2026-11-23T14:00:00Z"), at("2026-11-24T14:00:00Z"), ny), 24);
        let e = Escalation {
            id: 1,
            customer_id: 1,
            job_id: None,
            title: "t".into(),
            reason: "r".into(),
            pm: Some("lee".into()),
            status: EscalationStatus::Open,
            level: EscalationLevel::Pm,
            opened_by: "sam".into(),
            opened_at: at("2026-11-20T14:00:00Z"),
            channel_id: None,
            message_id: None,
            thread_id: None,
            thread_message_id: None,
            acked_by: None,
            acked_at: None,
            snoozed_until: None,
            resolved_by: None,
            resolved_at: None,
        };
        assert!(e.ladder(at("2026-11-23T13:00:00Z"), ny, 24).is_empty());
        assert_eq!(e.ladder(at("2026-11-23T14:00:00Z"), ny, 24), [LadderStep::Reping]);
        assert_eq!(e.ladder(at("2026-11-24T14:00:00Z"), ny, 24), [LadderStep::Reping, LadderStep::AddManager]);
        let moved_up = Escalation { level: EscalationLevel::Manager, ..e.clone() };
        assert!(moved_up.ladder(at("2026-11-24T14:00:00Z"), ny, 24).is_empty(), "moved up: the ladder stops");
        let acked = Escalation { status: EscalationStatus::Acknowledged, ..e };
        assert!(acked.ladder(at("2026-11-30T23:00:00Z"), ny, 24).is_empty());
    }
}
