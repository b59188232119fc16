//! Matching results and a person's decisions (`sku_matches`).
//!
//! - [`MatchRepo::record`] stores a MATCH job item's ranking and finishes the item, in one transaction (an
//!   item another worker finished first is left alone);
//! - [`MatchRepo::confirm`] gives SKUs the NTIN of one of their candidates (source `MATCH`, readiness
//!   `HAS_NTIN`), all or nothing: one refused decision writes none;
//! - [`MatchRepo::reject`] marks every candidate wrong, so the SKU goes on to a card (bulk submission skips
//!   SKUs whose match awaits a decision).
//!
//! A NTIN set meanwhile by anyone else wins: the SKU update only fills an empty `ntin`.

use super::RepoError;
use super::entity::{job_item, sku, sku_match};
use super::job_repo::ClaimedItem;
use super::sku_repo::Sku;
use chrono::{DateTime, Utc};
use domain::card::CardStatus;
use domain::job::ItemState;
use domain::matching::{MatchState, Ranking, ScoredCandidate, Verdict};
use domain::readiness::ReadinessClass;
use domain::sku::NtinSource;
use domain::tenant::TenantId;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// Most decisions one `confirm` takes.
pub const MAX_DECISIONS: usize = 1000;

/// A SKU's matching record.
#[derive(Clone, Debug, PartialEq)]
pub struct SkuMatch {
    /// The SKU.
    pub sku_id: Uuid,
    /// Its catalog.
    pub catalog_id: Uuid,
    /// Where it is.
    pub state: MatchState,
    /// Ranked candidates, best first.
    pub candidates: Vec<ScoredCandidate>,
    /// The queries sent to NCT's search, in order.
    pub queries: Vec<String>,
    /// The best score (0 without candidates).
    pub best_score: f64,
    /// The NTIN a person confirmed.
    pub confirmed_ntin: Option<String>,
    /// When the search ran.
    pub searched_at: DateTime<Utc>,
    /// When a person decided.
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<sku_match::Model> for SkuMatch {
    fn from(m: sku_match::Model) -> Self {
        Self {
            sku_id: m.sku_id,
            catalog_id: m.catalog_id,
            state: MatchState::parse(&m.state).unwrap_or(MatchState::NoMatch),
            candidates: serde_json::from_str(&m.candidates).unwrap_or_default(),
            queries: serde_json::from_str(&m.queries).unwrap_or_default(),
            best_score: m.best_score,
            confirmed_ntin: m.confirmed_ntin,
            searched_at: m.searched_at,
            decided_at: m.decided_at,
        }
    }
}

/// Why a decision was refused.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    /// No such SKU for this tenant.
    #[error("no such SKU")]
    NotFound,
    /// The SKU has no stored candidates (never matched, or nothing was found).
    #[error("this SKU has no match candidates; run a match job first")]
    NoCandidates,
    /// The NTIN is not one of the SKU's candidates.
    #[error("ntin must be one of the SKU's match candidates")]
    NotACandidate,
    /// The SKU already has an NTIN.
    #[error("this SKU already has an NTIN")]
    HasNtin,
    /// The SKU's own card is with NCT.
    #[error("this SKU's card is in NCT moderation; cancel the request before choosing an existing card")]
    InModeration,
    /// The same SKU twice in one call.
    #[error("this SKU is listed twice")]
    Repeated,
    /// The database.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<sea_orm::DbErr> for DecideError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Repo(e.into())
    }
}

/// The job item outcome of a verdict (the progress counters of `RegistrationJob`).
#[must_use]
pub fn outcome(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Likely => "FOUND",
        Verdict::Candidates => "AMBIGUOUS",
        Verdict::NoMatch => "NOT_FOUND",
    }
}

/// Matching repository.
#[derive(Clone)]
pub struct MatchRepo {
    db: DatabaseConnection,
}

impl MatchRepo {
    /// Wraps a connection.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The matching record of one SKU of this tenant.
    pub async fn get(&self, tenant: TenantId, sku_id: Uuid) -> Result<Option<SkuMatch>, RepoError> {
        Ok(sku_match::Entity::find_by_id(sku_id)
            .filter(sku_match::Column::TenantId.eq(tenant.0))
            .one(&self.db)
            .await?
            .map(Into::into))
    }

    /// The matching records of these SKUs of a tenant (a page's, through its loader).
    pub async fn get_many(&self, tenant: TenantId, ids: &[Uuid]) -> Result<Vec<SkuMatch>, RepoError> {
        use sku_match::Column as C;
        let rows = super::bulk::tenant_rows_in::<sku_match::Entity, _>(&self.db, C::TenantId, tenant, C::SkuId, ids).await?;
        Ok(rows.into_iter().map(SkuMatch::from).collect())
    }

    /// Stores the ranking of a MATCH item and finishes the item (`DONE` with `FOUND`/`AMBIGUOUS`/`NOT_FOUND`).
    /// `false` when the item was no longer pending (nothing written).
    pub async fn record(&self, tenant: TenantId, catalog_id: Uuid, item: &ClaimedItem, ranking: &Ranking, queries: &[String]) -> Result<bool, RepoError> {
        let txn = super::begin_write(&self.db).await?;
        let now = Utc::now();
        let finished = job_item::Entity::update_many()
            .col_expr(job_item::Column::State, Expr::value(ItemState::Done.as_str()))
            .col_expr(job_item::Column::Outcome, Expr::value(outcome(ranking.verdict)))
            .col_expr(job_item::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(job_item::Column::UpdatedAt, Expr::value(now))
            .filter(job_item::Column::Id.eq(item.id))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .exec(&txn)
            .await?;
        if finished.rows_affected == 0 {
            return Ok(false);
        }
        // The job's counters, in the same transaction.
        let delta = super::job_progress::ProgressDelta::of(ItemState::Done, Some(outcome(ranking.verdict)), 1);
        super::job_progress::add(&txn, item.job_id, delta).await?;
        let row = sku_match::ActiveModel {
            sku_id: Set(item.sku_id),
            tenant_id: Set(tenant.0),
            catalog_id: Set(catalog_id),
            state: Set(MatchState::from_verdict(ranking.verdict).as_str().to_owned()),
            candidates: Set(to_json(&ranking.candidates)?),
            queries: Set(to_json(&queries)?),
            best_score: Set(ranking.best_score()),
            confirmed_ntin: Set(None),
            searched_at: Set(now),
            decided_at: Set(None),
            updated_at: Set(now),
        };
        sku_match::Entity::insert(row)
            .on_conflict(
                OnConflict::column(sku_match::Column::SkuId)
                    .update_columns([
                        sku_match::Column::State,
                        sku_match::Column::Candidates,
                        sku_match::Column::Queries,
                        sku_match::Column::BestScore,
                        sku_match::Column::ConfirmedNtin,
                        sku_match::Column::SearchedAt,
                        sku_match::Column::DecidedAt,
                        sku_match::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Gives each SKU the NTIN of one of its candidates, all or nothing. Refusals come back with the index
    /// of the decision they concern (nothing is written then); `Ok` holds the updated SKUs, in order.
    pub async fn confirm(&self, tenant: TenantId, decisions: &[(Uuid, String)]) -> Result<Vec<Sku>, Vec<(usize, DecideError)>> {
        let one = |e: RepoError| vec![(0, DecideError::Repo(e))];
        let txn = super::begin_write(&self.db).await.map_err(|e| one(e.into()))?;
        let mut refused = Vec::new();
        for (n, (sku_id, ntin)) in decisions.iter().enumerate() {
            if decisions[..n].iter().any(|(s, _)| s == sku_id) {
                refused.push((n, DecideError::Repeated));
                continue;
            }
            if let Err(e) = check_decision(&txn, tenant, *sku_id, Some(ntin)).await {
                refused.push((n, e));
            }
        }
        if !refused.is_empty() {
            return Err(refused);
        }
        let now = Utc::now();
        let mut out = Vec::with_capacity(decisions.len());
        for (n, (sku_id, ntin)) in decisions.iter().enumerate() {
            let updated = sku::Entity::update_many()
                .col_expr(sku::Column::Ntin, Expr::value(ntin.clone()))
                .col_expr(sku::Column::NtinSource, Expr::value(NtinSource::Match.as_str()))
                .col_expr(sku::Column::ReadinessClass, Expr::value(ReadinessClass::HasNtin.as_str()))
                .col_expr(sku::Column::ReadinessReason, Expr::value(Option::<String>::None))
                .col_expr(sku::Column::ReadinessMessage, Expr::value(Option::<String>::None))
                .col_expr(sku::Column::UpdatedAt, Expr::value(now))
                .filter(sku::Column::Id.eq(*sku_id))
                .filter(sku::Column::TenantId.eq(tenant.0))
                .filter(sku::Column::Ntin.is_null())
                .exec(&txn)
                .await
                .map_err(|e| one(e.into()))?;
            if updated.rows_affected == 0 {
                // An NTIN arrived between the check and the write.
                return Err(vec![(n, DecideError::HasNtin)]);
            }
            set_state(&txn, tenant, *sku_id, MatchState::Confirmed, Some(ntin.clone()), now).await.map_err(one)?;
            let m = sku::Entity::find_by_id(*sku_id).one(&txn).await.map_err(|e| one(e.into()))?.ok_or_else(|| one(RepoError::NotFound))?;
            out.push(m.into());
        }
        txn.commit().await.map_err(|e| one(e.into()))?;
        Ok(out)
    }

    /// Marks every candidate of the SKU wrong: the SKU goes on to a card.
    pub async fn reject(&self, tenant: TenantId, sku_id: Uuid) -> Result<SkuMatch, DecideError> {
        let txn = super::begin_write(&self.db).await?;
        check_decision(&txn, tenant, sku_id, None).await?;
        set_state(&txn, tenant, sku_id, MatchState::Rejected, None, Utc::now()).await?;
        let m = sku_match::Entity::find_by_id(sku_id).one(&txn).await?.ok_or(DecideError::NotFound)?;
        txn.commit().await?;
        Ok(m.into())
    }
}

/// Checks one decision: the SKU exists, has no NTIN, its card is not with NCT, and (for a confirm) `ntin` is one
/// of its candidates; a reject needs a search that awaits a decision.
async fn check_decision(db: &impl ConnectionTrait, tenant: TenantId, sku_id: Uuid, ntin: Option<&str>) -> Result<(), DecideError> {
    let s = sku::Entity::find_by_id(sku_id).filter(sku::Column::TenantId.eq(tenant.0)).one(db).await?.ok_or(DecideError::NotFound)?;
    if s.ntin.is_some() {
        return Err(DecideError::HasNtin);
    }
    if s.card_status.as_deref().and_then(CardStatus::parse).is_some_and(|c| c.in_moderation() && !c.is_closed()) {
        return Err(DecideError::InModeration);
    }
    let m: Option<SkuMatch> = sku_match::Entity::find_by_id(sku_id).filter(sku_match::Column::TenantId.eq(tenant.0)).one(db).await?.map(Into::into);
    let Some(m) = m.filter(|m| !m.candidates.is_empty()) else {
        return Err(DecideError::NoCandidates);
    };
    match ntin {
        Some(ntin) if !m.candidates.iter().any(|c| c.card.ntin == ntin) => Err(DecideError::NotACandidate),
        None if !m.state.awaits_decision() => Err(DecideError::NoCandidates),
        _ => Ok(()),
    }
}

async fn set_state(db: &impl ConnectionTrait, tenant: TenantId, sku_id: Uuid, state: MatchState, ntin: Option<String>, now: DateTime<Utc>) -> Result<(), RepoError> {
    sku_match::Entity::update_many()
        .col_expr(sku_match::Column::State, Expr::value(state.as_str()))
        .col_expr(sku_match::Column::ConfirmedNtin, Expr::value(ntin))
        .col_expr(sku_match::Column::DecidedAt, Expr::value(now))
        .col_expr(sku_match::Column::UpdatedAt, Expr::value(now))
        .filter(sku_match::Column::SkuId.eq(sku_id))
        .filter(sku_match::Column::TenantId.eq(tenant.0))
        .exec(db)
        .await?;
    Ok(())
}

/// JSON text of a stored value.
fn to_json<T: serde::Serialize>(v: &T) -> Result<String, RepoError> {
    serde_json::to_string(v).map_err(|e| RepoError::Unexpected(anyhow::Error::new(e).context("cannot encode a match record")))
}
