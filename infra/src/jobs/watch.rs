//! Shared job watchers: every live subscriber of a job in this process is served by **one** watcher.
//!
//! A watcher is a task that owns a `tokio::sync::watch` channel of the job's latest row ([`Job`], progress
//! counters included). Subscribers hold receivers: a new snapshot costs one primary-key read per job per
//! process, however many subscribers there are, and each subscriber just clones an `Arc`.
//!
//! When a watcher reads:
//! - on a [`JobEvent`] for its job (from this process's worker or, through Redis, another replica's), at
//!   most once per tick of [`WatchConfig::min_interval`] (≈ 10 snapshots a second) on the wall clock, so
//!   that every replica reads at the same instants: events arriving meanwhile are coalesced into the next read;
//! - at once when the event says the job finished, so the final state is never held back by the rate limit;
//! - every [`WatchConfig::resync`] without events, as a safety net for events lost (a Redis outage, a
//!   lagging broadcast).
//!
//! A snapshot is sent only when the row changed. The watcher ends after sending a final state, when the job
//! is gone (its channel closes: subscribers end), or when its last subscriber leaves. One dispatcher task
//! per process routes events to watchers by `(tenant, job)`.

use crate::db::RepoError;
use crate::db::job_repo::{Job, JobRepo};
use domain::tenant::TenantId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::{Notify, broadcast, watch};
use uuid::Uuid;

use super::{JobEvent, JobEvents};

/// The latest row of a watched job; `changed()` wakes on every new snapshot, and fails once the watcher is
/// gone (after the final state, or when the job no longer exists).
pub type JobSnapshots = watch::Receiver<Arc<Job>>;

/// Timing of the watchers.
#[derive(Clone, Copy, Debug)]
pub struct WatchConfig {
    /// Least time between two reads of one job (final states excepted).
    pub min_interval: Duration,
    /// Re-read this often without events.
    pub resync: Duration,
}

impl Default for WatchConfig {
    fn default() -> Self {
        Self { min_interval: Duration::from_millis(100), resync: Duration::from_secs(2) }
    }
}

type Key = (TenantId, Uuid);

/// The watchers of this process. Cheap to clone.
#[derive(Clone)]
pub struct JobWatch {
    inner: Arc<Inner>,
}

struct Inner {
    jobs: JobRepo,
    cfg: WatchConfig,
    /// Where watcher tasks run (the runtime `start` was called on, not an HTTP worker's).
    rt: tokio::runtime::Handle,
    watched: Mutex<HashMap<Key, Arc<Watched>>>,
}

/// One watched job.
struct Watched {
    tx: watch::Sender<Arc<Job>>,
    /// A change event arrived.
    poke: Notify,
    /// The job finished: read now.
    urgent: Notify,
    finished: AtomicBool,
}

impl JobWatch {
    /// Starts the dispatcher on the current runtime; watchers are spawned there too.
    pub fn start(jobs: JobRepo, events: &JobEvents, cfg: WatchConfig) -> Self {
        let rt = tokio::runtime::Handle::current();
        let inner = Arc::new(Inner { jobs, cfg, rt: rt.clone(), watched: Mutex::new(HashMap::new()) });
        rt.spawn(dispatch(Arc::downgrade(&inner), events.subscribe()));
        Self { inner }
    }

    /// Follows job `job_id` of `tenant`: `None` when it does not exist for this tenant. The receiver's
    /// current value is the latest snapshot (read now when no watcher had it yet).
    ///
    /// # Errors
    /// The database error of the first read.
    pub async fn follow(&self, tenant: TenantId, job_id: Uuid) -> Result<Option<JobSnapshots>, RepoError> {
        let key = (tenant, job_id);
        if let Some(rx) = self.inner.subscribe(&key) {
            return Ok(Some(rx));
        }
        let Some(job) = self.inner.jobs.get(tenant, job_id).await? else { return Ok(None) };
        let mut map = self.inner.lock();
        // Another subscriber may have started a watcher meanwhile.
        if let Some(w) = map.get(&key) {
            return Ok(Some(w.tx.subscribe()));
        }
        let (tx, rx) = watch::channel(Arc::new(job));
        let w = Arc::new(Watched { tx, poke: Notify::new(), urgent: Notify::new(), finished: AtomicBool::new(false) });
        map.insert(key, w.clone());
        drop(map);
        self.inner.rt.spawn(run(Arc::downgrade(&self.inner), key, w));
        Ok(Some(rx))
    }

    /// Jobs watched right now (one per job, whatever the number of subscribers).
    pub fn watched(&self) -> usize {
        self.inner.lock().len()
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<Watched>>> {
        self.watched.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn subscribe(&self, key: &Key) -> Option<JobSnapshots> {
        self.lock().get(key).map(|w| w.tx.subscribe())
    }

    /// Forgets `w` when it is still the watcher of `key` and, unless `force`, nobody follows it. Under the
    /// lock, so a subscriber cannot attach to a watcher that is ending.
    fn remove(&self, key: &Key, w: &Arc<Watched>, force: bool) -> bool {
        let mut map = self.lock();
        if !force && w.tx.receiver_count() > 0 {
            return false;
        }
        if map.get(key).is_some_and(|cur| Arc::ptr_eq(cur, w)) {
            map.remove(key);
        }
        true
    }
}

/// Routes events to the watcher of their job.
async fn dispatch(inner: Weak<Inner>, mut rx: broadcast::Receiver<JobEvent>) {
    loop {
        let ev = rx.recv().await;
        let Some(inner) = inner.upgrade() else { return };
        match ev {
            Ok(ev) => {
                let w = inner.lock().get(&(ev.tenant, ev.job_id)).cloned();
                if let Some(w) = w {
                    if ev.finished {
                        w.finished.store(true, Ordering::Relaxed);
                        w.urgent.notify_one();
                    }
                    w.poke.notify_one();
                }
            }
            // Missed events: every watcher re-reads.
            Err(broadcast::error::RecvError::Lagged(_)) => {
                for w in inner.lock().values() {
                    w.poke.notify_one();
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// How long until the next read may happen, and that read's tick. Ticks are the wall clock's multiples of
/// `interval` (not "`interval` after the last read"): the replicas watching one job then read it at the same
/// instants and send the same snapshot together, instead of up to `interval` apart. After a read at tick k the
/// next is at tick k + 1 at the earliest.
fn next_tick(interval: Duration, last: Option<u128>) -> (Duration, u128) {
    let i = interval.as_micros().max(1);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_micros();
    let mut tick = now.div_ceil(i);
    if let Some(last) = last.filter(|l| *l >= tick) {
        tick = last + 1;
    }
    (Duration::from_micros(u64::try_from(tick * i - now).unwrap_or(u64::MAX)), tick)
}

/// One watcher's loop (see the module docs).
async fn run(inner: Weak<Inner>, key: Key, w: Arc<Watched>) {
    let (tenant, job_id) = key;
    let mut last_tick = None;
    loop {
        let Some(cfg) = inner.upgrade().map(|i| i.cfg) else { return };
        tokio::select! {
            () = w.poke.notified() => {}
            () = tokio::time::sleep(cfg.resync) => {}
            () = w.tx.closed() => {
                match inner.upgrade() {
                    Some(i) if !i.remove(&key, &w, false) => continue,
                    _ => return,
                }
            }
        }
        // Coalesce: at most one read per tick of `min_interval`, unless the job finished.
        let (wait, tick) = next_tick(cfg.min_interval, last_tick);
        if !w.finished.load(Ordering::Relaxed) && !wait.is_zero() {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = w.urgent.notified() => {}
            }
        }
        let Some(i) = inner.upgrade() else { return };
        last_tick = Some(tick);
        match i.jobs.get(tenant, job_id).await {
            Ok(Some(job)) => {
                let done = job.state.is_final();
                w.tx.send_if_modified(|cur| {
                    let changed = **cur != job;
                    if changed {
                        *cur = Arc::new(job);
                    }
                    changed
                });
                if done {
                    i.remove(&key, &w, true);
                    return;
                }
                w.finished.store(false, Ordering::Relaxed);
            }
            // The job is gone: dropping the channel ends the subscribers.
            Ok(None) => {
                i.remove(&key, &w, true);
                return;
            }
            Err(e) => tracing::warn!(error.cause_chain = ?e, job_id = %job_id, "job watcher read failed; retrying"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fall_on_wall_clock_ticks_one_per_tick() {
        let interval = Duration::from_millis(100);
        let (wait, tick) = next_tick(interval, None);
        assert!(wait <= interval, "{wait:?}");
        // The read lands on a multiple of the interval since the epoch.
        let at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default() + wait;
        assert!(at.as_micros().abs_diff(tick * interval.as_micros()) < 50_000, "{at:?} vs tick {tick}");
        // A second read in the same tick waits for the next one.
        let (wait2, tick2) = next_tick(interval, Some(tick));
        assert_eq!(tick2, tick + 1);
        assert!(wait2 >= wait && wait2 <= interval * 2, "{wait2:?}");
        // After an older read, the next tick is the clock's (a tick may have passed meanwhile).
        let (_, tick3) = next_tick(interval, Some(tick - 5));
        assert!(tick3 == tick || tick3 == tick + 1, "{tick3} vs {tick}");
    }
}
