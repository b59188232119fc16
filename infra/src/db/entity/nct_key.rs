//! `nct_keys`: one encrypted NCT API key per tenant.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "nct_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    /// `nonce || ciphertext+tag`, AES-256-GCM; the AAD binds tenant and key version.
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
