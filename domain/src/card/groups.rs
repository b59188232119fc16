//! Schema-driven rules: required base attributes, value checks of the other attributes, the
//! attribute groups (NCT-API.md §4 "Attribute groups"), the extended-card (isGov) requirements and
//! the files.

use super::model::{
    AttrValue, AttributeDef, CardDraft, CardSchema, Dictionaries, ImageType, filled,
};
use super::problem::{CardProblemCode as Code, Problems};
use super::values::{check_attr, check_value};

/// The fixed CEF set of `mainExtendedAttributes` (NCT-API.md §4), mandatory for moderation of an
/// extended card. Used when the schema's `gov_main` is empty, and always required for isGov.
pub const CEF_MAIN_CODES: [&str; 7] = [
    "enstrus",
    "gross_weight",
    "net_weight",
    "volume",
    "standards",
    "package_dimensions",
    "product_dimensions",
];

/// Form flags that go in `attributes` although the request examples mark them `isGov`
/// (NCT-API.md §4: "they are not extended attributes and go in `attributes`").
pub const FORM_FLAGS: [&str; 2] = ["szpt_category", "is_domestic"];

/// Base attributes the draft carries in its own fields; [`to_request_attributes`] builds them from
/// those fields and drops same-coded entries of `attributes`.
///
/// [`to_request_attributes`]: super::to_request_attributes
pub const DEDICATED_CODES: [&str; 13] = [
    "name_ru",
    "name_kk",
    "short_name_ru",
    "short_name_kk",
    "brand",
    "tnved",
    "country",
    "measure",
    "measure_unit",
    "quantity",
    "gtin",
    "ntin",
    "xtin",
];

/// Codes allowed in `mainExtendedAttributes`: the CEF set plus whatever `gov_main` lists.
fn is_main_code(schema: &CardSchema, code: &str) -> bool {
    CEF_MAIN_CODES.contains(&code) || schema.gov_main.iter().any(|d| d.code == code)
}

fn additional_def<'a>(schema: &'a CardSchema, code: &str) -> Option<&'a AttributeDef> {
    schema.gov_additional.iter().find(|d| d.code == code)
}

/// The array a code belongs in, for messages.
fn home_of(schema: &CardSchema, code: &str) -> Option<&'static str> {
    if is_main_code(schema, code) {
        Some("mainExtendedAttributes")
    } else if additional_def(schema, code).is_some() {
        Some("additionalExtendedAttributes")
    } else if schema.base_def(code).is_some() || FORM_FLAGS.contains(&code) {
        Some("attributes")
    } else {
        None
    }
}

/// Required base attributes and the value checks of `brand` and the extra base attributes.
///
/// The well-known codes are reported by their own rules (`MissingNameKk`, `MissingTnved`,
/// `MissingMeasure`, `MissingCountry`, `GovMissingBrand`), never twice.
pub(super) fn check_schema_fields(
    draft: &CardDraft,
    schema: &CardSchema,
    dicts: &dyn Dictionaries,
    out: &mut Problems,
) {
    if let (Some(brand), Some(def)) = (filled(draft.brand.as_ref()), schema.base_def("brand")) {
        check_value(def, "brand", brand, dicts, out);
    }
    for def in schema.base.iter().filter(|d| d.required) {
        let present = match def.code.as_str() {
            // Reported by their own rules.
            "name_ru" | "name_kk" | "tnved" | "measure" | "measure_unit" | "quantity"
            | "country" => true,
            "brand" => draft.is_gov || filled(draft.brand.as_ref()).is_some(),
            "short_name_ru" => filled(draft.short_name_ru.as_ref()).is_some(),
            "short_name_kk" => filled(draft.short_name_kk.as_ref()).is_some(),
            "gtin" => filled(draft.barcode.as_ref()).is_some(),
            "ntin" => filled(draft.ntin.as_ref()).is_some(),
            "xtin" => filled(draft.xtin.as_ref()).is_some(),
            code => draft
                .attributes
                .iter()
                .any(|a| a.code.trim() == code && a.is_filled()),
        };
        if !present {
            out.error(
                &def.code,
                Code::MissingRequired,
                format!(
                    "the required attribute {} ({}) is missing; fill it in",
                    def.code, def.name_ru
                ),
            );
        }
    }
    for attr in &draft.attributes {
        let code = attr.code.trim();
        if DEDICATED_CODES.contains(&code) {
            continue;
        }
        if let Some(def) = schema.base_def(code) {
            check_attr(def, attr, dicts, out);
        }
    }
}

/// Every attribute in its own array (NCT-API.md §4 "Attribute groups": the group is checked at
/// creation and a wrong one is a validation error naming the code), and complete custom attributes.
pub(super) fn check_groups(
    draft: &CardDraft,
    schema: &CardSchema,
    dicts: &dyn Dictionaries,
    out: &mut Problems,
) {
    for attr in &draft.attributes {
        check_base_placement(attr.code.trim(), schema, out);
    }
    for attr in &draft.main_extended {
        let code = attr.code.trim();
        if code.is_empty() {
            out.error("main_extended", Code::WrongGroup, NO_CODE);
        } else if !is_main_code(schema, code) {
            out.error(
                code,
                Code::WrongGroup,
                misplaced(schema, code, "mainExtendedAttributes"),
            );
        } else if let Some(def) = schema.gov_main.iter().find(|d| d.code == code) {
            check_attr(def, attr, dicts, out);
        }
    }
    for attr in &draft.additional_extended {
        let code = attr.code.trim();
        if code.is_empty() {
            out.error("additional_extended", Code::WrongGroup, NO_CODE);
        } else if let Some(def) = additional_def(schema, code) {
            check_attr(def, attr, dicts, out);
        } else {
            out.error(
                code,
                Code::WrongGroup,
                misplaced(schema, code, "additionalExtendedAttributes"),
            );
        }
    }
    for (n, custom) in draft.custom_extended.iter().enumerate() {
        let missing: Vec<&str> = [
            ("nameRu", &custom.name_ru),
            ("nameKk", &custom.name_kk),
            ("value", &custom.value),
        ]
        .into_iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(name, _)| name)
        .collect();
        if !missing.is_empty() {
            out.error(
                "custom_extended",
                Code::CustomAttributeIncomplete,
                format!(
                    "custom attribute #{} lacks {}: a custom attribute needs nameRu, nameKk and value; fill them in or remove it",
                    n + 1,
                    missing.join(", ")
                ),
            );
        }
    }
    let has_extended = draft.main_extended.iter().any(AttrValue::is_filled)
        || draft.additional_extended.iter().any(AttrValue::is_filled)
        || !draft.custom_extended.is_empty();
    if !draft.is_gov && has_extended {
        out.info(
            "is_gov",
            Code::WrongGroup,
            "extended attributes are filled but the card is not extended (isGov); turn isGov on to send them to CEF, or remove them",
        );
    }
}

const NO_CODE: &str = "an extended attribute has no code; the seller's own attributes go to the custom attributes with nameRu, nameKk and value";

/// One entry of `attributes`: base attributes and the two form flags only.
fn check_base_placement(code: &str, schema: &CardSchema, out: &mut Problems) {
    if code.is_empty() {
        out.error(
            "attributes",
            Code::WrongGroup,
            "a base attribute has no code; the seller's own attributes go to the custom attributes with nameRu, nameKk and value",
        );
    } else if DEDICATED_CODES.contains(&code) {
        out.warning(
            code,
            Code::WrongGroup,
            format!(
                "{code} is set through its own field of the card, so this extra attribute is ignored; move the value to that field"
            ),
        );
    } else if schema.base_def(code).is_some() || FORM_FLAGS.contains(&code) {
        // A base attribute, or a form flag (allowed here even when CEF lists it).
    } else if is_main_code(schema, code) || additional_def(schema, code).is_some() {
        out.error(
            code,
            Code::WrongGroup,
            misplaced(schema, code, "attributes"),
        );
    } else {
        out.warning(
            code,
            Code::WrongGroup,
            format!(
                "{code} is not in the base attribute schema; NCT may ignore or refuse it; check the code or use a custom attribute"
            ),
        );
    }
}

/// "X does not belong in `here`; move it to …".
fn misplaced(schema: &CardSchema, code: &str, here: &str) -> String {
    match home_of(schema, code) {
        Some(home) => format!("{code} does not belong in {here}; move it to {home}"),
        None => format!(
            "{code} is not an attribute of {here} for this category; remove it or use a custom attribute"
        ),
    }
}

/// NCT-API.md §4 "Extended (gov) request": `brand` required, FRONT and BACK photos at moderation,
/// the CEF main set mandatory for moderation.
///
/// A category's required additional attribute (gov-attributes `isRequired` = `isRequiredEgz ||
/// isRequiredKgd`) is an **error**. The spec's gov-attributes text says NCT does not validate it when it
/// accepts the request, and CEF does: CEF returns the extended part for revision (`underRevisionGz`). For
/// the seller that is a revision like any other, and finding revisions before the submit is what this
/// check is for.
pub(super) fn check_extended_card(draft: &CardDraft, schema: &CardSchema, out: &mut Problems) {
    if !draft.is_gov {
        return;
    }
    if filled(draft.brand.as_ref()).is_none() {
        out.error(
            "brand",
            Code::GovMissingBrand,
            "an extended (isGov) card needs a brand; fill in brand",
        );
    }
    for (side, name) in [(ImageType::Front, "FRONT"), (ImageType::Back, "BACK")] {
        if !draft
            .images
            .iter()
            .any(|i| i.image_type == side && !i.file_name.trim().is_empty())
        {
            out.error(
                "images",
                Code::GovMissingImage,
                format!("an extended (isGov) card needs a {name} photo; upload one"),
            );
        }
    }
    let main_codes = CEF_MAIN_CODES.into_iter().chain(
        schema
            .gov_main
            .iter()
            .map(|d| d.code.as_str())
            .filter(|c| !CEF_MAIN_CODES.contains(c)),
    );
    for code in main_codes {
        if !has_filled(&draft.main_extended, code) {
            out.error(
                code,
                Code::GovMissingMainAttribute,
                format!(
                    "an extended (isGov) card needs the main extended attribute {code}; fill it in"
                ),
            );
        }
    }
    for def in schema.gov_additional.iter().filter(|d| d.required) {
        if !has_filled(&draft.additional_extended, &def.code) {
            out.error(
                &def.code,
                Code::MissingRequired,
                format!(
                    "the extended attribute {} ({}) is required by the procurement or tax authority; NCT accepts the card without it but CEF returns it for revision, so fill it in",
                    def.code, def.name_ru
                ),
            );
        }
    }
}

fn has_filled(attrs: &[AttrValue], code: &str) -> bool {
    attrs.iter().any(|a| a.code.trim() == code && a.is_filled())
}

/// Photos need a file name; documents must be PDFs (NCT-API.md §7 `ProductRequestDocumentDto`:
/// `fileName` matches `(?i).+\.pdf$`).
pub(super) fn check_files(draft: &CardDraft, out: &mut Problems) {
    for (n, image) in draft.images.iter().enumerate() {
        if image.file_name.trim().is_empty() {
            out.error(
                "images",
                Code::MissingRequired,
                format!(
                    "photo #{} ({}) has no file name; upload it again",
                    n + 1,
                    image.image_type.as_str()
                ),
            );
        }
    }
    for name in &draft.documents {
        if !is_pdf_name(name) {
            out.error(
                "documents",
                Code::InvalidDocument,
                format!("document \"{name}\" is not a PDF; upload the document as a .pdf file"),
            );
        }
    }
}

/// `(?i).+\.pdf$`: at least one character before a case-insensitive `.pdf` ending.
fn is_pdf_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower
        .strip_suffix(".pdf")
        .is_some_and(|stem| !stem.trim().is_empty())
}
