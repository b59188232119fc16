//! The Kaspi Shop API, limited to the endpoints an official Kaspi page documents (DOMAIN.md §1.2, the Kaspi
//! partner guide, "Product content", updated 2024-06-12):
//! - `GET {base}/products/import/schema`: the product import JSON Schema (guide q3223). We call it to check a
//!   token, because it needs a valid token and changes nothing;
//! - `GET {base}/products/classification/attributes?c=<category code>`: a category's attributes (guide q3217).
//!
//! Nothing else is called: the import submit and its status, orders, prices and stocks endpoints were not seen
//! on an official page. The base URL is configuration (`KASPI_BASE_URL`, default `https://kaspi.kz/shop/api`),
//! never user input. The token goes only in the `X-Auth-Token` header, marked sensitive, to that base URL;
//! redirects are not followed, and errors are our own words (reqwest's may carry the URL).

use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use std::time::Duration;

/// The public base of the Kaspi Shop API.
pub const DEFAULT_BASE_URL: &str = "https://kaspi.kz/shop/api";
/// Largest answer read.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// Why a Kaspi call failed.
#[derive(Debug, thiserror::Error)]
pub enum KaspiError {
    /// 401/403: Kaspi refused the token.
    #[error("Kaspi refused the API token")]
    InvalidToken,
    /// 404: no such category.
    #[error("Kaspi does not know this category")]
    NotFound,
    /// Kaspi is down, slow, or answered something unexpected.
    #[error("Kaspi is unavailable: {0}")]
    Unavailable(String),
}

/// One attribute of a Kaspi category, as the official attributes endpoint lists it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KaspiAttribute {
    /// Attribute code.
    pub code: String,
    /// `boolean`, `enum`, `string` or `number`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Whether it takes several values.
    #[serde(default)]
    pub multi_valued: bool,
    /// Whether a product of the category must have it.
    #[serde(default)]
    pub mandatory: bool,
}

/// The Kaspi Shop API client. Cheap to clone.
#[derive(Clone)]
pub struct KaspiClient {
    http: reqwest::Client,
    base: Url,
}

impl KaspiClient {
    /// A client for `base_url` with a whole-request `timeout`.
    ///
    /// # Errors
    /// A base URL that is not http(s), or a TLS backend that cannot start.
    pub fn new(base_url: &str, timeout: Duration) -> anyhow::Result<Self> {
        let mut base = Url::parse(base_url.trim_end_matches('/'))?;
        anyhow::ensure!(matches!(base.scheme(), "http" | "https"), "KASPI_BASE_URL must be http(s)");
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("NTIN-Desk/0.1")
            .build()?;
        Ok(Self { http, base })
    }

    async fn get(&self, token: &SecretString, path: &str, query: &[(&str, &str)]) -> Result<Vec<u8>, KaspiError> {
        let mut url = self.base.join(path).map_err(|_| KaspiError::Unavailable("bad path".into()))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut header = HeaderValue::from_str(token.expose_secret()).map_err(|_| KaspiError::InvalidToken)?;
        header.set_sensitive(true);
        let mut response = self
            .http
            .get(url)
            .header("X-Auth-Token", header)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| KaspiError::Unavailable(if e.is_timeout() { "timed out".into() } else { "could not connect".into() }))?;
        match response.status() {
            s if s.is_success() => {}
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => return Err(KaspiError::InvalidToken),
            StatusCode::NOT_FOUND => return Err(KaspiError::NotFound),
            s => return Err(KaspiError::Unavailable(format!("answered {s}"))),
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|_| KaspiError::Unavailable("the answer broke off".into()))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(KaspiError::Unavailable("the answer is too large".into()));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Checks a token with the product import schema (official, read-only).
    ///
    /// # Errors
    /// [`KaspiError::InvalidToken`] when Kaspi refuses it, [`KaspiError::Unavailable`] otherwise.
    pub async fn verify_token(&self, token: &SecretString) -> Result<(), KaspiError> {
        let body = self.get(token, "products/import/schema", &[]).await?;
        serde_json::from_slice::<serde_json::Value>(&body).map_err(|_| KaspiError::Unavailable("the schema is not JSON".into()))?;
        Ok(())
    }

    /// A category's attributes.
    ///
    /// # Errors
    /// [`KaspiError`].
    pub async fn category_attributes(&self, token: &SecretString, category: &str) -> Result<Vec<KaspiAttribute>, KaspiError> {
        let body = self.get(token, "products/classification/attributes", &[("c", category)]).await?;
        serde_json::from_slice(&body).map_err(|_| KaspiError::Unavailable("the attribute list is not the documented JSON".into()))
    }
}
