//! Per-request measurements: latency histogram, count, errors (5xx and 4xx apart),
//! in-flight requests and response size, labelled by the matched route template (never the
//! raw address: one series per route, whatever the ids), method and status class. The same
//! request feeds the rolling windows ([`super::aggregator`]); a 5xx is filed with the error
//! tracking ([`super::errors`]). Slow requests are logged. Every response says how long it
//! took (`X-Response-Time`).

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;

use app::model::CurrentUser;
use app::store::{RequestTrace, TraceSummary};

use super::Monitoring;
use super::database::RepeatedStatement;
use super::errors::ErrorOccurrence;
use super::slowest::SlowRequest;

/// Latency buckets in seconds: fine below 100 ms where most requests are, up to the
/// request timeout. The same everywhere, so Prometheus can aggregate instances.
pub const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];
/// Statements per request.
pub const STATEMENT_COUNT_BUCKETS: &[f64] = &[0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0];
/// Response size buckets in bytes.
pub const SIZE_BUCKETS: &[f64] = &[256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0];

/// Requests slower than this are logged as a warning, and as an error past [`CRITICAL`].
const SLOW: Duration = Duration::from_secs(1);
const CRITICAL: Duration = Duration::from_secs(5);

/// Probes, not traffic: they stay out of the rolling windows `/health` judges by.
const PROBES: &[&str] = &["/health", "/metrics"];

pub async fn record_requests(State(monitoring): State<Monitoring>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let trace = RequestTrace::new();
    request.extensions_mut().insert(trace.clone());
    let route = route_label(request.extensions().get::<MatchedPath>().map(MatchedPath::as_str), request.uri().path());
    let method = method_label(request.method());
    let request_id = header_text(request.headers(), "x-request-id");
    let in_flight = metrics::gauge!("http_requests_in_flight", "route" => route.clone());
    in_flight.increment(1.0);
    let mut response = next.run(request).await;
    in_flight.decrement(1.0);
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let class = status_class(status);
    let labels = [("route", route.clone()), ("method", method.to_owned()), ("status", class.to_owned())];
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    metrics::counter!("http_requests_total", &labels).increment(1);
    if status >= 500 {
        metrics::counter!("http_errors_total", "route" => route.clone(), "kind" => "server").increment(1);
    } else if status >= 400 {
        metrics::counter!("http_errors_total", "route" => route.clone(), "kind" => "client").increment(1);
    }
    if let Some(size) =
        response.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<f64>().ok())
    {
        metrics::histogram!("http_response_size_bytes", "route" => route.clone()).record(size);
    }
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    if !PROBES.contains(&route.as_str()) {
        monitoring.record(Utc::now().timestamp(), &route, elapsed_ms, status);
        monitoring.record_slow(
            &route,
            SlowRequest {
                at: Utc::now(),
                latency_ms: elapsed_ms,
                method,
                status,
                request_id: request_id.clone(),
                user: response.extensions().get::<CurrentUser>().map(|user| user.email.clone()),
            },
        );
    }
    // Always taken off: the reference is for the error tracking, not for the browser.
    let reference = header_text(response.headers(), app::incidents::REFERENCE_HEADER);
    response.headers_mut().remove(app::incidents::REFERENCE_HEADER);
    if status >= 500 {
        let incident = reference.as_deref().and_then(app::incidents::take);
        monitoring.record_error(ErrorOccurrence {
            at: Utc::now(),
            request_id: request_id.clone(),
            reference,
            method: method.to_owned(),
            route: route.clone(),
            status,
            user: response.extensions().get::<CurrentUser>().map(|user| user.email.clone()),
            message: incident.as_ref().map(|i| i.what.clone()).unwrap_or_default(),
            causes: incident.map(|i| i.causes).unwrap_or_default(),
        });
    }
    if elapsed > CRITICAL {
        tracing::error!(route, method, status, elapsed_ms = elapsed.as_millis() as u64, "very slow request");
    } else if elapsed > SLOW {
        tracing::warn!(route, method, status, elapsed_ms = elapsed.as_millis() as u64, "slow request");
    }
    let summary = trace.summary();
    report_database_use(&monitoring, &summary, &route, request_id);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&format!("{elapsed_ms:.1}ms")) {
        headers.insert("x-response-time", value);
    }
    if let Ok(value) = HeaderValue::from_str(&summary.server_timing(elapsed)) {
        headers.insert("server-timing", value);
    }
    if let Some(outcome) = summary.cache {
        headers.insert("x-cache", HeaderValue::from_static(outcome.as_str()));
    }
    response
}

/// Statements per request (a histogram per route), and requests that repeat a statement
/// (N+1) logged, counted and kept for the dashboard.
fn report_database_use(monitoring: &Monitoring, summary: &TraceSummary, route: &str, request_id: Option<String>) {
    metrics::histogram!("http_request_db_queries", "route" => route.to_owned()).record(f64::from(summary.statements));
    for (query, times) in &summary.repeated {
        tracing::warn!(route, query, times, "a request ran the same statement many times (N+1?)");
        metrics::counter!("db_repeated_statements_total", "route" => route.to_owned(), "query" => *query).increment(1);
        monitoring.database.flag_repeated(RepeatedStatement {
            at: Utc::now(),
            route: route.to_owned(),
            request_id: request_id.clone(),
            query,
            times: *times,
        });
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// The route a request is counted under. Pages and API routes have their template (`/organizations/:id`);
/// Leptos' server functions share one wildcard route, but each has a fixed address of
/// its own (`/api/organizations/list`), which is kept. Anything else (static files, unknown
/// addresses) is one series, so a scan of random URLs cannot blow up the metrics.
pub fn route_label(matched: Option<&str>, path: &str) -> String {
    match matched {
        Some(template) if template.contains('*') && crate::routes::is_server_function(path) => {
            path.chars().take(80).collect()
        }
        // `:id` rather than axum's `{id}`: the common spelling in dashboards, and braces inside
        // label values trip up some Prometheus text parsers.
        Some(template) => template.replace('{', ":").replace('}', ""),
        None if path.starts_with("/pkg/") => "/pkg/:file".to_owned(),
        None => "other".to_owned(),
    }
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_templates_never_raw_addresses() {
        assert_eq!(route_label(Some("/organizations/{id}"), "/organizations/0199-ab"), "/organizations/:id");
        assert_eq!(route_label(Some("/api/{*fn_name}"), "/api/organizations/list"), "/api/organizations/list");
        assert_eq!(route_label(None, "/pkg/kitchen-pantry.abc.wasm"), "/pkg/:file");
        assert_eq!(route_label(None, "/wp-admin/setup.php"), "other");
    }

    #[test]
    fn statuses_fall_into_classes() {
        assert_eq!([200, 303, 404, 429, 500, 503].map(status_class), ["2xx", "3xx", "4xx", "4xx", "5xx", "5xx"]);
    }
}
