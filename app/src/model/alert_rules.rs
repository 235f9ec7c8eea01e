//! Alert rules (architecture.md, "Alerting"): what is watched, when it counts as bad, how
//! the alert is paced and where it is sent. Pure: validation, the condition and the seed
//! rules; the server's engine reads the metrics and keeps the state.

use std::fmt;

use chrono::Duration;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::alerts::{Severity, Timing};
use super::validate::{Checker, FieldErrors};
use super::vitals::Metric;

/// What a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum AlertMetric {
    /// The requests' 95th percentile latency over the window, in milliseconds.
    LatencyP95,
    /// The share of requests answered 5xx over the window, in percent.
    ErrorRate,
    /// Requests per minute over the window.
    Throughput,
    /// The server's resident memory now, in MiB.
    Memory,
    /// The server's CPU use now, in percent of one core.
    Cpu,
    /// Real users' 75th percentile of a web vital over the window (ms; CLS unitless).
    VitalP75(Metric),
    /// Sign-ins refused for a wrong password or an unknown address, over the window.
    FailedLogins,
    /// Database statements that failed, over the window.
    DatabaseErrors,
    /// Offline changes the server refused (they wait in "needs attention"), over the window.
    SyncRejected,
    /// Errors in users' browsers (panics, uncaught exceptions), over the window.
    ClientErrors,
    /// The share of cache lookups answered from the cache over the window, in percent.
    CacheHitRatio,
}

impl AlertMetric {
    pub const ALL: [AlertMetric; 15] = [
        AlertMetric::LatencyP95,
        AlertMetric::ErrorRate,
        AlertMetric::Throughput,
        AlertMetric::Memory,
        AlertMetric::Cpu,
        AlertMetric::VitalP75(Metric::Lcp),
        AlertMetric::VitalP75(Metric::Inp),
        AlertMetric::VitalP75(Metric::Cls),
        AlertMetric::VitalP75(Metric::Fcp),
        AlertMetric::VitalP75(Metric::Ttfb),
        AlertMetric::FailedLogins,
        AlertMetric::DatabaseErrors,
        AlertMetric::SyncRejected,
        AlertMetric::ClientErrors,
        AlertMetric::CacheHitRatio,
    ];

    pub fn code(self) -> String {
        match self {
            AlertMetric::LatencyP95 => "latency_p95_ms".into(),
            AlertMetric::ErrorRate => "error_rate_percent".into(),
            AlertMetric::Throughput => "requests_per_minute".into(),
            AlertMetric::Memory => "memory_mib".into(),
            AlertMetric::Cpu => "cpu_percent".into(),
            AlertMetric::VitalP75(metric) => format!("vital_p75_{}", metric.code().to_ascii_lowercase()),
            AlertMetric::FailedLogins => "failed_logins".into(),
            AlertMetric::DatabaseErrors => "database_errors".into(),
            AlertMetric::SyncRejected => "sync_rejected".into(),
            AlertMetric::ClientErrors => "client_errors".into(),
            AlertMetric::CacheHitRatio => "cache_hit_ratio_percent".into(),
        }
    }

    pub fn parse(code: &str) -> Option<AlertMetric> {
        AlertMetric::ALL.into_iter().find(|m| m.code() == code.trim())
    }

    pub fn label(self) -> String {
        match self {
            AlertMetric::LatencyP95 => "p95 latency".into(),
            AlertMetric::ErrorRate => "error rate".into(),
            AlertMetric::Throughput => "requests per minute".into(),
            AlertMetric::Memory => "memory".into(),
            AlertMetric::Cpu => "CPU".into(),
            AlertMetric::VitalP75(metric) => format!("{} p75", metric.code()),
            AlertMetric::FailedLogins => "failed sign-ins".into(),
            AlertMetric::DatabaseErrors => "database errors".into(),
            AlertMetric::SyncRejected => "rejected offline changes".into(),
            AlertMetric::ClientErrors => "browser errors".into(),
            AlertMetric::CacheHitRatio => "cache hit ratio".into(),
        }
    }

    /// A value of this metric as people read it.
    pub fn format(self, value: f64) -> String {
        match self {
            AlertMetric::LatencyP95 => format!("{value:.0} ms"),
            AlertMetric::ErrorRate | AlertMetric::Cpu | AlertMetric::CacheHitRatio => format!("{value:.1}%"),
            AlertMetric::FailedLogins
            | AlertMetric::DatabaseErrors
            | AlertMetric::SyncRejected
            | AlertMetric::ClientErrors => format!("{value:.0}"),
            AlertMetric::Throughput => format!("{value:.1}/min"),
            AlertMetric::Memory => format!("{value:.0} MiB"),
            AlertMetric::VitalP75(Metric::Cls) => format!("{value:.3}"),
            AlertMetric::VitalP75(_) => format!("{value:.0} ms"),
        }
    }

    /// The windows (minutes) its figures exist for: the server keeps requests over 1, 5
    /// and 60 minutes and vitals over an hour, a day and a week; process readings are now.
    pub fn windows(self) -> &'static [i64] {
        match self {
            AlertMetric::LatencyP95 | AlertMetric::ErrorRate | AlertMetric::Throughput => &[1, 5, 60],
            AlertMetric::Memory | AlertMetric::Cpu => &[1],
            AlertMetric::VitalP75(_) => &[60, 1_440, 10_080],
            // Counted per minute over the last hour.
            AlertMetric::FailedLogins
            | AlertMetric::DatabaseErrors
            | AlertMetric::SyncRejected
            | AlertMetric::ClientErrors
            | AlertMetric::CacheHitRatio => &[5, 60],
        }
    }

    /// Whether its figures are kept for days (a regression rule compares with them).
    pub fn has_history(self) -> bool {
        matches!(
            self,
            AlertMetric::LatencyP95 | AlertMetric::ErrorRate | AlertMetric::Throughput | AlertMetric::VitalP75(_)
        )
    }

    /// Whether it has one figure per route.
    pub fn has_routes(self) -> bool {
        matches!(
            self,
            AlertMetric::LatencyP95 | AlertMetric::ErrorRate | AlertMetric::Throughput | AlertMetric::VitalP75(_)
        )
    }

    /// The largest threshold that means anything.
    fn max_threshold(self) -> f64 {
        match self {
            AlertMetric::ErrorRate | AlertMetric::CacheHitRatio => 100.0,
            AlertMetric::FailedLogins
            | AlertMetric::DatabaseErrors
            | AlertMetric::SyncRejected
            | AlertMetric::ClientErrors => 1_000_000.0,
            // Percent of one core, on up to 64 cores.
            AlertMetric::Cpu => 6_400.0,
            AlertMetric::VitalP75(metric) => metric.max_value(),
            AlertMetric::LatencyP95 => 600_000.0,
            AlertMetric::Throughput => 10_000_000.0,
            AlertMetric::Memory => 1_048_576.0,
        }
    }
}

impl fmt::Display for AlertMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl TryFrom<String> for AlertMetric {
    type Error = String;

    fn try_from(code: String) -> Result<Self, String> {
        AlertMetric::parse(&code).ok_or_else(|| format!("unknown metric “{code}”"))
    }
}

impl From<AlertMetric> for String {
    fn from(metric: AlertMetric) -> String {
        metric.code()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Above,
    Below,
}

impl Comparison {
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Above => value > threshold,
            Comparison::Below => value < threshold,
        }
    }
}

/// Where a rule's notifications go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The alerts list and badge in the app.
    InApp,
    /// The server's log.
    Log,
    /// `ALERT_WEBHOOK_URL`: a JSON post, signed when `ALERT_WEBHOOK_SECRET` is set.
    Webhook,
    /// `ALERT_SLACK_WEBHOOK_URL`: a Slack incoming webhook.
    Slack,
    /// `ALERT_EMAIL_TO` over `SMTP_URL`.
    Email,
}

impl Channel {
    pub const ALL: [Channel; 5] = [Channel::InApp, Channel::Log, Channel::Webhook, Channel::Slack, Channel::Email];

    pub fn code(self) -> &'static str {
        match self {
            Channel::InApp => "in_app",
            Channel::Log => "log",
            Channel::Webhook => "webhook",
            Channel::Slack => "slack",
            Channel::Email => "email",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code.trim())
    }

    /// Whether notifications leave the server (and are delivered with retries).
    pub fn is_outbound(self) -> bool {
        matches!(self, Channel::Webhook | Channel::Slack | Channel::Email)
    }
}

/// Which routes a rule judges: all requests together, each route on its own (one alert per
/// route), or one route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", content = "route", rename_all = "snake_case")]
pub enum RouteScope {
    Overall,
    EachRoute,
    Route(String),
}

impl RouteScope {
    /// Whether a rule of this scope judges `route` on its own.
    pub fn judges_route(&self, route: &str) -> bool {
        match self {
            RouteScope::Overall => false,
            RouteScope::EachRoute => true,
            RouteScope::Route(r) => r == route,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRule {
    pub id: Uuid,
    pub name: String,
    pub metric: AlertMetric,
    pub comparison: Comparison,
    pub threshold: f64,
    pub window_minutes: i64,
    /// How long the condition must hold before the alert fires.
    pub pending_seconds: i64,
    pub repeat_minutes: i64,
    pub severity: Severity,
    pub notify_resolved: bool,
    /// Critical alerts only: unacknowledged this long, they go to `escalation_channels` too.
    pub escalate_after_minutes: Option<i64>,
    pub channels: Vec<Channel>,
    pub escalation_channels: Vec<Channel>,
    pub routes: RouteScope,
    pub enabled: bool,
    /// A regression rule: the value must also be worse than its baseline (the median of the
    /// same window on each of the last 7 days) by more than this many percent.
    #[serde(default)]
    pub regression_percent: Option<f64>,
}

/// The days a regression rule's baseline looks back.
pub const BASELINE_DAYS: i64 = 7;
/// The fewest of those days with figures that make a baseline.
pub const BASELINE_MIN_DAYS: usize = 3;

/// The longest `for`, repeat interval and escalation delay: a week.
const LONGEST_MINUTES: i64 = 7 * 24 * 60;

impl AlertRule {
    pub fn timing(&self) -> Timing {
        Timing {
            pending_for: Duration::seconds(self.pending_seconds),
            repeat_every: Duration::minutes(self.repeat_minutes),
            notify_resolved: self.notify_resolved,
            escalate_after: self.escalate_after_minutes.map(Duration::minutes),
        }
    }

    /// Whether `value` is bad by this rule.
    pub fn breached(&self, value: f64) -> bool {
        self.comparison.holds(value, self.threshold)
    }

    /// For a regression rule: whether `value` is worse than `baseline` by more than the
    /// rule's percentage (and beyond its threshold). Other rules ignore the baseline.
    pub fn regressed(&self, value: f64, baseline: f64) -> bool {
        let Some(percent) = self.regression_percent else { return self.breached(value) };
        let worse = match self.comparison {
            Comparison::Above => value > baseline * (1.0 + percent / 100.0),
            Comparison::Below => value < baseline * (1.0 - percent / 100.0),
        };
        worse && self.breached(value)
    }

    /// "p95 latency above 1000 ms over 5 min".
    pub fn condition(&self) -> String {
        let comparison = match self.comparison {
            Comparison::Above => "above",
            Comparison::Below => "below",
        };
        let over = match self.metric.windows() {
            [_] => String::new(),
            _ => format!(" over {}", window_label(self.window_minutes)),
        };
        let threshold = self.metric.format(self.threshold);
        match self.regression_percent {
            None => format!("{} {comparison} {threshold}{over}", self.metric.label()),
            Some(percent) => format!(
                "{}{over} {percent:.0}% {comparison} its usual (the same time of the last {BASELINE_DAYS} days) and \
                 {comparison} {threshold}",
                self.metric.label()
            ),
        }
    }

    /// The rule, normalized, or a message per field that is wrong.
    pub fn validated(mut self) -> Result<AlertRule, FieldErrors> {
        let mut check = Checker::new();
        self.name = check.required_line("name", "The name", &self.name, 100);
        let metric = self.metric;
        if !self.threshold.is_finite() || self.threshold < 0.0 || self.threshold > metric.max_threshold() {
            check.fail(
                "threshold",
                format!("The threshold must be a number from 0 to {}.", metric.format(metric.max_threshold())),
            );
        }
        if !metric.windows().contains(&self.window_minutes) {
            let choices: Vec<String> = metric.windows().iter().map(|m| window_label(*m)).collect();
            check.fail(
                "window_minutes",
                format!("Figures of {} are kept over {} only.", metric.label(), choices.join(", ")),
            );
        }
        if !(0..=LONGEST_MINUTES * 60).contains(&self.pending_seconds) {
            check.fail("pending_seconds", "“For” must be from 0 seconds to 7 days.");
        }
        if !(1..=LONGEST_MINUTES).contains(&self.repeat_minutes) {
            check.fail("repeat_minutes", "The repeat interval must be from 1 minute to 7 days.");
        }
        match self.escalate_after_minutes {
            Some(_) if self.severity != Severity::Critical => {
                check.fail("escalate_after_minutes", "Only critical alerts escalate.");
            }
            Some(minutes) if !(1..=LONGEST_MINUTES).contains(&minutes) => {
                check.fail("escalate_after_minutes", "The escalation delay must be from 1 minute to 7 days.");
            }
            Some(_) if self.escalation_channels.is_empty() => {
                check.fail("escalation_channels", "Choose where escalations go.");
            }
            _ => {}
        }
        self.channels.sort();
        self.channels.dedup();
        self.escalation_channels.sort();
        self.escalation_channels.dedup();
        if self.channels.is_empty() {
            check.fail("channels", "Choose at least one channel.");
        }
        if let Some(percent) = self.regression_percent {
            if !metric.has_history() {
                check.fail("regression_percent", format!("The {} has no history to compare with.", metric.label()));
            } else if !(1.0..=1_000.0).contains(&percent) {
                check.fail("regression_percent", "The regression must be from 1 % to 1000 %.");
            } else if self.routes == RouteScope::EachRoute {
                check.fail("routes", "A regression rule watches all requests or one route.");
            }
        }
        match &self.routes {
            RouteScope::Overall => {}
            _ if !metric.has_routes() => {
                check.fail(
                    "routes",
                    format!("There is one {} figure for the whole server, not one per route.", metric.label()),
                );
            }
            RouteScope::Route(route) if !route.starts_with('/') || route.len() > 200 => {
                check.fail("routes", "A route starts with “/”, as /organizations/{id} does.");
            }
            _ => {}
        }
        check.finish(self)
    }
}

/// A new rule of `metric` with the defaults a form starts from: above, the metric's shortest
/// window, firing at once, repeated hourly, warning, resolve notified, all requests, in-app
/// and log, enabled. Name and threshold are the caller's.
pub fn new_rule(metric: AlertMetric) -> AlertRule {
    AlertRule {
        id: Uuid::now_v7(),
        name: String::new(),
        metric,
        comparison: Comparison::Above,
        threshold: 0.0,
        window_minutes: metric.windows()[0],
        pending_seconds: 0,
        repeat_minutes: 60,
        severity: Severity::Warning,
        notify_resolved: true,
        escalate_after_minutes: None,
        channels: vec![Channel::InApp, Channel::Log],
        escalation_channels: Vec::new(),
        routes: RouteScope::Overall,
        enabled: true,
        regression_percent: None,
    }
}

/// The baseline of a regression rule: the median of the days' figures, or `None` when fewer
/// than [`BASELINE_MIN_DAYS`] days had any.
pub fn baseline(days: &[Option<f64>]) -> Option<f64> {
    let mut values: Vec<f64> = days.iter().flatten().copied().filter(|v| v.is_finite()).collect();
    if values.len() < BASELINE_MIN_DAYS {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { (values[middle - 1] + values[middle]) / 2.0 } else { values[middle] })
}

/// "5 min", "1 h", "7 d".
pub fn window_label(minutes: i64) -> String {
    match minutes {
        m if m % 1_440 == 0 => format!("{} d", m / 1_440),
        m if m % 60 == 0 => format!("{} h", m / 60),
        m => format!("{m} min"),
    }
}

/// The rules a new installation starts with (the seed documents' defaults), each with a
/// fixed id so that seeding twice adds nothing.
pub fn default_rules() -> Vec<AlertRule> {
    let rule = |n: u128, name: &str, metric, threshold, window_minutes, severity| AlertRule {
        id: Uuid::from_u128(0xa1e7_0000_0000_0000_0000_0000_0000_0000 + n),
        name: name.to_owned(),
        metric,
        comparison: Comparison::Above,
        threshold,
        window_minutes,
        pending_seconds: 300,
        repeat_minutes: 60,
        severity,
        notify_resolved: true,
        escalate_after_minutes: None,
        channels: Channel::ALL.to_vec(),
        escalation_channels: Vec::new(),
        routes: RouteScope::Overall,
        enabled: true,
        regression_percent: None,
    };
    vec![
        AlertRule {
            routes: RouteScope::EachRoute,
            ..rule(1, "Slow responses", AlertMetric::LatencyP95, 1_000.0, 5, Severity::Warning)
        },
        AlertRule {
            pending_seconds: 120,
            escalate_after_minutes: Some(15),
            escalation_channels: vec![Channel::Email, Channel::Slack],
            ..rule(2, "High error rate", AlertMetric::ErrorRate, 5.0, 5, Severity::Critical)
        },
        rule(3, "High memory use", AlertMetric::Memory, 512.0, 1, Severity::High),
        AlertRule {
            pending_seconds: 0,
            ..rule(6, "Many failed sign-ins", AlertMetric::FailedLogins, 20.0, 5, Severity::High)
        },
        AlertRule {
            pending_seconds: 0,
            ..rule(7, "Database errors", AlertMetric::DatabaseErrors, 5.0, 5, Severity::High)
        },
        AlertRule {
            repeat_minutes: 24 * 60,
            pending_seconds: 0,
            ..rule(
                4,
                "Real users wait for content (LCP)",
                AlertMetric::VitalP75(Metric::Lcp),
                2_500.0,
                60,
                Severity::Warning,
            )
        },
        AlertRule {
            repeat_minutes: 24 * 60,
            pending_seconds: 0,
            ..rule(5, "Slow to respond to taps (INP)", AlertMetric::VitalP75(Metric::Inp), 200.0, 60, Severity::Warning)
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> AlertRule {
        default_rules().remove(0)
    }

    #[test]
    fn the_seed_rules_are_valid() {
        for rule in default_rules() {
            let name = rule.name.clone();
            assert!(rule.validated().is_ok(), "{name}");
        }
    }

    #[test]
    fn metrics_read_back_from_their_codes() {
        for metric in AlertMetric::ALL {
            assert_eq!(AlertMetric::parse(&metric.code()), Some(metric));
        }
        assert_eq!(AlertMetric::parse("vital_p75_lcp"), Some(AlertMetric::VitalP75(Metric::Lcp)));
        assert_eq!(AlertMetric::parse("disk"), None);
        let json = serde_json::to_string(&AlertMetric::VitalP75(Metric::Inp)).unwrap();
        assert_eq!(json, "\"vital_p75_inp\"");
    }

    #[test]
    fn a_wrong_rule_gets_a_message_per_field() {
        let wrong = AlertRule {
            name: "  ".into(),
            threshold: f64::NAN,
            window_minutes: 7,
            repeat_minutes: 0,
            escalate_after_minutes: Some(5),
            channels: Vec::new(),
            routes: RouteScope::Route("organizations".into()),
            ..rule()
        };
        let errors = wrong.validated().unwrap_err();
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            ["channels", "escalate_after_minutes", "name", "repeat_minutes", "routes", "threshold", "window_minutes"]
        );
        assert_eq!(errors["window_minutes"], "Figures of p95 latency are kept over 1 min, 5 min, 1 h only.");
        assert_eq!(errors["escalate_after_minutes"], "Only critical alerts escalate.");
    }

    #[test]
    fn a_server_wide_figure_has_no_routes() {
        let memory = AlertRule { routes: RouteScope::EachRoute, ..default_rules().remove(2) };
        assert_eq!(
            memory.validated().unwrap_err()["routes"],
            "There is one memory figure for the whole server, not one per route."
        );
    }

    #[test]
    fn channels_are_kept_once_each() {
        let twice = AlertRule { channels: vec![Channel::Log, Channel::InApp, Channel::Log], ..rule() };
        assert_eq!(twice.validated().unwrap().channels, [Channel::InApp, Channel::Log]);
    }

    #[test]
    fn the_condition_reads_as_a_sentence_and_compares_strictly() {
        let slow = rule();
        assert_eq!(slow.condition(), "p95 latency above 1000 ms over 5 min");
        assert!(slow.breached(1_000.1));
        assert!(!slow.breached(1_000.0));
        let quiet =
            AlertRule { comparison: Comparison::Below, metric: AlertMetric::Throughput, threshold: 1.0, ..rule() };
        assert!(quiet.breached(0.5));
        assert_eq!(quiet.condition(), "requests per minute below 1.0/min over 5 min");
        assert_eq!(default_rules()[2].condition(), "memory above 512 MiB");
    }

    #[test]
    fn a_regression_rule_fires_on_a_value_worse_than_its_usual_and_its_floor() {
        let slower =
            AlertRule { regression_percent: Some(50.0), threshold: 200.0, routes: RouteScope::Overall, ..rule() };
        let slower = slower.validated().unwrap();
        assert_eq!(
            slower.condition(),
            "p95 latency over 5 min 50% above its usual (the same time of the last 7 days) and above 200 ms"
        );
        assert!(slower.regressed(400.0, 250.0), "60 % worse, above the floor");
        assert!(!slower.regressed(370.0, 250.0), "48 % worse");
        assert!(!slower.regressed(150.0, 90.0), "66 % worse but under the floor");
        let per_route = AlertRule { regression_percent: Some(50.0), ..rule() };
        assert_eq!(
            per_route.validated().unwrap_err()["routes"],
            "A regression rule watches all requests or one route."
        );
        let memory = AlertRule { regression_percent: Some(50.0), ..default_rules().remove(2) };
        assert_eq!(memory.validated().unwrap_err()["regression_percent"], "The memory has no history to compare with.");
    }

    #[test]
    fn the_baseline_is_the_median_of_the_days_with_figures() {
        assert_eq!(baseline(&[Some(3.0), None, Some(1.0), Some(2.0)]), Some(2.0));
        assert_eq!(baseline(&[Some(4.0), Some(1.0), Some(2.0), Some(3.0)]), Some(2.5));
        assert_eq!(baseline(&[Some(1.0), None, Some(2.0), None]), None, "two days are not a habit");
    }
}
