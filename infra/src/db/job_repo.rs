//! Durable registration jobs and their items. Progress counts are always derived from item rows (one
//! `GROUP BY`), so they cannot drift from the truth. Items are claimed with a lease: a worker that dies loses
//! its lease and the items are taken again; a finished item is never processed twice.

use super::entity::{job, job_item, sku};
use super::RepoError;
use domain::sku::NtinSource;
use domain::tenant::TenantId;
use chrono::{DateTime, Utc};
use domain::job::{ItemState, JobKind, JobState};
use sea_orm::sea_query::{Expr, ExprTrait as _, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::time::Duration;
use uuid::Uuid;

/// A job as the rest of the system sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub catalog_id: Uuid,
    pub kind: JobKind,
    pub state: JobState,
    pub idempotency_key: Option<String>,
    pub total: i64,
    pub cancel_requested: bool,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<job::Model> for Job {
    fn from(m: job::Model) -> Self {
        Self {
            id: m.id,
            tenant_id: TenantId(m.tenant_id),
            catalog_id: m.catalog_id,
            kind: JobKind::parse(&m.kind).unwrap_or(JobKind::Lookup),
            state: JobState::parse(&m.state).unwrap_or(JobState::Failed),
            idempotency_key: m.idempotency_key,
            total: m.total,
            cancel_requested: m.cancel_requested,
            last_error: m.last_error,
            created_at: m.created_at,
            started_at: m.started_at,
            finished_at: m.finished_at,
        }
    }
}

/// Counts derived from the items.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: u64,
    /// Items in a final state.
    pub processed: u64,
    pub found: u64,
    pub ambiguous: u64,
    pub not_found: u64,
    pub failed: u64,
    pub skipped: u64,
}

/// A claimed item.
#[derive(Clone, Debug)]
pub struct ClaimedItem {
    pub id: i64,
    pub sku_id: Uuid,
    pub gtin14: Option<String>,
    pub attempts: i32,
}

/// Job repository.
#[derive(Clone)]
pub struct JobRepo {
    db: DatabaseConnection,
    /// Who this repository claims items as (one ID per worker): only the lease holder renews or finishes an
    /// item, so an item whose lease passed to another replica is never finished twice.
    owner: Uuid,
}

impl JobRepo {
    /// Wraps a connection, with a lease-holder ID of its own.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db, owner: Uuid::new_v4() }
    }

    /// The lease-holder ID of this repository.
    pub fn owner(&self) -> Uuid {
        self.owner
    }

    /// The connection (the card jobs build their repository on it).
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// One job of this tenant.
    pub async fn get(&self, tenant: TenantId, id: Uuid) -> Result<Option<Job>, RepoError> {
        Ok(job::Entity::find_by_id(id)
            .filter(job::Column::TenantId.eq(tenant.0))
            .one(&self.db)
            .await?
            .map(Into::into))
    }

    /// Recent jobs of this tenant, newest first.
    pub async fn list(&self, tenant: TenantId, limit: u64) -> Result<Vec<Job>, RepoError> {
        Ok(job::Entity::find()
            .filter(job::Column::TenantId.eq(tenant.0))
            .order_by_desc(job::Column::CreatedAt)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Progress from the item rows.
    pub async fn progress(&self, job_id: Uuid) -> Result<Progress, RepoError> {
        let rows: Vec<(String, Option<String>, i64)> = job_item::Entity::find()
            .select_only()
            .column(job_item::Column::State)
            .column(job_item::Column::Outcome)
            .column_as(job_item::Column::Id.count(), "n")
            .filter(job_item::Column::JobId.eq(job_id))
            .group_by(job_item::Column::State)
            .group_by(job_item::Column::Outcome)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut p = Progress::default();
        for (state, outcome, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            p.total += n;
            match ItemState::parse(&state) {
                Some(ItemState::Pending) | None => {}
                Some(ItemState::Failed) => {
                    p.processed += n;
                    p.failed += n;
                }
                Some(ItemState::Skipped) => {
                    p.processed += n;
                    p.skipped += n;
                }
                Some(ItemState::Done) => {
                    p.processed += n;
                    match outcome.as_deref() {
                        Some("FOUND") => p.found += n,
                        Some("AMBIGUOUS") => p.ambiguous += n,
                        Some("NOT_FOUND") => p.not_found += n,
                        _ => {}
                    }
                }
            }
        }
        Ok(p)
    }

    /// Jobs that still have work, chosen fairly across tenants: at most `per_tenant` of each tenant (its
    /// oldest), interleaved round-robin (every tenant's first job, then every tenant's second, …), at most
    /// `limit` in all. A tenant with 200 queued jobs cannot push another tenant's job out of the round.
    pub async fn runnable_fair(&self, per_tenant: usize, limit: usize) -> Result<Vec<Job>, RepoError> {
        // Constants only: no user input reaches this text. Window functions: PostgreSQL, SQLite ≥ 3.25.
        let sql = format!(
            "SELECT * FROM (SELECT j.*, ROW_NUMBER() OVER (PARTITION BY j.tenant_id ORDER BY j.created_at, j.id) AS rn \
             FROM jobs j WHERE j.state IN ('{q}', '{r}')) ranked WHERE rn <= {per_tenant} ORDER BY rn, created_at, id LIMIT {limit}",
            q = JobState::Queued.as_str(),
            r = JobState::Running.as_str(),
        );
        let backend = self.db.get_database_backend();
        Ok(job::Entity::find()
            .from_raw_sql(sea_orm::Statement::from_string(backend, sql))
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Jobs that still have work: queued or running, oldest first, two per tenant (see [`JobRepo::runnable_fair`]).
    pub async fn runnable(&self) -> Result<Vec<Job>, RepoError> {
        self.runnable_fair(2, 200).await
    }

    /// Moves a job to `to` through the domain state machine. Returns the updated job, or `None` when the
    /// transition is not allowed from its current state (e.g. it was cancelled meanwhile).
    pub async fn transition(&self, id: Uuid, to: JobState, last_error: Option<String>) -> Result<Option<Job>, RepoError> {
        let Some(m) = job::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        let from = JobState::parse(&m.state).unwrap_or(JobState::Failed);
        if from == to || from.transition(to).is_err() {
            return Ok(None);
        }
        let now = Utc::now();
        let mut am: job::ActiveModel = m.into();
        am.state = Set(to.as_str().to_owned());
        am.updated_at = Set(now);
        if to == JobState::Running {
            am.started_at = Set(Some(now));
        }
        if to.is_final() {
            am.finished_at = Set(Some(now));
        }
        if last_error.is_some() {
            am.last_error = Set(last_error);
        }
        // Only move it if nobody else moved it first.
        let res = job::Entity::update_many()
            .set(am)
            .filter(job::Column::Id.eq(id))
            .filter(job::Column::State.eq(from.as_str()))
            .exec(&self.db)
            .await?;
        if res.rows_affected == 0 {
            return Ok(None);
        }
        Ok(job::Entity::find_by_id(id).one(&self.db).await?.map(Into::into))
    }

    /// Asks a job to stop; the worker finishes it as cancelled. `false` when the job is already final.
    pub async fn request_cancel(&self, tenant: TenantId, id: Uuid) -> Result<bool, RepoError> {
        let m = job::Entity::find_by_id(id)
            .filter(job::Column::TenantId.eq(tenant.0))
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        if JobState::parse(&m.state).is_none_or(JobState::is_final) {
            return Ok(false);
        }
        let mut am: job::ActiveModel = m.into();
        am.cancel_requested = Set(true);
        am.updated_at = Set(Utc::now());
        am.update(&self.db).await?;
        Ok(true)
    }

    /// Marks every pending item of a job skipped (cancellation).
    pub async fn skip_pending(&self, job_id: Uuid) -> Result<u64, RepoError> {
        let r = job_item::Entity::update_many()
            .col_expr(job_item::Column::State, Expr::value(ItemState::Skipped.as_str()))
            .col_expr(job_item::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(job_item::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(job_item::Column::JobId.eq(job_id))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected)
    }

    /// Whether the job still has pending items (leased or not).
    pub async fn has_pending(&self, job_id: Uuid) -> Result<bool, RepoError> {
        Ok(job_item::Entity::find()
            .filter(job_item::Column::JobId.eq(job_id))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .one(&self.db)
            .await?
            .is_some())
    }

    /// Claims up to `n` pending items whose lease is free or expired, leasing them for `lease`.
    pub async fn claim(&self, job_id: Uuid, n: u64, lease: Duration) -> Result<Vec<ClaimedItem>, RepoError> {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
        let txn = super::begin_write(&self.db).await?;
        let mut q = job_item::Entity::find()
            .filter(job_item::Column::JobId.eq(job_id))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .filter(
                Condition::any()
                    .add(job_item::Column::LeasedUntil.is_null())
                    .add(job_item::Column::LeasedUntil.lt(now)),
            )
            .order_by_asc(job_item::Column::Id)
            .limit(n);
        if txn.get_database_backend() == DbBackend::Postgres {
            q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let items = q.all(&txn).await?;
        if !items.is_empty() {
            job_item::Entity::update_many()
                .col_expr(job_item::Column::LeasedUntil, Expr::value(until))
                .col_expr(job_item::Column::LeaseOwner, Expr::value(self.owner))
                .col_expr(job_item::Column::Attempts, Expr::col(job_item::Column::Attempts).add(1))
                .filter(job_item::Column::Id.is_in(items.iter().map(|i| i.id).collect::<Vec<_>>()))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(items
            .into_iter()
            .map(|m| ClaimedItem { id: m.id, sku_id: m.sku_id, gtin14: m.gtin14, attempts: m.attempts + 1 })
            .collect())
    }

    /// Gives leased items back (e.g. the key turned out invalid), so a later run takes them.
    pub async fn release(&self, ids: &[i64]) -> Result<(), RepoError> {
        if ids.is_empty() {
            return Ok(());
        }
        job_item::Entity::update_many()
            .col_expr(job_item::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(job_item::Column::LeaseOwner, Expr::value(Option::<Uuid>::None))
            .filter(job_item::Column::Id.is_in(ids.to_vec()))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .filter(job_item::Column::LeaseOwner.eq(self.owner))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Extends the leases this repository still holds among `ids` (pending items only) to `lease` from now.
    /// Returns how many it still holds: fewer than asked means another worker took some over.
    pub async fn renew(&self, ids: &[i64], lease: Duration) -> Result<u64, RepoError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let until = Utc::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
        let r = job_item::Entity::update_many()
            .col_expr(job_item::Column::LeasedUntil, Expr::value(until))
            .filter(job_item::Column::Id.is_in(ids.to_vec()))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .filter(job_item::Column::LeaseOwner.eq(self.owner))
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected)
    }

    /// Finishes many lookup items in one transaction, with set-based updates (a warm batch of 1,000 costs a
    /// handful of statements, not three per item). Items no longer pending are left alone. Returns how many
    /// were finished now.
    pub async fn finish_lookup_items(
        &self,
        tenant: TenantId,
        results: Vec<(ClaimedItem, LookupItemResult)>,
    ) -> Result<u64, RepoError> {
        if results.is_empty() {
            return Ok(0);
        }
        let txn = super::begin_write(&self.db).await?;
        let backend = txn.get_database_backend();
        // Only items still pending are finished (another worker may have been first).
        let ids: Vec<i64> = results.iter().map(|(i, _)| i.id).collect();
        let mut pending = std::collections::HashSet::new();
        for chunk in ids.chunks(900) {
            let found: Vec<i64> = job_item::Entity::find()
                .select_only()
                .column(job_item::Column::Id)
                .filter(job_item::Column::Id.is_in(chunk.to_vec()))
                .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
                .into_tuple()
                .all(&txn)
                .await?;
            pending.extend(found);
        }
        let now = Utc::now();
        let mut found = Vec::new();
        let mut ambiguous = Vec::new();
        let mut not_found = Vec::new();
        let mut failed = Vec::new();
        for (item, r) in results.into_iter().filter(|(i, _)| pending.contains(&i.id)) {
            match r {
                LookupItemResult::Found { ntin, candidates } => found.push((item, ntin, candidates.to_string())),
                LookupItemResult::Ambiguous { candidates } => ambiguous.push((item, candidates.to_string())),
                LookupItemResult::NotFound => not_found.push(item),
                LookupItemResult::Failed { error } => failed.push((item, error)),
            }
        }
        let done = (found.len() + ambiguous.len() + not_found.len() + failed.len()) as u64;
        // Job items, one statement per outcome and chunk.
        for (outcome, ids) in [
            ("FOUND", found.iter().map(|(i, _, _)| i.id).collect::<Vec<_>>()),
            ("AMBIGUOUS", ambiguous.iter().map(|(i, _)| i.id).collect()),
            ("NOT_FOUND", not_found.iter().map(|i| i.id).collect()),
        ] {
            for chunk in ids.chunks(900) {
                job_item::Entity::update_many()
                    .col_expr(job_item::Column::State, Expr::value(ItemState::Done.as_str()))
                    .col_expr(job_item::Column::Outcome, Expr::value(outcome))
                    .col_expr(job_item::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
                    .col_expr(job_item::Column::UpdatedAt, Expr::value(now))
                    .filter(job_item::Column::Id.is_in(chunk.to_vec()))
                    .exec(&txn)
                    .await?;
            }
        }
        for (item, error) in &failed {
            job_item::Entity::update_many()
                .col_expr(job_item::Column::State, Expr::value(ItemState::Failed.as_str()))
                .col_expr(job_item::Column::Error, Expr::value(error.clone()))
                .col_expr(job_item::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(job_item::Column::UpdatedAt, Expr::value(now))
                .filter(job_item::Column::Id.eq(item.id))
                .exec(&txn)
                .await?;
        }
        // SKUs. A NTIN set by hand meanwhile wins: `ntin` is only filled where it is still empty, and the
        // CASE expressions read the row's old `ntin` (SQL evaluates SET against the old row).
        for chunk in found.chunks(100) {
            let (mut ntin_case, mut ntin_vals) = (String::from("COALESCE(ntin, CASE id"), Vec::new());
            let (mut cand_case, mut cand_vals) = (String::from("CASE id"), Vec::new());
            // Placeholders: `$n` (1-based within the expression) on PostgreSQL, `?` elsewhere.
            let ph = |n: usize| if backend == DbBackend::Postgres { format!("${n}") } else { "?".to_owned() };
            for (item, ntin, cand) in chunk {
                let n = ntin_vals.len();
                ntin_case.push_str(&format!(" WHEN {} THEN {}", ph(n + 1), ph(n + 2)));
                ntin_vals.extend([sea_orm::Value::from(item.sku_id), sea_orm::Value::from(ntin.clone())]);
                cand_case.push_str(&format!(" WHEN {} THEN {}", ph(n + 1), ph(n + 2)));
                cand_vals.extend([sea_orm::Value::from(item.sku_id), sea_orm::Value::from(cand.clone())]);
            }
            ntin_case.push_str(" END)");
            cand_case.push_str(" END");
            let when_empty = |col: &str, v: &str| Expr::cust(format!("CASE WHEN ntin IS NULL THEN {v} ELSE {col} END"));
            sku::Entity::update_many()
                .col_expr(sku::Column::Ntin, Expr::cust_with_values(ntin_case, ntin_vals))
                .col_expr(sku::Column::NtinSource, when_empty("ntin_source", &format!("'{}'", NtinSource::Lookup.as_str())))
                .col_expr(sku::Column::ReadinessClass, when_empty("readiness_class", "'HAS_NTIN'"))
                .col_expr(sku::Column::ReadinessReason, when_empty("readiness_reason", "NULL"))
                .col_expr(sku::Column::ReadinessMessage, when_empty("readiness_message", "NULL"))
                .col_expr(sku::Column::LookupState, Expr::value("FOUND"))
                .col_expr(sku::Column::LookupCandidates, Expr::cust_with_values(cand_case, cand_vals))
                .col_expr(sku::Column::LookedUpAt, Expr::value(now))
                .col_expr(sku::Column::UpdatedAt, Expr::value(now))
                .filter(tenant_guard(backend, tenant))
                .filter(sku::Column::Id.is_in(chunk.iter().map(|(i, _, _)| i.sku_id).collect::<Vec<_>>()))
                .exec(&txn)
                .await?;
        }
        for (item, cand) in &ambiguous {
            sku::Entity::update_many()
                .col_expr(sku::Column::LookupState, Expr::value("AMBIGUOUS"))
                .col_expr(sku::Column::LookupCandidates, Expr::value(cand.clone()))
                .col_expr(sku::Column::LookedUpAt, Expr::value(now))
                .col_expr(sku::Column::UpdatedAt, Expr::value(now))
                .filter(tenant_guard(backend, tenant))
                .filter(sku::Column::Id.eq(item.sku_id))
                .exec(&txn)
                .await?;
        }
        for (state, skus) in [
            ("NOT_FOUND", not_found.iter().map(|i| i.sku_id).collect::<Vec<_>>()),
            ("FAILED", failed.iter().map(|(i, _)| i.sku_id).collect()),
        ] {
            for chunk in skus.chunks(900) {
                let mut q = sku::Entity::update_many()
                    .col_expr(sku::Column::LookupState, Expr::value(state))
                    .col_expr(sku::Column::LookedUpAt, Expr::value(now))
                    .col_expr(sku::Column::UpdatedAt, Expr::value(now));
                if state == "NOT_FOUND" {
                    q = q.col_expr(sku::Column::LookupCandidates, Expr::value(Option::<String>::None));
                }
                q.filter(tenant_guard(backend, tenant))
                    .filter(sku::Column::Id.is_in(chunk.to_vec()))
                    .exec(&txn)
                    .await?;
            }
        }
        txn.commit().await?;
        Ok(done)
    }
}

/// `tenant_id = ?` that does not steer the query planner: on SQLite, without statistics, an equality on
/// the tenant index looks more selective than `id IN (…)` on the primary key, and a bulk update would scan
/// every SKU of the tenant. A unary `+` keeps the condition but takes the index out of the plan.
fn tenant_guard(backend: DbBackend, tenant: TenantId) -> sea_orm::sea_query::SimpleExpr {
    match backend {
        DbBackend::Sqlite => Expr::cust_with_values("+tenant_id = ?", [sea_orm::Value::from(tenant.0)]),
        _ => Expr::col((sku::Entity, sku::Column::TenantId)).eq(tenant.0),
    }
}

/// The result of looking up one item.
#[derive(Clone, Debug)]
pub enum LookupItemResult {
    /// Exactly one card: its NTIN is stored (source LOOKUP).
    Found {
        /// The NTIN.
        ntin: String,
        /// The card, as JSON, for the record.
        candidates: serde_json::Value,
    },
    /// Several cards: a person must choose (`chooseNtin`); the system never guesses.
    Ambiguous {
        /// The candidate cards, as JSON.
        candidates: serde_json::Value,
    },
    /// No card for this GTIN.
    NotFound,
    /// Permanent failure after retries; the message is safe to show.
    Failed {
        /// Why.
        error: String,
    },
}

impl JobRepo {
    /// Finishes an item of a card job (`Done` with an outcome, or `Failed` with an error). A no-op (`false`) when
    /// the item is already final or its lease is no longer this repository's.
    pub async fn finish_item(&self, item_id: i64, state: ItemState, outcome: Option<&str>, error: Option<String>) -> Result<bool, RepoError> {
        let r = job_item::Entity::update_many()
            .col_expr(job_item::Column::State, Expr::value(state.as_str()))
            .col_expr(job_item::Column::Outcome, Expr::value(outcome.map(str::to_owned)))
            .col_expr(job_item::Column::Error, Expr::value(error))
            .col_expr(job_item::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(job_item::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(job_item::Column::Id.eq(item_id))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .filter(job_item::Column::LeaseOwner.eq(self.owner))
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected > 0)
    }

    /// Keeps an item pending but out of reach until `until` (the lease doubles as "poll again at").
    pub async fn defer_item(&self, item_id: i64, until: DateTime<Utc>) -> Result<(), RepoError> {
        job_item::Entity::update_many()
            .col_expr(job_item::Column::LeasedUntil, Expr::value(until))
            .filter(job_item::Column::Id.eq(item_id))
            .filter(job_item::Column::LeaseOwner.eq(self.owner))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Gives back every lease (a single process at start: leases of a killed run are stale).
    pub async fn release_all_leases(&self) -> Result<u64, RepoError> {
        let r = job_item::Entity::update_many()
            .col_expr(job_item::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .filter(job_item::Column::LeasedUntil.is_not_null())
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected)
    }
}
