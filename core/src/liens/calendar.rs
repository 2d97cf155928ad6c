//! Business days per state: weekends, statutory holidays (with each state's observed-day rule),
//! extra closure dates, and rolling a deadline off a day the office is closed.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;

/// How far a roll may look for an open day before giving up (a safety bound, never reached with
/// real calendars).
pub(crate) const MAX_ROLL_DAYS: usize = 60;

/// A weekend day a state's counting rule skips.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WeekendDay {
    Sat,
    Sun,
}

impl WeekendDay {
    fn weekday(self) -> Weekday {
        match self {
            WeekendDay::Sat => Weekday::Sat,
            WeekendDay::Sun => Weekday::Sun,
        }
    }
}

/// A holiday a state statute names. Each state's file lists the ones its statute uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Holiday {
    NewYearsDay,
    MlkDay,
    LincolnsBirthday,
    WashingtonsBirthday,
    CasimirPulaskiDay,
    CesarChavezDay,
    /// The third Monday in April (Massachusetts).
    PatriotsDay,
    GoodFriday,
    /// May 8 (Missouri).
    TrumanDay,
    /// May 10 (South Carolina).
    ConfederateMemorialDay,
    MemorialDay,
    /// June 14 (Pennsylvania).
    FlagDay,
    Juneteenth,
    /// Juneteenth kept on the third Friday in June (New Jersey).
    JuneteenthThirdFriday,
    IndependenceDay,
    /// July 24 (Utah).
    PioneerDay,
    LaborDay,
    NativeAmericanDay,
    CabriniDay,
    ColumbusDay,
    /// The last Friday in October (Nevada).
    NevadaDay,
    /// Every year's general election day (New York holds one each November).
    ElectionDay,
    /// General election day in even years only (Illinois).
    ElectionDayEvenYears,
    VeteransDay,
    ThanksgivingDay,
    DayAfterThanksgiving,
    /// December 24 (South Carolina).
    ChristmasEve,
    ChristmasDay,
    /// December 26 (South Carolina).
    DayAfterChristmas,
}

impl Holiday {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Holiday::NewYearsDay => "New Year's Day",
            Holiday::MlkDay => "Martin Luther King Jr. Day",
            Holiday::LincolnsBirthday => "Lincoln's Birthday",
            Holiday::WashingtonsBirthday => "Washington's Birthday (Presidents' Day)",
            Holiday::CasimirPulaskiDay => "Casimir Pulaski Day",
            Holiday::CesarChavezDay => "Cesar Chavez Day",
            Holiday::PatriotsDay => "Patriots' Day",
            Holiday::GoodFriday => "Good Friday",
            Holiday::TrumanDay => "Truman Day",
            Holiday::ConfederateMemorialDay => "Confederate Memorial Day",
            Holiday::MemorialDay => "Memorial Day",
            Holiday::FlagDay => "Flag Day",
            Holiday::Juneteenth | Holiday::JuneteenthThirdFriday => "Juneteenth",
            Holiday::IndependenceDay => "Independence Day",
            Holiday::PioneerDay => "Pioneer Day",
            Holiday::LaborDay => "Labor Day",
            Holiday::NativeAmericanDay => "Native American Day",
            Holiday::CabriniDay => "Frances Xavier Cabrini Day",
            Holiday::ColumbusDay => "Columbus Day",
            Holiday::NevadaDay => "Nevada Day",
            Holiday::ElectionDay | Holiday::ElectionDayEvenYears => "Election Day",
            Holiday::VeteransDay => "Veterans Day",
            Holiday::ThanksgivingDay => "Thanksgiving Day",
            Holiday::DayAfterThanksgiving => "the Friday after Thanksgiving",
            Holiday::ChristmasEve => "Christmas Eve",
            Holiday::ChristmasDay => "Christmas Day",
            Holiday::DayAfterChristmas => "the day after Christmas",
        }
    }

    /// The holiday's own date in `year` (before any observed-day shift); `None` when it does not
    /// occur that year.
    fn date(self, year: i32) -> Option<NaiveDate> {
        use Weekday::{Fri, Mon, Thu};
        let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day);
        let nth = |month, weekday, n| NaiveDate::from_weekday_of_month_opt(year, month, weekday, n);
        match self {
            Holiday::NewYearsDay => fixed(1, 1),
            Holiday::MlkDay => nth(1, Mon, 3),
            Holiday::LincolnsBirthday => fixed(2, 12),
            Holiday::WashingtonsBirthday => nth(2, Mon, 3),
            Holiday::CasimirPulaskiDay => nth(3, Mon, 1),
            Holiday::CesarChavezDay => fixed(3, 31),
            Holiday::PatriotsDay => nth(4, Mon, 3),
            Holiday::GoodFriday => easter_sunday(year).and_then(|d| d.checked_sub_days(Days::new(2))),
            Holiday::TrumanDay => fixed(5, 8),
            Holiday::ConfederateMemorialDay => fixed(5, 10),
            Holiday::MemorialDay => last_weekday_of_month(year, 5, Mon),
            Holiday::FlagDay => fixed(6, 14),
            Holiday::Juneteenth => fixed(6, 19),
            Holiday::JuneteenthThirdFriday => nth(6, Fri, 3),
            Holiday::IndependenceDay => fixed(7, 4),
            Holiday::PioneerDay => fixed(7, 24),
            Holiday::LaborDay => nth(9, Mon, 1),
            Holiday::NativeAmericanDay => nth(9, Fri, 4),
            Holiday::CabriniDay => nth(10, Mon, 1),
            Holiday::ColumbusDay => nth(10, Mon, 2),
            Holiday::NevadaDay => last_weekday_of_month(year, 10, Fri),
            Holiday::ElectionDay => election_day(year),
            Holiday::ElectionDayEvenYears => election_day(year).filter(|_| year % 2 == 0),
            Holiday::VeteransDay => fixed(11, 11),
            Holiday::ThanksgivingDay => nth(11, Thu, 4),
            Holiday::DayAfterThanksgiving => nth(11, Thu, 4).and_then(|d| d.succ_opt()),
            Holiday::ChristmasEve => fixed(12, 24),
            Holiday::ChristmasDay => fixed(12, 25),
            Holiday::DayAfterChristmas => fixed(12, 26),
        }
    }
}

/// The Tuesday after the first Monday in November.
fn election_day(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, 11, Weekday::Mon, 1).and_then(|d| d.succ_opt())
}

fn last_weekday_of_month(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    (1..=5u8).rev().find_map(|n| NaiveDate::from_weekday_of_month_opt(year, month, weekday, n))
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm).
fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Which day is kept as the holiday when it falls on a weekend, per the state's holiday statute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Observance {
    /// The holiday stays on its date.
    None,
    /// A Sunday holiday is observed the following Monday.
    SundayToMonday,
    /// A Saturday holiday is observed the Friday before, a Sunday holiday the Monday after.
    NearestWeekday,
}

/// A state's calendar as its rules file describes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CalendarSpec {
    /// Weekend days the statute skips when a period ends on them.
    pub weekend: Vec<WeekendDay>,
    /// Days offices are closed although the statute may not extend a deadline past them (the
    /// Saturday question in Washington): a deadline that would land there moves back to the last
    /// open day before it.
    #[serde(default)]
    pub closed_not_extended: Vec<WeekendDay>,
    pub holidays: Vec<Holiday>,
    pub observed: Observance,
    pub holiday_citation: String,
    /// Said on deadlines when an extra closure date falls inside the period (Florida tolls
    /// periods during emergency clerk closures; the engine does not extend for that).
    pub closure_note: Option<String>,
    /// The weekend/holiday rule in force, by the unadjusted due date (Florida changed its rule on
    /// 2023-10-01, Texas in 2025).
    pub rollover: Vec<RolloverPeriod>,
}

/// What happens to a deadline that lands on a day the office is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Direction {
    /// Extended to the next business day.
    NextBusinessDay,
    /// Practitioners disagree whether it moves, and some say act the business day before: use that
    /// (conservative).
    PreviousBusinessDay,
    /// Whether it moves is unsettled: keep the unadjusted date (conservative) and say what a roll
    /// would give.
    Unsettled,
    /// Never moves (a status date, a look-back, a date counted back from an event).
    #[serde(rename = "none")]
    Never,
}

/// One version of a state's weekend/holiday rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RolloverPeriod {
    /// First unadjusted due date this version covers (inclusive); open-ended when absent.
    pub from: Option<NaiveDate>,
    /// First unadjusted due date it no longer covers (exclusive); open-ended when absent.
    pub until: Option<NaiveDate>,
    pub direction: Direction,
    pub citation: String,
}

impl RolloverPeriod {
    pub(crate) fn covers(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|from| date >= from) && self.until.is_none_or(|until| date < until)
    }
}

/// Why a day is not a business day, for notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Closed {
    Weekend(Weekday),
    Holiday { name: &'static str, observed: bool },
    Closure,
}

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Closed::Weekend(day) => write!(f, "a {}", weekday_name(*day)),
            Closed::Holiday { name, observed: false } => f.write_str(name),
            Closed::Holiday { name, observed: true } => write!(f, "{name} (observed)"),
            Closed::Closure => f.write_str("an office closure date"),
        }
    }
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// A state's calendar plus the extra closure dates the caller passed in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Calendar<'a> {
    spec: &'a CalendarSpec,
    closures: &'a [NaiveDate],
}

impl<'a> Calendar<'a> {
    pub(crate) fn new(spec: &'a CalendarSpec, closures: &'a [NaiveDate]) -> Calendar<'a> {
        Calendar { spec, closures }
    }

    /// The holidays observed in `year`, by observed date, sorted.
    pub(crate) fn holidays_in(&self, year: i32) -> Vec<(NaiveDate, Closed)> {
        // A New Year's Day on a Saturday is observed on December 31 of the year before.
        let mut days: Vec<(NaiveDate, Closed)> = [year, year + 1]
            .into_iter()
            .flat_map(|y| self.spec.holidays.iter().filter_map(move |h| Some((h, h.date(y)?))))
            .map(|(holiday, date)| {
                let observed = self.observed_date(date);
                (observed, Closed::Holiday { name: holiday.name(), observed: observed != date })
            })
            .filter(|(date, _)| date.year() == year)
            .collect();
        days.sort_by_key(|(date, _)| *date);
        days
    }

    fn observed_date(&self, date: NaiveDate) -> NaiveDate {
        let shifted = match (self.spec.observed, date.weekday()) {
            (Observance::NearestWeekday, Weekday::Sat) => date.pred_opt(),
            (Observance::NearestWeekday | Observance::SundayToMonday, Weekday::Sun) => date.succ_opt(),
            _ => None,
        };
        shifted.unwrap_or(date)
    }

    /// Why the office is closed on `date`, or `None` on a business day.
    pub(crate) fn closed(&self, date: NaiveDate) -> Option<Closed> {
        let weekday = date.weekday();
        let weekend = self.spec.weekend.iter().chain(&self.spec.closed_not_extended).any(|d| d.weekday() == weekday);
        if weekend {
            return Some(Closed::Weekend(weekday));
        }
        // The same answer as looking `date` up in `holidays_in(date.year())`, without building and
        // sorting the year's list for every day a deadline is rolled across.
        let year = date.year();
        let holiday = [year, year + 1]
            .into_iter()
            .flat_map(|y| self.spec.holidays.iter().filter_map(move |h| Some((h, h.date(y)?))))
            .find_map(|(holiday, day)| {
                let observed = self.observed_date(day);
                (observed == date).then(|| Closed::Holiday { name: holiday.name(), observed: observed != day })
            });
        if holiday.is_some() {
            return holiday;
        }
        self.closures.contains(&date).then_some(Closed::Closure)
    }

    pub(crate) fn is_business_day(&self, date: NaiveDate) -> bool {
        self.closed(date).is_none()
    }

    /// A day the statute skips when a period ends on it.
    fn is_skipped(&self, date: NaiveDate) -> bool {
        match self.closed(date) {
            Some(Closed::Weekend(day)) => self.spec.weekend.iter().any(|d| d.weekday() == day),
            Some(_) => true,
            None => false,
        }
    }

    fn lands_on_closed_not_extended(&self, date: NaiveDate) -> bool {
        self.spec.closed_not_extended.iter().any(|d| d.weekday() == date.weekday())
    }

    /// The first business day on or after `date`. Where the statute may not extend past a closed
    /// day (see [`CalendarSpec::closed_not_extended`]), the last business day on or before `date`.
    pub(crate) fn next_business_day(&self, date: NaiveDate) -> NaiveDate {
        let rolled = date.iter_days().take(MAX_ROLL_DAYS).find(|d| !self.is_skipped(*d)).unwrap_or(date);
        if self.lands_on_closed_not_extended(rolled) { self.previous_business_day(date) } else { rolled }
    }

    /// The last business day on or before `date`.
    pub(crate) fn previous_business_day(&self, date: NaiveDate) -> NaiveDate {
        date.iter_days().rev().take(MAX_ROLL_DAYS).find(|d| self.is_business_day(*d)).unwrap_or(date)
    }

    /// The `n`th business day after `date`.
    pub(crate) fn add_business_days(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let n = usize::try_from(n).ok()?;
        date.iter_days().skip(1).filter(|d| self.is_business_day(*d)).nth(n.checked_sub(1)?)
    }

    pub(crate) fn spec(&self) -> &CalendarSpec {
        self.spec
    }

    pub(crate) fn closures(&self) -> &[NaiveDate] {
        self.closures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn easter_matches_known_years() {
        assert_eq!(easter_sunday(2024), Some(ymd(2024, 3, 31)));
        assert_eq!(easter_sunday(2025), Some(ymd(2025, 4, 20)));
        assert_eq!(easter_sunday(2026), Some(ymd(2026, 4, 5)));
        assert_eq!(easter_sunday(2027), Some(ymd(2027, 3, 28)));
    }

    #[test]
    fn floating_holidays_land_on_the_right_days() {
        assert_eq!(Holiday::MlkDay.date(2026), Some(ymd(2026, 1, 19)));
        assert_eq!(Holiday::WashingtonsBirthday.date(2027), Some(ymd(2027, 2, 15)));
        assert_eq!(Holiday::MemorialDay.date(2026), Some(ymd(2026, 5, 25)));
        assert_eq!(Holiday::ThanksgivingDay.date(2026), Some(ymd(2026, 11, 26)));
        assert_eq!(Holiday::DayAfterThanksgiving.date(2026), Some(ymd(2026, 11, 27)));
        assert_eq!(Holiday::NativeAmericanDay.date(2026), Some(ymd(2026, 9, 25)));
        assert_eq!(Holiday::CabriniDay.date(2026), Some(ymd(2026, 10, 5)));
        assert_eq!(Holiday::ElectionDay.date(2026), Some(ymd(2026, 11, 3)));
        assert_eq!(Holiday::ElectionDayEvenYears.date(2027), None);
        assert_eq!(Holiday::GoodFriday.date(2026), Some(ymd(2026, 4, 3)));
        assert_eq!(Holiday::FlagDay.date(2027), Some(ymd(2027, 6, 14)));
        assert_eq!(Holiday::NevadaDay.date(2026), Some(ymd(2026, 10, 30)));
        assert_eq!(Holiday::PatriotsDay.date(2027), Some(ymd(2027, 4, 19)));
        assert_eq!(Holiday::PatriotsDay.date(2026), Some(ymd(2026, 4, 20)));
        assert_eq!(Holiday::PioneerDay.date(2027), Some(ymd(2027, 7, 24)));
        assert_eq!(Holiday::TrumanDay.date(2028), Some(ymd(2028, 5, 8)));
        assert_eq!(Holiday::JuneteenthThirdFriday.date(2026), Some(ymd(2026, 6, 19)));
        assert_eq!(Holiday::JuneteenthThirdFriday.date(2027), Some(ymd(2027, 6, 18)));
    }
}
