//! Once a minute, the process (memory, CPU), its read caches (lookups answered, missed) and
//! the events alert rules count (failed sign-ins, database errors, refused offline changes,
//! browser errors) are written to `process_minutes`, so the dashboard charts them over 7
//! days across restarts and instances, as the request rollups ([`super::rollups`]) do for
//! requests, and the instance leading the alert rounds judges every instance's.

use std::time::Instant;

use app::model::monitoring::ProcessMinute;
use app::store::{Sql, Store, StoreError};

use super::Monitoring;
use super::events::{Event, EventTally};
use super::rollups::RETENTION_SECONDS;

/// The cumulative figures of the previous reading: a minute's row is the difference.
pub struct ProcessSampler {
    last: Option<Reading>,
}

#[derive(Clone, Copy)]
struct Reading {
    at: Instant,
    cpu_seconds: Option<f64>,
    cache_hits: u64,
    cache_misses: u64,
}

/// What one minute adds up to on this instance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinuteSample {
    pub minute: i64,
    pub resident_memory_bytes: Option<u64>,
    pub cpu_percent: Option<f64>,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub events: EventCounts,
}

/// The events of one minute that alert rules count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventCounts {
    pub failed_logins: u64,
    pub database_errors: u64,
    pub sync_rejected: u64,
    pub client_errors: u64,
}

impl EventCounts {
    pub fn of(tally: &EventTally, minute: i64) -> EventCounts {
        EventCounts {
            failed_logins: tally.in_minute(Event::FailedLogin, minute),
            database_errors: tally.in_minute(Event::DatabaseError, minute),
            sync_rejected: tally.in_minute(Event::SyncRejected, minute),
            client_errors: tally.in_minute(Event::ClientError, minute),
        }
    }
}

impl Default for ProcessSampler {
    fn default() -> Self {
        Self::new()
    }
}

impl ProcessSampler {
    pub fn new() -> Self {
        ProcessSampler { last: None }
    }

    /// A reading of cumulative totals; the first one only sets the baseline (`None`).
    pub fn sample(
        &mut self,
        now_unix: i64,
        resident_memory_bytes: Option<u64>,
        cpu_seconds_total: Option<f64>,
        (cache_hits, cache_misses): (u64, u64),
    ) -> Option<MinuteSample> {
        let reading = Reading { at: Instant::now(), cpu_seconds: cpu_seconds_total, cache_hits, cache_misses };
        let previous = self.last.replace(reading)?;
        let wall = reading.at.duration_since(previous.at).as_secs_f64();
        let cpu_percent = match (reading.cpu_seconds, previous.cpu_seconds) {
            (Some(now), Some(then)) if wall > 0.0 => Some(((now - then).max(0.0) / wall * 1000.0).round() / 10.0),
            _ => None,
        };
        Some(MinuteSample {
            // The minute that just ended.
            minute: (now_unix - 60).div_euclid(60) * 60,
            resident_memory_bytes,
            cpu_percent,
            // A cache cleared or rebuilt restarts its counts: never a negative minute.
            cache_hits: cache_hits.saturating_sub(previous.cache_hits),
            cache_misses: cache_misses.saturating_sub(previous.cache_misses),
            events: EventCounts::default(),
        })
    }
}

/// Reads the process, the caches and the events now and writes the minute that ended (once
/// a minute).
pub async fn sample_and_save(
    sampler: &mut ProcessSampler,
    store: &Store,
    monitoring: &Monitoring,
) -> Result<(), StoreError> {
    let process = metrics_process::collector::collect();
    let lookups = store
        .cache()
        .map(|cache| cache.stats())
        .unwrap_or_default()
        .iter()
        .fold((0, 0), |(h, m), c| (h + c.hits + c.shared_hits + c.joined, m + c.misses));
    match sampler.sample(
        chrono::Utc::now().timestamp(),
        process.resident_memory_bytes,
        process.cpu_seconds_total,
        lookups,
    ) {
        Some(sample) => {
            let events = EventCounts::of(&monitoring.events, sample.minute);
            save(store, &monitoring.instance, &MinuteSample { events, ..sample }).await
        }
        None => Ok(()),
    }
}

pub async fn save(store: &Store, instance: &str, sample: &MinuteSample) -> Result<(), StoreError> {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let sql = Sql::new(
        "process.save_minute",
        "INSERT INTO process_minutes (minute, instance, resident_memory_bytes, cpu_percent, cache_hits, cache_misses, \
         failed_logins, database_errors, sync_rejected, client_errors) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (minute, instance) DO NOTHING",
    )
    .bind(sample.minute)
    .bind(instance)
    .bind(sample.resident_memory_bytes.map(count))
    .bind(sample.cpu_percent)
    .bind(count(sample.cache_hits))
    .bind(count(sample.cache_misses))
    .bind(count(sample.events.failed_logins))
    .bind(count(sample.events.database_errors))
    .bind(count(sample.events.sync_rejected))
    .bind(count(sample.events.client_errors));
    store.db().execute(sql).await?;
    store
        .db()
        .execute(
            Sql::new("process.prune", "DELETE FROM process_minutes WHERE minute < $1")
                .bind(sample.minute - RETENTION_SECONDS),
        )
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    minute: i64,
    resident_memory_bytes: Option<f64>,
    cpu_percent: Option<f64>,
    cache_hits: i64,
    cache_misses: i64,
}

/// The other instances' saved minutes from `since` (unix seconds): what the instance leading
/// the alert rounds adds to its own figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, sqlx::FromRow)]
pub struct OtherInstances {
    /// The largest instance's.
    pub resident_memory_bytes: Option<f64>,
    /// The busiest instance's, in percent of one core.
    pub cpu_percent: Option<f64>,
    pub cache_hits: Option<i64>,
    pub cache_misses: Option<i64>,
    pub failed_logins: Option<i64>,
    pub database_errors: Option<i64>,
    pub sync_rejected: Option<i64>,
    pub client_errors: Option<i64>,
}

pub async fn others_since(store: &Store, except: &str, since: i64) -> Result<OtherInstances, StoreError> {
    let sql = Sql::new(
        "process.others_since",
        "SELECT CAST(MAX(resident_memory_bytes) AS DOUBLE PRECISION) AS resident_memory_bytes, \
         CAST(MAX(cpu_percent) AS DOUBLE PRECISION) AS cpu_percent, \
         CAST(SUM(cache_hits) AS BIGINT) AS cache_hits, CAST(SUM(cache_misses) AS BIGINT) AS cache_misses, \
         CAST(SUM(failed_logins) AS BIGINT) AS failed_logins, \
         CAST(SUM(database_errors) AS BIGINT) AS database_errors, \
         CAST(SUM(sync_rejected) AS BIGINT) AS sync_rejected, CAST(SUM(client_errors) AS BIGINT) AS client_errors \
         FROM process_minutes WHERE minute >= $1 AND instance <> $2",
    )
    .bind(since)
    .bind(except);
    store.db().fetch_one(sql).await
}

/// The minutes from `since` (unix seconds), all instances together: the largest instance's
/// memory, the instances' mean CPU, their cache lookups added up; oldest first.
pub async fn history(store: &Store, since: i64) -> Result<Vec<ProcessMinute>, StoreError> {
    let sql = Sql::new(
        "process.history",
        "SELECT minute, CAST(MAX(resident_memory_bytes) AS DOUBLE PRECISION) AS resident_memory_bytes, \
         CAST(AVG(cpu_percent) AS DOUBLE PRECISION) AS cpu_percent, \
         CAST(SUM(cache_hits) AS BIGINT) AS cache_hits, CAST(SUM(cache_misses) AS BIGINT) AS cache_misses \
         FROM process_minutes WHERE minute >= $1 GROUP BY minute ORDER BY minute",
    )
    .bind(since);
    let rows: Vec<Row> = store.db().fetch_all(sql).await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|r| ProcessMinute {
            minute: r.minute,
            resident_memory_bytes: r.resident_memory_bytes,
            cpu_percent: r.cpu_percent,
            cache_hits: count(r.cache_hits),
            cache_misses: count(r.cache_misses),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reading_is_a_baseline_and_later_ones_are_differences() {
        let mut sampler = ProcessSampler::new();
        assert_eq!(sampler.sample(120, Some(10), Some(1.0), (50, 5)), None);
        let minute = sampler.sample(185, Some(20), Some(1.0), (80, 5)).unwrap();
        assert_eq!(minute.minute, 120);
        assert_eq!((minute.cache_hits, minute.cache_misses), (30, 0));
        assert_eq!(minute.resident_memory_bytes, Some(20));
        assert_eq!(minute.cpu_percent, Some(0.0));
        // The caches were emptied and counted again from zero.
        let after_clear = sampler.sample(245, Some(20), Some(1.5), (3, 1)).unwrap();
        assert_eq!((after_clear.cache_hits, after_clear.cache_misses), (0, 0));
        assert!(after_clear.cpu_percent.unwrap() > 0.0);
    }
}
