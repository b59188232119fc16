//! The attribute schema: the base attributes served by `/products/requests/attributes` (with the patterns,
//! lengths and dictionaries moderation checks) and the fixed CEF set of main extended attributes served as
//! `mainAttributes` by `/categories/{oktru}/gov-attributes`. Patterns are checked by hand (no regex crate).

use nct::dto::PortalAttributeObjectDto;

/// A value pattern. The table shows the regex; the simulator checks it by hand (no regex crate here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// `^\d{n}$`.
    Digits(usize),
    /// `^{prefix}\d{n}$` (`xtin`: `^004\d{10}$`).
    PrefixDigits(&'static str, usize),
    /// GTIN-8/12/13/14.
    Gtin,
}

impl Pattern {
    /// The regex as published in the attribute schema.
    pub fn regex(self) -> String {
        match self {
            Self::Digits(n) => format!("^\\d{{{n}}}$"),
            Self::PrefixDigits(prefix, n) => format!("^{prefix}\\d{{{n}}}$"),
            Self::Gtin => "^(\\d{8}|\\d{12}|\\d{13}|\\d{14})$".to_owned(),
        }
    }

    /// Whether `value` matches.
    pub fn matches(self, value: &str) -> bool {
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        match self {
            Self::Digits(n) => digits(value, n),
            Self::PrefixDigits(prefix, n) => value
                .strip_prefix(prefix)
                .is_some_and(|rest| digits(rest, n)),
            Self::Gtin => [8, 12, 13, 14].iter().any(|n| digits(value, *n)),
        }
    }
}

/// One base attribute.
#[derive(Debug, Clone, Copy)]
pub struct BaseAttr {
    /// Attribute code.
    pub code: &'static str,
    /// Russian name.
    pub name_ru: &'static str,
    /// Kazakh name.
    pub name_kk: &'static str,
    /// string / text / number / boolean / dictionary / compound.
    pub data_type: &'static str,
    /// Checked at moderation.
    pub required: bool,
    /// Longest value.
    pub max_length: Option<i32>,
    /// Dictionary of a dictionary attribute.
    pub dictionary: Option<&'static str>,
    /// Value pattern.
    pub pattern: Option<Pattern>,
    /// Parts of a compound attribute.
    pub children: &'static [BaseAttr],
}

const fn attr(
    code: &'static str,
    name_ru: &'static str,
    name_kk: &'static str,
    data_type: &'static str,
) -> BaseAttr {
    BaseAttr {
        code,
        name_ru,
        name_kk,
        data_type,
        required: false,
        max_length: None,
        dictionary: None,
        pattern: None,
        children: &[],
    }
}

const MEASURE_PARTS: &[BaseAttr] = &[
    BaseAttr {
        required: true,
        dictionary: Some("MEASURE"),
        ..attr(
            "measure_unit",
            "Единица измерения",
            "Өлшем бірлігі",
            "dictionary",
        )
    },
    BaseAttr {
        required: true,
        ..attr("quantity", "Количество", "Саны", "number")
    },
];

/// The base attribute schema, in display order.
pub const BASE_ATTRIBUTES: &[BaseAttr] = &[
    BaseAttr {
        pattern: Some(Pattern::Gtin),
        ..attr("gtin", "Код GTIN", "GTIN коды", "string")
    },
    BaseAttr {
        pattern: Some(Pattern::PrefixDigits("02", 11)),
        ..attr("ntin", "Код НТИН", "НТИН коды", "string")
    },
    BaseAttr {
        pattern: Some(Pattern::PrefixDigits("004", 10)),
        ..attr("xtin", "Временный код XTIN", "XTIN уақытша коды", "string")
    },
    BaseAttr {
        required: true,
        max_length: Some(500),
        ..attr(
            "name_ru",
            "Полное наименование товара (рус)",
            "Тауардың толық атауы (орыс)",
            "string",
        )
    },
    BaseAttr {
        required: true,
        max_length: Some(500),
        ..attr(
            "name_kk",
            "Полное наименование товара (қаз)",
            "Тауардың толық атауы (қаз)",
            "string",
        )
    },
    BaseAttr {
        max_length: Some(100),
        ..attr(
            "short_name_ru",
            "Краткое наименование (рус)",
            "Қысқа атауы (орыс)",
            "string",
        )
    },
    BaseAttr {
        max_length: Some(100),
        ..attr(
            "short_name_kk",
            "Краткое наименование (қаз)",
            "Қысқа атауы (қаз)",
            "string",
        )
    },
    BaseAttr {
        max_length: Some(255),
        ..attr("brand", "Бренд", "Бренд", "string")
    },
    BaseAttr {
        required: true,
        dictionary: Some("TNVED"),
        pattern: Some(Pattern::Digits(10)),
        ..attr("tnved", "Код ТН ВЭД", "СЭҚ ТН коды", "dictionary")
    },
    BaseAttr {
        required: true,
        dictionary: Some("COUNTRY"),
        ..attr(
            "country",
            "Страна происхождения",
            "Шығарылған елі",
            "dictionary",
        )
    },
    BaseAttr {
        required: true,
        children: MEASURE_PARTS,
        ..attr(
            "measure",
            "Единица измерения и количество",
            "Өлшем бірлігі және саны",
            "compound",
        )
    },
    BaseAttr {
        max_length: Some(50),
        ..attr("article", "Артикул", "Артикул", "string")
    },
    BaseAttr {
        max_length: Some(50),
        ..attr("mpn_code", "Код MPN", "MPN коды", "string")
    },
    BaseAttr {
        pattern: Some(Pattern::Digits(12)),
        ..attr(
            "producer_identifier",
            "БИН/ИИН производителя",
            "Өндірушінің БСН/ЖСН",
            "string",
        )
    },
    BaseAttr {
        dictionary: Some("COUNTRY"),
        ..attr(
            "producer_country",
            "Страна производителя",
            "Өндіруші елі",
            "dictionary",
        )
    },
    BaseAttr {
        max_length: Some(255),
        ..attr(
            "a4282e5d",
            "Наименование производителя",
            "Өндірушінің атауы",
            "string",
        )
    },
    BaseAttr {
        max_length: Some(2000),
        ..attr(
            "description",
            "Описание товара",
            "Тауар сипаттамасы",
            "text",
        )
    },
    BaseAttr {
        max_length: Some(50),
        ..attr("szpt_category", "Категория СЗПТ", "ӘМАТ санаты", "string")
    },
    attr(
        "is_domestic",
        "Отечественный товар",
        "Отандық тауар",
        "boolean",
    ),
    attr("eaes", "Товар ЕАЭС", "ЕАЭО тауары", "boolean"),
    attr(
        "marking_required_status",
        "Подлежит маркировке",
        "Таңбалауға жатады",
        "boolean",
    ),
];

/// Form flags that may carry `isGov: true` inside `attributes` without being extended attributes.
pub const FORM_FLAGS: &[&str] = &["szpt_category", "is_domestic"];

/// The base attribute with this code.
pub fn base_attr(code: &str) -> Option<&'static BaseAttr> {
    BASE_ATTRIBUTES.iter().find(|a| a.code == code)
}

impl BaseAttr {
    /// The wire form served by `/products/requests/attributes`.
    pub fn to_dto(&self, order: usize) -> PortalAttributeObjectDto {
        let compound = !self.children.is_empty();
        PortalAttributeObjectDto {
            code: self.code.to_owned(),
            index: Some(order as i32),
            attribute_order: Some(order as i32),
            attribute_type: Some(
                if compound {
                    "compoundStandard"
                } else {
                    "standard"
                }
                .to_owned(),
            ),
            name_ru: Some(self.name_ru.to_owned()),
            name_kk: Some(self.name_kk.to_owned()),
            description_ru: Some(self.name_ru.to_owned()),
            description_kk: Some(self.name_kk.to_owned()),
            // `dataType` is required by the schema and its enum has no "compound": a compound
            // attribute (`attributeType` compound…) is typed `string`, its parts carry their own types.
            data_type: Some(if compound { "string" } else { self.data_type }.to_owned()),
            is_required: Some(self.required),
            is_unique: Some(matches!(
                self.code,
                "name_ru" | "name_kk" | "gtin" | "ntin" | "xtin"
            )),
            max_length: self.max_length,
            dictionary_code: self.dictionary.map(str::to_owned),
            pattern: self.pattern.map(Pattern::regex),
            min_value: (self.data_type == "number").then(|| "0".to_owned()),
            attributes: self
                .children
                .iter()
                .enumerate()
                .map(|(i, c)| c.to_dto(i + 1))
                .collect(),
            ..PortalAttributeObjectDto::default()
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Extended (gov) attributes
// ---------------------------------------------------------------------------------------------------------

/// One extended attribute: `(code, name_ru, name_kk, data_type, required_egz, required_kgd)`.
pub type GovAttr = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    bool,
);

/// The fixed CEF set (`mainExtendedAttributes`), the same for every category.
pub const GOV_MAIN: &[GovAttr] = &[
    (
        "enstrus",
        "Код ЕНС ТРУ",
        "ТЖҚ БНЖ коды",
        "string",
        true,
        false,
    ),
    (
        "gross_weight",
        "Вес брутто",
        "Брутто салмағы",
        "string",
        true,
        false,
    ),
    (
        "net_weight",
        "Вес нетто",
        "Нетто салмағы",
        "string",
        false,
        true,
    ),
    ("volume", "Объём", "Көлемі", "string", false, false),
    (
        "standards",
        "Стандарты",
        "Стандарттар",
        "string",
        true,
        false,
    ),
    (
        "package_dimensions",
        "Габариты упаковки",
        "Қаптама өлшемдері",
        "compound",
        true,
        false,
    ),
    (
        "product_dimensions",
        "Габариты товара",
        "Тауар өлшемдері",
        "compound",
        false,
        false,
    ),
];

/// Parts of the two dimension blocks.
const DIMENSION_PARTS: &[(&str, &str, &str, &str)] = &[
    ("width", "Ширина", "Ені", "number"),
    ("height", "Высота", "Биіктігі", "number"),
    ("length", "Длина", "Ұзындығы", "number"),
    (
        "dimension_measure",
        "Единица измерения",
        "Өлшем бірлігі",
        "string",
    ),
];

/// Wire form of one extended attribute; `isMain` is set on every one (it does not decide the group).
pub fn gov_attr_dto(attr: &GovAttr) -> PortalAttributeObjectDto {
    let (code, ru, kk, data_type, egz, kgd) = *attr;
    let compound = data_type == "compound";
    PortalAttributeObjectDto {
        code: code.to_owned(),
        name_ru: Some(ru.to_owned()),
        name_kk: Some(kk.to_owned()),
        attribute_type: Some("gov".to_owned()),
        data_type: Some(if compound { "string" } else { data_type }.to_owned()),
        is_main: Some(true),
        is_required: Some(egz || kgd),
        is_required_egz: Some(egz),
        is_required_kgd: Some(kgd),
        is_single: compound.then_some(true),
        attributes: if compound {
            DIMENSION_PARTS
                .iter()
                .map(|(c, r, k, t)| PortalAttributeObjectDto {
                    code: (*c).to_owned(),
                    name_ru: Some((*r).to_owned()),
                    name_kk: Some((*k).to_owned()),
                    data_type: Some((*t).to_owned()),
                    ..PortalAttributeObjectDto::default()
                })
                .collect()
        } else {
            Vec::new()
        },
        ..PortalAttributeObjectDto::default()
    }
}

/// True when `code` is one of the main (CEF) extended attributes.
pub fn is_gov_main(code: &str) -> bool {
    GOV_MAIN.iter().any(|a| a.0 == code)
}
