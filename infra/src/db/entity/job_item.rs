//! `job_items`: one row per SKU of a job; progress counts are derived from these.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: Uuid,
    pub job_id: Uuid,
    pub sku_id: Uuid,
    pub gtin14: Option<String>,
    pub state: String,
    pub outcome: Option<String>,
    pub error: Option<String>,
    pub attempts: i32,
    pub leased_until: Option<DateTimeUtc>,
    /// The worker holding the lease; only it may renew or finish the item.
    pub lease_owner: Option<Uuid>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
