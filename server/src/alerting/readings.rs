//! What a rule's metric reads now, per label set: the request windows and process readings
//! of this instance's monitoring, and real users' vitals from the database.

use chrono::{DateTime, Duration, Utc};

use app::model::alert_rules::{AlertMetric, AlertRule, BASELINE_DAYS, RouteScope, baseline};
use app::model::alerts::Evaluation;
use app::model::vitals::summarize;
use app::store::Store;

use crate::monitoring::Monitoring;
use crate::monitoring::aggregator::{ALL_ROUTES, Stats, Window};
use crate::monitoring::events::Event;
use crate::monitoring::rollups::{self, Span};
use crate::monitoring::vitals;

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
            let value = |stats: &Stats| request_value(rule.metric, stats);
            match &rule.routes {
                RouteScope::Overall => vec![Reading::of(rule, String::new(), value(&monitoring.overall(window)))],
                scope => monitoring
                    .report(window)
                    .routes
                    .iter()
                    .filter(|r| matches!(scope, RouteScope::EachRoute) || *scope == RouteScope::Route(r.route.clone()))
                    .map(|r| Reading::of(rule, r.route.clone(), value(&r.stats)))
                    .collect(),
            }
        }
        AlertMetric::Memory => {
            let mib = monitoring.process.stats().resident_memory_bytes.map(|b| b as f64 / 1_048_576.0);
            vec![Reading::of(rule, String::new(), mib)]
        }
        AlertMetric::Cpu => vec![Reading::of(rule, String::new(), monitoring.process.stats().cpu_percent)],
        AlertMetric::FailedLogins
        | AlertMetric::DatabaseErrors
        | AlertMetric::SyncRejected
        | AlertMetric::ClientErrors
        | AlertMetric::CacheHitRatio => {
            let count = |event| monitoring.events.count(event, rule.window_minutes, now.timestamp()) as f64;
            let value = match rule.metric {
                AlertMetric::FailedLogins => Some(count(Event::FailedLogin)),
                AlertMetric::DatabaseErrors => Some(count(Event::DatabaseError)),
                AlertMetric::SyncRejected => Some(count(Event::SyncRejected)),
                AlertMetric::ClientErrors => Some(count(Event::ClientError)),
                _ => hit_ratio(count(Event::CacheHit), count(Event::CacheMiss)),
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

/// Hits in percent of lookups; `None` when nothing was looked up.
fn hit_ratio(hits: f64, misses: f64) -> Option<f64> {
    (hits + misses > 0.0).then(|| 100.0 * hits / (hits + misses))
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
