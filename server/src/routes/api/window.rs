//! The `?window=` parameter of the monitoring reports: one of a report's own windows, named
//! by its label, with a clear error naming the ones it has.

use app::error::AppError;
use serde::Deserialize;

use super::ApiError;

#[derive(Deserialize)]
pub struct WindowQuery {
    window: Option<String>,
}

impl WindowQuery {
    /// The window named (label and value), the one labelled `default` when none is, or 400
    /// listing the `choices`.
    pub fn pick<'a, W: Copy>(&self, default: &str, choices: &[(&'a str, W)]) -> Result<(&'a str, W), ApiError> {
        let named = self.window.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let wanted = named.unwrap_or(default);
        choices.iter().find(|(label, _)| *label == wanted).copied().ok_or_else(|| {
            let labels: Vec<&str> = choices.iter().map(|(label, _)| *label).collect();
            AppError::bad_request(format!("window must be {} (got “{wanted}”)", or_list(&labels))).into()
        })
    }
}

/// "a, b or c".
fn or_list(labels: &[&str]) -> String {
    match labels.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => (*last).to_owned(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(window: Option<&str>) -> WindowQuery {
        WindowQuery { window: window.map(str::to_owned) }
    }

    const CHOICES: [(&str, u32); 3] = [("1h", 1), ("24h", 24), ("7d", 168)];

    #[test]
    fn a_named_window_is_picked_and_none_gives_the_default() {
        assert_eq!(query(Some(" 7d ")).pick("24h", &CHOICES).ok(), Some(("7d", 168)));
        assert_eq!(query(None).pick("24h", &CHOICES).ok(), Some(("24h", 24)));
        assert_eq!(query(Some("")).pick("24h", &CHOICES).ok(), Some(("24h", 24)));
    }

    #[test]
    fn an_unknown_window_names_the_choices() {
        let Err(error) = query(Some("2w")).pick("24h", &CHOICES) else { panic!("2w was accepted") };
        let message = format!("{error:?}");
        assert!(message.contains("window must be 1h, 24h or 7d (got “2w”)"), "{message}");
    }
}
