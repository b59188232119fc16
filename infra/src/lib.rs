//! Adapters to the outside world.
//!
//! # Layout
//! - [`cache`]: the shared GTIN lookup cache (Redis, or in-process when no Redis is configured).
//! - [`db`]: sea-orm entities and repositories (PostgreSQL and SQLite).
//! - [`lookup`]: GTIN lookups through the cache, one NCT call per GTIN at a time (singleflight).
//! - [`nct`]: the reqwest NCT client and its wire DTOs (shared with the simulator).

pub mod cache;
pub mod card_schema;
pub mod crypto;
pub mod db;
pub mod jobs;
pub mod lookup;
pub mod nct;
