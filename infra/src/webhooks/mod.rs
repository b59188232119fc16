//! Webhooks for partner integrations: endpoints, the transactional outbox of events, signed delivery with
//! retries, and the attempt log.
//!
//! # How an event travels
//! 1. The change that causes it (a job reaching a final state, an NTIN stored, a moderation status stored, a
//!    feed pulled) calls [`outbox::emit`] on its own transaction: the event and one delivery per subscribed
//!    endpoint commit with the change, or not at all.
//! 2. [`worker::WebhookWorker`] claims due deliveries with a lease, signs each ([`signature`]) and POSTs it
//!    through the SSRF-safe client ([`crate::outbound`]); the attempt is recorded.
//! 3. A 2xx delivers it. Anything else (an error status, a redirect, a timeout, a refused address) schedules the
//!    next attempt with exponential backoff, until the delivery's window (a day) runs out; then it is `FAILED`.
//!
//! Delivery is at least once: a crash after the POST and before the outcome is stored sends the event again,
//! with the same `X-Ntin-Webhook-Id`; receivers drop repeats by that id.
//!
//! # Layout
//! - [`entity`]: the four tables. [`outbox`]: writing events. [`events`]: the payloads of each event type.
//! - [`endpoint_repo`], [`delivery_repo`]: the repositories. [`signature`]: the HMAC scheme. [`worker`]: the sender.

pub mod delivery_repo;
pub mod endpoint_repo;
pub mod entity;
pub mod events;
pub mod outbox;
pub mod signature;
pub mod worker;

use std::time::Duration;

/// Settings of the sender.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Each attempt's whole-request timeout (`WEBHOOK_TIMEOUT_MS`, default 10 s).
    pub timeout: Duration,
    /// The first retry's wait; doubled each time up to two hours (`WEBHOOK_RETRY_BASE_MS`, default 10 s).
    pub retry_base: Duration,
    /// How long a delivery is retried (`WEBHOOK_MAX_AGE_SECS`, default a day).
    pub max_age: Duration,
    /// How often due deliveries are looked for (`WEBHOOK_POLL_MS`, default 1 s).
    pub poll: Duration,
    /// Attempts in flight per process.
    pub concurrency: usize,
    /// How long finished deliveries and their attempts are kept.
    pub keep: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            retry_base: domain::webhook::DEFAULT_RETRY_BASE,
            max_age: domain::webhook::DEFAULT_MAX_AGE,
            poll: Duration::from_secs(1),
            concurrency: 16,
            keep: Duration::from_secs(30 * 24 * 3600),
        }
    }
}
