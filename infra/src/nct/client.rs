//! [`NctClient`]: one reqwest call per method against the NCT portal API, plus [`with_retries`].
//!
//! Every method makes exactly one attempt: the job worker owns pacing and retries (it shares the
//! `Retry-After` wait between all workers of a key). [`with_retries`] is there for simple callers.
//!
//! Security: the key travels only in the `X-API-KEY` header, marked sensitive, to the configured base URL;
//! redirects are never followed (so the header cannot be replayed elsewhere). Spans record the path
//! template and non-secret parameters only; headers are never logged. Response bodies are read with a
//! size cap and parsed into tolerant DTOs; status codes are mapped by [`classify_response`], which keeps at
//! most NCT's `ApiErrorDto.message`, truncated and scrubbed of the key.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rand::Rng as _;
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::dto::{
    CreateProductResponseDto, DictionaryItemDto, GtinLookupResponse, PageDto,
    PagedPortalProductRequestShortDto, PortalAttributeObjectDto,
    PortalCreateUpdateProductRequestDto, PortalDuplicateDecisionRequestDto,
    PortalDuplicateMatchDto, PortalEditProductResponseDto, PortalGovAttributesDto,
    PortalProductDto, PortalProductRequestStatusDto, UploadedFileDto,
};
use super::error::{NctError, classify_response};

/// Name of the auth header.
const API_KEY_HEADER: &str = "X-API-KEY";

/// Longest `Retry-After` [`with_retries`] will sleep through; longer waits are handed back to the caller.
pub const MAX_HONOURED_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Settings of an [`NctClient`]. The base URL is configuration, never user input.
#[derive(Debug, Clone)]
pub struct NctClientConfig {
    /// Gateway base without the `/portal/api` part; the default is production.
    pub base_url: String,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (headers and body).
    pub request_timeout: Duration,
    /// Largest response body we read; bigger bodies fail with [`NctError::Malformed`].
    pub max_body_bytes: usize,
}

impl Default for NctClientConfig {
    fn default() -> Self {
        Self {
            base_url: "https://nationalcatalog.kz/gwp".to_owned(),
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(20),
            max_body_bytes: 8 * 1024 * 1024,
        }
    }
}

/// NCT portal API client. Cheap to clone (shares the connection pool).
#[derive(Debug, Clone)]
pub struct NctClient {
    http: reqwest::Client,
    base_url: String,
    max_body_bytes: usize,
}

/// A body to send.
enum Payload {
    Empty,
    Json(Vec<u8>),
    Multipart { boundary: String, body: Vec<u8> },
}

impl NctClient {
    /// Builds the client.
    ///
    /// # Errors
    /// The base URL is not an absolute http(s) URL, or the TLS stack cannot be initialised.
    pub fn new(config: NctClientConfig) -> Result<Self, anyhow::Error> {
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base_url)
            .with_context(|| format!("NCT base URL `{base_url}` is not a valid URL"))?;
        anyhow::ensure!(
            matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some(),
            "NCT base URL `{base_url}` must be an absolute http(s) URL"
        );
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("ntin-desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("failed to build the NCT HTTP client")?;
        Ok(Self {
            http,
            base_url,
            max_body_bytes: config.max_body_bytes,
        })
    }

    /// The configured base URL (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    // -----------------------------------------------------------------------------------------------------
    // Cards
    // -----------------------------------------------------------------------------------------------------

    /// `GET /portal/api/v2/products/{tin}`: every card for a GTIN (GTIN is not unique), or the single card
    /// for an NTIN. Accepts the documented array and the declared single object.
    ///
    /// # Errors
    /// [`NctError::NotFound`] on 404 or an empty list; see [`classify_response`] for the rest.
    #[tracing::instrument(name = "nct.lookup_gtin", skip_all, fields(path = "/portal/api/v2/products/{tin}", tin = %tin))]
    pub async fn lookup_gtin(
        &self,
        key: &SecretString,
        tin: &str,
    ) -> Result<Vec<PortalProductDto>, NctError> {
        let path = format!("/portal/api/v2/products/{}", encode_segment(tin));
        let body = self.call(Method::GET, &path, key, Payload::Empty).await?;
        let cards = decode::<GtinLookupResponse>(&body, "product list")?.into_vec();
        if cards.is_empty() {
            return Err(NctError::NotFound);
        }
        Ok(cards)
    }

    /// `GET /portal/api/v1/products/{tin}`: one full card by NTIN or GTIN (13 or 14 digits).
    ///
    /// # Errors
    /// [`NctError::NotFound`] on 404; see [`classify_response`].
    #[tracing::instrument(name = "nct.get_product", skip_all, fields(path = "/portal/api/v1/products/{tin}", tin = %tin))]
    pub async fn get_product(
        &self,
        key: &SecretString,
        tin: &str,
    ) -> Result<PortalProductDto, NctError> {
        let path = format!("/portal/api/v1/products/{}", encode_segment(tin));
        let body = self.call(Method::GET, &path, key, Payload::Empty).await?;
        decode(&body, "product card")
    }

    // -----------------------------------------------------------------------------------------------------
    // Dictionaries and attribute schemas
    // -----------------------------------------------------------------------------------------------------

    /// Checks a key with the cheapest call, `GET /portal/api/v1/dictionaries`.
    ///
    /// # Errors
    /// [`NctError::InvalidKey`] for a bad key; [`NctError::Malformed`] when the answer is not a JSON array
    /// (e.g. a base URL missing `/gwp`, where the portal's web app answers 200 with HTML).
    #[tracing::instrument(
        name = "nct.verify_key",
        skip_all,
        fields(path = "/portal/api/v1/dictionaries")
    )]
    pub async fn verify_key(&self, key: &SecretString) -> Result<(), NctError> {
        let body = self
            .call(
                Method::GET,
                "/portal/api/v1/dictionaries",
                key,
                Payload::Empty,
            )
            .await?;
        decode::<Vec<serde_json::Value>>(&body, "dictionary list").map(|_| ())
    }

    /// `GET /portal/api/v1/dictionaries`: the available dictionaries (declared as attribute objects).
    ///
    /// # Errors
    /// See [`classify_response`].
    #[tracing::instrument(
        name = "nct.dictionaries",
        skip_all,
        fields(path = "/portal/api/v1/dictionaries")
    )]
    pub async fn dictionaries(
        &self,
        key: &SecretString,
    ) -> Result<Vec<PortalAttributeObjectDto>, NctError> {
        let body = self
            .call(
                Method::GET,
                "/portal/api/v1/dictionaries",
                key,
                Payload::Empty,
            )
            .await?;
        decode(&body, "dictionary list")
    }

    /// `GET /portal/api/v1/dictionaries/{code}/items?page=&size=`; `page` from 1, `size` 1–100.
    ///
    /// # Errors
    /// [`NctError::Validation`] for a bad page/size; see [`classify_response`].
    #[tracing::instrument(name = "nct.dictionary_items", skip_all, fields(path = "/portal/api/v1/dictionaries/{code}/items", code = %code, page, size))]
    pub async fn dictionary_items(
        &self,
        key: &SecretString,
        code: &str,
        page: u32,
        size: u32,
    ) -> Result<PageDto<DictionaryItemDto>, NctError> {
        let path = format!(
            "/portal/api/v1/dictionaries/{}/items?page={page}&size={size}",
            encode_segment(code)
        );
        let body = self.call(Method::GET, &path, key, Payload::Empty).await?;
        decode(&body, "dictionary page")
    }

    /// `GET /portal/api/v1/dictionaries/{code}/roots`.
    ///
    /// # Errors
    /// See [`classify_response`].
    #[tracing::instrument(name = "nct.dictionary_roots", skip_all, fields(path = "/portal/api/v1/dictionaries/{code}/roots", code = %code))]
    pub async fn dictionary_roots(
        &self,
        key: &SecretString,
        code: &str,
    ) -> Result<Vec<DictionaryItemDto>, NctError> {
        let path = format!("/portal/api/v1/dictionaries/{}/roots", encode_segment(code));
        let body = self.call(Method::GET, &path, key, Payload::Empty).await?;
        decode(&body, "dictionary items")
    }

    /// `GET /portal/api/v1/dictionaries/{code}/children/{parentId}`.
    ///
    /// # Errors
    /// See [`classify_response`].
    #[tracing::instrument(name = "nct.dictionary_children", skip_all, fields(path = "/portal/api/v1/dictionaries/{code}/children/{parentId}", code = %code, parent_id))]
    pub async fn dictionary_children(
        &self,
        key: &SecretString,
        code: &str,
        parent_id: i64,
    ) -> Result<Vec<DictionaryItemDto>, NctError> {
        let path = format!(
            "/portal/api/v1/dictionaries/{}/children/{parent_id}",
            encode_segment(code)
        );
        let body = self.call(Method::GET, &path, key, Payload::Empty).await?;
        decode(&body, "dictionary items")
    }

    /// `GET /portal/api/v1/products/requests/attributes`: the base attribute schema.
    ///
    /// # Errors
    /// See [`classify_response`].
    #[tracing::instrument(
        name = "nct.base_attributes",
        skip_all,
        fields(path = "/portal/api/v1/products/requests/attributes")
    )]
    pub async fn base_attributes(
        &self,
        key: &SecretString,
    ) -> Result<Vec<PortalAttributeObjectDto>, NctError> {
        let body = self
            .call(
                Method::GET,
                "/portal/api/v1/products/requests/attributes",
                key,
                Payload::Empty,
            )
            .await?;
        decode(&body, "attribute list")
    }

    /// `GET /portal/api/v1/products/requests/categories/{oktru}/gov-attributes`.
    ///
    /// # Errors
    /// [`NctError::Validation`] for an unknown or non-leaf category; see [`classify_response`].
    #[tracing::instrument(name = "nct.gov_attributes", skip_all, fields(path = "/portal/api/v1/products/requests/categories/{oktru}/gov-attributes", oktru = %oktru))]
    pub async fn gov_attributes(
        &self,
        key: &SecretString,
        oktru: &str,
    ) -> Result<PortalGovAttributesDto, NctError> {
        let path = format!(
            "/portal/api/v1/products/requests/categories/{}/gov-attributes",
            encode_segment(oktru)
        );
        let body = self.call(Method::GET, &path, key, Payload::Empty).await?;
        decode(&body, "gov attributes")
    }

    // -----------------------------------------------------------------------------------------------------
    // Product requests
    // -----------------------------------------------------------------------------------------------------

    /// `POST /portal/api/v1/products/requests`: creates a draft, returns its id. Not idempotent: protect it
    /// with the outbox before calling.
    ///
    /// # Errors
    /// [`NctError::Validation`] for a body NCT refuses; see [`classify_response`].
    #[tracing::instrument(
        name = "nct.create_request",
        skip_all,
        fields(path = "/portal/api/v1/products/requests")
    )]
    pub async fn create_request(
        &self,
        key: &SecretString,
        request: &PortalCreateUpdateProductRequestDto,
    ) -> Result<i64, NctError> {
        let payload = json_payload(request)?;
        let body = self
            .call(
                Method::POST,
                "/portal/api/v1/products/requests",
                key,
                payload,
            )
            .await?;
        Ok(decode::<CreateProductResponseDto>(&body, "create response")?.id)
    }

    /// `PUT /portal/api/v1/products/requests/{id}`: replaces the request's content (send every attribute).
    ///
    /// # Errors
    /// [`NctError::Business`] when the status forbids it; see [`classify_response`].
    #[tracing::instrument(name = "nct.update_request", skip_all, fields(path = "/portal/api/v1/products/requests/{id}", request_id = id))]
    pub async fn update_request(
        &self,
        key: &SecretString,
        id: i64,
        request: &PortalCreateUpdateProductRequestDto,
    ) -> Result<(), NctError> {
        let payload = json_payload(request)?;
        self.call(
            Method::PUT,
            &format!("/portal/api/v1/products/requests/{id}"),
            key,
            payload,
        )
        .await
        .map(drop)
    }

    /// `DELETE /portal/api/v1/products/requests/{id}` (status `new` only).
    ///
    /// # Errors
    /// [`NctError::Business`] when the status forbids it; see [`classify_response`].
    #[tracing::instrument(name = "nct.delete_request", skip_all, fields(path = "/portal/api/v1/products/requests/{id}", request_id = id))]
    pub async fn delete_request(&self, key: &SecretString, id: i64) -> Result<(), NctError> {
        self.call(
            Method::DELETE,
            &format!("/portal/api/v1/products/requests/{id}"),
            key,
            Payload::Empty,
        )
        .await
        .map(drop)
    }

    /// `PUT /portal/api/v1/products/requests/{id}/moderation`.
    ///
    /// # Errors
    /// [`NctError::Business`] for a bad XTIN or a status that forbids it; see [`classify_response`].
    #[tracing::instrument(name = "nct.send_to_moderation", skip_all, fields(path = "/portal/api/v1/products/requests/{id}/moderation", request_id = id))]
    pub async fn send_to_moderation(&self, key: &SecretString, id: i64) -> Result<(), NctError> {
        self.put_action(key, id, "moderation").await
    }

    /// `PUT /portal/api/v1/products/requests/{id}/cancel` (status `onModeration` only).
    ///
    /// # Errors
    /// [`NctError::Business`] when the status forbids it; see [`classify_response`].
    #[tracing::instrument(name = "nct.cancel_request", skip_all, fields(path = "/portal/api/v1/products/requests/{id}/cancel", request_id = id))]
    pub async fn cancel_request(&self, key: &SecretString, id: i64) -> Result<(), NctError> {
        self.put_action(key, id, "cancel").await
    }

    /// `PUT /portal/api/v1/products/requests/{id}/publish` (status `readyToPublish` only).
    ///
    /// # Errors
    /// [`NctError::Business`] when the status forbids it; see [`classify_response`].
    #[tracing::instrument(name = "nct.publish_request", skip_all, fields(path = "/portal/api/v1/products/requests/{id}/publish", request_id = id))]
    pub async fn publish_request(&self, key: &SecretString, id: i64) -> Result<(), NctError> {
        self.put_action(key, id, "publish").await
    }

    /// `GET /portal/api/v1/products/requests/{id}/status`.
    ///
    /// # Errors
    /// [`NctError::NotFound`] for an unknown id; see [`classify_response`].
    #[tracing::instrument(name = "nct.request_status", skip_all, fields(path = "/portal/api/v1/products/requests/{id}/status", request_id = id))]
    pub async fn request_status(
        &self,
        key: &SecretString,
        id: i64,
    ) -> Result<PortalProductRequestStatusDto, NctError> {
        let path = format!("/portal/api/v1/products/requests/{id}/status");
        let body = self.call(Method::GET, &path, key, Payload::Empty).await?;
        decode(&body, "request status")
    }

    /// `GET /portal/api/v1/products/requests/{id}/details`, as raw JSON (the spec has no schema for it;
    /// `dto::PortalProductRequestDetailsDto` reads the documented example shape).
    ///
    /// # Errors
    /// See [`classify_response`].
    #[tracing::instrument(name = "nct.request_details", skip_all, fields(path = "/portal/api/v1/products/requests/{id}/details", request_id = id))]
    pub async fn request_details(
        &self,
        key: &SecretString,
        id: i64,
    ) -> Result<serde_json::Value, NctError> {
        let path = format!("/portal/api/v1/products/requests/{id}/details");
        let body = self.call(Method::GET, &path, key, Payload::Empty).await?;
        decode(&body, "request details")
    }

    /// `GET /portal/api/v1/products/requests?status=&page=&size=`: the key owner's requests.
    ///
    /// # Errors
    /// [`NctError::Validation`] for a bad page/size/status; see [`classify_response`].
    #[tracing::instrument(
        name = "nct.list_requests",
        skip_all,
        fields(path = "/portal/api/v1/products/requests", status, page, size)
    )]
    pub async fn list_requests(
        &self,
        key: &SecretString,
        status: Option<&str>,
        page: u32,
        size: u32,
    ) -> Result<PagedPortalProductRequestShortDto, NctError> {
        let mut path = format!("/portal/api/v1/products/requests?page={page}&size={size}");
        if let Some(status) = status {
            path.push_str("&status=");
            path.push_str(&encode_segment(status));
        }
        let body = self.call(Method::GET, &path, key, Payload::Empty).await?;
        decode(&body, "request list")
    }

    /// `GET /portal/api/v1/products/requests/{id}/duplicates`.
    ///
    /// # Errors
    /// [`NctError::NotFound`] when no duplicate check ran; see [`classify_response`].
    #[tracing::instrument(name = "nct.duplicates", skip_all, fields(path = "/portal/api/v1/products/requests/{id}/duplicates", request_id = id))]
    pub async fn duplicates(
        &self,
        key: &SecretString,
        id: i64,
    ) -> Result<Vec<PortalDuplicateMatchDto>, NctError> {
        let path = format!("/portal/api/v1/products/requests/{id}/duplicates");
        let body = self.call(Method::GET, &path, key, Payload::Empty).await?;
        decode(&body, "duplicate list")
    }

    /// `POST /portal/api/v1/products/requests/{id}/duplicate-decision`.
    ///
    /// # Errors
    /// [`NctError::Validation`] for `USE_EXISTING` without `ntin`; [`NctError::Business`] when the request
    /// is not awaiting a decision; see [`classify_response`].
    #[tracing::instrument(name = "nct.duplicate_decision", skip_all, fields(path = "/portal/api/v1/products/requests/{id}/duplicate-decision", request_id = id))]
    pub async fn duplicate_decision(
        &self,
        key: &SecretString,
        id: i64,
        decision: &PortalDuplicateDecisionRequestDto,
    ) -> Result<(), NctError> {
        let path = format!("/portal/api/v1/products/requests/{id}/duplicate-decision");
        self.call(Method::POST, &path, key, json_payload(decision)?)
            .await
            .map(drop)
    }

    /// `POST /portal/api/v1/products/requests/{ntin}/edit-product`: a draft edit request for a published
    /// base card, with its body in PUT format.
    ///
    /// # Errors
    /// [`NctError::NotFound`] for an unknown NTIN; [`NctError::Business`] for extended or locked cards.
    #[tracing::instrument(name = "nct.edit_product", skip_all, fields(path = "/portal/api/v1/products/requests/{ntin}/edit-product", ntin = %ntin))]
    pub async fn edit_product(
        &self,
        key: &SecretString,
        ntin: &str,
    ) -> Result<PortalEditProductResponseDto, NctError> {
        let path = format!(
            "/portal/api/v1/products/requests/{}/edit-product",
            encode_segment(ntin)
        );
        let body = self.call(Method::POST, &path, key, Payload::Empty).await?;
        decode(&body, "edit-product response")
    }

    /// `POST /portal/api/v1/storage/upload`: a product photo (≤ 5 MB). Use the answer's `filename` as
    /// `fileName` in `imageFiles`.
    ///
    /// # Errors
    /// See [`classify_response`].
    #[tracing::instrument(name = "nct.upload_image", skip_all, fields(path = "/portal/api/v1/storage/upload", size = bytes.len()))]
    pub async fn upload_image(
        &self,
        key: &SecretString,
        filename: &str,
        bytes: &[u8],
    ) -> Result<UploadedFileDto, NctError> {
        let body = self
            .call(
                Method::POST,
                "/portal/api/v1/storage/upload",
                key,
                multipart_payload(filename, bytes),
            )
            .await?;
        decode(&body, "upload response")
    }

    /// `POST /portal/api/v1/storage/upload/document`: a PDF (≤ 5 MB), for `documents`.
    ///
    /// # Errors
    /// See [`classify_response`].
    #[tracing::instrument(name = "nct.upload_document", skip_all, fields(path = "/portal/api/v1/storage/upload/document", size = bytes.len()))]
    pub async fn upload_document(
        &self,
        key: &SecretString,
        filename: &str,
        bytes: &[u8],
    ) -> Result<UploadedFileDto, NctError> {
        let path = "/portal/api/v1/storage/upload/document";
        let body = self
            .call(Method::POST, path, key, multipart_payload(filename, bytes))
            .await?;
        decode(&body, "upload response")
    }

    // -----------------------------------------------------------------------------------------------------
    // Plumbing
    // -----------------------------------------------------------------------------------------------------

    async fn put_action(&self, key: &SecretString, id: i64, action: &str) -> Result<(), NctError> {
        let path = format!("/portal/api/v1/products/requests/{id}/{action}");
        self.call(Method::PUT, &path, key, Payload::Empty)
            .await
            .map(drop)
    }

    /// Sends one request and returns the body of a 2xx answer; everything else becomes an [`NctError`].
    async fn call(
        &self,
        method: Method,
        path: &str,
        key: &SecretString,
        payload: Payload,
    ) -> Result<Vec<u8>, NctError> {
        let mut header =
            HeaderValue::from_str(key.expose_secret()).map_err(|_| NctError::InvalidKey)?;
        header.set_sensitive(true);
        let url = format!("{}{path}", self.base_url);
        let mut builder = self
            .http
            .request(method, url)
            .header(API_KEY_HEADER, header);
        builder = match payload {
            Payload::Empty => builder,
            Payload::Json(body) => builder.header(CONTENT_TYPE, "application/json").body(body),
            Payload::Multipart { boundary, body } => builder
                .header(
                    CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body),
        };

        let started = Instant::now();
        let mut response = builder.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_capped(&mut response, self.max_body_bytes).await?;
        tracing::debug!(
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            bytes = body.len(),
            "NCT answered"
        );
        classify_response(status, retry_after.as_deref(), &body, key)?;
        Ok(body)
    }
}

/// Reads the body, failing once it passes `cap` bytes.
async fn read_capped(response: &mut reqwest::Response, cap: usize) -> Result<Vec<u8>, NctError> {
    let too_big = || NctError::Malformed(format!("response body exceeds {cap} bytes"));
    if response
        .content_length()
        .is_some_and(|len| len > cap as u64)
    {
        return Err(too_big());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > cap {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Maps a reqwest failure to [`NctError::Unavailable`] with our own words (reqwest's text can carry the URL).
fn transport_error(err: reqwest::Error) -> NctError {
    let message = if err.is_timeout() {
        "request to NCT timed out"
    } else if err.is_connect() {
        "could not connect to NCT"
    } else if err.is_body() || err.is_decode() {
        "connection to NCT broke while reading the response"
    } else if err.is_redirect() {
        "NCT redirected the request"
    } else {
        "request to NCT failed"
    };
    tracing::debug!(error = %err.without_url(), "NCT transport error");
    NctError::Unavailable {
        status: None,
        message: message.to_owned(),
    }
}

/// Parses a 2xx body. The error names what was expected and where parsing stopped, never the body.
fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, NctError> {
    serde_json::from_slice(body).map_err(|e| {
        NctError::Malformed(format!(
            "{what} is not the expected JSON ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

fn json_payload<T: Serialize>(value: &T) -> Result<Payload, NctError> {
    serde_json::to_vec(value)
        .map(Payload::Json)
        .map_err(|e| NctError::Malformed(format!("could not serialize the request body: {e}")))
}

/// A `multipart/form-data` body with one `file` part (reqwest's `multipart` feature is not enabled).
fn multipart_payload(filename: &str, bytes: &[u8]) -> Payload {
    let boundary = {
        let mut rng = rand::rng();
        format!(
            "----ntin-desk-{:016x}{:016x}",
            rng.random::<u64>(),
            rng.random::<u64>()
        )
    };
    // Quotes and line breaks would break the header; percent-encode them.
    let safe_name: String = filename
        .chars()
        .map(|c| match c {
            '"' => "%22".to_owned(),
            '\r' => "%0D".to_owned(),
            '\n' => "%0A".to_owned(),
            '\\' => "%5C".to_owned(),
            c => c.to_string(),
        })
        .collect();
    let mut body = Vec::with_capacity(bytes.len() + 256);
    body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    body.extend_from_slice(
        format!("Content-Disposition: form-data; name=\"file\"; filename=\"{safe_name}\"\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!("Content-Type: {}\r\n\r\n", content_type_for(filename)).as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Payload::Multipart { boundary, body }
}

fn content_type_for(filename: &str) -> &'static str {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, for path segments and query values.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------------------------------------

/// Exponential backoff with full jitter (AWS "Exponential Backoff And Jitter").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first included (0 is treated as 1).
    pub max_attempts: u32,
    /// Backoff unit: attempt `n` (from 0) sleeps `random(0, min(cap, base·2^n))`.
    pub base: Duration,
    /// Ceiling of the exponential part.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The sleep after failed attempt `attempt` (from 0): full jitter, raised to `retry_after` if NCT asked
    /// for longer.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.cap);
        let max_ms = u64::try_from(exp.as_millis()).unwrap_or(u64::MAX);
        let jitter = Duration::from_millis(rand::rng().random_range(0..=max_ms));
        jitter.max(retry_after.unwrap_or_default())
    }
}

/// Runs `f` until it succeeds, fails with a non-retryable error, or `policy.max_attempts` is used up.
/// Retries only [`NctError::is_retryable`] errors; waits at least `RateLimited.retry_after`. A
/// `Retry-After` longer than [`MAX_HONOURED_RETRY_AFTER`] is not slept through: the error is returned so
/// the caller can reschedule.
///
/// # Errors
/// The last error of `f`.
pub async fn with_retries<T, F, Fut>(policy: &RetryPolicy, mut f: F) -> Result<T, NctError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, NctError>>,
{
    let attempts = policy.max_attempts.max(1);
    let mut attempt = 0u32;
    loop {
        match f().await {
            Ok(value) => return Ok(value),
            Err(err) if err.is_retryable() && attempt + 1 < attempts => {
                if err
                    .retry_after()
                    .is_some_and(|wait| wait > MAX_HONOURED_RETRY_AFTER)
                {
                    return Err(err);
                }
                let delay = policy.delay(attempt, err.retry_after());
                tracing::debug!(
                    attempt,
                    code = err.code(),
                    delay_ms = delay.as_millis() as u64,
                    "retrying NCT call"
                );
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    const MARKER: &str = "sk-LEAKMARKER-9f8e7d6c";

    fn key() -> SecretString {
        SecretString::from(MARKER)
    }

    fn assert_clean(err: &NctError) {
        let debug = format!("{err:?}");
        let display = err.to_string();
        assert!(!debug.contains(MARKER), "Debug leaks the key: {debug}");
        assert!(
            !display.contains(MARKER),
            "Display leaks the key: {display}"
        );
    }

    #[test]
    fn no_error_variant_ever_contains_the_key() {
        // Upstream echoing the key back, in every status class the mapping knows.
        let echo = format!(
            r#"{{"code":"X{MARKER}","message":"bad key {MARKER} {}"}}"#,
            "y".repeat(400)
        );
        let plain = format!("no content {MARKER}");
        for status in [
            301, 400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503, 504, 600,
        ] {
            for body in [echo.as_bytes(), plain.as_bytes(), b"".as_slice()] {
                for retry_after in [None, Some("3"), Some("Sun, 06 Nov 1994 08:49:37 GMT")] {
                    if let Err(err) = classify_response(status, retry_after, body, &key()) {
                        assert_clean(&err);
                    }
                }
            }
        }
        let malformed =
            decode::<Vec<i32>>(format!("[\"{MARKER}\"]").as_bytes(), "list").unwrap_err();
        assert_clean(&malformed);
        // And every variant built by hand.
        for err in [
            NctError::InvalidKey,
            NctError::NotFound,
            NctError::RateLimited {
                retry_after: Some(Duration::from_secs(1)),
            },
            NctError::Unavailable {
                status: None,
                message: "request to NCT timed out".into(),
            },
            NctError::Malformed("x".into()),
            NctError::Validation {
                code: "VALIDATION_ERROR".into(),
                message: "m".into(),
            },
            NctError::Business {
                code: "BUSINESS_ERROR".into(),
                message: "m".into(),
            },
        ] {
            assert_clean(&err);
        }
    }

    #[tokio::test]
    async fn transport_errors_are_unavailable_and_clean() {
        // A port that was free a moment ago: connection refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = NctClient::new(NctClientConfig {
            base_url: format!("http://127.0.0.1:{port}"),
            connect_timeout: Duration::from_millis(500),
            ..NctClientConfig::default()
        })
        .unwrap();
        let err = client
            .lookup_gtin(&key(), "4870000000000")
            .await
            .unwrap_err();
        assert!(
            matches!(err, NctError::Unavailable { status: None, .. }),
            "{err:?}"
        );
        assert_clean(&err);
    }

    #[test]
    fn bad_base_urls_are_refused() {
        for url in ["nationalcatalog.kz/gwp", "ftp://x/y", ""] {
            let config = NctClientConfig {
                base_url: url.into(),
                ..NctClientConfig::default()
            };
            assert!(NctClient::new(config).is_err(), "{url}");
        }
    }

    #[test]
    fn full_jitter_stays_within_bounds_and_honours_retry_after() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(300),
        };
        for attempt in 0..10 {
            let d = policy.delay(attempt, None);
            assert!(d <= Duration::from_millis(300), "{d:?}");
        }
        assert!(policy.delay(0, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
    }

    #[tokio::test]
    async fn with_retries_retries_only_transient_errors() {
        let policy = RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
        };
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let result: Result<u32, NctError> = with_retries(&policy, || {
            let c = c.clone();
            async move {
                let n = c.fetch_add(1, Ordering::SeqCst);
                if n < 2 {
                    Err(NctError::Unavailable {
                        status: Some(500),
                        message: "x".into(),
                    })
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result, Ok(2));

        let calls2 = Arc::new(AtomicU32::new(0));
        let c2 = calls2.clone();
        let result: Result<(), NctError> = with_retries(&policy, || {
            let c2 = c2.clone();
            async move {
                c2.fetch_add(1, Ordering::SeqCst);
                Err(NctError::InvalidKey)
            }
        })
        .await;
        assert_eq!(result, Err(NctError::InvalidKey));
        assert_eq!(calls2.load(Ordering::SeqCst), 1);

        let calls3 = Arc::new(AtomicU32::new(0));
        let c3 = calls3.clone();
        let result: Result<(), NctError> = with_retries(&policy, || {
            let c3 = c3.clone();
            async move {
                c3.fetch_add(1, Ordering::SeqCst);
                Err(NctError::RateLimited { retry_after: None })
            }
        })
        .await;
        assert!(matches!(result, Err(NctError::RateLimited { .. })));
        assert_eq!(calls3.load(Ordering::SeqCst), 3);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn multipart_body_has_one_file_part() {
        let Payload::Multipart { boundary, body } = multipart_payload("a\"b.jpg", b"\xff\xd8data")
        else {
            panic!("not multipart");
        };
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"file\"; filename=\"a%22b.jpg\""));
        assert!(text.contains("Content-Type: image/jpeg"));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_segment("1020-0011"), "1020-0011");
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
    }
}
