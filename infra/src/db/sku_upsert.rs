//! Batch upsert of SKUs by `(catalog, seller_sku)`: the write side of imports and `upsertSkus`.
//!
//! Per batch: one read of the rows that already exist (skipped when the caller knows the catalog held none of
//! them), the merge in Rust ([`super::sku_repo`]'s field rules: `None` keeps, readiness recomputed), then one
//! set-based insert of the new rows and one set-based update of the changed rows ([`super::bulk`]). Unchanged
//! rows cost nothing but the read, so re-importing the same file is the fast path.
//!
//! The read goes through the `(catalog_id, seller_sku)` unique index by construction: on a table that grew
//! inside the import's own transaction the planners have no statistics, and a condition on `tenant_id` made
//! PostgreSQL walk the tenant index for every batch (91% of a 100,000-row import). The catalog is checked to
//! be the tenant's in the same transaction, and every row read is checked again in Rust.

use super::RepoError;
use super::bulk::{self, ph};
use super::entity::sku;
use super::sku_repo::{SkuUpsert, UpsertCounts, apply_fields, new_model};
use chrono::Utc;
use domain::tenant::TenantId;
use sea_orm::{ConnectionTrait, DbBackend, Iterable, Statement, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// Columns an upsert writes on an existing row: everything but the identity, the creation time, and what
/// lookups and card moderation own (a lookup finishing during an import keeps its result).
fn update_columns() -> Vec<sku::Column> {
    use sku::Column as C;
    sku::Column::iter()
        .filter(|c| {
            !matches!(
                c,
                C::Id
                    | C::TenantId
                    | C::CatalogId
                    | C::SellerSku
                    | C::CreatedAt
                    | C::LookupState
                    | C::LookupCandidates
                    | C::LookedUpAt
                    | C::CardStatus
                    | C::ModerationStatus
                    | C::ModerationRemarks
                    | C::CardData
                    | C::Gov
            )
        })
        .collect()
}

/// `true` when the catalog has no SKU yet (an import into it can skip the per-batch reads).
pub async fn catalog_is_empty<C: ConnectionTrait>(conn: &C, catalog_id: Uuid) -> Result<bool, RepoError> {
    let backend = conn.get_database_backend();
    let sql = format!("SELECT 1 AS one FROM skus WHERE catalog_id = {} LIMIT 1", ph(backend, 1));
    let row = conn.query_one_raw(Statement::from_sql_and_values(backend, sql, [Value::from(catalog_id)])).await?;
    Ok(row.is_none())
}

/// The rows of `catalog_id` stored under the seller SKUs of `rows`, by seller SKU.
///
/// # Errors
/// The database's.
pub async fn stored<C: ConnectionTrait>(conn: &C, tenant: TenantId, catalog_id: Uuid, rows: &[SkuUpsert]) -> Result<HashMap<String, sku::Model>, RepoError> {
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            // `= ANY(ARRAY(…))` is an index condition; `IN (SELECT …)` became a hash join over the whole
            // catalog whenever the planner underestimated it.
            "SELECT * FROM skus WHERE catalog_id = $1 AND seller_sku = ANY(ARRAY(SELECT json_array_elements_text($2::json)))"
        }
        _ => "SELECT * FROM skus INDEXED BY uq_skus_catalog_seller_sku WHERE catalog_id = ? AND seller_sku IN (SELECT value FROM json_each(?))",
    };
    let values = [Value::from(catalog_id), Value::from(bulk::json_strings(rows.iter().map(|r| r.seller_sku.as_str())))];
    let found = super::sku_rows::query(conn, Statement::from_sql_and_values(backend, sql, values)).await?;
    Ok(found.into_iter().filter(|m| m.tenant_id == tenant.0).map(|m| (m.seller_sku.clone(), m)).collect())
}

/// A batch merged with what is stored and turned into statements, not yet written.
#[derive(Debug)]
pub struct PlannedBatch {
    counts: UpsertCounts,
    inserts: Vec<Statement>,
    updates: Vec<Statement>,
}

impl PlannedBatch {
    /// Writes the batch on `conn`.
    ///
    /// # Errors
    /// [`RepoError::Duplicate`] (`seller_sku`) when a row planned as new exists after all (another import into
    /// the same catalog at the same time); the database's otherwise.
    pub async fn write<C: ConnectionTrait>(self, conn: &C) -> Result<UpsertCounts, RepoError> {
        for statement in self.inserts {
            conn.execute_raw(statement).await.map_err(RepoError::unique("seller_sku"))?;
        }
        for statement in self.updates {
            conn.execute_raw(statement).await?;
        }
        Ok(self.counts)
    }
}

/// Plans `rows` against the `stored` rows among them (by seller SKU, as [`stored`] reads them): new rows are
/// inserted, changed rows updated, unchanged rows only counted. Needs no database, so it can run while the
/// database writes or reads another batch.
///
/// # Errors
/// A value the bulk writes do not support.
pub fn plan(backend: DbBackend, tenant: TenantId, catalog_id: Uuid, rows: &[SkuUpsert], mut stored: HashMap<String, sku::Model>) -> Result<PlannedBatch, RepoError> {
    let mut counts = UpsertCounts::default();
    let now = Utc::now();
    let mut inserts = Vec::new();
    let mut updates = Vec::new();
    for row in rows {
        match stored.remove(&row.seller_sku) {
            Some(mut m) => {
                if apply_fields(&mut m, &row.fields, now) {
                    updates.push(m);
                    counts.updated += 1;
                } else {
                    counts.unchanged += 1;
                }
            }
            None => {
                let mut m = new_model(tenant, catalog_id, &row.seller_sku, now);
                apply_fields(&mut m, &row.fields, now);
                inserts.push(m);
                counts.created += 1;
            }
        }
    }
    Ok(PlannedBatch {
        counts,
        inserts: bulk::insert_statements::<sku::Entity>(backend, &inserts)?,
        updates: bulk::update_statements::<sku::Entity>(backend, &updates, sku::Column::Id, &update_columns())?,
    })
}

/// Upserts a batch by `(catalog, seller_sku)` on `conn` (a transaction). The catalog must already be known to
/// belong to `tenant`, and the rows of the batch must have distinct seller SKUs.
///
/// # Errors
/// [`RepoError::Duplicate`] (`seller_sku`) when a row read as new exists after all (another write into the same
/// catalog at the same time); the database's otherwise.
pub async fn upsert_batch<C: ConnectionTrait>(conn: &C, tenant: TenantId, catalog_id: Uuid, rows: &[SkuUpsert]) -> Result<UpsertCounts, RepoError> {
    let rows_stored = stored(conn, tenant, catalog_id, rows).await?;
    plan(conn.get_database_backend(), tenant, catalog_id, rows, rows_stored)?.write(conn).await
}
