//! The server measuring itself: every request recorded by route template into the
//! `metrics` facade ([`requests`]), exported in the Prometheus text format at `/metrics`
//! ([`prometheus`]), and `/health` ([`health`]).

pub mod health;
pub mod prometheus;
pub mod requests;

use std::time::Instant;

use metrics_exporter_prometheus::PrometheusHandle;

/// What the monitoring routes share.
#[derive(Clone)]
pub struct Monitoring {
    pub prometheus: PrometheusHandle,
    pub started: Instant,
    pub metrics_access: prometheus::MetricsAccess,
}
