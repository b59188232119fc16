//! One pull of a claimed source: fetch the URL through the SSRF-safe client (conditional request, timeout,
//! size cap, checked redirects) into a temporary file, then store everything in ONE transaction: the import,
//! the removal marks, the pull's history row, the source's new schedule (only while our claim holds) and the
//! `feed.pulled` webhook event. A file that cannot be read as a whole changes no SKU.

use super::FeedSettings;
use super::entity::{pull, source};
use super::source_repo::{Claim, Pull, PullRowError};
use crate::db::RepoError;
use crate::db::entity::sku;
use crate::db::import_repo::{ImportFailure, ImportedFile, import_in};
use crate::outbound::{Limits, OutboundError, SafeClient, read_chunk};
use crate::webhooks::outbox::{emit, global_id};
use chrono::{DateTime, Utc};
use domain::feed::{PullOutcome, SourceFormat, next_pull_delay, plan_removals};
use domain::tenant::TenantId;
use domain::webhook::EventType;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, ACCEPT_ENCODING, ETAG, HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::HashSet;
use std::io::{BufReader, Seek as _};
use std::time::Duration;
use tokio::io::AsyncWriteExt as _;
use uuid::Uuid;

/// Row errors kept with a pull.
const KEPT_ROW_ERRORS: usize = 100;
/// Pulls kept per source; older ones are deleted.
const KEPT_PULLS: u64 = 500;

/// What the server sent.
enum Fetched {
    /// `304`, or the same bytes as the last import.
    NotModified { status: u16, bytes: Option<i64> },
    /// A new file, in a rewound temporary file.
    Body { file: std::fs::File, bytes: u64, sha256: String, status: u16, etag: Option<String>, last_modified: Option<String> },
}

/// Why nothing was imported.
struct Failure {
    code: String,
    message: String,
    status: Option<u16>,
    bytes: Option<i64>,
}

impl From<OutboundError> for Failure {
    fn from(e: OutboundError) -> Self {
        Self { code: e.code().to_owned(), message: e.to_string(), status: None, bytes: None }
    }
}

/// Runs pulls.
#[derive(Clone)]
pub struct Puller {
    db: DatabaseConnection,
    client: SafeClient,
    cfg: FeedSettings,
}

/// The changes a finished pull makes to its source row.
struct SourceUpdate {
    failed: bool,
    error: Option<String>,
    /// `Some` after an import: the new validators.
    validators: Option<(Option<String>, Option<String>, String)>,
}

impl Puller {
    /// Builds a puller.
    pub fn new(db: DatabaseConnection, client: SafeClient, cfg: FeedSettings) -> Self {
        Self { db, client, cfg }
    }

    /// Pulls a claimed source and stores the result. `Ok(None)` when the claim was lost meanwhile (another
    /// replica's pull stands; ours is rolled back).
    #[tracing::instrument(skip_all, fields(source_id = %claim.source.id, tenant_id = %claim.source.tenant_id))]
    pub async fn run(&self, claim: &Claim) -> Result<Option<Pull>, RepoError> {
        let started = Utc::now();
        let stored = match self.fetch(&claim.source).await {
            Ok(Fetched::NotModified { status, bytes }) => {
                let row = self.row(claim, started, PullOutcome::NotModified, Some(status), bytes);
                self.store(claim, row, None, SourceUpdate { failed: false, error: None, validators: None }).await?
            }
            Ok(Fetched::Body { file, bytes, sha256, status, etag, last_modified }) => {
                self.store_import(claim, started, file, bytes, status, (etag, last_modified, sha256)).await?
            }
            Err(f) => self.store_failure(claim, started, f).await?,
        };
        if let Some(p) = &stored {
            tracing::info!(outcome = p.outcome.as_str(), created = p.created, updated = p.updated, removed = p.removed, error = ?p.error_code, "catalog source pulled");
            self.prune(p.source_id).await;
        }
        Ok(stored)
    }

    async fn fetch(&self, s: &source::Model) -> Result<Fetched, Failure> {
        let url = self.client.check_url(&s.url)?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/xml, text/xml, text/csv;q=0.9, */*;q=0.5"));
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        // Validators are kept only after a successful import, so a 304 always means "what we hold is current".
        if s.content_sha256.is_some() {
            if let Some(v) = s.etag.as_deref().and_then(|e| HeaderValue::from_str(e).ok()) {
                headers.insert(IF_NONE_MATCH, v);
            }
            if let Some(v) = s.last_modified.as_deref().and_then(|e| HeaderValue::from_str(e).ok()) {
                headers.insert(IF_MODIFIED_SINCE, v);
            }
        }
        let limits = Limits { timeout: self.cfg.timeout, max_redirects: self.cfg.max_redirects };
        let (_, mut response) = self.client.get(url, headers, limits).await?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified { status: 304, bytes: None });
        }
        if !status.is_success() {
            let message = format!("the server answered {status}; nothing was imported");
            return Err(Failure { code: "HTTP_STATUS".into(), message, status: Some(status.as_u16()), bytes: None });
        }
        let cap = self.cfg.max_bytes;
        if response.content_length().is_some_and(|n| n > cap) {
            return Err(Failure { status: Some(status.as_u16()), ..OutboundError::TooLarge(cap).into() });
        }
        let header = |name| {
            response.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).filter(|v| v.len() <= 512).map(str::to_owned)
        };
        let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
        let io = |e: std::io::Error| {
            tracing::error!(error = %e, "cannot write the feed to a temporary file");
            Failure { code: "IO".into(), message: "the file could not be stored for reading".into(), status: Some(status.as_u16()), bytes: None }
        };
        let mut out = tokio::fs::File::from_std(tempfile::tempfile().map_err(io)?);
        let mut sha = ring::digest::Context::new(&ring::digest::SHA256);
        let mut bytes: u64 = 0;
        while let Some(chunk) = read_chunk(&mut response, self.cfg.timeout).await.map_err(|e| Failure { status: Some(status.as_u16()), ..e.into() })? {
            bytes += chunk.len() as u64;
            if bytes > cap {
                return Err(Failure { status: Some(status.as_u16()), ..OutboundError::TooLarge(cap).into() });
            }
            sha.update(&chunk);
            out.write_all(&chunk).await.map_err(io)?;
        }
        out.flush().await.map_err(io)?;
        let mut file = out.into_std().await;
        file.rewind().map_err(io)?;
        let sha256: String = sha.finish().as_ref().iter().map(|b| format!("{b:02x}")).collect();
        if s.content_sha256.as_deref() == Some(sha256.as_str()) {
            return Ok(Fetched::NotModified { status: status.as_u16(), bytes: i64::try_from(bytes).ok() });
        }
        Ok(Fetched::Body { file, bytes, sha256, status: status.as_u16(), etag, last_modified })
    }

    fn row(&self, claim: &Claim, started: DateTime<Utc>, outcome: PullOutcome, status: Option<u16>, bytes: Option<i64>) -> pull::ActiveModel {
        let s = &claim.source;
        pull::ActiveModel {
            id: Set(Uuid::new_v4()),
            tenant_id: Set(s.tenant_id),
            source_id: Set(s.id),
            catalog_id: Set(s.catalog_id),
            trigger: Set(claim.trigger.as_str().to_owned()),
            outcome: Set(outcome.as_str().to_owned()),
            started_at: Set(started),
            finished_at: Set(Utc::now()),
            http_status: Set(status.map(i32::from)),
            bytes: Set(bytes),
            created: Set(0),
            updated: Set(0),
            unchanged: Set(0),
            removed: Set(0),
            restored: Set(0),
            rejected: Set(0),
            row_errors: Set("[]".into()),
            error_code: Set(None),
            error_message: Set(None),
            follow_up: Set(None),
            follow_up_job_id: Set(None),
        }
    }

    async fn store_failure(&self, claim: &Claim, started: DateTime<Utc>, f: Failure) -> Result<Option<Pull>, RepoError> {
        let mut row = self.row(claim, started, PullOutcome::Failed, f.status, f.bytes);
        row.error_code = Set(Some(f.code));
        row.error_message = Set(Some(f.message.clone()));
        self.store(claim, row, None, SourceUpdate { failed: true, error: Some(f.message), validators: None }).await
    }

    async fn store_import(
        &self,
        claim: &Claim,
        started: DateTime<Utc>,
        file: std::fs::File,
        bytes: u64,
        status: u16,
        validators: (Option<String>, Option<String>, String),
    ) -> Result<Option<Pull>, RepoError> {
        let s = &claim.source;
        let tenant = TenantId(s.tenant_id);
        let format = SourceFormat::parse(&s.format).unwrap_or(SourceFormat::KaspiXml);
        let bytes = i64::try_from(bytes).ok();
        let txn = crate::db::begin_write(&self.db).await?;
        let reader = Box::new(BufReader::with_capacity(64 * 1024, file));
        let imported: ImportedFile = match import_in(&txn, tenant, s.catalog_id, format.import_format(), reader).await {
            Ok(f) => f,
            Err(ImportFailure::Fatal(e)) => {
                txn.rollback().await?;
                let message = format!("nothing was imported: {e}");
                let f = Failure { code: e.code().to_owned(), message, status: Some(status), bytes };
                return self.store_failure(claim, started, f).await;
            }
            Err(ImportFailure::Repo(e)) => return Err(e),
        };
        let now = Utc::now();
        let (removed, restored) = mark_removals(&txn, tenant, s.catalog_id, &imported.present, now).await?;
        let o = &imported.outcome;
        let mut row = self.row(claim, started, PullOutcome::Imported, Some(status), bytes);
        let errors: Vec<PullRowError> = o
            .row_errors
            .iter()
            .take(KEPT_ROW_ERRORS)
            .map(|e| PullRowError { row: e.row as u64, code: e.code.as_str().to_owned(), message: e.message.clone() })
            .collect();
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        row.created = Set(n(o.counts.created));
        row.updated = Set(n(o.counts.updated));
        row.unchanged = Set(n(o.counts.unchanged));
        row.rejected = Set(n(o.rejected));
        row.removed = Set(n(removed));
        row.restored = Set(n(restored));
        row.row_errors = Set(serde_json::to_string(&errors).unwrap_or_else(|_| "[]".into()));
        if s.auto_lookup {
            row.follow_up = Set(Some(super::follow_up::PENDING.to_owned()));
        }
        let update = SourceUpdate { failed: false, error: None, validators: Some(validators) };
        self.store(claim, row, Some(txn), update).await
    }

    /// Writes the pull row, the source's schedule (fenced by our claim) and the webhook event, then commits.
    async fn store(&self, claim: &Claim, row: pull::ActiveModel, txn: Option<sea_orm::DatabaseTransaction>, u: SourceUpdate) -> Result<Option<Pull>, RepoError> {
        let txn = match txn {
            Some(t) => t,
            None => crate::db::begin_write(&self.db).await?,
        };
        if !finish_source(&txn, claim, u).await? {
            txn.rollback().await?;
            tracing::warn!(source_id = %claim.source.id, "the claim on the source was lost during the pull; its result is dropped");
            return Ok(None);
        }
        let m = row.insert(&txn).await?;
        let p: Pull = m.into();
        emit(&txn, TenantId(claim.source.tenant_id), EventType::FeedPulled, event_data(&p)).await?;
        txn.commit().await?;
        Ok(Some(p))
    }

    async fn prune(&self, source_id: Uuid) {
        let cut: Result<Option<DateTime<Utc>>, _> = pull::Entity::find()
            .select_only()
            .column(pull::Column::StartedAt)
            .filter(pull::Column::SourceId.eq(source_id))
            .order_by_desc(pull::Column::StartedAt)
            .offset(KEPT_PULLS)
            .limit(1)
            .into_tuple()
            .one(&self.db)
            .await;
        if let Ok(Some(cut)) = cut
            && let Err(e) = pull::Entity::delete_many()
                .filter(pull::Column::SourceId.eq(source_id))
                .filter(pull::Column::StartedAt.lte(cut))
                .exec(&self.db)
                .await
        {
            tracing::warn!(error.cause_chain = ?RepoError::from(e), "cannot prune old pulls");
        }
    }
}

/// The `feed.pulled` payload.
fn event_data(p: &Pull) -> serde_json::Value {
    serde_json::json!({
        "sourceId": global_id("CatalogSource", p.source_id),
        "catalogId": global_id("Catalog", p.catalog_id),
        "pullId": global_id("CatalogSourcePull", p.id),
        "trigger": p.trigger.as_str(),
        "outcome": p.outcome.as_str(),
        "httpStatus": p.http_status,
        "created": p.created, "updated": p.updated, "unchanged": p.unchanged,
        "removed": p.removed, "restored": p.restored, "rejected": p.rejected,
        "error": p.error_code.as_ref().map(|c| serde_json::json!({"code": c, "message": p.error_message})),
        "startedAt": p.started_at,
        "finishedAt": p.finished_at,
    })
}

/// Updates the source after a pull, if `claim` still holds it: schedule, failures, validators, lease freed.
/// A manual pull asked for during this one stays due; a URL changed during this one keeps no validators.
async fn finish_source<C: ConnectionTrait>(conn: &C, claim: &Claim, u: SourceUpdate) -> Result<bool, RepoError> {
    let mut q = source::Entity::find_by_id(claim.source.id).filter(source::Column::LeaseOwner.eq(claim.owner));
    if conn.get_database_backend() == DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    let Some(m) = q.one(conn).await? else { return Ok(false) };
    let now = Utc::now();
    let moved = m.url != claim.source.url || m.format != claim.source.format;
    let manual = m.next_trigger.as_deref() == Some(domain::feed::PullTrigger::Manual.as_str());
    let failures = if u.failed { m.consecutive_failures.saturating_add(1) } else { 0 };
    let interval = Duration::from_secs(u64::try_from(m.interval_secs).unwrap_or(3600));
    let wait = next_pull_delay(u32::try_from(failures).unwrap_or(u32::MAX), interval);
    let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
    let next_pull_at = if manual || moved { m.next_pull_at } else { next };
    let mut am: source::ActiveModel = m.into();
    am.lease_owner = Set(None);
    am.lease_until = Set(None);
    am.next_pull_at = Set(next_pull_at);
    am.last_pull_at = Set(Some(now));
    am.updated_at = Set(now);
    if !moved {
        am.consecutive_failures = Set(failures);
        am.last_error = Set(u.error);
        if !u.failed {
            am.last_success_at = Set(Some(now));
        }
        if let Some((etag, last_modified, sha)) = u.validators {
            am.etag = Set(etag);
            am.last_modified = Set(last_modified);
            am.content_sha256 = Set(Some(sha));
        }
    }
    am.update(conn).await?;
    Ok(true)
}

/// Marks SKUs of the catalog that the file does not name, and clears the mark of those it names again.
/// Returns `(marked, restored)`.
async fn mark_removals<C: ConnectionTrait>(conn: &C, tenant: TenantId, catalog_id: Uuid, present: &HashSet<String>, now: DateTime<Utc>) -> Result<(u64, u64), RepoError> {
    let stored: Vec<(Uuid, String, Option<DateTime<Utc>>)> = sku::Entity::find()
        .select_only()
        .column(sku::Column::Id)
        .column(sku::Column::SellerSku)
        .column(sku::Column::FeedRemovedAt)
        .filter(sku::Column::TenantId.eq(tenant.0))
        .filter(sku::Column::CatalogId.eq(catalog_id))
        .into_tuple()
        .all(conn)
        .await?;
    let plan = plan_removals(stored.into_iter().map(|(id, s, at)| (id, s, at.is_some())), present);
    for (ids, value) in [(&plan.mark, Some(now)), (&plan.restore, None)] {
        for chunk in ids.chunks(900) {
            sku::Entity::update_many()
                .col_expr(sku::Column::FeedRemovedAt, Expr::value(value))
                .filter(sku::Column::TenantId.eq(tenant.0))
                .filter(sku::Column::Id.is_in(chunk.to_vec()))
                .exec(conn)
                .await?;
        }
    }
    Ok((plan.mark.len() as u64, plan.restore.len() as u64))
}
