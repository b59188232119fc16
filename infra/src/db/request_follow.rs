//! The follower's side of `nct_requests`: which requests are due, claiming them (the claim pushes
//! `next_check_at` forward by a lease, so two replicas never check one request at once), the bulk
//! bookkeeping of a listing ("these requests are unchanged"), and deferring after an NCT failure.
//!
//! A request is followed while `next_check_at` is set: every write that learns something from NCT sets it
//! through a [`Schedule`] (see `domain::card::FollowPolicy`), and it becomes `NULL` when NCT is done.

use super::RepoError;
use super::entity::nct_request;
use super::request_repo::NctRequest;
use chrono::{DateTime, Utc};
use domain::card::{FollowPolicy, RequestStatus, Waiting};
use domain::tenant::TenantId;
use sea_orm::sea_query::{Expr, ExprTrait as _, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

/// When to look at a request next: the follow policy, with random jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The policy.
    pub policy: FollowPolicy,
}

impl Schedule {
    /// Wraps a policy.
    pub fn new(policy: FollowPolicy) -> Self {
        Self { policy }
    }

    /// The next check of a request in `status`/`gz`, `unchanged` checks after its last change.
    pub fn next(&self, status: &RequestStatus, gz: Option<&RequestStatus>, unchanged: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.policy.next_check(Waiting::of(status, gz), unchanged, now, rand::random::<f64>())
    }

    /// A written-down step not yet reconciled is retried after four first-check waits: long enough for
    /// the caller that wrote it to finish its NCT call, short enough that a crash strands nothing.
    pub fn retry(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + chrono::Duration::from_std(self.policy.first.saturating_mul(4)).unwrap_or(chrono::Duration::minutes(4))
    }
}

/// A followed request as a listing sees it: ours, in one status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listed {
    /// Our row.
    pub row: Uuid,
    /// NCT's id.
    pub nct_id: i64,
    /// Checks since its last change.
    pub unchanged: i32,
}

impl super::request_repo::RequestRepo {
    /// Claims up to `limit` due requests (`next_check_at <= now`), oldest due first, pushing their next
    /// check `lease` ahead; on PostgreSQL other replicas skip the locked rows.
    pub async fn claim_due(&self, now: DateTime<Utc>, limit: u64, lease: Duration) -> Result<Vec<NctRequest>, RepoError> {
        let db = self.conn();
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5));
        let txn = db.begin().await?;
        let mut q = nct_request::Entity::find()
            .filter(nct_request::Column::NextCheckAt.lte(now))
            .filter(nct_request::Column::NctRequestId.is_not_null())
            .order_by_asc(nct_request::Column::NextCheckAt)
            .limit(limit);
        if txn.get_database_backend() == DbBackend::Postgres {
            q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let rows = q.all(&txn).await?;
        for chunk in rows.chunks(500) {
            nct_request::Entity::update_many()
                .col_expr(nct_request::Column::NextCheckAt, Expr::value(until))
                .filter(nct_request::Column::Id.is_in(chunk.iter().map(|r| r.id).collect::<Vec<_>>()))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The tenant's followed requests of some SKUs (a STATUS_SYNC job's items), claimed like
    /// [`Self::claim_due`] whether due or not.
    pub async fn claim_for_skus(&self, tenant: TenantId, sku_ids: &[Uuid], lease: Duration) -> Result<Vec<NctRequest>, RepoError> {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5));
        let mut out = Vec::new();
        for chunk in sku_ids.chunks(500) {
            let rows = nct_request::Entity::find()
                .filter(nct_request::Column::TenantId.eq(tenant.0))
                .filter(nct_request::Column::SkuId.is_in(chunk.to_vec()))
                .filter(nct_request::Column::NctRequestId.is_not_null())
                .all(self.conn())
                .await?;
            let followed: Vec<Uuid> = rows.iter().filter(|r| r.next_check_at.is_some()).map(|r| r.id).collect();
            if !followed.is_empty() {
                nct_request::Entity::update_many()
                    .col_expr(nct_request::Column::NextCheckAt, Expr::value(until))
                    .filter(nct_request::Column::Id.is_in(followed))
                    .exec(self.conn())
                    .await?;
            }
            out.extend(rows.into_iter().map(NctRequest::from));
        }
        Ok(out)
    }

    /// How many of the tenant's requests are followed, per stored status (the size of a listing).
    pub async fn followed_counts(&self, tenant: TenantId) -> Result<HashMap<String, u64>, RepoError> {
        let rows: Vec<(String, i64)> = nct_request::Entity::find()
            .select_only()
            .column(nct_request::Column::Status)
            .column_as(nct_request::Column::Id.count(), "n")
            .filter(nct_request::Column::TenantId.eq(tenant.0))
            .filter(nct_request::Column::NextCheckAt.is_not_null())
            .group_by(nct_request::Column::Status)
            .into_tuple()
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|(s, n)| (s, u64::try_from(n).unwrap_or(0))).collect())
    }

    /// The tenant's followed requests stored in `status` with no step pending: what a listing of that
    /// status can confirm as unchanged, by NCT id.
    pub async fn listed_in(&self, tenant: TenantId, status: &RequestStatus) -> Result<HashMap<i64, Listed>, RepoError> {
        let rows: Vec<(Uuid, Option<i64>, i32)> = nct_request::Entity::find()
            .select_only()
            .column(nct_request::Column::Id)
            .column(nct_request::Column::NctRequestId)
            .column(nct_request::Column::UnchangedChecks)
            .filter(nct_request::Column::TenantId.eq(tenant.0))
            .filter(nct_request::Column::Status.eq(status.as_str()))
            .filter(nct_request::Column::NextCheckAt.is_not_null())
            .filter(nct_request::Column::PendingStep.is_null())
            .filter(nct_request::Column::GzStatus.is_null())
            .into_tuple()
            .all(self.conn())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(row, id, unchanged)| id.map(|nct_id| (nct_id, Listed { row, nct_id, unchanged })))
            .collect())
    }

    /// Records that a listing found these requests still in `status`: one more unchanged check each, and
    /// the next check by the backoff. Rows with the same count share one statement.
    pub async fn touch_unchanged(&self, tenant: TenantId, status: &RequestStatus, seen: &[Listed], schedule: &Schedule) -> Result<(), RepoError> {
        let now = Utc::now();
        let mut by_count: HashMap<i32, Vec<Uuid>> = HashMap::new();
        for l in seen {
            by_count.entry(l.unchanged).or_default().push(l.row);
        }
        let txn = self.conn().begin().await?;
        for (count, rows) in by_count {
            let next_count = count.saturating_add(1);
            let next = schedule.next(status, None, u32::try_from(next_count).unwrap_or(0), now);
            for chunk in rows.chunks(500) {
                nct_request::Entity::update_many()
                    .col_expr(nct_request::Column::UnchangedChecks, Expr::value(next_count))
                    .col_expr(nct_request::Column::CheckedAt, Expr::value(now))
                    .col_expr(nct_request::Column::NextCheckAt, Expr::value(next))
                    .filter(nct_request::Column::TenantId.eq(tenant.0))
                    .filter(nct_request::Column::Id.is_in(chunk.to_vec()))
                    .filter(nct_request::Column::Status.eq(status.as_str()))
                    .filter(nct_request::Column::PendingStep.is_null())
                    .exec(&txn)
                    .await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }

    /// Puts requests off until `until` (NCT failed or throttled us; the key is missing or refused).
    pub async fn defer(&self, tenant: TenantId, rows: &[Uuid], until: DateTime<Utc>) -> Result<(), RepoError> {
        for chunk in rows.chunks(500) {
            nct_request::Entity::update_many()
                .col_expr(nct_request::Column::NextCheckAt, Expr::value(until))
                .filter(nct_request::Column::TenantId.eq(tenant.0))
                .filter(nct_request::Column::Id.is_in(chunk.to_vec()))
                .filter(nct_request::Column::NextCheckAt.is_not_null())
                .exec(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Stops following a request NCT no longer has (404: deleted in NCT's portal), recording why.
    pub async fn mark_gone(&self, tenant: TenantId, row: Uuid, error: &str) -> Result<(), RepoError> {
        nct_request::Entity::update_many()
            .col_expr(nct_request::Column::NextCheckAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(nct_request::Column::PendingStep, Expr::value(Option::<String>::None))
            .col_expr(nct_request::Column::LastError, Expr::value(error.to_owned()))
            .col_expr(nct_request::Column::CheckedAt, Expr::value(Utc::now()))
            .col_expr(nct_request::Column::IntentState, Expr::value(domain::card::Intent::Failed.as_str()))
            .filter(nct_request::Column::TenantId.eq(tenant.0))
            .filter(nct_request::Column::Id.eq(row))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// Rows written before requests were followed (never checked, no next check, NCT not done): due now.
    /// Idempotent; run at the follower's start.
    pub async fn adopt_unfollowed(&self) -> Result<u64, RepoError> {
        let finals: Vec<&str> = RequestStatus::KNOWN.iter().filter(|s| s.is_final()).map(RequestStatus::as_str).collect();
        let r = nct_request::Entity::update_many()
            .col_expr(nct_request::Column::NextCheckAt, Expr::value(Utc::now()))
            .filter(nct_request::Column::NextCheckAt.is_null())
            .filter(nct_request::Column::CheckedAt.is_null())
            .filter(nct_request::Column::NctRequestId.is_not_null())
            .filter(nct_request::Column::Status.is_not_in(finals).or(nct_request::Column::GzStatus.is_not_null()))
            .exec(self.conn())
            .await?;
        Ok(r.rows_affected)
    }

    /// The earliest next check of any request (the follower sleeps until then, at most its tick).
    pub async fn earliest_check(&self) -> Result<Option<DateTime<Utc>>, RepoError> {
        Ok(nct_request::Entity::find()
            .select_only()
            .column(nct_request::Column::NextCheckAt)
            .filter(nct_request::Column::NextCheckAt.is_not_null())
            .order_by_asc(nct_request::Column::NextCheckAt)
            .limit(1)
            .into_tuple::<Option<DateTime<Utc>>>()
            .one(self.conn())
            .await?
            .flatten())
    }
}
