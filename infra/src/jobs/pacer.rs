//! AIMD concurrency for NCT calls: additive increase while calls succeed, multiplicative decrease on a 429,
//! plus a pause honouring `Retry-After`, so the worker runs near NCT's rate limit without failing items.
//!
//! The state is per tenant ([`Pacers`]; a tenant has one NCT key): one tenant's 429s halve and pause that
//! tenant's calls only. The rate across processes and the holds after a 429 are the per-key NCT budget's
//! ([`crate::shared::nct_budget`]), which every call passes through.

use domain::tenant::TenantId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One [`Pacer`] per tenant, created on first use.
#[derive(Debug)]
pub struct Pacers {
    start: usize,
    max: usize,
    by_tenant: Mutex<HashMap<TenantId, Arc<Pacer>>>,
}

impl Pacers {
    /// Pacers starting at `start` parallel calls, within `[1, max]`.
    pub fn new(start: usize, max: usize) -> Self {
        Self { start, max, by_tenant: Mutex::new(HashMap::new()) }
    }

    /// The pacer of `tenant`.
    pub fn of(&self, tenant: TenantId) -> Arc<Pacer> {
        let mut m = self.by_tenant.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        m.entry(tenant).or_insert_with(|| Arc::new(Pacer::new(self.start, self.max))).clone()
    }
}

/// Pacing state shared by the calls of one worker.
#[derive(Debug)]
pub struct Pacer {
    inner: Mutex<State>,
    min: usize,
    max: usize,
}

#[derive(Debug)]
struct State {
    limit: f64,
    paused_until: Option<Instant>,
}

impl Pacer {
    /// Starts at `start` parallel calls, within `[1, max]`.
    pub fn new(start: usize, max: usize) -> Self {
        let max = max.max(1);
        Self {
            inner: Mutex::new(State { limit: start.clamp(1, max) as f64, paused_until: None }),
            min: 1,
            max,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Current number of parallel calls.
    pub fn limit(&self) -> usize {
        (self.lock().limit as usize).clamp(self.min, self.max)
    }

    /// A call succeeded: grow by about one call per window.
    pub fn on_success(&self) {
        let mut s = self.lock();
        s.limit = (s.limit + 1.0 / s.limit.max(1.0)).min(self.max as f64);
    }

    /// NCT said 429: halve, and pause every call until `retry_after` has passed.
    pub fn on_throttle(&self, retry_after: Option<Duration>) {
        let mut s = self.lock();
        s.limit = (s.limit / 2.0).max(self.min as f64);
        let wait = retry_after.unwrap_or(Duration::from_millis(500)).min(Duration::from_secs(60));
        let until = Instant::now() + wait;
        s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
    }

    /// How long to wait before the next call (zero when not paused).
    pub fn wait(&self) -> Duration {
        let s = self.lock();
        s.paused_until
            .map(|p| p.saturating_duration_since(Instant::now()))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_halves_and_success_grows_back_slowly() {
        let p = Pacer::new(16, 32);
        p.on_throttle(Some(Duration::from_millis(10)));
        assert_eq!(p.limit(), 8);
        assert!(p.wait() > Duration::ZERO);
        // About one more call per window of `limit` successes.
        for _ in 0..10 {
            p.on_success();
        }
        assert_eq!(p.limit(), 9);
        for _ in 0..10_000 {
            p.on_success();
        }
        assert_eq!(p.limit(), 32);
    }

    #[test]
    fn one_tenants_throttling_leaves_another_alone() {
        let pacers = Pacers::new(16, 32);
        let (a, b) = (TenantId(uuid::Uuid::new_v4()), TenantId(uuid::Uuid::new_v4()));
        pacers.of(a).on_throttle(Some(Duration::from_secs(5)));
        assert_eq!(pacers.of(a).limit(), 8);
        assert!(pacers.of(a).wait() > Duration::ZERO);
        assert_eq!(pacers.of(b).limit(), 16);
        assert_eq!(pacers.of(b).wait(), Duration::ZERO);
    }

    #[test]
    fn the_limit_never_drops_below_one() {
        let p = Pacer::new(2, 4);
        for _ in 0..10 {
            p.on_throttle(None);
        }
        assert_eq!(p.limit(), 1);
    }
}
