//! NTIN Desk API: GraphQL on actix-web, JWT auth, configuration and the server start-up.
//!
//! # Layout
//! - [`config`]: settings from the environment.
//! - [`telemetry`]: tracing set-up.
//! - [`auth`]: JWT verification into an `AuthContext`; roles and permissions.
//! - [`error`]: the API error type and its GraphQL codes.
//! - [`schema`]: the GraphQL schema, one module per feature.
//! - [`state`]: the shared services ([`state::AppState`]); [`ids`]: opaque global IDs; [`signed_link`]:
//!   short-lived signed download links.
//! - [`routes`], [`export`], [`readiness_bulk`], [`startup`]: HTTP routes, the CSV export route, the bulk
//!   readiness route and the application builder.
//! - [`console`]: the embedded web console and GraphiQL.
//! - [`limits`], [`body`], [`ws`], [`client_ip`], [`request_id`], [`ratelimit`]: what a request, socket or
//!   tenant may cost (bodies counted while streaming, sockets capped), the real client address, request IDs.
//! - [`cli`]: the `ntin-desk` commands.
//! - [`simulator`]: the embedded NCT simulator (cargo feature `sim`, on by default; crate `nct-sim`).

pub mod auth;
pub mod body;
pub mod cli;
pub mod client_ip;
pub mod config;
pub mod console;
pub mod demo;
pub mod error;
pub mod export;
pub mod ids;
pub mod integrations;
pub mod limits;
pub mod ratelimit;
pub mod readiness_bulk;
pub mod request_id;
pub mod routes;
pub mod schema;
pub mod signed_link;
pub mod simulator;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod ws;
