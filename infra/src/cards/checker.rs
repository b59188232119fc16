//! Checking many requests of one tenant against NCT at once: what the follower does with the requests
//! that are due, and what a STATUS_SYNC job does with a catalog's.
//!
//! 1. A request with a written-down step gets the step finished ([`StepRunner`]).
//! 2. The others are grouped by their stored status. A group of a listable status (the spec's `status`
//!    filter) bigger than the number of pages a listing of that status takes is checked with
//!    `GET /products/requests?status=…&size=100`, page by page until every due request was seen: each of
//!    our requests on those pages (due or not) is confirmed unchanged in one write, and only a due request
//!    *missing* from the listing (its status changed) is read one by one. Smaller groups, unknown statuses
//!    and requests with an extended (CEF) part (the listing does not show `gzStatus`) are read one by one
//!    with `GET …/{id}/status`.
//! 3. A request read in `readyToPublish` is published (`PUT …/publish`), unless `autoPublication` asks
//!    NCT to do it, in which case we wait [`FollowPolicy::auto_publish_grace`] before publishing
//!    ourselves. There is no tight re-poll: the next look is the backoff's.
//!
//! NCT calls per check are therefore at most `min(due, pages)` per status plus one per changed request.
//! An outage or a 429 stops the check of this tenant; what is left is put off (by `Retry-After` when
//! NCT sent one) and the error is returned for the caller to log or count.
//!
//! [`FollowPolicy::auto_publish_grace`]: domain::card::FollowPolicy::auto_publish_grace

use super::steps::{StepError, StepInput, StepOutcome, StepRunner};
use super::check::card_body;
use crate::db::RepoError;
use crate::db::card_repo::CardRepo;
use crate::db::request_follow::{Listed, Schedule};
use crate::db::request_repo::{NctRequest, RequestRepo, StepAfter};
use chrono::Utc;
use domain::card::{RequestStatus, Step};
use domain::tenant::TenantId;
use nct::{NctClient, NctError};
use secrecy::SecretString;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// Page size of a listing (the spec's maximum).
pub const LIST_PAGE: u32 = 100;

/// What one check did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Requests looked at (listed or read).
    pub checked: usize,
    /// Requests whose stored state changed.
    pub changed: usize,
    /// Listing pages read.
    pub pages: usize,
    /// Single status reads.
    pub reads: usize,
    /// Steps finished (sends, publishes, …).
    pub steps: usize,
}

/// Why a check stopped early.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// NCT refused the key (401/403).
    #[error("NCT refused the tenant's key")]
    InvalidKey,
    /// NCT failed or throttled; the rest is put off.
    #[error(transparent)]
    Nct(NctError),
    /// The database failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// The checker of one tenant.
pub struct Checker<'a> {
    /// The NCT client.
    pub client: &'a NctClient,
    /// The tenant's key.
    pub key: &'a SecretString,
    /// Request rows.
    pub requests: &'a RequestRepo,
    /// Card rows (the body of a resumed resubmit, `autoPublication`).
    pub cards: &'a CardRepo,
    /// When to look again.
    pub schedule: &'a Schedule,
}

impl Checker<'_> {
    fn runner(&self) -> StepRunner<'_> {
        StepRunner { client: self.client, key: self.key, requests: self.requests, schedule: self.schedule }
    }

    /// Checks `rows` of `tenant` (see the module docs). Returns the outcome per row id that was read
    /// (the stored row after the check) and the report.
    ///
    /// # Errors
    /// [`CheckError`] when NCT refused the key, failed or throttled (the unchecked rows were put off), or
    /// the database failed.
    pub async fn check(&self, tenant: TenantId, rows: Vec<NctRequest>, report: &mut CheckReport) -> Result<(), CheckError> {
        let mut left: HashSet<Uuid> = rows.iter().map(|r| r.id).collect();
        let result = self.check_inner(tenant, rows, report, &mut left).await;
        if let Err(e) = &result {
            let left: Vec<Uuid> = left.into_iter().collect();
            let wait = match e {
                CheckError::Nct(n) => n.retry_after().unwrap_or(self.schedule.policy.first).max(self.schedule.policy.first),
                _ => self.schedule.policy.seller,
            };
            let until = Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::minutes(5));
            self.requests.defer(tenant, &left, until).await?;
        }
        result
    }

    async fn check_inner(&self, tenant: TenantId, rows: Vec<NctRequest>, report: &mut CheckReport, left: &mut HashSet<Uuid>) -> Result<(), CheckError> {
        let mut singles = Vec::new();
        let mut groups: BTreeMap<String, Vec<NctRequest>> = BTreeMap::new();
        for row in rows {
            if let Some(step) = row.pending_step {
                self.finish_step(tenant, &row, step, report).await?;
                left.remove(&row.id);
                continue;
            }
            match &row.status {
                Some(s) if s.is_listable() && row.gz_status.is_none() => groups.entry(s.as_str().to_owned()).or_default().push(row),
                _ => singles.push(row),
            }
        }
        let counts = if groups.is_empty() { HashMap::new() } else { self.requests.followed_counts(tenant).await? };
        for (status, group) in groups {
            let pages = counts.get(&status).copied().unwrap_or(0).div_ceil(u64::from(LIST_PAGE)).max(1);
            if group.len() > 1 && group.len() as u64 > pages {
                let changed = self.scan(tenant, &RequestStatus::parse(&status), &group, report).await?;
                let still: HashSet<Uuid> = changed.iter().map(|r| r.id).collect();
                for r in &group {
                    if !still.contains(&r.id) {
                        left.remove(&r.id);
                    }
                }
                singles.extend(changed);
            } else {
                singles.extend(group);
            }
        }
        for row in singles {
            self.read_one(tenant, &row, report).await?;
            left.remove(&row.id);
        }
        Ok(())
    }

    /// Lists `status` page by page until every row of `group` was seen; confirms what was seen, returns
    /// the rows of `group` that were not (their status changed).
    async fn scan(&self, tenant: TenantId, status: &RequestStatus, group: &[NctRequest], report: &mut CheckReport) -> Result<Vec<NctRequest>, CheckError> {
        let ours = self.requests.listed_in(tenant, status).await?;
        let mut wanted: HashSet<i64> = group.iter().filter_map(|r| r.nct_request_id).collect();
        let mut seen: Vec<Listed> = Vec::new();
        let mut page = 1u32;
        loop {
            let p = self.client.list_requests(self.key, Some(status.as_str()), page, LIST_PAGE).await.map_err(nct_error)?;
            report.pages += 1;
            for item in &p.content {
                let still = item.status.as_ref().is_none_or(|s| s.code.trim() == status.as_str());
                if let (true, Some(l)) = (still, ours.get(&item.id)) {
                    seen.push(*l);
                    wanted.remove(&item.id);
                }
            }
            let last = u32::try_from(p.total_pages).unwrap_or(0);
            if wanted.is_empty() || page >= last || p.content.is_empty() || page >= 100_000 {
                break;
            }
            page += 1;
        }
        report.checked += seen.len();
        self.requests.touch_unchanged(tenant, status, &seen, self.schedule).await?;
        Ok(group.iter().filter(|r| r.nct_request_id.is_some_and(|id| wanted.contains(&id))).cloned().collect())
    }

    /// Reads one request's status, stores it, and publishes a `readyToPublish` one when it is ours to.
    async fn read_one(&self, tenant: TenantId, row: &NctRequest, report: &mut CheckReport) -> Result<(), CheckError> {
        let Some(id) = row.nct_request_id else { return Ok(()) };
        report.reads += 1;
        report.checked += 1;
        let u = match super::status::fetch_update(self.client, self.key, id).await {
            Ok(u) => u,
            Err(NctError::NotFound) => {
                let msg = format!("NCT no longer has request {id} (deleted in NCT's portal?); submit the card again");
                self.requests.mark_gone(tenant, row.id, &msg).await?;
                report.changed += 1;
                return Ok(());
            }
            Err(e) => return Err(nct_error(e)),
        };
        if self.requests.apply_status(tenant, row.id, &u, self.schedule, StepAfter::Keep).await? {
            report.changed += 1;
        }
        if u.status == RequestStatus::ReadyToPublish && u.gz_status.is_none() && self.publish_due(tenant, row).await? {
            let stored = self.requests.request(tenant, row.sku_id).await?.ok_or(RepoError::NotFound)?;
            self.finish_step(tenant, &stored, Step::Publish, report).await?;
        }
        Ok(())
    }

    /// Whether we publish: always without `autoPublication`; with it, once NCT has left the request in
    /// `readyToPublish` longer than the grace (NCT should have published it by itself).
    async fn publish_due(&self, tenant: TenantId, row: &NctRequest) -> Result<bool, RepoError> {
        let auto = self.cards.card(tenant, row.sku_id).await?.is_some_and(|c| c.data.auto_publication);
        if !auto {
            return Ok(true);
        }
        let since = if row.status == Some(RequestStatus::ReadyToPublish) { row.status_since } else { None };
        let grace = chrono::Duration::from_std(self.schedule.policy.auto_publish_grace).unwrap_or(chrono::Duration::days(1));
        Ok(since.is_some_and(|s| Utc::now() - s >= grace))
    }

    /// Finishes a step; a refusal or a step NCT is past is stored and logged, not an error of the check.
    async fn finish_step(&self, tenant: TenantId, row: &NctRequest, step: Step, report: &mut CheckReport) -> Result<(), CheckError> {
        let body = match step {
            Step::Resubmit => self.cards.card(tenant, row.sku_id).await?.map(|c| card_body(&c)),
            _ => None,
        };
        let input = StepInput { body: body.as_ref(), ntin: row.pending_arg.as_deref() };
        report.checked += 1;
        match self.runner().run(tenant, row, step, input).await {
            Ok(StepOutcome::Done(_)) => report.steps += 1,
            Ok(StepOutcome::NotApplied(r)) => {
                tracing::info!(nct_request_id = row.nct_request_id, step = step.as_str(), status = ?r.status, "step no longer applies; NCT's status adopted");
            }
            Ok(StepOutcome::Refused(_, msg)) => {
                tracing::warn!(nct_request_id = row.nct_request_id, step = step.as_str(), message = %msg, "NCT refused the step");
            }
            Err(StepError::Nct(NctError::NotFound)) => {}
            Err(StepError::Nct(e)) => return Err(nct_error(e)),
            Err(StepError::Repo(e)) => return Err(e.into()),
        }
        report.changed += 1;
        Ok(())
    }
}

fn nct_error(e: NctError) -> CheckError {
    match e {
        NctError::InvalidKey => CheckError::InvalidKey,
        other => CheckError::Nct(other),
    }
}
