//! Alert statistics from the history: how many alerts fired, by severity and by rule, and
//! the mean time from firing to resolved. Pure.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::storage::AlertEvent;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertStats {
    /// Alerts that started firing.
    pub fired: u64,
    pub by_severity: BTreeMap<String, u64>,
    /// Firings per rule name, most first.
    pub by_rule: Vec<RuleCount>,
    /// Firings that were resolved (by their condition or by hand).
    pub resolved: u64,
    pub mean_time_to_resolve_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleCount {
    pub rule_name: String,
    pub fired: u64,
}

/// The statistics of `events`, oldest first. A resolve counts toward the mean when its
/// firing is among the events.
pub fn alert_stats(events: &[AlertEvent]) -> AlertStats {
    let mut by_severity: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_rule: HashMap<&str, u64> = HashMap::new();
    let mut firing_since: HashMap<(&str, &str), i64> = HashMap::new();
    let mut resolve_seconds: Vec<i64> = Vec::new();
    let mut fired = 0;
    for event in events {
        let key = (event.rule_id.as_str(), event.labels.as_str());
        match event.kind.as_str() {
            "firing" => {
                fired += 1;
                *by_severity.entry(event.severity.clone()).or_default() += 1;
                *by_rule.entry(event.rule_name.as_str()).or_default() += 1;
                firing_since.insert(key, event.at.0.timestamp());
            }
            "resolved" => {
                if let Some(since) = firing_since.remove(&key) {
                    resolve_seconds.push(event.at.0.timestamp() - since);
                }
            }
            _ => {}
        }
    }
    let mut by_rule: Vec<RuleCount> =
        by_rule.into_iter().map(|(name, fired)| RuleCount { rule_name: name.to_owned(), fired }).collect();
    by_rule.sort_by(|a, b| b.fired.cmp(&a.fired).then(a.rule_name.cmp(&b.rule_name)));
    let resolved = resolve_seconds.len() as u64;
    let mean_time_to_resolve_seconds =
        (resolved > 0).then(|| resolve_seconds.iter().sum::<i64>() as f64 / resolved as f64);
    AlertStats { fired, by_severity, by_rule, resolved, mean_time_to_resolve_seconds }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::alerting::storage::UnixTime;

    fn event(minute: i64, rule: &str, labels: &str, severity: &str, kind: &str) -> AlertEvent {
        let at = "2026-12-05T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::minutes(minute);
        AlertEvent {
            at: UnixTime(at),
            rule_id: rule.into(),
            rule_name: format!("rule {rule}"),
            labels: labels.into(),
            severity: severity.into(),
            kind: kind.into(),
            value: None,
            message: String::new(),
        }
    }

    #[test]
    fn firings_are_counted_and_each_resolve_is_timed_from_its_own_firing() {
        let events = [
            event(0, "a", "/x", "warning", "pending"),
            event(5, "a", "/x", "warning", "firing"),
            event(6, "b", "", "critical", "firing"),
            event(7, "a", "/y", "warning", "firing"),
            event(15, "a", "/x", "warning", "resolved"),
            event(36, "b", "", "critical", "resolved"),
            event(40, "a", "/z", "warning", "resolved"),
        ];
        let stats = alert_stats(&events);
        assert_eq!(stats.fired, 3);
        assert_eq!(stats.by_severity, BTreeMap::from([("critical".into(), 1), ("warning".into(), 2)]));
        assert_eq!(stats.by_rule[0], RuleCount { rule_name: "rule a".into(), fired: 2 });
        // /x after 10 min, b after 30 min; /z's firing is not among the events; /y is open.
        assert_eq!(stats.resolved, 2);
        assert_eq!(stats.mean_time_to_resolve_seconds, Some(20.0 * 60.0));
        assert_eq!(alert_stats(&[]).mean_time_to_resolve_seconds, None);
    }
}
