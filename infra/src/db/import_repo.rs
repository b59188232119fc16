//! Streaming catalog import: a blocking parser thread feeds batches through a bounded channel to one
//! database transaction. Bad rows are reported with their row number and skipped; good rows are kept. A fatal
//! error (the file cannot be read as a whole) rolls the transaction back, so nothing stored changes.

use super::sku_repo::{SkuFields, SkuUpsert, UpsertCounts, upsert_batch};
use super::RepoError;
use domain::tenant::TenantId;
use domain::import::{ImportError, ImportFormat, ImportRow, RowError, RowErrorCode, RowResult};
use sea_orm::DatabaseConnection;
use std::collections::HashSet;
use std::io::BufRead;
use uuid::Uuid;

/// Row errors kept in the outcome; the count goes on past it.
pub const MAX_ROW_ERRORS: usize = 1000;
const BATCH: usize = 1000;

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
                return Err(RowError {
                    row: r.row,
                    code: RowErrorCode::BadRow,
                    message: format!("{name} {v:?} is not a valid {}", name.to_uppercase()),
                });
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

/// Imports `reader` in `format` into a catalog of `tenant`.
pub async fn run_import(
    db: &DatabaseConnection,
    tenant: TenantId,
    catalog_id: Uuid,
    format: ImportFormat,
    reader: Box<dyn BufRead + Send>,
) -> Result<ImportOutcome, ImportFailure> {
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

    let txn = super::begin_write(db).await.map_err(RepoError::from)?;
    if super::catalog_repo::get_in(&txn, tenant, catalog_id)
        .await?
        .is_none()
    {
        return Err(RepoError::NotFound.into());
    }
    let mut out = ImportOutcome::default();
    let mut seen: HashSet<String> = HashSet::new();
    let reject = |out: &mut ImportOutcome, e: RowError| {
        out.rejected += 1;
        if out.row_errors.len() < MAX_ROW_ERRORS {
            out.row_errors.push(e);
        }
    };
    while let Some(msg) = rx.recv().await {
        let batch = match msg {
            Ok(b) => b,
            Err(fatal) => {
                drop(rx);
                let _ = parser.await;
                txn.rollback().await.map_err(RepoError::from)?;
                return Err(ImportFailure::Fatal(fatal));
            }
        };
        let mut ups = Vec::with_capacity(batch.len());
        for r in batch {
            let row_no = r.as_ref().map_or(0, |x| x.row);
            match r.and_then(to_upsert) {
                Ok(u) if !seen.insert(u.seller_sku.clone()) => reject(
                    &mut out,
                    RowError {
                        row: row_no,
                        code: RowErrorCode::DuplicateSku,
                        message: format!("SKU {:?} appears earlier in this file", u.seller_sku),
                    },
                ),
                Ok(u) => ups.push(u),
                Err(e) => reject(&mut out, e),
            }
        }
        out.counts.add(upsert_batch(&txn, tenant, catalog_id, &ups).await?);
    }
    let _ = parser.await;
    txn.commit().await.map_err(RepoError::from)?;
    Ok(out)
}
