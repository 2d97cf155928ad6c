//! "Today" is a date in the business's time zone, and it comes from a clock that is passed in,
//! so tests and the demo can pin it.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// Where the current date and time come from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
    /// The business's time zone.
    fn tz(&self) -> Tz;
    /// Today's date in the business's time zone.
    fn today(&self) -> NaiveDate {
        self.now().with_timezone(&self.tz()).date_naive()
    }
}

/// The wall clock, read in the business's time zone.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    pub tz: Tz,
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn tz(&self) -> Tz {
        self.tz
    }
}

/// A clock pinned to a date (tests, the demo, `--today`): the time of day still moves, the date
/// does not.
#[derive(Debug, Clone, Copy)]
pub struct PinnedClock {
    pub today: NaiveDate,
    pub tz: Tz,
}

impl Clock for PinnedClock {
    fn now(&self) -> DateTime<Utc> {
        let time = Utc::now().with_timezone(&self.tz).time();
        self.today
            .and_time(time)
            .and_local_timezone(self.tz)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(Utc::now)
    }
    fn tz(&self) -> Tz {
        self.tz
    }
    fn today(&self) -> NaiveDate {
        self.today
    }
}

/// A clock that stands still until it is moved: for tests of scheduled work (a digest due at
/// 08:00, a restart that spans it) without waiting for real time to pass.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: std::sync::Arc<std::sync::Mutex<DateTime<Utc>>>,
    tz: Tz,
}

impl ManualClock {
    pub fn new(now: DateTime<Utc>, tz: Tz) -> ManualClock {
        ManualClock { now: std::sync::Arc::new(std::sync::Mutex::new(now)), tz }
    }

    /// Moves the clock to `now` (every clone sees it).
    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = now;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut guard = self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
    fn tz(&self) -> Tz {
        self.tz
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_clock_reports_its_date() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let clock = PinnedClock { today, tz: chrono_tz::America::New_York };
        assert_eq!(clock.today(), today);
        assert_eq!(clock.now().with_timezone(&clock.tz).date_naive(), today);
    }

    #[test]
    fn today_is_in_the_business_time_zone() {
        // 03:00 UTC on Nov 23 is still Nov 22 in Los Angeles.
        #[derive(Debug)]
        struct At(DateTime<Utc>);
        impl Clock for At {
            fn now(&self) -> DateTime<Utc> {
                self.0
            }
            fn tz(&self) -> Tz {
                chrono_tz::America::Los_Angeles
            }
        }
        let at = At("2026-11-23T03:00:00Z".parse().unwrap());
        assert_eq!(at.today(), NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
    }
}
