//! A catalog scan's cache hits get no item (issue 13): the scan stores their results on the SKUs and counts them
//! on the job, where `infra::db::job_progress::recount` adds them to what it counts from the items.
//!
//! - `scan_found`, `scan_ambiguous`, `scan_not_found`: SKUs the scan answered from the cache, by outcome. Only
//!   its misses become (pending) items.
//!
//! SQLite can add only one column per `ALTER TABLE`, so each column is its own statement.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [Jobs; 3] = [Jobs::ScanFound, Jobs::ScanAmbiguous, Jobs::ScanNotFound];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in COLUMNS {
            m.alter_table(Table::alter().table(Jobs::Table).add_column(big_integer(c).default(0)).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in COLUMNS {
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
}
