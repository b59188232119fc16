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

use super::submit::{CardJobs, backoff, nct_message};
use crate::db::card_repo::{DuplicateCandidate, RevisionDetail, StatusUpdate};
use crate::db::job_repo::{ClaimedItem, Job};
use crate::db::{RepoError, TenantId};
use crate::nct::dto::PortalProductRequestStatusDto;
use crate::nct::{NctClient, NctError};
use domain::job::ItemState;
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
    for (n, item) in items.iter().enumerate() {
        match sync_item(cx, job.tenant_id, &key, item).await? {
            Poll::Final(outcome) => {
                cx.cards().finish_item(item.id, ItemState::Done, Some(outcome), None).await?;
            }
            Poll::Failed(error) => {
                cx.cards().finish_item(item.id, ItemState::Failed, None, Some(error)).await?;
            }
            Poll::Again(after) => {
                let until = chrono::Utc::now() + chrono::Duration::from_std(after).unwrap_or(chrono::Duration::seconds(2));
                cx.cards().defer_item(item.id, until).await?;
            }
            Poll::KeyInvalid => {
                cx.key_invalid(&job, &ids[n..]).await?;
                return Ok(true);
            }
        }
        cx.publish(&job);
    }
    Ok(true)
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

async fn sync_item(cx: &CardJobs<'_>, tenant: TenantId, key: &SecretString, item: &ClaimedItem) -> Result<Poll, RepoError> {
    let cards = cx.cards();
    let Some(row) = cards.request(tenant, item.sku_id).await? else {
        return Ok(Poll::Failed("the SKU has no NCT request".into()));
    };
    let Some(id) = row.nct_request_id else {
        return Ok(Poll::Failed("the SKU's request was never created at NCT; run a submit job".into()));
    };
    let update = match fetch_update(cx.client, key, id).await {
        Ok(u) => u,
        Err(NctError::InvalidKey) => return Ok(Poll::KeyInvalid),
        Err(e) if e.is_retryable() || matches!(e, NctError::Malformed(_)) => {
            return Ok(Poll::Again(backoff(u32::try_from(item.attempts).unwrap_or(1), e.retry_after()).max(poll_delay(item.attempts))));
        }
        Err(e) => return Ok(Poll::Failed(nct_message(&e))),
    };
    cards.apply_status(tenant, row.id, &update).await?;
    Ok(match update.status.as_str() {
        "readyToPublish" => {
            let auto = cards.card(tenant, item.sku_id).await?.is_some_and(|c| c.data.auto_publication);
            if !auto {
                match cx.client.publish_request(key, id).await {
                    Ok(()) => {}
                    Err(NctError::InvalidKey) => return Ok(Poll::KeyInvalid),
                    // Already published, or transient: the next poll tells.
                    Err(e) => tracing::warn!(nct_request_id = id, error = %e, "publish failed; polling again"),
                }
            }
            Poll::Again(Duration::from_millis(50))
        }
        "completed" | "existingProductSelected" => Poll::Final("COMPLETED"),
        "rejected" => Poll::Final("REJECTED"),
        "cancelled" => Poll::Final("CANCELLED"),
        "underRevision" | "underRevisionGz" if update.duplicate_review => Poll::Final("DUPLICATE_REVIEW"),
        "underRevision" | "underRevisionGz" => Poll::Final("NEEDS_REVISION"),
        _ => Poll::Again(poll_delay(item.attempts)),
    })
}

/// Reads a request's status (and its duplicates when it waits for a decision) as a [`StatusUpdate`].
///
/// # Errors
/// The NCT call that failed.
pub async fn fetch_update(client: &NctClient, key: &SecretString, id: i64) -> Result<StatusUpdate, NctError> {
    let dto = client.request_status(key, id).await?;
    let mut u = to_update(&dto);
    if u.duplicate_review {
        u.duplicates = match client.duplicates(key, id).await {
            Ok(list) => Some(
                list.into_iter()
                    .map(|d| DuplicateCandidate { name: d.name, brand: d.brand, gtin: d.gtin, ntin: d.ntin, similarity: d.similarity })
                    .collect(),
            ),
            Err(NctError::NotFound) => Some(Vec::new()),
            Err(e) => return Err(e),
        };
    }
    Ok(u)
}

/// Maps NCT's status answer to what we store.
pub fn to_update(dto: &PortalProductRequestStatusDto) -> StatusUpdate {
    let under_revision = matches!(dto.code.as_str(), "underRevision" | "underRevisionGz");
    let duplicate_review = under_revision
        && (dto.reason.as_deref().is_some_and(|r| r.to_lowercase().contains("duplicate") || r.to_lowercase().contains("дубл"))
            || dto.next_action.as_ref().is_some_and(|a| a.endpoint.trim_end_matches('/').ends_with("/duplicates")));
    let mut details: Vec<RevisionDetail> = dto
        .revision_details
        .iter()
        .map(|d| RevisionDetail {
            attribute_code: d.attribute_code.clone().unwrap_or_default(),
            value: d.value.clone().unwrap_or_default(),
            comment: d.comment.clone().unwrap_or_default(),
        })
        .collect();
    let mut comment = dto.comment.clone();
    if let Some(gz) = &dto.gz_status {
        details.extend(gz.revision_details.iter().map(|d| RevisionDetail {
            attribute_code: d.attribute_code.clone().unwrap_or_default(),
            value: d.value.clone().unwrap_or_default(),
            comment: d.comment.clone().unwrap_or_default(),
        }));
        if comment.is_none() && gz.code == "underRevisionGz" {
            comment = gz.comment.clone();
        }
    }
    StatusUpdate {
        status: dto.code.clone(),
        gz_status: dto.gz_status.as_ref().map(|g| g.code.clone()),
        comment,
        reason: dto.reason.clone(),
        revision_details: details,
        duplicates: None,
        duplicate_review,
        ntin: dto.ntin_code.clone(),
        product_url: dto.product_url.clone(),
    }
}
