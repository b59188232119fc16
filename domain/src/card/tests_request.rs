//! Tests of `to_request_attributes`.

use super::test_support::*;
use super::*;

fn find<'a>(attrs: &'a [RequestAttr], code: &str) -> Option<&'a RequestAttr> {
    attrs.iter().find(|a| a.code.as_deref() == Some(code))
}

fn codes(attrs: &[RequestAttr]) -> Vec<&str> {
    attrs.iter().filter_map(|a| a.code.as_deref()).collect()
}

#[test]
fn the_base_attributes_come_in_a_fixed_order_with_the_measure_compound() {
    // Arrange
    let mut d = valid_draft();
    d.xtin = Some("0041234567890".into());
    // Act
    let body = to_request_attributes(&d);
    // Assert
    assert_eq!(
        codes(&body.attributes),
        [
            "name_ru",
            "name_kk",
            "short_name_ru",
            "short_name_kk",
            "brand",
            "tnved",
            "country",
            "measure",
            "gtin",
            "xtin",
            "article",
            "is_domestic",
            "colors",
        ]
    );
    let measure = find(&body.attributes, "measure").unwrap();
    assert_eq!(measure.value, None);
    assert_eq!(
        measure.attributes,
        [
            RequestAttr::value("measure_unit", "796"),
            RequestAttr::value("quantity", "1"),
        ]
    );
    assert_eq!(body.oktru, LEAF);
    assert_eq!(body.ntin, None);
    assert!(!body.is_gov && !body.auto_publication);
    assert_eq!(body.documents, ["certificate.PDF"]);
}

#[test]
fn multi_dictionary_values_are_sent_untouched() {
    let body = to_request_attributes(&valid_draft());
    let colors = find(&body.attributes, "colors").unwrap();
    assert_eq!(colors.value.as_deref(), Some("RED@BLUE"));
}

#[test]
fn image_types_are_lowercase() {
    let body = to_request_attributes(&valid_gov_draft());
    let types: Vec<_> = body
        .image_files
        .iter()
        .map(|f| f.image_type.as_str())
        .collect();
    assert_eq!(types, ["front", "back"]);
    assert_eq!(body.image_files[0].file_name, "front.jpg");
    assert_eq!(serde_json::to_value(ImageType::Bottom).unwrap(), "bottom");
}

#[test]
fn the_gtin_is_sent_only_for_a_valid_gtin_as_typed_or_padded_to_13() {
    let gtin_of = |barcode: &str| {
        let mut d = valid_draft();
        d.barcode = Some(barcode.to_owned());
        find(&to_request_attributes(&d).attributes, "gtin").and_then(|a| a.value.clone())
    };
    assert_eq!(gtin_of(" 4006381333931 ").as_deref(), Some("4006381333931"));
    assert_eq!(gtin_of("04630529181414").as_deref(), Some("04630529181414"));
    assert_eq!(gtin_of("034000338955").as_deref(), Some("0034000338955"));
    assert_eq!(gtin_of("40084077").as_deref(), Some("0000040084077"));
    for not_a_gtin in [
        "4006381333932",
        "0200121958529",
        "0041234567890",
        "200121958529",
        "",
        "x",
    ] {
        assert_eq!(gtin_of(not_a_gtin), None, "{not_a_gtin}");
    }
}

#[test]
fn extended_groups_keep_their_codes_and_compounds_and_custom_ones_have_none() {
    let mut d = valid_gov_draft();
    d.main_extended.push(AttrValue::new("volume", "  ")); // blank: left out
    let body = to_request_attributes(&d);
    assert!(body.is_gov);
    assert_eq!(body.main_extended.len(), 7);
    let dims = find(&body.main_extended, "package_dimensions").unwrap();
    assert_eq!(
        codes(&dims.attributes),
        ["width", "height", "length", "dimension_measure"]
    );
    assert_eq!(codes(&body.additional_extended), ["marka_prochnosti"]);
    assert_eq!(
        body.custom_extended,
        [RequestAttr {
            code: None,
            value: Some("Молочный".into()),
            name_ru: Some("Вкус".into()),
            name_kk: Some("Дәмі".into()),
            attributes: Vec::new(),
        }]
    );
}

#[test]
fn an_edit_request_carries_the_ntin_and_dedicated_codes_in_extras_are_dropped() {
    let mut d = valid_draft();
    d.ntin = Some(" 0200121958529 ".into());
    d.auto_publication = true;
    d.attributes.push(AttrValue::new("name_ru", "Другое"));
    d.measure_qty = None;
    let body = to_request_attributes(&d);
    assert_eq!(body.ntin.as_deref(), Some("0200121958529"));
    assert!(body.auto_publication);
    let names: Vec<_> = body
        .attributes
        .iter()
        .filter(|a| a.code.as_deref() == Some("name_ru"))
        .collect();
    assert_eq!(names.len(), 1);
    assert_eq!(
        names[0].value.as_deref(),
        Some("Шоколадный батончик Demo 50 г")
    );
    let measure = find(&body.attributes, "measure").unwrap();
    assert_eq!(codes(&measure.attributes), ["measure_unit"]);
}

#[test]
fn an_empty_draft_gives_an_empty_body() {
    let body = to_request_attributes(&CardDraft::default());
    assert_eq!(body, RequestBody::default());
}
