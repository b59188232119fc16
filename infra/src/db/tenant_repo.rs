//! Tenants and partners (JWT issuers). These are platform-level rows, managed by admins and resellers.

use super::entity::{partner, tenant};
use super::RepoError;
use domain::tenant::TenantId;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

/// A tenant as the rest of the system sees it.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub segment: String,
    pub partner_id: Option<Uuid>,
    pub token_version: i32,
    pub created_at: DateTime<Utc>,
    /// Tokens issued before this instant are refused (`revokeTokens`).
    pub tokens_revoked_at: Option<DateTime<Utc>>,
}

impl From<tenant::Model> for Tenant {
    fn from(m: tenant::Model) -> Self {
        Self {
            id: TenantId(m.id),
            name: m.name,
            segment: m.segment,
            partner_id: m.partner_id,
            token_version: m.token_version,
            created_at: m.created_at,
            tokens_revoked_at: m.tokens_revoked_at,
        }
    }
}

/// A registered partner: tokens with `iss == issuer` are verified with its key and algorithm only.
#[derive(Clone, Debug)]
pub struct Partner {
    pub id: Uuid,
    pub name: String,
    pub issuer: String,
    pub audience: String,
    /// `HS256`, `RS256`, `ES256` or `EdDSA`.
    pub algorithm: String,
    /// PEM public key, or the HS256 secret.
    pub verification_key: String,
    pub created_at: DateTime<Utc>,
}

impl From<partner::Model> for Partner {
    fn from(m: partner::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            issuer: m.issuer,
            audience: m.audience,
            algorithm: m.algorithm,
            verification_key: m.verification_key,
            created_at: m.created_at,
        }
    }
}

/// Tenants and partners.
#[derive(Clone)]
pub struct TenantRepo {
    db: DatabaseConnection,
}

impl TenantRepo {
    /// Wraps a connection.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Creates a tenant, optionally managed by a partner (reseller).
    pub async fn create_tenant(
        &self,
        name: &str,
        segment: &str,
        partner_id: Option<Uuid>,
    ) -> Result<Tenant, RepoError> {
        let m = tenant::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(name.to_owned()),
            segment: Set(segment.to_owned()),
            partner_id: Set(partner_id),
            token_version: Set(0),
            created_at: Set(Utc::now()),
            deleted_at: Set(None),
            tokens_revoked_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(m.into())
    }

    /// An active (not deleted) tenant.
    pub async fn get_tenant(&self, id: Uuid) -> Result<Option<Tenant>, RepoError> {
        Ok(tenant::Entity::find_by_id(id)
            .filter(tenant::Column::DeletedAt.is_null())
            .one(&self.db)
            .await?
            .map(Into::into))
    }

    /// Active tenants, optionally only those a partner manages.
    pub async fn list_tenants(&self, partner_id: Option<Uuid>) -> Result<Vec<Tenant>, RepoError> {
        let mut q = tenant::Entity::find().filter(tenant::Column::DeletedAt.is_null());
        if let Some(p) = partner_id {
            q = q.filter(tenant::Column::PartnerId.eq(p));
        }
        Ok(q.order_by_asc(tenant::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Soft-deletes a tenant: its tokens stop working at once.
    pub async fn delete_tenant(&self, id: Uuid) -> Result<(), RepoError> {
        let m = tenant::Entity::find_by_id(id)
            .filter(tenant::Column::DeletedAt.is_null())
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        let mut am: tenant::ActiveModel = m.into();
        am.deleted_at = Set(Some(Utc::now()));
        am.update(&self.db).await?;
        Ok(())
    }

    /// Registers a partner; the issuer is unique.
    pub async fn create_partner(
        &self,
        name: &str,
        issuer: &str,
        audience: &str,
        algorithm: &str,
        verification_key: &str,
    ) -> Result<Partner, RepoError> {
        let m = partner::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(name.to_owned()),
            issuer: Set(issuer.to_owned()),
            audience: Set(audience.to_owned()),
            algorithm: Set(algorithm.to_owned()),
            verification_key: Set(verification_key.to_owned()),
            created_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .map_err(RepoError::unique("issuer"))?;
        Ok(m.into())
    }

    /// The partner that owns an issuer string.
    pub async fn partner_by_issuer(&self, issuer: &str) -> Result<Option<Partner>, RepoError> {
        Ok(partner::Entity::find()
            .filter(partner::Column::Issuer.eq(issuer))
            .one(&self.db)
            .await?
            .map(Into::into))
    }
}

impl TenantRepo {
    /// Makes a partner the manager of a tenant.
    pub async fn set_partner(&self, tenant_id: Uuid, partner_id: Uuid) -> Result<(), RepoError> {
        partner::Entity::find_by_id(partner_id)
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        let m = tenant::Entity::find_by_id(tenant_id)
            .filter(tenant::Column::DeletedAt.is_null())
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        let mut am: tenant::ActiveModel = m.into();
        am.partner_id = Set(Some(partner_id));
        am.update(&self.db).await?;
        Ok(())
    }
}

impl TenantRepo {
    /// Revokes every token of a tenant issued until now: our tokens by their version (bumped here), partner
    /// tokens by their `iat` (refused when not after the returned instant). Returns the tenant afterwards.
    pub async fn revoke_tokens(&self, id: Uuid) -> Result<Tenant, RepoError> {
        use sea_orm::sea_query::{Expr, ExprTrait as _};
        // Whole seconds: `iat` has no fraction, so "issued before" compares like with like.
        let now = DateTime::<Utc>::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_else(Utc::now);
        let r = tenant::Entity::update_many()
            .col_expr(tenant::Column::TokenVersion, Expr::col(tenant::Column::TokenVersion).add(1))
            .col_expr(tenant::Column::TokensRevokedAt, Expr::value(now))
            .filter(tenant::Column::Id.eq(id))
            .filter(tenant::Column::DeletedAt.is_null())
            .exec(&self.db)
            .await?;
        if r.rows_affected == 0 {
            return Err(RepoError::NotFound);
        }
        self.get_tenant(id).await?.ok_or(RepoError::NotFound)
    }
}
