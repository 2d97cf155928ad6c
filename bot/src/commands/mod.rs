//! Platform-neutral command handlers. An [`Invocation`] (command, arguments, who asked, where)
//! goes in; a [`Reply`] comes out. The console and Discord adapters only translate.
//!
//! Every command is described once in [`COMMANDS`]: its parameters, help text and the roles that
//! may run it. The console parser, `/ar help` and (later) Discord registration all read it.

mod aging;
mod customer;
mod digest;
mod escalate;
mod help;
mod invoice;
mod kpi;
mod liens;
mod overdue;
mod sync;

use std::collections::BTreeMap;
use std::fmt;

use arbot_core::StoreError;
use arbot_core::dates::{DateError, parse_date};
use chrono::NaiveDate;

use crate::app::App;
use crate::reply::Reply;

pub use self::aging::{aging_csv, aging_table, load as load_aging};
pub use self::customer::{customer_reply, none_text as no_customer_text};
pub use self::digest::{build as build_digest, digest_reply};
pub use self::escalate::{buttons as escalation_buttons, open as open_escalation, opened_reply};
pub use self::liens::next_deadlines;
pub(crate) use self::liens::{lien_record, notice_word, unpaid_by_job};
pub use self::sync::pick_sources;

/// arbot's roles; chat platforms map their own roles onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The AR team: everything.
    Ar,
    /// Project managers: read, acknowledge escalations.
    Pm,
    /// Office manager, controller, CFO: read and reports.
    Manager,
    /// Read-only.
    Viewer,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Ar => "AR",
            Role::Pm => "PM",
            Role::Manager => "manager",
            Role::Viewer => "viewer",
        }
    }
}

const ANYONE: &[Role] = &[Role::Ar, Role::Pm, Role::Manager, Role::Viewer];
const AR_TEAM: &[Role] = &[Role::Ar, Role::Manager];

/// The kind of value a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// Free text; as the last parameter it takes the rest of the line.
    Text,
    /// A whole number.
    Integer,
    /// A date as people type it (1 to 3 words: `2026-11-30`, `Nov 30`, `Nov 30 2026`).
    Date,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
}

/// What a chat can suggest while a parameter is typed (Discord's autocomplete).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suggest {
    Nothing,
    Customer,
    Job,
    Invoice,
    Pm,
    Command,
    NoticeKind,
}

#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
    pub required: bool,
    pub help: &'static str,
    pub suggest: Suggest,
}

/// One command of `/ar`.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    pub name: &'static str,
    pub summary: &'static str,
    pub params: &'static [Param],
    pub example: &'static str,
    pub roles: &'static [Role],
}

impl CommandSpec {
    /// `customer <name>` / `overdue [min-days] [pm]`.
    pub fn usage(&self) -> String {
        let mut s = self.name.to_string();
        for p in self.params {
            if p.required {
                s.push_str(&format!(" <{}>", p.name));
            } else {
                s.push_str(&format!(" [{}]", p.name));
            }
        }
        s
    }
}

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "customer",
        summary: "A customer's balance, aging, oldest invoice, last payment, promise, jobs and last note",
        params: &[Param {
            name: "name",
            kind: ParamKind::Text,
            required: true,
            help: "part of the customer's name",
            suggest: Suggest::Customer,
        }],
        example: "/ar customer acme",
        roles: ANYONE,
    },
    CommandSpec {
        name: "invoice",
        summary: "One invoice: amounts, due date, what was applied to it, disputes",
        params: &[Param {
            name: "number",
            kind: ParamKind::Text,
            required: true,
            help: "the invoice number",
            suggest: Suggest::Invoice,
        }],
        example: "/ar invoice 1042",
        roles: ANYONE,
    },
    CommandSpec {
        name: "overdue",
        summary: "Overdue invoices, oldest first",
        params: &[
            Param {
                name: "min-days",
                kind: ParamKind::Integer,
                required: false,
                help: "only this many days past due or more",
                suggest: Suggest::Nothing,
            },
            Param {
                name: "pm",
                kind: ParamKind::Text,
                required: false,
                help: "only this project manager's accounts",
                suggest: Suggest::Pm,
            },
        ],
        example: "/ar overdue 60 dana",
        roles: ANYONE,
    },
    CommandSpec {
        name: "aging",
        summary: "The aging report: open balances by age bucket",
        params: &[
            Param {
                name: "as-of",
                kind: ParamKind::Date,
                required: false,
                help: "balances as of this date (default today)",
                suggest: Suggest::Nothing,
            },
            Param {
                name: "by",
                kind: ParamKind::Choice(&["customer", "job", "pm"]),
                required: false,
                help: "group by customer (default), job or pm",
                suggest: Suggest::Nothing,
            },
        ],
        example: "/ar aging by pm",
        roles: ANYONE,
    },
    CommandSpec {
        name: "digest",
        summary: "Today's overdue digest: totals and change, who needs a call, new overdue, payments, promises",
        params: &[],
        example: "/ar digest",
        roles: ANYONE,
    },
    CommandSpec {
        name: "kpi",
        summary: "DSO, share of overdue over 90 days, CEI, average days delinquent",
        params: &[],
        example: "/ar kpi",
        roles: ANYONE,
    },
    CommandSpec {
        name: "liens",
        summary: "Lien and notice deadlines coming up across jobs, with what is unpaid on each",
        params: &[Param {
            name: "days",
            kind: ParamKind::Integer,
            required: false,
            help: "how far ahead to look (default 30)",
            suggest: Suggest::Nothing,
        }],
        example: "/ar liens 14",
        roles: ANYONE,
    },
    CommandSpec {
        name: "job",
        summary: "A job's lien facts, every deadline with days left, and its unpaid balance; `set` records a fact",
        params: &[Param {
            name: "name",
            kind: ParamKind::Text,
            required: true,
            help: "part of the job's name, optionally followed by `set <fact> <value>`",
            suggest: Suggest::Job,
        }],
        example: "/ar job marina tower set last_furnished 2026-11-20",
        roles: ANYONE,
    },
    CommandSpec {
        name: "notice",
        summary: "Record a notice served or a lien recorded on a job (nto, prelim, lien, ...)",
        params: &[
            Param {
                name: "job",
                kind: ParamKind::Text,
                required: true,
                help: "the job (quote a name with spaces)",
                suggest: Suggest::Job,
            },
            Param {
                name: "kind",
                kind: ParamKind::Text,
                required: true,
                help: "nto, prelim, monthly, nonpayment, lien, service, noi",
                suggest: Suggest::NoticeKind,
            },
            Param {
                name: "date",
                kind: ParamKind::Date,
                required: true,
                help: "the day it was served or recorded",
                suggest: Suggest::Nothing,
            },
            Param {
                name: "tracking",
                kind: ParamKind::Text,
                required: false,
                help: "certified mail tracking or recording number",
                suggest: Suggest::Nothing,
            },
        ],
        example: "/ar notice \"Marina Tower\" nto 2026-11-20 9407111899560000000000",
        roles: AR_TEAM,
    },
    CommandSpec {
        name: "escalate",
        summary: "Hand an account to its PM: an alert and a thread in the AR channel, with the figures and the ask",
        params: &[
            Param {
                name: "customer",
                kind: ParamKind::Text,
                required: true,
                help: "the customer (quote a name with spaces)",
                suggest: Suggest::Customer,
            },
            Param {
                name: "reason",
                kind: ParamKind::Text,
                required: false,
                help: "why, in a few words (default: what is overdue and what went wrong)",
                suggest: Suggest::Nothing,
            },
        ],
        example: "/ar escalate \"Harborview Owners\" board treasurer stopped answering",
        roles: AR_TEAM,
    },
    CommandSpec {
        name: "sync",
        summary: "Pull new and changed records from the accounting system now",
        params: &[Param {
            name: "source",
            kind: ParamKind::Text,
            required: false,
            help: "only this source (default: all)",
            suggest: Suggest::Nothing,
        }],
        example: "/ar sync",
        roles: AR_TEAM,
    },
    CommandSpec {
        name: "help",
        summary: "What arbot can do, or how to use one command",
        params: &[Param {
            name: "command",
            kind: ParamKind::Text,
            required: false,
            help: "a command name",
            suggest: Suggest::Command,
        }],
        example: "/ar help customer",
        roles: ANYONE,
    },
];

pub fn spec(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
}

impl Actor {
    /// The person at the console: the operator of this arbot, with every role.
    pub fn console() -> Actor {
        let name = std::env::var("USER").unwrap_or_else(|_| "console".to_string());
        Actor { id: "console".to_string(), name, roles: vec![Role::Ar, Role::Manager] }
    }
}

/// A command as typed or clicked, with its arguments by parameter name.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub command: &'static CommandSpec,
    pub args: BTreeMap<&'static str, String>,
    pub actor: Actor,
    /// Where it was typed, for the few answers that differ (how to leave the console).
    pub surface: Surface,
}

/// Where a command was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// The terminal chat (`arbot console`, `arbot demo`): one line at a time.
    Console,
    /// A chat with typed options (Discord's `/ar`).
    Chat,
}

impl Invocation {
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args.get(name).map(String::as_str).filter(|s| !s.trim().is_empty())
    }
}

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

/// Why a typed line is not a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("Type a command, like /ar customer acme. /ar help lists them all.")]
    Empty,
    #[error("I don't know the command '{0}'.{1} Type /ar help to see them all.")]
    Unknown(String, String),
    #[error("/ar {command} needs {what}. Try: {example}")]
    Missing { command: String, what: String, example: String },
    /// A value with its own complete explanation (a date that does not exist).
    #[error("{0}")]
    Invalid(String),
    #[error("I couldn't use '{value}' for {param} in /ar {command}: {why} Try: {example}")]
    Bad { command: String, param: String, value: String, why: String, example: String },
}

/// Splits a line into words, honouring "double" and 'single' quotes.
pub fn tokenize(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut had = false;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' && cur.is_empty() => {
                quote = Some(c);
                had = true;
            }
            None if c.is_whitespace() => {
                if had || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                had = false;
            }
            None => {
                cur.push(c);
                had = true;
            }
        }
    }
    if had || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Parses a line as typed in chat (`/ar customer acme`, `ar aging by job`, or just `kpi`).
pub fn parse_line(line: &str, actor: Actor, today: NaiveDate) -> Result<Invocation, ParseError> {
    let mut words = tokenize(line);
    if words.first().is_some_and(|w| w.eq_ignore_ascii_case("/ar") || w.eq_ignore_ascii_case("ar")) {
        words.remove(0);
    }
    let Some(first) = words.first() else {
        return Err(ParseError::Empty);
    };
    let name = first.trim_start_matches('/').to_ascii_lowercase();
    let Some(command) = spec(&name) else {
        let close =
            COMMANDS.iter().map(|c| (strsim_like(&name, c.name), c.name)).filter(|(s, _)| *s).map(|(_, n)| n).next();
        let hint = close.map(|n| format!(" Did you mean /ar {n}?")).unwrap_or_default();
        return Err(ParseError::Unknown(first.clone(), hint));
    };
    let rest: Vec<String> = words[1..].to_vec();
    let args = bind_args(command, rest, today)?;
    Ok(Invocation { command, args, actor, surface: Surface::Console })
}

/// Builds an invocation from named values, as a chat with typed options sends them (Discord).
/// Values are checked as typed words are: a date must be a date, a choice one of its options.
pub fn invocation_from_options(
    command: &'static CommandSpec,
    values: &[(String, String)],
    actor: Actor,
    today: NaiveDate,
) -> Result<Invocation, ParseError> {
    let mut args = BTreeMap::new();
    for p in command.params {
        let value = values.iter().find(|(k, _)| k == p.name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
        let Some(value) = value else {
            if p.required {
                return Err(ParseError::Missing {
                    command: command.name.to_string(),
                    what: format!("{} ({})", p.name, p.help),
                    example: command.example.to_string(),
                });
            }
            continue;
        };
        let bad = |why: &str| ParseError::Bad {
            command: command.name.to_string(),
            param: p.name.to_string(),
            value: value.to_string(),
            why: why.to_string(),
            example: command.example.to_string(),
        };
        let value = match p.kind {
            ParamKind::Text => value.to_string(),
            ParamKind::Integer => {
                value.parse::<i64>().map_err(|_| bad("it should be a whole number."))?;
                value.to_string()
            }
            ParamKind::Date => {
                parse_date(value, today).map_err(|e| ParseError::Invalid(e.to_string()))?;
                value.to_string()
            }
            ParamKind::Choice(options) => {
                let lower = value.to_ascii_lowercase();
                if !options.contains(&lower.as_str()) {
                    return Err(bad(&format!("it should be one of {}.", options.join(", "))));
                }
                lower
            }
        };
        args.insert(p.name, value);
    }
    Ok(Invocation { command, args, actor, surface: Surface::Chat })
}

/// A cheap "did you mean": same first letter and at most two letters different.
fn strsim_like(a: &str, b: &str) -> bool {
    if a.is_empty() || a.chars().next() != b.chars().next() {
        return b.starts_with(a) && !a.is_empty();
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

/// Assigns words to the command's parameters in order. `name:value` words set a parameter by
/// name (as Discord does). An optional parameter whose type does not fit the next word is
/// skipped, so `/ar overdue dana` means the PM, not a number of days.
fn bind_args(
    command: &'static CommandSpec,
    words: Vec<String>,
    today: NaiveDate,
) -> Result<BTreeMap<&'static str, String>, ParseError> {
    let mut args = BTreeMap::new();
    let mut positional = Vec::new();
    for w in words {
        match w.split_once(':').and_then(|(k, v)| command.params.iter().find(|p| p.name == k).map(|p| (p, v))) {
            Some((p, v)) => {
                args.insert(p.name, v.to_string());
            }
            None => positional.push(w),
        }
    }
    let bad = |p: &Param, value: &str, why: &str| ParseError::Bad {
        command: command.name.to_string(),
        param: p.name.to_string(),
        value: value.to_string(),
        why: why.to_string(),
        example: command.example.to_string(),
    };
    let mut i = 0;
    let params: Vec<&Param> = command.params.iter().filter(|p| !args.contains_key(p.name)).collect();
    for (n, p) in params.iter().enumerate() {
        // "by" before a choice reads naturally: /ar aging by job.
        if matches!(p.kind, ParamKind::Choice(_)) && positional.get(i).is_some_and(|w| w.eq_ignore_ascii_case("by")) {
            i += 1;
        }
        let Some(word) = positional.get(i) else { break };
        let is_last = n + 1 == params.len();
        match p.kind {
            ParamKind::Text => {
                let value = if is_last { positional[i..].join(" ") } else { word.clone() };
                i = if is_last { positional.len() } else { i + 1 };
                args.insert(p.name, value);
            }
            ParamKind::Integer => {
                if word.parse::<i64>().is_ok() {
                    args.insert(p.name, word.clone());
                    i += 1;
                } else if p.required {
                    return Err(bad(p, word, "it should be a whole number."));
                }
            }
            ParamKind::Choice(options) => {
                if options.iter().any(|o| o.eq_ignore_ascii_case(word)) {
                    args.insert(p.name, word.to_ascii_lowercase());
                    i += 1;
                } else if p.required || is_last {
                    return Err(bad(p, word, &format!("it should be one of {}.", options.join(", "))));
                }
            }
            ParamKind::Date => {
                // Try the longest run of words that reads as a date.
                let mut taken = None;
                for len in (1..=3).rev() {
                    if i + len <= positional.len() {
                        let candidate = positional[i..i + len].join(" ");
                        if parse_date(&candidate, today).is_ok() {
                            taken = Some((candidate, len));
                            break;
                        }
                    }
                }
                match taken {
                    Some((value, len)) => {
                        args.insert(p.name, value);
                        i += len;
                    }
                    None => {
                        // Words that look like a date but aren't one get the date's own message
                        // ("Nov 31 isn't a date. Did you mean Nov 30 or Dec 1?").
                        let impossible = (1..=3).rev().filter(|len| i + len <= positional.len()).find_map(|len| {
                            match parse_date(&positional[i..i + len].join(" "), today) {
                                Err(e @ DateError::NoSuchDay { .. }) => Some(e),
                                _ => None,
                            }
                        });
                        if let Some(e) = impossible {
                            return Err(ParseError::Invalid(e.to_string()));
                        }
                        let looks_like_date = word.chars().next().is_some_and(|c| c.is_ascii_digit());
                        if p.required || looks_like_date {
                            return Err(match parse_date(word, today) {
                                Err(e) => ParseError::Invalid(e.to_string()),
                                Ok(_) => bad(p, word, "it isn't a date."),
                            });
                        }
                    }
                }
            }
        }
    }
    if i < positional.len() {
        let extra = positional[i..].join(" ");
        return Err(ParseError::Bad {
            command: command.name.to_string(),
            param: "the command".to_string(),
            value: extra,
            why: format!("/ar {} takes {}.", command.name, command.usage()),
            example: command.example.to_string(),
        });
    }
    for p in command.params.iter().filter(|p| p.required) {
        if !args.contains_key(p.name) {
            return Err(ParseError::Missing {
                command: command.name.to_string(),
                what: format!("{} ({})", p.name, p.help),
                example: command.example.to_string(),
            });
        }
    }
    Ok(args)
}

/// Runs an invocation: checks the role, calls the handler, and turns failures into replies.
pub async fn dispatch(app: &App, inv: &Invocation) -> Reply {
    if !inv.command.roles.iter().any(|r| inv.actor.roles.contains(r)) {
        let yours = roles_text(&inv.actor.roles);
        let needed = inv.command.roles.iter().map(Role::as_str).collect::<Vec<_>>().join(" or ");
        return Reply::user_error(format!(
            "/ar {} needs the {needed} role (your roles: {yours}). Ask in the AR channel.",
            inv.command.name
        ));
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
        "escalate" => escalate::handle(app, inv).await,
        "sync" => sync::handle(app, inv).await,
        "help" => help::handle(app, inv).await,
        other => Err(CommandError::User(format!("/ar {other} is not available here yet."))),
    };
    match result {
        Ok(reply) => reply,
        Err(CommandError::User(text)) => Reply::user_error(text),
        Err(CommandError::Internal(err)) => {
            let reference = error_ref();
            tracing::error!(reference, command = inv.command.name, error = format!("{err:#}"), "command failed");
            Reply::user_error(format!(
                "Something went wrong on our side (ref {reference}). It has been logged; tell whoever runs arbot."
            ))
        }
    }
}

/// "AR, PM", or "none".
pub(crate) fn roles_text(roles: &[Role]) -> String {
    if roles.is_empty() { "none".to_string() } else { roles.iter().map(Role::as_str).collect::<Vec<_>>().join(", ") }
}

/// How long without contact makes a well-overdue account need a call.
pub(crate) use arbot_core::digest::QUIET_DAYS;

/// A short reference that ties a chat message to a log line.
fn error_ref() -> String {
    format!("{:04x}", fastrand::u16(..))
}

/// `45 days past due` / `due today` / `due in 3 days`.
pub fn days_phrase(days_past_due: i64) -> String {
    match days_past_due {
        0 => "due today".to_string(),
        1 => "1 day past due".to_string(),
        d if d > 1 => format!("{d} days past due"),
        -1 => "due tomorrow".to_string(),
        d => format!("due in {} days", -d),
    }
}

/// `@dana`: how a PM reads in chat.
pub fn at(name: &str) -> String {
    if name.starts_with('@') { name.to_string() } else { format!("@{name}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn parse(line: &str) -> Result<Invocation, ParseError> {
        parse_line(line, Actor::console(), today())
    }

    #[test]
    fn tokenizes_quotes() {
        assert_eq!(tokenize(r#"customer "Gulf Coast"  x"#), ["customer", "Gulf Coast", "x"]);
        assert_eq!(tokenize("  "), Vec::<String>::new());
        assert_eq!(tokenize("note O'Brien"), ["note", "O'Brien"]);
    }

    #[test]
    fn parses_chat_lines() {
        let inv = parse("/ar customer gulf coast").unwrap();
        assert_eq!(inv.command.name, "customer");
        assert_eq!(inv.arg("name"), Some("gulf coast"));
        let inv = parse("ar overdue dana").unwrap();
        assert_eq!(inv.arg("min-days"), None);
        assert_eq!(inv.arg("pm"), Some("dana"));
        let inv = parse("overdue 60 dana").unwrap();
        assert_eq!(inv.arg("min-days"), Some("60"));
        let inv = parse("/ar aging Oct 31 by job").unwrap();
        assert_eq!(inv.arg("as-of"), Some("Oct 31"));
        assert_eq!(inv.arg("by"), Some("job"));
        let inv = parse("/ar aging by:pm").unwrap();
        assert_eq!(inv.arg("by"), Some("pm"));
        let inv = parse("/AR KPI").unwrap();
        assert_eq!(inv.command.name, "kpi");
    }

    #[test]
    fn mistakes_get_useful_messages() {
        assert_eq!(parse("").unwrap_err(), ParseError::Empty);
        assert_eq!(parse("/ar").unwrap_err(), ParseError::Empty);
        let e = parse("/ar custmer acme").unwrap_err().to_string();
        assert!(e.contains("Did you mean /ar customer?"), "{e}");
        let e = parse("/ar customer").unwrap_err().to_string();
        assert!(e.contains("needs name"), "{e}");
        let e = parse("/ar aging 2026-11-31").unwrap_err().to_string();
        assert!(e.contains("isn't a date"), "{e}");
        let e = parse("/ar aging by region").unwrap_err().to_string();
        assert!(e.contains("customer, job, pm"), "{e}");
        let e = parse("/ar kpi now please").unwrap_err().to_string();
        assert!(e.contains("takes kpi"), "{e}");
    }

    #[test]
    fn phrases() {
        assert_eq!(days_phrase(45), "45 days past due");
        assert_eq!(days_phrase(0), "due today");
        assert_eq!(days_phrase(-3), "due in 3 days");
        assert_eq!(at("dana"), "@dana");
    }
}
