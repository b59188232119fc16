//! The shared services every request reaches: repositories, the token service, the NCT client, the lookup
//! service, the job event bus and the worker's wake-up. Built once at start-up, then cloned (it is all handles).

use crate::auth::TokenService;
use infra::cards::CardService;
use infra::db::job_repo::JobRepo;
use infra::db::key_repo::NctKeyRepo;
use infra::db::{catalog_repo::CatalogRepo, sku_repo::SkuRepo, tenant_repo::TenantRepo};
use infra::jobs::JobEvents;
use infra::jobs::watch::JobWatch;
use infra::db::match_repo::MatchRepo;
use infra::lookup::LookupService;
use infra::matching::SearchService;
use nct::NctClient;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Shared services, put into the schema data once.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: DatabaseConnection,
    /// Tenants and partners.
    pub tenants: TenantRepo,
    /// Catalogs.
    pub catalogs: CatalogRepo,
    /// SKUs.
    pub skus: SkuRepo,
    /// Token minting and verification.
    pub tokens: TokenService,
    /// Encrypted NCT keys.
    pub keys: NctKeyRepo,
    /// Registration jobs.
    pub jobs: JobRepo,
    /// The NCT client (key verification).
    pub nct: NctClient,
    /// Cached, coalesced NCT lookups.
    pub lookup: LookupService,
    /// Cached NCT name searches (matching, the near-duplicate check).
    pub search: SearchService,
    /// Match results and decisions.
    pub matches: MatchRepo,
    /// Card use-cases (edit, files, moderation actions, plans).
    pub cards: CardService,
    /// Job change events (live progress).
    pub events: JobEvents,
    /// One shared watcher per watched job (live progress for any number of subscribers).
    pub watch: JobWatch,
    /// Wakes the job worker.
    pub worker_wake: Arc<tokio::sync::Notify>,
    /// Catalog sources, webhooks, the Kaspi API.
    pub integrations: crate::integrations::Integrations,
    /// Whether a lookup of a whole catalog scans it (`JOB_LOOKUP_SCAN`).
    pub lookup_scan: bool,
}

/// The outside services `AppState` is built from.
pub struct Services {
    /// The database.
    pub db: DatabaseConnection,
    /// Token service.
    pub tokens: TokenService,
    /// Encrypted key store.
    pub keys: NctKeyRepo,
    /// NCT client.
    pub nct: NctClient,
    /// Lookup service.
    pub lookup: LookupService,
    /// Search service.
    pub search: SearchService,
    /// Event bus.
    pub events: JobEvents,
    /// Job watchers.
    pub watch: JobWatch,
    /// Worker wake-up.
    pub worker_wake: Arc<tokio::sync::Notify>,
    /// How NCT requests are followed.
    pub follow: domain::card::FollowPolicy,
    /// Catalog sources, webhooks, the Kaspi API.
    pub integrations: crate::integrations::Integrations,
    /// `JOB_LOOKUP_SCAN`.
    pub lookup_scan: bool,
}

impl AppState {
    /// Builds the repositories over one connection.
    pub fn new(s: Services) -> Self {
        Self {
            tenants: TenantRepo::new(s.db.clone()),
            catalogs: CatalogRepo::new(s.db.clone()),
            skus: SkuRepo::new(s.db.clone()),
            jobs: JobRepo::new(s.db.clone()),
            matches: MatchRepo::new(s.db.clone()),
            search: s.search,
            tokens: s.tokens,
            cards: CardService::new(s.db.clone(), s.keys.clone(), s.nct.clone(), s.follow),
            keys: s.keys,
            nct: s.nct,
            lookup: s.lookup,
            events: s.events,
            watch: s.watch,
            worker_wake: s.worker_wake,
            integrations: s.integrations,
            lookup_scan: s.lookup_scan,
            db: s.db,
        }
    }
}

