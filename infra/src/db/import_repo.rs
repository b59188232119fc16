//! Streaming catalog import: a blocking parser thread feeds batches through a bounded channel to one
//! database transaction. Bad rows are reported with their row number and skipped; good rows are kept. A fatal
//! error (the file cannot be read as a whole) rolls the transaction back, so nothing stored changes.
//!
//! [`run_import`] owns its transaction; [`import_in`] runs on the caller's (a feed pull stores its removal
//! marks, history and webhook event in the same one) and also returns the SKUs the file names.
//!
//! The writes are set-based ([`super::sku_upsert`]): a batch of rows costs a few statements, and rows that did
//! not change cost only their read. The database's work (writing one batch, reading the stored rows of a later
//! one) runs while the server merges and checks others: on a 2-core machine each uses a core.

use super::sku_repo::{SkuFields, SkuUpsert, UpsertCounts};
use super::entity::sku;
use super::sku_upsert::{PlannedBatch, catalog_is_empty, plan, stored};
use super::RepoError;
use domain::tenant::TenantId;
use domain::import::{ImportError, ImportFormat, ImportRow, RowError, RowErrorCode, RowResult};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use uuid::Uuid;

/// Row errors kept in the outcome; the count goes on past it.
pub const MAX_ROW_ERRORS: usize = 1000;
const BATCH: usize = 2000;

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportOutcome {
    /// Created, updated, unchanged SKUs.
    pub counts: UpsertCounts,
    /// Rows refused.
    pub rejected: u64,
    /// The first [`MAX_ROW_ERRORS`] row errors, in file order.
    pub row_errors: Vec<RowError>,
}

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// The file as a whole is unreadable.
    #[error(transparent)]
    Fatal(ImportError),
    /// The catalog is not the tenant's, or the database failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

fn to_upsert(r: ImportRow) -> Result<SkuUpsert, RowError> {
    for (name, v) in [("ntin", &r.ntin), ("xtin", &r.xtin)] {
        if let Some(v) = v {
            let ok = if name == "ntin" {
                domain::barcode::Ntin::parse(v).is_ok()
            } else {
                domain::barcode::Xtin::parse(v).is_ok()
            };
            if !ok {
                let message = format!("{name} {v:?} is not a valid {}", name.to_uppercase());
                return Err(RowError::new(r.row, RowErrorCode::BadRow, message).with_sku(&r.seller_sku));
            }
        }
    }
    Ok(SkuUpsert {
        seller_sku: r.seller_sku,
        fields: SkuFields {
            barcode: r.barcode,
            name_ru: r.name_ru,
            name_kk: r.name_kk,
            brand: r.brand,
            oktru: r.oktru,
            tnved: r.tnved,
            country: r.country.map(|c| c.to_ascii_uppercase()),
            measure_unit: r.measure_unit,
            measure_qty: r.measure_qty,
            ntin: r.ntin,
            xtin: r.xtin,
            price: r.price,
            channels: (!r.channels.is_empty()).then_some(r.channels),
            attributes: None,
        },
    })
}

/// What [`import_in`] did, and which SKUs the file names.
#[derive(Debug, Default)]
pub struct ImportedFile {
    /// Counts and row errors.
    pub outcome: ImportOutcome,
    /// Every seller SKU the file names: its good rows, and refused rows whose SKU was readable (a bad price or
    /// a duplicate still says the product is listed).
    pub present: HashSet<String>,
}

/// Imports `reader` in `format` into a catalog of `tenant`, in one transaction of its own.
pub async fn run_import(
    db: &DatabaseConnection,
    tenant: TenantId,
    catalog_id: Uuid,
    format: ImportFormat,
    reader: Box<dyn BufRead + Send>,
) -> Result<ImportOutcome, ImportFailure> {
    let txn = super::begin_write(db).await.map_err(RepoError::from)?;
    match import_in(&txn, tenant, catalog_id, format, reader).await {
        Ok(file) => {
            txn.commit().await.map_err(RepoError::from)?;
            refresh_statistics(db, &file.outcome.counts);
            Ok(file.outcome)
        }
        Err(e) => {
            txn.rollback().await.map_err(RepoError::from)?;
            Err(e)
        }
    }
}

/// What the server's stage of an import got from the parser.
enum Next {
    /// Input is exhausted already; nothing was received.
    Idle,
    /// The parser is done.
    Done,
    /// A batch, checked: its good rows.
    Batch(Vec<SkuUpsert>),
    /// The file as a whole is unreadable.
    Fatal(ImportError),
}

/// Counts a refused row, and keeps its error while fewer than [`MAX_ROW_ERRORS`] are kept.
fn reject(file: &mut ImportedFile, e: RowError) {
    file.outcome.rejected += 1;
    if let Some(sku) = &e.seller_sku {
        file.present.insert(sku.clone());
    }
    if file.outcome.row_errors.len() < MAX_ROW_ERRORS {
        file.outcome.row_errors.push(e);
    }
}

/// The good rows of a parsed batch as upserts; bad rows and SKUs seen earlier in the file are refused.
fn check_batch(file: &mut ImportedFile, batch: Vec<RowResult>) -> Vec<SkuUpsert> {
    let mut ups = Vec::with_capacity(batch.len());
    for r in batch {
        let row_no = r.as_ref().map_or(0, |x| x.row);
        match r.and_then(to_upsert) {
            Ok(u) if file.present.contains(&u.seller_sku) => {
                let message = format!("SKU {:?} appears earlier in this file", u.seller_sku);
                let e = RowError::new(row_no, RowErrorCode::DuplicateSku, message).with_sku(&u.seller_sku);
                reject(file, e);
            }
            Ok(u) => {
                file.present.insert(u.seller_sku.clone());
                ups.push(u);
            }
            Err(e) => reject(file, e),
        }
    }
    ups
}

/// Imports `reader` on `conn`, the caller's transaction. On `Err` the caller must roll back: rows of earlier
/// batches may already be written.
pub async fn import_in<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    catalog_id: Uuid,
    format: ImportFormat,
    reader: Box<dyn BufRead + Send>,
) -> Result<ImportedFile, ImportFailure> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<RowResult>, ImportError>>(4);
    let parser = tokio::task::spawn_blocking(move || {
        let rows = match domain::import::parse(format, reader) {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        let mut batch = Vec::with_capacity(BATCH);
        for item in rows {
            match item {
                Ok(r) => {
                    batch.push(r);
                    if batch.len() == BATCH
                        && tx.blocking_send(Ok(std::mem::take(&mut batch))).is_err()
                    {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(Ok(batch));
        }
    });

    if super::catalog_repo::get_in(conn, tenant, catalog_id)
        .await?
        .is_none()
    {
        return Err(RepoError::NotFound.into());
    }
    // Into an empty catalog every row is new: no batch needs to read what is stored.
    let all_new = catalog_is_empty(conn, catalog_id).await?;
    let mut file = ImportedFile::default();
    // Four stages, two at a time: while the database writes batch k and then reads the rows stored under batch
    // k+2's SKUs (nothing to read into an empty catalog), the server plans batch k+1 (merges it with its stored
    // rows and builds its statements) and checks batch k+3. The database and the rest each use a core, on an
    // import and on a re-import alike. Batches name distinct SKUs, so reading one ahead of another's write
    // reads the same rows.
    let backend = conn.get_database_backend();
    let mut planned: Option<PlannedBatch> = None;
    let mut checked: Option<Vec<SkuUpsert>> = None;
    let mut ready: Option<(Vec<SkuUpsert>, HashMap<String, sku::Model>)> = None;
    let mut input_done = false;
    while !(input_done && planned.is_none() && checked.is_none() && ready.is_none()) {
        let database = async {
            let written = match planned.take() {
                Some(p) => Some(p.write(conn).await?),
                None => None,
            };
            let read = match checked.take() {
                Some(ups) if all_new => Some((ups, HashMap::new())),
                Some(ups) => {
                    let rows = stored(conn, tenant, catalog_id, &ups).await?;
                    Some((ups, rows))
                }
                None => None,
            };
            Ok::<_, RepoError>((written, read))
        };
        let server = async {
            let planning = ready.take().map(|(ups, rows)| plan(backend, tenant, catalog_id, &ups, rows));
            let next = if input_done {
                Next::Idle
            } else {
                match rx.recv().await {
                    None => Next::Done,
                    Some(Ok(batch)) => Next::Batch(check_batch(&mut file, batch)),
                    Some(Err(fatal)) => Next::Fatal(fatal),
                }
            };
            (planning, next)
        };
        let (database, (planning, next)) = tokio::join!(database, server);
        let (written, read) = database?;
        if let Some(counts) = written {
            file.outcome.counts.add(counts);
        }
        ready = read;
        planned = planning.transpose()?;
        match next {
            Next::Idle => {}
            Next::Done => input_done = true,
            Next::Batch(ups) => checked = Some(ups),
            Next::Fatal(fatal) => {
                drop(rx);
                let _ = parser.await;
                return Err(ImportFailure::Fatal(fatal));
            }
        }
    }
    let _ = parser.await;
    Ok(file)
}

/// After a big import on PostgreSQL, refreshes the planner's statistics of `skus` in the background (autovacuum
/// would, within a minute): until then the planner guesses, and pages and jobs over the new rows are planned
/// as if the catalog were tiny. SQLite's statements here do not depend on statistics.
fn refresh_statistics(db: &DatabaseConnection, counts: &UpsertCounts) {
    use sea_orm::ConnectionTrait as _;
    if db.get_database_backend() != sea_orm::DbBackend::Postgres || counts.created + counts.updated < 10_000 {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        if let Err(e) = db.execute_unprepared("ANALYZE skus").await {
            tracing::warn!(error.message = %e, "ANALYZE skus after an import failed");
        }
    });
}
