//! The NCT budget per API key: every keyed NCT call of every process passes through it
//! ([`nct::CallGate`], installed with [`nct::NctClient::with_gate`]).
//!
//! - With a rate (`NCT_RATE_LIMIT` calls/s per key), each call reserves the key's next slot
//!   ([`SharedRate::reserve`]) and waits for it: with Redis, all replicas together stay under the rate.
//! - A 429 holds the key for its `Retry-After` (500 ms when NCT gives none), for every caller of the key in
//!   every replica ([`SharedRate::hold`]).
//!
//! Keys are told apart by a hash (the first 8 bytes of SHA-256, hex): the key itself is never stored, logged
//! or sent to Redis. One key's budget and holds never touch another's, so one tenant's 429s do not slow
//! another tenant down.
//!
//! Without a rate, only holds apply; a process then asks Redis about a key at most every
//! [`HOLD_POLL`] (holds change rarely), so the budget costs almost nothing on the hot path.

use super::rate::{Rate, SharedRate};
use nct::CallGate;
use nct::gate::GateFuture;
use secrecy::{ExposeSecret as _, SecretString};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often, without a rate, a process re-reads a key's hold from the shared store.
pub const HOLD_POLL: Duration = Duration::from_millis(100);
/// Longest hold honoured (a broken `Retry-After` must not stop a key for hours).
pub const MAX_HOLD: Duration = Duration::from_secs(60);
/// Hold after a 429 without `Retry-After`.
const DEFAULT_HOLD: Duration = Duration::from_millis(500);

/// The per-key NCT budget.
#[derive(Debug)]
pub struct NctBudget {
    rate: SharedRate,
    per_key: Option<Rate>,
    /// Without a rate: per key hash, when we last asked the store and until when it is held.
    seen: Mutex<HashMap<String, (Instant, Option<Instant>)>>,
}

/// The hash a key is known by.
pub fn key_id(key: &SecretString) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, key.expose_secret().as_bytes());
    d.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

impl NctBudget {
    /// A budget of `per_key` calls per key (none: holds only), kept in `rate`.
    pub fn new(rate: SharedRate, per_key: Option<Rate>) -> Self {
        Self { rate, per_key, seen: Mutex::new(HashMap::new()) }
    }

    fn store_key(id: &str) -> String {
        format!("nct:{id}")
    }

    /// How long a call with `key` must wait now (reserving a slot when there is a rate).
    pub async fn wait_for(&self, key: &SecretString) -> Duration {
        let id = key_id(key);
        if let Some(rate) = self.per_key {
            return self.rate.reserve(&Self::store_key(&id), rate).await;
        }
        // Holds only: use what we learnt less than HOLD_POLL ago.
        let now = Instant::now();
        let cached = self.lock().get(&id).copied();
        if let Some((asked, until)) = cached
            && now.duration_since(asked) < HOLD_POLL
        {
            return until.map(|u| u.saturating_duration_since(now)).unwrap_or_default();
        }
        let wait = self.rate.reserve(&Self::store_key(&id), Rate::UNLIMITED).await;
        let mut seen = self.lock();
        if seen.len() > 10_000 {
            seen.retain(|_, (asked, _)| now.duration_since(*asked) < HOLD_POLL);
        }
        seen.insert(id, (now, (!wait.is_zero()).then(|| now + wait)));
        wait
    }

    /// NCT answered 429 for `key`: hold it.
    pub async fn on_throttle(&self, key: &SecretString, retry_after: Option<Duration>) {
        let hold = retry_after.unwrap_or(DEFAULT_HOLD).min(MAX_HOLD);
        let id = key_id(key);
        self.rate.hold(&Self::store_key(&id), hold).await;
        // Our own callers see it at once.
        self.lock().insert(id, (Instant::now(), Some(Instant::now() + hold)));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Option<Instant>)>> {
        self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl CallGate for NctBudget {
    fn before_call<'a>(&'a self, key: &'a SecretString) -> GateFuture<'a> {
        Box::pin(async move {
            let wait = self.wait_for(key).await;
            if !wait.is_zero() {
                tokio::time::sleep(wait.min(MAX_HOLD)).await;
            }
        })
    }

    fn throttled<'a>(&'a self, key: &'a SecretString, retry_after: Option<Duration>) -> GateFuture<'a> {
        Box::pin(self.on_throttle(key, retry_after))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    #[tokio::test]
    async fn one_keys_429_holds_that_key_only() {
        let b = NctBudget::new(SharedRate::local(), None);
        let (a, other) = (SecretString::from("key-a"), SecretString::from("key-b"));
        b.on_throttle(&a, Some(Duration::from_secs(2))).await;
        assert!(b.wait_for(&a).await > Duration::from_secs(1));
        assert_eq!(b.wait_for(&other).await, Duration::ZERO);
    }

    #[tokio::test]
    async fn a_rate_spaces_the_calls_of_a_key() {
        let r = Rate::per_second(NonZeroU32::new(10).unwrap(), NonZeroU32::new(1).unwrap());
        let b = NctBudget::new(SharedRate::local(), Some(r));
        let k = SecretString::from("key");
        let waits: Vec<Duration> = futures_util::future::join_all((0..5).map(|_| b.wait_for(&k))).await;
        let mut ms: Vec<u128> = waits.iter().map(Duration::as_millis).collect();
        ms.sort_unstable();
        assert_eq!(ms.first(), Some(&0));
        assert!(ms[4] >= 390, "{ms:?}");
        assert_eq!(b.wait_for(&SecretString::from("other")).await, Duration::ZERO);
    }

    #[test]
    fn keys_are_known_by_a_hash_only() {
        let id = key_id(&SecretString::from("secret-key"));
        assert_eq!(id.len(), 16);
        assert!(!id.contains("secret"));
    }
}
