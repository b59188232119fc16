//! Background work: the job worker, its pacing, and the in-process event bus that feeds live progress.
//!
//! One worker runs per process. Each round it takes the runnable jobs oldest first and gives each one
//! batch (round-robin), so a tenant's 100k-item job does not starve another's 10-item job. On SQLite this is
//! the only writer; on PostgreSQL several replicas can share the work because items are claimed with
//! `FOR UPDATE SKIP LOCKED` and leases.

pub mod matching;
pub mod pacer;
pub mod round;
pub mod submit;
pub mod sync;
pub mod worker;

use domain::tenant::TenantId;
use nct::{MAX_HONOURED_RETRY_AFTER, RetryPolicy};
use std::time::Duration;
use tokio::sync::broadcast;
use uuid::Uuid;

/// The backoff between attempts of one job item: full jitter, random(0, min(5 s, 100 ms · 2^attempt)).
const ITEM_RETRY: RetryPolicy =
    RetryPolicy { max_attempts: 8, base: Duration::from_millis(100), cap: Duration::from_secs(5) };

/// How long to wait before attempt `attempt + 1` of an item: [`ITEM_RETRY`], and at least NCT's
/// `Retry-After` (up to [`MAX_HONOURED_RETRY_AFTER`]).
pub(crate) fn backoff(attempt: u32, retry_after: Option<Duration>) -> Duration {
    ITEM_RETRY.delay(attempt, retry_after.map(|d| d.min(MAX_HONOURED_RETRY_AFTER)))
}

/// "Something about this job changed": subscribers re-read its progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobEvent {
    /// Owner of the job; subscribers filter on it again.
    pub tenant: TenantId,
    /// The job.
    pub job_id: Uuid,
}

/// In-process fan-out of job events.
#[derive(Clone)]
pub struct JobEvents {
    tx: broadcast::Sender<JobEvent>,
}

impl Default for JobEvents {
    fn default() -> Self {
        Self::new()
    }
}

impl JobEvents {
    /// A bus with room for bursts; slow subscribers skip (they re-read state anyway).
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(4096);
        Self { tx }
    }

    /// Announces a change.
    pub fn publish(&self, ev: JobEvent) {
        let _ = self.tx.send(ev);
    }

    /// Listens to every change.
    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.tx.subscribe()
    }
}
