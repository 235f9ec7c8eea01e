//! The monitoring dashboard's data (`/monitoring`), and the pure rules it is drawn by: the
//! periods and their buckets, the cards' thresholds and trends, the routes' sort, the
//! charts' scale. The server fills a [`MonitoringOverview`] from its measurements.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::alert_overview::{AlertLine, EventLine};
use super::vitals::VitalSummary;

/// The span the charts cover, and the previous span of the same length the trends compare with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Period {
    #[default]
    #[serde(rename = "1h")]
    Hour,
    #[serde(rename = "24h")]
    Day,
    #[serde(rename = "7d")]
    Week,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::Hour, Period::Day, Period::Week];

    pub fn label(self) -> &'static str {
        match self {
            Period::Hour => "1h",
            Period::Day => "24h",
            Period::Week => "7d",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Period::Hour => "Last hour",
            Period::Day => "Last 24 hours",
            Period::Week => "Last 7 days",
        }
    }

    /// `None` (no choice) is the default; anything else must be one of the labels.
    pub fn parse(label: Option<&str>) -> Result<Period, String> {
        match label.map(str::trim).filter(|l| !l.is_empty()) {
            None => Ok(Period::default()),
            Some(label) => Period::ALL
                .into_iter()
                .find(|p| p.label() == label)
                .ok_or_else(|| format!("period must be 1h, 24h or 7d (got “{label}”)")),
        }
    }

    pub fn seconds(self) -> i64 {
        match self {
            Period::Hour => 3_600,
            Period::Day => 24 * 3_600,
            Period::Week => 7 * 24 * 3_600,
        }
    }

    /// One chart point per bucket: 60 points an hour, 96 a day, 84 a week; few enough to
    /// read on a phone, enough to see a spike.
    pub fn bucket_seconds(self) -> i64 {
        match self {
            Period::Hour => 60,
            Period::Day => 15 * 60,
            Period::Week => 2 * 3_600,
        }
    }

    /// The buckets' starts (unix seconds) of the period ending at `now`, oldest first; the
    /// last bucket holds `now`.
    pub fn bucket_starts(self, now: i64) -> Vec<i64> {
        let size = self.bucket_seconds();
        let last = now.div_euclid(size) * size;
        let count = self.seconds() / size;
        (0..count).rev().map(|i| last - i * size).collect()
    }
}

/// How a figure stands against its thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    Good,
    Warning,
    Bad,
    /// Nothing measured to judge.
    Unknown,
}

impl Level {
    pub fn class(self) -> &'static str {
        match self {
            Level::Good => "level-good",
            Level::Warning => "level-warning",
            Level::Bad => "level-bad",
            Level::Unknown => "level-unknown",
        }
    }

    /// `value` against a warning and a bad threshold, where `better` says which way is good.
    pub fn of(value: Option<f64>, warning: f64, bad: f64, better: Better) -> Level {
        let Some(v) = value.filter(|v| v.is_finite()) else { return Level::Unknown };
        let past = |limit: f64| if better == Better::Lower { v > limit } else { v < limit };
        if better == Better::Neither {
            Level::Unknown
        } else if past(bad) {
            Level::Bad
        } else if past(warning) {
            Level::Warning
        } else {
            Level::Good
        }
    }
}

/// Which way a figure improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Better {
    Lower,
    Higher,
    /// Neither (throughput, users): a change is shown, not judged.
    Neither,
}

/// How a figure is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    Count,
    PerMinute,
    Millis,
    /// A share 0–1, written as a percentage.
    Share,
    /// CPU percent of one core (already 0–100+).
    Percent,
    Bytes,
    Seconds,
}

impl Unit {
    pub fn format(self, value: Option<f64>) -> String {
        let Some(v) = value.filter(|v| v.is_finite()) else { return "—".to_owned() };
        match self {
            Unit::Count => format!("{}", v.round() as i64),
            Unit::PerMinute => format!("{} /min", one_decimal(v)),
            Unit::Millis if v >= 1_000.0 => format!("{:.2} s", v / 1_000.0),
            Unit::Millis => format!("{} ms", one_decimal(v)),
            Unit::Share => format!("{} %", one_decimal(v * 100.0)),
            Unit::Percent => format!("{} %", one_decimal(v)),
            Unit::Bytes => format!("{:.1} MiB", v / (1024.0 * 1024.0)),
            Unit::Seconds => duration(v),
        }
    }
}

/// One decimal below 100, none above: figures stay short on a phone.
fn one_decimal(v: f64) -> String {
    if v.abs() >= 100.0 { format!("{}", v.round() as i64) } else { format!("{v:.1}") }
}

fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3_600 => format!("{} min", s / 60),
        3_600..86_400 => format!("{} h {} min", s / 3_600, s % 3_600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3_600),
    }
}

/// A figure of the overview, with the same figure over the previous span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    /// Stable name (CSV column, test id).
    pub key: String,
    pub title: String,
    pub value: Option<f64>,
    pub previous: Option<f64>,
    pub unit: Unit,
    pub better: Better,
    pub level: Level,
    /// What the figure covers ("last 5 min").
    pub note: String,
}

impl Card {
    pub fn trend(&self) -> Option<Trend> {
        trend(self.value, self.previous, self.better)
    }
}

/// A change against the previous span.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Signed change in percent of the previous value.
    pub percent: f64,
    /// `None` when the direction is not judged (or there was no change).
    pub improved: Option<bool>,
}

impl Trend {
    pub fn text(self) -> String {
        let arrow = if self.percent > 0.0 {
            "▲"
        } else if self.percent < 0.0 {
            "▼"
        } else {
            "="
        };
        format!("{arrow} {}% vs previous", one_decimal(self.percent.abs()))
    }

    pub fn class(self) -> &'static str {
        match self.improved {
            Some(true) => "trend-better",
            Some(false) => "trend-worse",
            None => "trend-flat",
        }
    }
}

/// The change from `previous` to `value`; none without both or from zero.
pub fn trend(value: Option<f64>, previous: Option<f64>, better: Better) -> Option<Trend> {
    let (v, p) = (value?, previous?);
    if !v.is_finite() || !p.is_finite() || p == 0.0 {
        return None;
    }
    let percent = (v - p) / p.abs() * 100.0;
    let improved = match better {
        _ if percent.abs() < 0.05 => None,
        Better::Lower => Some(percent < 0.0),
        Better::Higher => Some(percent > 0.0),
        Better::Neither => None,
    };
    Some(Trend { percent, improved })
}

/// One minute of requests, as the rollups hold it (all instances together).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RequestMinute {
    pub minute: i64,
    pub requests: u64,
    pub server_errors: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

/// One minute of the process and the caches (all instances together).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ProcessMinute {
    pub minute: i64,
    pub resident_memory_bytes: Option<f64>,
    pub cpu_percent: Option<f64>,
    pub cache_hits: u64,
    pub cache_misses: u64,
}

/// A chart: lines over the same times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub key: String,
    pub title: String,
    pub unit: Unit,
    /// Each point's bucket start (unix seconds).
    pub times: Vec<i64>,
    pub series: Vec<Series>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    /// One per time; `None` where nothing was measured (a gap in the line).
    pub values: Vec<Option<f64>>,
}

/// The request charts of a period: throughput, latency, error rate. A bucket's percentiles
/// are its minutes' weighted by their requests (percentiles cannot be merged exactly; the
/// weighted mean is what the minutes say about the bucket as a whole).
pub fn request_charts(period: Period, now: i64, minutes: &[RequestMinute]) -> Vec<Chart> {
    let starts = period.bucket_starts(now);
    let size = period.bucket_seconds();
    let mut throughput = Vec::with_capacity(starts.len());
    let mut errors = Vec::with_capacity(starts.len());
    let mut latency: [Vec<Option<f64>>; 3] = Default::default();
    for &start in &starts {
        let inside: Vec<&RequestMinute> =
            minutes.iter().filter(|m| m.minute >= start && m.minute < start + size && m.minute <= now).collect();
        let requests: u64 = inside.iter().map(|m| m.requests).sum();
        let failed: u64 = inside.iter().map(|m| m.server_errors).sum();
        // Minutes of the bucket that have passed: the current bucket is partial.
        let elapsed_minutes = ((now - start).min(size) as f64 / 60.0).max(1.0);
        throughput.push(Some(requests as f64 / elapsed_minutes));
        errors.push((requests > 0).then(|| failed as f64 / requests as f64));
        let weighted = |pick: fn(&RequestMinute) -> f64| {
            (requests > 0).then(|| inside.iter().map(|m| pick(m) * m.requests as f64).sum::<f64>() / requests as f64)
        };
        latency[0].push(weighted(|m| m.p50_ms));
        latency[1].push(weighted(|m| m.p95_ms));
        latency[2].push(weighted(|m| m.p99_ms));
    }
    let [p50, p95, p99] = latency;
    let series = |name: &str, values| Series { name: name.to_owned(), values };
    let chart = |key: &str, title: &str, unit, series| Chart {
        key: key.to_owned(),
        title: title.to_owned(),
        unit,
        times: starts.clone(),
        series,
    };
    vec![
        chart("throughput", "Throughput", Unit::PerMinute, vec![series("requests", throughput)]),
        chart("latency", "Latency", Unit::Millis, vec![series("p50", p50), series("p95", p95), series("p99", p99)]),
        chart("errors", "Error rate (5xx)", Unit::Share, vec![series("server errors", errors)]),
    ]
}

/// The process charts of a period: memory (the highest of the bucket), CPU (its mean) and
/// the read caches' hit ratio (its lookups together).
pub fn process_charts(period: Period, now: i64, minutes: &[ProcessMinute]) -> Vec<Chart> {
    let starts = period.bucket_starts(now);
    let size = period.bucket_seconds();
    let mut memory = Vec::with_capacity(starts.len());
    let mut cpu = Vec::with_capacity(starts.len());
    let mut hits = Vec::with_capacity(starts.len());
    for &start in &starts {
        let inside: Vec<&ProcessMinute> =
            minutes.iter().filter(|m| m.minute >= start && m.minute < start + size).collect();
        memory.push(inside.iter().filter_map(|m| m.resident_memory_bytes).reduce(f64::max));
        let cpus: Vec<f64> = inside.iter().filter_map(|m| m.cpu_percent).collect();
        cpu.push((!cpus.is_empty()).then(|| cpus.iter().sum::<f64>() / cpus.len() as f64));
        let (h, m) = inside.iter().fold((0u64, 0u64), |(h, m), p| (h + p.cache_hits, m + p.cache_misses));
        hits.push((h + m > 0).then(|| h as f64 / (h + m) as f64));
    }
    let chart = |key: &str, title: &str, unit, name: &str, values| Chart {
        key: key.to_owned(),
        title: title.to_owned(),
        unit,
        times: starts.clone(),
        series: vec![Series { name: name.to_owned(), values }],
    };
    vec![
        chart("memory", "Memory (resident, highest)", Unit::Bytes, "memory", memory),
        chart("cpu", "CPU (of one core)", Unit::Percent, "cpu", cpu),
        chart("cache", "Cache hit ratio", Unit::Share, "hit ratio", hits),
    ]
}

/// The top of a chart's scale: the smallest 1, 2 or 5 × 10ⁿ at or above `max`, so the grid
/// lines fall on round figures.
pub fn nice_ceiling(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|step| step * magnitude)
        .find(|top| *top >= max * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// An SVG path through `values` placed evenly over `width` and scaled to `top` over
/// `height`; a gap (`None`) lifts the pen.
pub fn line_path(values: &[Option<f64>], width: f64, height: f64, top: f64) -> String {
    let step = if values.len() > 1 { width / (values.len() - 1) as f64 } else { 0.0 };
    let mut path = String::new();
    let mut pen_down = false;
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => {
                let x = i as f64 * step;
                let y = height - (v / top).clamp(0.0, 1.0) * height;
                path.push_str(&format!("{}{x:.1},{y:.1} ", if pen_down { "L" } else { "M" }));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    path.trim_end().to_owned()
}

/// Requests of one route template in the live window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteRow {
    pub route: String,
    pub requests: u64,
    pub requests_per_minute: f64,
    pub error_rate: f64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

/// How the routes table is ordered (`?sort=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RouteSort {
    Route,
    #[default]
    Requests,
    P50,
    P95,
    P99,
    Errors,
}

impl RouteSort {
    pub const ALL: [RouteSort; 6] =
        [RouteSort::Route, RouteSort::Requests, RouteSort::P50, RouteSort::P95, RouteSort::P99, RouteSort::Errors];

    pub fn code(self) -> &'static str {
        match self {
            RouteSort::Route => "route",
            RouteSort::Requests => "requests",
            RouteSort::P50 => "p50",
            RouteSort::P95 => "p95",
            RouteSort::P99 => "p99",
            RouteSort::Errors => "errors",
        }
    }

    /// An unknown sort falls back to the default: a stale link still shows the table.
    pub fn parse(code: Option<&str>) -> RouteSort {
        code.and_then(|c| RouteSort::ALL.into_iter().find(|s| s.code() == c)).unwrap_or_default()
    }
}

/// Orders the rows: by route name A–Z, every figure largest first (what needs a look),
/// ties by route name.
pub fn sort_routes(rows: &mut [RouteRow], sort: RouteSort) {
    let figure = |r: &RouteRow| -> f64 {
        match sort {
            RouteSort::Route => 0.0,
            RouteSort::Requests => r.requests as f64,
            RouteSort::P50 => r.p50_ms.unwrap_or(-1.0),
            RouteSort::P95 => r.p95_ms.unwrap_or(-1.0),
            RouteSort::P99 => r.p99_ms.unwrap_or(-1.0),
            RouteSort::Errors => r.error_rate,
        }
    };
    rows.sort_by(|a, b| figure(b).total_cmp(&figure(a)).then_with(|| a.route.cmp(&b.route)));
}

/// A named statement's timings in the live window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryRow {
    pub name: String,
    pub calls: u64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub error_rate: f64,
}

/// One statement that took longer than the slow-query threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlowQueryRow {
    pub at: DateTime<Utc>,
    pub name: String,
    pub sql: String,
    pub elapsed_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolRow {
    pub pool: String,
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheRow {
    pub name: String,
    pub entries: u64,
    pub hits: u64,
    pub shared_hits: u64,
    /// Misses that waited for the same read under way.
    pub joined: u64,
    pub misses: u64,
    pub evictions: u64,
    pub hit_ratio: Option<f64>,
}

/// Errors of one kind on one route, with the last occurrence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorRow {
    pub kind: String,
    pub route: String,
    pub count: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// The latest occurrences, newest first.
    pub recent: Vec<ErrorOccurrenceRow>,
}

/// One failed request of an error group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorOccurrenceRow {
    pub at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub user: Option<String>,
    /// The HTTP status; none for a browser's error.
    pub status: u16,
    /// The error and its sources, outermost first.
    pub causes: Vec<String>,
}

/// Everything the dashboard shows for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitoringOverview {
    pub generated_at: DateTime<Utc>,
    pub period: Period,
    /// `healthy`, `degraded` or `unhealthy`, and why.
    pub status: String,
    pub reasons: Vec<String>,
    pub uptime_seconds: u64,
    pub cards: Vec<Card>,
    pub charts: Vec<Chart>,
    pub routes: Vec<RouteRow>,
    pub vitals: Vec<VitalSummary>,
    pub queries: Vec<QueryRow>,
    /// The slowest statements lately, slowest first.
    pub slow_queries: Vec<SlowQueryRow>,
    pub pools: Vec<PoolRow>,
    pub caches: Vec<CacheRow>,
    pub errors: Vec<ErrorRow>,
    /// Pending, firing or failing alerts, most severe first (acted on as on `/alerts`).
    pub alerts: Vec<AlertLine>,
    /// The latest alert events, newest first.
    pub alert_history: Vec<EventLine>,
    /// Administrators may empty the caches from here.
    pub can_clear_caches: bool,
}

/// One route's page of the dashboard (`/monitoring/route?route=…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteDetail {
    pub generated_at: DateTime<Utc>,
    pub period: Period,
    pub route: String,
    /// The route's last hour; `None` when it had no request in it.
    pub last_hour: Option<RouteRow>,
    /// Throughput, latency and error rate of the route over the period.
    pub charts: Vec<Chart>,
    /// The route's errors since start, the most recently seen first.
    pub errors: Vec<ErrorRow>,
    /// The route's slowest requests of the last hour on this instance, slowest first.
    pub slowest: Vec<SlowRequestRow>,
}

/// One of a route's slowest requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlowRequestRow {
    pub at: DateTime<Utc>,
    pub latency_ms: f64,
    pub method: String,
    pub status: u16,
    pub request_id: Option<String>,
    pub user: Option<String>,
}

/// The longest route template a drill-down accepts.
pub const MAX_ROUTE_CHARS: usize = 200;

/// A route named in an address, or why it is not one.
pub fn route_param(route: Option<&str>) -> Result<String, String> {
    match route.map(str::trim).filter(|r| !r.is_empty()) {
        None => Err("Say which route: /monitoring/route?route=/organizations".to_owned()),
        Some(r) if r.chars().count() > MAX_ROUTE_CHARS => {
            Err(format!("A route has at most {MAX_ROUTE_CHARS} characters."))
        }
        Some(r) => Ok(r.to_owned()),
    }
}

/// The address of a route's page.
pub fn route_link(route: &str, period: Period) -> String {
    let route: String = form_urlencoded::byte_serialize(route.as_bytes()).collect();
    format!("/monitoring/route?route={route}&period={}", period.label())
}

impl MonitoringOverview {
    pub fn card(&self, key: &str) -> Option<&Card> {
        self.cards.iter().find(|c| c.key == key)
    }
}

/// The overview as rows of section, item, measure and value: the long form a spreadsheet
/// pivots, one CSV for everything on screen. Figures are raw (ms, shares 0–1); empty where
/// nothing was measured; chart points are named by their bucket's start (RFC 3339, UTC).
pub fn export_rows(overview: &MonitoringOverview) -> Vec<[String; 4]> {
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut push = |section: &str, item: &str, measure: &str, value: String| {
        rows.push([section.to_owned(), item.to_owned(), measure.to_owned(), value]);
    };
    let figure = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    push("status", "server", "status", overview.status.clone());
    for reason in &overview.reasons {
        push("status", "server", "reason", reason.clone());
    }
    push("status", "server", "uptime_seconds", overview.uptime_seconds.to_string());
    for card in &overview.cards {
        push("card", &card.key, "value", figure(card.value));
        push("card", &card.key, "previous", figure(card.previous));
    }
    for chart in &overview.charts {
        for series in &chart.series {
            for (at, value) in chart.times.iter().zip(&series.values) {
                let at = DateTime::from_timestamp(*at, 0).map(|t| t.to_rfc3339()).unwrap_or_default();
                push("chart", &format!("{} {}", chart.key, series.name), &at, figure(*value));
            }
        }
    }
    for r in &overview.routes {
        push("route", &r.route, "requests", r.requests.to_string());
        push("route", &r.route, "error_rate", r.error_rate.to_string());
        for (measure, value) in [("p50_ms", r.p50_ms), ("p95_ms", r.p95_ms), ("p99_ms", r.p99_ms), ("max_ms", r.max_ms)]
        {
            push("route", &r.route, measure, figure(value));
        }
    }
    for v in &overview.vitals {
        let item = format!(
            "{} {} {}",
            v.metric.code(),
            v.route.as_deref().unwrap_or("all routes"),
            v.device.map(|d| d.code()).unwrap_or("all devices")
        );
        push("vital", &item, "p75", v.p75.to_string());
        push("vital", &item, "samples", v.samples.to_string());
        push("vital", &item, "good", v.good.to_string());
        push("vital", &item, "needs_improvement", v.needs_improvement.to_string());
        push("vital", &item, "poor", v.poor.to_string());
    }
    for q in &overview.queries {
        push("statement", &q.name, "calls", q.calls.to_string());
        push("statement", &q.name, "p95_ms", figure(q.p95_ms));
    }
    for c in &overview.caches {
        push("cache", &c.name, "entries", c.entries.to_string());
        push("cache", &c.name, "hit_ratio", figure(c.hit_ratio));
    }
    for e in &overview.errors {
        let item = format!("{} {}", e.route, e.kind);
        push("error", &item, "count", e.count.to_string());
        push("error", &item, "last_seen", e.last_seen.to_rfc3339());
    }
    for a in &overview.alerts {
        let item = if a.labels.is_empty() { a.rule_name.clone() } else { format!("{} {}", a.rule_name, a.labels) };
        push("alert", &item, "state", a.state.kind().to_owned());
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_split_into_buckets_ending_now() {
        assert_eq!(Period::parse(None), Ok(Period::Hour));
        assert_eq!(Period::parse(Some("7d")), Ok(Period::Week));
        assert!(Period::parse(Some("2w")).unwrap_err().contains("1h, 24h or 7d"));
        let now = 1_000_000_030;
        let hour = Period::Hour.bucket_starts(now);
        assert_eq!(hour.len(), 60);
        assert_eq!(*hour.last().unwrap(), 1_000_000_020);
        assert_eq!(hour[1] - hour[0], 60);
        assert_eq!(Period::Day.bucket_starts(now).len(), 96);
        assert_eq!(Period::Week.bucket_starts(now).len(), 84);
    }

    #[test]
    fn levels_follow_the_direction_that_is_better() {
        assert_eq!(Level::of(Some(300.0), 500.0, 1000.0, Better::Lower), Level::Good);
        assert_eq!(Level::of(Some(700.0), 500.0, 1000.0, Better::Lower), Level::Warning);
        assert_eq!(Level::of(Some(1500.0), 500.0, 1000.0, Better::Lower), Level::Bad);
        assert_eq!(Level::of(Some(0.95), 0.9, 0.7, Better::Higher), Level::Good);
        assert_eq!(Level::of(Some(0.8), 0.9, 0.7, Better::Higher), Level::Warning);
        assert_eq!(Level::of(Some(0.5), 0.9, 0.7, Better::Higher), Level::Bad);
        assert_eq!(Level::of(None, 1.0, 2.0, Better::Lower), Level::Unknown);
        assert_eq!(Level::of(Some(5.0), 1.0, 2.0, Better::Neither), Level::Unknown, "not judged");
    }

    #[test]
    fn trends_say_whether_a_change_is_better() {
        let slower = trend(Some(150.0), Some(100.0), Better::Lower).unwrap();
        assert_eq!(slower.percent, 50.0);
        assert_eq!(slower.improved, Some(false));
        assert_eq!(slower.text(), "▲ 50.0% vs previous");
        assert_eq!(trend(Some(0.99), Some(0.9), Better::Higher).unwrap().improved, Some(true));
        assert_eq!(trend(Some(80.0), Some(100.0), Better::Neither).unwrap().improved, None);
        assert_eq!(trend(Some(5.0), Some(0.0), Better::Lower), None);
        assert_eq!(trend(Some(5.0), None, Better::Lower), None);
    }

    #[test]
    fn units_write_figures_briefly() {
        assert_eq!(Unit::Millis.format(Some(12.34)), "12.3 ms");
        assert_eq!(Unit::Millis.format(Some(2_500.0)), "2.50 s");
        assert_eq!(Unit::Share.format(Some(0.0123)), "1.2 %");
        assert_eq!(Unit::PerMinute.format(Some(240.4)), "240 /min");
        assert_eq!(Unit::Bytes.format(Some(52_428_800.0)), "50.0 MiB");
        assert_eq!(Unit::Seconds.format(Some(93_784.0)), "1 d 2 h");
        assert_eq!(Unit::Count.format(None), "—");
    }

    fn minute(minute: i64, requests: u64, server_errors: u64, p95: f64) -> RequestMinute {
        RequestMinute { minute, requests, server_errors, p50_ms: p95 / 2.0, p95_ms: p95, p99_ms: p95 * 2.0 }
    }

    #[test]
    fn request_charts_sum_counts_and_weigh_percentiles_by_requests() {
        let now = 7_200 * 100 + 3_600; // an hour into a 2 h bucket
        let starts = Period::Week.bucket_starts(now);
        let last = *starts.last().unwrap();
        let minutes = [minute(last, 30, 3, 100.0), minute(last + 60, 10, 0, 300.0), minute(last - 60, 5, 5, 1.0)];
        let charts = request_charts(Period::Week, now, &minutes);
        let [throughput, latency, errors] = [&charts[0], &charts[1], &charts[2]];
        assert_eq!(throughput.times, starts);
        // 40 requests over the 60 minutes of the bucket that have passed.
        assert_eq!(throughput.series[0].values.last().unwrap().unwrap(), 40.0 / 60.0);
        assert_eq!(latency.series[1].values.last().unwrap().unwrap(), (30.0 * 100.0 + 10.0 * 300.0) / 40.0);
        assert_eq!(errors.series[0].values.last().unwrap().unwrap(), 3.0 / 40.0);
        // The bucket before holds the minute just before: all failed.
        assert_eq!(errors.series[0].values[starts.len() - 2], Some(1.0));
        // No requests: zero throughput, but no latency or error rate to draw.
        assert_eq!(throughput.series[0].values[0], Some(0.0));
        assert_eq!(latency.series[0].values[0], None);
        assert_eq!(errors.series[0].values[0], None);
    }

    #[test]
    fn process_charts_take_the_peak_memory_mean_cpu_and_pooled_hit_ratio() {
        let now = 3_600 * 10 + 150;
        let m = |minute, memory, cpu, hits, misses| ProcessMinute {
            minute,
            resident_memory_bytes: Some(memory),
            cpu_percent: Some(cpu),
            cache_hits: hits,
            cache_misses: misses,
        };
        let at = 3_600 * 10; // a bucket's start
        let charts = process_charts(Period::Day, now, &[m(at, 100.0, 10.0, 9, 1), m(at + 60, 300.0, 30.0, 1, 9)]);
        let last = |chart: &Chart| *chart.series[0].values.last().unwrap();
        assert_eq!(last(&charts[0]), Some(300.0));
        assert_eq!(last(&charts[1]), Some(20.0));
        assert_eq!(last(&charts[2]), Some(0.5));
        assert_eq!(charts[2].series[0].values[0], None);
    }

    #[test]
    fn the_scale_tops_out_on_round_figures() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.2), 5.0);
        assert_eq!(nice_ceiling(5.0), 5.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
        assert_eq!(nice_ceiling(0.031), 0.05);
    }

    #[test]
    fn a_line_lifts_its_pen_over_gaps() {
        let path = line_path(&[Some(0.0), Some(10.0), None, Some(5.0)], 300.0, 100.0, 10.0);
        assert_eq!(path, "M0.0,100.0 L100.0,0.0 M300.0,50.0");
        assert_eq!(line_path(&[None, None], 300.0, 100.0, 10.0), "");
    }

    #[test]
    fn routes_sort_by_the_chosen_figure_largest_first() {
        let row = |route: &str, requests, p95| RouteRow {
            route: route.to_owned(),
            requests,
            requests_per_minute: 0.0,
            error_rate: 0.0,
            p50_ms: None,
            p95_ms: p95,
            p99_ms: None,
            max_ms: None,
        };
        let mut rows = vec![row("/b", 5, Some(10.0)), row("/a", 5, None), row("/c", 9, Some(30.0))];
        sort_routes(&mut rows, RouteSort::Requests);
        assert_eq!(rows.iter().map(|r| r.route.as_str()).collect::<Vec<_>>(), ["/c", "/a", "/b"]);
        sort_routes(&mut rows, RouteSort::P95);
        assert_eq!(rows.iter().map(|r| r.route.as_str()).collect::<Vec<_>>(), ["/c", "/b", "/a"]);
        sort_routes(&mut rows, RouteSort::Route);
        assert_eq!(rows.iter().map(|r| r.route.as_str()).collect::<Vec<_>>(), ["/a", "/b", "/c"]);
        assert_eq!(RouteSort::parse(Some("nonsense")), RouteSort::Requests);
    }

    #[test]
    fn a_route_is_named_in_the_address_encoded() {
        assert_eq!(
            route_link("/organizations/:id", Period::Day),
            "/monitoring/route?route=%2Forganizations%2F%3Aid&period=24h"
        );
        assert_eq!(route_param(Some(" /today ")), Ok("/today".to_owned()));
        assert!(route_param(None).unwrap_err().contains("Say which route"));
        assert!(route_param(Some(&"x".repeat(201))).unwrap_err().contains("at most 200"));
    }

    #[test]
    fn the_export_holds_every_figure_on_screen_in_long_form() {
        let now = 3_600 * 100;
        let overview = MonitoringOverview {
            generated_at: DateTime::from_timestamp(now, 0).unwrap(),
            period: Period::Hour,
            status: "degraded".into(),
            reasons: vec!["slow".into()],
            uptime_seconds: 90,
            cards: vec![Card {
                key: "p95_ms".into(),
                title: "p95 latency".into(),
                value: Some(12.5),
                previous: None,
                unit: Unit::Millis,
                better: Better::Lower,
                level: Level::Good,
                note: String::new(),
            }],
            charts: request_charts(Period::Hour, now, &[minute(now - 60, 4, 1, 10.0)]),
            routes: vec![],
            vitals: vec![],
            queries: vec![],
            slow_queries: vec![],
            pools: vec![],
            caches: vec![],
            errors: vec![],
            alerts: vec![],
            alert_history: vec![],
            can_clear_caches: false,
        };
        let rows = export_rows(&overview);
        let has = |row: [&str; 4]| rows.iter().any(|r| r.iter().map(String::as_str).eq(row));
        assert!(has(["status", "server", "reason", "slow"]));
        assert!(has(["card", "p95_ms", "value", "12.5"]));
        assert!(has(["card", "p95_ms", "previous", ""]));
        assert!(has(["chart", "errors server errors", "1970-01-05T03:59:00+00:00", "0.25"]));
        // 60 points for each of the 5 lines of the three request charts.
        assert_eq!(rows.iter().filter(|r| r[0] == "chart").count(), 5 * 60);
    }
}
