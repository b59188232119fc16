//! The scan of a catalog-wide LOOKUP job (issue 13). `startLookupJob` for a whole catalog counts its SKUs and
//! writes no item ([`super::job_start`]); the worker then reads the SKUs to look up in seller-SKU order, a batch
//! after the job's cursor (`jobs.scan_after`) at a time, answers them from the cache, and writes in one
//! transaction:
//! - a pending item for each miss, which the worker then claims and looks up at NCT as any item;
//! - the hits' results on their SKUs ([`super::lookup_write::write_skus`]) and their `ntin.assigned` events. A
//!   hit gets no item: nothing reads a finished item but [`super::job_progress::recount`], and the job row
//!   counts the hits by outcome (`scan_found`, `scan_ambiguous`, `scan_not_found`) for it;
//! - the counters, and the cursor moved on from the value the batch was read after. When it has moved
//!   meanwhile (another worker wrote the batch, or a cancel ended the scan) nothing is written.
//!
//! A warm catalog so costs one SKU update per SKU, where items written at the start cost an item insert, a read
//! and an update each besides. On SQLite the update finds each SKU by the `rowid` the scan read. A cold batch
//! (the worker decides) hands the rest of the catalog over as pending items in one insert and ends the scan
//! ([`ScanWrite::hand_over`]). One worker scans a job at a time ([`super::job_repo::JobRepo::take_scan`]).
//!
//! The scan takes the catalog as it is when it gets there: a SKU that got an NTIN meanwhile is left out, one
//! imported meanwhile is looked up too. `total` is the count taken at the start until the scan is over, then
//! the number of SKUs it took.

use super::RepoError;
use super::bulk::{SQLITE_MAX_PARAMS, pg_array, ph};
use super::job_progress::ProgressDelta;
use super::job_repo::{ClaimedItem, Job, LookupItemResult, newly_assigned};
use super::job_start::{Rest, items_insert, room_to_sort};
use super::lookup_write::{item_fields, relaxed_commit, write_skus_at};
use chrono::{DateTime, Utc};
use domain::job::{ItemState, JobKind};
use domain::tenant::TenantId;
use domain::readiness::ReadinessClass;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use uuid::Uuid;

/// Rows per PostgreSQL item insert.
const PG_ROWS: usize = 10_000;

/// SKUs of a scan, read after a cursor.
#[derive(Debug, Default)]
pub struct ScanBatch {
    /// The SKUs, in seller-SKU order.
    pub items: Vec<ScanSku>,
    /// As many as asked for: more may follow.
    pub full: bool,
}

/// A SKU a scan read.
#[derive(Clone, Debug)]
pub struct ScanSku {
    /// The SKU as an item not yet written (`id` 0).
    pub item: ClaimedItem,
    /// Its seller SKU (the scan's cursor).
    pub seller_sku: String,
    /// Its SQLite `rowid` (`None` on PostgreSQL).
    pub row: Option<i64>,
}

/// Up to `n` SKUs of `job`'s scan after seller SKU `after`: the SKUs `job_start` chooses for a LOOKUP, read along
/// `idx_skus_catalog_class_sku`. The tenant condition is kept out of the planners' reach (`+tenant_id` on SQLite,
/// a `CASE` on PostgreSQL), which leaves the index on the catalog, class and seller SKU as the way to the rows.
///
/// # Errors
/// The database.
pub async fn read(db: &DatabaseConnection, job: &Job, after: &str, n: u64) -> Result<ScanBatch, RepoError> {
    let backend = db.get_database_backend();
    let p = |i| ph(backend, i);
    let tenant = match backend {
        DbBackend::Postgres => format!("(CASE WHEN tenant_id = {} THEN true ELSE false END)", p(3)),
        _ => "+tenant_id = ?".to_owned(),
    };
    // Constants and our own integer only; the values are bound (in text order: catalog, cursor, tenant).
    let rowid = if backend == DbBackend::Postgres { "" } else { "rowid AS row_id, " };
    let sql = format!(
        "SELECT {rowid}id, seller_sku, gtin14 FROM skus WHERE catalog_id = {} AND readiness_class = '{}' AND seller_sku > {} \
         AND gtin14 IS NOT NULL AND ntin IS NULL AND {tenant} ORDER BY seller_sku LIMIT {n}",
        p(1),
        ReadinessClass::AutoLookupReady.as_str(),
        p(2),
    );
    let values = [Value::from(job.catalog_id), Value::from(after), Value::from(job.tenant_id.0)];
    let stmt = Statement::from_sql_and_values(backend, sql, values);
    let rows = if backend == DbBackend::Postgres {
        // PostgreSQL estimated 10,000 index reads dearer than reading the whole table in parallel and sorting
        // what matched (265 ms a batch). The SKUs are read along the index: in seller-SKU order, no sort.
        use sea_orm::TransactionTrait as _;
        let txn = db.begin().await?;
        txn.execute_unprepared("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off").await?;
        let rows = txn.query_all_raw(stmt).await?;
        txn.commit().await?;
        rows
    } else {
        db.query_all_raw(stmt).await?
    };
    let full = rows.len() as u64 >= n;
    let items = rows
        .iter()
        .map(|r| {
            Ok(ScanSku {
                item: ClaimedItem { id: 0, job_id: job.id, sku_id: r.try_get("", "id")?, gtin14: r.try_get("", "gtin14")?, attempts: 0 },
                seller_sku: r.try_get("", "seller_sku")?,
                row: if backend == DbBackend::Postgres { None } else { Some(r.try_get("", "row_id")?) },
            })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
    Ok(ScanBatch { items, full })
}

/// A part of a scan to write: the SKUs after `from` up to `to`, each with its answer (`None`: a miss, left
/// pending for NCT). `done` ends the scan.
#[derive(Debug)]
pub struct ScanWrite {
    /// The cursor the SKUs were read after.
    pub from: String,
    /// The cursor after them.
    pub to: String,
    /// Nothing follows: the scan is over.
    pub done: bool,
    /// The catalog runs cold: the SKUs after `to` become pending items in this write, as `startLookupJob`
    /// writes them without a scan, and the scan is over. Answering a cold catalog batch by batch gains nothing
    /// (each SKU goes to NCT anyway), and on PostgreSQL the pending items a scan wrote batch by batch were read
    /// far slower than those of one insert.
    pub hand_over: bool,
    /// The SKUs, in seller-SKU order.
    pub items: Vec<(ScanSku, Option<LookupItemResult>)>,
    /// When parts are written at once: the part before this one. This part moves the cursor only after that
    /// one has moved it (`true`), and rolls back when it did not. Without it, a part that finished its SKUs
    /// first found the cursor not yet at its `from` and rolled back all its work.
    pub wait_for: Option<tokio::sync::oneshot::Receiver<bool>>,
    /// Told whether this part moved the cursor (for the part after it).
    pub written: Option<tokio::sync::oneshot::Sender<bool>>,
}

/// Writes a part of `job`'s scan (see the module docs). `false` when the cursor was no longer at `from`
/// (another worker wrote these SKUs, or the scan was cancelled): nothing was written.
///
/// # Errors
/// The database.
pub async fn write(db: &DatabaseConnection, job: &Job, mut part: ScanWrite) -> Result<bool, RepoError> {
    let written = part.written.take();
    let moved = write_part(db, job, part).await;
    if let Some(tx) = written {
        // The part after this one may have stopped waiting (it failed); nothing to tell then.
        let _ = tx.send(matches!(moved, Ok(true)));
    }
    moved
}

async fn write_part(db: &DatabaseConnection, job: &Job, part: ScanWrite) -> Result<bool, RepoError> {
    let (tenant, job_id) = (job.tenant_id, job.id);
    let now = Utc::now();
    let txn = super::begin_write(db).await?;
    relaxed_commit(&txn).await?;
    let mut n = part.items.len() as u64;
    // An item for each miss (pending) and for a failure, if the cache ever gave one; none for the hits.
    let itemized: Vec<_> = part.items.iter().filter(|(_, r)| !is_hit(r.as_ref())).map(|(s, r)| (s.item.clone(), r.clone())).collect();
    insert_items(&txn, tenant, job_id, &itemized, now).await?;
    let (settled, rows): (Vec<(ClaimedItem, LookupItemResult)>, Vec<Option<i64>>) =
        part.items.into_iter().filter_map(|(s, r)| r.map(|r| ((s.item, r), s.row))).unzip();
    let rows: Option<Vec<i64>> = rows.into_iter().collect();
    let assigned = newly_assigned(&txn, tenant, &settled).await?;
    write_skus_at(&txn, tenant, &settled, rows.as_deref(), now).await?;
    crate::webhooks::events::ntin_assigned(&txn, tenant, &assigned).await?;
    if part.hand_over {
        n += hand_over(&txn, job, &part.to, now).await?;
    }
    let counted: ProgressDelta = settled.iter().map(|(_, r)| r.progress_delta()).sum();
    let hits: ProgressDelta = settled.iter().filter(|(_, r)| is_hit(Some(r))).map(|(_, r)| r.progress_delta()).sum();
    // The job row last: concurrent parts of one scan share it, and a part waits here for the one before it.
    if let Some(before) = part.wait_for
        && !before.await.unwrap_or(false)
    {
        txn.rollback().await?;
        return Ok(false);
    }
    let next = (!part.done && !part.hand_over).then_some(part.to.as_str());
    if !advance(&txn, job_id, &part.from, next, n, counted, hits, now).await? {
        txn.rollback().await?;
        return Ok(false);
    }
    txn.commit().await?;
    Ok(true)
}

/// Ends `job`'s scan when it has not ended (a cancel): the SKUs it has not reached become skipped items,
/// counted on the job. Returns how many. Call it in the cancel's transaction.
///
/// # Errors
/// The database.
pub async fn stop<C: ConnectionTrait>(conn: &C, job: &Job) -> Result<u64, RepoError> {
    let backend = conn.get_database_backend();
    let lock = if backend == DbBackend::Postgres { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT scan_after FROM jobs WHERE id = {}{lock}", ph(backend, 1));
    let row = conn.query_one_raw(Statement::from_sql_and_values(backend, sql, [Value::from(job.id)])).await?;
    let Some(after) = row.map(|r| r.try_get::<Option<String>>("", "scan_after")).transpose()?.flatten() else {
        return Ok(0);
    };
    let now = Utc::now();
    let insert = items_insert(JobKind::Lookup, None, job.tenant_id, job.catalog_id, job.id, now, Rest::SkippedAfter(&after))
        .map_err(|e| RepoError::Unexpected(anyhow::anyhow!("skipping a cancelled scan's rest: {e}")))?;
    let k = conn.execute(&insert).await?.rows_affected();
    advance(conn, job.id, &after, None, k, ProgressDelta::of(ItemState::Skipped, None, k), ProgressDelta::default(), now).await?;
    Ok(k)
}

/// Writes the SKUs of `job`'s scan after `after` as pending items; returns how many.
async fn hand_over<C: ConnectionTrait>(conn: &C, job: &Job, after: &str, now: DateTime<Utc>) -> Result<u64, RepoError> {
    room_to_sort(conn).await?;
    let insert = items_insert(JobKind::Lookup, None, job.tenant_id, job.catalog_id, job.id, now, Rest::PendingAfter(after))
        .map_err(|e| RepoError::Unexpected(anyhow::anyhow!("handing a cold scan's rest over: {e}")))?;
    Ok(conn.execute(&insert).await?.rows_affected())
}

/// A cache's answer, stored without an item: found, ambiguous or not found (not a miss, nor a failure).
fn is_hit(r: Option<&LookupItemResult>) -> bool {
    r.is_some_and(|r| !matches!(r, LookupItemResult::Failed { .. }))
}

/// Moves the scan's cursor from `from` to `to` (`None`: the scan is over, and `total` becomes the SKUs it
/// took), adding `n` scanned SKUs and `d` to the counters, and the hits of `hits` (which have no item) to the
/// scan's own counts. `false` when the cursor was not at `from`.
#[allow(clippy::too_many_arguments)]
async fn advance<C: ConnectionTrait>(
    conn: &C,
    job_id: Uuid,
    from: &str,
    to: Option<&str>,
    n: u64,
    d: ProgressDelta,
    hits: ProgressDelta,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let backend = conn.get_database_backend();
    let p = |i| ph(backend, i);
    let total = if to.is_none() { format!(", total = scanned + {n}") } else { String::new() };
    // Counts are ours (integers), spelled out; the SET expressions all read the row as it was.
    let sql = format!(
        "UPDATE jobs SET scan_after = {}, scanned = scanned + {n}{total}, processed = processed + {}, found = found + {}, \
         ambiguous = ambiguous + {}, not_found = not_found + {}, failed = failed + {}, skipped = skipped + {}, \
         scan_found = scan_found + {}, scan_ambiguous = scan_ambiguous + {}, scan_not_found = scan_not_found + {}, updated_at = {} \
         WHERE id = {} AND scan_after = {}",
        p(1),
        d.processed(),
        d.found,
        d.ambiguous,
        d.not_found,
        d.failed,
        d.skipped,
        hits.found,
        hits.ambiguous,
        hits.not_found,
        p(2),
        p(3),
        p(4),
    );
    let values = [Value::from(to.map(str::to_owned)), Value::from(now), Value::from(job_id), Value::from(from)];
    let r = conn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    Ok(r.rows_affected() == 1)
}

/// Inserts items of a scan part: pending for a miss, finished for an answer.
async fn insert_items<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    job_id: Uuid,
    items: &[(ClaimedItem, Option<LookupItemResult>)],
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    if items.is_empty() {
        return Ok(());
    }
    let backend = conn.get_database_backend();
    // State, outcome, error and attempts per item.
    let fields = |r: &Option<LookupItemResult>| match r {
        Some(r) => {
            let (state, outcome, error) = item_fields(r);
            (state.as_str(), outcome, error.map(str::to_owned), 1i32)
        }
        None => (ItemState::Pending.as_str(), None, None, 0),
    };
    match backend {
        DbBackend::Postgres => {
            let sql = "INSERT INTO job_items (tenant_id, job_id, sku_id, gtin14, state, outcome, error, attempts, updated_at) \
                       SELECT $1, $2, x.sku_id, x.gtin14, x.state, x.outcome, x.error, x.attempts, $3 \
                       FROM unnest($4::text::uuid[], $5::text::text[], $6::text::text[], $7::text::text[], $8::text::text[], $9::text::int[]) \
                       AS x(sku_id, gtin14, state, outcome, error, attempts)";
            for chunk in items.chunks(PG_ROWS) {
                let rows: Vec<_> = chunk.iter().map(|(i, r)| (i.sku_id.to_string(), i.gtin14.as_deref(), fields(r))).collect();
                let values = [
                    Value::from(tenant.0),
                    Value::from(job_id),
                    Value::from(now),
                    Value::from(pg_array(rows.iter().map(|(id, _, _)| Some(id.as_str())))),
                    Value::from(pg_array(rows.iter().map(|(_, g, _)| *g))),
                    Value::from(pg_array(rows.iter().map(|(_, _, f)| Some(f.0)))),
                    Value::from(pg_array(rows.iter().map(|(_, _, f)| f.1))),
                    Value::from(pg_array(rows.iter().map(|(_, _, f)| f.2.as_deref()))),
                    Value::from(pg_array(rows.iter().map(|(_, _, f)| Some(if f.3 == 0 { "0" } else { "1" })))),
                ];
                conn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
            }
        }
        _ => {
            for chunk in items.chunks(SQLITE_MAX_PARAMS / 6) {
                // Parameters in text order: the rows, then the values every row shares.
                let sql = format!(
                    "INSERT INTO job_items (tenant_id, job_id, sku_id, gtin14, state, outcome, error, attempts, updated_at) \
                     SELECT s.t, s.j, v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, s.u \
                     FROM (VALUES {}) AS v, (SELECT ? AS t, ? AS j, ? AS u) AS s",
                    vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
                );
                let mut values = Vec::with_capacity(chunk.len() * 6 + 3);
                for (item, r) in chunk {
                    let (state, outcome, error, attempts) = fields(r);
                    values.extend([
                        Value::from(item.sku_id),
                        Value::from(item.gtin14.clone()),
                        Value::from(state),
                        Value::from(outcome.map(str::to_owned)),
                        Value::from(error),
                        Value::from(attempts),
                    ]);
                }
                values.extend([Value::from(tenant.0), Value::from(job_id), Value::from(now)]);
                conn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
            }
        }
    }
    Ok(())
}
