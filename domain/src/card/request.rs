//! The domain-side shape of NCT's `PortalCreateUpdateProductRequestDto` and the conversion from a
//! [`CardDraft`]. Infra converts [`RequestBody`] into the wire DTO; nothing here knows JSON names.
//!
//! Texts are sent trimmed, and blank fields are left out (the moderator treats a blank value as a
//! missing one anyway). Multi-dictionary values are sent as typed (`CODE@CODE`).

use serde::{Deserialize, Serialize};

use super::codes::{BarcodeUse, barcode_use};
use super::groups::DEDICATED_CODES;
use super::model::{AttrValue, CardDraft, filled};

/// A create/update request body (`PortalCreateUpdateProductRequestDto`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestBody {
    /// OKTRU code, trimmed; empty when the draft has none (the DTO requires the field).
    pub oktru: String,
    /// NTIN of the card to edit; `None` for a new card.
    pub ntin: Option<String>,
    /// Publish automatically once moderation approves.
    pub auto_publication: bool,
    /// Extended (gov/CEF) request.
    pub is_gov: bool,
    /// Base attributes (`attributes`).
    pub attributes: Vec<RequestAttr>,
    /// `mainExtendedAttributes`.
    pub main_extended: Vec<RequestAttr>,
    /// `additionalExtendedAttributes`.
    pub additional_extended: Vec<RequestAttr>,
    /// `customExtendedAttributes`: no code, `name_ru`/`name_kk`/`value` set.
    pub custom_extended: Vec<RequestAttr>,
    /// `imageFiles`.
    pub image_files: Vec<RequestFile>,
    /// `documents`: PDF file names.
    pub documents: Vec<String>,
}

/// One attribute value (`PortalProductRequestAttributeValue`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestAttr {
    /// Attribute code; `None` for a custom attribute (NCT generates it from the name).
    pub code: Option<String>,
    /// The value; `None` for a compound attribute.
    pub value: Option<String>,
    /// Russian name (custom attributes only).
    pub name_ru: Option<String>,
    /// Kazakh name (custom attributes only).
    pub name_kk: Option<String>,
    /// Parts of a compound attribute (e.g. `measure` = `measure_unit` + `quantity`).
    pub attributes: Vec<RequestAttr>,
}

impl RequestAttr {
    /// A plain coded value.
    #[must_use]
    pub fn value(code: &str, value: &str) -> Self {
        Self {
            code: Some(code.to_owned()),
            value: Some(value.to_owned()),
            ..Self::default()
        }
    }

    /// A compound attribute.
    #[must_use]
    pub fn compound(code: &str, parts: Vec<RequestAttr>) -> Self {
        Self {
            code: Some(code.to_owned()),
            attributes: parts,
            ..Self::default()
        }
    }
}

/// One photo (`ProductRequestFileDto`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestFile {
    /// The upload's `filename`.
    pub file_name: String,
    /// Lowercase, as the schema enum has it: `front`, `back`, `left`, `right`, `top`, `bottom`.
    pub image_type: String,
}

/// Builds the request body of a draft. It does not check anything: run
/// [`check_card`](super::check_card) first and send only a submittable draft.
///
/// Base attributes, in order: `name_ru`, `name_kk`, `short_name_ru`, `short_name_kk`, `brand`,
/// `tnved`, `country`, `measure` {`measure_unit`, `quantity`}, `gtin`, `xtin`, then the extra
/// attributes. `gtin` comes from the barcode only when it is a valid GTIN (not an NTIN or XTIN):
/// 13 or 14 digits as typed, a GTIN-8/12 left-padded to 13. Extra attributes with the code of a
/// dedicated field are dropped (the field wins).
#[must_use]
pub fn to_request_attributes(draft: &CardDraft) -> RequestBody {
    let mut attributes = Vec::new();
    let fields = [
        ("name_ru", &draft.name_ru),
        ("name_kk", &draft.name_kk),
        ("short_name_ru", &draft.short_name_ru),
        ("short_name_kk", &draft.short_name_kk),
        ("brand", &draft.brand),
        ("tnved", &draft.tnved),
        ("country", &draft.country),
    ];
    for (code, value) in fields {
        if let Some(v) = filled(value.as_ref()) {
            attributes.push(RequestAttr::value(code, v));
        }
    }
    let measure: Vec<RequestAttr> = [
        ("measure_unit", &draft.measure_unit),
        ("quantity", &draft.measure_qty),
    ]
    .into_iter()
    .filter_map(|(code, v)| filled(v.as_ref()).map(|v| RequestAttr::value(code, v)))
    .collect();
    if !measure.is_empty() {
        attributes.push(RequestAttr::compound("measure", measure));
    }
    if let BarcodeUse::Gtin { send, .. } = barcode_use(draft.barcode.as_ref()) {
        attributes.push(RequestAttr::value("gtin", &send));
    }
    if let Some(xtin) = filled(draft.xtin.as_ref()) {
        attributes.push(RequestAttr::value("xtin", xtin));
    }
    attributes.extend(
        draft
            .attributes
            .iter()
            .filter(|a| !DEDICATED_CODES.contains(&a.code.trim()))
            .filter_map(coded),
    );
    RequestBody {
        oktru: filled(draft.oktru.as_ref()).unwrap_or_default().to_owned(),
        ntin: filled(draft.ntin.as_ref()).map(str::to_owned),
        auto_publication: draft.auto_publication,
        is_gov: draft.is_gov,
        attributes,
        main_extended: draft.main_extended.iter().filter_map(coded).collect(),
        additional_extended: draft.additional_extended.iter().filter_map(coded).collect(),
        custom_extended: draft
            .custom_extended
            .iter()
            .map(|c| RequestAttr {
                code: None,
                value: Some(c.value.trim().to_owned()),
                name_ru: Some(c.name_ru.trim().to_owned()),
                name_kk: Some(c.name_kk.trim().to_owned()),
                attributes: Vec::new(),
            })
            .collect(),
        image_files: draft
            .images
            .iter()
            .map(|i| RequestFile {
                file_name: i.file_name.clone(),
                image_type: i.image_type.as_str().to_owned(),
            })
            .collect(),
        documents: draft.documents.clone(),
    }
}

/// A coded value, compound when it has parts; `None` when blank.
fn coded(attr: &AttrValue) -> Option<RequestAttr> {
    if !attr.is_filled() {
        return None;
    }
    let code = attr.code.trim();
    if attr.parts.is_empty() {
        return Some(RequestAttr::value(code, attr.value.trim()));
    }
    Some(RequestAttr::compound(
        code,
        attr.parts.iter().filter_map(coded).collect(),
    ))
}
