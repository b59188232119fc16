//! `skus`: one row per seller SKU of a catalog.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "skus")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub catalog_id: Uuid,
    pub seller_sku: String,
    pub barcode: Option<String>,
    pub gtin14: Option<String>,
    pub readiness_class: String,
    pub readiness_reason: Option<String>,
    pub readiness_message: Option<String>,
    pub ntin: Option<String>,
    pub ntin_source: Option<String>,
    pub xtin: Option<String>,
    pub xtin_assigned_at: Option<DateTimeUtc>,
    pub name_ru: Option<String>,
    pub name_kk: Option<String>,
    pub brand: Option<String>,
    pub oktru: Option<String>,
    pub tnved: Option<String>,
    pub country: Option<String>,
    pub measure_unit: Option<String>,
    pub measure_qty: Option<String>,
    pub price: Option<i64>,
    /// JSON array of channel names, as text.
    pub channels: String,
    /// JSON object of extra attributes, as text.
    pub attributes: String,
    pub lookup_state: Option<String>,
    /// JSON array of candidate cards when one GTIN maps to several NTINs.
    pub lookup_candidates: Option<String>,
    pub looked_up_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Card workflow state: `DRAFT`, `READY`, `SUBMITTED`, `NEEDS_REVISION`, `DUPLICATE_REVIEW`, …
    pub card_status: Option<String>,
    /// NCT base status code of the SKU's request (`onModeration`, `completed`…).
    pub moderation_status: Option<String>,
    /// Short human summary of NCT's remarks.
    pub moderation_remarks: Option<String>,
    /// JSON of the extra card fields (`card_repo::CardData`).
    pub card_data: Option<String>,
    /// Extended (gov) card.
    pub gov: bool,
    /// Seller SKU, brand and names, lower-cased in Rust, for case-insensitive search (`sku_repo::search_text`).
    pub search_text: Option<String>,
    /// When a pull of the catalog's source found this SKU missing from the feed (a mark, never a deletion;
    /// cleared when it comes back).
    pub feed_removed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
