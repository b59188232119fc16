//! Integration tests: one binary, the real server over HTTP and WebSocket.

mod auth;
mod catalog;
mod health;
mod helpers;
mod import;
mod readiness;
mod schema;
mod tenancy;
