//! Amounts as vendors send them: JSON numbers (`150.0`, `25`, `362.07`, `1.23456789`, `1E+3`),
//! read from the number's own text as a [`Decimal`], never through `f64`.
//!
//! Rule for more decimals than the currency has (QuickBooks allows up to 8 on some amounts):
//! round half to even at the currency's minor unit, as bankers and most accounting systems do, so
//! `10.005` USD is 1000 cents and `10.015` is 1002. Amounts are kept in the document's currency.

use std::fmt;

use arbot_core::Currency;
use rust_decimal::{Decimal, Error as DecimalError, RoundingStrategy};
use serde::de::{Deserialize, Deserializer, Error as _};
use serde_json::value::RawValue;

/// Why a number's text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("'{0}' is not a number")]
    NotANumber(String),
    #[error("'{0}' is too large to be an amount")]
    TooLarge(String),
}

/// The text of a JSON number, as the vendor sent it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Num(String);

impl Num {
    /// A number from its text (for tests and for vendors that send amounts as strings).
    pub fn from_text(text: &str) -> Num {
        Num(text.trim().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The amount in minor units of `currency` (cents for USD), rounded half to even.
    pub fn minor(&self, currency: Currency) -> Result<i64, AmountError> {
        minor_units(&self.0, currency.minor_digits())
    }
}

impl fmt::Debug for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Num({})", self.0)
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        let raw: Box<RawValue> = Deserialize::deserialize(d)?;
        let text = raw.get().trim();
        if text.starts_with('"') || text == "null" || text == "true" || text == "false" {
            return Err(D::Error::custom(format!("expected an amount (a JSON number), found {text}")));
        }
        Ok(Num(text.to_string()))
    }
}

/// `text` (a JSON number) in units of 10^-`digits`, rounded half to even.
pub fn minor_units(text: &str, digits: u32) -> Result<i64, AmountError> {
    let bad = || AmountError::NotANumber(text.to_string());
    let too_large = || AmountError::TooLarge(text.to_string());
    let s = text.trim();
    // JSON's number grammar (no `+5`, `.5`, `5.`, `1,000`, `NaN`), which `Decimal` is laxer about.
    serde_json::from_str::<serde_json::Number>(s).map_err(|_| bad())?;
    let exact = if s.contains(['e', 'E']) {
        Decimal::from_scientific(s)
    } else {
        // More decimals than a Decimal holds (28) are rounded to 28 first.
        Decimal::from_str_exact(s).or_else(|_| s.parse::<Decimal>())
    };
    let value = exact.map_err(|e| match e {
        DecimalError::ExceedsMaximumPossibleValue | DecimalError::LessThanMinimumPossibleValue => too_large(),
        DecimalError::ScaleExceedsMaximumPrecision(_) if !s.contains("e-") && !s.contains("E-") => too_large(),
        _ => bad(),
    })?;
    let minor = value.checked_mul(Decimal::from(10i64.pow(digits))).ok_or_else(too_large)?;
    i64::try_from(minor.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven)).map_err(|_| too_large())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn cents(s: &str) -> i64 {
        minor_units(s, 2).unwrap()
    }

    #[test]
    fn reads_the_shapes_vendors_send() {
        assert_eq!(cents("150.0"), 15_000);
        assert_eq!(cents("25"), 2_500);
        assert_eq!(cents("362.07"), 36_207);
        assert_eq!(cents("0.1"), 10);
        assert_eq!(cents("-5.5"), -550);
        assert_eq!(cents("0"), 0);
        assert_eq!(cents("1E+3"), 100_000);
        assert_eq!(cents("1.5e2"), 15_000);
        assert_eq!(cents("12345e-2"), 12_345);
        assert_eq!(cents("99999999999.99"), 9_999_999_999_999);
        // 0.1 + 0.2 style values stay exact.
        assert_eq!(cents("0.3"), 30);
        assert_eq!(cents("1234567.89"), 123_456_789);
    }

    #[test]
    fn more_decimals_round_half_to_even() {
        assert_eq!(cents("1.23456789"), 123);
        assert_eq!(cents("10.005"), 1_000);
        assert_eq!(cents("10.015"), 1_002);
        assert_eq!(cents("10.0051"), 1_001);
        assert_eq!(cents("-10.005"), -1_000);
        assert_eq!(cents("-10.0151"), -1_002);
        assert_eq!(cents("0.00000001"), 0);
        assert_eq!(minor_units("1.2345", 3).unwrap(), 1_234);
        assert_eq!(minor_units("1.2355", 3).unwrap(), 1_236);
        assert_eq!(minor_units("1500.6", 0).unwrap(), 1_501);
        assert_eq!(cents("5e-3"), 0);
        assert_eq!(cents("15E-3"), 2);
        // More decimals than a Decimal holds.
        assert_eq!(cents("0.1249999999999999999999999999999"), 12);
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        for bad in ["", "-", ".5", "5.", "1,000.00", "abc", "1e", "NaN", "+5", "1.2.3", "1e99999"] {
            assert!(minor_units(bad, 2).is_err(), "{bad:?}");
        }
        assert_eq!(minor_units("1e40", 2), Err(AmountError::TooLarge("1e40".into())));
        assert!(minor_units("92233720368547758.08", 2).is_err());
        assert_eq!(minor_units("92233720368547758.07", 2), Ok(i64::MAX));
        assert!(minor_units("{}", 2).is_err() && minor_units("[1]", 2).is_err() && minor_units("1_000", 2).is_err());
    }

    #[test]
    fn deserializes_from_the_raw_number_text() {
        #[derive(serde::Deserialize)]
        struct T {
            a: Num,
            b: Option<Num>,
        }
        let t: T = serde_json::from_str(r#"{"a": 0.30000000000000004, "b": null}"#).unwrap();
        assert_eq!(t.a.as_str(), "0.30000000000000004");
        assert_eq!(t.a.minor(Currency::USD).unwrap(), 30);
        assert!(t.b.is_none());
        assert!(serde_json::from_str::<T>(r#"{"a": "12.00"}"#).is_err());
    }
}
