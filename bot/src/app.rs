//! What every command handler and adapter shares: the store, the clock, the configuration and
//! the configured sources.

use std::sync::Arc;

use arbot_core::source::Source;
use arbot_core::store::Store;
use arbot_core::{Clock, Money};
use chrono::NaiveDate;

use crate::config::Config;

#[derive(Debug, Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    pub sources: Vec<Arc<dyn Source>>,
}

impl App {
    /// Today in the business's time zone.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// How promises are judged: the configured grace days, in the business's time zone.
    pub fn promise_rules(&self) -> arbot_core::collections::PromiseRules {
        arbot_core::collections::PromiseRules {
            grace_days: self.config.collections.promise_grace_days,
            tz: self.config.time_zone,
        }
    }

    /// The day of the first scheduled digest on or after `day` (`day` itself when the digest
    /// schedule fires on no day within a year).
    pub fn digest_day(&self, day: NaiveDate) -> NaiveDate {
        self.config.schedule.digest.first_day_from(day, self.config.time_zone).unwrap_or(day)
    }

    /// An amount in the business currency.
    pub fn money(&self, minor: i64) -> Money {
        Money::new(minor, self.config.currency)
    }
}
