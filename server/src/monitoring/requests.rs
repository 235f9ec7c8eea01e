//! Per-request measurements: latency histogram, count, errors (5xx and 4xx apart),
//! in-flight requests and response size, labelled by the matched route template (never the
//! raw address: one series per route, whatever the ids), method and status class. The same
//! request feeds the rolling windows ([`super::aggregator`]); a 5xx is filed with the error
//! tracking ([`super::errors`]). Slow requests are logged. Every response says how long it
//! took (`X-Response-Time`, `Server-Timing`). Each route's metric handles are made once
//! ([`super::route_metrics`]).

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;

use app::model::CurrentUser;
use app::store::{RequestTrace, TraceSummary};

use super::Monitoring;
use super::database::RepeatedStatement;
use super::errors::ErrorOccurrence;
use super::route_metrics::method_label;
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
    let route =
        monitoring.routes.of(request.extensions().get::<MatchedPath>().map(MatchedPath::as_str), request.uri().path());
    let method = request.method().clone();
    // The header's bytes are shared, not copied: most requests never need them as text.
    let request_id = request.headers().get("x-request-id").cloned();
    route.in_flight.increment(1.0);
    let mut response = next.run(request).await;
    route.in_flight.decrement(1.0);
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    route.finished(&method, status, elapsed);
    if status >= 500 {
        metrics::counter!("http_errors_total", "route" => route.label.clone(), "kind" => "server").increment(1);
    } else if status >= 400 {
        metrics::counter!("http_errors_total", "route" => route.label.clone(), "kind" => "client").increment(1);
    }
    if let Some(size) =
        response.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<f64>().ok())
    {
        route.response_size.record(size);
    }
    let now = Utc::now();
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    let label = route.label.as_str();
    let method = method_label(&method);
    let user = |response: &Response| response.extensions().get::<CurrentUser>().map(|user| user.email.clone());
    if !PROBES.contains(&label) {
        monitoring.record(now.timestamp(), label, elapsed_ms, status);
        monitoring.record_slow(label, now, elapsed_ms, || SlowRequest {
            at: now,
            latency_ms: elapsed_ms,
            method,
            status,
            request_id: text(request_id.as_ref()),
            user: user(&response),
        });
    }
    // Always taken off: the reference is for the error tracking, not for the browser.
    let reference = response.headers_mut().remove(app::incidents::REFERENCE_HEADER);
    if status >= 500 {
        let incident = text(reference.as_ref()).and_then(|reference| app::incidents::take(&reference));
        monitoring.record_error(ErrorOccurrence {
            at: now,
            request_id: text(request_id.as_ref()),
            reference: text(reference.as_ref()),
            method: method.to_owned(),
            route: route.label.clone(),
            status,
            user: user(&response),
            message: incident.as_ref().map(|i| i.what.clone()).unwrap_or_default(),
            causes: incident.map(|i| i.causes).unwrap_or_default(),
        });
    }
    if elapsed > CRITICAL {
        tracing::error!(route = label, method, status, elapsed_ms = elapsed.as_millis() as u64, "very slow request");
    } else if elapsed > SLOW {
        tracing::warn!(route = label, method, status, elapsed_ms = elapsed.as_millis() as u64, "slow request");
    }
    let summary = trace.summary();
    route.statements.record(f64::from(summary.statements));
    report_repeated_statements(&monitoring, &summary, label, request_id.as_ref());
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::try_from(format!("{elapsed_ms:.1}ms")) {
        headers.insert("x-response-time", value);
    }
    if let Ok(value) = HeaderValue::try_from(summary.server_timing(elapsed)) {
        headers.insert("server-timing", value);
    }
    if let Some(outcome) = summary.cache {
        headers.insert("x-cache", HeaderValue::from_static(outcome.as_str()));
    }
    response
}

/// Requests that repeat a statement (N+1): logged, counted and kept for the dashboard.
fn report_repeated_statements(
    monitoring: &Monitoring,
    summary: &TraceSummary,
    route: &str,
    request_id: Option<&HeaderValue>,
) {
    for (query, times) in &summary.repeated {
        tracing::warn!(route, query, times, "a request ran the same statement many times (N+1?)");
        metrics::counter!("db_repeated_statements_total", "route" => route.to_owned(), "query" => *query).increment(1);
        monitoring.database.flag_repeated(RepeatedStatement {
            at: Utc::now(),
            route: route.to_owned(),
            request_id: text(request_id),
            query,
            times: *times,
        });
    }
}

fn text(value: Option<&HeaderValue>) -> Option<String> {
    value.and_then(|v| v.to_str().ok()).map(str::to_owned)
}
