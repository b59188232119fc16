//! `spawn_app()`: the real server on a random port with a fresh database per test.
//!
//! Backend: SQLite in a temp file by default; PostgreSQL when `TEST_DATABASE_URL` points at a server
//! (`postgres://user@host:port/postgres`): each test then gets its own `CREATE DATABASE`.

use api::auth::Role;
use api::config::{LogFormat, Settings};
use api::schema::AppState;
use api::startup::Application;
use infra::db::TenantId;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::LazyLock;

static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var("TEST_LOG").is_ok() {
        api::telemetry::init_subscriber("debug,sqlx=warn", LogFormat::Pretty, std::io::stdout);
    }
});

/// A running server for one test.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The bound port.
    pub port: u16,
    /// HTTP client.
    pub client: reqwest::Client,
    /// Shared services (to mint tokens).
    pub state: AppState,
    /// The settings the app was built with.
    pub settings: Settings,
    handle: actix_web::dev::ServerHandle,
}

/// A fresh database URL: a new PostgreSQL database or a new SQLite file.
pub async fn fresh_database(data_dir: &std::path::Path) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            let name = format!("t_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(base.as_str()).await.expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            let (prefix, _) = base.rsplit_once('/').expect("TEST_DATABASE_URL has a database path");
            format!("{prefix}/{name}")
        }
        _ => format!("sqlite://{}?mode=rwc", data_dir.join("test.sqlite").display()),
    }
}

/// A fresh temp directory.
pub fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("ntin-desk-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

/// Test settings: port 0, a fresh database, a random JWT secret.
pub async fn test_settings() -> Settings {
    let data_dir = temp_dir();
    Settings {
        database_url: fresh_database(&data_dir).await,
        bind: "127.0.0.1:0".into(),
        jwt_secret: format!("test-secret-{}-{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4()).into(),
        data_dir,
        nct_base_url: None,
        redis_url: None,
        log_format: LogFormat::Pretty,
        demo: false,
        job_concurrency: 8,
    }
}

/// Starts the app with default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_settings().await).await
}

/// Starts the app with the given settings.
pub async fn spawn_app_with(settings: Settings) -> TestApp {
    LazyLock::force(&TRACING);
    let app = Application::build(&settings).await.expect("build app");
    let port = app.port();
    let state = app.state().clone();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::new(),
        state,
        settings,
        handle,
    }
}

impl TestApp {
    /// Posts a GraphQL request and returns the JSON body (any status).
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("send").json().await.expect("json body")
    }

    /// Like [`TestApp::gql`], asserting there are no top-level errors, and returning `data`.
    pub async fn gql_ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.gql(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// An admin token.
    pub fn admin_token(&self) -> String {
        self.state.tokens.mint(Role::Admin, None, "test-admin", 3600).expect("mint")
    }

    /// A token of `role` for `tenant`.
    pub fn token(&self, tenant: TenantId, role: Role) -> String {
        self.state.tokens.mint(role, Some((tenant, 0)), "test-user", 3600).expect("mint")
    }

    /// Creates a tenant through the API; returns its ID and an owner token.
    pub async fn new_tenant(&self, name: &str) -> (TenantId, String) {
        let data = self
            .gql_ok(
                Some(&self.admin_token()),
                "mutation($n:String!){ createTenant(input:{name:$n, segment:SMALL_MICRO_BUSINESS}){ tenant{ id } ownerToken userErrors{ message } } }",
                json!({"n": name}),
            )
            .await;
        let token = data["createTenant"]["ownerToken"].as_str().expect("owner token").to_owned();
        let ctx = self.state.tokens.verify(&token).await.expect("verify");
        (ctx.tenant.expect("tenant"), token)
    }

    /// Creates a catalog for the token's tenant; returns its global ID.
    pub async fn new_catalog(&self, token: &str, name: &str) -> String {
        let data = self
            .gql_ok(
                Some(token),
                "mutation($n:String!){ createCatalog(input:{name:$n}){ catalog{ id } userErrors{ message } } }",
                json!({"n": name}),
            )
            .await;
        data["createCatalog"]["catalog"]["id"].as_str().expect("catalog id").to_owned()
    }

    /// Imports `content` in `format` into a catalog; returns the payload.
    pub async fn import(&self, token: &str, catalog: &str, format: &str, content: &str) -> Value {
        let data = self
            .gql_ok(
                Some(token),
                "mutation($c:ID!,$f:ImportFormatInput!,$x:String){ importCatalog(input:{catalogId:$c, format:$f, content:$x}){ created updated unchanged rejected rowErrors{ row code message } userErrors{ field code message } } }",
                json!({"c": catalog, "f": format, "x": content}),
            )
            .await;
        data["importCatalog"].clone()
    }

    /// Stops the server.
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// GS1 check digit (test-side, independent of the domain code).
pub fn check_digit(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// Appends a check digit.
pub fn with_check(body: &str) -> String {
    format!("{body}{}", check_digit(body))
}
