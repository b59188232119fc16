//! Pure NTIN Desk types and rules. No I/O, no clock: functions take `today`/`now` as arguments.
//!
//! # Layout
//! - [`barcode`]: GS1 check digit, `Gtin`, `Ntin`, `Xtin` newtypes.
//! - [`readiness`]: classification of barcodes into readiness classes with reason codes.
//! - [`readiness_lines`]: the same, one line at a time, for bulk checks of files of a million lines.
//! - [`deadlines`]: NCT registration deadlines per business segment.
//! - [`calendar`]: Kazakhstan working days and moderation estimates.
//! - [`import`]: streaming parsers for pasted barcode lists, CSV and the Kaspi XML price list.
//! - [`job`]: registration job and item state machines.
//! - [`card`]: pre-moderation card check (problems per field), the NCT request body of a draft, and the
//!   card and request states.
//! - [`tenant`]: `TenantId`, roles and permissions.
//! - [`sku`]: where a SKU's NTIN came from.
//! - [`feed`]: catalog sources (marketplace feeds and CSV URLs): formats, pull outcomes, removal marks.
//! - [`webhook`]: webhook event types, delivery states and the retry rule.
//! - [`matching`]: matching SKUs without a barcode to NCT cards (queries, the score, the near-duplicate
//!   warning).

pub mod barcode;
pub mod calendar;
pub mod card;
pub mod deadlines;
pub mod feed;
pub mod import;
pub mod job;
pub mod matching;
pub mod readiness;
pub mod readiness_lines;
pub mod sku;
pub mod tenant;
pub mod webhook;
mod wire;
