//! Tests of `check_card`: the identity-field rules, ordering, codes, and the no-panic property.

use proptest::prelude::*;

use super::CardProblemCode as C;
use super::test_support::*;
use super::*;

fn some(s: &str) -> Option<String> {
    Some(s.to_owned())
}

#[test]
fn a_fully_valid_draft_has_no_problems() {
    // Arrange / Act
    let problems = check(&valid_draft());
    // Assert
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(is_submittable(&problems));
}

#[test]
fn a_fully_valid_extended_draft_has_no_problems() {
    let problems = check(&valid_gov_draft());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_missing_or_blank_oktru_is_an_error() {
    for oktru in [None, some("  ")] {
        let mut d = valid_draft();
        d.oktru = oktru;
        let p = only(&check(&d), C::MissingOktru);
        assert_eq!((p.field.as_str(), p.severity), ("oktru", Severity::Error));
    }
}

#[test]
fn an_oktru_not_written_4_4_4_9_is_unknown() {
    for oktru in [
        "1020001100031000063740",
        "1020-0011-0003-10000637x",
        "1020-0011-0003-100006374-1",
    ] {
        let mut d = valid_draft();
        d.oktru = some(oktru);
        let p = only(&check(&d), C::UnknownOktru);
        assert!(p.message.contains("4-4-4-9"), "{}", p.message);
    }
}

#[test]
fn a_group_code_the_dictionary_has_is_not_a_leaf_and_an_unknown_one_is_unknown() {
    let mut d = valid_draft();
    d.oktru = some("1020-0011-0003");
    let p = only(&check(&d), C::OktruNotLeaf);
    assert_eq!(p.severity, Severity::Error);
    d.oktru = some("1020-0011-0009");
    only(&check(&d), C::UnknownOktru);
}

#[test]
fn an_oktru_missing_from_the_dictionary_is_unknown() {
    let mut d = valid_draft();
    d.oktru = some("1020-0011-0003-999999999");
    let p = only(&check(&d), C::UnknownOktru);
    assert!(p.message.contains("not in the OKTRU dictionary"));
}

#[test]
fn an_oktru_that_is_not_a_leaf_is_refused_and_a_leaf_is_accepted() {
    let mut d = valid_draft();
    d.oktru = some(GROUP);
    assert_eq!(only(&check(&d), C::OktruNotLeaf).severity, Severity::Error);
    d.oktru = some(&format!(" {LEAF} "));
    assert!(check(&d).is_empty());
}

#[test]
fn a_service_category_is_not_nct_business() {
    let mut d = valid_draft();
    d.oktru = some(SERVICE);
    let problems = check(&d);
    assert_eq!(
        only(&problems, C::ServiceNotGoods).severity,
        Severity::Error
    );
    assert!(with_code(&problems, C::OktruNotLeaf).is_empty());
}

#[test]
fn missing_names_are_errors() {
    let mut d = valid_draft();
    d.name_ru = None;
    d.name_kk = some(" ");
    let problems = check(&d);
    assert_eq!(only(&problems, C::MissingNameRu).field, "name_ru");
    let kk = only(&problems, C::MissingNameKk);
    assert_eq!(
        (kk.field.as_str(), kk.severity),
        ("name_kk", Severity::Error)
    );
}

#[test]
fn a_kazakh_name_copied_from_the_russian_one_is_a_warning() {
    let mut d = valid_draft();
    d.name_kk = some("шоколадный батончик demo 50 г");
    let p = only(&check(&d), C::MissingNameKk);
    assert_eq!(p.severity, Severity::Warning);
    assert!(p.message.contains("not translated"));
}

#[test]
fn an_identical_name_with_kazakh_letters_or_only_latin_is_not_flagged() {
    let mut d = valid_draft();
    d.name_ru = some("Сүт Demo");
    d.name_kk = some("Сүт Demo");
    assert!(check(&d).is_empty());
    d.name_ru = some("Coca-Cola Zero 0.5 L");
    d.name_kk = some("Coca-Cola Zero 0.5 L");
    assert!(check(&d).is_empty());
}

#[test]
fn a_name_longer_than_the_schema_max_length_is_too_long() {
    let mut d = valid_draft();
    d.name_ru = some(&"я".repeat(501));
    d.short_name_ru = some(&"a".repeat(101));
    let problems = check(&d);
    let fields: Vec<_> = with_code(&problems, C::NameTooLong)
        .iter()
        .map(|p| p.field.as_str())
        .collect();
    assert_eq!(fields, ["name_ru", "short_name_ru"]);
    d.name_ru = some(&"я".repeat(500));
    d.short_name_ru = some(&"a".repeat(100));
    assert!(check(&d).is_empty());
}

#[test]
fn a_name_without_a_schema_limit_is_held_to_1024_characters() {
    let mut d = valid_draft();
    d.short_name_kk = some(&"ә".repeat(1024));
    assert!(check(&d).is_empty());
    d.short_name_kk = some(&"ә".repeat(1025));
    assert_eq!(only(&check(&d), C::NameTooLong).field, "short_name_kk");
}

#[test]
fn an_ntin_in_the_barcode_field_is_a_mixup() {
    let mut d = valid_draft();
    d.barcode = some("0200121958529");
    let p = only(&check(&d), C::GtinNtinMixup);
    assert_eq!((p.field.as_str(), p.severity), ("gtin", Severity::Error));
    assert!(p.message.contains("this is an NTIN, not a GTIN"));
    assert!(p.message.contains("move it to the NTIN field"));
}

#[test]
fn an_xtin_in_the_barcode_field_is_a_mixup() {
    let mut d = valid_draft();
    d.barcode = some("0041234567890");
    let p = only(&check(&d), C::GtinNtinMixup);
    assert_eq!(p.severity, Severity::Error);
    assert!(p.message.contains("XTIN field"));
}

#[test]
fn an_ntin_that_lost_or_gained_a_zero_is_a_mixup_warning() {
    for barcode in ["200121958529", "00200121958529"] {
        let mut d = valid_draft();
        d.barcode = some(barcode);
        let p = only(&check(&d), C::GtinNtinMixup);
        assert_eq!(p.severity, Severity::Warning);
        assert!(p.message.contains("0200121958529"), "{}", p.message);
    }
}

#[test]
fn an_invalid_barcode_is_only_a_warning() {
    for barcode in ["4006381333932", "12345", "40063813339 31", "abc"] {
        let mut d = valid_draft();
        d.barcode = some(barcode);
        let problems = check(&d);
        let p = only(&problems, C::InvalidBarcode);
        assert_eq!((p.field.as_str(), p.severity), ("gtin", Severity::Warning));
        assert!(p.message.contains("without a GTIN"), "{}", p.message);
        assert!(is_submittable(&problems));
    }
}

#[test]
fn a_valid_gtin_of_any_length_or_no_barcode_is_fine() {
    for barcode in [
        None,
        some("40084077"),
        some("034000338955"),
        some("04630529181414"),
    ] {
        let mut d = valid_draft();
        d.barcode = barcode;
        assert!(check(&d).is_empty());
    }
}

#[test]
fn a_gtin_in_a_restricted_range_is_a_warning() {
    let mut d = valid_draft();
    d.barcode = some("2000000000008");
    let p = only(&check(&d), C::InvalidBarcode);
    assert_eq!(p.severity, Severity::Warning);
    assert!(
        p.message.contains("restricted circulation"),
        "{}",
        p.message
    );
}

#[test]
fn a_gtin_in_the_ntin_field_is_a_mixup_and_a_bad_ntin_is_invalid() {
    let mut d = valid_draft();
    d.ntin = some("4006381333931");
    let p = only(&check(&d), C::GtinNtinMixup);
    assert_eq!((p.field.as_str(), p.severity), ("ntin", Severity::Error));
    d.ntin = some("0200121958528");
    let p = only(&check(&d), C::InvalidBarcode);
    assert_eq!((p.field.as_str(), p.severity), ("ntin", Severity::Error));
    d.ntin = some("0200121958529");
    assert!(check(&d).is_empty());
}

#[test]
fn a_malformed_xtin_is_invalid_but_no_check_digit_is_needed() {
    for xtin in [
        "4000000000000",
        "004123456789",
        "00412345678901",
        "004123456789a",
    ] {
        let mut d = valid_draft();
        d.xtin = some(xtin);
        let p = only(&check(&d), C::InvalidXtin);
        assert_eq!((p.field.as_str(), p.severity), ("xtin", Severity::Error));
    }
    let mut d = valid_draft();
    d.xtin = some("0041234567890"); // fails mod-10, still fine
    assert!(check(&d).is_empty());
}

#[test]
fn a_missing_tnved_is_an_error() {
    let mut d = valid_draft();
    d.tnved = None;
    let problems = check(&d);
    assert_eq!(only(&problems, C::MissingTnved).severity, Severity::Error);
    assert!(with_code(&problems, C::MissingRequired).is_empty());
}

#[test]
fn a_tnved_that_is_not_10_digits_is_malformed() {
    for tnved in [
        "180632100",
        "18063210001",
        "1806.32.10",
        "1806321000@6810190001",
    ] {
        let mut d = valid_draft();
        d.tnved = some(tnved);
        let problems = check(&d);
        assert_eq!(only(&problems, C::TnvedFormat).field, "tnved");
        assert!(with_code(&problems, C::UnknownTnved).is_empty());
    }
}

#[test]
fn a_tnved_missing_from_the_dictionary_is_unknown() {
    let mut d = valid_draft();
    d.tnved = some("9999999999");
    assert_eq!(only(&check(&d), C::UnknownTnved).severity, Severity::Error);
    d.tnved = some("6810190001");
    assert!(check(&d).is_empty());
}

#[test]
fn a_missing_unit_or_quantity_is_a_missing_measure() {
    for (unit, qty) in [(None, None), (None, some("1")), (some("796"), some(" "))] {
        let mut d = valid_draft();
        d.measure_unit = unit;
        d.measure_qty = qty;
        let problems = check(&d);
        let p = only(&problems, C::MissingMeasure);
        assert_eq!((p.field.as_str(), p.severity), ("measure", Severity::Error));
        assert!(with_code(&problems, C::MissingRequired).is_empty());
    }
}

#[test]
fn a_quantity_that_is_not_a_positive_number_is_invalid() {
    for qty in ["0", "-1", "abc", "1,5", "1e3", "NaN", "inf"] {
        let mut d = valid_draft();
        d.measure_qty = some(qty);
        let p = only(&check(&d), C::InvalidMeasure);
        assert_eq!(p.field, "quantity", "{qty}");
    }
    let mut d = valid_draft();
    d.measure_qty = some("0.5");
    assert!(check(&d).is_empty());
}

#[test]
fn a_unit_missing_from_the_measure_dictionary_is_invalid() {
    let mut d = valid_draft();
    d.measure_unit = some("999");
    let p = only(&check(&d), C::InvalidMeasure);
    assert_eq!(p.field, "measure_unit");
}

#[test]
fn a_unit_is_not_checked_when_the_measure_dictionary_is_unknown() {
    let mut schema = schema();
    if let Some(measure) = schema.base.iter_mut().find(|d| d.code == "measure") {
        measure.children[0].dictionary_code = Some("OKEI_NOT_CACHED".into());
    }
    let mut d = valid_draft();
    d.measure_unit = some("999");
    assert!(check_card(&d, &schema, &TestDicts).is_empty());
}

#[test]
fn a_missing_country_is_an_error_only_when_the_schema_requires_it() {
    let mut d = valid_draft();
    d.country = None;
    assert_eq!(
        only(&check(&d), C::MissingCountry).severity,
        Severity::Error
    );
    let mut schema = schema();
    schema.base.retain(|a| a.code != "country");
    let problems = check_card(&d, &schema, &TestDicts);
    assert_eq!(
        only(&problems, C::MissingCountry).severity,
        Severity::Warning
    );
    assert!(is_submittable(&problems));
}

#[test]
fn a_country_that_is_not_an_alpha_2_code_of_the_dictionary_is_unknown() {
    for country in ["kz", "KAZ", "Казахстан", "K1", "XX"] {
        let mut d = valid_draft();
        d.country = some(country);
        let p = only(&check(&d), C::UnknownCountry);
        assert_eq!((p.field.as_str(), p.severity), ("country", Severity::Error));
    }
}

#[test]
fn problems_come_errors_first_then_by_field() {
    let mut d = valid_draft();
    d.barcode = some("12345"); // warning on gtin
    d.tnved = some("1"); // error on tnved
    d.oktru = None; // error on oktru
    d.name_kk = d.name_ru.clone(); // warning on name_kk
    let got: Vec<_> = summary(&check(&d))
        .into_iter()
        .map(|(f, _, s)| (f, s))
        .collect();
    let want = [
        ("oktru", Severity::Error),
        ("tnved", Severity::Error),
        ("gtin", Severity::Warning),
        ("name_kk", Severity::Warning),
    ];
    let want: Vec<_> = want.iter().map(|(f, s)| ((*f).to_owned(), *s)).collect();
    assert_eq!(got, want);
}

#[test]
fn is_submittable_means_no_error() {
    let problem = |severity| CardProblem {
        field: "x".into(),
        code: C::TooLong,
        severity,
        message: String::new(),
    };
    assert!(is_submittable(&[]));
    assert!(is_submittable(&[
        problem(Severity::Warning),
        problem(Severity::Info)
    ]));
    assert!(!is_submittable(&[
        problem(Severity::Info),
        problem(Severity::Error)
    ]));
}

#[test]
fn codes_have_unique_screaming_snake_names_matching_serde() {
    let mut seen = std::collections::HashSet::new();
    for code in CardProblemCode::ALL {
        let name = code.as_str();
        assert!(seen.insert(name), "{name} twice");
        assert!(name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'));
        assert_eq!(serde_json::to_value(code).unwrap(), name);
        assert_eq!(CardProblemCode::parse(name), Some(code));
    }
    assert_eq!(seen.len(), 30);
    assert_eq!(C::GtinNtinMixup.as_str(), "GTIN_NTIN_MIXUP");
    assert_eq!(Severity::Warning.as_str(), "WARNING");
    assert_eq!(serde_json::to_value(Severity::Error).unwrap(), "ERROR");
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,30}",
        "[0-9]{0,15}",
        "[0-9-]{4,24}",
        "[0-9@ ]{0,22}",
        "[a-zA-Zа-яәғқ .,]{0,12}",
    ]
}

fn any_attr() -> impl Strategy<Value = AttrValue> {
    let code = prop_oneof![
        Just("colors".to_owned()),
        Just("net_weight_g".to_owned()),
        Just("package_dimensions".to_owned()),
        Just("measure".to_owned()),
        Just("material".to_owned()),
        Just("is_domestic".to_owned()),
        any_text(),
    ];
    (
        code,
        any_text(),
        proptest::collection::vec((any_text(), any_text()), 0..3),
    )
        .prop_map(|(code, value, parts)| AttrValue {
            code,
            value,
            parts: parts
                .into_iter()
                .map(|(c, v)| AttrValue::new(c, v))
                .collect(),
        })
}

fn any_draft() -> impl Strategy<Value = CardDraft> {
    use proptest::collection::vec;
    let image = (any_text(), 0usize..6).prop_map(|(file_name, side)| ImageRef {
        file_name,
        image_type: [
            ImageType::Front,
            ImageType::Back,
            ImageType::Left,
            ImageType::Right,
            ImageType::Top,
            ImageType::Bottom,
        ][side],
    });
    let custom =
        (any_text(), any_text(), any_text()).prop_map(|(name_ru, name_kk, value)| CustomAttr {
            name_ru,
            name_kk,
            value,
        });
    (
        vec(proptest::option::of(any_text()), 13),
        any::<(bool, bool)>(),
        vec(any_attr(), 0..4),
        vec(any_attr(), 0..4),
        vec(any_attr(), 0..4),
        vec(custom, 0..3),
        vec(image, 0..4),
        vec(any_text(), 0..3),
    )
        .prop_map(
            |(f, (is_gov, auto_publication), a, m, x, c, images, documents)| {
                let field = |i: usize| f.get(i).cloned().flatten();
                CardDraft {
                    barcode: field(0),
                    ntin: field(1),
                    xtin: field(2),
                    oktru: field(3),
                    tnved: field(4),
                    name_ru: field(5),
                    name_kk: field(6),
                    short_name_ru: field(7),
                    short_name_kk: field(8),
                    brand: field(9),
                    country: field(10),
                    measure_unit: field(11),
                    measure_qty: field(12),
                    is_gov,
                    attributes: a,
                    main_extended: m,
                    additional_extended: x,
                    custom_extended: c,
                    images,
                    documents,
                    auto_publication,
                    locked: None,
                }
            },
        )
}

proptest! {
    #[test]
    fn check_card_never_panics_and_sorts_its_output(draft in any_draft()) {
        let problems = check(&draft);
        for pair in problems.windows(2) {
            prop_assert!((pair[0].severity, &pair[0].field) <= (pair[1].severity, &pair[1].field));
        }
        prop_assert!(problems.iter().all(|p| !p.message.is_empty() && !p.field.is_empty()));
        let body = to_request_attributes(&draft);
        prop_assert_eq!(body.is_gov, draft.is_gov);
        prop_assert_eq!(body.image_files.len(), draft.images.len());
    }
}
