//! Tests of the schema-driven, group, extended-card and file rules.

use super::CardProblemCode as C;
use super::test_support::*;
use super::values::{oktru_level, parse_decimal, pattern_matches};
use super::*;

fn attr(code: &str, value: &str) -> AttrValue {
    AttrValue::new(code, value)
}

#[test]
fn a_required_base_attribute_without_a_value_is_missing() {
    let mut schema = schema();
    for d in schema.base.iter_mut().filter(|d| d.code == "article") {
        d.required = true;
    }
    let mut d = valid_draft();
    d.attributes.retain(|a| a.code != "article");
    d.attributes.push(attr("article", "  "));
    let p = only(&check_card(&d, &schema, &TestDicts), C::MissingRequired);
    assert_eq!((p.field.as_str(), p.severity), ("article", Severity::Error));
    assert!(check_card(&valid_draft(), &schema, &TestDicts).is_empty());
}

#[test]
fn well_known_required_codes_are_reported_once_by_their_own_rule() {
    let mut d = valid_draft();
    d.name_kk = None;
    d.tnved = None;
    d.country = None;
    d.measure_unit = None;
    d.measure_qty = None;
    let codes: Vec<_> = summary(&check(&d)).into_iter().map(|(_, c, _)| c).collect();
    assert_eq!(
        codes,
        [
            C::MissingCountry,
            C::MissingMeasure,
            C::MissingNameKk,
            C::MissingTnved
        ]
    );
}

#[test]
fn a_required_brand_is_missing_required_on_a_base_card_and_gov_missing_brand_on_an_extended_one() {
    let mut schema = schema();
    for d in schema.base.iter_mut().filter(|d| d.code == "brand") {
        d.required = true;
    }
    let mut d = valid_draft();
    d.brand = None;
    let codes: Vec<_> = summary(&check_card(&d, &schema, &TestDicts))
        .into_iter()
        .map(|(_, c, _)| c)
        .collect();
    assert_eq!(codes, [C::MissingRequired]);
    let mut g = valid_gov_draft();
    g.brand = None;
    let codes: Vec<_> = summary(&check_card(&g, &schema, &TestDicts))
        .into_iter()
        .map(|(_, c, _)| c)
        .collect();
    assert_eq!(codes, [C::GovMissingBrand]);
}

#[test]
fn a_value_against_a_known_pattern_is_a_mismatch() {
    let mut d = valid_draft();
    d.attributes
        .push(attr("producer_identifier", "12345678901"));
    let p = only(&check(&d), C::PatternMismatch);
    assert_eq!(p.field, "producer_identifier");
    assert!(p.message.contains(r"^\d{12}$"));
    d.attributes.pop();
    d.attributes
        .push(attr("producer_identifier", "123456789012"));
    assert!(check(&d).is_empty());
}

#[test]
fn an_unknown_pattern_is_left_unchecked() {
    let mut d = valid_draft();
    d.attributes.push(attr("odd_pattern", "anything at all"));
    assert!(check(&d).is_empty());
}

#[test]
fn the_known_patterns_are_checked_by_hand() {
    let cases = [
        (r"^\d{10}$", "1806321000", "180632100"),
        (r"^004\d{10}$", "0041234567890", "4000000000000"),
        (r"^\d{13}$", "4006381333931", "400638133393a"),
        (r"^\d{8}$|^\d{12,14}$", "40084077", "123456789"),
        (r"^\d{8}$|^\d{12,14}$", "04630529181414", "123456789012345"),
        (
            r"^(\d{8}|\d{12}|\d{13}|\d{14})$",
            "034000338955",
            "12345678901",
        ),
        (r"^02\d{11}$", "0200121958529", "0300121958529"),
        (r"^\d{12}$", "123456789012", "١٢٣٤٥٦٧٨٩٠١٢"),
    ];
    for (pattern, good, bad) in cases {
        assert_eq!(
            pattern_matches(pattern, good),
            Some(true),
            "{pattern} {good}"
        );
        assert_eq!(
            pattern_matches(pattern, bad),
            Some(false),
            "{pattern} {bad}"
        );
    }
    assert_eq!(pattern_matches(r"^[A-Z]+$", "ABC"), None);
}

#[test]
fn helpers_read_oktru_shapes_and_plain_decimals() {
    assert_eq!(oktru_level("1020-0011-0003-100006374"), Some(4));
    assert_eq!(oktru_level("1020-0011-0003-10000637"), None);
    assert_eq!(oktru_level("1020-0011-0003"), Some(3));
    assert_eq!(oktru_level("1071"), Some(1));
    assert_eq!(oktru_level("1071-001"), None);
    assert_eq!(parse_decimal("12.5"), Some(12.5));
    assert_eq!(parse_decimal("-3"), Some(-3.0));
    for bad in ["", ".5", "5.", "1e3", "+1", " 1", "1,5", "inf"] {
        assert_eq!(parse_decimal(bad), None, "{bad}");
    }
}

#[test]
fn a_value_longer_than_max_length_is_too_long() {
    let mut d = valid_draft();
    d.attributes[0] = attr("article", &"x".repeat(51));
    d.brand = Some("b".repeat(256));
    let problems = check(&d);
    let fields: Vec<_> = with_code(&problems, C::TooLong)
        .iter()
        .map(|p| p.field.clone())
        .collect();
    assert_eq!(fields, ["article", "brand"]);
}

#[test]
fn a_number_outside_its_limits_is_out_of_range_and_a_non_number_mismatches() {
    let mut d = valid_draft();
    d.attributes.push(attr("net_weight_g", "100001"));
    assert_eq!(only(&check(&d), C::OutOfRange).field, "net_weight_g");
    d.attributes.pop();
    d.attributes.push(attr("net_weight_g", "-0.1"));
    assert_eq!(only(&check(&d), C::OutOfRange).field, "net_weight_g");
    d.attributes.pop();
    d.attributes.push(attr("net_weight_g", "50 g"));
    assert_eq!(only(&check(&d), C::PatternMismatch).field, "net_weight_g");
    d.attributes.pop();
    d.attributes.push(attr("net_weight_g", "100000"));
    assert!(check(&d).is_empty());
}

#[test]
fn a_boolean_must_be_true_or_false() {
    let mut d = valid_draft();
    d.attributes.push(attr("eaes", "yes"));
    assert_eq!(only(&check(&d), C::PatternMismatch).field, "eaes");
    d.attributes.pop();
    d.attributes.push(attr("eaes", "false"));
    assert!(check(&d).is_empty());
}

#[test]
fn dictionary_values_are_checked_part_by_part() {
    let mut d = valid_draft();
    d.attributes.push(attr("producer_country", "XX"));
    d.attributes.push(attr("colors", "RED@PINK@@BLUE"));
    let problems = check(&d);
    let got: Vec<_> = with_code(&problems, C::NotInDictionary)
        .iter()
        .map(|p| p.field.clone())
        .collect();
    assert_eq!(got, ["colors", "colors", "producer_country"]);
    assert!(problems.iter().any(|p| p.message.contains("\"PINK\"")));
    assert!(problems.iter().any(|p| p.message.contains("empty code")));
}

#[test]
fn a_value_of_an_unknown_dictionary_is_left_unchecked() {
    let mut d = valid_draft();
    d.attributes.push(attr("fabric", "whatever"));
    assert!(check(&d).is_empty());
}

#[test]
fn an_extended_attribute_in_the_base_group_is_in_the_wrong_group() {
    let mut d = valid_gov_draft();
    d.attributes.push(attr("gross_weight", "1"));
    d.attributes.push(attr("material", "steel"));
    let problems = check(&d);
    let wrong: Vec<_> = with_code(&problems, C::WrongGroup);
    assert_eq!(wrong.len(), 2, "{problems:#?}");
    assert!(wrong.iter().all(|p| p.severity == Severity::Error));
    assert!(
        wrong[0]
            .message
            .contains("move it to mainExtendedAttributes")
    );
    assert!(
        wrong[1]
            .message
            .contains("move it to additionalExtendedAttributes")
    );
}

#[test]
fn the_form_flags_belong_in_the_base_group_even_when_cef_lists_them() {
    let mut schema = schema();
    schema
        .base
        .retain(|d| d.code != "szpt_category" && d.code != "is_domestic");
    schema
        .gov_additional
        .push(def("szpt_category", DataType::String));
    schema.gov_main.push(def("is_domestic", DataType::Boolean));
    let mut d = valid_draft();
    d.attributes.push(attr("szpt_category", "1"));
    assert!(check_card(&d, &schema, &TestDicts).is_empty());
}

#[test]
fn a_base_attribute_in_an_extended_group_is_in_the_wrong_group() {
    let mut d = valid_gov_draft();
    d.main_extended.push(attr("article", "A-1"));
    d.additional_extended.push(attr("producer_country", "KZ"));
    let problems = check(&d);
    let wrong = with_code(&problems, C::WrongGroup);
    assert_eq!(wrong.len(), 2);
    assert!(
        wrong
            .iter()
            .all(|p| p.message.contains("move it to attributes"))
    );
}

#[test]
fn main_and_additional_attributes_swapped_are_in_the_wrong_group() {
    let mut d = valid_gov_draft();
    d.main_extended.push(attr("material", "steel"));
    d.additional_extended.push(attr("volume", "1"));
    let problems = check(&d);
    let wrong = with_code(&problems, C::WrongGroup);
    assert_eq!(wrong.len(), 2);
    let material = wrong.iter().find(|p| p.field == "material").unwrap();
    assert!(
        material
            .message
            .contains("move it to additionalExtendedAttributes")
    );
    let volume = wrong.iter().find(|p| p.field == "volume").unwrap();
    assert!(volume.message.contains("move it to mainExtendedAttributes"));
}

#[test]
fn unknown_or_dedicated_codes_in_the_base_group_are_warnings() {
    let mut d = valid_draft();
    d.attributes.push(attr("no_such_code", "x"));
    d.attributes.push(attr("name_ru", "Другое имя"));
    let problems = check(&d);
    assert_eq!(
        summary(&problems),
        [
            ("name_ru".to_owned(), C::WrongGroup, Severity::Warning),
            ("no_such_code".to_owned(), C::WrongGroup, Severity::Warning),
        ]
    );
}

#[test]
fn an_attribute_without_a_code_is_in_the_wrong_group() {
    let mut d = valid_gov_draft();
    d.attributes.push(attr(" ", "x"));
    d.additional_extended.push(attr("", "x"));
    let fields: Vec<_> = with_code(&check(&d), C::WrongGroup)
        .iter()
        .map(|p| p.field.clone())
        .collect();
    assert_eq!(fields, ["additional_extended", "attributes"]);
}

#[test]
fn extended_attributes_on_a_base_card_are_an_info() {
    let mut d = valid_draft();
    d.additional_extended.push(attr("material", "steel"));
    let p = only(&check(&d), C::WrongGroup);
    assert_eq!((p.field.as_str(), p.severity), ("is_gov", Severity::Info));
}

#[test]
fn an_incomplete_custom_attribute_is_reported() {
    let mut d = valid_gov_draft();
    d.custom_extended.push(CustomAttr {
        name_ru: "Вкус".into(),
        name_kk: " ".into(),
        value: String::new(),
    });
    let p = only(&check(&d), C::CustomAttributeIncomplete);
    assert_eq!(p.field, "custom_extended");
    assert!(
        p.message.contains("#2 lacks nameKk, value"),
        "{}",
        p.message
    );
}

#[test]
fn compound_values_are_checked_part_by_part() {
    let mut d = valid_gov_draft();
    d.main_extended[5] = AttrValue::compound(
        "package_dimensions",
        vec![attr("width", "ten"), attr("depth", "1")],
    );
    let got = summary(&check(&d));
    assert!(
        got.contains(&("width".into(), C::PatternMismatch, Severity::Error)),
        "{got:?}"
    );
    assert!(got.contains(&(
        "package_dimensions".into(),
        C::WrongGroup,
        Severity::Warning
    )));
    d.main_extended[5] = attr("package_dimensions", "10x20x30");
    assert_eq!(
        only(&check(&d), C::PatternMismatch).field,
        "package_dimensions"
    );
}

#[test]
fn an_extended_card_needs_a_brand() {
    let mut d = valid_gov_draft();
    d.brand = Some(" ".into());
    let p = only(&check(&d), C::GovMissingBrand);
    assert_eq!((p.field.as_str(), p.severity), ("brand", Severity::Error));
    let mut base = valid_draft();
    base.brand = None;
    assert!(check(&base).is_empty());
}

#[test]
fn an_extended_card_needs_front_and_back_photos_one_problem_each() {
    let mut d = valid_gov_draft();
    d.images = vec![ImageRef {
        file_name: "left.jpg".into(),
        image_type: ImageType::Left,
    }];
    let problems = check(&d);
    let missing = with_code(&problems, C::GovMissingImage);
    assert_eq!(missing.len(), 2);
    assert!(missing[0].message.contains("FRONT"));
    assert!(missing[1].message.contains("BACK"));
    d.images.push(ImageRef {
        file_name: "f.jpg".into(),
        image_type: ImageType::Front,
    });
    assert!(
        only(&check(&d), C::GovMissingImage)
            .message
            .contains("BACK")
    );
}

#[test]
fn an_extended_card_needs_every_main_attribute() {
    let mut d = valid_gov_draft();
    d.main_extended
        .retain(|a| a.code != "volume" && a.code != "package_dimensions");
    d.main_extended.push(attr("net_weight", " ")); // duplicate, blank: the first one counts
    let problems = check(&d);
    let fields: Vec<_> = with_code(&problems, C::GovMissingMainAttribute)
        .iter()
        .map(|p| p.field.clone())
        .collect();
    assert_eq!(fields, ["package_dimensions", "volume"]);
    assert!(problems.iter().all(|p| p.severity == Severity::Error));
}

#[test]
fn the_cef_set_is_required_even_when_the_schema_has_no_gov_main() {
    let mut schema = schema();
    schema.gov_main.clear();
    let mut d = valid_gov_draft();
    assert!(check_card(&d, &schema, &TestDicts).is_empty());
    d.main_extended.clear();
    let problems = check_card(&d, &schema, &TestDicts);
    assert_eq!(
        with_code(&problems, C::GovMissingMainAttribute).len(),
        CEF_MAIN_CODES.len()
    );
}

#[test]
fn a_required_additional_attribute_missing_is_an_error_because_cef_returns_the_card() {
    let mut d = valid_gov_draft();
    d.additional_extended.clear();
    let p = only(&check(&d), C::MissingRequired);
    assert_eq!(
        (p.field.as_str(), p.severity),
        ("marka_prochnosti", Severity::Error)
    );
    assert!(p.message.contains("CEF"), "{}", p.message);
}

#[test]
fn documents_must_be_pdfs() {
    for name in ["scan.jpg", ".pdf", "", "report.pdf.doc"] {
        let mut d = valid_draft();
        d.documents = vec![name.to_owned()];
        let p = only(&check(&d), C::InvalidDocument);
        assert_eq!(
            (p.field.as_str(), p.severity),
            ("documents", Severity::Error)
        );
    }
    let mut d = valid_gov_draft();
    d.documents = vec!["a.pdf".into(), "B.Pdf".into()];
    assert!(check(&d).is_empty());
}

#[test]
fn a_photo_without_a_file_name_is_missing() {
    let mut d = valid_draft();
    d.images.push(ImageRef {
        file_name: " ".into(),
        image_type: ImageType::Top,
    });
    let p = only(&check(&d), C::MissingRequired);
    assert_eq!(p.field, "images");
}
