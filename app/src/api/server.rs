//! What a server function needs from the server, taken from the Leptos context the server
//! provides per request (tests provide their own store the same way).

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::request::Parts;
use leptos::prelude::*;

use crate::error::AppError;
use crate::store::{Actor, Store};

/// The store of this request.
pub fn store() -> Result<Store, AppError> {
    use_context::<Store>().ok_or_else(|| {
        tracing::error!("no Store in the Leptos context: the server must provide one per request");
        AppError::Internal { reference: "store-missing".into() }
    })
}

/// Who is making this request, for the audit log.
pub fn actor() -> Actor {
    use_context::<Parts>().map(|parts| actor_from_parts(&parts)).unwrap_or_else(Actor::system)
}

/// The caller of an HTTP request: its address and user agent (the user arrives with
/// sign-in). Shared by server functions and the JSON API.
pub fn actor_from_parts(parts: &Parts) -> Actor {
    let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string());
    let user_agent = parts
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(300).collect());
    Actor { user_id: None, ip, user_agent }
}

/// Sends the browser to `path` after a successful form post (with or without JavaScript).
pub fn redirect_to(path: &str) {
    leptos_axum::redirect(path);
}
