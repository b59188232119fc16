//! Tenants, partners and the caller's own view.

use crate::ids::{self, Kind};
use super::readiness::Segment;
use crate::error::{UserError, UserErrorCode};
use super::{caller, state};
use super::types::Role as RoleOut;
use crate::auth::decoding_key;
use domain::tenant::Role;
use crate::error::ApiError;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use infra::db::RepoError;
use infra::db::tenant_repo::Tenant;

/// A tenant: one seller business.
pub struct TenantNode(pub Tenant);

#[Object(name = "Tenant")]
impl TenantNode {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Tenant, self.0.id.0)
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Business segment (decides the NCT deadline).
    async fn segment(&self) -> Option<Segment> {
        segment_parse(&self.0.segment)
    }
    /// Creation time.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
}

pub(crate) fn segment_str(s: Segment) -> &'static str {
    match s {
        Segment::ImportersManufacturers => "IMPORTERS_MANUFACTURERS",
        Segment::RetailChains => "RETAIL_CHAINS",
        Segment::SmallMicroBusiness => "SMALL_MICRO_BUSINESS",
    }
}

fn segment_parse(s: &str) -> Option<Segment> {
    [
        Segment::ImportersManufacturers,
        Segment::RetailChains,
        Segment::SmallMicroBusiness,
    ]
    .into_iter()
    .find(|x| segment_str(*x) == s)
}

/// Who is calling.
#[derive(SimpleObject)]
pub struct Viewer {
    /// Token subject.
    pub subject: String,
    /// Role.
    pub role: RoleOut,
    /// The tenant acted on, if any.
    pub tenant: Option<TenantNode>,
}

/// Tenant queries.
#[derive(Default)]
pub struct TenantQuery;

#[Object]
impl TenantQuery {
    /// The verified caller.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer, ApiError> {
        let c = caller(ctx)?;
        let tenant = match c.tenant {
            Some(t) => state(ctx)?.tenants.get_tenant(t.0).await?.map(TenantNode),
            None => None,
        };
        Ok(Viewer {
            subject: c.subject.clone(),
            role: c.role.into(),
            tenant,
        })
    }

    /// Tenants: all of them for an admin, the managed ones for a reseller.
    async fn tenants(&self, ctx: &Context<'_>) -> Result<Vec<TenantNode>, ApiError> {
        let c = caller(ctx)?;
        let filter = match c.role {
            Role::Admin => None,
            Role::Reseller => Some(c.partner_id.ok_or(ApiError::Forbidden("no partner".into()))?),
            _ => return Err(ApiError::Forbidden("only admins and resellers list tenants".into())),
        };
        Ok(state(ctx)?
            .tenants
            .list_tenants(filter)
            .await?
            .into_iter()
            .map(TenantNode)
            .collect())
    }
}

/// Input of `createTenant`.
#[derive(InputObject)]
pub struct CreateTenantInput {
    /// Display name (1–200 characters).
    pub name: String,
    /// Business segment.
    pub segment: Segment,
}

/// Result of `createTenant`.
#[derive(SimpleObject)]
pub struct CreateTenantPayload {
    /// The new tenant.
    pub tenant: Option<TenantNode>,
    /// A 30-day owner token for the new tenant (only for admins; partners sign their own).
    pub owner_token: Option<String>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// Input of `registerPartner`.
#[derive(InputObject)]
pub struct RegisterPartnerInput {
    /// Display name.
    pub name: String,
    /// The `iss` its tokens carry (unique).
    pub issuer: String,
    /// The `aud` its tokens must carry.
    pub audience: String,
    /// `RS256`, `ES256`, `EdDSA` (PEM public key) or `HS256` (secret of at least 32 bytes).
    pub algorithm: String,
    /// The PEM public key or HS256 secret.
    pub verification_key: String,
}

/// A registered partner.
#[derive(SimpleObject)]
pub struct PartnerInfo {
    /// Partner ID (use it as `partnerId` when creating tenants it manages).
    pub id: ID,
    /// Name.
    pub name: String,
    /// Issuer.
    pub issuer: String,
    /// Audience.
    pub audience: String,
    /// Algorithm.
    pub algorithm: String,
}

/// Result of `registerPartner`.
#[derive(SimpleObject)]
pub struct RegisterPartnerPayload {
    /// The partner.
    pub partner: Option<PartnerInfo>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// Tenant mutations.
#[derive(Default)]
pub struct TenantMutation;

#[Object]
impl TenantMutation {
    /// Creates a tenant. Admins create unmanaged tenants; a reseller's tenant is managed by its partner.
    async fn create_tenant(
        &self,
        ctx: &Context<'_>,
        input: CreateTenantInput,
    ) -> Result<CreateTenantPayload, ApiError> {
        let c = caller(ctx)?;
        let partner = match c.role {
            Role::Admin => None,
            Role::Reseller => c.partner_id,
            _ => return Err(ApiError::Forbidden("only admins and resellers create tenants".into())),
        };
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Ok(CreateTenantPayload {
                tenant: None,
                owner_token: None,
                user_errors: vec![UserError::new(
                    &["name"],
                    UserErrorCode::Invalid,
                    "name must have 1 to 200 characters",
                )],
            });
        }
        let st = state(ctx)?;
        let t = st
            .tenants
            .create_tenant(name, segment_str(input.segment), partner)
            .await?;
        let owner_token = if c.role == Role::Admin {
            Some(st.tokens.mint(
                Role::Owner,
                Some((t.id, t.token_version)),
                &format!("owner@{}", t.id),
                30 * 24 * 3600,
            )?)
        } else {
            None
        };
        Ok(CreateTenantPayload {
            tenant: Some(TenantNode(t)),
            owner_token,
            user_errors: vec![],
        })
    }

    /// Registers a partner whose JWTs are accepted (admin only).
    async fn register_partner(
        &self,
        ctx: &Context<'_>,
        input: RegisterPartnerInput,
    ) -> Result<RegisterPartnerPayload, ApiError> {
        if caller(ctx)?.role != Role::Admin {
            return Err(ApiError::Forbidden("only admins register partners".into()));
        }
        let fail = |f: &str, code, msg: String| RegisterPartnerPayload {
            partner: None,
            user_errors: vec![UserError::new(&[f], code, msg)],
        };
        if input.issuer.trim().is_empty() || input.issuer == crate::auth::ISSUER {
            return Ok(fail("issuer", UserErrorCode::Invalid, "issuer must be non-empty and not ours".into()));
        }
        if input.audience.trim().is_empty() {
            return Ok(fail("audience", UserErrorCode::Blank, "audience is required".into()));
        }
        if let Err(e) = decoding_key(&input.algorithm, &input.verification_key) {
            return Ok(fail("verificationKey", UserErrorCode::Invalid, format!("unusable key: {e}")));
        }
        match state(ctx)?
            .tenants
            .create_partner(
                input.name.trim(),
                input.issuer.trim(),
                input.audience.trim(),
                &input.algorithm,
                &input.verification_key,
            )
            .await
        {
            Ok(p) => Ok(RegisterPartnerPayload {
                partner: Some(PartnerInfo {
                    id: ID(p.id.to_string()),
                    name: p.name,
                    issuer: p.issuer,
                    audience: p.audience,
                    algorithm: p.algorithm,
                }),
                user_errors: vec![],
            }),
            Err(RepoError::Duplicate(_)) => Ok(fail("issuer", UserErrorCode::Taken, "issuer already registered".into())),
            Err(e) => Err(e.into()),
        }
    }

    /// Assigns a tenant to a partner so that the partner's reseller tokens reach it (admin only).
    async fn assign_tenant_to_partner(
        &self,
        ctx: &Context<'_>,
        tenant_id: ID,
        partner_id: ID,
    ) -> Result<bool, ApiError> {
        if caller(ctx)?.role != Role::Admin {
            return Err(ApiError::Forbidden("only admins assign tenants".into()));
        }
        let t = ids::decode(Kind::Tenant, &tenant_id)?;
        let p = uuid::Uuid::parse_str(&partner_id).map_err(|_| ApiError::NotFound)?;
        state(ctx)?.tenants.set_partner(t, p).await?;
        Ok(true)
    }
}
