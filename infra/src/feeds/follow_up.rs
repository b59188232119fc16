//! The automatic follow-up of a pull, for sources with `auto_lookup`: a LOOKUP job (through the one job start
//! path, `db::job_start`) for the catalog's SKUs that have a valid GTIN, no NTIN, were never looked up, and are
//! not already waiting in another job (as its pending items, or ahead of a catalog-wide lookup's scan). It runs
//! with the tenant's NCT key, like any job, and the tenant sees it in `jobs` and on the pull (`followUpJob`).
//!
//! Durable and exactly once: the pull row is stored `PENDING` in the pull's transaction; the scheduler then
//! starts the job with the idempotency key `feed-pull:<pull id>` and marks the row `STARTED`. A crash in between
//! leaves it `PENDING`, and the next round finds the job by its key instead of starting a second one. Two
//! replicas working on the same row meet at that key too: whoever loses the race (an idempotency conflict, or
//! no SKU left because the other's job holds them) adopts the other's job.

use super::entity::pull;
use crate::db::RepoError;
use crate::db::entity::{job, job_item, sku};
use crate::db::job_start::{StartJob, StartJobError, max_sku_ids, start_job};
use domain::job::{ItemState, JobKind, JobState};
use domain::readiness::ReadinessClass;
use domain::tenant::TenantId;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait as _};
use uuid::Uuid;

/// A follow-up is owed.
pub const PENDING: &str = "PENDING";
/// The job was started (`follow_up_job_id`).
pub const STARTED: &str = "STARTED";
/// Nothing to look up.
pub const NONE: &str = "NONE";

fn key(pull_id: Uuid) -> String {
    format!("feed-pull:{pull_id}")
}

/// Finishes up to `n` owed follow-ups. Returns how many jobs were started.
///
/// # Errors
/// The database.
pub async fn run_pending(db: &DatabaseConnection, n: u64) -> Result<u64, RepoError> {
    let owed = pull::Entity::find().filter(pull::Column::FollowUp.eq(PENDING)).order_by_asc(pull::Column::StartedAt).limit(n).all(db).await?;
    let mut started = 0;
    for p in owed {
        let (state, job) = follow_up(db, TenantId(p.tenant_id), p.catalog_id, p.id).await?;
        started += u64::from(state == STARTED);
        pull::Entity::update_many()
            .col_expr(pull::Column::FollowUp, Expr::value(state))
            .col_expr(pull::Column::FollowUpJobId, Expr::value(job))
            .filter(pull::Column::Id.eq(p.id))
            .filter(pull::Column::FollowUp.eq(PENDING))
            .exec(db)
            .await?;
    }
    Ok(started)
}

/// The job started for this pull already (before a crash, or by another replica).
async fn started(db: &DatabaseConnection, tenant: TenantId, pull_id: Uuid) -> Result<Option<Uuid>, RepoError> {
    Ok(job::Entity::find()
        .filter(job::Column::TenantId.eq(tenant.0))
        .filter(job::Column::IdempotencyKey.eq(key(pull_id)))
        .one(db)
        .await?
        .map(|j| j.id))
}

async fn follow_up(db: &DatabaseConnection, tenant: TenantId, catalog_id: Uuid, pull_id: Uuid) -> Result<(&'static str, Option<Uuid>), RepoError> {
    if let Some(j) = started(db, tenant, pull_id).await? {
        return Ok((STARTED, Some(j)));
    }
    let waiting = Query::select()
        .column(job_item::Column::SkuId)
        .from(job_item::Entity)
        .and_where(job_item::Column::TenantId.eq(tenant.0))
        .and_where(job_item::Column::State.eq(ItemState::Pending.as_str()))
        .to_owned();
    // A lookup of the whole catalog that is still scanning it will take every SKU after its cursor.
    let scanning: Vec<String> = job::Entity::find()
        .select_only()
        .column(job::Column::ScanAfter)
        .filter(job::Column::TenantId.eq(tenant.0))
        .filter(job::Column::CatalogId.eq(catalog_id))
        .filter(job::Column::Kind.eq(JobKind::Lookup.as_str()))
        .filter(job::Column::State.is_in([JobState::Queued.as_str(), JobState::Running.as_str()]))
        .filter(job::Column::ScanAfter.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let scanned_up_to = scanning.into_iter().min();
    let ids: Vec<Uuid> = sku::Entity::find()
        .select_only()
        .column(sku::Column::Id)
        .filter(sku::Column::TenantId.eq(tenant.0))
        .filter(sku::Column::CatalogId.eq(catalog_id))
        .filter(sku::Column::ReadinessClass.eq(ReadinessClass::AutoLookupReady.as_str()))
        .filter(sku::Column::Gtin14.is_not_null())
        .filter(sku::Column::Ntin.is_null())
        .filter(sku::Column::LookupState.is_null())
        .filter(sku::Column::Id.not_in_subquery(waiting))
        .apply_if(scanned_up_to, |q, c| q.filter(sku::Column::SellerSku.lte(c)))
        .order_by_asc(sku::Column::SellerSku)
        .limit(max_sku_ids(JobKind::Lookup) as u64)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        // Nothing left: unless a job for this pull took them meanwhile.
        return Ok(match started(db, tenant, pull_id).await? {
            Some(j) => (STARTED, Some(j)),
            None => (NONE, None),
        });
    }
    let start = StartJob { kind: JobKind::Lookup, catalog_id, sku_ids: Some(ids), idempotency_key: Some(key(pull_id)), scan: true };
    match start_job(db, tenant, start).await {
        Ok((j, _)) => {
            tracing::info!(tenant_id = %tenant, job_id = %j.id, items = j.total, "feed follow-up lookup started");
            Ok((STARTED, Some(j.id)))
        }
        // The catalog went away with its source; nothing to do.
        Err(StartJobError::CatalogNotFound) => Ok((NONE, None)),
        // Another replica started this pull's job first.
        Err(StartJobError::IdempotencyConflict) => Ok(match started(db, tenant, pull_id).await? {
            Some(j) => (STARTED, Some(j)),
            None => (PENDING, None),
        }),
        Err(StartJobError::Repo(e)) => Err(e),
        Err(e) => Err(RepoError::Unexpected(anyhow::anyhow!("feed follow-up refused: {e}"))),
    }
}
