//! [`Finder`]: the search loop of one SKU, without the searching. The caller asks for the next query, runs it
//! (through its cache, pacer and retries) and hands the cards back; the finder pools them, ranks the pool
//! after each query and stops at the first likely match, so most SKUs cost one search.

use std::collections::VecDeque;

use super::query::queries;
use super::score::{CandidateCard, Prepared, Subject};
use super::{Ranking, Verdict, rank};

/// What the search of one SKU found.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The ranking over every card the queries found.
    pub ranking: Ranking,
    /// The queries that were run, in order.
    pub queries: Vec<String>,
}

/// The search loop of one SKU.
#[derive(Clone, Debug)]
pub struct Finder {
    prepared: Prepared,
    todo: VecDeque<String>,
    pool: Vec<CandidateCard>,
    run: Vec<String>,
    ranking: Ranking,
}

impl Finder {
    /// The loop for `subject` (`category_name`: its OKTRU leaf's Russian name, when known).
    #[must_use]
    pub fn new(subject: &Subject, category_name: Option<&str>) -> Self {
        let prepared = Prepared::new(subject);
        let ranking = rank(&prepared, Vec::new());
        Self { prepared, todo: queries(subject, category_name).into(), pool: Vec::new(), run: Vec::new(), ranking }
    }

    /// The next query to run, or `None` when done (a likely match, or no query left).
    pub fn next_query(&mut self) -> Option<String> {
        if self.ranking.verdict == Verdict::Likely {
            return None;
        }
        self.todo.pop_front()
    }

    /// The cards `query` found.
    pub fn add(&mut self, query: String, cards: Vec<CandidateCard>) {
        self.run.push(query);
        for c in cards {
            if !self.pool.iter().any(|p| p.ntin == c.ntin) {
                self.pool.push(c);
            }
        }
        self.ranking = rank(&self.prepared, self.pool.iter().cloned());
    }

    /// The result so far.
    #[must_use]
    pub fn finish(self) -> Found {
        Found { ranking: self.ranking, queries: self.run }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(ntin: &str, name: &str) -> CandidateCard {
        CandidateCard { ntin: ntin.into(), name_ru: name.into(), ..CandidateCard::default() }
    }

    #[test]
    fn the_loop_stops_at_the_first_likely_match_and_pools_cards() {
        let subject = Subject { name: "Чай Пиала зел. листовой 100г".into(), brand: Some("Пиала".into()), oktru: None };
        let mut f = Finder::new(&subject, Some("Чай зеленый"));
        let q1 = f.next_query().unwrap();
        f.add(q1, vec![card("0200000000017", "Кофе молотый 100 г")]);
        let q2 = f.next_query().unwrap();
        f.add(q2, vec![card("0200000000024", "Чай зеленый Пиала листовой 100 г"), card("0200000000017", "Кофе молотый 100 г")]);
        assert_eq!(f.next_query(), None);
        let found = f.finish();
        assert_eq!(found.queries.len(), 2);
        assert_eq!(found.ranking.verdict, Verdict::Likely);
        assert_eq!(found.ranking.candidates[0].card.ntin, "0200000000024");
    }

    #[test]
    fn without_a_likely_match_every_query_runs() {
        let subject = Subject { name: "Нечто".into(), brand: Some("Бренд".into()), oktru: None };
        let mut f = Finder::new(&subject, Some("Категория"));
        let mut n = 0;
        while let Some(q) = f.next_query() {
            f.add(q, vec![]);
            n += 1;
        }
        assert_eq!(n, 3);
        assert_eq!(f.finish().ranking.verdict, Verdict::NoMatch);
    }
}
