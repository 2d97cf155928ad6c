//! arbot's own collections record, kept beside the synced ledger: notes on every contact,
//! promises to pay, disputes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::money::Money;

/// The kinds of contact a note records, as people type them.
pub const NOTE_KINDS: &[&str] = &["call", "email", "letter", "meeting", "note"];

/// A contact or remark on an account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub id: i64,
    pub customer_id: i64,
    pub invoice_id: Option<i64>,
    pub kind: String,
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
    /// The day someone should follow up, if the note asked for one.
    pub follow_up_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewNote {
    pub customer_id: i64,
    pub invoice_id: Option<i64>,
    /// call, email, letter, meeting or note.
    pub kind: String,
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub follow_up_on: Option<NaiveDate>,
}

/// A customer's commitment to pay an amount by a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Promise {
    pub id: i64,
    pub customer_id: i64,
    pub amount: Money,
    pub promised_for: NaiveDate,
    pub status: PromiseStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl Promise {
    /// Broken: marked so, or still open after the day it was promised for.
    pub fn is_broken(&self, today: NaiveDate) -> bool {
        match self.status {
            PromiseStatus::Broken => true,
            PromiseStatus::Open => self.promised_for < today,
            PromiseStatus::Kept | PromiseStatus::Cancelled => false,
        }
    }

    /// Still waiting for its day (open, and not past it).
    pub fn is_pending(&self, today: NaiveDate) -> bool {
        self.status == PromiseStatus::Open && self.promised_for >= today
    }
}

/// Where a promise stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PromiseStatus {
    Open,
    Kept,
    Broken,
    Cancelled,
}

impl PromiseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PromiseStatus::Open => "open",
            PromiseStatus::Kept => "kept",
            PromiseStatus::Broken => "broken",
            PromiseStatus::Cancelled => "cancelled",
        }
    }

    /// The stored word; anything else reads as open, so a promise is never silently dropped.
    pub fn parse(s: &str) -> PromiseStatus {
        match s.trim().to_ascii_lowercase().as_str() {
            "kept" => PromiseStatus::Kept,
            "broken" => PromiseStatus::Broken,
            "cancelled" | "canceled" => PromiseStatus::Cancelled,
            _ => PromiseStatus::Open,
        }
    }
}

impl std::fmt::Display for PromiseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewPromise {
    pub customer_id: i64,
    pub amount: Money,
    pub promised_for: NaiveDate,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewDispute {
    pub invoice_id: i64,
    /// A short reason code: quantity, pricing, backcharge, lien_waiver, change_order, other.
    pub reason: String,
    pub detail: Option<String>,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
}

/// A notice served or a lien recorded on a job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobNotice {
    pub id: i64,
    pub job_id: i64,
    /// A deadline kind: `notice_to_owner`, `claim_of_lien`, ...
    pub kind: String,
    pub served_on: NaiveDate,
    pub tracking: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}
