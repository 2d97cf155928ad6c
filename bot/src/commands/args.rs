//! A command as the handlers receive it: the command, its arguments already read into typed
//! values (a customer from the ledger, a date, a number of days), who asked and where. Handlers
//! never parse text again.

use std::collections::BTreeMap;

use arbot_core::Money;
use arbot_core::audit::{Author, Surface as AuditSurface};
use arbot_core::ledger::{CustomerRef, JobWithCustomer};
use chrono::NaiveDate;

use super::table::CommandSpec;
use crate::roles::Actor;

/// One argument's value, of its parameter's kind.
#[derive(Debug, Clone)]
pub enum Value {
    Customer(CustomerRef),
    Job(Box<JobWithCustomer>),
    /// The number as the ledger keeps it (no `#`).
    Invoice(String),
    /// Several numbers, as the ledger keeps them.
    Invoices(Vec<String>),
    /// The PM's name as the ledger spells it.
    Pm(String),
    Amount(Money),
    Date(NaiveDate),
    Days(u32),
    Count(u32),
    /// The option as the table spells it.
    Choice(&'static str),
    /// The deadline kind (`notice_to_owner`).
    Notice(&'static str),
    Command(&'static CommandSpec),
    Text(String),
}

/// The arguments of one invocation, by parameter name.
#[derive(Debug, Clone, Default)]
pub struct Args(BTreeMap<&'static str, Value>);

impl Args {
    pub fn insert(&mut self, name: &'static str, value: Value) {
        self.0.insert(name, value);
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Every value read, by parameter name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.0.iter().map(|(k, v)| (*k, v))
    }

    pub fn customer(&self, name: &str) -> Option<&CustomerRef> {
        match self.get(name) {
            Some(Value::Customer(c)) => Some(c),
            _ => None,
        }
    }

    pub fn job(&self, name: &str) -> Option<&JobWithCustomer> {
        match self.get(name) {
            Some(Value::Job(j)) => Some(j),
            _ => None,
        }
    }

    pub fn invoice(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Invoice(n)) => Some(n),
            _ => None,
        }
    }

    pub fn invoices(&self, name: &str) -> &[String] {
        match self.get(name) {
            Some(Value::Invoices(n)) => n,
            _ => &[],
        }
    }

    pub fn pm(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Pm(p)) => Some(p),
            _ => None,
        }
    }

    pub fn amount(&self, name: &str) -> Option<Money> {
        match self.get(name) {
            Some(Value::Amount(m)) => Some(*m),
            _ => None,
        }
    }

    pub fn date(&self, name: &str) -> Option<NaiveDate> {
        match self.get(name) {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }
    }

    pub fn days(&self, name: &str) -> Option<u32> {
        match self.get(name) {
            Some(Value::Days(d)) => Some(*d),
            _ => None,
        }
    }

    pub fn count(&self, name: &str) -> Option<u32> {
        match self.get(name) {
            Some(Value::Count(n)) => Some(*n),
            _ => None,
        }
    }

    pub fn choice(&self, name: &str) -> Option<&'static str> {
        match self.get(name) {
            Some(Value::Choice(c)) => Some(c),
            _ => None,
        }
    }

    pub fn notice(&self, name: &str) -> Option<&'static str> {
        match self.get(name) {
            Some(Value::Notice(k)) => Some(k),
            _ => None,
        }
    }

    pub fn command(&self, name: &str) -> Option<&'static CommandSpec> {
        match self.get(name) {
            Some(Value::Command(c)) => Some(c),
            _ => None,
        }
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Text(t)) => Some(t.as_str()).filter(|t| !t.trim().is_empty()),
            _ => None,
        }
    }
}

/// Where a command was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// The terminal chat (`arbot console`, `arbot demo`): one line at a time.
    Console,
    /// A chat with typed options (Discord's `/ar`).
    Chat,
}

/// A command as typed or clicked, with its arguments read.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub command: &'static CommandSpec,
    pub args: Args,
    pub actor: Actor,
    /// Where it was typed, for the few answers that differ (how to leave the console).
    pub surface: Surface,
    /// The request's idempotency key (Discord's interaction id), so a retried interaction
    /// records once; `None` for a typed console line.
    pub key: Option<String>,
}

impl Invocation {
    /// Who is making a change, from where, for the audit trail.
    /// Whether this request (by its idempotency key) already recorded `action`: a retried Discord
    /// interaction, answered as such before any check the first delivery's record would now fail.
    pub async fn already(
        &self,
        store: &dyn arbot_core::store::Store,
        action: &str,
    ) -> Result<bool, arbot_core::StoreError> {
        match &self.key {
            Some(key) => store.recorded(key, action).await,
            None => Ok(false),
        }
    }

    pub fn author(&self) -> Author {
        let surface = match self.surface {
            Surface::Console => AuditSurface::Console,
            Surface::Chat => AuditSurface::Discord,
        };
        Author { id: self.actor.id.clone(), name: self.actor.name.clone(), surface, key: self.key.clone() }
    }
}
