//! `GET /health`: whether this instance can serve. Anonymous callers (load balancers) get
//! the status alone; signed-in managers and administrators also get each check with its
//! timing. 503 when unhealthy.

use std::time::Instant;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use app::model::CurrentUser;
use app::store::Sql;

use crate::state::AppState;

pub async fn health(State(state): State<AppState>, request: Request) -> Response {
    let started = Instant::now();
    let database = state.store.db().fetch_one::<(i64,)>(Sql::new("health.ping", "SELECT 1")).await;
    let database_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (status, code, reasons) = match &database {
        Ok(_) => ("healthy", StatusCode::OK, Vec::new()),
        Err(e) => {
            tracing::error!(error = %e, "health check: the database does not answer");
            ("unhealthy", StatusCode::SERVICE_UNAVAILABLE, vec!["the database does not answer".to_owned()])
        }
    };
    let detailed = request.extensions().get::<CurrentUser>().is_some_and(app::policy::can_monitor);
    let body = if detailed {
        json!({
            "status": status,
            "reasons": reasons,
            "version": env!("CARGO_PKG_VERSION"),
            "uptime_seconds": state.monitoring.started.elapsed().as_secs(),
            "checks": {"database": {"ok": database.is_ok(), "backend": format!("{:?}", state.store.backend()).to_lowercase(), "ms": database_ms}},
        })
    } else {
        json!({"status": status})
    };
    (code, Json(body)).into_response()
}
