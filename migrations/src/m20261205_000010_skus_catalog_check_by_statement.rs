//! PostgreSQL: `skus.catalog_id` is checked once per statement instead of by a foreign key (issue 13). The key
//! checked each inserted row on its own: 14 ms of a 68 ms insert of 2,000 SKUs during an import, 0.7 s of a
//! 100,000-row CSV import, for a batch whose rows all name the same one catalog.
//!
//! The triggers keep what the key guaranteed:
//! - **Insert**: after each statement, the distinct catalogs its rows name are locked `FOR KEY SHARE`, as the
//!   key's per-row check locked its row. A catalog being deleted at the same time makes the insert wait for
//!   the deletion and then fail; a catalog deleted later waits for the insert's transaction to end.
//!   A missing catalog fails the statement with the key's SQLSTATE (23503) and constraint name.
//! - **Update** that moves rows to another catalog: the same check, per moved row only (a `WHEN` clause, so an
//!   update that leaves `catalog_id` alone, such as a lookup's write, costs nothing).
//! - **Delete** of catalogs: their SKUs go with them, once per statement over the deleted catalogs (the
//!   key's `ON DELETE CASCADE`); a tenant's deletion reaches them through the catalogs' own cascade.
//!
//! SQLite keeps its foreign key: there the check is an in-process probe of the catalogs' primary key.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const RAISE_MISSING: &str = "RAISE EXCEPTION 'insert or update on table \"skus\" violates foreign key constraint \"skus_catalog_id_fkey\"' \
     USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'skus_catalog_id_fkey', TABLE = 'skus', \
     DETAIL = 'a SKU names a catalog that does not exist'";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let statements = [
            "ALTER TABLE skus DROP CONSTRAINT IF EXISTS skus_catalog_id_fkey".to_owned(),
            format!(
                "CREATE OR REPLACE FUNCTION check_catalogs_of_new_skus() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 DECLARE wanted bigint; present bigint; \
                 BEGIN \
                 SELECT count(DISTINCT catalog_id) INTO wanted FROM new_skus; \
                 SELECT count(*) INTO present FROM (SELECT 1 FROM catalogs WHERE id IN (SELECT catalog_id FROM new_skus) FOR KEY SHARE) locked; \
                 IF present < wanted THEN {RAISE_MISSING}; END IF; \
                 RETURN NULL; END $$"
            ),
            "CREATE TRIGGER skus_catalog_exists_insert AFTER INSERT ON skus REFERENCING NEW TABLE AS new_skus \
             FOR EACH STATEMENT EXECUTE FUNCTION check_catalogs_of_new_skus()"
                .to_owned(),
            format!(
                "CREATE OR REPLACE FUNCTION check_catalog_of_moved_sku() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN \
                 PERFORM 1 FROM catalogs WHERE id = NEW.catalog_id FOR KEY SHARE; \
                 IF NOT FOUND THEN {RAISE_MISSING}; END IF; \
                 RETURN NULL; END $$"
            ),
            "CREATE TRIGGER skus_catalog_exists_move AFTER UPDATE OF catalog_id ON skus FOR EACH ROW \
             WHEN (OLD.catalog_id IS DISTINCT FROM NEW.catalog_id) EXECUTE FUNCTION check_catalog_of_moved_sku()"
                .to_owned(),
            "CREATE OR REPLACE FUNCTION delete_skus_of_catalogs() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN DELETE FROM skus WHERE catalog_id IN (SELECT id FROM gone_catalogs); RETURN NULL; END $$"
                .to_owned(),
            "CREATE TRIGGER catalogs_delete_skus AFTER DELETE ON catalogs REFERENCING OLD TABLE AS gone_catalogs \
             FOR EACH STATEMENT EXECUTE FUNCTION delete_skus_of_catalogs()"
                .to_owned(),
        ];
        crate::on_postgres(m, statements).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(m, [
            "DROP TRIGGER IF EXISTS catalogs_delete_skus ON catalogs",
            "DROP FUNCTION IF EXISTS delete_skus_of_catalogs()",
            "DROP TRIGGER IF EXISTS skus_catalog_exists_move ON skus",
            "DROP FUNCTION IF EXISTS check_catalog_of_moved_sku()",
            "DROP TRIGGER IF EXISTS skus_catalog_exists_insert ON skus",
            "DROP FUNCTION IF EXISTS check_catalogs_of_new_skus()",
            "DELETE FROM skus WHERE NOT EXISTS (SELECT 1 FROM catalogs WHERE catalogs.id = skus.catalog_id)",
            "ALTER TABLE skus ADD CONSTRAINT skus_catalog_id_fkey FOREIGN KEY (catalog_id) REFERENCES catalogs (id) ON DELETE CASCADE",
        ])
        .await
    }
}
