//! Parsing posted form strings into typed values, with a field message for each mistake.

use std::str::FromStr;

use uuid::Uuid;

use super::enums::UnknownCode;
use super::validate::{Checker, FieldErrors};

/// The hidden fields every record form carries.
pub trait FormFields {
    /// The record's id: chosen when a create form is rendered, so a double submit is one create.
    fn record_id(&self) -> &str;
    /// The version an edit form was rendered from; empty on create forms.
    fn record_version(&self) -> &str;

    fn parsed_id(&self) -> Result<Uuid, FieldErrors> {
        Uuid::parse_str(self.record_id().trim()).map_err(|_| {
            FieldErrors::from([("id".to_owned(), "The form is damaged: reload the page and try again.".to_owned())])
        })
    }

    fn parsed_version(&self) -> Result<i64, FieldErrors> {
        self.record_version().trim().parse::<i64>().map_err(|_| {
            FieldErrors::from([(
                "version".to_owned(),
                "The form is damaged: reload the page and try again.".to_owned(),
            )])
        })
    }
}

/// Parses an optional code ("" means none chosen).
pub fn parse_code<T>(c: &mut Checker, field: &str, text: &str) -> Option<T>
where
    T: FromStr<Err = UnknownCode>,
{
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse() {
        Ok(value) => Some(value),
        Err(err) => {
            c.fail(field, format!("{err}: choose one of the listed options."));
            None
        }
    }
}

/// Parses an optional id chosen from a list ("" means none chosen).
pub fn parse_uuid(c: &mut Checker, field: &str, text: &str) -> Option<Uuid> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match Uuid::parse_str(text) {
        Ok(id) => Some(id),
        Err(_) => {
            c.fail(field, "Choose one of the listed options.");
            None
        }
    }
}

/// A checkbox posts "on" (or a value) when ticked and nothing when not.
pub fn parse_checkbox(text: &str) -> bool {
    matches!(text.trim().to_ascii_lowercase().as_str(), "on" | "true" | "1" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::enums::Priority;

    #[test]
    fn empty_codes_are_none_and_bad_codes_are_field_errors() {
        let mut c = Checker::new();
        assert_eq!(parse_code::<Priority>(&mut c, "priority", " "), None);
        assert_eq!(parse_code::<Priority>(&mut c, "priority", "B"), Some(Priority::B));
        assert_eq!(parse_code::<Priority>(&mut c, "priority", "Q"), None);
        let errors = c.finish(()).unwrap_err();
        assert!(errors["priority"].contains("“Q” is not a valid priority"));
    }

    #[test]
    fn checkboxes_read_as_browsers_send_them() {
        assert!(parse_checkbox("on"));
        assert!(parse_checkbox("true"));
        assert!(!parse_checkbox(""));
        assert!(!parse_checkbox("off"));
    }
}
