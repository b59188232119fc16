//! sea-orm repositories. PostgreSQL in production, SQLite as the embedded default; one `DatabaseConnection`
//! serves both, so the repositories are concrete structs. Every method on tenant-owned data takes the
//! `TenantId` first: an unscoped read of a tenant's rows cannot be written with these types.

pub mod card_repo;
pub mod catalog_repo;
pub mod entity;
pub mod error;
pub mod export_repo;
pub mod import_repo;
pub mod job_repo;
pub mod job_start;
pub mod key_repo;
pub mod match_repo;
pub mod request_repo;
pub mod sku_repo;
pub mod tenant_repo;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use std::time::Duration;

pub use error::RepoError;

/// Connects to `url` (`postgres://…` or `sqlite://…?mode=rwc`) with a bounded pool.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    use anyhow::Context as _;
    let mut opts = ConnectOptions::new(url.to_owned());
    let is_sqlite = url.starts_with("sqlite:");
    opts.max_connections(if is_sqlite { 1 } else { 16 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false);
    let db = Database::connect(opts)
        .await
        .context("failed to connect to the database (check DATABASE_URL)")?;
    if is_sqlite {
        // WAL lets readers go on while the single writer works; foreign keys enforce cascades.
        for pragma in [
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=5000",
            "PRAGMA synchronous=NORMAL",
        ] {
            db.execute_unprepared(pragma)
                .await
                .with_context(|| format!("failed to run {pragma}"))?;
        }
    }
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    use anyhow::Context as _;
    Migrator::up(db, None)
        .await
        .context("failed to run database migrations")
}

/// `true` when the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}
