//! One error type for the API, mapped to GraphQL errors with a stable `extensions.code`.
//!
//! Codes are a public contract (documented in the README): `UNAUTHENTICATED`, `FORBIDDEN`, `NOT_FOUND`,
//! `BAD_USER_INPUT`, `LIMIT_EXCEEDED`, `CONFLICT`, `INTERNAL`. Like dropshot's `HttpError`, each error has an
//! external message for the client; `Internal` keeps its cause chain for the log only and replies a fixed text.

use async_graphql::ErrorExtensions as _;
use infra::db::RepoError;

/// Everything a resolver can fail with, outside the typed `userErrors` of mutation payloads.
///
/// It deliberately has no `Display`: async-graphql converts any `Display` type into an error without a code,
/// and this type must always go through the `From` below, which sets `extensions.code`.
pub enum ApiError {
    /// No token, or a token that does not verify.
    Unauthenticated(String),
    /// A verified caller without the role for this action.
    Forbidden(String),
    /// Unknown or foreign object: the two look the same.
    NotFound,
    /// Input the caller can fix.
    BadInput {
        /// The input field at fault.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A size or count limit was passed; the message names the limit.
    LimitExceeded(String),
    /// A conflicting state (e.g. an idempotency key reused with other input).
    Conflict(String),
    /// Anything else; logged with its cause chain.
    Internal(anyhow::Error),
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Internal(e) => write!(f, "{e:?}"),
            other => write!(f, "{}: {}", other.code(), other.message()),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Internal(e)
    }
}

impl ApiError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound => "NOT_FOUND",
            ApiError::BadInput { .. } => "BAD_USER_INPUT",
            ApiError::LimitExceeded(_) => "LIMIT_EXCEEDED",
            ApiError::Conflict(_) => "CONFLICT",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    /// The message shown to clients.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated(m)
            | ApiError::Forbidden(m)
            | ApiError::LimitExceeded(m)
            | ApiError::Conflict(m) => m.clone(),
            ApiError::NotFound => "not found".to_owned(),
            ApiError::BadInput { message, .. } => message.clone(),
            ApiError::Internal(_) => "internal error".to_owned(),
        }
    }

    /// Shorthand for a bad input field.
    pub fn bad_input(field: &str, message: impl Into<String>) -> Self {
        ApiError::BadInput {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => ApiError::NotFound,
            RepoError::Duplicate(f) => ApiError::Conflict(format!("duplicate {f}")),
            RepoError::Unexpected(e) => ApiError::Internal(e),
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        if let ApiError::Internal(cause) = &e {
            tracing::error!(error.cause_chain = ?cause, error.message = %cause, "internal error");
        }
        let code = e.code();
        let field = match &e {
            ApiError::BadInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        async_graphql::Error::new(e.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(f) = &field {
                ext.set("field", f.as_str());
            }
        })
    }
}

/// Result alias for resolvers.
pub type ApiResult<T> = Result<T, ApiError>;
