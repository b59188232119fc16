//! Attribute definitions, cards (GTIN/NTIN lookups), dictionaries and request details.

use super::{lenient, *};
use serde::{Deserialize, Serialize};

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
    /// Russian name at the top level: roots and children are declared as attribute objects
    /// (`PortalAttributeObjectDto`: `code`, `dataType`, `nameRu`, `nameKk` required).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name_ru: Option<String>,
    /// Kazakh name at the top level (see `name_ru`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub name_kk: Option<String>,
    /// `dataType` of the declared attribute-object shape (`dictionary`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string"
    )]
    pub data_type: Option<String>,
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
    /// The declared `PortalAttributeObjectDto`'s required `code` (the simulator puts the request id).
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub code: Option<String>,
    /// The declared object's required `dataType`.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub data_type: Option<String>,
    /// The declared object's required `nameRu` (the product's name).
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub name_ru: Option<String>,
    /// The declared object's required `nameKk`.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub name_kk: Option<String>,
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
