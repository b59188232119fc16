//! NCT portal API: wire DTOs and the reqwest client.
//!
//! # Layout
//! - [`dto`]: serde types for every schema of the NCT OpenAPI (shared with the simulator in `api::nct_sim`).
//! - [`client`]: [`NctClient`], one attempt per call, and [`with_retries`] (full-jitter backoff).
//! - [`error`]: [`NctError`], the classified failure of a call, with stable codes.

pub mod client;
pub mod dto;
pub mod error;

pub use client::{
    MAX_HONOURED_RETRY_AFTER, NctClient, NctClientConfig, RetryPolicy, classify_response,
    with_retries,
};
pub use error::{NctError, parse_retry_after};
