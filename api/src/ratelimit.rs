//! Per-caller request limits on `/graphql`, `/graphql/ws`, `/exports` and `/readiness` (OWASP API4): a GCRA
//! bucket per tenant for authenticated calls and per client IP for anonymous ones (the public readiness check).
//! Over the limit the answer is 429 with
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

/// The limiter and the proxies it believes, shared by `/graphql`, `/graphql/ws` and `/exports`: one
/// budget per caller across the three. Callers are checked before their body is read.
#[derive(Clone)]
pub struct RateGate {
    limiter: Option<ApiRateLimiter>,
    proxies: crate::client_ip::TrustedProxies,
}

impl RateGate {
    /// A gate over `limiter` (`None`: no limit), reading client addresses through `proxies`.
    pub fn new(limiter: Option<ApiRateLimiter>, proxies: crate::client_ip::TrustedProxies) -> Self {
        Self { limiter, proxies }
    }

    /// The client address (the real one behind a trusted proxy).
    pub fn client_ip(&self, req: &actix_web::HttpRequest) -> Option<std::net::IpAddr> {
        self.proxies.client_ip(req)
    }

    /// The bucket of a caller: its tenant, its platform subject, or (without a verified token) its address.
    pub fn key(&self, req: &actix_web::HttpRequest, auth: Option<&crate::auth::AuthContext>) -> String {
        match auth {
            Some(ctx) => match ctx.tenant {
                Some(t) => format!("tenant:{t}"),
                None => format!("sub:{}", ctx.subject),
            },
            None => format!("ip:{}", self.client_ip(req).map(|a| a.to_string()).unwrap_or_default()),
        }
    }

    /// Takes one request from `key`'s budget; `Err` is how long to wait.
    pub async fn take(&self, key: &str) -> Result<(), Duration> {
        match &self.limiter {
            Some(l) => l.check(key).await,
            None => Ok(()),
        }
    }

    /// Takes one request from the caller's budget; over it, the 429 answer (`Retry-After`, `RATE_LIMITED`).
    pub async fn refusal(&self, req: &actix_web::HttpRequest, auth: Option<&crate::auth::AuthContext>) -> Option<actix_web::HttpResponse> {
        self.take(&self.key(req, auth)).await.err().map(too_many)
    }
}

/// The 429 answer.
pub fn too_many(wait: Duration) -> actix_web::HttpResponse {
    use actix_web::http::header::{HeaderValue, RETRY_AFTER};
    let secs = wait.as_secs() + 1;
    let mut resp = crate::error::error_response(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        &format!("too many requests; retry in {secs} s"),
    );
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(RETRY_AFTER, v);
    }
    resp
}
