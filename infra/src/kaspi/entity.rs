//! `kaspi_tokens`: one encrypted Kaspi Shop API token per tenant.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kaspi_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    /// `nonce || ciphertext+tag`, AES-256-GCM (`crypto::Purpose::KaspiToken`, bound to the tenant).
    pub ciphertext: Vec<u8>,
    pub key_version: i32,
    pub fingerprint: String,
    pub status: String,
    pub set_at: DateTimeUtc,
    pub last_verified_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
