//! [`LookupService`]: "which NCT cards carry this GTIN?", answered from the cache when possible, with one
//! NCT call per GTIN at a time.
//!
//! The path of a lookup:
//! 1. the cache ([`LookupCacheImpl`]); a cache failure is logged (rate-limited, without the key), counted
//!    by the cache, and treated as a miss: the cache never fails a lookup;
//! 2. on a miss, a *flight*: concurrent lookups of one GTIN in this process share one NCT call (a spawned
//!    task, so the call finishes and fills the cache even if every caller gives up);
//! 3. NCT's `GET /v2/products/{tin}` with the 13-digit form of the GTIN (the v2 path takes 13 digits only);
//!    a GTIN-14 with indicator digit 1–9 has no 13-digit form and goes to `GET /v1/products/{tin}` (13 or
//!    14 digits, one card);
//! 4. `Found` and `NotFound` answers are cached (with [`CacheTtls::found`] / [`CacheTtls::not_found`]);
//!    every other error is returned and never cached.
//!
//! Errors belong to the key that got them: a lookup that joined another key's flight takes that flight's
//! *answer* (public catalog facts), but not its *error* (an invalid or rate-limited key says nothing about
//! another tenant's key); it then joins or starts a flight of its own. The key is only passed to
//! [`NctClient`]; while a flight runs, a copy sits in the flight table (to tell keys apart, compared in
//! constant time) and in the spawned task, and it is zeroized when they drop.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;
use futures_util::future::{BoxFuture, Shared};
use secrecy::{ExposeSecret as _, SecretString};
use tracing::Instrument as _;

use crate::cache::{
    CacheError, CacheTtls, CachedCard, CachedLookup, LookupCache as _, LookupCacheImpl,
};
use nct::NctClient;
use nct::dto::PortalProductDto;
use nct::error::NctError;

/// At most one cache warning per this interval (the rest go to `debug`), so an outage does not flood logs.
const CACHE_WARN_INTERVAL: Duration = Duration::from_secs(10);

/// How many other-key flights a lookup may join before it calls NCT on its own.
const MAX_FOREIGN_FLIGHTS: usize = 2;

/// The answer to one lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupResult {
    /// What NCT says about the GTIN.
    pub value: CachedLookup,
    /// True when the answer came from the cache, false when from NCT (in this call or a shared flight).
    pub from_cache: bool,
}

/// GTIN lookups through the cache, with in-process singleflight. Cheap to clone.
#[derive(Clone)]
pub struct LookupService {
    inner: Arc<Inner>,
}

struct Inner {
    fetcher: Fetcher,
    cache: LookupCacheImpl,
    ttls: CacheTtls,
    /// Running NCT calls by GTIN-14.
    flights: Mutex<HashMap<String, FlightEntry>>,
    next_flight_id: AtomicU64,
    /// When the last cache warning was logged.
    last_cache_warn: Mutex<Option<Instant>>,
}

/// What a flight resolves to; clonable so every waiter gets a copy.
type FlightOutcome = Result<CachedLookup, NctError>;
type Flight = Shared<BoxFuture<'static, FlightOutcome>>;

struct FlightEntry {
    /// Tells this flight from a later one for the same GTIN.
    id: u64,
    /// The key the flight calls NCT with.
    key: SecretString,
    flight: Flight,
}

/// Removes a flight from the table when its task ends (also on panic or runtime shutdown).
struct FlightGuard {
    inner: Arc<Inner>,
    gtin: String,
    id: u64,
}

impl Drop for FlightGuard {
    fn drop(&mut self) {
        let mut flights = lock(&self.inner.flights);
        if flights.get(&self.gtin).is_some_and(|f| f.id == self.id) {
            flights.remove(&self.gtin);
        }
    }
}

/// The NCT call, replaceable in tests.
enum Fetcher {
    Nct(NctClient),
    #[cfg(test)]
    Fake(FakeFetch),
}

/// A test stand-in for `NctClient::lookup_gtin`.
#[cfg(test)]
type FakeFetch = Arc<
    dyn Fn(&SecretString, &str) -> BoxFuture<'static, Result<Vec<PortalProductDto>, NctError>>
        + Send
        + Sync,
>;

impl Fetcher {
    async fn lookup_gtin(
        &self,
        key: &SecretString,
        tin: &str,
    ) -> Result<Vec<PortalProductDto>, NctError> {
        match self {
            // A 14-digit tin (GTIN-14 with indicator 1–9) has no 13-digit form: v1 takes it.
            Self::Nct(client) if tin.len() == 14 => client.get_product(key, tin).await.map(|card| vec![card]),
            Self::Nct(client) => client.lookup_gtin(key, tin).await,
            #[cfg(test)]
            Self::Fake(fake) => fake(key, tin).await,
        }
    }
}

impl fmt::Debug for LookupService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LookupService")
            .field("cache", &self.inner.cache)
            .field("ttls", &self.inner.ttls)
            .finish_non_exhaustive()
    }
}

impl LookupService {
    /// Builds the service. A [`crate::cache::RedisCache`] should be namespaced with
    /// [`crate::cache::namespace_for`]`(client.base_url())`, so answers of one NCT never serve another.
    pub fn new(client: NctClient, cache: LookupCacheImpl, ttls: CacheTtls) -> Self {
        Self::with_fetcher(Fetcher::Nct(client), cache, ttls)
    }

    fn with_fetcher(fetcher: Fetcher, cache: LookupCacheImpl, ttls: CacheTtls) -> Self {
        Self {
            inner: Arc::new(Inner {
                fetcher,
                cache,
                ttls,
                flights: Mutex::new(HashMap::new()),
                next_flight_id: AtomicU64::new(0),
                last_cache_warn: Mutex::new(None),
            }),
        }
    }

    /// Looks up a GTIN-14 (14 digits, as `domain::barcode::Gtin::as_str` gives it): the cache first, then
    /// NCT (one shared call per GTIN in this process).
    ///
    /// # Errors
    /// [`NctError::Validation`] when `gtin14` is not 14 digits (NCT is not called); otherwise the
    /// [`NctError`] of the NCT call, except [`NctError::NotFound`], which is an answer
    /// ([`CachedLookup::NotFound`]). Cache failures are never returned.
    #[tracing::instrument(name = "lookup.gtin", skip_all, fields(gtin = %gtin14))]
    pub async fn lookup(&self, key: &SecretString, gtin14: &str) -> Result<LookupResult, NctError> {
        nct_tin(gtin14)?;
        match self.inner.cache.get(gtin14).await {
            Ok(Some(value)) => {
                return Ok(LookupResult {
                    value,
                    from_cache: true,
                });
            }
            Ok(None) => {}
            Err(e) => self.inner.cache_failed("read", &e),
        }
        let value = self.shared_fetch(key, gtin14).await?;
        Ok(LookupResult {
            value,
            from_cache: false,
        })
    }

    /// The cached answers for many GTIN-14s, in order (`None` = not cached), read in bulk (`MGET`) so a
    /// job can settle a warm catalog before calling NCT. Fails open: when the cache is down, all `None`.
    pub async fn cached_many(&self, gtins: &[String]) -> Vec<Option<CachedLookup>> {
        match self.inner.cache.get_many(gtins).await {
            Ok(values) => values,
            Err(e) => {
                self.inner.cache_failed("bulk read", &e);
                vec![None; gtins.len()]
            }
        }
    }

    /// Failed cache operations since start (0 for the in-process cache).
    pub fn cache_errors(&self) -> u64 {
        self.inner.cache.errors()
    }

    /// True when the cache answers now; false means `/readyz` should report "degraded" (not "down").
    pub async fn cache_ok(&self) -> bool {
        self.inner.cache.ping().await
    }

    /// Joins (or starts) the flight for `gtin14`, accepting another key's errors only as a last resort
    /// after calling NCT with our own key.
    async fn shared_fetch(&self, key: &SecretString, gtin14: &str) -> FlightOutcome {
        for _ in 0..=MAX_FOREIGN_FLIGHTS {
            let (flight, same_key) = self.join_or_start(key, gtin14);
            match flight.await {
                Ok(value) => return Ok(value),
                Err(e) if same_key => return Err(e),
                // Another key failed; that says nothing about ours.
                Err(_) => {}
            }
        }
        // Still only foreign failures (many keys at once): call with our own key, unshared.
        self.inner.fetch_and_store(key, gtin14).await
    }

    /// The running flight for `gtin14` and whether it uses `key`, or a new one started with `key`.
    fn join_or_start(&self, key: &SecretString, gtin14: &str) -> (Flight, bool) {
        let mut flights = lock(&self.inner.flights);
        if let Some(entry) = flights.get(gtin14) {
            return (entry.flight.clone(), same_secret(&entry.key, key));
        }
        let id = self.inner.next_flight_id.fetch_add(1, Ordering::Relaxed);
        // The guard (made inside the task, so it never drops while this lock is held) removes the entry
        // when the task ends. The table stays locked until the entry is in, so even a task that ends at
        // once cannot leave a stale entry behind.
        let task = tokio::spawn({
            let inner = Arc::clone(&self.inner);
            let gtin = gtin14.to_owned();
            let key = key.clone();
            async move {
                let guard = FlightGuard { inner, gtin, id };
                guard.inner.fetch_and_store(&key, &guard.gtin).await
            }
            // The NCT call's span stays under the lookup that started the flight.
            .in_current_span()
        });
        // A task dropped before it ran (runtime shutting down) never made its guard: clean up here. Weak,
        // so the table does not keep the service alive through its own entries.
        let weak = Arc::downgrade(&self.inner);
        let gtin = gtin14.to_owned();
        let flight: Flight = async move {
            task.await.unwrap_or_else(|_| {
                if let Some(inner) = weak.upgrade() {
                    drop(FlightGuard { inner, gtin, id });
                }
                Err(NctError::Unavailable {
                    status: None,
                    message: "the lookup task stopped before NCT answered".to_owned(),
                })
            })
        }
        .boxed()
        .shared();
        flights.insert(
            gtin14.to_owned(),
            FlightEntry {
                id,
                key: key.clone(),
                flight: flight.clone(),
            },
        );
        (flight, true)
    }
}

impl Inner {
    /// One NCT call, and the answer cached when it is one.
    async fn fetch_and_store(&self, key: &SecretString, gtin14: &str) -> FlightOutcome {
        let tin = nct_tin(gtin14)?;
        let (value, ttl) = match self.fetcher.lookup_gtin(key, tin).await {
            Ok(cards) => (
                CachedLookup::Found(cards.iter().map(CachedCard::from).collect()),
                self.ttls.found,
            ),
            Err(NctError::NotFound) => (CachedLookup::NotFound, self.ttls.not_found),
            Err(e) => return Err(e),
        };
        if let Err(e) = self.cache.put(gtin14, &value, ttl).await {
            self.cache_failed("write", &e);
        }
        Ok(value)
    }

    /// Logs a cache failure (never with the key); at `warn` at most once per
    /// [`CACHE_WARN_INTERVAL`]. (The cache counts the failure itself.)
    fn cache_failed(&self, operation: &'static str, error: &CacheError) {
        let now = Instant::now();
        let warn = {
            let mut last = lock(&self.last_cache_warn);
            let due = last.is_none_or(|at| now.duration_since(at) >= CACHE_WARN_INTERVAL);
            if due {
                *last = Some(now);
            }
            due
        };
        if warn {
            tracing::warn!(
                operation,
                error = %error,
                cache_errors = self.cache.errors(),
                "lookup cache failed; treating it as a miss and calling NCT"
            );
        } else {
            tracing::debug!(operation, error = %error, "lookup cache failed; treating it as a miss");
        }
    }
}

/// The `tin` NCT's v2 lookup takes for a GTIN-14: 13 digits when it starts with `0`, else all 14.
fn nct_tin(gtin14: &str) -> Result<&str, NctError> {
    if gtin14.len() != 14 || !gtin14.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NctError::Validation {
            code: "VALIDATION_ERROR".to_owned(),
            message: "a GTIN-14 (14 digits) is required; nothing was sent to NCT".to_owned(),
        });
    }
    Ok(gtin14.strip_prefix('0').unwrap_or(gtin14))
}

/// Constant-time equality of two keys (the length may leak; the content does not).
fn same_secret(a: &SecretString, b: &SecretString) -> bool {
    let (a, b) = (a.expose_secret().as_bytes(), b.expose_secret().as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A poisoned lock only means a panic elsewhere; the table is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::cache::{MemoryCache, RedisCache, namespace_for};

    const GTIN: &str = "04006381333931";

    /// Calls seen by a fake NCT, with the `tin`s asked for.
    #[derive(Default)]
    struct Calls {
        count: AtomicUsize,
        tins: Mutex<Vec<String>>,
    }

    /// A service over `cache` whose NCT answers with `answer(key, tin)` after `delay`.
    fn service<F>(cache: LookupCacheImpl, delay: Duration, answer: F) -> (LookupService, Arc<Calls>)
    where
        F: Fn(&str, &str) -> Result<Vec<PortalProductDto>, NctError> + Send + Sync + 'static,
    {
        let calls = Arc::new(Calls::default());
        let seen = Arc::clone(&calls);
        let fake: FakeFetch = Arc::new(move |key: &SecretString, tin: &str| {
            seen.count.fetch_add(1, Ordering::SeqCst);
            lock(&seen.tins).push(tin.to_owned());
            let result = answer(key.expose_secret(), tin);
            async move {
                tokio::time::sleep(delay).await;
                result
            }
            .boxed()
        });
        let svc = LookupService::with_fetcher(Fetcher::Fake(fake), cache, CacheTtls::default());
        (svc, calls)
    }

    fn card(tin: &str) -> PortalProductDto {
        PortalProductDto {
            id: 7,
            gtin: Some(tin.to_owned()),
            ntin: Some("0200000000017".to_owned()),
            name_ru: Some("Карандаш".to_owned()),
            ..PortalProductDto::default()
        }
    }

    fn key(s: &str) -> SecretString {
        SecretString::from(s)
    }

    fn memory() -> LookupCacheImpl {
        MemoryCache::new().into()
    }

    #[tokio::test]
    async fn fifty_concurrent_lookups_make_one_nct_call() {
        // Arrange
        let (svc, calls) = service(memory(), Duration::from_millis(100), |_, tin| {
            Ok(vec![card(tin)])
        });
        let k = key("k1");

        // Act
        let lookups = (0..50).map(|_| svc.lookup(&k, GTIN));
        let results = futures_util::future::join_all(lookups).await;

        // Assert
        assert_eq!(calls.count.load(Ordering::SeqCst), 1);
        for r in &results {
            let r = r.as_ref().unwrap();
            assert!(!r.from_cache);
            assert_eq!(
                r.value,
                CachedLookup::Found(vec![CachedCard::from(&card("4006381333931"))])
            );
        }
        let again = svc.lookup(&k, GTIN).await.unwrap();
        assert!(again.from_cache);
        assert_eq!(calls.count.load(Ordering::SeqCst), 1);
        assert!(
            lock(&svc.inner.flights).is_empty(),
            "finished flights are removed"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_lookups_on_a_multi_thread_runtime_share_one_call() {
        let (svc, calls) = service(memory(), Duration::from_millis(100), |_, tin| {
            Ok(vec![card(tin)])
        });
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let svc = svc.clone();
                tokio::spawn(async move { svc.lookup(&key("k1"), GTIN).await })
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap().is_ok());
        }
        assert_eq!(calls.count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn nct_gets_thirteen_digits_when_the_gtin_starts_with_zero() {
        let (svc, calls) = service(memory(), Duration::ZERO, |_, tin| Ok(vec![card(tin)]));

        svc.lookup(&key("k"), "04006381333931").await.unwrap();
        svc.lookup(&key("k"), "14006381333938").await.unwrap();
        svc.lookup(&key("k"), "00012345678905").await.unwrap();

        assert_eq!(
            *lock(&calls.tins),
            vec!["4006381333931", "14006381333938", "0012345678905"]
        );
    }

    #[tokio::test]
    async fn not_found_is_an_answer_and_is_cached() {
        let (svc, calls) = service(memory(), Duration::ZERO, |_, _| Err(NctError::NotFound));

        let first = svc.lookup(&key("k"), GTIN).await.unwrap();
        let second = svc.lookup(&key("k"), GTIN).await.unwrap();

        assert_eq!(first.value, CachedLookup::NotFound);
        assert!(!first.from_cache);
        assert_eq!(
            second,
            LookupResult {
                value: CachedLookup::NotFound,
                from_cache: true
            }
        );
        assert_eq!(calls.count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn rate_limits_are_returned_and_not_cached() {
        let limited = NctError::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
        };
        let answer = limited.clone();
        let (svc, calls) = service(memory(), Duration::ZERO, move |_, _| Err(answer.clone()));

        assert_eq!(svc.lookup(&key("k"), GTIN).await, Err(limited.clone()));
        assert_eq!(svc.lookup(&key("k"), GTIN).await, Err(limited));
        assert_eq!(calls.count.load(Ordering::SeqCst), 2);
        assert_eq!(svc.cached_many(&[GTIN.to_owned()]).await, vec![None]);
    }

    #[tokio::test]
    async fn one_keys_error_is_not_handed_to_another_key() {
        // Arrange: the bad key's flight starts first; the good key joins it.
        let (svc, calls) = service(memory(), Duration::from_millis(80), |key, tin| {
            if key == "bad" {
                Err(NctError::InvalidKey)
            } else {
                Ok(vec![card(tin)])
            }
        });
        let (bad, good) = (key("bad"), key("good"));

        // Act
        let (bad_result, good_result) = tokio::join!(svc.lookup(&bad, GTIN), async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            svc.lookup(&good, GTIN).await
        });

        // Assert
        assert_eq!(bad_result, Err(NctError::InvalidKey));
        assert!(matches!(
            good_result,
            Ok(LookupResult {
                value: CachedLookup::Found(_),
                from_cache: false
            })
        ));
        assert_eq!(calls.count.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_found_answer_is_shared_across_keys() {
        let (svc, calls) = service(memory(), Duration::from_millis(80), |_, tin| {
            Ok(vec![card(tin)])
        });

        let (ka, kb) = (key("a"), key("b"));

        let (a, b) = tokio::join!(svc.lookup(&ka, GTIN), async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            svc.lookup(&kb, GTIN).await
        });

        assert_eq!(a.unwrap().value, b.unwrap().value);
        assert_eq!(calls.count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_unavailable_cache_still_answers_from_nct() {
        // Arrange: a Redis that is not there.
        let redis = RedisCache::connect(
            "redis://127.0.0.1:1",
            namespace_for("http://sim.invalid/gwp"),
            Duration::from_millis(50),
        )
        .await
        .unwrap();
        let (svc, calls) = service(redis.into(), Duration::ZERO, |_, tin| Ok(vec![card(tin)]));

        // Act
        let first = svc.lookup(&key("k"), GTIN).await.unwrap();
        let second = svc.lookup(&key("k"), GTIN).await.unwrap();

        // Assert
        assert!(!first.from_cache && !second.from_cache);
        assert!(matches!(first.value, CachedLookup::Found(_)));
        assert_eq!(calls.count.load(Ordering::SeqCst), 2);
        assert!(svc.cache_errors() >= 2, "{}", svc.cache_errors());
        assert!(!svc.cache_ok().await);
        assert_eq!(
            svc.cached_many(&[GTIN.to_owned(), "00000040084077".to_owned()])
                .await,
            vec![None, None]
        );
    }

    #[tokio::test]
    async fn cached_many_reads_a_warm_catalog() {
        let (svc, _) = service(memory(), Duration::ZERO, |_, tin| {
            if tin == "4006381333931" {
                Ok(vec![card(tin)])
            } else {
                Err(NctError::NotFound)
            }
        });
        svc.lookup(&key("k"), GTIN).await.unwrap();
        svc.lookup(&key("k"), "00000040084077").await.unwrap();

        let got = svc
            .cached_many(&[
                GTIN.to_owned(),
                "09999999999999".to_owned(),
                "00000040084077".to_owned(),
            ])
            .await;

        assert!(matches!(got[0], Some(CachedLookup::Found(_))));
        assert_eq!(got[1], None);
        assert_eq!(got[2], Some(CachedLookup::NotFound));
        assert!(svc.cache_ok().await);
        assert_eq!(svc.cache_errors(), 0);
    }

    #[tokio::test]
    async fn a_malformed_gtin_never_reaches_nct() {
        let (svc, calls) = service(memory(), Duration::ZERO, |_, tin| Ok(vec![card(tin)]));

        for bad in ["4006381333931", "0400638133393x", "", "040063813339310"] {
            assert!(matches!(
                svc.lookup(&key("k"), bad).await,
                Err(NctError::Validation { .. })
            ));
        }
        assert_eq!(calls.count.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn keys_compare_by_content() {
        assert!(same_secret(&key("abc"), &key("abc")));
        assert!(!same_secret(&key("abc"), &key("abd")));
        assert!(!same_secret(&key("abc"), &key("abcd")));
    }
}
