//! Counts of notable events over the last hour, for alert rules: failed sign-ins, database
//! errors, rejected offline ops, browser errors, cache hits and misses. The code that sees
//! them already increments a Prometheus counter (`auth_failed_logins_total`, …), so the
//! process's metrics recorder is wrapped: those counters also tally per minute here. One
//! tally per process, like the recorder.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use metrics::{Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};

use super::lock;

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    FailedLogin,
    DatabaseError,
    SyncRejected,
    ClientError,
    CacheHit,
    CacheMiss,
}

impl Event {
    /// The event a counter's increments are, if any.
    fn of(key: &Key) -> Option<Event> {
        match key.name() {
            "auth_failed_logins_total" => Some(Event::FailedLogin),
            "db_errors_total" => Some(Event::DatabaseError),
            "client_errors_total" => Some(Event::ClientError),
            "cache_hits_total" => Some(Event::CacheHit),
            "cache_misses_total" => Some(Event::CacheMiss),
            "sync_ops_total" if key.labels().any(|l| l.key() == "status" && l.value() == "rejected") => {
                Some(Event::SyncRejected)
            }
            _ => None,
        }
    }
}

/// The minutes kept.
const MINUTES: i64 = 60;

/// Per-minute counts of each event over the last hour. Times are unix seconds, given by the
/// caller.
#[derive(Debug, Default)]
pub struct EventTally {
    minutes: Mutex<HashMap<Event, VecDeque<(i64, u64)>>>,
}

impl EventTally {
    pub fn add(&self, event: Event, count: u64, now: i64) {
        let minute = now.div_euclid(60);
        let mut all = lock(&self.minutes);
        let series = all.entry(event).or_default();
        match series.back_mut() {
            Some((last, total)) if *last == minute => *total += count,
            _ => series.push_back((minute, count)),
        }
        while series.front().is_some_and(|(m, _)| *m <= minute - MINUTES) {
            series.pop_front();
        }
    }

    /// How many in the minute that starts at `minute_start` (unix seconds).
    pub fn in_minute(&self, event: Event, minute_start: i64) -> u64 {
        let minute = minute_start.div_euclid(60);
        let all = lock(&self.minutes);
        all.get(&event).map(|s| s.iter().filter(|(m, _)| *m == minute).map(|(_, n)| n).sum()).unwrap_or(0)
    }

    /// How many in the last `minutes` minutes (this one included), up to an hour.
    pub fn count(&self, event: Event, minutes: i64, now: i64) -> u64 {
        let minute = now.div_euclid(60);
        let all = lock(&self.minutes);
        let since = minute - minutes.clamp(1, MINUTES);
        all.get(&event).map(|s| s.iter().filter(|(m, _)| *m > since && *m <= minute).map(|(_, n)| n).sum()).unwrap_or(0)
    }
}

/// The process's tally.
pub fn tally() -> Arc<EventTally> {
    static TALLY: OnceLock<Arc<EventTally>> = OnceLock::new();
    TALLY.get_or_init(Default::default).clone()
}

/// A recorder that hands everything to `inner` and tallies the counters of [`Event`]s.
pub struct Tallying<R> {
    pub inner: R,
    pub tally: Arc<EventTally>,
}

struct TalliedCounter {
    inner: Counter,
    event: Event,
    tally: Arc<EventTally>,
}

impl CounterFn for TalliedCounter {
    fn increment(&self, value: u64) {
        self.inner.increment(value);
        self.tally.add(self.event, value, chrono::Utc::now().timestamp());
    }

    fn absolute(&self, value: u64) {
        self.inner.absolute(value);
    }
}

impl<R: Recorder> Recorder for Tallying<R> {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.inner.describe_counter(key, unit, description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.inner.describe_gauge(key, unit, description);
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.inner.describe_histogram(key, unit, description);
    }

    fn register_counter(&self, key: &Key, metadata: &Metadata<'_>) -> Counter {
        let inner = self.inner.register_counter(key, metadata);
        match Event::of(key) {
            Some(event) => Counter::from_arc(Arc::new(TalliedCounter { inner, event, tally: self.tally.clone() })),
            None => inner,
        }
    }

    fn register_gauge(&self, key: &Key, metadata: &Metadata<'_>) -> Gauge {
        self.inner.register_gauge(key, metadata)
    }

    fn register_histogram(&self, key: &Key, metadata: &Metadata<'_>) -> Histogram {
        self.inner.register_histogram(key, metadata)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000;

    #[test]
    fn counts_are_kept_per_minute_for_an_hour() {
        let tally = EventTally::default();
        tally.add(Event::FailedLogin, 2, T0);
        tally.add(Event::FailedLogin, 1, T0 + 30);
        tally.add(Event::FailedLogin, 4, T0 + 4 * 60);
        tally.add(Event::DatabaseError, 9, T0 + 4 * 60);
        let now = T0 + 4 * 60 + 10;
        assert_eq!(tally.count(Event::FailedLogin, 1, now), 4, "this minute");
        assert_eq!(tally.count(Event::FailedLogin, 5, now), 7, "the last five");
        assert_eq!(tally.count(Event::DatabaseError, 60, now), 9);
        assert_eq!(tally.count(Event::SyncRejected, 60, now), 0);
        let minute = T0.div_euclid(60) * 60;
        assert_eq!(tally.in_minute(Event::FailedLogin, minute), 3, "the minute a sample saves");
        assert_eq!(tally.in_minute(Event::FailedLogin, minute + 60), 0);
        assert_eq!(tally.count(Event::FailedLogin, 5, T0 + 70 * 60), 0, "an hour later");
        tally.add(Event::FailedLogin, 1, T0 + 70 * 60);
        assert_eq!(tally.count(Event::FailedLogin, 60, T0 + 70 * 60), 1, "older minutes dropped");
    }

    #[test]
    fn only_rejected_sync_ops_are_rejections() {
        let rejected = Key::from_parts("sync_ops_total", vec![metrics::Label::new("status", "rejected")]);
        let applied = Key::from_parts("sync_ops_total", vec![metrics::Label::new("status", "applied")]);
        assert_eq!(Event::of(&rejected), Some(Event::SyncRejected));
        assert_eq!(Event::of(&applied), None);
        assert_eq!(Event::of(&Key::from_name("auth_failed_logins_total")), Some(Event::FailedLogin));
    }
}
