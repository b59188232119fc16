//! NTIN Desk API: GraphQL on actix-web, the NCT simulator and the server start-up.
//!
//! # Layout
//! - [`config`]: settings from the environment.
//! - [`telemetry`]: tracing set-up.
//! - [`auth`]: JWT verification into an `AuthContext`; roles and permissions.
//! - [`error`]: the API error type and its GraphQL codes.
//! - [`schema`]: the GraphQL schema, one module per feature.
//! - [`routes`], [`startup`]: HTTP routes and the application builder.
//! - [`cli`]: the `ntin-desk` commands.
//! - [`nct_sim`]: the NCT simulator.

pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod export;
pub mod nct_sim;
pub mod ratelimit;
pub mod routes;
pub mod schema;
pub mod startup;
pub mod telemetry;
