//! `/ar help [command]`.

use super::{COMMANDS, CommandError, Invocation, Surface, spec};
use crate::app::App;
use crate::reply::{Align, Reply, Table};

pub(super) async fn handle(_app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    if let Some(name) = inv.arg("command") {
        let name = name.trim_start_matches("/ar ").trim_start_matches('/').to_ascii_lowercase();
        let Some(c) = spec(&name) else {
            return Err(CommandError::User(format!("There is no command '{name}'. Type /ar help to see them all.")));
        };
        let mut reply = Reply::titled(format!("/ar {}", c.usage())).line(c.summary.to_string());
        for p in c.params {
            let req = if p.required { "required" } else { "optional" };
            reply = reply.field(p.name, format!("{} ({req})", p.help));
        }
        reply = reply.field("Example", c.example);
        let roles: Vec<&str> = c.roles.iter().map(|r| r.as_str()).collect();
        reply.footer = Some(format!("Who can use it: {}", roles.join(", ")));
        return Ok(reply);
    }
    let intro = match inv.surface {
        Surface::Console => "Type a command the way you would in Discord. Names can be partial: /ar customer gulf.",
        Surface::Chat => {
            "Pick a command under /ar; names can be partial (/ar customer gulf) and suggestions appear as you type."
        }
    };
    let mut reply = Reply::titled("arbot — what you can ask").line(intro);
    let mut table = Table::new(&[("Command", Align::Left), ("What it does", Align::Left)]);
    for c in COMMANDS {
        table.rows.push(vec![format!("/ar {}", c.usage()), c.summary.to_string()]);
    }
    reply.table = Some(table);
    reply.footer = Some(match inv.surface {
        Surface::Console => "More on one command: /ar help <command>. Leave the console with /quit or Ctrl-D.",
        Surface::Chat => "More on one command: /ar help command:<name>. Answers with customer figures are public only in the AR channel.",
    }
    .to_string());
    reply.ephemeral = true;
    Ok(reply)
}
