//! `GET /metrics` in the Prometheus text format. Protected: a scraper presents the bearer
//! token from `METRICS_TOKEN`, or comes from an allowed address (`METRICS_ALLOW`, loopback
//! by default).

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::events::{Tallying, tally};
use super::requests::{LATENCY_BUCKETS, SIZE_BUCKETS, STATEMENT_COUNT_BUCKETS};
use crate::state::AppState;

/// Who may read `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct MetricsAccess {
    pub token: Option<String>,
    pub allowed: Vec<IpAddr>,
}

impl MetricsAccess {
    fn allows(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> bool {
        let bearer =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        match (&self.token, bearer) {
            (Some(token), Some(given)) if constant_time_eq(token.as_bytes(), given.as_bytes()) => return true,
            _ => {}
        }
        peer.is_some_and(|ip| self.allowed.contains(&ip.to_canonical()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The process-wide recorder behind the `metrics` macros (installed once: every server
/// built in this process, tests included, shares it).
pub fn recorder() -> Result<PrometheusHandle, String> {
    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".into()), LATENCY_BUCKETS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full("http_response_size_bytes".into()), SIZE_BUCKETS))
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full("db_query_duration_seconds".into()), LATENCY_BUCKETS)
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full("db_pool_acquire_seconds".into()), LATENCY_BUCKETS)
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full("http_request_db_queries".into()), STATEMENT_COUNT_BUCKETS)
                })
                .map_err(|e| format!("cannot set up the metrics recorder: {e}"))
                .and_then(|builder| {
                    let recorder = builder.build_recorder();
                    let handle = recorder.handle();
                    // Some counters also tally per minute, for the alert rules.
                    metrics::set_global_recorder(Tallying { inner: recorder, tally: tally() })
                        .map_err(|e| format!("cannot install the metrics recorder: {e}"))?;
                    Ok(handle)
                })
        })
        .clone()
}

pub async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !state.monitoring.metrics_access.allows(&headers, Some(peer.ip())) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
            "Metrics need the bearer token from METRICS_TOKEN, or a request from an address in METRICS_ALLOW.\n",
        )
            .into_response();
    }
    state.monitoring.process.export();
    for cache in state.store.cache().map(|c| c.stats()).unwrap_or_default() {
        metrics::gauge!("cache_entries", "cache" => cache.name).set(cache.entries as f64);
    }
    for pool in state.store.db().pool_stats() {
        let busy = pool.size.saturating_sub(pool.idle);
        metrics::gauge!("db_pool_connections", "pool" => pool.pool, "state" => "idle").set(f64::from(pool.idle));
        metrics::gauge!("db_pool_connections", "pool" => pool.pool, "state" => "busy").set(f64::from(busy));
        metrics::gauge!("db_pool_max_connections", "pool" => pool.pool).set(f64::from(pool.max));
        metrics::gauge!("db_pool_waiting", "pool" => pool.pool).set(f64::from(pool.waiting));
    }
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"))],
        state.monitoring.prometheus.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_or_an_allowed_address_opens_the_metrics() {
        let access = MetricsAccess { token: Some("s3cret".into()), allowed: vec!["127.0.0.1".parse().unwrap()] };
        let mut headers = HeaderMap::new();
        assert!(access.allows(&headers, Some("127.0.0.1".parse().unwrap())));
        assert!(access.allows(&headers, Some("::ffff:127.0.0.1".parse().unwrap())), "IPv4 mapped in IPv6");
        assert!(!access.allows(&headers, Some("10.0.0.9".parse().unwrap())));
        headers.insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert!(access.allows(&headers, Some("10.0.0.9".parse().unwrap())));
        headers.insert(header::AUTHORIZATION, "Bearer s3cre".parse().unwrap());
        assert!(!access.allows(&headers, Some("10.0.0.9".parse().unwrap())));
        let no_token = MetricsAccess { token: None, allowed: vec![] };
        headers.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert!(!no_token.allows(&headers, None));
    }
}
