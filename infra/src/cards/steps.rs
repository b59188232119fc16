//! Our steps on a request at NCT, each reconciled with NCT's status (`domain::card::Step`): send to
//! moderation, resubmit (PUT + moderation), publish, cancel, and the duplicate decisions.
//!
//! [`StepRunner::run`] writes the step down (`pending_step`) before NCT is called, reads the request's
//! status, and calls NCT only while the status still allows the step; otherwise the status is adopted.
//! A refusal (400/422) is never taken at its word: the status is read again, and a step NCT already
//! took (the send that reached NCT before a crash, the publish of an already published request) counts
//! as done. Only a refusal with the request still where it was is a real one, with NCT's message kept.
//! A transient failure (429, 5xx, timeout) leaves the step written down: the follower finishes it.
//!
//! The same runner serves the seller's mutations, the SUBMIT job's send and the follower, so a step
//! interrupted anywhere is finished the same way.

use super::check::body_hash;
use super::status::fetch_update;
use crate::db::RepoError;
use crate::db::request_follow::Schedule;
use crate::db::request_repo::{NctRequest, RequestRepo, StatusUpdate, StepAfter};
use domain::card::{Plan, Seen, Step};
use domain::tenant::TenantId;
use nct::dto::{DuplicateDecision, PortalCreateUpdateProductRequestDto, PortalDuplicateDecisionRequestDto};
use nct::{NctClient, NctError};
use secrecy::SecretString;

/// How a step ended.
#[derive(Debug)]
pub enum StepOutcome {
    /// NCT took it (now, or before a crash); the stored row shows NCT's status.
    Done(NctRequest),
    /// NCT is past it and it did not happen (e.g. a cancel after a moderator took the request); the
    /// stored row shows NCT's status.
    NotApplied(NctRequest),
    /// NCT refused it with the request still where it was; NCT's message, verbatim.
    Refused(NctRequest, String),
}

/// Why a step could not be finished now.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// NCT failed or refused the key; the step stays written down (except for a 404: NCT no longer
    /// has the request, and it is no longer followed).
    #[error(transparent)]
    Nct(NctError),
    /// The database failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<NctError> for StepError {
    fn from(e: NctError) -> Self {
        Self::Nct(e)
    }
}

/// Runs steps for one tenant with its key.
pub struct StepRunner<'a> {
    /// The NCT client.
    pub client: &'a NctClient,
    /// The tenant's key.
    pub key: &'a SecretString,
    /// The request rows.
    pub requests: &'a RequestRepo,
    /// When to look again.
    pub schedule: &'a Schedule,
}

/// What a step sends besides its id.
#[derive(Clone, Debug, Default)]
pub struct StepInput<'a> {
    /// The corrected card, for `RESUBMIT`.
    pub body: Option<&'a PortalCreateUpdateProductRequestDto>,
    /// The chosen NTIN, for `DECIDE_USE_EXISTING`.
    pub ntin: Option<&'a str>,
}

impl StepRunner<'_> {
    /// Writes `step` down, then runs it (see the module docs).
    ///
    /// # Errors
    /// [`StepError`]: NCT failed (the step stays written down for the follower), or the database.
    pub async fn run(&self, tenant: TenantId, row: &NctRequest, step: Step, input: StepInput<'_>) -> Result<StepOutcome, StepError> {
        let Some(id) = row.nct_request_id else {
            return Err(StepError::Repo(RepoError::NotFound));
        };
        if row.pending_step != Some(step) || row.pending_arg.as_deref() != input.ntin {
            self.requests.set_pending(tenant, row.id, step, input.ntin, self.schedule).await?;
        }
        let u = self.read(tenant, row, id).await?;
        let plan = step.plan(Seen {
            status: &u.status,
            gz: u.gz_status.as_ref(),
            awaiting_decision: u.duplicate_review,
            remarks_unchanged: row.same_remarks(&u),
        });
        if plan == Plan::Adopt {
            return self.adopt(tenant, row, step, &u).await;
        }
        match self.call(id, step, &input).await {
            Ok(()) => self.after_success(tenant, row, id, step, input.body).await,
            Err(NctError::Validation { message, .. } | NctError::Business { message, .. }) => {
                // NCT refused: read what it holds now before believing the refusal.
                let now = self.read(tenant, row, id).await?;
                if step.took_effect(&now.status, now.gz_status.as_ref()) {
                    return self.adopt(tenant, row, step, &now).await;
                }
                self.requests.apply_status(tenant, row.id, &now, self.schedule, StepAfter::Clear).await?;
                if matches!(step, Step::Send | Step::Resubmit) && now.status == u.status {
                    self.requests.mark_error(tenant, row.id, &message, false, self.schedule).await?;
                }
                Ok(StepOutcome::Refused(self.stored(tenant, row).await?, message))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Reads the status; a request NCT no longer has stops being followed.
    async fn read(&self, tenant: TenantId, row: &NctRequest, id: i64) -> Result<StatusUpdate, StepError> {
        match fetch_update(self.client, self.key, id).await {
            Ok(u) => Ok(u),
            Err(NctError::NotFound) => {
                self.requests.mark_gone(tenant, row.id, &format!("NCT no longer has request {id} (deleted in NCT's portal?); submit the card again")).await?;
                Err(StepError::Nct(NctError::NotFound))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn call(&self, id: i64, step: Step, input: &StepInput<'_>) -> Result<(), NctError> {
        match step {
            Step::Send => self.client.send_to_moderation(self.key, id).await,
            Step::Resubmit => {
                if let Some(body) = input.body {
                    self.client.update_request(self.key, id, body).await?;
                }
                self.client.send_to_moderation(self.key, id).await
            }
            Step::Publish => self.client.publish_request(self.key, id).await,
            Step::Cancel => self.client.cancel_request(self.key, id).await,
            Step::DecideContinue => {
                let body = PortalDuplicateDecisionRequestDto { decision: DuplicateDecision::Continue, ntin: None };
                self.client.duplicate_decision(self.key, id, &body).await
            }
            Step::DecideUseExisting => {
                let body = PortalDuplicateDecisionRequestDto { decision: DuplicateDecision::UseExisting, ntin: input.ntin.map(str::to_owned) };
                self.client.duplicate_decision(self.key, id, &body).await
            }
        }
    }

    /// After NCT accepted the step: a send is `onModeration` without asking; anything else is read back
    /// (when that read fails, the step stays written down and the follower reads it later).
    async fn after_success(&self, tenant: TenantId, row: &NctRequest, id: i64, step: Step, body: Option<&PortalCreateUpdateProductRequestDto>) -> Result<StepOutcome, StepError> {
        if matches!(step, Step::Send | Step::Resubmit) {
            let hash = body.map(body_hash);
            self.requests.mark_sent(tenant, row.id, hash.as_deref(), self.schedule).await?;
            return Ok(StepOutcome::Done(self.stored(tenant, row).await?));
        }
        match fetch_update(self.client, self.key, id).await {
            Ok(u) => {
                self.requests.apply_status(tenant, row.id, &u, self.schedule, StepAfter::Clear).await?;
            }
            Err(e) => tracing::warn!(nct_request_id = id, step = step.as_str(), error = %e, "step done; reading the status back failed, the follower will"),
        }
        Ok(StepOutcome::Done(self.stored(tenant, row).await?))
    }

    /// Stores NCT's status and clears the step: done when the status shows it, otherwise not applied.
    async fn adopt(&self, tenant: TenantId, row: &NctRequest, step: Step, u: &StatusUpdate) -> Result<StepOutcome, StepError> {
        self.requests.apply_status(tenant, row.id, u, self.schedule, StepAfter::Clear).await?;
        let stored = self.stored(tenant, row).await?;
        if step.took_effect(&u.status, u.gz_status.as_ref()) {
            tracing::info!(nct_request_id = row.nct_request_id, step = step.as_str(), status = %u.status, "NCT had already taken the step; its status is adopted");
            Ok(StepOutcome::Done(stored))
        } else {
            Ok(StepOutcome::NotApplied(stored))
        }
    }

    async fn stored(&self, tenant: TenantId, row: &NctRequest) -> Result<NctRequest, RepoError> {
        self.requests.request(tenant, row.sku_id).await?.ok_or(RepoError::NotFound)
    }
}
