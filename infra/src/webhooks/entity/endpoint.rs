//! `webhook_endpoints`: a URL registered by a tenant (or by a partner for all its tenants).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Set for a tenant's endpoint; exactly one of `tenant_id` and `partner_id` is set.
    pub tenant_id: Option<Uuid>,
    /// Set for a partner's endpoint: it receives the events of every tenant the partner manages.
    pub partner_id: Option<Uuid>,
    pub url: String,
    /// JSON array of `domain::webhook::EventType` wire names.
    pub events: String,
    pub description: Option<String>,
    pub enabled: bool,
    /// The signing secret, AES-256-GCM (`crypto::Purpose::WebhookSecret`, bound to this endpoint's id).
    pub secret_ciphertext: Vec<u8>,
    pub secret_version: i32,
    /// The secret's last characters, to tell secrets apart.
    pub secret_hint: String,
    /// The secret before the last rotation, still signing until `previous_secret_expires_at`.
    pub previous_secret_ciphertext: Option<Vec<u8>>,
    pub previous_secret_version: Option<i32>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
