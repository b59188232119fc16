//! PostgreSQL: an update of `skus` or `card_checks` notes its catalogs from the new rows alone (issue 13).
//!
//! The catalog stamps' update triggers (`m20261203_000010_catalog_stamps`) read both transition tables, so
//! every bulk update materialised each row twice, old and new, only to catch a row moved to another catalog.
//! In `psql`, twenty 5,000-row lookup writes on a table of 100,000 SKUs took 1,083–1,131 ms with both
//! tables, 1,023–1,048 ms with the new rows only and 1,007–1,012 ms without a trigger.
//!
//! Now the statement trigger reads the new rows only, and a row trigger on `catalog_id` notes the catalog a
//! row left, only for a row that moves (a `WHEN` clause, so an update that leaves `catalog_id` alone, as
//! every write of the server does, costs nothing there). The stamp still moves for every catalog a
//! statement touched: a moved row's new catalog through the new rows, its old one through the row trigger.
//! SQLite's row triggers already see both rows and are unchanged.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose rows carry a `catalog_id` the aggregates read (as in the stamps' migration).
const TABLES: [&str; 2] = ["skus", "card_checks"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut sql = vec![
            "CREATE FUNCTION note_catalog_left() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             INSERT INTO catalog_changes (catalog_id) VALUES (OLD.catalog_id); RETURN NULL; END $$"
                .to_owned(),
        ];
        for t in TABLES {
            sql.push(format!("DROP TRIGGER IF EXISTS stamp_{t}_update ON {t}"));
            sql.push(format!(
                "CREATE TRIGGER stamp_{t}_update AFTER UPDATE ON {t} REFERENCING NEW TABLE AS changed_rows \
                 FOR EACH STATEMENT EXECUTE FUNCTION note_catalog_change()"
            ));
            sql.push(format!(
                "CREATE TRIGGER stamp_{t}_move AFTER UPDATE OF catalog_id ON {t} FOR EACH ROW \
                 WHEN (OLD.catalog_id IS DISTINCT FROM NEW.catalog_id) EXECUTE FUNCTION note_catalog_left()"
            ));
        }
        sql.push("DROP FUNCTION IF EXISTS note_catalog_move()".to_owned());
        crate::on_postgres(m, sql).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut sql = vec![
            "CREATE OR REPLACE FUNCTION note_catalog_move() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             INSERT INTO catalog_changes (catalog_id) SELECT DISTINCT catalog_id FROM (SELECT catalog_id FROM changed_rows \
             UNION SELECT catalog_id FROM old_rows) c; RETURN NULL; END $$"
                .to_owned(),
        ];
        for t in TABLES {
            sql.push(format!("DROP TRIGGER IF EXISTS stamp_{t}_move ON {t}"));
            sql.push(format!("DROP TRIGGER IF EXISTS stamp_{t}_update ON {t}"));
            sql.push(format!(
                "CREATE TRIGGER stamp_{t}_update AFTER UPDATE ON {t} REFERENCING NEW TABLE AS changed_rows OLD TABLE AS old_rows \
                 FOR EACH STATEMENT EXECUTE FUNCTION note_catalog_move()"
            ));
        }
        sql.push("DROP FUNCTION IF EXISTS note_catalog_left()".to_owned());
        crate::on_postgres(m, sql).await
    }
}
