//! The search gateway: `POST {search_url}/search/api/v1/search` with `X-API-KEY` and `{query, page, size}`.
//!
//! It lives beside the portal API, under `/gw` instead of `/gwp`, so its base is its own setting
//! ([`crate::NctClientConfig::search_url`]); by default it is derived from the portal base URL's origin:
//! `https://nationalcatalog.kz/gwp` gives `https://nationalcatalog.kz/gw`, and a simulator at
//! `http://127.0.0.1:8090` gives `http://127.0.0.1:8090/gw`. The same security rules as the portal calls
//! apply (key in a sensitive header, no redirects, capped body, errors classified by
//! [`crate::classify_response`]).

use anyhow::Context as _;
use reqwest::Method;
use secrecy::SecretString;

use crate::NctClient;
use crate::dto::{SearchRequestDto, SearchResponseDto};
use crate::error::NctError;
use crate::transport::{decode, json_payload};

/// Path of the search call under the gateway base.
pub const SEARCH_PATH: &str = "/search/api/v1/search";

/// Longest query sent (public clients cut at 80 characters; longer queries only add noise).
pub const MAX_QUERY_CHARS: usize = 120;

/// Largest page size we ask for.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Checks that `url` is an absolute http(s) URL and returns it without a trailing slash.
///
/// # Errors
/// The URL does not parse or is not http(s) with a host; the message names `what`.
pub(crate) fn check_url(url: &str, what: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/').to_owned();
    let parsed = reqwest::Url::parse(&url).with_context(|| format!("{what} `{url}` is not a valid URL"))?;
    anyhow::ensure!(
        matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some(),
        "{what} `{url}` must be an absolute http(s) URL"
    );
    Ok(url)
}

/// The search gateway base for a portal base URL: the same scheme, host and port, path `/gw`.
///
/// # Errors
/// The portal URL does not parse.
pub fn default_search_url(base_url: &str) -> anyhow::Result<String> {
    let mut url = reqwest::Url::parse(base_url.trim())
        .with_context(|| format!("NCT base URL `{base_url}` is not a valid URL"))?;
    url.set_path("/gw");
    url.set_query(None);
    url.set_fragment(None);
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl NctClient {
    /// `POST /gw/search/api/v1/search`: cards whose names (or codes) match `query`, best first. `page` from 0,
    /// `size` 1–[`MAX_PAGE_SIZE`]; the query is trimmed and cut to [`MAX_QUERY_CHARS`] characters.
    ///
    /// # Errors
    /// [`NctError::Validation`] for an empty query or a bad size (NCT is not called) or when NCT refuses the
    /// body; see [`crate::classify_response`] for the rest.
    #[tracing::instrument(name = "nct.search", skip_all, fields(path = "/gw/search/api/v1/search", page, size))]
    pub async fn search(&self, key: &SecretString, query: &str, page: u32, size: u32) -> Result<SearchResponseDto, NctError> {
        let query: String = query.trim().chars().take(MAX_QUERY_CHARS).collect();
        if query.is_empty() || !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(NctError::Validation {
                code: "VALIDATION_ERROR".into(),
                message: format!("a search needs a query and a size from 1 to {MAX_PAGE_SIZE}"),
            });
        }
        let body = json_payload(&SearchRequestDto { query, page, size })?;
        let url = format!("{}{SEARCH_PATH}", self.search_url());
        let answer = self.call_url(Method::POST, url, key, body).await?;
        decode(&answer, "search page")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::NctClientConfig;

    #[test]
    fn the_gateway_is_derived_from_the_portal_origin() {
        assert_eq!(default_search_url("https://nationalcatalog.kz/gwp").unwrap(), "https://nationalcatalog.kz/gw");
        assert_eq!(default_search_url("http://127.0.0.1:8090").unwrap(), "http://127.0.0.1:8090/gw");
        assert_eq!(default_search_url("http://h:1/gwp/?x=1").unwrap(), "http://h:1/gw");
        let c = NctClient::new(NctClientConfig { base_url: "https://nationalcatalog.kz/gwp".into(), ..NctClientConfig::default() }).unwrap();
        assert_eq!(c.search_url(), "https://nationalcatalog.kz/gw");
        let c = NctClient::new(NctClientConfig {
            base_url: "https://nationalcatalog.kz/gwp".into(),
            search_url: Some("https://search.example/gw/".into()),
            ..NctClientConfig::default()
        })
        .unwrap();
        assert_eq!(c.search_url(), "https://search.example/gw");
        for bad in ["search.example/gw", "ftp://x/gw"] {
            let config = NctClientConfig { search_url: Some(bad.into()), ..NctClientConfig::default() };
            assert!(NctClient::new(config).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn an_empty_query_or_a_bad_size_is_refused_without_a_call() {
        // Port 9 (discard) would fail to connect: a Validation error proves no call was made.
        let c = NctClient::new(NctClientConfig { base_url: "http://127.0.0.1:9".into(), ..NctClientConfig::default() }).unwrap();
        let key = SecretString::from("k");
        for (q, size) in [("  ", 10), ("milka", 0), ("milka", MAX_PAGE_SIZE + 1)] {
            assert!(matches!(c.search(&key, q, 0, size).await, Err(NctError::Validation { .. })), "{q} {size}");
        }
    }
}
