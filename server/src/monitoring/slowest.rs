//! The slowest requests of each route in the last hour, for the route's drill-down page:
//! when, how long, the status, the request id and the user, so one slow request can be found
//! in the logs and traces. Kept per minute (the slowest few of each), so a slow request
//! leaves the list when its minute leaves the hour and the next slowest take its place.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

/// Requests kept per route and minute, and shown per route.
pub const KEEP: usize = 5;
/// Minutes kept.
const MINUTES: i64 = 60;

#[derive(Debug, Clone, PartialEq)]
pub struct SlowRequest {
    pub at: DateTime<Utc>,
    pub latency_ms: f64,
    pub method: &'static str,
    pub status: u16,
    pub request_id: Option<String>,
    pub user: Option<String>,
}

#[derive(Debug, Default)]
pub struct SlowestRequests {
    /// Per route, per minute (unix minute, oldest first), its slowest requests, slowest first.
    routes: HashMap<String, VecDeque<(i64, Vec<SlowRequest>)>>,
}

impl SlowestRequests {
    pub fn record(&mut self, route: &str, request: SlowRequest) {
        let minute = request.at.timestamp().div_euclid(60);
        let minutes = match self.routes.get_mut(route) {
            Some(minutes) => minutes,
            None => self.routes.entry(route.to_owned()).or_default(),
        };
        while minutes.front().is_some_and(|(m, _)| *m <= minute - MINUTES) {
            minutes.pop_front();
        }
        if minutes.back().is_none_or(|(m, _)| *m < minute) {
            minutes.push_back((minute, Vec::with_capacity(KEEP)));
        }
        // A request that finishes after a later one started may belong to an earlier minute.
        let Some((_, slowest)) = minutes.iter_mut().rev().find(|(m, _)| *m <= minute) else { return };
        if slowest.len() == KEEP && slowest.last().is_some_and(|s| s.latency_ms >= request.latency_ms) {
            return;
        }
        let at = slowest.partition_point(|s| s.latency_ms >= request.latency_ms);
        slowest.insert(at, request);
        slowest.truncate(KEEP);
    }

    /// Whether a request that ended `at` after `latency_ms` may be kept: `false` when its
    /// minute already holds [`KEEP`] requests as slow or slower (so what it would keep need
    /// not be gathered). [`Self::record`] decides.
    pub fn admits(&self, route: &str, at: DateTime<Utc>, latency_ms: f64) -> bool {
        let minute = at.timestamp().div_euclid(60);
        match self.routes.get(route).and_then(|minutes| minutes.iter().rev().find(|(m, _)| *m <= minute)) {
            Some((m, slowest)) if *m == minute => {
                slowest.len() < KEEP || slowest.last().is_some_and(|s| s.latency_ms < latency_ms)
            }
            _ => true,
        }
    }

    /// The route's slowest requests of the hour before `now`, slowest first.
    pub fn slowest(&self, route: &str, now: DateTime<Utc>) -> Vec<SlowRequest> {
        let since = now.timestamp().div_euclid(60) - MINUTES;
        let mut all: Vec<SlowRequest> = self
            .routes
            .get(route)
            .into_iter()
            .flatten()
            .filter(|(m, _)| *m > since)
            .flat_map(|(_, slowest)| slowest.iter().cloned())
            .collect();
        all.sort_by(|a, b| b.latency_ms.total_cmp(&a.latency_ms));
        all.truncate(KEEP);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(seconds: i64, latency_ms: f64) -> SlowRequest {
        SlowRequest {
            at: DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap_or_default(),
            latency_ms,
            method: "GET",
            status: 200,
            request_id: Some(format!("req-{seconds}-{latency_ms}")),
            user: None,
        }
    }

    fn latencies(list: &[SlowRequest]) -> Vec<f64> {
        list.iter().map(|r| r.latency_ms).collect()
    }

    #[test]
    fn the_slowest_of_the_hour_are_kept_slowest_first() {
        let mut slowest = SlowestRequests::default();
        for (i, ms) in [12.0, 900.0, 3.0, 450.0, 80.0, 1_200.0, 7.0, 300.0].into_iter().enumerate() {
            slowest.record("/organizations", request(i as i64 * 20, ms));
        }
        slowest.record("/today", request(0, 5_000.0));
        let now = request(200, 0.0).at;
        assert_eq!(latencies(&slowest.slowest("/organizations", now)), [1_200.0, 900.0, 450.0, 300.0, 80.0]);
        assert_eq!(latencies(&slowest.slowest("/nowhere", now)), Vec::<f64>::new());
    }

    #[test]
    fn admits_only_what_record_would_keep() {
        let mut slowest = SlowestRequests::default();
        let at = |seconds| request(seconds, 0.0).at;
        assert!(slowest.admits("/r", at(0), 1.0), "nothing kept yet");
        for ms in [50.0, 40.0, 30.0, 20.0, 10.0] {
            slowest.record("/r", request(0, ms));
        }
        assert!(!slowest.admits("/r", at(5), 10.0), "the minute is full of slower ones");
        assert!(slowest.admits("/r", at(5), 10.5));
        assert!(slowest.admits("/r", at(60), 1.0), "a new minute");
        assert!(slowest.admits("/other", at(5), 1.0), "another route");
        for ms in [1.0, 10.5] {
            let before = latencies(&slowest.slowest("/r", at(30)));
            slowest.record("/r", request(5, ms));
            let kept = latencies(&slowest.slowest("/r", at(30))) != before;
            assert_eq!(kept, ms > 10.0, "record agrees with admits for {ms} ms");
        }
    }

    #[test]
    fn a_slow_request_leaves_with_its_minute_and_the_next_slowest_show() {
        let mut slowest = SlowestRequests::default();
        slowest.record("/r", request(0, 9_000.0));
        slowest.record("/r", request(30 * 60, 40.0));
        slowest.record("/r", request(59 * 60, 60.0));
        let within = request(59 * 60 + 30, 0.0).at;
        assert_eq!(latencies(&slowest.slowest("/r", within)), [9_000.0, 60.0, 40.0]);
        let later = request(61 * 60, 0.0).at;
        assert_eq!(latencies(&slowest.slowest("/r", later)), [60.0, 40.0], "the first minute is over an hour old");
        slowest.record("/r", request(61 * 60, 1.0));
        assert_eq!(slowest.routes["/r"].len(), 3, "recording drops the minutes past the hour");
    }
}
