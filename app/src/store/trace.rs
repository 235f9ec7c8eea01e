//! What one request asked of the database and the cache: how many statements, how long
//! they took, which ran again and again (the N+1 pattern), and whether cached reads hit.
//! The server's request recorder puts a [`RequestTrace`] in the request; the store handed
//! to that request's handlers ([`super::Store::traced`]) adds to it, including from the
//! tasks Leptos spawns for a page's data. The recorder turns the [`TraceSummary`] into
//! `Server-Timing`, `X-Cache` and metrics.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A statement run at least this many times in one request is flagged as a likely N+1.
pub const REPEAT_LIMIT: u32 = 10;

#[derive(Debug, Clone)]
pub struct RequestTrace {
    tally: Arc<Mutex<Tally>>,
    /// The request's span, parent of its statements' spans (which may run in other tasks).
    span: tracing::Span,
}

impl Default for RequestTrace {
    fn default() -> Self {
        RequestTrace::new()
    }
}

#[derive(Debug, Default)]
struct Tally {
    statements: u32,
    db_time: Duration,
    by_name: HashMap<&'static str, u32>,
    cache_hits: u32,
    cache_misses: u32,
    cache_time: Duration,
}

/// How a request's cached reads went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Every cached read was answered from a cache.
    Hit,
    /// At least one went to the database.
    Miss,
}

impl CacheOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheOutcome::Hit => "HIT",
            CacheOutcome::Miss => "MISS",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TraceSummary {
    pub statements: u32,
    pub db_time: Duration,
    /// Statements run [`REPEAT_LIMIT`] times or more, the most repeated first.
    pub repeated: Vec<(&'static str, u32)>,
    /// `None` when the request made no cached read.
    pub cache: Option<CacheOutcome>,
    pub cache_time: Duration,
}

impl RequestTrace {
    /// A tally for the request whose span is current.
    pub fn new() -> Self {
        RequestTrace { tally: Arc::default(), span: tracing::Span::current() }
    }

    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn statement(&self, name: &'static str, elapsed: Duration) {
        let mut tally = self.tally();
        tally.statements += 1;
        tally.db_time += elapsed;
        *tally.by_name.entry(name).or_default() += 1;
    }

    pub fn cache_lookup(&self, hit: bool, elapsed: Duration) {
        let mut tally = self.tally();
        if hit {
            tally.cache_hits += 1;
        } else {
            tally.cache_misses += 1;
        }
        tally.cache_time += elapsed;
    }

    pub fn summary(&self) -> TraceSummary {
        let tally = self.tally();
        TraceSummary {
            statements: tally.statements,
            db_time: tally.db_time,
            repeated: repeated(&tally.by_name, REPEAT_LIMIT),
            cache: match (tally.cache_hits, tally.cache_misses) {
                (0, 0) => None,
                (_, 0) => Some(CacheOutcome::Hit),
                _ => Some(CacheOutcome::Miss),
            },
            cache_time: tally.cache_time,
        }
    }
}

/// The statements run `limit` times or more, the most repeated first (then by name).
pub fn repeated(by_name: &HashMap<&'static str, u32>, limit: u32) -> Vec<(&'static str, u32)> {
    let mut out: Vec<_> = by_name.iter().filter(|(_, n)| **n >= limit).map(|(name, n)| (*name, *n)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    out
}

impl TraceSummary {
    /// The `Server-Timing` header value: time in the database (with the statement count),
    /// in the cache, and the rest of the `total` (rendering the page or the JSON, and the
    /// handler's own work). Database statements of one request may run concurrently, so
    /// `db` can exceed the wall-clock share it took; `render` never goes below zero.
    pub fn server_timing(&self, total: Duration) -> String {
        use std::fmt::Write;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        // One string written in place: this runs on every response.
        let mut header = String::with_capacity(96);
        let _ = write!(header, "db;dur={:.1};desc=\"{} queries\", ", ms(self.db_time), self.statements);
        if let Some(outcome) = self.cache {
            let outcome = if outcome == CacheOutcome::Hit { "hit" } else { "miss" };
            let _ = write!(header, "cache;dur={:.1};desc=\"{outcome}\", ", ms(self.cache_time));
        }
        let render = total.saturating_sub(self.db_time + self.cache_time);
        let _ = write!(header, "render;dur={:.1}, total;dur={:.1}", ms(render), ms(total));
        header
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_repeated_past_the_limit_are_flagged() {
        let trace = RequestTrace::new();
        for _ in 0..12 {
            trace.statement("contacts.by_organization", Duration::from_millis(1));
        }
        for _ in 0..REPEAT_LIMIT {
            trace.statement("organizations.get", Duration::from_millis(1));
        }
        trace.statement("organizations.list", Duration::from_millis(3));
        let summary = trace.summary();
        assert_eq!(summary.statements, 12 + REPEAT_LIMIT + 1);
        assert_eq!(summary.db_time, Duration::from_millis(12 + u64::from(REPEAT_LIMIT) + 3));
        assert_eq!(summary.repeated, vec![("contacts.by_organization", 12), ("organizations.get", REPEAT_LIMIT)]);
    }

    #[test]
    fn one_miss_makes_the_request_a_miss() {
        let trace = RequestTrace::new();
        assert_eq!(trace.summary().cache, None);
        trace.cache_lookup(true, Duration::ZERO);
        assert_eq!(trace.summary().cache, Some(CacheOutcome::Hit));
        trace.cache_lookup(false, Duration::ZERO);
        trace.cache_lookup(true, Duration::ZERO);
        assert_eq!(trace.summary().cache, Some(CacheOutcome::Miss));
    }

    #[test]
    fn server_timing_names_db_cache_and_render() {
        let trace = RequestTrace::new();
        trace.statement("a", Duration::from_micros(2500));
        trace.statement("b", Duration::from_micros(1500));
        trace.cache_lookup(false, Duration::from_micros(200));
        let header = trace.summary().server_timing(Duration::from_millis(10));
        assert_eq!(
            header,
            "db;dur=4.0;desc=\"2 queries\", cache;dur=0.2;desc=\"miss\", render;dur=5.8, total;dur=10.0"
        );
        // Concurrent statements may add up to more than the request took.
        let header = trace.summary().server_timing(Duration::from_millis(3));
        assert!(header.contains("render;dur=0.0"), "{header}");
    }
}
