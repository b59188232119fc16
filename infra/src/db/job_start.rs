//! Starting a job, the one path for every kind: check the input, hash it, replay or refuse an idempotency
//! key, choose the SKUs the kind works on, and write the job and its items in one transaction. A LOOKUP of the
//! whole catalog may write only the job, and its worker then scans the catalog ([`StartJob::scan`]).
//!
//! What each kind works on (unless `sku_ids` narrows it down):
//! - `LOOKUP`: SKUs with a valid GTIN (`AUTO_LOOKUP_READY`) and no NTIN;
//! - `SUBMIT`: SKUs without an NTIN that need a hand-made card and are not with NCT (no card status, or
//!   `DRAFT`, `READY`, `FAILED`, `REJECTED`, `CANCELLED`); given `sku_ids`, any of them without an NTIN;
//! - `STATUS_SYNC`: SKUs whose request is followed (NCT is not done with it: `next_check_at` is set).
//! - `MATCH`: SKUs with a name and no usable GTIN (they need a card: see `SUBMIT`) whose card is not with NCT,
//!   except those a person already decided (`CONFIRMED`, `REJECTED`); given `sku_ids`, those are searched
//!   again too. `SUBMIT` without `sku_ids` skips SKUs whose match awaits a decision (`LIKELY`, `CANDIDATES`).

use super::RepoError;
use super::card_repo::need_card;
use super::entity::{job, job_item, nct_request, sku, sku_match};
use super::job_repo::Job;
use chrono::Utc;
use domain::card::CardStatus;
use domain::job::{ItemState, JobKind, JobState};
use domain::matching::MatchState;
use domain::readiness::ReadinessClass;
use domain::tenant::TenantId;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

/// Longest idempotency key.
pub const MAX_IDEMPOTENCY_KEY: usize = 200;

/// What to start.
#[derive(Clone, Debug)]
pub struct StartJob {
    /// The kind of work.
    pub kind: JobKind,
    /// The catalog it works on.
    pub catalog_id: Uuid,
    /// Only these SKUs (not for `STATUS_SYNC`).
    pub sku_ids: Option<Vec<Uuid>>,
    /// Replays the first job started with the same key and input.
    pub idempotency_key: Option<String>,
    /// A LOOKUP of the whole catalog scans it in the worker instead of writing its items now
    /// ([`super::lookup_scan`]).
    pub scan: bool,
}

/// Why a job was not started.
#[derive(Debug, thiserror::Error)]
pub enum StartJobError {
    /// The idempotency key is empty or longer than [`MAX_IDEMPOTENCY_KEY`].
    #[error("idempotencyKey must have 1 to {MAX_IDEMPOTENCY_KEY} characters")]
    BadIdempotencyKey,
    /// More SKU IDs than this kind takes at once.
    #[error("at most {0} SKU IDs")]
    TooManySkus(usize),
    /// The catalog is unknown or foreign.
    #[error("no such catalog")]
    CatalogNotFound,
    /// The idempotency key was used before with different input.
    #[error("this idempotencyKey was used with different input")]
    IdempotencyConflict,
    /// Anything else.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<sea_orm::DbErr> for StartJobError {
    fn from(e: sea_orm::DbErr) -> Self {
        StartJobError::Repo(e.into())
    }
}

/// Most SKU IDs one job of `kind` takes.
#[must_use]
pub fn max_sku_ids(kind: JobKind) -> usize {
    match kind {
        JobKind::Lookup | JobKind::Match => 100_000,
        JobKind::Submit | JobKind::StatusSync => 10_000,
    }
}

/// The hash an idempotency key is bound to: the kind, the catalog and the sorted SKU IDs (first 16 bytes of
/// SHA-256, hex).
#[must_use]
pub fn input_hash(start: &StartJob) -> String {
    let name = match start.kind {
        JobKind::Lookup => "lookup",
        JobKind::Submit => "submit",
        JobKind::StatusSync => "sync",
        JobKind::Match => "match",
    };
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(name.as_bytes());
    ctx.update(b"|");
    ctx.update(start.catalog_id.as_bytes());
    if let Some(s) = &start.sku_ids {
        let mut v = s.clone();
        v.sort();
        for u in v {
            ctx.update(u.as_bytes());
        }
    }
    ctx.finish().as_ref().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Starts a job (see the module docs). Returns the job and whether it was created now (`false`: an
/// idempotent replay).
///
/// # Errors
/// [`StartJobError`]: input the caller can fix, an unknown catalog, a reused key, or the database.
pub async fn start_job(db: &DatabaseConnection, tenant: TenantId, start: StartJob) -> Result<(Job, bool), StartJobError> {
    if start.idempotency_key.as_ref().is_some_and(|k| k.is_empty() || k.chars().count() > MAX_IDEMPOTENCY_KEY) {
        return Err(StartJobError::BadIdempotencyKey);
    }
    let max = max_sku_ids(start.kind);
    if start.sku_ids.as_ref().is_some_and(|ids| ids.len() > max) {
        return Err(StartJobError::TooManySkus(max));
    }
    let hash = input_hash(&start);
    let txn = super::begin_write(db).await?;
    room_to_sort(&txn).await?;
    if let Some(key) = &start.idempotency_key
        && let Some(existing) = job::Entity::find()
            .filter(job::Column::TenantId.eq(tenant.0))
            .filter(job::Column::IdempotencyKey.eq(key.as_str()))
            .one(&txn)
            .await?
    {
        if existing.input_hash.as_deref() != Some(hash.as_str()) {
            return Err(StartJobError::IdempotencyConflict);
        }
        return Ok((existing.into(), false));
    }
    if super::catalog_repo::get_in(&txn, tenant, start.catalog_id).await?.is_none() {
        return Err(StartJobError::CatalogNotFound);
    }
    // A scanned lookup of the whole catalog writes no item here: the worker scans the catalog, answers what the
    // cache holds and writes its misses as items as it goes (`super::lookup_scan`). The total counted now is what
    // the progress shows until the scan is over; then it is the number of SKUs the scan took.
    let scan_total = if start.kind == JobKind::Lookup && start.sku_ids.is_none() && start.scan {
        let n = targets(start.kind, None)
            .filter(sku::Column::TenantId.eq(tenant.0))
            .filter(sku::Column::CatalogId.eq(start.catalog_id))
            .count(&txn)
            .await?;
        Some(i64::try_from(n).unwrap_or(i64::MAX))
    } else {
        None
    };
    let now = Utc::now();
    let id = Uuid::new_v4();
    let mut m = job::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant.0),
        catalog_id: Set(start.catalog_id),
        kind: Set(start.kind.as_str().to_owned()),
        state: Set(JobState::Queued.as_str().to_owned()),
        idempotency_key: Set(start.idempotency_key),
        input_hash: Set(Some(hash)),
        total: Set(scan_total.unwrap_or(0)),
        processed: Set(0),
        found: Set(0),
        ambiguous: Set(0),
        not_found: Set(0),
        failed: Set(0),
        skipped: Set(0),
        cancel_requested: Set(false),
        last_error: Set(None),
        created_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
        updated_at: Set(now),
        scan_after: Set(scan_total.map(|_| String::new())),
        scanned: Set(0),
        scan_found: Set(0),
        scan_ambiguous: Set(0),
        scan_not_found: Set(0),
        scan_owner: Set(None),
        scan_leased_until: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(|e| match RepoError::unique("idempotency_key")(e) {
        // A concurrent request with the same key won the race.
        RepoError::Duplicate(_) => StartJobError::IdempotencyConflict,
        other => StartJobError::Repo(other),
    })?;
    if scan_total.is_some() {
        txn.commit().await?;
        return Ok((m.into(), true));
    }
    // The items come straight from the SKUs, in seller-SKU order (the order they are claimed in): a job of
    // 100,000 SKUs never travels through this process. A long `sku_ids` list goes in chunks, so 100,000 IDs
    // never become one statement with 100,000 parameters (each chunk in seller-SKU order).
    let chunks: Vec<Option<Vec<Uuid>>> = match start.sku_ids {
        None => vec![None],
        Some(mut ids) => {
            ids.sort_unstable();
            ids.dedup();
            ids.chunks(ID_CHUNK).map(|c| Some(c.to_vec())).collect()
        }
    };
    let mut total = 0i64;
    for ids in chunks {
        let insert = items_insert(start.kind, ids, tenant, start.catalog_id, id, now, Rest::All)?;
        total = total.saturating_add(i64::try_from(txn.execute(&insert).await?.rows_affected()).unwrap_or(i64::MAX));
    }
    if total > 0 {
        job::Entity::update_many()
            .col_expr(job::Column::Total, Expr::value(total))
            .filter(job::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        m.total = total;
    }
    txn.commit().await?;
    Ok((m.into(), true))
}

/// SKU IDs per `IN (…)` list: far below SQLite's 32,766 and PostgreSQL's 65,535 bind parameters.
const ID_CHUNK: usize = 5_000;

/// Which of a job's SKUs [`items_insert`] writes, and as what.
pub(super) enum Rest<'a> {
    /// All of them, pending.
    All,
    /// Those after this seller SKU, skipped (a cancelled scan's rest).
    SkippedAfter(&'a str),
    /// Those after this seller SKU, pending (the rest of a scan that found the catalog cold).
    PendingAfter(&'a str),
}

/// Lets [`items_insert`] sort a catalog in memory, in the calling transaction (PostgreSQL; a no-op on SQLite).
/// The items are inserted in seller-SKU order: without statistics (a catalog imported a moment ago) the planner
/// sorts the catalog's SKUs, and 100,000 of them spill past the default 4 MB to disk.
pub(super) async fn room_to_sort<C: ConnectionTrait>(conn: &C) -> Result<(), sea_orm::DbErr> {
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        conn.execute_unprepared("SET LOCAL work_mem = '32MB'").await?;
    }
    Ok(())
}

/// `INSERT INTO job_items … SELECT` of the SKUs a job works on (of `sku_ids` when given), in seller-SKU order.
pub(super) fn items_insert(
    kind: JobKind,
    sku_ids: Option<Vec<Uuid>>,
    tenant: TenantId,
    catalog_id: Uuid,
    id: Uuid,
    now: chrono::DateTime<Utc>,
    rest: Rest<'_>,
) -> Result<sea_orm::sea_query::InsertStatement, StartJobError> {
    let q = targets(kind, sku_ids)
        .select_only()
        .filter(sku::Column::TenantId.eq(tenant.0))
        .filter(sku::Column::CatalogId.eq(catalog_id));
    let (q, state) = match rest {
        Rest::All => (q, ItemState::Pending),
        Rest::SkippedAfter(after) => (q.filter(sku::Column::SellerSku.gt(after)), ItemState::Skipped),
        Rest::PendingAfter(after) => (q.filter(sku::Column::SellerSku.gt(after)), ItemState::Pending),
    };
    let mut select = q.order_by_asc(sku::Column::SellerSku).into_query();
    select
        .clear_selects()
        .expr(Expr::val(tenant.0))
        .expr(Expr::val(id))
        .column((sku::Entity, sku::Column::Id))
        .column((sku::Entity, sku::Column::Gtin14))
        .expr(Expr::val(state.as_str()))
        .expr(Expr::val(0i32))
        .expr(Expr::val(now));
    let insert = Query::insert()
        .into_table(job_item::Entity)
        .columns([
            job_item::Column::TenantId,
            job_item::Column::JobId,
            job_item::Column::SkuId,
            job_item::Column::Gtin14,
            job_item::Column::State,
            job_item::Column::Attempts,
            job_item::Column::UpdatedAt,
        ])
        .select_from(select)
        .map_err(|e| StartJobError::Repo(RepoError::Unexpected(anyhow::anyhow!("job items insert: {e}"))))?
        .to_owned();
    Ok(insert)
}

/// The SKUs a job of `kind` works on (the caller adds the tenant and catalog). `lookup_scan::read` spells out the
/// LOOKUP conditions in SQL of its own: a change here belongs there too.
fn targets(kind: JobKind, sku_ids: Option<Vec<Uuid>>) -> sea_orm::Select<sku::Entity> {
    let q = sku::Entity::find();
    let q = match kind {
        JobKind::Lookup => q
            .filter(sku::Column::ReadinessClass.eq(ReadinessClass::AutoLookupReady.as_str()))
            .filter(sku::Column::Gtin14.is_not_null())
            .filter(sku::Column::Ntin.is_null()),
        JobKind::Submit => {
            let q = q.filter(sku::Column::Ntin.is_null());
            if sku_ids.is_some() {
                q
            } else {
                let awaiting: Vec<&str> = MatchState::ALL.into_iter().filter(|s| s.awaits_decision()).map(MatchState::as_str).collect();
                q.filter(need_card()).filter(not_with_nct()).filter(sku::Column::Id.not_in_subquery(matches_in(&awaiting)))
            }
        }
        JobKind::Match => {
            let q = q.filter(sku::Column::Ntin.is_null()).filter(need_card()).filter(not_with_nct()).filter(sku::Column::NameRu.is_not_null());
            if sku_ids.is_some() {
                q
            } else {
                q.filter(sku::Column::Id.not_in_subquery(matches_in(&[MatchState::Confirmed.as_str(), MatchState::Rejected.as_str()])))
            }
        }
        JobKind::StatusSync => {
            let open = Query::select()
                .column(nct_request::Column::SkuId)
                .from(nct_request::Entity)
                .and_where(nct_request::Column::NctRequestId.is_not_null())
                .and_where(nct_request::Column::NextCheckAt.is_not_null())
                .to_owned();
            q.filter(sku::Column::Id.in_subquery(open))
        }
    };
    match sku_ids {
        Some(ids) => q.filter(sku::Column::Id.is_in(ids)),
        None => q,
    }
}

/// The card is not with NCT: no card status, or one we may still (re)submit.
fn not_with_nct() -> Condition {
    let open = [CardStatus::Draft, CardStatus::Ready, CardStatus::Failed, CardStatus::Rejected, CardStatus::Cancelled];
    Condition::any().add(sku::Column::CardStatus.is_null()).add(sku::Column::CardStatus.is_in(open.map(CardStatus::as_str)))
}

/// SKU ids whose match is in one of `states`.
fn matches_in(states: &[&str]) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(sku_match::Column::SkuId)
        .from(sku_match::Entity)
        .and_where(sku_match::Column::State.is_in(states.iter().copied()))
        .to_owned()
}
