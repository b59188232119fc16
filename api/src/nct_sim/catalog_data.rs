//! The simulator's category and attribute tables: a small OKTRU tree (4 levels, 4-4-4-9 digit codes), the
//! base attribute schema served by `/products/requests/attributes`, and the extended (gov) attribute sets
//! served by `/categories/{oktru}/gov-attributes`.
//!
//! Everything the simulator checks at moderation is read from these tables, so the card-check code of the
//! app can rely on the same codes, dictionaries and patterns. Dictionaries (TNVED, COUNTRY, MEASURE) are in
//! `dict_data.rs`.

use infra::nct::dto::{PortalAncestor, PortalAttributeObjectDto};

/// First id of the OKTRU dictionary items (the spec's `parentId` example).
pub const OKTRU_FIRST_ID: i64 = 9_125_264;

/// One OKTRU node: `(code, name_ru, name_kk)`. Parents come before their children.
pub const OKTRU: &[(&str, &str, &str)] = &[
    (
        "1020",
        "Продукты питания и напитки",
        "Тамақ өнімдері және сусындар",
    ),
    ("1020-0011", "Кондитерские изделия", "Кондитерлік өнімдер"),
    (
        "1020-0011-0003",
        "Шоколад и изделия из шоколада",
        "Шоколад және шоколад өнімдері",
    ),
    (
        "1020-0011-0003-100006374",
        "Шоколадные батончики",
        "Шоколад батончиктері",
    ),
    (
        "1020-0011-0003-100006375",
        "Шоколад плиточный",
        "Тақта шоколад",
    ),
    ("1020-0011-0005", "Печенье и вафли", "Печенье және вафли"),
    (
        "1020-0011-0005-100006410",
        "Печенье сладкое",
        "Тәтті печенье",
    ),
    ("1020-0013", "Чай и кофе", "Шай және кофе"),
    ("1020-0013-0001", "Чай", "Шай"),
    ("1020-0013-0001-100008101", "Чай зеленый", "Көк шай"),
    ("1020-0013-0001-100008102", "Чай черный", "Қара шай"),
    ("1024", "Средства связи", "Байланыс құралдары"),
    ("1024-0001", "Оборудование связи", "Байланыс жабдықтары"),
    (
        "1024-0001-0003",
        "Устройства мобильной связи",
        "Ұялы байланыс құрылғылары",
    ),
    (
        "1024-0001-0003-100007979",
        "Мобильные телефоны",
        "Ұялы телефондар",
    ),
    (
        "1046",
        "Косметика и средства гигиены",
        "Косметика және гигиена құралдары",
    ),
    (
        "1046-0002",
        "Средства для ухода за волосами",
        "Шаш күтіміне арналған құралдар",
    ),
    ("1046-0002-0001", "Шампуни", "Сусабындар"),
    (
        "1046-0002-0001-100012001",
        "Шампуни для волос",
        "Шашқа арналған сусабындар",
    ),
    (
        "1071",
        "Кожгалантерея и сумки",
        "Былғары бұйымдар және сөмкелер",
    ),
    ("1071-0001", "Сумки", "Сөмкелер"),
    (
        "1071-0001-0004",
        "Сумки для гаджетов",
        "Гаджеттерге арналған сөмкелер",
    ),
    (
        "1071-0001-0004-100043098",
        "Сумки для планшетов",
        "Планшеттерге арналған сөмкелер",
    ),
    ("1090", "Игрушки и игры", "Ойыншықтар мен ойындар"),
    ("1090-0003", "Игрушки", "Ойыншықтар"),
    ("1090-0003-0002", "Конструкторы", "Конструкторлар"),
    (
        "1090-0003-0002-100051234",
        "Конструкторы пластиковые",
        "Пластик конструкторлар",
    ),
    ("1113", "Строительные материалы", "Құрылыс материалдары"),
    ("1113-0012", "Изделия из бетона", "Бетон бұйымдары"),
    ("1113-0012-0024", "Плиты бетонные", "Бетон плиталар"),
    (
        "1113-0012-0024-100100228",
        "Плиты тротуарные",
        "Тротуар плиталары",
    ),
];

/// What the seed generator and the gov-attributes endpoint need to know about a leaf category.
#[derive(Debug, Clone, Copy)]
pub struct Leaf {
    /// Level-4 OKTRU code.
    pub code: &'static str,
    /// Typical TNVED code of the category's cards.
    pub tnved: &'static str,
    /// Product noun for generated names, Russian.
    pub noun_ru: &'static str,
    /// Product noun for generated names, Kazakh.
    pub noun_kk: &'static str,
    /// Typical MEASURE unit.
    pub measure_unit: &'static str,
    /// The category's additional extended attributes.
    pub additional: &'static [GovAttr],
}

/// Leaves in a fixed order: seed card `i` belongs to `LEAVES[i % LEAVES.len()]`.
pub const LEAVES: &[Leaf] = &[
    Leaf {
        code: "1020-0011-0003-100006374",
        tnved: "1806321000",
        noun_ru: "Батончик шоколадный",
        noun_kk: "Шоколад батончигі",
        measure_unit: "796",
        additional: FOOD_SWEET,
    },
    Leaf {
        code: "1020-0011-0003-100006375",
        tnved: "1806329000",
        noun_ru: "Шоколад молочный",
        noun_kk: "Сүт шоколады",
        measure_unit: "796",
        additional: FOOD_SWEET,
    },
    Leaf {
        code: "1020-0011-0005-100006410",
        tnved: "1905311000",
        noun_ru: "Печенье сахарное",
        noun_kk: "Қант печеньесі",
        measure_unit: "796",
        additional: FOOD,
    },
    Leaf {
        code: "1020-0013-0001-100008101",
        tnved: "0902100000",
        noun_ru: "Чай зеленый",
        noun_kk: "Көк шай",
        measure_unit: "796",
        additional: TEA,
    },
    Leaf {
        code: "1020-0013-0001-100008102",
        tnved: "0902300000",
        noun_ru: "Чай черный",
        noun_kk: "Қара шай",
        measure_unit: "796",
        additional: TEA,
    },
    Leaf {
        code: "1024-0001-0003-100007979",
        tnved: "8517130000",
        noun_ru: "Смартфон",
        noun_kk: "Смартфон",
        measure_unit: "796",
        additional: PHONES,
    },
    Leaf {
        code: "1046-0002-0001-100012001",
        tnved: "3305100000",
        noun_ru: "Шампунь",
        noun_kk: "Сусабын",
        measure_unit: "796",
        additional: COSMETICS,
    },
    Leaf {
        code: "1071-0001-0004-100043098",
        tnved: "4202920000",
        noun_ru: "Сумка для планшета",
        noun_kk: "Планшетке арналған сөмке",
        measure_unit: "796",
        additional: BAGS,
    },
    Leaf {
        code: "1090-0003-0002-100051234",
        tnved: "9503007000",
        noun_ru: "Конструктор",
        noun_kk: "Конструктор",
        measure_unit: "796",
        additional: TOYS,
    },
    Leaf {
        code: "1113-0012-0024-100100228",
        tnved: "6810190001",
        noun_ru: "Плита тротуарная",
        noun_kk: "Тротуар плитасы",
        measure_unit: "055",
        additional: CONCRETE,
    },
];

/// The leaf with this code.
pub fn leaf(code: &str) -> Option<&'static Leaf> {
    LEAVES.iter().find(|l| l.code == code)
}

/// Index of an OKTRU code in [`OKTRU`].
pub fn oktru_index(code: &str) -> Option<usize> {
    OKTRU.iter().position(|(c, _, _)| *c == code)
}

/// Dictionary id of an OKTRU code.
pub fn oktru_id(code: &str) -> Option<i64> {
    oktru_index(code).map(|i| OKTRU_FIRST_ID + i as i64)
}

/// Level of an OKTRU code (1..=4), from its shape.
pub fn oktru_level(code: &str) -> i32 {
    code.split('-').count() as i32
}

/// True when the code is a level-4 node of the tree.
pub fn is_leaf(code: &str) -> bool {
    oktru_level(code) == 4 && oktru_index(code).is_some()
}

/// The four ancestors (level 1 … 4) of a leaf, as cards and requests show them. Empty for unknown codes.
pub fn ancestors(code: &str) -> Vec<PortalAncestor> {
    if oktru_index(code).is_none() {
        return Vec::new();
    }
    let parts: Vec<&str> = code.split('-').collect();
    (1..=parts.len())
        .filter_map(|n| {
            let prefix = parts[..n].join("-");
            let (c, ru, kk) = OKTRU[oktru_index(&prefix)?];
            Some(PortalAncestor {
                level: n as i32,
                code: c.to_owned(),
                name_ru: Some(ru.to_owned()),
                name_kk: Some(kk.to_owned()),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// Attribute schema
// ---------------------------------------------------------------------------------------------------------

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
            data_type: (!compound).then(|| self.data_type.to_owned()),
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

const FOOD: &[GovAttr] = &[
    ("sostav", "Состав", "Құрамы", "text", true, false),
    (
        "srok_godnosti",
        "Срок годности",
        "Жарамдылық мерзімі",
        "string",
        true,
        true,
    ),
];
const FOOD_SWEET: &[GovAttr] = &[
    ("sostav", "Состав", "Құрамы", "text", true, false),
    (
        "srok_godnosti",
        "Срок годности",
        "Жарамдылық мерзімі",
        "string",
        true,
        true,
    ),
    (
        "dolya_kakao",
        "Массовая доля какао",
        "Какао үлесі",
        "number",
        false,
        false,
    ),
];
const TEA: &[GovAttr] = &[
    ("vid_chaya", "Вид чая", "Шай түрі", "string", true, false),
    (
        "srok_godnosti",
        "Срок годности",
        "Жарамдылық мерзімі",
        "string",
        true,
        true,
    ),
];
const PHONES: &[GovAttr] = &[
    ("color", "Цвет", "Түсі", "string", false, false),
    (
        "obem_pamyati",
        "Объём памяти",
        "Жад көлемі",
        "string",
        true,
        false,
    ),
    (
        "kolichestvo_sim",
        "Количество SIM-карт",
        "SIM-карталар саны",
        "number",
        false,
        false,
    ),
];
const COSMETICS: &[GovAttr] = &[
    ("tip_volos", "Тип волос", "Шаш түрі", "string", false, false),
    ("sostav", "Состав", "Құрамы", "text", true, false),
];
const BAGS: &[GovAttr] = &[
    ("material", "Материал", "Материал", "string", true, false),
    ("color", "Цвет", "Түсі", "string", false, false),
];
const TOYS: &[GovAttr] = &[
    (
        "vozrast",
        "Возрастная группа",
        "Жас тобы",
        "string",
        true,
        false,
    ),
    ("material", "Материал", "Материал", "string", false, false),
    (
        "kolichestvo_detaley",
        "Количество деталей",
        "Бөлшектер саны",
        "number",
        false,
        false,
    ),
];
const CONCRETE: &[GovAttr] = &[
    ("material", "Материал", "Материал", "string", false, false),
    (
        "marka_prochnosti",
        "Марка прочности",
        "Беріктік маркасы",
        "string",
        true,
        false,
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
        data_type: (!compound).then(|| data_type.to_owned()),
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

/// True when `code` is an additional extended attribute of any category.
pub fn is_gov_additional(code: &str) -> bool {
    LEAVES
        .iter()
        .any(|l| l.additional.iter().any(|a| a.0 == code))
}
