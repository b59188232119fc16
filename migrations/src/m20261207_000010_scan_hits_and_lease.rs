//! A catalog scan's cache hits get no item, and one worker at a time scans (issue 13).
//!
//! - `scan_found`, `scan_ambiguous`, `scan_not_found`: SKUs the scan answered from the cache, by outcome. Only
//!   its misses become (pending) items; `infra::db::job_progress::recount` adds these to what it counts from
//!   the items.
//! - `scan_owner`, `scan_leased_until`: the worker that scans the job, until when. Another worker leaves the
//!   scan alone until the lease has passed. The scan's cursor alone keeps a batch from being written twice;
//!   the lease keeps replicas from reading and writing the same batches, one of them only to roll back.
//!
//! SQLite can add only one column per `ALTER TABLE`, so each column is its own statement.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COUNTS: [Jobs; 3] = [Jobs::ScanFound, Jobs::ScanAmbiguous, Jobs::ScanNotFound];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in COUNTS {
            m.alter_table(Table::alter().table(Jobs::Table).add_column(big_integer(c).default(0)).to_owned()).await?;
        }
        m.alter_table(Table::alter().table(Jobs::Table).add_column(uuid_null(Jobs::ScanOwner)).to_owned()).await?;
        m.alter_table(Table::alter().table(Jobs::Table).add_column(timestamp_with_time_zone_null(Jobs::ScanLeasedUntil)).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in COUNTS.into_iter().chain([Jobs::ScanOwner, Jobs::ScanLeasedUntil]) {
            m.alter_table(Table::alter().table(Jobs::Table).drop_column(c).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Jobs {
    Table,
    ScanFound,
    ScanAmbiguous,
    ScanNotFound,
    ScanOwner,
    ScanLeasedUntil,
}
