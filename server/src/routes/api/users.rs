//! `/api/v1/users`: the active users the caller may assign records to.

use axum::Json;
use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{ApiError, access::UserAccess};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/users", get(list))
}

async fn list(UserAccess(access): UserAccess) -> Result<Response, ApiError> {
    Ok(Json(access.assignable_users().await?).into_response())
}
