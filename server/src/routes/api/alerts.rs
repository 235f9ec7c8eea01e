//! Alerting for managers and administrators: the rules with where their alerts stand, the
//! active alerts, what happened, the notifications delivered, statistics; acknowledging,
//! resolving and silencing alerts. Administrators create, change, delete and test rules.
//! Documented in docs/api.md ("Alerts").

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use app::error::AppError;
use app::model::CurrentUser;
use app::model::alert_channels::ChannelForm;
use app::model::alert_rules::{AlertMetric, AlertRule, new_rule};
use app::model::alerts::{AlertState, SilenceRequest};

use super::ids::parse_id;
use super::number_param::number_param;
use super::{ApiError, access::Monitor, json};
use crate::alerting::stats::alert_stats;
use crate::alerting::storage::{self, StoredState};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/alert-rules", get(rules).post(create_rule))
        .route("/alert-rules/{id}", patch(update_rule).delete(delete_rule))
        .route("/alert-rules/{id}/test", post(send_test))
        .route("/alerts", get(active))
        .route("/alerts/history", get(history))
        .route("/alerts/deliveries", get(deliveries))
        .route("/alerts/stats", get(stats))
        .route("/alerts/acknowledge", post(acknowledge))
        .route("/alerts/resolve", post(resolve))
        .route("/alerts/silences", get(silences).post(add_silence))
        .route("/alerts/silences/{id}", delete(end_silence))
        .route("/alert-channels", get(channels))
        .route("/alert-channels/{channel}", put(save_channel).delete(turn_off_channel))
}

/// The webhook, Slack and email channels: where each goes (no secrets) and who set it up.
async fn channels(_: Monitor, State(state): State<AppState>) -> Response {
    Json(json!({"channels": state.alerts.channel_lines()})).into_response()
}

/// Sets a channel up from the page's fields as JSON (`address`, `secret`, `from`, `to`).
async fn save_channel(
    Monitor(user): Monitor,
    State(state): State<AppState>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    administrator(&user)?;
    let mut fields = json::object(&headers, &body)?;
    fields.insert("channel".into(), channel.into());
    fields.insert("action".into(), "save".into());
    let form: ChannelForm = json::typed(fields.into())?;
    state.alerts.save_channel(&form, &user.email, Utc::now()).await?;
    Ok(Json(json!({"channels": state.alerts.channel_lines()})).into_response())
}

async fn turn_off_channel(
    Monitor(user): Monitor,
    State(state): State<AppState>,
    Path(channel): Path<String>,
) -> Result<Response, ApiError> {
    administrator(&user)?;
    let form = ChannelForm { channel, action: "off".into(), ..ChannelForm::default() };
    state.alerts.save_channel(&form, &user.email, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// One alert of a rule, as the lists show it.
#[derive(Serialize)]
struct AlertView<'a> {
    rule_id: Uuid,
    rule_name: &'a str,
    severity: &'static str,
    condition: String,
    /// The route, or "" for all requests.
    labels: &'a str,
    #[serde(flatten)]
    state: &'a AlertState,
    value: Option<f64>,
    /// The value as people read it.
    shown: Option<String>,
    evaluated_at: chrono::DateTime<Utc>,
}

fn view<'a>(rule: &'a AlertRule, labels: &'a str, stored: &'a StoredState) -> AlertView<'a> {
    AlertView {
        rule_id: rule.id,
        rule_name: &rule.name,
        severity: rule.severity.code(),
        condition: rule.condition(),
        labels,
        state: &stored.state,
        value: stored.value,
        shown: stored.value.map(|v| rule.metric.format(v)),
        evaluated_at: stored.evaluated_at,
    }
}

async fn rules(_: Monitor, State(state): State<AppState>) -> Result<Response, ApiError> {
    let rules = storage::rules(&state.store).await?;
    let states = storage::states(&state.store).await?;
    let listed: Vec<_> = rules
        .iter()
        .map(|rule| {
            let mut alerts: Vec<AlertView> = states
                .iter()
                .filter(|((id, _), _)| *id == rule.id)
                .map(|((_, labels), stored)| view(rule, labels, stored))
                .collect();
            alerts.sort_by(|a, b| a.labels.cmp(b.labels));
            json!({"rule": rule, "condition": rule.condition(), "alerts": alerts})
        })
        .collect();
    Ok(Json(json!({"rules": listed})).into_response())
}

/// Pending, firing or failing: most severe first, then by rule and route.
async fn active(_: Monitor, State(state): State<AppState>) -> Result<Response, ApiError> {
    let rules = storage::rules(&state.store).await?;
    let states = storage::states(&state.store).await?;
    let mut alerts: Vec<AlertView> = states
        .iter()
        .filter(|(_, stored)| stored.state.is_active())
        .filter_map(|((id, labels), stored)| rules.iter().find(|r| r.id == *id).map(|rule| (rule, labels, stored)))
        .map(|(rule, labels, stored)| view(rule, labels, stored))
        .collect();
    let severity = |a: &AlertView| rules.iter().find(|r| r.id == a.rule_id).map(|r| r.severity);
    alerts
        .sort_by(|a, b| severity(b).cmp(&severity(a)).then(a.rule_name.cmp(b.rule_name)).then(a.labels.cmp(b.labels)));
    let firing = alerts.iter().filter(|a| matches!(a.state, AlertState::Firing { .. })).count();
    Ok(Json(json!({"firing": firing, "alerts": alerts})).into_response())
}

#[derive(Deserialize)]
struct LimitQuery {
    limit: Option<String>,
}

/// `?limit=` from 1 to 1,000 (100 when absent).
fn limit(query: &LimitQuery) -> Result<i64, ApiError> {
    number_param("limit", query.limit.as_deref(), 1..=1_000, 100)
}

async fn history(
    _: Monitor,
    State(state): State<AppState>,
    Query(query): Query<LimitQuery>,
) -> Result<Response, ApiError> {
    let events = storage::history(&state.store, limit(&query)?).await?;
    Ok(Json(json!({"events": events})).into_response())
}

async fn deliveries(
    _: Monitor,
    State(state): State<AppState>,
    Query(query): Query<LimitQuery>,
) -> Result<Response, ApiError> {
    let deliveries = storage::deliveries(&state.store, limit(&query)?).await?;
    Ok(Json(json!({"deliveries": deliveries})).into_response())
}

#[derive(Deserialize)]
struct AlertBody {
    rule_id: Uuid,
    /// The alert's route; "" (the default) for a rule over all requests.
    #[serde(default)]
    labels: String,
}

async fn acknowledge(
    Monitor(user): Monitor,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: AlertBody = json::typed(json::object(&headers, &body)?.into())?;
    let done = state.alerts.acknowledge(body.rule_id, &body.labels, &user.email, Utc::now()).await?;
    answered(
        done,
        "That alert is not firing unacknowledged: only a firing alert nobody acknowledged yet can be acknowledged.",
    )
}

async fn resolve(
    Monitor(user): Monitor,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: AlertBody = json::typed(json::object(&headers, &body)?.into())?;
    let done = state.alerts.resolve(body.rule_id, &body.labels, &user.email, Utc::now()).await?;
    answered(done, "That alert is neither pending nor firing, so there is nothing to resolve.")
}

/// 204 when the change was made, 409 with `otherwise` when the alert was not in a state it
/// applies to.
fn answered(done: bool, otherwise: &str) -> Result<Response, ApiError> {
    if done {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Err(AppError::Conflict { message: otherwise.to_owned(), current_version: None }.into())
}

async fn silences(_: Monitor, State(state): State<AppState>) -> Result<Response, ApiError> {
    let silences = storage::silences(&state.store, Utc::now()).await?;
    Ok(Json(json!({"silences": silences})).into_response())
}

async fn add_silence(
    Monitor(user): Monitor,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: SilenceRequest = json::typed(json::object(&headers, &body)?.into())?;
    let now = Utc::now();
    let silence = request.silence(Uuid::now_v7(), &user.email, now).map_err(AppError::invalid)?;
    if let Some(rule_id) = silence.rule_id
        && !storage::rules(&state.store).await?.iter().any(|r| r.id == rule_id)
    {
        return Err(AppError::not_found("Alert rule").into());
    }
    storage::add_silence(&state.store, &silence, now).await?;
    Ok((StatusCode::CREATED, Json(silence)).into_response())
}

async fn end_silence(_: Monitor, State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = parse_id(&id, "silence")?;
    if storage::end_silence(&state.store, id, Utc::now()).await? {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Err(AppError::not_found("Running silence").into())
}

#[derive(Deserialize)]
struct DaysQuery {
    days: Option<String>,
}

/// Firings by severity and rule and the mean time to resolve, over `?days=` (1–90, 30).
async fn stats(
    _: Monitor,
    State(state): State<AppState>,
    Query(query): Query<DaysQuery>,
) -> Result<Response, ApiError> {
    let days = number_param("days", query.days.as_deref(), 1..=90, 30)?;
    let events = storage::events_since(&state.store, Utc::now() - chrono::Duration::days(days)).await?;
    let firing = storage::firing(&state.store).await?;
    Ok(Json(json!({"days": days, "firing_now": firing, "stats": alert_stats(&events)})).into_response())
}

/// Administrators only: rules decide who gets woken at night.
fn administrator(user: &CurrentUser) -> Result<(), ApiError> {
    if app::policy::can_administer(user) {
        return Ok(());
    }
    Err(AppError::forbidden("Only administrators change alert rules and channels.").into())
}

async fn rule_by_id(state: &AppState, id: &str) -> Result<AlertRule, ApiError> {
    let id = parse_id(id, "Alert rule")?;
    let rules = storage::rules(&state.store).await?;
    rules.into_iter().find(|r| r.id == id).ok_or_else(|| AppError::not_found("Alert rule").into())
}

/// A new rule: `name`, `metric` and `threshold` are needed; the rest has defaults (above, the
/// metric's shortest window, for 0 s, repeat hourly, warning, resolve notified, all requests,
/// in-app and log, enabled).
async fn create_rule(
    Monitor(user): Monitor,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    administrator(&user)?;
    let body = json::object(&headers, &body)?;
    let mut missing = app::model::FieldErrors::new();
    for (field, what) in [("name", "a name"), ("metric", "a metric"), ("threshold", "a threshold")] {
        if body.get(field).is_none_or(serde_json::Value::is_null) {
            missing.insert(field.to_owned(), format!("Give the rule {what}."));
        }
    }
    if !missing.is_empty() {
        return Err(AppError::invalid(missing).into());
    }
    let metric = body.get("metric").cloned().map(json::typed::<AlertMetric>).transpose()?;
    let template = new_rule(metric.unwrap_or(AlertMetric::LatencyP95));
    let rule = json::merged(&template, body)?;
    let rule = AlertRule { id: template.id, ..rule }.validated().map_err(AppError::invalid)?;
    state.alerts.save_rule(&rule, &user.email, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(json!({"rule": rule, "condition": rule.condition()}))).into_response())
}

/// Changes the fields given (`{"enabled": false}` disables the rule); its alerts start again.
async fn update_rule(
    Monitor(user): Monitor,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    administrator(&user)?;
    let current = rule_by_id(&state, &id).await?;
    let rule: AlertRule = json::merged(&current, json::object(&headers, &body)?)?;
    let rule = AlertRule { id: current.id, ..rule }.validated().map_err(AppError::invalid)?;
    state.alerts.save_rule(&rule, &user.email, Utc::now()).await?;
    Ok(Json(json!({"rule": rule, "condition": rule.condition()})).into_response())
}

async fn delete_rule(
    Monitor(user): Monitor,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    administrator(&user)?;
    let id = parse_id(&id, "Alert rule")?;
    if state.alerts.delete_rule(id).await? {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Err(AppError::not_found("Alert rule").into())
}

/// Sends a test notification through each of the rule's channels now, and says how each went.
async fn send_test(
    Monitor(user): Monitor,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    administrator(&user)?;
    let rule = rule_by_id(&state, &id).await?;
    let results: Vec<_> = state
        .alerts
        .send_test(&rule, &user.email, Utc::now())
        .await
        .into_iter()
        .map(|(channel, result)| match result {
            Ok(detail) => json!({"channel": channel, "ok": true, "detail": detail}),
            Err(detail) => json!({"channel": channel, "ok": false, "detail": detail}),
        })
        .collect();
    Ok(Json(json!({"rule_id": rule.id, "results": results})).into_response())
}
