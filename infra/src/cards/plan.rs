//! Catalog-level views of the cards still to register: how ready they are, when their NTINs can be
//! expected, and which XTINs run out soon.
//!
//! Both views read the check results stored per SKU (`card_checks`), so they are aggregates over the
//! whole catalog with no cap. A SKU whose stored check is missing or stale (its card changed, or the
//! schema or dictionaries did) is checked again: up to [`SYNC_RECHECK`] of a catalog at once when its
//! readiness is asked for (small catalogs are then exact), the rest by the background refresher
//! ([`CardService::recheck_stale`], run by the follower); until then they count as `unchecked`.
//!
//! Each answer is remembered with the catalog's change stamp (moved by database triggers on every write
//! to the catalog's SKUs and stored checks, by any process): a settled catalog's readiness or plan is one
//! stamp read until something in it changes ([`Aggregates`]).

use super::{CardError, CardService};
use crate::card_schema::CardSchemaCache;
use crate::db::card_check_repo::{PlanGroup, StoredCheck, StoredReadiness};
use crate::recent::StampMemo;
use crate::db::sku_repo::Sku;
use chrono::{DateTime, NaiveDate, Utc};
use domain::tenant::TenantId;
use secrecy::SecretString;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Most stale SKUs of one catalog checked while its readiness is asked for.
pub const SYNC_RECHECK: u64 = 1000;

/// Stale SKUs checked at a time (one read, one write transaction).
const RECHECK_CHUNK: usize = 100;

/// How long a readiness query keeps re-checking stale SKUs after the first chunk; the rest is the
/// background refresher's, and counts as `unchecked` until then.
const SYNC_BUDGET: std::time::Duration = std::time::Duration::from_millis(100);

/// How long a catalog aggregate is given again while the catalog's change stamp stays (a bound on top of
/// the stamp, which already moves with every change).
const AGGREGATE_KEEP: std::time::Duration = std::time::Duration::from_secs(60);

/// Most catalogs whose aggregates one process remembers.
const AGGREGATE_CATALOGS: usize = 10_000;

/// The catalog aggregates last read, by `(tenant, catalog)`, each with the change stamp (and, for the
/// readiness, the schema version) it was read at: a settled catalog of 100,000 cards is one stamp read, not
/// two joins over every pending SKU.
pub struct Aggregates {
    readiness: StampMemo<(Uuid, Uuid), StoredReadiness>,
    plan: StampMemo<(Uuid, Uuid), Vec<PlanGroup>>,
    /// Catalogs the background re-check found without stale cards, at their stamp and schema version.
    clean: StampMemo<Uuid, ()>,
}

/// How long the background re-check trusts a catalog it found clean, while its stamp stays.
const CLEAN_KEEP: std::time::Duration = std::time::Duration::from_secs(600);

impl Default for Aggregates {
    fn default() -> Self {
        Self {
            readiness: StampMemo::new(AGGREGATE_KEEP, AGGREGATE_CATALOGS),
            plan: StampMemo::new(AGGREGATE_KEEP, AGGREGATE_CATALOGS),
            clean: StampMemo::new(CLEAN_KEEP, AGGREGATE_CATALOGS * 10),
        }
    }
}

/// Most SKUs [`CardService::expiring_xtins`] returns.
pub const MAX_EXPIRING: u64 = 1000;

/// Card readiness over the SKUs that need a card and have no NTIN.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardReadiness {
    /// SKUs that need a card (manual card, XTIN, or a GTIN NCT does not know) and have no NTIN.
    pub total: u64,
    /// Of those, cards without errors.
    pub ready: u64,
    /// Cards with at least one error.
    pub with_errors: u64,
    /// Cards whose check is not stored yet (being checked in the background).
    pub unchecked: u64,
    /// Errors and warnings by code, most frequent first (ties by code).
    pub problems_by_code: Vec<(String, u64)>,
}

/// When a catalog's cards should have their NTINs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegistrationPlan {
    /// Cards still to be registered.
    pub pending: u64,
    /// Earliest expected NTIN date.
    pub earliest: Option<NaiveDate>,
    /// Latest expected NTIN date.
    pub latest: Option<NaiveDate>,
    /// What the dates assume.
    pub assumptions: Vec<String>,
}

impl CardService {
    /// The check over the catalog's pending cards, from the stored results.
    ///
    /// # Errors
    /// [`CardError::NoKey`] (a check reads NCT's schema), an NCT failure, the database.
    pub async fn card_readiness(&self, tenant: TenantId, catalog: Uuid) -> Result<CardReadiness, CardError> {
        let key = self.require_key(tenant).await?;
        let version = CardSchemaCache::for_client(&self.nct).version(&key).await?;
        let memo_key = (tenant.0, catalog);
        let mut stamp = format!("{version}/{}", self.checks.catalog_stamp(catalog).await?);
        // Nothing changed since a settled answer: it still holds (a stale card would have moved the stamp).
        let remembered = self.aggregates.readiness.get(&memo_key, &stamp);
        let r = match remembered {
            Some(r) if r.checked >= r.total => r,
            _ => {
                let stale: Vec<Uuid> =
                    self.checks.stale(&version, Some((tenant, catalog)), SYNC_RECHECK).await?.into_iter().map(|(_, s)| s).collect();
                // The first chunk always (a small catalog is exact), more while the budget lasts.
                let started = std::time::Instant::now();
                for chunk in stale.chunks(RECHECK_CHUNK) {
                    self.recheck(tenant, &key, chunk).await?;
                    if started.elapsed() >= SYNC_BUDGET {
                        break;
                    }
                }
                if !stale.is_empty() {
                    stamp = format!("{version}/{}", self.checks.catalog_stamp(catalog).await?);
                }
                let r = self.checks.readiness(tenant, catalog, &version).await?;
                self.aggregates.readiness.put(memo_key, stamp, r.clone());
                r
            }
        };
        Ok(CardReadiness {
            total: r.total,
            ready: r.ready,
            with_errors: r.with_errors,
            unchecked: r.total.saturating_sub(r.checked),
            problems_by_code: r.by_code,
        })
    }

    /// Checks these SKUs of a tenant again and stores the results. Returns how many were checked.
    ///
    /// # Errors
    /// An NCT failure (schema, dictionaries), the database.
    pub async fn recheck(&self, tenant: TenantId, key: &SecretString, skus: &[Uuid]) -> Result<usize, CardError> {
        let version = CardSchemaCache::for_client(&self.nct).version(key).await?;
        let mut n = 0;
        for chunk in skus.chunks(RECHECK_CHUNK) {
            let cards = self.cards.cards_by_ids(tenant, chunk).await?;
            let mut found = Vec::with_capacity(cards.len());
            for card in &cards {
                found.push(super::check::check(&self.nct, key, card).await?);
            }
            let stored: Vec<StoredCheck<'_>> = cards
                .iter()
                .zip(&found)
                .map(|(card, problems)| StoredCheck {
                    sku_id: card.sku.id,
                    catalog_id: card.sku.catalog_id,
                    gov: card.data.is_gov,
                    problems,
                    card_at: card.sku.updated_at,
                })
                .collect();
            self.checks.store_many(tenant, &stored, &version).await?;
            n += cards.len();
        }
        Ok(n)
    }

    /// Background: checks up to `limit` stale cards of any tenant with a key. Returns how many.
    ///
    /// A catalog found without stale cards is not searched again until its change stamp (or the schema
    /// version) moves, so an idle server reads one stamp per catalog instead of every pending SKU.
    ///
    /// # Errors
    /// The database (NCT failures of one tenant are logged and skipped).
    pub async fn recheck_stale(&self, any_key: &SecretString, limit: u64) -> Result<usize, CardError> {
        let version = CardSchemaCache::for_client(&self.nct).version(any_key).await?;
        let stamps = self.checks.catalog_stamps().await?;
        let mut budget = limit;
        let mut keys: BTreeMap<Uuid, Option<SecretString>> = BTreeMap::new();
        let mut n = 0;
        for (tenant, catalog) in self.checks.catalogs().await? {
            if budget == 0 {
                break;
            }
            let stamp = format!("{version}/{}", stamps.get(&catalog).map_or("-", String::as_str));
            if self.aggregates.clean.get(&catalog, &stamp).is_some() {
                continue;
            }
            let key = match keys.get(&tenant.0) {
                Some(k) => k.clone(),
                None => {
                    let k = self.key(tenant).await?;
                    keys.insert(tenant.0, k.clone());
                    k
                }
            };
            // A tenant without a key has nothing re-checked (its readiness asks for a key first).
            let Some(key) = key else { continue };
            let stale: Vec<Uuid> = self.checks.stale(&version, Some((tenant, catalog)), budget).await?.into_iter().map(|(_, s)| s).collect();
            if stale.is_empty() {
                self.aggregates.clean.put(catalog, stamp, ());
                continue;
            }
            budget = budget.saturating_sub(stale.len() as u64);
            match self.recheck(tenant, &key, &stale).await {
                Ok(k) => n += k,
                Err(CardError::Nct(e)) => tracing::warn!(tenant_id = %tenant.0, error = %e, "cannot re-check cards now"),
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }

    /// Expected NTIN dates of the catalog's pending cards, counted from `today` on the Kazakhstan
    /// working-day calendar, from the stored checks (a card with warnings is allowed one revision
    /// cycle; a card not checked yet none).
    ///
    /// # Errors
    /// The database.
    pub async fn registration_plan(&self, tenant: TenantId, catalog: Uuid, today: NaiveDate) -> Result<RegistrationPlan, CardError> {
        let assumptions = vec![
            "moderation starts today and takes 3 working days (10 for extended gov cards) on the Kazakhstan working-day calendar".to_owned(),
            "a card whose stored check has warnings is allowed one revision cycle; a card with errors is assumed fixed today; a card not checked yet is assumed to pass".to_owned(),
            "cards already on moderation are counted from today as well".to_owned(),
        ];
        let mut plan = RegistrationPlan { assumptions, ..RegistrationPlan::default() };
        let memo_key = (tenant.0, catalog);
        let stamp = self.checks.catalog_stamp(catalog).await?;
        let groups = match self.aggregates.plan.get(&memo_key, &stamp) {
            Some(g) => g,
            None => {
                let g = self.checks.plan_groups(tenant, catalog).await?;
                self.aggregates.plan.put(memo_key, stamp, g.clone());
                g
            }
        };
        for g in groups {
            if g.count == 0 {
                continue;
            }
            let date = domain::calendar::registration_eta(today, g.gov, u32::from(g.warnings));
            plan.pending += g.count;
            plan.earliest = Some(plan.earliest.map_or(date, |d| d.min(date)));
            plan.latest = Some(plan.latest.map_or(date, |d| d.max(date)));
        }
        Ok(plan)
    }

    /// SKUs without an NTIN whose XTIN expires by `until`, soonest first (at most [`MAX_EXPIRING`]).
    ///
    /// # Errors
    /// The database.
    pub async fn expiring_xtins(&self, tenant: TenantId, catalog: Uuid, until: DateTime<Utc>) -> Result<Vec<Sku>, CardError> {
        let assigned_before = until - chrono::Duration::days(domain::barcode::XTIN_VALID_DAYS);
        Ok(self.cards.xtins_assigned_before(tenant, catalog, assigned_before, MAX_EXPIRING).await?)
    }
}
