//! The monitoring dashboard's view of this server ([`app::api::monitoring::MonitoringDesk`]):
//! one [`MonitoringOverview`] built from the same sources as the JSON API (the live
//! windows, the minute rollups, the process samples, the web vitals, the error log and
//! alerting), so the page and `/api/v1/performance` always agree.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{Duration, Utc};

use app::api::monitoring::MonitoringDesk;
use app::error::AppError;
use app::model::CurrentUser;
use app::model::monitoring::{
    Better, CacheRow, Card, ErrorOccurrenceRow, ErrorRow, Level, MonitoringOverview, Period, PoolRow, QueryRow,
    RequestMinute, RouteDetail, RouteRow, SlowQueryRow, SlowRequestRow, Unit, process_charts, request_charts,
};
use app::model::vitals::{VitalSummary, summarize};

use super::aggregator::{ALL_ROUTES, RouteStats, Stats, Window};
use super::errors::ErrorGroup;
use super::health::{self, HealthThresholds};
use super::{rollups, samples, vitals};
use crate::state::AppState;

/// The live window of the cards, and the one of the tables.
const CARDS: Window = Window::FiveMinutes;
const TABLES: Window = Window::OneHour;
/// The most rows a table lists.
const STATEMENTS: usize = 10;
const SLOW_STATEMENTS: usize = 5;
const ERROR_GROUPS: usize = 20;
const ALERT_HISTORY: i64 = 8;
/// The cache hit ratio the goals ask for (domain.md), and where it is clearly missed.
/// How far back browsers' reports of their offline queues count (seconds).
const OFFLINE_REPORTS_SECONDS: i64 = 30 * 60;
/// More changes than this waiting in reps' browsers is bad (any at all is a warning).
const OFFLINE_PENDING_BAD: f64 = 20.0;
const CACHE_GOAL: f64 = 0.9;
const CACHE_POOR: f64 = 0.7;

type Answer<T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, AppError>> + Send>>;

impl MonitoringDesk for AppState {
    fn overview(&self, user: CurrentUser, period: Period) -> Answer<MonitoringOverview> {
        let state = self.clone();
        Box::pin(async move { overview(&state, &user, period).await })
    }

    fn route(&self, _: CurrentUser, route: String, period: Period) -> Answer<RouteDetail> {
        let state = self.clone();
        Box::pin(async move { route_detail(&state, route, period).await })
    }

    fn clear_caches(&self, user: CurrentUser) -> Answer<()> {
        let state = self.clone();
        Box::pin(async move {
            if !app::policy::can_administer(&user) {
                return Err(AppError::forbidden("Only an administrator can clear the caches."));
            }
            state.clear_read_caches(String::new(), &user).await;
            Ok(())
        })
    }
}

/// What the figures of a span of closed minutes come to (all instances).
struct Earlier {
    requests_per_minute: Option<f64>,
    p95_ms: Option<f64>,
    error_rate: Option<f64>,
}

async fn earlier(state: &AppState, from: i64, to: i64) -> Result<Earlier, AppError> {
    let span = rollups::span(&state.store, ALL_ROUTES, from, to).await?;
    let requests = span.requests.filter(|n| *n > 0);
    let minutes = ((to - from) / 60).max(1) as f64;
    Ok(Earlier {
        requests_per_minute: Some(span.requests.unwrap_or(0) as f64 / minutes),
        p95_ms: requests.and_then(|n| span.weighted_p95_ms.map(|w| w / n as f64)),
        error_rate: requests.map(|n| span.server_errors.unwrap_or(0) as f64 / n as f64),
    })
}

fn request_cards(now: &Stats, before: &Earlier, thresholds: &HealthThresholds) -> [Card; 3] {
    let note = "last 5 min, vs the 5 before".to_owned();
    let card = |key: &str, title: &str, value, previous, unit, better, level| Card {
        key: key.to_owned(),
        title: title.to_owned(),
        value,
        previous,
        unit,
        better,
        level,
        note: note.clone(),
    };
    let p95 = now.p95_ms;
    // Too few requests say nothing about latency and errors (as /health judges them).
    let judged = now.requests >= thresholds.min_requests;
    let judge = |level: Level| if judged { level } else { Level::Unknown };
    [
        card(
            "requests_per_minute",
            "Requests",
            Some(now.requests_per_minute),
            before.requests_per_minute,
            Unit::PerMinute,
            Better::Neither,
            Level::Unknown,
        ),
        card(
            "p95_ms",
            "p95 latency",
            p95,
            before.p95_ms,
            Unit::Millis,
            Better::Lower,
            judge(Level::of(p95, thresholds.degraded_p95_ms, thresholds.unhealthy_p95_ms, Better::Lower)),
        ),
        card(
            "error_rate",
            "Error rate",
            Some(now.error_rate),
            before.error_rate,
            Unit::Share,
            Better::Lower,
            judge(Level::of(
                Some(now.error_rate),
                thresholds.degraded_error_rate,
                thresholds.unhealthy_error_rate,
                Better::Lower,
            )),
        ),
    ]
}

fn hit_ratio(minutes: &[app::model::monitoring::ProcessMinute]) -> Option<f64> {
    let (hits, misses) = minutes.iter().fold((0u64, 0u64), |(h, m), p| (h + p.cache_hits, m + p.cache_misses));
    (hits + misses > 0).then(|| hits as f64 / (hits + misses) as f64)
}

async fn overview(state: &AppState, user: &CurrentUser, period: Period) -> Result<MonitoringOverview, AppError> {
    let monitoring = &state.monitoring;
    let now = Utc::now();
    let unix = now.timestamp();
    let minute = unix.div_euclid(60) * 60;
    let since = unix - period.seconds();
    let process = monitoring.process.stats();
    // The reads are independent: at once, so the poll waits for the slowest, not the sum.
    let (checks, before, process_minutes, active_users, minutes, vitals, (alerts, alert_history)) = tokio::try_join!(
        async { Ok::<_, AppError>(health::checks(state).await) },
        earlier(state, minute - 600, minute - 300),
        async { samples::history(&state.store, since.min(minute - 600)).await.map_err(AppError::from) },
        async { state.store.users_seen_since(now - Duration::minutes(5)).await.map_err(AppError::from) },
        request_minutes(state, ALL_ROUTES, since),
        monitoring.vitals_summaries.get(state, period),
        state.alerts.needing_attention(ALERT_HISTORY),
    )?;
    let (status, reasons) = checks.assess(&monitoring.health, process.resident_memory_bytes);

    let live = monitoring.overall(CARDS);
    let cache_now: Vec<_> = process_minutes.iter().filter(|p| p.minute >= minute - 300).copied().collect();
    let cache_before: Vec<_> =
        process_minutes.iter().filter(|p| p.minute >= minute - 600 && p.minute < minute - 300).copied().collect();
    let cache_ratio = hit_ratio(&cache_now);
    let mut cards: Vec<Card> = request_cards(&live, &before, &monitoring.health).into();
    cards.push(Card {
        key: "cache_hit_ratio".into(),
        title: "Cache hit ratio".into(),
        value: cache_ratio,
        previous: hit_ratio(&cache_before),
        unit: Unit::Share,
        better: Better::Higher,
        level: Level::of(cache_ratio, CACHE_GOAL, CACHE_POOR, Better::Higher),
        note: "last 5 closed min, vs the 5 before".into(),
    });
    let waiting = monitoring.offline_queues.waiting(unix, OFFLINE_REPORTS_SECONDS);
    let changes = (waiting.reporting > 0).then_some(waiting.changes as f64);
    cards.push(Card {
        key: "offline_pending".into(),
        title: "Offline changes waiting".into(),
        value: changes,
        previous: None,
        unit: Unit::Count,
        better: Better::Lower,
        // An online browser's queue drains in seconds: what stays is stuck or refused.
        level: Level::of(changes, 0.0, OFFLINE_PENDING_BAD, Better::Lower),
        note: match waiting.reporting {
            0 => "no signed-in browser reported in the last 30 min".into(),
            1 => "as 1 user's browser last reported (30 min)".into(),
            n => format!("as {n} users' browsers last reported (30 min)"),
        },
    });
    cards.push(Card {
        key: "active_users".into(),
        title: "Active users".into(),
        value: Some(active_users as f64),
        previous: None,
        unit: Unit::Count,
        better: Better::Neither,
        level: Level::Unknown,
        note: "signed-in users seen in the last 5 min".into(),
    });

    let process_in_period: Vec<_> = process_minutes.iter().filter(|p| p.minute >= since).copied().collect();
    let mut charts = request_charts(period, unix, &minutes);
    charts.extend(process_charts(period, unix, &process_in_period));

    let routes = monitoring.report(TABLES).routes.into_iter().map(route_row).collect();
    let mut queries: Vec<QueryRow> = monitoring
        .database
        .report(TABLES)
        .routes
        .into_iter()
        .map(|q| QueryRow {
            name: q.route,
            calls: q.stats.requests,
            p50_ms: q.stats.p50_ms,
            p95_ms: q.stats.p95_ms,
            max_ms: q.stats.max_ms,
            error_rate: q.stats.error_rate,
        })
        .collect();
    queries.sort_by(|a, b| b.p95_ms.unwrap_or(0.0).total_cmp(&a.p95_ms.unwrap_or(0.0)));
    queries.truncate(STATEMENTS);
    let mut slow_queries: Vec<SlowQueryRow> = monitoring
        .database
        .slow_queries()
        .into_iter()
        .map(|q| SlowQueryRow { at: q.at, name: q.name.to_owned(), sql: q.sql, elapsed_ms: q.elapsed_ms })
        .collect();
    slow_queries.sort_by(|a, b| b.elapsed_ms.total_cmp(&a.elapsed_ms));
    slow_queries.truncate(SLOW_STATEMENTS);
    let pools = state
        .store
        .db()
        .pool_stats()
        .into_iter()
        .map(|p| PoolRow { pool: p.pool.to_owned(), size: p.size, idle: p.idle, max: p.max })
        .collect();
    let caches = state
        .store
        .cache()
        .map(|cache| cache.stats())
        .unwrap_or_default()
        .into_iter()
        .map(|c| CacheRow {
            name: c.name.to_owned(),
            entries: c.entries,
            hits: c.hits,
            shared_hits: c.shared_hits,
            joined: c.joined,
            misses: c.misses,
            evictions: c.evictions,
            hit_ratio: c.hit_ratio,
        })
        .collect();
    let errors = monitoring.errors().into_iter().take(ERROR_GROUPS).map(error_row).collect();
    Ok(MonitoringOverview {
        generated_at: now,
        period,
        status: format!("{status:?}").to_lowercase(),
        reasons,
        uptime_seconds: process.uptime_seconds,
        cards,
        charts,
        routes,
        vitals,
        queries,
        slow_queries,
        pools,
        caches,
        errors,
        alerts,
        alert_history,
        can_clear_caches: app::policy::can_administer(user),
    })
}

/// The minutes of `route` (`*`: all requests) from `since`: the rollups of every instance,
/// and the minutes this instance has not written yet, so the charts reach the present.
async fn request_minutes(state: &AppState, route: &str, since: i64) -> Result<Vec<RequestMinute>, AppError> {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let mut minutes: Vec<RequestMinute> = rollups::history(&state.store, route, since)
        .await?
        .into_iter()
        .map(|m| RequestMinute {
            minute: m.minute,
            requests: count(m.requests),
            server_errors: count(m.server_errors),
            p50_ms: m.p50_ms,
            p95_ms: m.p95_ms,
            p99_ms: m.p99_ms,
        })
        .collect();
    let live = state.monitoring.unpersisted_minutes(route);
    minutes.extend(live.into_iter().filter(|m| m.minute >= since).map(|m| RequestMinute {
        minute: m.minute,
        requests: m.requests,
        server_errors: m.server_errors,
        p50_ms: m.p50_ms,
        p95_ms: m.p95_ms,
        p99_ms: m.p99_ms,
    }));
    Ok(minutes)
}

fn route_row(r: RouteStats) -> RouteRow {
    RouteRow {
        route: r.route,
        requests: r.stats.requests,
        requests_per_minute: r.stats.requests_per_minute,
        error_rate: r.stats.error_rate,
        p50_ms: r.stats.p50_ms,
        p95_ms: r.stats.p95_ms,
        p99_ms: r.stats.p99_ms,
        max_ms: r.stats.max_ms,
    }
}

fn error_row(g: ErrorGroup) -> ErrorRow {
    ErrorRow {
        kind: g.kind,
        route: g.route,
        count: g.count,
        first_seen: g.first_seen,
        last_seen: g.last_seen,
        recent: g
            .recent
            .into_iter()
            .map(|o| ErrorOccurrenceRow {
                at: o.at,
                request_id: o.request_id,
                user: o.user,
                status: o.status,
                causes: o.causes,
            })
            .collect(),
    }
}

async fn route_detail(state: &AppState, route: String, period: Period) -> Result<RouteDetail, AppError> {
    let now = Utc::now();
    let since = now.timestamp() - period.seconds();
    let minutes = request_minutes(state, &route, since).await?;
    let monitoring = &state.monitoring;
    let last_hour = monitoring.report(TABLES).routes.into_iter().find(|r| r.route == route).map(route_row);
    let errors = monitoring.errors().into_iter().filter(|g| g.route == route).map(error_row).collect();
    let slowest = monitoring
        .slowest(&route)
        .into_iter()
        .map(|r| SlowRequestRow {
            at: r.at,
            latency_ms: r.latency_ms,
            method: r.method.to_owned(),
            status: r.status,
            request_id: r.request_id,
            user: r.user,
        })
        .collect();
    Ok(RouteDetail {
        generated_at: now,
        period,
        charts: request_charts(period, now.timestamp(), &minutes),
        route,
        last_hour,
        errors,
        slowest,
    })
}

/// How long a web vitals summary is reused: a 7-day one reads up to 200,000 samples, and each
/// open dashboard asks every 5 s. Beacons arrive with page views; 15 s old is fresh enough.
const VITALS_FRESH: std::time::Duration = std::time::Duration::from_secs(15);

/// The dashboard's web vitals summaries per period, computed at most once per
/// [`VITALS_FRESH`] whoever is looking.
#[derive(Default)]
pub struct VitalsMemo(std::sync::Mutex<HashMap<Period, (Instant, Vec<VitalSummary>)>>);

impl VitalsMemo {
    async fn get(&self, state: &AppState, period: Period) -> Result<Vec<VitalSummary>, AppError> {
        let kept =
            super::lock(&self.0).get(&period).filter(|(at, _)| at.elapsed() < VITALS_FRESH).map(|(_, s)| s.clone());
        if let Some(summaries) = kept {
            return Ok(summaries);
        }
        let since = Utc::now() - Duration::seconds(period.seconds());
        let summaries = summarize(&vitals::since(&state.store, since).await?);
        super::lock(&self.0).insert(period, (Instant::now(), summaries.clone()));
        Ok(summaries)
    }
}
