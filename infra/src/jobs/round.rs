//! What every kind of job does around its own work in one round: honour a cancel, move `QUEUED → RUNNING`,
//! load the tenant's NCT key (failing the job clearly when there is none or NCT refused it), claim a batch,
//! finish the job when nothing is left, and stop it after a 401/403.

use super::{JobEvent, JobEvents};
use crate::db::RepoError;
use crate::db::job_repo::{ClaimedItem, Job, JobRepo};
use crate::db::key_repo::{NctKeyRepo, status};
use domain::job::JobState;
use secrecy::SecretString;
use std::time::Duration;

/// The shared services of a round.
#[derive(Clone, Copy)]
pub struct Round<'a> {
    /// Jobs and items.
    pub jobs: &'a JobRepo,
    /// Tenant keys.
    pub keys: &'a NctKeyRepo,
    /// Progress events.
    pub events: &'a JobEvents,
}

impl Round<'_> {
    /// Announces a change of the job (watchers re-read it).
    pub fn publish(&self, job: &Job) {
        self.events.publish(JobEvent { tenant: job.tenant_id, job_id: job.id, finished: false });
    }

    /// Moves the job to a final state (when the state machine allows) and announces it.
    pub async fn finish(&self, job: &Job, to: JobState, error: Option<String>) -> Result<(), RepoError> {
        if self.jobs.transition(job.id, to, error).await?.is_some() {
            tracing::info!(job_id = %job.id, tenant_id = %job.tenant_id, kind = job.kind.as_str(), state = to.as_str(), "job finished");
        }
        // Final: watchers read it at once, past their rate limit.
        self.events.publish(JobEvent { tenant: job.tenant_id, job_id: job.id, finished: true });
        Ok(())
    }

    /// The common start of a round: cancellation, `QUEUED → RUNNING`, the tenant's key, up to `batch` claimed
    /// items. `Err(worked)` when there is nothing to do now: the job was finished here (`true`), or its
    /// pending items are leased by another worker (`false`).
    pub async fn begin(&self, job: &Job, batch: u64, lease: Duration) -> Result<Result<(SecretString, Vec<ClaimedItem>), bool>, RepoError> {
        let key = match self.open(job).await? {
            Ok(key) => key,
            Err(worked) => return Ok(Err(worked)),
        };
        let items = self.jobs.claim(job.id, batch, lease).await?;
        if items.is_empty() {
            return Ok(Err(self.nothing_free(job).await?));
        }
        Ok(Ok((key, items)))
    }

    /// The start of a round before any item is taken: cancellation, `QUEUED → RUNNING`, the tenant's key.
    /// `Err(true)` when the job was finished here.
    pub async fn open(&self, job: &Job) -> Result<Result<SecretString, bool>, RepoError> {
        if job.cancel_requested {
            self.jobs.skip_pending(job).await?;
            self.finish(job, JobState::Cancelled, None).await?;
            return Ok(Err(true));
        }
        if job.state == JobState::Queued {
            self.jobs.transition(job.id, JobState::Running, None).await?;
            self.publish(job);
        }
        match self.keys.load(job.tenant_id).await {
            Ok(Some((_, s))) if s == status::INVALID => {
                self.finish(job, JobState::Failed, Some("NCT refused this tenant's API key; set a new one with setNctApiKey".into())).await?;
                Ok(Err(true))
            }
            Ok(Some((k, _))) => Ok(Ok(k)),
            Ok(None) => {
                self.finish(job, JobState::Failed, Some("no NCT API key is set for this tenant; call setNctApiKey first".into())).await?;
                Ok(Err(true))
            }
            Err(e) => {
                tracing::error!(error.cause_chain = ?e, "cannot load the tenant's NCT key");
                self.finish(job, JobState::Failed, Some("the stored NCT API key cannot be read; set it again".into())).await?;
                Ok(Err(true))
            }
        }
    }

    /// No item was free to take: the job succeeded when none is pending (`true`); otherwise its pending
    /// items are leased by another worker (`false`).
    pub async fn nothing_free(&self, job: &Job) -> Result<bool, RepoError> {
        if self.jobs.has_pending(job.id).await? {
            return Ok(false);
        }
        self.finish(job, JobState::Succeeded, None).await?;
        Ok(true)
    }

    /// Stops the job after a 401/403: the unfinished items go back, the key is marked invalid.
    pub async fn key_invalid(&self, job: &Job, unfinished: &[i64]) -> Result<(), RepoError> {
        self.jobs.release(unfinished).await?;
        self.keys.mark(job.tenant_id, status::INVALID).await?;
        self.finish(job, JobState::Failed, Some("NCT refused the API key (401/403); the key is marked invalid and the job stopped. Set a valid key and start a new job".into())).await
    }

    /// Runs `work` while renewing the leases of `ids` every third of `lease`, so a long batch (NCT slow,
    /// retries) never lets its items pass to another replica mid-work. A failed renewal is logged; the
    /// holder check before each NCT create decides.
    pub async fn with_leases<T>(&self, ids: &[i64], lease: Duration, work: impl std::future::Future<Output = T>) -> T {
        let mut tick = tokio::time::interval((lease / 3).max(Duration::from_millis(50)));
        tick.tick().await;
        tokio::pin!(work);
        loop {
            tokio::select! {
                r = &mut work => return r,
                _ = tick.tick() => {
                    if let Err(e) = self.jobs.renew(ids, lease).await {
                        tracing::warn!(error.cause_chain = ?e, "cannot renew job item leases");
                    }
                }
            }
        }
    }
}
