//! `nct_dictionary_items`: one item of one NCT dictionary (`namespace` = the NCT base URL).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "nct_dictionary_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub namespace: String,
    /// Upper-case dictionary code (`OKTRU`, `TNVED`, …).
    pub dictionary: String,
    /// NCT's item id.
    pub item_id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub level: i32,
    pub has_child: bool,
    pub name_ru: String,
    pub name_kk: String,
    /// NCT marked it deleted, or a complete refresh pass no longer saw it.
    pub deleted: bool,
    /// NCT's `updatedDate`, as sent.
    pub updated_date: Option<String>,
    /// The refresh pass that last saw it.
    pub pass: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
