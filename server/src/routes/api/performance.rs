//! `/api/v1/performance`, `/api/v1/performance.csv`, `/api/v1/performance/history` and
//! `/api/v1/errors`: what this instance measured, for managers and administrators.

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use app::error::AppError;
use app::store::Kind;

use super::number_param::number_param;
use super::window::WindowQuery;
use super::{ApiError, access::Monitor, access::UserAccess};
use crate::monitoring::aggregator::{ALL_ROUTES, Report, Stats, Window};
use crate::monitoring::rollups;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/performance", get(performance))
        .route("/performance.csv", get(performance_csv))
        .route("/performance/history", get(history))
        .route("/errors", get(errors))
        .route("/cache", get(caches).delete(clear_caches))
}

fn cache_stats(state: &AppState) -> Vec<app::store::CacheStats> {
    state.store.cache().map(|cache| cache.stats()).unwrap_or_default()
}

fn shared_cache_status(state: &AppState) -> Option<app::store::SharedStatus> {
    state.store.cache().and_then(|cache| cache.shared()).map(|shared| shared.status())
}

async fn caches(_: Monitor, State(state): State<AppState>) -> Response {
    Json(json!({"caches": cache_stats(&state), "shared": shared_cache_status(&state)})).into_response()
}

#[derive(Deserialize)]
struct ClearQuery {
    prefix: Option<String>,
}

/// Empties the read caches, or the entries whose key starts with `prefix` (administrators
/// only): after fixing data in the database by hand. Every instance forgets them.
async fn clear_caches(
    UserAccess(access): UserAccess,
    State(state): State<AppState>,
    Query(query): Query<ClearQuery>,
) -> Result<Response, ApiError> {
    if !app::policy::can_administer(access.user()) {
        return Err(AppError::forbidden("Only an administrator can clear the caches.").into());
    }
    let prefix = query.prefix.unwrap_or_default();
    if !prefix.is_empty() && !Kind::ALL.iter().any(|kind| prefix.starts_with(&format!("{}|", kind.name()))) {
        let kinds: Vec<String> = Kind::ALL.iter().map(|kind| format!("{}|", kind.name())).collect();
        return Err(AppError::bad_request(format!(
            "prefix must start with one of {} (got “{prefix}”)",
            kinds.join(", ")
        ))
        .into());
    }
    state.clear_read_caches(prefix, access.user()).await;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

fn window(query: &WindowQuery) -> Result<Window, ApiError> {
    let choices = Window::ALL.map(|w| (w.label(), w));
    query.pick(Window::FiveMinutes.label(), &choices).map(|(_, w)| w)
}

async fn performance(
    _: Monitor,
    State(state): State<AppState>,
    Query(query): Query<WindowQuery>,
) -> Result<Response, ApiError> {
    let window = window(&query)?;
    let report = state.monitoring.report(window);
    let queries = state.monitoring.database.report(window);
    let body = json!({
        "generated_at": Utc::now(),
        "window": report.window,
        "covered_seconds": report.covered_seconds,
        "overall": report.overall,
        "routes": report.routes,
        "database": {
            "backend": format!("{:?}", state.store.backend()).to_lowercase(),
            "overall": queries.overall,
            "queries": queries.routes,
            "pools": state.store.db().pool_stats(),
            "slow_queries": state.monitoring.database.slow_queries(),
            "repeated_statements": state.monitoring.database.repeated_statements(),
        },
        "caches": cache_stats(&state),
        "process": state.monitoring.process.stats(),
    });
    Ok(Json(body).into_response())
}

async fn performance_csv(
    _: Monitor,
    State(state): State<AppState>,
    Query(query): Query<WindowQuery>,
) -> Result<Response, ApiError> {
    let report = state.monitoring.report(window(&query)?);
    let csv = report_csv(&report).map_err(|e| app::incidents::internal("performance CSV failed", &e))?;
    let filename = format!("attachment; filename=\"performance-{}.csv\"", report.window.label());
    let mut response = csv.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// One row per route, the overall figures first (route `*`).
fn report_csv(report: &Report) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "window",
        "route",
        "requests",
        "requests_per_minute",
        "error_rate",
        "client_error_rate",
        "mean_ms",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "max_ms",
    ])?;
    let rows = std::iter::once((ALL_ROUTES, &report.overall))
        .chain(report.routes.iter().map(|r| (r.route.as_str(), &r.stats)));
    for (route, stats) in rows {
        writer.write_record(csv_row(report.window, route, stats))?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn csv_row(window: Window, route: &str, stats: &Stats) -> Vec<String> {
    let ms = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
    vec![
        window.label().to_owned(),
        route.to_owned(),
        stats.requests.to_string(),
        format!("{:.2}", stats.requests_per_minute),
        format!("{:.4}", stats.error_rate),
        format!("{:.4}", stats.client_error_rate),
        ms(stats.mean_ms),
        ms(stats.p50_ms),
        ms(stats.p95_ms),
        ms(stats.p99_ms),
        ms(stats.max_ms),
    ]
}

#[derive(Deserialize)]
struct HistoryQuery {
    route: Option<String>,
    hours: Option<String>,
}

/// Minute points of one route (default: all requests) over the last `hours` (default 24,
/// at most the 7 days kept).
async fn history(
    _: Monitor,
    State(state): State<AppState>,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, ApiError> {
    let max_hours = rollups::RETENTION_SECONDS / 3600;
    let hours = number_param("hours", query.hours.as_deref(), 1..=max_hours, 24)?;
    let route = query.route.filter(|r| !r.trim().is_empty()).unwrap_or_else(|| ALL_ROUTES.to_owned());
    let since = Utc::now().timestamp() - hours * 3600;
    let points = rollups::history(&state.store, &route, since).await?;
    Ok(Json(json!({"route": route, "hours": hours, "minutes": points})).into_response())
}

async fn errors(_: Monitor, State(state): State<AppState>) -> Result<Response, ApiError> {
    let groups = state.monitoring.errors();
    let total: u64 = groups.iter().map(|g| g.count).sum();
    Ok(Json(json!({"total": total, "groups": groups})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::aggregator::Aggregator;

    #[test]
    fn the_csv_has_a_header_the_overall_row_and_one_row_per_route() {
        let mut aggregator = Aggregator::new(1_800_000_000);
        aggregator.record(1_800_000_001, "/organizations/:id", 12.0, 200);
        aggregator.record(1_800_000_001, "/api/a,b", 3.0, 500);
        let csv = report_csv(&aggregator.report(1_800_000_002, Window::OneMinute)).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("window,route,requests,requests_per_minute,error_rate"));
        assert!(lines[1].starts_with("1m,*,2,"));
        assert!(csv.contains("\"/api/a,b\""), "a comma in a route is quoted: {csv}");
    }
}
