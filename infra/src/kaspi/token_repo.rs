//! The tenant's Kaspi Shop API token (`X-Auth-Token`), stored only as AES-256-GCM ciphertext, exactly like the
//! NCT key (the same master keys, its own purpose in the additional data). It is never returned or logged.

use super::entity;
use crate::crypto::Purpose;
use crate::db::RepoError;
use crate::db::key_repo::{NctKeyInfo, NctKeyRepo};
use chrono::Utc;
use domain::tenant::TenantId;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use secrecy::SecretString;

/// Token repository.
#[derive(Clone)]
pub struct KaspiTokenRepo {
    db: DatabaseConnection,
    keys: NctKeyRepo,
}

fn info(m: entity::Model) -> NctKeyInfo {
    NctKeyInfo { fingerprint: m.fingerprint, set_at: m.set_at, last_verified_at: m.last_verified_at, status: m.status }
}

fn unexpected(e: impl std::fmt::Display) -> RepoError {
    RepoError::Unexpected(anyhow::anyhow!("Kaspi token: {e}"))
}

impl KaspiTokenRepo {
    /// Wraps a connection; the token uses the keyring of `keys`.
    pub fn new(db: DatabaseConnection, keys: NctKeyRepo) -> Self {
        Self { db, keys }
    }

    /// Stores (or replaces) the tenant's token with a status (`key_repo::status`).
    pub async fn set(&self, tenant: TenantId, token: &SecretString, status: &str, verified: bool) -> Result<NctKeyInfo, RepoError> {
        let ring = self.keys.keyring();
        let (version, blob) = ring.seal_for(Purpose::KaspiToken, tenant.0, token).map_err(unexpected)?;
        let now = Utc::now();
        let am = entity::ActiveModel {
            tenant_id: Set(tenant.0),
            ciphertext: Set(blob),
            key_version: Set(version),
            fingerprint: Set(ring.fingerprint(token)),
            status: Set(status.to_owned()),
            set_at: Set(now),
            last_verified_at: Set(verified.then_some(now)),
        };
        let exists = entity::Entity::find_by_id(tenant.0).one(&self.db).await?.is_some();
        let m = if exists { am.update(&self.db).await? } else { am.insert(&self.db).await? };
        Ok(info(m))
    }

    /// What may be shown about the token.
    pub async fn info(&self, tenant: TenantId) -> Result<Option<NctKeyInfo>, RepoError> {
        Ok(entity::Entity::find_by_id(tenant.0).one(&self.db).await?.map(info))
    }

    /// The decrypted token, for calling Kaspi. `None` when none is set.
    pub async fn load(&self, tenant: TenantId) -> Result<Option<SecretString>, RepoError> {
        let Some(m) = entity::Entity::find_by_id(tenant.0).one(&self.db).await? else { return Ok(None) };
        self.keys.open_sealed(Purpose::KaspiToken, tenant.0, m.key_version, &m.ciphertext).map(Some).map_err(unexpected)
    }

    /// Records Kaspi's verdict on the token.
    pub async fn mark(&self, tenant: TenantId, status: &str) -> Result<(), RepoError> {
        if let Some(m) = entity::Entity::find_by_id(tenant.0).one(&self.db).await? {
            let mut am: entity::ActiveModel = m.into();
            am.status = Set(status.to_owned());
            if status == crate::db::key_repo::status::VALID {
                am.last_verified_at = Set(Some(Utc::now()));
            }
            am.update(&self.db).await?;
        }
        Ok(())
    }

    /// Removes the token; `false` when there was none.
    pub async fn delete(&self, tenant: TenantId) -> Result<bool, RepoError> {
        let r = entity::Entity::delete_many().filter(entity::Column::TenantId.eq(tenant.0)).exec(&self.db).await?;
        Ok(r.rows_affected > 0)
    }

    /// Re-encrypts every token not yet under the newest master key. Returns how many moved.
    pub async fn rotate_master_key(&self) -> Result<u64, RepoError> {
        let ring = self.keys.keyring();
        let current = ring.current_version();
        let mut moved = 0;
        for m in entity::Entity::find().filter(entity::Column::KeyVersion.ne(current)).all(&self.db).await? {
            let token = self.keys.open_sealed(Purpose::KaspiToken, m.tenant_id, m.key_version, &m.ciphertext).map_err(unexpected)?;
            let (version, blob) = ring.seal_for(Purpose::KaspiToken, m.tenant_id, &token).map_err(unexpected)?;
            let mut am: entity::ActiveModel = m.into();
            am.ciphertext = Set(blob);
            am.key_version = Set(version);
            am.update(&self.db).await?;
            moved += 1;
        }
        Ok(moved)
    }
}
