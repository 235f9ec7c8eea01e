//! The JSON API under `/api/v1`, for scripts, integrations, the offline client and
//! benchmarks. Documented in docs/api.md.

mod access;
mod alerts;
mod contacts;
pub mod error;
mod export;
mod ids;
mod imports;
mod json;
mod monitoring;
mod number_param;
mod organizations;
mod performance;
mod session;
mod sync;
mod users;
mod vitals;
mod window;

use axum::Router;

use crate::state::AppState;

pub use error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(organizations::router())
        .merge(export::router())
        .merge(imports::router())
        .merge(contacts::router())
        .merge(users::router())
        .merge(session::router())
        .merge(sync::router())
        .merge(performance::router())
        .merge(vitals::router())
        .merge(alerts::router())
        .merge(monitoring::router())
        .fallback(|| async { ApiError::from(app::error::AppError::not_found("This API endpoint")) })
}
