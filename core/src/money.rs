//! Money as integer minor units plus an ISO 4217 currency. Never `f64`.
//!
//! [`Money::parse`] reads what people type in chat (`12500`, `12,500.00`, `$12,500`, `40k`) and
//! refuses what a person probably did not mean (`1,2.3`, more decimals than the currency has).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code, stored as three upper-case ASCII letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");

    /// Parses a three-letter code, case-insensitively.
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        let bytes = code.trim().as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(MoneyError::Currency(code.to_string()));
        }
        let mut out = [0u8; 3];
        for (o, b) in out.iter_mut().zip(bytes) {
            *o = b.to_ascii_uppercase();
        }
        Ok(Currency(out))
    }

    pub fn code(&self) -> &str {
        // Invariant: constructed only from ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// How many decimal places the currency's minor unit has.
    pub fn minor_digits(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"CLP" | b"ISK" | b"VND" | b"XOF" | b"XAF" | b"UGX" | b"PYG" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" | b"IQD" | b"LYD" => 3,
            _ => 2,
        }
    }

    /// The symbol written before an amount (`$`, `CA$`, `€`), or `None` when the code is
    /// written after it.
    pub fn symbol(&self) -> Option<&'static str> {
        match &self.0 {
            // Only the US dollar is a bare "$": a Canadian balance beside a US one must not read
            // as dollars of the same kind.
            b"USD" => Some("$"),
            b"CAD" => Some("CA$"),
            b"AUD" => Some("A$"),
            b"NZD" => Some("NZ$"),
            b"MXN" => Some("MX$"),
            b"EUR" => Some("€"),
            b"GBP" => Some("£"),
            _ => None,
        }
    }

    /// Minor units in one major unit (100 for cents).
    pub fn scale(&self) -> i64 {
        10i64.pow(self.minor_digits())
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::USD
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount of money: integer minor units (cents) of one currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

/// Why a piece of text is not an amount. The `Display` text is written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("I couldn't read '{0}' as an amount. Try 1200.30 or $1,200.30.")]
    Malformed(String),
    #[error("'{input}' has more decimals than {currency} has ({digits}). Try {example}.")]
    TooManyDecimals { input: String, currency: Currency, digits: u32, example: String },
    #[error("'{0}' is negative; give the amount without a minus sign.")]
    Negative(String),
    #[error("'{0}' is too large to be an amount.")]
    TooLarge(String),
    #[error("'{0}' is not a currency code (try USD, CAD, EUR).")]
    Currency(String),
}

impl Money {
    pub const fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub const fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::USD)
    }

    pub const fn zero(currency: Currency) -> Money {
        Money::new(0, currency)
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    /// Parses a non-negative amount as a person types it. See the module docs.
    pub fn parse(input: &str, currency: Currency) -> Result<Money, MoneyError> {
        let m = Money::parse_signed(input, currency)?;
        if m.minor < 0 {
            return Err(MoneyError::Negative(input.trim().to_string()));
        }
        Ok(m)
    }

    /// Like [`Money::parse`], but accepts a leading minus sign or accounting parentheses.
    pub fn parse_signed(input: &str, currency: Currency) -> Result<Money, MoneyError> {
        let raw = input.trim();
        let malformed = || MoneyError::Malformed(raw.to_string());
        let mut s = raw;
        let mut negative = false;
        if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            negative = true;
            s = inner.trim();
        }
        if let Some(rest) = s.strip_prefix('-') {
            negative = !negative;
            s = rest.trim_start();
        } else if let Some(rest) = s.strip_suffix('-') {
            // Accountants' trailing minus: "1,200.00-".
            negative = !negative;
            s = rest.trim_end();
        }
        // An optional currency code or symbol in front or behind; the currency's own symbol as
        // arbot writes it ("CA$1,200.00") reads back too.
        for prefix in currency.symbol().into_iter().chain(["$", "€", "£"]) {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest.trim_start();
                break;
            }
        }
        if let (Some(head), Some(tail)) = (s.get(..3), s.get(3..))
            && head.eq_ignore_ascii_case(currency.code())
            && tail.starts_with([' ', '$'])
        {
            s = tail.trim_start().trim_start_matches('$');
        }
        if let Some(head) = s.len().checked_sub(3).and_then(|n| s.get(..n))
            && s[head.len()..].eq_ignore_ascii_case(currency.code())
        {
            s = head.trim_end();
        }
        if !negative && let Some(rest) = s.strip_prefix('-') {
            negative = true;
            s = rest;
        }
        // A k/m suffix, as in "40k" or "1.2m".
        let mut multiplier: i64 = 1;
        if let Some(rest) = s.strip_suffix(['k', 'K']) {
            multiplier = 1_000;
            s = rest;
        } else if let Some(rest) = s.strip_suffix(['m', 'M']) {
            multiplier = 1_000_000;
            s = rest;
        }
        if s.is_empty() {
            return Err(malformed());
        }
        let (int_part, frac_part) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        if int_part.is_empty() && frac_part.is_none_or(str::is_empty) {
            return Err(malformed());
        }
        // Thousands separators must sit between groups of three digits.
        let digits: String = if int_part.contains(',') {
            let groups: Vec<&str> = int_part.split(',').collect();
            let first_ok = (1..=3).contains(&groups[0].len());
            let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
            if !first_ok || !rest_ok {
                return Err(malformed());
            }
            groups.concat()
        } else {
            int_part.to_string()
        };
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(malformed());
        }
        let frac = frac_part.unwrap_or("");
        if !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(malformed());
        }
        let digits_allowed = currency.minor_digits();
        // With a k/m multiplier, decimals scale up: "1.25k" is 1,250.
        let extra = match multiplier {
            1_000 => 3,
            1_000_000 => 6,
            _ => 0,
        };
        if frac.len() as u32 > digits_allowed + extra {
            let example = Money::parse_signed(
                &format!("{}.{}", if digits.is_empty() { "0" } else { &digits }, &frac[..digits_allowed as usize]),
                currency,
            )
            .map(|m| m.to_plain_string())
            .unwrap_or_else(|_| "1200.30".to_string());
            return Err(MoneyError::TooManyDecimals {
                input: raw.to_string(),
                currency,
                digits: digits_allowed,
                example,
            });
        }
        let too_large = || MoneyError::TooLarge(raw.to_string());
        let whole: i64 = if digits.is_empty() { 0 } else { digits.parse().map_err(|_| too_large())? };
        // Fraction as an integer count of 10^-len units.
        let frac_len = frac.len() as u32;
        let frac_val: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| too_large())? };
        let scale = currency.scale();
        // total minor = (whole + frac/10^len) * multiplier * scale
        let total_scale = (multiplier as i128) * (scale as i128);
        let minor_i128 = (whole as i128) * total_scale + (frac_val as i128) * total_scale / 10i128.pow(frac_len);
        if (frac_val as i128 * total_scale) % 10i128.pow(frac_len) != 0 {
            return Err(malformed());
        }
        let minor = i64::try_from(minor_i128).map_err(|_| too_large())?;
        // Cap far below i64::MAX so sums of many amounts cannot overflow.
        if minor > 1_000_000_000_000_000 {
            return Err(too_large());
        }
        Ok(Money::new(if negative { -minor } else { minor }, currency))
    }

    /// The amount without symbol or separators, as a spreadsheet wants it: `12500.00`.
    pub fn to_plain_string(&self) -> String {
        let digits = self.currency.minor_digits();
        let scale = self.currency.scale();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if digits == 0 {
            return format!("{sign}{abs}");
        }
        format!("{sign}{}.{:0width$}", abs / scale as u64, abs % scale as u64, width = digits as usize)
    }

    /// A short figure for headlines: `$362`, `$42.1k`, `$1.84M`.
    pub fn compact(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let units = self.minor.unsigned_abs() as f64 / self.currency.scale() as f64; // display only
        let (sym, code) = match self.currency.symbol() {
            Some(s) => (s, String::new()),
            None => ("", format!(" {}", self.currency.code())),
        };
        let body = if units >= 999_500.0 {
            format!("{:.2}M", units / 1_000_000.0)
        } else if units >= 1_000.0 {
            format!("{:.1}k", units / 1_000.0)
        } else {
            format!("{units:.0}")
        };
        format!("{sign}{sym}{body}{code}")
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| self.minor.checked_add(other.minor))
            .flatten()
            .map(|minor| Money::new(minor, self.currency))
    }
}

/// Full display with symbol and thousands separators: `$12,500.00`, `-$3.10`, `1,000 JPY`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self.to_plain_string();
        let (sign, unsigned) = match plain.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", plain.as_str()),
        };
        let (int, frac) = match unsigned.split_once('.') {
            Some((i, fr)) => (i, Some(fr)),
            None => (unsigned, None),
        };
        let grouped = group_thousands(int);
        let body = match frac {
            Some(fr) => format!("{grouped}.{fr}"),
            None => grouped,
        };
        let text = match self.currency.symbol() {
            Some(sym) => format!("{sign}{sym}{body}"),
            None => format!("{sign}{body} {}", self.currency.code()),
        };
        f.pad(&text)
    }
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl std::ops::Add for Money {
    type Output = Money;
    /// Panics on a currency mismatch in debug builds: mixing currencies is a programming error.
    fn add(self, rhs: Money) -> Money {
        debug_assert_eq!(self.currency, rhs.currency, "adding different currencies");
        Money::new(self.minor + rhs.minor, self.currency)
    }
}

impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        debug_assert_eq!(self.currency, rhs.currency, "subtracting different currencies");
        Money::new(self.minor - rhs.minor, self.currency)
    }
}

impl std::ops::AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        *self = *self + rhs;
    }
}

impl Serialize for Money {
    /// JSON carries the exact decimal as a string plus the currency, never a float.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Money", 2)?;
        st.serialize_field("amount", &self.to_plain_string())?;
        st.serialize_field("currency", &self.currency)?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usd(s: &str) -> Result<i64, MoneyError> {
        Money::parse(s, Currency::USD).map(|m| m.minor)
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(usd("12500"), Ok(1_250_000));
        assert_eq!(usd("12,500.00"), Ok(1_250_000));
        assert_eq!(usd("$12,500"), Ok(1_250_000));
        assert_eq!(usd(" $ 12,500.5 "), Ok(1_250_050));
        assert_eq!(usd("12500.5"), Ok(1_250_050));
        assert_eq!(usd(".75"), Ok(75));
        assert_eq!(usd("40k"), Ok(4_000_000));
        assert_eq!(usd("1.25K"), Ok(125_000));
        assert_eq!(usd("1.2m"), Ok(120_000_000));
        assert_eq!(usd("USD 1,000"), Ok(100_000));
        assert_eq!(usd("1,000 usd"), Ok(100_000));
        assert_eq!(usd("1,234,567.89"), Ok(123_456_789));
    }

    #[test]
    fn an_amount_as_arbot_writes_it_reads_back_in_its_currency() {
        // Found by the fuzz harness: "CA$1,200.00" was written but not read.
        for code in ["CAD", "AUD", "NZD", "MXN", "EUR", "GBP", "USD", "JPY", "CHF"] {
            let currency = Currency::parse(code).unwrap();
            let m = Money::new(123_456, currency);
            assert_eq!(Money::parse(&m.to_string(), currency), Ok(m), "{m}");
        }
        // Another currency's symbol is not this one's.
        assert!(Money::parse("CA$5", Currency::USD).is_err());
    }

    #[test]
    fn refuses_what_people_did_not_mean() {
        for bad in ["1,2.3", "12,50", "1,2345", "", "$", "abc", "12.3.4", "1 000", "12,", ",500", "k", "1e5"] {
            assert!(matches!(usd(bad), Err(MoneyError::Malformed(_))), "{bad:?} -> {:?}", usd(bad));
        }
        assert!(matches!(usd("-5"), Err(MoneyError::Negative(_))));
        assert!(matches!(usd("(5.00)"), Err(MoneyError::Negative(_))));
        assert!(matches!(usd("1.234"), Err(MoneyError::TooManyDecimals { .. })));
        assert!(matches!(usd("99999999999999999999"), Err(MoneyError::TooLarge(_))));
        assert_eq!(
            usd("1,2.3").unwrap_err().to_string(),
            "I couldn't read '1,2.3' as an amount. Try 1200.30 or $1,200.30."
        );
    }

    #[test]
    fn respects_the_currency_minor_unit() {
        let jpy = Currency::parse("jpy").unwrap();
        assert_eq!(Money::parse("1,500", jpy).unwrap().minor, 1500);
        assert!(Money::parse("1.5", jpy).is_err());
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(Money::parse("1.234", kwd).unwrap().minor, 1234);
        assert_eq!(Money::new(1500, jpy).to_string(), "1,500 JPY");
    }

    #[test]
    fn signed_parsing_accepts_credits() {
        assert_eq!(Money::parse_signed("-500.25", Currency::USD).unwrap().minor, -50_025);
        assert_eq!(Money::parse_signed("($500.25)", Currency::USD).unwrap().minor, -50_025);
        assert_eq!(Money::parse_signed("-$1,000", Currency::USD).unwrap().minor, -100_000);
        assert_eq!(Money::parse_signed("1,200.00-", Currency::USD).unwrap().minor, -120_000);
        assert_eq!(Money::parse_signed("(1,200.00)", Currency::USD).unwrap().minor, -120_000);
        assert!(Money::parse("1,200.00-", Currency::USD).is_err(), "a plain amount is never negative");
    }

    #[test]
    fn displays_with_separators() {
        assert_eq!(Money::usd(3_161_281).to_string(), "$31,612.81");
        assert_eq!(Money::usd(-310).to_string(), "-$3.10");
        assert_eq!(Money::usd(5).to_string(), "$0.05");
        assert_eq!(Money::usd(100_000_000).to_string(), "$1,000,000.00");
        assert_eq!(format!("{:>12}", Money::usd(1_000)), "      $10.00");
        assert_eq!(Money::usd(184_000_000).compact(), "$1.84M");
        assert_eq!(Money::usd(4_210_000).compact(), "$42.1k");
        assert_eq!(Money::usd(36_207).compact(), "$362");
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(minor in 0i64..1_000_000_000_000) {
            let m = Money::usd(minor);
            prop_assert_eq!(Money::parse(&m.to_string(), Currency::USD), Ok(m));
            prop_assert_eq!(Money::parse(&m.to_plain_string(), Currency::USD), Ok(m));
        }

        #[test]
        fn never_panics_on_arbitrary_input(s in "\\PC{0,24}") {
            let _ = Money::parse(&s, Currency::USD);
        }
    }
}
