//! Per-caller request limits on `/graphql` (OWASP API4): a GCRA bucket per tenant for authenticated calls and
//! per client IP for anonymous ones (the public readiness check). Over the limit the answer is 429 with
//! `Retry-After` and the code `RATE_LIMITED`.
//!
//! With Redis configured the buckets live there ([`infra::shared::rate::SharedRate`]), so a tenant's limit
//! holds across all replicas together; without Redis, or while it fails, each process keeps its own.

use infra::shared::RedisLink;
use infra::shared::rate::{Rate, SharedRate};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// The limiter shared by the HTTP workers (and, through Redis, by the replicas). Cheap to clone.
#[derive(Clone, Debug)]
pub struct ApiRateLimiter {
    buckets: Arc<SharedRate>,
    rate: Rate,
}

impl ApiRateLimiter {
    /// `per_second` sustained requests per key, with bursts of `burst`, in this process.
    pub fn new(per_second: NonZeroU32, burst: NonZeroU32) -> Self {
        Self { buckets: Arc::new(SharedRate::local()), rate: Rate::per_second(per_second, burst) }
    }

    /// The same limits, shared by every replica on `redis`.
    #[must_use]
    pub fn shared(self, redis: RedisLink) -> Self {
        Self { buckets: Arc::new(SharedRate::with_redis(redis)), ..self }
    }

    /// `Ok` when `key` may make a request now (the request is counted); else how long to wait.
    pub async fn check(&self, key: &str) -> Result<(), Duration> {
        self.buckets.check(&format!("api:{key}"), self.rate).await
    }
}
