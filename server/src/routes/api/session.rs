//! `/api/v1/session`: signing in and out for scripts and the offline client.
//! `POST {"email", "password", "remember"?}` → 200 with the user and the session cookie,
//! 401 on wrong credentials, 429 (with Retry-After) when locked out or rate limited;
//! `GET` → the signed-in user or 401; `DELETE` → 204, the cookie removed.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;

use app::auth::Credentials;
use app::error::AppError;
use app::model::CurrentUser;

use super::ApiError;
use super::json::{object, typed};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/session", post(sign_in).get(current).delete(sign_out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    email: String,
    password: String,
    #[serde(default)]
    remember: bool,
}

async fn sign_in(State(state): State<AppState>, parts: Parts, body: Bytes) -> Result<Response, ApiError> {
    let input: SignIn = typed(serde_json::Value::Object(object(&parts.headers, &body)?))?;
    let credentials = Credentials { email: input.email, password: input.password, remember: input.remember };
    let actor = app::api::server::actor_from_parts(&parts);
    let previous = app::auth::session_token(&parts.headers);
    let signed_in =
        app::auth::sign_in(&state.store, &state.auth.limits, &credentials, &actor, previous.as_deref()).await?;
    let cookie = state.auth.session_cookie(&signed_in.token, signed_in.cookie_max_age);
    Ok(with_cookie(Json(signed_in.user).into_response(), &cookie))
}

async fn current(parts: Parts) -> Result<Response, ApiError> {
    let user = parts.extensions.get::<CurrentUser>().cloned().ok_or_else(AppError::unauthorized)?;
    Ok(Json(user).into_response())
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = app::auth::session_token(&headers) {
        app::auth::sign_out(&state.store, &token).await?;
    }
    Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), &state.auth.removal_cookie()))
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
