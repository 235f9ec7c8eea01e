//! How dates and codes read on screen. Dates are shown in UTC until users have a time zone
//! preference, so the server and the browser render the same text.

use chrono::{DateTime, NaiveDate, Utc};

/// Text for an element whose content the server writes without escaping: Leptos' server
/// renderer treats `<title>` and `<textarea>` content as raw text, so a value with
/// `</textarea><script>` would become markup. Escaped on the server only: the browser sets
/// such content as text, which needs no escaping.
pub fn raw_text_content(text: String) -> String {
    if cfg!(feature = "ssr") { text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;") } else { text }
}

/// "Nov 22, 2026".
pub fn date(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %Y").to_string()
}

/// A calendar day: "Nov 22, 2026".
pub fn day(on: NaiveDate) -> String {
    on.format("%b %-d, %Y").to_string()
}

/// "Nov 22, 2026, 14:05 UTC".
pub fn date_time(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %Y, %H:%M UTC").to_string()
}

pub fn optional_date(at: Option<DateTime<Utc>>) -> String {
    at.map(date).unwrap_or_else(|| "—".to_owned())
}

/// "1 contact", "3 contacts".
pub fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_read_naturally() {
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 5, 0).unwrap();
        assert_eq!(date(at), "Nov 2, 2026");
        assert_eq!(date_time(at), "Nov 2, 2026, 09:05 UTC");
        assert_eq!(optional_date(None), "—");
        assert_eq!(count(1, "contact", "contacts"), "1 contact");
        assert_eq!(count(0, "contact", "contacts"), "0 contacts");
    }
}
