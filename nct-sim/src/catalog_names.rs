//! Realistic names for the seed cards: product noun, brand, product line, variant (flavour, purpose, colour,
//! set) and a measure (weight, volume, pack count, memory, screen size, pieces, dimensions), as NCT cards are
//! named: `Шоколад молочный Баян Сулу Золотой с цельным фундуком 90 г`.
//!
//! Card `i` sits in leaf `LEAVES[i % 10]` (the formula in `seed.rs`); its product within the leaf is
//! `j = i / 10`, spread over the leaf's 10 brands × 10 lines × 12 variants × 9 measures = 10,800 products by a
//! fixed permutation, so neighbouring cards differ in every part and a 100,000-card seed has no two cards with
//! one name. One card in ten leaves the brand out of the name (it is still the card's `brand`
//! attribute), as many real cards do. Brands are written in the script their owner uses (Latin or
//! Cyrillic, some with Kazakh letters), which a seller often does not.
//!
//! The second card of an ambiguous GTIN (`twin`) is the same product "в новой упаковке".

/// One leaf's vocabulary: `(ru, kk)` pairs where the languages differ.
pub struct Family {
    /// Brands as their owners write them.
    pub brands: [&'static str; 10],
    /// Product lines.
    pub lines: [(&'static str, &'static str); 10],
    /// Variants (flavour, purpose, colour, set name).
    pub variants: [(&'static str, &'static str); 12],
    /// Measures (weight, volume, count, size).
    pub measures: [(&'static str, &'static str); 9],
    /// Word order of the name.
    pub order: Order,
}

/// Where the measure goes in a name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// `noun brand line variant measure` (food, cosmetics).
    VariantThenMeasure,
    /// `noun brand line measure variant` (phones, bags, slabs).
    MeasureThenVariant,
    /// `noun brand line «variant» measure` (toy sets).
    QuotedVariant,
}

/// Products per leaf before names repeat.
pub const PER_LEAF: usize = 10 * 10 * 12 * 9;
/// The permutation step (coprime to [`PER_LEAF`]).
const STEP: usize = 7_919;

/// The vocabularies, in `LEAVES` order.
pub static FAMILIES: [Family; 10] = [
    // 1020-0011-0003-100006374 chocolate bars
    Family {
        brands: ["Рахат", "Баян Сулу", "Nomad", "Qazaq Choco", "Steppe", "Алатау", "Tau", "Dala", "Сәт", "Energy Max"],
        lines: [("Классик", "Классик"), ("Energy", "Energy"), ("Crispy", "Crispy"), ("Max", "Max"), ("Fit", "Fit"), ("Мини", "Мини"), ("Золотой", "Алтын"), ("Ночной", "Түнгі"), ("Protein", "Protein"), ("Double", "Double")],
        variants: [
            ("с арахисом и карамелью", "жержаңғақ және карамельмен"), ("с нугой", "нугамен"), ("с кокосом", "кокоспен"),
            ("с фундуком", "орман жаңғағымен"), ("с миндалем", "бадаммен"), ("с вафлей", "вафлимен"), ("с изюмом", "мейізбен"),
            ("с клубничной начинкой", "құлпынай салмасымен"), ("с банановой начинкой", "банан салмасымен"), ("с мятой", "жалбызбен"),
            ("с соленой карамелью", "тұзды карамельмен"), ("с воздушным рисом", "ауа күрішімен"),
        ],
        measures: [("20 г", "20 г"), ("35 г", "35 г"), ("40 г", "40 г"), ("45 г", "45 г"), ("50 г", "50 г"), ("55 г", "55 г"), ("75 г", "75 г"), ("80 г", "80 г"), ("100 г", "100 г")],
        order: Order::VariantThenMeasure,
    },
    // 1020-0011-0003-100006375 milk chocolate
    Family {
        brands: ["Рахат", "Баян Сулу", "Казахстан", "Nomad", "Qazaq Choco", "Alatau", "Steppe", "Dala", "Жібек", "Aru"],
        lines: [("Классический", "Классикалық"), ("Золотой", "Алтын"), ("Пористый", "Кеуекті"), ("Нежный", "Нәзік"), ("Экстра", "Экстра"), ("Premium", "Premium"), ("Детский", "Балалар"), ("Сливочный", "Қаймақты"), ("Особый", "Ерекше"), ("Горный", "Таулы")],
        variants: [
            ("с цельным фундуком", "тұтас орман жаңғағымен"), ("с дробленым фундуком", "ұсақталған орман жаңғағымен"), ("с изюмом", "мейізбен"),
            ("с миндалем", "бадаммен"), ("с печеньем", "печеньемен"), ("с клубникой", "құлпынаймен"), ("с карамелью", "карамельмен"),
            ("с кешью", "кешьюмен"), ("с рисовыми шариками", "күріш шариктерімен"), ("с молочной начинкой", "сүт салмасымен"),
            ("без добавок", "қоспасыз"), ("с апельсином", "апельсинмен"),
        ],
        measures: [("25 г", "25 г"), ("50 г", "50 г"), ("80 г", "80 г"), ("85 г", "85 г"), ("90 г", "90 г"), ("100 г", "100 г"), ("180 г", "180 г"), ("200 г", "200 г"), ("250 г", "250 г")],
        order: Order::VariantThenMeasure,
    },
    // 1020-0011-0005-100006410 cookies
    Family {
        brands: ["Баян Сулу", "Рахат", "Алатау Кондитер", "Tau", "Dala", "Шымкент Кондитер", "Nomad", "Golden Bake", "Береке", "Сәт"],
        lines: [("К чаю", "Шайға"), ("Юбилейное", "Мерейтойлық"), ("Домашнее", "Үй"), ("Утреннее", "Таңғы"), ("Мария", "Мария"), ("Топленое молоко", "Пісірілген сүт"), ("Овсяное", "Сұлы"), ("Сдобное", "Майлы"), ("Детское", "Балалар"), ("Праздничное", "Мерекелік")],
        variants: [
            ("классическое", "классикалық"), ("с шоколадом", "шоколадпен"), ("с какао", "какаомен"), ("с кунжутом", "күнжітпен"),
            ("с изюмом", "мейізбен"), ("с орехами", "жаңғақпен"), ("с лимоном", "лимонмен"), ("с корицей", "даршынмен"),
            ("со сгущенкой", "қоюландырылған сүтпен"), ("с маком", "көкнәрмен"), ("глазированное", "глазурьленген"), ("с кокосом", "кокоспен"),
        ],
        measures: [("100 г", "100 г"), ("120 г", "120 г"), ("150 г", "150 г"), ("200 г", "200 г"), ("250 г", "250 г"), ("300 г", "300 г"), ("400 г", "400 г"), ("500 г", "500 г"), ("1 кг", "1 кг")],
        order: Order::VariantThenMeasure,
    },
    // 1020-0013-0001-100008101 green tea
    Family {
        brands: ["Пиала", "Dala Shai", "Алтын Шай", "Nomad Tea", "Қазақ Шайы", "Green Steppe", "Тау Шай", "Sultan", "Жасыл", "Orient Leaf"],
        lines: [("листовой", "жапырақты"), ("байховый", "байхалық"), ("пакетированный", "пакеттелген"), ("гранулированный", "түйіршікті"), ("крупнолистовой", "ірі жапырақты"), ("Сенча", "Сенча"), ("Ганпаудер", "Ганпаудер"), ("Моли Хуа Ча", "Моли Хуа Ча"), ("Премиум", "Премиум"), ("Высокогорный", "Биік таулы")],
        variants: [
            ("с жасмином", "жасминмен"), ("с мятой", "жалбызбен"), ("с мелиссой", "мелиссамен"), ("с лимоном", "лимонмен"),
            ("с имбирем", "зімбірмен"), ("с чабрецом", "жебірмен"), ("с саусепом", "саусеппен"), ("с облепихой", "шырғанақпен"),
            ("классический", "классикалық"), ("с молочным улуном", "сүтті улунмен"), ("с бергамотом", "бергамотпен"), ("с малиной", "таңқурайпен"),
        ],
        measures: [("25 пакетиков", "25 пакет"), ("50 пакетиков", "50 пакет"), ("100 пакетиков", "100 пакет"), ("50 г", "50 г"), ("80 г", "80 г"), ("100 г", "100 г"), ("200 г", "200 г"), ("250 г", "250 г"), ("500 г", "500 г")],
        order: Order::VariantThenMeasure,
    },
    // 1020-0013-0001-100008102 black tea
    Family {
        brands: ["Пиала", "Dala Shai", "Алтын Шай", "Nomad Tea", "Қазақ Шайы", "Kenya Gold", "Тау Шай", "Sultan", "Бахыт", "Assam Royal"],
        lines: [("гранулированный", "түйіршікті"), ("листовой", "жапырақты"), ("пакетированный", "пакеттелген"), ("кенийский", "кениялық"), ("индийский", "үнді"), ("цейлонский", "цейлон"), ("ассам", "ассам"), ("Эрл Грей", "Эрл Грей"), ("Английский завтрак", "Ағылшын таңғы асы"), ("Премиум", "Премиум")],
        variants: [
            ("классический", "классикалық"), ("с бергамотом", "бергамотпен"), ("с чабрецом", "жебірмен"), ("с мятой", "жалбызбен"),
            ("с лимоном", "лимонмен"), ("с имбирем", "зімбірмен"), ("с корицей", "даршынмен"), ("с шиповником", "итмұрынмен"),
            ("с вишней", "шиемен"), ("с облепихой", "шырғанақпен"), ("с саусепом", "саусеппен"), ("с малиной", "таңқурайпен"),
        ],
        measures: [("25 пакетиков", "25 пакет"), ("50 пакетиков", "50 пакет"), ("100 пакетиков", "100 пакет"), ("100 г", "100 г"), ("200 г", "200 г"), ("250 г", "250 г"), ("500 г", "500 г"), ("800 г", "800 г"), ("1 кг", "1 кг")],
        order: Order::VariantThenMeasure,
    },
    // 1024-0001-0003-100007979 smartphones
    Family {
        brands: ["Nomad", "Qazaq Mobile", "Steppe", "Алтын", "Tau", "Dala", "Nur", "Сұңқар", "Bars", "Aspan"],
        lines: [("A10", "A10"), ("A15", "A15"), ("A25", "A25"), ("Note 12", "Note 12"), ("Note 13 Pro", "Note 13 Pro"), ("X5", "X5"), ("X7 Pro", "X7 Pro"), ("S21 Lite", "S21 Lite"), ("Max 2", "Max 2"), ("Mini 4", "Mini 4")],
        variants: [
            ("черный", "қара"), ("белый", "ақ"), ("синий", "көк"), ("зеленый", "жасыл"), ("серый", "сұр"), ("золотистый", "алтын түсті"),
            ("фиолетовый", "күлгін"), ("красный", "қызыл"), ("серебристый", "күміс түсті"), ("голубой", "көгілдір"), ("розовый", "қызғылт"),
            ("графитовый", "графит"),
        ],
        measures: [("64 ГБ", "64 ГБ"), ("128 ГБ", "128 ГБ"), ("256 ГБ", "256 ГБ"), ("512 ГБ", "512 ГБ"), ("4/64 ГБ", "4/64 ГБ"), ("4/128 ГБ", "4/128 ГБ"), ("6/128 ГБ", "6/128 ГБ"), ("8/256 ГБ", "8/256 ГБ"), ("12/512 ГБ", "12/512 ГБ")],
        order: Order::MeasureThenVariant,
    },
    // 1046-0002-0001-100012001 shampoo
    Family {
        brands: ["Aru", "Nomad Care", "Жусан", "Steppe Herbs", "Алтын Шаш", "Dala Organic", "Tau Natural", "Ақ Бота", "Pure Line KZ", "Silk Steppe"],
        lines: [("Объем и сила", "Көлем және күш"), ("Восстановление", "Қалпына келтіру"), ("Против перхоти", "Қайызғаққа қарсы"), ("Увлажнение", "Ылғалдандыру"), ("Травяной", "Шөпті"), ("Кератин", "Кератин"), ("Детский", "Балалар"), ("Мужской", "Ерлер"), ("Аргана", "Аргана"), ("Ромашка", "Түймедақ")],
        variants: [
            ("для всех типов волос", "шаштың барлық түрлеріне"), ("для окрашенных волос", "боялған шашқа"), ("для жирных волос", "майлы шашқа"),
            ("для сухих волос", "құрғақ шашқа"), ("для тонких волос", "жұқа шашқа"), ("для поврежденных волос", "зақымдалған шашқа"),
            ("для вьющихся волос", "бұйра шашқа"), ("для нормальных волос", "қалыпты шашқа"), ("2 в 1", "2-і 1-де"),
            ("с кондиционером", "кондиционермен"), ("с маслом арганы", "аргана майымен"), ("с экстрактом крапивы", "қалақай сығындысымен"),
        ],
        measures: [("200 мл", "200 мл"), ("250 мл", "250 мл"), ("300 мл", "300 мл"), ("350 мл", "350 мл"), ("400 мл", "400 мл"), ("500 мл", "500 мл"), ("650 мл", "650 мл"), ("750 мл", "750 мл"), ("1 л", "1 л")],
        order: Order::VariantThenMeasure,
    },
    // 1071-0001-0004-100043098 tablet bags
    Family {
        brands: ["Nomad", "Steppe", "Urban KZ", "Tau", "Dala", "Qazaq Bags", "Aspan", "Көшпенді", "Almaty Leather", "Bars"],
        lines: [("Urban", "Urban"), ("Classic", "Classic"), ("Slim", "Slim"), ("Business", "Business"), ("Travel", "Travel"), ("Sport", "Sport"), ("Kids", "Kids"), ("Eco", "Eco"), ("Pro", "Pro"), ("Soft", "Soft")],
        variants: [
            ("экокожа черная", "қара экобылғары"), ("экокожа коричневая", "қоңыр экобылғары"), ("натуральная кожа черная", "қара табиғи былғары"),
            ("нейлон синий", "көк нейлон"), ("нейлон серый", "сұр нейлон"), ("полиэстер черный", "қара полиэстер"), ("текстиль бежевый", "бежевый текстиль"),
            ("неопрен черный", "қара неопрен"), ("фетр серый", "сұр фетр"), ("кожа бордовая", "қызыл күрең былғары"), ("полиэстер зеленый", "жасыл полиэстер"),
            ("текстиль хаки", "хаки текстиль"),
        ],
        measures: [("7 дюймов", "7 дюйм"), ("8 дюймов", "8 дюйм"), ("9.7 дюйма", "9.7 дюйм"), ("10 дюймов", "10 дюйм"), ("10.1 дюйма", "10.1 дюйм"), ("10.5 дюйма", "10.5 дюйм"), ("11 дюймов", "11 дюйм"), ("12.9 дюйма", "12.9 дюйм"), ("13 дюймов", "13 дюйм")],
        order: Order::MeasureThenVariant,
    },
    // 1090-0003-0002-100051234 plastic construction sets
    Family {
        brands: ["Qazaq Blocks", "Nomad Kids", "Steppe Toys", "Тау", "Бала", "Dala Play", "Aspan Kids", "Brick Master", "Kiddy", "Ойын"],
        lines: [("Город", "Қала"), ("Техника", "Техника"), ("Космос", "Ғарыш"), ("Ферма", "Ферма"), ("Замок", "Қамал"), ("Пираты", "Қарақшылар"), ("Динозавры", "Динозаврлар"), ("Железная дорога", "Темір жол"), ("Стройка", "Құрылыс"), ("Супергерои", "Суперқаһармандар")],
        variants: [
            ("Пожарная станция", "Өрт сөндіру станциясы"), ("Полицейский участок", "Полиция бөлімшесі"), ("Гоночная машина", "Жарыс көлігі"),
            ("Вертолет", "Тікұшақ"), ("Экскаватор", "Экскаватор"), ("Ракета", "Зымыран"), ("Корабль", "Кеме"), ("Поезд", "Пойыз"), ("Дом", "Үй"),
            ("Мост", "Көпір"), ("Робот", "Робот"), ("Самолет", "Ұшақ"),
        ],
        measures: [("56 деталей", "56 бөлшек"), ("120 деталей", "120 бөлшек"), ("215 деталей", "215 бөлшек"), ("320 деталей", "320 бөлшек"), ("450 деталей", "450 бөлшек"), ("520 деталей", "520 бөлшек"), ("760 деталей", "760 бөлшек"), ("1024 детали", "1024 бөлшек"), ("1500 деталей", "1500 бөлшек")],
        order: Order::QuotedVariant,
    },
    // 1113-0012-0024-100100228 paving slabs
    Family {
        brands: ["Tas Plit", "Бетон-Строй", "Qazaq Beton", "Алматы ЖБИ", "Steppe Stone", "Тас Жол", "Nomad Build", "Астана Плит", "Ақ Тас", "Karaganda Beton"],
        lines: [("Кирпич", "Кірпіш"), ("Волна", "Толқын"), ("Катушка", "Катушка"), ("Брусчатка", "Тақтатас"), ("Квадрат", "Шаршы"), ("Паутина", "Өрмек"), ("Клевер", "Беде"), ("Ромб", "Ромб"), ("Старый город", "Ескі қала"), ("Соты", "Ұялар")],
        variants: [
            ("серая", "сұр"), ("красная", "қызыл"), ("желтая", "сары"), ("коричневая", "қоңыр"), ("черная", "қара"), ("белая", "ақ"),
            ("оранжевая", "қызғылт сары"), ("зеленая", "жасыл"), ("терракотовая", "терракота"), ("графитовая", "графит"), ("бежевая", "бежевый"),
            ("гранитная", "граниттік"),
        ],
        measures: [("200x100x40 мм", "200x100x40 мм"), ("200x100x60 мм", "200x100x60 мм"), ("200x100x80 мм", "200x100x80 мм"), ("300x300x30 мм", "300x300x30 мм"), ("300x300x50 мм", "300x300x50 мм"), ("400x400x50 мм", "400x400x50 мм"), ("500x500x50 мм", "500x500x50 мм"), ("250x125x60 мм", "250x125x60 мм"), ("225x112x60 мм", "225x112x60 мм")],
        order: Order::MeasureThenVariant,
    },
];

/// The parts of seed card `i`'s product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// Index into `LEAVES` and [`FAMILIES`].
    pub leaf: usize,
    /// Brand index.
    pub brand: usize,
    /// Line index.
    pub line: usize,
    /// Variant index.
    pub variant: usize,
    /// Measure index.
    pub measure: usize,
    /// The name leaves the brand out.
    pub brand_hidden: bool,
    /// Repeat round once a leaf has more than [`PER_LEAF`] cards (0 for the first 10,800).
    pub round: usize,
}

/// The product of seed card `i`.
pub fn parts(i: usize) -> Parts {
    let leaves = FAMILIES.len();
    let j = i / leaves;
    let c = (j % PER_LEAF) * STEP % PER_LEAF;
    Parts {
        leaf: i % leaves,
        measure: c % 9,
        variant: (c / 9) % 12,
        line: (c / (9 * 12)) % 10,
        brand: c / (9 * 12 * 10),
        // One brand in ten per product leaves its name out, so names stay unique.
        brand_hidden: c / (9 * 12 * 10) == (((c / (9 * 12)) % 10) * 7 + ((c / 9) % 12) * 3 + c % 9) % 10,
        round: j / PER_LEAF,
    }
}

/// `(name_ru, name_kk)` of seed card `i`; `twin` for the second card of an ambiguous GTIN.
pub fn names(i: usize, twin: bool, noun_ru: &str, noun_kk: &str) -> (String, String) {
    let p = parts(i);
    let f = &FAMILIES[p.leaf];
    let brand = if p.brand_hidden { "" } else { f.brands[p.brand] };
    let (line_ru, line_kk) = f.lines[p.line];
    let (var_ru, var_kk) = f.variants[p.variant];
    let (m_ru, m_kk) = f.measures[p.measure];
    let build = |noun: &str, line: &str, var: &str, m: &str| {
        let mut out = String::with_capacity(noun.len() + brand.len() + line.len() + var.len() + m.len() + 12);
        let (third, fourth) = match f.order {
            Order::VariantThenMeasure | Order::QuotedVariant => (var, m),
            Order::MeasureThenVariant => (m, var),
        };
        for (n, part) in [noun, brand, line, third, fourth].into_iter().enumerate() {
            if part.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            let quoted = f.order == Order::QuotedVariant && n == 3;
            if quoted {
                out.push('«');
            }
            out.push_str(part);
            if quoted {
                out.push('»');
            }
        }
        out
    };
    let mut ru = build(noun_ru, line_ru, var_ru, m_ru);
    let mut kk = build(noun_kk, line_kk, var_kk, m_kk);
    if p.round > 0 {
        ru.push_str(&format!(", серия {}", p.round + 1));
        kk.push_str(&format!(", {}-серия", p.round + 1));
    }
    if twin {
        ru.push_str(" в новой упаковке");
        kk.push_str(" жаңа қаптамада");
    }
    (ru, kk)
}

/// The brand of seed card `i` (also when its name leaves it out).
pub fn brand(i: usize) -> &'static str {
    let p = parts(i);
    FAMILIES[p.leaf].brands[p.brand]
}

/// The seed index of a seed NTIN (`0200`/`0201` + 8 digits + check), when it is one.
pub fn seed_index(ntin: &str) -> Option<usize> {
    if ntin.len() != 13 || !(ntin.starts_with("0200") || ntin.starts_with("0201")) {
        return None;
    }
    ntin[4..12].parse().ok()
}

/// A known brand written in `name` (the longest match), for cards that are not from the seed formula.
pub fn brand_in(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    FAMILIES
        .iter()
        .flat_map(|f| f.brands.iter().copied())
        .filter(|b| lower.contains(&b.to_lowercase()))
        .max_by_key(|b| b.chars().count())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_permutation_gives_every_product_of_a_leaf_once() {
        let mut seen = HashSet::new();
        for j in 0..PER_LEAF {
            let p = parts(j * 10 + 3);
            assert_eq!(p.leaf, 3);
            assert!(seen.insert((p.brand, p.line, p.variant, p.measure)), "{j}");
        }
    }

    #[test]
    fn a_hundred_thousand_names_are_unique_and_realistic() {
        let mut seen = HashSet::new();
        for i in 0..100_000 {
            let (ru, _) = names(i, false, "Шоколад молочный", "Сүт шоколады");
            assert!(seen.insert(format!("{}{ru}", i % 10)), "{i}: {ru}");
        }
        let (ru, kk) = names(1, false, "Шоколад молочный", "Сүт шоколады");
        assert!(ru.starts_with("Шоколад молочный "), "{ru}");
        assert!(kk.starts_with("Сүт шоколады "), "{kk}");
        let hidden = (0..1000).filter(|&i| parts(i).brand_hidden).count();
        assert!((60..140).contains(&hidden), "{hidden}");
        let (twin, _) = names(7, true, "Батончик", "Батончик");
        assert!(twin.ends_with("в новой упаковке"));
    }

    #[test]
    fn the_demo_catalog_names_its_match_targets() {
        // `api/demo/README.md` promises these two cards to the demo's DEMO-035 and DEMO-036.
        assert_eq!(names(81_681, false, "Шоколад молочный", "").0, "Шоколад молочный Золотой с цельным фундуком 90 г");
        assert_eq!(brand(81_681), "Баян Сулу");
        assert_eq!(names(35_953, false, "Чай зеленый", "").0, "Чай зеленый Пиала листовой с жасмином 100 г");
    }

    #[test]
    fn brands_are_recovered_from_ntins_and_names() {
        assert_eq!(seed_index("0200000123454"), Some(12_345));
        assert_eq!(seed_index("0202000123454"), None);
        assert_eq!(brand_in("Шоколад молочный Баян Сулу Золотой 90 г"), Some("Баян Сулу"));
        assert_eq!(brand_in("Чай Dala Shai листовой"), Some("Dala Shai"));
        assert_eq!(brand_in("без бренда"), None);
    }
}
