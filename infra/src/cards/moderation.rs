//! A request at NCT, seen and acted on by the seller: its live status ([`fetch_update`], also what the
//! STATUS_SYNC job stores), and the actions NCT allows in a status (NCT-API.md §3): resubmit a corrected card
//! (`new`, `underRevision`, `underRevisionGz`), cancel (`onModeration`), decide a duplicates review.
//!
//! Each action first reads the request's live status and stores it, so the rule is checked against what NCT
//! holds now, not what we saw last; after the action the status is read and stored again.

use super::check::{body_hash, card_body, check};
use super::{CardError, CardService};
use crate::db::request_repo::{DuplicateCandidate, NctRequest, RevisionDetail, StatusUpdate};
use domain::card::{RequestStatus, Severity};
use domain::tenant::TenantId;
use nct::dto::{DuplicateDecision, PortalDuplicateDecisionRequestDto, PortalProductRequestStatusDto};
use nct::{NctClient, NctError};
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
    nct_id: i64,
    duplicate_review: bool,
}

impl Live {
    fn status(&self) -> &str {
        self.row.status.as_ref().map_or("", RequestStatus::as_str)
    }
}

impl CardService {
    /// Sends the corrected card again: `PUT` with the full attribute list, then moderation.
    ///
    /// # Errors
    /// [`CardError::InvalidState`] unless NCT allows a resubmit now; [`CardError::Invalid`] when the card
    /// check has an error; NCT's refusal; [`CardError::NotFound`], [`CardError::NoKey`].
    pub async fn resubmit(&self, tenant: TenantId, sku_id: Uuid) -> Result<NctRequest, CardError> {
        let l = self.live(tenant, sku_id).await?;
        if !l.row.status.as_ref().is_some_and(RequestStatus::can_resubmit) {
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
        self.nct.update_request(&l.key, l.nct_id, &body).await?;
        self.nct.send_to_moderation(&l.key, l.nct_id).await?;
        self.requests.mark_sent(tenant, l.row.id, Some(&body_hash(&body))).await?;
        self.request_of(tenant, sku_id).await
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
        self.nct.cancel_request(&l.key, l.nct_id).await?;
        self.refresh(tenant, &l).await?;
        self.request_of(tenant, sku_id).await
    }

    /// Decides a duplicates review. `UseExisting` must name one of the stored candidates; the system never
    /// picks one by similarity.
    ///
    /// # Errors
    /// [`CardError::InvalidState`] unless a decision is awaited; [`CardError::Invalid`] for an NTIN that is
    /// not a candidate; NCT's refusal; as [`Self::resubmit`].
    pub async fn decide_duplicate(&self, tenant: TenantId, sku_id: Uuid, decision: Decision) -> Result<NctRequest, CardError> {
        let l = self.live(tenant, sku_id).await?;
        if !l.duplicate_review {
            return Err(CardError::InvalidState("the request is not awaiting a duplicate decision".into()));
        }
        let body = match decision {
            Decision::Continue => PortalDuplicateDecisionRequestDto { decision: DuplicateDecision::Continue, ntin: None },
            Decision::UseExisting(ntin) => {
                let candidates = l.row.duplicates.clone().unwrap_or_default();
                if !candidates.iter().any(|c| c.ntin.as_deref() == Some(ntin.as_str())) {
                    return Err(CardError::Invalid { field: "ntin", message: "ntin must be one of the request's duplicate candidates".into() });
                }
                PortalDuplicateDecisionRequestDto { decision: DuplicateDecision::UseExisting, ntin: Some(ntin) }
            }
        };
        self.nct.duplicate_decision(&l.key, l.nct_id, &body).await?;
        self.refresh(tenant, &l).await?;
        self.request_of(tenant, sku_id).await
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
        self.requests.apply_status(tenant, row.id, &update).await?;
        let row = self.request_of(tenant, sku_id).await?;
        Ok(Live { key, row, nct_id, duplicate_review: update.duplicate_review })
    }

    /// Re-reads the request's status after an action and stores it (candidates are cleared once decided).
    /// The action went through either way: if the read fails, the next sync stores the state.
    async fn refresh(&self, tenant: TenantId, l: &Live) -> Result<(), CardError> {
        match fetch_update(&self.nct, &l.key, l.nct_id).await {
            Ok(mut u) => {
                if !u.duplicate_review {
                    u.duplicates = Some(Vec::new());
                }
                self.requests.apply_status(tenant, l.row.id, &u).await?;
            }
            Err(e) => tracing::warn!(error = %e, "cannot re-read the request status after an action"),
        }
        Ok(())
    }
}

/// Reads a request's status (and its duplicates when it waits for a decision) as a [`StatusUpdate`].
///
/// # Errors
/// The NCT call that failed.
pub async fn fetch_update(client: &NctClient, key: &SecretString, id: i64) -> Result<StatusUpdate, NctError> {
    let dto = client.request_status(key, id).await?;
    let mut u = to_update(&dto);
    if u.duplicate_review {
        u.duplicates = match client.duplicates(key, id).await {
            Ok(list) => Some(
                list.into_iter()
                    .map(|d| DuplicateCandidate { name: d.name, brand: d.brand, gtin: d.gtin, ntin: d.ntin, similarity: d.similarity })
                    .collect(),
            ),
            Err(NctError::NotFound) => Some(Vec::new()),
            Err(e) => return Err(e),
        };
    }
    Ok(u)
}

/// Maps NCT's status answer to what we store.
pub fn to_update(dto: &PortalProductRequestStatusDto) -> StatusUpdate {
    let status = RequestStatus::parse(&dto.code);
    let under_revision = status.is_under_revision();
    let duplicate_review = under_revision
        && (dto.reason.as_deref().is_some_and(|r| r.to_lowercase().contains("duplicate") || r.to_lowercase().contains("дубл"))
            || dto.next_action.as_ref().is_some_and(|a| a.endpoint.trim_end_matches('/').ends_with("/duplicates")));
    let mut details: Vec<RevisionDetail> = dto
        .revision_details
        .iter()
        .map(|d| RevisionDetail {
            attribute_code: d.attribute_code.clone().unwrap_or_default(),
            value: d.value.clone().unwrap_or_default(),
            comment: d.comment.clone().unwrap_or_default(),
        })
        .collect();
    let mut comment = dto.comment.clone();
    if let Some(gz) = &dto.gz_status {
        details.extend(gz.revision_details.iter().map(|d| RevisionDetail {
            attribute_code: d.attribute_code.clone().unwrap_or_default(),
            value: d.value.clone().unwrap_or_default(),
            comment: d.comment.clone().unwrap_or_default(),
        }));
        if comment.is_none() && RequestStatus::parse(&gz.code) == RequestStatus::UnderRevisionGz {
            comment = gz.comment.clone();
        }
    }
    StatusUpdate {
        status,
        gz_status: dto.gz_status.as_ref().map(|g| RequestStatus::parse(&g.code)),
        comment,
        reason: dto.reason.clone(),
        revision_details: details,
        duplicates: None,
        duplicate_review,
        ntin: dto.ntin_code.clone(),
        product_url: dto.product_url.clone(),
    }
}
