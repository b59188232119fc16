//! The GraphQL schema: roots merged from one object per feature, built once and cloned into workers.

pub mod card;
pub mod card_mutation;
pub mod card_plan;
pub mod catalog;
pub mod dictionary;
pub mod feed;
pub mod feed_mutation;
pub mod import;
pub mod job;
pub mod kaspi;
pub mod limits;
pub mod loaders;
pub mod matching;
pub mod nct_key;
pub mod node;
pub mod readiness;
pub mod sku;
pub mod tenant;
pub mod token;
pub mod types;
pub mod webhook;
pub mod webhook_mutation;

use crate::auth::AuthContext;
pub use crate::state::AppState;
use domain::tenant::Permission;
use crate::error::ApiError;
use async_graphql::{Context, MergedObject, MergedSubscription, Schema};
use domain::tenant::TenantId;

/// Largest page a connection serves; more is a `BAD_USER_INPUT` error, not a silent clamp.
pub const MAX_PAGE: usize = 250;

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
    dictionary::DictionaryQuery,
    feed::FeedQuery,
    webhook::WebhookQuery,
    kaspi::KaspiQuery,
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
    card_mutation::CardMutation,
    card_mutation::CardFileMutation,
    feed_mutation::FeedMutation,
    webhook_mutation::WebhookMutation,
    kaspi::KaspiMutation,
    token::TokenMutation,
    matching::MatchMutation,
);

/// Subscription root.
#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(job::JobSubscription);

/// The schema type.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema with its limits (introspection on).
pub fn build_schema(state: Option<AppState>) -> AppSchema {
    build_schema_with(state, true)
}

/// Builds the schema with its limits; `introspection: false` refuses `__schema`/`__type` (production).
pub fn build_schema_with(state: Option<AppState>, introspection: bool) -> AppSchema {
    let mut b = Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot::default())
        .limit_depth(16)
        .limit_complexity(limits::MAX_COMPLEXITY)
        .limit_recursive_depth(32)
        .limit_directives(16);
    if !introspection {
        b = b.disable_introspection();
    }
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
