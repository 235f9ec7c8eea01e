//! The process itself: resident memory, CPU, open files, threads, uptime. Read from the
//! operating system by `metrics-process` (the standard Prometheus process metrics), for
//! `/metrics` at each scrape and for `/health` and the performance API on demand.

use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessStats {
    pub resident_memory_bytes: Option<u64>,
    /// CPU used since the previous reading (or since start), as a share of one core, in percent.
    pub cpu_percent: Option<f64>,
    pub cpu_seconds_total: Option<f64>,
    /// Open file descriptors: connections, database files, sockets.
    pub open_fds: Option<u64>,
    pub threads: Option<u64>,
    pub uptime_seconds: u64,
    pub version: &'static str,
}

pub struct ProcessMonitor {
    started: Instant,
    collector: metrics_process::Collector,
    /// The previous reading, for the CPU share between readings.
    last_cpu: Mutex<Option<(Instant, f64)>>,
}

impl ProcessMonitor {
    pub fn new(started: Instant) -> Self {
        let collector = metrics_process::Collector::default();
        collector.describe();
        ProcessMonitor { started, collector, last_cpu: Mutex::new(None) }
    }

    /// Updates the `process_*` gauges of the Prometheus export.
    pub fn export(&self) {
        self.collector.collect();
        metrics::gauge!("process_uptime_seconds").set(self.started.elapsed().as_secs_f64());
    }

    pub fn stats(&self) -> ProcessStats {
        let now = Instant::now();
        let raw = metrics_process::collector::collect();
        let cpu_percent = raw.cpu_seconds_total.map(|cpu| {
            let mut last = self.last_cpu.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let (since, cpu_then) = last.unwrap_or((self.started, 0.0));
            *last = Some((now, cpu));
            let wall = now.duration_since(since).as_secs_f64();
            if wall > 0.0 { ((cpu - cpu_then).max(0.0) / wall * 1000.0).round() / 10.0 } else { 0.0 }
        });
        ProcessStats {
            resident_memory_bytes: raw.resident_memory_bytes,
            cpu_percent,
            cpu_seconds_total: raw.cpu_seconds_total,
            open_fds: raw.open_fds,
            threads: raw.threads,
            uptime_seconds: self.started.elapsed().as_secs(),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}
