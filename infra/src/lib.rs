//! Adapters to the outside world.
//!
//! # Layout
//! - [`db`]: sea-orm entities and repositories (PostgreSQL and SQLite).
//! - [`nct`]: the reqwest NCT client and its wire DTOs (shared with the simulator).

pub mod db;
pub mod nct;
