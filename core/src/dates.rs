//! Dates as people type them in chat, and as they read best back.

use chrono::{Datelike, Days, Months, NaiveDate};

/// Why a piece of text is not a date; the text says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("I couldn't read '{0}' as a date. Try 2026-11-30, 11/30/2026 or Nov 30.")]
    Malformed(String),
    #[error("{shown} isn't a date. Did you mean {before} or {after}?")]
    NoSuchDay { shown: String, before: String, after: String },
    #[error("{shown} is outside the years arbot works with ({from} to {to}). Check the year.")]
    OutOfRange { shown: String, from: i32, to: i32 },
}

/// The first year a date typed into arbot may have: older records are not receivables anyone
/// still chases, and an earlier year is a typo (`0000-01-01`).
pub const FIRST_YEAR: i32 = 1990;
/// How many years past today a typed date may run (a lien enforcement deadline a few years out is
/// real; `9999-12-31` is not).
pub const YEARS_AHEAD: i32 = 10;

/// The years a date may have, seen from `today`.
pub fn plausible_years(today: NaiveDate) -> std::ops::RangeInclusive<i32> {
    FIRST_YEAR..=today.year() + YEARS_AHEAD
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

pub(crate) fn month_from_name(s: &str) -> Option<u32> {
    let s = s.trim_end_matches('.').to_ascii_lowercase();
    if s.len() < 3 {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    MONTHS
        .iter()
        .zip(full)
        .position(|(short, long)| s == *short || long.starts_with(&s) || (s == "sept" && *short == "sep"))
        .map(|i| i as u32 + 1)
}

/// Parses `2026-11-30`, `11/30/2026`, `11/30/26`, `11/30`, `Nov 30`, `Nov 30, 2026`, `30 Nov 2026`,
/// `today`, `yesterday`, `tomorrow`. A date without a year is the one of that day's occurrences
/// (last year, this year, next year) nearest to `today`: `Jan 4` typed on Dec 28 is next week, not
/// last January, and `Dec 20` typed on Jan 3 is last month.
pub fn parse_date(input: &str, today: NaiveDate) -> Result<NaiveDate, DateError> {
    let raw = input.trim();
    let malformed = || DateError::Malformed(raw.to_string());
    match raw.to_ascii_lowercase().as_str() {
        "today" => return Ok(today),
        "yesterday" => return today.checked_sub_days(Days::new(1)).ok_or_else(malformed),
        "tomorrow" => return today.checked_add_days(Days::new(1)).ok_or_else(malformed),
        _ => {}
    }
    let (y, m, d, year_given) = if let Some(parts) = split_numeric(raw, '-') {
        match parts.as_slice() {
            [y, m, d] if y.len() == 4 => (num(y)?, num(m)?, num(d)?, true),
            _ => return Err(malformed()),
        }
    } else if let Some(parts) = split_numeric(raw, '/') {
        match parts.as_slice() {
            [m, d] => (today.year(), num(m)?, num(d)?, false),
            [m, d, y] if y.len() == 4 => (num(y)?, num(m)?, num(d)?, true),
            [m, d, y] if y.len() == 2 => (2000 + num(y)?, num(m)?, num(d)?, true),
            _ => return Err(malformed()),
        }
    } else {
        let words: Vec<&str> = raw.split([' ', ',']).filter(|w| !w.is_empty()).collect();
        let (month, day, year) = match words.as_slice() {
            [mo, d] if month_from_name(mo).is_some() => (month_from_name(mo), *d, None),
            [d, mo] if month_from_name(mo).is_some() => (month_from_name(mo), *d, None),
            [mo, d, y] if month_from_name(mo).is_some() => (month_from_name(mo), *d, Some(*y)),
            [d, mo, y] if month_from_name(mo).is_some() => (month_from_name(mo), *d, Some(*y)),
            _ => return Err(malformed()),
        };
        let day = day.trim_end_matches(|c: char| c.is_ascii_alphabetic()); // 30th
        let month = month.ok_or_else(malformed)? as i32;
        match year {
            Some(y) if y.len() == 4 => (num(y)?, month, num(day)?, true),
            Some(_) => return Err(malformed()),
            None => (today.year(), month, num(day)?, false),
        }
    };
    let (m, d) = (u32::try_from(m).map_err(|_| malformed())?, u32::try_from(d).map_err(|_| malformed())?);
    if !(1..=12).contains(&m) || d == 0 || d > 31 {
        return Err(malformed());
    }
    let date = if year_given {
        NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| no_such_day(y, m, d, year_given))?
    } else {
        nearest_occurrence(m, d, today).ok_or_else(|| no_such_day(y, m, d, year_given))?
    };
    let y = date.year();
    let years = plausible_years(today);
    if !years.contains(&y) {
        return Err(DateError::OutOfRange { shown: raw.to_string(), from: *years.start(), to: *years.end() });
    }
    Ok(date)
}

/// The day `m/d` nearest to `today` among last year's, this year's and next year's (ties go
/// forward); `None` when none of them exists (`Feb 29` far from a leap year).
fn nearest_occurrence(m: u32, d: u32, today: NaiveDate) -> Option<NaiveDate> {
    [today.year(), today.year() + 1, today.year() - 1]
        .into_iter()
        .filter_map(|y| NaiveDate::from_ymd_opt(y, m, d))
        .min_by_key(|day| (day.signed_duration_since(today).num_days().abs(), *day < today))
}

fn split_numeric(s: &str, sep: char) -> Option<Vec<&str>> {
    let parts: Vec<&str> = s.split(sep).collect();
    (parts.len() >= 2 && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))).then_some(parts)
}

fn num(s: &str) -> Result<i32, DateError> {
    s.parse().map_err(|_| DateError::Malformed(s.to_string()))
}

fn no_such_day(y: i32, m: u32, d: u32, year_given: bool) -> DateError {
    // The last day of the month and the first of the next: the two things a person meant.
    let first = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default();
    let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
    let last = next.pred_opt().unwrap_or(first);
    let shown = if year_given {
        format!("{} {d}, {y}", MONTHS[(m - 1) as usize].to_uppercase_first())
    } else {
        format!("{} {d}", MONTHS[(m - 1) as usize].to_uppercase_first())
    };
    DateError::NoSuchDay { shown, before: short_date(last), after: short_date(next) }
}

trait UpperFirst {
    fn to_uppercase_first(&self) -> String;
}

impl UpperFirst for &str {
    fn to_uppercase_first(&self) -> String {
        let mut c = self.chars();
        c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
    }
}

/// `Nov 30`: how chat shows a date near today.
pub fn short_date(d: NaiveDate) -> String {
    d.format("%b %-d").to_string()
}

/// `Mon Nov 30`: with the weekday, for deadlines and promises.
pub fn weekday_date(d: NaiveDate) -> String {
    d.format("%a %b %-d").to_string()
}

/// `Nov 30, 2026`: when the year matters.
pub fn long_date(d: NaiveDate) -> String {
    d.format("%b %-d, %Y").to_string()
}

/// "sample" → "Sample": a word at the start of a sentence.
pub fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `1st`, `2nd`, `11th`, `23rd`: a day of the month.
pub fn ordinal_number(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn p(s: &str) -> Result<NaiveDate, DateError> {
        parse_date(s, today())
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn years_outside_a_business_window_are_refused() {
        for typo in ["0000-01-01", "9999-12-31", "1989-12-31", "2037-01-01", "Mar 15 99999"] {
            let e = p(typo);
            assert!(matches!(e, Err(DateError::OutOfRange { .. }) | Err(DateError::Malformed(_))), "{typo}: {e:?}");
        }
        assert_eq!(
            p("0000-01-01").unwrap_err().to_string(),
            "0000-01-01 is outside the years arbot works with (1990 to 2036). Check the year."
        );
        assert_eq!(p("1990-01-01"), Ok(ymd(1990, 1, 1)));
        assert_eq!(p("2036-12-31"), Ok(ymd(2036, 12, 31)));
    }

    #[test]
    fn reads_common_forms() {
        assert_eq!(p("2026-11-30"), Ok(ymd(2026, 11, 30)));
        assert_eq!(p("11/30/2026"), Ok(ymd(2026, 11, 30)));
        assert_eq!(p("11/30/26"), Ok(ymd(2026, 11, 30)));
        assert_eq!(p("11/30"), Ok(ymd(2026, 11, 30)));
        assert_eq!(p("Nov 30"), Ok(ymd(2026, 11, 30)));
        assert_eq!(p("november 30th"), Ok(ymd(2026, 11, 30)));
        assert_eq!(p("Nov 30, 2026"), Ok(ymd(2026, 11, 30)));
        assert_eq!(p("30 Nov 2026"), Ok(ymd(2026, 11, 30)));
        assert_eq!(p("Sept 3"), Ok(ymd(2026, 9, 3)));
        assert_eq!(p("today"), Ok(today()));
        assert_eq!(p("Yesterday"), Ok(ymd(2026, 11, 21)));
        assert_eq!(p("2028-02-29"), Ok(ymd(2028, 2, 29)));
    }

    #[test]
    fn a_day_without_a_year_is_the_nearest_one() {
        // Typed in late December, early January means next month, not last January.
        let dec28 = ymd(2026, 12, 28);
        assert_eq!(parse_date("Jan 4", dec28), Ok(ymd(2027, 1, 4)));
        assert_eq!(parse_date("1/4", dec28), Ok(ymd(2027, 1, 4)));
        assert_eq!(parse_date("Dec 20", dec28), Ok(ymd(2026, 12, 20)));
        // Typed in early January, last December is last month.
        let jan3 = ymd(2027, 1, 3);
        assert_eq!(parse_date("Dec 20", jan3), Ok(ymd(2026, 12, 20)));
        assert_eq!(parse_date("Jan 15", jan3), Ok(ymd(2027, 1, 15)));
        // Feb 29 without a year is the leap day nearest: 2028's, seen from late 2027.
        assert_eq!(parse_date("Feb 29", ymd(2027, 12, 1)), Ok(ymd(2028, 2, 29)));
        assert_eq!(
            parse_date("Feb 29", ymd(2026, 8, 1)).unwrap_err().to_string(),
            "Feb 29 isn't a date. Did you mean Feb 28 or Mar 1?"
        );
        // A year typed is kept, even when it is far away.
        assert_eq!(parse_date("Jan 4 2026", dec28), Ok(ymd(2026, 1, 4)));
    }

    #[test]
    fn impossible_days_suggest_neighbours() {
        assert_eq!(p("Nov 31").unwrap_err().to_string(), "Nov 31 isn't a date. Did you mean Nov 30 or Dec 1?");
        assert_eq!(
            p("2027-02-29").unwrap_err().to_string(),
            "Feb 29, 2027 isn't a date. Did you mean Feb 28 or Mar 1?"
        );
    }

    #[test]
    fn garbage_is_refused() {
        for bad in ["", "soon", "13/01/2026", "2026-13-01", "1/2/3/4", "Nov", "Nov 0", "26-11-30"] {
            assert!(matches!(p(bad), Err(DateError::Malformed(_))), "{bad:?} -> {:?}", p(bad));
        }
    }

    #[test]
    fn formats() {
        assert_eq!(short_date(ymd(2026, 11, 3)), "Nov 3");
        assert_eq!(weekday_date(ymd(2026, 11, 30)), "Mon Nov 30");
        assert_eq!(long_date(ymd(2026, 11, 30)), "Nov 30, 2026");
    }
}
