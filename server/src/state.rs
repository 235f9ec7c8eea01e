//! What every request handler shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use app::auth::AuthContext;
use app::store::Store;

use crate::alerting::AlertEngine;
use crate::monitoring::Monitoring;

/// Behind one `Arc`: axum clones the state for every handler and layer that takes it, and a
/// field-by-field clone (Leptos' options alone are a dozen strings) cost some 35,000
/// instructions a request (callgrind, docs/benchmarks.md).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub auth: AuthContext,
    pub monitoring: Monitoring,
    pub alerts: AlertEngine,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }

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
