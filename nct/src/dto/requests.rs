//! Request bodies (create / update / edit), uploads, duplicates and NCT's error body.

use super::lenient;
use serde::{Deserialize, Serialize};

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
