//! What a rule's metric reads now, per label set: the request windows and process readings
//! of this instance's monitoring with the other instances' saved minutes (only the instance
//! leading the rounds reads, for all of them), and real users' vitals from the database.
//!
//! Other instances' figures count once their minute is saved (within a minute of its end),
//! and their p95 is merged with this one's weighted by requests: quantiles of several
//! instances cannot be merged exactly from their summaries.

use chrono::{DateTime, Duration, Utc};

use app::model::alert_rules::{AlertMetric, AlertRule, BASELINE_DAYS, RouteScope, baseline};
use app::model::alerts::Evaluation;
use app::model::vitals::summarize;
use app::store::Store;

use crate::monitoring::Monitoring;
use crate::monitoring::aggregator::{ALL_ROUTES, Stats, Window};
use crate::monitoring::events::Event;
use crate::monitoring::rollups::{self, RouteSpan, Span};
use crate::monitoring::samples::{self, OtherInstances};
use crate::monitoring::vitals;

/// How far back another instance's latest process minute is looked for: it saves the minute
/// that ended once a minute.
const LATEST_MINUTE_SECONDS: i64 = 180;

/// One alert's reading: its labels ("" for all requests), the value, and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub labels: String,
    pub value: Option<f64>,
    pub evaluation: Evaluation,
}

impl Reading {
    fn of(rule: &AlertRule, labels: String, value: Option<f64>) -> Reading {
        let evaluation = match value {
            Some(v) => Evaluation::Condition(rule.breached(v)),
            None => Evaluation::NoData,
        };
        Reading { labels, value, evaluation }
    }

    fn failed(labels: String, message: String) -> Reading {
        Reading { labels, value: None, evaluation: Evaluation::Failed(message) }
    }
}

/// The readings of `rule` at `now`. Per route, only the routes that have figures; an alert
/// of a route gone quiet is resolved by the engine. A regression rule's readings are judged
/// against their baseline.
pub async fn read(rule: &AlertRule, monitoring: &Monitoring, store: &Store, now: DateTime<Utc>) -> Vec<Reading> {
    let readings = current(rule, monitoring, store, now).await;
    if rule.regression_percent.is_none() {
        return readings;
    }
    let mut judged = Vec::with_capacity(readings.len());
    for reading in readings {
        let Some(value) = reading.value else {
            judged.push(reading);
            continue;
        };
        let evaluation = match baseline_of(rule, &reading.labels, store, now).await {
            Ok(Some(usual)) => Evaluation::Condition(rule.regressed(value, usual)),
            Ok(None) => Evaluation::NoData,
            Err(e) => Evaluation::Failed(format!("cannot read the baseline: {e}")),
        };
        judged.push(Reading { evaluation, ..reading });
    }
    judged
}

/// The median of the same window on each of the last days, for the alert of `labels`.
async fn baseline_of(
    rule: &AlertRule,
    labels: &str,
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Option<f64>, app::store::StoreError> {
    let mut days = Vec::new();
    for day in 1..=BASELINE_DAYS {
        let to = now - Duration::days(day);
        let from = to - Duration::minutes(rule.window_minutes);
        let figure = match rule.metric {
            AlertMetric::VitalP75(metric) => {
                let values = vitals::between(store, from, to).await?;
                let route = (!labels.is_empty()).then_some(labels);
                summarize(&values)
                    .into_iter()
                    .find(|s| s.metric == metric && s.device.is_none() && s.route.as_deref() == route)
                    .map(|s| s.p75)
            }
            metric => {
                let route = if labels.is_empty() { ALL_ROUTES } else { labels };
                let span = rollups::span(store, route, from.timestamp(), to.timestamp()).await?;
                span_figure(metric, &span, rule.window_minutes)
            }
        };
        days.push(figure);
    }
    Ok(baseline(&days))
}

/// A request metric over a past window, from its minutes' figures; `None` without requests.
fn span_figure(metric: AlertMetric, span: &Span, window_minutes: i64) -> Option<f64> {
    let requests = span.requests.filter(|r| *r > 0)? as f64;
    match metric {
        AlertMetric::LatencyP95 => span.weighted_p95_ms.map(|w| w / requests),
        AlertMetric::ErrorRate => Some(100.0 * span.server_errors.unwrap_or(0) as f64 / requests),
        AlertMetric::Throughput => Some(requests / window_minutes.max(1) as f64),
        _ => None,
    }
}

async fn current(rule: &AlertRule, monitoring: &Monitoring, store: &Store, now: DateTime<Utc>) -> Vec<Reading> {
    match rule.metric {
        AlertMetric::LatencyP95 | AlertMetric::ErrorRate | AlertMetric::Throughput => {
            let Some(window) = Window::ALL.into_iter().find(|w| w.seconds() == rule.window_minutes * 60) else {
                return vec![Reading::failed(String::new(), format!("no {} window of requests", rule.window_minutes))];
            };
            let from = now.timestamp() - window.seconds();
            let others = match rollups::routes_in(store, from, now.timestamp(), Some(&monitoring.instance)).await {
                Ok(others) => others,
                Err(e) => return vec![failed_to_read("requests", &e)],
            };
            let value = |route: &str, own: Option<&Stats>| {
                let theirs = others.iter().find(|o| o.route == route);
                combined_value(rule.metric, own, theirs, rule.window_minutes)
            };
            if rule.routes == RouteScope::Overall {
                return vec![Reading::of(rule, String::new(), value(ALL_ROUTES, Some(&monitoring.overall(window))))];
            }
            let own = monitoring.report(window).routes;
            // This instance's routes, busiest first, then those only others served.
            let only_theirs =
                others.iter().filter(|o| o.route != ALL_ROUTES && !own.iter().any(|r| r.route == o.route));
            let routes = own.iter().map(|r| (r.route.as_str(), Some(&r.stats)));
            routes
                .chain(only_theirs.map(|o| (o.route.as_str(), None)))
                .filter(|(route, _)| rule.routes.judges_route(route))
                .map(|(route, stats)| Reading::of(rule, route.to_owned(), value(route, stats)))
                .collect()
        }
        AlertMetric::Memory | AlertMetric::Cpu => {
            let since = now.timestamp() - LATEST_MINUTE_SECONDS;
            let others = match samples::others_since(store, &monitoring.instance, since).await {
                Ok(others) => others,
                Err(e) => return vec![failed_to_read("process figures", &e)],
            };
            let own = monitoring.process.stats();
            let value = if rule.metric == AlertMetric::Memory {
                let bytes = worst(own.resident_memory_bytes.map(|b| b as f64), others.resident_memory_bytes);
                bytes.map(|b| b / 1_048_576.0)
            } else {
                worst(own.cpu_percent, others.cpu_percent)
            };
            vec![Reading::of(rule, String::new(), value)]
        }
        AlertMetric::FailedLogins
        | AlertMetric::DatabaseErrors
        | AlertMetric::SyncRejected
        | AlertMetric::ClientErrors
        | AlertMetric::CacheHitRatio => {
            let since = now.timestamp() - rule.window_minutes * 60;
            let others = match samples::others_since(store, &monitoring.instance, since).await {
                Ok(others) => others,
                Err(e) => return vec![failed_to_read("event counts", &e)],
            };
            let count = |event| monitoring.events.count(event, rule.window_minutes, now.timestamp()) as f64;
            let theirs = |count: Option<i64>| count.unwrap_or(0) as f64;
            let value = match rule.metric {
                AlertMetric::FailedLogins => Some(count(Event::FailedLogin) + theirs(others.failed_logins)),
                AlertMetric::DatabaseErrors => Some(count(Event::DatabaseError) + theirs(others.database_errors)),
                AlertMetric::SyncRejected => Some(count(Event::SyncRejected) + theirs(others.sync_rejected)),
                AlertMetric::ClientErrors => Some(count(Event::ClientError) + theirs(others.client_errors)),
                _ => hit_ratio(count(Event::CacheHit), count(Event::CacheMiss), &others),
            };
            vec![Reading::of(rule, String::new(), value)]
        }
        AlertMetric::VitalP75(metric) => {
            let since = now - Duration::minutes(rule.window_minutes);
            let values = match vitals::since(store, since).await {
                Ok(values) => values,
                Err(e) => return vec![Reading::failed(String::new(), format!("cannot read the web vitals: {e}"))],
            };
            let summaries = summarize(&values);
            let p75 = |route: Option<&str>| {
                summaries
                    .iter()
                    .find(|s| s.metric == metric && s.device.is_none() && s.route.as_deref() == route)
                    .map(|s| s.p75)
            };
            match &rule.routes {
                RouteScope::Overall => vec![Reading::of(rule, String::new(), p75(None))],
                RouteScope::Route(route) => vec![Reading::of(rule, route.clone(), p75(Some(route)))],
                RouteScope::EachRoute => summaries
                    .iter()
                    .filter(|s| s.metric == metric && s.device.is_none())
                    .filter_map(|s| s.route.clone().map(|route| Reading::of(rule, route, Some(s.p75))))
                    .collect(),
            }
        }
    }
}

/// The reading of a rule whose other instances' figures could not be read.
fn failed_to_read(what: &str, error: &app::store::StoreError) -> Reading {
    Reading::failed(String::new(), format!("cannot read the other instances' {what}: {error}"))
}

/// Hits in percent of lookups, this instance's and the others'; `None` when nothing was
/// looked up.
fn hit_ratio(hits: f64, misses: f64, others: &OtherInstances) -> Option<f64> {
    let hits = hits + others.cache_hits.unwrap_or(0) as f64;
    let lookups = hits + misses + others.cache_misses.unwrap_or(0) as f64;
    (lookups > 0.0).then(|| 100.0 * hits / lookups)
}

/// The higher of two readings, either of which may be missing.
fn worst(own: Option<f64>, others: Option<f64>) -> Option<f64> {
    match (own, others) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// A request metric from this instance's window (`None`: it had no requests there) and the
/// other instances' saved minutes of it; `None` when there were no requests to judge.
fn combined_value(
    metric: AlertMetric,
    own: Option<&Stats>,
    others: Option<&RouteSpan>,
    window_minutes: i64,
) -> Option<f64> {
    let Some(others) = others.filter(|o| o.requests > 0) else {
        return own.and_then(|stats| request_value(metric, stats));
    };
    let (own_requests, own_p95, own_error_rate, own_per_minute) = own
        .map(|s| (s.requests as f64, s.p95_ms.unwrap_or(0.0), s.error_rate, s.requests_per_minute))
        .unwrap_or_default();
    let requests = own_requests + others.requests as f64;
    match metric {
        AlertMetric::LatencyP95 => Some((own_p95 * own_requests + others.weighted_p95_ms) / requests),
        AlertMetric::ErrorRate => {
            Some(100.0 * (own_error_rate * own_requests + others.server_errors as f64) / requests)
        }
        AlertMetric::Throughput => Some(own_per_minute + others.requests as f64 / window_minutes.max(1) as f64),
        _ => None,
    }
}

/// A request metric from a window's figures; `None` when there were no requests to judge.
fn request_value(metric: AlertMetric, stats: &Stats) -> Option<f64> {
    match metric {
        AlertMetric::LatencyP95 => stats.p95_ms,
        AlertMetric::ErrorRate => (stats.requests > 0).then_some(stats.error_rate * 100.0),
        AlertMetric::Throughput => Some(stats.requests_per_minute),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::aggregator::test_stats as stats;

    fn theirs(requests: i64, server_errors: i64, p95_ms: f64) -> RouteSpan {
        RouteSpan { route: "/x".to_owned(), requests, server_errors, weighted_p95_ms: p95_ms * requests as f64 }
    }

    #[test]
    fn the_other_instances_requests_count_with_this_ones() {
        let own = stats(100, 200.0, 0.01);
        let others = theirs(300, 30, 1_000.0);
        let value = |metric| combined_value(metric, Some(&own), Some(&others), 5);
        assert_eq!(value(AlertMetric::LatencyP95), Some(800.0), "weighted by requests");
        assert_eq!(value(AlertMetric::ErrorRate), Some(7.75), "(1 + 30) of 400");
        assert_eq!(value(AlertMetric::Throughput), Some(80.0), "20 + 60 a minute");
        // A route only the others served, and one only this instance did: as they are.
        assert_eq!(combined_value(AlertMetric::ErrorRate, None, Some(&others), 5), Some(10.0));
        assert_eq!(combined_value(AlertMetric::LatencyP95, Some(&own), None, 5), Some(200.0));
        let quiet = theirs(0, 0, 0.0);
        assert_eq!(combined_value(AlertMetric::ErrorRate, Some(&own), Some(&quiet), 5), Some(1.0));
        assert_eq!(combined_value(AlertMetric::ErrorRate, None, Some(&quiet), 5), None, "no requests anywhere");
    }

    #[test]
    fn the_busiest_instance_and_all_lookups_are_judged() {
        assert_eq!(worst(Some(1.0), Some(3.0)), Some(3.0));
        assert_eq!(worst(Some(4.0), None), Some(4.0));
        assert_eq!(worst(None, Some(2.0)), Some(2.0));
        assert_eq!(worst(None, None), None);
        let others = OtherInstances { cache_hits: Some(10), cache_misses: Some(30), ..OtherInstances::default() };
        assert_eq!(hit_ratio(50.0, 10.0, &others), Some(60.0));
        assert_eq!(hit_ratio(0.0, 0.0, &OtherInstances::default()), None);
    }

    #[test]
    fn a_past_window_reads_as_the_live_one_does() {
        let span = Span { requests: Some(200), server_errors: Some(5), weighted_p95_ms: Some(200.0 * 120.0) };
        assert_eq!(span_figure(AlertMetric::LatencyP95, &span, 5), Some(120.0));
        assert_eq!(span_figure(AlertMetric::ErrorRate, &span, 5), Some(2.5));
        assert_eq!(span_figure(AlertMetric::Throughput, &span, 5), Some(40.0));
        let quiet = Span { requests: None, server_errors: None, weighted_p95_ms: None };
        assert_eq!(span_figure(AlertMetric::Throughput, &quiet, 5), None, "no requests, no figure");
    }
}
