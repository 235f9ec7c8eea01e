//! The server measuring itself: every request recorded by route template into the
//! `metrics` facade and the rolling windows ([`requests`], [`aggregator`]), server errors
//! tracked ([`errors`]), database statements timed ([`database`]), the process watched
//! ([`process`]), each route's metric handles made once ([`route_metrics`]), minute rollups kept in the
//! database ([`rollups`], [`samples`]); shown on the dashboard ([`dashboard`]); read through `/metrics` ([`prometheus`]), `/health`
//! ([`health`]) and the performance and error API (`routes::api::performance`).

pub mod aggregator;
pub mod dashboard;
pub mod database;
pub mod errors;
pub mod events;
pub mod health;
pub mod offline_queues;
pub mod process;
pub mod prometheus;
pub mod requests;
pub mod rollups;
pub mod route_metrics;
pub mod samples;
pub mod slowest;
pub mod vitals;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use metrics_exporter_prometheus::PrometheusHandle;

use aggregator::{Aggregator, Report, Window};
use database::DatabaseWatch;
use errors::{ErrorGroup, ErrorLog, ErrorOccurrence};
use health::HealthThresholds;
use process::ProcessMonitor;

/// What the monitoring routes and layers share. One allocation behind an `Arc`: every
/// request clones the app state, and with it this.
#[derive(Clone)]
pub struct Monitoring(Arc<Shared>);

pub struct Shared {
    /// Names this instance's rows among those of others sharing the database.
    pub instance: String,
    pub prometheus: PrometheusHandle,
    pub metrics_access: prometheus::MetricsAccess,
    pub health: HealthThresholds,
    pub process: ProcessMonitor,
    pub database: Arc<DatabaseWatch>,
    /// Per-minute counts of failed sign-ins, database errors and the like (one per process).
    pub events: Arc<events::EventTally>,
    /// The dashboard's web vitals summaries, kept for a few seconds.
    pub vitals_summaries: dashboard::VitalsMemo,
    /// Signed-in browsers' offline changes not yet on the server, as they last reported.
    pub offline_queues: offline_queues::OfflineQueues,
    /// Each route's metric handles.
    pub routes: route_metrics::Routes,
    aggregator: Mutex<Aggregator>,
    errors: Mutex<ErrorLog>,
    slowest: Mutex<slowest::SlowestRequests>,
}

impl std::ops::Deref for Monitoring {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl Monitoring {
    pub fn new(
        prometheus: PrometheusHandle,
        metrics_access: prometheus::MetricsAccess,
        health: HealthThresholds,
    ) -> Self {
        let now = chrono::Utc::now().timestamp();
        Monitoring(Arc::new(Shared {
            instance: uuid::Uuid::new_v4().simple().to_string()[..8].to_owned(),
            prometheus,
            metrics_access,
            health,
            process: ProcessMonitor::new(Instant::now()),
            database: Arc::new(DatabaseWatch::new(now)),
            events: events::tally(),
            vitals_summaries: dashboard::VitalsMemo::default(),
            offline_queues: offline_queues::OfflineQueues::default(),
            routes: route_metrics::Routes::default(),
            aggregator: Mutex::new(Aggregator::new(now)),
            errors: Mutex::new(ErrorLog::default()),
            slowest: Mutex::new(slowest::SlowestRequests::default()),
        }))
    }

    /// Counts one request in the rolling windows (`now` in unix seconds).
    pub fn record(&self, now: i64, route: &str, latency_ms: f64, status: u16) {
        lock(&self.aggregator).record(now, route, latency_ms, status);
    }

    pub fn report(&self, window: Window) -> Report {
        lock(&self.aggregator).report(chrono::Utc::now().timestamp(), window)
    }

    /// The all-requests figures of a window.
    pub fn overall(&self, window: Window) -> aggregator::Stats {
        lock(&self.aggregator).overall(chrono::Utc::now().timestamp(), window)
    }

    pub fn take_closed_minutes(&self) -> Vec<aggregator::MinuteRollup> {
        lock(&self.aggregator).take_closed_minutes(chrono::Utc::now().timestamp())
    }

    /// This instance's minutes of `route` (`*`: all) not yet in the rollups, the running one too.
    pub fn unpersisted_minutes(&self, route: &str) -> Vec<aggregator::MinuteRollup> {
        lock(&self.aggregator).unpersisted_minutes(route)
    }

    /// Keeps the request that ended `at` after `latency_ms` if it is among the slowest of its
    /// route and minute; `request` gathers what is kept of it, only then.
    pub fn record_slow(
        &self,
        route: &str,
        at: chrono::DateTime<chrono::Utc>,
        latency_ms: f64,
        request: impl FnOnce() -> slowest::SlowRequest,
    ) {
        let mut slowest = lock(&self.slowest);
        if slowest.admits(route, at, latency_ms) {
            slowest.record(route, request());
        }
    }

    /// The route's slowest requests of the last hour, slowest first.
    pub fn slowest(&self, route: &str) -> Vec<slowest::SlowRequest> {
        lock(&self.slowest).slowest(route, chrono::Utc::now())
    }

    pub fn record_error(&self, occurrence: ErrorOccurrence) {
        lock(&self.errors).record(occurrence);
    }

    pub fn errors(&self) -> Vec<ErrorGroup> {
        lock(&self.errors).groups()
    }
}

/// The monitoring state stays usable after a panic elsewhere: a count is never worth a crash.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
