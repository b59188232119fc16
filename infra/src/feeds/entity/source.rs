//! `catalog_sources`: the URL a catalog follows, its schedule, lease and the validators of the last import.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_sources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// One source per catalog (unique).
    pub catalog_id: Uuid,
    /// `domain::feed::SourceFormat` wire name.
    pub format: String,
    pub url: String,
    pub interval_secs: i64,
    pub enabled: bool,
    /// Start a lookup job for never-looked-up SKUs after each import.
    pub auto_lookup: bool,
    pub next_pull_at: DateTimeUtc,
    /// `MANUAL` when a person asked for the next pull; `None` for the schedule.
    pub next_trigger: Option<String>,
    /// The claim of the replica pulling it now (a fresh id per claim); checked again when the pull is stored.
    pub lease_owner: Option<Uuid>,
    pub lease_until: Option<DateTimeUtc>,
    /// Validators of the last imported response, sent back as `If-None-Match` / `If-Modified-Since`.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// SHA-256 (hex) of the last imported body: the same bytes again are "not modified".
    pub content_sha256: Option<String>,
    pub consecutive_failures: i32,
    pub last_pull_at: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
