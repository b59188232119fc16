//! The STATUS_SYNC job: polls NCT for every open request of a catalog until NCT is done with it, and stores
//! each change on the request row and the SKU.
//!
//! | NCT status | what we do | item |
//! |---|---|---|
//! | `onModeration`, `accepted` | wait | polled again after a backoff |
//! | `readyToPublish` | `PUT …/publish` unless `autoPublication` (NCT publishes those itself) | polled again soon |
//! | `underRevision`, `underRevisionGz` | store `comment` and `revisionDetails`; for the duplicates reason (or a `nextAction` pointing at `/duplicates`) fetch and store the candidates (`DUPLICATE_REVIEW`) | done: the seller acts (`resubmitSku`, `decideDuplicate`) and a new sync follows |
//! | `completed`, `existingProductSelected` | store the NTIN on the SKU, source `REQUEST` (readiness `HAS_NTIN`) | done |
//! | `rejected` | store `comment` and the existing card's `ntinCode`/`productUrl` when given | done |
//! | `cancelled` | store | done |
//!
//! An item waiting for NCT stays pending with its lease pushed to the next poll time, so a restart resumes
//! it and the job ends when no request is open (or when it is cancelled).

use super::submit::{CardJobs, nct_message};
use crate::cards::moderation::fetch_update;
use crate::db::RepoError;
use crate::db::job_repo::{ClaimedItem, Job};
use domain::card::RequestStatus;
use domain::job::ItemState;
use domain::tenant::TenantId;
use nct::NctError;
use secrecy::SecretString;
use std::time::Duration;

/// Longest wait between two polls of one request. NCT decides in working days, so a production deployment
/// would poll every few minutes; the simulator's compressed clock decides in a fraction of a second.
pub const MAX_POLL: Duration = Duration::from_secs(2);

/// One round of a STATUS_SYNC job. `true` when anything was done.
#[tracing::instrument(name = "sync_job.step", skip_all, fields(job_id = %job.id, tenant_id = %job.tenant_id))]
pub async fn step(cx: &CardJobs<'_>, job: Job) -> Result<bool, RepoError> {
    let (key, items) = match cx.begin(&job).await? {
        Ok(v) => v,
        Err(worked) => return Ok(worked),
    };
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    cx.with_leases(&ids, async {
        for (n, item) in items.iter().enumerate() {
            match sync_item(cx, job.tenant_id, &key, item).await? {
                Poll::Final(outcome) => {
                    cx.jobs
                        .finish_item(item, ItemState::Done, Some(outcome), None)
                        .await?;
                }
                Poll::Failed(error) => {
                    cx.jobs
                        .finish_item(item, ItemState::Failed, None, Some(error))
                        .await?;
                }
                Poll::Again(after) => {
                    let until = chrono::Utc::now()
                        + chrono::Duration::from_std(after).unwrap_or(chrono::Duration::seconds(2));
                    cx.jobs.defer_item(item.id, until).await?;
                }
                Poll::KeyInvalid => {
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

enum Poll {
    Final(&'static str),
    Failed(String),
    Again(Duration),
    KeyInvalid,
}

fn poll_delay(attempts: i32) -> Duration {
    let n = u32::try_from(attempts.clamp(1, 16)).unwrap_or(1);
    Duration::from_millis(50u64.saturating_mul(1 << n)).min(MAX_POLL)
}

async fn sync_item(
    cx: &CardJobs<'_>,
    tenant: TenantId,
    key: &SecretString,
    item: &ClaimedItem,
) -> Result<Poll, RepoError> {
    let requests = cx.requests();
    let Some(row) = requests.request(tenant, item.sku_id).await? else {
        return Ok(Poll::Failed("the SKU has no NCT request".into()));
    };
    let Some(id) = row.nct_request_id else {
        return Ok(Poll::Failed(
            "the SKU's request was never created at NCT; run a submit job".into(),
        ));
    };
    let update = match fetch_update(cx.client, key, id).await {
        Ok(u) => u,
        Err(NctError::InvalidKey) => return Ok(Poll::KeyInvalid),
        Err(e) if e.is_retryable() || matches!(e, NctError::Malformed(_)) => {
            return Ok(Poll::Again(
                super::backoff(u32::try_from(item.attempts).unwrap_or(1), e.retry_after())
                    .max(poll_delay(item.attempts)),
            ));
        }
        Err(e) => return Ok(Poll::Failed(nct_message(&e))),
    };
    requests.apply_status(tenant, row.id, &update).await?;
    Ok(match &update.status {
        RequestStatus::ReadyToPublish => {
            let auto = cx
                .cards()
                .card(tenant, item.sku_id)
                .await?
                .is_some_and(|c| c.data.auto_publication);
            if !auto {
                match cx.client.publish_request(key, id).await {
                    Ok(()) => {}
                    Err(NctError::InvalidKey) => return Ok(Poll::KeyInvalid),
                    // Already published, or transient: the next poll tells.
                    Err(e) => {
                        tracing::warn!(nct_request_id = id, error = %e, "publish failed; polling again")
                    }
                }
            }
            Poll::Again(Duration::from_millis(50))
        }
        s if s.is_final() || s.is_under_revision() => {
            Poll::Final(s.card_status(update.duplicate_review).as_str())
        }
        _ => Poll::Again(poll_delay(item.attempts)),
    })
}
