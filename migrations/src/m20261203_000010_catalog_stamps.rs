//! A change stamp per catalog (issue 13): the catalog-level card aggregates (`cardReadiness`,
//! `registrationPlan`) read every pending SKU of a catalog joined to its stored check, which takes seconds at
//! 100,000 SKUs. With a stamp that moves whenever a SKU or a stored check of the catalog changes, a server keeps
//! the last answer and gives it again while the stamp has not moved.
//!
//! The database keeps the stamp itself, with triggers on `skus` and `card_checks` (inserts, updates and
//! deletes), so no write path can forget it and every replica sees it:
//! - SQLite (one writer at a time): `catalog_stamps (catalog_id, gen)`, a row trigger adds one to `gen`.
//! - PostgreSQL: a row shared by concurrent writers would serialise them (and deadlock writers of two
//!   catalogs), so each statement appends one row per catalog it touched to `catalog_changes` (statement
//!   triggers over the transition tables; no lock is shared). The stamp is the catalog's row count and
//!   highest `seq`: a commit always adds a row, so the count moves even when a transaction that took its
//!   `seq` early commits late. Rows older than a few minutes are pruned by the background upkeep.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose rows carry a `catalog_id` the aggregates read.
const TABLES: [&str; 2] = ["skus", "card_checks"];

fn sqlite_up() -> Vec<String> {
    let mut sql = vec!["CREATE TABLE catalog_stamps (catalog_id uuid_text NOT NULL PRIMARY KEY, gen integer NOT NULL)".to_owned()];
    let bump = |row: &str| {
        format!("INSERT INTO catalog_stamps (catalog_id, gen) VALUES ({row}.catalog_id, 1) ON CONFLICT (catalog_id) DO UPDATE SET gen = gen + 1;")
    };
    for t in TABLES {
        sql.push(format!("CREATE TRIGGER stamp_{t}_insert AFTER INSERT ON {t} BEGIN {} END", bump("NEW")));
        // A row moved to another catalog changes both.
        sql.push(format!(
            "CREATE TRIGGER stamp_{t}_update AFTER UPDATE ON {t} BEGIN {} {} END",
            bump("NEW"),
            bump("OLD").replace("VALUES (OLD.catalog_id, 1)", "SELECT OLD.catalog_id, 1 WHERE OLD.catalog_id IS NOT NEW.catalog_id")
        ));
        sql.push(format!("CREATE TRIGGER stamp_{t}_delete AFTER DELETE ON {t} BEGIN {} END", bump("OLD")));
    }
    sql
}

fn postgres_up() -> Vec<String> {
    let mut sql = vec![
        "CREATE TABLE catalog_changes (seq bigserial PRIMARY KEY, catalog_id uuid NOT NULL, at timestamptz NOT NULL DEFAULT now())".to_owned(),
        "CREATE INDEX idx_catalog_changes_catalog ON catalog_changes (catalog_id, seq)".to_owned(),
        "CREATE INDEX idx_catalog_changes_at ON catalog_changes (at)".to_owned(),
        "CREATE FUNCTION note_catalog_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         INSERT INTO catalog_changes (catalog_id) SELECT DISTINCT catalog_id FROM changed_rows; RETURN NULL; END $$"
            .to_owned(),
        // An update that moves a row to another catalog changes both: the old rows are noted too.
        "CREATE FUNCTION note_catalog_move() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         INSERT INTO catalog_changes (catalog_id) SELECT DISTINCT catalog_id FROM (SELECT catalog_id FROM changed_rows \
         UNION SELECT catalog_id FROM old_rows) c; RETURN NULL; END $$"
            .to_owned(),
    ];
    for t in TABLES {
        sql.push(format!(
            "CREATE TRIGGER stamp_{t}_insert AFTER INSERT ON {t} REFERENCING NEW TABLE AS changed_rows \
             FOR EACH STATEMENT EXECUTE FUNCTION note_catalog_change()"
        ));
        sql.push(format!(
            "CREATE TRIGGER stamp_{t}_update AFTER UPDATE ON {t} REFERENCING NEW TABLE AS changed_rows OLD TABLE AS old_rows \
             FOR EACH STATEMENT EXECUTE FUNCTION note_catalog_move()"
        ));
        sql.push(format!(
            "CREATE TRIGGER stamp_{t}_delete AFTER DELETE ON {t} REFERENCING OLD TABLE AS changed_rows \
             FOR EACH STATEMENT EXECUTE FUNCTION note_catalog_change()"
        ));
    }
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        let sql = match conn.get_database_backend() {
            DbBackend::Postgres => postgres_up(),
            _ => sqlite_up(),
        };
        for s in sql {
            conn.execute_unprepared(&s).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        let postgres = conn.get_database_backend() == DbBackend::Postgres;
        for t in TABLES {
            for op in ["insert", "update", "delete"] {
                let on = if postgres { format!(" ON {t}") } else { String::new() };
                conn.execute_unprepared(&format!("DROP TRIGGER IF EXISTS stamp_{t}_{op}{on}")).await?;
            }
        }
        if postgres {
            conn.execute_unprepared("DROP FUNCTION IF EXISTS note_catalog_change()").await?;
            conn.execute_unprepared("DROP FUNCTION IF EXISTS note_catalog_move()").await?;
            conn.execute_unprepared("DROP TABLE IF EXISTS catalog_changes").await?;
        } else {
            conn.execute_unprepared("DROP TABLE IF EXISTS catalog_stamps").await?;
        }
        Ok(())
    }
}
