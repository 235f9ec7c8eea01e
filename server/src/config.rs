//! Configuration: command-line flags, each with an environment variable and a default that
//! works on a fresh machine (SQLite under `data/`, port 3000).

use std::net::SocketAddr;
use std::path::PathBuf;

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
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// `sqlite://path/file.db` (created when missing) or `postgres://user:password@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/kitchen-pantry.db", global = true)]
    pub database_url: String,

    /// Connections in the pool (readers, for SQLite; SQLite always has one writer).
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=200), global = true)]
    pub database_max_connections: u32,

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

    /// Seed the demo data set on first start (an empty database).
    #[arg(long, env = "DEMO_DATA", default_value_t = false, action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub demo_data: bool,

    /// Seconds a request may take before it is answered with 408.
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub request_timeout_secs: u64,
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
}

impl Config {
    /// Checks what clap cannot: the shape of the database URL and the log filter.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = self.database_url.trim();
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ConfigError::DatabaseUrl(app::store::db::redact_url(url)));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log_level)
            .map_err(|e| ConfigError::LogLevel(self.log_level.clone(), e.to_string()))?;
        Ok(())
    }

    /// A configuration for tests and tools: an ephemeral port, the given database.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Config {
            database_url: database_url.into(),
            database_max_connections: 4,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            site_root: PathBuf::from("target/site"),
            log_level: "warn".into(),
            log_format: LogFormat::Text,
            demo_data: false,
            request_timeout_secs: 30,
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
    }

    #[test]
    fn seed_sizes_are_bounded() {
        let cli = parse(&["seed", "--organizations", "500", "--reps", "3"]).unwrap();
        match cli.command {
            Some(Command::Seed(args)) => assert_eq!((args.organizations, args.reps), (500, 3)),
            other => panic!("expected seed, got {other:?}"),
        }
        assert!(parse(&["seed", "--organizations", "0"]).is_err());
    }
}
