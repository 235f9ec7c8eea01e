//! API errors as JSON: `{"error": "...", "kind": "...", "fields": {...}, "current_version": n}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use app::error::AppError;
use app::store::StoreError;

#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = self.0;
        let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let kind = serde_json::to_value(&error).ok().and_then(|v| v.get("kind").cloned()).unwrap_or(Value::Null);
        let mut body = Map::new();
        body.insert("error".into(), Value::String(error.to_string()));
        body.insert("kind".into(), kind);
        match &error {
            AppError::Invalid { fields, .. } => {
                body.insert("fields".into(), json!(fields));
            }
            AppError::Conflict { current_version: Some(version), .. } => {
                body.insert("current_version".into(), json!(version));
            }
            _ => {}
        }
        let mut response = (status, Json(Value::Object(body))).into_response();
        match error {
            AppError::TooManyRequests { retry_after_secs, .. } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs.max(1)));
            }
            AppError::Internal { reference } => mark_incident(&mut response, &reference),
            _ => {}
        }
        response
    }
}

/// Links a failed response to its incident for the error tracking (see `app::incidents`).
pub fn mark_incident(response: &mut Response, reference: &str) {
    if let Ok(value) = HeaderValue::from_str(reference) {
        response.headers_mut().insert(app::incidents::REFERENCE_HEADER, value);
    }
}
