//! Alerting's tables (migrations `*_alerting.sql`): rules, each alert's state, the events
//! of its history and the notifications delivered. Rules and states are kept as JSON of
//! the shared types, read back strictly: a row this build cannot read is reported and left
//! out, never guessed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use app::model::alert_rules::{AlertRule, default_rules};
use app::model::alerts::AlertState;
use app::store::{Sql, Store, StoreError, Tx};

/// A rule's alerts are told apart by their labels: the route, or "" for all requests.
pub type AlertKey = (Uuid, String);

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: String,
    definition: String,
}

/// Adds the seed rules that are not there yet (a rule an admin changed stays as it is).
pub async fn seed_default_rules(store: &Store, now: DateTime<Utc>) -> Result<(), StoreError> {
    for rule in default_rules() {
        let sql = Sql::new(
            "alerting.seed_rule",
            "INSERT INTO alert_rules (id, definition, updated_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(rule.id.to_string())
        .bind(to_json(&rule)?)
        .bind(now.timestamp());
        store.db().execute(sql).await?;
    }
    Ok(())
}

/// Every rule, by name.
pub async fn rules(store: &Store) -> Result<Vec<AlertRule>, StoreError> {
    let rows: Vec<RuleRow> =
        store.db().fetch_all(Sql::new("alerting.rules", "SELECT id, definition FROM alert_rules")).await?;
    let mut rules: Vec<AlertRule> = rows
        .into_iter()
        .filter_map(|row| {
            serde_json::from_str(&row.definition)
                .inspect_err(|e| tracing::error!(rule = row.id, error = %e, "an alert rule cannot be read; skipped"))
                .ok()
        })
        .collect();
    rules.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(rules)
}

#[derive(sqlx::FromRow)]
struct StateRow {
    rule_id: String,
    labels: String,
    state: String,
    value: Option<f64>,
    evaluated_at: i64,
}

/// Where an alert stood at its last evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredState {
    pub state: AlertState,
    pub value: Option<f64>,
    pub evaluated_at: DateTime<Utc>,
}

pub async fn states(store: &Store) -> Result<HashMap<AlertKey, StoredState>, StoreError> {
    let sql = Sql::new("alerting.states", "SELECT rule_id, labels, state, value, evaluated_at FROM alert_states");
    let rows: Vec<StateRow> = store.db().fetch_all(sql).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let rule = Uuid::parse_str(&row.rule_id).ok()?;
            let state = serde_json::from_str(&row.state)
                .inspect_err(
                    |e| tracing::error!(rule = row.rule_id, error = %e, "an alert state cannot be read; reset"),
                )
                .ok()?;
            let evaluated_at = DateTime::from_timestamp(row.evaluated_at, 0)?;
            Some(((rule, row.labels), StoredState { state, value: row.value, evaluated_at }))
        })
        .collect())
}

pub async fn save_state(tx: &mut Tx, key: &AlertKey, stored: &StoredState) -> Result<(), StoreError> {
    let sql = Sql::new(
        "alerting.save_state",
        "INSERT INTO alert_states (rule_id, labels, state, value, evaluated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (rule_id, labels) DO UPDATE SET state = excluded.state, value = excluded.value, \
         evaluated_at = excluded.evaluated_at",
    )
    .bind(key.0.to_string())
    .bind(key.1.as_str())
    .bind(to_json(&stored.state)?)
    .bind(stored.value)
    .bind(stored.evaluated_at.timestamp());
    tx.execute(sql).await.map(|_| ())
}

/// One line of an alert's history.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AlertEvent {
    #[sqlx(try_from = "i64")]
    pub at: UnixTime,
    pub rule_id: String,
    pub rule_name: String,
    pub labels: String,
    pub severity: String,
    /// pending, firing, resolved, no_data, error, acknowledged.
    pub kind: String,
    pub value: Option<f64>,
    pub message: String,
}

pub async fn record_event(tx: &mut Tx, event: &AlertEvent) -> Result<(), StoreError> {
    let sql = Sql::new(
        "alerting.record_event",
        "INSERT INTO alert_events (at, rule_id, rule_name, labels, severity, kind, value, message) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(event.at.0.timestamp())
    .bind(event.rule_id.as_str())
    .bind(event.rule_name.as_str())
    .bind(event.labels.as_str())
    .bind(event.severity.as_str())
    .bind(event.kind.as_str())
    .bind(event.value)
    .bind(event.message.as_str());
    tx.execute(sql).await.map(|_| ())
}

/// The latest events first, at most `limit`.
pub async fn history(store: &Store, limit: i64) -> Result<Vec<AlertEvent>, StoreError> {
    let sql = Sql::new(
        "alerting.history",
        "SELECT at, rule_id, rule_name, labels, severity, kind, value, message FROM alert_events \
         ORDER BY at DESC, id DESC LIMIT $1",
    )
    .bind(limit);
    store.db().fetch_all(sql).await
}

/// One notification to one channel.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Delivery {
    #[sqlx(try_from = "i64")]
    pub at: UnixTime,
    pub rule_id: String,
    pub labels: String,
    pub notice: String,
    pub channel: String,
    /// sent or failed.
    pub status: String,
    pub attempts: i64,
    /// What was sent, or why it failed.
    pub detail: String,
}

pub async fn record_delivery(tx: &mut Tx, delivery: &Delivery) -> Result<(), StoreError> {
    let sql = Sql::new(
        "alerting.record_delivery",
        "INSERT INTO alert_deliveries (at, rule_id, labels, notice, channel, status, attempts, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(delivery.at.0.timestamp())
    .bind(delivery.rule_id.as_str())
    .bind(delivery.labels.as_str())
    .bind(delivery.notice.as_str())
    .bind(delivery.channel.as_str())
    .bind(delivery.status.as_str())
    .bind(delivery.attempts)
    .bind(delivery.detail.as_str());
    tx.execute(sql).await.map(|_| ())
}

/// The latest deliveries first, at most `limit`.
pub async fn deliveries(store: &Store, limit: i64) -> Result<Vec<Delivery>, StoreError> {
    let sql = Sql::new(
        "alerting.deliveries",
        "SELECT at, rule_id, labels, notice, channel, status, attempts, detail FROM alert_deliveries \
         ORDER BY at DESC, id DESC LIMIT $1",
    )
    .bind(limit);
    store.db().fetch_all(sql).await
}

/// Unix seconds in a column, as a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnixTime(pub DateTime<Utc>);

impl TryFrom<i64> for UnixTime {
    type Error = String;

    fn try_from(seconds: i64) -> Result<Self, String> {
        DateTime::from_timestamp(seconds, 0).map(UnixTime).ok_or_else(|| format!("{seconds} is not a time"))
    }
}

impl Serialize for UnixTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

fn to_json(value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Config(format!("cannot write alerting data as JSON: {e}")))
}
