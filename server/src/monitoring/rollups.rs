//! Minute rollups in the database: each instance writes its closed minutes (per route and
//! overall) once a minute and prunes what is older than the retention, so charts can show
//! the last 7 days across restarts and instances.

use chrono::Utc;
use serde::Serialize;

use app::store::{Sql, Store, StoreError};

use super::Monitoring;
use super::aggregator::MinuteRollup;

/// How long rollups are kept.
pub const RETENTION_SECONDS: i64 = 7 * 24 * 3600;

/// Rows per INSERT statement (11 values each, well under every backend's placeholder limit).
const BATCH: usize = 50;

/// Writes the minutes that closed since the last call and drops those past the retention.
pub async fn persist_closed_minutes(store: &Store, monitoring: &Monitoring) -> Result<(), StoreError> {
    let rollups = monitoring.take_closed_minutes();
    save(store, &monitoring.instance, &rollups).await?;
    prune(store, Utc::now().timestamp() - RETENTION_SECONDS).await?;
    Ok(())
}

pub async fn save(store: &Store, instance: &str, rollups: &[MinuteRollup]) -> Result<(), StoreError> {
    if rollups.is_empty() {
        return Ok(());
    }
    let mut tx = store.db().begin().await?;
    for batch in rollups.chunks(BATCH) {
        let mut sql = Sql::new(
            "performance.save_minutes",
            "INSERT INTO performance_minutes (route, minute, instance, requests, server_errors, client_errors, \
             mean_ms, p50_ms, p95_ms, p99_ms, max_ms) VALUES ",
        );
        for (i, r) in batch.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.push_bind(r.route.as_str()).push(", ").push_bind(r.minute).push(", ").push_bind(instance);
            for count in [r.requests, r.server_errors, r.client_errors] {
                sql.push(", ").push_bind(i64::try_from(count).unwrap_or(i64::MAX));
            }
            for ms in [r.mean_ms, r.p50_ms, r.p95_ms, r.p99_ms, r.max_ms] {
                sql.push(", ").push_bind(ms);
            }
            sql.push(")");
        }
        // A minute is written once; a retry after a failed commit must not fail on it.
        sql.push(" ON CONFLICT (route, minute, instance) DO NOTHING");
        tx.execute(sql).await?;
    }
    tx.commit().await
}

pub async fn prune(store: &Store, before: i64) -> Result<u64, StoreError> {
    store
        .db()
        .execute(Sql::new("performance.prune", "DELETE FROM performance_minutes WHERE minute < $1").bind(before))
        .await
}

/// One minute of a chart, all instances together.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct MinutePoint {
    /// Unix seconds of the minute's start.
    pub minute: i64,
    pub requests: i64,
    pub server_errors: i64,
    pub client_errors: i64,
    /// Mean weighted by each instance's requests.
    pub mean_ms: f64,
    /// The highest of the instances' p50, p95 and p99 (quantiles of several instances cannot
    /// be merged from rollups; the worst one is the honest upper bound).
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// The minutes of `route` (`*` for all requests) from `since` (unix seconds), oldest first.
pub async fn history(store: &Store, route: &str, since: i64) -> Result<Vec<MinutePoint>, StoreError> {
    let sql = Sql::new(
        "performance.history",
        "SELECT minute, CAST(SUM(requests) AS BIGINT) AS requests, \
         CAST(SUM(server_errors) AS BIGINT) AS server_errors, CAST(SUM(client_errors) AS BIGINT) AS client_errors, \
         CAST(COALESCE(SUM(mean_ms * requests) / NULLIF(SUM(requests), 0), 0) AS DOUBLE PRECISION) AS mean_ms, \
         CAST(MAX(p50_ms) AS DOUBLE PRECISION) AS p50_ms, CAST(MAX(p95_ms) AS DOUBLE PRECISION) AS p95_ms, \
         CAST(MAX(p99_ms) AS DOUBLE PRECISION) AS p99_ms, CAST(MAX(max_ms) AS DOUBLE PRECISION) AS max_ms \
         FROM performance_minutes WHERE route = $1 AND minute >= $2 GROUP BY minute ORDER BY minute",
    )
    .bind(route)
    .bind(since);
    store.db().fetch_all(sql).await
}

/// All instances' requests of `route` (`*`: all) in the minutes from `from` until before `to`
/// (unix seconds): requests, server errors, and the p95s weighted by their requests.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct Span {
    pub requests: Option<i64>,
    pub server_errors: Option<i64>,
    pub weighted_p95_ms: Option<f64>,
}

pub async fn span(store: &Store, route: &str, from: i64, to: i64) -> Result<Span, StoreError> {
    let sql = Sql::new(
        "performance.span",
        "SELECT CAST(SUM(requests) AS BIGINT) AS requests, CAST(SUM(server_errors) AS BIGINT) AS server_errors, \
         CAST(SUM(p95_ms * requests) AS DOUBLE PRECISION) AS weighted_p95_ms \
         FROM performance_minutes WHERE route = $1 AND minute >= $2 AND minute < $3",
    )
    .bind(route)
    .bind(from)
    .bind(to);
    store.db().fetch_one(sql).await
}

/// One route's requests in a span of minutes.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RouteSpan {
    pub route: String,
    pub requests: i64,
    pub server_errors: i64,
    pub weighted_p95_ms: f64,
}

/// Each route's requests (`*`: all requests) from `from` until before `to` (unix seconds),
/// of every instance but `except`, if given.
pub async fn routes_in(store: &Store, from: i64, to: i64, except: Option<&str>) -> Result<Vec<RouteSpan>, StoreError> {
    let sql = Sql::new(
        "performance.routes_in",
        "SELECT route, CAST(SUM(requests) AS BIGINT) AS requests, \
         CAST(SUM(server_errors) AS BIGINT) AS server_errors, \
         CAST(SUM(p95_ms * requests) AS DOUBLE PRECISION) AS weighted_p95_ms \
         FROM performance_minutes WHERE minute >= $1 AND minute < $2 AND instance <> $3 GROUP BY route",
    )
    .bind(from)
    .bind(to)
    // No instance is named "": nothing left out.
    .bind(except.unwrap_or_default());
    store.db().fetch_all(sql).await
}
