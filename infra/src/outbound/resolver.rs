//! The DNS resolver of [`super::SafeClient`]: it resolves a host, checks EVERY address it got, and hands
//! reqwest exactly those addresses. reqwest connects only to what a resolver returns, so the address that was
//! checked is the address that is connected to: a second, different DNS answer (DNS rebinding) never reaches
//! the socket.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::OutboundPolicy;

/// Resolves a host name to its addresses (the system resolver, or a fixed table in tests).
pub type LookupFn = Arc<dyn Fn(String) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>> + Send + Sync>;

/// The system resolver (`getaddrinfo` through tokio).
pub fn system_lookup() -> LookupFn {
    Arc::new(|host: String| {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    })
}

/// A host resolved to an address the policy refuses. Found again in the error chain by
/// [`super::OutboundError::from_reqwest`].
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves to {addr}, which is not a public address")]
pub struct BlockedAddress {
    /// The host name.
    pub host: String,
    /// The first refused address.
    pub addr: IpAddr,
}

/// Resolves with `lookup`, then applies the policy to every address.
pub async fn resolve_checked(lookup: &LookupFn, policy: &OutboundPolicy, host: &str) -> Result<Vec<IpAddr>, Box<dyn std::error::Error + Send + Sync>> {
    let addrs = lookup(host.to_owned()).await?;
    if addrs.is_empty() {
        return Err(format!("{host} has no address").into());
    }
    if let Some(bad) = addrs.iter().find(|ip| !policy.permits(**ip)) {
        return Err(Box::new(BlockedAddress { host: host.to_owned(), addr: *bad }));
    }
    Ok(addrs)
}

/// reqwest's view of [`resolve_checked`].
pub struct CheckingResolver {
    /// The lookup.
    pub lookup: LookupFn,
    /// The policy.
    pub policy: Arc<OutboundPolicy>,
}

impl Resolve for CheckingResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let (lookup, policy, host) = (self.lookup.clone(), self.policy.clone(), name.as_str().to_owned());
        Box::pin(async move {
            let addrs = resolve_checked(&lookup, &policy, &host).await?;
            let addrs: Addrs = Box::new(addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}
