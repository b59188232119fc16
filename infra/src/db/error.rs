//! Repository errors: the variants a caller can act on, and `Unexpected` for the rest.

/// What a repository call can fail with.
#[derive(thiserror::Error)]
pub enum RepoError {
    /// The row does not exist for this tenant (a foreign row looks exactly the same).
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; the field names which.
    #[error("duplicate {0}")]
    Duplicate(&'static str),
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

impl From<sea_orm::DbErr> for RepoError {
    fn from(e: sea_orm::DbErr) -> Self {
        if matches!(
            e.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) {
            return RepoError::Duplicate("value");
        }
        RepoError::Unexpected(anyhow::Error::new(e).context("database call failed"))
    }
}
