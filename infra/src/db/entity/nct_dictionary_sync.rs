//! `nct_dictionary_syncs`: where the refresh of one dictionary is, and its generation.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "nct_dictionary_syncs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub namespace: String,
    pub dictionary: String,
    /// The pass under way (or the next one).
    pub pass: i32,
    /// The next page to read (from 1).
    pub next_page: i32,
    /// Pages NCT reported for this pass (0 before the first page).
    pub total_pages: i32,
    pub running: bool,
    /// A process refreshing it holds it until then.
    pub lease_until: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    /// End of the last complete pass.
    pub finished_at: Option<DateTimeUtc>,
    /// Items seen in the pass under way.
    pub items: i64,
    /// Items changed in the pass under way.
    pub changed: i64,
    /// Raised when a complete pass changed anything: readers reload.
    pub generation: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
