//! The shared GTIN → NTIN lookup cache: what NCT answered for a GTIN, kept for a while.
//!
//! Only public catalog facts go in here ([`CachedLookup`]: the cards NCT lists for a GTIN, or "none"). No
//! tenant id, no API key, no request data ever enters a key or a value, so one entry can serve every tenant.
//!
//! # Layout
//! - this module: the value types, [`CacheError`], [`CacheTtls`], the key scheme ([`cache_key`],
//!   [`namespace_for`]) and the port [`LookupCache`], with [`LookupCacheImpl`] choosing the adapter at runtime;
//! - [`redis_cache`]: [`RedisCache`], shared by every replica, with a short command timeout and a circuit
//!   breaker so that a slow or stopped Redis degrades to "miss" instead of slowing requests down;
//! - [`memory`]: [`MemoryCache`], the bounded in-process default when no Redis is configured;
//! - [`search_cache`]: [`search_cache::SearchCache`], the same adapters for NCT search answers (matching).
//!
//! Keys are `ntin:v1:{namespace}:gtin:{gtin14}`. The namespace is a hash of the NCT base URL, so entries
//! learnt from the simulator never answer for the real catalog (and the other way round); `v1` is the
//! value format, bumped when [`CachedLookup`] changes incompatibly. Values are JSON. Every write gets a TTL
//! with ±10 % jitter, so a catalog warmed in one go does not expire in one go.
//!
//! Callers fail open: a [`CacheError`] means "treat it as a miss", never "fail the request".

pub mod memory;
pub mod redis_cache;
pub mod search_cache;

use std::future::Future;
use std::time::Duration;

use rand::Rng as _;
use serde::{Deserialize, Serialize};

use nct::dto::PortalProductDto;

pub use memory::{DEFAULT_MEMORY_CAPACITY, MemoryCache};
pub use redis_cache::{CIRCUIT_COOLDOWN, DEFAULT_OP_TIMEOUT, RedisCache};

/// Version of the key and value format; part of every key.
pub(crate) const FORMAT_VERSION: &str = "v1";

/// A failed cache operation. Every variant means the same thing to a lookup: carry on without the cache.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    /// The backend did not answer in time, refused the connection, returned an error, or was skipped
    /// because it failed moments ago (circuit open). The text is ours: it never carries a key or a URL.
    #[error("cache unavailable: {0}")]
    Unavailable(String),
    /// The Redis URL cannot be parsed (only from [`RedisCache::connect`]). The URL itself is left out,
    /// because it may hold a password.
    #[error("the Redis URL is not valid (expected redis://[user:password@]host[:port][/db])")]
    InvalidUrl,
}

/// One card NCT lists for a GTIN: the public facts a seller needs to decide "already registered".
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct CachedCard {
    /// NTIN of the card (13 digits, `02…`); empty when NCT sent none.
    pub ntin: String,
    /// GTIN as NCT has it on the card (old cards may have `-` or a short code).
    pub gtin: Option<String>,
    /// Russian name.
    pub name_ru: Option<String>,
    /// Kazakh name.
    pub name_kk: Option<String>,
    /// Leaf OKTRU code (level 4 of `categoryAncestors`), e.g. `1020-0011-0003-100006374`.
    pub oktru: Option<String>,
    /// NCT card id (`https://nationalcatalog.kz/product/{id}`).
    pub card_id: i64,
}

impl From<&PortalProductDto> for CachedCard {
    fn from(dto: &PortalProductDto) -> Self {
        let non_empty = |s: &Option<String>| s.as_ref().filter(|v| !v.trim().is_empty()).cloned();
        Self {
            ntin: dto.ntin.clone().unwrap_or_default(),
            gtin: non_empty(&dto.gtin),
            name_ru: non_empty(&dto.name_ru),
            name_kk: non_empty(&dto.name_kk),
            oktru: dto
                .category_ancestors
                .iter()
                .find(|a| a.level == 4 && !a.code.trim().is_empty())
                .map(|a| a.code.clone()),
            card_id: dto.id,
        }
    }
}

/// What NCT answered for a GTIN. Both answers are cached (the negative one for a shorter time).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum CachedLookup {
    /// Every card NCT lists for the GTIN (GTINs are not unique in NCT); never empty when built from NCT.
    Found(Vec<CachedCard>),
    /// NCT has no card with this GTIN.
    NotFound,
}

/// How long answers are kept (before jitter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheTtls {
    /// Lifetime of a [`CachedLookup::Found`]; cards change rarely. Default 7 days.
    pub found: Duration,
    /// Lifetime of a [`CachedLookup::NotFound`]; a card may be published any day. Default 6 hours.
    pub not_found: Duration,
}

impl Default for CacheTtls {
    fn default() -> Self {
        Self {
            found: Duration::from_secs(7 * 24 * 3600),
            not_found: Duration::from_secs(6 * 3600),
        }
    }
}

/// A short, stable namespace for an NCT base URL: the first 12 hex digits of its SHA-256, after trimming
/// whitespace and trailing slashes (the form [`nct::NctClient::base_url`] reports). Stable across
/// processes, replicas and Rust versions.
pub fn namespace_for(base_url: &str) -> String {
    let normalized = base_url.trim().trim_end_matches('/');
    let digest = ring::digest::digest(&ring::digest::SHA256, normalized.as_bytes());
    digest.as_ref()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The key of a GTIN's entry: `ntin:v1:{namespace}:gtin:{gtin14}`.
pub fn cache_key(namespace: &str, gtin14: &str) -> String {
    format!("ntin:{FORMAT_VERSION}:{namespace}:gtin:{gtin14}")
}

/// `ttl` stretched or shrunk by up to 10 %, at random.
pub(crate) fn jittered(ttl: Duration) -> Duration {
    let factor: f64 = rand::rng().random_range(0.9..=1.1);
    Duration::try_from_secs_f64(ttl.as_secs_f64() * factor).unwrap_or(ttl)
}

/// The port: a GTIN-keyed store of [`CachedLookup`]s. Implemented by [`RedisCache`] and [`MemoryCache`].
///
/// Implementations must never block for long: every call returns within the adapter's own timeout.
/// They never see an API key, and log no cached value above `debug`.
pub trait LookupCache: Send + Sync + 'static {
    /// Reads the entries of `gtins` (GTIN-14s), in order: `None` for a miss, an expired entry or an entry
    /// that cannot be decoded (an old or foreign format is a miss, not an error).
    ///
    /// # Errors
    /// MUST return [`CacheError::Unavailable`] when the backend cannot answer in time; callers then treat
    /// every GTIN as a miss.
    fn get_many(
        &self,
        gtins: &[String],
    ) -> impl Future<Output = Result<Vec<Option<CachedLookup>>, CacheError>> + Send;

    /// Reads one entry; `None` as in [`LookupCache::get_many`].
    ///
    /// # Errors
    /// MUST return [`CacheError::Unavailable`] when the backend cannot answer in time.
    fn get(
        &self,
        gtin: &str,
    ) -> impl Future<Output = Result<Option<CachedLookup>, CacheError>> + Send;

    /// Stores `value` for `gtin`, replacing any entry, to expire after `ttl` ± 10 %.
    ///
    /// # Errors
    /// MUST return [`CacheError::Unavailable`] when the backend cannot take the write in time; the value is
    /// then simply not cached.
    fn put(
        &self,
        gtin: &str,
        value: &CachedLookup,
        ttl: Duration,
    ) -> impl Future<Output = Result<(), CacheError>> + Send;

    /// True when the backend answers right now (for `/readyz`: false means "degraded", not "down").
    fn ping(&self) -> impl Future<Output = bool> + Send;

    /// How many operations failed since start (each returned a [`CacheError`]).
    fn errors(&self) -> u64;
}

/// The cache chosen at startup: Redis when `REDIS_URL` is set, else the in-process one.
#[derive(Debug, Clone)]
pub enum LookupCacheImpl {
    /// Shared by every replica.
    Redis(RedisCache),
    /// This process only.
    Memory(MemoryCache),
}

impl From<RedisCache> for LookupCacheImpl {
    fn from(cache: RedisCache) -> Self {
        Self::Redis(cache)
    }
}

impl From<MemoryCache> for LookupCacheImpl {
    fn from(cache: MemoryCache) -> Self {
        Self::Memory(cache)
    }
}

impl LookupCache for LookupCacheImpl {
    async fn get_many(&self, gtins: &[String]) -> Result<Vec<Option<CachedLookup>>, CacheError> {
        match self {
            Self::Redis(c) => c.get_many(gtins).await,
            Self::Memory(c) => c.get_many(gtins).await,
        }
    }

    async fn get(&self, gtin: &str) -> Result<Option<CachedLookup>, CacheError> {
        match self {
            Self::Redis(c) => c.get(gtin).await,
            Self::Memory(c) => c.get(gtin).await,
        }
    }

    async fn put(&self, gtin: &str, value: &CachedLookup, ttl: Duration) -> Result<(), CacheError> {
        match self {
            Self::Redis(c) => c.put(gtin, value, ttl).await,
            Self::Memory(c) => c.put(gtin, value, ttl).await,
        }
    }

    async fn ping(&self) -> bool {
        match self {
            Self::Redis(c) => c.ping().await,
            Self::Memory(c) => c.ping().await,
        }
    }

    fn errors(&self) -> u64 {
        match self {
            Self::Redis(c) => c.errors(),
            Self::Memory(c) => c.errors(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use nct::dto::PortalAncestor;

    #[test]
    fn namespace_differs_per_base_url_and_ignores_trailing_slashes() {
        let prod = namespace_for("https://nationalcatalog.kz/gwp");
        let sim = namespace_for("http://127.0.0.1:8081/gwp");
        assert_ne!(prod, sim);
        assert_eq!(prod, namespace_for("https://nationalcatalog.kz/gwp/"));
        assert_eq!(prod.len(), 12);
        assert!(prod.bytes().all(|b| b.is_ascii_hexdigit()));
        // Stable: a changed hash would silently orphan every cached entry.
        assert_eq!(prod, namespace_for(" https://nationalcatalog.kz/gwp "));
    }

    #[test]
    fn keys_are_versioned_and_namespaced() {
        assert_eq!(
            cache_key("0123456789ab", "04006381333931"),
            "ntin:v1:0123456789ab:gtin:04006381333931"
        );
    }

    #[test]
    fn default_ttls_are_a_week_and_six_hours() {
        let ttls = CacheTtls::default();
        assert_eq!(ttls.found, Duration::from_secs(604_800));
        assert_eq!(ttls.not_found, Duration::from_secs(21_600));
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let ttl = Duration::from_secs(1000);
        for _ in 0..200 {
            let j = jittered(ttl);
            assert!(
                j >= Duration::from_secs(900) && j <= Duration::from_secs(1100),
                "{j:?}"
            );
        }
        // Huge TTLs must not panic on overflow.
        assert!(jittered(Duration::MAX) >= Duration::MAX.mul_f64(0.89));
    }

    #[test]
    fn cards_keep_public_facts_and_the_leaf_category() {
        let dto = PortalProductDto {
            id: 42,
            gtin: Some("4006381333931".into()),
            ntin: Some("0200000000017".into()),
            kztin: Some("secret-ish".into()),
            name_ru: Some("Ручка".into()),
            name_kk: Some("  ".into()),
            category_ancestors: (1..=4)
                .map(|level| PortalAncestor {
                    level,
                    code: format!("L{level}"),
                    ..PortalAncestor::default()
                })
                .collect(),
            ..PortalProductDto::default()
        };
        let card = CachedCard::from(&dto);
        assert_eq!(
            card,
            CachedCard {
                ntin: "0200000000017".into(),
                gtin: Some("4006381333931".into()),
                name_ru: Some("Ручка".into()),
                name_kk: None,
                oktru: Some("L4".into()),
                card_id: 42,
            }
        );
        let json = serde_json::to_string(&CachedLookup::Found(vec![card.clone()])).unwrap();
        assert!(!json.contains("secret-ish"));
        assert_eq!(
            serde_json::from_str::<CachedLookup>(&json).unwrap(),
            CachedLookup::Found(vec![card])
        );
    }
}
