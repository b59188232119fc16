//! Job change events: "something about job J of tenant T changed", fanned out to every job watcher of this
//! process ([`super::watch`]) and, with Redis configured, to every other replica.
//!
//! # Across replicas
//! With Redis, each process keeps **one** pub/sub subscription (one connection, one task) on the channel
//! `ntin:v1:{namespace}:job-events` and re-broadcasts what arrives into the same in-process
//! `tokio::sync::broadcast` its own worker publishes to; nothing opens a Redis connection per subscriber.
//! [`JobEvents::publish`] never waits on Redis: the local broadcast goes out at once, and a publisher task
//! sends the event on (pipelined when events pile up). Every message carries the publishing process's random
//! origin, so a process skips its own events when they come back.
//!
//! Redis is a speed-up, not a dependency: when it is away, events from other replicas are missed until it
//! is back (the subscription reconnects with backoff), and watchers fall back to their periodic re-read of
//! the job row. Without Redis, events stay in process.
//!
//! The namespace is the lookup cache's ([`crate::cache::namespace_for`] of the NCT base URL): replicas of one
//! deployment share it, and so does nothing else.

use domain::tenant::TenantId;
use futures_util::StreamExt as _;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use uuid::Uuid;

/// "Something about this job changed": watchers re-read its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JobEvent {
    /// Owner of the job; watchers filter on it again.
    pub tenant: TenantId,
    /// The job.
    pub job_id: Uuid,
    /// The job reached a final state: watchers read it at once, past their rate limit.
    pub finished: bool,
}

/// Events waiting for the Redis publisher before new ones are dropped (watchers re-read periodically).
const OUTBOX: usize = 8192;
/// Longest wait between two attempts to (re)open the Redis subscription.
const MAX_RECONNECT: Duration = Duration::from_secs(5);

/// The event bus: an in-process broadcast, bridged to Redis pub/sub when configured. Cheap to clone.
#[derive(Clone)]
pub struct JobEvents {
    tx: broadcast::Sender<JobEvent>,
    /// To the Redis publisher task (with Redis only).
    outbox: Option<mpsc::Sender<JobEvent>>,
}

impl Default for JobEvents {
    fn default() -> Self {
        Self::new()
    }
}

impl JobEvents {
    /// An in-process bus with room for bursts; slow receivers skip (watchers re-read state anyway).
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(4096);
        Self { tx, outbox: None }
    }

    /// A bus shared with every process on the same Redis and namespace: starts this process's one
    /// subscription task and its publisher task (both end when the last clone of the bus is dropped).
    ///
    /// # Errors
    /// The URL cannot be parsed. An unreachable Redis is not an error: the tasks keep trying.
    pub fn with_redis(url: &str, namespace: &str) -> Result<Self, crate::cache::CacheError> {
        let client = redis::Client::open(url).map_err(|_| crate::cache::CacheError::InvalidUrl)?;
        let channel = format!("ntin:v1:{namespace}:job-events");
        let origin: u64 = rand::random();
        let mut bus = Self::new();
        let (out_tx, out_rx) = mpsc::channel(OUTBOX);
        bus.outbox = Some(out_tx);
        tokio::spawn(publish_loop(client.clone(), channel.clone(), origin, out_rx));
        tokio::spawn(subscribe_loop(client, channel, origin, bus.tx.downgrade()));
        Ok(bus)
    }

    /// Announces a change: to this process at once, and to the other replicas through Redis.
    pub fn publish(&self, ev: JobEvent) {
        let _ = self.tx.send(ev);
        if let Some(out) = &self.outbox {
            // Full outbox (Redis stalled): drop; remote watchers re-read periodically.
            let _ = out.try_send(ev);
        }
    }

    /// Listens to every change (local and remote).
    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.tx.subscribe()
    }
}

/// `origin|tenant|job|0/1`.
fn encode(origin: u64, ev: &JobEvent) -> String {
    format!("{origin:016x}|{}|{}|{}", ev.tenant.0, ev.job_id, u8::from(ev.finished))
}

/// The event of a message from another process; `None` for our own or an unreadable one.
fn decode(own: u64, msg: &str) -> Option<JobEvent> {
    let mut parts = msg.split('|');
    let origin = u64::from_str_radix(parts.next()?, 16).ok()?;
    let tenant = TenantId(parts.next()?.parse().ok()?);
    let job_id = parts.next()?.parse().ok()?;
    let finished = parts.next()? == "1";
    (origin != own && parts.next().is_none()).then_some(JobEvent { tenant, job_id, finished })
}

/// Sends queued events to Redis, pipelining whatever has piled up. Ends when every bus clone is gone.
async fn publish_loop(client: redis::Client, channel: String, origin: u64, mut rx: mpsc::Receiver<JobEvent>) {
    let mut conn: Option<redis::aio::MultiplexedConnection> = None;
    let mut batch = Vec::new();
    while rx.recv_many(&mut batch, 256).await > 0 {
        if conn.is_none() {
            conn = tokio::time::timeout(Duration::from_secs(1), client.get_multiplexed_async_connection())
                .await
                .ok()
                .and_then(Result::ok);
        }
        let Some(c) = conn.as_mut() else {
            // Redis is away: these events are lost to other replicas (their watchers re-read).
            batch.clear();
            continue;
        };
        // One message per job and kind in a batch: a burst of "job J changed" says no more than one.
        let mut seen = std::collections::HashSet::new();
        let mut pipe = redis::pipe();
        for ev in batch.drain(..).filter(|ev| seen.insert(*ev)) {
            pipe.cmd("PUBLISH").arg(&channel).arg(encode(origin, &ev)).ignore();
        }
        let sent = tokio::time::timeout(Duration::from_secs(1), pipe.query_async::<()>(c)).await;
        if !matches!(sent, Ok(Ok(()))) {
            tracing::debug!("job event publish to Redis failed; reconnecting");
            conn = None;
        }
    }
}

/// This process's one Redis subscription: re-broadcasts other processes' events locally, reconnecting with
/// backoff. Ends when every bus clone is gone.
async fn subscribe_loop(client: redis::Client, channel: String, origin: u64, tx: broadcast::WeakSender<JobEvent>) {
    let mut delay = Duration::from_millis(100);
    loop {
        let opened = async {
            let mut ps = client.get_async_pubsub().await?;
            ps.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(ps)
        };
        match tokio::time::timeout(Duration::from_secs(2), opened).await {
            Ok(Ok(ps)) => {
                tracing::info!("job events: subscribed to Redis");
                delay = Duration::from_millis(100);
                let mut messages = ps.into_on_message();
                loop {
                    // Wake now and then to notice that the bus is gone.
                    let next = match tokio::time::timeout(Duration::from_secs(5), messages.next()).await {
                        Ok(next) => next,
                        Err(_) if tx.strong_count() == 0 => return,
                        Err(_) => continue,
                    };
                    let Some(msg) = next else { break };
                    let Some(local) = tx.upgrade() else { return };
                    if let Some(ev) = msg.get_payload::<String>().ok().and_then(|m| decode(origin, &m)) {
                        let _ = local.send(ev);
                    }
                }
                tracing::warn!("job events: Redis subscription lost; reconnecting");
            }
            _ => tracing::debug!("job events: Redis not reachable; retrying"),
        }
        if tx.upgrade().is_none() {
            return;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_RECONNECT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_and_a_process_skips_its_own() {
        let ev = JobEvent { tenant: TenantId(Uuid::new_v4()), job_id: Uuid::new_v4(), finished: true };
        let wire = encode(7, &ev);
        assert_eq!(decode(8, &wire), Some(ev));
        assert_eq!(decode(7, &wire), None);
        assert_eq!(decode(8, "garbage"), None);
        assert_eq!(decode(8, &format!("{wire}|extra")), None);
    }
}
