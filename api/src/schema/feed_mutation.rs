//! Catalog source mutations: set (create or change), delete, and pull now. Editors and owners may change
//! sources; viewers may not.

use super::feed::{CatalogSourceFormat, CatalogSourceNode};
use super::{state, tenant};
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::ids::{self, Kind};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::tenant::Permission;
use infra::db::RepoError;
use infra::feeds::source_repo::SourceInput;
use infra::outbound::OutboundError;
use std::time::Duration;

/// Input of `setCatalogSource`.
#[derive(InputObject)]
pub struct SetCatalogSourceInput {
    /// The catalog that follows the URL.
    pub catalog_id: ID,
    /// What the URL serves.
    pub format: CatalogSourceFormat,
    /// `http` or `https`, to a public address (the one Kaspi, OMarket or Jmart polls).
    pub url: String,
    /// Seconds between pulls: at least the operator's minimum (15 minutes by default), at most 7 days.
    #[graphql(default = 3600)]
    pub interval_seconds: i64,
    /// Pull on schedule.
    #[graphql(default = true)]
    pub enabled: bool,
    /// After each import, look up new SKUs that have a valid GTIN, with the tenant's NCT key.
    #[graphql(default = false)]
    pub auto_lookup: bool,
}

/// Input of `deleteCatalogSource` and `pullCatalogSource`.
#[derive(InputObject)]
pub struct CatalogSourceRefInput {
    /// The catalog whose source it is.
    pub catalog_id: ID,
}

/// Result of `setCatalogSource` and `pullCatalogSource`.
#[derive(SimpleObject, Default)]
pub struct CatalogSourcePayload {
    /// The source after the change.
    pub source: Option<CatalogSourceNode>,
    /// Problems with the input; nothing was changed when set.
    pub user_errors: Vec<UserError>,
}

/// Result of `deleteCatalogSource`.
#[derive(SimpleObject, Default)]
pub struct DeleteCatalogSourcePayload {
    /// The catalog that no longer follows a URL.
    pub catalog_id: Option<ID>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

fn err(field: &str, code: UserErrorCode, message: impl Into<String>) -> Vec<UserError> {
    vec![UserError::new(&[field], code, message)]
}

/// A URL problem as a user error on `field` (`INVALID`), or `None` for errors that are not the URL's fault.
pub(crate) fn url_user_error(field: &str, e: &OutboundError) -> Vec<UserError> {
    let message = match e {
        OutboundError::Blocked { .. } => format!("{e}: only public http(s) addresses are reachable"),
        OutboundError::Connect(_) => "the host name does not resolve".to_owned(),
        other => other.to_string(),
    };
    err(field, UserErrorCode::Invalid, message)
}

/// Source mutations.
#[derive(Default)]
pub struct FeedMutation;

#[Object]
impl FeedMutation {
    /// Makes a catalog follow a marketplace feed or CSV URL (or changes how it does). The first pull starts at
    /// once; a new URL or format starts again from a full read.
    async fn set_catalog_source(&self, ctx: &Context<'_>, input: SetCatalogSourceInput) -> Result<CatalogSourcePayload, ApiError> {
        // Load and check.
        let t = tenant(ctx, Permission::Write)?;
        let st = state(ctx)?;
        let fail = |errs| Ok(CatalogSourcePayload { source: None, user_errors: errs });
        let Some(catalog_id) = ids::try_decode(Kind::Catalog, &input.catalog_id) else {
            return fail(err("catalogId", UserErrorCode::NotFound, "no such catalog"));
        };
        if input.url.trim().is_empty() {
            return fail(err("url", UserErrorCode::Blank, "url is required"));
        }
        let it = &st.integrations;
        let url = match it.outbound.check_url(&input.url) {
            Ok(u) => u,
            Err(e) => return fail(url_user_error("url", &e)),
        };
        if let Err(e) = it.outbound.check_host(&url).await {
            return fail(url_user_error("url", &e));
        }
        let (min, max) = (it.settings.feeds.min_interval.as_secs(), domain::feed::MAX_INTERVAL.as_secs());
        let interval = u64::try_from(input.interval_seconds).ok().filter(|s| (min..=max).contains(s));
        let Some(interval) = interval else {
            return fail(err("intervalSeconds", UserErrorCode::Invalid, format!("intervalSeconds must be between {min} and {max}")));
        };
        // Act.
        let source = SourceInput { format: input.format.into(), url: url.to_string(), interval: Duration::from_secs(interval), enabled: input.enabled, auto_lookup: input.auto_lookup };
        match it.sources.set(t, catalog_id, source).await {
            Ok(s) => {
                it.feed_wake.notify_one();
                Ok(CatalogSourcePayload { source: Some(CatalogSourceNode(s)), user_errors: vec![] })
            }
            Err(RepoError::NotFound) => fail(err("catalogId", UserErrorCode::NotFound, "no such catalog")),
            Err(RepoError::Duplicate(_)) => fail(err("catalogId", UserErrorCode::Taken, "the source was set concurrently; retry")),
            Err(e) => Err(e.into()),
        }
    }

    /// Stops a catalog following its URL and forgets its pull history. The SKUs stay as they are.
    async fn delete_catalog_source(&self, ctx: &Context<'_>, input: CatalogSourceRefInput) -> Result<DeleteCatalogSourcePayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let no_source = || Ok(DeleteCatalogSourcePayload { catalog_id: None, user_errors: err("catalogId", UserErrorCode::NotFound, "this catalog has no source") });
        let Some(catalog_id) = ids::try_decode(Kind::Catalog, &input.catalog_id) else { return no_source() };
        if !state(ctx)?.integrations.sources.delete(t, catalog_id).await? {
            return no_source();
        }
        Ok(DeleteCatalogSourcePayload { catalog_id: Some(input.catalog_id), user_errors: vec![] })
    }

    /// Pulls a catalog's source now (in the background; watch `source.pulls`). A pull already running is
    /// finished first, and this one follows it.
    async fn pull_catalog_source(&self, ctx: &Context<'_>, input: CatalogSourceRefInput) -> Result<CatalogSourcePayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let it = &state(ctx)?.integrations;
        let no_source = || Ok(CatalogSourcePayload { source: None, user_errors: err("catalogId", UserErrorCode::NotFound, "this catalog has no source") });
        let Some(catalog_id) = ids::try_decode(Kind::Catalog, &input.catalog_id) else { return no_source() };
        match it.sources.for_catalog(t, catalog_id).await? {
            None => no_source(),
            Some(s) if !s.enabled => Ok(CatalogSourcePayload {
                source: Some(CatalogSourceNode(s)),
                user_errors: err("catalogId", UserErrorCode::InvalidState, "the source is disabled; enable it with setCatalogSource"),
            }),
            Some(_) => {
                let s = it.sources.request_pull(t, catalog_id).await?;
                it.feed_wake.notify_one();
                Ok(CatalogSourcePayload { source: Some(CatalogSourceNode(s)), user_errors: vec![] })
            }
        }
    }
}
