//! What arbot's HTTP connectors (QuickBooks Online, Xero) share, so each connector is only its
//! vendor's wire format:
//!
//! - [`tokens`]: OAuth2 tokens sealed at rest with `ARBOT_SECRET_KEY` ([`secret`]), refreshed by
//!   one task at a time per source, a rotated refresh token saved before it is used;
//! - [`call`]: requests paced under the vendor's limits, retried with jittered backoff, with
//!   `Retry-After` honoured or, when long, turned into a rescheduled sync;
//! - [`amount`]: amounts read from the JSON number's text into minor units, never through `f64`.
//!
//! This crate is a kit, not a connector: it speaks no vendor's API and yields no records. The
//! rule that a connector never imports another holds between the vendor connectors; each of them
//! imports this kit.

pub mod amount;
pub mod call;
pub mod secret;
pub mod tokens;

pub use amount::{AmountError, Num};
pub use call::{Caller, Pacer, Pacing, Reply, RetryPolicy, Verdict, describe, not_json};
/// How a [`Secret`] is read where it is sent.
pub use secrecy::ExposeSecret;
pub use secret::{KeyError, Secret, SecretKey};
pub use tokens::{OAuthApp, TokenManager, TokenSet};
