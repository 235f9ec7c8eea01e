//! Logs and traces. Logs: `tracing` to standard output, as text or JSON, filtered by
//! `LOG_LEVEL`. Traces: when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, the spans — one per
//! request (`request`, or `server_fn` for a server function called over HTTP) and one per
//! database statement (`db.query`, a child of its request's span) — go over OTLP/HTTP
//! (protobuf) to any OpenTelemetry collector, in batches, off the request path.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{Config, LogFormat};

/// Which spans are exported: requests (info) and database statements (debug, in the store).
pub const TRACES_FILTER: &str = "info,app::store::db=debug";

/// Keeps the trace exporter; [`Telemetry::shutdown`] sends what is still buffered.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans still waiting in the batch (tests call this before looking).
    pub fn flush(&self) {
        if let Some(provider) = &self.provider
            && let Err(error) = provider.force_flush()
        {
            tracing::warn!(%error, "could not send the last traces");
        }
    }

    pub fn shutdown(self) {
        self.flush();
        if let Some(provider) = self.provider {
            let _ = provider.shutdown();
        }
    }
}

/// Installs the global subscriber, with the trace exporter when configured. Safe to call
/// more than once: later calls keep the first subscriber.
pub fn init(config: &Config) -> Result<Telemetry, String> {
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = match config.log_format {
        LogFormat::Text => tracing_subscriber::fmt::layer().with_target(false).boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer().json().flatten_event(true).with_target(false).boxed(),
    }
    .with_filter(filter);
    let provider = config.otlp_traces_endpoint().map(|endpoint| tracer_provider(&endpoint, config)).transpose()?;
    let traces = provider.as_ref().map(|provider| {
        let tracer = provider.tracer("kitchen-pantry");
        tracing_opentelemetry::layer().with_tracer(tracer).with_filter(EnvFilter::new(TRACES_FILTER))
    });
    if tracing_subscriber::registry().with(logs).with(traces).try_init().is_err() {
        // A subscriber was already installed: its exporter (if any) is the one in use.
        return Ok(Telemetry { provider: None });
    }
    Ok(Telemetry { provider })
}

fn tracer_provider(endpoint: &str, config: &Config) -> Result<SdkTracerProvider, String> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(endpoint)
        .with_timeout(std::time::Duration::from_secs(5))
        .build()
        .map_err(|e| format!("cannot set up the trace export to {endpoint}: {e}"))?;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(config.otel_service_name.clone())
        .with_attribute(opentelemetry::KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
}
