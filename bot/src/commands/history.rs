//! `/ar history <customer>` (and `arbot history <customer> --format csv`): the account's
//! timeline, newest first, with who did what and when.

use arbot_core::history::{Event, history};

use super::{CommandError, Invocation, missing_arg};
use crate::app::App;
use crate::reply::{Align, Reply, Table};
use crate::wording::at;

/// How many events the chat shows; the CLI's CSV has them all.
const SHOWN: usize = 40;

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let customer = inv.args.customer("customer").ok_or_else(|| missing_arg("customer"))?;
    let events = load(app, customer.id).await?;
    Ok(history_reply(app, &customer.name, &events))
}

/// The timeline as a reply: the newest events, and where to find the rest.
pub fn history_reply(app: &App, name: &str, events: &[Event]) -> Reply {
    let mut reply = Reply::titled(format!("History — {name}"));
    if events.is_empty() {
        reply
            .lines
            .push("Nothing on record yet: no notes, promises, disputes, escalations, notices or payments.".into());
        return reply;
    }
    let mut table =
        Table::new(&[("When", Align::Left), ("Event", Align::Left), ("What", Align::Left), ("Who", Align::Left)]);
    for e in events.iter().take(SHOWN) {
        let (when, kind, what, who) = row(app, e);
        table.rows.push(vec![when, kind, what, who]);
    }
    reply.table = Some(table);
    if events.len() > SHOWN {
        reply.footer = Some(format!(
            "The newest {SHOWN} of {}; `arbot history \"{name}\" --format csv` has them all.",
            events.len()
        ));
    }
    reply
}

/// The account's timeline, newest first.
pub async fn load(app: &App, customer_id: i64) -> Result<Vec<Event>, CommandError> {
    Ok(history(app.store.as_ref(), customer_id, app.today(), app.promise_rules()).await?)
}

/// When, kind, what and who, as the table and the CSV show them.
pub fn row(app: &App, e: &Event) -> (String, String, String, String) {
    let when = match e.at {
        Some(t) => super::audit::when(app, t),
        None => arbot_core::dates::short_date(e.on),
    };
    (when, e.kind.to_string(), e.what.clone(), e.who.as_deref().map(at).unwrap_or_else(|| "—".to_string()))
}

/// The timeline as CSV, every cell from people's records made safe to open in a spreadsheet.
pub fn history_csv(app: &App, events: &[Event]) -> String {
    let safe = super::aging::spreadsheet_safe;
    let mut out = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = out.write_record(["date", "time", "kind", "what", "who"]);
    for e in events {
        let time = e.at.map(|t| t.with_timezone(&app.config.time_zone).format("%H:%M").to_string()).unwrap_or_default();
        let who = e.who.as_deref().map(safe).unwrap_or_default();
        let _ = out.write_record([e.on.to_string(), time, e.kind.to_string(), safe(&e.what), who]);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}
