//! The alerts page's view of alerting ([`app::api::alerts::AlertDesk`]): the overview it
//! shows and the buttons it offers, on the same storage and engine as the JSON API.

use chrono::{Duration, Utc};
use uuid::Uuid;

use app::api::alerts::AlertDesk;
use app::error::AppError;
use app::model::CurrentUser;
use app::model::alert_channels::ChannelForm;
use app::model::alert_overview::{AlertAction, AlertLine, AlertsOverview, DeliveryLine, EventLine, RuleLine};
use app::model::alert_rules::AlertRule;
use app::model::alerts::{AlertState, SilenceRequest};

use super::AlertEngine;
use super::stats::alert_stats;
use super::storage;

/// How much history the page lists.
const HISTORY: i64 = 30;

type Answer<T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, AppError>> + Send>>;

impl AlertDesk for AlertEngine {
    fn overview(&self, user: CurrentUser) -> Answer<AlertsOverview> {
        let engine = self.clone();
        Box::pin(async move { engine.overview(&user).await })
    }

    fn act(&self, user: CurrentUser, action: AlertAction) -> Answer<()> {
        let engine = self.clone();
        Box::pin(async move { engine.act_for(&user, action).await })
    }

    fn firing_now(&self) -> usize {
        AlertEngine::firing_now(self)
    }

    fn save_channel(&self, user: CurrentUser, form: ChannelForm) -> Answer<()> {
        let engine = self.clone();
        Box::pin(async move {
            administrator(&user)?;
            engine.save_channel(&form, &user.email, Utc::now()).await
        })
    }
}

fn administrator(user: &CurrentUser) -> Result<(), AppError> {
    if app::policy::can_administer(user) {
        return Ok(());
    }
    Err(AppError::forbidden("Only administrators change alert rules and channels."))
}

fn conflict(message: &str) -> AppError {
    AppError::Conflict { message: message.to_owned(), current_version: None }
}

/// The alerts pending, firing or failing, most severe first.
fn active_lines(
    rules: &[AlertRule],
    states: &std::collections::HashMap<storage::AlertKey, storage::StoredState>,
) -> Vec<AlertLine> {
    let rule_of = |id: Uuid| rules.iter().find(|r| r.id == id);
    let mut active: Vec<AlertLine> = states
        .iter()
        .filter(|(_, stored)| stored.state.is_active())
        .filter_map(|((id, labels), stored)| {
            let rule = rule_of(*id)?;
            Some(AlertLine {
                rule_id: rule.id,
                rule_name: rule.name.clone(),
                severity: rule.severity,
                condition: rule.condition(),
                labels: labels.clone(),
                state: stored.state.clone(),
                shown: stored.value.map(|v| rule.metric.format(v)),
                evaluated_at: stored.evaluated_at,
            })
        })
        .collect();
    active
        .sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule_name.cmp(&b.rule_name)).then(a.labels.cmp(&b.labels)));
    active
}

/// The latest `limit` alert events, newest first.
async fn event_lines(store: &app::store::Store, limit: i64) -> Result<Vec<EventLine>, AppError> {
    Ok(storage::history(store, limit)
        .await?
        .into_iter()
        .map(|e| EventLine {
            at: e.at.0,
            rule_name: e.rule_name,
            labels: e.labels,
            severity: e.severity,
            kind: e.kind,
            message: e.message,
        })
        .collect())
}

impl AlertEngine {
    /// What needs attention and the latest `history` events: the monitoring dashboard's panel,
    /// without the rules, deliveries and 30-day statistics of the alerts page (it refreshes
    /// every few seconds).
    pub async fn needing_attention(&self, history: i64) -> Result<(Vec<AlertLine>, Vec<EventLine>), AppError> {
        let rules = storage::rules(&self.store).await?;
        let states = storage::states(&self.store).await?;
        Ok((active_lines(&rules, &states), event_lines(&self.store, history).await?))
    }

    async fn overview(&self, user: &CurrentUser) -> Result<AlertsOverview, AppError> {
        let store = &self.store;
        let now = Utc::now();
        let rules = storage::rules(store).await?;
        let states = storage::states(store).await?;
        let active = active_lines(&rules, &states);
        let firing_of = |rule: &AlertRule| {
            states.iter().filter(|((id, _), s)| *id == rule.id && matches!(s.state, AlertState::Firing { .. })).count()
        };
        let rule_lines = rules
            .iter()
            .map(|rule| RuleLine {
                id: rule.id,
                name: rule.name.clone(),
                severity: rule.severity,
                condition: rule.condition(),
                channels: rule.channels.clone(),
                enabled: rule.enabled,
                firing: firing_of(rule),
            })
            .collect();
        let history = event_lines(store, HISTORY).await?;
        let deliveries = storage::deliveries(store, HISTORY)
            .await?
            .into_iter()
            .map(|d| DeliveryLine {
                at: d.at.0,
                rule_name: Uuid::parse_str(&d.rule_id)
                    .ok()
                    .and_then(|id| rules.iter().find(|r| r.id == id))
                    .map_or_else(|| "a deleted rule".to_owned(), |r| r.name.clone()),
                labels: d.labels,
                notice: d.notice,
                channel: d.channel,
                status: d.status,
                attempts: d.attempts,
                detail: d.detail,
            })
            .collect();
        let stats = alert_stats(&storage::events_since(store, now - Duration::days(30)).await?);
        Ok(AlertsOverview {
            can_edit_rules: app::policy::can_administer(user),
            active,
            silences: storage::silences(store, now).await?,
            rules: rule_lines,
            history,
            deliveries,
            channels: self.channel_lines(),
            fired: stats.fired,
            fired_by_severity: stats.by_severity.into_iter().collect(),
            mean_time_to_resolve_seconds: stats.mean_time_to_resolve_seconds,
        })
    }

    async fn act_for(&self, user: &CurrentUser, action: AlertAction) -> Result<(), AppError> {
        let now = Utc::now();
        let by = user.email.as_str();
        match action {
            AlertAction::Acknowledge { rule_id, labels } => {
                if !self.acknowledge(rule_id, &labels, by, now).await? {
                    return Err(conflict("That alert is not firing unacknowledged any more."));
                }
            }
            AlertAction::Resolve { rule_id, labels } => {
                if !self.resolve(rule_id, &labels, by, now).await? {
                    return Err(conflict("That alert is neither pending nor firing any more."));
                }
            }
            AlertAction::Silence { rule_id, labels, minutes } => {
                let request = SilenceRequest {
                    rule_id: Some(rule_id),
                    labels: Some(labels),
                    minutes,
                    comment: "from the alerts page".into(),
                };
                let silence = request.silence(Uuid::now_v7(), by, now).map_err(AppError::invalid)?;
                storage::add_silence(&self.store, &silence, now).await?;
            }
            AlertAction::EndSilence { id } => {
                if !storage::end_silence(&self.store, id, now).await? {
                    return Err(AppError::not_found("Running silence"));
                }
            }
            AlertAction::SetEnabled { rule_id, enabled } => {
                administrator(user)?;
                let rule = self.rule(rule_id).await?;
                self.save_rule(&AlertRule { enabled, ..rule }, by, now).await?;
            }
            AlertAction::Test { rule_id } => {
                administrator(user)?;
                let rule = self.rule(rule_id).await?;
                self.send_test(&rule, by, now).await;
            }
        }
        Ok(())
    }

    async fn rule(&self, id: Uuid) -> Result<AlertRule, AppError> {
        let rules = storage::rules(&self.store).await?;
        rules.into_iter().find(|r| r.id == id).ok_or_else(|| AppError::not_found("Alert rule"))
    }
}
