//! The webhook sender: claims due deliveries, signs and POSTs them through the SSRF-safe client, records each
//! attempt, and schedules the next one with exponential backoff (`domain::webhook::retry_delay`) until the
//! delivery's window (a day by default) runs out. Several replicas can run it on one database: claims are
//! leases, and an outcome is stored only by the claim's owner.

use super::delivery_repo::{Attempt, Claimed, DeliveryRepo, Next};
use super::endpoint_repo::EndpointRepo;
use super::signature;
use super::WebhookSettings;
use crate::db::RepoError;
use crate::outbound::{OutboundError, SafeClient, read_chunk};
use chrono::Utc;
use futures_util::StreamExt as _;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How much of an endpoint's answer is kept with the attempt.
const SNIPPET: usize = 512;
/// How often expired deliveries are given up.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// How often deliveries older than [`WebhookSettings::keep`] are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The background sender.
#[derive(Clone)]
pub struct WebhookWorker {
    deliveries: DeliveryRepo,
    endpoints: EndpointRepo,
    client: SafeClient,
    cfg: WebhookSettings,
}

impl WebhookWorker {
    /// Builds the sender.
    pub fn new(deliveries: DeliveryRepo, endpoints: EndpointRepo, client: SafeClient, cfg: WebhookSettings) -> Self {
        Self { deliveries, endpoints, client, cfg }
    }

    /// Runs until `shutdown` turns true; attempts in flight are finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, release_leases: bool) {
        if release_leases && let Err(e) = self.deliveries.release_all_leases().await {
            tracing::error!(error.cause_chain = ?e, "cannot release webhook leases at start");
        }
        tracing::info!("webhook sender started");
        let (mut last_sweep, mut last_prune): (Option<Instant>, Option<Instant>) = (None, None);
        loop {
            if *shutdown.borrow() {
                break;
            }
            if last_sweep.is_none_or(|t| t.elapsed() >= SWEEP_EVERY) {
                last_sweep = Some(Instant::now());
                self.expire().await;
            }
            if last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                last_prune = Some(Instant::now());
                if let Err(e) = self.deliveries.prune(self.cfg.keep).await {
                    tracing::error!(error.cause_chain = ?e, "cannot prune webhook deliveries");
                }
            }
            let busy = match self.round().await {
                Ok(n) => n >= self.cfg.concurrency,
                Err(e) => {
                    tracing::error!(error.cause_chain = ?e, "webhook round failed");
                    false
                }
            };
            if !busy {
                tokio::select! {
                    r = shutdown.changed() => if r.is_err() { break },
                    _ = tokio::time::sleep(self.cfg.poll) => {}
                }
            }
        }
        tracing::info!("webhook sender stopped");
    }

    async fn expire(&self) {
        match self.deliveries.expire(self.cfg.max_age).await {
            Ok(n) if n > 0 => tracing::warn!(deliveries = n, "webhook deliveries given up after their retry window"),
            Ok(_) => {}
            Err(e) => tracing::error!(error.cause_chain = ?e, "cannot expire webhook deliveries"),
        }
    }

    /// One batch: claims due deliveries and attempts them concurrently. Returns how many were claimed.
    pub async fn round(&self) -> Result<usize, RepoError> {
        let lease = self.cfg.timeout + Duration::from_secs(30);
        let claimed = self.deliveries.claim(self.cfg.concurrency as u64, lease).await?;
        let n = claimed.len();
        let mut results = futures_util::stream::iter(claimed.into_iter().map(|c| async move {
            let (attempt, next) = self.attempt(&c).await;
            self.deliveries.finish(&c, attempt, next).await
        }))
        .buffer_unordered(self.cfg.concurrency.max(1));
        while let Some(r) = results.next().await {
            r?;
        }
        Ok(n)
    }

    #[tracing::instrument(skip_all, fields(delivery_id = %c.id, endpoint_id = %c.endpoint_id, event = c.event_type.dotted()))]
    async fn attempt(&self, c: &Claimed) -> (Attempt, Next) {
        let number = c.attempts + 1;
        let started_at = Utc::now();
        let clock = Instant::now();
        let outcome = self.send(c, number).await;
        let duration_ms = i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (http_status, error, snippet) = match outcome {
            Ok((status, snippet)) if (200..300).contains(&status) => {
                let a = Attempt { attempt: number, started_at, duration_ms, http_status: Some(i32::from(status)), error: None, response_snippet: snippet };
                return (a, Next::Delivered);
            }
            Ok((status, snippet)) => {
                let why = if (300..400).contains(&status) { "redirects are not followed; answer 2xx" } else { "the endpoint did not answer 2xx" };
                (Some(i32::from(status)), Some(format!("HTTP {status}: {why}")), snippet)
            }
            Err(e) => (None, Some(format!("{}: {e}", e.code())), None),
        };
        let wait = domain::webhook::retry_delay(u32::try_from(number).unwrap_or(1), self.cfg.retry_base, rand::random::<f64>());
        let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(2));
        let window = chrono::Duration::from_std(self.cfg.max_age).unwrap_or(chrono::Duration::days(1));
        let deadline = c.expires_at.min(c.created_at + window);
        let next = if at > deadline { Next::GiveUp } else { Next::RetryAt(at) };
        tracing::info!(attempt = number, status = ?http_status, gave_up = matches!(next, Next::GiveUp), "webhook attempt failed");
        (Attempt { attempt: number, started_at, duration_ms, http_status, error, response_snippet: snippet }, next)
    }

    /// Signs and POSTs the event; returns the status and the start of the answer.
    async fn send(&self, c: &Claimed, number: i32) -> Result<(u16, Option<String>), OutboundError> {
        let secrets = self.endpoints.signing_secrets(c.endpoint_id).await.map_err(|e| {
            tracing::error!(error.cause_chain = ?e, "cannot read the endpoint's secret");
            OutboundError::Transport("signing the request")
        })?;
        let url = self.client.check_url(&c.url)?;
        let ts = Utc::now().timestamp();
        let body = c.payload.as_bytes().to_vec();
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let mut put = |name: &'static str, value: String| {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), v);
            }
        };
        put(signature::HEADER_ID, c.event_id.to_string());
        put(signature::HEADER_EVENT, c.event_type.dotted().to_owned());
        put(signature::HEADER_TIMESTAMP, ts.to_string());
        put(signature::HEADER_SIGNATURE, signature::header_value(&secrets, ts, &body));
        put(signature::HEADER_ATTEMPT, number.to_string());
        let mut response = self.client.post(url, headers, body, self.cfg.timeout).await?;
        let status = response.status().as_u16();
        // Keep the start of the answer for the attempt log; the rest is not read.
        let mut snippet = Vec::new();
        while snippet.len() < SNIPPET {
            match read_chunk(&mut response, self.cfg.timeout).await {
                Ok(Some(chunk)) => snippet.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        snippet.truncate(SNIPPET);
        let text = String::from_utf8_lossy(&snippet).into_owned();
        Ok((status, (!text.trim().is_empty()).then_some(text)))
    }
}
