//! Non-page HTTP routes, and the middleware that gives server-function errors their status.

pub mod api;
pub mod pwa;

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use app::error::AppError;

/// Leptos' server functions live under `/api/` (each at a fixed address); the JSON API
/// under `/api/v1/`.
pub fn is_server_function(path: &str) -> bool {
    path.starts_with("/api/") && !path.starts_with("/api/v1/")
}

/// Largest server-function error body we read to find its status.
const ERROR_BODY_LIMIT: usize = 256 * 1024;

/// Server functions answer every error with 500; this gives each [`AppError`] its own
/// status (422 for invalid fields, 404, 409, …) so clients and monitoring see what
/// happened. Form posts without JavaScript are redirects and pass untouched.
pub async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    match axum::body::to_bytes(body, ERROR_BODY_LIMIT).await {
        Ok(bytes) => {
            let error = serde_json::from_slice::<AppError>(&bytes).ok();
            if let Some(error) = &error {
                parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            }
            let mut response = Response::from_parts(parts, Body::from(bytes));
            if let Some(AppError::Internal { reference }) = &error {
                api::error::mark_incident(&mut response, reference);
            }
            response
        }
        Err(_) => Response::from_parts(parts, Body::empty()),
    }
}
