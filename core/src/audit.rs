//! The audit trail: every change a person makes from chat or the command line is one record —
//! who, when, from which surface, what changed, its value before and after — written in the same
//! transaction as the change and kept for good (the tables refuse updates and deletes).
//!
//! A write carries an [`Author`]; its idempotency key (a Discord interaction's id) makes a
//! retried interaction or a double click record once: the second write finds the key and
//! changes nothing.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Where a change was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Surface {
    /// The terminal chat (`arbot console`, `arbot demo`).
    Console,
    /// Discord: a slash command, a button or a modal.
    Discord,
    /// A command-line subcommand (`arbot import`, the demo's seeding).
    Cli,
    /// A team's own collections log brought in by `arbot import --kind notes|promises`.
    Import,
}

impl Surface {
    pub fn as_str(self) -> &'static str {
        match self {
            Surface::Console => "console",
            Surface::Discord => "discord",
            Surface::Cli => "cli",
            Surface::Import => "import",
        }
    }

    /// The stored word; anything unknown reads as the command line.
    pub fn parse(s: &str) -> Surface {
        match s {
            "console" => Surface::Console,
            "discord" => Surface::Discord,
            "import" => Surface::Import,
            _ => Surface::Cli,
        }
    }
}

/// Who makes a change, from where, and the key that makes a repeated request record once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// A stable id (the Discord user id, `console`, `cli`).
    pub id: String,
    /// The name people know them by (the PM name from `[discord.people]`, or the login).
    pub name: String,
    pub surface: Surface,
    /// The request's idempotency key (Discord's interaction id); `None` where a request cannot
    /// be delivered twice (a typed console line).
    pub key: Option<String>,
}

impl Author {
    pub fn new(id: impl Into<String>, name: impl Into<String>, surface: Surface) -> Author {
        Author { id: id.into(), name: name.into(), surface, key: None }
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Author {
        self.key = Some(key.into());
        self
    }
}

/// What one change did: the kind of change, what it was made to, and the value before and after
/// (`None` where there was none: a new record has no "before").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `job_fact`, `job_notice`, `note`, `promise`, `dispute`, ...
    pub action: &'static str,
    pub customer_id: Option<i64>,
    pub job_id: Option<i64>,
    pub invoice_id: Option<i64>,
    /// What was changed, in words: the fact's name, the notice's kind, the note's kind.
    pub subject: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Whether a write was made now or had already been made under the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded<T> {
    /// Written now.
    New(T),
    /// The same request (same key) was recorded before; nothing changed this time.
    Already,
}

impl<T> Recorded<T> {
    pub fn is_new(&self) -> bool {
        matches!(self, Recorded::New(_))
    }

    pub fn new_value(self) -> Option<T> {
        match self {
            Recorded::New(v) => Some(v),
            Recorded::Already => None,
        }
    }
}

/// One audit record, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub actor_name: String,
    pub surface: Surface,
    pub action: String,
    pub customer_id: Option<i64>,
    pub job_id: Option<i64>,
    pub invoice_id: Option<i64>,
    pub subject: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Which audit records to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditQuery {
    /// Only changes to this customer's account (its jobs and invoices included).
    pub customer_id: Option<i64>,
    /// Only changes to this job.
    pub job_id: Option<i64>,
    pub limit: i64,
}
