//! `spawn_app()`: the real server on a random port with a fresh database per test.
//!
//! Backend: SQLite in a temp file by default; PostgreSQL when `TEST_DATABASE_URL` points at a server
//! (`postgres://user@host:port/postgres`): each test then gets its own `CREATE DATABASE`.

use domain::tenant::Role;
use api::config::{LogFormat, Settings};
use api::schema::AppState;
use api::startup::Application;
use domain::tenant::TenantId;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use nct_sim::{SimConfig, SimHandle};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

/// Everything the servers of this test binary log, at trace level for our crates, so tests can prove a
/// secret never reaches a log line. `TEST_LOG=1` prints to stdout instead.
pub static LOGS: LazyLock<Arc<Mutex<Vec<u8>>>> = LazyLock::new(|| Arc::new(Mutex::new(Vec::new())));

#[derive(Clone)]
struct LogSink;

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut l) = LOGS.lock() {
            l.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var("TEST_LOG").is_ok() {
        api::telemetry::init_subscriber("debug,sqlx=warn", LogFormat::Pretty, std::io::stdout);
    } else {
        api::telemetry::init_subscriber("warn,api=trace,infra=trace,tracing_actix_web=info", LogFormat::Json, || LogSink);
    }
});

/// The captured logs as text.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().map(|l| l.clone()).unwrap_or_default()).into_owned()
}

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
    /// The NCT simulator this app talks to.
    pub sim: Arc<SimHandle>,
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// A simulator config for tests: small seed, fast clock, no latency, no limit.
pub fn test_sim_config() -> SimConfig {
    SimConfig {
        seed_size: 5_000,
        working_day: Duration::from_millis(200),
        ..SimConfig::default()
    }
}

/// How tests follow NCT requests: fast, on the simulator's 200 ms working day.
pub fn test_follow() -> domain::card::FollowPolicy {
    domain::card::FollowPolicy {
        first: Duration::from_millis(40),
        cap: Duration::from_millis(300),
        seller: Duration::from_millis(800),
        working_hours: false,
        auto_publish_grace: Duration::from_secs(3),
    }
}

/// Starts a simulator.
pub async fn start_sim(cfg: SimConfig) -> Arc<SimHandle> {
    Arc::new(nct_sim::start(cfg, "127.0.0.1:0").await.expect("start simulator"))
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

/// `q` with its `?` placeholders as `backend` spells them (`$1`, `$2`, … on PostgreSQL), for raw SQL in tests.
pub fn placeholders(backend: sea_orm::DbBackend, q: &str) -> String {
    if backend != sea_orm::DbBackend::Postgres {
        return q.to_owned();
    }
    q.split('?').enumerate().map(|(i, part)| if i == 0 { part.to_owned() } else { format!("${i}{part}") }).collect()
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
        nct_search_url: None,
        redis_url: std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.is_empty()),
        log_format: LogFormat::Pretty,
        demo: false,
        job_concurrency: 8,
        master_key: api::config::MasterKeySource::Env(
            format!("1:{}", infra::crypto::MasterKeyring::generate_key().expect("key")).into(),
        ),
        sim: api::config::SimSettings::default(),
        cache_ttls: infra::cache::CacheTtls::default(),
        follow: Some(test_follow()),
        release_leases_on_start: true,
        api_rate: None,
        run_worker: true,
        nct_rate_limit: None,
        job_watch: infra::jobs::watch::WatchConfig::default(),
        integrations: crate::integrations::test_integrations(),
        limits: api::limits::Limits::default(),
        ops: api::config::Ops::default(),
    }
}

/// Starts the app with default test settings and its own simulator.
pub async fn spawn_app() -> TestApp {
    spawn_app_with_sim(test_settings().await, start_sim(test_sim_config()).await).await
}

/// Starts the app with the given settings, pointed at `sim` (unless the settings name another NCT).
pub async fn spawn_app_with_sim(mut settings: Settings, sim: Arc<SimHandle>) -> TestApp {
    LazyLock::force(&TRACING);
    if settings.nct_base_url.is_none() {
        settings.nct_base_url = Some(sim.base_url());
    }
    let app = Application::build(&settings).await.expect("build app");
    let port = app.port();
    let state = app.state().clone();
    let handle = app.handle();
    let task = tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::new(),
        state,
        settings,
        sim,
        handle,
        task,
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

    /// Kills the server like `kill -9` would kill the worker: the HTTP server stops at once and the task
    /// running the job worker is aborted mid-batch, leaving leased items behind.
    pub async fn kill(self) -> (Settings, Arc<SimHandle>) {
        self.task.abort();
        self.handle.stop(false).await;
        (self.settings, self.sim)
    }

    /// Sets the tenant's NCT key (the simulator's demo key unless given).
    pub async fn set_key(&self, token: &str, key: &str, verify: bool) -> Value {
        self.gql_ok(
            Some(token),
            "mutation($k:String!,$v:Boolean!){ setNctApiKey(input:{key:$k, verify:$v}){ nctKey{ configured fingerprint status setAt lastVerifiedAt } userErrors{ field code message } } }",
            json!({"k": key, "v": verify}),
        )
        .await["setNctApiKey"]
            .clone()
    }

    /// Starts a lookup job; returns the payload.
    pub async fn start_lookup(&self, token: &str, catalog: &str, idem: Option<&str>) -> Value {
        self.gql_ok(
            Some(token),
            "mutation($c:ID!,$i:String){ startLookupJob(input:{catalogId:$c, idempotencyKey:$i}){ job{ id state progress{ total } } userErrors{ field code message } } }",
            json!({"c": catalog, "i": idem}),
        )
        .await["startLookupJob"]
            .clone()
    }

    /// Polls until a job has processed at least `n` items; panics after `timeout` (a test must fail, not hang).
    pub async fn wait_processed(&self, token: &str, job: &str, n: u64, timeout: Duration) {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let j = self.gql_ok(Some(token), JOB_Q, json!({"j": job})).await;
            if j["job"]["progress"]["processed"].as_u64().unwrap_or(0) >= n {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "job made no progress in {timeout:?}: {j}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Polls a job until it is final (or the timeout passes); returns it.
    pub async fn wait_job(&self, token: &str, job: &str, timeout: Duration) -> Value {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let j = self
                .gql_ok(Some(token), JOB_Q, json!({"j": job}))
                .await["job"]
                .clone();
            let st = j["state"].as_str().unwrap_or_default().to_owned();
            if ["SUCCEEDED", "FAILED", "CANCELLED"].contains(&st.as_str()) || std::time::Instant::now() > deadline {
                return j;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl TestApp {
    /// Asserts that a job's counters (what the API serves, from the job row) equal the counts derived from
    /// its items; returns the job as the API shows it.
    pub async fn assert_counters_match_items(&self, token: &str, job: &str) -> Value {
        let (_, uid) = api::ids::decode_any(job).expect("a job ID");
        let served = self.gql_ok(Some(token), JOB_Q, json!({"j": job})).await["job"].clone();
        let items = self.state.jobs.recount(uid).await.expect("recount");
        let p = &served["progress"];
        let as_served = [p["total"].as_u64(), p["processed"].as_u64(), p["found"].as_u64(), p["ambiguous"].as_u64(), p["notFound"].as_u64(), p["failed"].as_u64(), p["skipped"].as_u64()];
        let from_items = [items.total, items.processed, items.found, items.ambiguous, items.not_found, items.failed, items.skipped].map(Some);
        assert_eq!(as_served, from_items, "counters on the row drifted from the items: {served}");
        served
    }
}

/// Reads a job with its progress.
pub const JOB_Q: &str = "query($j:ID!){ job(id:$j){ id state lastError startedAt finishedAt eta progress{ total processed found ambiguous notFound failed skipped } } }";

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
