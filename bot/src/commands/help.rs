//! `/ar help [command]`.

use super::table::{FAMILIES, family_commands};
use super::{CommandError, Invocation, ParamKind, Surface};
use crate::app::App;
use crate::reply::{Align, Reply, Table};

pub(super) async fn handle(_app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    if let Some(c) = inv.args.command("command") {
        let mut reply = Reply::titled(format!("/{} {}", c.family, c.usage())).line(c.summary.to_string());
        for p in c.params {
            let req = if p.required { "required" } else { "optional" };
            let options = match p.kind {
                ParamKind::Choice(options) if options.len() > 3 => format!("\none of: {}", options.join(", ")),
                ParamKind::Fact => format!("\none of: {}", super::FACTS.join(", ")),
                _ => String::new(),
            };
            reply = reply.field(p.name, format!("{} ({req}){options}", p.help));
        }
        reply = reply.field("Example", c.example);
        let roles: Vec<&str> = c.permission.roles().iter().map(|r| r.as_str()).collect();
        reply.footer = Some(format!("Who can use it: {}", roles.join(", ")));
        return Ok(reply);
    }
    let intro = match inv.surface {
        Surface::Console => "Type a command the way you would in Discord. Names can be partial: /ar customer gulf.",
        Surface::Chat => {
            "Pick a command under /ar, /report or /mail; names can be partial (/ar customer gulf) and suggestions \
             appear as you type."
        }
    };
    let mut reply = Reply::titled("arbot — what you can ask").line(intro);
    let mut table = Table::new(&[("Command", Align::Left), ("What it does", Align::Left)]);
    for f in FAMILIES {
        for c in family_commands(f.name) {
            table.rows.push(vec![format!("/{} {}", f.name, c.usage()), c.summary.to_string()]);
        }
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
