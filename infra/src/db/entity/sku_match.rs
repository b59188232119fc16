//! `sku_matches`: one row per SKU searched by name in NCT (matching).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sku_matches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sku_id: Uuid,
    pub tenant_id: Uuid,
    pub catalog_id: Uuid,
    /// `domain::matching::MatchState` wire name.
    pub state: String,
    /// JSON array of `domain::matching::ScoredCandidate`, best first.
    pub candidates: String,
    /// JSON array of the queries that were run.
    pub queries: String,
    pub best_score: f64,
    pub confirmed_ntin: Option<String>,
    pub searched_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
