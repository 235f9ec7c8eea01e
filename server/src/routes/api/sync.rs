//! `/api/v1/sync`: the offline client's outbox replay (`POST`, a batch of operations applied
//! once each) and its delta pull (`GET /sync/changes?since=cursor`). Documented in docs/api.md.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;

use app::error::AppError;
use app::model::sync::{CHANGES_PAGE_ROWS, SyncBatch, SyncCursor, SyncReply};

use super::json::{object, query_pairs, typed};
use super::{ApiError, access::UserAccess};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/sync", post(apply)).route("/sync/changes", get(changes))
}

/// Answers 200 with one result per op, whatever became of each: a batch is never half
/// refused, so the client can drop exactly the ops that got a final answer.
async fn apply(UserAccess(access): UserAccess, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let batch: SyncBatch = typed(Value::Object(object(&headers, &body)?))?;
    batch.check().map_err(AppError::bad_request)?;
    let results = access.apply_sync(&batch).await;
    for result in &results {
        let replayed = if result.replayed { "true" } else { "false" };
        metrics::counter!("sync_ops_total", "status" => result.outcome.status(), "replayed" => replayed).increment(1);
    }
    Ok(Json(SyncReply { results }).into_response())
}

async fn changes(UserAccess(access): UserAccess, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let since = pairs.iter().find(|(k, _)| k == "since").map(|(_, v)| v.as_str()).unwrap_or_default();
    let cursor = SyncCursor::decode(since).map_err(AppError::bad_request)?;
    Ok(Json(access.changes_since(&cursor, CHANGES_PAGE_ROWS).await?).into_response())
}
