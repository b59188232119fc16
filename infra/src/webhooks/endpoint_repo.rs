//! Webhook endpoints: registered by a tenant, or by a partner for every tenant it manages. The signing secret
//! is generated here, returned once to the caller, and stored only as AES-256-GCM ciphertext bound to the
//! endpoint's id ([`crate::crypto::Purpose::WebhookSecret`]).

use super::entity::endpoint;
use super::signature;
use crate::crypto::Purpose;
use crate::db::RepoError;
use crate::db::key_repo::NctKeyRepo;
use chrono::{DateTime, Utc};
use domain::tenant::TenantId;
use domain::webhook::EventType;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use secrecy::SecretString;
use std::time::Duration;
use uuid::Uuid;

/// Most endpoints one tenant or partner may register.
pub const MAX_ENDPOINTS: u64 = 20;
/// How long the secret before a rotation keeps signing.
pub const ROTATION_GRACE: Duration = Duration::from_secs(24 * 3600);

/// Who owns an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A tenant: its own events.
    Tenant(TenantId),
    /// A partner (reseller): the events of every tenant it manages.
    Partner(Uuid),
}

/// An endpoint as the API shows it (never its secret).
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub id: Uuid,
    pub owner: Owner,
    pub url: String,
    pub events: Vec<EventType>,
    pub description: Option<String>,
    pub enabled: bool,
    /// The last characters of the current secret.
    pub secret_hint: String,
    /// Until when the secret before the last rotation still signs.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<endpoint::Model> for Endpoint {
    fn from(m: endpoint::Model) -> Self {
        let owner = match (m.tenant_id, m.partner_id) {
            (Some(t), _) => Owner::Tenant(TenantId(t)),
            (None, Some(p)) => Owner::Partner(p),
            (None, None) => Owner::Partner(Uuid::nil()),
        };
        Self {
            id: m.id,
            owner,
            url: m.url,
            events: parse_events(&m.events),
            description: m.description,
            enabled: m.enabled,
            secret_hint: m.secret_hint,
            previous_secret_expires_at: m.previous_secret_expires_at.filter(|t| *t > Utc::now()),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

fn parse_events(s: &str) -> Vec<EventType> {
    serde_json::from_str::<Vec<String>>(s).unwrap_or_default().iter().filter_map(|e| EventType::parse(e)).collect()
}

fn events_json(events: &[EventType]) -> String {
    serde_json::to_string(&events.iter().map(|e| e.as_str()).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
}

/// What to register.
#[derive(Clone, Debug)]
pub struct NewEndpoint {
    /// A URL already checked by [`crate::outbound::SafeClient::check_url`].
    pub url: String,
    /// At least one subscribable event, no repeats.
    pub events: Vec<EventType>,
    pub description: Option<String>,
    pub enabled: bool,
}

/// What to change; `None` keeps the stored value.
#[derive(Clone, Debug, Default)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub events: Option<Vec<EventType>>,
    /// `Some(None)` clears it.
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// Why an endpoint was not registered.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// The owner has [`MAX_ENDPOINTS`] already.
    #[error("at most {MAX_ENDPOINTS} webhook endpoints")]
    TooMany,
    /// Anything else.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// Endpoint repository.
#[derive(Clone)]
pub struct EndpointRepo {
    db: DatabaseConnection,
    keys: NctKeyRepo,
}

fn owned(owner: Owner) -> sea_orm::Condition {
    match owner {
        Owner::Tenant(t) => sea_orm::Condition::all().add(endpoint::Column::TenantId.eq(t.0)),
        Owner::Partner(p) => sea_orm::Condition::all()
            .add(endpoint::Column::PartnerId.eq(p))
            .add(endpoint::Column::TenantId.is_null()),
    }
}

fn unexpected(e: impl std::fmt::Display) -> RepoError {
    RepoError::Unexpected(anyhow::anyhow!("webhook secret: {e}"))
}

impl EndpointRepo {
    /// Wraps a connection; secrets use the keyring of `keys`.
    pub fn new(db: DatabaseConnection, keys: NctKeyRepo) -> Self {
        Self { db, keys }
    }

    fn seal(&self, id: Uuid, secret: &SecretString) -> Result<(i32, Vec<u8>), RepoError> {
        self.keys.keyring().seal_for(Purpose::WebhookSecret, id, secret).map_err(unexpected)
    }

    /// Registers an endpoint; returns it with its secret, which is never shown again.
    pub async fn create(&self, owner: Owner, new: NewEndpoint) -> Result<(Endpoint, SecretString), EndpointError> {
        if endpoint::Entity::find().filter(owned(owner)).count(&self.db).await.map_err(RepoError::from)? >= MAX_ENDPOINTS {
            return Err(EndpointError::TooMany);
        }
        let id = Uuid::new_v4();
        let secret = signature::generate_secret().map_err(RepoError::Unexpected)?;
        let (version, blob) = self.seal(id, &secret)?;
        let now = Utc::now();
        let (tenant_id, partner_id) = match owner {
            Owner::Tenant(t) => (Some(t.0), None),
            Owner::Partner(p) => (None, Some(p)),
        };
        let m = endpoint::ActiveModel {
            id: Set(id),
            tenant_id: Set(tenant_id),
            partner_id: Set(partner_id),
            url: Set(new.url),
            events: Set(events_json(&new.events)),
            description: Set(new.description),
            enabled: Set(new.enabled),
            secret_ciphertext: Set(blob),
            secret_version: Set(version),
            secret_hint: Set(signature::hint(&secret)),
            previous_secret_ciphertext: Set(None),
            previous_secret_version: Set(None),
            previous_secret_expires_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&self.db)
        .await
        .map_err(RepoError::from)?;
        Ok((m.into(), secret))
    }

    /// The owner's endpoints, oldest first.
    pub async fn list(&self, owner: Owner) -> Result<Vec<Endpoint>, RepoError> {
        Ok(endpoint::Entity::find()
            .filter(owned(owner))
            .order_by_asc(endpoint::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    async fn model(&self, owner: Owner, id: Uuid) -> Result<endpoint::Model, RepoError> {
        endpoint::Entity::find_by_id(id).filter(owned(owner)).one(&self.db).await?.ok_or(RepoError::NotFound)
    }

    /// One of the owner's endpoints; another owner's looks missing.
    pub async fn get(&self, owner: Owner, id: Uuid) -> Result<Option<Endpoint>, RepoError> {
        match self.model(owner, id).await {
            Ok(m) => Ok(Some(m.into())),
            Err(RepoError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Changes an endpoint.
    pub async fn update(&self, owner: Owner, id: Uuid, patch: EndpointPatch) -> Result<Endpoint, RepoError> {
        let mut am: endpoint::ActiveModel = self.model(owner, id).await?.into();
        if let Some(u) = patch.url {
            am.url = Set(u);
        }
        if let Some(e) = patch.events {
            am.events = Set(events_json(&e));
        }
        if let Some(d) = patch.description {
            am.description = Set(d);
        }
        if let Some(e) = patch.enabled {
            am.enabled = Set(e);
        }
        am.updated_at = Set(Utc::now());
        Ok(am.update(&self.db).await?.into())
    }

    /// Deletes an endpoint with its deliveries.
    pub async fn delete(&self, owner: Owner, id: Uuid) -> Result<(), RepoError> {
        let m = self.model(owner, id).await?;
        super::delivery_repo::delete_for_endpoint(&self.db, m.id).await?;
        endpoint::Entity::delete_by_id(m.id).exec(&self.db).await?;
        Ok(())
    }

    /// Replaces the secret; the old one keeps signing for [`ROTATION_GRACE`]. Returns the new secret, shown once.
    pub async fn rotate_secret(&self, owner: Owner, id: Uuid) -> Result<(Endpoint, SecretString), RepoError> {
        let m = self.model(owner, id).await?;
        let secret = signature::generate_secret().map_err(RepoError::Unexpected)?;
        let (version, blob) = self.seal(id, &secret)?;
        let grace = chrono::Duration::from_std(ROTATION_GRACE).unwrap_or(chrono::Duration::days(1));
        let now = Utc::now();
        let mut am: endpoint::ActiveModel = m.clone().into();
        am.previous_secret_ciphertext = Set(Some(m.secret_ciphertext));
        am.previous_secret_version = Set(Some(m.secret_version));
        am.previous_secret_expires_at = Set(Some(now + grace));
        am.secret_ciphertext = Set(blob);
        am.secret_version = Set(version);
        am.secret_hint = Set(signature::hint(&secret));
        am.updated_at = Set(now);
        Ok((am.update(&self.db).await?.into(), secret))
    }

    /// The secrets that sign a delivery now: the current one, then the previous one during its grace period.
    pub async fn signing_secrets(&self, id: Uuid) -> Result<Vec<SecretString>, RepoError> {
        let m = endpoint::Entity::find_by_id(id).one(&self.db).await?.ok_or(RepoError::NotFound)?;
        let mut out = vec![self.keys.open_sealed(Purpose::WebhookSecret, id, m.secret_version, &m.secret_ciphertext).map_err(unexpected)?];
        if let (Some(blob), Some(v), Some(until)) = (&m.previous_secret_ciphertext, m.previous_secret_version, m.previous_secret_expires_at)
            && until > Utc::now()
        {
            out.push(self.keys.open_sealed(Purpose::WebhookSecret, id, v, blob).map_err(unexpected)?);
        }
        Ok(out)
    }

    /// Re-encrypts every secret not yet under the newest master key (`rotate-master-key`). Returns how many
    /// endpoints moved.
    pub async fn rotate_master_key(&self) -> Result<u64, RepoError> {
        let ring = self.keys.keyring();
        let current = ring.current_version();
        let mut moved = 0;
        for m in endpoint::Entity::find().all(&self.db).await? {
            let prev_stale = m.previous_secret_version.is_some_and(|v| v != current);
            if m.secret_version == current && !prev_stale {
                continue;
            }
            let secret = self.keys.open_sealed(Purpose::WebhookSecret, m.id, m.secret_version, &m.secret_ciphertext).map_err(unexpected)?;
            let (version, blob) = ring.seal_for(Purpose::WebhookSecret, m.id, &secret).map_err(unexpected)?;
            let mut am: endpoint::ActiveModel = m.clone().into();
            am.secret_ciphertext = Set(blob);
            am.secret_version = Set(version);
            if let (Some(old), Some(v)) = (&m.previous_secret_ciphertext, m.previous_secret_version) {
                let prev = self.keys.open_sealed(Purpose::WebhookSecret, m.id, v, old).map_err(unexpected)?;
                let (pv, pblob) = ring.seal_for(Purpose::WebhookSecret, m.id, &prev).map_err(unexpected)?;
                am.previous_secret_ciphertext = Set(Some(pblob));
                am.previous_secret_version = Set(Some(pv));
            }
            am.update(&self.db).await?;
            moved += 1;
        }
        Ok(moved)
    }
}
