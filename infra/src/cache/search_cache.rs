//! The shared search cache: the cards NCT's search gateway listed for a query, kept for a while and shared by
//! every tenant (like GTIN lookups: the answer is public catalog facts).
//!
//! Keys are `ntin:v1:{namespace}:search:{hash}` where the namespace is [`super::namespace_for`] of the search
//! gateway's URL and the hash is the first 16 bytes of SHA-256 over the normalised query (lower case, single
//! spaces) and the page size. The query itself never enters a key (it is derived from a seller's SKU name);
//! values are JSON lists of [`CandidateCard`]. Same adapters as the lookup cache: Redis when configured
//! (timeouts, circuit breaker), else a bounded in-process map. Callers fail open.

use std::time::Duration;

use domain::matching::CandidateCard;
use redis::FromRedisValue as _;

use super::{CacheError, FORMAT_VERSION, MemoryCache, RedisCache, jittered, namespace_for};

/// Entries kept in memory when there is no Redis.
pub const SEARCH_MEMORY_CAPACITY: usize = 50_000;

/// The cache of search answers.
#[derive(Debug, Clone)]
pub enum SearchCache {
    /// Shared by every replica.
    Redis {
        /// The connection (and its circuit breaker) of the lookup cache.
        cache: RedisCache,
        /// Namespace of the search gateway URL.
        namespace: String,
    },
    /// This process only.
    Memory(MemoryCache<Vec<CandidateCard>>),
}

/// The key of a query's entry.
#[must_use]
pub fn search_key(namespace: &str, query: &str, size: u32) -> String {
    let normalized = query.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(normalized.as_bytes());
    ctx.update(format!("|{size}").as_bytes());
    let hash: String = ctx.finish().as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("ntin:{FORMAT_VERSION}:{namespace}:search:{hash}")
}

impl SearchCache {
    /// The in-process cache.
    pub fn memory() -> Self {
        Self::Memory(MemoryCache::with_capacity(SEARCH_MEMORY_CAPACITY))
    }

    /// Redis, with keys namespaced by the search gateway URL.
    pub fn redis(cache: RedisCache, search_url: &str) -> Self {
        Self::Redis { cache, namespace: namespace_for(search_url) }
    }

    fn key(&self, query: &str, size: u32) -> String {
        match self {
            Self::Redis { namespace, .. } => search_key(namespace, query, size),
            Self::Memory(_) => search_key("local", query, size),
        }
    }

    /// The cached cards for `query` (`None`: a miss, or an entry that cannot be decoded).
    ///
    /// # Errors
    /// [`CacheError::Unavailable`] when Redis cannot answer in time (treat as a miss).
    pub async fn get(&self, query: &str, size: u32) -> Result<Option<Vec<CandidateCard>>, CacheError> {
        let key = self.key(query, size);
        match self {
            Self::Memory(m) => Ok(m.get_value(&key)),
            Self::Redis { cache, .. } => {
                let mut cmd = redis::cmd("GET");
                cmd.arg(key);
                let raw: redis::Value = cache.run(&cmd).await?;
                let bytes: Option<Vec<u8>> = Option::<Vec<u8>>::from_redis_value(raw).unwrap_or(None);
                Ok(bytes.and_then(|b| serde_json::from_slice(&b).ok()))
            }
        }
    }

    /// Stores the cards for `query`, to expire after `ttl` ± 10 %.
    ///
    /// # Errors
    /// [`CacheError::Unavailable`] when Redis cannot take the write in time (the answer is then not cached).
    pub async fn put(&self, query: &str, size: u32, cards: &[CandidateCard], ttl: Duration) -> Result<(), CacheError> {
        let key = self.key(query, size);
        match self {
            Self::Memory(m) => {
                m.put_value(&key, cards.to_vec(), ttl);
                Ok(())
            }
            Self::Redis { cache, .. } => {
                let json = serde_json::to_vec(cards).map_err(|e| CacheError::Unavailable(format!("cannot encode the value ({e})")))?;
                let ttl_ms = u64::try_from(jittered(ttl).as_millis()).unwrap_or(u64::MAX).clamp(1, i64::MAX as u64);
                let mut cmd = redis::cmd("SET");
                cmd.arg(key).arg(json).arg("PX").arg(ttl_ms);
                cache.run::<()>(&cmd).await
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_hide_the_query_and_ignore_case_and_spacing() {
        let a = search_key("abc", "Шоколад  Рахат 90 г", 20);
        assert_eq!(a, search_key("abc", "шоколад рахат 90 г", 20));
        assert_ne!(a, search_key("abc", "шоколад рахат 90 г", 10));
        assert_ne!(a, search_key("xyz", "шоколад рахат 90 г", 20));
        assert!(a.starts_with("ntin:v1:abc:search:") && !a.contains("рахат"), "{a}");
    }

    #[tokio::test]
    async fn the_memory_cache_round_trips() {
        let c = SearchCache::memory();
        let cards = vec![CandidateCard { ntin: "0200000000017".into(), name_ru: "x".into(), ..CandidateCard::default() }];
        assert_eq!(c.get("q", 20).await.unwrap(), None);
        c.put("q", 20, &cards, Duration::from_secs(60)).await.unwrap();
        assert_eq!(c.get("Q", 20).await.unwrap(), Some(cards));
    }

    #[tokio::test]
    async fn the_redis_cache_round_trips_when_a_redis_is_given() {
        let Ok(url) = std::env::var("TEST_REDIS_URL") else {
            eprintln!("TEST_REDIS_URL is not set: skipping this Redis test");
            return;
        };
        let redis = RedisCache::connect(&url, "unused".into(), Duration::from_millis(500)).await.unwrap();
        let c = SearchCache::redis(redis, &format!("http://search-{}.invalid/gw", uuid::Uuid::new_v4()));
        let cards = vec![CandidateCard { ntin: "0200000000017".into(), name_ru: "Чай".into(), card_id: 7, ..CandidateCard::default() }];
        assert_eq!(c.get("чай", 20).await.unwrap(), None);
        c.put("чай", 20, &cards, Duration::from_secs(60)).await.unwrap();
        assert_eq!(c.get("ЧАЙ", 20).await.unwrap(), Some(cards));
    }
}
