//! The database as the server sees it: every named statement timed into Prometheus'
//! histograms and rolling windows (count, failures, p50/p95/p99 per statement, through the
//! same aggregator as requests), and the slowest statements kept with their plans for the
//! dashboard.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use metrics::Histogram;

use app::store::{QueryObserver, SlowQuery};

use super::aggregator::{Aggregator, Report, Window};
use super::lock;

/// Slow statements and repeated-statement flags kept (the newest).
const KEEP_SLOW: usize = 50;

/// A request that ran one statement many times: usually a loop that should be one query (N+1).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RepeatedStatement {
    pub at: chrono::DateTime<chrono::Utc>,
    pub route: String,
    pub request_id: Option<String>,
    pub query: &'static str,
    pub times: u32,
}

#[derive(Debug)]
pub struct DatabaseWatch {
    queries: Mutex<Statements>,
    slow: Mutex<VecDeque<SlowQuery>>,
    repeated: Mutex<VecDeque<RepeatedStatement>>,
}

/// The statements' windows, and each statement's (and pool's) histogram handle, made once:
/// a `metrics` macro would look its key up in the registry on every statement.
#[derive(Debug)]
struct Statements {
    windows: Aggregator,
    durations: HashMap<&'static str, Histogram>,
    waits: HashMap<&'static str, Histogram>,
}

impl Statements {
    fn record(&mut self, name: &'static str, elapsed: Duration, failed: bool) {
        let status = if failed { 500 } else { 200 };
        self.windows.record(chrono::Utc::now().timestamp(), name, elapsed.as_secs_f64() * 1000.0, status);
    }
}

impl DatabaseWatch {
    pub fn new(now: i64) -> Self {
        DatabaseWatch {
            queries: Mutex::new(Statements {
                windows: Aggregator::new(now),
                durations: HashMap::new(),
                waits: HashMap::new(),
            }),
            slow: Mutex::new(VecDeque::new()),
            repeated: Mutex::new(VecDeque::new()),
        }
    }

    /// Statement figures over a window, by statement name (`error_rate` = failed share).
    pub fn report(&self, window: Window) -> Report {
        lock(&self.queries).windows.report(chrono::Utc::now().timestamp(), window)
    }

    /// The slow statements, the newest first.
    pub fn slow_queries(&self) -> Vec<SlowQuery> {
        lock(&self.slow).iter().rev().cloned().collect()
    }

    pub fn flag_repeated(&self, flag: RepeatedStatement) {
        keep_newest(&mut lock(&self.repeated), flag);
    }

    /// Requests flagged for repeating a statement, the newest first.
    pub fn repeated_statements(&self) -> Vec<RepeatedStatement> {
        lock(&self.repeated).iter().rev().cloned().collect()
    }
}

impl QueryObserver for DatabaseWatch {
    fn query(&self, name: &'static str, elapsed: Duration, failed: bool) {
        if failed {
            metrics::counter!("db_errors_total", "query" => name).increment(1);
        }
        let mut statements = lock(&self.queries);
        statements
            .durations
            .entry(name)
            .or_insert_with(|| metrics::histogram!("db_query_duration_seconds", "query" => name))
            .record(elapsed.as_secs_f64());
        statements.record(name, elapsed, failed);
    }

    fn acquired(&self, pool: &'static str, elapsed: Duration, failed: bool) {
        let mut statements = lock(&self.queries);
        statements
            .waits
            .entry(pool)
            .or_insert_with(|| metrics::histogram!("db_pool_acquire_seconds", "pool" => pool))
            .record(elapsed.as_secs_f64());
        statements.record("pool.acquire", elapsed, failed);
    }

    fn slow_query(&self, slow: SlowQuery) {
        keep_newest(&mut lock(&self.slow), slow);
    }
}

fn keep_newest<T>(kept: &mut VecDeque<T>, item: T) {
    if kept.len() >= KEEP_SLOW {
        kept.pop_front();
    }
    kept.push_back(item);
}
