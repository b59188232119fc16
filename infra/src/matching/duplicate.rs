//! The card check's near-duplicate warning: the card's own name, brand and category are searched in NCT (one
//! cached search) and `domain::matching::duplicate` decides. Skipped for a SKU that has an NTIN, has no
//! name, or whose match a person rejected (they know); a failed search only costs the warning (logged).

use domain::card::CardProblem;
use domain::matching::query::queries;
use domain::matching::{MatchState, Subject};
use secrecy::SecretString;

use super::SearchService;
use crate::db::card_repo::CardSku;

/// The `LIKELY_EXISTING_CARD` warning for `card`, if NCT's search finds a card that very probably is it.
pub async fn duplicate_warning(search: &SearchService, key: &SecretString, card: &CardSku, match_state: Option<MatchState>) -> Option<CardProblem> {
    let s = &card.sku;
    if s.ntin.is_some() || match_state == Some(MatchState::Rejected) {
        return None;
    }
    let subject = Subject { name: s.name_ru.clone().filter(|n| !n.trim().is_empty())?, brand: s.brand.clone(), oktru: s.oktru.clone() };
    let query = queries(&subject, None).into_iter().next()?;
    // The verdict of the same subject (its search is made of it) a moment ago: ranking twenty cards by name
    // for each of a page's 250 cards took most of the page's time.
    let memo_key = format!("{:?}", (&subject.name, &subject.brand, &subject.oktru));
    if let Some(verdict) = search.verdicts.get(&memo_key, "") {
        return verdict;
    }
    match search.search(key, &query).await {
        Ok(answer) => {
            let verdict = domain::matching::duplicate::likely_existing_card(&subject, answer.cards);
            search.verdicts.put(memo_key, String::new(), verdict.clone());
            verdict
        }
        Err(e) => {
            tracing::warn!(sku_id = %s.id, error = %e, "the near-duplicate search failed; the card check goes on without it");
            None
        }
    }
}
