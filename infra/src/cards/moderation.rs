//! A request at NCT, acted on by the seller: resubmit a corrected card (`new`, `underRevision`,
//! `underRevisionGz`, also an extended part returned after `completed`), cancel (`onModeration`), decide
//! a duplicates review (NCT-API.md §3).
//!
//! Each action first reads the request's live status and stores it, so the rule is checked against what
//! NCT holds now, not what we saw last. The action itself goes through [`StepRunner`]: written down
//! before NCT is called, and reconciled with NCT's status after a refusal or a crash. When NCT does not
//! answer, the step stays written down and the follower finishes it; the seller is told so.

use super::check::{card_body, check};
use super::status::fetch_update;
use super::steps::{StepError, StepInput, StepOutcome, StepRunner};
use super::{CardError, CardService};
use crate::db::request_repo::{NctRequest, StepAfter};
use domain::card::{RequestStatus, Severity, Step, resubmittable};
use domain::tenant::TenantId;
use nct::NctError;
use secrecy::SecretString;
use uuid::Uuid;

/// A duplicates review decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Not a duplicate: moderation continues.
    Continue,
    /// Use the existing card with this NTIN (one of the stored candidates).
    UseExisting(String),
}

/// A request NCT holds, with its live status just stored.
struct Live {
    key: SecretString,
    row: NctRequest,
}

impl Live {
    fn status(&self) -> String {
        let base = self.row.status.as_ref().map_or("", RequestStatus::as_str);
        match &self.row.gz_status {
            Some(gz) => format!("{base} (extended part: {gz})"),
            None => base.to_owned(),
        }
    }
}

impl CardService {
    fn runner<'a>(&'a self, key: &'a SecretString) -> StepRunner<'a> {
        StepRunner { client: &self.nct, key, requests: &self.requests, schedule: &self.schedule }
    }

    /// Sends the corrected card again: `PUT` with the full attribute list, then moderation.
    ///
    /// # Errors
    /// [`CardError::InvalidState`] unless NCT allows a resubmit now; [`CardError::Invalid`] when the card
    /// check has an error; NCT's refusal; [`CardError::NotFound`], [`CardError::NoKey`].
    pub async fn resubmit(&self, tenant: TenantId, sku_id: Uuid) -> Result<NctRequest, CardError> {
        let l = self.live(tenant, sku_id).await?;
        let status = l.row.status.clone().unwrap_or(RequestStatus::New);
        if !resubmittable(&status, l.row.gz_status.as_ref()) {
            return Err(CardError::InvalidState(format!(
                "the request is {}; only new or returned requests can be resubmitted",
                l.status()
            )));
        }
        let card = self.cards.card(tenant, sku_id).await?.ok_or(CardError::NotFound)?;
        let problems = check(&self.nct, &l.key, &card).await?;
        if let Some(p) = problems.iter().find(|p| p.severity == Severity::Error) {
            return Err(CardError::Invalid { field: "skuId", message: format!("{}: {}", p.field, p.message) });
        }
        let body = card_body(&card);
        let input = StepInput { body: Some(&body), ntin: None };
        self.act(tenant, &l, Step::Resubmit, input, "only new or returned requests can be resubmitted").await
    }

    /// Withdraws a request that is on moderation.
    ///
    /// # Errors
    /// [`CardError::InvalidState`] unless the request is on moderation; NCT's refusal; as [`Self::resubmit`].
    pub async fn cancel(&self, tenant: TenantId, sku_id: Uuid) -> Result<NctRequest, CardError> {
        let l = self.live(tenant, sku_id).await?;
        if !l.row.status.as_ref().is_some_and(RequestStatus::can_cancel) {
            return Err(CardError::InvalidState(format!(
                "the request is {}; only a request on moderation can be cancelled",
                l.status()
            )));
        }
        self.act(tenant, &l, Step::Cancel, StepInput::default(), "only a request on moderation can be cancelled").await
    }

    /// Decides a duplicates review. `UseExisting` must name one of the stored candidates; the system never
    /// picks one by similarity.
    ///
    /// # Errors
    /// [`CardError::InvalidState`] unless a decision is awaited; [`CardError::Invalid`] for an NTIN that is
    /// not a candidate; NCT's refusal; as [`Self::resubmit`].
    pub async fn decide_duplicate(&self, tenant: TenantId, sku_id: Uuid, decision: Decision) -> Result<NctRequest, CardError> {
        let l = self.live(tenant, sku_id).await?;
        if !l.row.duplicate_review {
            return Err(CardError::InvalidState("the request is not awaiting a duplicate decision".into()));
        }
        match decision {
            Decision::Continue => {
                self.act(tenant, &l, Step::DecideContinue, StepInput::default(), "a duplicate decision is no longer awaited").await
            }
            Decision::UseExisting(ntin) => {
                let candidates = l.row.duplicates.clone().unwrap_or_default();
                if !candidates.iter().any(|c| c.ntin.as_deref() == Some(ntin.as_str())) {
                    return Err(CardError::Invalid { field: "ntin", message: "ntin must be one of the request's duplicate candidates".into() });
                }
                let input = StepInput { body: None, ntin: Some(&ntin) };
                self.act(tenant, &l, Step::DecideUseExisting, input, "a duplicate decision is no longer awaited").await
            }
        }
    }

    /// Runs a step and turns its outcome into the action's result.
    async fn act(&self, tenant: TenantId, l: &Live, step: Step, input: StepInput<'_>, rule: &str) -> Result<NctRequest, CardError> {
        match self.runner(&l.key).run(tenant, &l.row, step, input).await {
            Ok(StepOutcome::Done(row)) => Ok(row),
            Ok(StepOutcome::NotApplied(row)) => {
                let status = row.status.as_ref().map_or("", RequestStatus::as_str).to_owned();
                Err(CardError::InvalidState(format!("the request is {status} now; {rule}")))
            }
            Ok(StepOutcome::Refused(_, message)) => Err(CardError::Nct(NctError::Business { code: "BUSINESS_ERROR".into(), message })),
            Err(StepError::Nct(e)) if e.is_retryable() || matches!(e, NctError::Malformed(_)) => {
                tracing::warn!(sku_id = %l.row.sku_id, step = step.as_str(), error = %e, "NCT did not answer a step; the follower will finish it");
                Err(CardError::Queued(format!("NCT did not answer ({}); the step is kept and will be finished automatically", e.code())))
            }
            Err(StepError::Nct(e)) => Err(e.into()),
            Err(StepError::Repo(e)) => Err(e.into()),
        }
    }

    /// The SKU's request as stored.
    async fn request_of(&self, tenant: TenantId, sku_id: Uuid) -> Result<NctRequest, CardError> {
        self.requests.request(tenant, sku_id).await?.ok_or(CardError::NotFound)
    }

    /// The SKU's request with its live status read from NCT and stored.
    async fn live(&self, tenant: TenantId, sku_id: Uuid) -> Result<Live, CardError> {
        if self.cards.card(tenant, sku_id).await?.is_none() {
            return Err(CardError::NotFound);
        }
        let Some(row) = self.requests.request(tenant, sku_id).await? else {
            return Err(CardError::InvalidState("the SKU has no NCT request; submit it first".into()));
        };
        let Some(nct_id) = row.nct_request_id else {
            return Err(CardError::InvalidState("the SKU's request is not created at NCT yet".into()));
        };
        let key = self.require_key(tenant).await?;
        let update = fetch_update(&self.nct, &key, nct_id).await?;
        self.requests.apply_status(tenant, row.id, &update, &self.schedule, StepAfter::Keep).await?;
        let row = self.request_of(tenant, sku_id).await?;
        Ok(Live { key, row })
    }
}
