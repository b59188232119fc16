//! Job progress counters on the job row: the migration that adds them backfills existing jobs from their items.

use crate::helpers::{fresh_database, placeholders, temp_dir};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, Statement, Value};

#[tokio::test]
async fn the_counter_migration_backfills_jobs_from_their_items() {
    // Arrange: a database at the schema before the counters, with one job part-way through.
    let db = Database::connect(fresh_database(&temp_dir()).await).await.unwrap();
    Migrator::up(&db, Some(2)).await.unwrap();
    let backend = db.get_database_backend();
    let (tenant, job) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let now = chrono::Utc::now();
    let exec = |q: &str, values: Vec<Value>| db.execute_raw(Statement::from_sql_and_values(backend, placeholders(backend, q), values));
    exec("INSERT INTO tenants (id, name, segment, token_version, created_at) VALUES (?, 'T', 'RETAIL_CHAINS', 0, ?)", vec![tenant.into(), now.into()]).await.unwrap();
    exec("INSERT INTO jobs (id, tenant_id, catalog_id, kind, state, total, cancel_requested, created_at, updated_at) VALUES (?, ?, ?, 'LOOKUP', 'RUNNING', 8, false, ?, ?)",
        vec![job.into(), tenant.into(), uuid::Uuid::new_v4().into(), now.into(), now.into()]).await.unwrap();
    let items = [("DONE", Some("FOUND")), ("DONE", Some("FOUND")), ("DONE", Some("AMBIGUOUS")), ("DONE", Some("NOT_FOUND")), ("FAILED", None), ("SKIPPED", None), ("PENDING", None), ("PENDING", None)];
    for (state, outcome) in items {
        exec("INSERT INTO job_items (tenant_id, job_id, sku_id, state, outcome, attempts, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
            vec![tenant.into(), job.into(), uuid::Uuid::new_v4().into(), state.into(), outcome.map(str::to_owned).into(), now.into()]).await.unwrap();
    }
    // Act
    Migrator::up(&db, None).await.unwrap();
    // Assert: the row's counters are what the items say.
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, placeholders(backend, "SELECT processed, found, ambiguous, not_found, failed, skipped FROM jobs WHERE id = ?"), [job.into()]))
        .await
        .unwrap()
        .unwrap();
    let got: Vec<i64> = ["processed", "found", "ambiguous", "not_found", "failed", "skipped"].iter().map(|c| row.try_get("", c).unwrap()).collect();
    assert_eq!(got, vec![6, 2, 1, 1, 1, 1]);
    let p = infra::db::job_progress::recount(&db, job).await.unwrap();
    assert_eq!((p.total, p.processed, p.found, p.failed, p.skipped), (8, 6, 2, 1, 1));
}
