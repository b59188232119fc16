//! `catalog_source_pulls`: the history of a source, one row per pull.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_source_pulls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub source_id: Uuid,
    pub catalog_id: Uuid,
    /// `domain::feed::PullTrigger` wire name.
    pub trigger: String,
    /// `domain::feed::PullOutcome` wire name.
    pub outcome: String,
    pub started_at: DateTimeUtc,
    pub finished_at: DateTimeUtc,
    pub http_status: Option<i32>,
    pub bytes: Option<i64>,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub removed: i64,
    pub restored: i64,
    pub rejected: i64,
    /// JSON array of the first row errors `{row, code, message}`.
    pub row_errors: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// `PENDING` (a lookup follow-up is owed), `STARTED`, or `None`.
    pub follow_up: Option<String>,
    pub follow_up_job_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
