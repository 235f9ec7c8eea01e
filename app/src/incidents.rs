//! Internal errors, as the server saw them. The person gets a short reference to quote
//! ([`AppError::Internal`]); the details (what failed and the chain of causes) go to the log
//! and are kept here briefly, so the server's request recorder can file them with the
//! request that failed (its error tracking). A response that failed this way carries the
//! reference in [`REFERENCE_HEADER`], which the recorder reads and removes.

use std::collections::VecDeque;
use std::sync::Mutex;

use crate::error::AppError;

/// The response header that links a failed response to its [`Incident`].
pub const REFERENCE_HEADER: &str = "x-error-reference";

/// Incidents kept for the recorder to pick up; it takes each within the same request, so
/// this only bounds what an unrecorded path (a background task) leaves behind.
const KEEP: usize = 256;

static RECENT: Mutex<VecDeque<Incident>> = Mutex::new(VecDeque::new());

#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub reference: String,
    /// What was being done (`store operation failed`, `panic`, …).
    pub what: String,
    /// The error and its sources, outermost first.
    pub causes: Vec<String>,
}

/// Logs an internal error, keeps its details under a new reference, and returns the error
/// a person sees.
pub fn internal(what: &str, error: &(dyn std::error::Error + 'static)) -> AppError {
    let mut causes = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    record(what, causes)
}

/// [`internal`] for what is not an `Error` (a panic's message). In a page or server
/// function the reference is the request's id (`X-Request-Id`), so the one number a person
/// quotes from an error page finds the request in the logs and the error tracking.
pub fn record(what: &str, causes: Vec<String>) -> AppError {
    let reference = request_id().unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()[..8].to_owned());
    tracing::error!(%reference, causes = ?causes, "{what}");
    let mut recent = RECENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if recent.len() >= KEEP {
        recent.pop_front();
    }
    recent.push_back(Incident { reference: reference.clone(), what: what.to_owned(), causes });
    AppError::Internal { reference }
}

fn request_id() -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    let id = parts.headers.get("x-request-id")?.to_str().ok()?;
    Some(id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(64).collect())
}

/// The details behind a reference, once.
pub fn take(reference: &str) -> Option<Incident> {
    let mut recent = RECENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let index = recent.iter().position(|incident| incident.reference == reference)?;
    recent.remove(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("query failed")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn the_cause_chain_is_kept_under_the_reference_once() {
        let error = Outer(std::io::Error::other("connection reset"));
        let AppError::Internal { reference } = internal("store operation failed", &error) else {
            panic!("an internal error")
        };
        let incident = take(&reference).expect("kept");
        assert_eq!(incident.what, "store operation failed");
        assert_eq!(incident.causes, ["query failed", "connection reset"]);
        assert_eq!(take(&reference), None);
    }
}
