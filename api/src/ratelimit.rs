//! Per-caller request limits on `/graphql`, `/graphql/ws` and `/exports` (OWASP API4): a token bucket per tenant for authenticated calls and
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
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        match &self.limiter {
            Some(l) => l.check(key),
            None => Ok(()),
        }
    }

    /// Takes one request from the caller's budget; over it, the 429 answer (`Retry-After`, `RATE_LIMITED`).
    pub fn refusal(&self, req: &actix_web::HttpRequest, auth: Option<&crate::auth::AuthContext>) -> Option<actix_web::HttpResponse> {
        self.take(&self.key(req, auth)).err().map(too_many)
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
