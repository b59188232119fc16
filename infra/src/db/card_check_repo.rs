//! The card check's result per SKU (`card_checks`, with one `card_check_codes` row per problem), written
//! when the card changes, and the catalog-level aggregates read from them without a cap.
//!
//! A stored result is *fresh* when it was made with the current schema and dictionaries (`version`) and
//! of the SKU as it is (`checked_at`, the `updated_at` of the card that was checked, `>= skus.updated_at`);
//! otherwise the SKU counts as unchecked until the background refresher
//! ([`crate::jobs::follow::Follower::upkeep`]) or the next edit checks it again.
//!
//! The SKUs concerned are those that need a card made by hand and have no NTIN (the condition of
//! `card_repo::need_card`, in SQL).

use super::RepoError;
use super::entity::{card_check, card_check_code};
use chrono::{DateTime, Utc};
use domain::card::{CardProblem, Severity};
use domain::tenant::TenantId;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, Set, Statement,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// SKUs that need a hand-made card and have no NTIN (SQL over `skus s`).
const NEED_CARD: &str = "(s.readiness_class IN ('MANUAL_CARD', 'TEMPORARY_XTIN') OR s.lookup_state = 'NOT_FOUND') AND s.ntin IS NULL";

/// Checks per upsert statement (nine parameters each).
const UPSERT_ROWS: usize = 100;

/// A stored check is fresh (SQL over `card_checks c` and `skus s`; the version is the first parameter).
const FRESH: &str = "c.sku_id IS NOT NULL AND c.version = {v} AND c.checked_at >= s.updated_at";

/// Catalog card readiness from stored checks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredReadiness {
    /// SKUs that need a card and have no NTIN.
    pub total: u64,
    /// Of those, with a fresh stored check.
    pub checked: u64,
    /// Checked without errors.
    pub ready: u64,
    /// Checked with at least one error.
    pub with_errors: u64,
    /// Errors and warnings by code over the checked SKUs.
    pub by_code: Vec<(String, u64)>,
}

/// One SKU's check to store: made of the card as it was at `card_at`.
#[derive(Clone, Copy, Debug)]
pub struct StoredCheck<'a> {
    /// The SKU.
    pub sku_id: Uuid,
    /// Its catalog.
    pub catalog_id: Uuid,
    /// An extended (gov) card.
    pub gov: bool,
    /// What the check found.
    pub problems: &'a [CardProblem],
    /// The `updated_at` of the card that was checked.
    pub card_at: DateTime<Utc>,
}

/// A group of the registration plan: pending cards of one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanGroup {
    /// Extended (gov) cards.
    pub gov: bool,
    /// Their stored check has warnings (one revision cycle assumed).
    pub warnings: bool,
    /// How many.
    pub count: u64,
}

/// Card check repository.
#[derive(Clone)]
pub struct CardCheckRepo {
    db: DatabaseConnection,
}

fn ph(backend: DbBackend, n: usize) -> String {
    if backend == DbBackend::Postgres { format!("${n}") } else { "?".to_owned() }
}

impl CardCheckRepo {
    /// Wraps a connection.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The catalog's change stamp: it moves whenever a SKU or a stored check of the catalog is inserted,
    /// updated or deleted, by any process (database triggers; migration `m20261203_000010_catalog_stamps`).
    /// Read it before an aggregate: an answer computed after a stamp is valid for as long as the stamp is.
    /// A catalog nothing was noted for yet has the stamp `-`.
    pub async fn catalog_stamp(&self, catalog: Uuid) -> Result<String, RepoError> {
        Ok(self.stamps(Some(catalog)).await?.remove(&catalog).unwrap_or_else(|| "-".to_owned()))
    }

    /// Every catalog's change stamp (as [`Self::catalog_stamp`]), for those that have one.
    pub async fn catalog_stamps(&self) -> Result<HashMap<Uuid, String>, RepoError> {
        self.stamps(None).await
    }

    /// The stamps of one catalog or of all: on PostgreSQL the count and highest `seq` of its change notes, on
    /// SQLite its counter.
    async fn stamps(&self, catalog: Option<Uuid>) -> Result<HashMap<Uuid, String>, RepoError> {
        let b = self.db.get_database_backend();
        let (select, group) = if b == DbBackend::Postgres {
            ("SELECT catalog_id, count(*)::text || '.' || max(seq)::text FROM catalog_changes", " GROUP BY catalog_id")
        } else {
            ("SELECT catalog_id, CAST(gen AS TEXT) FROM catalog_stamps", "")
        };
        let stmt = match catalog {
            Some(c) => Statement::from_sql_and_values(b, format!("{select} WHERE catalog_id = {}{group}", ph(b, 1)), [c.into()]),
            None => Statement::from_string(b, format!("{select}{group}")),
        };
        let rows = self.db.query_all_raw(stmt).await?;
        rows.iter()
            .map(|r| Ok((r.try_get_by_index::<Uuid>(0)?, r.try_get_by_index::<String>(1)?)))
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(Into::into)
    }

    /// Every catalog, as `(tenant, catalog)`.
    pub async fn catalogs(&self) -> Result<Vec<(TenantId, Uuid)>, RepoError> {
        let b = self.db.get_database_backend();
        let rows = self.db.query_all_raw(Statement::from_string(b, "SELECT tenant_id, id FROM catalogs ORDER BY tenant_id, id")).await?;
        rows.iter()
            .map(|r| Ok((TenantId(r.try_get_by_index::<Uuid>(0)?), r.try_get_by_index::<Uuid>(1)?)))
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(Into::into)
    }

    /// Drops the change notes older than `age` (PostgreSQL keeps one per statement and catalog; SQLite
    /// keeps one counter per catalog and has nothing to drop). Returns how many went.
    pub async fn prune_catalog_changes(&self, age: std::time::Duration) -> Result<u64, RepoError> {
        if self.db.get_database_backend() != DbBackend::Postgres {
            return Ok(0);
        }
        let before = Utc::now() - chrono::Duration::from_std(age).unwrap_or(chrono::Duration::minutes(10));
        let sql = "DELETE FROM catalog_changes WHERE at < $1";
        let r = self.db.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, [before.into()])).await?;
        Ok(r.rows_affected())
    }

    /// Stores a SKU's check, made of the card as it was at `card_at` (the SKU's `updated_at` when it was
    /// read), replacing the previous one unless that was made of a newer card: a background re-check that
    /// read the card before an edit never overwrites the edit's own check, and a result of an older card
    /// stays stale. Concurrent stores of one SKU are serialised by the upsert's row lock.
    #[allow(clippy::too_many_arguments)]
    pub async fn store(&self, tenant: TenantId, sku_id: Uuid, catalog_id: Uuid, gov: bool, problems: &[CardProblem], version: &str, card_at: DateTime<Utc>) -> Result<(), RepoError> {
        let check = StoredCheck { sku_id, catalog_id, gov, problems, card_at };
        self.store_many(tenant, std::slice::from_ref(&check), version).await
    }

    /// Stores the checks of many SKUs of a tenant in one transaction (a re-check of a batch), each as
    /// [`Self::store`] does.
    pub async fn store_many(&self, tenant: TenantId, checks: &[StoredCheck<'_>], version: &str) -> Result<(), RepoError> {
        if checks.is_empty() {
            return Ok(());
        }
        // One row per SKU: of two checks of one SKU the one of the newer card (a statement may not touch a
        // row twice).
        let mut latest: HashMap<Uuid, usize> = HashMap::with_capacity(checks.len());
        for (i, c) in checks.iter().enumerate() {
            match latest.get(&c.sku_id) {
                Some(&j) if checks[j].card_at >= c.card_at => {}
                _ => {
                    latest.insert(c.sku_id, i);
                }
            }
        }
        let mut unique: Vec<&StoredCheck<'_>> = latest.values().map(|&i| &checks[i]).collect();
        unique.sort_by_key(|c| c.sku_id);
        let b = self.db.get_database_backend();
        let txn = super::begin_write(&self.db).await?;
        let mut written: Vec<&StoredCheck<'_>> = Vec::with_capacity(unique.len());
        for chunk in unique.chunks(UPSERT_ROWS) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|r| format!("({})", (1..=9).map(|k| ph(b, r * 9 + k)).collect::<Vec<_>>().join(", ")))
                .collect();
            // Rows a check of a newer card already holds are left alone, and not returned.
            let sql = format!(
                "INSERT INTO card_checks (sku_id, tenant_id, catalog_id, errors, warnings, gov, problems, version, checked_at) \
                 VALUES {} ON CONFLICT (sku_id) DO UPDATE SET errors = excluded.errors, warnings = excluded.warnings, \
                 gov = excluded.gov, problems = excluded.problems, version = excluded.version, checked_at = excluded.checked_at \
                 WHERE card_checks.checked_at <= excluded.checked_at RETURNING sku_id",
                rows.join(", ")
            );
            let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 9);
            for c in chunk {
                let count = |s: Severity| i32::try_from(c.problems.iter().filter(|p| p.severity == s).count()).unwrap_or(i32::MAX);
                values.extend([
                    c.sku_id.into(),
                    tenant.0.into(),
                    c.catalog_id.into(),
                    count(Severity::Error).into(),
                    count(Severity::Warning).into(),
                    c.gov.into(),
                    serde_json::to_string(c.problems).unwrap_or_else(|_| "[]".to_owned()).into(),
                    version.into(),
                    c.card_at.into(),
                ]);
            }
            let stored: HashSet<Uuid> = txn
                .query_all_raw(Statement::from_sql_and_values(b, sql, values))
                .await?
                .iter()
                .map(|r| r.try_get_by_index::<Uuid>(0))
                .collect::<Result<_, sea_orm::DbErr>>()?;
            written.extend(chunk.iter().copied().filter(|c| stored.contains(&c.sku_id)));
        }
        for chunk in written.chunks(500) {
            card_check_code::Entity::delete_many()
                .filter(card_check_code::Column::SkuId.is_in(chunk.iter().map(|c| c.sku_id)))
                .exec(&txn)
                .await?;
        }
        let rows: Vec<card_check_code::ActiveModel> = written
            .iter()
            .flat_map(|c| {
                c.problems.iter().map(|p| card_check_code::ActiveModel {
                    sku_id: Set(c.sku_id),
                    tenant_id: Set(tenant.0),
                    catalog_id: Set(c.catalog_id),
                    code: Set(p.code.as_str().to_owned()),
                    severity: Set(p.severity.as_str().to_owned()),
                    ..Default::default()
                })
            })
            .collect();
        // Five columns a row: well under SQLite's parameter limit per statement.
        for chunk in rows.chunks(1000) {
            card_check_code::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The stored checks of these SKUs of a tenant (a page's `cardCheck`), fresh or not.
    pub async fn stored_for(&self, tenant: TenantId, ids: &[Uuid]) -> Result<Vec<card_check::Model>, RepoError> {
        use card_check::Column as C;
        Ok(super::bulk::tenant_rows_in::<card_check::Entity, _>(&self.db, C::TenantId, tenant, C::SkuId, ids).await?)
    }

    /// SKUs whose stored check is missing or stale, oldest change first: `(tenant, sku)`. Limited to one
    /// catalog when given.
    pub async fn stale(&self, version: &str, scope: Option<(TenantId, Uuid)>, limit: u64) -> Result<Vec<(TenantId, Uuid)>, RepoError> {
        let b = self.db.get_database_backend();
        let mut values: Vec<sea_orm::Value> = vec![version.into()];
        let mut sql = format!(
            "SELECT s.tenant_id, s.id FROM skus s LEFT JOIN card_checks c ON c.sku_id = s.id WHERE {NEED_CARD} AND NOT ({})",
            FRESH.replace("{v}", &ph(b, 1))
        );
        if let Some((t, cat)) = scope {
            sql.push_str(&format!(" AND s.tenant_id = {} AND s.catalog_id = {}", ph(b, 2), ph(b, 3)));
            values.push(t.0.into());
            values.push(cat.into());
        }
        sql.push_str(&format!(" ORDER BY s.tenant_id, s.updated_at LIMIT {limit}"));
        let rows = self.db.query_all_raw(Statement::from_sql_and_values(b, sql, values)).await?;
        rows.iter()
            .map(|r| Ok((TenantId(r.try_get_by_index::<Uuid>(0)?), r.try_get_by_index::<Uuid>(1)?)))
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(Into::into)
    }

    /// Card readiness of a catalog from the stored checks (no cap: one aggregate query, one per code).
    pub async fn readiness(&self, tenant: TenantId, catalog: Uuid, version: &str) -> Result<StoredReadiness, RepoError> {
        let b = self.db.get_database_backend();
        // Placeholders in the order of the values (SQLite's `?` are positional): version, tenant, catalog.
        let fresh = FRESH.replace("{v}", &ph(b, 1));
        let scope = format!("s.tenant_id = {} AND s.catalog_id = {}", ph(b, 2), ph(b, 3));
        let values = || -> Vec<sea_orm::Value> { vec![version.into(), tenant.0.into(), catalog.into()] };
        let sql = format!(
            "SELECT count(*), sum(f), sum(CASE WHEN f = 1 AND errors = 0 THEN 1 ELSE 0 END), \
             sum(CASE WHEN f = 1 AND errors > 0 THEN 1 ELSE 0 END) FROM (\
             SELECT CASE WHEN {fresh} THEN 1 ELSE 0 END AS f, coalesce(c.errors, 0) AS errors \
             FROM skus s LEFT JOIN card_checks c ON c.sku_id = s.id WHERE {scope} AND {NEED_CARD}) x"
        );
        let row = self.db.query_one_raw(Statement::from_sql_and_values(b, sql, values())).await?;
        let n = |i: usize| -> u64 {
            row.as_ref().and_then(|r| r.try_get_by_index::<Option<i64>>(i).ok().flatten()).and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
        };
        let mut out = StoredReadiness { total: n(0), checked: n(1), ready: n(2), with_errors: n(3), by_code: Vec::new() };
        let sql = format!(
            "SELECT k.code, count(*) FROM card_check_codes k JOIN card_checks c ON c.sku_id = k.sku_id JOIN skus s ON s.id = k.sku_id \
             WHERE {fresh} AND {scope} AND {NEED_CARD} AND k.severity <> 'INFO' GROUP BY k.code"
        );
        for r in self.db.query_all_raw(Statement::from_sql_and_values(b, sql, values())).await? {
            let code: String = r.try_get_by_index(0)?;
            let count: i64 = r.try_get_by_index(1)?;
            out.by_code.push((code, u64::try_from(count).unwrap_or(0)));
        }
        out.by_code.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(out)
    }

    /// The catalog's pending cards (not rejected or cancelled) grouped by extended or not and by whether
    /// their stored check has warnings (a card never checked counts as without).
    pub async fn plan_groups(&self, tenant: TenantId, catalog: Uuid) -> Result<Vec<PlanGroup>, RepoError> {
        let b = self.db.get_database_backend();
        let sql = format!(
            "SELECT CASE WHEN s.gov THEN 1 ELSE 0 END, CASE WHEN coalesce(c.warnings, 0) > 0 THEN 1 ELSE 0 END, count(*) \
             FROM skus s LEFT JOIN card_checks c ON c.sku_id = s.id \
             WHERE s.tenant_id = {} AND s.catalog_id = {} AND {NEED_CARD} \
             AND (s.card_status IS NULL OR s.card_status NOT IN ('REJECTED', 'CANCELLED')) \
             GROUP BY CASE WHEN s.gov THEN 1 ELSE 0 END, CASE WHEN coalesce(c.warnings, 0) > 0 THEN 1 ELSE 0 END",
            ph(b, 1),
            ph(b, 2)
        );
        let rows = self.db.query_all_raw(Statement::from_sql_and_values(b, sql, [tenant.0.into(), catalog.into()])).await?;
        rows.iter()
            .map(|r| {
                Ok(PlanGroup {
                    // A CASE of integer literals is INT4 on PostgreSQL (and INTEGER on SQLite).
                    gov: r.try_get_by_index::<i32>(0)? != 0,
                    warnings: r.try_get_by_index::<i32>(1)? != 0,
                    count: u64::try_from(r.try_get_by_index::<i64>(2)?).unwrap_or(0),
                })
            })
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(Into::into)
    }
}
