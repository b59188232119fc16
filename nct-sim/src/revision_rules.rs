//! The moderator's field checks, read from the attribute tables: category, required base attributes, the
//! value checks of every filled base attribute, and for extended requests `brand` and FRONT/BACK photos.
//! Each finding is one `revisionDetails` entry `{attributeCode, value, comment}`.

use std::collections::HashSet;

use nct::dto::{ImageType, PortalProductRequestAttributeValue, PortalRevisionDetailDto};

use super::attribute_data::{BASE_ATTRIBUTES, Pattern};
use super::catalog_data::is_leaf;
use super::dict_data::Dictionaries;
use super::requests_store::{SimRequest, attr_value, find_attr};

/// General remark of a revision.
pub const REVISION_COMMENT: &str = "Необходимо скорректировать данные карточки.";

fn detail(code: &str, value: &str, comment: String) -> PortalRevisionDetailDto {
    PortalRevisionDetailDto {
        attribute_code: Some(code.to_owned()),
        value: Some(value.to_owned()),
        comment: Some(comment),
    }
}

/// The field remarks of the full check, in a fixed order: category, required base attributes, value
/// checks of every filled base attribute (TNVED, dictionaries, patterns, lengths, types, measure), and for
/// extended requests `brand` and FRONT/BACK photos. (`xtin` is checked earlier, as a 422 at moderation.)
pub fn revision_details(req: &SimRequest, dicts: &Dictionaries) -> Vec<PortalRevisionDetailDto> {
    let body = &req.body;
    let attrs = &body.attributes;
    let mut out = Vec::new();
    if !is_leaf(&body.oktru) {
        out.push(detail("oktru", &body.oktru, "Категория ОКТРУ должна быть конечной (4-й уровень) и существовать в справочнике ОКТРУ.".to_owned()));
    }
    for spec in BASE_ATTRIBUTES.iter().filter(|s| s.required) {
        let present = match find_attr(attrs, spec.code) {
            Some(a) if !spec.children.is_empty() => {
                !a.attributes.is_empty() || a.value.as_deref().is_some_and(|v| !v.trim().is_empty())
            }
            _ => attr_value(attrs, spec.code).is_some(),
        };
        if !present {
            let comment = match spec.code {
                "name_kk" => "Укажите полное наименование товара на казахском языке.".to_owned(),
                "measure" => "Укажите единицу измерения и количество товара.".to_owned(),
                "tnved" => "Укажите код ТН ВЭД ЕАЭС.".to_owned(),
                _ => format!("Заполните обязательный атрибут «{}».", spec.name_ru),
            };
            out.push(detail(spec.code, "", comment));
        }
    }
    for spec in BASE_ATTRIBUTES {
        if spec.code == "xtin" {
            continue;
        }
        if spec.code == "measure" {
            if let Some(m) = find_attr(attrs, "measure").filter(|m| !m.attributes.is_empty()) {
                check_measure(&m.attributes, &mut out);
            }
            continue;
        }
        let Some(value) = attr_value(attrs, spec.code) else {
            continue;
        };
        if spec.code == "tnved" {
            if !Pattern::Digits(10).matches(value) {
                out.push(detail(
                    "tnved",
                    value,
                    "Код ТН ВЭД должен состоять из 10 цифр.".to_owned(),
                ));
            } else if !dicts.has_tnved(value) {
                out.push(detail(
                    "tnved",
                    value,
                    format!("Код ТН ВЭД {value} не найден в справочнике ТН ВЭД ЕАЭС."),
                ));
            }
            continue;
        }
        if spec.dictionary == Some("COUNTRY") && !Dictionaries::has_country(value) {
            out.push(detail(
                spec.code,
                value,
                format!("Значение {value} не найдено в справочнике стран (COUNTRY)."),
            ));
        } else if let Some(p) = spec.pattern.filter(|p| !p.matches(value)) {
            out.push(detail(
                spec.code,
                value,
                format!("Значение не соответствует формату {}.", p.regex()),
            ));
        } else if let Some(max) = spec
            .max_length
            .filter(|m| value.chars().count() > *m as usize)
        {
            out.push(detail(
                spec.code,
                value,
                format!("Длина значения превышает {max} символов."),
            ));
        } else if spec.data_type == "boolean" && !matches!(value, "true" | "false") {
            out.push(detail(
                spec.code,
                value,
                "Ожидается значение true или false.".to_owned(),
            ));
        }
    }
    if req.is_gov() {
        if attr_value(attrs, "brand").is_none() {
            out.push(detail(
                "brand",
                "",
                "Для расширенной карточки обязателен бренд (атрибут brand).".to_owned(),
            ));
        }
        let sides: HashSet<ImageType> = body
            .image_files
            .iter()
            .filter_map(|f| ImageType::parse(&f.image_type))
            .collect();
        let missing: Vec<&str> = [(ImageType::Front, "FRONT"), (ImageType::Back, "BACK")]
            .iter()
            .filter(|(t, _)| !sides.contains(t))
            .map(|(_, n)| *n)
            .collect();
        if !missing.is_empty() {
            out.push(detail(
                "imageFiles",
                &missing.join(","),
                "Для расширенной карточки обязательны фотографии FRONT и BACK.".to_owned(),
            ));
        }
    }
    out
}

fn check_measure(
    parts: &[PortalProductRequestAttributeValue],
    out: &mut Vec<PortalRevisionDetailDto>,
) {
    match attr_value(parts, "measure_unit") {
        None => out.push(detail(
            "measure_unit",
            "",
            "Укажите единицу измерения.".to_owned(),
        )),
        Some(u) if !Dictionaries::has_measure(u) => {
            out.push(detail(
                "measure_unit",
                u,
                format!("Единица измерения {u} не найдена в справочнике MEASURE."),
            ));
        }
        Some(_) => {}
    }
    let quantity = attr_value(parts, "quantity");
    if !quantity
        .and_then(|q| q.replace(',', ".").parse::<f64>().ok())
        .is_some_and(|q| q > 0.0)
    {
        out.push(detail(
            "quantity",
            quantity.unwrap_or_default(),
            "Количество должно быть положительным числом.".to_owned(),
        ));
    }
}
