//! Query parameters that are whole numbers in a range (`?limit=`, `?days=`, `?hours=`), with
//! one wording for the error whichever it is.

use std::ops::RangeInclusive;

use app::error::AppError;

use super::ApiError;

/// `given` as a number in `range`; `default` when it is absent or blank; 400 naming the
/// parameter and the range otherwise.
pub fn number_param(
    name: &str,
    given: Option<&str>,
    range: RangeInclusive<i64>,
    default: i64,
) -> Result<i64, ApiError> {
    match given.map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => text.parse::<i64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
            let (low, high) = (range.start(), range.end());
            AppError::bad_request(format!("{name} must be a whole number from {low} to {high} (got “{text}”)")).into()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_in_range_is_taken_and_blank_means_the_default() {
        assert_eq!(number_param("days", Some(" 7 "), 1..=90, 30).ok(), Some(7));
        assert_eq!(number_param("days", Some(""), 1..=90, 30).ok(), Some(30));
        assert_eq!(number_param("days", None, 1..=90, 30).ok(), Some(30));
    }

    #[test]
    fn out_of_range_or_not_a_number_is_refused_naming_the_parameter() {
        for bad in ["0", "91", "7.5", "a week"] {
            let error = number_param("days", Some(bad), 1..=90, 30).err().map(|e| e.0.to_string());
            let expected = format!("days must be a whole number from 1 to 90 (got “{bad}”)");
            assert_eq!(error.as_deref(), Some(expected.as_str()));
        }
    }
}
