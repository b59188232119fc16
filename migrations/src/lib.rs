//! sea-orm migrations for NTIN Desk, listed in order. They use backend-neutral column helpers and run on both
//! PostgreSQL and SQLite (the suite runs them on both).

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_core;
mod m20261125_000002_create_cards;
mod m20261129_000001_add_sku_search_text;
mod m20261129_000011_create_sku_matches;

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
        ]
    }
}
