//! The NCT portal API (`https://nationalcatalog.kz/gwp`): wire DTOs and the reqwest client. This crate
//! knows nothing of NTIN Desk's database or domain; the simulator (`nct-sim`) shares its DTOs.
//!
//! # Layout
//! - [`dto`]: serde types for every schema of the NCT OpenAPI (shared with the simulator crate `nct-sim`).
//! - [`client`]: [`NctClient`], one attempt per call.
//! - [`gate`]: [`CallGate`], the hook a shared per-key budget plugs into.
//! - [`search`]: the search gateway (`/gw/search/api/v1/search`), beside the portal under its own base URL.
//! - [`retry`]: [`RetryPolicy`] and [`with_retries`] (full-jitter backoff, honouring `Retry-After`).
//! - [`error`]: [`NctError`], the classified failure of a call, with stable codes, and
//!   [`classify_response`], the one status-to-error mapping.

pub mod client;
pub mod dto;
pub mod error;
pub mod gate;
pub mod retry;
pub mod search;
mod transport;

pub use client::{NctClient, NctClientConfig};
pub use retry::{MAX_HONOURED_RETRY_AFTER, RetryPolicy, with_retries};
pub use error::{NctError, classify_response, parse_retry_after};
pub use gate::CallGate;
