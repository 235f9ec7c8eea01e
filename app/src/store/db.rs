//! One SQL text, two databases. Queries are written once with `$1, $2, …` placeholders
//! (both SQLite and PostgreSQL accept them) and values bound as [`Arg`]s; [`Db`] and [`Tx`]
//! run them on whichever backend the store was opened with.
//!
//! SQLite gets a read pool and a one-connection write pool: SQLite allows one writer at a
//! time anyway, and queuing writers in the pool avoids `SQLITE_BUSY` on transactions that
//! read before they write.

use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::error::BoxDynError;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{
    Arguments, AssertSqlSafe, ConnectOptions, Database, Executor, FromRow, IntoArguments, Pool, Postgres, Sqlite,
    Transaction,
};
use tracing::Instrument;
use uuid::Uuid;

use super::error::StoreError;
use super::trace::RequestTrace;

/// A value bound to a placeholder. `None` binds a typed NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Uuid(Option<Uuid>),
    Time(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
    Json(Option<serde_json::Value>),
}

macro_rules! arg_from {
    ($variant:ident: $($ty:ty),+) => {$(
        impl From<$ty> for Arg {
            fn from(v: $ty) -> Self { Arg::$variant(Some(v.into())) }
        }
        impl From<Option<$ty>> for Arg {
            fn from(v: Option<$ty>) -> Self { Arg::$variant(v.map(Into::into)) }
        }
    )+};
}
arg_from!(Text: String, &str);
arg_from!(Int: i64, i32, u32);
arg_from!(Float: f64);
arg_from!(Bool: bool);
arg_from!(Uuid: Uuid);
arg_from!(Time: DateTime<Utc>);
arg_from!(Date: NaiveDate);
arg_from!(Json: serde_json::Value);

impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}

impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Arg::Text(v.clone())
    }
}

/// A statement and its values. `name` labels it in traces and timings.
#[derive(Debug, Clone, PartialEq)]
pub struct Sql {
    pub name: &'static str,
    pub text: String,
    pub args: Vec<Arg>,
    /// Kept as a prepared statement on the connection (the default).
    pub prepared: bool,
}

impl Sql {
    pub fn new(name: &'static str, text: impl Into<String>) -> Self {
        Sql { name, text: text.into(), args: Vec::new(), prepared: true }
    }

    /// Planned with its values on every run. PostgreSQL plans a kept statement for any
    /// values once it has run five times (a generic plan); where the best plan depends on
    /// the values — a range from a cursor that is usually a few seconds old — the generic
    /// one can be 100 times slower (a delta pull's check for held-back changes: 0.3 → 33 ms,
    /// probing all 5,000 of a rep's accounts).
    pub fn planned_each_time(self) -> Self {
        Sql { prepared: false, ..self }
    }

    /// Binds the next numbered placeholder already written in the text.
    pub fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Appends text.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn push_bind(&mut self, value: impl Into<Arg>) -> &mut Self {
        self.args.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `(v1, v2, …)` as placeholders (for `IN` lists).
    pub fn push_bind_list<T: Into<Arg>>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self {
        self.push("(");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_bind(value);
        }
        self.push(")")
    }
}

/// A backend we can bind [`Arg`]s for.
pub trait Backend: Database + sqlx::database::HasStatementCache {
    fn arguments(args: &[Arg]) -> Result<Self::Arguments, BoxDynError>;
    fn rows_affected(result: &Self::QueryResult) -> u64;
}

macro_rules! bind_all {
    ($arguments:ty, $args:expr) => {{
        let mut out = <$arguments>::default();
        for arg in $args {
            match arg {
                Arg::Text(v) => out.add(v.clone())?,
                Arg::Int(v) => out.add(*v)?,
                Arg::Float(v) => out.add(*v)?,
                Arg::Bool(v) => out.add(*v)?,
                Arg::Uuid(v) => out.add(*v)?,
                Arg::Time(v) => out.add(*v)?,
                Arg::Date(v) => out.add(*v)?,
                Arg::Json(v) => out.add(v.clone())?,
            }
        }
        Ok(out)
    }};
}

impl Backend for Sqlite {
    fn arguments(args: &[Arg]) -> Result<SqliteArguments, BoxDynError> {
        bind_all!(SqliteArguments, args)
    }
    fn rows_affected(result: &sqlx::sqlite::SqliteQueryResult) -> u64 {
        result.rows_affected()
    }
}

impl Backend for Postgres {
    fn arguments(args: &[Arg]) -> Result<PgArguments, BoxDynError> {
        bind_all!(PgArguments, args)
    }
    fn rows_affected(result: &sqlx::postgres::PgQueryResult) -> u64 {
        result.rows_affected()
    }
}

/// A row type both backends can decode.
pub trait Record: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Record for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

fn arguments<DB: Backend>(sql: &Sql) -> Result<DB::Arguments, sqlx::Error> {
    DB::arguments(&sql.args).map_err(sqlx::Error::Encode)
}

async fn fetch_all_on<'e, DB, E, T>(executor: E, sql: &Sql) -> Result<Vec<T>, sqlx::Error>
where
    DB: Backend,
    DB::Arguments: IntoArguments<DB>,
    E: Executor<'e, Database = DB>,
    T: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    let args = arguments::<DB>(sql)?;
    sqlx::query_as_with::<DB, T, _>(AssertSqlSafe(sql.text.clone()), args)
        .persistent(sql.prepared)
        .fetch_all(executor)
        .await
}

async fn fetch_optional_on<'e, DB, E, T>(executor: E, sql: &Sql) -> Result<Option<T>, sqlx::Error>
where
    DB: Backend,
    DB::Arguments: IntoArguments<DB>,
    E: Executor<'e, Database = DB>,
    T: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    let args = arguments::<DB>(sql)?;
    sqlx::query_as_with::<DB, T, _>(AssertSqlSafe(sql.text.clone()), args)
        .persistent(sql.prepared)
        .fetch_optional(executor)
        .await
}

async fn execute_on<'e, DB, E>(executor: E, sql: &Sql) -> Result<u64, sqlx::Error>
where
    DB: Backend,
    DB::Arguments: IntoArguments<DB>,
    E: Executor<'e, Database = DB>,
{
    let args = arguments::<DB>(sql)?;
    let done = sqlx::query_with::<DB, _>(AssertSqlSafe(sql.text.clone()), args)
        .persistent(sql.prepared)
        .execute(executor)
        .await?;
    Ok(DB::rows_affected(&done))
}

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

impl BackendKind {
    /// The database a URL names, by its scheme (`sqlite:`, `postgres://`, `postgresql://`);
    /// `None` for any other.
    pub fn of_url(url: &str) -> Option<BackendKind> {
        let url = url.trim();
        if url.starts_with("sqlite:") {
            Some(BackendKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(BackendKind::Postgres)
        } else {
            None
        }
    }

    /// `table` (with its alias) read through `index` on SQLite, whose planner picks another
    /// index for a few of our statements (each says which, and what that cost); as it is on
    /// PostgreSQL.
    pub fn indexed_by(self, table: &str, index: &str) -> String {
        match self {
            BackendKind::Sqlite => format!("{table} INDEXED BY {index}"),
            BackendKind::Postgres => table.to_owned(),
        }
    }
}

/// How to open a database.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// `sqlite://path/to/file.db` or `postgres://user:pass@host/db`.
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// PostgreSQL only: run in this schema (tests isolate themselves this way).
    pub pg_schema: Option<String>,
    /// Told about every statement (the server's monitoring).
    pub observer: Option<Arc<dyn QueryObserver>>,
    /// Statements slower than this are reported with their plan.
    pub slow_query: Duration,
}

impl DbOptions {
    pub fn new(url: impl Into<String>) -> Self {
        DbOptions {
            url: url.into(),
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            pg_schema: None,
            observer: None,
            slow_query: Duration::from_millis(100),
        }
    }
}

/// Who wants to know how the database is doing: every statement's name, time and outcome,
/// each wait for a connection, and the slow statements with their plan. The observer keeps
/// the figures (the server's monitoring: its metrics and rolling windows).
pub trait QueryObserver: Send + Sync + std::fmt::Debug {
    fn query(&self, name: &'static str, elapsed: Duration, failed: bool);
    /// A connection taken from `pool` (`read` or `write`), or not, after waiting `elapsed`.
    fn acquired(&self, pool: &'static str, elapsed: Duration, failed: bool);
    fn slow_query(&self, slow: SlowQuery);
}

/// A statement that took longer than [`DbOptions::slow_query`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SlowQuery {
    pub at: DateTime<Utc>,
    pub name: &'static str,
    pub sql: String,
    pub elapsed_ms: f64,
    /// `EXPLAIN QUERY PLAN` (SQLite) or `EXPLAIN` (PostgreSQL), one line per step; empty when
    /// the plan could not be taken (inside a transaction, or explaining failed).
    pub plan: Vec<String>,
}

/// Pool figures for the monitoring.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PoolStats {
    /// `read` and `write` on SQLite, `main` on PostgreSQL.
    pub pool: &'static str,
    pub size: u32,
    pub idle: u32,
    pub max: u32,
    /// Tasks waiting for a connection right now.
    pub waiting: u32,
}

/// The connection pools of one of the two backends.
#[derive(Debug, Clone)]
enum Pools {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// A database: its pools, and who watches its statements.
#[derive(Debug, Clone)]
pub struct Db {
    pools: Pools,
    watch: Watch,
}

#[derive(Debug, Clone)]
struct Watch {
    observer: Option<Arc<dyn QueryObserver>>,
    slow_query: Duration,
    /// The request these statements are run for, when it is being traced.
    trace: Option<RequestTrace>,
    /// Tasks waiting for a connection, per pool (shared by every clone of this database).
    waiting: Arc<Waiting>,
}

#[derive(Debug, Default)]
struct Waiting {
    /// The SQLite read pool, or PostgreSQL's one pool.
    read: AtomicU32,
    write: AtomicU32,
}

impl Waiting {
    fn of(&self, pool: &str) -> &AtomicU32 {
        if pool == "write" { &self.write } else { &self.read }
    }
}

impl Watch {
    /// Runs a statement, timing it for the observer (the metrics), the request's trace and the slow-query log.
    /// Returns its milliseconds too when it was slow.
    async fn timed<T, E>(&self, sql: &Sql, query: impl Future<Output = Result<T, E>>) -> (Result<T, E>, Option<f64>) {
        let started = std::time::Instant::now();
        // Under the request's span even when Leptos runs the read in a task of its own.
        let span = match &self.trace {
            Some(trace) => tracing::debug_span!(parent: trace.span(), "db.query", name = sql.name),
            None => tracing::debug_span!("db.query", name = sql.name),
        };
        let out = query.instrument(span).await;
        let elapsed = started.elapsed();
        if let Some(trace) = &self.trace {
            trace.statement(sql.name, elapsed);
        }
        // No observer: monitoring is off (or a command-line tool), so no metrics either.
        if let Some(observer) = &self.observer {
            observer.query(sql.name, elapsed, out.is_err());
        }
        if elapsed <= self.slow_query {
            return (out, None);
        }
        tracing::warn!(query = sql.name, elapsed_ms = elapsed.as_millis() as u64, "slow query");
        (out, Some(elapsed.as_secs_f64() * 1000.0))
    }

    /// Takes a connection from `pool`, timing the wait for the observer (`pool.acquire` among the statement
    /// figures, `db_pool_acquire_seconds`) and counting the tasks waiting meanwhile.
    async fn acquire<DB: Database>(
        &self,
        name: &'static str,
        pool: &Pool<DB>,
    ) -> Result<PoolConnection<DB>, sqlx::Error> {
        let waiting = self.waiting.of(name);
        waiting.fetch_add(1, Ordering::Relaxed);
        let started = std::time::Instant::now();
        let connection = pool.acquire().await;
        let elapsed = started.elapsed();
        waiting.fetch_sub(1, Ordering::Relaxed);
        if let Some(observer) = &self.observer {
            observer.acquired(name, elapsed, connection.is_err());
        }
        connection
    }

    fn report_slow(&self, sql: &Sql, elapsed_ms: f64, plan: Vec<String>) {
        if let Some(observer) = &self.observer {
            let text: String = sql.text.chars().take(2000).collect();
            observer.slow_query(SlowQuery { at: Utc::now(), name: sql.name, sql: text, elapsed_ms, plan });
        }
    }
}

/// Runs `$run` (a statement on `$conn`) on a connection taken from `$pool`, timed.
macro_rules! on_pool {
    ($db:expr, $pool:expr, $name:expr, $sql:expr, |$conn:ident| $run:expr) => {
        match $db.watch.acquire($name, $pool).await {
            Ok(mut connection) => {
                let $conn = &mut *connection;
                $db.watch.timed($sql, $run).await
            }
            Err(error) => (Err(error), None),
        }
    };
}

macro_rules! on_read {
    ($db:expr, $sql:expr, |$conn:ident| $run:expr) => {
        match &$db.pools {
            Pools::Sqlite { read, .. } => on_pool!($db, read, "read", $sql, |$conn| $run),
            Pools::Postgres(pool) => on_pool!($db, pool, "main", $sql, |$conn| $run),
        }
    };
}

macro_rules! on_write {
    ($db:expr, $sql:expr, |$conn:ident| $run:expr) => {
        match &$db.pools {
            Pools::Sqlite { write, .. } => on_pool!($db, write, "write", $sql, |$conn| $run),
            Pools::Postgres(pool) => on_pool!($db, pool, "main", $sql, |$conn| $run),
        }
    };
}

impl Db {
    /// Opens the database named by `options.url`, creating an SQLite file (and its folder)
    /// when missing.
    pub async fn connect(options: &DbOptions) -> Result<Db, StoreError> {
        let url = options.url.trim();
        match BackendKind::of_url(url) {
            Some(BackendKind::Sqlite) => Self::connect_sqlite(url, options).await,
            Some(BackendKind::Postgres) => Self::connect_postgres(url, options).await,
            None => Err(StoreError::Config(format!(
                "DATABASE_URL must start with sqlite: or postgres:// (got “{}”)",
                redact_url(url)
            ))),
        }
    }

    async fn connect_sqlite(url: &str, options: &DbOptions) -> Result<Db, StoreError> {
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("DATABASE_URL is not a valid SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .disable_statement_logging();
        if let Some(dir) = connect.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create the database folder {}: {e}", dir.display())))?;
        }
        let unreachable = |e: sqlx::Error| StoreError::Unreachable { url: redact_url(url), source: e };
        // Each connection keeps a page cache of its own, on top of the OS's, which all share;
        // and temporary tables (sorts, the team dashboard's groups) stay in files, which the OS
        // caches, not in the server's memory. At 100k accounts, the server's peak over a first
        // copy, Today, search, quick logs and the team dashboard went from 155 to 99 MB with
        // no loss of throughput seen (docs/benchmarks.md). The writer, which updates every index
        // of a table, keeps a larger cache than the readers.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect.clone().pragma("cache_size", "-8192").optimize_on_close(true, 1000))
            .await
            .map_err(unreachable)?;
        let read = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect.read_only(true).pragma("cache_size", "-512"))
            .await
            .map_err(unreachable)?;
        Ok(Db { pools: Pools::Sqlite { read, write }, watch: Watch::from(options) })
    }

    async fn connect_postgres(url: &str, options: &DbOptions) -> Result<Db, StoreError> {
        let mut connect = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("DATABASE_URL is not a valid PostgreSQL URL: {e}")))?
            .disable_statement_logging();
        if let Some(schema) = &options.pg_schema {
            connect = connect.options([("search_path", schema.as_str())]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(|e| StoreError::Unreachable { url: redact_url(url), source: e })?;
        warn_if_autovacuum_is_off(&pool).await;
        Ok(Db { pools: Pools::Postgres(pool), watch: Watch::from(options) })
    }

    /// The same database, adding what it runs to `trace` (one request's tally).
    pub fn traced(&self, trace: RequestTrace) -> Db {
        Db { pools: self.pools.clone(), watch: Watch { trace: Some(trace), ..self.watch.clone() } }
    }

    pub fn trace(&self) -> Option<&RequestTrace> {
        self.watch.trace.as_ref()
    }

    pub fn kind(&self) -> BackendKind {
        match self.pools {
            Pools::Sqlite { .. } => BackendKind::Sqlite,
            Pools::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Brings the schema up to date with the migrations built into this binary.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                sqlx::migrate!("../migrations/sqlite").run(write).await?;
                // Gathers planner statistics where they are missing or stale (cheap when not).
                sqlx::raw_sql("PRAGMA optimize = 0x10002").execute(write).await?;
            }
            Pools::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Refreshes the query planner's statistics, after a bulk load.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                sqlx::raw_sql("PRAGMA analysis_limit = 1000; ANALYZE").execute(write).await?;
            }
            // VACUUM too: rows inserted into a GIN index wait in its pending list, which every
            // search then reads through until autovacuum comes by (a rep's search at 100k
            // organizations: 24 ms just after seeding, 11.5 ms once vacuumed).
            Pools::Postgres(pool) => {
                sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Refreshes the statistics of `tables` only (a bulk write into them is under way).
    pub async fn analyze_tables(&self, tables: &[&'static str]) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                let statements: String = tables.iter().map(|t| format!("ANALYZE {t}; ")).collect();
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PRAGMA analysis_limit = 1000; {statements}")))
                    .execute(write)
                    .await?;
            }
            Pools::Postgres(pool) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("ANALYZE {}", tables.join(", ")))).execute(pool).await?;
            }
        }
        Ok(())
    }

    pub async fn fetch_all<T: Record>(&self, sql: Sql) -> Result<Vec<T>, StoreError> {
        let (out, slow_ms) = on_read!(self, &sql, |conn| fetch_all_on(conn, &sql));
        self.explain_if(slow_ms, sql);
        Ok(out?)
    }

    pub async fn fetch_optional<T: Record>(&self, sql: Sql) -> Result<Option<T>, StoreError> {
        let (out, slow_ms) = on_read!(self, &sql, |conn| fetch_optional_on(conn, &sql));
        self.explain_if(slow_ms, sql);
        Ok(out?)
    }

    pub async fn fetch_one<T: Record>(&self, sql: Sql) -> Result<T, StoreError> {
        let name = sql.name;
        self.fetch_optional(sql).await?.ok_or(StoreError::Database(sqlx::Error::RowNotFound)).inspect_err(|_| {
            tracing::error!(query = name, "query returned no row");
        })
    }

    /// Runs one statement outside a transaction, on the writer.
    pub async fn execute(&self, sql: Sql) -> Result<u64, StoreError> {
        let (out, slow_ms) = on_write!(self, &sql, |conn| execute_on(conn, &sql));
        self.explain_if(slow_ms, sql);
        Ok(out?)
    }

    /// Reports a slow statement with its plan, taken in the background on a reader (no
    /// plan statement changes data) so the request does not wait for it.
    fn explain_if(&self, slow_ms: Option<f64>, sql: Sql) {
        let Some(elapsed_ms) = slow_ms.filter(|_| self.watch.observer.is_some()) else { return };
        let db = self.clone();
        tokio::spawn(async move {
            let plan = db.plan(&sql).await.unwrap_or_else(|e| vec![format!("no plan: {e}")]);
            db.watch.report_slow(&sql, elapsed_ms, plan);
        });
    }

    /// The query plan of a statement, one line per step.
    pub async fn plan(&self, sql: &Sql) -> Result<Vec<String>, StoreError> {
        use sqlx::Row;
        match &self.pools {
            Pools::Sqlite { read, .. } => {
                let text = format!("EXPLAIN QUERY PLAN {}", sql.text);
                let args = arguments::<Sqlite>(sql)?;
                let rows = sqlx::query_with::<Sqlite, _>(AssertSqlSafe(text), args).fetch_all(read).await?;
                Ok(rows.iter().filter_map(|row| row.try_get::<String, _>("detail").ok()).collect())
            }
            Pools::Postgres(pool) => {
                let text = format!("EXPLAIN {}", sql.text);
                let args = arguments::<Postgres>(sql)?;
                let rows = sqlx::query_with::<Postgres, _>(AssertSqlSafe(text), args).fetch_all(pool).await?;
                Ok(rows.iter().filter_map(|row| row.try_get::<String, _>(0).ok()).collect())
            }
        }
    }

    pub fn pool_stats(&self) -> Vec<PoolStats> {
        let stats = |pool: &'static str, size: u32, idle: usize, max: u32| PoolStats {
            pool,
            size,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
            max,
            waiting: self.watch.waiting.of(pool).load(Ordering::Relaxed),
        };
        match &self.pools {
            Pools::Sqlite { read, write } => vec![
                stats("read", read.size(), read.num_idle(), read.options().get_max_connections()),
                stats("write", write.size(), write.num_idle(), write.options().get_max_connections()),
            ],
            Pools::Postgres(pool) => {
                vec![stats("main", pool.size(), pool.num_idle(), pool.options().get_max_connections())]
            }
        }
    }

    /// Starts a transaction on the writer.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let inner = match &self.pools {
            Pools::Sqlite { write, .. } => TxInner::Sqlite(write.begin().await?),
            Pools::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx { inner, watch: self.watch.clone() })
    }

    /// Closes every connection (SQLite checkpoints its WAL on the last close).
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }
}

impl From<&DbOptions> for Watch {
    fn from(options: &DbOptions) -> Self {
        Watch {
            observer: options.observer.clone(),
            slow_query: options.slow_query,
            trace: None,
            waiting: Arc::default(),
        }
    }
}

/// A transaction; dropped without [`Tx::commit`] it rolls back.
pub struct Tx {
    inner: TxInner,
    watch: Watch,
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut $tx.inner {
            TxInner::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            TxInner::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

impl Tx {
    pub async fn fetch_all<T: Record>(&mut self, sql: Sql) -> Result<Vec<T>, StoreError> {
        let watch = self.watch.clone();
        let (out, slow_ms) = on_tx!(self, |conn| watch.timed(&sql, fetch_all_on(conn, &sql)).await);
        self.report_if(slow_ms, &sql);
        Ok(out?)
    }

    pub async fn fetch_optional<T: Record>(&mut self, sql: Sql) -> Result<Option<T>, StoreError> {
        let watch = self.watch.clone();
        let (out, slow_ms) = on_tx!(self, |conn| watch.timed(&sql, fetch_optional_on(conn, &sql)).await);
        self.report_if(slow_ms, &sql);
        Ok(out?)
    }

    pub async fn execute(&mut self, sql: Sql) -> Result<u64, StoreError> {
        let watch = self.watch.clone();
        let (out, slow_ms) = on_tx!(self, |conn| watch.timed(&sql, execute_on(conn, &sql)).await);
        self.report_if(slow_ms, &sql);
        Ok(out?)
    }

    /// A slow statement inside a transaction is reported without a plan: explaining it
    /// would need the transaction's own connection, and the usual cause is waiting for the
    /// writer rather than the plan.
    fn report_if(&self, slow_ms: Option<f64>, sql: &Sql) {
        if let Some(elapsed_ms) = slow_ms {
            self.watch.report_slow(sql, elapsed_ms, Vec::new());
        }
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// Updates leave old row versions in the indexes until a vacuum: without autovacuum, a rep's
/// search at 100k accounts went from 3.0 to 7.9 ms after 16,000 visits were logged (see
/// migration 20261215000001). A server can run so, but its operator should know.
async fn warn_if_autovacuum_is_off(pool: &PgPool) {
    let setting = sqlx::query_as::<_, (String,)>("SELECT current_setting('autovacuum')").fetch_one(pool).await;
    if matches!(setting, Ok((ref on,)) if on == "off") {
        tracing::warn!(
            "PostgreSQL's autovacuum is off: searches and lists slow down as records change, until \
             the database is vacuumed; turn it on (`autovacuum = on`) or run VACUUM regularly"
        );
    }
}

/// The URL with its password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::new("t", "SELECT 1 FROM t WHERE a = $1").bind("x");
        sql.push(" AND b IN ").push_bind_list([1_i64, 2]).push(" AND c = ").push_bind(true);
        assert_eq!(sql.text, "SELECT 1 FROM t WHERE a = $1 AND b IN ($2, $3) AND c = $4");
        assert_eq!(sql.args, vec![Arg::from("x"), Arg::Int(Some(1)), Arg::Int(Some(2)), Arg::Bool(Some(true))]);
    }

    /// `.cargo/config.toml` builds SQLite without its shared page cache and memory statistics:
    /// their process-wide locks were where concurrent readers queued.
    #[tokio::test]
    async fn sqlite_is_built_without_its_process_wide_locks() {
        use sqlx::Connection;
        let mut db = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
        let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options").fetch_all(&mut db).await.unwrap();
        assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "memory statistics are off: {options:?}");
        assert!(!options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"), "one page cache per connection: {options:?}");
        assert!(options.iter().any(|o| o == "ENABLE_FTS5"), "libsqlite3-sys's own options stay: {options:?}");
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact_url("postgres://kp:s3cret@db:5432/kp"), "postgres://kp:***@db:5432/kp");
        assert_eq!(redact_url("postgres://kp@db/kp"), "postgres://kp@db/kp");
        assert_eq!(redact_url("sqlite://data/kp.db"), "sqlite://data/kp.db");
    }
}
