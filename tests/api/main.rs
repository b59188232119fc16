//! Integration tests: one binary, the real server over HTTP and WebSocket.

mod auth;
mod cache;
mod cards;
mod catalog;
mod console;
mod export;
mod health;
mod helpers;
mod import;
mod lookup;
mod matching;
mod readiness;
mod schema;
mod secrets;
mod subscription;
mod tenancy;
