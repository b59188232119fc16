//! HTTP requests to URLs that users give us (catalog feed URLs, webhook endpoints), safe against SSRF
//! (OWASP API7).
//!
//! The rules, applied to the first URL and again to every redirect:
//! - only `http` and `https`, no user name or password in the URL, at most [`MAX_URL_LEN`] bytes;
//! - the host must resolve only to public addresses ([`address::is_public`]): loopback, private, link-local,
//!   CGNAT, documentation, multicast and reserved ranges are refused, unless the operator allows a network
//!   with `OUTBOUND_ALLOW_NETS` (the tests allow `127.0.0.0/8` for their local servers). An IP literal is
//!   checked the same way;
//! - every resolved address is checked, and the connection goes to one of exactly those addresses (the DNS
//!   resolver is ours, see [`resolver`]): a later DNS answer cannot swap in another address (DNS rebinding);
//! - no proxy from the environment (a proxy would resolve the host itself);
//! - redirects are followed by hand, at most [`Limits::max_redirects`], only for `GET`; a `POST` (webhooks)
//!   treats a redirect as an answer;
//! - a connect timeout, a whole-request timeout that covers the body, and body caps in the callers.
//!
//! Errors name what went wrong in our own words ([`OutboundError`]); reqwest's messages (which may carry the
//! URL and its query string) go to the debug log only.

pub mod address;
pub mod resolver;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Method, StatusCode, Url};

use resolver::{BlockedAddress, CheckingResolver, LookupFn};

/// Longest URL accepted, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// Which addresses user-given URLs may reach.
#[derive(Clone, Debug, Default)]
pub struct OutboundPolicy {
    /// Networks allowed although they are not public (operator setting `OUTBOUND_ALLOW_NETS`).
    pub allow: Vec<IpNet>,
}

impl OutboundPolicy {
    /// Parses `OUTBOUND_ALLOW_NETS`: comma-separated CIDRs or single addresses (`127.0.0.0/8, 10.1.2.3`).
    ///
    /// # Errors
    /// The first entry that is neither, in words.
    pub fn parse_allow_list(spec: &str) -> Result<Self, String> {
        let mut allow = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let net = part
                .parse::<IpNet>()
                .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("`{part}` is not a CIDR (10.0.0.0/8) or an IP address"))?;
            allow.push(net);
        }
        Ok(Self { allow })
    }

    /// Whether a connection to `ip` is allowed.
    #[must_use]
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        address::is_public(ip) || self.allow.iter().any(|n| n.contains(&ip))
    }
}

/// Why an outbound request did not get an answer. Codes are stable (pull history, webhook attempts).
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The URL is not acceptable (scheme, credentials, length, syntax).
    #[error("{0}")]
    InvalidUrl(String),
    /// The host resolves to (or is) an address outside the public internet.
    #[error("{host} resolves to {addr}, which is not a public address")]
    Blocked {
        /// The host.
        host: String,
        /// The refused address.
        addr: IpAddr,
    },
    /// More redirects than allowed.
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    /// A redirect without a usable `Location`.
    #[error("a redirect without a usable Location header")]
    BadRedirect,
    /// No complete answer within the timeout.
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
    /// The host did not resolve, or refused the connection.
    #[error("could not connect: {0}")]
    Connect(String),
    /// The connection broke.
    #[error("the connection failed while {0}")]
    Transport(&'static str),
    /// The body is larger than the cap.
    #[error("the response is larger than {0} bytes")]
    TooLarge(u64),
}

impl OutboundError {
    /// The stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidUrl(_) => "INVALID_URL",
            Self::Blocked { .. } => "BLOCKED_ADDRESS",
            Self::TooManyRedirects(_) => "TOO_MANY_REDIRECTS",
            Self::BadRedirect => "BAD_REDIRECT",
            Self::Timeout(_) => "TIMEOUT",
            Self::Connect(_) => "CONNECT_FAILED",
            Self::Transport(_) => "TRANSPORT",
            Self::TooLarge(_) => "TOO_LARGE",
        }
    }

    /// Maps a reqwest failure of a request with `timeout`, finding our [`BlockedAddress`] in its cause chain.
    #[must_use]
    pub fn from_reqwest(e: &reqwest::Error, timeout: Duration) -> Self {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(c) = cause {
            if let Some(b) = c.downcast_ref::<BlockedAddress>() {
                return Self::Blocked { host: b.host.clone(), addr: b.addr };
            }
            cause = c.source();
        }
        tracing::debug!(error = %WithoutUrl(e), "outbound request failed");
        if e.is_timeout() {
            Self::Timeout(timeout)
        } else if e.is_connect() {
            Self::Connect(if format!("{e:?}").contains("dns error") { "the host name does not resolve".into() } else { "connection refused or unreachable".into() })
        } else if e.is_body() || e.is_decode() {
            Self::Transport("reading the response")
        } else {
            Self::Transport("sending the request")
        }
    }
}

/// Displays a reqwest error without its URL (which may hold a token in the query string).
struct WithoutUrl<'a>(&'a reqwest::Error);

impl std::fmt::Display for WithoutUrl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(self.0);
        write!(f, "{}", if self.0.is_timeout() { "timeout" } else { "error" })?;
        while let Some(c) = cur {
            write!(f, ": {c}")?;
            cur = c.source();
        }
        Ok(())
    }
}

/// Per-request limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The whole request, body included.
    pub timeout: Duration,
    /// Redirects followed (`GET` only).
    pub max_redirects: usize,
}

/// An HTTP client for user-given URLs (see the module docs). Cheap to clone.
#[derive(Clone)]
pub struct SafeClient {
    client: reqwest::Client,
    policy: Arc<OutboundPolicy>,
    lookup: LookupFn,
}

impl SafeClient {
    /// A client with the system resolver.
    ///
    /// # Errors
    /// When the TLS backend cannot start.
    pub fn new(policy: OutboundPolicy, connect_timeout: Duration, user_agent: &str) -> anyhow::Result<Self> {
        Self::with_lookup(policy, connect_timeout, user_agent, resolver::system_lookup())
    }

    /// A client whose host names resolve through `lookup` (tests give a fixed table).
    ///
    /// # Errors
    /// When the TLS backend cannot start.
    pub fn with_lookup(policy: OutboundPolicy, connect_timeout: Duration, user_agent: &str, lookup: LookupFn) -> anyhow::Result<Self> {
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(CheckingResolver { lookup: lookup.clone(), policy: policy.clone() })
            .pool_idle_timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self { client, policy, lookup })
    }

    /// The policy in force.
    #[must_use]
    pub fn policy(&self) -> &OutboundPolicy {
        &self.policy
    }

    /// Checks a URL's form, scheme and (for an IP literal) address, without any network access.
    ///
    /// # Errors
    /// [`OutboundError::InvalidUrl`] or [`OutboundError::Blocked`].
    pub fn check_url(&self, raw: &str) -> Result<Url, OutboundError> {
        let raw = raw.trim();
        if raw.len() > MAX_URL_LEN {
            return Err(OutboundError::InvalidUrl(format!("the URL is longer than {MAX_URL_LEN} characters")));
        }
        let mut url = Url::parse(raw).map_err(|e| OutboundError::InvalidUrl(format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(OutboundError::InvalidUrl("only http:// and https:// URLs are accepted".into()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(OutboundError::InvalidUrl("a URL must not carry a user name or password".into()));
        }
        url.set_fragment(None);
        match url.host() {
            None => return Err(OutboundError::InvalidUrl("the URL has no host".into())),
            Some(url::Host::Ipv4(ip)) => self.check_ip(&url, IpAddr::V4(ip))?,
            Some(url::Host::Ipv6(ip)) => self.check_ip(&url, IpAddr::V6(ip))?,
            Some(url::Host::Domain(_)) => {}
        }
        Ok(url)
    }

    fn check_ip(&self, url: &Url, ip: IpAddr) -> Result<(), OutboundError> {
        if self.policy.permits(ip) {
            Ok(())
        } else {
            Err(OutboundError::Blocked { host: url.host_str().unwrap_or_default().to_owned(), addr: ip })
        }
    }

    /// Resolves the URL's host now and checks every address (early feedback when a URL is registered; every
    /// request checks again).
    ///
    /// # Errors
    /// [`OutboundError::Blocked`] or [`OutboundError::Connect`] when the name does not resolve.
    pub async fn check_host(&self, url: &Url) -> Result<(), OutboundError> {
        let Some(url::Host::Domain(host)) = url.host() else { return Ok(()) };
        match resolver::resolve_checked(&self.lookup, &self.policy, host).await {
            Ok(_) => Ok(()),
            Err(e) => match e.downcast::<BlockedAddress>() {
                Ok(b) => Err(OutboundError::Blocked { host: b.host, addr: b.addr }),
                Err(_) => Err(OutboundError::Connect("the host name does not resolve".into())),
            },
        }
    }

    /// `GET`s `url`, following redirects by hand (each one checked like the first URL). Returns the final URL
    /// and the response, whatever its status; the body is the caller's to read ([`read_chunk`]).
    ///
    /// # Errors
    /// See [`OutboundError`].
    pub async fn get(&self, url: Url, headers: HeaderMap, limits: Limits) -> Result<(Url, reqwest::Response), OutboundError> {
        let mut url = url;
        let mut redirects = 0;
        loop {
            let response = self.send(Method::GET, url.clone(), headers.clone(), None, limits.timeout).await?;
            if !response.status().is_redirection() || response.status() == StatusCode::NOT_MODIFIED {
                return Ok((url, response));
            }
            redirects += 1;
            if redirects > limits.max_redirects {
                return Err(OutboundError::TooManyRedirects(limits.max_redirects));
            }
            let next = response
                .headers()
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok())
                .ok_or(OutboundError::BadRedirect)?;
            url = self.check_url(next.as_str())?;
        }
    }

    /// `POST`s `body` to `url`; a redirect is returned as the answer, never followed.
    ///
    /// # Errors
    /// See [`OutboundError`].
    pub async fn post(&self, url: Url, headers: HeaderMap, body: Vec<u8>, timeout: Duration) -> Result<reqwest::Response, OutboundError> {
        self.send(Method::POST, url, headers, Some(body), timeout).await
    }

    async fn send(&self, method: Method, url: Url, headers: HeaderMap, body: Option<Vec<u8>>, timeout: Duration) -> Result<reqwest::Response, OutboundError> {
        // An IP literal does not go through the resolver: check it here (again, for redirects too).
        let url = self.check_url(url.as_str())?;
        let mut req = self.client.request(method, url).headers(headers).timeout(timeout);
        if let Some(b) = body {
            req = req.body(b);
        }
        req.send().await.map_err(|e| OutboundError::from_reqwest(&e, timeout))
    }
}

/// The next chunk of a response body.
///
/// # Errors
/// [`OutboundError::Timeout`] when the request's timeout passes while reading, [`OutboundError::Transport`].
pub async fn read_chunk(response: &mut reqwest::Response, timeout: Duration) -> Result<Option<Vec<u8>>, OutboundError> {
    match response.chunk().await {
        Ok(c) => Ok(c.map(|b| b.to_vec())),
        Err(e) => Err(OutboundError::from_reqwest(&e, timeout)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
