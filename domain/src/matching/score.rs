//! The match score of one NCT card for one SKU, with the reasons behind it.
//!
//! ```text
//! score = clamp(0.60 · text + brand + category + measure, 0, 1)
//! ```
//!
//! - **text** ∈ [0, 1]: how well the names agree once brands and measures are taken out (they are scored on
//!   their own). Words are aligned one to one, best pairs first; a pair counts 1.0 when the keys are equal
//!   (any script or case), 0.9 for another ending of the same word (`фундуком`/`фундук`), 0.85 for an
//!   abbreviation (`шок.`/`шоколад`), 0.8 for one typo (words of 5+ letters) and 0.65 for two (8+ letters).
//!   `text` is the Dice coefficient of the two word lists: 2 · Σ pair scores / (SKU words + card words), so
//!   both a seller's extra words and the card's words the seller left out lower it.
//! - **brand**: +0.20 when the SKU's brand (its brand field, or the card's brand written in the SKU name)
//!   equals the card's; −0.30 when the SKU's brand field names another brand; 0 when either side is silent.
//! - **category**: +0.10 same OKTRU leaf, +0.05 same level-3 group, −0.15 another level-1 category, 0 when
//!   the SKU has no category.
//! - **measure**: +0.10 when a weight/volume/count/size in both names is the same amount (`0,5 л` = `500 мл`),
//!   −0.25 when it differs (another pack size is another card), 0 when either name has none.
//!
//! The weights were set on the tuning split of the evaluation data (`nct-sim/eval/`), never on the held-out
//! split the README reports.

use serde::{Deserialize, Serialize};

use super::text::{Analyzed, Measure, Word, analyze, distance};
use crate::wire::wire_names;

/// Weight of the name similarity.
pub const TEXT_WEIGHT: f64 = 0.60;
/// Same brand.
pub const BRAND_MATCH: f64 = 0.20;
/// Another brand.
pub const BRAND_MISMATCH: f64 = -0.30;
/// Same OKTRU leaf.
pub const CATEGORY_MATCH: f64 = 0.10;
/// Same level-3 group.
pub const CATEGORY_NEAR: f64 = 0.05;
/// Another level-1 category.
pub const CATEGORY_MISMATCH: f64 = -0.15;
/// Same amount.
pub const MEASURE_MATCH: f64 = 0.10;
/// Another amount of the same kind.
pub const MEASURE_MISMATCH: f64 = -0.25;

/// What the SKU says about its product.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    /// The name as the seller wrote it.
    pub name: String,
    /// The brand field, when filled.
    pub brand: Option<String>,
    /// The OKTRU leaf, when known.
    pub oktru: Option<String>,
}

/// A card NCT's search returned (public catalog facts only).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CandidateCard {
    /// NTIN.
    pub ntin: String,
    /// GTIN on the card.
    pub gtin: Option<String>,
    /// Russian name.
    pub name_ru: String,
    /// Kazakh name.
    pub name_kk: Option<String>,
    /// The card's `brand` attribute.
    pub brand: Option<String>,
    /// Leaf OKTRU code.
    pub oktru: Option<String>,
    /// Russian name of the leaf category.
    pub category_name: Option<String>,
    /// NCT card id.
    pub card_id: i64,
}

/// Why a candidate scored as it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReasonCode {
    /// The name similarity part.
    NameSimilarity,
    /// Same brand.
    BrandMatch,
    /// Another brand.
    BrandMismatch,
    /// Same OKTRU leaf.
    CategoryMatch,
    /// Same level-3 OKTRU group.
    CategoryNear,
    /// Another level-1 category.
    CategoryMismatch,
    /// Same weight, volume, count or size.
    MeasureMatch,
    /// Another weight, volume, count or size.
    MeasureMismatch,
}

wire_names!(ReasonCode {
    NameSimilarity => "NAME_SIMILARITY",
    BrandMatch => "BRAND_MATCH",
    BrandMismatch => "BRAND_MISMATCH",
    CategoryMatch => "CATEGORY_MATCH",
    CategoryNear => "CATEGORY_NEAR",
    CategoryMismatch => "CATEGORY_MISMATCH",
    MeasureMatch => "MEASURE_MATCH",
    MeasureMismatch => "MEASURE_MISMATCH",
});

/// One part of a score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchReason {
    /// Which part.
    pub code: ReasonCode,
    /// Points it added (negative: removed).
    pub points: f64,
    /// What was compared, in English.
    pub detail: String,
}

/// A candidate with its score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoredCandidate {
    /// The card.
    pub card: CandidateCard,
    /// 0–1.
    pub score: f64,
    /// The parts, in formula order.
    pub reasons: Vec<MatchReason>,
}

/// A subject analysed once for many cards.
#[derive(Clone, Debug)]
pub struct Prepared {
    name: Analyzed,
    brand: Vec<Word>,
    brand_text: Option<String>,
    oktru: Option<String>,
}

impl Prepared {
    /// Analyses the subject.
    #[must_use]
    pub fn new(subject: &Subject) -> Self {
        let brand_text = subject.brand.as_deref().map(str::trim).filter(|b| !b.is_empty()).map(str::to_owned);
        Self {
            name: analyze(&subject.name),
            brand: brand_text.as_deref().map(|b| analyze(b).words).unwrap_or_default(),
            brand_text,
            oktru: subject.oktru.as_deref().map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned),
        }
    }

    /// The SKU's name measures.
    #[must_use]
    pub fn measures(&self) -> &[Measure] {
        &self.name.measures
    }
}

/// How two words agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Agreement {
    Exact,
    Inflection,
    Abbreviation,
    Typo,
}

/// Similarity of two words and how they agree (`None`: they do not).
fn word_similarity(a: &Word, b: &Word) -> Option<(f64, Agreement)> {
    if a.key == b.key {
        return Some((1.0, Agreement::Exact));
    }
    if a.numeric || b.numeric || a.key.is_empty() || b.key.is_empty() {
        return None;
    }
    let (short, long) = if a.key.len() <= b.key.len() { (a, b) } else { (b, a) };
    if long.key.starts_with(&short.key) && short.key.len() >= 3 {
        let tail = long.key.len() - short.key.len();
        return Some(if short.abbreviated { (0.85, Agreement::Abbreviation) } else if tail <= 3 { (0.9, Agreement::Inflection) } else { (0.85, Agreement::Abbreviation) });
    }
    // Other endings of one stem: `молочный`/`молочная`.
    let common = a.key.chars().zip(b.key.chars()).take_while(|(x, y)| x == y).count();
    if common >= 5 && a.key.chars().count() - common <= 3 && b.key.chars().count() - common <= 3 {
        return Some((0.9, Agreement::Inflection));
    }
    let len = a.key.chars().count().max(b.key.chars().count());
    match distance(&a.key, &b.key, 2) {
        Some(1) if len >= 5 => Some((0.8, Agreement::Typo)),
        Some(2) if len >= 8 => Some((0.65, Agreement::Typo)),
        _ => None,
    }
}

fn weight(w: &Word) -> f64 {
    if !w.numeric && w.key.chars().count() <= 1 { 0.3 } else { 1.0 }
}

/// Indices of `words` that spell `brand` (every brand word found, at least 0.8 similar), or `None`.
fn find_brand(words: &[Word], brand: &[Word]) -> Option<Vec<usize>> {
    if brand.is_empty() {
        return None;
    }
    // Written as one word: `BayanSulu` for `Баян Сулу`.
    let joined: String = brand.iter().map(|w| w.key.as_str()).collect();
    if let Some(n) = words.iter().position(|w| w.key == joined) {
        return Some(vec![n]);
    }
    let mut used = Vec::new();
    for b in brand {
        let hit = words
            .iter()
            .enumerate()
            .filter(|(n, _)| !used.contains(n))
            .find(|(_, w)| word_similarity(w, b).is_some_and(|(s, _)| s >= 0.8))?;
        used.push(hit.0);
    }
    Some(used)
}

fn brands_equal(a: &[Word], b: &[Word]) -> bool {
    let ja: String = a.iter().map(|w| w.key.as_str()).collect();
    let jb: String = b.iter().map(|w| w.key.as_str()).collect();
    ja == jb || distance(&ja, &jb, 1).is_some() && ja.len() >= 5 || find_brand(a, b).is_some() && find_brand(b, a).is_some()
}

/// Scores one card for a prepared subject.
#[must_use]
pub fn score(subject: &Prepared, card: &CandidateCard) -> ScoredCandidate {
    let card_name = analyze(&card.name_ru);
    let card_brand: Vec<Word> = card.brand.as_deref().map(|b| analyze(b).words).unwrap_or_default();
    let mut sku_words: Vec<&Word> = subject.name.words.iter().collect();
    let mut card_words: Vec<&Word> = card_name.words.iter().collect();
    let mut reasons = Vec::new();

    // Brand: compared on its own, then taken out of both names.
    let brand_points = brand_part(subject, card, &card_brand, &card_name, &mut reasons);
    for brand in [&subject.brand, &card_brand] {
        if let Some(idx) = find_brand(&subject.name.words, brand) {
            let drop: Vec<&Word> = idx.iter().map(|&n| &subject.name.words[n]).collect();
            sku_words.retain(|w| !drop.iter().any(|d| std::ptr::eq(*d, *w)));
        }
        if let Some(idx) = find_brand(&card_name.words, brand) {
            let drop: Vec<&Word> = idx.iter().map(|&n| &card_name.words[n]).collect();
            card_words.retain(|w| !drop.iter().any(|d| std::ptr::eq(*d, *w)));
        }
    }

    let (text, detail) = text_similarity(&sku_words, &card_words);
    reasons.insert(0, MatchReason { code: ReasonCode::NameSimilarity, points: round(TEXT_WEIGHT * text), detail });
    let category_points = category_part(subject, card, &mut reasons);
    let measure_points = measure_part(subject.measures(), &card_name.measures, &mut reasons);
    let total = (TEXT_WEIGHT * text + brand_points + category_points + measure_points).clamp(0.0, 1.0);
    ScoredCandidate { card: card.clone(), score: round(total), reasons }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn brand_part(subject: &Prepared, card: &CandidateCard, card_brand: &[Word], card_name: &Analyzed, reasons: &mut Vec<MatchReason>) -> f64 {
    let card_brand_text = card.brand.as_deref().unwrap_or_default();
    let (code, points, detail) = match (&subject.brand_text, card_brand.is_empty()) {
        (Some(sb), false) if brands_equal(&subject.brand, card_brand) => {
            (ReasonCode::BrandMatch, BRAND_MATCH, format!("the SKU's brand «{sb}» is the card's brand «{card_brand_text}»"))
        }
        (Some(sb), false) => (ReasonCode::BrandMismatch, BRAND_MISMATCH, format!("the SKU's brand «{sb}» is not the card's brand «{card_brand_text}»")),
        (None, false) if find_brand(&subject.name.words, card_brand).is_some() => {
            (ReasonCode::BrandMatch, BRAND_MATCH, format!("the card's brand «{card_brand_text}» is written in the SKU name"))
        }
        (Some(sb), true) if find_brand(&card_name.words, &subject.brand).is_some() => {
            (ReasonCode::BrandMatch, BRAND_MATCH, format!("the SKU's brand «{sb}» is written in the card name"))
        }
        _ => return 0.0,
    };
    reasons.push(MatchReason { code, points, detail });
    points
}

fn category_part(subject: &Prepared, card: &CandidateCard, reasons: &mut Vec<MatchReason>) -> f64 {
    let (Some(ours), Some(theirs)) = (subject.oktru.as_deref(), card.oktru.as_deref()) else {
        return 0.0;
    };
    let level = |code: &str, n: usize| code.split('-').take(n).collect::<Vec<_>>().join("-");
    let (code, points, detail) = if ours == theirs {
        (ReasonCode::CategoryMatch, CATEGORY_MATCH, format!("same OKTRU category {ours}"))
    } else if level(ours, 3) == level(theirs, 3) {
        (ReasonCode::CategoryNear, CATEGORY_NEAR, format!("same OKTRU group {}", level(ours, 3)))
    } else if level(ours, 1) != level(theirs, 1) {
        (ReasonCode::CategoryMismatch, CATEGORY_MISMATCH, format!("the card is in OKTRU {theirs}, far from the SKU's {ours}"))
    } else {
        return 0.0;
    };
    reasons.push(MatchReason { code, points, detail });
    points
}

fn measure_part(ours: &[Measure], theirs: &[Measure], reasons: &mut Vec<MatchReason>) -> f64 {
    let mut matched = None;
    for m in ours {
        let Some(other) = theirs.iter().find(|t| t.kind == m.kind) else { continue };
        if !m.same_as(other) {
            reasons.push(MatchReason { code: ReasonCode::MeasureMismatch, points: MEASURE_MISMATCH, detail: format!("{} in the SKU name, {} on the card", m.label(), other.label()) });
            return MEASURE_MISMATCH;
        }
        matched.get_or_insert(m.label());
    }
    match matched {
        Some(label) => {
            reasons.push(MatchReason { code: ReasonCode::MeasureMatch, points: MEASURE_MATCH, detail: format!("{label} on both") });
            MEASURE_MATCH
        }
        None => 0.0,
    }
}

/// Dice similarity of two word lists, with a sentence saying what matched.
fn text_similarity(sku: &[&Word], card: &[&Word]) -> (f64, String) {
    let total: f64 = sku.iter().map(|w| weight(w)).sum::<f64>() + card.iter().map(|w| weight(w)).sum::<f64>();
    if total == 0.0 {
        return (0.0, "no words to compare".into());
    }
    let mut pairs: Vec<(f64, Agreement, usize, usize)> = Vec::new();
    for (i, a) in sku.iter().enumerate() {
        for (j, b) in card.iter().enumerate() {
            if let Some((s, kind)) = word_similarity(a, b) {
                pairs.push((s, kind, i, j));
            }
        }
    }
    pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.2.cmp(&y.2)).then(x.3.cmp(&y.3)));
    let (mut used_a, mut used_b) = (vec![false; sku.len()], vec![false; card.len()]);
    let (mut sum, mut counts) = (0.0, [0usize; 4]);
    for (s, kind, i, j) in pairs {
        if used_a[i] || used_b[j] {
            continue;
        }
        used_a[i] = true;
        used_b[j] = true;
        sum += s * (weight(sku[i]) + weight(card[j]));
        counts[kind as usize] += 1;
    }
    let matched: usize = counts.iter().sum();
    let mut detail = format!("{matched} of {} SKU words found in the card name", sku.len());
    let notes: Vec<String> = [(counts[1], "other ending"), (counts[2], "abbreviated"), (counts[3], "with a typo")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if !notes.is_empty() {
        detail.push_str(&format!(" ({})", notes.join(", ")));
    }
    let missing: Vec<&str> = card.iter().zip(&used_b).filter(|(_, u)| !**u).map(|(w, _)| w.raw.as_str()).collect();
    if !missing.is_empty() {
        detail.push_str(&format!("; card words not in the SKU name: {}", missing.join(", ")));
    }
    let extra: Vec<&str> = sku.iter().zip(&used_a).filter(|(_, u)| !**u).map(|(w, _)| w.raw.as_str()).collect();
    if !extra.is_empty() {
        detail.push_str(&format!("; SKU words not on the card: {}", extra.join(", ")));
    }
    ((sum / total).clamp(0.0, 1.0), detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(name: &str, brand: Option<&str>, oktru: &str) -> CandidateCard {
        CandidateCard { ntin: "0200000000017".into(), name_ru: name.into(), brand: brand.map(str::to_owned), oktru: Some(oktru.into()), ..CandidateCard::default() }
    }

    fn subject(name: &str, brand: Option<&str>, oktru: Option<&str>) -> Prepared {
        Prepared::new(&Subject { name: name.into(), brand: brand.map(str::to_owned), oktru: oktru.map(str::to_owned) })
    }

    const CHOC: &str = "1020-0011-0003-100006375";

    #[test]
    fn the_same_product_written_by_a_seller_scores_high_with_reasons() {
        let s = subject("ШОК. МОЛ. Bayan Sulu золотои с цельным фундуком 0,09кг", None, Some(CHOC));
        let c = card("Шоколад молочный Баян Сулу Золотой с цельным фундуком 90 г", Some("Баян Сулу"), CHOC);
        let r = score(&s, &c);
        let codes: Vec<ReasonCode> = r.reasons.iter().map(|x| x.code).collect();
        assert_eq!(codes, [ReasonCode::NameSimilarity, ReasonCode::BrandMatch, ReasonCode::CategoryMatch, ReasonCode::MeasureMatch]);
        assert!(r.score >= 0.9, "{r:?}");
        assert!(r.reasons[0].detail.contains("abbreviated"), "{}", r.reasons[0].detail);
    }

    #[test]
    fn another_pack_size_or_brand_loses_to_the_right_card() {
        let s = subject("Шоколад молочный Золотой с цельным фундуком 90 г", Some("Баян Сулу"), None);
        let right = score(&s, &card("Шоколад молочный Баян Сулу Золотой с цельным фундуком 90 г", Some("Баян Сулу"), CHOC));
        let size = score(&s, &card("Шоколад молочный Баян Сулу Золотой с цельным фундуком 200 г", Some("Баян Сулу"), CHOC));
        let brand = score(&s, &card("Шоколад молочный Рахат Золотой с цельным фундуком 90 г", Some("Рахат"), CHOC));
        assert!(right.score > size.score + 0.3, "{right:?} {size:?}");
        assert!(right.score > brand.score + 0.4, "{right:?} {brand:?}");
        assert!(size.reasons.iter().any(|r| r.code == ReasonCode::MeasureMismatch && r.detail.contains("200 g")));
        assert!(brand.reasons.iter().any(|r| r.code == ReasonCode::BrandMismatch));
    }

    #[test]
    fn a_card_without_the_brand_in_its_name_still_matches_on_its_brand_attribute() {
        let s = subject("Nomad Tea чай зеленый листовой с жасмином 100г", None, None);
        let c = card("Чай зеленый листовой с жасмином 100 г", Some("Nomad Tea"), "1020-0013-0001-100008101");
        let r = score(&s, &c);
        assert!(r.reasons.iter().any(|x| x.code == ReasonCode::BrandMatch));
        assert!(r.score >= 0.85, "{r:?}");
    }

    #[test]
    fn categories_far_apart_cost_points() {
        let s = subject("Смартфон Nomad A15 128 ГБ черный", None, Some("1020-0011-0003-100006375"));
        let c = card("Смартфон Nomad A15 128 ГБ черный", Some("Nomad"), "1024-0001-0003-100007979");
        let r = score(&s, &c);
        assert!(r.reasons.iter().any(|x| x.code == ReasonCode::CategoryMismatch));
        assert!((r.score - (TEXT_WEIGHT + BRAND_MATCH + CATEGORY_MISMATCH + MEASURE_MATCH)).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn unrelated_names_score_low() {
        let s = subject("Корм сухой для кошек с курицей 1,5 кг", Some("Мысық"), None);
        let r = score(&s, &card("Печенье сахарное Tau К чаю с корицей 400 г", Some("Tau"), "1020-0011-0005-100006410"));
        assert!(r.score < 0.2, "{r:?}");
    }
}
