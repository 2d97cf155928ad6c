//! The words people type for the notices and claims they record (`nto`, `prelim`, `lien`), and
//! the deadline kinds they stand for.

/// Deadline kinds a notice can be recorded as, with the words people type for them; the first
/// word is the one arbot shows.
const NOTICE_KINDS: &[(&str, &[&str])] = &[
    ("notice_to_owner", &["nto", "notice_to_owner", "notice_to_contractor", "ntc"]),
    ("preliminary_notice", &["prelim", "preliminary", "preliminary_notice"]),
    ("monthly_notice", &["monthly", "monthly_notice"]),
    ("notice_of_nonpayment", &["nonpayment", "notice_of_nonpayment", "nonpay"]),
    ("claim_of_lien", &["lien", "claim", "claim_of_lien", "lien_affidavit", "affidavit"]),
    ("lien_service", &["service", "lien_service"]),
    ("notice_of_intent", &["noi", "intent", "notice_of_intent"]),
    ("stop_payment_notice", &["stop", "stop_payment", "stop_payment_notice"]),
    ("final_payment_affidavit", &["final_affidavit", "final_payment_affidavit"]),
];

/// The deadline kind a typed word names (`NTO`, `notice-to-owner` → `notice_to_owner`).
pub fn notice_kind(word: &str) -> Option<&'static str> {
    let word = word.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    NOTICE_KINDS.iter().find(|(_, words)| words.contains(&word.as_str())).map(|(kind, _)| *kind)
}

/// The word arbot shows for a deadline kind (`nto` for `notice_to_owner`).
pub fn notice_word(kind: &str) -> Option<&'static str> {
    NOTICE_KINDS.iter().find(|(k, _)| *k == kind).map(|(_, words)| words[0])
}

/// The words arbot shows, one per kind, in the order people meet them on a job.
pub fn notice_words() -> Vec<&'static str> {
    NOTICE_KINDS.iter().map(|(_, words)| words[0]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_name_kinds_both_ways() {
        assert_eq!(notice_kind("NTO"), Some("notice_to_owner"));
        assert_eq!(notice_kind("notice-to-owner"), Some("notice_to_owner"));
        assert_eq!(notice_kind("final_affidavit"), Some("final_payment_affidavit"));
        assert_eq!(notice_kind("colour"), None);
        assert_eq!(notice_word("claim_of_lien"), Some("lien"));
        assert!(notice_words().contains(&"stop") && notice_words().contains(&"final_affidavit"));
        for w in NOTICE_KINDS.iter().flat_map(|(_, words)| words.iter()) {
            assert!(notice_kind(w).is_some(), "{w}");
        }
    }
}
