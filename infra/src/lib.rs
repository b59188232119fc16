//! Adapters to the outside world.
//!
//! # Layout
//! - [`nct`]: the reqwest NCT client and its wire DTOs (shared with the simulator).

pub mod nct;
