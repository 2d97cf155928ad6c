//! Runs an invocation: checks the permission, calls the handler, and turns a failure into a
//! reply: a user's mistake as its sentence, our own failure as "Something went wrong on our side
//! (ref …)" with the whole error chain in the log under that reference.

use super::parse::{ParseError, Unread, read_line};
use super::{
    CommandError, Invocation, aging, audit, cash, close, customer, digest, dispute, escalate, float, guardrails, help,
    history, invoice, kpi, latefee, letter, liens, mail, note, nto, overdue, plan, promise, statement, sync, trends,
    waivers, weekly,
};
use crate::app::App;
use crate::reply::Reply;
use crate::roles::Actor;

/// Runs an invocation and answers it.
pub async fn dispatch(app: &App, inv: &Invocation) -> Reply {
    if let Err(refusal) = inv.actor.check(inv.command.permission, &inv.command.invocation()) {
        return Reply::user_error(refusal);
    }
    let result = match inv.command.name {
        "customer" => customer::handle(app, inv).await,
        "invoice" => invoice::handle(app, inv).await,
        "overdue" => overdue::handle(app, inv).await,
        "aging" => aging::handle(app, inv).await,
        "kpi" => kpi::handle(app, inv).await,
        "digest" => digest::handle(app).await,
        "liens" => liens::handle_liens(app, inv).await,
        "job" => liens::handle_job(app, inv).await,
        "notice" => liens::handle_notice(app, inv).await,
        "nto" => nto::handle(app, inv).await,
        "waiver" => waivers::handle_waiver(app, inv).await,
        "waivers" => waivers::handle_list(app, inv).await,
        "escalate" => escalate::handle(app, inv).await,
        "sync" => sync::handle(app, inv).await,
        "audit" => audit::handle(app, inv).await,
        "note" => note::handle(app, inv).await,
        "promise" => promise::handle(app, inv).await,
        "plan" => plan::handle(app, inv).await,
        "dispute" => dispute::handle(app, inv).await,
        "disputes" => dispute::handle_list(app).await,
        "history" => history::handle(app, inv).await,
        "help" => help::handle(app, inv).await,
        "cash" => cash::handle(app, inv).await,
        "weekly" => weekly::handle(app, inv).await,
        "guardrails" => guardrails::handle(app, inv).await,
        "float" => float::handle(app, inv).await,
        "trends" => trends::handle(app, inv).await,
        "close" => close::handle(app, inv).await,
        "remind" => mail::handle_remind(app, inv).await,
        "round" => mail::handle_round(app).await,
        "latefee" => latefee::handle(app, inv).await,
        "statement" => statement::handle(app, inv).await,
        "statements" => statement::handle_run(app, inv).await,
        "letter" => letter::handle(app, inv).await,
        "sent" => letter::handle_sent(app, inv).await,
        "letters" => letter::handle_list(app, inv).await,
        "contact" => mail::handle_contact(app, inv).await,
        "hold" => mail::handle_hold(app, inv).await,
        "unhold" => mail::handle_unhold(app, inv).await,
        _ => Err(CommandError::User(format!("{} is not available here yet.", inv.command.invocation()))),
    };
    match result {
        Ok(reply) => reply,
        Err(CommandError::User(text)) => Reply::user_error(text),
        Err(CommandError::Internal(err)) => internal_reply(&err, inv.command.name),
    }
}

/// Reads a typed line and answers it, as the console does.
pub async fn run_line(app: &App, line: &str, actor: Actor) -> Reply {
    match read_line(app, line, actor).await {
        Ok(inv) => dispatch(app, &inv).await,
        Err(e) => unread_reply(e),
    }
}

/// What to answer when a command could not be read. Several customers matching a `/ar customer`
/// name get a button each (the parser asks elsewhere for the full name instead).
pub fn unread_reply(e: Unread) -> Reply {
    match e {
        Unread::Mistake(ParseError::SeveralCustomers { query, list }) => customer::several_reply(&query, &list),
        Unread::Mistake(e) => Reply::user_error(e.to_string()),
        Unread::Internal(CommandError::User(text)) => Reply::user_error(text),
        Unread::Internal(CommandError::Internal(err)) => internal_reply(&err, "reading a command"),
    }
}

/// Logs our own failure under a short reference and answers with that reference only.
pub fn internal_reply(err: &anyhow::Error, what: &str) -> Reply {
    let reference = format!("{:04x}", fastrand::u16(..));
    tracing::error!(reference, what, error = format!("{err:#}"), "failed");
    Reply::user_error(format!(
        "Something went wrong on our side (ref {reference}). It has been logged; tell whoever runs arbot."
    ))
}
