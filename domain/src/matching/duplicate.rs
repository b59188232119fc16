//! The card check's near-duplicate rule: before a card is submitted, the caller searches NCT for the card's
//! name and passes what it found; when a card there very probably is this product, the check warns (NCT's
//! moderation would otherwise be the first to say so, days later, with a duplicate review or a rejection).
//!
//! It is a warning, not an error: the seller may know better (another pack, another manufacturer), and
//! NCT accepts the request.

use super::score::{CandidateCard, Prepared, Subject};
use super::{LIKELY_SCORE, rank};
use crate::card::{CardProblem, CardProblemCode, Severity};

/// A warning on `name_ru` when one of `found` scores at least [`LIKELY_SCORE`] for the card's own name,
/// brand and category; `None` otherwise.
#[must_use]
pub fn likely_existing_card(card: &Subject, found: impl IntoIterator<Item = CandidateCard>) -> Option<CardProblem> {
    if card.name.trim().is_empty() {
        return None;
    }
    let ranking = rank(&Prepared::new(card), found);
    let top = ranking.candidates.first().filter(|c| c.score >= LIKELY_SCORE)?;
    Some(CardProblem {
        field: "name_ru".into(),
        code: CardProblemCode::LikelyExistingCard,
        severity: Severity::Warning,
        message: format!(
            "NCT already has a card that looks like this product: «{}» (NTIN {}, match score {:.2}). If it is the same product, confirm it as the SKU's match (confirmMatch) instead of submitting a new card; NCT's moderation returns duplicates",
            top.card.name_ru, top.card.ntin, top.score
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_identical_card_is_a_warning_and_an_unrelated_one_is_not() {
        let me = Subject { name: "Печенье сахарное Tau К чаю с корицей 400 г".into(), brand: Some("Tau".into()), oktru: Some("1020-0011-0005-100006410".into()) };
        let twin = CandidateCard {
            ntin: "0200000000017".into(),
            name_ru: "Печенье сахарное Tau К чаю с корицей 400 г".into(),
            brand: Some("Tau".into()),
            oktru: Some("1020-0011-0005-100006410".into()),
            ..CandidateCard::default()
        };
        let p = likely_existing_card(&me, [twin.clone()]).unwrap();
        assert_eq!((p.code, p.severity, p.field.as_str()), (CardProblemCode::LikelyExistingCard, Severity::Warning, "name_ru"));
        assert!(p.message.contains("0200000000017"));
        let other = CandidateCard { name_ru: "Плита тротуарная Кирпич 200x100x60 мм".into(), ..twin };
        assert_eq!(likely_existing_card(&me, [other]), None);
        assert_eq!(likely_existing_card(&Subject::default(), []), None);
    }
}
