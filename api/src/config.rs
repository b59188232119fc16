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
    /// `REDIS_URL`; unset: the in-process cache.
    pub redis_url: Option<String>,
    /// `LOG_FORMAT=json` switches to JSON logs.
    pub log_format: LogFormat,
    /// `--demo`: seed a demo tenant and print its token.
    pub demo: bool,
    /// `JOB_CONCURRENCY`: parallel NCT calls per job worker (default 8).
    pub job_concurrency: usize,
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
        Ok(Self {
            database_url,
            bind: var("BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            data_dir,
            jwt_secret,
            nct_base_url: var("NCT_BASE_URL"),
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
