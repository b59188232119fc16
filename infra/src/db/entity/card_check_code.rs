//! `card_check_codes`: one row per problem code of a stored card check (for the per-code aggregate).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "card_check_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub sku_id: Uuid,
    pub tenant_id: Uuid,
    pub catalog_id: Uuid,
    pub code: String,
    pub severity: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
