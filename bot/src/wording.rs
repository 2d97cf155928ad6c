//! Small phrases every answer shares, so the same thing always reads the same way.

/// `45 days past due` / `due today` / `due in 3 days`.
pub fn days_phrase(days_past_due: i64) -> String {
    match days_past_due {
        0 => "due today".to_string(),
        1 => "1 day past due".to_string(),
        d if d > 1 => format!("{d} days past due"),
        -1 => "due tomorrow".to_string(),
        d => format!("due in {} days", -d),
    }
}

/// `@dana`: how a PM reads in chat.
pub fn at(name: &str) -> String {
    if name.starts_with('@') { name.to_string() } else { format!("@{name}") }
}

/// `today`, `1 day`, `12 days`.
pub fn days_left(n: i64) -> String {
    match n {
        0 => "today".to_string(),
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    }
}

/// `1 invoice`, `3 invoices`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases() {
        assert_eq!(days_phrase(45), "45 days past due");
        assert_eq!(days_phrase(0), "due today");
        assert_eq!(days_phrase(-3), "due in 3 days");
        assert_eq!(at("dana"), "@dana");
        assert_eq!(days_left(1), "1 day");
        assert_eq!(count(1, "invoice", "invoices"), "1 invoice");
        assert_eq!(count(2, "invoice", "invoices"), "2 invoices");
    }
}
