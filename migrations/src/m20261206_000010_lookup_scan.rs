//! A catalog-wide LOOKUP job scans its catalog in the worker (issue 13): `startLookupJob` counts the SKUs and
//! writes no item; the worker reads the next SKUs in seller-SKU order after `scan_after`, answers them from the
//! cache, and writes each batch's items already finished (only the misses stay pending for NCT), their SKUs, the
//! counters and the new cursor in one transaction.
//!
//! - `scan_after`: the last seller SKU scanned (`''` before the first); `NULL` when the job does not scan or its
//!   scan is over. A batch's write moves it only from the value it read, so two workers never both write one
//!   batch, and a cancel (which sets it to `NULL`) stops any batch still in flight.
//! - `scanned`: items the scan wrote; the job's `total` once the scan is over.
//!
//! SQLite can add only one column per `ALTER TABLE`, so each column is its own statement.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Jobs::Table).add_column(text_null(Jobs::ScanAfter)).to_owned()).await?;
        m.alter_table(Table::alter().table(Jobs::Table).add_column(big_integer(Jobs::Scanned).default(0)).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Jobs::Table).drop_column(Jobs::Scanned).to_owned()).await?;
        m.alter_table(Table::alter().table(Jobs::Table).drop_column(Jobs::ScanAfter).to_owned()).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Jobs {
    Table,
    ScanAfter,
    Scanned,
}
