//! sea-orm repositories. PostgreSQL in production, SQLite as the embedded default; one `DatabaseConnection`
//! serves both, so the repositories are concrete structs. Every method on tenant-owned data takes the
//! `TenantId` first: an unscoped read of a tenant's rows cannot be written with these types.

pub mod bulk;
pub mod card_check_repo;
pub mod card_repo;
pub mod catalog_repo;
pub mod dictionary_repo;
pub mod entity;
pub mod error;
pub mod export_repo;
pub mod import_repo;
pub mod job_progress;
pub mod job_repo;
pub mod job_start;
pub mod key_repo;
pub mod request_follow;
pub mod lookup_scan;
pub mod lookup_write;
pub mod match_repo;
pub mod request_repo;
pub mod sku_repo;
pub mod sku_rows;
pub mod sku_upsert;
pub mod tenant_repo;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::time::Duration;

pub use error::RepoError;

/// Pool settings: how many connections, how long a caller waits for one, how long SQLite waits for a lock.
#[derive(Clone, Copy, Debug)]
pub struct PoolSettings {
    /// Most connections (PostgreSQL default 16; SQLite default 8: many readers, one writer at a time).
    pub max_connections: Option<u32>,
    /// How long a caller waits for a free connection before the call fails as unavailable (→ 503).
    pub acquire_timeout: Duration,
    /// SQLite: how long a writer waits for the write lock before the call fails as unavailable.
    pub busy_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self { max_connections: None, acquire_timeout: Duration::from_secs(5), busy_timeout: Duration::from_secs(5) }
    }
}

/// Connects to `url` (`postgres://…` or `sqlite://…?mode=rwc`) with a bounded pool.
///
/// SQLite runs in WAL mode with a pool of several connections: readers never wait for the writer (a long
/// import of one tenant does not stop another tenant's queries), and writers queue on the write lock for at
/// most `busy_timeout`. Every pragma is set on each new connection, not once on whichever came first.
pub async fn connect(url: &str, pool: PoolSettings) -> anyhow::Result<DatabaseConnection> {
    use anyhow::Context as _;
    use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
    let mut opts = ConnectOptions::new(url.to_owned());
    let is_sqlite = url.starts_with("sqlite:");
    let busy = pool.busy_timeout;
    opts.max_connections(pool.max_connections.unwrap_or(if is_sqlite { 8 } else { 16 }).max(1))
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(pool.acquire_timeout)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(busy)
                .synchronous(SqliteSynchronous::Normal)
        });
    Database::connect(opts)
        .await
        .context("failed to connect to the database (check DATABASE_URL)")
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
/// it waits its turn behind another writer (up to the busy timeout) instead of failing when it upgrades a
/// read snapshot another writer has made stale. On PostgreSQL it is a plain `BEGIN`.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::TransactionTrait as _;
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        db.begin_with_options(sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
    } else {
        db.begin().await
    }
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
