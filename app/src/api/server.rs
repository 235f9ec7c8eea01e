//! What a server function needs from the server, taken from the Leptos context the server
//! provides per request (tests provide their own the same way).

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::request::Parts;
use leptos::prelude::*;

use crate::auth::AuthContext;
use crate::error::AppError;
use crate::model::CurrentUser;
use crate::store::{Access, Actor, Store};

fn missing(what: &str) -> AppError {
    tracing::error!("no {what} in the Leptos context: the server must provide one per request");
    AppError::Internal { reference: format!("{what}-missing") }
}

/// The store of this request, unrestricted: only for what needs no user (sign-in). It adds
/// to the request's trace when the server's monitoring traces it.
pub fn store() -> Result<Store, AppError> {
    let store = use_context::<Store>().ok_or_else(|| missing("store"))?;
    Ok(match use_context::<Parts>() {
        Some(parts) => store.for_request(&parts.extensions),
        None => store,
    })
}

pub fn auth_context() -> Result<AuthContext, AppError> {
    use_context::<AuthContext>().ok_or_else(|| missing("auth"))
}

/// A desk the server provides per request (alerting's, the monitoring's) for a user who may
/// monitor; anyone else is refused with `refusal`.
pub fn monitoring_desk<D: ?Sized + Send + Sync + 'static>(
    name: &str,
    refusal: &str,
) -> Result<(std::sync::Arc<D>, CurrentUser), AppError> {
    let user = current_user()?;
    if !crate::policy::can_monitor(&user) {
        return Err(AppError::forbidden(refusal));
    }
    let desk = use_context::<std::sync::Arc<D>>().ok_or_else(|| missing(name))?;
    Ok((desk, user))
}

/// The signed-in user of this request (the server's session layer put them there).
pub fn current_user() -> Result<CurrentUser, AppError> {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<CurrentUser>().cloned())
        .ok_or_else(AppError::unauthorized)
}

/// The store as the signed-in user may use it.
pub fn access() -> Result<Access, AppError> {
    Ok(store()?.access(current_user()?, actor()))
}

/// The store as the signed-in user may use it, for work that outlives the request (no
/// request trace to add to).
pub fn background_access() -> Result<Access, AppError> {
    let store = use_context::<Store>().ok_or_else(|| missing("store"))?;
    Ok(store.access(current_user()?, actor()))
}

/// Who is making this request, for the audit log.
pub fn actor() -> Actor {
    use_context::<Parts>().map(|parts| actor_from_parts(&parts)).unwrap_or_else(Actor::system)
}

/// The caller of an HTTP request: their user, address and user agent. Shared by server
/// functions and the JSON API.
pub fn actor_from_parts(parts: &Parts) -> Actor {
    let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string());
    let user_agent = parts
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(300).collect());
    let user_id = parts.extensions.get::<CurrentUser>().map(|user| user.id);
    Actor { user_id, ip, user_agent }
}

/// The session cookie the request came with.
pub fn session_token() -> Option<String> {
    use_context::<Parts>().and_then(|parts| crate::auth::session_token(&parts.headers))
}

/// Adds a `Set-Cookie` header to the response.
pub fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(value))
    {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

/// Sends the browser to `path` after a successful form post (with or without JavaScript).
pub fn redirect_to(path: &str) {
    leptos_axum::redirect(path);
}

/// Sends a browser that posted a plain form (no JavaScript) to `path`; with JavaScript, the
/// page loads `path` itself, as a full page load (after signing in or out, everything on the
/// page changes).
pub fn redirect_plain_form(path: &str) {
    let plain_form = use_context::<Parts>().is_some_and(|parts| {
        parts.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    });
    if plain_form {
        leptos_axum::redirect(path);
    }
}
