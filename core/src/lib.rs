//! arbot-core: the accounts-receivable domain of arbot and its persistence.
//!
//! Pure types and functions first ([`money`], [`dates`], [`ledger`], [`aging`], [`kpi`],
//! [`summary`]), I/O at the edges ([`store`], [`sync`], [`reconcile`]). Nothing here knows about Discord or any
//! accounting vendor's HTTP API: connectors implement [`source::Source`], chat adapters render
//! the report structs.

pub mod aging;
pub mod audit;
pub mod cash;
pub mod clock;
pub mod close;
pub mod collections;
pub mod dates;
pub mod digest;
pub mod escalation;
pub mod float;
pub mod guardrails;
pub mod history;
pub mod kpi;
pub mod latefees;
pub mod ledger;
pub mod letters;
pub mod liens;
pub mod mail;
pub mod money;
pub mod notices;
pub mod outbox;
pub mod process;
pub mod reconcile;
pub mod snapshots;
pub mod source;
pub mod statement;
pub mod store;
pub mod summary;
pub mod sync;
pub mod trends;
pub mod waivers;
pub mod weekly;

pub use clock::{Clock, ManualClock, PinnedClock, SystemClock};
pub use money::{Currency, Money, MoneyError};
pub use store::{Store, StoreError};
