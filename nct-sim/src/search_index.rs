//! The simulated search gateway's inverted index over the seed cards, built once (on the first search) and
//! shared by every request.
//!
//! Like a full-text engine with default settings it is broad: a card matches when any query term matches
//! one of its terms, so a brand alone finds every card of the brand (the "Milka gives 1,226 hits"
//! complaint). A query term matches an index term
//! - exactly (weight 1.0);
//! - as a prefix of at least 3 letters (0.8: `шок.` finds `шоколад`);
//! - within one typo (terms of 4–7 letters) or two (8 and more), transpositions included (0.7).
//!
//! Numbers match exactly only. Each query term adds its best match in the card, weighted by the term's
//! IDF and by the field (Russian name and brand 1.0, Kazakh name 0.4), and the sum is normalised by the
//! card's length as BM25 does (b = 0.3). A GTIN or NTIN query finds its card(s) first.

use std::collections::HashMap;

use super::search_text::{edit_distance, terms};
use super::seed::{SeedCard, normalize_tin};

/// Weight of a term from the Kazakh name only.
const KK_WEIGHT: f32 = 0.4;
/// Length normalisation strength.
const LENGTH_B: f32 = 0.3;

/// One scored card.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Position in the indexed cards.
    pub doc: u32,
    /// Relevance.
    pub score: f32,
}

/// The inverted index.
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// Term text → term id.
    vocab: HashMap<String, u32>,
    /// Term id → text (for fuzzy scans).
    words: Vec<String>,
    /// Term id → `(doc, field weight)`.
    postings: Vec<Vec<(u32, f32)>>,
    /// Term id → inverse document frequency.
    idf: Vec<f32>,
    /// Doc → number of terms.
    lengths: Vec<u16>,
    avg_len: f32,
    /// Normalised GTIN / NTIN → docs.
    codes: HashMap<String, Vec<u32>>,
}

/// The terms of one card with their field weights (the best weight per term).
pub fn card_terms(card: &SeedCard) -> Vec<(String, f32)> {
    let mut out: Vec<(String, f32)> = Vec::new();
    let mut add = |t: String, w: f32| match out.iter_mut().find(|(x, _)| *x == t) {
        Some(e) => e.1 = e.1.max(w),
        None => out.push((t, w)),
    };
    for t in terms(&card.name_ru) {
        add(t, 1.0);
    }
    if let Some(brand) = card.brand() {
        for t in terms(brand) {
            add(t, 1.0);
        }
    }
    for t in terms(&card.name_kk) {
        add(t, KK_WEIGHT);
    }
    out
}

impl SearchIndex {
    /// Indexes `cards` (positions become doc ids).
    pub fn build(cards: &[SeedCard]) -> Self {
        let mut index = Self::default();
        let mut total = 0usize;
        for (doc, card) in cards.iter().enumerate() {
            let doc = doc as u32;
            let ts = card_terms(card);
            total += ts.len();
            index.lengths.push(u16::try_from(ts.len()).unwrap_or(u16::MAX));
            for (t, w) in ts {
                let id = match index.vocab.get(&t) {
                    Some(&id) => id,
                    None => {
                        let id = index.words.len() as u32;
                        index.vocab.insert(t.clone(), id);
                        index.words.push(t);
                        index.postings.push(Vec::new());
                        id
                    }
                };
                index.postings[id as usize].push((doc, w));
            }
            for code in [&card.gtin, &card.ntin] {
                if !code.is_empty() {
                    index.codes.entry(code.clone()).or_default().push(doc);
                }
            }
        }
        let n = cards.len().max(1) as f32;
        index.idf = index
            .postings
            .iter()
            .map(|p| {
                let df = p.len() as f32;
                (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
            })
            .collect();
        index.avg_len = total as f32 / n;
        index
    }

    /// The index terms a query term matches, with the match quality.
    fn expand(&self, q: &str) -> Vec<(u32, f32)> {
        let mut out = Vec::new();
        if let Some(&id) = self.vocab.get(q) {
            out.push((id, 1.0));
        }
        if q.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return out;
        }
        let qlen = q.chars().count();
        let max_typos = match qlen {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        for (id, word) in self.words.iter().enumerate() {
            let id = id as u32;
            if out.iter().any(|(x, _)| *x == id) {
                continue;
            }
            if qlen >= 3 && word.len() > q.len() && word.starts_with(q) {
                out.push((id, 0.8));
            } else if max_typos > 0 && edit_distance(q, word, max_typos).is_some() {
                out.push((id, 0.7));
            }
        }
        out
    }

    /// Inverse document frequency of a term text (the highest one for unknown terms).
    pub fn idf_of(&self, term: &str) -> f32 {
        match self.vocab.get(term) {
            Some(&id) => self.idf[id as usize],
            None => (1.0 + (self.lengths.len() as f32 + 0.5) / 0.5).ln(),
        }
    }

    /// Every card matching `query`, scored; unsorted.
    pub fn search(&self, query: &str) -> Vec<Hit> {
        let mut acc: HashMap<u32, f32> = HashMap::new();
        // Codes first: a GTIN or NTIN query finds its cards above everything else.
        for token in query.split(|c: char| !c.is_ascii_digit()).filter(|t| t.len() >= 8) {
            let key = normalize_tin(token).unwrap_or_else(|| token.to_owned());
            for &doc in self.codes.get(&key).into_iter().flatten() {
                *acc.entry(doc).or_default() += 1000.0;
            }
        }
        let mut qterms = terms(query);
        qterms.sort();
        qterms.dedup();
        for q in &qterms {
            // Best match of this query term per card.
            let mut best: HashMap<u32, f32> = HashMap::new();
            for (id, quality) in self.expand(q) {
                let idf = self.idf[id as usize];
                for &(doc, w) in &self.postings[id as usize] {
                    let s = quality * idf * w;
                    let e = best.entry(doc).or_default();
                    if s > *e {
                        *e = s;
                    }
                }
            }
            for (doc, s) in best {
                *acc.entry(doc).or_default() += s;
            }
        }
        acc.into_iter()
            .map(|(doc, s)| {
                let len = f32::from(self.lengths[doc as usize]);
                let norm = 1.0 - LENGTH_B + LENGTH_B * len / self.avg_len.max(1.0);
                Hit { doc, score: s / norm }
            })
            .collect()
    }

    /// Scores one card outside the index (cards published through the simulator's moderation), with the
    /// same rules and this index's IDFs.
    pub fn score_card(&self, query: &str, card: &SeedCard) -> f32 {
        let ct = card_terms(card);
        let mut qterms = terms(query);
        qterms.sort();
        qterms.dedup();
        let mut total = 0.0;
        for q in &qterms {
            let numeric = q.chars().all(|c| c.is_ascii_digit() || c == '.');
            let max_typos = match q.chars().count() {
                0..=3 => 0,
                4..=7 => 1,
                _ => 2,
            };
            let best = ct
                .iter()
                .map(|(t, w)| {
                    let quality = if t == q {
                        1.0
                    } else if numeric {
                        0.0
                    } else if q.len() >= 3 && t.starts_with(q.as_str()) {
                        0.8
                    } else if max_typos > 0 && edit_distance(q, t, max_typos).is_some() {
                        0.7
                    } else {
                        0.0
                    };
                    quality * w * self.idf_of(t)
                })
                .fold(0.0f32, f32::max);
            total += best;
        }
        let norm = 1.0 - LENGTH_B + LENGTH_B * ct.len() as f32 / self.avg_len.max(1.0);
        total / norm
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::seed::Catalog;

    fn top(index: &SearchIndex, cards: &[SeedCard], q: &str) -> String {
        let mut hits = index.search(q);
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        hits.first().map(|h| cards[h.doc as usize].name_ru.clone()).unwrap_or_default()
    }

    #[test]
    fn seller_spellings_find_the_card() {
        let catalog = Catalog::generate(3_000);
        let cards = catalog.cards();
        let index = SearchIndex::build(cards);
        // Card 1's full name, rewritten as sellers write it.
        let target = &cards[1].name_ru;
        let words: Vec<&str> = target.split(' ').collect();
        let reversed = words.iter().rev().copied().collect::<Vec<_>>().join(" ");
        assert_eq!(&top(&index, cards, &reversed), target, "word order");
        assert_eq!(&top(&index, cards, &target.to_uppercase()), target, "case");
        let typo: String = target.replacen("ола", "оал", 1);
        assert_eq!(&top(&index, cards, &typo), target, "typo: {typo}");
        // A GTIN finds its card.
        let by_gtin = top(&index, cards, &cards[5].gtin);
        assert_eq!(by_gtin, cards[5].name_ru);
    }

    #[test]
    fn a_brand_alone_is_broad() {
        let catalog = Catalog::generate(3_000);
        let index = SearchIndex::build(catalog.cards());
        let brand = catalog.cards()[0].brand().unwrap();
        assert!(index.search(brand).len() > 50, "{brand}");
    }
}
