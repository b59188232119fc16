//! sea-orm entities, one per table. They never leave `infra`: repositories map them to plain records.

pub mod card_check;
pub mod card_check_code;
pub mod catalog;
pub mod job;
pub mod job_item;
pub mod nct_dictionary_item;
pub mod nct_dictionary_sync;
pub mod nct_request;
pub mod nct_key;
pub mod partner;
pub mod sku;
pub mod sku_match;
pub mod tenant;
