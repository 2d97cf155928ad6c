//! arbot, the binary's library: configuration, the command-line interface, platform-neutral
//! command handlers with their reply view model, and the console chat adapter.
//!
//! Dependencies point one way: this crate uses `arbot-core` and the connectors; neither knows
//! about it.

// Standard output goes through `cli::write_stdout` (the `out!`/`outln!` macros in the CLI), which
// returns a closed pipe as an error; `print!` would panic on it.
#![deny(clippy::print_stdout)]

pub mod app;
pub mod chat;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connect;
pub mod console;
pub mod cron;
pub mod discord;
pub mod documents;
pub mod float_watch;
pub mod guardrails;
pub mod import;
pub mod import_log;
pub mod ladder;
pub mod letters;
pub mod mail;
pub mod outbox;
pub mod promises;
pub mod reconcile;
pub mod reply;
pub mod roles;
pub mod scheduler;
pub mod seed;
pub mod stdout;
pub mod templates;
pub mod warnings;
pub mod wording;
