//! `nct_requests`: the outbox of NCT product requests, one per SKU. The intent (`CREATING`, body hash,
//! attempt) is written before NCT is called, so a crash between NCT's answer and our write is detectable.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "nct_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub sku_id: Uuid,
    pub catalog_id: Uuid,
    /// NCT's request id, once known.
    pub nct_request_id: Option<i64>,
    /// Our side of the outbox: `PLANNED`, `CREATING`, `CREATED`, `SENT`, `FAILED`.
    pub intent_state: String,
    /// NCT base status code (`new`, `onModeration`, …).
    pub status: String,
    pub gz_status: Option<String>,
    /// SHA-256 (hex, 32 chars) of the last body sent.
    pub body_hash: String,
    pub attempt: i32,
    pub comment: Option<String>,
    pub reason: Option<String>,
    /// JSON array of `{attributeCode, value, comment}`.
    pub revision_details: String,
    /// JSON array of duplicate candidates.
    pub duplicates: Option<String>,
    pub ntin: Option<String>,
    pub product_url: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When the follower looks at the request next; `NULL` once NCT is done with it. A claimed row has it
    /// pushed forward by the claim's lease.
    pub next_check_at: Option<DateTimeUtc>,
    /// When NCT was last asked about it.
    pub checked_at: Option<DateTimeUtc>,
    /// When its status last changed (the backoff counts from there).
    pub status_since: Option<DateTimeUtc>,
    /// Checks since the last status change that found it unchanged.
    pub unchanged_checks: i32,
    /// Our step written down before NCT is called (`domain::card::Step`), cleared once reconciled.
    pub pending_step: Option<String>,
    /// The step's argument (the NTIN of a `USE_EXISTING` decision).
    pub pending_arg: Option<String>,
    pub pending_since: Option<DateTimeUtc>,
    /// NCT's AI photo check (`photoModeration`): score 0–100 and what is wrong.
    pub photo_score: Option<i32>,
    pub photo_comment: Option<String>,
    /// The extended (CEF) part's general remark and per-field remarks (JSON array).
    pub gz_comment: Option<String>,
    pub gz_revision_details: Option<String>,
    /// The request waits for a duplicate decision.
    pub duplicate_review: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
