//! Durable registration jobs and their items. Progress counts live on the job row and are added to in the
//! transaction that finishes items ([`super::job_progress`]). Items are claimed with a lease: a worker that
//! dies loses its lease and the items are taken again; a finished item is never processed (or counted) twice.

use super::entity::{job, job_item, sku};
use super::RepoError;
use super::job_progress::{self, ProgressDelta};
pub use super::job_progress::Progress;
use domain::sku::NtinSource;
use domain::tenant::TenantId;
use chrono::{DateTime, Utc};
use domain::job::{ItemState, JobKind, JobState};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
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
    /// Counts, from the row's counters.
    pub progress: Progress,
    /// Where a catalog-wide LOOKUP job's scan is (the last seller SKU it took; `Some("")` before the first);
    /// `None` when the job does not scan or its scan is over ([`super::lookup_scan`]).
    pub scan_after: Option<String>,
}

impl From<job::Model> for Job {
    fn from(m: job::Model) -> Self {
        Self {
            progress: Progress::from(&m),
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
            scan_after: m.scan_after,
        }
    }
}

/// A claimed item.
#[derive(Clone, Debug)]
pub struct ClaimedItem {
    pub id: i64,
    /// The job it belongs to (whose counters its finishing adds to).
    pub job_id: Uuid,
    pub sku_id: Uuid,
    pub gtin14: Option<String>,
    pub attempts: i32,
}

/// How the items handed to [`JobRepo::finish_lookup_items`] are held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// Claimed (leased) by this repository.
    Claimed,
    /// Seen with [`JobRepo::peek`], not claimed: each is taken and finished in one write, where it is still
    /// pending and no other worker holds its lease (its attempts and lease owner read as if claimed).
    Unclaimed,
}

/// Item IDs per spelled-out `IN (…)` list.
const ID_LIST: usize = 5_000;

fn claimed_item(r: &sea_orm::QueryResult) -> Result<ClaimedItem, sea_orm::DbErr> {
    Ok(ClaimedItem {
        id: r.try_get("", "id")?,
        job_id: r.try_get("", "job_id")?,
        sku_id: r.try_get("", "sku_id")?,
        gtin14: r.try_get("", "gtin14")?,
        attempts: r.try_get("", "attempts")?,
    })
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

    /// Progress derived from the item rows (a check of the counters; reads use [`Job::progress`]).
    pub async fn recount(&self, job_id: Uuid) -> Result<Progress, RepoError> {
        job_progress::recount(&self.db, job_id).await
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
        // Only move it if nobody else moved it first. A final state and its `job.finished` webhook event
        // commit together.
        let txn = super::begin_write(&self.db).await?;
        let res = job::Entity::update_many()
            .set(am)
            .filter(job::Column::Id.eq(id))
            .filter(job::Column::State.eq(from.as_str()))
            .exec(&txn)
            .await?;
        if res.rows_affected == 0 {
            return Ok(None);
        }
        let job: Option<Job> = job::Entity::find_by_id(id).one(&txn).await?.map(Into::into);
        if to.is_final()
            && let Some(j) = &job
        {
            crate::webhooks::events::job_finished(&txn, j).await?;
        }
        txn.commit().await?;
        Ok(job)
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

    /// Marks every pending item of a job skipped (cancellation), counting them in the same transaction; a
    /// scan not over yet ends, and the SKUs it has not reached are skipped too.
    pub async fn skip_pending(&self, job: &Job) -> Result<u64, RepoError> {
        let job_id = job.id;
        let txn = super::begin_write(&self.db).await?;
        let rest = super::lookup_scan::stop(&txn, job).await?;
        let r = job_item::Entity::update_many()
            .col_expr(job_item::Column::State, Expr::value(ItemState::Skipped.as_str()))
            .col_expr(job_item::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(job_item::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(job_item::Column::JobId.eq(job_id))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .exec(&txn)
            .await?;
        job_progress::add(&txn, job_id, ProgressDelta::of(ItemState::Skipped, None, r.rows_affected)).await?;
        txn.commit().await?;
        Ok(r.rows_affected + rest)
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

    /// Claims up to `n` pending items whose lease is free or expired, leasing them for `lease`: one statement
    /// (`UPDATE … WHERE id IN (SELECT … ORDER BY id LIMIT n) RETURNING …`; on PostgreSQL the inner select
    /// skips rows another worker is claiming, so replicas never claim the same item).
    pub async fn claim(&self, job_id: Uuid, n: u64, lease: Duration) -> Result<Vec<ClaimedItem>, RepoError> {
        let backend = self.db.get_database_backend();
        let p = |i| super::bulk::ph(backend, i);
        // Placeholders 1 to 3 are the lease's (see `claim_where`).
        let pick = format!("job_id = {} ORDER BY id LIMIT {}", p(4), p(5));
        let extra = [sea_orm::Value::from(job_id), sea_orm::Value::from(i64::try_from(n).unwrap_or(i64::MAX))];
        self.claim_where(&pick, extra, lease).await
    }

    /// Claims those of `ids` that are still pending with a free or expired lease (the misses of a batch seen
    /// with [`JobRepo::peek`]), like [`JobRepo::claim`].
    pub async fn claim_ids(&self, ids: &[i64], lease: Duration) -> Result<Vec<ClaimedItem>, RepoError> {
        let mut items = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ID_LIST) {
            // Integers from the database only: the list is spelled out, whatever the backend's parameter limit.
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            items.extend(self.claim_where(&format!("id IN ({list})"), [], lease).await?);
        }
        items.sort_unstable_by_key(|i| i.id);
        Ok(items)
    }

    /// `UPDATE … WHERE id IN (SELECT id … WHERE <pending, lease free> AND <pick>)`, leasing the rows to this
    /// repository; `pick` continues the inner `WHERE` with placeholders from 4 on, bound to `extra`.
    async fn claim_where<const N: usize>(&self, pick: &str, extra: [sea_orm::Value; N], lease: Duration) -> Result<Vec<ClaimedItem>, RepoError> {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
        let backend = self.db.get_database_backend();
        let p = |i| super::bulk::ph(backend, i);
        let lock = if backend == DbBackend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
        let pending = ItemState::Pending.as_str();
        // Placeholders in text order: the lease (until, owner), then `now`, then `pick`'s.
        let sql = format!(
            "UPDATE job_items SET leased_until = {}, lease_owner = {}, attempts = attempts + 1 WHERE id IN (\
             SELECT id FROM job_items WHERE state = '{pending}' AND (leased_until IS NULL OR leased_until < {}) AND {pick}{lock}) \
             RETURNING id, job_id, sku_id, gtin14, attempts",
            p(1), p(2), p(3)
        );
        let mut values = vec![sea_orm::Value::from(until), sea_orm::Value::from(self.owner), sea_orm::Value::from(now)];
        values.extend(extra);
        let rows = self.db.query_all_raw(sea_orm::Statement::from_sql_and_values(backend, sql, values)).await?;
        let mut items = rows.iter().map(claimed_item).collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
        // RETURNING promises no order; the batch is worked in claim (seller SKU) order.
        items.sort_unstable_by_key(|i| i.id);
        Ok(items)
    }

    /// Up to `n` pending items of a job whose lease is free or expired, in claim order, without claiming
    /// them: a lookup batch answered from the cache is then finished in one write per item
    /// ([`Held::Unclaimed`]), and only its misses are claimed ([`JobRepo::claim_ids`]).
    pub async fn peek(&self, job_id: Uuid, n: u64) -> Result<Vec<ClaimedItem>, RepoError> {
        self.peek_from(job_id, n, None).await
    }

    /// [`JobRepo::peek`] of the items after item `after` in claim order: a reader that works ahead of its
    /// own uncommitted writes (whose items still read as pending) does not see them again.
    pub async fn peek_after(&self, job_id: Uuid, n: u64, after: i64) -> Result<Vec<ClaimedItem>, RepoError> {
        self.peek_from(job_id, n, Some(after)).await
    }

    async fn peek_from(&self, job_id: Uuid, n: u64, after: Option<i64>) -> Result<Vec<ClaimedItem>, RepoError> {
        let backend = self.db.get_database_backend();
        let p = |i| super::bulk::ph(backend, i);
        // Placeholders in text order (SQLite numbers them so): the job, `now`, the cursor, the limit.
        let (from, limit) = if after.is_some() { (format!(" AND id > {}", p(3)), p(4)) } else { (String::new(), p(3)) };
        let sql = format!(
            "SELECT id, job_id, sku_id, gtin14, attempts FROM job_items WHERE job_id = {} AND state = '{}' \
             AND (leased_until IS NULL OR leased_until < {}){from} ORDER BY id LIMIT {limit}",
            p(1),
            ItemState::Pending.as_str(),
            p(2),
        );
        let mut values = vec![sea_orm::Value::from(job_id), sea_orm::Value::from(Utc::now())];
        values.extend(after.map(sea_orm::Value::from));
        values.push(sea_orm::Value::from(i64::try_from(n).unwrap_or(i64::MAX)));
        let rows = self.db.query_all_raw(sea_orm::Statement::from_sql_and_values(backend, sql, values)).await?;
        Ok(rows.iter().map(claimed_item).collect::<Result<Vec<_>, sea_orm::DbErr>>()?)
    }

    /// Up to `n` SKUs of a catalog-wide lookup's scan after seller SKU `after` ([`super::lookup_scan::read`]).
    pub async fn scan_read(&self, job: &Job, after: &str, n: u64) -> Result<super::lookup_scan::ScanBatch, RepoError> {
        super::lookup_scan::read(&self.db, job, after, n).await
    }

    /// Takes the scan of `job_id` for `lease`, or renews it: `false` while another worker holds it and its lease
    /// has not passed (or when the job does not scan). Only the lease holder reads and writes the scan's
    /// batches, so replicas do not write the same batch, one of them only to roll back; the scan's cursor
    /// alone keeps a batch from being written twice, lease or not.
    ///
    /// # Errors
    /// The database.
    pub async fn take_scan(&self, job_id: Uuid, lease: Duration) -> Result<bool, RepoError> {
        use sea_orm::Condition;
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
        let r = job::Entity::update_many()
            .col_expr(job::Column::ScanOwner, Expr::value(self.owner))
            .col_expr(job::Column::ScanLeasedUntil, Expr::value(until))
            .filter(job::Column::Id.eq(job_id))
            .filter(job::Column::ScanAfter.is_not_null())
            .filter(
                Condition::any()
                    .add(job::Column::ScanOwner.is_null())
                    .add(job::Column::ScanOwner.eq(self.owner))
                    .add(job::Column::ScanLeasedUntil.is_null())
                    .add(job::Column::ScanLeasedUntil.lt(now)),
            )
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected == 1)
    }

    /// Writes a part of a scan ([`super::lookup_scan::write`]); `false` when the scan had moved on.
    pub async fn scan_write(&self, job: &Job, part: super::lookup_scan::ScanWrite) -> Result<bool, RepoError> {
        super::lookup_scan::write(&self.db, job, part).await
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

    /// Finishes many lookup items of one job in one transaction with set-based writes (a warm batch of
    /// thousands costs two statements, see [`super::lookup_write`]) and adds them to the job's counters. Items
    /// no longer pending are left alone (another worker may have been first), and so are [`Held::Unclaimed`]
    /// items whose lease another worker holds. Returns how many were finished now.
    pub async fn finish_lookup_items(
        &self,
        tenant: TenantId,
        results: Vec<(ClaimedItem, LookupItemResult)>,
        held: Held,
    ) -> Result<u64, RepoError> {
        use super::lookup_write::{finish_items, relaxed_commit, write_skus};
        if results.is_empty() {
            return Ok(0);
        }
        let job_id = results[0].0.job_id;
        debug_assert!(results.iter().all(|(i, _)| i.job_id == job_id), "items of one job");
        let now = Utc::now();
        let txn = super::begin_write(&self.db).await?;
        relaxed_commit(&txn).await?;
        // The items first: only those still pending count, and only their SKUs are written.
        let take = (held == Held::Unclaimed).then_some(self.owner);
        let finished = finish_items(&txn, &results, now, take).await?;
        let results: Vec<(ClaimedItem, LookupItemResult)> =
            results.into_iter().filter(|(i, _)| finished.contains(&i.id)).collect();
        // The SKUs that get their NTIN now (still without one), for the `ntin.assigned` webhook event: read
        // before the SKUs are written.
        let assigned = newly_assigned(&txn, tenant, &results).await?;
        write_skus(&txn, tenant, &results, now).await?;
        crate::webhooks::events::ntin_assigned(&txn, tenant, &assigned).await?;
        // The job's counters, in this transaction (only the items this transaction moved count), last: the
        // job row is the one row concurrent batches of a job share, so it is locked only just before commit.
        let counted: ProgressDelta = results.iter().map(|(_, r)| r.progress_delta()).sum();
        job_progress::add(&txn, job_id, counted).await?;
        txn.commit().await?;
        Ok(results.len() as u64)
    }
}

/// Of the found items, the SKUs that still have no NTIN (they get it in this transaction), when an endpoint
/// listens for `ntin.assigned`; otherwise nothing is read.
pub(super) async fn newly_assigned<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    results: &[(ClaimedItem, LookupItemResult)],
) -> Result<Vec<crate::webhooks::events::NtinAssignment>, RepoError> {
    use domain::webhook::EventType;
    let found: Vec<(Uuid, &str)> = results
        .iter()
        .filter_map(|(i, r)| match r {
            LookupItemResult::Found { ntin, .. } => Some((i.sku_id, ntin.as_str())),
            _ => None,
        })
        .collect();
    if found.is_empty() || !crate::webhooks::outbox::subscribed(conn, tenant, EventType::NtinAssigned).await? {
        return Ok(Vec::new());
    }
    let ntins: std::collections::HashMap<Uuid, &str> = found.iter().copied().collect();
    let mut out = Vec::new();
    for chunk in found.chunks(900) {
        let rows: Vec<(Uuid, String, Uuid)> = sku::Entity::find()
            .select_only()
            .column(sku::Column::Id)
            .column(sku::Column::SellerSku)
            .column(sku::Column::CatalogId)
            .filter(sku::Column::TenantId.eq(tenant.0))
            .filter(sku::Column::Id.is_in(chunk.iter().map(|(id, _)| *id).collect::<Vec<_>>()))
            .filter(sku::Column::Ntin.is_null())
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows.into_iter().filter_map(|(sku_id, seller_sku, catalog_id)| {
            Some(crate::webhooks::events::NtinAssignment {
                sku_id,
                seller_sku,
                catalog_id,
                ntin: (*ntins.get(&sku_id)?).to_owned(),
                source: NtinSource::Lookup,
            })
        }));
    }
    Ok(out)
}

/// The result of looking up one item.
#[derive(Clone, Debug)]
pub enum LookupItemResult {
    /// Exactly one card: its NTIN is stored (source LOOKUP).
    Found {
        /// The NTIN.
        ntin: String,
        /// The card, as JSON text (an array of one), for the record.
        candidates: String,
    },
    /// Several cards: a person must choose (`chooseNtin`); the system never guesses.
    Ambiguous {
        /// The candidate cards, as JSON text (an array).
        candidates: String,
    },
    /// No card for this GTIN.
    NotFound,
    /// Permanent failure after retries; the message is safe to show.
    Failed {
        /// Why.
        error: String,
    },
}

impl LookupItemResult {
    /// What finishing an item with this result adds to its job's counters.
    #[must_use]
    pub fn progress_delta(&self) -> ProgressDelta {
        let (state, outcome, _) = super::lookup_write::item_fields(self);
        ProgressDelta::of(state, outcome, 1)
    }
}

impl JobRepo {
    /// Finishes an item of a card job (`Done` with an outcome, or `Failed` with an error) and counts it on its
    /// job, in one transaction. A no-op (`false`) when the item is already final or its lease is no longer
    /// this repository's.
    pub async fn finish_item(&self, item: &ClaimedItem, state: ItemState, outcome: Option<&str>, error: Option<String>) -> Result<bool, RepoError> {
        let txn = super::begin_write(&self.db).await?;
        let r = job_item::Entity::update_many()
            .col_expr(job_item::Column::State, Expr::value(state.as_str()))
            .col_expr(job_item::Column::Outcome, Expr::value(outcome.map(str::to_owned)))
            .col_expr(job_item::Column::Error, Expr::value(error))
            .col_expr(job_item::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(job_item::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(job_item::Column::Id.eq(item.id))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .filter(job_item::Column::LeaseOwner.eq(self.owner))
            .exec(&txn)
            .await?;
        job_progress::add(&txn, item.job_id, ProgressDelta::of(state, outcome, r.rows_affected)).await?;
        txn.commit().await?;
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

    /// Gives back every lease, of items and of scans (a single process at start: leases of a killed run are
    /// stale). Returns the items'.
    pub async fn release_all_leases(&self) -> Result<u64, RepoError> {
        let r = job_item::Entity::update_many()
            .col_expr(job_item::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .filter(job_item::Column::LeasedUntil.is_not_null())
            .exec(&self.db)
            .await?;
        job::Entity::update_many()
            .col_expr(job::Column::ScanOwner, Expr::value(Option::<Uuid>::None))
            .col_expr(job::Column::ScanLeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(job::Column::ScanOwner.is_not_null())
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected)
    }
}
