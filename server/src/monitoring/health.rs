//! `GET /health`: whether this instance can serve. `healthy`, `degraded` (slow or failing
//! more than usual, or the shared cache is away) or `unhealthy` (503: the database does not answer, requests are very
//! slow or failing, memory is past its limit), judged over the last five minutes against
//! thresholds from the configuration (defaults from domain.md). Anonymous callers (load
//! balancers) get the status alone; signed-in managers and administrators also get the
//! reasons, each check with its timing, the request figures and the process.

use std::time::Instant;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use app::model::CurrentUser;

use super::aggregator::{Stats, Window};
use crate::state::AppState;

/// The window health is judged over.
pub const WINDOW: Window = Window::FiveMinutes;

#[derive(Debug, Clone, Serialize)]
pub struct HealthThresholds {
    pub degraded_p95_ms: f64,
    pub unhealthy_p95_ms: f64,
    /// Shares of requests answered 5xx (0.01 = 1%).
    pub degraded_error_rate: f64,
    pub unhealthy_error_rate: f64,
    pub memory_limit_bytes: Option<u64>,
    /// Fewer requests than this in the window are too few to judge latency and errors by.
    pub min_requests: u64,
}

impl Default for HealthThresholds {
    fn default() -> Self {
        HealthThresholds {
            degraded_p95_ms: 1000.0,
            unhealthy_p95_ms: 2000.0,
            degraded_error_rate: 0.01,
            unhealthy_error_rate: 0.05,
            memory_limit_bytes: None,
            min_requests: 20,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    Healthy,
    Degraded,
    Unhealthy,
}

/// What health is judged from.
pub struct Signals<'a> {
    pub database_ok: bool,
    /// `None` when no shared cache (Redis) is configured.
    pub shared_cache_ok: Option<bool>,
    pub requests: &'a Stats,
    pub resident_memory_bytes: Option<u64>,
}

/// The status and the reasons for it (none when healthy).
pub fn assess(signals: &Signals, thresholds: &HealthThresholds) -> (HealthStatus, Vec<String>) {
    let mut findings: Vec<(HealthStatus, String)> = Vec::new();
    if !signals.database_ok {
        findings.push((HealthStatus::Unhealthy, "the database does not answer".to_owned()));
    }
    if signals.shared_cache_ok == Some(false) {
        // The app serves on without it (memory and the database), only slower across instances.
        findings.push((HealthStatus::Degraded, "the shared cache (Redis) does not answer".to_owned()));
    }
    let requests = signals.requests;
    if requests.requests >= thresholds.min_requests {
        if let Some(p95) = requests.p95_ms {
            let level = level(p95, thresholds.degraded_p95_ms, thresholds.unhealthy_p95_ms);
            if let Some((status, limit)) = level {
                findings.push((
                    status,
                    format!("p95 response time {p95:.0} ms over the last 5 minutes (limit {limit:.0} ms)"),
                ));
            }
        }
        let rate = requests.error_rate;
        if let Some((status, limit)) = level(rate, thresholds.degraded_error_rate, thresholds.unhealthy_error_rate) {
            findings.push((
                status,
                format!(
                    "{:.1}% of requests failed over the last 5 minutes (limit {:.1}%)",
                    rate * 100.0,
                    limit * 100.0
                ),
            ));
        }
    }
    if let (Some(rss), Some(limit)) = (signals.resident_memory_bytes, thresholds.memory_limit_bytes)
        && rss > limit
    {
        findings.push((
            HealthStatus::Unhealthy,
            format!("memory {} MiB is over the limit of {} MiB", rss >> 20, limit >> 20),
        ));
    }
    let status = findings.iter().map(|(status, _)| *status).max().unwrap_or(HealthStatus::Healthy);
    (status, findings.into_iter().map(|(_, reason)| reason).collect())
}

/// The level a value reaches, with the threshold it passed.
fn level(value: f64, degraded: f64, unhealthy: f64) -> Option<(HealthStatus, f64)> {
    if value > unhealthy {
        Some((HealthStatus::Unhealthy, unhealthy))
    } else if value > degraded {
        Some((HealthStatus::Degraded, degraded))
    } else {
        None
    }
}

/// The database and the shared cache asked now, and the window's requests: what health is
/// judged by (here and on the monitoring dashboard).
pub struct Checks {
    pub database_ok: bool,
    pub database_ms: f64,
    /// The shared cache's answer time or error; `None` without one.
    pub redis: Option<Result<std::time::Duration, String>>,
    pub requests: Stats,
}

pub async fn checks(state: &AppState) -> Checks {
    let started = Instant::now();
    let database = state.store.ping().await;
    let database_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Err(e) = &database {
        tracing::error!(error = %e, "health check: the database does not answer");
    }
    let redis = match state.store.cache().and_then(|cache| cache.shared()) {
        Some(shared) => Some(shared.check().await),
        None => None,
    };
    Checks { database_ok: database.is_ok(), database_ms, redis, requests: state.monitoring.overall(WINDOW) }
}

impl Checks {
    pub fn assess(
        &self,
        thresholds: &HealthThresholds,
        resident_memory_bytes: Option<u64>,
    ) -> (HealthStatus, Vec<String>) {
        let signals = Signals {
            database_ok: self.database_ok,
            shared_cache_ok: self.redis.as_ref().map(Result::is_ok),
            requests: &self.requests,
            resident_memory_bytes,
        };
        assess(&signals, thresholds)
    }
}

pub async fn health(State(state): State<AppState>, request: Request) -> Response {
    let checks = checks(&state).await;
    let monitoring = &state.monitoring;
    let detailed = request.extensions().get::<CurrentUser>().is_some_and(app::policy::can_monitor);
    // Reading the process costs a few /proc reads: only when a limit or a person needs it,
    // not on every load balancer probe.
    let process = (detailed || monitoring.health.memory_limit_bytes.is_some()).then(|| monitoring.process.stats());
    let (status, reasons) = checks.assess(&monitoring.health, process.as_ref().and_then(|p| p.resident_memory_bytes));
    let Checks { database_ok, database_ms, redis, requests } = checks;
    let code = if status == HealthStatus::Unhealthy { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
    let body = if let (true, Some(process)) = (detailed, process) {
        let mut checks = json!({"database": {
            "ok": database_ok,
            "backend": format!("{:?}", state.store.backend()).to_lowercase(),
            "ms": database_ms,
        }});
        if let Some(redis) = &redis {
            checks["redis"] = match redis {
                Ok(elapsed) => json!({"ok": true, "ms": elapsed.as_secs_f64() * 1000.0}),
                Err(error) => json!({"ok": false, "error": error}),
            };
        }
        json!({
            "status": status,
            "reasons": reasons,
            "version": process.version,
            "uptime_seconds": process.uptime_seconds,
            "checks": checks,
            "window": WINDOW,
            "requests": requests,
            "process": process,
            "thresholds": monitoring.health,
        })
    } else {
        json!({"status": status})
    };
    (code, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::aggregator::test_stats as stats;

    fn judge(database_ok: bool, requests: &Stats, rss: Option<u64>) -> (HealthStatus, Vec<String>) {
        let thresholds = HealthThresholds { memory_limit_bytes: Some(512 << 20), ..HealthThresholds::default() };
        assess(&Signals { database_ok, shared_cache_ok: None, requests, resident_memory_bytes: rss }, &thresholds)
    }

    #[test]
    fn a_missing_shared_cache_degrades_but_never_stops_the_service() {
        let requests = stats(100, 50.0, 0.0);
        let signals =
            |ok| Signals { database_ok: true, shared_cache_ok: ok, requests: &requests, resident_memory_bytes: None };
        let thresholds = HealthThresholds::default();
        assert_eq!(assess(&signals(Some(true)), &thresholds).0, HealthStatus::Healthy);
        assert_eq!(
            assess(&signals(Some(false)), &thresholds),
            (HealthStatus::Degraded, vec!["the shared cache (Redis) does not answer".to_owned()])
        );
    }

    #[test]
    fn thresholds_of_the_domain() {
        assert_eq!(judge(true, &stats(100, 120.0, 0.0), Some(100 << 20)), (HealthStatus::Healthy, vec![]));
        let (status, reasons) = judge(true, &stats(100, 1500.0, 0.0), None);
        assert_eq!(status, HealthStatus::Degraded);
        assert_eq!(reasons, ["p95 response time 1500 ms over the last 5 minutes (limit 1000 ms)"]);
        assert_eq!(judge(true, &stats(100, 2500.0, 0.0), None).0, HealthStatus::Unhealthy);
        let (status, reasons) = judge(true, &stats(100, 50.0, 0.02), None);
        assert_eq!(status, HealthStatus::Degraded);
        assert_eq!(reasons, ["2.0% of requests failed over the last 5 minutes (limit 1.0%)"]);
        assert_eq!(judge(true, &stats(100, 50.0, 0.06), None).0, HealthStatus::Unhealthy);
    }

    #[test]
    fn the_worst_finding_wins_and_every_reason_is_given() {
        let (status, reasons) = judge(false, &stats(100, 1500.0, 0.0), Some(600 << 20));
        assert_eq!(status, HealthStatus::Unhealthy);
        assert_eq!(reasons.len(), 3);
        assert_eq!(reasons[0], "the database does not answer");
        assert_eq!(reasons[2], "memory 600 MiB is over the limit of 512 MiB");
    }

    #[test]
    fn a_handful_of_requests_is_not_judged() {
        assert_eq!(judge(true, &stats(5, 9000.0, 1.0), None).0, HealthStatus::Healthy);
    }
}
