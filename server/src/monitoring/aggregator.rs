//! Rolling statistics of the requests this instance served: the last minute, five minutes
//! and hour, overall and per route, with latency quantiles (p50/p95/p99), mean, max,
//! throughput and error rates. Prometheus keeps the long history; these windows answer
//! "how are we doing right now" for `/health`, the performance API and the dashboard, and
//! closed minutes become the rollups kept in the database for charts.
//!
//! Plain data and arithmetic: the caller passes the time, so tests drive the clock.
//! Latencies go into DDSketch summaries (`metrics-util`, which the Prometheus exporter
//! already uses): quantiles within 1% of the true value, in a few KiB per series, and
//! mergeable, so a window is the merge of its slots.

use std::collections::{HashMap, VecDeque};

use metrics_util::storage::Summary;
use serde::Serialize;

/// Relative error of the latency quantiles.
const ALPHA: f64 = 0.01;
/// At most this many sketch bins (8 bytes each) per series.
const MAX_BINS: u32 = 1024;
/// Latencies below this many milliseconds count as zero.
const MIN_MS: f64 = 0.001;

/// The windows statistics are kept for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Window {
    #[serde(rename = "1m")]
    OneMinute,
    #[serde(rename = "5m")]
    FiveMinutes,
    #[serde(rename = "1h")]
    OneHour,
}

impl Window {
    pub const ALL: [Window; 3] = [Window::OneMinute, Window::FiveMinutes, Window::OneHour];

    pub fn label(self) -> &'static str {
        match self {
            Window::OneMinute => "1m",
            Window::FiveMinutes => "5m",
            Window::OneHour => "1h",
        }
    }

    pub fn seconds(self) -> i64 {
        match self {
            Window::OneMinute => 60,
            Window::FiveMinutes => 300,
            Window::OneHour => 3600,
        }
    }
}

/// The figures of one series (all requests, or one route) over a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub requests: u64,
    pub requests_per_minute: f64,
    /// Share of requests answered 5xx (0.0 – 1.0).
    pub error_rate: f64,
    /// Share of requests answered 4xx.
    pub client_error_rate: f64,
    pub mean_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteStats {
    pub route: String,
    #[serde(flatten)]
    pub stats: Stats,
}

/// A window's statistics: overall, and per route (busiest first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub window: Window,
    /// Seconds the figures cover: the window, or less just after start.
    pub covered_seconds: i64,
    pub overall: Stats,
    pub routes: Vec<RouteStats>,
}

/// One closed minute of one route (or of all requests, `route` = `*`), as persisted.
#[derive(Debug, Clone, PartialEq)]
pub struct MinuteRollup {
    /// Unix seconds of the minute's start.
    pub minute: i64,
    pub route: String,
    pub requests: u64,
    pub server_errors: u64,
    pub client_errors: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// The route name of the all-requests series in rollups.
pub const ALL_ROUTES: &str = "*";

#[derive(Clone)]
struct Series {
    latency_ms: Summary,
    requests: u64,
    server_errors: u64,
    client_errors: u64,
}

impl Series {
    fn new() -> Self {
        Series { latency_ms: Summary::new(ALPHA, MAX_BINS, MIN_MS), requests: 0, server_errors: 0, client_errors: 0 }
    }

    fn add(&mut self, latency_ms: f64, status: u16) {
        self.latency_ms.add(latency_ms.max(0.0));
        self.requests += 1;
        match status {
            500.. => self.server_errors += 1,
            400..=499 => self.client_errors += 1,
            _ => {}
        }
    }

    fn merge(&mut self, other: &Series) {
        // Every sketch is made with the same parameters, so merging cannot fail.
        let _ = self.latency_ms.merge(&other.latency_ms);
        self.requests += other.requests;
        self.server_errors += other.server_errors;
        self.client_errors += other.client_errors;
    }

    fn quantile(&self, q: f64) -> Option<f64> {
        self.latency_ms.quantile(q).map(round_ms)
    }

    fn mean(&self) -> Option<f64> {
        let count = self.latency_ms.count();
        (count > 0).then(|| round_ms(self.latency_ms.sum().unwrap_or(0.0) / count as f64))
    }

    fn stats(&self, covered_seconds: i64) -> Stats {
        let share = |n: u64| if self.requests == 0 { 0.0 } else { n as f64 / self.requests as f64 };
        Stats {
            requests: self.requests,
            requests_per_minute: self.requests as f64 * 60.0 / covered_seconds.max(1) as f64,
            error_rate: share(self.server_errors),
            client_error_rate: share(self.client_errors),
            mean_ms: self.mean(),
            p50_ms: self.quantile(0.50),
            p95_ms: self.quantile(0.95),
            p99_ms: self.quantile(0.99),
            max_ms: (self.requests > 0).then(|| round_ms(self.latency_ms.max())),
        }
    }
}

fn round_ms(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}

struct Slot {
    /// Unix seconds, a multiple of the ring's slot length.
    start: i64,
    overall: Series,
    routes: HashMap<String, Series>,
}

/// Consecutive time slots of one length, the oldest dropped once `keep` are held.
struct Ring {
    slot_seconds: i64,
    keep: usize,
    slots: VecDeque<Slot>,
}

impl Ring {
    fn new(slot_seconds: i64, keep: usize) -> Self {
        Ring { slot_seconds, keep, slots: VecDeque::with_capacity(keep + 1) }
    }

    fn slot_start(&self, now: i64) -> i64 {
        now - now.rem_euclid(self.slot_seconds)
    }

    fn add(&mut self, now: i64, route: &str, latency_ms: f64, status: u16) {
        let start = self.slot_start(now);
        // A clock step backwards lands in the newest slot rather than reordering the ring.
        if self.slots.back().is_none_or(|slot| slot.start < start) {
            self.slots.push_back(Slot { start, overall: Series::new(), routes: HashMap::new() });
            while self.slots.len() > self.keep {
                self.slots.pop_front();
            }
        }
        if let Some(slot) = self.slots.back_mut() {
            slot.overall.add(latency_ms, status);
            match slot.routes.get_mut(route) {
                Some(series) => series.add(latency_ms, status),
                None => {
                    let mut series = Series::new();
                    series.add(latency_ms, status);
                    slot.routes.insert(route.to_owned(), series);
                }
            }
        }
    }

    /// The slots that overlap the `seconds` before `now` (the current one included).
    fn within(&self, now: i64, seconds: i64) -> impl Iterator<Item = &Slot> {
        let oldest = self.slot_start(now) - seconds + self.slot_seconds;
        self.slots.iter().filter(move |slot| slot.start >= oldest && slot.start <= now)
    }
}

/// The rolling windows of one instance.
pub struct Aggregator {
    /// 10-second slots for the 1- and 5-minute windows, so they roll smoothly.
    recent: Ring,
    /// Minute slots for the hour, and the minutes not yet persisted.
    minutes: Ring,
    /// When counting began (unix seconds): windows cover no more than this.
    started: i64,
    /// Minutes before this one (unix seconds) have been handed out as rollups.
    rolled_up_until: i64,
}

impl std::fmt::Debug for Aggregator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aggregator").field("started", &self.started).finish_non_exhaustive()
    }
}

impl Aggregator {
    pub fn new(now: i64) -> Self {
        Aggregator {
            recent: Ring::new(10, 30),
            // One hour, plus a few minutes in case persisting falls behind.
            minutes: Ring::new(60, 65),
            started: now,
            rolled_up_until: now - now.rem_euclid(60),
        }
    }

    pub fn record(&mut self, now: i64, route: &str, latency_ms: f64, status: u16) {
        self.recent.add(now, route, latency_ms, status);
        self.minutes.add(now, route, latency_ms, status);
    }

    fn ring(&self, window: Window) -> &Ring {
        if window == Window::OneHour { &self.minutes } else { &self.recent }
    }

    /// Seconds a window covers: the window, or less just after start.
    fn covered_seconds(&self, now: i64, window: Window) -> i64 {
        window.seconds().min(now - self.started + 1).max(1)
    }

    /// The all-requests figures alone (what `/health` needs, without the per-route work).
    pub fn overall(&self, now: i64, window: Window) -> Stats {
        let mut overall = Series::new();
        for slot in self.ring(window).within(now, window.seconds()) {
            overall.merge(&slot.overall);
        }
        overall.stats(self.covered_seconds(now, window))
    }

    pub fn report(&self, now: i64, window: Window) -> Report {
        let mut routes: HashMap<&str, Series> = HashMap::new();
        for slot in self.ring(window).within(now, window.seconds()) {
            for (route, series) in &slot.routes {
                routes.entry(route.as_str()).or_insert_with(Series::new).merge(series);
            }
        }
        let covered_seconds = self.covered_seconds(now, window);
        let mut routes: Vec<RouteStats> = routes
            .into_iter()
            .map(|(route, series)| RouteStats { route: route.to_owned(), stats: series.stats(covered_seconds) })
            .collect();
        routes.sort_by(|a, b| b.stats.requests.cmp(&a.stats.requests).then_with(|| a.route.cmp(&b.route)));
        Report { window, covered_seconds, overall: self.overall(now, window), routes }
    }

    /// The minutes that ended since the last call, per route and overall, once each.
    pub fn take_closed_minutes(&mut self, now: i64) -> Vec<MinuteRollup> {
        let current = now - now.rem_euclid(60);
        let mut rollups = Vec::new();
        for slot in self.minutes.slots.iter().filter(|s| s.start >= self.rolled_up_until && s.start < current) {
            rollups.push(rollup(slot.start, ALL_ROUTES, &slot.overall));
            let mut routes: Vec<_> = slot.routes.iter().collect();
            routes.sort_by(|a, b| a.0.cmp(b.0));
            rollups.extend(routes.into_iter().map(|(route, series)| rollup(slot.start, route, series)));
        }
        self.rolled_up_until = self.rolled_up_until.max(current);
        rollups
    }
}

impl Aggregator {
    /// The figures of `route` (`*`: all requests) in the minutes not yet handed to
    /// `take_closed_minutes`, the running one included: what the charts add to the persisted
    /// rollups to be live.
    pub fn unpersisted_minutes(&self, route: &str) -> Vec<MinuteRollup> {
        let from = self.rolled_up_until;
        self.minutes
            .slots
            .iter()
            .filter(|s| s.start >= from)
            .filter_map(|s| {
                let series = if route == ALL_ROUTES { Some(&s.overall) } else { s.routes.get(route) };
                series.map(|series| rollup(s.start, route, series))
            })
            .collect()
    }
}

fn rollup(minute: i64, route: &str, series: &Series) -> MinuteRollup {
    MinuteRollup {
        minute,
        route: route.to_owned(),
        requests: series.requests,
        server_errors: series.server_errors,
        client_errors: series.client_errors,
        mean_ms: series.mean().unwrap_or(0.0),
        p50_ms: series.quantile(0.50).unwrap_or(0.0),
        p95_ms: series.quantile(0.95).unwrap_or(0.0),
        p99_ms: series.quantile(0.99).unwrap_or(0.0),
        max_ms: round_ms(series.latency_ms.max().max(0.0)),
    }
}

/// A window's figures for tests: `requests` over 5 minutes at `p95_ms`, the mean and median
/// at half of it.
#[cfg(test)]
pub(crate) fn test_stats(requests: u64, p95_ms: f64, error_rate: f64) -> Stats {
    Stats {
        requests,
        requests_per_minute: requests as f64 / 5.0,
        error_rate,
        client_error_rate: 0.0,
        mean_ms: Some(p95_ms / 2.0),
        p50_ms: Some(p95_ms / 2.0),
        p95_ms: Some(p95_ms),
        p99_ms: Some(p95_ms),
        max_ms: Some(p95_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000; // a minute boundary

    fn close_to(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() <= expected * 0.02)
    }

    #[test]
    fn quantiles_match_a_known_distribution() {
        let mut aggregator = Aggregator::new(T0);
        // 1, 2, …, 1000 ms, shuffled by a stride coprime with 1000.
        for i in 0..1000 {
            let ms = ((i * 377) % 1000 + 1) as f64;
            aggregator.record(T0 + 5, "/organizations", ms, 200);
        }
        let stats = aggregator.report(T0 + 5, Window::OneMinute).overall;
        assert_eq!(stats, aggregator.overall(T0 + 5, Window::OneMinute));
        assert_eq!(stats.requests, 1000);
        assert!(close_to(stats.p50_ms, 500.0), "p50 {:?}", stats.p50_ms);
        assert!(close_to(stats.p95_ms, 950.0), "p95 {:?}", stats.p95_ms);
        assert!(close_to(stats.p99_ms, 990.0), "p99 {:?}", stats.p99_ms);
        assert!(close_to(stats.mean_ms, 500.5), "mean {:?}", stats.mean_ms);
        assert!(close_to(stats.max_ms, 1000.0), "max {:?}", stats.max_ms);
    }

    #[test]
    fn windows_forget_what_is_older_than_them() {
        let mut aggregator = Aggregator::new(T0);
        aggregator.record(T0, "/a", 10.0, 200);
        aggregator.record(T0 + 200, "/a", 20.0, 200);
        aggregator.record(T0 + 290, "/b", 30.0, 500);
        let now = T0 + 295;
        assert_eq!(aggregator.report(now, Window::OneMinute).overall.requests, 1);
        assert_eq!(aggregator.report(now, Window::FiveMinutes).overall.requests, 3);
        let later = T0 + 1000;
        assert_eq!(aggregator.report(later, Window::FiveMinutes).overall.requests, 0);
        assert_eq!(aggregator.report(later, Window::OneHour).overall.requests, 3);
        assert_eq!(aggregator.report(T0 + 3700, Window::OneHour).overall.requests, 2);
    }

    #[test]
    fn rates_and_routes() {
        let mut aggregator = Aggregator::new(T0);
        for i in 0..100 {
            let status = match i {
                0 => 500,
                1..=4 => 404,
                _ => 200,
            };
            aggregator.record(T0 + 30, "/organizations/:id", 5.0, status);
        }
        aggregator.record(T0 + 30, "/", 1.0, 200);
        let report = aggregator.report(T0 + 59, Window::OneMinute);
        assert_eq!(report.covered_seconds, 60);
        assert_eq!(report.overall.requests, 101);
        assert!((report.overall.requests_per_minute - 101.0).abs() < 1e-9);
        let busiest = &report.routes[0];
        assert_eq!(busiest.route, "/organizations/:id");
        assert!((busiest.stats.error_rate - 0.01).abs() < 1e-9);
        assert!((busiest.stats.client_error_rate - 0.04).abs() < 1e-9);
        assert_eq!(report.routes[1].route, "/");
    }

    #[test]
    fn throughput_counts_only_the_time_since_start() {
        let mut aggregator = Aggregator::new(T0);
        for _ in 0..30 {
            aggregator.record(T0 + 29, "/", 1.0, 200);
        }
        let report = aggregator.report(T0 + 29, Window::OneHour);
        assert_eq!(report.covered_seconds, 30);
        assert!((report.overall.requests_per_minute - 60.0).abs() < 1e-9);
    }

    #[test]
    fn an_empty_window_has_no_latencies() {
        let report = Aggregator::new(T0).report(T0, Window::FiveMinutes);
        assert_eq!(report.overall.requests, 0);
        assert_eq!(report.overall.error_rate, 0.0);
        assert_eq!((report.overall.p95_ms, report.overall.max_ms), (None, None));
        assert!(report.routes.is_empty());
    }

    #[test]
    fn closed_minutes_are_rolled_up_once() {
        let mut aggregator = Aggregator::new(T0);
        aggregator.record(T0 + 10, "/a", 10.0, 200);
        aggregator.record(T0 + 70, "/b", 20.0, 503);
        assert!(aggregator.take_closed_minutes(T0 + 50).is_empty(), "the minute is still open");
        let rollups = aggregator.take_closed_minutes(T0 + 130);
        let keys: Vec<_> = rollups.iter().map(|r| (r.minute - T0, r.route.as_str(), r.requests)).collect();
        assert_eq!(keys, [(0, "*", 1), (0, "/a", 1), (60, "*", 1), (60, "/b", 1)]);
        assert_eq!(rollups[3].server_errors, 1);
        assert!(close_to(Some(rollups[3].p95_ms), 20.0));
        assert!(aggregator.take_closed_minutes(T0 + 170).is_empty(), "already handed out");
    }

    #[test]
    fn the_minutes_not_yet_persisted_are_there_for_live_charts() {
        let mut aggregator = Aggregator::new(T0);
        aggregator.record(T0 + 10, "/a", 10.0, 200);
        aggregator.record(T0 + 70, "/b", 20.0, 200);
        aggregator.record(T0 + 75, "/b", 20.0, 200);
        let minutes = |a: &Aggregator, route| {
            a.unpersisted_minutes(route).iter().map(|m| (m.minute - T0, m.requests)).collect::<Vec<_>>()
        };
        assert_eq!(minutes(&aggregator, ALL_ROUTES), [(0, 1), (60, 2)]);
        assert_eq!(minutes(&aggregator, "/b"), [(60, 2)]);
        aggregator.take_closed_minutes(T0 + 80);
        assert_eq!(minutes(&aggregator, ALL_ROUTES), [(60, 2)], "the running minute stays until it is handed out");
    }
}
