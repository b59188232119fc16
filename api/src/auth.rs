//! JWT verification at the edge, into an [`AuthContext`] that resolvers read. Resolvers never see tokens.
//!
//! Two kinds of token are accepted:
//! - our own, HS256, `iss = "ntin-desk"`, `aud = "ntin-desk-api"`, `typ = "access"`, with the tenant's
//!   `ver` (token version) checked against the database so a tenant can revoke all its tokens;
//! - a registered partner's, verified with that partner's key and ONLY that key's algorithm (RS256, ES256,
//!   EdDSA or HS256), `iss`/`aud` = the partner's. A partner token naming a tenant the partner does not manage
//!   is refused.
//!
//! The algorithm is always taken from our key table, never from the token header (`alg: none` and HS/RS
//! confusion fail). `exp` is required; the leeway is 30 s; an `iat` in the future beyond the leeway is refused;
//! tokens over 8 KiB are refused before parsing. `revokeTokens` bumps the tenant's token version (our tokens)
//! and records the instant (partner tokens issued until then are refused).

use crate::error::ApiError;
use base64::Engine as _;
use domain::tenant::{Permission, Role, TenantId};
use infra::db::RepoError;
use infra::db::tenant_repo::TenantRepo;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Our issuer.
pub const ISSUER: &str = "ntin-desk";
/// Our audience.
pub const AUDIENCE: &str = "ntin-desk-api";
const MAX_TOKEN_BYTES: usize = 8 * 1024;
const LEEWAY_SECS: u64 = 30;

/// The verified caller.
#[derive(Clone, Debug)]
pub struct AuthContext {
    /// `sub` of the token.
    pub subject: String,
    /// The caller's role.
    pub role: Role,
    /// The tenant the token acts on, if any.
    pub tenant: Option<TenantId>,
    /// Set for partner tokens.
    pub partner_id: Option<Uuid>,
    /// When the token stops being valid (seconds since the epoch); long-lived subscriptions end then.
    pub expires_at: u64,
}

impl AuthContext {
    /// The tenant this caller acts on, when it holds `perm` there.
    pub fn tenant_for(&self, perm: Permission) -> Result<TenantId, ApiError> {
        let tenant = self
            .tenant
            .ok_or_else(|| ApiError::Forbidden("this token does not act on a tenant".into()))?;
        if self.role.allows(perm) {
            Ok(tenant)
        } else {
            Err(ApiError::Forbidden(format!("role {:?} may not do this", self.role)))
        }
    }
}

/// Claims of our own tokens (and the subset we read from partner tokens).
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Subject.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issued at.
    #[serde(default)]
    pub iat: u64,
    /// Purpose: `access` for API tokens.
    #[serde(default)]
    pub typ: Option<String>,
    /// Role.
    pub role: Role,
    /// Tenant ID.
    #[serde(default)]
    pub tid: Option<Uuid>,
    /// Tenant token version, for revocation.
    #[serde(default)]
    pub ver: Option<i32>,
}

/// Why a token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The token is refused; the message is safe to show. A client should sign in again.
    #[error("{0}")]
    Refused(String),
    /// The token could not be checked (the database did not answer). Not the caller's fault: retry later.
    #[error("the token could not be checked right now")]
    Unavailable(#[source] RepoError),
}

impl AuthError {
    fn refused(msg: impl Into<String>) -> Self {
        AuthError::Refused(msg.into())
    }
}

impl From<RepoError> for AuthError {
    fn from(e: RepoError) -> Self {
        AuthError::Unavailable(e)
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Refused(m) => ApiError::Unauthenticated(m),
            AuthError::Unavailable(e) => e.into(),
        }
    }
}

/// Mints and verifies tokens.
#[derive(Clone)]
pub struct TokenService {
    secret: SecretString,
    tenants: TenantRepo,
    /// Announces revocations in this process, so live sockets of the tenant are checked at once (sockets
    /// on other replicas notice within their periodic re-check).
    revoked: tokio::sync::broadcast::Sender<TenantId>,
    /// Tenants read for sockets' periodic re-checks, shared by every socket of a tenant for
    /// [`RECHECK_TENANT_AGE`]: a thousand sockets of one tenant cost one read a second, not 200.
    rechecked: std::sync::Arc<std::sync::Mutex<RecheckCache>>,
}

/// How old a tenant read may be for a socket's periodic re-check (requests always read it afresh).
const RECHECK_TENANT_AGE: std::time::Duration = std::time::Duration::from_secs(1);
/// Tenants the re-check cache holds before it drops its expired entries.
const RECHECK_TENANTS: usize = 10_000;

#[derive(Default)]
struct RecheckCache {
    tenants: std::collections::HashMap<Uuid, (std::time::Instant, infra::db::tenant_repo::Tenant)>,
    /// Bumped by each revocation here, so that a read begun before it is not stored after it.
    generation: u64,
}

/// Whether a verification may use a tenant read shared by socket re-checks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Freshness {
    /// Read the tenant now (every request).
    Now,
    /// A read of the last [`RECHECK_TENANT_AGE`] will do (a live socket's periodic re-check).
    Recent,
}

fn now_secs() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

impl TokenService {
    /// Builds the service over our HS256 secret.
    pub fn new(secret: SecretString, tenants: TenantRepo) -> Self {
        let (revoked, _) = tokio::sync::broadcast::channel(64);
        Self { secret, tenants, revoked, rechecked: std::sync::Arc::default() }
    }

    /// Revokes every token of `tenant` issued until now (ours and its partner's), and tells live sockets.
    pub async fn revoke(&self, tenant: TenantId) -> Result<infra::db::tenant_repo::Tenant, RepoError> {
        let t = self.tenants.revoke_tokens(tenant.0).await?;
        {
            let mut cache = self.recheck_cache();
            cache.generation += 1;
            cache.tenants.remove(&tenant.0);
        }
        let _ = self.revoked.send(tenant);
        tracing::info!(tenant_id = %tenant, "tokens revoked");
        Ok(t)
    }

    /// Listens to revocations announced in this process.
    pub fn revocations(&self) -> tokio::sync::broadcast::Receiver<TenantId> {
        self.revoked.subscribe()
    }

    /// Signs an access token.
    pub fn mint(&self, role: Role, tenant: Option<(TenantId, i32)>, subject: &str, ttl_secs: u64) -> anyhow::Result<String> {
        let now = now_secs();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: subject.into(),
            exp: now + ttl_secs,
            iat: now,
            typ: Some("access".into()),
            role,
            tid: tenant.map(|t| t.0.0),
            ver: tenant.map(|t| t.1),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(self.secret.expose_secret().as_bytes()),
        )?)
    }

    /// HMAC-SHA256 over `msg` with a key derived from our secret and `purpose` (export links).
    pub fn sign(&self, purpose: &str, msg: &[u8]) -> Vec<u8> {
        ring::hmac::sign(&self.hmac_key(purpose), msg).as_ref().to_vec()
    }

    /// The HMAC key for `purpose`, derived from our secret (one key per purpose).
    fn hmac_key(&self, purpose: &str) -> ring::hmac::Key {
        ring::hmac::Key::new(
            ring::hmac::HMAC_SHA256,
            format!("{purpose}:{}", self.secret.expose_secret()).as_bytes(),
        )
    }

    /// Checks a signature made by [`TokenService::sign`] in constant time.
    pub fn verify_signature(&self, purpose: &str, msg: &[u8], sig: &[u8]) -> bool {
        ring::hmac::verify(&self.hmac_key(purpose), msg, sig).is_ok()
    }

    /// Verifies an `Authorization` header value, if one was sent: `Ok(None)` without one.
    pub async fn verify_header(&self, header: Option<&[u8]>) -> Result<Option<AuthContext>, AuthError> {
        let Some(h) = header else { return Ok(None) };
        let token = std::str::from_utf8(h)
            .ok()
            .and_then(bearer)
            .ok_or_else(|| AuthError::refused("Authorization must be `Bearer <token>`"))?;
        self.verify(token).await.map(Some)
    }

    /// Verifies a bearer token into the caller's context.
    pub async fn verify(&self, token: &str) -> Result<AuthContext, AuthError> {
        self.verify_with(token, Freshness::Now).await
    }

    /// [`Self::verify`] for a live socket's periodic re-check: the tenant (its token version, revocation and
    /// deletion) may come from a read made for another socket within the last second. A revocation in this
    /// process is seen at once; one on another replica within the re-check period and that second.
    pub async fn verify_again(&self, token: &str) -> Result<AuthContext, AuthError> {
        self.verify_with(token, Freshness::Recent).await
    }

    async fn verify_with(&self, token: &str, fresh: Freshness) -> Result<AuthContext, AuthError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::refused("token too large"));
        }
        let issuer = unverified_issuer(token).ok_or_else(|| AuthError::refused("malformed token"))?;
        if issuer == ISSUER {
            return self.verify_own(token, fresh).await;
        }
        self.verify_partner(token, &issuer, fresh).await
    }

    fn recheck_cache(&self) -> std::sync::MutexGuard<'_, RecheckCache> {
        self.rechecked.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The tenant a token names, if it exists and is not deleted.
    async fn active_tenant(&self, id: Uuid, fresh: Freshness) -> Result<infra::db::tenant_repo::Tenant, AuthError> {
        let generation = {
            let cache = self.recheck_cache();
            if fresh == Freshness::Recent
                && let Some((at, t)) = cache.tenants.get(&id)
                && at.elapsed() < RECHECK_TENANT_AGE
            {
                return Ok(t.clone());
            }
            cache.generation
        };
        let read_at = std::time::Instant::now();
        let tenant = self.tenants.get_tenant(id).await?.ok_or_else(|| AuthError::refused("tenant does not exist"))?;
        if fresh == Freshness::Recent {
            let mut cache = self.recheck_cache();
            if cache.generation == generation {
                if cache.tenants.len() >= RECHECK_TENANTS {
                    cache.tenants.retain(|_, (at, _)| at.elapsed() < RECHECK_TENANT_AGE);
                }
                if cache.tenants.len() < RECHECK_TENANTS {
                    cache.tenants.insert(id, (read_at, tenant.clone()));
                }
            }
        }
        Ok(tenant)
    }

    async fn verify_own(&self, token: &str, fresh: Freshness) -> Result<AuthContext, AuthError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[AUDIENCE]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.leeway = LEEWAY_SECS;
        v.validate_nbf = true;
        let data = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(self.secret.expose_secret().as_bytes()),
            &v,
        )
        .map_err(|e| AuthError::refused(format!("invalid token: {e}")))?;
        let c = data.claims;
        refuse_future_iat(c.iat)?;
        if c.typ.as_deref() != Some("access") {
            return Err(AuthError::refused("token is not an access token"));
        }
        let tenant = match c.tid {
            Some(tid) => {
                let t = self.active_tenant(tid, fresh).await?;
                if c.ver != Some(t.token_version) {
                    return Err(AuthError::refused("token revoked"));
                }
                Some(t.id)
            }
            None if c.role == Role::Admin => None,
            None => return Err(AuthError::refused("token names no tenant")),
        };
        if c.role == Role::Admin && tenant.is_some() {
            return Err(AuthError::refused("admin tokens do not act on a tenant"));
        }
        if c.role == Role::Reseller {
            return Err(AuthError::refused("reseller tokens come from a registered partner"));
        }
        Ok(AuthContext {
            subject: c.sub,
            role: c.role,
            tenant,
            partner_id: None,
            expires_at: c.exp,
        })
    }

    async fn verify_partner(&self, token: &str, issuer: &str, fresh: Freshness) -> Result<AuthContext, AuthError> {
        let partner = self
            .tenants
            .partner_by_issuer(issuer)
            .await?
            .ok_or_else(|| AuthError::refused("unknown issuer"))?;
        let (alg, key) = decoding_key(&partner.algorithm, &partner.verification_key)
            .map_err(|_| AuthError::refused("partner key unusable"))?;
        let mut v = Validation::new(alg);
        v.set_issuer(&[partner.issuer.as_str()]);
        v.set_audience(&[partner.audience.as_str()]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.leeway = LEEWAY_SECS;
        v.validate_nbf = true;
        let c = jsonwebtoken::decode::<Claims>(token, &key, &v)
            .map_err(|e| AuthError::refused(format!("invalid token: {e}")))?
            .claims;
        refuse_future_iat(c.iat)?;
        if matches!(c.typ.as_deref(), Some(t) if t != "access") {
            return Err(AuthError::refused("token is not an access token"));
        }
        if c.role == Role::Admin {
            return Err(AuthError::refused("partners cannot issue admin tokens"));
        }
        let tenant = match c.tid {
            Some(tid) => {
                let t = self.active_tenant(tid, fresh).await?;
                if t.partner_id != Some(partner.id) {
                    return Err(AuthError::refused("this partner does not manage that tenant"));
                }
                // `revokeTokens` covers partner tokens too: those issued until then are refused.
                if t.tokens_revoked_at.is_some_and(|at| i64::try_from(c.iat).unwrap_or(0) <= at.timestamp()) {
                    return Err(AuthError::refused("token revoked"));
                }
                Some(t.id)
            }
            None if c.role == Role::Reseller => None,
            None => return Err(AuthError::refused("token names no tenant")),
        };
        Ok(AuthContext {
            subject: c.sub,
            role: c.role,
            tenant,
            partner_id: Some(partner.id),
            expires_at: c.exp,
        })
    }
}

/// A token issued in the future (beyond the clock leeway) is refused: it would outlive every revocation.
fn refuse_future_iat(iat: u64) -> Result<(), AuthError> {
    if iat > now_secs() + LEEWAY_SECS {
        return Err(AuthError::refused("token issued in the future (iat)"));
    }
    Ok(())
}

/// The decoding key and its single allowed algorithm for a partner.
pub fn decoding_key(algorithm: &str, key: &str) -> anyhow::Result<(Algorithm, DecodingKey)> {
    Ok(match algorithm {
        "HS256" => {
            anyhow::ensure!(key.len() >= 32, "HS256 secrets must be at least 32 bytes");
            (Algorithm::HS256, DecodingKey::from_secret(key.as_bytes()))
        }
        "RS256" => (Algorithm::RS256, DecodingKey::from_rsa_pem(key.as_bytes())?),
        "ES256" => (Algorithm::ES256, DecodingKey::from_ec_pem(key.as_bytes())?),
        "EdDSA" => (Algorithm::EdDSA, DecodingKey::from_ed_pem(key.as_bytes())?),
        other => anyhow::bail!("unsupported algorithm {other}"),
    })
}

/// Reads `iss` from the payload without verifying it, only to pick the verification key.
fn unverified_issuer(token: &str) -> Option<String> {
    let mut parts = token.split('.');
    let (_h, p, _s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(p.trim_end_matches('='))
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("iss")?.as_str().map(str::to_owned)
}

/// Extracts the token from `Bearer <token>`.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}
