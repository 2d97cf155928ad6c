//! Letters to customers: a demand for payment, a final notice and a notice of intent to lien,
//! drafted as PDF for a person to review and mail, and how each went (certified mail with its
//! tracking number, first-class mail, email, by hand or by courier). A letter is kept as it was
//! drawn; recording how it went logs a `letter` note on the account.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::money::Money;

/// The kinds of letter, as typed in chat.
pub const LETTER_WORDS: &[&str] = &["demand", "final", "lien"];

/// How a letter can go, as typed in chat.
pub const SENT_WORDS: &[&str] = &["certified", "mail", "email", "hand", "courier"];

/// Which letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterKind {
    /// A firm, courteous demand for what is past due, with a date to pay by.
    Demand,
    /// The last letter before the remedies the contract and the law allow.
    Final,
    /// Notice that a claim of lien will be recorded on a job unless it is paid (the job's lien
    /// deadline and the state's rule come from the lien engine).
    IntentToLien,
}

impl LetterKind {
    pub const ALL: [LetterKind; 3] = [LetterKind::Demand, LetterKind::Final, LetterKind::IntentToLien];

    /// `demand`, `final`, `lien`: the word typed in chat and stored.
    pub fn word(self) -> &'static str {
        match self {
            LetterKind::Demand => "demand",
            LetterKind::Final => "final",
            LetterKind::IntentToLien => "lien",
        }
    }

    pub fn parse(word: &str) -> Option<LetterKind> {
        let w = word.trim().to_ascii_lowercase();
        match w.as_str() {
            "demand" => Some(LetterKind::Demand),
            "final" | "final_notice" | "final-notice" => Some(LetterKind::Final),
            "lien" | "intent" | "intent_to_lien" | "intent-to-lien" | "noi" => Some(LetterKind::IntentToLien),
            _ => None,
        }
    }

    /// "Demand for payment", "Final notice", "Notice of intent to lien".
    pub fn title(self) -> &'static str {
        match self {
            LetterKind::Demand => "Demand for payment",
            LetterKind::Final => "Final notice",
            LetterKind::IntentToLien => "Notice of intent to lien",
        }
    }

    /// Lower-case, for the middle of a sentence: "demand letter", "final notice".
    pub fn noun(self) -> &'static str {
        match self {
            LetterKind::Demand => "demand letter",
            LetterKind::Final => "final notice",
            LetterKind::IntentToLien => "notice of intent to lien",
        }
    }
}

/// How a letter went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SentHow {
    Certified,
    Mail,
    Email,
    Hand,
    Courier,
}

impl SentHow {
    pub fn word(self) -> &'static str {
        match self {
            SentHow::Certified => "certified",
            SentHow::Mail => "mail",
            SentHow::Email => "email",
            SentHow::Hand => "hand",
            SentHow::Courier => "courier",
        }
    }

    pub fn parse(word: &str) -> Option<SentHow> {
        match word.trim().to_ascii_lowercase().as_str() {
            "certified" | "certified_mail" | "certified-mail" => Some(SentHow::Certified),
            "mail" | "first_class" | "first-class" | "usps" => Some(SentHow::Mail),
            "email" | "e-mail" => Some(SentHow::Email),
            "hand" | "hand_delivered" | "hand-delivered" | "delivered" => Some(SentHow::Hand),
            "courier" | "ups" | "fedex" => Some(SentHow::Courier),
            _ => None,
        }
    }

    /// "by certified mail", for a sentence.
    pub fn phrase(self) -> &'static str {
        match self {
            SentHow::Certified => "by certified mail",
            SentHow::Mail => "by first-class mail",
            SentHow::Email => "by email",
            SentHow::Hand => "by hand",
            SentHow::Courier => "by courier",
        }
    }

    /// Whether a tracking number is needed to record it.
    pub fn needs_tracking(self) -> bool {
        matches!(self, SentHow::Certified | SentHow::Courier)
    }
}

/// A tracking number as it should be kept: certified mail's USPS number (20 to 22 digits, or
/// two letters, nine digits and `US`), spaces and dashes taken out; a courier's as typed, at
/// least eight letters and digits. `None` for a way that has none and was given none.
pub fn check_tracking(how: SentHow, typed: Option<&str>) -> Result<Option<String>, String> {
    let typed = typed.map(str::trim).filter(|t| !t.is_empty());
    let Some(typed) = typed else {
        return if how.needs_tracking() {
            Err(match how {
                SentHow::Certified => "Certified mail has a tracking number (on the green label, 20 to 22 digits); \
                                       add it after `certified`"
                    .to_string(),
                _ => "Give the courier's tracking number after `courier`".to_string(),
            })
        } else {
            Ok(None)
        };
    };
    let compact: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    match how {
        SentHow::Certified => {
            let digits = compact.chars().all(|c| c.is_ascii_digit()) && (20..=22).contains(&compact.len());
            let upper = compact.to_ascii_uppercase();
            let b = upper.as_bytes();
            let international = b.len() == 13
                && b[..2].iter().all(u8::is_ascii_alphabetic)
                && b[2..11].iter().all(u8::is_ascii_digit)
                && &b[11..] == b"US";
            if digits || international {
                Ok(Some(upper))
            } else {
                Err(format!(
                    "'{typed}' is not a USPS certified mail number: those are 20 to 22 digits (9407 1118 9876 5432 1098 \
                     76) or like RA123456789US"
                ))
            }
        }
        SentHow::Courier => {
            if compact.chars().filter(char::is_ascii_alphanumeric).count() >= 8 {
                Ok(Some(typed.to_string()))
            } else {
                Err(format!("'{typed}' is too short for a tracking number"))
            }
        }
        _ => Ok(Some(typed.to_string())),
    }
}

/// A letter as it is drafted.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLetter {
    pub customer_id: i64,
    pub job_id: Option<i64>,
    pub kind: LetterKind,
    pub drafted_on: NaiveDate,
    /// What the letter asks for.
    pub amount: Money,
    /// The day it asks payment by.
    pub pay_by: NaiveDate,
    /// A notice of intent to lien: the last day to record the claim of lien.
    pub lien_due: Option<NaiveDate>,
    /// Its RE: line.
    pub subject: String,
    pub file_name: String,
    pub pdf: Vec<u8>,
    pub drafted_by: String,
    pub drafted_at: DateTime<Utc>,
}

/// A letter as stored (without its PDF; [`crate::store::MailStore::letter_pdf`] reads that).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Letter {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub job_id: Option<i64>,
    pub job_name: Option<String>,
    pub kind: LetterKind,
    pub drafted_on: NaiveDate,
    pub amount: Money,
    pub pay_by: NaiveDate,
    pub lien_due: Option<NaiveDate>,
    pub subject: String,
    pub file_name: String,
    pub drafted_by: String,
    pub sent: Option<Sent>,
}

/// How and when a letter went, and who said so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sent {
    pub on: NaiveDate,
    pub how: SentHow,
    pub tracking: Option<String>,
    pub by: String,
}

impl Sent {
    /// "by certified mail on Dec 3, 2026 (tracking 9407…)".
    pub fn describe(&self) -> String {
        let tracking = self.tracking.as_deref().map(|t| format!(" (tracking {t})")).unwrap_or_default();
        format!("{} on {}{tracking}", self.how.phrase(), crate::dates::long_date(self.on))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_ways_read_back_from_their_words() {
        for k in LetterKind::ALL {
            assert_eq!(LetterKind::parse(k.word()), Some(k));
        }
        assert_eq!(LETTER_WORDS, LetterKind::ALL.map(LetterKind::word));
        for w in SENT_WORDS {
            assert_eq!(SentHow::parse(w).map(SentHow::word), Some(*w));
        }
        assert_eq!(LetterKind::parse("intent-to-lien"), Some(LetterKind::IntentToLien));
        assert_eq!(LetterKind::parse("nasty"), None);
    }

    #[test]
    fn certified_mail_needs_a_usps_number() {
        assert_eq!(
            check_tracking(SentHow::Certified, Some("9407 1118 9876 5432 1098 76")),
            Ok(Some("9407111898765432109876".to_string()))
        );
        assert_eq!(check_tracking(SentHow::Certified, Some("ra123456789us")), Ok(Some("RA123456789US".to_string())));
        assert!(check_tracking(SentHow::Certified, None).unwrap_err().contains("tracking number"));
        assert!(check_tracking(SentHow::Certified, Some("12345")).unwrap_err().contains("not a USPS"));
        assert!(check_tracking(SentHow::Certified, Some("9407 1118 9876 5432 1098 7X")).is_err());
        assert_eq!(check_tracking(SentHow::Mail, None), Ok(None));
        assert_eq!(check_tracking(SentHow::Courier, Some("1Z999AA10123456784")), Ok(Some("1Z999AA10123456784".into())));
        assert!(check_tracking(SentHow::Courier, Some("1Z9")).is_err());
        assert!(check_tracking(SentHow::Courier, None).is_err());
    }
}
