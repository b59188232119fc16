//! Integration tests: one binary, the real server over HTTP and WebSocket.

mod auth;
mod cache;
mod cards;
mod catalog;
mod cluster;
mod console;
mod export;
mod feeds;
mod feeds_schedule;
mod health;
mod helpers;
mod http_stub;
mod import;
mod integrations;
mod kaspi;
mod lookup;
mod progress;
mod readiness;
mod readiness_bulk;
mod replicas;
mod schema;
mod secrets;
mod subscription;
mod tenancy;
mod webhooks;
