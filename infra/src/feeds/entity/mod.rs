//! sea-orm entities of catalog sources. They never leave `infra::feeds`.

pub mod pull;
pub mod source;
