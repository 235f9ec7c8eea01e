//! What a rule's metric reads now, per label set: the request windows and process readings
//! of this instance's monitoring, and real users' vitals from the database.

use chrono::{DateTime, Duration, Utc};

use app::model::alert_rules::{AlertMetric, AlertRule, RouteScope};
use app::model::alerts::Evaluation;
use app::model::vitals::summarize;
use app::store::Store;

use crate::monitoring::Monitoring;
use crate::monitoring::aggregator::{Stats, Window};
use crate::monitoring::events::Event;
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
/// of a route gone quiet is resolved by the engine.
pub async fn read(rule: &AlertRule, monitoring: &Monitoring, store: &Store, now: DateTime<Utc>) -> Vec<Reading> {
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
