//! The simulated search gateway's analyzer: how a name becomes index terms. It stands in for whatever NCT's
//! search engine does (a full-text engine with fuzziness), and is deliberately written apart from NTIN
//! Desk's own matcher (`domain::matching`), so that an evaluation against the simulator does not grade a
//! matcher against itself.
//!
//! - case and script: lower case, Cyrillic and Kazakh letters transliterated to Latin, then folded to a
//!   rough phonetic key (`kh`→`h`, `w`→`v`, `y`→`i`, doubled letters single…), so `Рахат`, `Rakhat` and
//!   `RAHAT` are one term;
//! - tokens: runs of letters or digits; a decimal number (`0,5`, `9.7`) is one token; units are folded
//!   (`гр`, `g`, `грамм` → `g`);
//! - stop words (`с`, `для`, `и`, `в`, `на`) are dropped;
//! - [`edit_distance`] (Damerau-Levenshtein with a bound) gives typo tolerance to the index.

/// Transliteration of one lower-case letter (Russian and Kazakh Cyrillic), or `None` to keep it.
fn translit(c: char) -> Option<&'static str> {
    Some(match c {
        'а' | 'ә' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ғ' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'й' | 'і' => "i",
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
        'ц' => "ts",
        'ч' => "ch",
        'ш' | 'щ' => "sh",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    })
}

/// Folds a Latin token to the phonetic key.
fn fold_latin(token: &str) -> String {
    let mut s = token.replace("shch", "sh").replace("dzh", "zh").replace("kh", "h").replace("ph", "f").replace("ck", "k");
    // `ch` must survive the `c` rule.
    s = s.replace("ch", "\u{1}");
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (n, &c) in chars.iter().enumerate() {
        let next = chars.get(n + 1).copied();
        match c {
            'c' if matches!(next, Some('e' | 'i' | 'y')) => out.push('s'),
            'c' | 'q' => out.push('k'),
            'w' => out.push('v'),
            'x' => out.push_str("ks"),
            'j' => out.push_str("zh"),
            'y' => out.push('i'),
            '\u{1}' => out.push_str("ch"),
            _ => out.push(c),
        }
    }
    // Doubled letters once (`assam`/`асам`, `green`/`грин`).
    let mut dedup = String::with_capacity(out.len());
    for c in out.chars() {
        if dedup.ends_with(c) && c.is_alphabetic() {
            continue;
        }
        dedup.push(c);
    }
    dedup.replace("ie", "e").replace("iu", "u")
}

/// Units written many ways, folded to one.
fn fold_unit(token: &str) -> &str {
    match token {
        "gr" | "gram" | "grama" | "gramov" | "grams" => "g",
        "ml" | "mililitr" | "mililitrov" => "ml",
        "litr" | "litra" | "litrov" | "lt" => "l",
        "kilogram" | "kilo" => "kg",
        "sht" | "shtuk" | "shtuki" | "pcs" => "sht",
        other => other,
    }
}

/// Words the index ignores.
const STOP: &[&str] = &["s", "so", "i", "v", "na", "dla", "dlia", "iz", "po", "k", "u"];

/// Terms of a text, in order (duplicates kept).
pub fn terms(text: &str) -> Vec<String> {
    let mut latin = String::with_capacity(text.len() + 8);
    for c in text.chars().flat_map(char::to_lowercase) {
        match translit(c) {
            Some(t) => latin.push_str(t),
            None => latin.push(c),
        }
    }
    let chars: Vec<char> = latin.chars().collect();
    let mut out = Vec::new();
    let mut n = 0;
    while n < chars.len() {
        let c = chars[n];
        if c.is_ascii_digit() {
            let mut num = String::new();
            while n < chars.len() {
                let d = chars[n];
                let decimal = matches!(d, '.' | ',') && chars.get(n + 1).is_some_and(char::is_ascii_digit) && !num.is_empty();
                if d.is_ascii_digit() {
                    num.push(d);
                } else if decimal {
                    num.push('.');
                } else {
                    break;
                }
                n += 1;
            }
            out.push(num);
        } else if c.is_alphabetic() {
            let mut word = String::new();
            while n < chars.len() && chars[n].is_alphabetic() {
                word.push(chars[n]);
                n += 1;
            }
            let folded = fold_latin(&word);
            let folded = fold_unit(&folded).to_owned();
            if !folded.is_empty() && !STOP.contains(&folded.as_str()) {
                out.push(folded);
            }
        } else {
            n += 1;
        }
    }
    out
}

/// Damerau-Levenshtein distance (adjacent transpositions count 1), or `None` when it exceeds `max`.
pub fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let w = b.len() + 1;
    let mut prev2 = vec![0usize; w];
    let mut prev: Vec<usize> = (0..w).collect();
    let mut cur = vec![0usize; w];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_cases_and_spellings_fold_to_one_term() {
        assert_eq!(terms("Рахат"), terms("RAKHAT"));
        assert_eq!(terms("Шоколад"), terms("shokolad"));
        assert_eq!(terms("Қазақ Шайы"), terms("Kazak Shaii"));
        assert_eq!(terms("Ассам"), terms("Assam"));
        assert_eq!(terms("Чай"), terms("chai"));
        assert_eq!(terms("Juice"), terms("Жуисе"));
    }

    #[test]
    fn numbers_units_and_stop_words() {
        assert_eq!(terms("90г"), vec!["90", "g"]);
        assert_eq!(terms("90 гр."), vec!["90", "g"]);
        assert_eq!(terms("0,5 л"), vec!["0.5", "l"]);
        assert_eq!(terms("шампунь для волос"), vec!["shampun", "volos"]);
        assert_eq!(terms("Note 13 Pro, 8/256 ГБ"), vec!["note", "13", "pro", "8", "256", "gb"]);
    }

    #[test]
    fn distances_count_transpositions_and_stop_at_the_bound() {
        assert_eq!(edit_distance("shokolad", "shokolad", 1), Some(0));
        assert_eq!(edit_distance("shokolad", "shkolad", 1), Some(1));
        assert_eq!(edit_distance("shokolad", "shokload", 1), Some(1));
        assert_eq!(edit_distance("shokolad", "chocolate", 2), None);
        assert_eq!(edit_distance("abc", "abcdef", 2), None);
    }
}
