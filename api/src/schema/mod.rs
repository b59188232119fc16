//! The GraphQL schema: roots merged from one object per feature, built once and cloned into workers.

pub mod card;
pub mod catalog;
pub mod ids;
pub mod import;
pub mod job;
pub mod limits;
pub mod nct_key;
pub mod node;
pub mod readiness;
pub mod sku;
pub mod tenant;
pub mod types;

use crate::auth::{AuthContext, Permission, TokenService};
use crate::error::ApiError;
use async_graphql::{Context, MergedObject, MergedSubscription, Schema};
use infra::db::TenantId;
use infra::db::job_repo::JobRepo;
use infra::db::key_repo::NctKeyRepo;
use infra::db::{catalog_repo::CatalogRepo, sku_repo::SkuRepo, tenant_repo::TenantRepo};
use infra::jobs::JobEvents;
use infra::lookup::LookupService;
use infra::nct::NctClient;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Largest page a connection serves; more is a `BAD_USER_INPUT` error, not a silent clamp.
pub const MAX_PAGE: usize = 250;

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
    /// Job change events (live progress).
    pub events: JobEvents,
    /// Wakes the job worker.
    pub worker_wake: Arc<tokio::sync::Notify>,
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
    /// Event bus.
    pub events: JobEvents,
    /// Worker wake-up.
    pub worker_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// Builds the repositories over one connection.
    pub fn new(s: Services) -> Self {
        Self {
            tenants: TenantRepo::new(s.db.clone()),
            catalogs: CatalogRepo::new(s.db.clone()),
            skus: SkuRepo::new(s.db.clone()),
            jobs: JobRepo::new(s.db.clone()),
            tokens: s.tokens,
            keys: s.keys,
            nct: s.nct,
            lookup: s.lookup,
            events: s.events,
            worker_wake: s.worker_wake,
            db: s.db,
        }
    }
}

/// Query root.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    readiness::ReadinessQuery,
    tenant::TenantQuery,
    catalog::CatalogQuery,
    node::NodeQuery,
    nct_key::NctKeyQuery,
    job::JobQuery,
    card::CardQuery,
);

/// Mutation root.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    tenant::TenantMutation,
    catalog::CatalogMutation,
    catalog::ExportMutation,
    sku::SkuMutation,
    import::ImportMutation,
    nct_key::NctKeyMutation,
    job::JobMutation,
    card::CardMutation,
    card::CardFileMutation,
);

/// Subscription root.
#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(job::JobSubscription);

/// The schema type.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema with its limits.
pub fn build_schema(state: Option<AppState>) -> AppSchema {
    let mut b = Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot::default())
        .limit_depth(16)
        .limit_complexity(50_000)
        .limit_recursive_depth(32)
        .limit_directives(16)
        .extension(limits::FieldLimit);
    if let Some(s) = state {
        b = b.data(s);
    }
    b.finish()
}

/// The shared state.
pub fn state<'a>(ctx: &Context<'a>) -> Result<&'a AppState, ApiError> {
    ctx.data::<AppState>()
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("AppState missing from schema data")))
}

/// The verified caller, or `UNAUTHENTICATED`.
pub fn caller<'a>(ctx: &Context<'a>) -> Result<&'a AuthContext, ApiError> {
    ctx.data_opt::<AuthContext>()
        .ok_or_else(|| ApiError::Unauthenticated("a bearer token is required".into()))
}

/// The caller's tenant, when the caller holds `perm` there.
pub fn tenant(ctx: &Context<'_>, perm: Permission) -> Result<TenantId, ApiError> {
    caller(ctx)?.tenant_for(perm)
}

/// Validates a `first` argument.
pub fn page_size(first: Option<i32>) -> Result<usize, ApiError> {
    match first {
        None => Ok(50),
        Some(n) if n < 0 => Err(ApiError::bad_input("first", "first must not be negative")),
        Some(n) if n as usize > MAX_PAGE => Err(ApiError::bad_input(
            "first",
            format!("first must be at most {MAX_PAGE}"),
        )),
        Some(n) => Ok(n as usize),
    }
}
