//! Matching SKUs without a usable barcode to existing NCT cards, by name: the cached search and the
//! near-duplicate warning of the card check. The scoring rules are `domain::matching`; the MATCH job
//! is `crate::jobs::matching`; results and decisions are stored by `crate::db::match_repo`.
//!
//! # Layout
//! - [`search`]: [`SearchService`], NCT's search gateway through the shared cache.
//! - [`duplicate`]: the card check's `LIKELY_EXISTING_CARD` warning, fed by a search.

pub mod duplicate;
pub mod search;

pub use search::{PAGE_SIZE, SearchAnswer, SearchService};
