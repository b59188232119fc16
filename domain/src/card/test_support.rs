//! Test fixtures: a small in-memory [`Dictionaries`], a schema shaped like NCT's, and valid drafts.

use super::*;

/// Leaf goods category.
pub const LEAF: &str = "1020-0011-0003-100006374";
/// A node that has children.
pub const GROUP: &str = "1020-0011-0003-100000000";
/// A services category.
pub const SERVICE: &str = "8610-0001-0001-100000001";

pub struct TestDicts;

impl Dictionaries for TestDicts {
    fn oktru(&self, code: &str) -> Option<OktruNode> {
        let (is_leaf, path) = match code {
            LEAF => (true, vec!["Продукты питания и напитки".to_owned()]),
            GROUP | "1020-0011-0003" => (false, vec!["Продукты питания и напитки".to_owned()]),
            SERVICE => (true, vec!["Работы и услуги".to_owned()]),
            _ => return None,
        };
        Some(OktruNode {
            code: code.to_owned(),
            name_ru: "Категория".to_owned(),
            is_leaf,
            path,
        })
    }

    fn tnved_exists(&self, code: &str) -> bool {
        matches!(code, "1806321000" | "6810190001")
    }

    fn dictionary_has(&self, dictionary: &str, code: &str) -> Option<bool> {
        let known: &[&str] = match dictionary {
            "COUNTRY" => &["KZ", "RU", "CN"],
            "MEASURE" => &["796", "166", "055"],
            "COLOR" => &["RED", "BLUE", "GREEN"],
            _ => return None,
        };
        Some(known.contains(&code))
    }
}

pub fn def(code: &str, data_type: DataType) -> AttributeDef {
    AttributeDef {
        code: code.to_owned(),
        name_ru: format!("Атрибут {code}"),
        data_type,
        ..AttributeDef::default()
    }
}

fn with(mut d: AttributeDef, f: impl FnOnce(&mut AttributeDef)) -> AttributeDef {
    f(&mut d);
    d
}

/// Base attributes after NCT's `/products/requests/attributes` (as the simulator serves them),
/// plus a few typed extras to exercise the generic checks.
pub fn schema() -> CardSchema {
    use DataType as T;
    let s = |code| def(code, T::String);
    let base = vec![
        with(s("gtin"), |d| {
            d.pattern = Some(r"^(\d{8}|\d{12}|\d{13}|\d{14})$".into());
        }),
        with(s("ntin"), |d| d.pattern = Some(r"^02\d{11}$".into())),
        with(s("xtin"), |d| d.pattern = Some(r"^004\d{10}$".into())),
        with(s("name_ru"), |d| {
            d.required = true;
            d.max_length = Some(500);
        }),
        with(s("name_kk"), |d| {
            d.required = true;
            d.max_length = Some(500);
        }),
        with(s("short_name_ru"), |d| d.max_length = Some(100)),
        s("short_name_kk"),
        with(s("brand"), |d| d.max_length = Some(255)),
        with(def("tnved", T::Dictionary), |d| {
            d.required = true;
            d.dictionary_code = Some("TNVED".into());
            d.pattern = Some(r"^\d{10}$".into());
        }),
        with(def("country", T::Dictionary), |d| {
            d.required = true;
            d.dictionary_code = Some("COUNTRY".into());
        }),
        with(s("measure"), |d| {
            d.required = true;
            d.children = vec![
                with(def("measure_unit", T::Dictionary), |c| {
                    c.required = true;
                    c.dictionary_code = Some("MEASURE".into());
                }),
                with(def("quantity", T::Number), |c| {
                    c.required = true;
                    c.min_value = Some(0.0);
                }),
            ];
        }),
        with(s("article"), |d| d.max_length = Some(50)),
        with(s("producer_identifier"), |d| {
            d.pattern = Some(r"^\d{12}$".into());
        }),
        with(s("odd_pattern"), |d| {
            d.pattern = Some(r"^[A-Z]+-\d+$".into())
        }),
        with(def("producer_country", T::Dictionary), |d| {
            d.dictionary_code = Some("COUNTRY".into());
        }),
        with(def("net_weight_g", T::Number), |d| {
            d.min_value = Some(0.0);
            d.max_value = Some(100_000.0);
        }),
        with(def("colors", T::MultiDictionary), |d| {
            d.dictionary_code = Some("COLOR".into());
        }),
        with(def("fabric", T::Dictionary), |d| {
            d.dictionary_code = Some("UNKNOWN_DICT".into());
        }),
        with(s("szpt_category"), |d| d.max_length = Some(50)),
        def("is_domestic", T::Boolean),
        def("eaes", T::Boolean),
    ];
    let gov = |code: &str, t: T| with(def(code, t), |d| d.group = AttributeGroup::MainExtended);
    let dims = |code: &str| {
        with(gov(code, T::String), |d| {
            d.children = ["width", "height", "length"]
                .into_iter()
                .map(|c| def(c, T::Number))
                .chain([def("dimension_measure", T::String)])
                .collect();
        })
    };
    let gov_main = vec![
        gov("enstrus", T::String),
        gov("gross_weight", T::String),
        gov("net_weight", T::String),
        gov("volume", T::String),
        gov("standards", T::String),
        dims("package_dimensions"),
        dims("product_dimensions"),
    ];
    let additional = |code: &str, required: bool| {
        with(def(code, T::String), |d| {
            d.group = AttributeGroup::AdditionalExtended;
            d.required = required;
        })
    };
    CardSchema {
        base,
        gov_main,
        gov_additional: vec![
            additional("material", false),
            additional("marka_prochnosti", true),
        ],
    }
}

/// A base card that passes every rule.
pub fn valid_draft() -> CardDraft {
    let some = |s: &str| Some(s.to_owned());
    CardDraft {
        barcode: some("4006381333931"),
        oktru: some(LEAF),
        tnved: some("1806321000"),
        name_ru: some("Шоколадный батончик Demo 50 г"),
        name_kk: some("Demo шоколад батончигі 50 г"),
        short_name_ru: some("Батончик Demo"),
        short_name_kk: some("Demo батончигі"),
        brand: some("Demo"),
        country: some("KZ"),
        measure_unit: some("796"),
        measure_qty: some("1"),
        attributes: vec![
            AttrValue::new("article", "DEMO-50"),
            AttrValue::new("is_domestic", "true"),
            AttrValue::new("colors", "RED@BLUE"),
        ],
        documents: vec!["certificate.PDF".to_owned()],
        ..CardDraft::default()
    }
}

fn dims(code: &str) -> AttrValue {
    AttrValue::compound(
        code,
        vec![
            AttrValue::new("width", "10"),
            AttrValue::new("height", "2.5"),
            AttrValue::new("length", "20"),
            AttrValue::new("dimension_measure", "cm"),
        ],
    )
}

/// An extended card that passes every rule.
pub fn valid_gov_draft() -> CardDraft {
    let mut d = valid_draft();
    d.is_gov = true;
    d.main_extended = vec![
        AttrValue::new("enstrus", "107312.100.000001"),
        AttrValue::new("gross_weight", "0.055"),
        AttrValue::new("net_weight", "0.05"),
        AttrValue::new("volume", "0"),
        AttrValue::new("standards", "ГОСТ 31721-2012"),
        dims("package_dimensions"),
        dims("product_dimensions"),
    ];
    d.additional_extended = vec![AttrValue::new("marka_prochnosti", "M300")];
    d.custom_extended = vec![CustomAttr {
        name_ru: "Вкус".into(),
        name_kk: "Дәмі".into(),
        value: "Молочный".into(),
    }];
    d.images = vec![
        ImageRef {
            file_name: "front.jpg".into(),
            image_type: ImageType::Front,
        },
        ImageRef {
            file_name: "back.jpg".into(),
            image_type: ImageType::Back,
        },
    ];
    d
}

/// Runs the check with the fixtures.
pub fn check(draft: &CardDraft) -> Vec<CardProblem> {
    check_card(draft, &schema(), &TestDicts)
}

/// The problems with `code`.
pub fn with_code(problems: &[CardProblem], code: CardProblemCode) -> Vec<&CardProblem> {
    problems.iter().filter(|p| p.code == code).collect()
}

/// The single problem with `code`; fails the test otherwise.
pub fn only(problems: &[CardProblem], code: CardProblemCode) -> CardProblem {
    let found = with_code(problems, code);
    assert_eq!(found.len(), 1, "expected one {code:?} in {problems:#?}");
    found[0].clone()
}

/// `(field, code, severity)` of every problem, for compact assertions.
pub fn summary(problems: &[CardProblem]) -> Vec<(String, CardProblemCode, Severity)> {
    problems
        .iter()
        .map(|p| (p.field.clone(), p.code, p.severity))
        .collect()
}
