//! The simulator's categories: a small OKTRU tree (4 levels, 4-4-4-9 digit codes), its leaves with what
//! the seed generator needs (TNVED, product nouns, unit) and each leaf's additional extended attributes
//! (served as `additionalAttributes` by `/categories/{oktru}/gov-attributes`).
//!
//! The base attribute schema and the fixed CEF set are in `attribute_data.rs`; dictionaries (TNVED,
//! COUNTRY, MEASURE) in `dict_data.rs`. Moderation reads these tables, so the app's card checks can rely on
//! the same codes.

use nct::dto::PortalAncestor;

use super::attribute_data::GovAttr;

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
    (
        "1024-0001-0009",
        "Программное обеспечение",
        "Бағдарламалық қамтамасыз ету",
    ),
    (
        "1024-0001-0009-100007990",
        "Цифровые ключи активации программного обеспечения (электронная поставка)",
        "Бағдарламалық қамтамасыз етуді белсендірудің цифрлық кілттері (электрондық жеткізу)",
    ),
    ("3000", "Работы и услуги", "Жұмыстар мен қызметтер"),
    (
        "3000-0005",
        "Услуги по ремонту и техническому обслуживанию",
        "Жөндеу және техникалық қызмет көрсету қызметтері",
    ),
    (
        "3000-0005-0001",
        "Ремонт электронной техники",
        "Электрондық техниканы жөндеу",
    ),
    (
        "3000-0005-0001-100200001",
        "Услуги по ремонту мобильных телефонов",
        "Ұялы телефондарды жөндеу қызметтері",
    ),
];

/// Roots of the works-and-services branch: NCT registers goods only, so the moderator refuses requests in
/// these categories.
pub const SERVICE_ROOTS: &[&str] = &["3000"];

/// The Russian name of the works-and-services root a code belongs to, if it does.
pub fn service_category(code: &str) -> Option<&'static str> {
    let root = code.split('-').next()?;
    SERVICE_ROOTS
        .iter()
        .find(|r| **r == root)
        .and_then(|r| OKTRU.iter().find(|(c, _, _)| c == r))
        .map(|(_, ru, _)| *ru)
}

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

/// True when `code` is an additional extended attribute of any category.
pub fn is_gov_additional(code: &str) -> bool {
    LEAVES
        .iter()
        .any(|l| l.additional.iter().any(|a| a.0 == code))
}
