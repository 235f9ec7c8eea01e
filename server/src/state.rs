//! What every request handler shares.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use app::auth::AuthContext;
use app::store::Store;

use crate::alerting::AlertEngine;
use crate::monitoring::Monitoring;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub auth: AuthContext,
    pub monitoring: Monitoring,
    pub alerts: AlertEngine,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Self {
        state.store.clone()
    }
}
