//! The Relay `Node` interface and `node(id:)` lookups, always scoped to the caller's tenant.

use super::catalog::CatalogNode;
use crate::ids::{self, Kind};
use super::sku::SkuNode;
use super::tenant::TenantNode;
use super::{caller, state, tenant};
use domain::tenant::Permission;
use crate::error::ApiError;
use async_graphql::{Context, ID, Interface, Object};

/// Anything with a global ID.
#[derive(Interface)]
#[allow(clippy::large_enum_variant)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    /// A tenant.
    Tenant(TenantNode),
    /// A catalog.
    Catalog(CatalogNode),
    /// A SKU.
    Sku(SkuNode),
    /// A registration job.
    RegistrationJob(super::job::JobNode),
}

/// `node` and `nodes`.
#[derive(Default)]
pub struct NodeQuery;

async fn load(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>, ApiError> {
    let Some((kind, uid)) = ids::decode_any(id) else {
        return Ok(None);
    };
    let st = state(ctx)?;
    Ok(match kind {
        Kind::Tenant => {
            // A tenant is visible to its own members only.
            let c = caller(ctx)?;
            match c.tenant {
                Some(t) if t.0 == uid => st.tenants.get_tenant(uid).await?.map(|t| Node::Tenant(TenantNode(t))),
                _ => None,
            }
        }
        Kind::Catalog => {
            let t = tenant(ctx, Permission::Read)?;
            st.catalogs.get(t, uid).await?.map(|c| Node::Catalog(CatalogNode(c)))
        }
        Kind::Sku => {
            let t = tenant(ctx, Permission::Read)?;
            st.skus.get(t, uid).await?.map(|s| Node::Sku(SkuNode(s)))
        }
        Kind::Job => {
            let t = tenant(ctx, Permission::Read)?;
            super::job::load_job(st, t, uid).await?.map(Node::RegistrationJob)
        }
        // Reached through `catalog.source`, `catalogSources` and `webhookEndpoint(s)`.
        Kind::CatalogSource | Kind::CatalogSourcePull | Kind::WebhookEndpoint | Kind::WebhookDelivery => None,
    })
}

#[Object]
impl NodeQuery {
    /// Any object by global ID; `null` when unknown or not the caller's.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>, ApiError> {
        load(ctx, &id).await
    }

    /// Several objects by global ID (at most 100), in order.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>, ApiError> {
        if ids.len() > 100 {
            return Err(ApiError::LimitExceeded("nodes takes at most 100 IDs".into()));
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(load(ctx, id).await?);
        }
        Ok(out)
    }
}
