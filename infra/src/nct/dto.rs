//! Wire types of the NCT portal API, one per component schema of `nct-openapi.json` (all 28), plus the
//! shapes the spec leaves untyped ([`DictionaryItemDto`], [`PortalProductRequestDetailsDto`]) and
//! [`GtinLookupResponse`] for the v2 lookup that answers with an array although it declares an object.
//!
//! These types are shared by [`super::client::NctClient`] and the simulator in `api::nct_sim`; nobody
//! re-declares them. They are built to *read* an untrusted upstream:
//! - every struct is `#[serde(default)]`, so missing fields never fail a parse, and unknown fields are ignored;
//! - strings the spec types loosely (`value`, `gtin`, `minValue`…) accept a JSON string, number or boolean;
//! - fields the spec declares as a single `$ref` but uses as an array accept both forms;
//! - enums the spec and its own examples disagree on (`imageType` lower vs upper case, `attributeType`,
//!   `dataType`) are kept as `String`, with [`ImageType`] to build and compare them.
//!
//! On serialize, `None` and (except in [`PortalEditProductResponseDto`], which the spec says always carries
//! every list) empty lists are skipped, which is what the status response requires ("empty fields are omitted").
//! Dates are kept as the local date-time strings NCT sends (`2025-10-26T00:02:06`); see [`parse_nct_datetime`].

use serde::{Deserialize, Serialize};

/// Serde helpers for the loosely typed parts of the spec.
mod lenient {
    use serde::{Deserialize, Deserializer};

    /// Reads a JSON string, number or boolean as a `String`; `null` (or an object/array) becomes `None`.
    pub fn string<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
        let value = Option::<serde_json::Value>::deserialize(de)?;
        Ok(match value {
            Some(serde_json::Value::String(s)) => Some(s),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
            _ => None,
        })
    }

    /// One value or an array of them.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }

    /// Reads either `[T]`, a single `T` or `null` into a `Vec<T>`.
    pub fn one_or_many<'de, D, T>(de: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Ok(match Option::<OneOrMany<T>>::deserialize(de)? {
            Some(OneOrMany::Many(v)) => v,
            Some(OneOrMany::One(one)) => vec![one],
            None => Vec::new(),
        })
    }

    /// Reads a list, treating `null` as empty.
    pub fn list<'de, D, T>(de: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Ok(Option::<Vec<T>>::deserialize(de)?.unwrap_or_default())
    }

    /// Reads a boolean, treating `null` as `false`.
    pub fn flag<'de, D: Deserializer<'de>>(de: D) -> Result<bool, D::Error> {
        Ok(Option::<bool>::deserialize(de)?.unwrap_or_default())
    }

    /// Reads a string, treating `null` as empty.
    pub fn text<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
        Ok(string(de)?.unwrap_or_default())
    }
}

/// Parses NCT's zone-less date-time (`2025-10-26T00:02:06`, optionally with fractional seconds).
pub fn parse_nct_datetime(s: &str) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()
}

/// Photo sides accepted in `imageType`. The schema enum is lower case while the spec's examples send
/// `FRONT`/`BACK`; [`ImageType::parse`] accepts both, [`ImageType::as_str`] gives the schema's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageType {
    /// Front side (required for extended cards at moderation).
    Front,
    /// Back side (required for extended cards at moderation).
    Back,
    /// Left side.
    Left,
    /// Right side.
    Right,
    /// Top view.
    Top,
    /// Bottom view.
    Bottom,
}

impl ImageType {
    /// Case-insensitive parse of an `imageType` value.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "front" => Some(Self::Front),
            "back" => Some(Self::Back),
            "left" => Some(Self::Left),
            "right" => Some(Self::Right),
            "top" => Some(Self::Top),
            "bottom" => Some(Self::Bottom),
            _ => None,
        }
    }

    /// The schema's lower-case spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Front => "front",
            Self::Back => "back",
            Self::Left => "left",
            Self::Right => "right",
            Self::Top => "top",
            Self::Bottom => "bottom",
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Requests (create / update / edit)
// ---------------------------------------------------------------------------------------------------------

/// Body of `POST /v1/products/requests` and `PUT /v1/products/requests/{id}`.
///
/// A draft needs only `oktru` and a `name_ru` attribute; the full check runs at moderation. `ntin` present
/// makes it an edit request for that card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalCreateUpdateProductRequestDto {
    /// Level-4 OKTRU code of the category (`1020-0011-0003-100006374`).
    #[serde(deserialize_with = "lenient::text")]
    pub oktru: String,
    /// Base attributes (declared as a single object in the spec, used as an array).
    #[serde(deserialize_with = "lenient::one_or_many")]
    pub attributes: Vec<PortalProductRequestAttributeValue>,
    /// NTIN of an existing card: present → an edit request.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub ntin: Option<String>,
    /// Publish automatically once moderation approves.
    #[serde(deserialize_with = "lenient::flag")]
    pub auto_publication: bool,
    /// Extended (gov/CEF) request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_gov: Option<bool>,
    /// The fixed CEF set (`enstrus`, `gross_weight`, …).
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::list"
    )]
    pub main_extended_attributes: Vec<PortalProductRequestAttributeValue>,
    /// The category's extended attributes (from gov-attributes → `additionalAttributes`).
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::list"
    )]
    pub additional_extended_attributes: Vec<PortalProductRequestAttributeValue>,
    /// User-made attributes: no `code`; `nameRu`, `nameKk`, `value` required.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::list"
    )]
    pub custom_extended_attributes: Vec<PortalProductRequestAttributeValue>,
    /// Uploaded photos (the upload's `filename`).
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::list"
    )]
    pub image_files: Vec<ProductRequestFileDto>,
    /// Uploaded PDF documents.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::list"
    )]
    pub documents: Vec<ProductRequestDocumentDto>,
}

/// One attribute value in a request. Composite attributes (`measure`, dimensions) nest `attributes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalProductRequestAttributeValue {
    /// Attribute code; absent for custom extended attributes.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub code: Option<String>,
    /// The value: a string, number, boolean or dictionary code (several codes joined by `@`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub value: Option<String>,
    /// Russian name (custom attributes).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name_ru: Option<String>,
    /// Kazakh name (custom attributes).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name_kk: Option<String>,
    /// Nested values of a composite attribute.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::list"
    )]
    pub attributes: Vec<PortalProductRequestAttributeValue>,
    /// Marks an extended attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_gov: Option<bool>,
    /// The spec spells this one in snake_case.
    #[serde(rename = "is_new", skip_serializing_if = "Option::is_none")]
    pub is_new: Option<bool>,
}

impl PortalProductRequestAttributeValue {
    /// A plain `{code, value}` pair.
    pub fn new(code: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            code: Some(code.into()),
            value: Some(value.into()),
            ..Self::default()
        }
    }

    /// A composite `{code, attributes: [...]}`.
    pub fn compound(code: impl Into<String>, attributes: Vec<Self>) -> Self {
        Self {
            code: Some(code.into()),
            attributes,
            ..Self::default()
        }
    }

    /// The code, or `""` when absent.
    pub fn code_str(&self) -> &str {
        self.code.as_deref().unwrap_or("")
    }
}

/// A photo attached to a request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProductRequestFileDto {
    /// `filename` from the upload response.
    #[serde(deserialize_with = "lenient::text")]
    pub file_name: String,
    /// Side of the product; see [`ImageType`] (NCT accepts `front` and `FRONT`).
    #[serde(deserialize_with = "lenient::text")]
    pub image_type: String,
}

/// A PDF attached to a request (`fileName` must end in `.pdf`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProductRequestDocumentDto {
    /// `filename` from the document upload response.
    #[serde(deserialize_with = "lenient::text")]
    pub file_name: String,
}

/// NCT's error body: `{code, message}` (`VALIDATION_ERROR`, `BUSINESS_ERROR`, `NOT_FOUND`, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiErrorDto {
    /// Machine code.
    #[serde(deserialize_with = "lenient::text")]
    pub code: String,
    /// Human text (Russian).
    #[serde(deserialize_with = "lenient::text")]
    pub message: String,
}

impl ApiErrorDto {
    /// Builds an error body.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Answer of both upload endpoints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UploadedFileDto {
    /// Storage id.
    pub id: i64,
    /// Name to pass as `fileName` in `imageFiles`/`documents` (lower-case n).
    #[serde(deserialize_with = "lenient::text")]
    pub filename: String,
    /// Name as uploaded.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub original_filename: Option<String>,
    /// Extension without the dot.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub file_extension: Option<String>,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Size in MB.
    #[serde(rename = "sizeMB")]
    pub size_mb: f64,
    /// Upload time as an epoch number (the unit is not stated; the simulator sends milliseconds).
    pub created_at: i64,
}

/// Answer of `POST /v1/products/requests`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateProductResponseDto {
    /// The new request's id.
    pub id: i64,
}

/// Answer of `POST /v1/products/requests/{ntin}/edit-product`: a draft id and a body ready for PUT.
/// Unlike the status response, every list is always present (empty when there is no data).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalEditProductResponseDto {
    /// The created draft request.
    pub product_request_id: i64,
    /// Category; `null` for old cards whose OKTRU is no longer in the dictionary.
    #[serde(deserialize_with = "lenient::string")]
    pub oktru: Option<String>,
    /// Extended request flag.
    #[serde(deserialize_with = "lenient::flag")]
    pub is_gov: bool,
    /// Auto-publication flag.
    #[serde(deserialize_with = "lenient::flag")]
    pub auto_publication: bool,
    /// Every base attribute of the card, immutable ones included.
    #[serde(deserialize_with = "lenient::list")]
    pub attributes: Vec<PortalProductRequestAttributeValue>,
    /// Always empty here.
    #[serde(deserialize_with = "lenient::list")]
    pub main_extended_attributes: Vec<PortalProductRequestAttributeValue>,
    /// Always empty here.
    #[serde(deserialize_with = "lenient::list")]
    pub additional_extended_attributes: Vec<PortalProductRequestAttributeValue>,
    /// Always empty here.
    #[serde(deserialize_with = "lenient::list")]
    pub custom_extended_attributes: Vec<PortalProductRequestAttributeValue>,
    /// The card's photos.
    #[serde(deserialize_with = "lenient::list")]
    pub image_files: Vec<ProductRequestFileDto>,
    /// The card's documents.
    #[serde(deserialize_with = "lenient::list")]
    pub documents: Vec<ProductRequestDocumentDto>,
}

/// The two possible duplicate decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DuplicateDecision {
    /// Carry on with moderation of the new card.
    Continue,
    /// Take an existing card (`ntin` required).
    UseExisting,
}

/// Body of `POST /v1/products/requests/{id}/duplicate-decision`. `decision` is required, so this struct
/// has no `#[serde(default)]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalDuplicateDecisionRequestDto {
    /// `CONTINUE` or `USE_EXISTING`.
    pub decision: DuplicateDecision,
    /// NTIN of the chosen card; required with `USE_EXISTING`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub ntin: Option<String>,
}

/// One potential duplicate from `GET /v1/products/requests/{id}/duplicates`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalDuplicateMatchDto {
    /// Rank, from 1.
    pub order_number: i32,
    /// Card name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name: Option<String>,
    /// Card brand.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub brand: Option<String>,
    /// GTIN (typed string, the example sends a number).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub gtin: Option<String>,
    /// NTIN.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub ntin: Option<String>,
    /// Untyped objects in the spec (example `[{id, nameRu}]`).
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::list"
    )]
    pub category_ancestors: Vec<serde_json::Value>,
    /// Similarity in percent.
    pub similarity: f64,
}

// ---------------------------------------------------------------------------------------------------------
// Request status and listing
// ---------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------
// Attributes, cards, dictionaries
// ---------------------------------------------------------------------------------------------------------

/// An attribute definition, optionally with its value (`details`, card attributes).
///
/// `attributeType` is one of standard/advanced/gov/compound/compoundStandard and `dataType` one of
/// string/text/number/boolean/dictionary/multiDictionary/date; both are kept as strings so an unknown
/// value from upstream does not fail the whole card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalAttributeObjectDto {
    /// Attribute code (`name_ru`, `tnved`, or an opaque hash like `a4282e5d`).
    #[serde(deserialize_with = "lenient::text")]
    pub code: String,
    /// Position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<i32>,
    /// Display order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_order: Option<i32>,
    /// standard / advanced / gov / compound / compoundStandard.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub attribute_type: Option<String>,
    /// Russian name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name_ru: Option<String>,
    /// Russian description.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub description_ru: Option<String>,
    /// Kazakh name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name_kk: Option<String>,
    /// Kazakh description.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub description_kk: Option<String>,
    /// string / text / number / boolean / dictionary / multiDictionary / date.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub data_type: Option<String>,
    /// Required (for gov attributes: `isRequiredEgz || isRequiredKgd`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_required: Option<bool>,
    /// Required by the procurement authority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_required_egz: Option<bool>,
    /// Required by the tax authority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_required_kgd: Option<bool>,
    /// Display flag; does NOT decide the extended group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_main: Option<bool>,
    /// New attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_new: Option<bool>,
    /// Value must be unique in the catalog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_unique: Option<bool>,
    /// Maximum length of a string value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<i32>,
    /// Minimum (typed string, sometimes sent as a number).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub min_value: Option<String>,
    /// Maximum (typed string, sometimes sent as a number).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub max_value: Option<String>,
    /// Dictionary of a dictionary attribute (`COUNTRY`, `TNVED`, `MEASURE`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub dictionary_code: Option<String>,
    /// Regex the value must match.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub pattern: Option<String>,
    /// Single-valued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_single: Option<bool>,
    /// The value (details, cards).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub value: Option<String>,
    /// The dictionary entry of the value, e.g. `{code, nameRu, nameKk}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<serde_json::Value>,
    /// Entries of a multiDictionary value.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::list"
    )]
    pub multi_values: Vec<serde_json::Value>,
    /// Nested attributes of a composite (declared as one object, used as an array).
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::one_or_many"
    )]
    pub attributes: Vec<PortalAttributeObjectDto>,
}

/// `GET /v1/products/requests/categories/{oktru}/gov-attributes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalGovAttributesDto {
    /// The fixed CEF set → `mainExtendedAttributes`.
    #[serde(deserialize_with = "lenient::list")]
    pub main_attributes: Vec<PortalAttributeObjectDto>,
    /// The category's set → `additionalExtendedAttributes`.
    #[serde(deserialize_with = "lenient::list")]
    pub additional_attributes: Vec<PortalAttributeObjectDto>,
}

/// A product card (`GET /v1/products/{tin}`, items of `GET /v2/products/{tin}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalProductDto {
    /// Card id (the number in `https://nationalcatalog.kz/product/{id}`).
    pub id: i64,
    /// GTIN; may be missing, `-` or a short internal code on old cards.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub gtin: Option<String>,
    /// NTIN (13 digits, `02…`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub ntin: Option<String>,
    /// Extended-card code (normally withheld).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub kztin: Option<String>,
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
    /// English name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name_en: Option<String>,
    /// Short Kazakh name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub short_name_kk: Option<String>,
    /// Short Russian name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub short_name_ru: Option<String>,
    /// Short English name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub short_name_en: Option<String>,
    /// `base` or `gov`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub request_type: Option<String>,
    /// OKTRU path, four levels.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::one_or_many"
    )]
    pub category_ancestors: Vec<PortalAncestor>,
    /// Attribute values.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::list"
    )]
    pub attributes: Vec<PortalAttributeObjectDto>,
    /// Photos.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_data: Option<ImageData>,
    /// Not in the schema, present in every example.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_government: Option<bool>,
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

impl PortalProductDto {
    /// The level-4 (leaf) OKTRU code, if the card has a category.
    pub fn oktru(&self) -> Option<&str> {
        self.category_ancestors
            .iter()
            .max_by_key(|a| a.level)
            .map(|a| a.code.as_str())
    }
}

/// The body of `GET /v2/products/{tin}`: an array per the examples and text, an object per the schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GtinLookupResponse {
    /// The documented behaviour: every card sharing the GTIN.
    Many(Vec<PortalProductDto>),
    /// The declared schema: one card.
    One(Box<PortalProductDto>),
}

impl GtinLookupResponse {
    /// All cards, whichever shape arrived.
    pub fn into_vec(self) -> Vec<PortalProductDto> {
        match self {
            Self::Many(v) => v,
            Self::One(card) => vec![*card],
        }
    }
}

/// Photos of a card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImageData {
    /// The photos.
    #[serde(deserialize_with = "lenient::list")]
    pub image_files: Vec<ImageFile>,
}

/// One photo of a card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImageFile {
    /// Stored file name.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub file_name: Option<String>,
    /// Side; see [`ImageType`].
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub image_type: Option<String>,
    /// Moderator's remark.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub moderator_comment: Option<String>,
    /// AI check remark.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub ai_comment: Option<String>,
}

/// A page of anything (`GET /v1/dictionaries/{code}/items` uses `PageDto<DictionaryItemDto>`).
/// Field-level defaults keep `T` free of a `Default` bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
pub struct PageDto<T = serde_json::Value> {
    /// Items of this page.
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub content: Vec<T>,
    /// Items over all pages.
    #[serde(default)]
    pub total_elements: i64,
    /// Number of pages.
    #[serde(default)]
    pub total_pages: i32,
    /// Free-form extra data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_data: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A dictionary item, as in the `getItems` example (the spec leaves `PageDto.content` untyped; the
/// roots/children endpoints declare attribute objects but are taken to return these too).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DictionaryItemDto {
    /// Item id (the `parentId` of its children).
    pub id: i64,
    /// Parent item id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<i64>,
    /// Item code (`1020-0011`, `6810190001`, `KZ`).
    #[serde(deserialize_with = "lenient::text")]
    pub code: String,
    /// Depth, from 1.
    pub level: i32,
    /// Has children.
    #[serde(deserialize_with = "lenient::flag")]
    pub has_child: bool,
    /// Names.
    pub properties: DictionaryItemProperties,
    /// Soft-deleted.
    #[serde(deserialize_with = "lenient::flag")]
    pub is_deleted: bool,
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

/// `properties` of a [`DictionaryItemDto`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DictionaryItemProperties {
    /// Same as the item code.
    #[serde(deserialize_with = "lenient::text")]
    pub code: String,
    /// Kazakh name.
    #[serde(deserialize_with = "lenient::text")]
    pub name_kk: String,
    /// Russian name.
    #[serde(deserialize_with = "lenient::text")]
    pub name_ru: String,
}

/// `GET /v1/products/requests/{id}/details`. The spec declares `PortalAttributeObjectDto` but its example
/// is this whole request object; no schema describes it. The client returns it as raw JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalProductRequestDetailsDto {
    /// Request id.
    pub id: i64,
    /// Internal category id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_id: Option<i64>,
    /// OKTRU path.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::one_or_many"
    )]
    pub category_ancestors: Vec<PortalAncestor>,
    /// Base status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<LocalizationItemDto>,
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
    /// Attribute definitions with their values.
    #[serde(deserialize_with = "lenient::list")]
    pub attributes: Vec<PortalAttributeObjectDto>,
    /// Photos.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_data: Option<ImageData>,
    /// Documents (`{documents: [...]}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<DocumentsData>,
    /// Extended request flag.
    #[serde(deserialize_with = "lenient::flag")]
    pub is_gov: bool,
}

/// `documents` block of the details response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DocumentsData {
    /// The documents.
    #[serde(deserialize_with = "lenient::list")]
    pub documents: Vec<ProductRequestDocumentDto>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn v2_lookup_reads_an_array_or_a_single_object() {
        let arr = r#"[{"id":18,"gtin":"0954353542345","ntin":"0200120931509","isGovernment":false,
            "categoryAncestors":[{"level":1,"code":"1024"},{"level":4,"code":"1024-0001-0003-100007979"}]}]"#;
        let one = r#"{"id":18,"gtin":4870000000000,"ntin":"0200120931509","unknown":{"x":1}}"#;
        let a: GtinLookupResponse = serde_json::from_str(arr).unwrap();
        let a = a.into_vec();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].oktru(), Some("1024-0001-0003-100007979"));
        let o: GtinLookupResponse = serde_json::from_str(one).unwrap();
        let o = o.into_vec();
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].gtin.as_deref(), Some("4870000000000"));
    }

    #[test]
    fn status_response_omits_empty_fields() {
        let s = PortalProductRequestStatusDto {
            code: "new".into(),
            value: Some("Новая".into()),
            ..Default::default()
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"code":"new","value":"Новая"}"#);
    }

    #[test]
    fn edit_response_always_has_every_list() {
        let e = PortalEditProductResponseDto::default();
        let v = serde_json::to_value(&e).unwrap();
        for key in [
            "attributes",
            "mainExtendedAttributes",
            "additionalExtendedAttributes",
            "customExtendedAttributes",
            "imageFiles",
            "documents",
        ] {
            assert_eq!(v[key], serde_json::json!([]), "{key}");
        }
        assert!(v["oktru"].is_null());
    }

    #[test]
    fn request_attribute_keeps_snake_case_is_new_and_tolerates_single_attributes_object() {
        let body = r#"{"oktru":"1","autoPublication":true,"attributes":{"code":"name_ru","value":"x","is_new":true}}"#;
        let dto: PortalCreateUpdateProductRequestDto = serde_json::from_str(body).unwrap();
        assert_eq!(dto.attributes.len(), 1);
        assert_eq!(dto.attributes[0].is_new, Some(true));
        let out = serde_json::to_string(&dto.attributes[0]).unwrap();
        assert!(out.contains(r#""is_new":true"#), "{out}");
    }

    #[test]
    fn uploaded_file_uses_size_mb_spelling() {
        let u: UploadedFileDto =
            serde_json::from_str(r#"{"id":1,"filename":"a.jpg","sizeMB":1.5}"#).unwrap();
        assert!((u.size_mb - 1.5).abs() < f64::EPSILON);
    }

    #[test]
    fn duplicate_decision_wire_form() {
        let d = PortalDuplicateDecisionRequestDto {
            decision: DuplicateDecision::UseExisting,
            ntin: None,
        };
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"decision":"USE_EXISTING"}"#
        );
    }
}
