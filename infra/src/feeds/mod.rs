//! Catalog sources: a catalog follows its seller's marketplace feed (Kaspi, OMarket or Jmart XML) or a CSV at a
//! URL, pulled on a schedule.
//!
//! # A pull
//! 1. [`scheduler::FeedScheduler`] claims a due source with a lease (durable in the database: a schedule
//!    survives restarts, and replicas sharing one PostgreSQL never pull a source twice at once).
//! 2. [`pull::Puller`] fetches it through [`crate::outbound::SafeClient`] (SSRF rules, redirects re-checked,
//!    timeout, size cap) with `If-None-Match` / `If-Modified-Since`; a `304`, or the very bytes of the last
//!    import, is `NOT_MODIFIED`.
//! 3. The file is imported by the same streaming parsers as `importCatalog`, and in the same transaction the
//!    SKUs it no longer names are marked removed (`domain::feed`: a mark, never a deletion), the pull is recorded
//!    with its counts and row errors, the source is rescheduled (backoff after failures), and the
//!    `feed.pulled` webhook event is written.
//! 4. When the source opts in, [`follow_up`] starts a lookup job for the new SKUs.
//!
//! # Layout
//! [`entity`], [`source_repo`] (API reads and changes, claims), [`pull`], [`follow_up`], [`scheduler`].

pub mod entity;
pub mod follow_up;
pub mod pull;
pub mod scheduler;
pub mod source_repo;

use std::time::Duration;

/// Settings of feed pulls.
#[derive(Clone, Debug)]
pub struct FeedSettings {
    /// The whole request, body included (`FEED_TIMEOUT_SECS`, default 60 s).
    pub timeout: Duration,
    /// Largest file accepted (`FEED_MAX_BYTES`, default 64 MiB).
    pub max_bytes: u64,
    /// Redirects followed, each one checked (`FEED_MAX_REDIRECTS`, default 5).
    pub max_redirects: usize,
    /// Shortest schedule a tenant may set (`FEED_MIN_INTERVAL_SECS`, default 15 minutes).
    pub min_interval: Duration,
    /// How often due sources are looked for.
    pub poll: Duration,
    /// Pulls in flight per process.
    pub concurrency: usize,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            max_bytes: 64 * 1024 * 1024,
            max_redirects: 5,
            min_interval: domain::feed::DEFAULT_MIN_INTERVAL,
            poll: Duration::from_secs(1),
            concurrency: 2,
        }
    }
}

impl FeedSettings {
    /// How long a claim holds: the download, and a generous import of a large file after it.
    #[must_use]
    pub fn lease(&self) -> Duration {
        self.timeout + Duration::from_secs(600)
    }
}
