//! Catalogs: the type, its queries and mutations.

use crate::ids::{self, Kind};
use super::sku::{SkuFilterInput, SkuNode, SkuRow};
use super::types::ReadinessSummary;
use crate::error::{UserError, UserErrorCode};
use super::{page_size, state, tenant};
use domain::tenant::Permission;
use crate::error::ApiError;
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use infra::db::catalog_repo::Catalog;
use infra::db::sku_repo::SkuFilter;

/// Extra fields on connections.
#[derive(SimpleObject)]
pub struct ConnectionTotal {
    /// Items matching the filter, over all pages.
    pub total_count: u64,
}

/// A catalog of SKUs.
pub struct CatalogNode(pub Catalog);

#[Object(name = "Catalog")]
impl CatalogNode {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Catalog, self.0.id)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Creation time.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
    /// Last change of the catalog itself.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// Readiness summary of the stored SKUs (`duplicates` counts SKUs sharing a GTIN).
    async fn readiness(&self, ctx: &Context<'_>) -> Result<ReadinessSummary, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        Ok(state(ctx)?.skus.readiness_summary(t, self.0.id).await?.into())
    }
    /// SKUs ordered by seller SKU, at most 250 per page.
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 250) as usize * child_complexity + 1")]
    async fn skus(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<SkuFilterInput>,
    ) -> Result<Connection<String, SkuRow, ConnectionTotal>, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        let limit = page_size(first)?;
        let f: SkuFilter = filter.map(Into::into).unwrap_or_default();
        let st = state(ctx)?;
        let after = after.map(|a| decode_cursor(&a)).transpose()?;
        let mut rows = st
            .skus
            .list(t, self.0.id, &f, after.as_deref(), limit as u64 + 1)
            .await?;
        let has_next = rows.len() > limit;
        rows.truncate(limit);
        // The count is a second query over the whole filter: only when asked for.
        let total = if ctx.look_ahead().field("totalCount").exists() { st.skus.count(t, self.0.id, &f).await? } else { 0 };
        let mut conn = Connection::with_additional_fields(
            after.is_some(),
            has_next,
            ConnectionTotal { total_count: total },
        );
        conn.edges.extend(
            rows.into_iter()
                .map(|s| Edge::new(encode_cursor(&s.seller_sku), SkuRow(SkuNode(s)))),
        );
        Ok(conn)
    }
    /// Card readiness over the SKUs that need a card (runs the check on each; needs the NCT key).
    async fn card_readiness(&self, ctx: &Context<'_>) -> Result<super::card_plan::CardReadiness, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        super::card_plan::catalog_card_readiness(ctx, t, self.0.id).await
    }
    /// Expected NTIN dates of the cards still to be registered.
    async fn registration_plan(&self, ctx: &Context<'_>) -> Result<super::card_plan::RegistrationPlan, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        super::card_plan::catalog_registration_plan(ctx, t, self.0.id).await
    }
    /// The marketplace feed or CSV URL this catalog follows, if any.
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<super::feed::CatalogSourceNode>, ApiError> {
        super::feed::catalog_source(ctx, self.0.id).await
    }
    /// SKUs whose temporary XTIN expires within `withinDays` days (or has expired) and still have no NTIN.
    async fn expiring_xtins(&self, ctx: &Context<'_>, #[graphql(default = 7)] within_days: i32) -> Result<Vec<SkuNode>, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        super::card_plan::catalog_expiring_xtins(ctx, t, self.0.id, within_days).await
    }
}

fn encode_cursor(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn decode_cursor(c: &str) -> Result<String, ApiError> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ApiError::bad_input("after", "malformed cursor"))
}

/// Catalog queries.
#[derive(Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// The caller's catalogs.
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 250) as usize * child_complexity + 1")]
    async fn catalogs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, CatalogNode, ConnectionTotal>, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        let limit = page_size(first)?;
        let after_id = match &after {
            Some(a) => Some(
                uuid::Uuid::parse_str(&decode_cursor(a)?)
                    .map_err(|_| ApiError::bad_input("after", "malformed cursor"))?,
            ),
            None => None,
        };
        let st = state(ctx)?;
        let mut rows = st.catalogs.list(t, after_id, limit as u64 + 1).await?;
        let has_next = rows.len() > limit;
        rows.truncate(limit);
        let total = st.catalogs.count(t).await?;
        let mut conn = Connection::with_additional_fields(
            after.is_some(),
            has_next,
            ConnectionTotal { total_count: total },
        );
        conn.edges.extend(
            rows.into_iter()
                .map(|c| Edge::new(encode_cursor(&c.id.to_string()), CatalogNode(c))),
        );
        Ok(conn)
    }

    /// One catalog by global ID; `null` when unknown or not the caller's.
    async fn catalog(&self, ctx: &Context<'_>, id: ID) -> Result<Option<CatalogNode>, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        let Some(uid) = ids::try_decode(Kind::Catalog, &id) else {
            return Ok(None);
        };
        Ok(state(ctx)?.catalogs.get(t, uid).await?.map(CatalogNode))
    }
}

/// Input of `createCatalog`.
#[derive(InputObject)]
pub struct CreateCatalogInput {
    /// Name, 1–200 characters.
    pub name: String,
}

/// Input of `updateCatalog`.
#[derive(InputObject)]
pub struct UpdateCatalogInput {
    /// The catalog.
    pub id: ID,
    /// New name, 1–200 characters.
    pub name: String,
}

/// Input of `deleteCatalog`.
#[derive(InputObject)]
pub struct DeleteCatalogInput {
    /// The catalog.
    pub id: ID,
}

/// Result of catalog mutations.
#[derive(SimpleObject)]
pub struct CatalogPayload {
    /// The catalog after the change.
    pub catalog: Option<CatalogNode>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// Result of `deleteCatalog`.
#[derive(SimpleObject)]
pub struct DeleteCatalogPayload {
    /// The deleted catalog's ID.
    pub deleted_id: Option<ID>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

fn check_name(name: &str) -> Option<UserError> {
    let n = name.trim().chars().count();
    (n == 0 || n > 200).then(|| {
        UserError::new(&["name"], UserErrorCode::Invalid, "name must have 1 to 200 characters")
    })
}

fn not_found(field: &str) -> UserError {
    UserError::new(&[field], UserErrorCode::NotFound, "no such catalog")
}

/// Catalog mutations.
#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    /// Creates a catalog.
    async fn create_catalog(&self, ctx: &Context<'_>, input: CreateCatalogInput) -> Result<CatalogPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        if let Some(e) = check_name(&input.name) {
            return Ok(CatalogPayload { catalog: None, user_errors: vec![e] });
        }
        let c = state(ctx)?.catalogs.create(t, input.name.trim()).await?;
        Ok(CatalogPayload { catalog: Some(CatalogNode(c)), user_errors: vec![] })
    }

    /// Renames a catalog.
    async fn update_catalog(&self, ctx: &Context<'_>, input: UpdateCatalogInput) -> Result<CatalogPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        if let Some(e) = check_name(&input.name) {
            return Ok(CatalogPayload { catalog: None, user_errors: vec![e] });
        }
        let Some(id) = ids::try_decode(Kind::Catalog, &input.id) else {
            return Ok(CatalogPayload { catalog: None, user_errors: vec![not_found("id")] });
        };
        match state(ctx)?.catalogs.rename(t, id, input.name.trim()).await {
            Ok(c) => Ok(CatalogPayload { catalog: Some(CatalogNode(c)), user_errors: vec![] }),
            Err(infra::db::RepoError::NotFound) => {
                Ok(CatalogPayload { catalog: None, user_errors: vec![not_found("id")] })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a catalog with all its SKUs (owners only).
    async fn delete_catalog(&self, ctx: &Context<'_>, input: DeleteCatalogInput) -> Result<DeleteCatalogPayload, ApiError> {
        let t = tenant(ctx, Permission::Manage)?;
        let Some(id) = ids::try_decode(Kind::Catalog, &input.id) else {
            return Ok(DeleteCatalogPayload { deleted_id: None, user_errors: vec![not_found("id")] });
        };
        match state(ctx)?.catalogs.delete(t, id).await {
            Ok(()) => Ok(DeleteCatalogPayload { deleted_id: Some(input.id), user_errors: vec![] }),
            Err(infra::db::RepoError::NotFound) => {
                Ok(DeleteCatalogPayload { deleted_id: None, user_errors: vec![not_found("id")] })
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Input of `createExportLink`.
#[derive(InputObject)]
pub struct CreateExportLinkInput {
    /// The catalog to export.
    pub catalog_id: ID,
}

/// A short-lived signed download link.
#[derive(SimpleObject)]
pub struct CreateExportLinkPayload {
    /// Relative URL of the CSV (prefix it with the API's origin); works without a token until `expiresAt`.
    pub url: Option<String>,
    /// When the link stops working (5 minutes).
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// Export mutations.
#[derive(Default)]
pub struct ExportMutation;

#[Object]
impl ExportMutation {
    /// A signed link to `GET /exports/catalogs/{id}.csv` for browsers (the route also takes the bearer token).
    async fn create_export_link(&self, ctx: &Context<'_>, input: CreateExportLinkInput) -> Result<CreateExportLinkPayload, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        let st = state(ctx)?;
        let found = match ids::try_decode(Kind::Catalog, &input.catalog_id) {
            Some(id) => st.catalogs.get(t, id).await?,
            None => None,
        };
        let Some(c) = found else {
            return Ok(CreateExportLinkPayload { url: None, expires_at: None, user_errors: vec![not_found("catalogId")] });
        };
        let (url, exp) = crate::signed_link::export_link(&st.tokens, t, c.id);
        Ok(CreateExportLinkPayload { url: Some(url), expires_at: Some(exp), user_errors: vec![] })
    }
}
