//! The one error type of the app layer: what server functions return, what the JSON API
//! renders, and what pages show. Every variant maps to an HTTP status and carries a message
//! a person can act on.

use std::collections::BTreeMap;

use leptos::server_fn::ServerFnError;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::model::FieldErrors;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    /// Some fields are wrong; `values` echoes what was typed so a form without JavaScript
    /// can show it again.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: FieldErrors,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        values: BTreeMap<String, String>,
    },
    #[error("{message}")]
    BadRequest { message: String },
    #[error("{what} was not found. It may have been deleted, or the link may be wrong.")]
    NotFound { what: String },
    /// Nobody is signed in (or the session ended).
    #[error("{message}")]
    Unauthorized { message: String },
    /// Signed in, but this role may not do this.
    #[error("{message}")]
    Forbidden { message: String },
    /// Too many attempts; try again after `retry_after_secs`.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    /// The record changed since it was read (or the id is taken).
    #[error("{message}")]
    Conflict { message: String, current_version: Option<i64> },
    #[error(
        "Something went wrong on our side. Please try again; if it keeps happening, \
         tell your administrator (reference {reference})."
    )]
    Internal { reference: String },
    /// The browser could not reach the server or read its answer.
    #[error("The server could not be reached ({message}). Check your connection and try again.")]
    Unreachable { message: String },
}

impl AppError {
    pub fn invalid(fields: FieldErrors) -> Self {
        let message = if fields.len() == 1 {
            "Please correct the highlighted field.".to_owned()
        } else {
            format!("Please correct the {} highlighted fields.", fields.len())
        };
        AppError::Invalid { message, fields, values: BTreeMap::new() }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::BadRequest { message: message.into() }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound { what: what.into() }
    }

    pub fn unauthorized() -> Self {
        AppError::Unauthorized { message: "Please sign in to continue.".into() }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden { message: message.into() }
    }

    pub fn stale(current_version: i64) -> Self {
        AppError::Conflict {
            message: "Someone else changed this record while you were editing it. \
                      Reload to see their changes, then make yours again."
                .to_owned(),
            current_version: Some(current_version),
        }
    }

    /// Attaches what the user typed, so a form rendered from this error shows it again.
    pub fn with_values(self, submitted: &impl Serialize) -> Self {
        match self {
            AppError::Invalid { message, fields, .. } => {
                let values = match serde_json::to_value(submitted) {
                    Ok(serde_json::Value::Object(map)) => {
                        map.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned()))).collect()
                    }
                    _ => BTreeMap::new(),
                };
                AppError::Invalid { message, fields, values }
            }
            other => other,
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid { .. } => 422,
            AppError::BadRequest { .. } => 400,
            AppError::NotFound { .. } => 404,
            AppError::Unauthorized { .. } => 401,
            AppError::Forbidden { .. } => 403,
            AppError::TooManyRequests { .. } => 429,
            AppError::Conflict { .. } => 409,
            AppError::Internal { .. } => 500,
            AppError::Unreachable { .. } => 503,
        }
    }

    /// The message for one field, if this error has one.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid { fields, .. } => fields.get(name).cloned(),
            _ => None,
        }
    }

    pub fn fields(&self) -> FieldErrors {
        match self {
            AppError::Invalid { fields, .. } => fields.clone(),
            _ => FieldErrors::new(),
        }
    }

    /// What the user had typed into `name` when this error came back.
    pub fn value(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid { values, .. } => values.get(name).cloned(),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(message)
            | ServerFnErrorErr::Response(message)
            | ServerFnErrorErr::Deserialization(message) => AppError::Unreachable { message },
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                AppError::BadRequest { message: format!("The request could not be read: {message}") }
            }
            ServerFnErrorErr::UnsupportedRequestMethod(message) => AppError::BadRequest { message },
            other => AppError::Internal { reference: other.to_string() },
        }
    }
}

impl From<ServerFnError> for AppError {
    fn from(value: ServerFnError) -> Self {
        AppError::Internal { reference: value.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_travel_as_tagged_json() {
        let err = AppError::invalid(FieldErrors::from([("name".into(), "Name is required.".into())]));
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["kind"], "invalid");
        assert_eq!(json["fields"]["name"], "Name is required.");
        assert_eq!(err.ser().as_ref(), serde_json::to_vec(&err).unwrap().as_slice());
        assert_eq!(AppError::de(err.ser()), err);
    }

    #[test]
    fn each_kind_has_its_status() {
        assert_eq!(AppError::invalid(FieldErrors::new()).status(), 422);
        assert_eq!(AppError::not_found("Organization").status(), 404);
        assert_eq!(AppError::stale(3).status(), 409);
        assert_eq!(AppError::bad_request("x").status(), 400);
        assert_eq!(AppError::unauthorized().status(), 401);
        assert_eq!(AppError::forbidden("no").status(), 403);
        assert_eq!(AppError::TooManyRequests { message: "later".into(), retry_after_secs: 5 }.status(), 429);
        assert_eq!(AppError::Internal { reference: "r".into() }.status(), 500);
    }

    #[test]
    fn submitted_values_are_echoed_for_forms() {
        #[derive(Serialize)]
        struct Form {
            name: String,
            phone: String,
        }
        let err = AppError::invalid(FieldErrors::from([("phone".into(), "bad".into())]))
            .with_values(&Form { name: "Joe's".into(), phone: "12".into() });
        assert_eq!(err.value("name").as_deref(), Some("Joe's"));
        assert_eq!(err.field("phone").as_deref(), Some("bad"));
        assert_eq!(err.field("name"), None);
    }

    #[test]
    fn transport_failures_are_not_blamed_on_the_user() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Request("offline".into()));
        assert!(matches!(err, AppError::Unreachable { .. }));
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args("bad field".into()));
        assert_eq!(err.status(), 400);
    }
}
