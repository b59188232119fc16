//! PostgreSQL: a job's items go with their job through a statement trigger instead of a foreign key
//! (issue 13). A foreign key checks each inserted row on its own: `startLookupJob` on a 100,000-SKU catalog
//! spent 0.54 s of its 1.1 s in the 100,000 checks of `job_items.job_id`. The items are only ever written in
//! the transaction that writes their job (`infra::db::job_start`), so the check
//! guarded nothing those writes can break; what the key also did, deleting the items with their job, the
//! trigger does, once per statement over the deleted jobs.
//!
//! SQLite keeps its foreign key: there the check is an in-process probe of the jobs' primary key.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(m, [
            "ALTER TABLE job_items DROP CONSTRAINT IF EXISTS job_items_job_id_fkey",
            "CREATE OR REPLACE FUNCTION delete_items_of_jobs() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN DELETE FROM job_items WHERE job_id IN (SELECT id FROM gone_jobs); RETURN NULL; END $$",
            "CREATE TRIGGER jobs_delete_items AFTER DELETE ON jobs REFERENCING OLD TABLE AS gone_jobs \
             FOR EACH STATEMENT EXECUTE FUNCTION delete_items_of_jobs()",
        ])
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(m, [
            "DROP TRIGGER IF EXISTS jobs_delete_items ON jobs",
            "DROP FUNCTION IF EXISTS delete_items_of_jobs()",
            "DELETE FROM job_items WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.id = job_items.job_id)",
            "ALTER TABLE job_items ADD CONSTRAINT job_items_job_id_fkey FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE CASCADE",
        ])
        .await
    }
}
