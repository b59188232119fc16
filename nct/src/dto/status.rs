//! A request's status, its remarks, and the paged list of requests.

use super::lenient;
use serde::{Deserialize, Serialize};

/// `GET /v1/products/requests/{id}/status`. Empty fields are omitted on the wire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalProductRequestStatusDto {
    /// Base status (`new`, `onModeration`, …); match on this, never on `value`.
    #[serde(deserialize_with = "lenient::text")]
    pub code: String,
    /// Localized label.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub value: Option<String>,
    /// NTIN of the published or selected card.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub ntin_code: Option<String>,
    /// Link to that card.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub product_url: Option<String>,
    /// Moderator's general remark.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub comment: Option<String>,
    /// Machine-ish reason (duplicates, AI photo check).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub reason: Option<String>,
    /// What to call next (duplicates review).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_action: Option<PortalNextActionDto>,
    /// Per-field remarks.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::list"
    )]
    pub revision_details: Vec<PortalRevisionDetailDto>,
    /// AI photo check below threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo_moderation: Option<PortalPhotoModerationDto>,
    /// Extended (CEF) part, while CEF is working on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gz_status: Option<PortalGzStatusDto>,
}

/// Status of the extended part (`acceptedGz`, `underRevisionGz`, `rejectedGz`, `publishingGz`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalGzStatusDto {
    /// Extended status code.
    #[serde(deserialize_with = "lenient::text")]
    pub code: String,
    /// Localized label.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub value: Option<String>,
    /// General remark.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub comment: Option<String>,
    /// Per-field remarks.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::list"
    )]
    pub revision_details: Vec<PortalRevisionDetailDto>,
}

/// One per-field remark.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalRevisionDetailDto {
    /// The attribute the remark is about.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub attribute_code: Option<String>,
    /// The value the moderator saw.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub value: Option<String>,
    /// The remark.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub comment: Option<String>,
}

/// A hint on the next call (the endpoint carries the `/gwp` gateway prefix).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalNextActionDto {
    /// What to do.
    #[serde(deserialize_with = "lenient::text")]
    pub description: String,
    /// HTTP method.
    #[serde(deserialize_with = "lenient::text")]
    pub method: String,
    /// Path, e.g. `/gwp/portal/api/v1/products/requests/484349/duplicates`.
    #[serde(deserialize_with = "lenient::text")]
    pub endpoint: String,
}

/// AI photo check result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalPhotoModerationDto {
    /// 0–100.
    pub score: i32,
    /// What is wrong with the photo.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub comment: Option<String>,
}

/// `GET /v1/products/requests` page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PagedPortalProductRequestShortDto {
    /// Items of this page.
    #[serde(deserialize_with = "lenient::list")]
    pub content: Vec<PortalProductRequestShortDto>,
    /// Items over all pages.
    pub total_elements: i64,
    /// Number of pages.
    pub total_pages: i32,
    /// Free-form extra data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_data: Option<serde_json::Map<String, serde_json::Value>>,
}

/// One request in the list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalProductRequestShortDto {
    /// Request id.
    pub id: i64,
    /// Internal category id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_id: Option<i64>,
    /// Category path (declared as one object, sent as an array).
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::one_or_many"
    )]
    pub category_ancestors: Vec<PortalAncestor>,
    /// Names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_data: Option<ProductPreviewData>,
    /// Base status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<LocalizationItemDto>,
    /// Why it was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<PortalRejectionReason>,
    /// `base` or `gov`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_type: Option<LocalizationItemDto>,
    /// Auto-publication flag.
    #[serde(deserialize_with = "lenient::flag")]
    pub auto_publication: bool,
    /// Local date-time, no zone.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub created_date: Option<String>,
    /// Local date-time, no zone.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub updated_date: Option<String>,
}

/// Names shown in the request list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProductPreviewData {
    /// Full Russian name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name_ru: Option<String>,
    /// Full Kazakh name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name_kk: Option<String>,
    /// Short Russian name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub short_name_ru: Option<String>,
    /// Short Kazakh name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub short_name_kk: Option<String>,
    /// NCT's standardized name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub standardized_name: Option<String>,
}

/// A `{code, value}` pair: the code is stable, the value is a localized label.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LocalizationItemDto {
    /// Stable code.
    #[serde(deserialize_with = "lenient::text")]
    pub code: String,
    /// Localized label.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub value: Option<String>,
}

impl LocalizationItemDto {
    /// Builds a pair.
    pub fn new(code: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            value: Some(value.into()),
        }
    }
}

/// Rejection reason in the request list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalRejectionReason {
    /// Free text.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub reason: Option<String>,
    /// Dictionary entry (e.g. `MISSING_COUNTRY`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_item: Option<PortalDictionaryItem>,
}

/// A dictionary entry as used by `reasonItem`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalDictionaryItem {
    /// Code.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub code: Option<String>,
    /// Kazakh name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name_kk: Option<String>,
    /// Russian name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name_ru: Option<String>,
}

/// One level of a card's OKTRU path (1 = top … 4 = leaf).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalAncestor {
    /// 1..=4.
    pub level: i32,
    /// OKTRU code of this level (`1020`, `1020-0011`, …).
    #[serde(deserialize_with = "lenient::text")]
    pub code: String,
    /// Kazakh name (often missing below level 1).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name_kk: Option<String>,
    /// Russian name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name_ru: Option<String>,
}
