//! `revokeTokens`: every token of a tenant issued until now stops working, ours and its partner's, and the
//! live subscriptions of those tokens end. Owners revoke their own tenant's, admins any tenant's, and a
//! reseller those of the tenants its partner manages.

use super::tenant::TenantNode;
use super::{caller, state};
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::ids::{self, Kind};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::tenant::{Role, TenantId};

/// Input of `revokeTokens`.
#[derive(InputObject)]
pub struct RevokeTokensInput {
    /// The tenant; an owner may leave it out (its own). Admins and resellers must give it.
    pub tenant_id: Option<ID>,
}

/// Result of `revokeTokens`.
#[derive(SimpleObject)]
pub struct RevokeTokensPayload {
    /// The tenant whose tokens were revoked.
    pub tenant: Option<TenantNode>,
    /// Tokens issued until this instant are refused from now on.
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// A fresh owner token, for an owner or admin caller (an owner's own token was revoked too). Resellers
    /// mint their own.
    pub owner_token: Option<String>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// Token mutations.
#[derive(Default)]
pub struct TokenMutation;

#[Object]
impl TokenMutation {
    /// Revokes every token of a tenant issued until now (see the module docs).
    async fn revoke_tokens(&self, ctx: &Context<'_>, input: RevokeTokensInput) -> Result<RevokeTokensPayload, ApiError> {
        let c = caller(ctx)?;
        let st = state(ctx)?;
        let fail = |code, m: &str| {
            Ok(RevokeTokensPayload { tenant: None, revoked_at: None, owner_token: None, user_errors: vec![UserError::new(&["tenantId"], code, m)] })
        };
        let named = match &input.tenant_id {
            Some(id) => match ids::try_decode(Kind::Tenant, id) {
                Some(u) => Some(TenantId(u)),
                None => return fail(UserErrorCode::NotFound, "no such tenant"),
            },
            None => None,
        };
        // Which tenant, and may this caller revoke it? A tenant the caller may not reach looks missing.
        let target = match (c.role, named) {
            (Role::Owner, None) => c.tenant.ok_or_else(|| ApiError::Forbidden("this token acts on no tenant".into()))?,
            (Role::Owner, Some(t)) if c.tenant == Some(t) => t,
            (Role::Owner, Some(_)) => return fail(UserErrorCode::NotFound, "no such tenant"),
            (Role::Admin | Role::Reseller, None) => return fail(UserErrorCode::Blank, "tenantId is required"),
            (Role::Admin, Some(t)) => t,
            (Role::Reseller, Some(t)) => {
                let managed = st.tenants.get_tenant(t.0).await?.is_some_and(|x| x.partner_id.is_some() && x.partner_id == c.partner_id);
                if !managed {
                    return fail(UserErrorCode::NotFound, "no such tenant");
                }
                t
            }
            (Role::Editor | Role::Viewer, _) => return Err(ApiError::Forbidden("only owners, admins and resellers revoke tokens".into())),
        };
        let t = match st.tokens.revoke(target).await {
            Ok(t) => t,
            Err(infra::db::RepoError::NotFound) => return fail(UserErrorCode::NotFound, "no such tenant"),
            Err(e) => return Err(e.into()),
        };
        let owner_token = match c.role {
            Role::Owner | Role::Admin => Some(st.tokens.mint(Role::Owner, Some((t.id, t.token_version)), &format!("owner@{}", t.id), 30 * 24 * 3600)?),
            _ => None,
        };
        Ok(RevokeTokensPayload { revoked_at: t.tokens_revoked_at, tenant: Some(TenantNode(t)), owner_token, user_errors: vec![] })
    }
}
