//! Settings, read once from the environment in `main` and passed down. The empty environment runs the
//! embedded default: a SQLite file in `./data`, the in-process NCT simulator, an in-process cache, port 8080.

use anyhow::{Context as _, bail};
use secrecy::SecretString;
use std::path::PathBuf;

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Everything the server needs to start.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `DATABASE_URL`; default `sqlite://<data_dir>/ntin-desk.sqlite?mode=rwc`.
    pub database_url: String,
    /// `BIND`; default `127.0.0.1:8080`. Port 0 picks a free port (the bound port is logged).
    pub bind: String,
    /// `DATA_DIR`; default `./data`. Holds the SQLite file and generated secrets (mode 0600).
    pub data_dir: PathBuf,
    /// `JWT_SECRET` (at least 32 bytes), or a random secret generated once into `<data_dir>/jwt_secret`.
    pub jwt_secret: SecretString,
    /// `NCT_BASE_URL`, e.g. `https://nationalcatalog.kz/gwp`. Unset: the in-process simulator.
    pub nct_base_url: Option<String>,
    /// `NCT_SEARCH_URL`: the search gateway's base (`https://nationalcatalog.kz/gw`; the client appends
    /// `/search/api/v1/search`). Unset: `NCT_BASE_URL`'s origin + `/gw`.
    pub nct_search_url: Option<String>,
    /// `REDIS_URL`; unset: the in-process cache.
    pub redis_url: Option<String>,
    /// `LOG_FORMAT=json` switches to JSON logs.
    pub log_format: LogFormat,
    /// `--demo`: seed a demo tenant and print its token.
    pub demo: bool,
    /// `JOB_CONCURRENCY`: parallel NCT calls the job worker starts with (default 8; it adapts up to 8×).
    pub job_concurrency: usize,
    /// `NTIN_MASTER_KEY` (`1:<base64>,2:<base64>` or one base64 key), or a key generated once into
    /// `<data_dir>/master_key` (mode 0600) for the embedded default.
    pub master_key: MasterKeySource,
    /// Settings of the in-process NCT simulator, used when `NCT_BASE_URL` is unset.
    pub sim: SimSettings,
    /// `API_RATE_LIMIT` requests per second per tenant (or per IP without a token), default 50, with bursts of
    /// `API_RATE_BURST` (default 200). `0` turns the limit off.
    pub api_rate: Option<(std::num::NonZeroU32, std::num::NonZeroU32)>,
    /// `WORKER_RELEASE_LEASES_ON_START` (default true): give back every job-item lease at start. Right for one
    /// process per database (the embedded default); set `false` when several replicas share one PostgreSQL.
    pub release_leases_on_start: bool,
    /// `CACHE_TTL_FOUND_SECS` (default 7 days) and `CACHE_TTL_NOT_FOUND_SECS` (default 6 hours).
    pub cache_ttls: infra::cache::CacheTtls,
    /// `NCT_RATE_LIMIT`: calls per second per NCT key, for all replicas together (shared through Redis).
    /// Unset: no budget of our own (AIMD and NCT's 429s pace the calls; a 429 still holds the key everywhere).
    pub nct_rate_limit: Option<std::num::NonZeroU32>,
    /// `RUN_WORKER` (default true): run the job worker in this process. `false` makes an API-only replica
    /// (it still serves live progress of jobs other replicas work, through Redis).
    pub run_worker: bool,
    /// Timing of the shared job watchers behind `jobProgress` (not read from the environment).
    pub job_watch: infra::jobs::watch::WatchConfig,
    /// Catalog sources, webhooks and the Kaspi API (`OUTBOUND_ALLOW_NETS`, `FEED_*`, `WEBHOOK_*`, `KASPI_BASE_URL`).
    pub integrations: crate::integrations::IntegrationSettings,
    /// Resource limits of requests, sockets and the database pool ([`crate::limits`]).
    pub limits: crate::limits::Limits,
    /// What the deployment exposes and whom it believes.
    pub ops: Ops,
    /// How NCT requests are followed: `MODERATION_CHECK_FIRST_SECS`, `MODERATION_CHECK_MAX_SECS`,
    /// `MODERATION_CHECK_SELLER_SECS`, `MODERATION_WORKING_HOURS` (true/false). `None`: the real schedule
    /// with `NCT_BASE_URL` (`FollowPolicy::real`), the simulator's compressed clock without it.
    pub follow: Option<domain::card::FollowPolicy>,
}

impl Settings {
    /// The follow policy in force (see [`Settings::follow`]).
    pub fn follow_policy(&self) -> domain::card::FollowPolicy {
        match (self.follow, &self.nct_base_url) {
            (Some(p), _) => p,
            (None, Some(_)) => domain::card::FollowPolicy::real(),
            (None, None) => domain::card::FollowPolicy::scaled(std::time::Duration::from_millis(self.sim.working_day_ms)),
        }
    }
}

/// The follow policy from `MODERATION_CHECK_*` (any of them set overrides the default).
fn follow_from_env() -> anyhow::Result<Option<domain::card::FollowPolicy>> {
    let secs = |name: &str| num::<u64>(name).map(|v| v.map(std::time::Duration::from_secs));
    let (first, cap, seller) = (secs("MODERATION_CHECK_FIRST_SECS")?, secs("MODERATION_CHECK_MAX_SECS")?, secs("MODERATION_CHECK_SELLER_SECS")?);
    let hours = match var("MODERATION_WORKING_HOURS").as_deref() {
        None => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(_) => bail!("MODERATION_WORKING_HOURS: expected true or false"),
    };
    if first.is_none() && cap.is_none() && seller.is_none() && hours.is_none() {
        return Ok(None);
    }
    let d = domain::card::FollowPolicy::real();
    let p = domain::card::FollowPolicy {
        first: first.unwrap_or(d.first),
        cap: cap.unwrap_or(d.cap),
        seller: seller.unwrap_or(d.seller),
        working_hours: hours.unwrap_or(d.working_hours),
        auto_publish_grace: d.auto_publish_grace,
    };
    if p.first.is_zero() || p.first > p.cap || p.cap > p.seller {
        bail!("MODERATION_CHECK_*: expected 0 < FIRST_SECS <= MAX_SECS <= SELLER_SECS");
    }
    Ok(Some(p))
}

/// Production switches: what the server exposes, and which proxies it believes.
#[derive(Clone, Debug)]
pub struct Ops {
    /// `GRAPHQL_INTROSPECTION` (default true): `false` refuses `__schema`/`__type` queries.
    pub introspection: bool,
    /// `GRAPHIQL` (default true): `false` answers `GET /graphql` with 404 instead of the GraphiQL page.
    pub graphiql: bool,
    /// `TRUSTED_PROXIES` (default none): addresses or CIDR ranges of load balancers whose
    /// `X-Forwarded-For` gives the client address for the per-IP limit.
    pub trusted_proxies: crate::client_ip::TrustedProxies,
}

impl Default for Ops {
    fn default() -> Self {
        Self { introspection: true, graphiql: true, trusted_proxies: crate::client_ip::TrustedProxies::default() }
    }
}

fn flag(name: &str, default: bool) -> anyhow::Result<bool> {
    match var(name).as_deref().map(str::trim) {
        None => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(_) => bail!("{name}: expected true or false"),
    }
}

impl Ops {
    /// Reads `GRAPHQL_INTROSPECTION`, `GRAPHIQL` and `TRUSTED_PROXIES`.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            introspection: flag("GRAPHQL_INTROSPECTION", true)?,
            graphiql: flag("GRAPHIQL", true)?,
            trusted_proxies: crate::client_ip::TrustedProxies::parse(&var("TRUSTED_PROXIES").unwrap_or_default())?,
        })
    }
}

/// Where the master keys come from; re-read when a ciphertext names a version we do not know yet, so a
/// rotation needs no restart.
#[derive(Clone, Debug)]
pub enum MasterKeySource {
    /// `NTIN_MASTER_KEY`.
    Env(SecretString),
    /// A 0600 file in the data dir.
    File(PathBuf),
}

impl MasterKeySource {
    /// Reads the current key spec.
    pub fn read(&self) -> anyhow::Result<SecretString> {
        match self {
            MasterKeySource::Env(s) => Ok(s.clone()),
            MasterKeySource::File(p) => Ok(SecretString::from(
                std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read master key file {}", p.display()))?
                    .trim()
                    .to_owned(),
            )),
        }
    }
}

/// The embedded NCT simulator: `NCT_SIM_LATENCY_MS`, `NCT_SIM_RATE_LIMIT` (per second), `NCT_SIM_WORKING_DAY_MS`.
#[derive(Clone, Debug)]
pub struct SimSettings {
    /// Added latency per call.
    pub latency_ms: u64,
    /// Per-key rate limit.
    pub rate_limit: Option<u32>,
    /// One compressed moderation working day.
    pub working_day_ms: u64,
    /// Seed cards generated in memory.
    pub seed_size: usize,
}

impl Default for SimSettings {
    fn default() -> Self {
        Self { latency_ms: 20, rate_limit: Some(200), working_day_ms: 2000, seed_size: 100_000 }
    }
}

fn num<T: std::str::FromStr>(name: &str) -> anyhow::Result<Option<T>> {
    match var(name) {
        Some(v) => Ok(Some(v.parse::<T>().map_err(|_| anyhow::anyhow!("{name}: expected a number"))?)),
        None => Ok(None),
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// Reads the environment. Wrong values name their variable.
    pub fn from_env(demo: bool) -> anyhow::Result<Self> {
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".to_owned()));
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("DATA_DIR: cannot create {}", data_dir.display()))?;
        let database_url = match var("DATABASE_URL") {
            Some(u) => u,
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("ntin-desk.sqlite").display()
            ),
        };
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            bail!("DATABASE_URL: expected a postgres:// or sqlite:// URL");
        }
        let jwt_secret = match var("JWT_SECRET") {
            Some(s) if s.len() >= 32 => SecretString::from(s),
            Some(_) => bail!("JWT_SECRET: must be at least 32 bytes"),
            None => SecretString::from(read_or_create_secret(&data_dir.join("jwt_secret"))?),
        };
        let job_concurrency = match var("JOB_CONCURRENCY") {
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=256).contains(n))
                .context("JOB_CONCURRENCY: expected a number from 1 to 256")?,
            None => 8,
        };
        let master_key = match var("NTIN_MASTER_KEY") {
            Some(k) => MasterKeySource::Env(SecretString::from(k)),
            None => {
                let path = data_dir.join("master_key");
                if !path.exists() {
                    let k = infra::crypto::MasterKeyring::generate_key()
                        .map_err(|e| anyhow::anyhow!("NTIN_MASTER_KEY: {e}"))?;
                    write_private(&path, &format!("1:{k}"))
                        .with_context(|| format!("cannot write {}", path.display()))?;
                }
                MasterKeySource::File(path)
            }
        };
        infra::crypto::MasterKeyring::parse(&master_key.read()?)
            .map_err(|e| anyhow::anyhow!("NTIN_MASTER_KEY: {e}"))?;
        let d = SimSettings::default();
        let sim = SimSettings {
            latency_ms: num("NCT_SIM_LATENCY_MS")?.unwrap_or(d.latency_ms),
            rate_limit: match var("NCT_SIM_RATE_LIMIT").as_deref() {
                Some("0") | Some("none") => None,
                _ => num("NCT_SIM_RATE_LIMIT")?.or(d.rate_limit),
            },
            working_day_ms: num("NCT_SIM_WORKING_DAY_MS")?.unwrap_or(d.working_day_ms),
            seed_size: d.seed_size,
        };
        let ttl_default = infra::cache::CacheTtls::default();
        let cache_ttls = infra::cache::CacheTtls {
            found: num::<u64>("CACHE_TTL_FOUND_SECS")?
                .map_or(ttl_default.found, std::time::Duration::from_secs),
            not_found: num::<u64>("CACHE_TTL_NOT_FOUND_SECS")?
                .map_or(ttl_default.not_found, std::time::Duration::from_secs),
        };
        let release_leases_on_start = match var("WORKER_RELEASE_LEASES_ON_START").as_deref() {
            None | Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(_) => bail!("WORKER_RELEASE_LEASES_ON_START: expected true or false"),
        };
        let run_worker = match var("RUN_WORKER").as_deref() {
            None | Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(_) => bail!("RUN_WORKER: expected true or false"),
        };
        let rate = num::<u32>("API_RATE_LIMIT")?.unwrap_or(50);
        let burst = num::<u32>("API_RATE_BURST")?.unwrap_or(200);
        let api_rate = std::num::NonZeroU32::new(rate).map(|r| (r, std::num::NonZeroU32::new(burst.max(1)).unwrap_or(r)));
        let nct_rate_limit = match num::<u32>("NCT_RATE_LIMIT")? {
            Some(0) | None => None,
            Some(n) => std::num::NonZeroU32::new(n),
        };
        Ok(Self {
            follow: follow_from_env()?,
            nct_rate_limit,
            run_worker,
            job_watch: infra::jobs::watch::WatchConfig::default(),
            integrations: crate::integrations::IntegrationSettings::from_env()?,
            limits: crate::limits::Limits::from_env()?,
            ops: Ops::from_env()?,
            api_rate,
            release_leases_on_start,
            cache_ttls,
            master_key,
            sim,
            database_url,
            bind: var("BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            data_dir,
            jwt_secret,
            nct_base_url: var("NCT_BASE_URL"),
            nct_search_url: var("NCT_SEARCH_URL"),
            redis_url: var("REDIS_URL"),
            log_format: match var("LOG_FORMAT").as_deref() {
                Some("json") => LogFormat::Json,
                _ => LogFormat::Pretty,
            },
            demo,
            job_concurrency,
        })
    }
}

/// Reads a base64 secret file, or creates it with 32 random bytes and mode 0600.
pub fn read_or_create_secret(path: &std::path::Path) -> anyhow::Result<String> {
    use base64::Engine as _;
    if let Ok(s) = std::fs::read_to_string(path) {
        let s = s.trim().to_owned();
        if s.len() >= 32 {
            return Ok(s);
        }
    }
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| anyhow::anyhow!("system random source failed"))?;
    let s = base64::engine::general_purpose::STANDARD.encode(bytes);
    write_private(path, &s).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(s)
}

/// Writes a file readable by the owner only.
pub fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())
}
