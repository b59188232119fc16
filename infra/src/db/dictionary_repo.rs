//! NCT's dictionaries as stored rows, per NCT (`namespace`, its base URL) and dictionary code, and the
//! bookkeeping of their incremental refresh.
//!
//! A refresh *pass* reads a dictionary page by page. Each page is written in one transaction: new items
//! are inserted, changed ones (names, parent, `hasChild`, `isDeleted`, `updatedDate`) updated, unchanged
//! ones only stamped with the pass. The sync row records the next page, so a pass interrupted by a crash
//! resumes where it stopped, and a lease keeps two processes from reading the same dictionary at once.
//! When the last page is in, items the pass did not see are marked deleted, and the dictionary's
//! `generation` is raised if anything changed; readers compare generations and reload only then.

use super::RepoError;
use super::entity::{nct_dictionary_item as item, nct_dictionary_sync as sync};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};
use std::collections::HashMap;
use std::time::Duration;

/// One dictionary item as NCT sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DictItem {
    /// NCT's id.
    pub item_id: i64,
    /// Its parent's id (tree dictionaries).
    pub parent_id: Option<i64>,
    /// The code (`1020-0011`, `1806321000`, `KZ`).
    pub code: String,
    /// Level in the tree (1 = root).
    pub level: i32,
    /// Whether it has children.
    pub has_child: bool,
    /// Russian name.
    pub name_ru: String,
    /// Kazakh name.
    pub name_kk: String,
    /// NCT marked it deleted.
    pub deleted: bool,
    /// NCT's `updatedDate`.
    pub updated_date: Option<String>,
}

impl From<item::Model> for DictItem {
    fn from(m: item::Model) -> Self {
        Self {
            item_id: m.item_id,
            parent_id: m.parent_id,
            code: m.code,
            level: m.level,
            has_child: m.has_child,
            name_ru: m.name_ru,
            name_kk: m.name_kk,
            deleted: m.deleted,
            updated_date: m.updated_date,
        }
    }
}

/// Where a dictionary's refresh is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncState {
    /// The pass under way (or the next one).
    pub pass: i32,
    /// The next page to read.
    pub next_page: i32,
    /// Pages NCT reported (0 before the first page of a pass).
    pub total_pages: i32,
    /// End of the last complete pass; `None`: never complete.
    pub finished_at: Option<DateTime<Utc>>,
    /// Raised by every pass that changed something.
    pub generation: i32,
}

impl From<sync::Model> for SyncState {
    fn from(m: sync::Model) -> Self {
        Self { pass: m.pass, next_page: m.next_page, total_pages: m.total_pages, finished_at: m.finished_at, generation: m.generation }
    }
}

/// Dictionary repository.
#[derive(Clone)]
pub struct DictionaryRepo {
    db: DatabaseConnection,
}

impl DictionaryRepo {
    /// Wraps a connection.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    async fn sync_row(&self, ns: &str, dict: &str) -> Result<Option<sync::Model>, RepoError> {
        Ok(sync::Entity::find()
            .filter(sync::Column::Namespace.eq(ns))
            .filter(sync::Column::Dictionary.eq(dict))
            .one(&self.db)
            .await?)
    }

    /// The refresh state of a dictionary, if it was ever refreshed.
    pub async fn state(&self, ns: &str, dict: &str) -> Result<Option<SyncState>, RepoError> {
        Ok(self.sync_row(ns, dict).await?.map(Into::into))
    }

    /// Takes the refresh of a dictionary for `lease` when it is due: never complete, a pass under way
    /// whose lease ran out (a process died), or the last pass older than `every`. `None` when not due or
    /// held by another process.
    pub async fn claim(&self, ns: &str, dict: &str, lease: Duration, every: Duration) -> Result<Option<SyncState>, RepoError> {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5));
        let Some(row) = self.sync_row(ns, dict).await? else {
            let m = sync::ActiveModel {
                namespace: Set(ns.to_owned()),
                dictionary: Set(dict.to_owned()),
                pass: Set(1),
                next_page: Set(1),
                total_pages: Set(0),
                running: Set(true),
                lease_until: Set(Some(until)),
                started_at: Set(Some(now)),
                finished_at: Set(None),
                items: Set(0),
                changed: Set(0),
                generation: Set(0),
                ..Default::default()
            };
            return match m.insert(&self.db).await {
                Ok(m) => Ok(Some(m.into())),
                // Another process created it first: it holds the lease.
                Err(e) => match RepoError::unique("dictionary")(e) {
                    RepoError::Duplicate(_) => Ok(None),
                    other => Err(other),
                },
            };
        };
        let leased = row.lease_until.is_some_and(|l| l > now);
        let stale = row.finished_at.is_none_or(|f| now - f >= chrono::Duration::from_std(every).unwrap_or(chrono::Duration::days(1)));
        if leased || !(row.running || stale) {
            return Ok(None);
        }
        let starting = !row.running;
        // Only if nobody claimed it since we read it (the lease we saw is still there).
        let same_lease = match row.lease_until {
            Some(l) => sync::Column::LeaseUntil.eq(l),
            None => sync::Column::LeaseUntil.is_null(),
        };
        let r = sync::Entity::update_many()
            .col_expr(sync::Column::LeaseUntil, Expr::value(until))
            .col_expr(sync::Column::Running, Expr::value(true))
            .col_expr(sync::Column::StartedAt, Expr::value(if starting { Some(now) } else { row.started_at }))
            .col_expr(sync::Column::Items, Expr::value(if starting { 0 } else { row.items }))
            .col_expr(sync::Column::Changed, Expr::value(if starting { 0 } else { row.changed }))
            .filter(sync::Column::Id.eq(row.id))
            .filter(same_lease)
            .exec(&self.db)
            .await?;
        if r.rows_affected == 0 {
            return Ok(None);
        }
        Ok(self.sync_row(ns, dict).await?.map(Into::into))
    }

    /// Stores one page of a pass, moves the pass on to `next_page` and extends the lease by `lease`.
    /// Returns how many items changed.
    #[allow(clippy::too_many_arguments)]
    pub async fn store_page(&self, ns: &str, dict: &str, pass: i32, items: &[DictItem], next_page: i32, total_pages: i32, lease: Duration) -> Result<u64, RepoError> {
        let txn = self.db.begin().await?;
        let changed = upsert(&txn, ns, dict, pass, items).await?;
        let until = Utc::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(2));
        sync::Entity::update_many()
            .col_expr(sync::Column::LeaseUntil, Expr::value(until))
            .col_expr(sync::Column::NextPage, Expr::value(next_page))
            .col_expr(sync::Column::TotalPages, Expr::value(total_pages))
            .col_expr(sync::Column::Items, Expr::col(sync::Column::Items).add(i64::try_from(items.len()).unwrap_or(0)))
            .col_expr(sync::Column::Changed, Expr::col(sync::Column::Changed).add(i64::try_from(changed).unwrap_or(0)))
            .filter(sync::Column::Namespace.eq(ns))
            .filter(sync::Column::Dictionary.eq(dict))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(changed)
    }

    /// Gives the refresh back (a pass under way stays `running`, so the next step resumes it).
    pub async fn release(&self, ns: &str, dict: &str) -> Result<(), RepoError> {
        sync::Entity::update_many()
            .col_expr(sync::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(sync::Column::Namespace.eq(ns))
            .filter(sync::Column::Dictionary.eq(dict))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Ends a pass: items it did not see are marked deleted; the generation rises when anything changed.
    pub async fn finish_pass(&self, ns: &str, dict: &str) -> Result<SyncState, RepoError> {
        let txn = self.db.begin().await?;
        let row = sync::Entity::find()
            .filter(sync::Column::Namespace.eq(ns))
            .filter(sync::Column::Dictionary.eq(dict))
            .one(&txn)
            .await?
            .ok_or(RepoError::NotFound)?;
        let gone = item::Entity::update_many()
            .col_expr(item::Column::Deleted, Expr::value(true))
            .filter(item::Column::Namespace.eq(ns))
            .filter(item::Column::Dictionary.eq(dict))
            .filter(item::Column::Pass.lt(row.pass))
            .filter(item::Column::Deleted.eq(false))
            .exec(&txn)
            .await?
            .rows_affected;
        let changed = row.changed > 0 || gone > 0;
        let mut am: sync::ActiveModel = row.clone().into();
        am.pass = Set(row.pass + 1);
        am.next_page = Set(1);
        am.running = Set(false);
        am.lease_until = Set(None);
        am.finished_at = Set(Some(Utc::now()));
        am.generation = Set(row.generation + i32::from(changed));
        let m = am.update(&txn).await?;
        txn.commit().await?;
        tracing::info!(dictionary = dict, items = row.items, changed = row.changed, deleted = gone, "dictionary refresh pass done");
        Ok(m.into())
    }

    /// Stores items found outside a pass (a path looked up with roots/children), stamped with the pass
    /// under way so the pass keeps them.
    pub async fn store_found(&self, ns: &str, dict: &str, items: &[DictItem]) -> Result<u64, RepoError> {
        let pass = self.sync_row(ns, dict).await?.map_or(1, |r| r.pass);
        let txn = self.db.begin().await?;
        let changed = upsert(&txn, ns, dict, pass, items).await?;
        if changed > 0 {
            sync::Entity::update_many()
                .col_expr(sync::Column::Generation, Expr::col(sync::Column::Generation).add(1))
                .filter(sync::Column::Namespace.eq(ns))
                .filter(sync::Column::Dictionary.eq(dict))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(changed)
    }

    /// The generations of every dictionary of an NCT (readers reload when they change).
    pub async fn generations(&self, ns: &str) -> Result<Vec<(String, i32)>, RepoError> {
        Ok(sync::Entity::find()
            .select_only()
            .column(sync::Column::Dictionary)
            .column(sync::Column::Generation)
            .filter(sync::Column::Namespace.eq(ns))
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// What is stored per dictionary of an NCT: code, live items, refresh state.
    pub async fn summary(&self, ns: &str) -> Result<Vec<(String, u64, SyncState)>, RepoError> {
        let counts: Vec<(String, i64)> = item::Entity::find()
            .select_only()
            .column(item::Column::Dictionary)
            .column_as(item::Column::Id.count(), "n")
            .filter(item::Column::Namespace.eq(ns))
            .filter(item::Column::Deleted.eq(false))
            .group_by(item::Column::Dictionary)
            .into_tuple()
            .all(&self.db)
            .await?;
        let counts: HashMap<String, i64> = counts.into_iter().collect();
        let mut out: Vec<(String, u64, SyncState)> = sync::Entity::find()
            .filter(sync::Column::Namespace.eq(ns))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| (m.dictionary.clone(), counts.get(&m.dictionary).copied().and_then(|n| u64::try_from(n).ok()).unwrap_or(0), m.into()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Every live item of a dictionary.
    pub async fn items(&self, ns: &str, dict: &str) -> Result<Vec<DictItem>, RepoError> {
        Ok(item::Entity::find()
            .filter(item::Column::Namespace.eq(ns))
            .filter(item::Column::Dictionary.eq(dict))
            .filter(item::Column::Deleted.eq(false))
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// Inserts new items, updates changed ones, stamps every one with `pass`. Returns how many were new or
/// changed.
async fn upsert<C: sea_orm::ConnectionTrait>(conn: &C, ns: &str, dict: &str, pass: i32, items: &[DictItem]) -> Result<u64, RepoError> {
    let mut changed = 0u64;
    for chunk in items.chunks(200) {
        let ids: Vec<i64> = chunk.iter().map(|i| i.item_id).collect();
        let existing: HashMap<i64, item::Model> = item::Entity::find()
            .filter(item::Column::Namespace.eq(ns))
            .filter(item::Column::Dictionary.eq(dict))
            .filter(item::Column::ItemId.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|m| (m.item_id, m))
            .collect();
        let mut same = Vec::new();
        for it in chunk {
            match existing.get(&it.item_id) {
                Some(m) if DictItem::from(m.clone()) == *it => same.push(m.id),
                Some(m) => {
                    changed += 1;
                    let mut am: item::ActiveModel = m.clone().into();
                    am.parent_id = Set(it.parent_id);
                    am.code = Set(it.code.clone());
                    am.level = Set(it.level);
                    am.has_child = Set(it.has_child);
                    am.name_ru = Set(it.name_ru.clone());
                    am.name_kk = Set(it.name_kk.clone());
                    am.deleted = Set(it.deleted);
                    am.updated_date = Set(it.updated_date.clone());
                    am.pass = Set(pass);
                    am.update(conn).await?;
                }
                None => {
                    changed += 1;
                    item::ActiveModel {
                        namespace: Set(ns.to_owned()),
                        dictionary: Set(dict.to_owned()),
                        item_id: Set(it.item_id),
                        parent_id: Set(it.parent_id),
                        code: Set(it.code.clone()),
                        level: Set(it.level),
                        has_child: Set(it.has_child),
                        name_ru: Set(it.name_ru.clone()),
                        name_kk: Set(it.name_kk.clone()),
                        deleted: Set(it.deleted),
                        updated_date: Set(it.updated_date.clone()),
                        pass: Set(pass),
                        ..Default::default()
                    }
                    .insert(conn)
                    .await?;
                }
            }
        }
        if !same.is_empty() {
            item::Entity::update_many()
                .col_expr(item::Column::Pass, Expr::value(pass))
                .filter(item::Column::Id.is_in(same))
                .exec(conn)
                .await?;
        }
    }
    Ok(changed)
}
