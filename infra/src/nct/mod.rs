//! NCT portal API: wire DTOs and the reqwest client.
//!
//! # Layout
//! - [`dto`]: serde types for every schema of the NCT OpenAPI (shared with the simulator in `api::nct_sim`).
//! - [`client`]: [`NctClient`], one attempt per call, and [`with_retries`] (full-jitter backoff).
//! - [`error`]: [`NctError`], the classified failure of a call, with stable codes, and
//!   [`classify_response`], the one status-to-error mapping.

pub mod client;
pub mod dto;
pub mod error;

pub use client::{MAX_HONOURED_RETRY_AFTER, NctClient, NctClientConfig, RetryPolicy, with_retries};
pub use error::{NctError, classify_response, parse_retry_after};
