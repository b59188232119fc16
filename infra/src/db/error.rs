//! Repository errors: the variants a caller can act on, and `Unexpected` for the rest.

/// What a repository call can fail with.
#[derive(thiserror::Error)]
pub enum RepoError {
    /// The row does not exist for this tenant (a foreign row looks exactly the same).
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; the field names which. Only [`RepoError::unique`] builds it,
    /// at a write that expects that constraint: an unexpected violation stays `Unexpected`.
    #[error("duplicate {0}")]
    Duplicate(&'static str),
    /// The database did not answer in time (pool exhausted, connection lost, busy): retry later.
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else; the cause chain goes to the log, never to the client.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl std::fmt::Debug for RepoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{self}")?;
        let mut cur = std::error::Error::source(self);
        while let Some(cause) = cur {
            writeln!(f, "Caused by:\n\t{cause}")?;
            cur = cause.source();
        }
        Ok(())
    }
}

impl RepoError {
    /// Maps a write's error, turning a unique-constraint violation into [`RepoError::Duplicate`] of `field`.
    /// Use it only on writes where that constraint is the expected refusal.
    pub fn unique(field: &'static str) -> impl Fn(sea_orm::DbErr) -> RepoError {
        move |e| {
            if is_unique_violation(&e) {
                RepoError::Duplicate(field)
            } else {
                RepoError::from(e)
            }
        }
    }
}

fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// Errors that mean "the database is not answering now", not "this statement is wrong".
fn is_unavailable(e: &sea_orm::DbErr) -> bool {
    use sea_orm::DbErr;
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        // SQLite's busy timeout ran out while another connection held the write lock.
        DbErr::Exec(_) | DbErr::Query(_) => {
            let m = e.to_string();
            m.contains("database is locked") || m.contains("database is busy") || m.contains("pool timed out")
        }
        _ => false,
    }
}

impl From<sea_orm::DbErr> for RepoError {
    fn from(e: sea_orm::DbErr) -> Self {
        if is_unavailable(&e) {
            return RepoError::Unavailable(anyhow::Error::new(e).context("database unavailable"));
        }
        RepoError::Unexpected(anyhow::Error::new(e).context("database call failed"))
    }
}
