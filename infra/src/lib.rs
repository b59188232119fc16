//! Adapters to the outside world.
//!
//! # Layout
//! - [`cache`]: the shared GTIN lookup cache (Redis, or in-process when no Redis is configured).
//! - [`cards`]: card use-cases (edit, files, resubmit, cancel, duplicates, readiness, plan).
//! - [`card_schema`]: NCT's attribute schema and dictionaries, cached for the card check.
//! - [`crypto`]: ring AES-256-GCM for tenant NCT keys.
//! - [`jobs`]: the job worker (lookup, submit, status sync), its pacing and the progress event bus.
//! - [`db`]: sea-orm entities and repositories (PostgreSQL and SQLite).
//! - [`lookup`]: GTIN lookups through the cache, one NCT call per GTIN at a time (singleflight).
//! - [`shared`]: what replicas share through Redis: rate limits, the NCT budget per key.
//! - [`outbound`]: HTTP to user-given URLs (feeds, webhooks) with SSRF protection.
//! - [`feeds`]: catalog sources (marketplace feeds, CSV URLs) pulled on a schedule, with their history.
//! - [`webhooks`]: endpoints, the transactional event outbox, signed delivery with retries.
//! - [`kaspi`]: the tenant's Kaspi Shop API token and the official endpoints that use it.
//! - [`matching`]: name searches for SKUs without a usable barcode (cached), and the near-duplicate warning.
//!
//! The NCT client and its wire DTOs are the `nct` crate.

pub mod cache;
pub mod cards;
pub mod card_schema;
pub mod crypto;
pub mod dictionaries;
pub mod db;
pub mod feeds;
pub mod jobs;
pub mod kaspi;
pub mod lookup;
pub mod recent;
pub mod shared;
pub mod outbound;
pub mod webhooks;
pub mod matching;
