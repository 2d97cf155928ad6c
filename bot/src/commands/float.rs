//! `/report float [set <amount> [account] | clear <account>]`: the minimum-float watch (see
//! [`crate::float_watch`]), and the bank balances it starts from, set from chat where no
//! accounting system reads them.

use arbot_core::audit::Recorded;
use arbot_core::dates::short_date;
use arbot_core::float::BankBalance;

use super::{CommandError, Invocation};
use crate::app::App;
use crate::reply::{Reply, Severity};
use crate::roles::Permission;

/// The account a balance set from chat is for when none is named.
pub const DEFAULT_ACCOUNT: &str = "Operating";

pub(super) async fn handle(app: &App, inv: &Invocation) -> Result<Reply, CommandError> {
    let account = inv.args.text("account").map(str::trim).filter(|a| !a.is_empty());
    let amount = inv.args.amount("amount");
    match inv.args.choice("action") {
        None if amount.is_some() || account.is_some() => Err(CommandError::User(
            "To set a balance, say set: /report float set 182,400 operating. To forget one: /report float clear \
             operating."
                .to_string(),
        )),
        None => crate::float_watch::status_reply(app).await.map_err(CommandError::Internal),
        Some(action) => {
            require_record(inv)?;
            let mut reply = match action {
                "set" => set(app, inv, amount, account.unwrap_or(DEFAULT_ACCOUNT)).await?,
                _ => clear(app, inv, account).await?,
            };
            let status = crate::float_watch::status_reply(app).await.map_err(CommandError::Internal)?;
            reply.lines.extend(status.lines);
            reply.fields = status.fields;
            reply.footer = status.footer;
            if reply.severity == Severity::Good {
                reply.severity = status.severity;
            }
            Ok(reply)
        }
    }
}

/// Who gave a balance: the person who set it, or the accounting system that read it.
fn who_gave(app: &App, b: &BankBalance) -> String {
    match &b.set_by {
        Some(who) => who.clone(),
        None => crate::connect::vendor_name(&app.config.sources, &b.source),
    }
}

fn require_record(inv: &Invocation) -> Result<(), CommandError> {
    if inv.actor.may(Permission::Record) {
        return Ok(());
    }
    Err(CommandError::User(format!(
        "Only {} can set or clear a bank balance (your roles: {}). /report float shows the forecast.",
        crate::roles::who_holds(Permission::Record),
        inv.actor.roles_text()
    )))
}

async fn set(
    app: &App,
    inv: &Invocation,
    amount: Option<arbot_core::Money>,
    account: &str,
) -> Result<Reply, CommandError> {
    let Some(amount) = amount else {
        return Err(CommandError::User(
            "Set what? Give the balance, like /report float set 182,400 operating.".to_string(),
        ));
    };
    if account.chars().count() > 80 {
        return Err(CommandError::User("That account name is too long; use a short one, like Operating.".to_string()));
    }
    let balance = BankBalance {
        account: account.to_string(),
        source: "chat".to_string(),
        balance: amount,
        as_of: app.today(),
        set_by: Some(inv.actor.name.clone()),
        recorded_at: app.clock.now(),
    };
    let before = match app.store.set_bank_balance(&balance, &inv.author(), app.clock.now()).await? {
        Recorded::Already => return Ok(Reply::titled("Float").line("Already set (this request was recorded).")),
        Recorded::New(before) => before,
    };
    let was = match &before {
        Some(b) => format!(" (was {} from {}, {})", b.balance, who_gave(app, b), short_date(b.as_of)),
        None => String::new(),
    };
    let mut line = format!("Set {account} to {amount} as of {}{was}.", short_date(balance.as_of));
    let readers: Vec<&str> = app.sources.iter().filter(|s| s.serves_bank_balances()).map(|s| s.name()).collect();
    if let Some(b) = before.as_ref().filter(|b| b.source != "chat") {
        let vendor = arbot_core::dates::capitalize(&crate::connect::vendor_name(&app.config.sources, &b.source));
        line.push_str(&format!(" {vendor} reads this account at each sync; its next reading replaces this one."));
    } else if !readers.is_empty() {
        line.push_str(&format!(
            " {} reads its own bank accounts at each sync; an account of the same name there replaces this one.",
            readers.join(", ")
        ));
    }
    let mut reply = Reply::titled("Float");
    reply.lines.push(line);
    reply.severity = Severity::Good;
    Ok(reply)
}

async fn clear(app: &App, inv: &Invocation, account: Option<&str>) -> Result<Reply, CommandError> {
    let known = app.store.bank_balances().await?;
    let Some(account) = account else {
        let names: Vec<&str> = known.iter().map(|b| b.account.as_str()).collect();
        return Err(CommandError::User(if names.is_empty() {
            "There is no bank balance to clear.".to_string()
        } else {
            format!("Clear which account? arbot has: {}. Like /report float clear {}.", names.join(", "), names[0])
        }));
    };
    let removed = match app.store.remove_bank_balance(account, &inv.author(), app.clock.now()).await? {
        Recorded::Already => return Ok(Reply::titled("Float").line("Already cleared (this request was recorded).")),
        Recorded::New(removed) => removed,
    };
    let Some(gone) = removed else {
        let names: Vec<&str> = known.iter().map(|b| b.account.as_str()).collect();
        return Err(CommandError::User(format!(
            "arbot has no balance for an account named '{account}'.{}",
            if names.is_empty() { String::new() } else { format!(" It has: {}.", names.join(", ")) }
        )));
    };
    let mut line = format!(
        "Cleared {} ({} from {}, {}).",
        gone.account,
        gone.balance,
        who_gave(app, &gone),
        short_date(gone.as_of)
    );
    if gone.source != "chat" {
        let vendor = arbot_core::dates::capitalize(&crate::connect::vendor_name(&app.config.sources, &gone.source));
        line.push_str(&format!(" {vendor} reads it again at its next sync."));
    } else {
        line.push_str(&format!(" To put it back: /report float set {} {}.", gone.balance, gone.account));
    }
    let mut reply = Reply::titled("Float");
    reply.lines.push(line);
    reply.severity = Severity::Good;
    Ok(reply)
}
