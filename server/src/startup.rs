//! Building the app: connect and migrate, seed the demo when asked, assemble the router,
//! bind the listener. Tests build it on port 0 against their own database.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use app::auth::AuthContext;
use app::store::{CacheSettings, DbOptions, SharedCache, Store, StoreError};
use app::{App, shell};

use crate::alerting::AlertEngine;
use crate::config::{Config, ConfigError};
use crate::monitoring::{self, Monitoring, prometheus::MetricsAccess};
use crate::routes;
use crate::security;
use crate::seed;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Database(#[from] StoreError),
    #[error("{0}")]
    Seed(#[from] app::error::AppError),
    #[error("{0}")]
    Monitoring(String),
    #[error("{0}")]
    Cache(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// A built server, bound and ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    /// How often alert rules are evaluated; `None`: never.
    alert_every: Option<Duration>,
}

impl Application {
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        config.validate()?;
        let metrics_access = MetricsAccess {
            token: config.metrics_token.clone().filter(|t| !t.is_empty()),
            allowed: config.metrics_allow.iter().map(|ip| ip.to_canonical()).collect(),
        };
        let prometheus = monitoring::prometheus::recorder().map_err(StartupError::Monitoring)?;
        let monitoring = Monitoring::new(prometheus, metrics_access, config.health_thresholds());
        let observer = config.monitoring.then(|| monitoring.database.clone() as Arc<dyn app::store::QueryObserver>);
        let store = open_store(config, observer).await?;
        if config.demo_data {
            seed::demo::seed_if_empty(&store).await?;
            seed::demo::set_demo_passwords(&store, &config.demo_password).await?;
        }
        let store = if config.cache_ttl_secs > 0 {
            let shared = config.shared_cache().map(SharedCache::new).transpose().map_err(StartupError::Cache)?;
            let settings = CacheSettings {
                ttl: Duration::from_secs(config.cache_ttl_secs),
                max_entries: config.cache_max_entries,
            };
            let store = store.with_cache(settings, shared);
            if let Err(error) = store.warm_up().await {
                tracing::warn!(%error, "could not warm the cache up");
            }
            store
        } else {
            store
        };
        let leptos_options = leptos_options(config);
        warn_if_site_missing(&leptos_options);
        let auth = AuthContext::new(config.limit_settings(), config.https());
        let alert_every = (config.alert_evaluate_secs > 0).then(|| Duration::from_secs(config.alert_evaluate_secs));
        let mut alerts = AlertEngine::new(store.clone(), monitoring.clone(), config.alert_channel_settings())
            .map_err(ConfigError::Alerting)?
            .with_digest_hour(config.alert_digest_hour);
        if let Some(every) = alert_every {
            alerts = alerts.with_rounds_every(every);
        }
        if let Err(error) = alerts.reload_channels().await {
            tracing::warn!(%error, "could not read the alert channels saved on the alerts page");
        }
        let state = AppState::new(crate::state::Shared { leptos_options, store, auth, monitoring, alerts });
        let router = router(state.clone(), config);
        let listener =
            TcpListener::bind(config.addr).await.map_err(|source| StartupError::Bind { addr: config.addr, source })?;
        Ok(Application { listener, router, state, alert_every })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    pub fn monitoring(&self) -> &Monitoring {
        &self.state.monitoring
    }

    pub fn alerts(&self) -> &AlertEngine {
        &self.state.alerts
    }

    /// Serves until `shutdown` resolves, then finishes the requests under way.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let limits = self.state.auth.limits.clone();
        let (store, monitoring) = (self.state.store.clone(), self.state.monitoring.clone());
        let janitor = tokio::spawn(async move {
            let mut every_minute = tokio::time::interval(Duration::from_secs(60));
            let mut sampler = monitoring::samples::ProcessSampler::new();
            loop {
                every_minute.tick().await;
                limits.forget_idle();
                if let Err(error) = monitoring::rollups::persist_closed_minutes(&store, &monitoring).await {
                    tracing::warn!(%error, "could not save the minute statistics");
                }
                if let Err(error) = monitoring::samples::sample_and_save(&mut sampler, &store, &monitoring).await {
                    tracing::warn!(%error, "could not save the process figures of the minute");
                }
                if let Err(error) = monitoring::vitals::prune(&store, chrono::Utc::now()).await {
                    tracing::warn!(%error, "could not prune the web vitals samples");
                }
            }
        });
        // The Prometheus recorder keeps every histogram sample until it is folded into the
        // buckets; without this, memory and allocation churn grow between scrapes.
        let prometheus = self.state.monitoring.prometheus.clone();
        let upkeep = tokio::spawn(async move {
            let mut every_five_seconds = tokio::time::interval(Duration::from_secs(5));
            loop {
                every_five_seconds.tick().await;
                prometheus.run_upkeep();
            }
        });
        let alerting = self.alert_every.map(|every| self.state.alerts.clone().spawn(every));
        // Always: an administrator may set a channel up on the alerts page at any time.
        let deliverer = self.state.alerts.spawn_deliverer();
        let served = axum::serve(self.listener, service).with_graceful_shutdown(shutdown).await;
        janitor.abort();
        upkeep.abort();
        deliverer.abort();
        if let Some(alerting) = alerting {
            alerting.abort();
            self.state.alerts.step_down().await;
        }
        served?;
        self.state.store.close().await;
        Ok(())
    }
}

/// Opens the configured database; `observer` (the server's monitoring) is told about every statement.
pub async fn open_store(
    config: &Config,
    observer: Option<Arc<dyn app::store::QueryObserver>>,
) -> Result<Store, StoreError> {
    let options = DbOptions {
        max_connections: config.database_max_connections,
        pg_schema: config.database_schema.clone(),
        observer,
        slow_query: Duration::from_millis(config.slow_query_ms),
        ..DbOptions::new(config.database_url.clone())
    };
    Store::open(&options).await
}

/// The Leptos settings from our configuration. Hashed file names are used when the build
/// wrote `hash.txt` next to this binary (release builds by cargo-leptos do).
fn leptos_options(config: &Config) -> LeptosOptions {
    let hash_file = "hash.txt";
    let hash_files = std::env::var("LEPTOS_HASH_FILES").ok().map(|v| v == "true").unwrap_or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(hash_file).exists()))
            .unwrap_or(false)
    });
    LeptosOptions::builder()
        .output_name(option_env!("LEPTOS_OUTPUT_NAME").unwrap_or("kitchen-pantry"))
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .env(leptos::config::Env::PROD)
        .hash_files(hash_files)
        .hash_file(std::sync::Arc::from(hash_file))
        .build()
}

fn warn_if_site_missing(options: &LeptosOptions) {
    let pkg = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    if !pkg.is_dir() {
        tracing::warn!(
            path = %pkg.display(),
            "no built site found: pages render, but without styles or scripts; run `make build` first"
        );
    }
}

/// Every route: pages and server functions (Leptos), the JSON API, static files.
pub fn router(state: AppState, config: &Config) -> Router {
    let leptos_options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let (store, auth) = (state.store.clone(), state.auth.clone());
    let desk: Arc<dyn app::api::alerts::AlertDesk> = Arc::new(state.alerts.clone());
    let dashboard: Arc<dyn app::api::monitoring::MonitoringDesk> = Arc::new(state.clone());
    let context = move || {
        provide_context(store.clone());
        provide_context(auth.clone());
        provide_context(desk.clone());
        provide_context(dashboard.clone());
        // Hands this render's nonce to the layer that writes the page's CSP.
        let slot = leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<security::headers::PageNonce>().cloned());
        if let (Some(nonce), Some(slot)) = (leptos::nonce::use_nonce(), slot) {
            let _ = slot.0.set(nonce.to_string());
        }
    };
    let pkg_dir = Path::new(leptos_options.site_root.as_ref()).join(leptos_options.site_pkg_dir.as_ref());
    // Hashed names change with their content, so browsers may keep them for good.
    let pkg_cache = if leptos_options.hash_files { "public, max-age=31536000, immutable" } else { "no-cache" };
    let pkg = Router::new()
        .fallback_service(ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static(pkg_cache)));

    let offline = routes::pwa::OfflineFiles::load(
        Path::new(leptos_options.site_root.as_ref()),
        leptos_options.site_pkg_dir.as_ref(),
    );
    let router = Router::new()
        .route_service("/sw.js", get(routes::pwa::service_worker).with_state(offline.clone()))
        .route_service("/offline.html", get(routes::pwa::offline_page).with_state(offline))
        .route("/health", get(monitoring::health::health))
        .route("/metrics", get(monitoring::prometheus::metrics))
        .nest("/api/v1", routes::api::router())
        .nest_service("/pkg", pkg)
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        // Layers run from the last added (outermost) to the first.
        .layer(axum::middleware::from_fn(routes::server_fn_error_status))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::limits::limit_requests))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::session::authenticate))
        .layer(axum::middleware::from_fn(security::csrf::reject_cross_site))
        .layer(axum::middleware::from_fn(security::body_limit::limit_body))
        // Inside the recorder, so a panic is answered (500) and tracked like any server error.
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state.clone());
    let router = security::headers::with_security_headers(router, config.https());
    let router = if config.monitoring {
        router.layer(axum::middleware::from_fn_with_state(
            state.monitoring.clone(),
            monitoring::requests::record_requests,
        ))
    } else {
        router
    };
    router
        // Brotli here with a window that fits our answers; gzip for the rest (crate::compression).
        .layer(axum::middleware::from_fn(crate::compression::brotli))
        .layer(CompressionLayer::new().no_br())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_secs),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            let (method, path) = (request.method(), request.uri().path());
            if routes::is_server_function(path) {
                tracing::info_span!("server_fn", name = %path, method = %method, request_id = %id)
            } else {
                tracing::info_span!("request", method = %method, path = %path, request_id = %id)
            }
        }))
        // Every request gets an id (kept if a proxy set one), returned in `X-Request-Id`.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// A handler that panicked: the person gets the usual internal error with a reference, the
/// panic's message goes to the error tracking.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic without a message".to_owned());
    let error = app::incidents::record("panic", vec![message]);
    axum::response::IntoResponse::into_response(routes::api::ApiError::from(error))
}
