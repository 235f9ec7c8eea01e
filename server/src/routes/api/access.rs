//! The signed-in caller of an API route, and the store as they may use it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use app::error::AppError;
use app::model::CurrentUser;
use app::store::Access;

use super::ApiError;
use crate::state::AppState;

/// The store limited to what the caller may see and do; 401 when nobody is signed in.
pub struct UserAccess(pub Access);

impl FromRequestParts<AppState> for UserAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = parts.extensions.get::<CurrentUser>().cloned().ok_or_else(AppError::unauthorized)?;
        let actor = app::api::server::actor_from_parts(parts);
        Ok(UserAccess(state.store.for_request(&parts.extensions).access(user, actor)))
    }
}

/// A signed-in manager or administrator: who may read the performance figures, errors and
/// alerts.
pub struct Monitor(pub CurrentUser);

impl FromRequestParts<AppState> for Monitor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        let user = parts.extensions.get::<CurrentUser>().cloned().ok_or_else(AppError::unauthorized)?;
        if !app::policy::can_monitor(&user) {
            return Err(AppError::forbidden(
                "Performance figures and server errors are for managers and administrators.",
            )
            .into());
        }
        Ok(Monitor(user))
    }
}
