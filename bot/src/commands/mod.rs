//! Platform-neutral command handlers. What was typed is read once into an [`Invocation`] with
//! typed arguments ([`read_line`] for the console, [`read_options`] for Discord); [`dispatch`]
//! checks the permission, runs the handler and turns failures into a [`crate::reply::Reply`].
//! Button clicks go through [`clicks`] the same way. The console and Discord adapters only
//! translate.
//!
//! - `table.rs`: every command once: typed parameters, help, example, permission.
//! - `parse.rs`: words and options into typed arguments, names resolved in the ledger.
//! - `args.rs`: the typed arguments the handlers receive.
//! - `dispatch.rs`: permission, handler, and the user-error / internal-error split.
//! - `clicks.rs`: buttons, routed by their ids, with the same roles and errors.
//! - one file per command or feature (`customer.rs`, `liens.rs`, ...).

mod aging;
mod args;
mod audit;
mod cash;
pub mod clicks;
pub mod close;
pub mod close_xlsx;
mod customer;
mod digest;
mod dispatch;
mod dispute;
mod escalate;
mod float;
mod guardrails;
mod help;
mod history;
mod invoice;
mod kpi;
mod latefee;
pub mod letter;
mod liens;
pub mod mail;
mod note;
mod nto;
mod overdue;
mod parse;
mod plan;
mod promise;
pub mod statement;
mod sync;
mod table;
mod trends;
pub mod waivers;
mod weekly;
pub mod weekly_charts;
pub mod weekly_xlsx;

use std::fmt;

use arbot_core::StoreError;
use arbot_core::dates::DateError;

pub use self::aging::{aging_csv, aging_table, left_out as aging_left_out, load as load_aging};
pub use self::args::{Args, Invocation, Surface, Value};
pub use self::cash::{build as build_cash, cash_reply};
pub use self::customer::{customer_reply, summary_reply};
pub use self::digest::{build as build_digest, digest_reply};
pub use self::dispatch::{dispatch, internal_reply, run_line, unread_reply};
pub use self::escalate::{buttons as escalation_buttons, open as open_escalation, opened_reply};
pub use self::history::{history_csv, history_reply, load as load_history};
pub use self::liens::liens_reply;
pub use self::parse::{
    EMPTY_LEDGER, ParseError, Unread, job_label, no_customer_text, parse_days, read_line, read_options, tokenize,
};
pub use self::sync::{
    bank_text as sync_bank_text, interrupted_text, nothing_changed as sync_nothing_changed, pick_sources,
};
pub use self::table::{
    AR, COMMANDS, CommandSpec, DISPUTE_WORDS, FACTS, FAMILIES, Family, LIEN, MAIL, Param, ParamKind, REPORT, Suggest,
    family_commands, spec,
};
pub use self::weekly::{action_text as weekly_action_text, build as build_weekly, weekly_reply};

/// A command that could not be carried out.
#[derive(Debug)]
pub enum CommandError {
    /// Something the person can fix; shown as is.
    User(String),
    /// Our failure; logged in full, shown as "something went wrong (ref …)".
    Internal(anyhow::Error),
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::User(s) => f.write_str(s),
            CommandError::Internal(e) => write!(f, "{e:#}"),
        }
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        CommandError::Internal(e.into())
    }
}

impl From<DateError> for CommandError {
    fn from(e: DateError) -> Self {
        CommandError::User(e.to_string())
    }
}

/// A required argument the parser should have read: our mistake, not the person's.
fn missing_arg(name: &str) -> CommandError {
    CommandError::Internal(anyhow::anyhow!("the parser left out the required argument '{name}'"))
}

/// Refuses to report on an empty ledger: totals of zero would read as "all paid up".
async fn require_ledger(app: &crate::app::App) -> Result<(), CommandError> {
    if !app.store.any_customers().await? {
        return Err(CommandError::User(EMPTY_LEDGER.to_string()));
    }
    Ok(())
}
