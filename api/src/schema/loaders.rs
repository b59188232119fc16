//! Per-request DataLoaders: fields of a SKU that read another row (`moderation`, `card`, `match`, `cardCheck` and the
//! tenant's NCT key behind it) are loaded for a whole page in one query instead of one per SKU. A loader is
//! made for each HTTP request and each WebSocket connection ([`new_loader`]); it caches nothing, and every key
//! carries the tenant, which every query filters on.

use super::AppState;
use crate::error::ApiError;
use async_graphql::dataloader::{DataLoader, Loader};
use domain::tenant::TenantId;
use infra::db::RepoError;
use infra::db::card_repo::CardSku;
use infra::db::request_repo::NctRequest;
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// The loaders of one request.
pub type Loaders = DataLoader<PageLoader>;

/// Builds the loaders of one request (or one WebSocket connection).
pub fn new_loader(state: &AppState) -> Loaders {
    DataLoader::new(PageLoader { state: state.clone() }, tokio::spawn)
}

/// Loads rows for the SKUs of a page.
pub struct PageLoader {
    state: AppState,
}

/// A SKU's NCT request (`Sku.moderation`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModerationOf(pub TenantId, pub Uuid);

/// A SKU's card (`Sku.card`, `Sku.cardCheck`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CardOf(pub TenantId, pub Uuid);

/// A SKU's stored card check (`Sku.cardCheck` answers from it when it is fresh).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoredCheckOf(pub TenantId, pub Uuid);

/// A SKU's matching record (`Sku.match`, and the match state `Sku.cardCheck` reads).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MatchOf(pub TenantId, pub Uuid);

/// A tenant's decrypted NCT key and its status (`Sku.cardCheck`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyOf(pub TenantId);

/// A repository error shared by every key of a failed batch.
#[derive(Clone)]
pub struct LoadError(Arc<RepoError>);

impl From<RepoError> for LoadError {
    fn from(e: RepoError) -> Self {
        Self(Arc::new(e))
    }
}

impl From<LoadError> for ApiError {
    fn from(e: LoadError) -> Self {
        match &*e.0 {
            RepoError::NotFound => ApiError::NotFound,
            RepoError::Duplicate(f) => ApiError::Conflict(format!("duplicate {f}")),
            RepoError::Unavailable(_) => ApiError::Unavailable(anyhow::anyhow!("{:?}", e.0)),
            RepoError::Unexpected(_) => ApiError::Internal(anyhow::anyhow!("{:?}", e.0)),
        }
    }
}

/// Groups keys by tenant: one query per tenant (a request has one).
fn by_tenant(keys: impl Iterator<Item = (TenantId, Uuid)>) -> HashMap<TenantId, Vec<Uuid>> {
    let mut out: HashMap<TenantId, Vec<Uuid>> = HashMap::new();
    for (t, id) in keys {
        out.entry(t).or_default().push(id);
    }
    out
}

impl Loader<ModerationOf> for PageLoader {
    type Value = NctRequest;
    type Error = LoadError;

    async fn load(&self, keys: &[ModerationOf]) -> Result<HashMap<ModerationOf, NctRequest>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        for (tenant, ids) in by_tenant(keys.iter().map(|k| (k.0, k.1))) {
            let rows = self.state.cards.requests().requests_for(tenant, &ids).await?;
            out.extend(rows.into_iter().map(|(sku, r)| (ModerationOf(tenant, sku), r)));
        }
        Ok(out)
    }
}

impl Loader<CardOf> for PageLoader {
    type Value = CardSku;
    type Error = LoadError;

    async fn load(&self, keys: &[CardOf]) -> Result<HashMap<CardOf, CardSku>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        for (tenant, ids) in by_tenant(keys.iter().map(|k| (k.0, k.1))) {
            let rows = self.state.cards.cards().cards(tenant, &ids).await?;
            out.extend(rows.into_iter().map(|(sku, c)| (CardOf(tenant, sku), c)));
        }
        Ok(out)
    }
}

impl Loader<StoredCheckOf> for PageLoader {
    type Value = infra::db::entity::card_check::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[StoredCheckOf]) -> Result<HashMap<StoredCheckOf, Self::Value>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        for (tenant, ids) in by_tenant(keys.iter().map(|k| (k.0, k.1))) {
            for row in self.state.cards.checks().stored_for(tenant, &ids).await? {
                out.insert(StoredCheckOf(tenant, row.sku_id), row);
            }
        }
        Ok(out)
    }
}

impl Loader<MatchOf> for PageLoader {
    type Value = infra::db::match_repo::SkuMatch;
    type Error = LoadError;

    async fn load(&self, keys: &[MatchOf]) -> Result<HashMap<MatchOf, Self::Value>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        for (tenant, ids) in by_tenant(keys.iter().map(|k| (k.0, k.1))) {
            for m in self.state.matches.get_many(tenant, &ids).await? {
                out.insert(MatchOf(tenant, m.sku_id), m);
            }
        }
        Ok(out)
    }
}

impl Loader<KeyOf> for PageLoader {
    type Value = (SecretString, String);
    type Error = LoadError;

    async fn load(&self, keys: &[KeyOf]) -> Result<HashMap<KeyOf, (SecretString, String)>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        for k in keys {
            if let Some(v) = self.state.keys.load(k.0).await? {
                out.insert(*k, v);
            }
        }
        Ok(out)
    }
}

/// The request's loaders, or an internal error when a caller forgot to attach them.
pub fn loaders<'a>(ctx: &async_graphql::Context<'a>) -> Result<&'a Loaders, ApiError> {
    ctx.data::<Loaders>().map_err(|_| ApiError::Internal(anyhow::anyhow!("page loaders missing from request data")))
}
