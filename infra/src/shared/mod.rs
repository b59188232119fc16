//! State the replicas of one deployment share through Redis, each part with an in-process fallback.
//!
//! # Layout
//! - this module: [`RedisLink`], one lazily connected Redis handle with a short command timeout and a
//!   circuit breaker (the same fail-open rules as the lookup cache: a slow or stopped Redis costs a caller at
//!   most the timeout once, then is skipped for [`COOLDOWN`]);
//! - [`rate`]: GCRA rate limits ([`rate::SharedRate`]): admission (per-tenant API limits) and reservation
//!   (the NCT budget), in Redis with a Lua script on Redis's clock, or in process;
//! - [`nct_budget`]: [`nct_budget::NctBudget`], the per-key NCT budget every NCT call passes through.
//!
//! The job event bus ([`crate::jobs::events`]) and the card schema cache ([`crate::card_schema`]) share
//! through Redis too. Keys are `ntin:v1:{namespace}:{part}`, the namespace being the lookup cache's (a hash of
//! the NCT base URL): replicas of one deployment meet there, tests on their own simulators never do.

pub mod nct_budget;
pub mod rate;

use redis::FromRedisValue;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::cache::CacheError;

/// Budget of one command, connection wait included.
pub const OP_TIMEOUT: Duration = Duration::from_millis(100);
/// How long Redis is skipped after a failure.
pub const COOLDOWN: Duration = Duration::from_secs(1);

/// A shared Redis handle. Cheap to clone.
#[derive(Clone)]
pub struct RedisLink {
    conn: ConnectionManager,
    namespace: Arc<str>,
    health: Arc<Health>,
}

struct Health {
    errors: AtomicU64,
    /// Milliseconds since `epoch` until which Redis is skipped; 0 = in use.
    open_until_ms: AtomicU64,
    epoch: Instant,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink").field("namespace", &self.namespace).finish_non_exhaustive()
    }
}

impl RedisLink {
    /// Prepares the handle without waiting for Redis (the connection is made on first use and remade after a
    /// drop). Must run inside a Tokio runtime.
    ///
    /// # Errors
    /// [`CacheError::InvalidUrl`] when `url` cannot be parsed.
    pub fn connect(url: &str, namespace: &str) -> Result<Self, CacheError> {
        let client = redis::Client::open(url).map_err(|_| CacheError::InvalidUrl)?;
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500))
            .set_connection_timeout(Some(Duration::from_secs(1)));
        let conn = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| CacheError::Unavailable(format!("cannot set up the Redis connection ({:?})", e.kind())))?;
        Ok(Self {
            conn,
            namespace: namespace.into(),
            health: Arc::new(Health { errors: AtomicU64::new(0), open_until_ms: AtomicU64::new(0), epoch: Instant::now() }),
        })
    }

    /// The full key of `part`: `ntin:v1:{namespace}:{part}`.
    pub fn key(&self, part: &str) -> String {
        format!("ntin:v1:{}:{part}", self.namespace)
    }

    /// Commands that failed or were skipped since start.
    pub fn errors(&self) -> u64 {
        self.health.errors.load(Ordering::Relaxed)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.health.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Runs one command under the timeout and the circuit breaker; `None` when Redis failed or is being
    /// skipped (callers fall back to their in-process state).
    pub async fn run<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Option<T> {
        if self.health.open_until_ms.load(Ordering::Relaxed) > self.now_ms() {
            self.health.errors.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let mut conn = self.conn.clone();
        match tokio::time::timeout(OP_TIMEOUT, cmd.query_async::<T>(&mut conn)).await {
            Ok(Ok(v)) => {
                if self.health.open_until_ms.swap(0, Ordering::Relaxed) != 0 {
                    tracing::info!("shared state: Redis is back");
                }
                Some(v)
            }
            failure => {
                self.health.errors.fetch_add(1, Ordering::Relaxed);
                let until = self.now_ms().saturating_add(u64::try_from(COOLDOWN.as_millis()).unwrap_or(1000)).max(1);
                if self.health.open_until_ms.swap(until, Ordering::Relaxed) == 0 {
                    let reason = match failure {
                        Ok(Err(e)) => format!("{:?}", e.kind()),
                        _ => "timeout".to_owned(),
                    };
                    tracing::warn!(reason = %reason, "shared state: Redis failed; using in-process state until it is back");
                }
                None
            }
        }
    }
}
