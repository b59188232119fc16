//! The "basic checks" NCT runs when a request is created or updated (the full check runs at moderation,
//! see `moderation.rs`): `oktru` and `name_ru` present, every attribute in its group, files well-formed,
//! and for edit requests (`ntin` given) the immutable fields unchanged. Failures are 400
//! `VALIDATION_ERROR` naming the attribute code; editing an extended card is 422 `BUSINESS_ERROR`.

use nct::dto::{
    ImageType, PortalCreateUpdateProductRequestDto, PortalProductRequestAttributeValue,
};

use super::attribute_data::{FORM_FLAGS, base_attr, is_gov_main};
use super::catalog_data::{is_gov_additional, leaf};
use super::answers::{ApiFailure, business_error, validation_error};
use super::requests_store::{RequestStore, attr_value};
use super::seed::{Catalog, SeedCard};

/// Attributes an edit request cannot change.
pub const IMMUTABLE_ON_EDIT: &[&str] = &["name_ru", "name_kk", "ntin", "tnved"];

/// The spec's refusal text for extended cards.
pub const EXTENDED_CARD_MESSAGE: &str = "Карточка является расширенной и не может быть отредактирована через внешний API. \
     Изменения по расширенным карточкам вносятся через ЦЭФ.";

/// A published card by NTIN, seed or published through a request, with its extended flag.
pub fn card_by_ntin(
    catalog: &Catalog,
    store: &RequestStore,
    ntin: &str,
) -> Option<(SeedCard, bool)> {
    catalog
        .by_ntin(ntin)
        .map(|c| (c.clone(), false))
        .or_else(|| {
            store
                .published_by_ntin(ntin)
                .map(|p| (p.card.clone(), p.is_gov))
        })
}

/// The base attributes of a card, as an edit request starts from.
pub fn card_attributes(card: &SeedCard) -> Vec<PortalProductRequestAttributeValue> {
    let dto = card.to_dto();
    let mut attrs = vec![
        PortalProductRequestAttributeValue::new("ntin", card.ntin.clone()),
        PortalProductRequestAttributeValue::new("name_ru", card.name_ru.clone()),
        PortalProductRequestAttributeValue::new("name_kk", card.name_kk.clone()),
    ];
    if let Some(short) = dto.short_name_ru {
        attrs.push(PortalProductRequestAttributeValue::new(
            "short_name_ru",
            short,
        ));
    }
    if let Some(short) = dto.short_name_kk {
        attrs.push(PortalProductRequestAttributeValue::new(
            "short_name_kk",
            short,
        ));
    }
    if !card.gtin.is_empty() {
        attrs.push(PortalProductRequestAttributeValue::new(
            "gtin",
            card.gtin.clone(),
        ));
    }
    for a in dto.attributes {
        if a.attributes.is_empty() {
            attrs.push(PortalProductRequestAttributeValue::new(
                a.code,
                a.value.unwrap_or_default(),
            ));
        } else {
            let parts = a
                .attributes
                .into_iter()
                .map(|p| {
                    PortalProductRequestAttributeValue::new(p.code, p.value.unwrap_or_default())
                })
                .collect();
            attrs.push(PortalProductRequestAttributeValue::compound(a.code, parts));
        }
    }
    attrs
}

/// Checks (and, for edits, completes) a create/update body.
///
/// # Errors
/// 400 `VALIDATION_ERROR` naming the offending attribute; 422 `BUSINESS_ERROR` for an extended card.
pub fn validate_request(
    body: &mut PortalCreateUpdateProductRequestDto,
    catalog: &Catalog,
    store: &RequestStore,
) -> Result<(), ApiFailure> {
    body.oktru = body.oktru.trim().to_owned();
    if let Some(ntin) = body.ntin.clone().filter(|n| !n.trim().is_empty()) {
        apply_edit(body, ntin.trim(), catalog, store)?;
    }
    if body.oktru.is_empty() {
        return Err(validation_error(
            "Поле oktru (код категории ОКТРУ) обязательно.",
        ));
    }
    check_groups(body)?;
    check_files(body)?;
    if attr_value(&body.attributes, "name_ru").is_none() {
        return Err(validation_error(
            "Атрибут name_ru (полное наименование товара) обязателен.",
        ));
    }
    Ok(())
}

/// Edit request: the card must exist and be a base card; immutable fields are compared and filled.
fn apply_edit(
    body: &mut PortalCreateUpdateProductRequestDto,
    ntin: &str,
    catalog: &Catalog,
    store: &RequestStore,
) -> Result<(), ApiFailure> {
    let Some((card, is_gov)) = card_by_ntin(catalog, store, ntin) else {
        return Err(validation_error(format!(
            "Карточка с НТИН {ntin} не найдена (ntin)."
        )));
    };
    if is_gov {
        return Err(business_error(EXTENDED_CARD_MESSAGE));
    }
    let from_card = card_attributes(&card);
    for code in IMMUTABLE_ON_EDIT {
        let Some(card_value) = attr_value(&from_card, code).map(str::to_owned) else {
            continue;
        };
        match attr_value(&body.attributes, code) {
            Some(v) if v != card_value => {
                return Err(validation_error(format!(
                    "Атрибут {code} нельзя изменить при редактировании карточки."
                )));
            }
            Some(_) => {}
            None => {
                body.attributes.retain(|a| a.code.as_deref() != Some(code));
                body.attributes
                    .push(PortalProductRequestAttributeValue::new(*code, card_value));
            }
        }
    }
    if body.oktru.is_empty() {
        body.oktru = card.oktru.clone();
    }
    body.ntin = Some(ntin.to_owned());
    Ok(())
}

/// Every attribute in its own group.
fn check_groups(body: &PortalCreateUpdateProductRequestDto) -> Result<(), ApiFailure> {
    for a in &body.attributes {
        let Some(code) = a.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
            return Err(validation_error("Атрибут без кода в массиве attributes."));
        };
        let extended = (is_gov_main(code) || is_gov_additional(code)) && base_attr(code).is_none();
        if (a.is_gov == Some(true) && !FORM_FLAGS.contains(&code)) || extended {
            return Err(validation_error(format!(
                "Расширенная характеристика {code} передана в массиве attributes; \
                 используйте mainExtendedAttributes, additionalExtendedAttributes или customExtendedAttributes."
            )));
        }
    }
    for a in &body.main_extended_attributes {
        let code = a.code_str();
        if !is_gov_main(code) {
            return Err(validation_error(format!(
                "Характеристика {code} не относится к группе mainExtendedAttributes."
            )));
        }
    }
    let category = leaf(&body.oktru);
    for a in &body.additional_extended_attributes {
        let code = a.code_str();
        let allowed = match category {
            Some(l) => l.additional.iter().any(|g| g.0 == code),
            None => is_gov_additional(code),
        };
        if code.is_empty() || !allowed {
            return Err(validation_error(format!(
                "Характеристика {code} не относится к группе additionalExtendedAttributes категории {}.",
                body.oktru
            )));
        }
    }
    for a in &body.custom_extended_attributes {
        if let Some(code) = a.code.as_deref().filter(|c| !c.is_empty()) {
            return Err(validation_error(format!(
                "Характеристика {code}: в customExtendedAttributes поле code не передаётся."
            )));
        }
        let filled = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        if !filled(&a.name_ru) || !filled(&a.name_kk) || !filled(&a.value) {
            return Err(validation_error(
                "customExtendedAttributes: обязательны nameRu, nameKk и value.",
            ));
        }
    }
    Ok(())
}

/// Photos need a name and a known side; documents must be PDFs.
fn check_files(body: &PortalCreateUpdateProductRequestDto) -> Result<(), ApiFailure> {
    for f in &body.image_files {
        if f.file_name.trim().is_empty() || ImageType::parse(&f.image_type).is_none() {
            return Err(validation_error(format!(
                "imageFiles: неверное изображение «{}» (imageType {}; допустимы front, back, left, right, top, bottom).",
                f.file_name, f.image_type
            )));
        }
    }
    for d in &body.documents {
        if !d.file_name.to_ascii_lowercase().ends_with(".pdf") || d.file_name.len() < 5 {
            return Err(validation_error(format!(
                "documents: документ «{}» должен быть в формате PDF.",
                d.file_name
            )));
        }
    }
    Ok(())
}
