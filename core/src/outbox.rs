//! The outbox: everything arbot posts on its own (digests, lien warnings, escalation threads) is
//! first written here with an idempotency key, then delivered by whichever instance claims it.
//! Writing the same key twice is a no-op, so a scheduled job that runs again after a crash
//! cannot post twice; a post is marked sent only together with where it landed.
//!
//! The payload is opaque to core (the chat adapter's JSON); core only keeps the bookkeeping.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A post waiting to be delivered, as claimed by one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxItem {
    pub id: i64,
    /// The idempotency key: `digest:2026-11-30`, `lien:12:FL-NTO:2026-12-01:7`, ...
    pub key: String,
    /// What the payload is (`post`, `escalation`, ...), for the dispatcher.
    pub kind: String,
    pub payload: String,
    /// Attempts so far, counting this one.
    pub attempts: i64,
    /// Where earlier attempts got to (JSON), e.g. the message already posted of a multi-step post.
    pub result: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl OutboxItem {
    /// An earlier attempt started and may have reached the chat before failing or crashing, so
    /// the dispatcher must look before it posts again.
    pub fn in_doubt(&self) -> bool {
        self.attempts > 1
    }
}

/// How the outbox stands, for status lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
}

/// What became of a post, by the dispatcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Delivered; `result` says where (JSON).
    Sent { result: String },
    /// Not delivered this time; try again at `retry_at`. `progress` keeps what did land.
    Retry { error: String, retry_at: DateTime<Utc>, progress: Option<String> },
    /// Can never be delivered as written (the chat rejected its content); kept for a person.
    Failed { error: String },
}
