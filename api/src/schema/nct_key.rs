//! The tenant's NCT API key: set (encrypted at rest), show its status, delete. The key is never returned.

use crate::error::{UserError, UserErrorCode, key_verification_error};
use super::{state, tenant};
use domain::tenant::Permission;
use crate::error::ApiError;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use infra::db::key_repo::{NctKeyInfo, status};
use secrecy::SecretString;

/// Verdict on a stored key.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum NctKeyStatus {
    /// Stored, not checked.
    Unverified,
    /// NCT accepted it.
    Valid,
    /// NCT refused it; jobs stop until it is replaced.
    Invalid,
}

/// What is known about the tenant's NCT key (never the key itself).
#[derive(SimpleObject)]
pub struct NctKey {
    /// Whether a key is stored.
    pub configured: bool,
    /// A short keyed hash, to tell keys apart.
    pub fingerprint: Option<String>,
    /// When it was set.
    pub set_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When NCT last accepted it.
    pub last_verified_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Status.
    pub status: Option<NctKeyStatus>,
}

impl From<Option<NctKeyInfo>> for NctKey {
    fn from(i: Option<NctKeyInfo>) -> Self {
        match i {
            None => NctKey { configured: false, fingerprint: None, set_at: None, last_verified_at: None, status: None },
            Some(i) => NctKey {
                configured: true,
                fingerprint: Some(i.fingerprint),
                set_at: Some(i.set_at),
                last_verified_at: i.last_verified_at,
                status: Some(match i.status.as_str() {
                    status::VALID => NctKeyStatus::Valid,
                    status::INVALID => NctKeyStatus::Invalid,
                    _ => NctKeyStatus::Unverified,
                }),
            },
        }
    }
}

/// Key queries.
#[derive(Default)]
pub struct NctKeyQuery;

#[Object]
impl NctKeyQuery {
    /// The tenant's NCT key status (owners only).
    async fn nct_key(&self, ctx: &Context<'_>) -> Result<NctKey, ApiError> {
        let t = tenant(ctx, Permission::Manage)?;
        Ok(state(ctx)?.keys.info(t).await?.into())
    }
}

/// Input of `setNctApiKey`.
#[derive(InputObject)]
pub struct SetNctApiKeyInput {
    /// The key from the NCT portal. It is encrypted at rest and sent only to NCT.
    pub key: String,
    /// Check the key against NCT before storing it (default true). A refused key is not stored.
    #[graphql(default = true)]
    pub verify: bool,
}

/// Result of `setNctApiKey`.
#[derive(SimpleObject)]
pub struct SetNctApiKeyPayload {
    /// The key's status after the change.
    pub nct_key: Option<NctKey>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// Result of `deleteNctApiKey`.
#[derive(SimpleObject)]
pub struct DeleteNctApiKeyPayload {
    /// Whether a key was removed.
    pub deleted: bool,
    /// Problems.
    pub user_errors: Vec<UserError>,
}

/// Key mutations.
#[derive(Default)]
pub struct NctKeyMutation;

#[Object]
impl NctKeyMutation {
    /// Stores the tenant's NCT API key, encrypted (owners only).
    async fn set_nct_api_key(&self, ctx: &Context<'_>, input: SetNctApiKeyInput) -> Result<SetNctApiKeyPayload, ApiError> {
        let t = tenant(ctx, Permission::Manage)?;
        let fail = |code, msg: &str| Ok(SetNctApiKeyPayload { nct_key: None, user_errors: vec![UserError::new(&["key"], code, msg)] });
        let raw = input.key.trim();
        if raw.is_empty() {
            return fail(UserErrorCode::Blank, "key is required");
        }
        if raw.len() > 512 || raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return fail(UserErrorCode::Invalid, "a key has at most 512 visible characters and no spaces");
        }
        let key = SecretString::from(raw.to_owned());
        let st = state(ctx)?;
        let mut verdict = status::UNVERIFIED;
        if input.verify {
            match st.nct.verify_key(&key).await {
                Ok(()) => verdict = status::VALID,
                // NCT down or slow gives no user error: the key is kept, unverified.
                Err(e) => {
                    if let Some(user_error) = key_verification_error(e) {
                        return Ok(SetNctApiKeyPayload { nct_key: None, user_errors: vec![user_error] });
                    }
                }
            }
        }
        let info = st.keys.set(t, &key, verdict, verdict == status::VALID).await?;
        Ok(SetNctApiKeyPayload { nct_key: Some(Some(info).into()), user_errors: vec![] })
    }

    /// Removes the tenant's NCT API key (owners only).
    async fn delete_nct_api_key(&self, ctx: &Context<'_>) -> Result<DeleteNctApiKeyPayload, ApiError> {
        let t = tenant(ctx, Permission::Manage)?;
        let deleted = state(ctx)?.keys.delete(t).await?;
        Ok(DeleteNctApiKeyPayload {
            deleted,
            user_errors: if deleted { vec![] } else { vec![UserError::new(&[], UserErrorCode::NotFound, "no key is set")] },
        })
    }
}
