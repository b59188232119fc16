//! The tenant's Kaspi Shop API token (owners only; encrypted at rest, never returned) and the one Kaspi
//! lookup built on it. Only endpoints an official Kaspi page documents are called (see
//! `infra::kaspi::client`).

use super::{state, tenant};
use crate::error::{ApiError, UserError, UserErrorCode};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use domain::tenant::Permission;
use infra::db::key_repo::{NctKeyInfo, status};
use infra::kaspi::client::KaspiError;
use secrecy::SecretString;

/// Verdict on the stored token.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum KaspiTokenStatus {
    /// Stored, not checked (Kaspi did not answer when it was set).
    Unverified,
    /// Kaspi accepted it.
    Valid,
    /// Kaspi refused it.
    Invalid,
}

/// What is known about the tenant's Kaspi token (never the token).
#[derive(SimpleObject)]
pub struct KaspiToken {
    /// Whether a token is stored.
    pub configured: bool,
    /// A short keyed hash, to tell tokens apart.
    pub fingerprint: Option<String>,
    /// When it was set.
    pub set_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When Kaspi last accepted it.
    pub last_verified_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Status.
    pub status: Option<KaspiTokenStatus>,
}

impl From<Option<NctKeyInfo>> for KaspiToken {
    fn from(i: Option<NctKeyInfo>) -> Self {
        let Some(i) = i else {
            return Self { configured: false, fingerprint: None, set_at: None, last_verified_at: None, status: None };
        };
        let status = match i.status.as_str() {
            status::VALID => KaspiTokenStatus::Valid,
            status::INVALID => KaspiTokenStatus::Invalid,
            _ => KaspiTokenStatus::Unverified,
        };
        Self { configured: true, fingerprint: Some(i.fingerprint), set_at: Some(i.set_at), last_verified_at: i.last_verified_at, status: Some(status) }
    }
}

/// An attribute of a Kaspi category.
#[derive(SimpleObject)]
pub struct KaspiAttribute {
    /// Attribute code.
    pub code: String,
    /// `boolean`, `enum`, `string` or `number`.
    pub r#type: String,
    /// Takes several values.
    pub multi_valued: bool,
    /// Required for products of the category.
    pub mandatory: bool,
}

/// Kaspi queries.
#[derive(Default)]
pub struct KaspiQuery;

fn kaspi_error(e: KaspiError) -> ApiError {
    match e {
        KaspiError::InvalidToken => ApiError::bad_input("categoryCode", "Kaspi refused the tenant's API token; set a valid one with setKaspiToken"),
        KaspiError::NotFound => ApiError::NotFound,
        KaspiError::Unavailable(m) => ApiError::Unavailable(anyhow::anyhow!("Kaspi call failed: {m}")),
    }
}

#[Object]
impl KaspiQuery {
    /// The tenant's Kaspi token status (owners only).
    async fn kaspi_token(&self, ctx: &Context<'_>) -> Result<KaspiToken, ApiError> {
        let t = tenant(ctx, Permission::Manage)?;
        Ok(state(ctx)?.integrations.kaspi_tokens.info(t).await?.into())
    }

    /// The attributes of a Kaspi category (Kaspi's official `products/classification/attributes`), with the
    /// tenant's Kaspi token.
    async fn kaspi_category_attributes(&self, ctx: &Context<'_>, category_code: String) -> Result<Vec<KaspiAttribute>, ApiError> {
        let t = tenant(ctx, Permission::Read)?;
        let code = category_code.trim();
        if code.is_empty() || code.len() > 200 || code.chars().any(char::is_control) {
            return Err(ApiError::bad_input("categoryCode", "categoryCode must have 1 to 200 visible characters"));
        }
        let it = &state(ctx)?.integrations;
        let Some(token) = it.kaspi_tokens.load(t).await? else {
            return Err(ApiError::bad_input("categoryCode", "no Kaspi API token is set; call setKaspiToken first"));
        };
        match it.kaspi.category_attributes(&token, code).await {
            Ok(list) => Ok(list.into_iter().map(|a| KaspiAttribute { code: a.code, r#type: a.kind, multi_valued: a.multi_valued, mandatory: a.mandatory }).collect()),
            Err(KaspiError::InvalidToken) => {
                it.kaspi_tokens.mark(t, status::INVALID).await?;
                Err(kaspi_error(KaspiError::InvalidToken))
            }
            Err(e) => Err(kaspi_error(e)),
        }
    }
}

/// Input of `setKaspiToken`.
#[derive(InputObject)]
pub struct SetKaspiTokenInput {
    /// The token from the Kaspi seller cabinet (Settings → API token). Encrypted at rest; sent only to Kaspi.
    pub token: String,
    /// Check it with Kaspi before storing it (default true). A refused token is not stored.
    #[graphql(default = true)]
    pub verify: bool,
}

/// Result of `setKaspiToken`.
#[derive(SimpleObject)]
pub struct SetKaspiTokenPayload {
    /// The token's status after the change.
    pub kaspi_token: Option<KaspiToken>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// Result of `deleteKaspiToken`.
#[derive(SimpleObject)]
pub struct DeleteKaspiTokenPayload {
    /// Whether a token was removed.
    pub deleted: bool,
    /// Problems.
    pub user_errors: Vec<UserError>,
}

/// Kaspi mutations.
#[derive(Default)]
pub struct KaspiMutation;

#[Object]
impl KaspiMutation {
    /// Stores the tenant's Kaspi Shop API token, encrypted (owners only).
    async fn set_kaspi_token(&self, ctx: &Context<'_>, input: SetKaspiTokenInput) -> Result<SetKaspiTokenPayload, ApiError> {
        let t = tenant(ctx, Permission::Manage)?;
        let fail = |code, msg: &str| Ok(SetKaspiTokenPayload { kaspi_token: None, user_errors: vec![UserError::new(&["token"], code, msg)] });
        let raw = input.token.trim();
        if raw.is_empty() {
            return fail(UserErrorCode::Blank, "token is required");
        }
        if raw.len() > 512 || raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return fail(UserErrorCode::Invalid, "a token has at most 512 visible characters and no spaces");
        }
        let token = SecretString::from(raw.to_owned());
        let it = &state(ctx)?.integrations;
        let mut verdict = status::UNVERIFIED;
        if input.verify {
            match it.kaspi.verify_token(&token).await {
                Ok(()) => verdict = status::VALID,
                Err(KaspiError::InvalidToken) => return fail(UserErrorCode::Invalid, "Kaspi refused this token; it was not stored"),
                Err(e) => tracing::warn!(error = %e, "could not verify the Kaspi token; stored unverified"),
            }
        }
        let info = it.kaspi_tokens.set(t, &token, verdict, verdict == status::VALID).await?;
        Ok(SetKaspiTokenPayload { kaspi_token: Some(Some(info).into()), user_errors: vec![] })
    }

    /// Removes the tenant's Kaspi token (owners only).
    async fn delete_kaspi_token(&self, ctx: &Context<'_>) -> Result<DeleteKaspiTokenPayload, ApiError> {
        let t = tenant(ctx, Permission::Manage)?;
        let deleted = state(ctx)?.integrations.kaspi_tokens.delete(t).await?;
        Ok(DeleteKaspiTokenPayload {
            deleted,
            user_errors: if deleted { vec![] } else { vec![UserError::new(&[], UserErrorCode::NotFound, "no token is set")] },
        })
    }
}
