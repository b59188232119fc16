//! `jobs`: durable registration jobs.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub catalog_id: Uuid,
    pub kind: String,
    pub state: String,
    pub idempotency_key: Option<String>,
    pub input_hash: Option<String>,
    pub total: i64,
    /// Items in a final state (kept current by the worker; see `job_progress`).
    pub processed: i64,
    pub found: i64,
    pub ambiguous: i64,
    pub not_found: i64,
    pub failed: i64,
    pub skipped: i64,
    pub cancel_requested: bool,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// The last seller SKU a catalog-wide LOOKUP job's scan took (`''` before the first); `None` when the job
    /// does not scan or its scan is over (see `db::lookup_scan`).
    pub scan_after: Option<String>,
    /// SKUs the scan took (the job's `total` once the scan is over).
    pub scanned: i64,
    /// SKUs the scan answered from the cache, by outcome: they have no item (see `db::lookup_scan`).
    pub scan_found: i64,
    pub scan_ambiguous: i64,
    pub scan_not_found: i64,
    /// The worker that scans the job, and until when ([`crate::db::job_repo::JobRepo::take_scan`]).
    pub scan_owner: Option<Uuid>,
    pub scan_leased_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
