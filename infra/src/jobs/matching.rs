//! The MATCH job: searches NCT by name for SKUs without a usable barcode, ranks the cards found and stores
//! the best with their scores and reasons for a person to decide (`confirmMatch`, `rejectMatches`).
//!
//! Per item: the SKU's name, brand and category ([`Subject`]), the category's Russian name from the cached
//! OKTRU dictionary when there is one, then the queries of a `domain::matching::finder::Finder`, each through the
//! shared cache and the worker's pacer (AIMD concurrency, the shared `Retry-After` pause), like lookups.
//! Outcomes (the job's progress counters): `FOUND` = a likely match, `AMBIGUOUS` = candidates, `NOT_FOUND` =
//! nothing close. 429s slow the worker and are retried; outages are retried with backoff and, past the
//! attempt limit, fail the item; a 401/403 stops the job (the round preamble marks the key invalid). A SKU
//! that got an NTIN meanwhile is skipped.

use std::time::Duration;

use domain::job::ItemState;
use domain::matching::finder::Finder;
use domain::matching::{CandidateCard, Subject};
use futures_util::StreamExt as _;
use nct::{NctClient, NctError};
use secrecy::SecretString;

use super::pacer::Pacer;
use super::round::Round;
use crate::card_schema::CardSchemaCache;
use crate::db::RepoError;
use crate::db::job_repo::{ClaimedItem, Job};
use crate::db::match_repo::MatchRepo;
use crate::db::sku_repo::SkuRepo;
use crate::matching::SearchService;
use domain::card::Dictionaries as _;

/// Items claimed per round at most (each costs one to three searches).
const MAX_BATCH: u64 = 32;
/// How long a claim is held.
const LEASE: Duration = Duration::from_secs(60);

/// What a MATCH round needs from the worker.
pub struct MatchJobs<'a> {
    /// Jobs, keys and progress events.
    pub round: Round<'a>,
    /// The worker's pacer (shared with lookups).
    pub pacer: &'a Pacer,
    /// Cached searches.
    pub search: &'a SearchService,
    /// The NCT client (OKTRU names).
    pub client: &'a NctClient,
    /// Attempts per search for transient errors.
    pub max_attempts: u32,
}

enum ItemOutcome {
    Recorded,
    Skipped(String),
    Failed(String),
    KeyInvalid,
}

/// One round of a MATCH job. `true` when anything was done.
#[tracing::instrument(name = "match_job.step", skip_all, fields(job_id = %job.id, tenant_id = %job.tenant_id))]
pub async fn step(cx: &MatchJobs<'_>, job: Job) -> Result<bool, RepoError> {
    let batch = (cx.pacer.limit() as u64 * 2).clamp(4, MAX_BATCH);
    let (key, items) = match cx.round.begin(&job, batch, LEASE).await? {
        Ok(v) => v,
        Err(worked) => return Ok(worked),
    };
    let skus = SkuRepo::new(cx.round.jobs.db().clone());
    let matches = MatchRepo::new(cx.round.jobs.db().clone());
    let dictionaries = CardSchemaCache::for_client(cx.client).dictionaries(&key).await.ok();
    let limit = cx.pacer.limit();
    let (skus, matches, key, job_ref, dicts) = (&skus, &matches, &key, &job, dictionaries.as_deref());
    let mut stream = futures_util::stream::iter(items.into_iter().map(|item| async move {
        let outcome = match_item(cx, skus, matches, key, job_ref, dicts, &item).await;
        (item, outcome)
    }))
    .buffer_unordered(limit);
    let mut unfinished = Vec::new();
    while let Some((item, outcome)) = stream.next().await {
        match outcome? {
            ItemOutcome::Recorded => {}
            ItemOutcome::Skipped(why) => {
                cx.round.jobs.finish_item(&item, ItemState::Skipped, None, Some(why)).await?;
            }
            ItemOutcome::Failed(error) => {
                cx.round.jobs.finish_item(&item, ItemState::Failed, None, Some(error)).await?;
            }
            ItemOutcome::KeyInvalid => unfinished.push(item.id),
        }
        cx.round.publish(&job);
    }
    drop(stream);
    if !unfinished.is_empty() {
        cx.round.key_invalid(&job, &unfinished).await?;
    }
    Ok(true)
}

async fn match_item(
    cx: &MatchJobs<'_>,
    skus: &SkuRepo,
    matches: &MatchRepo,
    key: &SecretString,
    job: &Job,
    dicts: Option<&crate::card_schema::CachedDictionaries>,
    item: &ClaimedItem,
) -> Result<ItemOutcome, RepoError> {
    let Some(sku) = skus.get(job.tenant_id, item.sku_id).await? else {
        return Ok(ItemOutcome::Skipped("the SKU was deleted".into()));
    };
    if sku.ntin.is_some() {
        return Ok(ItemOutcome::Skipped("the SKU has an NTIN now".into()));
    }
    let Some(name) = sku.name_ru.clone().filter(|n| !n.trim().is_empty()) else {
        return Ok(ItemOutcome::Skipped("the SKU has no name to search by".into()));
    };
    let subject = Subject { name, brand: sku.brand.clone(), oktru: sku.oktru.clone() };
    let category = sku.oktru.as_deref().and_then(|o| dicts?.oktru(o)).map(|n| n.name_ru);
    let mut finder = Finder::new(&subject, category.as_deref());
    while let Some(q) = finder.next_query() {
        match paced_search(cx, key, &q).await {
            Ok(cards) => finder.add(q, cards),
            Err(NctError::InvalidKey) => return Ok(ItemOutcome::KeyInvalid),
            Err(e) => return Ok(ItemOutcome::Failed(format!("{}: {e}", e.code()))),
        }
    }
    let found = finder.finish();
    matches.record(job.tenant_id, job.catalog_id, item, &found.ranking, &found.queries).await?;
    Ok(ItemOutcome::Recorded)
}

/// One search through the cache and the pacer, retried like a lookup.
async fn paced_search(cx: &MatchJobs<'_>, key: &SecretString, query: &str) -> Result<Vec<CandidateCard>, NctError> {
    let mut attempt = 0u32;
    loop {
        let wait = cx.pacer.wait();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        attempt += 1;
        match cx.search.search(key, query).await {
            Ok(answer) => {
                if !answer.from_cache {
                    cx.pacer.on_success();
                }
                return Ok(answer.cards);
            }
            Err(NctError::RateLimited { retry_after }) => {
                cx.pacer.on_throttle(retry_after);
                // Throttling is NCT asking us to slow down; bounded so a broken limiter cannot spin forever.
                if attempt >= cx.max_attempts * 4 {
                    return Err(NctError::RateLimited { retry_after });
                }
            }
            Err(e) if e.is_retryable() && attempt < cx.max_attempts => {
                tokio::time::sleep(super::backoff(attempt, None)).await;
            }
            Err(e) => return Err(e),
        }
    }
}
