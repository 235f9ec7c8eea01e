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

impl AppState {
    /// Empties the read caches' entries whose key starts with `prefix` (all: ""), on every
    /// instance: after data was fixed in the database by hand.
    pub async fn clear_read_caches(&self, prefix: String, by: &app::model::CurrentUser) {
        if let Some(cache) = self.store.cache() {
            cache.changed(app::store::Change::Prefix(prefix.clone())).await;
        }
        tracing::info!(by = %by.email, prefix, "read caches cleared");
    }
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
