//! Configuration: command-line flags, each with an environment variable and a default that
//! works on a fresh machine (SQLite under `data/`, port 3000).

use std::net::SocketAddr;
use std::path::PathBuf;

use app::store::BackendKind;
use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "kitchen-pantry", version, about = "Kitchen Pantry CRM: the web server and its maintenance commands")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the app (the default).
    Serve,
    /// Migrate the database and exit.
    Migrate,
    /// Generate a large realistic data set into the database (for benchmarks and demos).
    Seed(SeedArgs),
    /// Manage accounts from the command line (the first administrator, a forgotten password).
    #[command(subcommand)]
    User(UserCommand),
    /// Serve a fixed body from a bare axum handler on LEPTOS_SITE_ADDR: the machine's ceiling,
    /// which `make bench` measures beside the app so its figures can be read as ratios.
    Ceiling,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input (one line).
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, manager, sales_rep or read_only.
        #[arg(long, value_parser = parse_role)]
        role: app::model::Role,
    },
    /// Set an account's password, read from standard input (one line); its sessions end.
    SetPassword {
        #[arg(long)]
        email: String,
    },
}

fn parse_role(value: &str) -> Result<app::model::Role, String> {
    value.parse().map_err(|_| format!("“{value}” is not a role: use admin, manager, sales_rep or read_only"))
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// `sqlite://path/file.db` (created when missing) or `postgres://user:password@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/kitchen-pantry.db", global = true)]
    pub database_url: String,

    /// Connections in the pool (readers, for SQLite; SQLite always has one writer).
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=200), global = true)]
    pub database_max_connections: u32,

    /// PostgreSQL only: the schema to keep the tables in (it must exist), for several
    /// installations or test runs in one database. The default is the user's search path.
    #[arg(long, env = "DATABASE_SCHEMA", global = true)]
    pub database_schema: Option<String>,

    /// The address to serve on (port 0 picks a free port).
    #[arg(long = "addr", env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// The folder the build wrote the site into (`pkg/` with the WASM, JS and CSS, plus `public/` files).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// What to log, as a tracing filter (`info`, `debug`, `kitchen_pantry=debug,sqlx=warn`, …).
    #[arg(long, env = "LOG_LEVEL", default_value = "info,sqlx=warn,tower_http=info", global = true)]
    pub log_level: String,

    /// Log lines as human-readable text or as JSON (for log collectors).
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// An OpenTelemetry collector's OTLP/HTTP address (`http://collector:4318`): request and
    /// database spans are sent to `{address}/v1/traces`. Unset: no trace export.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", global = true)]
    pub otlp_endpoint: Option<String>,

    /// The service name the traces carry.
    #[arg(long, env = "OTEL_SERVICE_NAME", default_value = "kitchen-pantry", global = true)]
    pub otel_service_name: String,

    /// Seed the demo data set on first start (an empty database).
    #[arg(long, env = "DEMO_DATA", default_value_t = false, action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub demo_data: bool,

    /// The password of the demo accounts (demo mode only; no other account has a known password).
    #[arg(long, env = "DEMO_PASSWORD", default_value = "pantry-demo", hide_env_values = true)]
    pub demo_password: String,

    /// The address people reach the app at, when it differs from the listening address
    /// (behind a proxy). `https://…` marks cookies Secure and sends HSTS.
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Sign-in attempts allowed from one address per 10 minutes.
    #[arg(long, env = "RATE_LIMIT_SIGN_INS", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_sign_ins: u32,

    /// Changes (POST, PUT, PATCH, DELETE) allowed per user per minute.
    #[arg(long, env = "RATE_LIMIT_WRITES", default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_writes: u32,

    /// Searches allowed per user per minute.
    #[arg(long, env = "RATE_LIMIT_SEARCHES", default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_searches: u32,

    /// Web vitals beacons allowed per user (or address) per minute.
    #[arg(long, env = "RATE_LIMIT_BEACONS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_beacons: u32,

    /// A bearer token that opens `GET /metrics` to Prometheus from any address.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Addresses that may read `GET /metrics` without the token (comma-separated).
    #[arg(long, env = "METRICS_ALLOW", default_value = "127.0.0.1,::1", value_delimiter = ',')]
    pub metrics_allow: Vec<std::net::IpAddr>,

    /// Seconds a request may take before it is answered with 408.
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub request_timeout_secs: u64,

    /// Measure requests and database statements (metrics, windows, error tracking). Off only
    /// to measure what measuring costs (`make bench`).
    #[arg(long, env = "MONITORING", default_value_t = true, action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub monitoring: bool,

    /// Seconds a cached organization list page may be served (0 turns the cache off).
    #[arg(long, env = "CACHE_TTL_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub cache_ttl_secs: u64,

    /// Most list pages kept in the in-process cache.
    #[arg(long, env = "CACHE_MAX_ENTRIES", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub cache_max_entries: u64,

    /// Redis for the shared cache (L2) of every instance, e.g. `redis://127.0.0.1:6379`.
    /// Unset: each instance caches in its memory only.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,

    /// Prefix of this installation's Redis keys and channel (several installations on one Redis).
    #[arg(long, env = "REDIS_KEY_PREFIX", default_value = "kitchen-pantry")]
    pub redis_key_prefix: String,

    /// How often the alert rules are evaluated (seconds); 0 turns the alert engine off.
    #[arg(long, env = "ALERT_EVALUATE_SECS", default_value_t = 30)]
    pub alert_evaluate_secs: u64,

    /// The hour (0–23, UTC) the daily digest of yesterday goes out; unset: no digest.
    #[arg(long, env = "ALERT_DIGEST_HOUR", value_parser = clap::value_parser!(u32).range(0..24))]
    pub alert_digest_hour: Option<u32>,

    /// Alert notifications are posted here as JSON.
    #[arg(long, env = "ALERT_WEBHOOK_URL")]
    pub alert_webhook_url: Option<String>,

    /// Signs webhook posts: `X-Kitchen-Pantry-Signature: sha256=<HMAC-SHA256 of the body, hex>`.
    #[arg(long, env = "ALERT_WEBHOOK_SECRET", hide_env_values = true)]
    pub alert_webhook_secret: Option<String>,

    /// A Slack incoming webhook for alert notifications.
    #[arg(long, env = "ALERT_SLACK_WEBHOOK_URL", hide_env_values = true)]
    pub alert_slack_webhook_url: Option<String>,

    /// The mail server for alert emails: smtp://host:25, smtp://host:587?tls=required (STARTTLS)
    /// or smtps://user:password@host:465.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of alert emails.
    #[arg(long, env = "ALERT_EMAIL_FROM", default_value = "Kitchen Pantry CRM <alerts@localhost>")]
    pub alert_email_from: String,

    /// Who gets alert emails, separated by commas.
    #[arg(long, env = "ALERT_EMAIL_TO")]
    pub alert_email_to: Option<String>,

    /// Database statements slower than this (ms) are logged and kept with their plan.
    #[arg(long, env = "SLOW_QUERY_MS", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub slow_query_ms: u64,

    /// `/health` says degraded when the p95 response time over 5 minutes passes this (ms).
    #[arg(long, env = "HEALTH_DEGRADED_P95_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub health_degraded_p95_ms: u64,

    /// `/health` says unhealthy (503) past this p95 response time (ms).
    #[arg(long, env = "HEALTH_UNHEALTHY_P95_MS", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
    pub health_unhealthy_p95_ms: u64,

    /// `/health` says degraded when more than this percentage of requests fail (5xx) over 5 minutes.
    #[arg(long, env = "HEALTH_DEGRADED_ERROR_PERCENT", default_value_t = 1.0)]
    pub health_degraded_error_percent: f64,

    /// `/health` says unhealthy (503) past this percentage of failed requests.
    #[arg(long, env = "HEALTH_UNHEALTHY_ERROR_PERCENT", default_value_t = 5.0)]
    pub health_unhealthy_error_percent: f64,

    /// `/health` says unhealthy when the server's resident memory passes this many MiB (unset: no limit).
    #[arg(long, env = "MEMORY_LIMIT_MB", value_parser = clap::value_parser!(u64).range(1..))]
    pub memory_limit_mb: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// Organizations to create.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..=5_000_000))]
    pub organizations: u32,
    /// Contacts per organization, on average.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=20))]
    pub contacts_per_organization: u32,
    /// Interactions in all (spread over the last year).
    #[arg(long, default_value_t = 1_000_000)]
    pub interactions: u32,
    /// Opportunities in all.
    #[arg(long, default_value_t = 50_000)]
    pub opportunities: u32,
    /// Sales reps the organizations are shared between (created when missing).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub reps: u32,
    /// Random seed: the same seed makes the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// A configuration the server cannot start with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("DATABASE_URL must start with sqlite: or postgres:// (got “{0}”)")]
    DatabaseUrl(String),
    #[error("LOG_LEVEL “{0}” is not a valid filter: {1}")]
    LogLevel(String, String),
    #[error("PUBLIC_URL must be an http:// or https:// address such as https://crm.example.com (got “{0}”)")]
    PublicUrl(String),
    #[error("DATABASE_SCHEMA must be a plain name of letters, digits and underscores (got “{0}”)")]
    DatabaseSchema(String),
    #[error("DEMO_PASSWORD must have at least 8 characters")]
    DemoPassword,
    #[error("{0}")]
    Alerting(String),
    #[error("{0}")]
    HealthThresholds(String),
    #[error("REDIS_URL must be a redis:// or rediss:// address such as redis://127.0.0.1:6379 (got “{0}”)")]
    RedisUrl(String),
    #[error(
        "OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// address such as http://127.0.0.1:4318 (got “{0}”)"
    )]
    OtlpEndpoint(String),
    #[error("REDIS_KEY_PREFIX must be letters, digits, '-', '_' or ':' (got “{0}”)")]
    RedisKeyPrefix(String),
}

impl Config {
    /// The database `DATABASE_URL` names, by its scheme; None for one the server cannot open.
    pub fn backend(&self) -> Option<BackendKind> {
        BackendKind::of_url(&self.database_url)
    }

    /// Checks what clap cannot: the shape of the database URL and the log filter.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.backend().is_none() {
            return Err(ConfigError::DatabaseUrl(app::store::db::redact_url(self.database_url.trim())));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log_level)
            .map_err(|e| ConfigError::LogLevel(self.log_level.clone(), e.to_string()))?;
        if let Some(schema) = &self.database_schema
            && (schema.is_empty() || !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(ConfigError::DatabaseSchema(schema.clone()));
        }
        if let Some(url) = &self.public_url {
            let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
            if rest.is_none_or(|host| host.trim_end_matches('/').is_empty() || host.contains(char::is_whitespace)) {
                return Err(ConfigError::PublicUrl(url.clone()));
            }
        }
        if self.demo_data && self.demo_password.chars().count() < 8 {
            return Err(ConfigError::DemoPassword);
        }
        self.check_health_thresholds()?;
        crate::alerting::channels::Channels::new(&self.alert_channel_settings()).map_err(ConfigError::Alerting)?;
        if let Some(url) = self.redis_url.as_deref().filter(|u| !u.trim().is_empty())
            && !(url.starts_with("redis://") || url.starts_with("rediss://") || url.starts_with("redis+unix://"))
        {
            return Err(ConfigError::RedisUrl(app::store::db::redact_url(url)));
        }
        if let Some(endpoint) = self.otlp_endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty())
            && !(endpoint.starts_with("http://") || endpoint.starts_with("https://"))
        {
            return Err(ConfigError::OtlpEndpoint(endpoint.to_owned()));
        }
        let prefix = &self.redis_key_prefix;
        if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_alphanumeric() || "-_:".contains(c)) {
            return Err(ConfigError::RedisKeyPrefix(prefix.clone()));
        }
        Ok(())
    }

    /// Where traces go: the collector's address with the OTLP traces path.
    pub fn otlp_traces_endpoint(&self) -> Option<String> {
        let base = self.otlp_endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty())?;
        Some(format!("{}/v1/traces", base.trim_end_matches('/')))
    }

    /// The shared cache's settings, when `REDIS_URL` is set (and the cache is on).
    pub fn shared_cache(&self) -> Option<app::store::SharedCacheSettings> {
        let url = self.redis_url.as_deref().map(str::trim).filter(|u| !u.is_empty())?;
        (self.cache_ttl_secs > 0).then(|| app::store::SharedCacheSettings {
            url: url.to_owned(),
            prefix: self.redis_key_prefix.clone(),
            ttl: std::time::Duration::from_secs(self.cache_ttl_secs),
            timeout: std::time::Duration::from_millis(250),
        })
    }

    fn check_health_thresholds(&self) -> Result<(), ConfigError> {
        let (degraded, unhealthy) = (self.health_degraded_error_percent, self.health_unhealthy_error_percent);
        for (name, value) in
            [("HEALTH_DEGRADED_ERROR_PERCENT", degraded), ("HEALTH_UNHEALTHY_ERROR_PERCENT", unhealthy)]
        {
            if !(value > 0.0 && value <= 100.0) {
                return Err(ConfigError::HealthThresholds(format!(
                    "{name} must be a percentage above 0 and at most 100 (got {value})"
                )));
            }
        }
        if degraded >= unhealthy {
            return Err(ConfigError::HealthThresholds(format!(
                "HEALTH_DEGRADED_ERROR_PERCENT ({degraded}) must be below HEALTH_UNHEALTHY_ERROR_PERCENT ({unhealthy})"
            )));
        }
        if self.health_degraded_p95_ms >= self.health_unhealthy_p95_ms {
            return Err(ConfigError::HealthThresholds(format!(
                "HEALTH_DEGRADED_P95_MS ({}) must be below HEALTH_UNHEALTHY_P95_MS ({})",
                self.health_degraded_p95_ms, self.health_unhealthy_p95_ms
            )));
        }
        Ok(())
    }

    /// Where alert notifications may go (empty settings are unset).
    pub fn alert_channel_settings(&self) -> crate::alerting::channels::ChannelSettings {
        let set = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        crate::alerting::channels::ChannelSettings {
            webhook_url: set(&self.alert_webhook_url),
            webhook_secret: set(&self.alert_webhook_secret),
            slack_webhook_url: set(&self.alert_slack_webhook_url),
            smtp_url: set(&self.smtp_url),
            email_from: self.alert_email_from.trim().to_owned(),
            email_to: set(&self.alert_email_to),
        }
    }

    pub fn health_thresholds(&self) -> crate::monitoring::health::HealthThresholds {
        crate::monitoring::health::HealthThresholds {
            degraded_p95_ms: self.health_degraded_p95_ms as f64,
            unhealthy_p95_ms: self.health_unhealthy_p95_ms as f64,
            degraded_error_rate: self.health_degraded_error_percent / 100.0,
            unhealthy_error_rate: self.health_unhealthy_error_percent / 100.0,
            memory_limit_bytes: self.memory_limit_mb.map(|mb| mb << 20),
            ..Default::default()
        }
    }

    /// Whether people reach the app over HTTPS (Secure cookies, HSTS).
    pub fn https(&self) -> bool {
        self.public_url.as_deref().is_some_and(|url| url.starts_with("https://"))
    }

    pub fn limit_settings(&self) -> app::auth::LimitSettings {
        app::auth::LimitSettings {
            sign_ins_per_10_minutes: self.rate_limit_sign_ins,
            writes_per_minute: self.rate_limit_writes,
            searches_per_minute: self.rate_limit_searches,
            beacons_per_minute: self.rate_limit_beacons,
        }
    }

    /// A configuration for tests and tools: an ephemeral port, the given database.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Config {
            database_url: database_url.into(),
            database_max_connections: 4,
            database_schema: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            site_root: PathBuf::from("target/site"),
            log_level: "warn".into(),
            log_format: LogFormat::Text,
            demo_data: false,
            demo_password: "pantry-demo".into(),
            public_url: None,
            rate_limit_sign_ins: 20,
            rate_limit_writes: 300,
            rate_limit_searches: 120,
            rate_limit_beacons: 60,
            metrics_token: None,
            metrics_allow: vec![std::net::IpAddr::from([127, 0, 0, 1])],
            request_timeout_secs: 30,
            cache_ttl_secs: 30,
            cache_max_entries: 10_000,
            redis_url: None,
            redis_key_prefix: "kitchen-pantry".into(),
            otlp_endpoint: None,
            otel_service_name: "kitchen-pantry".into(),
            monitoring: true,
            alert_evaluate_secs: 30,
            alert_digest_hour: None,
            alert_webhook_url: None,
            alert_webhook_secret: None,
            alert_slack_webhook_url: None,
            smtp_url: None,
            alert_email_from: "Kitchen Pantry CRM <alerts@localhost>".into(),
            alert_email_to: None,
            slow_query_ms: 100,
            health_degraded_p95_ms: 1000,
            health_unhealthy_p95_ms: 2000,
            health_degraded_error_percent: 1.0,
            health_unhealthy_error_percent: 5.0,
            memory_limit_mb: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("kitchen-pantry").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_need_no_setup() {
        // Flags, not the environment, so the test does not depend on the shell it runs in.
        let cli = parse(&["--database-url", "sqlite://data/kitchen-pantry.db", "--addr", "127.0.0.1:3000"]).unwrap();
        assert!(cli.command.is_none());
        assert!(cli.config.validate().is_ok());
    }

    #[test]
    fn bad_values_are_refused_with_the_setting_named() {
        let err = parse(&["--addr", "localhost"]).unwrap_err().to_string();
        assert!(err.contains("--addr"), "{err}");
        let err = parse(&["--demo-data", "maybe"]).unwrap_err().to_string();
        assert!(err.contains("--demo-data"), "{err}");
        let config = Config::for_database("mysql://x");
        assert_eq!(
            config.validate().unwrap_err().to_string(),
            "DATABASE_URL must start with sqlite: or postgres:// (got “mysql://x”)"
        );
        let config = Config { log_level: "info,=[".into(), ..Config::for_database("sqlite://x.db") };
        assert!(config.validate().unwrap_err().to_string().starts_with("LOG_LEVEL"));
        let config = Config { database_schema: Some("kp; drop".into()), ..Config::for_database("postgres://x/y") };
        assert!(config.validate().unwrap_err().to_string().starts_with("DATABASE_SCHEMA"));
        let config = Config { public_url: Some("crm.example.com".into()), ..Config::for_database("sqlite://x.db") };
        assert!(config.validate().unwrap_err().to_string().starts_with("PUBLIC_URL"));
        let config = Config { demo_data: true, demo_password: "short".into(), ..Config::for_database("sqlite://x.db") };
        assert!(config.validate().unwrap_err().to_string().starts_with("DEMO_PASSWORD"));
        let config = Config { health_degraded_p95_ms: 3000, ..Config::for_database("sqlite://x.db") };
        assert!(config.validate().unwrap_err().to_string().starts_with("HEALTH_DEGRADED_P95_MS (3000) must be below"));
        let config = Config { health_unhealthy_error_percent: 150.0, ..Config::for_database("sqlite://x.db") };
        assert!(config.validate().unwrap_err().to_string().starts_with("HEALTH_UNHEALTHY_ERROR_PERCENT must be"));
    }

    #[test]
    fn redis_and_trace_export_settings_are_checked() {
        let base = || Config::for_database("sqlite://x.db");
        let config = Config { redis_url: Some("http://cache:6379".into()), ..base() };
        assert!(config.validate().unwrap_err().to_string().starts_with("REDIS_URL"));
        let config = Config { redis_url: Some("redis://:s3cret@cache:6379".into()), ..base() };
        assert!(config.validate().is_ok());
        assert_eq!(config.shared_cache().map(|s| s.url), Some("redis://:s3cret@cache:6379".to_owned()));
        let config = Config { cache_ttl_secs: 0, ..config };
        assert_eq!(config.shared_cache(), None, "no shared cache when caching is off");
        let config = Config { redis_key_prefix: "kp prod".into(), ..base() };
        assert!(config.validate().unwrap_err().to_string().starts_with("REDIS_KEY_PREFIX"));
        let config = Config { otlp_endpoint: Some("collector:4318".into()), ..base() };
        assert!(config.validate().unwrap_err().to_string().starts_with("OTEL_EXPORTER_OTLP_ENDPOINT"));
        let config = Config { otlp_endpoint: Some("http://collector:4318/".into()), ..base() };
        assert_eq!(config.otlp_traces_endpoint().as_deref(), Some("http://collector:4318/v1/traces"));
        assert_eq!(base().otlp_traces_endpoint(), None);
    }

    #[test]
    fn https_is_known_from_the_public_url() {
        let config =
            Config { public_url: Some("https://crm.example.com".into()), ..Config::for_database("sqlite://x") };
        assert!(config.validate().is_ok() && config.https());
        assert!(!Config::for_database("sqlite://x").https());
    }

    #[test]
    fn seed_sizes_are_bounded() {
        let cli = parse(&["seed", "--organizations", "500", "--reps", "3"]).unwrap();
        match cli.command {
            Some(Command::Seed(args)) => assert_eq!((args.organizations, args.reps), (500, 3)),
            other => panic!("expected seed, got {other:?}"),
        }
        assert!(parse(&["seed", "--organizations", "0"]).is_err());
        assert!(parse(&["user", "add", "--email", "a@b.test", "--name", "A", "--role", "admin"]).is_ok());
        let err = parse(&["user", "add", "--email", "a@b.test", "--name", "A", "--role", "boss"]).unwrap_err();
        assert!(err.to_string().contains("not a role"), "{err}");
        assert!(matches!(parse(&["ceiling"]).map(|cli| cli.command), Ok(Some(Command::Ceiling))));
    }
}
