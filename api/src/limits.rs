//! Resource limits: what one request, socket or tenant may cost before it is refused. Read once from the
//! environment with the rest of the settings; the defaults are what the README documents.
//!
//! Each limit answers one hole of a hostile review (issue 9): request bodies are counted while they stream,
//! JSON is scanned before it is built into values, sockets must authenticate within a few seconds, and
//! tenants share the database pool, the sockets and the job worker fairly.

use anyhow::Context as _;
use std::time::Duration;

/// Every limit, with the defaults of the embedded server.
#[derive(Clone, Debug)]
pub struct Limits {
    /// `MAX_JSON_BODY_BYTES` (32 MiB): largest JSON body of `/graphql`, and of a multipart `operations` part,
    /// whatever the transfer encoding; counted while streaming.
    pub json_body: usize,
    /// `MAX_UPLOAD_BYTES` (128 MiB): largest uploaded file (`importCatalog`); streamed to a temp file.
    pub upload: usize,
    /// `MAX_QUERY_BYTES` (1 MiB): largest GraphQL document text (large lists go in variables).
    pub query_text: usize,
    /// `MAX_LIST_ELEMENTS` (200,000): most elements one JSON list of the variables may hold.
    pub list_elements: usize,
    /// `MAX_JSON_VALUES` (600,000): most JSON values one request body may hold in all.
    pub json_values: usize,
    /// `WS_INIT_TIMEOUT_SECS` (10): a socket that has not completed `connection_init` by then is closed,
    /// whatever else it sends.
    pub ws_init_timeout: Duration,
    /// `WS_MAX_MESSAGE_BYTES` (64 KiB): largest WebSocket frame and message (continuations included).
    pub ws_max_message: usize,
    /// `WS_MAX_SUBSCRIPTIONS` (20): live subscriptions per socket.
    pub ws_subscriptions: usize,
    /// `WS_MAX_CONNECTIONS_PER_TENANT` (1000): open sockets per tenant (per process).
    pub ws_connections_per_tenant: usize,
    /// `JOB_PARALLEL` (4): jobs the worker works at once; `JOB_MAX_PER_TENANT` (2): of them, at most this
    /// many of one tenant (its other jobs wait their turn; tenants take turns round-robin).
    pub job_parallel: usize,
    /// See `job_parallel`.
    pub job_per_tenant: usize,
    /// `JOB_BATCH` (256): items a lookup job takes per round while its GTINs go to NCT (at most four per
    /// parallel NCT call the pacer allows).
    pub job_batch: usize,
    /// `JOB_WARM_BATCH` (5,000): items a lookup job claims per round while its GTINs come from the cache
    /// (bigger: fewer rounds, but a longer write transaction each).
    pub job_warm_batch: usize,
    /// `JOB_WARM_WRITERS` (2): on PostgreSQL, warm batches written at once, each in its own transaction (so
    /// each on its own server process and core). SQLite has one writer.
    pub job_warm_writers: usize,
    /// `JOB_CARD_LEASE_MS` (60,000): how long a card job holds an item; renewed while worked.
    pub job_card_lease: Duration,
    /// `JOB_LOOKUP_SCAN` (true): a lookup of a whole catalog scans it in the worker instead of writing its
    /// items at the start (`infra::db::lookup_scan`); faster on both backends since stop 22 (README). `auto`,
    /// stop 21's default, means `true`.
    pub job_lookup_scan: bool,
    /// `NCT_REQUEST_TIMEOUT_MS` (20,000): a whole NCT call, headers and body; a stalled NCT is an outage.
    pub nct_timeout: Duration,
    /// `DATABASE_MAX_CONNECTIONS` (SQLite 8, PostgreSQL 16), `DATABASE_ACQUIRE_TIMEOUT_MS` (5000),
    /// `DATABASE_BUSY_TIMEOUT_MS` (5000).
    pub db_pool: infra::db::PoolSettings,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            json_body: 32 * 1024 * 1024,
            upload: 128 * 1024 * 1024,
            query_text: 1024 * 1024,
            list_elements: 200_000,
            json_values: 600_000,
            ws_init_timeout: Duration::from_secs(10),
            ws_max_message: 64 * 1024,
            ws_subscriptions: 20,
            ws_connections_per_tenant: 1000,
            job_parallel: 4,
            job_per_tenant: 2,
            job_batch: 256,
            job_warm_batch: 5000,
            job_warm_writers: 2,
            job_card_lease: Duration::from_secs(60),
            job_lookup_scan: true,
            nct_timeout: Duration::from_secs(20),
            db_pool: infra::db::PoolSettings::default(),
        }
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn positive(name: &str) -> anyhow::Result<Option<u64>> {
    match var(name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .with_context(|| format!("{name}: expected a positive whole number")),
    }
}

fn size(name: &str, default: usize) -> anyhow::Result<usize> {
    Ok(positive(name)?.map_or(default, |n| usize::try_from(n).unwrap_or(usize::MAX)))
}

impl Limits {
    /// Reads the limits from the environment; a wrong value names its variable.
    pub fn from_env() -> anyhow::Result<Self> {
        let d = Self::default();
        let ms = |name: &str, default: Duration| -> anyhow::Result<Duration> {
            Ok(positive(name)?.map_or(default, Duration::from_millis))
        };
        Ok(Self {
            json_body: size("MAX_JSON_BODY_BYTES", d.json_body)?,
            upload: size("MAX_UPLOAD_BYTES", d.upload)?,
            query_text: size("MAX_QUERY_BYTES", d.query_text)?,
            list_elements: size("MAX_LIST_ELEMENTS", d.list_elements)?,
            json_values: size("MAX_JSON_VALUES", d.json_values)?,
            ws_init_timeout: positive("WS_INIT_TIMEOUT_SECS")?.map_or(d.ws_init_timeout, Duration::from_secs),
            ws_max_message: size("WS_MAX_MESSAGE_BYTES", d.ws_max_message)?,
            ws_subscriptions: size("WS_MAX_SUBSCRIPTIONS", d.ws_subscriptions)?,
            ws_connections_per_tenant: size("WS_MAX_CONNECTIONS_PER_TENANT", d.ws_connections_per_tenant)?,
            job_parallel: size("JOB_PARALLEL", d.job_parallel)?,
            job_per_tenant: size("JOB_MAX_PER_TENANT", d.job_per_tenant)?,
            job_batch: size("JOB_BATCH", d.job_batch)?,
            job_warm_batch: size("JOB_WARM_BATCH", d.job_warm_batch)?,
            job_warm_writers: size("JOB_WARM_WRITERS", d.job_warm_writers)?,
            job_card_lease: ms("JOB_CARD_LEASE_MS", d.job_card_lease)?,
            job_lookup_scan: match var("JOB_LOOKUP_SCAN").as_deref().map(str::trim) {
                None | Some("auto" | "true") => true,
                Some("false") => false,
                Some(_) => anyhow::bail!("JOB_LOOKUP_SCAN: expected true, false or auto"),
            },
            nct_timeout: ms("NCT_REQUEST_TIMEOUT_MS", d.nct_timeout)?,
            db_pool: infra::db::PoolSettings {
                max_connections: positive("DATABASE_MAX_CONNECTIONS")?.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
                acquire_timeout: ms("DATABASE_ACQUIRE_TIMEOUT_MS", d.db_pool.acquire_timeout)?,
                busy_timeout: ms("DATABASE_BUSY_TIMEOUT_MS", d.db_pool.busy_timeout)?,
            },
        })
    }
}
