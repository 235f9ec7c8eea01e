//! Real users' Core Web Vitals in the database: each accepted beacon's samples, kept 7 days
//! and at most `MAX_ROWS`, summarized at p75 (with p50, p95 and rating shares) on demand.

use chrono::{DateTime, Utc};

use app::model::vitals::{DeviceClass, MeasuredValue, Metric, VitalsBeacon};
use app::store::{Sql, Store, StoreError};

/// How long samples are kept.
pub const RETENTION_SECONDS: i64 = 7 * 24 * 3600;
/// The most samples kept whatever their age: a flood of beacons costs bounded disk and a
/// bounded summary.
pub const MAX_ROWS: i64 = 200_000;

/// Stores a checked beacon's samples, received at `at`.
pub async fn save(store: &Store, beacon: &VitalsBeacon, at: DateTime<Utc>) -> Result<(), StoreError> {
    if beacon.samples.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(
        "vitals.save",
        "INSERT INTO web_vitals (at, metric, value, route, device, connection, navigation, app_version) VALUES ",
    );
    for (i, sample) in beacon.samples.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" });
        sql.push_bind(at.timestamp())
            .push(", ")
            .push_bind(sample.metric.code())
            .push(", ")
            .push_bind(sample.value)
            .push(", ")
            .push_bind(sample.route.as_str())
            .push(", ")
            .push_bind(sample.device.code())
            .push(", ")
            .push_bind(sample.connection.as_deref())
            .push(", ")
            .push_bind(sample.navigation.as_deref())
            .push(", ")
            .push_bind(beacon.app_version.as_str())
            .push(")");
    }
    store.db().execute(sql).await.map(|_| ())
}

/// Drops samples older than the retention, then the oldest beyond `MAX_ROWS`.
pub async fn prune(store: &Store, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let old = store
        .db()
        .execute(
            Sql::new("vitals.prune_old", "DELETE FROM web_vitals WHERE at < $1")
                .bind(now.timestamp() - RETENTION_SECONDS),
        )
        .await?;
    let over = store
        .db()
        .execute(
            Sql::new(
                "vitals.prune_over",
                "DELETE FROM web_vitals WHERE id <= (SELECT id FROM web_vitals ORDER BY id DESC LIMIT 1 OFFSET $1)",
            )
            .bind(MAX_ROWS),
        )
        .await?;
    Ok(old + over)
}

#[derive(sqlx::FromRow)]
struct Row {
    metric: String,
    route: String,
    device: String,
    value: f64,
}

/// The samples received since `since` (rows this build cannot read are left out).
pub async fn since(store: &Store, since: DateTime<Utc>) -> Result<Vec<MeasuredValue>, StoreError> {
    let sql = Sql::new("vitals.since", "SELECT metric, route, device, value FROM web_vitals WHERE at >= $1")
        .bind(since.timestamp());
    read(store, sql).await
}

/// The samples received from `from` until before `to`.
pub async fn between(store: &Store, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<MeasuredValue>, StoreError> {
    let sql =
        Sql::new("vitals.between", "SELECT metric, route, device, value FROM web_vitals WHERE at >= $1 AND at < $2")
            .bind(from.timestamp())
            .bind(to.timestamp());
    read(store, sql).await
}

async fn read(store: &Store, sql: Sql) -> Result<Vec<MeasuredValue>, StoreError> {
    let rows: Vec<Row> = store.db().fetch_all(sql).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(MeasuredValue {
                metric: Metric::parse(&row.metric)?,
                device: DeviceClass::parse(&row.device)?,
                route: row.route,
                value: row.value,
            })
        })
        .collect())
}
