//! The alert engine (architecture.md, "Alerting"): every interval it reads each enabled
//! rule's metric per label set, moves each alert through the state machine of
//! `app::model::alerts`, and keeps the new state, the history and the notifications in one
//! transaction, so a restart neither loses a state nor sends a notification twice. The
//! time comes from the caller: the background task passes the clock's, tests pass their own.
//!
//! A rule's alerts that change together go out as one notification per channel. In-app and
//! log notifications are done in the round; webhook, Slack and email wait in
//! `alert_deliveries` for the deliverer (`delivery.rs`), which sends them off the request
//! path with retries.

pub mod channels;
pub mod delivery;
mod desk;
pub mod digest;
pub mod readings;
pub mod stats;
pub mod storage;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use uuid::Uuid;

use app::error::AppError;
use app::model::alert_channels::{ChannelForm, ChannelLine, ChannelSource, SavedChannels};
use app::model::alert_rules::{AlertRule, Channel};
use app::model::alerts::{AlertState, Evaluation, Notice, Severity, Silence, acknowledge, step};
use app::store::{Store, StoreError, Tx};

use crate::monitoring::Monitoring;
use channels::{ChannelSettings, Channels};
use readings::Reading;
use storage::{AlertEvent, AlertKey, Delivery, NewDelivery, StoredState, UnixTime, to_json};

/// How often rounds run unless the configuration says otherwise (`ALERT_EVALUATE_SECS`).
const DEFAULT_ROUNDS_EVERY: StdDuration = StdDuration::from_secs(30);

/// The lease on the rounds for rounds every `every`: three rounds.
fn lease_for(every: StdDuration) -> chrono::Duration {
    chrono::Duration::from_std(every * 3).unwrap_or(chrono::Duration::minutes(5))
}

#[derive(Clone)]
pub struct AlertEngine {
    store: Store,
    monitoring: Monitoring,
    /// The server's environment's channel settings; they win over the page's.
    environment: Arc<ChannelSettings>,
    /// The channels in use: the environment's with the page's saved ones.
    channels: Arc<RwLock<LoadedChannels>>,
    /// Wakes the deliverer when a round leaves notifications to send.
    wake: Arc<Notify>,
    /// The hour (UTC) of the daily digest; `None`: no digest.
    digest_hour: Option<u32>,
    /// How long the lease on the rounds lasts once taken: a few rounds, so one late round
    /// does not hand the rounds over, and a stopped leader's are taken over soon.
    lease: chrono::Duration,
    /// How many alerts are firing, as of this instance's last count: the nav's badge reads
    /// it on every page, so it must not cost a query.
    firing: Arc<AtomicUsize>,
}

/// The channels built from the settings last read.
struct LoadedChannels {
    /// What the alerts page had saved then (who, when).
    saved: Option<(SavedChannels, String, DateTime<Utc>)>,
    channels: Arc<Channels>,
}

/// A round's readings, waiting to be judged ([`AlertEngine::settle`]).
pub struct Measured {
    rules: Vec<(AlertRule, Vec<Reading>)>,
}

/// One notification: a rule's alerts that called for the same notice in one round. Stored
/// as JSON with each outbound delivery; the webhook posts it as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub rule_id: Uuid,
    pub rule_name: String,
    pub severity: Severity,
    pub notice: Notice,
    /// The rule's condition in words.
    pub condition: String,
    pub alerts: Vec<AlertFigure>,
    pub text: String,
    pub at: DateTime<Utc>,
    /// Sent from "Send test notification", not by an alert.
    #[serde(default)]
    pub test: bool,
}

/// One alert of a notification: its route ("" for all requests) and its figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertFigure {
    pub labels: String,
    pub value: Option<f64>,
    /// The value as people read it.
    pub shown: Option<String>,
}

impl AlertEngine {
    /// The engine with the environment's channels (the page's come with [`Self::reload_channels`]),
    /// or what is wrong with those settings.
    pub fn new(store: Store, monitoring: Monitoring, environment: ChannelSettings) -> Result<Self, String> {
        let channels = Arc::new(Channels::new(&environment)?);
        Ok(AlertEngine {
            store,
            monitoring,
            environment: Arc::new(environment),
            channels: Arc::new(RwLock::new(LoadedChannels { saved: None, channels })),
            wake: Arc::new(Notify::new()),
            digest_hour: None,
            lease: lease_for(DEFAULT_ROUNDS_EVERY),
            firing: Arc::default(),
        })
    }

    /// Sizes the lease on the rounds for rounds every `every`.
    pub fn with_rounds_every(self, every: StdDuration) -> Self {
        AlertEngine { lease: lease_for(every), ..self }
    }

    pub fn with_digest_hour(self, digest_hour: Option<u32>) -> Self {
        AlertEngine { digest_hour, ..self }
    }

    /// Sends yesterday's digest when its hour has come today and it has not gone yet (also
    /// after a restart); the caller leads the rounds: in-app, log and every outbound channel that is set up.
    pub async fn digest_if_due(&self, now: DateTime<Utc>) -> Result<Option<Notification>, StoreError> {
        let Some(hour) = self.digest_hour else { return Ok(None) };
        let today = now.date_naive();
        let Some(due) = today.and_hms_opt(hour, 0, 0).map(|t| t.and_utc()) else { return Ok(None) };
        let midnight = today.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(due);
        if now < due || storage::digest_sent_since(&self.store, midnight).await? {
            return Ok(None);
        }
        let yesterday = today - chrono::Duration::days(1);
        let digest = digest::digest(yesterday, &digest::figures(&self.store, yesterday).await?, now);
        let channels = self.channels();
        let mut tx = self.store.db().begin().await?;
        for channel in Channel::ALL.into_iter().filter(|c| channels.unavailable(*c).is_none()) {
            storage::record_delivery(&mut tx, &self.delivery(channel, &digest)?).await?;
        }
        tx.commit().await?;
        tracing::info!("{}", digest.text);
        self.wake.notify_one();
        Ok(Some(digest))
    }

    /// The channels in use now.
    pub fn channels(&self) -> Arc<Channels> {
        read(&self.channels).channels.clone()
    }

    /// Reads what the alerts page saved and rebuilds the channels when it changed (after a
    /// save here, and each round, for saves on another instance). Settings that cannot be
    /// used (saved by another build, say) are reported and the channels stay as they were.
    pub async fn reload_channels(&self) -> Result<(), StoreError> {
        let saved = storage::saved_channels(&self.store).await?;
        if read(&self.channels).saved == saved {
            return Ok(());
        }
        let settings =
            self.environment.with_saved(saved.as_ref().map(|(s, _, _)| s).unwrap_or(&SavedChannels::default()));
        match Channels::new(&settings) {
            Ok(channels) => {
                *self.channels.write().unwrap_or_else(PoisonError::into_inner) =
                    LoadedChannels { saved, channels: Arc::new(channels) };
            }
            Err(error) => tracing::error!(%error, "the alert channels saved on the alerts page cannot be used"),
        }
        Ok(())
    }

    /// Each outbound channel as the alerts page shows it.
    pub fn channel_lines(&self) -> Vec<ChannelLine> {
        let loaded = read(&self.channels);
        let from_environment = self.environment.as_saved();
        Channel::ALL
            .into_iter()
            .filter(|c| c.is_outbound())
            .map(|channel| match &loaded.saved {
                _ if self.environment.sets(channel) => ChannelLine {
                    channel,
                    source: ChannelSource::Environment,
                    target: from_environment.target(channel),
                },
                Some((saved, by, at)) if saved.target(channel).is_some() => ChannelLine {
                    channel,
                    source: ChannelSource::Page { by: by.clone(), at: *at },
                    target: saved.target(channel),
                },
                _ => ChannelLine { channel, source: ChannelSource::Off, target: None },
            })
            .collect()
    }

    /// Saves one channel's form from the alerts page (or the API) and puts it to use. A
    /// channel the environment sets is refused, as are settings that cannot work.
    pub async fn save_channel(&self, form: &ChannelForm, by: &str, now: DateTime<Utc>) -> Result<(), AppError> {
        let channel = form.channel().map_err(AppError::invalid)?;
        if self.environment.sets(channel) {
            let setting = match channel {
                Channel::Webhook => "the webhook (ALERT_WEBHOOK_URL)",
                Channel::Slack => "Slack (ALERT_SLACK_WEBHOOK_URL)",
                _ => "email (SMTP_URL and ALERT_EMAIL_TO)",
            };
            let message = format!("The server's environment sets {setting} up; change it there.");
            return Err(AppError::Conflict { message, current_version: None });
        }
        let current = storage::saved_channels(&self.store).await?.map(|(saved, _, _)| saved).unwrap_or_default();
        let next = form.apply(&current).map_err(AppError::invalid)?;
        Channels::new(&self.environment.with_saved(&next))
            .map_err(|e| AppError::bad_request(format!("These settings cannot be used: {e}.")))?;
        storage::save_channels(&self.store, &next, by, now).await?;
        self.reload_channels().await?;
        Ok(())
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
            self.recount().await;
            // The first round after one interval: the windows need requests to judge.
            let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                interval.tick().await;
                if let Err(error) = self.reload_channels().await {
                    tracing::warn!(%error, "could not read the alert channels saved on the alerts page");
                }
                let now = Utc::now();
                match self.lead(now).await {
                    Ok(true) => {
                        if let Err(error) = self.round(now).await {
                            tracing::warn!(%error, "could not evaluate the alert rules");
                        }
                        if let Err(error) = self.digest_if_due(now).await {
                            tracing::warn!(%error, "could not send the daily digest");
                        }
                    }
                    Ok(false) => self.recount().await,
                    Err(error) => tracing::warn!(%error, "could not take the lease on the alert rounds"),
                }
            }
        })
    }

    /// One round at `now`: the notifications it sent. When several instances share the
    /// database, only the one that leads the rounds judges (it takes the lease when it is
    /// free); the others only count the firing alerts again for their badge. Two instances
    /// judging their own traffic would flip an alert back and forth.
    pub async fn evaluate(&self, now: DateTime<Utc>) -> Result<Vec<Notification>, StoreError> {
        if !self.lead(now).await? {
            self.recount().await;
            return Ok(Vec::new());
        }
        self.round(now).await
    }

    /// A round of the instance that leads the rounds: measure, then settle.
    async fn round(&self, now: DateTime<Utc>) -> Result<Vec<Notification>, StoreError> {
        let measured = self.measure(now).await?;
        self.settle(measured, now).await
    }

    /// Takes or renews the lease on the rounds: whether this instance leads them at `now`.
    pub async fn lead(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut tx = self.store.db().begin().await?;
        let leads = self.take_lease(&mut tx, now).await?;
        tx.commit().await?;
        Ok(leads)
    }

    async fn take_lease(&self, tx: &mut Tx, now: DateTime<Utc>) -> Result<bool, StoreError> {
        storage::take_lease(tx, &self.monitoring.instance, now, now + self.lease).await
    }

    /// Gives the rounds up to the other instances (this one stops).
    pub async fn step_down(&self) {
        if let Err(error) = storage::release_lease(&self.store, &self.monitoring.instance).await {
            tracing::warn!(%error, "could not hand the alert rounds over");
        }
    }

    /// The first half of a round: each enabled rule's readings at `now`. This is the slow
    /// part (it reads the monitoring windows and the database) and takes no locks.
    pub async fn measure(&self, now: DateTime<Utc>) -> Result<Measured, StoreError> {
        let mut rules = Vec::new();
        for rule in storage::rules(&self.store).await?.into_iter().filter(|r| r.enabled) {
            let readings = readings::read(&rule, &self.monitoring, &self.store, now).await;
            rules.push((rule, readings));
        }
        Ok(Measured { rules })
    }

    /// The second half: judges the readings against each alert's state as it is now, in
    /// one transaction, if this instance still leads the rounds. A rule changed, disabled or
    /// deleted since it was measured is left to the next round, and an alert acknowledged or
    /// resolved meanwhile is judged from that state: what people did while the round
    /// measured is never written over.
    pub async fn settle(&self, measured: Measured, now: DateTime<Utc>) -> Result<Vec<Notification>, StoreError> {
        let silences = storage::silences(&self.store, now).await?;
        let mut tx = self.store.db().begin().await?;
        // Renewed inside the round, so a round that measured for longer than its lease, while
        // another instance took over, writes nothing.
        if !self.take_lease(&mut tx, now).await? {
            tracing::info!("another instance leads the alert rounds now; this round is dropped");
            return Ok(Vec::new());
        }
        let mut sent = Vec::new();
        for (rule, readings) in measured.rules {
            if storage::lock_rule(&mut tx, rule.id).await?.as_ref() != Some(&rule) {
                continue;
            }
            let states = storage::states_of(&mut tx, rule.id).await?;
            let readings = with_quiet_alerts(&rule, readings, &states);
            sent.extend(self.judge(&mut tx, &rule, readings, &states, &silences, now).await?);
        }
        tx.commit().await?;
        self.recount().await;
        for notification in &sent {
            log_notification(notification);
        }
        if !sent.is_empty() {
            self.wake.notify_one();
        }
        Ok(sent)
    }

    async fn judge(
        &self,
        tx: &mut Tx,
        rule: &AlertRule,
        readings: Vec<Reading>,
        states: &HashMap<AlertKey, StoredState>,
        silences: &[Silence],
        now: DateTime<Utc>,
    ) -> Result<Vec<Notification>, StoreError> {
        let mut notices: BTreeMap<Notice, Vec<AlertFigure>> = BTreeMap::new();
        for reading in readings {
            let key = (rule.id, reading.labels.clone());
            let before = states.get(&key);
            let was = before.map(|s| s.state.clone()).unwrap_or(AlertState::Inactive);
            let silenced = silences.iter().any(|s| s.matches(rule.id, &reading.labels, now));
            let (next, notice) = step(&was, &reading.evaluation, &rule.timing(), rule.severity, now, silenced);
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
                let shown = reading.value.map(|v| rule.metric.format(v));
                notices.entry(notice).or_default().push(AlertFigure {
                    labels: reading.labels,
                    value: reading.value,
                    shown,
                });
            }
        }
        let mut sent = Vec::new();
        for (notice, alerts) in notices {
            let mut notification = Notification {
                rule_id: rule.id,
                rule_name: rule.name.clone(),
                severity: rule.severity,
                notice,
                condition: rule.condition(),
                text: String::new(),
                alerts,
                at: now,
                test: false,
            };
            notification.text = notification_text(&notification);
            let channels = if notice == Notice::Escalation { &rule.escalation_channels } else { &rule.channels };
            for channel in channels {
                storage::record_delivery(tx, &self.delivery(*channel, &notification)?).await?;
            }
            sent.push(notification);
        }
        Ok(sent)
    }

    /// The delivery of `notification` to `channel`: done already for in-app and log, waiting
    /// for the deliverer for the others, or skipped when that channel is not configured.
    fn delivery(&self, channel: Channel, notification: &Notification) -> Result<NewDelivery, StoreError> {
        let (status, detail, payload) = match self.channels().unavailable(channel) {
            Some(why) => ("skipped", why.to_owned(), None),
            None if channel.is_outbound() => ("pending", notification.text.clone(), Some(to_json(notification)?)),
            None => ("sent", notification.text.clone(), None),
        };
        // A digest's lines are figures, not alerts.
        let alerts = notification.alerts.iter().filter(|_| notification.notice != Notice::Digest);
        let labels: Vec<&str> = alerts.map(|a| a.labels.as_str()).collect();
        Ok(NewDelivery {
            delivery: Delivery {
                at: UnixTime(notification.at),
                rule_id: notification.rule_id.to_string(),
                labels: labels.join(", "),
                notice: if notification.test { "test".to_owned() } else { notification.notice.code().to_owned() },
                channel: channel.code().to_owned(),
                status: status.to_owned(),
                attempts: i64::from(status == "sent"),
                detail,
            },
            payload,
            // The first attempt is at once, by the clock the deliverer runs on.
            next_attempt_at: (status == "pending").then(|| Utc::now().timestamp()),
        })
    }

    /// Sends a test notification of `rule` through its channels now, and says how each went.
    pub async fn send_test(
        &self,
        rule: &AlertRule,
        by: &str,
        now: DateTime<Utc>,
    ) -> Vec<(Channel, Result<String, String>)> {
        let alerts = vec![AlertFigure { labels: String::new(), value: None, shown: None }];
        let mut notification = Notification {
            rule_id: rule.id,
            rule_name: rule.name.clone(),
            severity: rule.severity,
            notice: Notice::Firing,
            condition: rule.condition(),
            text: String::new(),
            alerts,
            at: now,
            test: true,
        };
        notification.text = format!("Test notification of “{}”, sent by {by}: {}", rule.name, rule.condition());
        let channels = self.channels();
        let mut results = Vec::new();
        for channel in &rule.channels {
            let result = match channels.unavailable(*channel) {
                Some(why) => Err(why.to_owned()),
                None if *channel == Channel::Log => {
                    tracing::info!(rule = rule.name, "{}", notification.text);
                    Ok("written to the log".to_owned())
                }
                None => channels.send(*channel, &notification).await,
            };
            results.push((*channel, result));
        }
        if let Err(error) = self.record_test(&notification, &results).await {
            tracing::warn!(%error, "could not record a test notification");
        }
        results
    }

    /// Keeps a test notification's outcomes in the delivery log, as the page shows them.
    async fn record_test(
        &self,
        notification: &Notification,
        results: &[(Channel, Result<String, String>)],
    ) -> Result<(), StoreError> {
        let mut tx = self.store.db().begin().await?;
        for (channel, result) in results {
            let (status, detail) = match result {
                Ok(answer) => ("sent", answer.clone()),
                Err(why) if self.channels().unavailable(*channel).is_some() => ("skipped", why.clone()),
                Err(why) => ("failed", why.clone()),
            };
            let delivery = Delivery {
                at: UnixTime(notification.at),
                rule_id: notification.rule_id.to_string(),
                labels: String::new(),
                notice: "test".to_owned(),
                channel: channel.code().to_owned(),
                status: status.to_owned(),
                attempts: i64::from(status != "skipped"),
                detail,
            };
            storage::record_delivery(&mut tx, &NewDelivery { delivery, payload: None, next_attempt_at: None }).await?;
        }
        tx.commit().await
    }

    /// Delivers the webhook, Slack and email notifications that are due, every few seconds
    /// and whenever a round leaves some, until the task is dropped.
    pub fn spawn_deliverer(&self) -> tokio::task::JoinHandle<()> {
        let engine = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = engine.wake.notified() => {}
                    _ = tokio::time::sleep(delivery::POLL) => {}
                }
                if let Err(error) = delivery::deliver_due(&engine.store, &engine.channels(), Utc::now()).await {
                    tracing::warn!(%error, "could not deliver alert notifications");
                }
            }
        })
    }

    /// Acknowledges a firing alert for `by`: no more reminders, no escalation. `Ok(false)`
    /// when that alert is not firing unacknowledged.
    pub async fn acknowledge(
        &self,
        rule_id: Uuid,
        labels: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.act(rule_id, labels, now, "acknowledged", format!("Acknowledged by {by}."), |state| {
            matches!(state, AlertState::Firing { acknowledged: None, .. }).then(|| acknowledge(state, by, now))
        })
        .await
    }

    /// Resolves a pending or firing alert by hand (nothing is notified). If its condition
    /// still holds, the next round starts it again. `Ok(false)` when it is neither.
    pub async fn resolve(&self, rule_id: Uuid, labels: &str, by: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.act(rule_id, labels, now, "resolved", format!("Resolved by {by}."), |state| {
            matches!(state, AlertState::Firing { .. } | AlertState::Pending { .. })
                .then_some(AlertState::Resolved { at: now })
        })
        .await
    }

    /// Changes an alert's state by `change` (`None`: not in a state it applies to) and
    /// records the event.
    async fn act(
        &self,
        rule_id: Uuid,
        labels: &str,
        now: DateTime<Utc>,
        kind: &str,
        message: String,
        change: impl FnOnce(&AlertState) -> Option<AlertState>,
    ) -> Result<bool, StoreError> {
        let key = (rule_id, labels.to_owned());
        // Under the rule's lock, so a round running now cannot write its older view over this.
        let mut tx = self.store.db().begin().await?;
        let Some(rule) = storage::lock_rule(&mut tx, rule_id).await? else { return Ok(false) };
        let Some(stored) = storage::states_of(&mut tx, rule_id).await?.remove(&key) else { return Ok(false) };
        let Some(state) = change(&stored.state) else { return Ok(false) };
        storage::save_state(&mut tx, &key, &StoredState { state, ..stored.clone() }).await?;
        let event = AlertEvent {
            at: UnixTime(now),
            rule_id: rule_id.to_string(),
            rule_name: rule.name.clone(),
            labels: labels.to_owned(),
            severity: rule.severity.code().to_owned(),
            kind: kind.to_owned(),
            value: stored.value,
            message,
        };
        storage::record_event(&mut tx, &event).await?;
        tx.commit().await?;
        self.recount().await;
        Ok(true)
    }

    /// How many alerts are firing (acknowledged or not), as of the last count.
    pub fn firing_now(&self) -> usize {
        self.firing.load(Ordering::Relaxed)
    }

    /// Counts the firing alerts again; after a round, and after anything else that changes
    /// alerts. Another instance's changes show here after this one's next round.
    pub async fn recount(&self) {
        match storage::firing(&self.store).await {
            Ok(firing) => self.firing.store(firing, Ordering::Relaxed),
            Err(error) => tracing::warn!(%error, "could not count the firing alerts; the badge keeps its last count"),
        }
    }

    /// Adds or replaces a rule (its alerts start again from inactive).
    pub async fn save_rule(&self, rule: &AlertRule, by: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        storage::save_rule(&self.store, rule, by, now).await?;
        self.recount().await;
        Ok(())
    }

    /// Deletes a rule and its alerts; `false` when there was none.
    pub async fn delete_rule(&self, id: Uuid) -> Result<bool, StoreError> {
        let deleted = storage::delete_rule(&self.store, id).await?;
        self.recount().await;
        Ok(deleted)
    }
}

fn read(channels: &RwLock<LoadedChannels>) -> RwLockReadGuard<'_, LoadedChannels> {
    // A panic while swapping in new channels leaves the old ones, which still work.
    channels.read().unwrap_or_else(PoisonError::into_inner)
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

/// The text of a notification (in-app, log, the delivery log): what, how bad, where, the
/// figures.
pub fn notification_text(notification: &Notification) -> String {
    let mut text = format!("{}: {}", channels::title(notification), notification.condition);
    for line in channels::alert_lines(notification) {
        text.push_str(&format!("\n- {line}"));
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
        let figure = |labels: &str, shown: Option<&str>| AlertFigure {
            labels: labels.into(),
            value: None,
            shown: shown.map(str::to_owned),
        };
        let notification = Notification {
            rule_id: slow.id,
            rule_name: slow.name.clone(),
            severity: slow.severity,
            notice: Notice::Firing,
            condition: slow.condition(),
            alerts: vec![figure("/organizations", Some("1250 ms")), figure("/today", None)],
            text: String::new(),
            at: Utc::now(),
            test: false,
        };
        assert_eq!(
            notification_text(&notification),
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
        assert_eq!(Channel::ALL.map(Channel::code), ["in_app", "log", "webhook", "slack", "email"]);
        assert!(Channel::ALL.into_iter().all(|c| Channel::parse(c.code()) == Some(c)));
    }
}
