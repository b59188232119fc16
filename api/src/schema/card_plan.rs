//! Catalog-level card views: readiness of the cards still to register, the registration plan, and XTINs
//! about to expire. The work is `infra::cards::plan`.

use super::sku::SkuNode;
use super::state;
use crate::error::{ApiError, card_user_error};
use async_graphql::{Context, SimpleObject};
use domain::tenant::TenantId;
use infra::cards::CardError;
use uuid::Uuid;

/// How many problems of one code.
#[derive(SimpleObject)]
pub struct ProblemCount {
    /// Problem code.
    pub code: String,
    /// Problems with this code (errors and warnings) over the catalog's cards.
    pub count: u64,
}

/// Card readiness over the SKUs that need a card.
#[derive(SimpleObject, Default)]
pub struct CardReadiness {
    /// SKUs that need a card (manual card, XTIN, or a GTIN NCT does not know) and have no NTIN.
    pub total: u64,
    /// Of those, cards without errors.
    pub ready: u64,
    /// Cards with at least one error.
    pub with_errors: u64,
    /// Cards whose check is not stored yet; they are checked in the background, then counted.
    pub unchecked: u64,
    /// Errors and warnings by code, most frequent first.
    pub problems_by_code: Vec<ProblemCount>,
}

/// When the catalog's cards should have their NTINs.
#[derive(SimpleObject)]
pub struct RegistrationPlan {
    /// Cards still to be registered.
    pub pending: u64,
    /// Earliest expected NTIN date.
    pub earliest_ntin_date: Option<chrono::NaiveDate>,
    /// Latest expected NTIN date.
    pub latest_ntin_date: Option<chrono::NaiveDate>,
    /// What the dates assume.
    pub assumptions: Vec<String>,
}

/// A card use-case error where no payload can carry it: the refusal as a `CONFLICT`, the rest as is.
fn as_api_error(e: CardError) -> ApiError {
    match card_user_error(e, "catalogId") {
        Ok(user) => ApiError::Conflict(user.message),
        Err(api) => api,
    }
}

/// `Catalog.cardReadiness`.
pub async fn catalog_card_readiness(ctx: &Context<'_>, t: TenantId, catalog: Uuid) -> Result<CardReadiness, ApiError> {
    let r = match state(ctx)?.cards.card_readiness(t, catalog).await {
        Ok(r) => r,
        Err(CardError::NoKey) => {
            return Err(ApiError::Conflict(
                "the card check reads NCT's schema and dictionaries: set the tenant's NCT API key first".into(),
            ));
        }
        Err(e) => return Err(as_api_error(e)),
    };
    Ok(CardReadiness {
        total: r.total,
        ready: r.ready,
        with_errors: r.with_errors,
        unchecked: r.unchecked,
        problems_by_code: r.problems_by_code.into_iter().map(|(code, count)| ProblemCount { code, count }).collect(),
    })
}

/// `Catalog.registrationPlan`.
pub async fn catalog_registration_plan(ctx: &Context<'_>, t: TenantId, catalog: Uuid) -> Result<RegistrationPlan, ApiError> {
    let today = chrono::Utc::now().date_naive();
    let p = state(ctx)?.cards.registration_plan(t, catalog, today).await.map_err(as_api_error)?;
    Ok(RegistrationPlan { pending: p.pending, earliest_ntin_date: p.earliest, latest_ntin_date: p.latest, assumptions: p.assumptions })
}

/// `Catalog.expiringXtins`.
pub async fn catalog_expiring_xtins(ctx: &Context<'_>, t: TenantId, catalog: Uuid, within_days: i32) -> Result<Vec<SkuNode>, ApiError> {
    if !(0..=365).contains(&within_days) {
        return Err(ApiError::bad_input("withinDays", "withinDays must be between 0 and 365"));
    }
    let until = chrono::Utc::now() + chrono::Duration::days(i64::from(within_days));
    let skus = state(ctx)?.cards.expiring_xtins(t, catalog, until).await.map_err(as_api_error)?;
    Ok(skus.into_iter().map(SkuNode).collect())
}
