//! The simulator's dictionaries: OKTRU (a tree, from `catalog_data`), TNVED (flat, a few hundred 10-digit
//! codes), COUNTRY (ISO alpha-2) and MEASURE (OKEI unit codes). [`Dictionaries`] holds them as the
//! `DictionaryItemDto` lists the dictionary endpoints page through.

use std::collections::{HashMap, HashSet};

use nct::dto::{DictionaryItemDto, DictionaryItemProperties, PortalAttributeObjectDto};

use super::catalog_data::{OKTRU, OKTRU_FIRST_ID};

/// Fixed timestamp of every dictionary item.
const ITEM_DATE: &str = "2025-10-26T01:15:32";

/// TNVED headings (4 digits) the simulator knows: `(heading, name_ru, name_kk)`.
const TNVED_HEADINGS: &[(&str, &str, &str)] = &[
    ("0401", "Молоко и сливки", "Сүт және кілегей"),
    ("0406", "Сыры и творог", "Ірімшіктер мен сүзбе"),
    ("0902", "Чай", "Шай"),
    ("0901", "Кофе", "Кофе"),
    (
        "1701",
        "Сахар тростниковый или свекловичный",
        "Қамыс немесе қызылша қанты",
    ),
    (
        "1704",
        "Кондитерские изделия из сахара",
        "Қанттан жасалған кондитерлік өнімдер",
    ),
    (
        "1806",
        "Шоколад и прочие продукты, содержащие какао",
        "Шоколад және какао бар өнімдер",
    ),
    ("1902", "Макаронные изделия", "Макарон өнімдері"),
    (
        "1905",
        "Хлеб, мучные кондитерские изделия, печенье",
        "Нан, ұннан жасалған кондитерлік өнімдер, печенье",
    ),
    ("2009", "Соки фруктовые", "Жеміс шырындары"),
    (
        "2202",
        "Воды минеральные и газированные",
        "Минералды және газдалған сулар",
    ),
    ("3303", "Духи и туалетная вода", "Әтір және иіссу"),
    ("3304", "Косметические средства", "Косметикалық құралдар"),
    ("3305", "Средства для волос", "Шашқа арналған құралдар"),
    ("3401", "Мыло", "Сабын"),
    ("3402", "Моющие средства", "Жуғыш заттар"),
    ("3924", "Посуда пластмассовая", "Пластмасса ыдыс"),
    (
        "4202",
        "Сумки, чемоданы, футляры",
        "Сөмкелер, чемодандар, қаптар",
    ),
    (
        "4818",
        "Бумага туалетная, салфетки",
        "Дәретхана қағазы, майлықтар",
    ),
    ("6109", "Футболки трикотажные", "Трикотаж футболкалар"),
    (
        "6403",
        "Обувь с верхом из кожи",
        "Былғары үсті бар аяқ киім",
    ),
    (
        "6810",
        "Изделия из цемента и бетона",
        "Цемент пен бетоннан жасалған бұйымдар",
    ),
    ("6911", "Посуда фарфоровая", "Фарфор ыдыс"),
    (
        "7323",
        "Изделия столовые из стали",
        "Болаттан жасалған ас үй бұйымдары",
    ),
    ("8450", "Машины стиральные", "Кір жуғыш машиналар"),
    ("8517", "Телефонные аппараты", "Телефон аппараттары"),
    (
        "8528",
        "Мониторы и телевизоры",
        "Мониторлар мен теледидарлар",
    ),
    ("9401", "Мебель для сидения", "Отыруға арналған жиһаз"),
    ("9503", "Игрушки", "Ойыншықтар"),
    (
        "9619",
        "Подгузники и гигиенические изделия",
        "Жөргектер және гигиеналық бұйымдар",
    ),
];

/// Sub-subheading suffixes combined with every heading (gives 30 × 12 = 360 codes, including
/// `6810190001`, `1806321000`, `3305100000`, `9503007000`, `0902100000`, `4202920000`).
const TNVED_SUFFIXES: &[&str] = &[
    "100000", "190001", "200000", "300000", "321000", "329000", "900000", "007000", "920000",
    "311000", "130000", "190009",
];

/// Countries: `(alpha-2, name_ru, name_kk)`.
pub const COUNTRIES: &[(&str, &str, &str)] = &[
    ("KZ", "Казахстан", "Қазақстан"),
    ("RU", "Россия", "Ресей"),
    ("CN", "Китай", "Қытай"),
    ("KG", "Кыргызстан", "Қырғызстан"),
    ("UZ", "Узбекистан", "Өзбекстан"),
    ("BY", "Беларусь", "Беларусь"),
    ("AM", "Армения", "Армения"),
    ("TJ", "Таджикистан", "Тәжікстан"),
    ("TM", "Туркменистан", "Түрікменстан"),
    ("AZ", "Азербайджан", "Әзірбайжан"),
    ("GE", "Грузия", "Грузия"),
    ("MN", "Монголия", "Моңғолия"),
    ("TR", "Турция", "Түркия"),
    ("DE", "Германия", "Германия"),
    ("FR", "Франция", "Франция"),
    ("IT", "Италия", "Италия"),
    ("ES", "Испания", "Испания"),
    ("PL", "Польша", "Польша"),
    ("NL", "Нидерланды", "Нидерланды"),
    ("BE", "Бельгия", "Бельгия"),
    ("CH", "Швейцария", "Швейцария"),
    ("AT", "Австрия", "Австрия"),
    ("CZ", "Чехия", "Чехия"),
    ("GB", "Великобритания", "Ұлыбритания"),
    ("US", "США", "АҚШ"),
    ("BR", "Бразилия", "Бразилия"),
    ("JP", "Япония", "Жапония"),
    ("KR", "Республика Корея", "Корея Республикасы"),
    ("IN", "Индия", "Үндістан"),
    ("VN", "Вьетнам", "Вьетнам"),
    ("TH", "Таиланд", "Тайланд"),
    ("ID", "Индонезия", "Индонезия"),
    ("MY", "Малайзия", "Малайзия"),
    (
        "AE",
        "Объединённые Арабские Эмираты",
        "Біріккен Араб Әмірліктері",
    ),
    ("IR", "Иран", "Иран"),
    ("PK", "Пакистан", "Пәкістан"),
    ("EG", "Египет", "Мысыр"),
    ("LK", "Шри-Ланка", "Шри-Ланка"),
    ("KE", "Кения", "Кения"),
    ("UA", "Украина", "Украина"),
];

/// Units (OKEI): `(code, name_ru, name_kk)`. Requests may send codes without leading zeros (`55`).
pub const MEASURES: &[(&str, &str, &str)] = &[
    ("796", "Штука", "Дана"),
    ("166", "Килограмм", "Килограмм"),
    ("163", "Грамм", "Грамм"),
    ("112", "Литр", "Литр"),
    (
        "111",
        "Кубический сантиметр (миллилитр)",
        "Текше сантиметр (миллилитр)",
    ),
    ("113", "Кубический метр", "Текше метр"),
    ("055", "Квадратный метр", "Шаршы метр"),
    ("006", "Метр", "Метр"),
    ("004", "Сантиметр", "Сантиметр"),
    ("003", "Миллиметр", "Миллиметр"),
    ("168", "Тонна", "Тонна"),
    ("715", "Пара", "Жұп"),
    ("778", "Упаковка", "Қаптама"),
    ("736", "Рулон", "Орама"),
    ("839", "Комплект", "Жиынтық"),
    ("657", "Изделие", "Бұйым"),
];

/// Names of the dictionaries, as listed by `GET /dictionaries`: `(code, name_ru, name_kk)`.
const DICTIONARY_NAMES: &[(&str, &str, &str)] = &[
    (
        "OKTRU",
        "Общий классификатор товаров, работ и услуг",
        "Тауарлардың, жұмыстардың және көрсетілетін қызметтердің жалпы жіктеуіші",
    ),
    ("TNVED", "ТН ВЭД ЕАЭС", "ЕАЭО СЭҚ ТН"),
    ("COUNTRY", "Страны мира", "Әлем елдері"),
    ("MEASURE", "Единицы измерения", "Өлшем бірліктері"),
];

/// All dictionaries, ready to serve.
#[derive(Debug)]
pub struct Dictionaries {
    /// Upper-case code → items in id order.
    items: HashMap<&'static str, Vec<DictionaryItemDto>>,
    tnved_codes: HashSet<String>,
}

fn item(
    id: i64,
    parent_id: Option<i64>,
    code: &str,
    level: i32,
    has_child: bool,
    ru: &str,
    kk: &str,
) -> DictionaryItemDto {
    DictionaryItemDto {
        id,
        parent_id,
        code: code.to_owned(),
        level,
        has_child,
        properties: DictionaryItemProperties {
            code: code.to_owned(),
            name_kk: kk.to_owned(),
            name_ru: ru.to_owned(),
        },
        is_deleted: false,
        created_date: Some(ITEM_DATE.to_owned()),
        updated_date: Some(ITEM_DATE.to_owned()),
        // The fields the spec's declared shape of roots/children (an attribute object) requires.
        name_ru: Some(ru.to_owned()),
        name_kk: Some(kk.to_owned()),
        data_type: Some("dictionary".to_owned()),
    }
}

impl Dictionaries {
    /// Builds every dictionary (a few hundred items; microseconds).
    pub fn build() -> Self {
        let mut items = HashMap::new();

        let oktru = OKTRU
            .iter()
            .enumerate()
            .map(|(i, (code, ru, kk))| {
                let parent = code
                    .rsplit_once('-')
                    .and_then(|(p, _)| super::catalog_data::oktru_id(p));
                let has_child = OKTRU
                    .iter()
                    .any(|(c, _, _)| c.len() > code.len() && c.starts_with(&format!("{code}-")));
                let level = super::catalog_data::oktru_level(code);
                item(
                    OKTRU_FIRST_ID + i as i64,
                    parent,
                    code,
                    level,
                    has_child,
                    ru,
                    kk,
                )
            })
            .collect();
        items.insert("OKTRU", oktru);

        let mut tnved = Vec::new();
        for (heading, ru, kk) in TNVED_HEADINGS {
            for suffix in TNVED_SUFFIXES {
                let code = format!("{heading}{suffix}");
                let name_ru = format!("{ru}, подсубпозиция {code}");
                let name_kk = format!("{kk}, қосалқы субпозиция {code}");
                tnved.push(item(
                    27_000 + tnved.len() as i64,
                    None,
                    &code,
                    1,
                    false,
                    &name_ru,
                    &name_kk,
                ));
            }
        }
        tnved.sort_by(|a, b| a.code.cmp(&b.code));
        let tnved_codes = tnved.iter().map(|i| i.code.clone()).collect();
        items.insert("TNVED", tnved);

        let flat = |first: i64, table: &[(&str, &str, &str)]| -> Vec<DictionaryItemDto> {
            table
                .iter()
                .enumerate()
                .map(|(i, (c, ru, kk))| item(first + i as i64, None, c, 1, false, ru, kk))
                .collect()
        };
        items.insert("COUNTRY", flat(500, COUNTRIES));
        items.insert("MEASURE", flat(800, MEASURES));
        Self { items, tnved_codes }
    }

    /// The dictionary list (declared as attribute objects in the spec).
    pub fn list(&self) -> Vec<PortalAttributeObjectDto> {
        DICTIONARY_NAMES
            .iter()
            .map(|(code, ru, kk)| PortalAttributeObjectDto {
                code: (*code).to_owned(),
                name_ru: Some((*ru).to_owned()),
                name_kk: Some((*kk).to_owned()),
                data_type: Some("dictionary".to_owned()),
                dictionary_code: Some((*code).to_owned()),
                ..PortalAttributeObjectDto::default()
            })
            .collect()
    }

    /// Items of a dictionary; the code is case-insensitive.
    pub fn items(&self, code: &str) -> Option<&[DictionaryItemDto]> {
        self.items
            .get(code.to_ascii_uppercase().as_str())
            .map(Vec::as_slice)
    }

    /// Root items: level 1 of a tree, every item of a flat dictionary.
    pub fn roots(&self, code: &str) -> Option<Vec<DictionaryItemDto>> {
        Some(
            self.items(code)?
                .iter()
                .filter(|i| i.parent_id.is_none())
                .cloned()
                .collect(),
        )
    }

    /// Children of `parent_id`.
    pub fn children(&self, code: &str, parent_id: i64) -> Option<Vec<DictionaryItemDto>> {
        Some(
            self.items(code)?
                .iter()
                .filter(|i| i.parent_id == Some(parent_id))
                .cloned()
                .collect(),
        )
    }

    /// True when `code` is a TNVED code of the dictionary.
    pub fn has_tnved(&self, code: &str) -> bool {
        self.tnved_codes.contains(code)
    }

    /// True when `code` is a country of the dictionary.
    pub fn has_country(code: &str) -> bool {
        COUNTRIES
            .iter()
            .any(|(c, _, _)| c.eq_ignore_ascii_case(code))
    }

    /// True when `code` is a unit of the dictionary (leading zeros optional: `55` == `055`).
    pub fn has_measure(code: &str) -> bool {
        let want = code.trim_start_matches('0');
        !code.is_empty()
            && MEASURES
                .iter()
                .any(|(c, _, _)| c.trim_start_matches('0') == want)
    }

    /// The country entry for a card's `values` block.
    pub fn country(code: &str) -> Option<(&'static str, &'static str, &'static str)> {
        COUNTRIES
            .iter()
            .copied()
            .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
    }
}
