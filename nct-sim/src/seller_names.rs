//! Seed card names rewritten the way sellers write them, for labelled matching data: the evaluation set the
//! README reports (`eval/match_eval.tsv`), a disjoint tuning set (`eval/match_tune.tsv`), and the test catalogs.
//!
//! Each rewrite is drawn from a seeded RNG, so a set is reproducible. What a seller does to a name, with the
//! probabilities used:
//! - the brand moves to the brand field (50 %), stays in the name only (25 %), is in both (15 %) or is left
//!   out (10 %); written in the other script 35 % of the time (`Баян Сулу` ↔ `Bayan Sulu`);
//! - the product noun is shortened (15 %: `Шоколад молочный` → `Шоколад`) or abbreviated (15 %: `Шок. мол.`);
//! - one descriptive word is dropped (25 %);
//! - the measure is written another way (`90г`, `90 гр`, `0,09 кг`, `1000 мл`, `25 пак.`, `8/256GB`,
//!   `10.1"`, `520 дет.`) or left out (10 %);
//! - word order is shuffled (30 %), case changed (20 % upper, 30 % lower);
//! - one typo (30 %) or two (10 %): a swap, a dropped, doubled or replaced letter;
//! - the whole name is written in Latin letters (8 %);
//! - marketplace noise is added (20 %: `НОВИНКА!`, `(хит продаж)`, `оригинал`);
//! - the OKTRU category is known (40 %).
//!
//! Cards of ambiguous GTINs (`i % 100 == 7`) and their twins are never targets (two cards are one product).

use rand::rngs::StdRng;
use rand::seq::SliceRandom as _;
use rand::{Rng as _, SeedableRng as _};

use super::catalog_data::LEAVES;
use super::catalog_names::{FAMILIES, Order, brand, parts};
use super::seed::{is_ambiguous, seed_ntin};

/// One labelled seller SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SellerSku {
    /// Seed index of the card it is.
    pub index: usize,
    /// The card's NTIN (the label).
    pub expected_ntin: String,
    /// The name as the seller wrote it.
    pub name: String,
    /// The brand field, when filled.
    pub brand: Option<String>,
    /// The OKTRU leaf, when known.
    pub oktru: Option<String>,
    /// What was done to the name (for reading the errors).
    pub edits: Vec<&'static str>,
}

/// `count` seller SKUs for distinct seed cards below `seed_size`, chosen and rewritten from `seed`. The card
/// choice skips `exclude` (another split's indexes).
pub fn seller_skus(seed_size: usize, count: usize, seed: u64, exclude: &[usize]) -> Vec<SellerSku> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut indexes: Vec<usize> = (0..seed_size).filter(|i| !is_ambiguous(*i) && !exclude.contains(i)).collect();
    indexes.shuffle(&mut rng);
    indexes.truncate(count);
    indexes.into_iter().map(|i| rewrite(i, &mut rng)).collect()
}

/// Seed card `i` rewritten from `seed` (one SKU; the same as in a set only by chance).
pub fn seller_sku(i: usize, seed: u64) -> SellerSku {
    rewrite(i, &mut StdRng::seed_from_u64(seed))
}

/// Cyrillic (Russian and Kazakh) to the Latin a seller types.
fn to_latin(s: &str) -> String {
    s.chars()
        .map(|c| {
            let lower = c.to_lowercase().next().unwrap_or(c);
            let t = match lower {
                'а' | 'ә' => "a",
                'б' => "b",
                'в' => "v",
                'г' | 'ғ' => "g",
                'д' => "d",
                'е' | 'э' => "e",
                'ё' => "yo",
                'ж' => "zh",
                'з' => "z",
                'и' | 'і' => "i",
                'й' => "y",
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
                'х' | 'һ' => "kh",
                'ц' => "ts",
                'ч' => "ch",
                'ш' => "sh",
                'щ' => "sch",
                'ъ' | 'ь' => "",
                'ы' => "y",
                'ю' => "yu",
                'я' => "ya",
                _ => return c.to_string(),
            };
            if c.is_uppercase() {
                let mut u = t.chars();
                u.next().map(|f| f.to_uppercase().chain(u).collect()).unwrap_or_default()
            } else {
                t.to_owned()
            }
        })
        .collect()
}

/// Latin to the Cyrillic a seller types.
fn to_cyrillic(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut n = 0;
    while n < chars.len() {
        let c = chars[n];
        let lower = c.to_ascii_lowercase();
        let next = chars.get(n + 1).map(char::to_ascii_lowercase);
        let (t, used) = match (lower, next) {
            ('s', Some('h')) => ("ш", 2),
            ('c', Some('h')) => ("ч", 2),
            ('k', Some('h')) => ("х", 2),
            ('z', Some('h')) => ("ж", 2),
            ('t', Some('s')) => ("ц", 2),
            ('y', Some('a')) => ("я", 2),
            ('y', Some('u')) => ("ю", 2),
            ('e', Some('e')) => ("и", 2),
            ('o', Some('o')) => ("у", 2),
            ('a', _) => ("а", 1),
            ('b', _) => ("б", 1),
            ('c', _) | ('k', _) | ('q', _) => ("к", 1),
            ('d', _) => ("д", 1),
            ('e', _) => ("е", 1),
            ('f', _) => ("ф", 1),
            ('g', _) => ("г", 1),
            ('h', _) => ("х", 1),
            ('i', _) => ("и", 1),
            ('j', _) => ("дж", 1),
            ('l', _) => ("л", 1),
            ('m', _) => ("м", 1),
            ('n', _) => ("н", 1),
            ('o', _) => ("о", 1),
            ('p', _) => ("п", 1),
            ('r', _) => ("р", 1),
            ('s', _) => ("с", 1),
            ('t', _) => ("т", 1),
            ('u', _) => ("у", 1),
            ('v', _) | ('w', _) => ("в", 1),
            ('x', _) => ("кс", 1),
            ('y', _) => ("и", 1),
            ('z', _) => ("з", 1),
            _ => {
                out.push(c);
                n += 1;
                continue;
            }
        };
        if c.is_ascii_uppercase() {
            out.extend(t.chars().flat_map(char::to_uppercase).take(1).chain(t.chars().skip(1)));
        } else {
            out.push_str(t);
        }
        n += used;
    }
    out
}

/// The brand in the other script.
fn other_script(b: &str) -> String {
    if b.chars().any(|c| c.is_ascii_alphabetic()) { to_cyrillic(b) } else { to_latin(b) }
}

/// The measure as a seller writes it.
fn measure(m: &str, rng: &mut StdRng) -> String {
    let (num, unit) = m.split_once(' ').unwrap_or((m, ""));
    let pick = |opts: &[String], rng: &mut StdRng| opts[rng.random_range(0..opts.len())].clone();
    match unit {
        "г" => {
            let grams: f64 = num.parse().unwrap_or(0.0);
            let kg = format!("{}", grams / 1000.0).replace('.', ",");
            pick(&[format!("{num}г"), format!("{num} гр"), format!("{num}гр."), format!("{num} g"), format!("{kg} кг"), m.to_owned()], rng)
        }
        "кг" => pick(&[format!("{num}кг"), format!("{num}000 г"), format!("{num} kg")], rng),
        "мл" => {
            let l = format!("{}", num.parse::<f64>().unwrap_or(0.0) / 1000.0).replace('.', ",");
            pick(&[format!("{num}мл"), format!("{num} ml"), format!("{l} л"), m.to_owned()], rng)
        }
        "л" => pick(&[format!("{num}л"), format!("{num}000 мл"), format!("{num} L")], rng),
        "пакетиков" => pick(&[format!("{num} пак."), format!("{num}пак"), format!("{num} пакетиков"), format!("{num} пакетов")], rng),
        "ГБ" => pick(&[format!("{num}GB"), format!("{num} Гб"), format!("{num}гб")], rng),
        "дюймов" | "дюйма" => pick(&[format!("{num}\""), format!("{}''", num.replace('.', ",")), format!("{num} дюйм")], rng),
        "деталей" | "детали" => pick(&[format!("{num} дет."), format!("{num}дет"), format!("{num} деталей")], rng),
        "мм" => pick(&[format!("{num}мм"), format!("{} мм", num.replace('x', "х")), format!("{} mm", num.replace('x', "*"))], rng),
        _ => m.to_owned(),
    }
}

/// One typo in a word of five letters or more.
fn typo(words: &mut [String], rng: &mut StdRng) {
    let long: Vec<usize> = (0..words.len()).filter(|&n| words[n].chars().count() >= 5 && words[n].chars().all(char::is_alphabetic)).collect();
    let Some(&w) = long.get(rng.random_range(0..long.len().max(1))) else { return };
    let mut chars: Vec<char> = words[w].chars().collect();
    let p = rng.random_range(1..chars.len() - 1);
    match rng.random_range(0..4) {
        0 => chars.swap(p, p + 1),
        1 => {
            chars.remove(p);
        }
        2 => chars.insert(p, chars[p]),
        _ => {
            let neighbours = "йцукенгшщзхфывапролджэячсмитьбю";
            let alphabet: Vec<char> = if chars[p].is_ascii() { "qwertyuiopasdfghjklzxcvbnm".chars().collect() } else { neighbours.chars().collect() };
            chars[p] = alphabet[rng.random_range(0..alphabet.len())];
        }
    }
    words[w] = chars.into_iter().collect();
}

fn rewrite(i: usize, rng: &mut StdRng) -> SellerSku {
    let p = parts(i);
    let f = &FAMILIES[p.leaf];
    let leaf = &LEAVES[p.leaf];
    let mut edits = Vec::new();
    let card_brand = brand(i);

    // The brand.
    let shown_brand = if rng.random_bool(0.35) {
        edits.push("brand-script");
        other_script(card_brand)
    } else {
        card_brand.to_owned()
    };
    let r: f64 = rng.random();
    let (brand_in_name, brand_field) = if r < 0.5 {
        (false, true)
    } else if r < 0.75 {
        (true, false)
    } else if r < 0.9 {
        (true, true)
    } else {
        edits.push("no-brand");
        (false, false)
    };

    // The noun.
    let mut noun: Vec<String> = leaf.noun_ru.split(' ').map(str::to_owned).collect();
    let r: f64 = rng.random();
    if r < 0.15 && noun.len() > 1 {
        noun.truncate(1);
        edits.push("short-noun");
    } else if r < 0.30 {
        for w in noun.iter_mut().filter(|w| w.chars().count() > 5) {
            *w = format!("{}.", w.chars().take(rng.random_range(3..=5)).collect::<String>());
        }
        edits.push("abbreviated");
    }

    // Line and variant words, maybe one dropped.
    let (line, _) = f.lines[p.line];
    let (variant, _) = f.variants[p.variant];
    let mut middle: Vec<String> = line.split(' ').chain(variant.split(' ')).map(str::to_owned).collect();
    if rng.random_bool(0.25) && middle.len() > 2 {
        let candidates: Vec<usize> = (0..middle.len()).filter(|&n| middle[n].chars().count() > 3).collect();
        if let Some(&d) = candidates.get(rng.random_range(0..candidates.len().max(1))) {
            middle.remove(d);
            edits.push("dropped-word");
        }
    }
    if f.order == Order::QuotedVariant && rng.random_bool(0.5) {
        edits.push("quotes");
        let v = middle.len() - variant.split(' ').count().min(middle.len());
        if let Some(first) = middle.get_mut(v) {
            *first = format!("\"{first}");
        }
        if let Some(last) = middle.last_mut() {
            last.push('"');
        }
    }

    // The measure.
    let (m, _) = f.measures[p.measure];
    let measure = if rng.random_bool(0.1) {
        edits.push("no-measure");
        None
    } else {
        Some(measure(m, rng))
    };

    let mut words: Vec<String> = noun;
    if brand_in_name {
        words.extend(shown_brand.split(' ').map(str::to_owned));
    }
    words.extend(middle);
    if let Some(m) = measure {
        words.push(m);
    }
    if rng.random_bool(0.3) {
        words.shuffle(rng);
        edits.push("shuffled");
    }
    let typos = if rng.random_bool(0.1) { 2 } else if rng.random_bool(0.33) { 1 } else { 0 };
    for _ in 0..typos {
        typo(&mut words, rng);
    }
    edits.extend(std::iter::repeat_n("typo", typos));
    let mut name = words.join(" ");
    if rng.random_bool(0.08) {
        name = to_latin(&name);
        edits.push("latin");
    }
    let r: f64 = rng.random();
    if r < 0.2 {
        name = name.to_uppercase();
        edits.push("upper");
    } else if r < 0.5 {
        name = name.to_lowercase();
    }
    if rng.random_bool(0.2) {
        let noise = ["НОВИНКА!", "(хит продаж)", "оригинал", "Акция"];
        let n = noise[rng.random_range(0..noise.len())];
        name = if rng.random_bool(0.5) { format!("{n} {name}") } else { format!("{name} {n}") };
        edits.push("noise");
    }
    let oktru = rng.random_bool(0.4).then(|| leaf.code.to_owned());
    SellerSku { index: i, expected_ntin: seed_ntin(i), name, brand: brand_field.then_some(shown_brand), oktru, edits }
}

/// A set as TSV: `expected_ntin`, `name`, `brand`, `oktru`, `edits` (comma-separated), with a header.
pub fn to_tsv(rows: &[SellerSku]) -> String {
    let mut out = String::from("expected_ntin\tname\tbrand\toktru\tedits\n");
    for r in rows {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            r.expected_ntin,
            r.name.replace('\t', " "),
            r.brand.as_deref().unwrap_or(""),
            r.oktru.as_deref().unwrap_or(""),
            r.edits.join(",")
        ));
    }
    out
}

/// Reads a set written by [`to_tsv`]: `(expected_ntin, name, brand, oktru)` per row.
pub fn parse_tsv(text: &str) -> Vec<(String, String, Option<String>, Option<String>)> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
            (f.len() >= 4).then(|| (f[0].to_owned(), f[1].to_owned(), opt(f[2]), opt(f[3])))
        })
        .collect()
}

/// The evaluation split (1,000 SKUs, RNG seed 20261129) and the disjoint tuning split (1,000 SKUs, seed 11),
/// over the default 100,000-card seed.
pub fn sets() -> (Vec<SellerSku>, Vec<SellerSku>) {
    let eval = seller_skus(100_000, 1_000, 20_261_129, &[]);
    let taken: Vec<usize> = eval.iter().map(|r| r.index).collect();
    let tune = seller_skus(100_000, 1_000, 11, &taken);
    (eval, tune)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The checked-in sets are what the generator gives (`UPDATE_EVAL=1` rewrites them).
    #[test]
    fn the_checked_in_sets_are_reproducible() {
        // The directory cargo runs the test for (set at run time), not the one it was compiled in: a build reused
        // from a checkout elsewhere must read this checkout's files.
        let dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")), std::path::PathBuf::from).join("eval");
        let (eval, tune) = sets();
        for (file, rows) in [("match_eval.tsv", &eval), ("match_tune.tsv", &tune)] {
            let text = to_tsv(rows);
            let path = dir.join(file);
            if std::env::var("UPDATE_EVAL").is_ok() {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &text).unwrap();
            }
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "{file} drifted; UPDATE_EVAL=1 rewrites it");
        }
        // The splits share no card.
        assert!(eval.iter().all(|e| tune.iter().all(|t| t.index != e.index)));
        assert_eq!(parse_tsv(&to_tsv(&eval)).len(), eval.len());
    }

    #[test]
    fn rewrites_look_like_sellers_wrote_them() {
        let rows = seller_skus(100_000, 300, 7, &[]);
        let edited = |e: &str| rows.iter().filter(|r| r.edits.contains(&e)).count();
        assert!(edited("typo") > 30 && edited("shuffled") > 50 && edited("brand-script") > 60, "{rows:?}");
        assert!(rows.iter().all(|r| !is_ambiguous(r.index)));
        assert_eq!(to_cyrillic("Nomad Tea"), "Номад Теа");
        assert_eq!(to_latin("Баян Сулу"), "Bayan Sulu");
    }
}
