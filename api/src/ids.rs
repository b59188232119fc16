//! Opaque global IDs: base64url of `Type:uuid`. An ID is never proof of access; every lookup is still
//! scoped to the caller's tenant.

use crate::error::ApiError;
use async_graphql::ID;
use base64::Engine as _;
use uuid::Uuid;

/// Object types that have global IDs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A tenant.
    Tenant,
    /// A catalog.
    Catalog,
    /// A SKU.
    Sku,
    /// A registration job.
    Job,
    /// A catalog's feed or CSV source.
    CatalogSource,
    /// One pull of a catalog source.
    CatalogSourcePull,
    /// A webhook endpoint.
    WebhookEndpoint,
    /// One delivery of a webhook event to an endpoint.
    WebhookDelivery,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Tenant => "Tenant",
            Kind::Catalog => "Catalog",
            Kind::Sku => "Sku",
            Kind::Job => "RegistrationJob",
            Kind::CatalogSource => "CatalogSource",
            Kind::CatalogSourcePull => "CatalogSourcePull",
            Kind::WebhookEndpoint => "WebhookEndpoint",
            Kind::WebhookDelivery => "WebhookDelivery",
        }
    }
}

/// Encodes a global ID.
pub fn encode(kind: Kind, id: Uuid) -> ID {
    ID(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.as_str())))
}

/// Decodes any global ID into its kind and UUID.
pub fn decode_any(id: &str) -> Option<(Kind, Uuid)> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id.trim_end_matches('='))
        .ok()?;
    let s = std::str::from_utf8(&raw).ok()?;
    let (k, u) = s.split_once(':')?;
    let kind = [
        Kind::Tenant,
        Kind::Catalog,
        Kind::Sku,
        Kind::Job,
        Kind::CatalogSource,
        Kind::CatalogSourcePull,
        Kind::WebhookEndpoint,
        Kind::WebhookDelivery,
    ]
    .into_iter()
        .find(|x| x.as_str() == k)?;
    Some((kind, Uuid::parse_str(u).ok()?))
}

/// Decodes an ID that must be of `kind`. A malformed or wrong-type ID is a `NOT_FOUND`, like a foreign one.
pub fn decode(kind: Kind, id: &ID) -> Result<Uuid, ApiError> {
    match decode_any(id) {
        Some((k, u)) if k == kind => Ok(u),
        _ => Err(ApiError::NotFound),
    }
}

/// Like [`decode`], for `userErrors`: `None` when the ID is not of this kind.
pub fn try_decode(kind: Kind, id: &ID) -> Option<Uuid> {
    decode(kind, id).ok()
}
