//! One error type for the API, mapped to GraphQL errors with a stable `extensions.code`.
//!
//! Codes are a public contract (documented in the README): `UNAUTHENTICATED`, `FORBIDDEN`, `NOT_FOUND`,
//! `BAD_USER_INPUT`, `LIMIT_EXCEEDED`, `CONFLICT`, `UNAVAILABLE`, `INTERNAL`. Like dropshot's `HttpError`,
//! each error has an external message for the client; `Internal` and `Unavailable` keep their cause chain for
//! the log only.
//!
//! Mutation input problems a caller can fix are not errors but [`UserError`]s in the payload. The use-case
//! errors of `infra` (NCT refusals, card states, job starts) become `userErrors` here, in one place:
//! [`card_user_error`], [`nct_user_error`], [`start_job_user_error`], [`decide_user_error`].

use async_graphql::{Enum, ErrorExtensions as _, SimpleObject};
use infra::cards::CardError;
use infra::db::RepoError;
use infra::db::job_start::StartJobError;
use infra::db::match_repo::DecideError;
use nct::NctError;

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
    /// The database or NCT is not answering now; retry later. The cause goes to the log.
    Unavailable(anyhow::Error),
    /// Anything else; logged with its cause chain.
    Internal(anyhow::Error),
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Internal(e) | ApiError::Unavailable(e) => write!(f, "{e:?}"),
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
            ApiError::Unavailable(_) => "UNAVAILABLE",
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
            ApiError::Unavailable(_) => "temporarily unavailable; retry shortly".to_owned(),
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
            RepoError::Unavailable(e) => ApiError::Unavailable(e),
            RepoError::Unexpected(e) => ApiError::Internal(e),
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        match &e {
            ApiError::Internal(cause) => tracing::error!(error.cause_chain = ?cause, error.message = %cause, "internal error"),
            ApiError::Unavailable(cause) => tracing::warn!(error.cause_chain = ?cause, error.message = %cause, "unavailable"),
            _ => {}
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

impl From<NctError> for ApiError {
    /// An NCT failure that is not the caller's to fix: `UNAVAILABLE` when NCT is down, slow or rate-limiting
    /// (retrying helps), `INTERNAL` otherwise.
    fn from(e: NctError) -> Self {
        let cause = anyhow::anyhow!("NCT call failed: {} ({e})", e.code());
        if e.is_retryable() { ApiError::Unavailable(cause) } else { ApiError::Internal(cause) }
    }
}

/// Codes of `userErrors`: stable, documented in the README.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserErrorCode {
    /// A required value is missing.
    Blank,
    /// A value is malformed or out of range.
    Invalid,
    /// Too long or too many.
    TooLong,
    /// The referenced object does not exist (or belongs to someone else).
    NotFound,
    /// Already taken (unique constraint).
    Taken,
    /// The same idempotency key was used with different input.
    IdempotencyConflict,
    /// The object is in a state that does not allow the action.
    InvalidState,
    /// NCT did not answer; the action is kept and finished automatically (see `Moderation.pendingStep`).
    Queued,
}

/// A problem with mutation input that the caller can fix.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// Path to the input field, e.g. `["input", "skus", "3", "sellerSku"]`.
    pub field: Vec<String>,
    /// Machine-readable code.
    pub code: UserErrorCode,
    /// Human-readable message.
    pub message: String,
}

impl UserError {
    /// Builds a user error on `input.<field...>`.
    pub fn new(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> Self {
        let mut path = vec!["input".to_owned()];
        path.extend(field.iter().map(|s| (*s).to_owned()));
        Self {
            field: path,
            code,
            message: message.into(),
        }
    }
}

/// An NCT failure during a mutation: NCT's refusals become a user error on `field` (its message verbatim);
/// what the caller cannot fix stays an [`ApiError`].
pub fn nct_user_error(e: NctError, field: &str) -> Result<UserError, ApiError> {
    Ok(match e {
        NctError::Business { message, .. } => UserError::new(&[field], UserErrorCode::InvalidState, message),
        NctError::Validation { message, .. } => UserError::new(&[field], UserErrorCode::Invalid, message),
        NctError::NotFound => UserError::new(&[field], UserErrorCode::NotFound, "NCT has no such object"),
        NctError::InvalidKey => UserError::new(
            &[field],
            UserErrorCode::InvalidState,
            "NCT refused the tenant's API key; set a valid one with setNctApiKey",
        ),
        other => return Err(other.into()),
    })
}

/// The outcome of checking a new NCT key: NCT's refusal of the key, or an `NCT_BASE_URL` that does not lead
/// to NCT's API, is a user error on `key` (the key is not stored); anything else (NCT down or slow) is
/// logged and the key is kept unverified (`None`).
pub fn key_verification_error(e: NctError) -> Option<UserError> {
    match e {
        NctError::InvalidKey => {
            Some(UserError::new(&["key"], UserErrorCode::Invalid, "NCT refused this key (401); it was not stored"))
        }
        NctError::WrongBaseUrl(why) => {
            // Not the key's fault and nothing the caller can fix: say so, store nothing.
            tracing::error!(reason = %why, "NCT_BASE_URL does not lead to NCT's portal API");
            Some(UserError::new(
                &["key"],
                UserErrorCode::InvalidState,
                format!("the key could not be checked and was not stored: this server's NCT_BASE_URL does not lead to NCT's API ({why}); the server's operator must fix NCT_BASE_URL"),
            ))
        }
        other => {
            tracing::warn!(error.code = other.code(), "could not verify the NCT key; stored unverified");
            None
        }
    }
}

/// A card use-case's refusal as a user error; `field` is the input field an NCT refusal is put on.
pub fn card_user_error(e: CardError, field: &str) -> Result<UserError, ApiError> {
    Ok(match e {
        CardError::NotFound => UserError::new(&["skuId"], UserErrorCode::NotFound, "no such SKU"),
        e @ CardError::NoKey => UserError::new(&[field], UserErrorCode::InvalidState, e.to_string()),
        CardError::InvalidState(m) => UserError::new(&[field], UserErrorCode::InvalidState, m),
        CardError::Invalid { field, message } => UserError::new(&[field], UserErrorCode::Invalid, message),
        CardError::Blank { field, message } => UserError::new(&[field], UserErrorCode::Blank, message),
        CardError::TooLong { field, message } => UserError::new(&[field], UserErrorCode::TooLong, message),
        CardError::Queued(m) => UserError::new(&[field], UserErrorCode::Queued, m),
        CardError::Nct(e) => return nct_user_error(e, field),
        CardError::Repo(e) => return Err(e.into()),
    })
}

/// A job start's refusal as a user error.
pub fn start_job_user_error(e: StartJobError) -> Result<UserError, ApiError> {
    let (field, code) = match &e {
        StartJobError::BadIdempotencyKey => ("idempotencyKey", UserErrorCode::Invalid),
        StartJobError::TooManySkus(_) => ("skuIds", UserErrorCode::TooLong),
        StartJobError::CatalogNotFound => ("catalogId", UserErrorCode::NotFound),
        StartJobError::IdempotencyConflict => ("idempotencyKey", UserErrorCode::IdempotencyConflict),
        StartJobError::Repo(_) => ("", UserErrorCode::Invalid),
    };
    match e {
        StartJobError::Repo(e) => Err(e.into()),
        e => Ok(UserError::new(&[field], code, e.to_string())),
    }
}

/// A refused match decision as a user error on `path` (e.g. `["skuId"]` or `["items", "3"]` + the field).
pub fn decide_user_error(e: DecideError, path: &[&str]) -> Result<UserError, ApiError> {
    fn at<'a>(path: &[&'a str], field: &'a str) -> Vec<&'a str> {
        path.iter().copied().chain([field]).collect()
    }
    let at = |field: &'static str| at(path, field);
    Ok(match e {
        DecideError::NotFound => UserError::new(&at("skuId"), UserErrorCode::NotFound, e.to_string()),
        DecideError::Repeated => UserError::new(&at("skuId"), UserErrorCode::Invalid, e.to_string()),
        DecideError::NotACandidate => UserError::new(&at("ntin"), UserErrorCode::Invalid, e.to_string()),
        DecideError::NoCandidates | DecideError::HasNtin | DecideError::InModeration => UserError::new(&at("skuId"), UserErrorCode::InvalidState, e.to_string()),
        DecideError::Repo(e) => return Err(e.into()),
    })
}

/// A GraphQL-shaped error response with a code, for refusals outside GraphQL execution (rate limits, body
/// caps, the export route).
pub fn error_response(status: actix_web::http::StatusCode, code: &str, message: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(status).json(serde_json::json!({
        "errors": [{"message": message, "extensions": {"code": code}}]
    }))
}

/// Result alias for resolvers.
pub type ApiResult<T> = Result<T, ApiError>;
