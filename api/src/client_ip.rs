//! The real client address behind a load balancer, for the per-IP rate limit.
//!
//! `X-Forwarded-For` is only believed when the peer that sent the request is one of `TRUSTED_PROXIES`
//! (a comma-separated list of addresses or CIDR ranges). Then the header is read from the right, skipping
//! every hop that is itself a trusted proxy: the first untrusted address is the client. Anything a client
//! writes into the header itself sits to the left of that and is ignored. With no trusted proxies (the
//! default) the header is ignored and the peer address is the client.

use actix_web::HttpRequest;
use anyhow::Context as _;
use ipnet::IpNet;
use std::net::IpAddr;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `10.0.0.0/8, 192.168.1.7` (a bare address is a /32 or /128).
    pub fn parse(spec: &str) -> anyhow::Result<Self> {
        let mut nets = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let net = match part.parse::<IpNet>() {
                Ok(n) => n,
                Err(_) => IpNet::from(
                    part.parse::<IpAddr>()
                        .with_context(|| format!("TRUSTED_PROXIES: {part:?} is not an address or CIDR range"))?,
                ),
            };
            nets.push(net);
        }
        Ok(Self(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client address of `req` (see the module docs); `None` when the peer is unknown.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        if !self.trusts(peer) {
            return Some(peer);
        }
        let mut client = peer;
        let hops = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in hops.into_iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else { break };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        Some(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn req(peer: &str, xff: Option<&str>) -> HttpRequest {
        let mut r = TestRequest::default().peer_addr(format!("{peer}:4000").parse().unwrap());
        if let Some(x) = xff {
            r = r.insert_header(("x-forwarded-for", x));
        }
        r.to_http_request()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let p = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(p.client_ip(&req("203.0.113.9", Some("1.2.3.4"))).unwrap().to_string(), "203.0.113.9");
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let p = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7").unwrap();
        // The client forged "1.2.3.4"; the load balancer appended the real address.
        let r = req("10.1.1.1", Some("1.2.3.4, 198.51.100.20, 192.168.1.7"));
        assert_eq!(p.client_ip(&r).unwrap().to_string(), "198.51.100.20");
    }

    #[test]
    fn no_trusted_proxies_means_the_header_is_ignored() {
        let p = TrustedProxies::default();
        assert_eq!(p.client_ip(&req("10.1.1.1", Some("1.2.3.4"))).unwrap().to_string(), "10.1.1.1");
        assert!(TrustedProxies::parse("not-an-ip").is_err());
    }
}
