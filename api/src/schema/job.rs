//! Registration jobs: start, cancel, read, and watch live through `jobProgress`; plus `chooseNtin` for
//! ambiguous lookups (a person chooses; the system never guesses).

use crate::ids::{self, Kind};
use super::sku::SkuNode;
use crate::error::{UserError, UserErrorCode};
use super::{AppState, state, tenant};
use domain::tenant::Permission;
use crate::error::{ApiError, start_job_user_error};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use futures_util::Stream;
use domain::tenant::TenantId;
use domain::job::JobKind;
use infra::db::job_repo::{Job, Progress};
use infra::db::job_start::StartJob;
use infra::jobs::watch::JobSnapshots;
use std::sync::Arc;
use std::time::Duration;

/// Job kinds.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::job::JobKind")]
pub enum JobKindOut {
    /// NTIN lookup by GTIN.
    Lookup,
    /// Card submission to moderation.
    Submit,
    /// Moderation status sync.
    StatusSync,
    /// Name search for SKUs without a usable barcode (candidates for a person to confirm).
    Match,
}

/// Job states.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::job::JobState")]
pub enum JobStateOut {
    /// Waiting for the worker.
    Queued,
    /// Being worked.
    Running,
    /// Every item reached a final state.
    Succeeded,
    /// Stopped by an error (see `lastError`).
    Failed,
    /// Cancelled by a user.
    Cancelled,
}

/// Counts, kept on the job row as items finish.
#[derive(SimpleObject, Clone, Copy)]
pub struct JobProgress {
    /// Items in the job.
    pub total: u64,
    /// Items in a final state.
    pub processed: u64,
    /// LOOKUP: one NTIN found and stored. MATCH: a likely match awaits confirmation.
    pub found: u64,
    /// LOOKUP: several NTINs, a person must choose. MATCH: candidates, none standing out.
    pub ambiguous: u64,
    /// No card in NCT (MATCH: nothing close).
    pub not_found: u64,
    /// Failed after retries.
    pub failed: u64,
    /// Skipped (job cancelled).
    pub skipped: u64,
}

impl From<Progress> for JobProgress {
    fn from(p: Progress) -> Self {
        Self { total: p.total, processed: p.processed, found: p.found, ambiguous: p.ambiguous, not_found: p.not_found, failed: p.failed, skipped: p.skipped }
    }
}

/// A durable background job (its progress comes with the row: one primary-key read).
#[derive(Clone)]
pub struct JobNode {
    job: Arc<Job>,
}

impl JobNode {
    /// Wraps a job read from the database (or shared by a job watcher).
    pub fn new(job: Arc<Job>) -> Self {
        Self { job }
    }

    /// Whether the job reached a final state.
    pub fn is_final(&self) -> bool {
        self.job.state.is_final()
    }
}

/// Loads a job of `tenant` with its progress.
pub async fn load_job(st: &AppState, tenant: TenantId, id: uuid::Uuid) -> Result<Option<JobNode>, ApiError> {
    Ok(st.jobs.get(tenant, id).await?.map(|j| JobNode::new(Arc::new(j))))
}

#[Object(name = "RegistrationJob")]
impl JobNode {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Job, self.job.id)
    }
    /// Kind.
    async fn kind(&self) -> JobKindOut {
        self.job.kind.into()
    }
    /// State.
    async fn state(&self) -> JobStateOut {
        self.job.state.into()
    }
    /// The catalog.
    async fn catalog_id(&self) -> ID {
        ids::encode(Kind::Catalog, self.job.catalog_id)
    }
    /// Progress counts.
    async fn progress(&self) -> JobProgress {
        self.job.progress.into()
    }
    /// Whether a cancel was asked for.
    async fn cancel_requested(&self) -> bool {
        self.job.cancel_requested
    }
    /// Creation time.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.job.created_at
    }
    /// When the worker started it.
    async fn started_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.job.started_at
    }
    /// When it reached a final state.
    async fn finished_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.job.finished_at
    }
    /// Estimated finish, from the rate so far (running jobs only).
    async fn eta(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let started = self.job.started_at?;
        let p = self.job.progress;
        if self.job.state != domain::job::JobState::Running || p.processed == 0 {
            return None;
        }
        let now = chrono::Utc::now();
        let elapsed = (now - started).num_milliseconds().max(1) as f64;
        let per_item = elapsed / p.processed as f64;
        let remaining = p.total.saturating_sub(p.processed) as f64;
        Some(now + chrono::Duration::milliseconds((per_item * remaining) as i64))
    }
    /// Why it failed.
    async fn last_error(&self) -> Option<&str> {
        self.job.last_error.as_deref()
    }
}

/// Job queries.
#[derive(Default)]
pub struct JobQuery;

#[Object]
impl JobQuery {
    /// One job; `null` when unknown or not the caller's.
    async fn job(&self, ctx: &Context<'_>, id: ID) -> Result<Option<JobNode>, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        let Some(uid) = ids::try_decode(Kind::Job, &id) else { return Ok(None) };
        load_job(state(ctx)?, t, uid).await
    }

    /// Recent jobs, newest first (at most 100).
    #[graphql(complexity = "first.clamp(1, 100) as usize * child_complexity + 1")]
    async fn jobs(&self, ctx: &Context<'_>, #[graphql(default = 20)] first: i32) -> Result<Vec<JobNode>, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        if !(0..=100).contains(&first) {
            return Err(ApiError::bad_input("first", "first must be between 0 and 100"));
        }
        let st = state(ctx)?;
        Ok(st.jobs.list(t, first as u64).await?.into_iter().map(|j| JobNode::new(Arc::new(j))).collect())
    }
}

/// Input of `startLookupJob`.
#[derive(InputObject)]
pub struct StartLookupJobInput {
    /// The catalog.
    pub catalog_id: ID,
    /// Only these SKUs (default: every SKU with a valid GTIN and no NTIN).
    pub sku_ids: Option<Vec<ID>>,
    /// Replays the first job for the same key and input; the same key with other input is an error.
    pub idempotency_key: Option<String>,
}

/// Result of job mutations.
#[derive(SimpleObject)]
pub struct JobPayload {
    /// The job.
    pub job: Option<JobNode>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// Input of `cancelJob`.
#[derive(InputObject)]
pub struct CancelJobInput {
    /// The job.
    pub id: ID,
}

/// Input of `chooseNtin`.
#[derive(InputObject)]
pub struct ChooseNtinInput {
    /// The SKU whose lookup was ambiguous.
    pub sku_id: ID,
    /// One of its `lookupCandidates` NTINs.
    pub ntin: String,
}

/// Result of `chooseNtin`.
#[derive(SimpleObject)]
pub struct ChooseNtinPayload {
    /// The SKU after the choice.
    pub sku: Option<SkuNode>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

fn job_err(field: &str, code: UserErrorCode, msg: &str) -> JobPayload {
    JobPayload { job: None, user_errors: vec![UserError::new(&[field], code, msg)] }
}

/// Job mutations.
#[derive(Default)]
pub struct JobMutation;

#[Object]
impl JobMutation {
    /// Starts an NTIN lookup over the catalog's auto-lookup-ready SKUs.
    async fn start_lookup_job(&self, ctx: &Context<'_>, input: StartLookupJobInput) -> Result<JobPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        start_job(ctx, t, JobKind::Lookup, &input.catalog_id, input.sku_ids.as_deref(), input.idempotency_key).await
    }

    /// Cancels a job: it claims nothing new and its pending items are skipped.
    async fn cancel_job(&self, ctx: &Context<'_>, input: CancelJobInput) -> Result<JobPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let Some(id) = ids::try_decode(Kind::Job, &input.id) else {
            return Ok(job_err("id", UserErrorCode::NotFound, "no such job"));
        };
        let st = state(ctx)?;
        match st.jobs.request_cancel(t, id).await {
            Ok(true) => {
                st.worker_wake.notify_one();
                st.events.publish(infra::jobs::JobEvent { tenant: t, job_id: id, finished: false });
                Ok(JobPayload { job: load_job(st, t, id).await?, user_errors: vec![] })
            }
            Ok(false) => Ok(JobPayload { job: load_job(st, t, id).await?, user_errors: vec![UserError::new(&["id"], UserErrorCode::InvalidState, "the job has already finished")] }),
            Err(infra::db::RepoError::NotFound) => Ok(job_err("id", UserErrorCode::NotFound, "no such job")),
            Err(e) => Err(e.into()),
        }
    }

    /// Picks one NTIN among an ambiguous lookup's candidates.
    async fn choose_ntin(&self, ctx: &Context<'_>, input: ChooseNtinInput) -> Result<ChooseNtinPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let fail = |f: &str, code, m: &str| Ok(ChooseNtinPayload { sku: None, user_errors: vec![UserError::new(&[f], code, m)] });
        let Some(id) = ids::try_decode(Kind::Sku, &input.sku_id) else { return fail("skuId", UserErrorCode::NotFound, "no such SKU") };
        let st = state(ctx)?;
        let Some(sku) = st.skus.get(t, id).await? else { return fail("skuId", UserErrorCode::NotFound, "no such SKU") };
        let candidates: Vec<String> = sku
            .lookup_candidates
            .as_ref()
            .and_then(|c| c.as_array())
            .map(|a| a.iter().filter_map(|c| c.get("ntin").and_then(|n| n.as_str()).map(str::to_owned)).collect())
            .unwrap_or_default();
        if candidates.len() < 2 {
            return fail("skuId", UserErrorCode::InvalidState, "this SKU has no ambiguous lookup to resolve");
        }
        if !candidates.iter().any(|c| c == input.ntin.trim()) {
            return fail("ntin", UserErrorCode::Invalid, "ntin must be one of the SKU's lookupCandidates");
        }
        let s = st.skus.choose_ntin(t, id, input.ntin.trim()).await?;
        Ok(ChooseNtinPayload { sku: Some(SkuNode(s)), user_errors: vec![] })
    }
}

/// Starts a job of `kind`: the one path behind `startLookupJob`, `startSubmitJob`, `startStatusSyncJob` and
/// `startMatchJob`.
pub async fn start_job(ctx: &Context<'_>, t: TenantId, kind: JobKind, catalog_id: &ID, sku_ids: Option<&[ID]>, idempotency_key: Option<String>) -> Result<JobPayload, ApiError> {
    let Some(catalog_id) = ids::try_decode(Kind::Catalog, catalog_id) else {
        return Ok(job_err("catalogId", UserErrorCode::NotFound, "no such catalog"));
    };
    let sku_ids = sku_ids.map(|list| list.iter().filter_map(|i| ids::try_decode(Kind::Sku, i)).collect());
    let st = state(ctx)?;
    match infra::db::job_start::start_job(&st.db, t, StartJob { kind, catalog_id, sku_ids, idempotency_key, scan: st.lookup_scan }).await {
        Ok((job, _created)) => {
            st.worker_wake.notify_one();
            Ok(JobPayload { job: load_job(st, t, job.id).await?, user_errors: vec![] })
        }
        Err(e) => Ok(JobPayload { job: None, user_errors: vec![start_job_user_error(e)?] }),
    }
}

/// Subscriptions.
#[derive(Default)]
pub struct JobSubscription;

#[Subscription]
impl JobSubscription {
    /// Live progress of a job: a snapshot now, then on change at most about 10 per second, and always the
    /// final state, after which the stream ends. A job of another tenant is `NOT_FOUND`. Every subscriber of
    /// a job in one process shares one watcher (one read of the job row per snapshot, not per subscriber).
    async fn job_progress(&self, ctx: &Context<'_>, job_id: ID) -> Result<impl Stream<Item = JobNode> + use<>, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        let expires_at = super::caller(ctx)?.expires_at;
        let st = state(ctx)?;
        let uid = ids::decode(Kind::Job, &job_id)?;
        let rx = st.watch.follow(t, uid).await?.ok_or(ApiError::NotFound)?;
        // The stream also ends when the subscriber's token expires.
        let left = expires_at.saturating_sub(u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(left);
        Ok(snapshots(rx, deadline))
    }
}

/// The snapshots of one subscriber: the current one, then each change, until a final state (included), the
/// end of the watcher, or `deadline`.
fn snapshots(rx: JobSnapshots, deadline: tokio::time::Instant) -> impl Stream<Item = JobNode> {
    struct S {
        rx: JobSnapshots,
        last: Option<Arc<Job>>,
        done: bool,
    }
    futures_util::stream::unfold(S { rx, last: None, done: false }, move |mut s| async move {
        if s.done || tokio::time::Instant::now() >= deadline {
            return None;
        }
        let next = match &s.last {
            None => s.rx.borrow_and_update().clone(),
            Some(last) => {
                let changed = tokio::select! {
                    r = s.rx.changed() => r.is_ok(),
                    () = tokio::time::sleep_until(deadline) => return None,
                };
                let cur = s.rx.borrow_and_update().clone();
                // The watcher is gone (job final or deleted): send what it left unless already sent.
                if !changed && Arc::ptr_eq(&cur, last) {
                    return None;
                }
                s.done |= !changed;
                cur
            }
        };
        s.done |= next.state.is_final();
        s.last = Some(next.clone());
        Some((JobNode::new(next), s))
    })
}
