//! Matching SKUs without a usable barcode to existing NCT cards: `startMatchJob`, the SKU's `match` (ranked
//! candidates, each with its score and the reasons behind it), and a person's decisions: `confirmMatch`,
//! `confirmMatches` (an explicit list, all or nothing) and `rejectMatches`. The system never confirms by itself.

use super::job::{JobPayload, start_job};
use super::sku::SkuNode;
use super::{state, tenant};
use crate::error::{ApiError, UserError, UserErrorCode, decide_user_error};
use crate::ids::{self, Kind};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use domain::job::JobKind;
use domain::matching::{LIKELY_SCORE, ScoredCandidate};
use domain::tenant::Permission;
use infra::db::match_repo::{MAX_DECISIONS, SkuMatch};
use infra::db::sku_repo::Sku;

/// Where a SKU is in matching.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::matching::MatchState")]
pub enum MatchState {
    /// One candidate stands out; a person confirms or rejects it.
    Likely,
    /// Candidates, none standing out; a person picks one or rejects them.
    Candidates,
    /// Nothing close in NCT: the SKU goes on to a card.
    NoMatch,
    /// A person confirmed a candidate: the SKU has its NTIN (source `MATCH`).
    Confirmed,
    /// A person rejected the candidates: the SKU goes on to a card.
    Rejected,
}

/// One part of a match score (see the README's matching section for the formula).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::matching::ReasonCode")]
pub enum MatchReasonCode {
    /// Name similarity (0.60 × text similarity).
    NameSimilarity,
    /// Same brand (+0.20).
    BrandMatch,
    /// Another brand (−0.30).
    BrandMismatch,
    /// Same OKTRU leaf (+0.10).
    CategoryMatch,
    /// Same level-3 OKTRU group (+0.05).
    CategoryNear,
    /// Another level-1 category (−0.15).
    CategoryMismatch,
    /// Same weight, volume, count or size (+0.10).
    MeasureMatch,
    /// Another weight, volume, count or size (−0.25).
    MeasureMismatch,
}

/// Why a candidate scored as it did: one part of its score.
#[derive(SimpleObject)]
pub struct MatchReason {
    /// Which part.
    pub code: MatchReasonCode,
    /// Points it added (negative: removed).
    pub points: f64,
    /// What was compared.
    pub detail: String,
}

/// An NCT card that may be the SKU's product.
pub struct MatchCandidate(ScoredCandidate);

/// An NCT card that may be the SKU's product, with its score and the reasons behind it.
#[Object]
impl MatchCandidate {
    /// The card's NTIN (what `confirmMatch` takes).
    async fn ntin(&self) -> &str {
        &self.0.card.ntin
    }
    /// GTIN on the card.
    async fn gtin(&self) -> Option<&str> {
        self.0.card.gtin.as_deref()
    }
    /// Russian name.
    async fn name_ru(&self) -> &str {
        &self.0.card.name_ru
    }
    /// Kazakh name.
    async fn name_kk(&self) -> Option<&str> {
        self.0.card.name_kk.as_deref()
    }
    /// The card's brand.
    async fn brand(&self) -> Option<&str> {
        self.0.card.brand.as_deref()
    }
    /// OKTRU leaf code.
    async fn oktru(&self) -> Option<&str> {
        self.0.card.oktru.as_deref()
    }
    /// OKTRU leaf name.
    async fn category_name(&self) -> Option<&str> {
        self.0.card.category_name.as_deref()
    }
    /// Match score, 0–1.
    async fn score(&self) -> f64 {
        self.0.score
    }
    /// Score at least the likely-match threshold.
    async fn above_threshold(&self) -> bool {
        self.0.score >= LIKELY_SCORE
    }
    /// The parts of the score.
    async fn reasons(&self) -> Vec<MatchReason> {
        self.0.reasons.iter().map(|r| MatchReason { code: r.code.into(), points: r.points, detail: r.detail.clone() }).collect()
    }
}

/// A SKU's matching record.
pub struct SkuMatchNode(pub SkuMatch);

/// A SKU's name search in NCT: its state, the ranked candidates and a person's decision.
#[Object(name = "SkuMatch")]
impl SkuMatchNode {
    /// Where the SKU is.
    async fn state(&self) -> MatchState {
        self.0.state.into()
    }
    /// The best score (0 without candidates).
    async fn best_score(&self) -> f64 {
        self.0.best_score
    }
    /// Candidates, best first (at most 5).
    async fn candidates(&self) -> Vec<MatchCandidate> {
        self.0.candidates.iter().cloned().map(MatchCandidate).collect()
    }
    /// The searches sent to NCT, in order.
    async fn queries(&self) -> &[String] {
        &self.0.queries
    }
    /// When the search ran.
    async fn searched_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.searched_at
    }
    /// When a person decided.
    async fn decided_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.decided_at
    }
    /// The NTIN a person confirmed.
    async fn confirmed_ntin(&self) -> Option<&str> {
        self.0.confirmed_ntin.as_deref()
    }
}

/// `Sku.match`.
pub async fn sku_match(ctx: &Context<'_>, sku: &Sku) -> Result<Option<SkuMatchNode>, ApiError> {
    let found = match ctx.data_opt::<super::loaders::Loaders>() {
        Some(l) => l.load_one(super::loaders::MatchOf(sku.tenant_id, sku.id)).await?,
        None => state(ctx)?.matches.get(sku.tenant_id, sku.id).await?,
    };
    Ok(found.map(SkuMatchNode))
}

/// Input of `startMatchJob`.
#[derive(InputObject)]
pub struct StartMatchJobInput {
    /// The catalog.
    pub catalog_id: ID,
    /// Only these SKUs, searched again even if decided (default: SKUs with a name, no usable barcode, no NTIN,
    /// whose card is not with NCT and whose match nobody decided yet).
    pub sku_ids: Option<Vec<ID>>,
    /// Replays the first job for the same key and input; the same key with other input is an error.
    pub idempotency_key: Option<String>,
}

/// One decision: this SKU is this card.
#[derive(InputObject)]
pub struct ConfirmMatchInput {
    /// The SKU.
    pub sku_id: ID,
    /// The NTIN of one of its candidates.
    pub ntin: String,
}

/// Input of `confirmMatches`.
#[derive(InputObject)]
pub struct ConfirmMatchesInput {
    /// The decisions (at most 1,000; each SKU once).
    pub items: Vec<ConfirmMatchInput>,
}

/// Input of `rejectMatches`.
#[derive(InputObject)]
pub struct RejectMatchesInput {
    /// The SKU whose candidates are all wrong.
    pub sku_id: ID,
}

/// Result of `confirmMatch`.
#[derive(SimpleObject)]
pub struct ConfirmMatchPayload {
    /// The SKU with its NTIN.
    pub sku: Option<SkuNode>,
    /// Problems with the input (nothing was written).
    pub user_errors: Vec<UserError>,
}

/// Result of `confirmMatches`.
#[derive(SimpleObject)]
pub struct ConfirmMatchesPayload {
    /// The SKUs with their NTINs, in input order (empty when there are user errors).
    pub skus: Vec<SkuNode>,
    /// Problems with the input, on `input.items.<n>.…`; nothing was written.
    pub user_errors: Vec<UserError>,
}

/// Result of `rejectMatches`.
#[derive(SimpleObject)]
pub struct RejectMatchesPayload {
    /// The SKU's matching record after the rejection.
    #[graphql(name = "match")]
    pub match_: Option<SkuMatchNode>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// Matching mutations.
#[derive(Default)]
pub struct MatchMutation;

/// Matching mutations.
#[Object]
impl MatchMutation {
    /// Starts a MATCH job: NCT is searched by name for the catalog's SKUs without a usable barcode and the best
    /// candidates are stored on each SKU (`Sku.match`) for a person to decide.
    async fn start_match_job(&self, ctx: &Context<'_>, input: StartMatchJobInput) -> Result<JobPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        start_job(ctx, t, JobKind::Match, &input.catalog_id, input.sku_ids.as_deref(), input.idempotency_key).await
    }

    /// Confirms that a SKU is one of its candidate cards: the SKU takes the card's NTIN (source `MATCH`) and
    /// needs no card of its own.
    async fn confirm_match(&self, ctx: &Context<'_>, input: ConfirmMatchInput) -> Result<ConfirmMatchPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let out = confirm(ctx, t, vec![input], &[]).await?;
        Ok(ConfirmMatchPayload { sku: out.skus.into_iter().next(), user_errors: out.user_errors })
    }

    /// Confirms many decisions at once, all or nothing: one refused decision writes none.
    async fn confirm_matches(&self, ctx: &Context<'_>, input: ConfirmMatchesInput) -> Result<ConfirmMatchesPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        if input.items.len() > MAX_DECISIONS {
            let e = UserError::new(&["items"], UserErrorCode::TooLong, format!("at most {MAX_DECISIONS} decisions per call"));
            return Ok(ConfirmMatchesPayload { skus: vec![], user_errors: vec![e] });
        }
        confirm(ctx, t, input.items, &["items"]).await
    }

    /// Rejects every candidate of a SKU: it goes on to a card (bulk submission no longer holds it back).
    async fn reject_matches(&self, ctx: &Context<'_>, input: RejectMatchesInput) -> Result<RejectMatchesPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let fail = |e| Ok(RejectMatchesPayload { match_: None, user_errors: vec![e] });
        let Some(id) = ids::try_decode(Kind::Sku, &input.sku_id) else {
            return fail(UserError::new(&["skuId"], UserErrorCode::NotFound, "no such SKU"));
        };
        match state(ctx)?.matches.reject(t, id).await {
            Ok(m) => Ok(RejectMatchesPayload { match_: Some(SkuMatchNode(m)), user_errors: vec![] }),
            Err(e) => fail(decide_user_error(e, &[])?),
        }
    }
}

/// Validates and applies decisions; user errors go on `prefix.<n>.…` (no index for a single decision).
async fn confirm(ctx: &Context<'_>, t: domain::tenant::TenantId, items: Vec<ConfirmMatchInput>, prefix: &[&str]) -> Result<ConfirmMatchesPayload, ApiError> {
    let path = |n: usize| -> Vec<String> { if prefix.is_empty() { vec![] } else { vec![prefix.join("."), n.to_string()] } };
    let mut decisions = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (n, item) in items.into_iter().enumerate() {
        match ids::try_decode(Kind::Sku, &item.sku_id) {
            Some(id) => decisions.push((id, item.ntin.trim().to_owned())),
            None => {
                let p = path(n);
                let at: Vec<&str> = p.iter().map(String::as_str).chain(["skuId"]).collect();
                errors.push(UserError::new(&at, UserErrorCode::NotFound, "no such SKU"));
            }
        }
    }
    if !errors.is_empty() {
        return Ok(ConfirmMatchesPayload { skus: vec![], user_errors: errors });
    }
    match state(ctx)?.matches.confirm(t, &decisions).await {
        Ok(skus) => Ok(ConfirmMatchesPayload { skus: skus.into_iter().map(SkuNode).collect(), user_errors: vec![] }),
        Err(refused) => {
            let mut user_errors = Vec::new();
            for (n, e) in refused {
                let p = path(n);
                let at: Vec<&str> = p.iter().map(String::as_str).collect();
                user_errors.push(decide_user_error(e, &at)?);
            }
            Ok(ConfirmMatchesPayload { skus: vec![], user_errors })
        }
    }
}
