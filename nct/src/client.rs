//! [`NctClient`]: one reqwest call per method against the NCT portal API ([`crate::with_retries`] retries).
//!
//! Every method makes exactly one attempt: the job worker owns pacing and retries (it shares the
//! `Retry-After` wait between all workers of a key). [`crate::with_retries`] is there for simple callers.
//!
//! Security: the key travels only in the `X-API-KEY` header, marked sensitive, to the configured base URL;
//! redirects are never followed (so the header cannot be replayed elsewhere). Spans record the path
//! template and non-secret parameters only; headers are never logged. Response bodies are read with a
//! size cap and parsed into tolerant DTOs; status codes are mapped by [`classify_response`], which keeps at
//! most NCT's `ApiErrorDto.message`, truncated and scrubbed of the key.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret as _, SecretString};

use super::dto::{
    CreateProductResponseDto, DictionaryItemDto, GtinLookupResponse, PageDto,
    PagedPortalProductRequestShortDto, PortalAttributeObjectDto,
    PortalCreateUpdateProductRequestDto, PortalDuplicateDecisionRequestDto,
    PortalDuplicateMatchDto, PortalEditProductResponseDto, PortalGovAttributesDto,
    PortalProductDto, PortalProductRequestStatusDto, UploadedFileDto,
};
use super::error::{NctError, classify_response};
use super::transport::{Payload, decode, encode_segment, json_payload, multipart_payload, read_capped, transport_error};

/// Name of the auth header.
const API_KEY_HEADER: &str = "X-API-KEY";


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
    /// Base of the search gateway (the client appends `/search/api/v1/search`); `None` derives it from
    /// `base_url` with [`crate::search::default_search_url`] (same origin, `/gw`).
    pub search_url: Option<String>,
}

impl Default for NctClientConfig {
    fn default() -> Self {
        Self {
            base_url: "https://nationalcatalog.kz/gwp".to_owned(),
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(20),
            max_body_bytes: 8 * 1024 * 1024,
            search_url: None,
        }
    }
}

/// NCT portal API client. Cheap to clone (shares the connection pool).
#[derive(Debug, Clone)]
pub struct NctClient {
    http: reqwest::Client,
    base_url: String,
    /// Base of the search gateway, no trailing slash.
    search_url: String,
    max_body_bytes: usize,
    /// Paces every keyed call (see [`NctClient::with_gate`]).
    gate: Option<std::sync::Arc<dyn crate::CallGate>>,
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
        check_base_path(&parsed)?;
        let search_url = match &config.search_url {
            Some(url) => crate::search::check_url(url, "NCT search URL")?,
            None => crate::search::default_search_url(&base_url)?,
        };
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
            search_url,
            max_body_bytes: config.max_body_bytes,
            gate: None,
        })
    }

    /// Sends every call through `gate` first, and tells it about every 429: a per-key budget shared by all
    /// callers of this client (and, through the gate's own store, by other processes).
    #[must_use]
    pub fn with_gate(mut self, gate: std::sync::Arc<dyn crate::CallGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// The configured base URL (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Checks that the base URL leads to NCT's portal API, without a key: `GET /portal/api/v1/dictionaries`
    /// must be refused (401/403) or answered with JSON. An HTML page (a base without `/gwp` reaches the
    /// portal's web app) or a 404 that is not NCT's is [`NctError::WrongBaseUrl`].
    ///
    /// # Errors
    /// [`NctError::WrongBaseUrl`] as above; [`NctError::Unavailable`] when NCT cannot be reached.
    #[tracing::instrument(name = "nct.probe", skip_all, fields(path = "/portal/api/v1/dictionaries"))]
    pub async fn probe(&self) -> Result<(), NctError> {
        match self.call(Method::GET, "/portal/api/v1/dictionaries", &SecretString::from(String::new()), Payload::Empty).await {
            Ok(_) | Err(NctError::InvalidKey) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The search gateway's base URL (no trailing slash).
    pub fn search_url(&self) -> &str {
        &self.search_url
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

    /// Every card for a GTIN-14 (14 digits), by the spec's rules: `GET /v2/products/{tin}` takes 13 digits
    /// only, so a GTIN-14 with indicator digit `0` goes there in its 13-digit form; one with indicator
    /// 1–9 has no 13-digit form and goes to `GET /v1/products/{tin}`, which takes 13 or 14 digits and
    /// answers with one card (v1 cannot show that a GTIN has several cards).
    ///
    /// # Errors
    /// [`NctError::Validation`] (no call made) when `gtin14` is not 14 digits; [`NctError::NotFound`]; see
    /// [`classify_response`].
    pub async fn lookup_gtin14(&self, key: &SecretString, gtin14: &str) -> Result<Vec<PortalProductDto>, NctError> {
        if gtin14.len() != 14 || !gtin14.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NctError::Validation {
                code: "VALIDATION_ERROR".to_owned(),
                message: "a GTIN-14 (14 digits) is required; nothing was sent to NCT".to_owned(),
            });
        }
        match gtin14.strip_prefix('0') {
            Some(gtin13) => self.lookup_gtin(key, gtin13).await,
            None => self.get_product(key, gtin14).await.map(|card| vec![card]),
        }
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
        self.call_url(method, format!("{}{path}", self.base_url), key, payload).await
    }

    /// [`Self::call`] with a whole URL (the search gateway lives beside the portal, not under it).
    pub(crate) async fn call_url(
        &self,
        method: Method,
        url: String,
        key: &SecretString,
        payload: Payload,
    ) -> Result<Vec<u8>, NctError> {
        let mut header =
            HeaderValue::from_str(key.expose_secret()).map_err(|_| NctError::InvalidKey)?;
        header.set_sensitive(true);
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

        if let Some(gate) = &self.gate {
            gate.before_call(key).await;
        }
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
        if let Err(e) = classify_response(status, retry_after.as_deref(), &body, key) {
            if let (Some(gate), NctError::RateLimited { retry_after }) = (&self.gate, &e) {
                gate.throttled(key, *retry_after).await;
            }
            return Err(e);
        }
        if looks_like_html(&body) {
            return Err(NctError::WrongBaseUrl(
                "NCT answered with an HTML page, the portal's web app rather than its API; NCT_BASE_URL must end with /gwp (https://nationalcatalog.kz/gwp)".to_owned(),
            ));
        }
        Ok(body)
    }
}

/// A body that starts (after whitespace) with `<`: an HTML page, never an NCT answer (JSON, or the
/// plain-text `no content` of the actions).
fn looks_like_html(body: &[u8]) -> bool {
    body.trim_ascii_start().first() == Some(&b'<')
}

/// Refuses base URLs that cannot be NCT's gateway base: one that already ends in the API path (the client
/// appends `/portal/api/...` itself), and NCT's own host without `/gwp`.
fn check_base_path(url: &reqwest::Url) -> anyhow::Result<()> {
    let path = url.path().trim_end_matches('/');
    anyhow::ensure!(
        !(path.ends_with("/portal/api") || path.contains("/portal/api/")),
        "NCT base URL `{url}` contains /portal/api: give the gateway base without it (https://nationalcatalog.kz/gwp); the client appends /portal/api/..."
    );
    let nct_host = url.host_str().is_some_and(|h| h == "nationalcatalog.kz" || h.ends_with(".nationalcatalog.kz"));
    anyhow::ensure!(
        !nct_host || path.ends_with("/gwp"),
        "NCT base URL `{url}` must end with /gwp (https://nationalcatalog.kz/gwp): without it the portal's web app answers every call with an HTML page"
    );
    Ok(())
}

#[cfg(test)]
#[path = "tests_client.rs"]
mod tests;
