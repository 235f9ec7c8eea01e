//! A server on a free port with its own SQLite database and one account per role, and
//! HTTP clients signed in as each of them.

#![allow(dead_code)]

use std::collections::HashMap;

use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use serde_json::{Value, json};
use server::config::Config;
use server::startup::Application;
use uuid::Uuid;

use app::model::Role;
use app::store::{NewUser, Store};

pub const PASSWORD: &str = "correct horse battery";

/// The accounts every test server has: (key, role). Both reps are managed by the manager.
pub const ACCOUNTS: &[(&str, Role)] = &[
    ("admin", Role::Admin),
    ("manager", Role::Manager),
    ("rep1", Role::SalesRep),
    ("rep2", Role::SalesRep),
    ("viewer", Role::ReadOnly),
];

pub struct TestApp {
    pub base: String,
    /// Signed in as the admin.
    pub client: reqwest::Client,
    pub store: Store,
    pub users: HashMap<&'static str, Uuid>,
    /// The server's monitoring, to inject measurements.
    pub monitoring: server::monitoring::Monitoring,
    /// The server's alert engine, for tests to run rounds with their own clock.
    pub alerts: server::alerting::AlertEngine,
    pub config: Config,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

pub fn email(key: &str) -> String {
    format!("{key}@example.test")
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|config| config).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(Config) -> Config) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = tweak(Config::for_database(format!("sqlite://{}", dir.path().join("http.db").display())));
        Self::start(config, dir).await
    }

    /// The same server on PostgreSQL, in a fresh schema of the `TEST_POSTGRES_URL` database,
    /// or `None` (the test is skipped) when that is not set.
    pub async fn spawn_on_postgres() -> Option<TestApp> {
        let url = std::env::var("TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())?;
        let schema = format!("kp_http_{}", Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(&url).await.expect("connect to TEST_POSTGRES_URL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&admin).await.expect("schema");
        admin.close().await;
        let config = Config { database_schema: Some(schema), ..Config::for_database(url) };
        Some(Self::start(config, tempfile::tempdir().expect("temp dir")).await)
    }

    /// Runs `test` on PostgreSQL, or says it was skipped when `TEST_POSTGRES_URL` is not set.
    pub async fn on_postgres(test: impl AsyncFnOnce(&TestApp)) {
        match Self::spawn_on_postgres().await {
            Some(app) => test(&app).await,
            None => eprintln!("skipped: TEST_POSTGRES_URL is not set (.ci/run sets it)"),
        }
    }

    async fn start(config: Config, dir: tempfile::TempDir) -> TestApp {
        Self::start_with_users(config, dir, None).await
    }

    /// A second instance on this one's database (its accounts included), with `tweak`
    /// applied to this one's configuration.
    pub async fn spawn_beside(&self, tweak: impl FnOnce(Config) -> Config) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_with_users(tweak(self.config.clone()), dir, Some(self.users.clone())).await
    }

    async fn start_with_users(
        config: Config,
        dir: tempfile::TempDir,
        users: Option<HashMap<&'static str, Uuid>>,
    ) -> TestApp {
        let app = Application::build(&config).await.expect("build the app");
        let store = app.store().clone();
        let monitoring = app.monitoring().clone();
        let alerts = app.alerts().clone();
        let base = format!("http://{}", app.local_addr());
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stop.await;
        }));
        let users = match users {
            Some(users) => users,
            None => Self::create_accounts(&store).await,
        };
        let mut app = TestApp {
            base,
            client: anonymous(),
            store,
            users,
            monitoring,
            alerts,
            config,
            shutdown: Some(shutdown),
            _dir: dir,
        };
        app.client = app.signed_in("admin").await;
        app
    }

    /// One account per role of [`ACCOUNTS`], all with [`PASSWORD`].
    async fn create_accounts(store: &Store) -> HashMap<&'static str, Uuid> {
        let hash = app::auth::hash_password(PASSWORD.into()).await.expect("hash");
        let mut users = HashMap::new();
        for (key, role) in ACCOUNTS {
            let user = NewUser {
                id: Uuid::now_v7(),
                email: email(key),
                full_name: format!("Test {key}"),
                role: *role,
                manager_id: None,
                territory: None,
            };
            let id = store.create_user(user).await.expect("user").id;
            store.set_password_hash(id, Some(&hash)).await.expect("password");
            users.insert(*key, id);
        }
        users
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn user(&self, key: &str) -> Uuid {
        self.users[key]
    }

    /// A client with its own cookie jar, signed in as `key` through the JSON API.
    pub async fn signed_in(&self, key: &str) -> reqwest::Client {
        self.signed_in_with(&email(key), PASSWORD).await.unwrap_or_else(|| panic!("{key} signs in"))
    }

    /// A client signed in with these credentials, or `None` when sign-in is refused.
    pub async fn signed_in_with(&self, email: &str, password: &str) -> Option<reqwest::Client> {
        let client = cookie_client();
        let response = client
            .post(self.url("/api/v1/session"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("sign in");
        (response.status() == StatusCode::OK).then_some(client)
    }

    pub async fn call(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = client.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let value = response.json::<Value>().await.unwrap_or(Value::Null);
        (status, value)
    }

    pub async fn json(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call(&self.client, method, path, body).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.json(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.json(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.json(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub async fn page_as(&self, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
        let response = client.get(self.url(path)).header(ACCEPT, "text/html").send().await.expect("page");
        let status = response.status();
        (status, response.text().await.expect("body"))
    }

    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        self.page_as(&self.client, path).await
    }

    pub async fn create_organization(&self, body: Value) -> Value {
        let (status, org) = self.post("/api/v1/organizations", body).await;
        assert_eq!(status, StatusCode::CREATED, "{org}");
        org
    }
}

/// A client that keeps cookies and does not follow redirects (tests look at them).
pub fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// A client with no cookies at all.
pub fn anonymous() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
