//! sea-orm migrations for NTIN Desk, listed in order. They use backend-neutral column helpers and run on both
//! PostgreSQL and SQLite (the suite runs them on both).

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_core;
mod m20261125_000002_create_cards;
mod m20261129_000001_add_sku_search_text;
mod m20261129_000011_create_sku_matches;
mod m20261129_000013_index_for_throughput;
mod m20261129_230009_add_revocation_and_lease_owner;
mod m20261201_000013_add_job_counters;
mod m20261202_110011_create_feeds_and_webhooks;
mod m20261130_000010_follow_requests;
mod m20261130_000020_store_dictionaries_and_checks;
mod m20261203_000010_catalog_stamps;
mod m20261204_000010_job_items_cascade_by_statement;
mod m20261205_000010_skus_catalog_check_by_statement;
mod m20261206_000010_lookup_scan;
mod m20261207_000010_scan_hits_and_lease;
mod m20261208_000010_stamp_updates_by_new_rows;

/// Runs `statements` in order on PostgreSQL and nothing on SQLite: for the migrations that only PostgreSQL
/// needs (statement triggers in place of per-row foreign keys).
pub(crate) async fn on_postgres<S: AsRef<str>>(m: &SchemaManager<'_>, statements: impl IntoIterator<Item = S>) -> Result<(), DbErr> {
    let conn = m.get_connection();
    if conn.get_database_backend() != sea_orm_migration::sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    for sql in statements {
        conn.execute_unprepared(sql.as_ref()).await?;
    }
    Ok(())
}

/// Applies the NTIN Desk schema.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_core::Migration),
            Box::new(m20261125_000002_create_cards::Migration),
            Box::new(m20261129_000001_add_sku_search_text::Migration),
            Box::new(m20261129_000011_create_sku_matches::Migration),
            Box::new(m20261129_000013_index_for_throughput::Migration),
            Box::new(m20261129_230009_add_revocation_and_lease_owner::Migration),
            Box::new(m20261201_000013_add_job_counters::Migration),
            Box::new(m20261202_110011_create_feeds_and_webhooks::Migration),
            Box::new(m20261130_000010_follow_requests::Migration),
            Box::new(m20261130_000020_store_dictionaries_and_checks::Migration),
            Box::new(m20261203_000010_catalog_stamps::Migration),
            Box::new(m20261204_000010_job_items_cascade_by_statement::Migration),
            Box::new(m20261205_000010_skus_catalog_check_by_statement::Migration),
            Box::new(m20261206_000010_lookup_scan::Migration),
            Box::new(m20261207_000010_scan_hits_and_lease::Migration),
            Box::new(m20261208_000010_stamp_updates_by_new_rows::Migration),
        ]
    }
}
