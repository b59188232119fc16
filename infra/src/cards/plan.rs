//! Catalog-level views of the cards still to register: how ready they are, when their NTINs can be
//! expected, and which XTINs run out soon.
//!
//! Known limitation: both views check each pending card against the cached schema on every call, so they
//! read at most [`MAX_PLAN`] SKUs; storing check results per SKU would lift that.

use super::check::check;
use super::{CardError, CardService};
use crate::db::card_repo::CardSku;
use crate::db::sku_repo::Sku;
use chrono::{DateTime, NaiveDate, Utc};
use domain::card::{Severity, is_submittable};
use domain::tenant::TenantId;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Most SKUs a catalog-level card computation reads.
pub const MAX_PLAN: u64 = 5000;

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
    async fn pending_cards(&self, tenant: TenantId, catalog: Uuid) -> Result<Vec<CardSku>, CardError> {
        Ok(self.cards.cards_needed(tenant, catalog, MAX_PLAN).await?.into_iter().filter(|c| c.sku.ntin.is_none()).collect())
    }

    /// The check over the catalog's pending cards.
    ///
    /// # Errors
    /// [`CardError::NoKey`] (the check reads NCT's schema), an NCT failure, the database.
    pub async fn card_readiness(&self, tenant: TenantId, catalog: Uuid) -> Result<CardReadiness, CardError> {
        let key = self.require_key(tenant).await?;
        let mut out = CardReadiness::default();
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for card in self.pending_cards(tenant, catalog).await? {
            let problems = check(&self.nct, &key, &card).await?;
            out.total += 1;
            if is_submittable(&problems) {
                out.ready += 1;
            } else {
                out.with_errors += 1;
            }
            for p in problems.iter().filter(|p| p.severity != Severity::Info) {
                *counts.entry(p.code.as_str().to_owned()).or_default() += 1;
            }
        }
        let mut by: Vec<(String, u64)> = counts.into_iter().collect();
        by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out.problems_by_code = by;
        Ok(out)
    }

    /// Expected NTIN dates of the catalog's pending cards, counted from `today` on the Kazakhstan
    /// working-day calendar. Without a key the cards are not checked and no revision cycle is assumed.
    ///
    /// # Errors
    /// An NCT failure, the database.
    pub async fn registration_plan(&self, tenant: TenantId, catalog: Uuid, today: NaiveDate) -> Result<RegistrationPlan, CardError> {
        let key = self.key(tenant).await?;
        let mut assumptions = vec![
            "moderation starts today and takes 3 working days (10 for extended gov cards) on the Kazakhstan working-day calendar".to_owned(),
            "a card with warnings is allowed one revision cycle; a card with errors is assumed fixed today".to_owned(),
            "cards already on moderation are counted from today as well".to_owned(),
        ];
        if key.is_none() {
            assumptions.push("no NCT API key is set, so the cards were not checked: no revision cycles assumed".to_owned());
        }
        let mut dates = Vec::new();
        for card in self.pending_cards(tenant, catalog).await? {
            if card.card_status.is_some_and(|s| s.is_closed()) {
                continue;
            }
            let cycles = match &key {
                Some(k) => u32::from(check(&self.nct, k, &card).await?.iter().any(|p| p.severity == Severity::Warning)),
                None => 0,
            };
            dates.push(domain::calendar::registration_eta(today, card.data.is_gov, cycles));
        }
        Ok(RegistrationPlan {
            pending: dates.len() as u64,
            earliest: dates.iter().min().copied(),
            latest: dates.iter().max().copied(),
            assumptions,
        })
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
