//! [`SearchService`]: "which NCT cards does a name search find?", answered from the shared cache when
//! possible. A miss calls the gateway once (first page, [`PAGE_SIZE`] cards) and caches the answer, empty
//! answers included, for [`CacheTtls::not_found`] (search results change as cards are published, so they
//! live as long as a "not found" lookup). Cache failures count as misses; NCT errors are returned, never cached.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use domain::matching::CandidateCard;
use nct::dto::SearchItemDto;
use nct::{NctClient, NctError};
use secrecy::SecretString;

use crate::cache::CacheTtls;
use crate::recent::StampMemo;
use domain::card::CardProblem;
use crate::cache::search_cache::SearchCache;

/// Cards asked for per search (the first page: NCT ranks, we re-rank).
pub const PAGE_SIZE: u32 = 20;

/// One search's cards and where they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchAnswer {
    /// The cards NCT listed, in its order.
    pub cards: Vec<CandidateCard>,
    /// From the cache (no NCT call).
    pub from_cache: bool,
}

/// Cached NCT searches. Cheap to clone.
#[derive(Clone)]
pub struct SearchService {
    client: NctClient,
    cache: SearchCache,
    ttls: CacheTtls,
    /// NCT calls made (for the log and the benchmark).
    calls: Arc<AtomicU64>,
    /// The near-duplicate verdicts last reached, by subject (see [`crate::matching::duplicate`]).
    pub(crate) verdicts: Arc<StampMemo<String, Option<CardProblem>>>,
}

impl std::fmt::Debug for SearchService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchService").field("client", &self.client).field("calls", &self.calls).finish_non_exhaustive()
    }
}

/// How long a near-duplicate verdict is reused (never longer than its search answer is cached).
const VERDICT_KEEP: std::time::Duration = std::time::Duration::from_secs(60);

/// Most verdicts one process keeps.
const VERDICTS: usize = 50_000;

/// The public facts of a search item.
#[must_use]
pub fn candidate(item: &SearchItemDto) -> CandidateCard {
    let text = |s: &Option<String>| s.as_deref().map(str::trim).filter(|v| !v.is_empty() && *v != "-").map(str::to_owned);
    CandidateCard {
        ntin: text(&item.ntin).unwrap_or_default(),
        gtin: text(&item.gtin),
        name_ru: text(&item.name_ru).or_else(|| text(&item.short_name_ru)).unwrap_or_default(),
        name_kk: text(&item.name_kk),
        brand: item.attribute("brand").map(str::to_owned),
        oktru: item.oktru().map(str::to_owned),
        category_name: text(&item.category_name_ru_l4),
        card_id: item.id,
    }
}

impl SearchService {
    /// Builds the service. A Redis [`SearchCache`] should be namespaced by `client.search_url()`.
    pub fn new(client: NctClient, cache: SearchCache, ttls: CacheTtls) -> Self {
        let verdicts = Arc::new(StampMemo::new(VERDICT_KEEP.min(ttls.not_found), VERDICTS));
        Self { client, cache, ttls, calls: Arc::new(AtomicU64::new(0)), verdicts }
    }

    /// NCT search calls made since start.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// The cards `query` finds: the cache first, then NCT.
    ///
    /// # Errors
    /// The [`NctError`] of the NCT call (a blank query is [`NctError::Validation`], with no call).
    #[tracing::instrument(name = "match.search", skip_all)]
    pub async fn search(&self, key: &SecretString, query: &str) -> Result<SearchAnswer, NctError> {
        match self.cache.get(query, PAGE_SIZE).await {
            Ok(Some(cards)) => return Ok(SearchAnswer { cards, from_cache: true }),
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e, "search cache read failed; treated as a miss"),
        }
        self.calls.fetch_add(1, Ordering::Relaxed);
        let page = self.client.search(key, query, 0, PAGE_SIZE).await?;
        let cards: Vec<CandidateCard> = page.items.iter().map(candidate).filter(|c| !c.ntin.is_empty()).collect();
        if let Err(e) = self.cache.put(query, PAGE_SIZE, &cards, self.ttls.not_found).await {
            tracing::debug!(error = %e, "search cache write failed");
        }
        Ok(SearchAnswer { cards, from_cache: false })
    }
}
