//! Catalog sources: the feed or CSV URL a catalog follows, and its pull history. Mutations are in
//! [`super::feed_mutation`].

use super::catalog::ConnectionTotal;
use super::import::RowErrorOut;
use super::job::{JobNode, load_job};
use super::{page_size, state, tenant};
use crate::error::ApiError;
use crate::ids::{self, Kind};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use domain::tenant::Permission;
use infra::feeds::source_repo::{Pull, Source};
use uuid::Uuid;

/// What a source URL serves.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::feed::SourceFormat")]
pub enum CatalogSourceFormat {
    /// The Kaspi XML price list (`kaspi_catalog`).
    KaspiXml,
    /// The OMarket XML price list (`catalog`), or a Kaspi-format file.
    OmarketXml,
    /// The Jmart XML price list (`jmart_catalog`).
    JmartXml,
    /// A CSV table with a header line, as `importCatalog` takes it.
    Csv,
}

/// How a pull ended.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::feed::PullOutcome")]
pub enum PullOutcome {
    /// Read and imported (bad rows are in `rowErrors`).
    Imported,
    /// `304 Not Modified`, or the same bytes as the last import: nothing to do.
    NotModified,
    /// Nothing imported: see `error`.
    Failed,
}

/// What started a pull.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::feed::PullTrigger")]
pub enum PullTrigger {
    /// The schedule.
    Schedule,
    /// `pullCatalogSource`.
    Manual,
}

/// The automatic lookup after a pull (sources with `autoLookup`).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpState {
    /// Owed; the scheduler starts it shortly.
    Pending,
    /// A lookup job was started (`followUpJob`).
    Started,
    /// No SKU needed a lookup.
    #[graphql(name = "NONE")]
    Nothing,
}

/// Why a pull imported nothing.
#[derive(SimpleObject)]
pub struct PullError {
    /// `INVALID_URL`, `BLOCKED_ADDRESS`, `TOO_MANY_REDIRECTS`, `BAD_REDIRECT`, `TIMEOUT`, `CONNECT_FAILED`,
    /// `TRANSPORT`, `TOO_LARGE`, `HTTP_STATUS`, or a file error of `importCatalog` (`MALFORMED`, `WRONG_ROOT`,
    /// `NOT_UTF8`, `MISSING_HEADER`, `DOCTYPE_FORBIDDEN`).
    pub code: String,
    /// What went wrong.
    pub message: String,
}

/// The feed or CSV URL a catalog follows.
pub struct CatalogSourceNode(pub Source);

#[Object(name = "CatalogSource")]
impl CatalogSourceNode {
    /// Global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::CatalogSource, self.0.id)
    }
    /// The catalog's global ID.
    async fn catalog_id(&self) -> ID {
        ids::encode(Kind::Catalog, self.0.catalog_id)
    }
    /// What the URL serves.
    async fn format(&self) -> CatalogSourceFormat {
        self.0.format.into()
    }
    /// The URL (http or https, to a public address).
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// Seconds between pulls.
    async fn interval_seconds(&self) -> u64 {
        self.0.interval.as_secs()
    }
    /// Pulled on schedule.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// After each import, look up new SKUs that have a valid GTIN (a lookup job with the tenant's NCT key).
    async fn auto_lookup(&self) -> bool {
        self.0.auto_lookup
    }
    /// When the next pull is due (sooner after `pullCatalogSource`; later after failures, by backoff).
    async fn next_pull_at(&self) -> DateTime<Utc> {
        self.0.next_pull_at
    }
    /// A pull was asked for and has not started yet.
    async fn manual_pull_pending(&self) -> bool {
        self.0.manual_pull_pending
    }
    /// A pull is running now.
    async fn pulling(&self) -> bool {
        self.0.pulling
    }
    /// Failed pulls in a row (0 after a success).
    async fn consecutive_failures(&self) -> i32 {
        self.0.consecutive_failures
    }
    /// The last pull, whatever its outcome.
    async fn last_pull_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_pull_at
    }
    /// The last pull that was imported or not modified.
    async fn last_success_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_success_at
    }
    /// The last failure's message, until a pull succeeds.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change of the settings or schedule.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The pulls, newest first (the last 500 are kept).
    async fn pulls(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> Result<Connection<String, PullNode, ConnectionTotal>, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        let limit = page_size(first)?;
        let before = after.as_deref().map(decode_cursor).transpose()?;
        let st = state(ctx)?;
        let mut rows = st.integrations.sources.pulls(t, self.0.id, before, limit as u64 + 1).await?;
        let has_next = rows.len() > limit;
        rows.truncate(limit);
        let total = st.integrations.sources.pull_count(t, self.0.id).await?;
        let mut conn = Connection::with_additional_fields(after.is_some(), has_next, ConnectionTotal { total_count: total });
        conn.edges.extend(rows.into_iter().map(|p| Edge::new(encode_cursor(p.started_at, p.id), PullNode(p))));
        Ok(conn)
    }
}

/// A `(time, id)` keyset cursor.
pub(crate) fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}|{id}", at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)))
}

/// Reads a cursor of [`encode_cursor`].
pub(crate) fn decode_cursor(c: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let bad = || ApiError::bad_input("after", "malformed cursor");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    let (at, id) = s.split_once('|').ok_or_else(bad)?;
    Ok((DateTime::parse_from_rfc3339(at).map_err(|_| bad())?.with_timezone(&Utc), Uuid::parse_str(id).map_err(|_| bad())?))
}

/// One pull of a catalog source.
pub struct PullNode(pub Pull);

#[Object(name = "CatalogSourcePull")]
impl PullNode {
    /// Global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::CatalogSourcePull, self.0.id)
    }
    /// What started it.
    async fn trigger(&self) -> PullTrigger {
        self.0.trigger.into()
    }
    /// How it ended.
    async fn outcome(&self) -> PullOutcome {
        self.0.outcome.into()
    }
    /// When it started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    /// When its result was stored.
    async fn finished_at(&self) -> DateTime<Utc> {
        self.0.finished_at
    }
    /// The server's status (after redirects), when it answered.
    async fn http_status(&self) -> Option<i32> {
        self.0.http_status
    }
    /// Bytes read.
    async fn bytes(&self) -> Option<i64> {
        self.0.bytes
    }
    /// SKUs created.
    async fn created(&self) -> i64 {
        self.0.created
    }
    /// SKUs changed.
    async fn updated(&self) -> i64 {
        self.0.updated
    }
    /// SKUs already up to date.
    async fn unchanged(&self) -> i64 {
        self.0.unchanged
    }
    /// SKUs of the catalog the file no longer names, marked `removedFromFeedAt` now (never deleted).
    async fn removed(&self) -> i64 {
        self.0.removed
    }
    /// SKUs marked removed before that the file names again (their mark was cleared).
    async fn restored(&self) -> i64 {
        self.0.restored
    }
    /// Rows refused.
    async fn rejected(&self) -> i64 {
        self.0.rejected
    }
    /// The first 100 refused rows, with their line numbers.
    async fn row_errors(&self) -> Vec<RowErrorOut> {
        self.0.row_errors.iter().map(|e| RowErrorOut { row: e.row, code: e.code.clone(), message: e.message.clone() }).collect()
    }
    /// Why nothing was imported (`FAILED` only).
    async fn error(&self) -> Option<PullError> {
        let code = self.0.error_code.clone()?;
        Some(PullError { code, message: self.0.error_message.clone().unwrap_or_default() })
    }
    /// The automatic lookup after this pull, when the source has `autoLookup`.
    async fn follow_up(&self) -> Option<FollowUpState> {
        Some(match self.0.follow_up.as_deref()? {
            infra::feeds::follow_up::PENDING => FollowUpState::Pending,
            infra::feeds::follow_up::STARTED => FollowUpState::Started,
            _ => FollowUpState::Nothing,
        })
    }
    /// The lookup job the follow-up started.
    async fn follow_up_job(&self, ctx: &Context<'_>) -> Result<Option<JobNode>, ApiError> {
        let Some(id) = self.0.follow_up_job_id else { return Ok(None) };
        let t = tenant(ctx, Permission::Read)?;
        load_job(state(ctx)?, t, id).await
    }
}

/// `Catalog.source`.
pub(crate) async fn catalog_source(ctx: &Context<'_>, catalog_id: Uuid) -> Result<Option<CatalogSourceNode>, ApiError> {
    let t = tenant(ctx, Permission::Read)?;
    Ok(state(ctx)?.integrations.sources.for_catalog(t, catalog_id).await?.map(CatalogSourceNode))
}

/// Source queries.
#[derive(Default)]
pub struct FeedQuery;

#[Object]
impl FeedQuery {
    /// Every catalog source of the caller's tenant.
    async fn catalog_sources(&self, ctx: &Context<'_>) -> Result<Vec<CatalogSourceNode>, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        Ok(state(ctx)?.integrations.sources.list(t).await?.into_iter().map(CatalogSourceNode).collect())
    }
}
