//! Alerting for managers and administrators: the rules with where their alerts stand
//! (`GET /alert-rules`), the active alerts (`GET /alerts`), what happened
//! (`GET /alerts/history`), the notifications delivered (`GET /alerts/deliveries`), and
//! acknowledging a firing alert (`POST /alerts/acknowledge`); administrators send a rule's
//! test notification (`POST /alert-rules/{id}/test`). Documented in docs/api.md.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use app::error::AppError;
use app::model::alert_rules::AlertRule;
use app::model::alerts::AlertState;

use super::ids::parse_id;
use super::{ApiError, access::Monitor, json};
use crate::alerting::storage::{self, StoredState};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/alert-rules", get(rules))
        .route("/alert-rules/{id}/test", post(send_test))
        .route("/alerts", get(active))
        .route("/alerts/history", get(history))
        .route("/alerts/deliveries", get(deliveries))
        .route("/alerts/acknowledge", post(acknowledge))
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
    match query.limit.as_deref().map(str::trim) {
        None | Some("") => Ok(100),
        Some(text) => text.parse::<i64>().ok().filter(|n| (1..=1_000).contains(n)).ok_or_else(|| {
            AppError::bad_request(format!("limit must be a whole number from 1 to 1000 (got “{text}”)")).into()
        }),
    }
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
struct AcknowledgeBody {
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
    let body: AcknowledgeBody = json::typed(json::object(&headers, &body)?.into())?;
    if state.alerts.acknowledge(body.rule_id, &body.labels, &user.email, Utc::now()).await? {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Err(AppError::Conflict {
        message: "That alert is not firing unacknowledged: only a firing alert nobody acknowledged yet can be \
                  acknowledged."
            .to_owned(),
        current_version: None,
    }
    .into())
}

/// Sends a test notification through each of the rule's channels now, and says how each went.
async fn send_test(
    Monitor(user): Monitor,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if !app::policy::can_administer(&user) {
        return Err(AppError::forbidden("Only administrators test alert rules.").into());
    }
    let id = parse_id(&id, "alert rule")?;
    let rule = storage::rules(&state.store)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::not_found("Alert rule"))?;
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
