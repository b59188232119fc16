//! Short-lived signed links to `GET /exports/catalogs/{id}.csv`, for browsers that cannot send an
//! `Authorization` header: an HMAC (keyed from our JWT secret, one key per purpose) over tenant, catalog and
//! expiry. A link names its tenant in clear; the signature is what makes it proof of access.

use crate::auth::TokenService;
use crate::ids::{self, Kind};
use base64::Engine as _;
use domain::tenant::TenantId;
use uuid::Uuid;

/// How long a signed export link lives.
pub const LINK_TTL_SECS: i64 = 300;
const PURPOSE: &str = "export-link";

fn message(tenant: Uuid, catalog: Uuid, exp: i64) -> Vec<u8> {
    format!("{tenant}|{catalog}|{exp}").into_bytes()
}

/// A signed relative URL for `catalog` of `tenant`, valid for [`LINK_TTL_SECS`]; returns it with its expiry.
pub fn export_link(tokens: &TokenService, tenant: TenantId, catalog: Uuid) -> (String, chrono::DateTime<chrono::Utc>) {
    export_link_until(tokens, tenant, catalog, chrono::Utc::now() + chrono::Duration::seconds(LINK_TTL_SECS))
}

/// A signed relative URL for `catalog` of `tenant` that expires at `exp` (tests make expired ones).
pub fn export_link_until(
    tokens: &TokenService,
    tenant: TenantId,
    catalog: Uuid,
    exp: chrono::DateTime<chrono::Utc>,
) -> (String, chrono::DateTime<chrono::Utc>) {
    let sig = tokens.sign(PURPOSE, &message(tenant.0, catalog, exp.timestamp()));
    let url = format!(
        "/exports/catalogs/{}.csv?t={}&e={}&s={}",
        ids::encode(Kind::Catalog, catalog).0,
        tenant.0,
        exp.timestamp(),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig)
    );
    (url, exp)
}

/// Checks a link's `t`, `e` and `s` for `catalog`: the tenant it grants, or why not (safe to show).
pub fn verify(tokens: &TokenService, tenant: Uuid, catalog: Uuid, exp: i64, sig: &str) -> Result<TenantId, &'static str> {
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig).map_err(|_| "bad link signature")?;
    if !tokens.verify_signature(PURPOSE, &message(tenant, catalog, exp), &sig) {
        return Err("bad link signature");
    }
    if exp < chrono::Utc::now().timestamp() {
        return Err("this export link has expired; create a new one");
    }
    Ok(TenantId(tenant))
}
