//! The daily digest: yesterday's figures (requests, error rate, p95), the slowest routes, the
//! alerts that fired and real users' web vitals, sent once a day at `ALERT_DIGEST_HOUR`
//! (UTC) to the in-app list, the log and every outbound channel that is set up.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use app::model::alerts::{Notice, Severity};
use app::model::validate::format_count;
use app::model::vitals::{Metric, summarize};
use app::store::{Store, StoreError};
use uuid::Uuid;

use super::stats::alert_stats;
use super::{AlertFigure, Notification, notification_text, storage};
use crate::monitoring::aggregator::ALL_ROUTES;
use crate::monitoring::{rollups, vitals};

/// A route needs this many requests in the day to count among the slowest.
const SLOWEST_MIN_REQUESTS: i64 = 20;
/// The slowest routes listed.
const SLOWEST: usize = 5;

/// What a day looked like.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DayFigures {
    pub requests: i64,
    pub server_errors: i64,
    pub p95_ms: Option<f64>,
    /// Route and its p95, slowest first.
    pub slowest: Vec<(String, f64)>,
    /// Rule name and how many times it fired, most first.
    pub fired: Vec<(String, u64)>,
    /// Real users' p75 of LCP, INP and CLS over the day, and how many samples.
    pub vitals: Vec<(Metric, f64, u64)>,
}

/// The day's figures from the saved minutes, the alert history and the vitals samples.
pub async fn figures(store: &Store, day: NaiveDate) -> Result<DayFigures, StoreError> {
    let from = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default();
    let to = from + Duration::days(1);
    let overall = rollups::span(store, ALL_ROUTES, from.timestamp(), to.timestamp()).await?;
    let requests = overall.requests.unwrap_or(0);
    let p95_ms = overall.weighted_p95_ms.filter(|_| requests > 0).map(|w| w / requests as f64);
    let mut slowest: Vec<(String, f64)> = rollups::routes_in(store, from.timestamp(), to.timestamp(), None)
        .await?
        .into_iter()
        .filter(|r| r.route != ALL_ROUTES && r.requests >= SLOWEST_MIN_REQUESTS)
        .map(|r| (r.route, r.weighted_p95_ms / r.requests as f64))
        .collect();
    slowest.sort_by(|a, b| b.1.total_cmp(&a.1));
    slowest.truncate(SLOWEST);
    let events: Vec<_> = storage::events_since(store, from).await?.into_iter().filter(|e| e.at.0 < to).collect();
    let fired = alert_stats(&events).by_rule.into_iter().map(|r| (r.rule_name, r.fired)).collect();
    let samples = vitals::between(store, from, to).await?;
    let vitals = summarize(&samples)
        .into_iter()
        .filter(|s| s.route.is_none() && s.device.is_none())
        .filter(|s| matches!(s.metric, Metric::Lcp | Metric::Inp | Metric::Cls))
        .map(|s| (s.metric, s.p75, s.samples))
        .collect();
    Ok(DayFigures { requests, server_errors: overall.server_errors.unwrap_or(0), p95_ms, slowest, fired, vitals })
}

/// The digest of `day` as a notification: one line per figure.
pub fn digest(day: NaiveDate, figures: &DayFigures, at: DateTime<Utc>) -> Notification {
    let line = |label: String, shown: String| AlertFigure { labels: label, value: None, shown: Some(shown) };
    let mut lines = vec![line("requests".into(), format_count(figures.requests))];
    if figures.requests > 0 {
        let rate = 100.0 * figures.server_errors as f64 / figures.requests as f64;
        lines.push(line("server errors".into(), format!("{} ({rate:.2}%)", format_count(figures.server_errors))));
    }
    if let Some(p95) = figures.p95_ms {
        lines.push(line("p95 response time".into(), format!("{p95:.0} ms")));
    }
    for (route, p95) in &figures.slowest {
        lines.push(line(format!("slow route {route}"), format!("p95 {p95:.0} ms")));
    }
    if figures.fired.is_empty() {
        lines.push(line("alerts".into(), "none fired".into()));
    }
    for (rule, times) in &figures.fired {
        lines.push(line(format!("alert “{rule}”"), format!("fired {times}×")));
    }
    for (metric, p75, samples) in &figures.vitals {
        let shown = if *metric == Metric::Cls { format!("{p75:.3}") } else { format!("{p75:.0} ms") };
        let rating = metric.rate(*p75).label();
        lines.push(line(format!("{} p75", metric.code()), format!("{shown}, {rating} ({samples} samples)")));
    }
    let mut notification = Notification {
        rule_id: Uuid::nil(),
        rule_name: format!("Daily digest for {}", day.format("%a %-d %b %Y")),
        severity: Severity::Info,
        notice: Notice::Digest,
        condition: format!("yesterday, {day} (UTC)"),
        alerts: lines,
        text: String::new(),
        at,
        test: false,
    };
    notification.text = notification_text(&notification);
    notification
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_has_a_line_per_figure() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let figures = DayFigures {
            requests: 12_345,
            server_errors: 12,
            p95_ms: Some(84.4),
            slowest: vec![("/reports".into(), 412.0)],
            fired: vec![("Slow responses".into(), 2)],
            vitals: vec![(Metric::Lcp, 1_830.0, 96), (Metric::Cls, 0.04, 96)],
        };
        let notification = digest(day, &figures, Utc::now());
        assert_eq!(notification.rule_name, "Daily digest for Fri 4 Dec 2026");
        assert_eq!(
            notification.text,
            "Daily digest for Fri 4 Dec 2026: yesterday, 2026-12-04 (UTC)\n\
             - requests: 12,345\n- server errors: 12 (0.10%)\n- p95 response time: 84 ms\n\
             - slow route /reports: p95 412 ms\n- alert “Slow responses”: fired 2×\n\
             - LCP p75: 1830 ms, good (96 samples)\n- CLS p75: 0.040, good (96 samples)"
        );
        let quiet = digest(day, &DayFigures::default(), Utc::now());
        assert_eq!(
            quiet.text,
            "Daily digest for Fri 4 Dec 2026: yesterday, 2026-12-04 (UTC)\n- requests: 0\n- alerts: none fired"
        );
    }
}
