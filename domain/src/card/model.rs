//! Input types of the pre-moderation check: the attribute schema, the dictionaries seam and the
//! seller's card draft. Plain, serde-friendly structs; the infra layer converts the NCT DTOs
//! (`PortalAttributeObjectDto`, `PortalGovAttributesDto`, dictionary items) into them.

use serde::{Deserialize, Serialize};

/// Value type of an attribute, as NCT's `dataType` enum has it.
///
/// A compound attribute (e.g. `measure`) has no `dataType` in NCT; its [`AttributeDef`] carries
/// [`DataType::String`] and lists its parts in `children`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DataType {
    /// Free text on one line.
    #[default]
    String,
    /// Long free text.
    Text,
    /// A decimal number written with a dot (`12.5`).
    Number,
    /// `true` or `false`.
    Boolean,
    /// One code of the dictionary named by `dictionary_code`.
    Dictionary,
    /// Several codes of the dictionary, joined with `@` (`2105009100@6403919600`).
    MultiDictionary,
    /// A date; NCT does not state its format, so values are not checked.
    Date,
}

impl DataType {
    /// Every variant, in declaration order.
    pub const ALL: [Self; 7] = [
        Self::String,
        Self::Text,
        Self::Number,
        Self::Boolean,
        Self::Dictionary,
        Self::MultiDictionary,
        Self::Date,
    ];

    /// NCT's spelling, e.g. `"multiDictionary"` (the same as the serde form).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Text => "text",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Dictionary => "dictionary",
            Self::MultiDictionary => "multiDictionary",
            Self::Date => "date",
        }
    }

    /// Inverse of [`Self::as_str`], ignoring ASCII case (`"multidictionary"` is accepted).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
    }
}

/// Which request array an attribute belongs in (NCT-API.md §4 "Attribute groups").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AttributeGroup {
    /// `attributes`: the base (standard) attributes, plus the form flags `szpt_category` and
    /// `is_domestic`.
    #[default]
    Base,
    /// `mainExtendedAttributes`: the fixed CEF set.
    MainExtended,
    /// `additionalExtendedAttributes`: the category's own extended attributes.
    AdditionalExtended,
}

/// One attribute of the schema: a base attribute from `/products/requests/attributes` or an
/// extended one from `/categories/{oktru}/gov-attributes`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AttributeDef {
    /// Attribute code, e.g. `name_kk`, `tnved`, `measure`; some are opaque hashes (`a4282e5d`).
    pub code: String,
    /// Russian display name, used in messages.
    pub name_ru: String,
    /// Value type.
    pub data_type: DataType,
    /// `isRequired` (for extended attributes NCT computes it as `isRequiredEgz || isRequiredKgd`).
    pub required: bool,
    /// The schema's regex. Only the patterns listed in `values.rs` are checked; others are not.
    pub pattern: Option<String>,
    /// Longest value, in characters.
    pub max_length: Option<u32>,
    /// Smallest number allowed (`minValue`, sent by NCT as a string).
    pub min_value: Option<f64>,
    /// Largest number allowed (`maxValue`).
    pub max_value: Option<f64>,
    /// Dictionary of a dictionary or multi-dictionary attribute, e.g. `COUNTRY`, `MEASURE`.
    pub dictionary_code: Option<String>,
    /// The array the attribute belongs in.
    pub group: AttributeGroup,
    /// Parts of a compound attribute, e.g. `measure` = `measure_unit` + `quantity`.
    pub children: Vec<AttributeDef>,
}

/// Everything the check knows about attributes for one card.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CardSchema {
    /// Base attributes (`/products/requests/attributes`).
    pub base: Vec<AttributeDef>,
    /// `mainAttributes` of the card category's gov-attributes (the fixed CEF set). When empty, the
    /// check falls back to the CEF set named in the spec.
    pub gov_main: Vec<AttributeDef>,
    /// `additionalAttributes` of the card category's gov-attributes.
    pub gov_additional: Vec<AttributeDef>,
}

impl CardSchema {
    /// The base attribute with this code.
    #[must_use]
    pub fn base_def(&self, code: &str) -> Option<&AttributeDef> {
        self.base.iter().find(|d| d.code == code)
    }
}

/// One OKTRU dictionary node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OktruNode {
    /// The 4-4-4-9 code, e.g. `1020-0011-0003-100006374` (a group has 1 to 3 parts).
    pub code: String,
    /// Russian name.
    pub name_ru: String,
    /// No children: only leaves take cards.
    pub is_leaf: bool,
    /// Russian names of its ancestors, root first (not the node itself): what tells goods from works
    /// and services (`goods.rs`).
    pub path: Vec<String>,
}

/// The cached dictionaries the check reads. Implementations answer from memory (the infra cache);
/// the check never does I/O.
pub trait Dictionaries {
    /// The OKTRU node with this code, or `None` when the dictionary has no such code.
    fn oktru(&self, code: &str) -> Option<OktruNode>;
    /// Whether the TNVED dictionary has this 10-digit code.
    fn tnved_exists(&self, code: &str) -> bool;
    /// Whether `dictionary` (e.g. `COUNTRY`, `MEASURE`) has `code`; `None` when the dictionary
    /// itself is unknown, in which case the value is not checked.
    fn dictionary_has(&self, dictionary: &str, code: &str) -> Option<bool>;
}

/// A seller's card as typed in NTIN Desk, before it becomes an NCT request.
///
/// Every text is trimmed of surrounding whitespace before it is checked or sent; a blank text
/// counts as missing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CardDraft {
    /// The barcode printed on the product; sent as the `gtin` attribute when it is a valid GTIN.
    pub barcode: Option<String>,
    /// NTIN of an existing card: present → an edit request.
    pub ntin: Option<String>,
    /// Temporary NCT code (`004` + 10 digits).
    pub xtin: Option<String>,
    /// Level-4 OKTRU category code.
    pub oktru: Option<String>,
    /// 10-digit TN VED EAEU code.
    pub tnved: Option<String>,
    /// Full name in Russian.
    pub name_ru: Option<String>,
    /// Full name in Kazakh.
    pub name_kk: Option<String>,
    /// Short name in Russian.
    pub short_name_ru: Option<String>,
    /// Short name in Kazakh.
    pub short_name_kk: Option<String>,
    /// Brand (required for extended cards).
    pub brand: Option<String>,
    /// Country of origin, ISO 3166-1 alpha-2 (`KZ`).
    pub country: Option<String>,
    /// Unit code of the MEASURE dictionary (OKEI, e.g. `796` = piece).
    pub measure_unit: Option<String>,
    /// Quantity in that unit, a positive decimal number.
    pub measure_qty: Option<String>,
    /// Extended (gov/CEF) card.
    pub is_gov: bool,
    /// Other base attributes.
    pub attributes: Vec<AttrValue>,
    /// `mainExtendedAttributes`.
    pub main_extended: Vec<AttrValue>,
    /// `additionalExtendedAttributes`.
    pub additional_extended: Vec<AttrValue>,
    /// `customExtendedAttributes`: the seller's own, without a code.
    pub custom_extended: Vec<CustomAttr>,
    /// Uploaded photos.
    pub images: Vec<ImageRef>,
    /// Uploaded PDF documents (file names as returned by the upload).
    pub documents: Vec<String>,
    /// Publish automatically once moderation approves.
    pub auto_publication: bool,
    /// An edit of a published card: the fields it cannot change, as the card has them.
    #[serde(default)]
    pub locked: Option<super::edit::LockedFields>,
}

/// One attribute value. A multi-dictionary value joins its codes with `@`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttrValue {
    /// Attribute code.
    pub code: String,
    /// The value; empty for a compound attribute.
    pub value: String,
    /// Parts of a compound attribute (e.g. `package_dimensions` = `width`, `height`, `length`,
    /// `dimension_measure`); empty for a plain one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<AttrValue>,
}

impl AttrValue {
    /// A plain attribute value.
    #[must_use]
    pub fn new(code: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            value: value.into(),
            parts: Vec::new(),
        }
    }

    /// A compound attribute value made of `parts`.
    #[must_use]
    pub fn compound(code: impl Into<String>, parts: Vec<AttrValue>) -> Self {
        Self {
            code: code.into(),
            value: String::new(),
            parts,
        }
    }

    /// Whether the value or any part carries text.
    #[must_use]
    pub fn is_filled(&self) -> bool {
        !self.value.trim().is_empty() || self.parts.iter().any(AttrValue::is_filled)
    }
}

/// A seller-made extended attribute: NCT generates its code from the name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomAttr {
    /// Name in Russian.
    pub name_ru: String,
    /// Name in Kazakh.
    pub name_kk: String,
    /// The value.
    pub value: String,
}

/// Which side of the product a photo shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageType {
    /// Front (required for extended cards).
    Front,
    /// Back (required for extended cards).
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
    /// The schema's lowercase `imageType` value, e.g. `"front"`.
    #[must_use]
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

/// An uploaded photo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    /// The upload's `filename`.
    pub file_name: String,
    /// The side it shows.
    pub image_type: ImageType,
}

/// Trimmed, non-empty text of an optional field.
pub(super) fn filled(value: Option<&String>) -> Option<&str> {
    value.map(|s| s.trim()).filter(|s| !s.is_empty())
}
