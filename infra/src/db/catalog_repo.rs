//! Catalogs of a tenant.

use super::entity::{catalog, sku};
use super::RepoError;
use domain::tenant::TenantId;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// A catalog record.
#[derive(Clone, Debug)]
pub struct Catalog {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<catalog::Model> for Catalog {
    fn from(m: catalog::Model) -> Self {
        Self {
            id: m.id,
            tenant_id: TenantId(m.tenant_id),
            name: m.name,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Catalog repository.
#[derive(Clone)]
pub struct CatalogRepo {
    db: DatabaseConnection,
}

impl CatalogRepo {
    /// Wraps a connection.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Creates a catalog.
    pub async fn create(&self, tenant: TenantId, name: &str) -> Result<Catalog, RepoError> {
        let now = Utc::now();
        let m = catalog::ActiveModel {
            id: Set(Uuid::new_v4()),
            tenant_id: Set(tenant.0),
            name: Set(name.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&self.db)
        .await?;
        Ok(m.into())
    }

    /// One catalog of this tenant; a foreign or unknown ID is `None`.
    pub async fn get(&self, tenant: TenantId, id: Uuid) -> Result<Option<Catalog>, RepoError> {
        get_in(&self.db, tenant, id).await
    }

    /// Catalogs of this tenant ordered by creation, keyset-paged on `(created_at, id)` via the ID cursor.
    pub async fn list(
        &self,
        tenant: TenantId,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<Catalog>, RepoError> {
        let mut q = catalog::Entity::find().filter(catalog::Column::TenantId.eq(tenant.0));
        if let Some(a) = after {
            q = q.filter(catalog::Column::Id.gt(a));
        }
        Ok(q.order_by_asc(catalog::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Number of catalogs of this tenant.
    pub async fn count(&self, tenant: TenantId) -> Result<u64, RepoError> {
        Ok(catalog::Entity::find()
            .filter(catalog::Column::TenantId.eq(tenant.0))
            .count(&self.db)
            .await?)
    }

    /// Renames a catalog.
    pub async fn rename(&self, tenant: TenantId, id: Uuid, name: &str) -> Result<Catalog, RepoError> {
        let m = catalog::Entity::find_by_id(id)
            .filter(catalog::Column::TenantId.eq(tenant.0))
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        let mut am: catalog::ActiveModel = m.into();
        am.name = Set(name.to_owned());
        am.updated_at = Set(Utc::now());
        Ok(am.update(&self.db).await?.into())
    }

    /// Deletes a catalog and its SKUs (by cascade, and explicitly for backends without FK enforcement).
    pub async fn delete(&self, tenant: TenantId, id: Uuid) -> Result<(), RepoError> {
        let txn = super::begin_write(&self.db).await?;
        let found = catalog::Entity::find_by_id(id)
            .filter(catalog::Column::TenantId.eq(tenant.0))
            .one(&txn)
            .await?
            .ok_or(RepoError::NotFound)?;
        sku::Entity::delete_many()
            .filter(sku::Column::TenantId.eq(tenant.0))
            .filter(sku::Column::CatalogId.eq(found.id))
            .exec(&txn)
            .await?;
        catalog::Entity::delete_by_id(found.id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// Loads one catalog of a tenant on any connection (pool or transaction).
pub async fn get_in<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<Catalog>, RepoError> {
    Ok(catalog::Entity::find_by_id(id)
        .filter(catalog::Column::TenantId.eq(tenant.0))
        .one(conn)
        .await?
        .map(Into::into))
}
