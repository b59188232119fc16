//! The STATUS_SYNC job: "check my catalog's requests now". Requests are followed without it (the
//! follower, [`super::follow`], looks at every request NCT is not done with, on a working-day schedule);
//! this job is the seller's button for an immediate look, one pass, with live progress.
//!
//! Each round claims a batch of items, checks their requests in bulk with the same
//! [`Checker`] the follower uses (paged listings by status, single reads for what changed, due steps such
//! as publishing a `readyToPublish` card), and finishes every item with the card status it ends in.
//! Nothing is polled in a loop here: a request NCT is still working on stays with the follower.

use super::submit::CardJobs;
use crate::cards::checker::{CheckError, CheckReport, Checker};
use crate::db::RepoError;
use crate::db::job_repo::Job;
use domain::job::ItemState;
use std::collections::HashMap;
use std::time::Duration;

/// How long the checked requests are held from the follower while the job reads them.
const LEASE: Duration = Duration::from_secs(120);

/// One round of a STATUS_SYNC job. `true` when anything was done.
#[tracing::instrument(name = "sync_job.step", skip_all, fields(job_id = %job.id, tenant_id = %job.tenant_id))]
pub async fn step(cx: &CardJobs<'_>, job: Job) -> Result<bool, RepoError> {
    let (key, items) = match cx.begin(&job).await? {
        Ok(v) => v,
        Err(worked) => return Ok(worked),
    };
    let requests = cx.requests();
    let cards = cx.cards();
    let skus: Vec<uuid::Uuid> = items.iter().map(|i| i.sku_id).collect();
    let rows = requests.claim_for_skus(job.tenant_id, &skus, LEASE).await?;
    let by_sku: HashMap<uuid::Uuid, _> = rows.iter().map(|r| (r.sku_id, r.clone())).collect();
    let checker = Checker { client: cx.client, key: &key, requests: &requests, cards: &cards, schedule: cx.schedule };
    let mut report = CheckReport::default();
    let followed: Vec<_> = rows.into_iter().filter(|r| r.next_check_at.is_some()).collect();
    let outcome = checker.check(job.tenant_id, followed, &mut report).await;
    if let Err(CheckError::InvalidKey) = outcome {
        let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
        cx.key_invalid(&job, &ids).await?;
        return Ok(true);
    }
    let failure = match outcome {
        Err(CheckError::Nct(e)) => Some(format!("{}: NCT did not answer ({e}); the follower checks it later", e.code())),
        Err(CheckError::Repo(e)) => return Err(e),
        _ => None,
    };
    for item in &items {
        let Some(before) = by_sku.get(&item.sku_id) else {
            cx.jobs.finish_item(item, ItemState::Failed, None, Some("the SKU has no NCT request; run a submit job".into())).await?;
            continue;
        };
        let after = requests.request(job.tenant_id, item.sku_id).await?.unwrap_or_else(|| before.clone());
        match (&failure, after.checked_at > before.checked_at || before.next_check_at.is_none()) {
            (Some(msg), false) => {
                cx.jobs.finish_item(item, ItemState::Failed, None, Some(msg.clone())).await?;
            }
            _ => {
                let card = cards.card(job.tenant_id, item.sku_id).await?.and_then(|c| c.sku.card_status);
                cx.jobs.finish_item(item, ItemState::Done, Some(card.map_or("UNKNOWN", |c| c.as_str())), None).await?;
            }
        }
    }
    tracing::debug!(checked = report.checked, pages = report.pages, reads = report.reads, steps = report.steps, "status sync round");
    cx.publish(&job);
    Ok(true)
}
