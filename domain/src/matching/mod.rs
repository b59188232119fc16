//! Matching a SKU without a usable barcode to existing NCT cards: what to search for, how to rank what the
//! search returns, and when a card about to be submitted probably exists already. Pure: the search itself
//! is infra's.
//!
//! # Layout
//! - [`text`]: words, keys (script, case and spelling folded), measures, abbreviations.
//! - [`score`]: the documented score of one card for one SKU, with its reasons.
//! - [`query`]: the searches to run for a SKU, most precise first; [`finder`]: the loop that runs them until a
//!   likely match (the caller searches).
//! - [`duplicate`]: the card-check warning for a likely existing card.
//! - this module: [`rank`] (dedupe, score, sort, keep the best) and the [`MatchState`] of a SKU.
//!
//! A person decides, never the system: [`Verdict::Likely`] only marks the top candidate as the one to look
//! at first.

pub mod duplicate;
pub mod finder;
pub mod query;
pub mod score;
pub mod text;

use serde::{Deserialize, Serialize};

pub use score::{CandidateCard, MatchReason, Prepared, ReasonCode, ScoredCandidate, Subject};

use crate::wire::wire_names;

/// Candidates scoring below this are not kept.
pub const MIN_CANDIDATE_SCORE: f64 = 0.35;
/// A top candidate at or above this score…
pub const LIKELY_SCORE: f64 = 0.70;
/// …and at least this far ahead of the second is a likely match.
pub const LIKELY_MARGIN: f64 = 0.08;
/// Candidates kept per SKU.
pub const KEPT_CANDIDATES: usize = 5;

/// What the ranking says about a SKU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// One candidate stands out: it is very probably the product.
    Likely,
    /// Candidates worth a look, none standing out.
    Candidates,
    /// Nothing close.
    NoMatch,
}

/// Where a SKU is in matching (stored per SKU; a person moves it to `CONFIRMED` or `REJECTED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MatchState {
    /// A likely match awaits a person's decision.
    Likely,
    /// Weaker candidates await a person's decision.
    Candidates,
    /// The search found nothing close: the SKU goes on to a card.
    NoMatch,
    /// A person confirmed a candidate; its NTIN is the SKU's (source `MATCH`).
    Confirmed,
    /// A person rejected every candidate: the SKU goes on to a card.
    Rejected,
}

wire_names!(MatchState {
    Likely => "LIKELY",
    Candidates => "CANDIDATES",
    NoMatch => "NO_MATCH",
    Confirmed => "CONFIRMED",
    Rejected => "REJECTED",
});

impl MatchState {
    /// The state a search leaves a SKU in.
    #[must_use]
    pub fn from_verdict(v: Verdict) -> Self {
        match v {
            Verdict::Likely => Self::Likely,
            Verdict::Candidates => Self::Candidates,
            Verdict::NoMatch => Self::NoMatch,
        }
    }

    /// Waiting for a person: the SKU is held back from bulk card submission.
    #[must_use]
    pub fn awaits_decision(self) -> bool {
        matches!(self, Self::Likely | Self::Candidates)
    }
}

/// The ranked candidates of a SKU.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// Best first, at most [`KEPT_CANDIDATES`], each at least [`MIN_CANDIDATE_SCORE`].
    pub candidates: Vec<ScoredCandidate>,
    /// What the ranking says.
    pub verdict: Verdict,
}

impl Ranking {
    /// The best score (0 without candidates).
    #[must_use]
    pub fn best_score(&self) -> f64 {
        self.candidates.first().map_or(0.0, |c| c.score)
    }
}

/// Scores `cards` for `subject`: one entry per NTIN (its best), best first (ties by card id), weak ones
/// dropped, [`KEPT_CANDIDATES`] kept, and the verdict.
#[must_use]
pub fn rank(subject: &Prepared, cards: impl IntoIterator<Item = CandidateCard>) -> Ranking {
    let mut scored: Vec<ScoredCandidate> = Vec::new();
    for card in cards {
        if card.ntin.trim().is_empty() {
            continue;
        }
        let s = score::score(subject, &card);
        match scored.iter_mut().find(|x| x.card.ntin == s.card.ntin) {
            Some(existing) if existing.score >= s.score => {}
            Some(existing) => *existing = s,
            None => scored.push(s),
        }
    }
    scored.retain(|s| s.score >= MIN_CANDIDATE_SCORE);
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.card.card_id.cmp(&b.card.card_id)));
    scored.truncate(KEPT_CANDIDATES);
    let verdict = match scored.as_slice() {
        [] => Verdict::NoMatch,
        [top, rest @ ..] if top.score >= LIKELY_SCORE && rest.first().is_none_or(|s| top.score - s.score >= LIKELY_MARGIN) => Verdict::Likely,
        _ => Verdict::Candidates,
    };
    Ranking { candidates: scored, verdict }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(ntin: &str, name: &str, id: i64) -> CandidateCard {
        CandidateCard { ntin: ntin.into(), name_ru: name.into(), brand: Some("Рахат".into()), card_id: id, ..CandidateCard::default() }
    }

    #[test]
    fn ranking_dedupes_sorts_drops_weak_ones_and_says_likely_when_one_stands_out() {
        let s = Prepared::new(&Subject { name: "Батончик Рахат Energy с нугой 50г".into(), ..Subject::default() });
        let cards = vec![
            card("0200000000024", "Батончик шоколадный Рахат Energy с нугой 100 г", 2),
            card("0200000000017", "Батончик шоколадный Рахат Energy с нугой 50 г", 1),
            card("0200000000017", "Батончик шоколадный Рахат Energy с нугой 50 г", 1),
            card("0200000000031", "Плита тротуарная Кирпич 200x100x60 мм серая", 3),
            card("", "no ntin", 4),
        ];
        let r = rank(&s, cards);
        assert_eq!(r.candidates.len(), 2, "{r:?}");
        assert_eq!(r.candidates[0].card.ntin, "0200000000017");
        assert_eq!(r.verdict, Verdict::Likely);
        assert_eq!(MatchState::from_verdict(r.verdict), MatchState::Likely);
    }

    #[test]
    fn two_equally_good_cards_are_candidates_not_a_likely_match() {
        let s = Prepared::new(&Subject { name: "Батончик Рахат Energy 50г".into(), ..Subject::default() });
        let r = rank(&s, [card("0200000000017", "Батончик Рахат Energy с нугой 50 г", 1), card("0200000000024", "Батончик Рахат Energy с кокосом 50 г", 2)]);
        assert_eq!(r.verdict, Verdict::Candidates, "{r:?}");
        assert_eq!(rank(&s, []).verdict, Verdict::NoMatch);
        assert!(MatchState::Candidates.awaits_decision() && !MatchState::Rejected.awaits_decision());
    }

    #[test]
    fn wire_names_round_trip() {
        for s in MatchState::ALL {
            assert_eq!(MatchState::parse(s.as_str()), Some(s));
        }
        for c in ReasonCode::ALL {
            assert_eq!(ReasonCode::parse(c.as_str()), Some(c));
        }
    }
}
