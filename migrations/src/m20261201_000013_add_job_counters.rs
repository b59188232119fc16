//! Progress counters on `jobs` (issue 13): `processed`, `found`, `ambiguous`, `not_found`, `failed`,
//! `skipped`. The worker adds to them in the same transaction that finishes items, so reading a job's
//! progress is one primary-key read instead of a `GROUP BY` over its items. Existing jobs are backfilled
//! from their items.
//!
//! SQLite can add only one column per `ALTER TABLE`, so each column is its own statement.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The counters, in order.
const COUNTERS: [Jobs; 6] = [Jobs::Processed, Jobs::Found, Jobs::Ambiguous, Jobs::NotFound, Jobs::Failed, Jobs::Skipped];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in COUNTERS {
            m.alter_table(Table::alter().table(Jobs::Table).add_column(big_integer(col).default(0)).to_owned())
                .await?;
        }
        // Backfill from the items: the same rules as the counters the worker keeps.
        let count = |cond: &str| format!("(SELECT COUNT(*) FROM job_items i WHERE i.job_id = jobs.id AND {cond})");
        let sql = format!(
            "UPDATE jobs SET processed = {}, found = {}, ambiguous = {}, not_found = {}, failed = {}, skipped = {}",
            count("i.state <> 'PENDING'"),
            count("i.state = 'DONE' AND i.outcome = 'FOUND'"),
            count("i.state = 'DONE' AND i.outcome = 'AMBIGUOUS'"),
            count("i.state = 'DONE' AND i.outcome = 'NOT_FOUND'"),
            count("i.state = 'FAILED'"),
            count("i.state = 'SKIPPED'"),
        );
        m.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in COUNTERS.into_iter().rev() {
            m.alter_table(Table::alter().table(Jobs::Table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Jobs {
    Table,
    Processed,
    Found,
    Ambiguous,
    NotFound,
    Failed,
    Skipped,
}
