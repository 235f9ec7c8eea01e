//! Alerting's tables (migrations `*_alerting.sql`): rules, each alert's state, the events
//! of its history and the notifications delivered. Rules and states are kept as JSON of
//! the shared types, read back strictly: a row this build cannot read is reported and left
//! out, never guessed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use app::model::alert_channels::SavedChannels;
use app::model::alert_rules::{AlertRule, default_rules};
use app::model::alerts::{AlertState, Silence};
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
    let mut rules: Vec<AlertRule> = rows.into_iter().filter_map(RuleRow::rule).collect();
    rules.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(rules)
}

impl RuleRow {
    fn rule(self) -> Option<AlertRule> {
        serde_json::from_str(&self.definition)
            .inspect_err(|e| tracing::error!(rule = self.id, error = %e, "an alert rule cannot be read; skipped"))
            .ok()
    }
}

/// Takes the rule's row for the rest of `tx` and reads it as it is now (`None`: deleted).
///
/// Every writer of a rule's alerts does this first (the engine's round, acknowledge and
/// resolve by hand, saving or deleting the rule), so they take turns: a round cannot write
/// back a state read before an acknowledgement, nor bring back the alerts of a rule that
/// was disabled while it measured. PostgreSQL locks the row until `tx` ends; SQLite has one
/// writer at a time anyway. A no-op UPDATE, because SQLite has no `SELECT … FOR UPDATE`.
pub async fn lock_rule(tx: &mut Tx, id: Uuid) -> Result<Option<AlertRule>, StoreError> {
    let lock = Sql::new("alerting.lock_rule", "UPDATE alert_rules SET updated_at = updated_at WHERE id = $1")
        .bind(id.to_string());
    if tx.execute(lock).await? == 0 {
        return Ok(None);
    }
    let read =
        Sql::new("alerting.locked_rule", "SELECT id, definition FROM alert_rules WHERE id = $1").bind(id.to_string());
    Ok(tx.fetch_optional::<RuleRow>(read).await?.and_then(RuleRow::rule))
}

/// Takes or renews the lease on the alert rounds for `instance` until `until`: `true` when
/// `instance` holds it now (it held it, or the last holder's ran out by `now`). Inside a
/// round's transaction it fences the round: PostgreSQL keeps the row locked until commit,
/// so no other instance takes the lease over while this round writes.
pub async fn take_lease(
    tx: &mut Tx,
    instance: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let sql = Sql::new(
        "alerting.take_lease",
        "INSERT INTO alert_lease (id, holder, expires_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE alert_lease.holder = excluded.holder OR alert_lease.expires_at <= $3",
    )
    .bind(instance)
    .bind(until.timestamp())
    .bind(now.timestamp());
    Ok(tx.execute(sql).await? == 1)
}

/// Gives the lease up (an instance that stops), so another takes over at its next round.
pub async fn release_lease(store: &Store, instance: &str) -> Result<(), StoreError> {
    let sql = Sql::new("alerting.release_lease", "DELETE FROM alert_lease WHERE holder = $1").bind(instance);
    store.db().execute(sql).await.map(drop)
}

/// Adds or replaces a rule; its alerts start again from inactive (the condition changed).
pub async fn save_rule(store: &Store, rule: &AlertRule, by: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    let mut tx = store.db().begin().await?;
    let sql = Sql::new(
        "alerting.save_rule",
        "INSERT INTO alert_rules (id, definition, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by",
    )
    .bind(rule.id.to_string())
    .bind(to_json(rule)?)
    .bind(now.timestamp())
    .bind(by);
    tx.execute(sql).await?;
    let clear =
        Sql::new("alerting.clear_states", "DELETE FROM alert_states WHERE rule_id = $1").bind(rule.id.to_string());
    tx.execute(clear).await?;
    tx.commit().await
}

/// Deletes a rule and its alerts' states (its history stays); `false` when there was none.
pub async fn delete_rule(store: &Store, id: Uuid) -> Result<bool, StoreError> {
    let mut tx = store.db().begin().await?;
    // The rule first: that waits for a round judging it (see `lock_rule`), whose states go next.
    let rule = Sql::new("alerting.delete_rule", "DELETE FROM alert_rules WHERE id = $1").bind(id.to_string());
    let deleted = tx.execute(rule).await?;
    let states = Sql::new("alerting.delete_states", "DELETE FROM alert_states WHERE rule_id = $1").bind(id.to_string());
    tx.execute(states).await?;
    tx.commit().await?;
    Ok(deleted == 1)
}

#[derive(sqlx::FromRow)]
struct SilenceRow {
    id: String,
    rule_id: Option<String>,
    labels: Option<String>,
    starts_at: i64,
    ends_at: i64,
    comment: String,
    created_by: String,
}

/// The silences not over at `now` (running or to come), the soonest ending first.
pub async fn silences(store: &Store, now: DateTime<Utc>) -> Result<Vec<Silence>, StoreError> {
    let sql = Sql::new(
        "alerting.silences",
        "SELECT id, rule_id, labels, starts_at, ends_at, comment, created_by FROM alert_silences \
         WHERE ends_at > $1 ORDER BY ends_at, id",
    )
    .bind(now.timestamp());
    let rows: Vec<SilenceRow> = store.db().fetch_all(sql).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Silence {
                id: Uuid::parse_str(&row.id).ok()?,
                rule_id: row.rule_id.as_deref().map(Uuid::parse_str).transpose().ok()?,
                labels: row.labels,
                starts_at: DateTime::from_timestamp(row.starts_at, 0)?,
                ends_at: DateTime::from_timestamp(row.ends_at, 0)?,
                comment: row.comment,
                created_by: row.created_by,
            })
        })
        .collect())
}

pub async fn add_silence(store: &Store, silence: &Silence, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = Sql::new(
        "alerting.add_silence",
        "INSERT INTO alert_silences (id, rule_id, labels, starts_at, ends_at, comment, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(silence.id.to_string())
    .bind(silence.rule_id.map(|id| id.to_string()))
    .bind(silence.labels.as_deref())
    .bind(silence.starts_at.timestamp())
    .bind(silence.ends_at.timestamp())
    .bind(silence.comment.as_str())
    .bind(silence.created_by.as_str())
    .bind(now.timestamp());
    store.db().execute(sql).await.map(|_| ())
}

/// Ends a running silence at `now`; `false` when there is no such silence still running.
pub async fn end_silence(store: &Store, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let sql = Sql::new("alerting.end_silence", "UPDATE alert_silences SET ends_at = $1 WHERE id = $2 AND ends_at > $1")
        .bind(now.timestamp())
        .bind(id.to_string());
    Ok(store.db().execute(sql).await? == 1)
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
    Ok(rows.into_iter().filter_map(StateRow::keyed).collect())
}

/// How many alerts are firing, acknowledged or not.
pub async fn firing(store: &Store) -> Result<usize, StoreError> {
    Ok(states(store).await?.values().filter(|s| matches!(s.state, AlertState::Firing { .. })).count())
}

/// The states of one rule's alerts, as `tx` sees them (after [`lock_rule`]: as they are).
pub async fn states_of(tx: &mut Tx, rule_id: Uuid) -> Result<HashMap<AlertKey, StoredState>, StoreError> {
    let sql = Sql::new(
        "alerting.states_of",
        "SELECT rule_id, labels, state, value, evaluated_at FROM alert_states WHERE rule_id = $1",
    )
    .bind(rule_id.to_string());
    let rows: Vec<StateRow> = tx.fetch_all(sql).await?;
    Ok(rows.into_iter().filter_map(StateRow::keyed).collect())
}

impl StateRow {
    fn keyed(self) -> Option<(AlertKey, StoredState)> {
        let rule = Uuid::parse_str(&self.rule_id).ok()?;
        let state = serde_json::from_str(&self.state)
            .inspect_err(|e| tracing::error!(rule = self.rule_id, error = %e, "an alert state cannot be read; reset"))
            .ok()?;
        let evaluated_at = DateTime::from_timestamp(self.evaluated_at, 0)?;
        Some(((rule, self.labels), StoredState { state, value: self.value, evaluated_at }))
    }
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

/// The events since `since`, oldest first (for the statistics).
pub async fn events_since(store: &Store, since: DateTime<Utc>) -> Result<Vec<AlertEvent>, StoreError> {
    let sql = Sql::new(
        "alerting.events_since",
        "SELECT at, rule_id, rule_name, labels, severity, kind, value, message FROM alert_events \
         WHERE at >= $1 ORDER BY at, id",
    )
    .bind(since.timestamp());
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
    /// sent, pending (waiting for an attempt), failed or skipped (the channel is not set up).
    pub status: String,
    pub attempts: i64,
    /// What was sent, or why it failed.
    pub detail: String,
}

/// A delivery to record, with what the deliverer needs for an outbound one.
pub struct NewDelivery {
    pub delivery: Delivery,
    /// The notification as JSON.
    pub payload: Option<String>,
    /// Unix seconds; set for a pending delivery.
    pub next_attempt_at: Option<i64>,
}

pub async fn record_delivery(tx: &mut Tx, new: &NewDelivery) -> Result<(), StoreError> {
    let delivery = &new.delivery;
    let sql = Sql::new(
        "alerting.record_delivery",
        "INSERT INTO alert_deliveries (at, rule_id, labels, notice, channel, status, attempts, detail, payload, \
         next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(delivery.at.0.timestamp())
    .bind(delivery.rule_id.as_str())
    .bind(delivery.labels.as_str())
    .bind(delivery.notice.as_str())
    .bind(delivery.channel.as_str())
    .bind(delivery.status.as_str())
    .bind(delivery.attempts)
    .bind(delivery.detail.as_str())
    .bind(new.payload.as_deref())
    .bind(new.next_attempt_at);
    tx.execute(sql).await.map(|_| ())
}

/// An outbound delivery waiting for its next attempt.
#[derive(Debug, sqlx::FromRow)]
pub struct DueDelivery {
    pub id: i64,
    pub channel: String,
    pub payload: Option<String>,
    pub attempts: i64,
    pub next_attempt_at: i64,
}

/// The pending deliveries due at `now` (unix seconds), oldest first.
pub async fn due_deliveries(store: &Store, now: i64, limit: i64) -> Result<Vec<DueDelivery>, StoreError> {
    let sql = Sql::new(
        "alerting.due_deliveries",
        "SELECT id, channel, payload, attempts, next_attempt_at FROM alert_deliveries \
         WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit);
    store.db().fetch_all(sql).await
}

/// Takes `due` for this deliverer until `lease_until`: `false` when another one took it
/// first (several instances share the table).
pub async fn claim_delivery(store: &Store, due: &DueDelivery, lease_until: i64) -> Result<bool, StoreError> {
    let sql = Sql::new(
        "alerting.claim_delivery",
        "UPDATE alert_deliveries SET next_attempt_at = $1 \
         WHERE id = $2 AND status = 'pending' AND next_attempt_at = $3",
    )
    .bind(lease_until)
    .bind(due.id)
    .bind(due.next_attempt_at);
    Ok(store.db().execute(sql).await? == 1)
}

/// What an attempt came to: `sent`, `failed`, or `pending` again until `next_attempt_at`.
pub async fn finish_attempt(
    store: &Store,
    id: i64,
    status: &str,
    attempts: i64,
    detail: &str,
    next_attempt_at: Option<i64>,
) -> Result<(), StoreError> {
    let sql = Sql::new(
        "alerting.finish_attempt",
        "UPDATE alert_deliveries SET status = $1, attempts = $2, detail = $3, next_attempt_at = $4 WHERE id = $5",
    )
    .bind(status)
    .bind(attempts)
    .bind(detail)
    .bind(next_attempt_at)
    .bind(id);
    store.db().execute(sql).await.map(|_| ())
}

/// Whether a daily digest was recorded since `since`.
pub async fn digest_sent_since(store: &Store, since: DateTime<Utc>) -> Result<bool, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Count {
        sent: i64,
    }
    let sql = Sql::new(
        "alerting.digest_sent_since",
        "SELECT COUNT(*) AS sent FROM alert_deliveries WHERE notice = 'digest' AND at >= $1",
    )
    .bind(since.timestamp());
    Ok(store.db().fetch_one::<Count>(sql).await?.sent > 0)
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

#[derive(sqlx::FromRow)]
struct ChannelSettingsRow {
    settings: String,
    updated_at: i64,
    updated_by: String,
}

/// The channels saved on the alerts page, who saved them and when; `None`: never saved. A
/// value this build cannot read is reported and treated as never saved.
pub async fn saved_channels(store: &Store) -> Result<Option<(SavedChannels, String, DateTime<Utc>)>, StoreError> {
    let sql = Sql::new(
        "alerting.saved_channels",
        "SELECT settings, updated_at, updated_by FROM alert_channel_settings WHERE id = 1",
    );
    let Some(row) = store.db().fetch_optional::<ChannelSettingsRow>(sql).await? else { return Ok(None) };
    let saved = serde_json::from_str(&row.settings)
        .inspect_err(|e| tracing::error!(error = %e, "the saved alert channels cannot be read; ignored"))
        .ok();
    Ok(saved.zip(DateTime::from_timestamp(row.updated_at, 0)).map(|(saved, at)| (saved, row.updated_by, at)))
}

pub async fn save_channels(
    store: &Store,
    saved: &SavedChannels,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = Sql::new(
        "alerting.save_channels",
        "INSERT INTO alert_channel_settings (id, settings, updated_at, updated_by) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by",
    )
    .bind(to_json(saved)?)
    .bind(now.timestamp())
    .bind(by);
    store.db().execute(sql).await.map(|_| ())
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

pub fn to_json(value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Config(format!("cannot write alerting data as JSON: {e}")))
}
