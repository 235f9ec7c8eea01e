//! Field validation and normalization shared by the server (which always decides) and the
//! browser (which may check early). Pure functions, no I/O.

use std::collections::BTreeMap;

/// Messages keyed by field name, shown next to the field that caused them.
pub type FieldErrors = BTreeMap<String, String>;

pub const NAME_MAX: usize = 200;
pub const SHORT_TEXT_MAX: usize = 120;
pub const NOTES_MAX: usize = 5_000;
pub const TAG_MAX: usize = 40;
pub const TAGS_MAX: usize = 20;
/// One trillion dollars: far above any account, far below `i64::MAX` cents.
pub const MONEY_MAX_CENTS: i64 = 100_000_000_000_000;

/// Collects field errors while normalizing a record's fields, so a form gets every
/// message at once rather than one per submit.
#[derive(Debug, Default)]
pub struct Checker {
    errors: FieldErrors,
}

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `message` for `field` unless the field already has one.
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub fn finish<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.errors.is_empty() { Ok(value) } else { Err(self.errors) }
    }

    /// A required single-line text: trimmed, inner whitespace collapsed.
    pub fn required_line(&mut self, field: &str, label: &str, value: &str, max: usize) -> String {
        let value = collapse_whitespace(value);
        if value.is_empty() {
            self.fail(field, format!("{label} is required."));
        } else {
            self.check_line(field, label, &value, max);
        }
        value
    }

    /// An optional single-line text; blank becomes `None`.
    pub fn optional_line(&mut self, field: &str, label: &str, value: Option<&str>, max: usize) -> Option<String> {
        let value = non_blank(value.map(collapse_whitespace))?;
        self.check_line(field, label, &value, max);
        Some(value)
    }

    /// Optional multi-line text (notes): trimmed, line breaks kept.
    pub fn optional_notes(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = non_blank(value.map(|v| v.trim().replace("\r\n", "\n")))?;
        if value.chars().count() > NOTES_MAX {
            self.fail(field, format!("Notes can be at most {NOTES_MAX} characters."));
        }
        if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            self.fail(field, "Notes contain characters that cannot be stored.");
        }
        Some(value)
    }

    pub fn optional_email(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = non_blank(value.map(|v| v.trim().to_owned()))?;
        match normalize_email(&value) {
            Ok(email) => Some(email),
            Err(message) => {
                self.fail(field, message);
                Some(value)
            }
        }
    }

    pub fn optional_phone(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = non_blank(value.map(|v| v.trim().to_owned()))?;
        match normalize_phone(&value) {
            Ok(phone) => Some(phone),
            Err(message) => {
                self.fail(field, message);
                Some(value)
            }
        }
    }

    pub fn optional_website(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = non_blank(value.map(|v| v.trim().to_owned()))?;
        match normalize_website(&value) {
            Ok(url) => Some(url),
            Err(message) => {
                self.fail(field, message);
                Some(value)
            }
        }
    }

    pub fn tags(&mut self, field: &str, tags: &[String]) -> Vec<String> {
        match normalize_tags(tags) {
            Ok(tags) => tags,
            Err(message) => {
                self.fail(field, message);
                tags.to_vec()
            }
        }
    }

    fn check_line(&mut self, field: &str, label: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.fail(field, format!("{label} can be at most {max} characters."));
        } else if value.chars().any(char::is_control) {
            self.fail(field, format!("{label} contains characters that cannot be stored."));
        }
    }
}

/// Trims and collapses runs of whitespace into one space.
pub fn collapse_whitespace(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// The key names are sorted and searched by: case-folded, whitespace collapsed.
pub fn search_key(value: &str) -> String {
    collapse_whitespace(value).to_lowercase()
}

/// Lower-cases an address and checks its shape (the only proof of an address is a mail
/// that arrives, so this catches typing mistakes, not every invalid address).
pub fn normalize_email(value: &str) -> Result<String, String> {
    let email = value.trim().to_lowercase();
    let invalid = || Err(format!("“{value}” is not an email address (e.g. chef@bistro.com)."));
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid();
    }
    let Some((local, domain)) = email.split_once('@') else { return invalid() };
    let domain_ok = domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    if domain_ok && local_ok { Ok(email) } else { invalid() }
}

/// Normalizes a phone number to E.164 (`+15551234567`), with an optional extension
/// kept as `;ext=12`. Numbers without a country code are taken as North American,
/// where our reps work.
pub fn normalize_phone(value: &str) -> Result<String, String> {
    let lower = value.trim().to_lowercase();
    let (number, extension) = split_extension(&lower);
    let international = number.starts_with('+') || number.starts_with("00");
    let mut digits = String::new();
    for c in number.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' | '+' => {}
            _ => {
                return Err(format!("“{value}” is not a phone number: use digits, spaces, dashes and brackets."));
            }
        }
    }
    if number.trim_start().starts_with("00") {
        digits.drain(..2);
    }
    let e164 = if international {
        if !(8..=15).contains(&digits.len()) {
            return Err(format!("“{value}” has too few or too many digits for a phone number."));
        }
        format!("+{digits}")
    } else {
        match digits.len() {
            10 => format!("+1{digits}"),
            11 if digits.starts_with('1') => format!("+{digits}"),
            0..=9 => {
                return Err(format!("“{value}” is too short: include the area code, e.g. (555) 123-4567."));
            }
            _ => {
                return Err(format!(
                    "“{value}” is too long: start numbers outside North America with + and the country code."
                ));
            }
        }
    };
    Ok(match extension {
        Some(ext) => format!("{e164};ext={ext}"),
        None => e164,
    })
}

/// Splits "555 1234 ext. 12" / "x12" / "#12" into the number and the extension digits.
fn split_extension(value: &str) -> (&str, Option<&str>) {
    for marker in [";ext=", "extension", "ext.", "ext", "x", "#"] {
        if let Some(index) = value.rfind(marker) {
            let ext = value[index + marker.len()..].trim();
            if !ext.is_empty() && ext.len() <= 6 && ext.chars().all(|c| c.is_ascii_digit()) {
                return (&value[..index], Some(ext));
            }
        }
    }
    (value, None)
}

/// Shows a stored phone number the way people write it: `(555) 123-4567` for North
/// American numbers, the E.164 form otherwise.
pub fn format_phone(stored: &str) -> String {
    let (number, ext) = match stored.split_once(";ext=") {
        Some((number, ext)) => (number, Some(ext)),
        None => (stored, None),
    };
    let mut shown = match number.strip_prefix("+1") {
        Some(d) if d.len() == 10 => format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..]),
        _ => number.to_owned(),
    };
    if let Some(ext) = ext {
        shown.push_str(" ext. ");
        shown.push_str(ext);
    }
    shown
}

/// Adds `https://` when no scheme was typed and checks the result looks like a web address.
pub fn normalize_website(value: &str) -> Result<String, String> {
    let trimmed = value.trim();
    let lower = trimmed.to_lowercase();
    let url = if lower.starts_with("http://") || lower.starts_with("https://") {
        trimmed.to_owned()
    } else if lower.contains("://") {
        return Err(format!("“{value}” must be a web address starting with http:// or https://."));
    } else {
        format!("https://{trimmed}")
    };
    let rest = &url[url.find("://").map(|i| i + 3).unwrap_or(0)..];
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_ok = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host.chars().all(|c| c.is_alphanumeric() || "-.:".contains(c));
    if url.len() > 300 || url.chars().any(|c| c.is_whitespace() || c.is_control()) || !host_ok {
        return Err(format!("“{value}” is not a web address (e.g. www.bistro.com)."));
    }
    Ok(url)
}

/// Trims tags, drops blanks and case-insensitive repeats, keeps the first spelling.
pub fn normalize_tags(tags: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = collapse_whitespace(tag);
        if tag.is_empty() || out.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            continue;
        }
        if tag.chars().count() > TAG_MAX {
            return Err(format!("The tag “{tag}” is longer than {TAG_MAX} characters."));
        }
        if tag.chars().any(char::is_control) {
            return Err("Tags contain characters that cannot be stored.".to_owned());
        }
        out.push(tag);
    }
    if out.len() > TAGS_MAX {
        return Err(format!("Use at most {TAGS_MAX} tags."));
    }
    Ok(out)
}

/// Parses an amount typed in dollars ("12,500", "$1,200.50") into cents.
pub fn parse_money(value: &str) -> Result<i64, String> {
    let cleaned: String = value.trim().chars().filter(|c| !matches!(c, '$' | ',' | ' ')).collect();
    let invalid = || Err(format!("“{value}” is not an amount in dollars (e.g. 125000 or 125,000.50)."));
    if cleaned.is_empty() || cleaned.starts_with('-') {
        return if cleaned.starts_with('-') { Err("The amount cannot be negative.".to_owned()) } else { invalid() };
    }
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
    {
        return invalid();
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().or_else(|_| too_large())? };
    let cents: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
    let total = whole.checked_mul(100).and_then(|w| w.checked_add(cents));
    match total {
        Some(total) if total <= MONEY_MAX_CENTS => Ok(total),
        _ => too_large(),
    }
}

fn too_large<T>() -> Result<T, String> {
    Err("The amount is too large.".to_owned())
}

/// Formats cents as dollars for display: `$12,500` or `$12,500.50`.
pub fn format_money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let grouped = group_thousands(cents / 100);
    let fraction = cents % 100;
    if fraction == 0 { format!("{sign}${grouped}") } else { format!("{sign}${grouped}.{fraction:02}") }
}

/// A whole number with thousands separated: 12,345.
pub fn format_count(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", group_thousands(n.unsigned_abs()))
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

/// Shows cents the way the form expects them back (no currency sign, no grouping).
pub fn money_input_value(cents: i64) -> String {
    if cents % 100 == 0 { (cents / 100).to_string() } else { format!("{}.{:02}", cents / 100, cents % 100) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_normalize_to_e164() {
        assert_eq!(normalize_phone("(555) 123-4567").unwrap(), "+15551234567");
        assert_eq!(normalize_phone("555.123.4567").unwrap(), "+15551234567");
        assert_eq!(normalize_phone("1-555-123-4567").unwrap(), "+15551234567");
        assert_eq!(normalize_phone("+44 20 7946 0958").unwrap(), "+442079460958");
        assert_eq!(normalize_phone("0044 20 7946 0958").unwrap(), "+442079460958");
        assert_eq!(normalize_phone("555-123-4567 ext. 89").unwrap(), "+15551234567;ext=89");
        assert_eq!(normalize_phone("555 123 4567 x12").unwrap(), "+15551234567;ext=12");
    }

    #[test]
    fn bad_phones_say_what_is_wrong() {
        assert!(normalize_phone("123-4567").unwrap_err().contains("area code"));
        assert!(normalize_phone("call me").unwrap_err().contains("not a phone number"));
        assert!(normalize_phone("+12").unwrap_err().contains("too few"));
        assert!(normalize_phone("555 123 4567 8901").unwrap_err().contains("too long"));
    }

    #[test]
    fn phones_display_like_people_write_them() {
        assert_eq!(format_phone("+15551234567"), "(555) 123-4567");
        assert_eq!(format_phone("+15551234567;ext=89"), "(555) 123-4567 ext. 89");
        assert_eq!(format_phone("+442079460958"), "+442079460958");
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(normalize_email("  Chef.Mario@Bistro.COM ").unwrap(), "chef.mario@bistro.com");
        for bad in
            ["chef", "chef@bistro", "chef@@bistro.com", "che f@bistro.com", "@bistro.com", "a@-x.com", "a..b@x.com"]
        {
            assert!(normalize_email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn websites_get_a_scheme() {
        assert_eq!(normalize_website("www.bistro.com").unwrap(), "https://www.bistro.com");
        assert_eq!(normalize_website("http://bistro.com/menu").unwrap(), "http://bistro.com/menu");
        assert!(normalize_website("ftp://bistro.com").is_err());
        assert!(normalize_website("not a site").is_err());
        assert!(normalize_website("localhost").is_err());
    }

    #[test]
    fn money_parses_dollars_into_cents() {
        assert_eq!(parse_money("125000"), Ok(12_500_000));
        assert_eq!(parse_money("$1,200.5"), Ok(120_050));
        assert_eq!(parse_money("0.99"), Ok(99));
        assert_eq!(parse_money(".5"), Ok(50));
        assert!(parse_money("-5").unwrap_err().contains("negative"));
        assert!(parse_money("12.345").is_err());
        assert!(parse_money("abc").is_err());
        assert!(parse_money(".").is_err());
        assert!(parse_money("99999999999999999999").unwrap_err().contains("too large"));
    }

    #[test]
    fn money_formats_with_grouping() {
        assert_eq!(format_money(12_500_000), "$125,000");
        assert_eq!(format_money(120_050), "$1,200.50");
        assert_eq!(format_money(99), "$0.99");
        assert_eq!(format_money(-100), "-$1");
        assert_eq!(
            (format_count(0), format_count(999), format_count(1_234_567)),
            ("0".into(), "999".into(), "1,234,567".into())
        );
        assert_eq!(format_count(-12_345), "-12,345");
        assert_eq!(money_input_value(120_050), "1200.50");
        assert_eq!(money_input_value(12_500_000), "125000");
    }

    #[test]
    fn tags_are_trimmed_and_deduplicated() {
        let tags = vec![" Vegan ".into(), "vegan".into(), "".into(), "Gluten  free".into()];
        assert_eq!(normalize_tags(&tags).unwrap(), vec!["Vegan", "Gluten free"]);
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(normalize_tags(&many).is_err());
    }

    #[test]
    fn checker_collects_every_error_once() {
        let mut c = Checker::new();
        let name = c.required_line("name", "Name", "   ", 10);
        c.optional_email("email", Some("nope"));
        c.fail("email", "second message is ignored");
        assert_eq!(name, "");
        let errors = c.finish(()).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors["name"], "Name is required.");
        assert!(errors["email"].contains("not an email"));
    }

    #[test]
    fn lines_are_collapsed_and_bounded() {
        let mut c = Checker::new();
        assert_eq!(c.required_line("n", "Name", "  Joe's   Pizza ", 20), "Joe's Pizza");
        assert!(!c.has_errors());
        c.required_line("n", "Name", &"x".repeat(21), 20);
        assert!(c.finish(()).unwrap_err()["n"].contains("at most 20"));
    }
}
