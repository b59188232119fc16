//! How requests are shown: the list item (`PortalProductRequestShortDto`) and the details object
//! (`PortalProductRequestDetailsDto`, attributes with their schema entry and value).

use nct::dto::{
    DocumentsData, ImageData, ImageFile, LocalizationItemDto, PortalAttributeObjectDto,
    PortalProductRequestAttributeValue, PortalProductRequestDetailsDto,
    PortalProductRequestShortDto, PortalRejectionReason, ProductPreviewData,
};

use super::attribute_data::{BASE_ATTRIBUTES, BaseAttr};
use super::catalog_data::{ancestors, oktru_id};
use super::dict_data::Dictionaries;
use super::requests_store::{SimRequest, attr_value, status, status_item};

/// `requestType` of a request.
pub fn request_type(is_gov: bool) -> LocalizationItemDto {
    if is_gov {
        LocalizationItemDto::new("gov", "Расширенный")
    } else {
        LocalizationItemDto::new("base", "Базовый")
    }
}

/// The list item of a request.
pub fn short_dto(r: &SimRequest) -> PortalProductRequestShortDto {
    let attrs = &r.body.attributes;
    let text = |code: &str| attr_value(attrs, code).map(str::to_owned);
    PortalProductRequestShortDto {
        id: r.id,
        category_id: oktru_id(&r.body.oktru),
        category_ancestors: ancestors(&r.body.oktru),
        product_data: Some(ProductPreviewData {
            name_ru: text("name_ru"),
            name_kk: text("name_kk"),
            short_name_ru: text("short_name_ru"),
            short_name_kk: text("short_name_kk"),
            standardized_name: None,
        }),
        status: Some(status_item(r.status)),
        rejection_reason: (r.status == status::REJECTED).then(|| PortalRejectionReason {
            reason: r.remarks.comment.clone(),
            reason_item: None,
        }),
        request_type: Some(request_type(r.is_gov())),
        auto_publication: r.body.auto_publication,
        created_date: Some(r.created.clone()),
        updated_date: Some(r.updated.clone()),
    }
}

/// The details response (the spec's example shape; it declares no schema).
pub fn details_dto(r: &SimRequest) -> PortalProductRequestDetailsDto {
    let mut attributes: Vec<PortalAttributeObjectDto> = r
        .body
        .attributes
        .iter()
        .map(|a| value_dto(a, BASE_ATTRIBUTES))
        .collect();
    for group in [
        &r.body.main_extended_attributes,
        &r.body.additional_extended_attributes,
        &r.body.custom_extended_attributes,
    ] {
        attributes.extend(group.iter().map(|a| PortalAttributeObjectDto {
            attribute_type: Some("gov".to_owned()),
            ..value_dto(a, &[])
        }));
    }
    let name = |code: &str| attr_value(&r.body.attributes, code).map(str::to_owned);
    PortalProductRequestDetailsDto {
        // The declared schema (an attribute object) requires these four; the example shape has the rest.
        code: Some(r.id.to_string()),
        data_type: Some("string".to_owned()),
        name_ru: Some(name("name_ru").unwrap_or_else(|| format!("Заявка {}", r.id))),
        name_kk: Some(name("name_kk").or_else(|| name("name_ru")).unwrap_or_else(|| format!("Өтінім {}", r.id))),
        id: r.id,
        category_id: oktru_id(&r.body.oktru),
        category_ancestors: ancestors(&r.body.oktru),
        status: Some(status_item(r.status)),
        request_type: Some(request_type(r.is_gov())),
        auto_publication: r.body.auto_publication,
        created_date: Some(r.created.clone()),
        attributes,
        image_data: Some(ImageData {
            image_files: r
                .body
                .image_files
                .iter()
                .map(|f| ImageFile {
                    file_name: Some(f.file_name.clone()),
                    image_type: Some(f.image_type.clone()),
                    ..ImageFile::default()
                })
                .collect(),
        }),
        documents: Some(DocumentsData {
            documents: r.body.documents.clone(),
        }),
        is_gov: r.is_gov(),
    }
}

/// An attribute value as the details endpoint shows it: its schema entry (when known) plus the value, the
/// country entry for COUNTRY values, and nested parts.
fn value_dto(
    a: &PortalProductRequestAttributeValue,
    specs: &[BaseAttr],
) -> PortalAttributeObjectDto {
    let code = a.code.clone().unwrap_or_default();
    let spec = specs.iter().enumerate().find(|(_, s)| s.code == code);
    let mut dto = match spec {
        Some((i, s)) => PortalAttributeObjectDto {
            attributes: Vec::new(),
            ..s.to_dto(i + 1)
        },
        None => PortalAttributeObjectDto {
            code,
            name_ru: a.name_ru.clone(),
            name_kk: a.name_kk.clone(),
            ..PortalAttributeObjectDto::default()
        },
    };
    dto.value = a.value.clone();
    // The declared attribute object requires a type and both names.
    let code = dto.code.clone();
    dto.data_type.get_or_insert_with(|| "string".to_owned());
    for name in [&mut dto.name_ru, &mut dto.name_kk] {
        if name.as_deref().is_none_or(|n| n.trim().is_empty()) {
            *name = Some(code.clone());
        }
    }
    if dto.dictionary_code.as_deref() == Some("COUNTRY") {
        dto.values = a
            .value
            .as_deref()
            .and_then(Dictionaries::country)
            .map(|(c, ru, kk)| serde_json::json!({"code": c, "nameRu": ru, "nameKk": kk}));
    }
    let children = spec.map(|(_, s)| s.children).unwrap_or_default();
    dto.attributes = a
        .attributes
        .iter()
        .map(|p| value_dto(p, children))
        .collect();
    dto
}
