//! Background work: the job worker, its pacing, the request follower (`follow`: NCT requests are
//! followed on a schedule until NCT is done with them), the event bus ([`events`], bridged across replicas
//! through Redis) and the shared job watchers that feed live progress ([`watch`]).
//!
//! One worker runs per process. Each round it takes the runnable jobs oldest first and gives each one
//! batch (round-robin), so a tenant's 100k-item job does not starve another's 10-item job. On SQLite this is
//! the only writer; on PostgreSQL several replicas can share the work because items are claimed with
//! `FOR UPDATE SKIP LOCKED` and leases.

pub mod follow;
pub mod events;
pub mod matching;
pub mod pacer;
pub mod round;
pub mod submit;
pub mod sync;
pub mod watch;
pub mod worker;

pub use events::{JobEvent, JobEvents};

use nct::{MAX_HONOURED_RETRY_AFTER, RetryPolicy};
use std::time::Duration;

/// The backoff between attempts of one job item: full jitter, random(0, min(5 s, 100 ms · 2^attempt)).
const ITEM_RETRY: RetryPolicy =
    RetryPolicy { max_attempts: 8, base: Duration::from_millis(100), cap: Duration::from_secs(5) };

/// How long to wait before attempt `attempt + 1` of an item: [`ITEM_RETRY`], and at least NCT's
/// `Retry-After` (up to [`MAX_HONOURED_RETRY_AFTER`]).
pub(crate) fn backoff(attempt: u32, retry_after: Option<Duration>) -> Duration {
    ITEM_RETRY.delay(attempt, retry_after.map(|d| d.min(MAX_HONOURED_RETRY_AFTER)))
}
