//! Per-caller request limits on `/graphql` (OWASP API4): a token bucket per tenant for authenticated calls and
//! per client IP for anonymous ones (the public readiness check). Over the limit the answer is 429 with
//! `Retry-After` and the code `RATE_LIMITED`.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Keys kept before stale buckets are dropped.
const RETAIN_AFTER: usize = 10_000;

/// The limiter shared by the HTTP workers.
#[derive(Clone)]
pub struct ApiRateLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    checks: Arc<AtomicU64>,
}

impl ApiRateLimiter {
    /// `per_second` sustained requests per key, with bursts of `burst`.
    pub fn new(per_second: NonZeroU32, burst: NonZeroU32) -> Self {
        Self {
            limiter: Arc::new(RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst))),
            checks: Arc::new(AtomicU64::new(0)),
        }
    }

    /// `Ok` when `key` may make a request now; else how long to wait.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        // Forget idle keys now and then, so anonymous IPs cannot grow the map without bound.
        if self.checks.fetch_add(1, Ordering::Relaxed).is_multiple_of(1024) && self.limiter.len() > RETAIN_AFTER {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}
