//! The alert engine (architecture.md, "Alerting"): every interval it reads each enabled
//! rule's metric per label set, moves each alert through the state machine of
//! `app::model::alerts`, and keeps the new state, the history and the notifications in one
//! transaction, so a restart neither loses a state nor sends a notification twice. The
//! time comes from the caller: the background task passes the clock's, tests pass their own.
//!
//! A rule's alerts that change together go out as one notification per channel.

pub mod readings;
pub mod storage;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use app::model::alert_rules::AlertRule;
use app::model::alerts::{AlertState, Evaluation, Notice, Severity, acknowledge, step};
use app::store::{Store, StoreError, Tx};

use crate::monitoring::Monitoring;
use readings::Reading;
use storage::{AlertEvent, AlertKey, Delivery, StoredState, UnixTime};

#[derive(Clone)]
pub struct AlertEngine {
    store: Store,
    monitoring: Monitoring,
}

/// One notification: a rule's alerts that called for the same notice in one round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    pub rule_id: Uuid,
    pub rule_name: String,
    pub severity: Severity,
    pub notice: Notice,
    /// The alerts it is about: labels and value.
    pub alerts: Vec<(String, Option<f64>)>,
    pub text: String,
}

impl AlertEngine {
    pub fn new(store: Store, monitoring: Monitoring) -> Self {
        AlertEngine { store, monitoring }
    }

    /// Adds the seed rules a new installation starts with.
    pub async fn seed(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        storage::seed_default_rules(&self.store, now).await
    }

    /// Evaluates every `every` until the task is dropped; a failed round is logged, and the
    /// next one tries again.
    pub fn spawn(self, every: StdDuration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            if let Err(error) = self.seed(Utc::now()).await {
                tracing::error!(%error, "could not add the default alert rules");
            }
            // The first round after one interval: the windows need requests to judge.
            let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                interval.tick().await;
                if let Err(error) = self.evaluate(Utc::now()).await {
                    tracing::warn!(%error, "could not evaluate the alert rules");
                }
            }
        })
    }

    /// One round at `now`: the notifications it sent.
    pub async fn evaluate(&self, now: DateTime<Utc>) -> Result<Vec<Notification>, StoreError> {
        let rules = storage::rules(&self.store).await?;
        let states = storage::states(&self.store).await?;
        let mut rounds = Vec::new();
        for rule in rules.iter().filter(|r| r.enabled) {
            let readings = readings::read(rule, &self.monitoring, &self.store, now).await;
            rounds.push((rule, with_quiet_alerts(rule, readings, &states)));
        }
        let mut tx = self.store.db().begin().await?;
        let mut sent = Vec::new();
        for (rule, readings) in rounds {
            sent.extend(self.judge(&mut tx, rule, readings, &states, now).await?);
        }
        tx.commit().await?;
        for notification in &sent {
            log_notification(notification);
        }
        Ok(sent)
    }

    async fn judge(
        &self,
        tx: &mut Tx,
        rule: &AlertRule,
        readings: Vec<Reading>,
        states: &HashMap<AlertKey, StoredState>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Notification>, StoreError> {
        let mut notices: BTreeMap<Notice, Vec<(String, Option<f64>)>> = BTreeMap::new();
        for reading in readings {
            let key = (rule.id, reading.labels.clone());
            let before = states.get(&key);
            let was = before.map(|s| s.state.clone()).unwrap_or(AlertState::Inactive);
            let (next, notice) = step(&was, &reading.evaluation, &rule.timing(), rule.severity, now, false);
            if before.is_none() && next == AlertState::Inactive {
                continue;
            }
            if next.kind() != was.kind() {
                let event = event(rule, &reading, next.kind(), now);
                storage::record_event(tx, &event).await?;
            }
            let stored = StoredState { state: next, value: reading.value, evaluated_at: now };
            storage::save_state(tx, &key, &stored).await?;
            if let Some(notice) = notice {
                notices.entry(notice).or_default().push((reading.labels, reading.value));
            }
        }
        let mut sent = Vec::new();
        for (notice, alerts) in notices {
            let text = notification_text(rule, notice, &alerts);
            let channels = if notice == Notice::Escalation { &rule.escalation_channels } else { &rule.channels };
            let labels: Vec<&str> = alerts.iter().map(|(labels, _)| labels.as_str()).collect();
            for channel in channels {
                let delivery = Delivery {
                    at: UnixTime(now),
                    rule_id: rule.id.to_string(),
                    labels: labels.join(", "),
                    notice: notice.code().to_owned(),
                    channel: channel.code().to_owned(),
                    status: "sent".to_owned(),
                    attempts: 1,
                    detail: text.clone(),
                };
                storage::record_delivery(tx, &delivery).await?;
            }
            sent.push(Notification {
                rule_id: rule.id,
                rule_name: rule.name.clone(),
                severity: rule.severity,
                notice,
                alerts,
                text,
            });
        }
        Ok(sent)
    }

    /// Acknowledges a firing alert for `by`: no more reminders, no escalation. `Ok(false)`
    /// when that alert is not firing.
    pub async fn acknowledge(
        &self,
        rule_id: Uuid,
        labels: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let key = (rule_id, labels.to_owned());
        let Some(stored) = storage::states(&self.store).await?.remove(&key) else { return Ok(false) };
        if !matches!(stored.state, AlertState::Firing { acknowledged: None, .. }) {
            return Ok(false);
        }
        let rule = storage::rules(&self.store).await?.into_iter().find(|r| r.id == rule_id);
        let mut tx = self.store.db().begin().await?;
        let state = acknowledge(&stored.state, by, now);
        storage::save_state(&mut tx, &key, &StoredState { state, ..stored.clone() }).await?;
        let event = AlertEvent {
            at: UnixTime(now),
            rule_id: rule_id.to_string(),
            rule_name: rule.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
            labels: labels.to_owned(),
            severity: rule.map(|r| r.severity.code()).unwrap_or_default().to_owned(),
            kind: "acknowledged".to_owned(),
            value: stored.value,
            message: format!("Acknowledged by {by}."),
        };
        storage::record_event(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// The readings, plus a "condition no longer holds" for each alert of the rule that has no
/// reading now (its route had no requests in the window): it resolves rather than firing on.
fn with_quiet_alerts(
    rule: &AlertRule,
    mut readings: Vec<Reading>,
    states: &HashMap<AlertKey, StoredState>,
) -> Vec<Reading> {
    let mut quiet: Vec<Reading> = states
        .iter()
        .filter(|((id, labels), stored)| {
            *id == rule.id
                && !matches!(stored.state, AlertState::Inactive)
                && !readings.iter().any(|r| &r.labels == labels)
        })
        .map(|((_, labels), _)| Reading {
            labels: labels.clone(),
            value: None,
            evaluation: Evaluation::Condition(false),
        })
        .collect();
    quiet.sort_by(|a, b| a.labels.cmp(&b.labels));
    readings.extend(quiet);
    readings
}

fn event(rule: &AlertRule, reading: &Reading, kind: &str, now: DateTime<Utc>) -> AlertEvent {
    let message = match &reading.evaluation {
        Evaluation::Failed(message) => format!("Could not evaluate: {message}."),
        Evaluation::NoData => format!("No data for the {}.", rule.metric.label()),
        Evaluation::Condition(_) => match reading.value {
            Some(value) => {
                format!("{} {} (rule: {}).", rule.metric.label(), rule.metric.format(value), rule.condition())
            }
            None => format!("No {} any more (rule: {}).", rule.metric.label(), rule.condition()),
        },
    };
    AlertEvent {
        at: UnixTime(now),
        rule_id: rule.id.to_string(),
        rule_name: rule.name.clone(),
        labels: reading.labels.clone(),
        severity: rule.severity.code().to_owned(),
        kind: kind.to_owned(),
        value: reading.value,
        message,
    }
}

/// The text of a notification: what, how bad, where, the figures.
pub fn notification_text(rule: &AlertRule, notice: Notice, alerts: &[(String, Option<f64>)]) -> String {
    let what = match notice {
        Notice::Firing => "firing",
        Notice::Repeat => "still firing",
        Notice::Resolved => "resolved",
        Notice::Escalation => "firing and not acknowledged",
    };
    let mut text = format!("[{}] {} {what}: {}", rule.severity.code().to_uppercase(), rule.name, rule.condition());
    for (labels, value) in alerts {
        let place = if labels.is_empty() { "all requests" } else { labels.as_str() };
        let figure = value.map(|v| rule.metric.format(v)).unwrap_or_else(|| "no data".to_owned());
        text.push_str(&format!("\n- {place}: {figure}"));
    }
    text
}

fn log_notification(notification: &Notification) {
    let (rule, notice) = (&notification.rule_name, notification.notice.code());
    match notification.notice {
        Notice::Resolved => tracing::info!(rule, notice, "{}", notification.text),
        _ => tracing::warn!(rule, notice, "{}", notification.text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::alert_rules::{Channel, RouteScope, default_rules};

    #[test]
    fn a_notification_names_the_rule_and_each_alert_with_its_figure() {
        let slow = default_rules().remove(0);
        let alerts = vec![("/organizations".to_owned(), Some(1_250.4)), ("/today".to_owned(), None)];
        assert_eq!(
            notification_text(&slow, Notice::Firing, &alerts),
            "[WARNING] Slow responses firing: p95 latency above 1000 ms over 5 min\n\
             - /organizations: 1250 ms\n- /today: no data"
        );
    }

    #[test]
    fn an_alert_without_a_reading_now_is_judged_as_no_longer_holding() {
        let rule = AlertRule { routes: RouteScope::EachRoute, ..default_rules().remove(0) };
        let firing = StoredState {
            state: AlertState::Firing { since: Utc::now(), notified_at: None, acknowledged: None, escalated: false },
            value: Some(2_000.0),
            evaluated_at: Utc::now(),
        };
        let inactive = StoredState { state: AlertState::Inactive, ..firing.clone() };
        let states = HashMap::from([
            ((rule.id, "/quiet".to_owned()), firing.clone()),
            ((rule.id, "/busy".to_owned()), firing.clone()),
            ((rule.id, "/old".to_owned()), inactive),
            ((Uuid::nil(), "/other-rule".to_owned()), firing),
        ]);
        let busy = Reading { labels: "/busy".into(), value: Some(1_500.0), evaluation: Evaluation::Condition(true) };
        let all = with_quiet_alerts(&rule, vec![busy.clone()], &states);
        let quiet = Reading { labels: "/quiet".into(), value: None, evaluation: Evaluation::Condition(false) };
        assert_eq!(all, vec![busy, quiet]);
    }

    #[test]
    fn channels_have_codes_for_the_delivery_log() {
        assert_eq!(Channel::ALL.map(Channel::code), ["in_app", "log"]);
    }
}
