//! Button clicks, platform-neutral. A click is routed by its button's id (`esc:ack:42`,
//! `esc:open:7:3`, `customer:7`) with the state in the database, never in memory, so a button
//! keeps working after arbot restarts or another instance takes over the gateway. Every click is
//! checked against the permission table like a command, and fails like one: a person's mistake as
//! its sentence, our own failure as "Something went wrong on our side (ref …)".

use arbot_core::audit::{Author, Surface};
use arbot_core::collections::NewNote;
use arbot_core::escalation::{Escalation, EscalationAction, EscalationStatus};
use arbot_core::summary::customer_summary;
use chrono::{DateTime, Utc};

use super::{CommandError, customer, escalate, internal_reply};
use crate::app::App;
use crate::reply::{Button, Form, FormField, Reply, Severity};
use crate::roles::{Actor, Permission};
use crate::wording::at;

/// How long "Snooze" sets an escalation aside.
pub const SNOOZE: chrono::Duration = chrono::Duration::days(1);

/// What a button asks for, read from its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Click {
    /// Open (or find) the escalation for an account, or one job of it (digest lines, warnings).
    OpenEscalation { customer: i64, job: Option<i64> },
    /// Acknowledge, snooze, take or resolve an escalation (its thread's buttons).
    Escalation { action: EscalationChoice, id: i64 },
    /// Show one customer (the pick-list when a name matched several).
    Customer(i64),
    /// Show, send, edit or skip a customer's reminder prepared for a day.
    Reminder { action: ReminderAction, customer: i64, day: chrono::NaiveDate },
    /// Send every reminder of a day's round ("Reminders ready"'s Send all).
    SendAll { day: chrono::NaiveDate },
    /// Open the "Log call" form for an account (the customer card's and escalation threads' button).
    LogCall { customer: i64 },
    /// Email a customer's statement of a day (`/mail statement`'s button).
    Statement { customer: i64, as_of: chrono::NaiveDate },
    /// Show a customer's statement of a day (a "Statements ready" post's button).
    ReviewStatement { customer: i64, as_of: chrono::NaiveDate },
    /// Email every statement of a month-end run ("Statements ready"'s Email all).
    SendStatements { as_of: chrono::NaiveDate },
    /// Show a drafted letter's PDF (`/mail letters`' buttons).
    ShowLetter { id: i64 },
}

/// The buttons of a reminder: the round's button per account (Review), and the email's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderAction {
    Review,
    Send,
    Edit,
    Skip,
}

/// The buttons on an escalation's thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationChoice {
    Acknowledge,
    Snooze,
    WillCall,
    Resolve,
}

impl Click {
    /// The click a button id stands for; `None` for an id arbot no longer knows.
    pub fn parse(custom_id: &str) -> Option<Click> {
        let parts: Vec<&str> = custom_id.split(':').collect();
        match parts.as_slice() {
            ["esc", "open", customer, rest @ ..] if rest.len() <= 1 => Some(Click::OpenEscalation {
                customer: customer.parse().ok()?,
                job: match rest.first() {
                    Some(j) => Some(j.parse().ok()?),
                    None => None,
                },
            }),
            ["esc", action, id] => {
                let action = match *action {
                    "ack" => EscalationChoice::Acknowledge,
                    "snooze" => EscalationChoice::Snooze,
                    "call" => EscalationChoice::WillCall,
                    "resolve" => EscalationChoice::Resolve,
                    _ => return None,
                };
                Some(Click::Escalation { action, id: id.parse().ok()? })
            }
            ["customer", id] => Some(Click::Customer(id.parse().ok()?)),
            ["stmt", "send", customer, as_of] => {
                Some(Click::Statement { customer: customer.parse().ok()?, as_of: as_of.parse().ok()? })
            }
            ["stmt", "review", customer, as_of] => {
                Some(Click::ReviewStatement { customer: customer.parse().ok()?, as_of: as_of.parse().ok()? })
            }
            ["letter", "show", id] => Some(Click::ShowLetter { id: id.parse().ok()? }),
            ["stmt", "all", as_of] => Some(Click::SendStatements { as_of: as_of.parse().ok()? }),
            ["note", "call", customer] => Some(Click::LogCall { customer: customer.parse().ok()? }),
            ["mail", "all", day] => Some(Click::SendAll { day: day.parse().ok()? }),
            ["mail", action, customer, day] => Some(Click::Reminder {
                action: match *action {
                    "review" => ReminderAction::Review,
                    "send" => ReminderAction::Send,
                    "edit" => ReminderAction::Edit,
                    "skip" => ReminderAction::Skip,
                    _ => return None,
                },
                customer: customer.parse().ok()?,
                day: day.parse().ok()?,
            }),
            _ => None,
        }
    }

    /// What the click needs, from the permission table.
    pub fn permission(&self) -> Permission {
        match self {
            Click::OpenEscalation { .. } => Permission::Escalate,
            Click::Escalation { .. } => Permission::ActOnEscalation,
            Click::Customer(_) => Permission::Read,
            Click::ReviewStatement { .. } | Click::ShowLetter { .. } => Permission::Read,
            Click::Reminder { .. } | Click::SendAll { .. } | Click::Statement { .. } | Click::SendStatements { .. } => {
                Permission::Record
            }
            Click::LogCall { .. } => Permission::Log,
        }
    }

    /// What the click does, in the words of a refusal ("open an escalation").
    fn what(&self) -> &'static str {
        match self {
            Click::OpenEscalation { .. } => "open an escalation",
            Click::Escalation { .. } => "act on an escalation",
            Click::Customer(_) => "see a customer's figures",
            Click::Reminder { .. } => "send, edit or skip a reminder",
            Click::SendAll { .. } => "send reminders",
            Click::LogCall { .. } => "log a call",
            Click::Statement { .. } | Click::SendStatements { .. } => "email a statement",
            Click::ReviewStatement { .. } => "see a statement",
            Click::ShowLetter { .. } => "see a letter",
        }
    }

    /// Whether answering reads enough of the ledger that the chat should be told to wait first.
    pub fn is_slow(&self) -> bool {
        matches!(self, Click::OpenEscalation { .. })
    }
}

/// The answer to a click (one per click: its size does not matter).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum ClickAnswer {
    /// A new message for the person who clicked.
    New(Reply),
    /// The clicked message stays, with this status, colour and buttons.
    Update { status: String, severity: Severity, buttons: Vec<Button> },
    /// A form to fill in; what comes back goes to [`submit`].
    Form(Form),
}

/// The answer when a button's id means nothing any more.
pub fn stale() -> ClickAnswer {
    ClickAnswer::New(Reply::user_error("This button no longer does anything; ask arbot again."))
}

/// Handles a click by `who` on the button `custom_id`; `interaction` identifies this click, so a
/// click delivered twice is recorded once.
pub async fn click(app: &App, who: &Actor, custom_id: &str, interaction: &str) -> ClickAnswer {
    let Some(click) = Click::parse(custom_id) else { return stale() };
    if !who.may(click.permission()) {
        return ClickAnswer::New(Reply::user_error(refusal(click, who)));
    }
    let result = match click {
        Click::OpenEscalation { customer, job } => open(app, who, customer, job, interaction).await,
        Click::Escalation { action, id } => act(app, who, action, id, interaction).await,
        Click::Customer(id) => show_customer(app, id).await,
        Click::Reminder { action, customer, day } => reminder(app, who, action, customer, day, interaction).await,
        Click::SendAll { day } => send_all(app, who, day).await,
        Click::LogCall { customer } => call_form(app, who, customer).await,
        Click::Statement { customer, as_of } => email_statement(app, who, customer, as_of).await,
        Click::ReviewStatement { customer, as_of } => review_statement(app, customer, as_of).await,
        Click::ShowLetter { id } => super::letter::show(app, id).await.map(ClickAnswer::New),
        Click::SendStatements { as_of } => super::statement::send_all(app, &who.name, as_of)
            .await
            .map(|status| ClickAnswer::Update { status, severity: Severity::Good, buttons: Vec::new() }),
    };
    match result {
        Ok(answer) => answer,
        Err(CommandError::User(text)) => ClickAnswer::New(Reply::user_error(text)),
        Err(CommandError::Internal(err)) => ClickAnswer::New(internal_reply(&err, custom_id)),
    }
}

/// The call form's fields: who was spoken to, what was said, the next step and a follow-up day.
const CONTACT: &str = "contact";
const SAID: &str = "said";
const NEXT: &str = "next";
const FOLLOW_UP: &str = "follow_up";

/// The form "Log call" opens, after the same checks `/ar note` makes (a PM on another's account is
/// told before typing anything).
async fn call_form(app: &App, who: &Actor, customer: i64) -> Result<ClickAnswer, CommandError> {
    let Some(c) = app.store.customer(customer).await? else {
        return Err(CommandError::User("That customer is no longer in the ledger.".to_string()));
    };
    super::note::require_own_account(app, who, customer, "log calls").await?;
    let field = |id: &str, label: &str, long: bool, required: bool, placeholder: &str, max_length: u16| FormField {
        id: id.to_string(),
        label: label.to_string(),
        long,
        required,
        placeholder: Some(placeholder.to_string()),
        max_length,
        value: None,
    };
    let title: String = format!("Call with {}", c.name).chars().take(45).collect();
    Ok(ClickAnswer::Form(Form {
        id: format!("note:log:{customer}"),
        title,
        fields: vec![
            field(CONTACT, "Who you spoke to", false, false, "Maria in AP", 100),
            field(SAID, "What was said", true, true, "Pay app 7 approved; check run Friday", 1500),
            field(NEXT, "Next step", false, false, "Call Friday if no check", 300),
            field(FOLLOW_UP, "Follow up on (a day, optional)", false, false, "Dec 4", 30),
        ],
    }))
}

/// A filled-in form coming back (Discord's modal submit), routed by its id: the call is logged as
/// `/ar note <customer> call …` would log it, with the same checks and answers, once however often
/// the submission is delivered (`interaction` is its key).
pub async fn submit(app: &App, who: &Actor, form_id: &str, values: &[(String, String)], interaction: &str) -> Reply {
    let parts: Vec<&str> = form_id.split(':').collect();
    let value = |id: &str| {
        values.iter().find(|(k, _)| k == id).map(|(_, v)| v.trim()).filter(|v| !v.is_empty()).map(str::to_string)
    };
    let result = match parts.as_slice() {
        ["note", "log", id] => match id.parse::<i64>() {
            Ok(customer) => log_call(app, who, customer, value, interaction).await,
            Err(_) => return Reply::user_error("This form no longer does anything; ask arbot again."),
        },
        ["mail", "edit", id, day] => match (id.parse::<i64>(), day.parse::<chrono::NaiveDate>()) {
            (Ok(customer), Ok(day)) if who.may(Permission::Record) => {
                super::mail::save_edit(app, who, customer, day, value, interaction).await
            }
            (Ok(_), Ok(_)) => Err(CommandError::User(format!(
                "Only {} can edit a reminder (your roles: {}). Ask in the AR channel.",
                crate::roles::who_holds(Permission::Record),
                who.roles_text()
            ))),
            _ => return Reply::user_error("This form no longer does anything; ask arbot again."),
        },
        _ => return Reply::user_error("This form no longer does anything; ask arbot again."),
    };
    match result {
        Ok(reply) => reply,
        Err(CommandError::User(text)) => Reply::user_error(text),
        Err(CommandError::Internal(err)) => internal_reply(&err, form_id),
    }
}

async fn log_call(
    app: &App,
    who: &Actor,
    customer: i64,
    value: impl Fn(&str) -> Option<String>,
    interaction: &str,
) -> Result<Reply, CommandError> {
    let Some(c) = app.store.customer(customer).await? else {
        return Err(CommandError::User("That customer is no longer in the ledger. Nothing was logged.".to_string()));
    };
    let Some(said) = value(SAID) else {
        return Err(CommandError::User("Say what was said on the call. Nothing was logged.".to_string()));
    };
    let mut body = match value(CONTACT) {
        Some(contact) => format!("Spoke to {contact}: {said}"),
        None => said,
    };
    if let Some(next) = value(NEXT) {
        body = format!("{}; next: {next}", body.trim_end_matches(['.', ';', ' ']));
    }
    let mut args = super::Args::default();
    args.insert("customer", super::Value::Customer(arbot_core::ledger::CustomerRef { id: c.id, name: c.name.clone() }));
    args.insert("kind", super::Value::Choice("call"));
    args.insert("text", super::Value::Text(body));
    if let Some(day) = value(FOLLOW_UP) {
        let d = arbot_core::dates::parse_date(&day, app.today())
            .map_err(|e| CommandError::User(format!("Follow up on: {e} Nothing was logged.")))?;
        args.insert("follow-up", super::Value::Date(d));
    }
    let command = super::table::spec("note")
        .ok_or_else(|| CommandError::Internal(anyhow::anyhow!("the note command is missing from the table")))?;
    let inv = super::Invocation {
        command,
        args,
        actor: who.clone(),
        surface: super::Surface::Chat,
        key: Some(interaction.to_string()),
    };
    Ok(super::dispatch(app, &inv).await)
}

/// "Only the AR team or a manager can open an escalation (your roles: viewer)."
fn refusal(click: Click, who: &Actor) -> String {
    format!(
        "Only {} can {} (your roles: {}). Ask in the AR channel.",
        crate::roles::who_holds(click.permission()),
        click.what(),
        who.roles_text()
    )
}

async fn open(
    app: &App,
    who: &Actor,
    customer: i64,
    job: Option<i64>,
    interaction: &str,
) -> Result<ClickAnswer, CommandError> {
    let by = Author::new(who.id.clone(), who.name.clone(), Surface::Discord).with_key(interaction);
    let (esc, created) = escalate::open(app, customer, job, None, who, &by).await?;
    Ok(ClickAnswer::New(escalate::opened_reply(&esc, created)))
}

/// A reminder's buttons. Review shows the email with its own buttons; Edit opens the form;
/// Skip keeps it out of today's Send all; Send queues it once for its day (a second click, or the
/// same click delivered twice, finds it queued). The message then says who did what.
async fn reminder(
    app: &App,
    who: &Actor,
    action: ReminderAction,
    customer: i64,
    day: chrono::NaiveDate,
    interaction: &str,
) -> Result<ClickAnswer, CommandError> {
    let time = app.clock.now().with_timezone(&app.config.time_zone).format("%-H:%M");
    match action {
        ReminderAction::Review => {
            let name = app.store.customer(customer).await?.map(|c| c.name).unwrap_or_default();
            let p = super::mail::prepare(app, customer, day).await?;
            let mut reply = super::mail::reminder_reply(app, &name, &p, day);
            if day != app.today() {
                reply.buttons.clear();
                reply.lines.push(format!(
                    "This was prepared for {}; today's is in this morning's post or /mail remind.",
                    day.format("%a %b %-d")
                ));
            }
            return Ok(ClickAnswer::New(reply));
        }
        ReminderAction::Edit => return Ok(ClickAnswer::Form(super::mail::edit_form(app, customer, day).await?)),
        ReminderAction::Skip => {
            return Ok(ClickAnswer::Update {
                status: super::mail::skip(app, who, customer, day, interaction).await?,
                severity: Severity::Info,
                buttons: Vec::new(),
            });
        }
        ReminderAction::Send => {}
    }
    let (queued, to) = super::mail::approve(app, customer, day, &who.name).await?;
    let status = if queued && app.config.mail.is_none() {
        // Queued, but nothing sends it yet: say so rather than "now".
        format!(
            "Approved by {} at {time}; it waits in the outbox for {to} until a [mail] server is set up in \
             arbot.toml, and is logged on the account once sent.",
            at(&who.name)
        )
    } else if queued {
        format!("Approved by {} at {time}; it goes to {to} now and is logged on the account once sent.", at(&who.name))
    } else {
        format!(
            "Already approved for {}: one reminder a day per account, so nothing more was queued.",
            day.format("%a %b %-d")
        )
    };
    Ok(ClickAnswer::Update { status, severity: Severity::Good, buttons: Vec::new() })
}

/// A statement's Email button; the message then says who sent it, and keeps no button.
async fn email_statement(
    app: &App,
    who: &Actor,
    customer: i64,
    as_of: chrono::NaiveDate,
) -> Result<ClickAnswer, CommandError> {
    let status = super::statement::send(app, &who.name, customer, as_of).await?;
    Ok(ClickAnswer::Update { status, severity: Severity::Good, buttons: Vec::new() })
}

/// A "Statements ready" post's customer button: that customer's statement, with Email it.
async fn review_statement(app: &App, customer: i64, as_of: chrono::NaiveDate) -> Result<ClickAnswer, CommandError> {
    let Some(c) = app.store.customer(customer).await? else {
        return Err(CommandError::User("That customer is no longer in the ledger.".to_string()));
    };
    Ok(ClickAnswer::New(super::statement::statement_reply(app, &c, as_of).await?))
}

/// "Reminders ready"'s Send all; the post then says who sent what, and keeps no buttons.
async fn send_all(app: &App, who: &Actor, day: chrono::NaiveDate) -> Result<ClickAnswer, CommandError> {
    let status = super::mail::send_all(app, who, day).await?;
    Ok(ClickAnswer::Update { status, severity: Severity::Good, buttons: Vec::new() })
}

async fn show_customer(app: &App, id: i64) -> Result<ClickAnswer, CommandError> {
    let summary =
        customer_summary(app.store.as_ref(), id, app.today(), false, &app.config.aging, app.config.currency).await?;
    Ok(ClickAnswer::New(match summary {
        Some(s) => customer::summary_reply(app, &s).await?,
        None => Reply::user_error("That customer is no longer in the ledger."),
    }))
}

/// Acknowledge, snooze, "I'll call them" or resolve: recorded once per click; the message then
/// says who did what and when.
async fn act(
    app: &App,
    who: &Actor,
    choice: EscalationChoice,
    id: i64,
    interaction: &str,
) -> Result<ClickAnswer, CommandError> {
    let now = app.clock.now();
    if choice == EscalationChoice::Snooze {
        // Snoozes are bounded: an account is not set aside for ever one day at a time.
        let limit = app.config.collections.snooze_limit as usize;
        let snoozed = app.store.escalation_events(id).await?.iter().filter(|e| e.action == "snooze").count();
        if snoozed >= limit {
            return Err(CommandError::User(format!(
                "This escalation has been snoozed {snoozed} {} (the limit is {limit}, [collections] snooze_limit). \
                 Acknowledge it, take the call or resolve it.",
                if snoozed == 1 { "time" } else { "times" }
            )));
        }
    }
    let action = match choice {
        EscalationChoice::Acknowledge => EscalationAction::Acknowledge,
        EscalationChoice::Snooze => EscalationAction::Snooze { until: now + SNOOZE },
        EscalationChoice::WillCall => EscalationAction::WillCall,
        EscalationChoice::Resolve => EscalationAction::Resolve,
    };
    let by = Author::new(who.id.clone(), who.name.clone(), Surface::Discord).with_key(interaction);
    let Some(esc) = app.store.act_on_escalation(id, &action, &by, now).await? else {
        return Err(CommandError::User("That escalation no longer exists.".to_string()));
    };
    if action == EscalationAction::WillCall {
        // Taking the call is a contact in the making: it goes on the account's record.
        let note = NewNote {
            customer_id: esc.customer_id,
            invoice_id: None,
            kind: "note".to_string(),
            body: format!("{} will call them (escalation: {})", at(&who.name), esc.title),
            author: who.name.clone(),
            created_at: now,
            follow_up_on: None,
            day_only: false,
        };
        app.store.add_note(&note, &by).await?;
    }
    let severity = match esc.status {
        EscalationStatus::Resolved => Severity::Good,
        EscalationStatus::Acknowledged => Severity::Info,
        _ => Severity::Warning,
    };
    // A resolved escalation keeps no buttons; otherwise they stay for the next person.
    let buttons =
        if esc.status == EscalationStatus::Resolved { Vec::new() } else { escalate::buttons(esc.id, esc.customer_id) };
    Ok(ClickAnswer::Update { status: status_line(app, &esc, &action, who, now), severity, buttons })
}

/// "Acknowledged by @lee at 9:14".
fn status_line(app: &App, esc: &Escalation, action: &EscalationAction, who: &Actor, now: DateTime<Utc>) -> String {
    let tz = app.config.time_zone;
    let time = |t: DateTime<Utc>| t.with_timezone(&tz).format("%-H:%M").to_string();
    match (esc.status, action) {
        (EscalationStatus::Resolved, EscalationAction::Resolve) => {
            format!("Resolved by {} at {}", at(&who.name), time(now))
        }
        (EscalationStatus::Resolved, _) => format!(
            "Already resolved by {} at {}",
            at(esc.resolved_by.as_deref().unwrap_or("someone")),
            esc.resolved_at.map(time).unwrap_or_default()
        ),
        (_, EscalationAction::Snooze { until }) => {
            format!("Snoozed by {} until {}", at(&who.name), until.with_timezone(&tz).format("%a %-H:%M"))
        }
        (_, EscalationAction::WillCall) => format!("{} will call them (said at {})", at(&who.name), time(now)),
        _ => format!("Acknowledged by {} at {}", at(&who.name), time(now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::Role;

    #[test]
    fn button_ids_read_back_as_clicks() {
        assert_eq!(Click::parse("esc:open:7"), Some(Click::OpenEscalation { customer: 7, job: None }));
        assert_eq!(Click::parse("esc:open:7:3"), Some(Click::OpenEscalation { customer: 7, job: Some(3) }));
        assert_eq!(Click::parse("esc:snooze:42"), Some(Click::Escalation { action: EscalationChoice::Snooze, id: 42 }));
        assert_eq!(Click::parse("customer:9"), Some(Click::Customer(9)));
        for stale in ["esc:open:x", "esc:dance:4", "customer:", "pay:1", "esc:open:1:2:3", ""] {
            assert_eq!(Click::parse(stale), None, "{stale}");
        }
        // Every button arbot draws reads back.
        assert_eq!(Click::parse("note:call:12"), Some(Click::LogCall { customer: 12 }));
        for b in escalate::buttons(5, 12) {
            assert!(Click::parse(&b.id).is_some(), "{}", b.id);
        }
        let day: chrono::NaiveDate = "2026-12-02".parse().unwrap();
        assert_eq!(
            Click::parse("mail:edit:4:2026-12-02"),
            Some(Click::Reminder { action: ReminderAction::Edit, customer: 4, day })
        );
        assert_eq!(Click::parse("mail:all:2026-12-02"), Some(Click::SendAll { day }));
        for stale in ["mail:dance:4:2026-12-02", "mail:all:tuesday", "mail:send:x:2026-12-02"] {
            assert_eq!(Click::parse(stale), None, "{stale}");
        }
    }

    #[test]
    fn refusals_name_who_may() {
        let viewer = Actor { id: "1".into(), name: "vic".into(), roles: vec![Role::Viewer] };
        let open = Click::OpenEscalation { customer: 1, job: None };
        assert_eq!(
            refusal(open, &viewer),
            "Only the AR team or a manager can open an escalation (your roles: viewer). Ask in the AR channel."
        );
        let ack = Click::Escalation { action: EscalationChoice::Acknowledge, id: 1 };
        assert!(refusal(ack, &viewer).starts_with("Only a PM, the AR team or a manager can act on an escalation"));
    }
}
