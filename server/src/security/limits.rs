//! Rate limits on changes and searches, per signed-in user (or per address before sign-in;
//! sign-in attempts have their own limit in `app::auth`). Over the limit: 429 with
//! `Retry-After`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::auth::Limit;
use app::model::CurrentUser;
use app::model::query::parse_query_string;

use crate::routes::api::ApiError;
use crate::state::AppState;

pub async fn limit_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = if request.uri().path() == "/api/v1/vitals" {
        Some(Limit::BeaconsPerUser)
    } else if !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        (!super::session::is_sign_in(request.uri().path())).then_some(Limit::WritesPerUser)
    } else {
        is_search(request.uri().query()).then_some(Limit::SearchesPerUser)
    };
    if let Some(limit) = limit {
        let key = match request.extensions().get::<CurrentUser>() {
            Some(user) => user.id.to_string(),
            None => request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |ConnectInfo(addr)| addr.ip().to_string()),
        };
        if let Err(error) = state.auth.limits.check(limit, &key) {
            return ApiError::from(error).into_response();
        }
    }
    next.run(request).await
}

/// A list filtered by a search text: `q=…` in the address, or inside the `query` argument
/// the list server function carries.
fn is_search(query: Option<&str>) -> bool {
    let Some(query) = query else { return false };
    parse_query_string(query).iter().any(|(key, value)| match key.as_str() {
        "q" => !value.trim().is_empty(),
        "query" => parse_query_string(value).iter().any(|(k, v)| k == "q" && !v.trim().is_empty()),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_are_told_apart_from_plain_lists() {
        assert!(is_search(Some("q=bistro&page=2")));
        assert!(is_search(Some("query=q%3Dbistro%26priority%3DA")));
        assert!(!is_search(Some("q=&priority=A")));
        assert!(!is_search(Some("query=priority%3DA")));
        assert!(!is_search(None));
    }
}
