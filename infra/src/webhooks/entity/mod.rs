//! sea-orm entities of webhooks. They never leave `infra::webhooks`.

pub mod attempt;
pub mod delivery;
pub mod endpoint;
pub mod event;
