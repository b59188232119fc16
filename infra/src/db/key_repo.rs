//! Per-tenant NCT API keys, stored only as AES-256-GCM ciphertext (see [`crate::crypto`]).

use super::entity::nct_key;
use super::RepoError;
use domain::tenant::TenantId;
use crate::crypto::MasterKeyring;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use secrecy::SecretString;
use std::sync::Arc;

/// Status of a stored key.
pub mod status {
    /// Stored, not checked against NCT.
    pub const UNVERIFIED: &str = "UNVERIFIED";
    /// NCT accepted it.
    pub const VALID: &str = "VALID";
    /// NCT refused it (401/403); jobs stop until it is replaced.
    pub const INVALID: &str = "INVALID";
}

/// What the API may show about a key: never the key.
#[derive(Clone, Debug)]
pub struct NctKeyInfo {
    /// Keyed hash of the key.
    pub fingerprint: String,
    /// When it was set.
    pub set_at: DateTime<Utc>,
    /// When NCT last accepted it.
    pub last_verified_at: Option<DateTime<Utc>>,
    /// `UNVERIFIED`, `VALID` or `INVALID`.
    pub status: String,
}

/// Re-reads the master keys (after a rotation added a version).
pub type KeyringReload = Arc<dyn Fn() -> Option<MasterKeyring> + Send + Sync>;

/// Key repository.
#[derive(Clone)]
pub struct NctKeyRepo {
    db: DatabaseConnection,
    ring: Arc<std::sync::RwLock<Arc<MasterKeyring>>>,
    reload: Option<KeyringReload>,
}

impl NctKeyRepo {
    /// Wraps a connection and the master keys.
    pub fn new(db: DatabaseConnection, ring: MasterKeyring) -> Self {
        Self { db, ring: Arc::new(std::sync::RwLock::new(Arc::new(ring))), reload: None }
    }

    /// Lets the repository re-read the master keys when a row names a version it does not know yet.
    pub fn with_reload(mut self, reload: KeyringReload) -> Self {
        self.reload = Some(reload);
        self
    }

    /// The master keys in use.
    pub fn keyring(&self) -> Arc<MasterKeyring> {
        self.ring.read().map(|r| r.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    fn open(&self, tenant: uuid::Uuid, version: i32, blob: &[u8]) -> Result<SecretString, RepoError> {
        self.open_sealed(crate::crypto::Purpose::NctApiKey, tenant, version, blob)
            .map_err(|e| RepoError::Unexpected(anyhow::anyhow!("cannot decrypt the NCT key of tenant {tenant}: {e}")))
    }

    /// Decrypts a secret sealed as `purpose` for `owner` (re-reading the master keys once when `version` is
    /// newer than the ones loaded). Other secret stores (Kaspi tokens, webhook secrets) share the keyring here.
    pub fn open_sealed(&self, purpose: crate::crypto::Purpose, owner: uuid::Uuid, version: i32, blob: &[u8]) -> Result<SecretString, crate::crypto::CryptoError> {
        let first = self.keyring().open_for(purpose, owner, version, blob);
        match (first, &self.reload) {
            (Err(crate::crypto::CryptoError::UnknownVersion(_)), Some(reload)) => match reload() {
                Some(new_ring) => {
                    let new_ring = Arc::new(new_ring);
                    if let Ok(mut w) = self.ring.write() {
                        *w = new_ring.clone();
                    }
                    new_ring.open_for(purpose, owner, version, blob)
                }
                None => Err(crate::crypto::CryptoError::UnknownVersion(version)),
            },
            (r, _) => r,
        }
    }

    /// Stores (or replaces) the tenant's key.
    pub async fn set(&self, tenant: TenantId, key: &SecretString, status: &str, verified: bool) -> Result<NctKeyInfo, RepoError> {
        let ring = self.keyring();
        let (version, blob) = ring
            .seal(tenant.0, key)
            .map_err(|e| RepoError::Unexpected(anyhow::anyhow!("cannot encrypt key: {e}")))?;
        let now = Utc::now();
        let am = nct_key::ActiveModel {
            tenant_id: Set(tenant.0),
            ciphertext: Set(blob),
            key_version: Set(version),
            fingerprint: Set(ring.fingerprint(key)),
            status: Set(status.to_owned()),
            set_at: Set(now),
            last_verified_at: Set(verified.then_some(now)),
        };
        let exists = nct_key::Entity::find_by_id(tenant.0).one(&self.db).await?.is_some();
        let m = if exists { am.update(&self.db).await? } else { am.insert(&self.db).await? };
        Ok(info(m))
    }

    /// What may be shown about the tenant's key.
    pub async fn info(&self, tenant: TenantId) -> Result<Option<NctKeyInfo>, RepoError> {
        Ok(nct_key::Entity::find_by_id(tenant.0).one(&self.db).await?.map(info))
    }

    /// The decrypted key with its status, for calling NCT. `None` when no key is set.
    pub async fn load(&self, tenant: TenantId) -> Result<Option<(SecretString, String)>, RepoError> {
        let Some(m) = nct_key::Entity::find_by_id(tenant.0).one(&self.db).await? else {
            return Ok(None);
        };
        let key = self.open(tenant.0, m.key_version, &m.ciphertext)?;
        Ok(Some((key, m.status)))
    }

    /// The key of some tenant that NCT accepted last (for public facts any key may read, such as the
    /// dictionaries); `None` when no tenant has a valid key.
    pub async fn any_valid(&self) -> Result<Option<(TenantId, SecretString)>, RepoError> {
        use sea_orm::QueryOrder as _;
        let Some(m) = nct_key::Entity::find()
            .filter(nct_key::Column::Status.eq(status::VALID))
            .order_by_desc(nct_key::Column::LastVerifiedAt)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let key = self.open(m.tenant_id, m.key_version, &m.ciphertext)?;
        Ok(Some((TenantId(m.tenant_id), key)))
    }

    /// Records NCT's verdict on the key.
    pub async fn mark(&self, tenant: TenantId, status: &str) -> Result<(), RepoError> {
        if let Some(m) = nct_key::Entity::find_by_id(tenant.0).one(&self.db).await? {
            let mut am: nct_key::ActiveModel = m.into();
            am.status = Set(status.to_owned());
            if status == status::VALID {
                am.last_verified_at = Set(Some(Utc::now()));
            }
            am.update(&self.db).await?;
        }
        Ok(())
    }

    /// Removes the tenant's key; `false` when there was none.
    pub async fn delete(&self, tenant: TenantId) -> Result<bool, RepoError> {
        let r = nct_key::Entity::delete_many()
            .filter(nct_key::Column::TenantId.eq(tenant.0))
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected > 0)
    }

    /// Re-encrypts every key not yet under the newest master key, in batches. Safe to interrupt and re-run;
    /// returns how many rows moved.
    ///
    /// Each row is written back only if it still holds the ciphertext that was read (compare-and-swap): a
    /// `setNctApiKey` landing between the read and the write wins, and its new key is never overwritten by
    /// the re-encryption of the old one. Such a row is read again on the next pass.
    pub async fn rotate_all(&self) -> Result<u64, RepoError> {
        use sea_orm::sea_query::Expr;
        let ring = self.keyring();
        let current = ring.current_version();
        let mut moved = 0;
        // A row skipped because it changed under us is looked at again in another pass (bounded: a key that
        // changes on every pass is left to the next run).
        for _pass in 0..10 {
            let mut skipped = 0;
            let mut after: Option<uuid::Uuid> = None;
            loop {
                let mut q = nct_key::Entity::find().filter(nct_key::Column::KeyVersion.ne(current));
                if let Some(a) = after {
                    q = q.filter(nct_key::Column::TenantId.gt(a));
                }
                let batch = q.order_by_asc(nct_key::Column::TenantId).limit(100).all(&self.db).await?;
                let Some(last) = batch.last().map(|m| m.tenant_id) else { break };
                for m in batch {
                    let key = self.open(m.tenant_id, m.key_version, &m.ciphertext)?;
                    let (version, blob) = ring
                        .seal(m.tenant_id, &key)
                        .map_err(|e| RepoError::Unexpected(anyhow::anyhow!("cannot encrypt: {e}")))?;
                    let r = nct_key::Entity::update_many()
                        .col_expr(nct_key::Column::Ciphertext, Expr::value(blob))
                        .col_expr(nct_key::Column::KeyVersion, Expr::value(version))
                        .filter(nct_key::Column::TenantId.eq(m.tenant_id))
                        .filter(nct_key::Column::KeyVersion.eq(m.key_version))
                        .filter(nct_key::Column::Ciphertext.eq(m.ciphertext))
                        .exec(&self.db)
                        .await?;
                    if r.rows_affected == 1 {
                        moved += 1;
                    } else {
                        skipped += 1;
                        tracing::info!(tenant_id = %m.tenant_id, "key changed during rotation; the new one is kept");
                    }
                }
                after = Some(last);
            }
            if skipped == 0 {
                break;
            }
        }
        Ok(moved)
    }
}

fn info(m: nct_key::Model) -> NctKeyInfo {
    NctKeyInfo {
        fingerprint: m.fingerprint,
        set_at: m.set_at,
        last_verified_at: m.last_verified_at,
        status: m.status,
    }
}
