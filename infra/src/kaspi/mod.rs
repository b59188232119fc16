//! Kaspi.kz: the tenant's Shop API token (encrypted at rest) and the officially documented endpoints we call
//! with it. The catalog feed itself is a public URL and needs no token (see [`crate::feeds`]).

pub mod client;
pub mod entity;
pub mod token_repo;
