//! [`CallGate`]: a hook every keyed NCT call passes through, so that pacing can be shared beyond one
//! process (the application implements it with a per-key budget in Redis). This crate only calls it.

use secrecy::SecretString;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future of a gate.
pub type GateFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Paces NCT calls per API key. Implementations must identify a key without storing or logging it (a hash).
pub trait CallGate: Send + Sync + Debug {
    /// Resolves when a call with `key` may be sent.
    fn before_call<'a>(&'a self, key: &'a SecretString) -> GateFuture<'a>;

    /// NCT answered 429 for `key`, asking to wait `retry_after` (when it said).
    fn throttled<'a>(&'a self, key: &'a SecretString, retry_after: Option<Duration>) -> GateFuture<'a>;
}
