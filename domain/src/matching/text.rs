//! How a product name becomes comparable words and measures.
//!
//! - **Script and case.** Every word gets a key: lower case, Kazakh letters to their Russian neighbours,
//!   Cyrillic to Latin, then a few folds that erase spelling choices (`kh`/`h`, `w`/`v`, `y`/`i`, `x`/`ks`,
//!   doubled letters). `Рахат`, `Rakhat` and `RAHAT` have one key.
//! - **Measures.** A number with a unit (`90 г`, `90гр`, `0,09 кг`, `1 л`, `500ml`, `25 пак.`, `8/256 ГБ`,
//!   `10.1"`, `200x100x60 мм`, `520 деталей`) becomes a [`Measure`] in a base unit and leaves the words, so
//!   `0,5 л` and `500 мл` are equal and the words are compared without them.
//! - **Abbreviations.** A word written with a dot (`шок.`, `мол.`) is marked abbreviated; `д/волос` is
//!   `для волос`; [`ABBREVIATIONS`] spells out the usual ones for queries.
//! - **Noise.** Prepositions and seller noise (`новинка`, `хит`, `оригинал`) are dropped.

use serde::{Deserialize, Serialize};

/// One word of a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The folded key words are compared by.
    pub key: String,
    /// The word as written (lower case).
    pub raw: String,
    /// Written with a trailing dot or known as a short form: it may be the start of a longer word.
    pub abbreviated: bool,
    /// Digits only (a model number, a count).
    pub numeric: bool,
}

/// What a measure counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MeasureKind {
    /// Grams.
    Mass,
    /// Millilitres.
    Volume,
    /// Pieces (`шт`).
    Count,
    /// Tea bags and the like (`пакетиков`).
    Bags,
    /// Parts of a set (`деталей`).
    Parts,
    /// Storage in GB (with RAM in `extra` when written `8/256`).
    Memory,
    /// Screen or device size in inches.
    Inches,
    /// Dimensions in mm (the product of the sides in `value`, the sides sorted in `extra`).
    Dimensions,
}

/// A measure found in a name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    /// What it counts.
    pub kind: MeasureKind,
    /// The amount in the kind's base unit.
    pub value: f64,
    /// More numbers that must also agree (RAM, sides).
    pub extra: Vec<f64>,
}

impl Measure {
    /// Same kind and the same amounts (within 0.5 %).
    #[must_use]
    pub fn same_as(&self, other: &Measure) -> bool {
        let close = |a: f64, b: f64| (a - b).abs() <= 0.005 * a.abs().max(b.abs()).max(1e-9);
        self.kind == other.kind
            && close(self.value, other.value)
            && (self.extra.is_empty() || other.extra.is_empty() || self.extra.len() == other.extra.len() && self.extra.iter().zip(&other.extra).all(|(a, b)| close(*a, *b)))
    }

    /// A short human form, e.g. `90 g`, `1000 ml`, `8/256 GB`.
    #[must_use]
    pub fn label(&self) -> String {
        let n = |v: f64| if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v}") };
        match self.kind {
            MeasureKind::Mass => format!("{} g", n(self.value)),
            MeasureKind::Volume => format!("{} ml", n(self.value)),
            MeasureKind::Count => format!("{} pcs", n(self.value)),
            MeasureKind::Bags => format!("{} bags", n(self.value)),
            MeasureKind::Parts => format!("{} parts", n(self.value)),
            MeasureKind::Memory => match self.extra.first() {
                Some(ram) => format!("{}/{} GB", n(*ram), n(self.value)),
                None => format!("{} GB", n(self.value)),
            },
            MeasureKind::Inches => format!("{}\"", n(self.value)),
            MeasureKind::Dimensions => self.extra.iter().map(|v| n(*v)).collect::<Vec<_>>().join("x") + " mm",
        }
    }
}

/// A name taken apart.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analyzed {
    /// The words, noise and measures removed, in order.
    pub words: Vec<Word>,
    /// The measures, in order.
    pub measures: Vec<Measure>,
}

/// Seller short forms and what they stand for (lower case, without the dot).
pub const ABBREVIATIONS: &[(&str, &str)] = &[
    ("шок", "шоколад"),
    ("шоколадн", "шоколадный"),
    ("мол", "молочный"),
    ("молоч", "молочный"),
    ("печ", "печенье"),
    ("зел", "зеленый"),
    ("черн", "черный"),
    ("чёрн", "черный"),
    ("пак", "пакетиков"),
    ("пакет", "пакетиков"),
    ("шамп", "шампунь"),
    ("смартф", "смартфон"),
    ("констр", "конструктор"),
    ("дет", "деталей"),
    ("тротуар", "тротуарная"),
    ("бат", "батончик"),
    ("батонч", "батончик"),
    ("клубн", "клубничной"),
    ("карам", "карамелью"),
    ("класс", "классический"),
    ("листов", "листовой"),
    ("гранулир", "гранулированный"),
    ("пакетир", "пакетированный"),
];

/// Dropped words: prepositions and seller noise.
const NOISE: &[&str] = &[
    "с", "со", "и", "для", "в", "во", "на", "из", "по", "к", "от", "new", "новинка", "хит", "акция", "оригинал",
    "original", "оригинальный", "товар", "арт", "артикул", "кз", "kz",
];

/// Key of one lower-case letter: Kazakh to Russian, Cyrillic to Latin.
fn letter(c: char) -> &'static str {
    match c {
        'а' | 'ә' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ғ' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' | 'й' => "i",
        'к' | 'қ' => "k",
        'л' => "l",
        'м' => "m",
        'н' | 'ң' => "n",
        'о' | 'ө' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ұ' | 'ү' => "u",
        'ф' => "f",
        'х' | 'һ' => "h",
        'ц' => "c",
        'ч' => "ch",
        'ш' | 'щ' => "sh",
        'ы' => "i",
        'ю' => "iu",
        'я' => "ia",
        _ => "",
    }
}

/// The comparison key of one word (any script).
#[must_use]
pub fn key(word: &str) -> String {
    let mut latin = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            latin.push(c);
        } else {
            latin.push_str(letter(c));
        }
    }
    // Latin spellings of the same sounds.
    let folded = latin
        .replace("shch", "sh")
        .replace("kh", "h")
        .replace("ph", "f")
        .replace("ck", "k")
        .replace("ts", "c")
        .replace("tz", "c")
        .replace("dzh", "zh")
        .replace('j', "zh")
        .replace('w', "v")
        .replace('q', "k")
        .replace('x', "ks")
        .replace('y', "i");
    // `c` before a front vowel sounds `s` (`cento`), elsewhere `k` (`coco`), except in `ch` and our `c` for `ц`
    // (which stays `c`, the rare clash is harmless).
    let chars: Vec<char> = folded.chars().collect();
    let mut out = String::with_capacity(folded.len());
    for (n, &c) in chars.iter().enumerate() {
        if out.ends_with(c) && c.is_ascii_alphabetic() {
            continue;
        }
        if c == 'c' && chars.get(n + 1) == Some(&'o') {
            out.push('k');
        } else {
            out.push(c);
        }
    }
    out
}

fn unit(word: &str) -> Option<(MeasureKind, f64)> {
    let w = word.trim_end_matches('.');
    Some(match w {
        "г" | "гр" | "грамм" | "граммов" | "грамма" | "g" | "gr" | "gram" | "grams" => (MeasureKind::Mass, 1.0),
        "кг" | "kg" | "килограмм" => (MeasureKind::Mass, 1000.0),
        "мг" | "mg" => (MeasureKind::Mass, 0.001),
        "мл" | "ml" => (MeasureKind::Volume, 1.0),
        "л" | "l" | "литр" | "литра" | "литров" | "lt" => (MeasureKind::Volume, 1000.0),
        "шт" | "штук" | "штуки" | "pcs" | "pc" => (MeasureKind::Count, 1.0),
        "пак" | "пакетиков" | "пакетика" | "пакетов" | "пакет" | "пакеттелген" | "bags" => (MeasureKind::Bags, 1.0),
        "дет" | "деталей" | "детали" | "деталь" | "бөлшек" | "pieces" => (MeasureKind::Parts, 1.0),
        "гб" | "gb" => (MeasureKind::Memory, 1.0),
        "дюйм" | "дюйма" | "дюймов" | "inch" | "in" | "\"" | "''" => (MeasureKind::Inches, 1.0),
        "мм" | "mm" => (MeasureKind::Dimensions, 1.0),
        "см" | "cm" => (MeasureKind::Dimensions, 10.0),
        _ => return None,
    })
}

/// A lexical piece of a name.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Number(Vec<f64>, char),
    Word(String, bool),
}

/// Splits lower-case text into numbers (with `x`/`/` groups), words (with a trailing-dot flag) and quotes.
fn pieces(text: &str) -> Vec<Piece> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut n = 0;
    while n < chars.len() {
        let c = chars[n];
        if c.is_ascii_digit() {
            // A number group: 200x100x60, 8/256, 0,5.
            let mut nums = Vec::new();
            let mut sep = ' ';
            loop {
                let mut s = String::new();
                while n < chars.len() && (chars[n].is_ascii_digit() || (matches!(chars[n], '.' | ',') && chars.get(n + 1).is_some_and(char::is_ascii_digit) && !s.is_empty())) {
                    s.push(if chars[n] == ',' { '.' } else { chars[n] });
                    n += 1;
                }
                nums.push(s.parse::<f64>().unwrap_or(0.0));
                match chars.get(n) {
                    Some(&d @ ('x' | 'х' | '×' | '*' | '/')) if chars.get(n + 1).is_some_and(char::is_ascii_digit) => {
                        sep = if d == '/' { '/' } else { 'x' };
                        n += 1;
                    }
                    _ => break,
                }
            }
            out.push(Piece::Number(nums, sep));
        } else if c.is_alphabetic() {
            let mut w = String::new();
            while n < chars.len() && chars[n].is_alphabetic() {
                w.push(chars[n]);
                n += 1;
            }
            let dotted = chars.get(n) == Some(&'.');
            // `д/волос`: a one-letter abbreviation joined by a slash.
            if chars.get(n) == Some(&'/') && w.chars().count() <= 2 {
                n += 1;
                let expanded = match w.as_str() {
                    "д" => "для",
                    "б" => "без",
                    "с" => "с",
                    other => other,
                };
                out.push(Piece::Word(expanded.to_owned(), false));
                continue;
            }
            out.push(Piece::Word(w, dotted));
        } else if c == '"' || (c == '\'' && chars.get(n + 1) == Some(&'\'')) || c == '”' || c == '″' {
            out.push(Piece::Word("\"".into(), false));
            n += if c == '\'' { 2 } else { 1 };
        } else {
            n += 1;
        }
    }
    out
}

/// Takes a name apart into words and measures.
#[must_use]
pub fn analyze(text: &str) -> Analyzed {
    let lower = text.to_lowercase();
    let ps = pieces(&lower);
    let mut out = Analyzed::default();
    let mut n = 0;
    while n < ps.len() {
        match &ps[n] {
            Piece::Number(nums, sep) => {
                let next_unit = match ps.get(n + 1) {
                    Some(Piece::Word(w, _)) => unit(w),
                    _ => None,
                };
                match next_unit {
                    Some((kind, factor)) => {
                        out.measures.push(measure(kind, factor, nums, *sep));
                        n += 2;
                    }
                    None => {
                        for v in nums {
                            let raw = if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v}") };
                            out.words.push(Word { key: raw.clone(), raw, abbreviated: false, numeric: true });
                        }
                        n += 1;
                    }
                }
            }
            Piece::Word(w, dotted) => {
                n += 1;
                if w == "\"" || NOISE.contains(&w.as_str()) {
                    continue;
                }
                let abbreviated = *dotted || ABBREVIATIONS.iter().any(|(a, _)| a == w);
                out.words.push(Word { key: key(w), raw: w.clone(), abbreviated, numeric: false });
            }
        }
    }
    out
}

fn measure(kind: MeasureKind, factor: f64, nums: &[f64], sep: char) -> Measure {
    match (kind, nums) {
        (MeasureKind::Memory, [ram, storage]) if sep == '/' => Measure { kind, value: *storage, extra: vec![*ram] },
        (MeasureKind::Dimensions, sides) if sides.len() > 1 => {
            let sides: Vec<f64> = sides.iter().map(|s| s * factor).collect();
            Measure { kind, value: sides.iter().product(), extra: sides }
        }
        (_, nums) => Measure { kind, value: nums.last().copied().unwrap_or(0.0) * factor, extra: Vec::new() },
    }
}

/// The name spelt out for a search: abbreviations expanded, measures written the common way (`90 г`), noise
/// dropped, words in the seller's order.
#[must_use]
pub fn spelled_out(text: &str) -> String {
    let a = analyze(text);
    let mut parts: Vec<String> = a
        .words
        .iter()
        .map(|w| match ABBREVIATIONS.iter().find(|(s, _)| *s == w.raw) {
            Some((_, full)) => (*full).to_owned(),
            None => w.raw.clone(),
        })
        .collect();
    parts.extend(a.measures.iter().map(russian_measure));
    parts.join(" ")
}

/// A measure the way NCT names write it.
fn russian_measure(m: &Measure) -> String {
    let n = |v: f64| if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v}") };
    match m.kind {
        MeasureKind::Mass if m.value >= 1000.0 => format!("{} кг", n(m.value / 1000.0)),
        MeasureKind::Mass => format!("{} г", n(m.value)),
        MeasureKind::Volume if m.value >= 1000.0 => format!("{} л", n(m.value / 1000.0)),
        MeasureKind::Volume => format!("{} мл", n(m.value)),
        MeasureKind::Count => format!("{} шт", n(m.value)),
        MeasureKind::Bags => format!("{} пакетиков", n(m.value)),
        MeasureKind::Parts => format!("{} деталей", n(m.value)),
        MeasureKind::Memory => match m.extra.first() {
            Some(ram) => format!("{}/{} ГБ", n(*ram), n(m.value)),
            None => format!("{} ГБ", n(m.value)),
        },
        MeasureKind::Inches => format!("{} дюйма", n(m.value)),
        MeasureKind::Dimensions => m.extra.iter().map(|v| n(*v)).collect::<Vec<_>>().join("x") + " мм",
    }
}

/// Damerau-Levenshtein distance between two keys, or `None` past `max`.
#[must_use]
pub fn distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = v;
        }
    }
    let d = rows[a.len()][b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        analyze(text).words.into_iter().map(|w| w.key).collect()
    }

    #[test]
    fn scripts_and_cases_share_keys() {
        assert_eq!(keys("Рахат"), keys("RAKHAT"));
        assert_eq!(keys("Баян Сулу"), keys("Bayan Sulu"));
        assert_eq!(keys("Қазақ Шайы"), keys("Kazak Shaiy"));
        assert_eq!(keys("Шоколад"), keys("shokolad"));
        assert_eq!(keys("Ассам"), keys("Assam"));
        assert_eq!(keys("Жібек"), keys("Zhibek"));
    }

    #[test]
    fn measures_are_parsed_in_base_units() {
        let m = |t: &str| analyze(t).measures;
        assert!(m("Шоколад 90г")[0].same_as(&m("шоколад 0,09 кг")[0]));
        assert!(m("Шампунь 1 л")[0].same_as(&m("шампунь 1000ml")[0]));
        assert!(!m("90 г")[0].same_as(&m("100 г")[0]));
        assert_eq!(m("Смартфон 8/256 ГБ")[0], Measure { kind: MeasureKind::Memory, value: 256.0, extra: vec![8.0] });
        assert_eq!(m("плита 200х100х60 мм")[0].label(), "200x100x60 mm");
        assert_eq!(m("Сумка 10.1\"")[0].kind, MeasureKind::Inches);
        assert_eq!(m("чай 25 пак.")[0], Measure { kind: MeasureKind::Bags, value: 25.0, extra: vec![] });
        assert_eq!(m("конструктор 520 деталей")[0].label(), "520 parts");
        assert!(m("Note 13 Pro").is_empty());
    }

    #[test]
    fn measures_and_noise_leave_the_words() {
        let a = analyze("НОВИНКА! Шок. мол. с фундуком, 90гр д/детей");
        let raws: Vec<&str> = a.words.iter().map(|w| w.raw.as_str()).collect();
        assert_eq!(raws, ["шок", "мол", "фундуком", "детей"]);
        assert!(a.words[0].abbreviated && !a.words[2].abbreviated);
        assert_eq!(a.measures.len(), 1);
    }

    #[test]
    fn queries_spell_abbreviations_and_measures_out() {
        assert_eq!(spelled_out("Шок. мол. Рахат 90гр"), "шоколад молочный рахат 90 г");
        assert_eq!(spelled_out("Шампунь д/волос 0,5л"), "шампунь волос 500 мл");
    }

    #[test]
    fn distance_counts_one_transposition() {
        assert_eq!(distance("shokolad", "shokload", 2), Some(1));
        assert_eq!(distance("abc", "xyz", 2), None);
    }
}
