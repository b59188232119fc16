//! [`MemoryCache`]: the in-process lookup cache, used when no Redis is configured.
//!
//! A `HashMap` behind a std `Mutex` (held only for map operations, never across an `.await`), bounded to a
//! number of entries. When full, the oldest *written* entry goes (FIFO by write, not LRU: a lookup
//! cache refilled by bulk jobs gains little from recency tracking). Expired entries are dropped when read;
//! unread ones wait for eviction, so memory stays bounded by the capacity either way.
//!
//! Entries are not namespaced: one process talks to one NCT, and every instance has its own map.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::{CacheError, CachedLookup, LookupCache, jittered};

/// Default bound: about 200,000 GTINs (a few hundred bytes each, so tens of MB at most).
pub const DEFAULT_MEMORY_CAPACITY: usize = 200_000;

/// Longest lifetime of an entry (keeps `Instant` arithmetic far from overflow).
const MAX_TTL: Duration = Duration::from_secs(365 * 24 * 3600);

/// Bounded in-process cache with TTLs. Cheap to clone (clones share the map). `V` is the value type: GTIN
/// lookups by default, search pages for [`super::search_cache::SearchCache`].
#[derive(Debug)]
pub struct MemoryCache<V = CachedLookup> {
    store: Arc<Mutex<Store<V>>>,
    /// Most entries kept; at least 1.
    capacity: usize,
}

impl<V> Clone for MemoryCache<V> {
    fn clone(&self) -> Self {
        Self { store: self.store.clone(), capacity: self.capacity }
    }
}

#[derive(Debug)]
struct Store<V> {
    map: HashMap<String, Entry<V>>,
    /// Write order as `(seq, gtin)`. A pair whose `seq` no longer matches the map entry is stale (the GTIN
    /// was rewritten or dropped) and is skipped; [`Store::compact`] keeps stale pairs from piling up.
    order: VecDeque<(u64, String)>,
    next_seq: u64,
}

impl<V> Default for Store<V> {
    fn default() -> Self {
        Self { map: HashMap::new(), order: VecDeque::new(), next_seq: 0 }
    }
}

#[derive(Debug)]
struct Entry<V> {
    value: V,
    expires_at: Instant,
    seq: u64,
}

impl Default for MemoryCache {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryCache {
    /// A cache of [`DEFAULT_MEMORY_CAPACITY`] entries.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_MEMORY_CAPACITY)
    }
}

impl<V: Clone> MemoryCache<V> {
    /// A cache of at most `capacity` entries (0 is taken as 1).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            store: Arc::new(Mutex::new(Store::default())),
            capacity: capacity.max(1),
        }
    }

    /// The live value of `key`, if any.
    pub fn get_value(&self, key: &str) -> Option<V> {
        self.read(key, Instant::now())
    }

    /// Stores `value` under `key` for `ttl` ± 10 %.
    pub fn put_value(&self, key: &str, value: V, ttl: Duration) {
        let expires_at = Instant::now() + jittered(ttl).min(MAX_TTL);
        self.lock().insert(key, value, expires_at, self.capacity);
    }

    /// Entries held, including expired ones not read since.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A poisoned lock only means another thread panicked mid-operation; the map is still consistent
    /// enough for a cache (worst case, one entry is missing).
    fn lock(&self) -> MutexGuard<'_, Store<V>> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn read(&self, gtin: &str, now: Instant) -> Option<V> {
        let mut store = self.lock();
        match store.map.get(gtin) {
            Some(entry) if entry.expires_at > now => Some(entry.value.clone()),
            Some(_) => {
                store.map.remove(gtin);
                None
            }
            None => None,
        }
    }
}

impl<V> Store<V> {
    fn insert(&mut self, gtin: &str, value: V, expires_at: Instant, capacity: usize) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Entry {
            value,
            expires_at,
            seq,
        };
        self.order.push_back((seq, gtin.to_owned()));
        if self.map.insert(gtin.to_owned(), entry).is_none() {
            while self.map.len() > capacity {
                if !self.evict_oldest() {
                    break;
                }
            }
        }
        if self.order.len() > 2 * capacity.max(self.map.len()) + 64 {
            self.compact();
        }
    }

    /// Drops the oldest live entry; false when there is none.
    fn evict_oldest(&mut self) -> bool {
        while let Some((seq, gtin)) = self.order.pop_front() {
            if self.map.get(&gtin).is_some_and(|e| e.seq == seq) {
                self.map.remove(&gtin);
                return true;
            }
        }
        false
    }

    /// Rebuilds `order` from the live entries, dropping stale pairs.
    fn compact(&mut self) {
        let mut live: Vec<(u64, String)> = self
            .map
            .iter()
            .map(|(gtin, e)| (e.seq, gtin.clone()))
            .collect();
        live.sort_unstable_by_key(|(seq, _)| *seq);
        self.order = live.into();
    }
}

impl LookupCache for MemoryCache {
    async fn get_many(&self, gtins: &[String]) -> Result<Vec<Option<CachedLookup>>, CacheError> {
        let now = Instant::now();
        Ok(gtins.iter().map(|g| self.read(g, now)).collect())
    }

    async fn get(&self, gtin: &str) -> Result<Option<CachedLookup>, CacheError> {
        Ok(self.read(gtin, Instant::now()))
    }

    async fn put(&self, gtin: &str, value: &CachedLookup, ttl: Duration) -> Result<(), CacheError> {
        self.put_value(gtin, value.clone(), ttl);
        Ok(())
    }

    async fn ping(&self) -> bool {
        true
    }

    /// Always 0: the in-process cache cannot fail.
    fn errors(&self) -> u64 {
        0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn found(n: i64) -> CachedLookup {
        CachedLookup::Found(vec![super::super::CachedCard {
            ntin: format!("02000000000{n:02}"),
            card_id: n,
            ..Default::default()
        }])
    }

    fn gtin(n: usize) -> String {
        format!("{n:014}")
    }

    #[tokio::test]
    async fn entries_expire_after_their_ttl() {
        // Arrange
        let cache = MemoryCache::new();
        cache
            .put(&gtin(1), &found(1), Duration::from_millis(60))
            .await
            .unwrap();
        cache
            .put(&gtin(2), &CachedLookup::NotFound, Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(cache.get(&gtin(1)).await.unwrap(), Some(found(1)));

        // Act
        tokio::time::sleep(Duration::from_millis(150)).await;

        // Assert
        assert_eq!(cache.get(&gtin(1)).await.unwrap(), None);
        assert_eq!(
            cache.get(&gtin(2)).await.unwrap(),
            Some(CachedLookup::NotFound)
        );
        assert_eq!(cache.len(), 1, "the expired entry is dropped when read");
    }

    #[tokio::test]
    async fn get_many_answers_in_order_with_misses() {
        let cache = MemoryCache::new();
        let ttl = Duration::from_secs(60);
        cache.put(&gtin(1), &found(1), ttl).await.unwrap();
        cache
            .put(&gtin(3), &CachedLookup::NotFound, ttl)
            .await
            .unwrap();

        let got = cache.get_many(&[gtin(1), gtin(2), gtin(3)]).await.unwrap();

        assert_eq!(
            got,
            vec![Some(found(1)), None, Some(CachedLookup::NotFound)]
        );
        assert!(cache.get_many(&[]).await.unwrap().is_empty());
        assert!(cache.ping().await);
        assert_eq!(cache.errors(), 0);
    }

    #[tokio::test]
    async fn a_full_cache_evicts_the_oldest_write() {
        // Arrange
        let cache = MemoryCache::with_capacity(3);
        let ttl = Duration::from_secs(60);
        for n in 1..=5 {
            cache.put(&gtin(n), &found(n as i64), ttl).await.unwrap();
        }
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get(&gtin(1)).await.unwrap(), None);
        assert_eq!(cache.get(&gtin(2)).await.unwrap(), None);

        // Act: rewriting 3 makes 4 the oldest.
        cache.put(&gtin(3), &found(33), ttl).await.unwrap();
        cache.put(&gtin(6), &found(6), ttl).await.unwrap();

        // Assert
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get(&gtin(4)).await.unwrap(), None);
        assert_eq!(cache.get(&gtin(3)).await.unwrap(), Some(found(33)));
        assert_eq!(cache.get(&gtin(5)).await.unwrap(), Some(found(5)));
        assert_eq!(cache.get(&gtin(6)).await.unwrap(), Some(found(6)));
    }

    #[tokio::test]
    async fn rewriting_one_key_does_not_grow_the_write_log() {
        let cache = MemoryCache::with_capacity(2);
        for n in 0..10_000 {
            cache
                .put(&gtin(7), &found(n % 50), Duration::from_secs(60))
                .await
                .unwrap();
        }
        let store = cache.lock();
        assert_eq!(store.map.len(), 1);
        assert!(store.order.len() <= 2 * 2 + 64 + 1, "{}", store.order.len());
    }

    #[tokio::test]
    async fn a_large_cache_stays_bounded() {
        let cache = MemoryCache::with_capacity(1_000);
        for n in 0..5_000 {
            cache
                .put(&gtin(n), &CachedLookup::NotFound, Duration::from_secs(60))
                .await
                .unwrap();
        }
        assert_eq!(cache.len(), 1_000);
        assert_eq!(cache.get(&gtin(3_999)).await.unwrap(), None);
        assert_eq!(
            cache.get(&gtin(4_000)).await.unwrap(),
            Some(CachedLookup::NotFound)
        );
    }
}
