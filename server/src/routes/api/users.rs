//! `/api/v1/users`: the active users records can be assigned to.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use app::store::Store;

use super::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/users", get(list))
}

async fn list(State(store): State<Store>) -> Result<Response, ApiError> {
    Ok(Json(store.active_users().await?).into_response())
}
