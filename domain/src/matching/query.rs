//! The searches to run for a SKU, most precise first. The caller runs them in order and stops as soon as the
//! ranking finds a likely match, so most SKUs cost one search.
//!
//! 1. **full**: the name spelt out (abbreviations expanded, measures written as NCT writes them, noise
//!    dropped), plus the brand field when the name does not carry it;
//! 2. **core**: the product words only (no brand, no measure): finds cards whose name leaves the brand out
//!    or writes it in another script, and pack sizes the seller wrote differently;
//! 3. **category**: the brand with the SKU's OKTRU category name, when both are known: the brand's
//!    products in that category, for names too garbled to search by.

use super::score::Subject;
use super::text::{analyze, key, spelled_out};

/// Longest query we build (NCT clients cut at about 80–120 characters).
pub const MAX_QUERY_CHARS: usize = 120;

fn cut(q: &str) -> String {
    q.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(MAX_QUERY_CHARS).collect::<String>().trim().to_owned()
}

/// The queries for `subject`, distinct and non-empty, in the order to run them. `category_name` is the
/// Russian name of the SKU's OKTRU leaf, when known.
#[must_use]
pub fn queries(subject: &Subject, category_name: Option<&str>) -> Vec<String> {
    let brand = subject.brand.as_deref().map(str::trim).filter(|b| !b.is_empty());
    let name_keys: Vec<String> = analyze(&subject.name).words.into_iter().map(|w| w.key).collect();
    let brand_keys: Vec<String> = brand.map(|b| analyze(b).words.into_iter().map(|w| w.key).collect()).unwrap_or_default();
    let brand_in_name = !brand_keys.is_empty() && brand_keys.iter().all(|k| name_keys.contains(k));

    let spelled = spelled_out(&subject.name);
    let full = match brand {
        Some(b) if !brand_in_name => format!("{b} {spelled}"),
        _ => spelled,
    };
    let analyzed = analyze(&subject.name);
    let core: Vec<String> = spelled_out(
        &analyzed
            .words
            .iter()
            .filter(|w| !w.numeric || w.raw.len() <= 3)
            .filter(|w| !brand_keys.contains(&w.key))
            .map(|w| w.raw.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    )
    .split_whitespace()
    .map(str::to_owned)
    .collect();
    let mut out: Vec<String> = Vec::new();
    for q in [Some(full), Some(core.join(" ")), brand.zip(category_name).map(|(b, c)| format!("{b} {c}"))].into_iter().flatten() {
        let q = cut(&q);
        let k: Vec<String> = q.split_whitespace().map(key).collect();
        if !q.is_empty() && !out.iter().any(|o| o.split_whitespace().map(key).collect::<Vec<_>>() == k) {
            out.push(q);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_core_and_category_queries_in_order() {
        let s = Subject { name: "Шок. мол. с фундуком 90гр".into(), brand: Some("Баян Сулу".into()), oktru: Some("1020-0011-0003-100006375".into()) };
        assert_eq!(
            queries(&s, Some("Шоколад плиточный")),
            ["Баян Сулу шоколад молочный фундуком 90 г", "шоколад молочный фундуком", "Баян Сулу Шоколад плиточный"]
        );
    }

    #[test]
    fn a_brand_already_in_the_name_is_not_repeated_and_duplicates_are_dropped() {
        let s = Subject { name: "Чай Пиала листовой".into(), brand: Some("пиала".into()), oktru: None };
        assert_eq!(queries(&s, None), ["чай пиала листовой", "чай листовой"]);
        let bare = Subject { name: "чай листовой".into(), ..Subject::default() };
        assert_eq!(queries(&bare, Some("Чай")), ["чай листовой"]);
        assert!(queries(&Subject::default(), None).is_empty());
    }
}
