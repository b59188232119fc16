//! [`RedisCache`]: the lookup cache shared by every replica, over a `redis::aio::ConnectionManager`.
//!
//! Built to fail open and fast:
//! - the manager is created lazily, so the app starts (degraded) while Redis is down, and reconnects by
//!   itself when Redis comes back;
//! - every command runs under `tokio::time::timeout(op_timeout)` (default [`DEFAULT_OP_TIMEOUT`]): a slow
//!   or unreachable Redis costs a caller at most that long, then [`CacheError::Unavailable`];
//! - after a failure the cache is skipped for [`CIRCUIT_COOLDOWN`] (calls return `Unavailable` at once),
//!   so a job of thousands of lookups does not pay the timeout on every item while Redis is away. The
//!   first call after the cooldown tries Redis again; a success (or a successful [`LookupCache::ping`])
//!   closes the circuit.
//!
//! Batch reads use `MGET`, one per [`MGET_CHUNK`] keys. Writes are `SET key json PX ttl±10%`.
//! Failures are counted ([`RedisCache::errors`]) and logged once per outage at `warn` (the Redis error
//! kind only: never a key's value, never the URL).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::FromRedisValue;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{CacheError, CachedLookup, LookupCache, cache_key, jittered};

/// Default budget of one Redis command, connection wait included.
pub const DEFAULT_OP_TIMEOUT: Duration = Duration::from_millis(100);

/// How long the cache is skipped after a failure.
pub const CIRCUIT_COOLDOWN: Duration = Duration::from_secs(1);

/// Keys per `MGET`: bounds one reply (a few hundred KB) so it fits the command timeout.
pub const MGET_CHUNK: usize = 1_000;

/// TCP connect budget of the manager's own (background) connection attempts.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Redis-backed [`LookupCache`]. Cheap to clone (clones share the connection and the counters).
#[derive(Clone)]
pub struct RedisCache {
    conn: ConnectionManager,
    /// [`super::namespace_for`] of the NCT base URL this cache serves.
    namespace: Arc<str>,
    op_timeout: Duration,
    health: Arc<Health>,
}

/// Failure counter and circuit state, shared by clones.
struct Health {
    errors: AtomicU64,
    /// Milliseconds since `epoch` until which the cache is skipped; 0 = closed (Redis in use).
    open_until_ms: AtomicU64,
    epoch: Instant,
}

impl fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCache")
            .field("namespace", &self.namespace)
            .field("op_timeout", &self.op_timeout)
            .field("errors", &self.errors())
            .finish_non_exhaustive()
    }
}

impl RedisCache {
    /// Prepares the cache without waiting for Redis: the connection is made on first use (and remade
    /// after a drop). One `PING` (within `op_timeout`) tells the log whether Redis is reachable now; an
    /// unreachable Redis is not an error here. Must run inside a Tokio runtime.
    ///
    /// # Errors
    /// [`CacheError::InvalidUrl`] when `url` cannot be parsed.
    pub async fn connect(
        url: &str,
        namespace: String,
        op_timeout: Duration,
    ) -> Result<Self, CacheError> {
        let client = redis::Client::open(url).map_err(|_| CacheError::InvalidUrl)?;
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500))
            .set_connection_timeout(Some(CONNECT_TIMEOUT));
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(|e| {
            CacheError::Unavailable(format!(
                "cannot set up the Redis connection ({:?})",
                e.kind()
            ))
        })?;
        let cache = Self {
            conn,
            namespace: namespace.into(),
            op_timeout,
            health: Arc::new(Health {
                errors: AtomicU64::new(0),
                open_until_ms: AtomicU64::new(0),
                epoch: Instant::now(),
            }),
        };
        if cache.ping().await {
            tracing::info!(namespace = %cache.namespace, "Redis lookup cache is reachable");
        } else {
            tracing::warn!(
                namespace = %cache.namespace,
                "Redis lookup cache is not reachable yet; lookups go to NCT directly until it is"
            );
        }
        Ok(cache)
    }

    /// The namespace every key of this cache carries.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Operations that failed (including those skipped while the circuit was open) since start.
    pub fn errors(&self) -> u64 {
        self.health.errors.load(Ordering::Relaxed)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.health.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn circuit_open(&self) -> bool {
        self.health.open_until_ms.load(Ordering::Relaxed) > self.now_ms()
    }

    /// Counts a failure and opens the circuit; logs when this starts an outage.
    fn fail(&self, reason: String) -> CacheError {
        self.health.errors.fetch_add(1, Ordering::Relaxed);
        let cooldown_ms = u64::try_from(CIRCUIT_COOLDOWN.as_millis()).unwrap_or(u64::MAX);
        let until = self.now_ms().saturating_add(cooldown_ms).max(1);
        let before = self.health.open_until_ms.swap(until, Ordering::Relaxed);
        if before == 0 {
            tracing::warn!(
                namespace = %self.namespace,
                reason = %reason,
                cooldown_ms,
                "Redis lookup cache failed; skipping it (fail open) and retrying after the cooldown"
            );
        }
        CacheError::Unavailable(reason)
    }

    /// Closes the circuit after a success; logs the end of an outage.
    fn succeed(&self) {
        if self.health.open_until_ms.load(Ordering::Relaxed) != 0
            && self.health.open_until_ms.swap(0, Ordering::Relaxed) != 0
        {
            tracing::info!(namespace = %self.namespace, "Redis lookup cache is back");
        }
    }

    /// Runs one command under the timeout and the circuit breaker.
    pub(super) async fn run<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, CacheError> {
        if self.circuit_open() {
            self.health.errors.fetch_add(1, Ordering::Relaxed);
            return Err(CacheError::Unavailable(
                "skipped: Redis failed moments ago".to_owned(),
            ));
        }
        let mut conn = self.conn.clone();
        match tokio::time::timeout(self.op_timeout, cmd.query_async::<T>(&mut conn)).await {
            Ok(Ok(value)) => {
                self.succeed();
                Ok(value)
            }
            Ok(Err(e)) => Err(self.fail(format!("Redis error ({:?})", e.kind()))),
            Err(_) => Err(self.fail(format!(
                "no answer within {} ms",
                self.op_timeout.as_millis()
            ))),
        }
    }

    fn key(&self, gtin: &str) -> String {
        cache_key(&self.namespace, gtin)
    }
}

/// Decodes a stored value; anything unreadable (an older format, a foreign writer) is a miss.
fn decode(raw: Option<Vec<u8>>) -> Option<CachedLookup> {
    let bytes = raw?;
    match serde_json::from_slice(&bytes) {
        Ok(value) => Some(value),
        Err(e) => {
            tracing::debug!(error = %e, "undecodable lookup cache entry treated as a miss");
            None
        }
    }
}

impl LookupCache for RedisCache {
    async fn get_many(&self, gtins: &[String]) -> Result<Vec<Option<CachedLookup>>, CacheError> {
        let mut out = Vec::with_capacity(gtins.len());
        for chunk in gtins.chunks(MGET_CHUNK) {
            let mut cmd = redis::cmd("MGET");
            for gtin in chunk {
                cmd.arg(self.key(gtin));
            }
            let raw: Vec<Option<Vec<u8>>> = self.run(&cmd).await?;
            if raw.len() != chunk.len() {
                return Err(self.fail(format!(
                    "MGET answered {} values for {} keys",
                    raw.len(),
                    chunk.len()
                )));
            }
            out.extend(raw.into_iter().map(decode));
        }
        Ok(out)
    }

    async fn get(&self, gtin: &str) -> Result<Option<CachedLookup>, CacheError> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(self.key(gtin));
        let raw: Option<Vec<u8>> = self.run(&cmd).await?;
        Ok(decode(raw))
    }

    async fn put(&self, gtin: &str, value: &CachedLookup, ttl: Duration) -> Result<(), CacheError> {
        let json = serde_json::to_vec(value)
            .map_err(|e| CacheError::Unavailable(format!("cannot encode the value ({e})")))?;
        let ttl_ms = u64::try_from(jittered(ttl).as_millis())
            .unwrap_or(u64::MAX)
            .clamp(1, i64::MAX as u64);
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(gtin)).arg(json).arg("PX").arg(ttl_ms);
        self.run::<()>(&cmd).await
    }

    /// Always asks Redis (even while the circuit is open); failures are not counted as errors.
    async fn ping(&self) -> bool {
        let mut conn = self.conn.clone();
        let answered = tokio::time::timeout(
            self.op_timeout,
            redis::cmd("PING").query_async::<String>(&mut conn),
        )
        .await;
        let ok = matches!(answered, Ok(Ok(_)));
        if ok {
            self.succeed();
        }
        ok
    }

    fn errors(&self) -> u64 {
        RedisCache::errors(self)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::cache::{CachedCard, namespace_for};

    /// A fresh namespace per test, so tests never see each other's keys.
    fn fresh_namespace() -> String {
        namespace_for(&format!("http://test-{}.invalid/gwp", uuid::Uuid::new_v4()))
    }

    /// The cache on `TEST_REDIS_URL` (generous timeout: the test machine is busy), or `None` with a note.
    async fn test_cache() -> Option<(RedisCache, redis::aio::MultiplexedConnection)> {
        let Ok(url) = std::env::var("TEST_REDIS_URL") else {
            eprintln!("TEST_REDIS_URL is not set: skipping this Redis test");
            return None;
        };
        let cache = RedisCache::connect(&url, fresh_namespace(), Duration::from_millis(500))
            .await
            .unwrap();
        let raw = redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        Some((cache, raw))
    }

    fn found(n: i64) -> CachedLookup {
        CachedLookup::Found(vec![CachedCard {
            ntin: format!("02000000000{n:02}"),
            gtin: Some(format!("{n:013}")),
            name_ru: Some("Товар".into()),
            card_id: n,
            ..CachedCard::default()
        }])
    }

    #[tokio::test]
    async fn values_round_trip_through_redis() {
        let Some((cache, _)) = test_cache().await else {
            return;
        };
        let ttl = Duration::from_secs(60);

        cache.put("04006381333931", &found(1), ttl).await.unwrap();
        cache
            .put("00000040084077", &CachedLookup::NotFound, ttl)
            .await
            .unwrap();

        assert_eq!(cache.get("04006381333931").await.unwrap(), Some(found(1)));
        assert_eq!(
            cache.get("00000040084077").await.unwrap(),
            Some(CachedLookup::NotFound)
        );
        assert_eq!(cache.get("09999999999999").await.unwrap(), None);
        assert!(cache.ping().await);
        assert_eq!(cache.errors(), 0);
    }

    #[tokio::test]
    async fn mget_returns_hits_and_misses_in_order() {
        let Some((cache, _)) = test_cache().await else {
            return;
        };
        let ttl = Duration::from_secs(60);
        // More keys than one MGET chunk, to cover the chunking.
        let gtins: Vec<String> = (0..MGET_CHUNK + 5).map(|n| format!("{n:014}")).collect();
        for (n, gtin) in gtins.iter().enumerate().filter(|(n, _)| n % 3 == 0) {
            cache.put(gtin, &found(n as i64), ttl).await.unwrap();
        }

        let got = cache.get_many(&gtins).await.unwrap();

        assert_eq!(got.len(), gtins.len());
        for (n, value) in got.iter().enumerate() {
            let expected = (n % 3 == 0).then(|| found(n as i64));
            assert_eq!(value, &expected, "gtin #{n}");
        }
        assert!(cache.get_many(&[]).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn keys_follow_the_documented_format_and_carry_a_jittered_ttl() {
        let Some((cache, mut raw)) = test_cache().await else {
            return;
        };

        cache
            .put("04006381333931", &found(2), Duration::from_secs(100))
            .await
            .unwrap();

        let key = format!("ntin:v1:{}:gtin:04006381333931", cache.namespace());
        let json: String = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut raw)
            .await
            .unwrap();
        assert_eq!(
            serde_json::from_str::<CachedLookup>(&json).unwrap(),
            found(2)
        );
        assert!(!json.contains("tenant"));
        let pttl: i64 = redis::cmd("PTTL")
            .arg(&key)
            .query_async(&mut raw)
            .await
            .unwrap();
        assert!((85_000..=110_000).contains(&pttl), "PTTL {pttl}");
    }

    #[tokio::test]
    async fn undecodable_entries_are_misses() {
        let Some((cache, mut raw)) = test_cache().await else {
            return;
        };
        let key = cache_key(cache.namespace(), "04006381333931");
        let _: () = redis::cmd("SET")
            .arg(&key)
            .arg("{not json")
            .query_async(&mut raw)
            .await
            .unwrap();

        assert_eq!(cache.get("04006381333931").await.unwrap(), None);
        assert_eq!(cache.errors(), 0);
    }

    #[tokio::test]
    async fn a_closed_port_fails_open_within_the_timeout() {
        // Arrange: nothing listens on port 1.
        let op_timeout = Duration::from_millis(100);
        let cache = RedisCache::connect("redis://127.0.0.1:1", fresh_namespace(), op_timeout)
            .await
            .unwrap();

        // Act
        let started = Instant::now();
        let read = cache.get("04006381333931").await;
        let elapsed = started.elapsed();

        // Assert
        assert!(matches!(read, Err(CacheError::Unavailable(_))), "{read:?}");
        assert!(elapsed < Duration::from_millis(600), "took {elapsed:?}");
        assert!(matches!(
            cache.get_many(&["04006381333931".to_owned()]).await,
            Err(CacheError::Unavailable(_))
        ));
        assert!(matches!(
            cache
                .put(
                    "04006381333931",
                    &CachedLookup::NotFound,
                    Duration::from_secs(1)
                )
                .await,
            Err(CacheError::Unavailable(_))
        ));
        assert!(cache.errors() >= 3);
        assert!(!cache.ping().await);
    }

    #[tokio::test]
    async fn a_silent_server_costs_one_timeout_then_the_circuit_opens() {
        // Arrange: a server that accepts connections and never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let op_timeout = Duration::from_millis(100);
        let cache = RedisCache::connect(
            &format!("redis://127.0.0.1:{port}"),
            fresh_namespace(),
            op_timeout,
        )
        .await
        .unwrap();

        // Act
        let started = Instant::now();
        let first = cache.get("04006381333931").await;
        let first_took = started.elapsed();
        let started = Instant::now();
        let second = cache.get("04006381333931").await;
        let second_took = started.elapsed();

        // Assert
        assert!(
            matches!(first, Err(CacheError::Unavailable(_))),
            "{first:?}"
        );
        assert!(
            first_took >= op_timeout && first_took < Duration::from_millis(600),
            "took {first_took:?}"
        );
        assert!(matches!(second, Err(CacheError::Unavailable(_))));
        assert!(
            second_took < Duration::from_millis(20),
            "took {second_took:?}"
        );
        assert_eq!(cache.errors(), 2);
        server.abort();
    }

    #[tokio::test]
    async fn an_invalid_url_is_refused_without_echoing_it() {
        let err = RedisCache::connect(
            "http://user:hunter2@host",
            fresh_namespace(),
            DEFAULT_OP_TIMEOUT,
        )
        .await
        .unwrap_err();
        assert_eq!(err, CacheError::InvalidUrl);
        assert!(!err.to_string().contains("hunter2"));
    }
}
