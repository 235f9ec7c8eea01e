//! `/api/v1/vitals`: the Core Web Vitals beacons of real users' browsers, with the errors
//! their pages met (`POST`, from this site's own pages, signed in or not) and their summary at p75 per route and device class
//! (`GET /vitals/summary?window=1h|24h|7d`, managers and administrators). Documented in
//! docs/api.md.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use app::error::AppError;
use app::model::CurrentUser;
use app::model::FieldErrors;
use app::model::patch;
use app::model::vitals::{ClientError, VitalsBeacon, summarize};

use super::window::WindowQuery;
use super::{ApiError, access::Monitor};
use crate::monitoring::errors::ErrorOccurrence;
use crate::monitoring::vitals;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/vitals", post(receive)).route("/vitals/summary", get(summary))
}

/// Stores a beacon's samples and files its errors with the server's (204), or says what is
/// wrong with it (400, counted).
async fn receive(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let beacon = parse(&headers, &body).inspect_err(|_| {
        metrics::counter!("web_vitals_beacons_rejected_total").increment(1);
    })?;
    vitals::save(&state.store, &beacon, Utc::now()).await?;
    if let (Some(pending), Some(Extension(user))) = (beacon.pending_ops, user.as_ref()) {
        state.monitoring.offline_queues.report(&user.email, pending, Utc::now().timestamp());
    }
    for sample in &beacon.samples {
        metrics::counter!("web_vitals_samples_total", "metric" => sample.metric.code(), "device" => sample.device.code())
            .increment(1);
    }
    for error in &beacon.errors {
        metrics::counter!("client_errors_total", "kind" => error.kind.code()).increment(1);
        state.monitoring.record_error(client_error(error, user.as_ref().map(|Extension(u)| u.email.clone())));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `sendBeacon` sends a JSON `Blob` (`application/json`) or a string (`text/plain`).
fn parse(headers: &HeaderMap, body: &Bytes) -> Result<VitalsBeacon, AppError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !(content_type.starts_with("application/json") || content_type.starts_with("text/plain")) {
        return Err(AppError::bad_request("Send the beacon as JSON (application/json or text/plain)."));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| AppError::bad_request(format!("The beacon is not valid JSON: {e}.")))?;
    let beacon: VitalsBeacon = patch::typed(value).map_err(refused)?;
    beacon.check().map_err(refused)?;
    Ok(beacon)
}

/// A beacon no honest collector sends is a bad request (400), each field's problem named.
fn refused(fields: FieldErrors) -> AppError {
    let problems: Vec<String> = fields.iter().map(|(field, message)| format!("{field}: {message}")).collect();
    AppError::bad_request(format!("The beacon was refused. {}", problems.join(" ")))
}

/// A browser's error as the error tracking files it: grouped by kind and message per route,
/// beside the server's (method `BROWSER`, no status).
fn client_error(error: &ClientError, user: Option<String>) -> ErrorOccurrence {
    let first_line = error.message.lines().next().unwrap_or_default();
    ErrorOccurrence {
        at: Utc::now(),
        request_id: None,
        reference: None,
        method: "BROWSER".to_owned(),
        route: error.route.clone(),
        status: 0,
        user,
        message: format!("browser {}: {}", error.kind.code(), first_line.chars().take(200).collect::<String>()),
        causes: vec![error.message.clone()],
    }
}

/// p50, p75 and p95 with the good / needs-improvement / poor shares, per metric, route and
/// device class, over the last hour, day or week.
async fn summary(
    _: Monitor,
    State(state): State<AppState>,
    Query(query): Query<WindowQuery>,
) -> Result<Response, ApiError> {
    let (label, hours) = query.pick("24h", &[("1h", 1), ("24h", 24), ("7d", 24 * 7)])?;
    let since = Utc::now() - Duration::hours(hours);
    let values = vitals::since(&state.store, since).await?;
    Ok(Json(json!({
        "generated_at": Utc::now(),
        "window": label,
        "since": since,
        "samples": values.len(),
        "summaries": summarize(&values),
    }))
    .into_response())
}
