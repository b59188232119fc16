//! `card_checks`: the stored result of a SKU's card check.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "card_checks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sku_id: Uuid,
    pub tenant_id: Uuid,
    pub catalog_id: Uuid,
    pub errors: i32,
    pub warnings: i32,
    /// An extended (gov) card (longer moderation in the plan).
    pub gov: bool,
    /// JSON array of `domain::card::CardProblem`.
    pub problems: String,
    /// The schema and dictionaries the check ran against; another version means stale.
    pub version: String,
    pub checked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
