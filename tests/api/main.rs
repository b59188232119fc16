//! Integration tests: one binary, the real server over HTTP and WebSocket.

mod auth;
mod cache;
mod cards;
mod catalog;
mod export;
mod health;
mod helpers;
mod import;
mod jobs_limits;
mod kill9;
mod limits_body;
mod limits_cost;
mod limits_db;
mod limits_ws;
mod lookup;
mod ops;
mod races;
mod readiness;
mod schema;
mod secrets;
mod subscription;
mod tenancy;
mod tokens;
