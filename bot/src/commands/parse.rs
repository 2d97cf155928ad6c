//! From what was typed to an [`Invocation`] with typed arguments, once, for every surface: a
//! console line (`/ar escalate old oak they stopped answering`) or Discord's named options.
//!
//! Reading happens in two steps. [`bind`] reads words into the command's parameters without the
//! ledger: numbers, dates, choices, and the words that make up a name. [`read_line`] and
//! [`read_options`] then resolve names against the ledger (a customer, a job, a PM). A name typed
//! without quotes before other parameters may run over several words; the longest run of words
//! that names exactly one customer or job wins, so `old oak they stopped answering` escalates
//! Old Oak Homes with the reason "they stopped answering".

use arbot_core::dates::{DateError, parse_date};
use arbot_core::ledger::{CustomerRef, JobWithCustomer};
use arbot_core::summary::{CustomerMatch, find_customer};
use arbot_core::{Currency, Money};
use chrono::NaiveDate;

use super::CommandError;
use super::args::{Args, Invocation, Surface, Value};
use super::table::{COMMANDS, CommandSpec, FACTS, FAMILIES, Param, ParamKind, spec};
use crate::app::App;
use crate::roles::Actor;

/// Why typed words are not a command. Each reads as a sentence for the person who typed them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("Type a command, like /ar customer acme. /ar help lists them all.")]
    Empty,
    #[error("I don't know the command '{0}'.{1} Type /ar help to see them all.")]
    Unknown(String, String),
    /// `command` is what a person types (`/ar promise`).
    #[error("{command} needs {what}. Try: {example}")]
    Missing { command: String, what: String, example: String },
    /// A value with its own complete explanation (a date that does not exist, a name that
    /// matches nothing).
    #[error("{0}")]
    Invalid(String),
    #[error("I couldn't use '{value}' for {param} in {command}: {why} Try: {example}")]
    Bad { command: String, param: String, value: String, why: String, example: String },
    /// Several customers match; the person picks one.
    #[error("{} customers match '{query}': {} — which one?", .list.len(), names(.list))]
    SeveralCustomers { query: String, list: Vec<CustomerRef> },
}

fn names(list: &[CustomerRef]) -> String {
    let names: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
    if names.len() > 10 {
        format!("{}, and {} more", names[..10].join(", "), names.len() - 10)
    } else {
        names.join(", ")
    }
}

/// What arbot says when it has no ledger yet.
pub const EMPTY_LEDGER: &str = "This database is empty: arbot has no customers yet. Sync your accounting system first (arbot sync), import a spreadsheet (arbot import FILE), or try the sample ledger with arbot demo.";

/// The longest text a parameter takes; longer input is refused before it reaches the database.
const MAX_VALUE_CHARS: usize = 500;

/// One typed word, and whether it was quoted (a quoted word is one value, spaces and all).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    text: String,
    quoted: bool,
}

/// Splits a line into words, honouring "double" and 'single' quotes.
pub fn tokenize(line: &str) -> Vec<String> {
    tokens(line).into_iter().map(|t| t.text).collect()
}

fn tokens(line: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut had = false;
    let mut quoted = false;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' && cur.is_empty() => {
                quote = Some(c);
                had = true;
                quoted = true;
            }
            None if c.is_whitespace() => {
                if had || !cur.is_empty() {
                    out.push(Token { text: std::mem::take(&mut cur), quoted });
                }
                had = false;
                quoted = false;
            }
            None => {
                cur.push(c);
                had = true;
            }
        }
    }
    if had || !cur.is_empty() {
        out.push(Token { text: cur, quoted });
    }
    out
}

/// A parameter's value after [`bind`]: ready, or a name still to look up in the ledger.
#[derive(Debug, Clone)]
#[cfg_attr(test, derive(PartialEq))]
enum Bound {
    Ready(Value),
    Customer(String),
    Job(String),
    /// A PM's name; `declined` is the optional parameter before it that the word did not fit
    /// (`/ar overdue sixty`: not a number of days, so read as a PM).
    Pm {
        name: String,
        declined: Option<&'static Param>,
    },
}

/// The words of a line read into the command's parameters.
#[derive(Debug, Clone)]
struct Binding {
    values: Vec<(&'static Param, Bound)>,
}

/// The command a line names, and the words after it.
fn head(line: &str) -> Result<(&'static CommandSpec, Vec<Token>), ParseError> {
    let mut words = tokens(line);
    // `/ar`, `/report`, `mail`: any family's word, or none. Names are unique across families, so
    // the console also takes `/ar cash` for `/report cash`.
    if words.first().is_some_and(|w| {
        let word = w.text.trim_start_matches('/');
        FAMILIES.iter().any(|f| word.eq_ignore_ascii_case(f.name))
    }) {
        words.remove(0);
    }
    let Some(first) = words.first() else {
        return Err(ParseError::Empty);
    };
    let name = first.text.trim_start_matches('/').to_ascii_lowercase();
    let Some(command) = spec(&name) else {
        let close = COMMANDS
            .iter()
            .map(|c| (strsim::damerau_levenshtein(&name, c.name), c.name))
            .filter(|(d, n)| *d <= 2 || (!name.is_empty() && n.starts_with(name.as_str())))
            .min_by_key(|(d, _)| *d)
            .and_then(|(_, n)| spec(n));
        let hint = close.map(|c| format!(" Did you mean {}?", c.invocation())).unwrap_or_default();
        return Err(ParseError::Unknown(first.text.clone(), hint));
    };
    Ok((command, words.split_off(1)))
}

fn bad(command: &CommandSpec, p: &Param, value: &str, why: &str) -> ParseError {
    ParseError::Bad {
        command: command.invocation(),
        param: p.name.to_string(),
        value: value.to_string(),
        why: why.to_string(),
        example: command.example.to_string(),
    }
}

fn missing(command: &CommandSpec, p: &Param) -> ParseError {
    ParseError::Missing {
        command: command.invocation(),
        what: format!("{} ({})", p.name, p.help),
        example: command.example.to_string(),
    }
}

/// `60`, `90+`, `30d`, `30days` as a number of days.
pub fn parse_days(word: &str) -> Option<u32> {
    let w = word.trim().to_ascii_lowercase();
    let w = w.strip_suffix('+').unwrap_or(&w);
    let w = w.strip_suffix("days").or_else(|| w.strip_suffix("day")).or_else(|| w.strip_suffix('d')).unwrap_or(w);
    w.trim().parse::<u32>().ok().filter(|d| *d <= 3650)
}

/// A choice as typed (`Job`, `last-furnished`) as the table spells it.
fn choice(options: &'static [&'static str], word: &str) -> Option<&'static str> {
    let w = word.trim().to_ascii_lowercase().replace('-', "_");
    options.iter().copied().find(|o| *o == w)
}

/// Reads one whole value for a parameter (a named `key:value`, a Discord option, or a word).
fn bind_value(
    command: &CommandSpec,
    p: &'static Param,
    text: &str,
    today: NaiveDate,
    currency: Currency,
) -> Result<Bound, ParseError> {
    let text = text.trim();
    if text.chars().count() > MAX_VALUE_CHARS {
        return Err(ParseError::Invalid(format!(
            "The {} you gave is {} characters long; {} takes at most {MAX_VALUE_CHARS}.",
            p.name,
            text.chars().count(),
            command.invocation()
        )));
    }
    Ok(match p.kind {
        ParamKind::Customer => Bound::Customer(text.to_string()),
        ParamKind::Job => Bound::Job(text.to_string()),
        ParamKind::Pm => Bound::Pm { name: text.trim_start_matches('@').to_string(), declined: None },
        // An optional invoice number has a digit, so a word that has none is the next parameter
        // (`/ar note acme call …`).
        ParamKind::Invoice if !p.required && !text.chars().any(|c| c.is_ascii_digit()) => {
            return Err(bad(command, p, text, "an invoice number has digits."));
        }
        ParamKind::Invoice => Bound::Ready(Value::Invoice(text.trim_start_matches('#').to_string())),
        ParamKind::Invoices => {
            let numbers: Vec<String> = text
                .split(|c: char| c == ',' || c.is_whitespace())
                .map(|w| w.trim().trim_start_matches('#'))
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            if numbers.is_empty() || numbers.iter().any(|n| !n.chars().any(|c| c.is_ascii_digit())) {
                return Err(bad(command, p, text, "invoice numbers have digits, like 1042 1043."));
            }
            Bound::Ready(Value::Invoices(numbers))
        }
        ParamKind::Text => Bound::Ready(Value::Text(text.to_string())),
        ParamKind::Amount => {
            Bound::Ready(Value::Amount(Money::parse(text, currency).map_err(|e| ParseError::Invalid(e.to_string()))?))
        }
        ParamKind::Days => Bound::Ready(Value::Days(
            parse_days(text).ok_or_else(|| bad(command, p, text, "it should be a number of days, like 60 or 90+."))?,
        )),
        ParamKind::Count => Bound::Ready(Value::Count(
            text.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| bad(command, p, text, "it should be a whole number, like 3 or 12."))?,
        )),
        ParamKind::Date => {
            Bound::Ready(Value::Date(parse_date(text, today).map_err(|e| ParseError::Invalid(e.to_string()))?))
        }
        ParamKind::Choice(options) => Bound::Ready(Value::Choice(
            choice(options, text)
                .ok_or_else(|| bad(command, p, text, &format!("it should be one of {}.", options.join(", "))))?,
        )),
        ParamKind::Fact => Bound::Ready(Value::Choice(choice(FACTS, text).ok_or_else(|| {
            ParseError::Invalid(format!("'{text}' isn't a job fact I know. Facts: {}.", FACTS.join(", ")))
        })?)),
        ParamKind::Notice => Bound::Ready(Value::Notice(arbot_core::liens::notice_kind(text).ok_or_else(|| {
            ParseError::Invalid(format!(
                "'{text}' isn't a notice I know. Use one of: {}.",
                arbot_core::liens::notice_words().join(", ")
            ))
        })?)),
        ParamKind::Command => {
            // `customer`, `/ar customer`, `/report cash`: the last word names the command.
            let name = text.rsplit(' ').next().unwrap_or(text).trim_start_matches('/').to_ascii_lowercase();
            Bound::Ready(Value::Command(spec(&name).ok_or_else(|| {
                ParseError::Invalid(format!("There is no command '{name}'. Type /ar help to see them all."))
            })?))
        }
    })
}

/// Reads the words after the command into its parameters, in order. `name:value` words set a
/// parameter by name (as Discord does). An optional parameter whose kind does not fit the next
/// word is skipped, so `/ar overdue dana` means the PM, not a number of days. The first name that
/// stands before other parameters takes `span` words (all it can, when `None`); the second value
/// is how many it took.
fn bind(
    command: &'static CommandSpec,
    words: &[Token],
    today: NaiveDate,
    currency: Currency,
    span: Option<usize>,
    name: &mut Option<NameSpan>,
) -> Result<Binding, ParseError> {
    let mut values: Vec<(&'static Param, Bound)> = Vec::new();
    let mut positional: Vec<&Token> = Vec::new();
    for w in words {
        let named = if w.quoted {
            None
        } else {
            w.text.split_once(':').and_then(|(k, v)| command.params.iter().find(|p| p.name == k).map(|p| (p, v)))
        };
        match named {
            Some((p, v)) => values.push((p, bind_value(command, p, v, today, currency)?)),
            None => positional.push(w),
        }
    }
    let params: Vec<&'static Param> =
        command.params.iter().filter(|p| !values.iter().any(|(q, _)| q.name == p.name)).collect();
    // The optional parameter the word at this position did not fit, and the position.
    let mut declined: Option<(&'static Param, usize)> = None;
    // Every optional parameter a word did not fit, with the word's position.
    let mut passed: Vec<(&'static Param, usize)> = Vec::new();
    let mut i = 0;
    for (n, &p) in params.iter().enumerate() {
        let is_last = n + 1 == params.len();
        let mut after_keyword = false;
        if let Some(k) = p.keyword
            && positional.get(i).is_some_and(|w| !w.quoted && w.text.eq_ignore_ascii_case(k))
        {
            i += 1;
            after_keyword = true;
        }
        let Some(word) = positional.get(i) else {
            if after_keyword {
                return Err(missing(command, p));
            }
            break;
        };
        let must = p.required || after_keyword;
        // An optional name left out: the word is a later parameter's keyword (`/ar audit job
        // marina` names no customer).
        if !must
            && p.is_name()
            && !word.quoted
            && params[n + 1..].iter().filter_map(|q| q.keyword).any(|k| word.text.eq_ignore_ascii_case(k))
        {
            continue;
        }
        let bound = match p.kind {
            ParamKind::Customer | ParamKind::Job | ParamKind::Text | ParamKind::Pm => {
                let len = if word.quoted || (p.kind == ParamKind::Pm && !is_last) {
                    1
                } else if is_last {
                    positional.len() - i
                } else if p.kind == ParamKind::Text {
                    // Free text before other parameters runs to the last later keyword
                    // (`… check run Friday follow-up Dec 4`), or to the end.
                    let keywords: Vec<&str> = params[n + 1..].iter().filter_map(|q| q.keyword).collect();
                    positional[i + 1..]
                        .iter()
                        .rposition(|w| !w.quoted && keywords.iter().any(|k| w.text.eq_ignore_ascii_case(k)))
                        .map(|at| at + 1)
                        .unwrap_or(positional.len() - i)
                } else {
                    // A name before other parameters: up to the next parameter's keyword, or
                    // as many words as the caller asks for.
                    let stop = params[n + 1..]
                        .iter()
                        .filter_map(|q| q.keyword)
                        .filter_map(|k| {
                            positional[i + 1..].iter().position(|w| !w.quoted && w.text.eq_ignore_ascii_case(k))
                        })
                        .min()
                        .map(|at| at + 1)
                        .unwrap_or(positional.len() - i);
                    let len = span.unwrap_or(stop).clamp(1, stop);
                    *name = Some(NameSpan {
                        param: p,
                        words: positional[i..i + stop].iter().map(|t| t.text.clone()).collect(),
                    });
                    len
                };
                let text = if len == 1 { word.text.clone() } else { rest_of(&positional[i..i + len]) };
                let at = i;
                i += len;
                let mut b = bind_value(command, p, &text, today, currency)?;
                if let Bound::Pm { declined: d, .. } = &mut b {
                    *d = declined.take().filter(|(_, w)| *w == at).map(|(q, _)| q);
                }
                b
            }
            ParamKind::Date => {
                // The longest run of words (up to three) that reads as a date.
                let taken = (1..=3).rev().filter(|len| i + len <= positional.len()).find_map(|len| {
                    let candidate = rest_of(&positional[i..i + len]);
                    parse_date(&candidate, today).ok().map(|d| (d, len))
                });
                match taken {
                    Some((d, len)) => {
                        i += len;
                        Bound::Ready(Value::Date(d))
                    }
                    None => {
                        // Words that look like a date but aren't one get the date's own message
                        // ("Nov 31 isn't a date. Did you mean Nov 30 or Dec 1?").
                        let impossible = (1..=3).rev().filter(|len| i + len <= positional.len()).find_map(|len| {
                            match parse_date(&rest_of(&positional[i..i + len]), today) {
                                Err(e @ DateError::NoSuchDay { .. }) => Some(e),
                                _ => None,
                            }
                        });
                        if let Some(e) = impossible {
                            return Err(ParseError::Invalid(e.to_string()));
                        }
                        let looks_like_date = word.text.chars().next().is_some_and(|c| c.is_ascii_digit());
                        if must || looks_like_date {
                            return Err(match parse_date(&word.text, today) {
                                Err(e) => ParseError::Invalid(e.to_string()),
                                Ok(_) => bad(command, p, &word.text, "it isn't a date."),
                            });
                        }
                        declined = Some((p, i));
                        passed.push((p, i));
                        continue;
                    }
                }
            }
            ParamKind::Invoices => {
                // Every word from here that reads as an invoice number (`1042`, `#1043,`).
                let taken = positional[i..]
                    .iter()
                    .take_while(|w| {
                        !w.quoted && w.text.trim_start_matches('#').starts_with(|c: char| c.is_ascii_digit())
                    })
                    .count();
                if taken == 0 {
                    if must {
                        return Err(bad(command, p, &word.text, "invoice numbers have digits, like 1042 1043."));
                    }
                    declined = Some((p, i));
                    continue;
                }
                let text = rest_of(&positional[i..i + taken]);
                i += taken;
                bind_value(command, p, &text, today, currency)?
            }
            _ => match bind_value(command, p, &word.text, today, currency) {
                Ok(b) => {
                    i += 1;
                    b
                }
                Err(e) if must || is_last => {
                    // The word fitted neither this parameter nor the optional ones before it:
                    // say each (`/ar aging -1`: not a date, a grouping or a basis).
                    let before: Vec<String> = passed
                        .iter()
                        .filter(|(_, at)| *at == i)
                        .map(|(q, _)| format!("{} ({})", q.name, q.expects()))
                        .collect();
                    return Err(if before.is_empty() || must {
                        e
                    } else {
                        ParseError::Invalid(format!(
                            "I couldn't read '{}' as {} or as {} ({}). Try: {}",
                            word.text,
                            before.join(", as "),
                            p.name,
                            p.expects(),
                            command.example
                        ))
                    });
                }
                Err(_) => {
                    declined = Some((p, i));
                    passed.push((p, i));
                    continue;
                }
            },
        };
        values.push((p, bound));
    }
    if i < positional.len() {
        let extra = rest_of(&positional[i..]);
        return Err(ParseError::Bad {
            command: command.invocation(),
            param: "the command".to_string(),
            value: extra,
            why: format!("{} takes {}.", command.invocation(), command.usage()),
            example: command.example.to_string(),
        });
    }
    for p in command.params.iter().filter(|p| p.required) {
        if !values.iter().any(|(q, _)| q.name == p.name) {
            return Err(missing(command, p));
        }
    }
    Ok(Binding { values })
}

/// A name typed before other parameters, and the words it may run over.
#[derive(Debug, Clone)]
struct NameSpan {
    param: &'static Param,
    words: Vec<String>,
}

fn rest_of(words: &[&Token]) -> String {
    words.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ")
}

/// Why a name could not be resolved, and how sure we are that it is the name the person meant.
enum Unresolved {
    /// Several match: the person must pick.
    Several(ParseError),
    /// Nothing matches.
    NoMatch(ParseError),
    /// The ledger could not be read.
    Store(CommandError),
}

/// Looks up the names of a binding in the ledger.
async fn resolve(app: &App, command: &CommandSpec, b: &Binding) -> Result<Args, Unresolved> {
    let mut args = Args::default();
    for (p, bound) in &b.values {
        let value = match bound {
            Bound::Ready(v) => v.clone(),
            Bound::Customer(q) => Value::Customer(resolve_customer(app, q).await?),
            Bound::Job(q) => Value::Job(Box::new(resolve_job(app, q).await?)),
            Bound::Pm { name, declined } => Value::Pm(resolve_pm(app, command, name, *declined).await?),
        };
        args.insert(p.name, value);
    }
    Ok(args)
}

async fn resolve_customer(app: &App, query: &str) -> Result<CustomerRef, Unresolved> {
    let found = find_customer(app.store.as_ref(), query).await.map_err(|e| Unresolved::Store(e.into()))?;
    match found {
        CustomerMatch::One(c) => Ok(c),
        CustomerMatch::Several(list) => {
            Err(Unresolved::Several(ParseError::SeveralCustomers { query: query.to_string(), list }))
        }
        CustomerMatch::NoneFound { suggestions } => {
            if !app.store.any_customers().await.map_err(|e| Unresolved::Store(e.into()))? {
                return Err(Unresolved::NoMatch(ParseError::Invalid(EMPTY_LEDGER.to_string())));
            }
            Err(Unresolved::NoMatch(ParseError::Invalid(no_customer_text(query, &suggestions))))
        }
    }
}

/// "No customer matches 'zzz'. Did you mean …?"
pub fn no_customer_text(query: &str, suggestions: &[CustomerRef]) -> String {
    match suggestions {
        [] => format!(
            "No customer matches '{query}'. Try fewer letters of the name, or /ar aging to see every open account."
        ),
        [one] => format!("No customer matches '{query}'. Did you mean {}?", one.name),
        [init @ .., last] => {
            let names: Vec<&str> = init.iter().map(|c| c.name.as_str()).collect();
            format!("No customer matches '{query}'. Did you mean {} or {}?", names.join(", "), last.name)
        }
    }
}

/// The one job `query` names: the only match, or the one whose whole name it is.
async fn resolve_job(app: &App, query: &str) -> Result<JobWithCustomer, Unresolved> {
    let found = app.store.jobs(Some(query)).await.map_err(|e| Unresolved::Store(e.into()))?;
    match found.as_slice() {
        [] => Err(Unresolved::NoMatch(ParseError::Invalid(format!(
            "No job matches '{query}'. /ar liens lists the jobs with deadlines."
        )))),
        [one] => Ok(one.clone()),
        many => many.iter().find(|j| j.job.name.eq_ignore_ascii_case(query.trim())).cloned().ok_or_else(|| {
            let names: Vec<String> = many.iter().take(10).map(job_label).collect();
            Unresolved::Several(ParseError::Invalid(format!(
                "{} jobs match '{query}': {} — which one? Put the full name in quotes.",
                many.len(),
                names.join(", ")
            )))
        }),
    }
}

/// `Marina Tower (Gulf Coast Builders LLC)`.
pub fn job_label(j: &JobWithCustomer) -> String {
    format!("{} ({})", j.job.name, j.customer_name)
}

/// Numbers people spell out; a word like this typed where days go was meant as days.
const NUMBER_WORDS: &[&str] = &[
    "zero",
    "one",
    "two",
    "three",
    "five",
    "seven",
    "ten",
    "fifteen",
    "twenty",
    "thirty",
    "forty",
    "fortyfive",
    "sixty",
    "ninety",
    "hundred",
    "onehundredtwenty",
];

async fn resolve_pm(
    app: &App,
    command: &CommandSpec,
    name: &str,
    declined: Option<&'static Param>,
) -> Result<String, Unresolved> {
    let pms = app.store.pm_names().await.map_err(|e| Unresolved::Store(e.into()))?;
    let wanted = name.trim_start_matches('@');
    if let Some(pm) = pms.iter().find(|p| p.trim_start_matches('@').eq_ignore_ascii_case(wanted)) {
        return Ok(pm.clone());
    }
    let known = if pms.is_empty() {
        "no account has a PM yet".to_string()
    } else {
        let shown: Vec<&str> = pms.iter().take(12).map(String::as_str).collect();
        let more = if pms.len() > 12 { ", …" } else { "" };
        format!("PMs: {}{more}", shown.join(", "))
    };
    let numeric = wanted.chars().any(|c| c.is_ascii_digit())
        || NUMBER_WORDS.contains(&wanted.to_ascii_lowercase().replace(['-', ' '], "").as_str());
    let text = match declined {
        Some(p) if numeric => format!(
            "I couldn't read '{wanted}' as {} ({}) or as a PM ({known}). Try: {}",
            p.name,
            p.expects(),
            command.example
        ),
        _ => format!("No PM is called '{wanted}' ({known})."),
    };
    Err(Unresolved::NoMatch(ParseError::Invalid(text)))
}

/// What the person is told when reading failed: the sentence, or the pick-list of customers.
#[derive(Debug)]
pub enum Unread {
    /// A mistake the person can fix, with its sentence.
    Mistake(ParseError),
    /// Our failure (the ledger could not be read).
    Internal(CommandError),
}

impl From<ParseError> for Unread {
    fn from(e: ParseError) -> Self {
        Unread::Mistake(e)
    }
}

/// Reads a console line (`/ar customer acme`, `ar aging by job`, or just `kpi`) into an
/// invocation with typed arguments, names looked up in the ledger.
pub async fn read_line(app: &App, line: &str, actor: Actor) -> Result<Invocation, Unread> {
    let (command, words) = head(line)?;
    allowed(command, &actor)?;
    let (today, currency) = (app.today(), app.config.currency);
    let mut name = None;
    let first = bind(command, &words, today, currency, None, &mut name);
    let mut tried = vec![first];
    if let Some(span) = &name {
        for n in (1..span.words.len()).rev() {
            tried.push(bind(command, &words, today, currency, Some(n), &mut None));
        }
    }
    let bindings: Vec<Binding> = tried.iter().filter_map(|t| t.as_ref().ok()).cloned().collect();
    if !bindings.is_empty() {
        return read_bindings(app, command, bindings, actor, Surface::Console).await;
    }
    // Nothing read: the mistake to report is the one after the name the person meant, if some run
    // of words names exactly one customer or job; else the first.
    if let Some(span) = &name {
        for (n, result) in (1..=span.words.len()).rev().zip(&tried) {
            let Err(e) = result else { continue };
            let text = span.words[..n].join(" ");
            let one = match span.param.kind {
                ParamKind::Customer => resolve_customer(app, &text).await.is_ok(),
                ParamKind::Job => resolve_job(app, &text).await.is_ok(),
                _ => false,
            };
            if one {
                return Err(e.clone().into());
            }
        }
    }
    match tried.into_iter().next() {
        Some(Err(e)) => Err(e.into()),
        _ => Err(ParseError::Empty.into()),
    }
}

/// The first binding whose names all resolve; else the most useful reason none did.
async fn read_bindings(
    app: &App,
    command: &'static CommandSpec,
    bindings: Vec<Binding>,
    actor: Actor,
    surface: Surface,
) -> Result<Invocation, Unread> {
    let mut several = None;
    let mut no_match = None;
    for b in &bindings {
        match resolve(app, command, b).await {
            Ok(args) => return Ok(Invocation { command, args, actor, surface, key: None }),
            Err(Unresolved::Store(e)) => return Err(Unread::Internal(e)),
            // The longest name that matched several is the most telling. Only `/ar customer`
            // answers with a pick-list (its buttons show a customer); elsewhere, ask for the name.
            Err(Unresolved::Several(e)) => {
                several.get_or_insert(match e {
                    e @ ParseError::SeveralCustomers { .. } if command.name != "customer" => {
                        ParseError::Invalid(format!("{e} Put the full name in quotes."))
                    }
                    e => e,
                });
            }
            // Of names that matched nothing, the shortest (the first word or so) is what to
            // correct.
            Err(Unresolved::NoMatch(e)) => no_match = Some(e),
        }
    }
    Err(Unread::Mistake(several.or(no_match).unwrap_or(ParseError::Empty)))
}

/// Reads named values, as a chat with typed options sends them (Discord), the same way as typed
/// words: a date must be a date, a choice one of its options, a customer a customer.
pub async fn read_options(
    app: &App,
    command: &'static CommandSpec,
    values: &[(String, String)],
    actor: Actor,
) -> Result<Invocation, Unread> {
    allowed(command, &actor)?;
    let (today, currency) = (app.today(), app.config.currency);
    let mut bound = Vec::new();
    for p in command.params {
        let value = values.iter().find(|(k, _)| k == p.name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
        match value {
            Some(v) => bound.push((p, bind_value(command, p, v, today, currency)?)),
            None if p.required => return Err(missing(command, p).into()),
            None => {}
        }
    }
    read_bindings(app, command, vec![Binding { values: bound }], actor, Surface::Chat).await
}

/// Refuses, before anything is looked up, a person whose roles do not allow the command (a name
/// that matches nothing would otherwise tell them which names exist).
fn allowed(command: &CommandSpec, actor: &Actor) -> Result<(), ParseError> {
    actor.check(command.permission, &command.invocation()).map_err(ParseError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    impl PartialEq for Value {
        fn eq(&self, other: &Self) -> bool {
            format!("{self:?}") == format!("{other:?}")
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn parse(line: &str) -> Result<(&'static CommandSpec, Binding), ParseError> {
        let (c, words) = head(line)?;
        bind(c, &words, today(), Currency::USD, None, &mut None).map(|b| (c, b))
    }

    fn value<'a>(b: &'a Binding, name: &str) -> Option<&'a Bound> {
        b.values.iter().find(|(p, _)| p.name == name).map(|(_, v)| v)
    }

    #[test]
    fn tokenizes_quotes() {
        assert_eq!(tokenize(r#"customer "Gulf Coast"  x"#), ["customer", "Gulf Coast", "x"]);
        assert_eq!(tokenize("  "), Vec::<String>::new());
        assert_eq!(tokenize("note O'Brien"), ["note", "O'Brien"]);
        assert!(tokens(r#"escalate "old oak" x"#)[1].quoted);
    }

    #[test]
    fn parses_chat_lines() {
        let (c, b) = parse("/ar customer gulf coast").unwrap();
        assert_eq!(c.name, "customer");
        assert_eq!(value(&b, "name"), Some(&Bound::Customer("gulf coast".into())));
        let (_, b) = parse("ar overdue dana").unwrap();
        assert_eq!(value(&b, "min-days"), None);
        assert!(
            matches!(value(&b, "pm"), Some(Bound::Pm { name, declined: Some(p) }) if name == "dana" && p.name == "min-days")
        );
        let (_, b) = parse("overdue 60 dana").unwrap();
        assert_eq!(value(&b, "min-days"), Some(&Bound::Ready(Value::Days(60))));
        let (_, b) = parse("/ar aging Oct 31 by job").unwrap();
        assert_eq!(
            value(&b, "as-of"),
            Some(&Bound::Ready(Value::Date(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap())))
        );
        assert_eq!(value(&b, "by"), Some(&Bound::Ready(Value::Choice("job"))));
        let (_, b) = parse("/ar aging by:pm").unwrap();
        assert_eq!(value(&b, "by"), Some(&Bound::Ready(Value::Choice("pm"))));
        let (c, _) = parse("/AR KPI").unwrap();
        assert_eq!(c.name, "kpi");
    }

    #[test]
    fn amounts_read_as_people_type_them() {
        static AMOUNT: Param =
            Param { name: "amount", kind: ParamKind::Amount, required: true, help: "how much", keyword: None };
        let c = spec("customer").unwrap();
        let read = |t: &str| bind_value(c, &AMOUNT, t, today(), Currency::USD);
        assert_eq!(read("$12,500").unwrap(), Bound::Ready(Value::Amount(Money::usd(1_250_000))));
        assert_eq!(read("40k").unwrap(), Bound::Ready(Value::Amount(Money::usd(4_000_000))));
        assert!(read("1,2.3").unwrap_err().to_string().contains("couldn't read '1,2.3' as an amount"));
    }

    #[test]
    fn days_read_as_people_write_them() {
        assert_eq!(parse_days("90+"), Some(90));
        assert_eq!(parse_days("30d"), Some(30));
        assert_eq!(parse_days("60 days"), Some(60));
        assert_eq!(parse_days("sixty"), None);
        assert_eq!(parse_days("-1"), None);
        let (_, b) = parse("/ar overdue 90+").unwrap();
        assert_eq!(value(&b, "min-days"), Some(&Bound::Ready(Value::Days(90))));
        assert_eq!(value(&b, "pm"), None);
    }

    #[test]
    fn a_name_before_other_parameters_spans_words_up_to_a_keyword() {
        let (c, words) = head("/ar escalate old oak they stopped answering").unwrap();
        let mut name = None;
        let b = bind(c, &words, today(), Currency::USD, None, &mut name).unwrap();
        assert_eq!(name.map(|n| n.words.len()), Some(5));
        assert_eq!(value(&b, "customer"), Some(&Bound::Customer("old oak they stopped answering".into())));
        let b = bind(c, &words, today(), Currency::USD, Some(2), &mut None).unwrap();
        assert_eq!(value(&b, "customer"), Some(&Bound::Customer("old oak".into())));
        assert_eq!(value(&b, "reason"), Some(&Bound::Ready(Value::Text("they stopped answering".into()))));
        // Quotes say where the name ends.
        let (_, b) = parse(r#"/ar escalate "old oak" they stopped answering"#).unwrap();
        assert_eq!(value(&b, "customer"), Some(&Bound::Customer("old oak".into())));
        // `set` ends a job's name.
        let (_, b) = parse("/ar job marina tower set last-furnished Nov 20").unwrap();
        assert_eq!(value(&b, "name"), Some(&Bound::Job("marina tower".into())));
        assert_eq!(value(&b, "fact"), Some(&Bound::Ready(Value::Choice("last_furnished"))));
        assert_eq!(value(&b, "value"), Some(&Bound::Ready(Value::Text("Nov 20".into()))));
        // A notice's job runs up to the words that read as its kind and date.
        let (c, words) = head("/ar notice marina tower nto 2026-11-20 9407").unwrap();
        assert!(bind(c, &words, today(), Currency::USD, None, &mut None).is_err());
        let b = bind(c, &words, today(), Currency::USD, Some(2), &mut None).unwrap();
        assert_eq!(value(&b, "job"), Some(&Bound::Job("marina tower".into())));
        assert_eq!(value(&b, "kind"), Some(&Bound::Ready(Value::Notice("notice_to_owner"))));
        assert_eq!(value(&b, "tracking"), Some(&Bound::Ready(Value::Text("9407".into()))));
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
        let e = parse("/ar job marina set colour blue").unwrap_err().to_string();
        assert!(e.contains("'colour' isn't a job fact I know") && e.contains("last_furnished"), "{e}");
        let e = parse("/ar liens abc").unwrap_err().to_string();
        assert!(e.contains("'abc' for days") && e.contains("number of days"), "{e}");
        let e = parse("/ar aging -1").unwrap_err().to_string();
        assert!(e.contains("'-1' as as-of (a date") && e.contains(", as by (one of customer, job, pm)"), "{e}");
        assert!(e.contains("or as basis (one of due_date, invoice_date)"), "{e}");
        let e = parse("/ar aging by:region").unwrap_err().to_string();
        assert!(e.contains("'region' for by") && e.contains("customer, job, pm"), "{e}");
        let e = parse("/ar help notices").unwrap_err().to_string();
        assert!(e.contains("There is no command 'notices'"), "{e}");
        let long = format!("/ar customer {}", "x".repeat(600));
        let e = parse(&long).unwrap_err().to_string();
        assert!(e.contains("at most 500"), "{e}");
    }
}
