//! How large a request body may be: 1 MB for forms and JSON, more for CSV import uploads
//! (whose 10 MB limit is checked as the file is read, so a refused file can be told its
//! size rather than cut off). Over the limit: 413.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::model::import::IMPORT_MAX_BYTES;

/// Largest request body accepted for forms and JSON.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Largest import upload read through (to say how large a refused file was).
pub const UPLOAD_BODY_LIMIT: usize = 3 * IMPORT_MAX_BYTES;

/// The limit for a request.
pub fn body_limit(method: &Method, path: &str) -> usize {
    match (method == Method::POST, path) {
        (true, "/api/v1/imports") => UPLOAD_BODY_LIMIT,
        (true, "/api/v1/vitals") => app::model::vitals::MAX_BEACON_BYTES,
        _ => BODY_LIMIT,
    }
}

pub async fn limit_body(request: Request, next: Next) -> Response {
    let limit = body_limit(request.method(), request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        let most = match limit {
            l if l >= 1024 * 1024 => format!("{} MB", l / (1024 * 1024)),
            l => format!("{} KB", l / 1024),
        };
        return (StatusCode::PAYLOAD_TOO_LARGE, format!("The request is larger than {most}.")).into_response();
    }
    next.run(request.map(|body| Body::new(http_body_util::Limited::new(body, limit)))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_import_uploads_get_the_larger_limit() {
        assert_eq!(body_limit(&Method::POST, "/api/v1/imports"), UPLOAD_BODY_LIMIT);
        assert_eq!(body_limit(&Method::POST, "/api/v1/organizations"), BODY_LIMIT);
        assert_eq!(body_limit(&Method::POST, "/api/imports/start"), BODY_LIMIT);
        assert_eq!(body_limit(&Method::PUT, "/api/v1/imports"), BODY_LIMIT);
    }
}
