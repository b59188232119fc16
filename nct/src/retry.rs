//! Retries for simple callers: exponential backoff with full jitter, at least NCT's `Retry-After`.
//! The job worker paces and retries on its own (it shares one `Retry-After` wait between its calls) and uses
//! [`RetryPolicy::delay`] for its backoff.

use std::future::Future;
use std::time::Duration;

use rand::Rng as _;

use super::error::NctError;

/// Longest `Retry-After` [`with_retries`] will sleep through; longer waits are handed back to the caller.
pub const MAX_HONOURED_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Exponential backoff with full jitter (AWS "Exponential Backoff And Jitter").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first included (0 is treated as 1).
    pub max_attempts: u32,
    /// Backoff unit: attempt `n` (from 0) sleeps `random(0, min(cap, base·2^n))`.
    pub base: Duration,
    /// Ceiling of the exponential part.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The sleep after failed attempt `attempt` (from 0): full jitter, raised to `retry_after` if NCT asked
    /// for longer.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.cap);
        let max_ms = u64::try_from(exp.as_millis()).unwrap_or(u64::MAX);
        let jitter = Duration::from_millis(rand::rng().random_range(0..=max_ms));
        jitter.max(retry_after.unwrap_or_default())
    }
}

/// Runs `f` until it succeeds, fails with a non-retryable error, or `policy.max_attempts` is used up.
/// Retries only [`NctError::is_retryable`] errors; waits at least `RateLimited.retry_after`. A
/// `Retry-After` longer than [`MAX_HONOURED_RETRY_AFTER`] is not slept through: the error is returned so
/// the caller can reschedule.
///
/// # Errors
/// The last error of `f`.
pub async fn with_retries<T, F, Fut>(policy: &RetryPolicy, mut f: F) -> Result<T, NctError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, NctError>>,
{
    let attempts = policy.max_attempts.max(1);
    let mut attempt = 0u32;
    loop {
        match f().await {
            Ok(value) => return Ok(value),
            Err(err) if err.is_retryable() && attempt + 1 < attempts => {
                if err
                    .retry_after()
                    .is_some_and(|wait| wait > MAX_HONOURED_RETRY_AFTER)
                {
                    return Err(err);
                }
                let delay = policy.delay(attempt, err.retry_after());
                tracing::debug!(
                    attempt,
                    code = err.code(),
                    delay_ms = delay.as_millis() as u64,
                    "retrying NCT call"
                );
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

