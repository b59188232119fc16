//! Integrations: catalog sources (feed sync), webhooks and the Kaspi Shop API. Their settings (read from the
//! environment like the rest of [`crate::config`]), the services resolvers use, and the two background loops
//! (the feed scheduler and the webhook sender) that run beside the job worker.

use anyhow::Context as _;
use infra::db::key_repo::NctKeyRepo;
use infra::feeds::FeedSettings;
use infra::feeds::pull::Puller;
use infra::feeds::scheduler::FeedScheduler;
use infra::feeds::source_repo::SourceRepo;
use infra::kaspi::client::KaspiClient;
use infra::kaspi::token_repo::KaspiTokenRepo;
use infra::outbound::{OutboundPolicy, SafeClient};
use infra::webhooks::WebhookSettings;
use infra::webhooks::delivery_repo::DeliveryRepo;
use infra::webhooks::endpoint_repo::EndpointRepo;
use infra::webhooks::worker::WebhookWorker;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Settings of the integrations.
#[derive(Clone, Debug)]
pub struct IntegrationSettings {
    /// `OUTBOUND_ALLOW_NETS`: networks that feed and webhook URLs may reach although they are not public
    /// (comma-separated CIDRs; empty by default: public addresses only).
    pub outbound: OutboundPolicy,
    /// `FEED_TIMEOUT_SECS`, `FEED_MAX_BYTES`, `FEED_MAX_REDIRECTS`, `FEED_MIN_INTERVAL_SECS`.
    pub feeds: FeedSettings,
    /// `WEBHOOK_TIMEOUT_MS`, `WEBHOOK_RETRY_BASE_MS`, `WEBHOOK_MAX_AGE_SECS`, `WEBHOOK_POLL_MS`.
    pub webhooks: WebhookSettings,
    /// `KASPI_BASE_URL` (default `https://kaspi.kz/shop/api`).
    pub kaspi_base_url: String,
}

impl Default for IntegrationSettings {
    fn default() -> Self {
        Self {
            outbound: OutboundPolicy::default(),
            feeds: FeedSettings::default(),
            webhooks: WebhookSettings::default(),
            kaspi_base_url: infra::kaspi::client::DEFAULT_BASE_URL.to_owned(),
        }
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn num(name: &str) -> anyhow::Result<Option<u64>> {
    var(name).map(|v| v.trim().parse::<u64>().with_context(|| format!("{name}: expected a whole number"))).transpose()
}

impl IntegrationSettings {
    /// Reads the environment; a wrong value names its variable.
    ///
    /// # Errors
    /// A malformed variable.
    pub fn from_env() -> anyhow::Result<Self> {
        let mut s = Self::default();
        if let Some(spec) = var("OUTBOUND_ALLOW_NETS") {
            s.outbound = OutboundPolicy::parse_allow_list(&spec).map_err(|e| anyhow::anyhow!("OUTBOUND_ALLOW_NETS: {e}"))?;
        }
        let f = &mut s.feeds;
        f.timeout = num("FEED_TIMEOUT_SECS")?.map_or(f.timeout, Duration::from_secs);
        f.max_bytes = num("FEED_MAX_BYTES")?.unwrap_or(f.max_bytes);
        f.max_redirects = num("FEED_MAX_REDIRECTS")?.map_or(f.max_redirects, |n| n as usize);
        f.min_interval = num("FEED_MIN_INTERVAL_SECS")?.map_or(f.min_interval, Duration::from_secs);
        let w = &mut s.webhooks;
        w.timeout = num("WEBHOOK_TIMEOUT_MS")?.map_or(w.timeout, Duration::from_millis);
        w.retry_base = num("WEBHOOK_RETRY_BASE_MS")?.map_or(w.retry_base, Duration::from_millis);
        w.max_age = num("WEBHOOK_MAX_AGE_SECS")?.map_or(w.max_age, Duration::from_secs);
        w.poll = num("WEBHOOK_POLL_MS")?.map_or(w.poll, Duration::from_millis);
        if let Some(url) = var("KASPI_BASE_URL") {
            s.kaspi_base_url = url;
        }
        anyhow::ensure!(s.feeds.max_bytes > 0, "FEED_MAX_BYTES: must be positive");
        anyhow::ensure!(!s.webhooks.timeout.is_zero(), "WEBHOOK_TIMEOUT_MS: must be positive");
        Ok(s)
    }
}

/// The services resolvers use. Cheap to clone.
#[derive(Clone)]
pub struct Integrations {
    /// Catalog sources and their pulls.
    pub sources: SourceRepo,
    /// Wakes this process's feed scheduler (a manual pull).
    pub feed_wake: Arc<Notify>,
    /// Webhook endpoints.
    pub endpoints: EndpointRepo,
    /// Webhook deliveries and attempts.
    pub deliveries: DeliveryRepo,
    /// Encrypted Kaspi tokens.
    pub kaspi_tokens: KaspiTokenRepo,
    /// The Kaspi Shop API (official endpoints only).
    pub kaspi: KaspiClient,
    /// The SSRF-safe client (URL checks when sources and endpoints are registered).
    pub outbound: SafeClient,
    /// The settings.
    pub settings: IntegrationSettings,
}

/// The background loops, started by [`Runners::run`].
pub struct Runners {
    scheduler: FeedScheduler,
    webhooks: WebhookWorker,
}

impl Integrations {
    /// Builds the services and their loops over one database.
    ///
    /// # Errors
    /// A client that cannot start, or a bad `KASPI_BASE_URL`.
    pub fn build(db: &DatabaseConnection, keys: &NctKeyRepo, settings: IntegrationSettings, job_wake: Arc<Notify>) -> anyhow::Result<(Self, Runners)> {
        let outbound = SafeClient::new(settings.outbound.clone(), Duration::from_secs(5), "NTIN-Desk/0.1 (+feed sync; webhooks)")
            .context("cannot build the outbound HTTP client")?;
        let kaspi = KaspiClient::new(&settings.kaspi_base_url, Duration::from_secs(15)).context("KASPI_BASE_URL: not a usable URL")?;
        let feed_wake = Arc::new(Notify::new());
        let endpoints = EndpointRepo::new(db.clone(), keys.clone());
        let deliveries = DeliveryRepo::new(db.clone());
        let puller = Puller::new(db.clone(), outbound.clone(), settings.feeds.clone());
        let runners = Runners {
            scheduler: FeedScheduler::new(db.clone(), puller, settings.feeds.clone(), feed_wake.clone(), job_wake),
            webhooks: WebhookWorker::new(deliveries.clone(), endpoints.clone(), outbound.clone(), settings.webhooks.clone()),
        };
        let me = Self {
            sources: SourceRepo::new(db.clone()),
            feed_wake,
            endpoints,
            deliveries,
            kaspi_tokens: KaspiTokenRepo::new(db.clone(), keys.clone()),
            kaspi,
            outbound,
            settings,
        };
        Ok((me, runners))
    }
}

impl Runners {
    /// Runs the feed scheduler and the webhook sender until `shutdown` turns true.
    pub async fn run(self, shutdown: watch::Receiver<bool>, release_leases: bool) {
        tokio::join!(self.scheduler.run(shutdown.clone(), release_leases), self.webhooks.run(shutdown, release_leases));
    }
}
