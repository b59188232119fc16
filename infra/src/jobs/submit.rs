//! The SUBMIT job: sends each SKU's card to NCT moderation, exactly once (RELIABILITY.md §7).
//!
//! Per item: the pre-moderation check runs first (a card with errors fails with the check's first error).
//! Then the intent is written (`nct_requests` row `CREATING`, body hash, attempt + 1), then
//! `POST /products/requests`, then NCT's id is written (`CREATED`), then `PUT …/moderation` (`SENT`,
//! `onModeration`).
//!
//! A row found `CREATING` without an NCT id (a crash, kill or timeout between NCT's answer and our write)
//! is **reconciled before anything is created**: every page of `GET /products/requests` is read and a
//! request is adopted when
//! - its `productData.nameRu` equals the body's `name_ru` (both trimmed, exact), and
//! - one of its `categoryAncestors` has the body's OKTRU code, and
//! - no other request row of this tenant owns its id.
//!
//! Among several matches the highest id (the latest create) is adopted. Only when nothing matches is the
//! request created again. Two SKUs of one tenant with the same Russian name in the same category could be
//! confused by this rule; the check on NCT's side (duplicates review) would flag such cards anyway.
//!
//! The send to moderation is a written-down step (`crate::cards::steps`): `CREATED` rows carry `SEND`, so
//! a send that reached NCT before a crash is adopted (NCT's 422 "already on moderation" is read as such, by
//! reading the status), and a send that never left is finished by the job when it resumes or by the
//! follower, whichever comes first. A `new` request whose card changed since it was created is updated
//! (`PUT`) before it is sent.
//!
//! Errors: NCT 4xx refusals fail the item with NCT's message verbatim; 401/403 stops the job, marks the
//! key invalid and gives the items back (as the lookup worker does); 429/5xx/timeouts are retried with
//! backoff, each retry starting again from the stored row (so a create that may have landed is
//! reconciled first).

use super::JobEvents;
use super::round::Round;
use crate::cards::check::{body_hash, card_body, check};
use crate::cards::steps::{StepError, StepInput, StepOutcome, StepRunner};
use crate::db::RepoError;
use crate::db::card_repo::CardRepo;
use crate::db::job_repo::{ClaimedItem, Job, JobRepo};
use crate::db::key_repo::NctKeyRepo;
use crate::db::request_follow::Schedule;
use crate::db::request_repo::RequestRepo;
use domain::card::{CardStatus, Intent, RequestStatus, Severity, Step};
use domain::job::ItemState;
use domain::tenant::TenantId;
use nct::dto::PortalCreateUpdateProductRequestDto;
use nct::{NctClient, NctError};
use secrecy::SecretString;
use std::time::Duration;

/// Items claimed per round of a card job (each costs several NCT calls).
const BATCH: u64 = 8;

/// What a card job needs from the worker.
pub struct CardJobs<'a> {
    /// Jobs and items.
    pub jobs: &'a JobRepo,
    /// Tenant keys.
    pub keys: &'a NctKeyRepo,
    /// The NCT client.
    pub client: &'a NctClient,
    /// Progress events.
    pub events: &'a JobEvents,
    /// Attempts per item for transient errors.
    pub max_attempts: u32,
    /// When requests are looked at again (the follower's policy).
    pub schedule: &'a Schedule,
    /// How long an item is held; renewed every third of it while the batch is worked.
    pub lease: Duration,
}

impl CardJobs<'_> {
    pub(super) fn cards(&self) -> CardRepo {
        CardRepo::new(self.jobs.db().clone())
    }

    pub(super) fn requests(&self) -> RequestRepo {
        RequestRepo::new(self.jobs.db().clone())
    }

    fn round(&self) -> Round<'_> {
        Round { jobs: self.jobs, keys: self.keys, events: self.events }
    }

    pub(super) fn publish(&self, job: &Job) {
        self.round().publish(job);
    }

    /// The common start of a round (see [`Round::begin`]), with the card jobs' batch and lease.
    pub(super) async fn begin(&self, job: &Job) -> Result<Result<(SecretString, Vec<ClaimedItem>), bool>, RepoError> {
        self.round().begin(job, BATCH, self.lease).await
    }

    /// Runs `work` while renewing the leases of `ids` every third of the lease (see [`Round::with_leases`]).
    pub(super) async fn with_leases<T>(&self, ids: &[i64], work: impl std::future::Future<Output = T>) -> T {
        self.round().with_leases(ids, self.lease, work).await
    }

    /// Stops the job after a 401/403 (see [`Round::key_invalid`]).
    pub(super) async fn key_invalid(&self, job: &Job, unfinished: &[i64]) -> Result<(), RepoError> {
        self.round().key_invalid(job, unfinished).await
    }
}

/// One round of a SUBMIT job. `true` when anything was done.
#[tracing::instrument(name = "submit_job.step", skip_all, fields(job_id = %job.id, tenant_id = %job.tenant_id))]
pub async fn step(cx: &CardJobs<'_>, job: Job) -> Result<bool, RepoError> {
    let (key, items) = match cx.begin(&job).await? {
        Ok(v) => v,
        Err(worked) => return Ok(worked),
    };
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    cx.with_leases(&ids, async {
        for (n, item) in items.iter().enumerate() {
            match submit_item(cx, job.tenant_id, &key, item).await? {
                Outcome::Done(outcome) => {
                    cx.jobs.finish_item(item, ItemState::Done, Some(outcome), None).await?;
                }
                Outcome::Failed(error) => {
                    cx.jobs.finish_item(item, ItemState::Failed, None, Some(error)).await?;
                }
                Outcome::LeaseLost => {
                    tracing::warn!(sku_id = %item.sku_id, "the item's lease passed to another worker: leaving it to that one");
                }
                Outcome::KeyInvalid => {
                    cx.key_invalid(&job, &ids[n..]).await?;
                    return Ok(true);
                }
            }
            cx.publish(&job);
        }
        Ok(true)
    })
    .await
}

/// How one item ended.
enum Outcome {
    Done(&'static str),
    Failed(String),
    KeyInvalid,
    /// Another worker holds the item now: this one must not call NCT for it nor finish it.
    LeaseLost,
}

/// One pass over an item; `Retry` restarts from the stored row.
enum Pass {
    End(Outcome),
    Retry(NctError),
}

async fn submit_item(cx: &CardJobs<'_>, tenant: TenantId, key: &SecretString, item: &ClaimedItem) -> Result<Outcome, RepoError> {
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        match submit_pass(cx, tenant, key, item).await? {
            Pass::End(o) => return Ok(o),
            Pass::Retry(e) if attempt >= cx.max_attempts => {
                return Ok(Outcome::Failed(format!("{}: NCT unavailable after {attempt} attempts ({e})", e.code())));
            }
            Pass::Retry(e) => {
                tracing::warn!(sku_id = %item.sku_id, attempt, error = %e, "submit retry");
                tokio::time::sleep(super::backoff(attempt, e.retry_after())).await;
            }
        }
    }
}

/// Classifies an NCT error into a pass result, or `None` for a refusal the caller handles.
fn transient(e: &NctError) -> Option<Pass> {
    match e {
        NctError::InvalidKey => Some(Pass::End(Outcome::KeyInvalid)),
        // A malformed answer to a create may hide a created request: treat it like a timeout.
        e if e.is_retryable() || matches!(e, NctError::Malformed(_)) => Some(Pass::Retry(e.clone())),
        _ => None,
    }
}

/// NCT's own message for a refusal, verbatim.
pub fn nct_message(e: &NctError) -> String {
    match e {
        NctError::Validation { message, .. } | NctError::Business { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

async fn submit_pass(cx: &CardJobs<'_>, tenant: TenantId, key: &SecretString, item: &ClaimedItem) -> Result<Pass, RepoError> {
    let (cards, requests) = (cx.cards(), cx.requests());
    let Some(card) = cards.card(tenant, item.sku_id).await? else {
        return Ok(Pass::End(Outcome::Failed("the SKU no longer exists".into())));
    };
    if card.sku.ntin.is_some() {
        return Ok(Pass::End(Outcome::Done("HAS_NTIN")));
    }
    let mut row = requests.request(tenant, item.sku_id).await?;
    // Reconcile first: a create may have landed at NCT without our write.
    if let Some(r) = row.as_ref().filter(|r| r.intent_state == Intent::Creating && r.nct_request_id.is_none()) {
        let body = card_body(&card);
        let name = body.attributes.iter().find(|a| a.code.as_deref() == Some("name_ru")).and_then(|a| a.value.clone()).unwrap_or_default();
        match find_existing(cx.client, key, &name, &body.oktru, &requests.known_nct_ids(tenant).await?, None).await {
            Ok(Some((id, st))) => {
                tracing::info!(sku_id = %item.sku_id, nct_request_id = id, "adopted a request created before a crash");
                requests.mark_created(tenant, r.id, id, &st, cx.schedule, true).await?;
            }
            Ok(None) => {}
            Err(e) => return Ok(transient(&e).unwrap_or_else(|| Pass::End(Outcome::Failed(nct_message(&e))))),
        }
        row = requests.request(tenant, item.sku_id).await?;
    }
    if let Some(r) = &row {
        match (r.intent_state, r.nct_request_id, &r.status) {
            (Intent::Created, Some(_), None | Some(RequestStatus::New)) => {
                let body = card_body(&card);
                let changed = body_hash(&body) != r.body_hash;
                return send(cx, tenant, key, r, changed.then_some(&body)).await;
            }
            (Intent::Created | Intent::Sent, Some(_), st) if !matches!(st, Some(RequestStatus::Rejected | RequestStatus::Cancelled)) => {
                return Ok(Pass::End(Outcome::Done("ALREADY_SUBMITTED")));
            }
            _ => {}
        }
    }
    // The check, against the schema and dictionaries of this NCT.
    let problems = match check(cx.client, key, &card).await {
        Ok(p) => p,
        Err(e) => return Ok(transient(&e).unwrap_or_else(|| Pass::End(Outcome::Failed(nct_message(&e))))),
    };
    if let Some(first) = problems.iter().find(|p| p.severity == Severity::Error) {
        cards.set_card_status(tenant, item.sku_id, CardStatus::Draft, None).await?;
        return Ok(Pass::End(Outcome::Failed(format!("{}: {}", first.field, first.message))));
    }
    let body = card_body(&card);
    let hash = body_hash(&body);
    let r = requests.plan(tenant, item.sku_id, card.sku.catalog_id).await?;
    // Still ours? Renewing the lease checks the holder: a worker whose lease passed to another replica
    // stops here, so only one of them can ever create the NCT draft.
    if cx.jobs.renew(&[item.id], cx.lease).await? == 0 {
        return Ok(Pass::End(Outcome::LeaseLost));
    }
    // Intent first, then NCT.
    requests.mark_creating(r.id, &hash).await?;
    let id = match cx.client.create_request(key, &body).await {
        Ok(id) => id,
        Err(e) => {
            if let Some(p) = transient(&e) {
                return Ok(p);
            }
            // NCT refused the create: it holds nothing for this attempt.
            let msg = nct_message(&e);
            requests.mark_error(tenant, r.id, &msg, true, cx.schedule).await?;
            return Ok(Pass::End(Outcome::Failed(msg)));
        }
    };
    requests.mark_created(tenant, r.id, id, &RequestStatus::New, cx.schedule, true).await?;
    let row = requests.request(tenant, item.sku_id).await?.ok_or(RepoError::NotFound)?;
    send(cx, tenant, key, &row, None).await
}

/// The `SEND` step (a `RESUBMIT` with the new body when the card changed since the create), reconciled
/// with NCT's status: a send NCT already took is adopted, not failed.
async fn send(cx: &CardJobs<'_>, tenant: TenantId, key: &SecretString, row: &crate::db::request_repo::NctRequest, body: Option<&PortalCreateUpdateProductRequestDto>) -> Result<Pass, RepoError> {
    let requests = cx.requests();
    let runner = StepRunner { client: cx.client, key, requests: &requests, schedule: cx.schedule };
    let step = if body.is_some() { Step::Resubmit } else { Step::Send };
    match runner.run(tenant, row, step, StepInput { body, ntin: None }).await {
        Ok(StepOutcome::Done(_)) => Ok(Pass::End(Outcome::Done("SENT"))),
        // NCT is past `new` without our send (the seller acted in NCT's portal): its status is stored.
        Ok(StepOutcome::NotApplied(_)) => Ok(Pass::End(Outcome::Done("ADOPTED"))),
        Ok(StepOutcome::Refused(_, msg)) => Ok(Pass::End(Outcome::Failed(msg))),
        Err(StepError::Nct(e)) => Ok(transient(&e).unwrap_or_else(|| Pass::End(Outcome::Failed(nct_message(&e))))),
        Err(StepError::Repo(e)) => Err(e),
    }
}

/// Looks for a request of this body among the key owner's requests (the matching rule is in the module
/// docs). Returns its id and status code.
pub(crate) async fn find_existing(client: &NctClient, key: &SecretString, name: &str, oktru: &str, known: &std::collections::HashSet<i64>, status: Option<&str>) -> Result<Option<(i64, RequestStatus)>, NctError> {
    let name = name.trim().to_owned();
    let oktru = oktru.trim();
    let mut best: Option<(i64, RequestStatus)> = None;
    let mut page = 1u32;
    loop {
        let p = client.list_requests(key, status, page, 100).await?;
        for r in &p.content {
            let same_name = r.product_data.as_ref().and_then(|d| d.name_ru.as_deref()).map(str::trim) == Some(name.as_str());
            let same_oktru = r.category_ancestors.iter().any(|a| a.code.trim() == oktru);
            if same_name && same_oktru && !known.contains(&r.id) && best.as_ref().is_none_or(|(b, _)| r.id > *b) {
                let st = r.status.as_ref().map_or(RequestStatus::New, |s| RequestStatus::parse(&s.code));
                best = Some((r.id, st));
            }
        }
        if page >= u32::try_from(p.total_pages).unwrap_or(0) || page >= 10_000 {
            return Ok(best);
        }
        page += 1;
    }
}

