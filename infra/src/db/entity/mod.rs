//! sea-orm entities, one per table. They never leave `infra`: repositories map them to plain records.

pub mod catalog;
pub mod job;
pub mod job_item;
pub mod nct_request;
pub mod nct_key;
pub mod partner;
pub mod sku;
pub mod sku_match;
pub mod tenant;
