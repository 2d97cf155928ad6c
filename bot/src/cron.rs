//! `Cron`: a schedule as people write it in `arbot.toml` (`"0 8 * * Mon-Fri"`), parsed once when
//! the configuration loads, so the scheduler never parses a string again.

use std::fmt;
use std::str::FromStr;

use anyhow::{anyhow, bail};
use cron::Schedule;

/// A parsed cron expression, with the text it was written as (for messages).
#[derive(Clone)]
pub struct Cron {
    text: String,
    schedule: Schedule,
}

impl Cron {
    /// Five fields (minute hour day month weekday, weekdays 0-6 from Sunday or names) or the
    /// six/seven-field form with seconds.
    pub fn parse(expr: &str) -> anyhow::Result<Cron> {
        Ok(Cron { text: expr.trim().to_string(), schedule: parse_cron(expr)? })
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first day, on or after `day`, on which the schedule fires in `tz` (the digest of a
    /// Saturday is Monday's, on the default weekday schedule); `None` if not within a year.
    pub fn first_day_from(&self, day: chrono::NaiveDate, tz: chrono_tz::Tz) -> Option<chrono::NaiveDate> {
        use chrono::TimeZone;
        let midnight = tz.from_local_datetime(&day.and_hms_opt(0, 0, 0)?).earliest()?;
        let next = self.schedule.after(&(midnight - chrono::Duration::seconds(1))).next()?.date_naive();
        (next <= day + chrono::Days::new(366)).then_some(next)
    }
}

impl PartialEq for Cron {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Cron {}

impl fmt::Debug for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cron({:?})", self.text)
    }
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses a cron expression as people write them: five fields (minute hour day month weekday,
/// weekdays 0-6 from Sunday or names) or the six/seven-field form with seconds.
fn parse_cron(expr: &str) -> anyhow::Result<Schedule> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let full = match fields.len() {
        // crontab numbers weekdays 0-6 from Sunday; the cron crate 1-7. Names mean the same to both.
        5 => format!("0 {} {} {} {} {}", fields[0], fields[1], fields[2], fields[3], weekday_names(fields[4])?),
        6 | 7 => fields.join(" "),
        _ => bail!(
            "'{expr}' isn't a schedule: write minute hour day month weekday, like \"0 8 * * Mon-Fri\" (08:00 on weekdays)"
        ),
    };
    Schedule::from_str(&full).map_err(|e| {
        anyhow!("'{expr}' isn't a schedule ({e}): write minute hour day month weekday, like \"0 8 * * Mon-Fri\"")
    })
}

/// Rewrites crontab weekday numbers (0 or 7 = Sunday) as names.
fn weekday_names(field: &str) -> anyhow::Result<String> {
    const NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    let day = |s: &str| -> anyhow::Result<String> {
        match s.parse::<usize>() {
            Ok(n) if n <= 7 => Ok(NAMES[n % 7].to_string()),
            Ok(n) => bail!("weekday {n} is out of range (0-6, Sunday = 0)"),
            Err(_) => Ok(s.to_string()),
        }
    };
    let mut parts = Vec::new();
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (part, None),
        };
        let range = match range.split_once('-') {
            Some((a, b)) => format!("{}-{}", day(a)?, day(b)?),
            None => day(range)?,
        };
        parts.push(match step {
            Some(s) => format!("{range}/{s}"),
            None => range,
        });
    }
    Ok(parts.join(","))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_first_digest_day_from_a_weekend_is_monday() {
        let weekdays = super::Cron::parse("0 8 * * Mon-Fri").unwrap();
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let tz = chrono_tz::America::New_York;
        assert_eq!(weekdays.first_day_from(d("2026-12-05"), tz), Some(d("2026-12-07")), "Saturday → Monday");
        assert_eq!(weekdays.first_day_from(d("2026-12-04"), tz), Some(d("2026-12-04")), "a Friday is its own");
    }

    use super::*;

    #[test]
    fn crontab_and_names_parse_and_nonsense_does_not() {
        assert!(Cron::parse("0 8 * * 0").is_ok());
        assert!(Cron::parse("0 8 * * Mon-Fri").is_ok());
        assert_eq!(Cron::parse(" 0 8 * * 1-5 ").unwrap().as_str(), "0 8 * * 1-5");
        let e = Cron::parse("every morning").unwrap_err().to_string();
        assert!(e.contains("isn't a schedule"), "{e}");
        let e = Cron::parse("0 8 * * 9").unwrap_err().to_string();
        assert!(e.contains("out of range"), "{e}");
    }
}
