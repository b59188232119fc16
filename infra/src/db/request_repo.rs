//! NCT product requests: the `nct_requests` outbox rows, one per SKU, and what NCT said about them.
//!
//! The outbox (RELIABILITY.md §7): a row is `PLANNED`, then `CREATING` with the body hash and a new attempt
//! number *before* NCT is called, then `CREATED` with NCT's id, then `SENT`. A row left `CREATING` without an
//! id means NCT may or may not hold a request; the submit job reconciles it before creating anything.
//!
//! Every change of a request's moderation state is mirrored onto `skus.card_status`, `moderation_status` and
//! `moderation_remarks`, so exports can stream them from `skus` alone.
//!
//! Every write that learns something from NCT also decides when the request is looked at next
//! (`next_check_at`, through a [`Schedule`]); the follower's own reads and claims are in
//! [`super::request_follow`].

use super::RepoError;
use super::entity::{nct_request, sku};
use super::request_follow::Schedule;
use chrono::{DateTime, Utc};
use domain::card::{CardStatus, Intent, RequestStatus, Step};
use domain::readiness::ReadinessClass;
use domain::sku::NtinSource;
use domain::tenant::TenantId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// One field remark of the moderator.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RevisionDetail {
    /// The attribute code.
    pub attribute_code: String,
    /// The value the moderator saw.
    pub value: String,
    /// The remark.
    pub comment: String,
}

/// One potential duplicate NCT found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DuplicateCandidate {
    /// Card name.
    pub name: Option<String>,
    /// Brand.
    pub brand: Option<String>,
    /// GTIN.
    pub gtin: Option<String>,
    /// NTIN of the existing card.
    pub ntin: Option<String>,
    /// Similarity in percent.
    pub similarity: f64,
}

/// A request row.
#[derive(Clone, Debug, PartialEq)]
pub struct NctRequest {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub sku_id: Uuid,
    pub catalog_id: Uuid,
    pub nct_request_id: Option<i64>,
    pub intent_state: Intent,
    /// NCT's base status; `None` until NCT holds the request.
    pub status: Option<RequestStatus>,
    pub gz_status: Option<RequestStatus>,
    pub body_hash: String,
    pub attempt: i32,
    pub comment: Option<String>,
    pub reason: Option<String>,
    pub revision_details: Vec<RevisionDetail>,
    pub duplicates: Option<Vec<DuplicateCandidate>>,
    pub ntin: Option<String>,
    pub product_url: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the follower looks at it next; `None` once NCT is done with it.
    pub next_check_at: Option<DateTime<Utc>>,
    /// When NCT was last asked about it.
    pub checked_at: Option<DateTime<Utc>>,
    /// When its status last changed.
    pub status_since: Option<DateTime<Utc>>,
    /// Checks since then that found it unchanged.
    pub unchanged_checks: i32,
    /// Our step written down before calling NCT, not yet reconciled.
    pub pending_step: Option<Step>,
    /// Its argument (the chosen NTIN of `DECIDE_USE_EXISTING`).
    pub pending_arg: Option<String>,
    /// NCT's AI photo check, when it is below NCT's threshold.
    pub photo: Option<PhotoCheck>,
    /// The extended (CEF) part's general remark.
    pub gz_comment: Option<String>,
    /// The extended part's per-field remarks.
    pub gz_revision_details: Vec<RevisionDetail>,
    /// Waits for a duplicate decision.
    pub duplicate_review: bool,
}

/// NCT's AI photo check (`photoModeration`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhotoCheck {
    /// 0–100: how well the photos match the card, as NCT's portal shows it.
    pub score: i32,
    /// What is wrong with the photos.
    pub comment: Option<String>,
}

impl From<nct_request::Model> for NctRequest {
    fn from(m: nct_request::Model) -> Self {
        Self {
            id: m.id,
            tenant_id: TenantId(m.tenant_id),
            sku_id: m.sku_id,
            catalog_id: m.catalog_id,
            nct_request_id: m.nct_request_id,
            intent_state: Intent::parse(&m.intent_state).unwrap_or(Intent::Planned),
            status: (!m.status.is_empty()).then(|| RequestStatus::parse(&m.status)),
            gz_status: m.gz_status.as_deref().map(RequestStatus::parse),
            body_hash: m.body_hash,
            attempt: m.attempt,
            comment: m.comment,
            reason: m.reason,
            revision_details: serde_json::from_str(&m.revision_details).unwrap_or_default(),
            duplicates: m.duplicates.as_deref().and_then(|d| serde_json::from_str(d).ok()),
            ntin: m.ntin,
            product_url: m.product_url,
            last_error: m.last_error,
            created_at: m.created_at,
            updated_at: m.updated_at,
            next_check_at: m.next_check_at,
            checked_at: m.checked_at,
            status_since: m.status_since,
            unchanged_checks: m.unchanged_checks,
            pending_step: m.pending_step.as_deref().and_then(Step::parse),
            pending_arg: m.pending_arg,
            photo: m.photo_score.map(|score| PhotoCheck { score, comment: m.photo_comment }),
            gz_comment: m.gz_comment,
            gz_revision_details: m.gz_revision_details.as_deref().and_then(|d| serde_json::from_str(d).ok()).unwrap_or_default(),
            duplicate_review: m.duplicate_review,
        }
    }
}

impl NctRequest {
    /// Whether NCT is done with it.
    pub fn is_final(&self) -> bool {
        self.status.as_ref().is_some_and(RequestStatus::is_final)
    }

    /// Whether NCT's remarks in `u` are the ones stored here (nothing was decided since we last looked).
    pub fn same_remarks(&self, u: &StatusUpdate) -> bool {
        self.comment == u.comment
            && self.reason == u.reason
            && self.revision_details == u.revision_details
            && self.photo == u.photo
            && self.gz_comment == u.gz_comment
            && self.gz_revision_details == u.gz_revision_details
    }
}

/// What NCT said about a request, to be stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusUpdate {
    pub status: RequestStatus,
    pub gz_status: Option<RequestStatus>,
    pub comment: Option<String>,
    pub reason: Option<String>,
    pub revision_details: Vec<RevisionDetail>,
    /// The extended part's general remark.
    pub gz_comment: Option<String>,
    /// The extended part's per-field remarks.
    pub gz_revision_details: Vec<RevisionDetail>,
    /// The AI photo check.
    pub photo: Option<PhotoCheck>,
    /// `None` keeps the stored candidates.
    pub duplicates: Option<Vec<DuplicateCandidate>>,
    /// Whether the request waits for a duplicate decision.
    pub duplicate_review: bool,
    pub ntin: Option<String>,
    pub product_url: Option<String>,
}

/// A short human summary of NCT's remarks for `skus.moderation_remarks`.
pub fn remarks_summary(u: &StatusUpdate) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(r) = u.reason.as_deref().filter(|s| !s.is_empty()) {
        parts.push(r.to_owned());
    }
    if let Some(c) = u.comment.as_deref().filter(|s| !s.is_empty()) {
        parts.push(c.to_owned());
    }
    for d in &u.revision_details {
        parts.push(format!("{}: {}", d.attribute_code, d.comment));
    }
    if let Some(p) = &u.photo {
        parts.push(format!("photo check {}/100{}", p.score, p.comment.as_deref().map(|c| format!(": {c}")).unwrap_or_default()));
    }
    if let Some(c) = u.gz_comment.as_deref().filter(|s| !s.is_empty()) {
        parts.push(format!("CEF: {c}"));
    }
    for d in &u.gz_revision_details {
        parts.push(format!("CEF {}: {}", d.attribute_code, d.comment));
    }
    if let Some(d) = u.duplicates.as_ref().filter(|d| !d.is_empty()) {
        parts.push(format!("{} potential duplicate(s)", d.len()));
    }
    if u.status == RequestStatus::Rejected
        && let Some(n) = &u.ntin
    {
        parts.push(format!("the card already exists: NTIN {n}"));
    }
    let s = parts.join("; ");
    (!s.is_empty()).then(|| s.chars().take(1000).collect())
}

/// Request repository.
#[derive(Clone)]
pub struct RequestRepo {
    db: DatabaseConnection,
}

impl RequestRepo {
    /// Wraps a connection.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The connection (the follower's queries in `request_follow` use it).
    pub(super) fn conn(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The request row of a SKU.
    pub async fn request(&self, tenant: TenantId, sku_id: Uuid) -> Result<Option<NctRequest>, RepoError> {
        Ok(nct_request::Entity::find()
            .filter(nct_request::Column::TenantId.eq(tenant.0))
            .filter(nct_request::Column::SkuId.eq(sku_id))
            .one(&self.db)
            .await?
            .map(Into::into))
    }

    /// The request rows of several SKUs (a page), by SKU id; SKUs without one are absent.
    pub async fn requests_for(&self, tenant: TenantId, sku_ids: &[Uuid]) -> Result<HashMap<Uuid, NctRequest>, RepoError> {
        use nct_request::Column as C;
        Ok(super::bulk::tenant_rows_in::<nct_request::Entity, _>(&self.db, C::TenantId, tenant, C::SkuId, sku_ids)
            .await?
            .into_iter()
            .map(|m| {
                let r: NctRequest = m.into();
                (r.sku_id, r)
            })
            .collect())
    }

    /// NCT ids this tenant's rows already own (a reconcile never adopts one of them twice).
    pub async fn known_nct_ids(&self, tenant: TenantId) -> Result<HashSet<i64>, RepoError> {
        let ids: Vec<Option<i64>> = nct_request::Entity::find()
            .select_only()
            .column(nct_request::Column::NctRequestId)
            .filter(nct_request::Column::TenantId.eq(tenant.0))
            .filter(nct_request::Column::NctRequestId.is_not_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(ids.into_iter().flatten().collect())
    }

    /// The SKU's row, created `PLANNED` when missing.
    pub async fn plan(&self, tenant: TenantId, sku_id: Uuid, catalog_id: Uuid) -> Result<NctRequest, RepoError> {
        if let Some(r) = self.request(tenant, sku_id).await? {
            return Ok(r);
        }
        let now = Utc::now();
        let m = nct_request::ActiveModel {
            id: Set(Uuid::new_v4()),
            tenant_id: Set(tenant.0),
            sku_id: Set(sku_id),
            catalog_id: Set(catalog_id),
            nct_request_id: Set(None),
            intent_state: Set(Intent::Planned.as_str().to_owned()),
            status: Set(String::new()),
            gz_status: Set(None),
            body_hash: Set(String::new()),
            attempt: Set(0),
            comment: Set(None),
            reason: Set(None),
            revision_details: Set("[]".to_owned()),
            duplicates: Set(None),
            ntin: Set(None),
            product_url: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            next_check_at: Set(None),
            checked_at: Set(None),
            status_since: Set(None),
            unchanged_checks: Set(0),
            pending_step: Set(None),
            pending_arg: Set(None),
            pending_since: Set(None),
            photo_score: Set(None),
            photo_comment: Set(None),
            gz_comment: Set(None),
            gz_revision_details: Set(None),
            duplicate_review: Set(false),
        };
        match m.insert(&self.db).await {
            Ok(m) => Ok(m.into()),
            // A concurrent submit planned it first.
            Err(e) => match RepoError::unique("sku_id")(e) {
                RepoError::Duplicate(_) => self.request(tenant, sku_id).await?.ok_or(RepoError::NotFound),
                other => Err(other),
            },
        }
    }

    /// Records the intent to create: `CREATING`, the body hash, the next attempt; the old NCT id (of a
    /// rejected or cancelled request), remarks and follow-up are cleared. Returns the attempt number.
    pub async fn mark_creating(&self, row: Uuid, body_hash: &str) -> Result<i32, RepoError> {
        let txn = super::begin_write(&self.db).await?;
        let m = nct_request::Entity::find_by_id(row).one(&txn).await?.ok_or(RepoError::NotFound)?;
        let attempt = m.attempt + 1;
        let mut am: nct_request::ActiveModel = m.into();
        am.intent_state = Set(Intent::Creating.as_str().to_owned());
        am.nct_request_id = Set(None);
        am.status = Set(String::new());
        am.body_hash = Set(body_hash.to_owned());
        am.attempt = Set(attempt);
        am.gz_status = Set(None);
        am.ntin = Set(None);
        am.product_url = Set(None);
        am.duplicates = Set(None);
        am.last_error = Set(None);
        am.next_check_at = Set(None);
        am.status_since = Set(None);
        am.unchanged_checks = Set(0);
        clear_remarks(&mut am);
        clear_pending(&mut am);
        am.updated_at = Set(Utc::now());
        am.update(&txn).await?;
        txn.commit().await?;
        Ok(attempt)
    }

    /// Records NCT's id: `CREATED`, with the status NCT reports (`new` for a fresh create). With `send`, a
    /// request NCT still holds as `new` gets the step `SEND` written down, with a first check a little
    /// later: if the send is lost (a crash), the follower sends it. Without (an edit draft the seller
    /// corrects first), it waits for the seller.
    pub async fn mark_created(&self, tenant: TenantId, row: Uuid, nct_id: i64, status: &RequestStatus, schedule: &Schedule, send: bool) -> Result<(), RepoError> {
        let txn = super::begin_write(&self.db).await?;
        let m = nct_request::Entity::find_by_id(row).one(&txn).await?.ok_or(RepoError::NotFound)?;
        let sku_id = m.sku_id;
        let now = Utc::now();
        let mut am: nct_request::ActiveModel = m.into();
        am.intent_state = Set(Intent::Created.as_str().to_owned());
        am.nct_request_id = Set(Some(nct_id));
        am.status = Set(status.as_str().to_owned());
        am.status_since = Set(Some(now));
        am.unchanged_checks = Set(0);
        if *status == RequestStatus::New && !send {
            am.next_check_at = Set(schedule.next(status, None, 0, now));
        } else if *status == RequestStatus::New {
            am.pending_step = Set(Some(Step::Send.as_str().to_owned()));
            am.pending_arg = Set(None);
            am.pending_since = Set(Some(now));
            am.next_check_at = Set(Some(schedule.retry(now)));
        } else {
            am.next_check_at = Set(Some(now));
        }
        am.updated_at = Set(now);
        am.update(&txn).await?;
        mirror(&txn, tenant, sku_id, status, status.card_status(None, false, false), None, None).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Writes a step down before NCT is called; the follower retries or adopts it after a crash.
    pub async fn set_pending(&self, tenant: TenantId, row: Uuid, step: Step, arg: Option<&str>, schedule: &Schedule) -> Result<(), RepoError> {
        let now = Utc::now();
        nct_request::Entity::update_many()
            .col_expr(nct_request::Column::PendingStep, Expr::value(step.as_str()))
            .col_expr(nct_request::Column::PendingArg, Expr::value(arg.map(str::to_owned)))
            .col_expr(nct_request::Column::PendingSince, Expr::value(now))
            .col_expr(nct_request::Column::NextCheckAt, Expr::value(schedule.retry(now)))
            .col_expr(nct_request::Column::UpdatedAt, Expr::value(now))
            .filter(nct_request::Column::Id.eq(row))
            .filter(nct_request::Column::TenantId.eq(tenant.0))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Records a send to moderation NCT accepted: `SENT`, status `onModeration`, remarks and the step
    /// cleared, the first check scheduled.
    pub async fn mark_sent(&self, tenant: TenantId, row: Uuid, body_hash: Option<&str>, schedule: &Schedule) -> Result<(), RepoError> {
        let txn = super::begin_write(&self.db).await?;
        let m = nct_request::Entity::find_by_id(row).one(&txn).await?.ok_or(RepoError::NotFound)?;
        let sku_id = m.sku_id;
        let now = Utc::now();
        let mut am: nct_request::ActiveModel = m.into();
        am.intent_state = Set(Intent::Sent.as_str().to_owned());
        am.status = Set(RequestStatus::OnModeration.as_str().to_owned());
        if let Some(h) = body_hash {
            am.body_hash = Set(h.to_owned());
        }
        clear_remarks(&mut am);
        clear_pending(&mut am);
        am.duplicates = Set(None);
        am.last_error = Set(None);
        am.status_since = Set(Some(now));
        am.unchanged_checks = Set(0);
        am.next_check_at = Set(schedule.next(&RequestStatus::OnModeration, None, 0, now));
        am.updated_at = Set(now);
        am.update(&txn).await?;
        mirror(&txn, tenant, sku_id, &RequestStatus::OnModeration, CardStatus::Submitted, Some(String::new()), None).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Records a failure of ours (NCT's refusal or a check error); the step is cleared. `intent_failed`
    /// moves a `CREATING` row to `FAILED` (NCT refused the create, so it holds nothing and nothing is
    /// followed); otherwise the request stays followed, as one waiting for the seller. The SKU's card
    /// status becomes `FAILED`.
    pub async fn mark_error(&self, tenant: TenantId, row: Uuid, error: &str, intent_failed: bool, schedule: &Schedule) -> Result<(), RepoError> {
        let txn = super::begin_write(&self.db).await?;
        let m = nct_request::Entity::find_by_id(row).one(&txn).await?.ok_or(RepoError::NotFound)?;
        let sku_id = m.sku_id;
        let now = Utc::now();
        let status = (!m.status.is_empty()).then(|| RequestStatus::parse(&m.status));
        let gz = m.gz_status.as_deref().map(RequestStatus::parse);
        let mut am: nct_request::ActiveModel = m.into();
        if intent_failed {
            am.intent_state = Set(Intent::Failed.as_str().to_owned());
            am.next_check_at = Set(None);
        } else {
            am.next_check_at = Set(status.as_ref().and_then(|s| schedule.next(s, gz.as_ref(), 0, now)));
        }
        clear_pending(&mut am);
        am.last_error = Set(Some(error.to_owned()));
        am.updated_at = Set(now);
        am.update(&txn).await?;
        sku::Entity::update_many()
            .col_expr(sku::Column::CardStatus, Expr::value(CardStatus::Failed.as_str()))
            .col_expr(sku::Column::ModerationRemarks, Expr::value(error.chars().take(1000).collect::<String>()))
            .col_expr(sku::Column::UpdatedAt, Expr::value(now))
            .filter(sku::Column::Id.eq(sku_id))
            .filter(sku::Column::TenantId.eq(tenant.0))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Stores what NCT said about a request, decides when to look again, and mirrors a change onto the
    /// SKU. A request that gives an NTIN stores it on the SKU (unless a person set one by hand): source
    /// `REQUEST` for a published or chosen card, `EXISTING` for a `rejected` one that names the card that
    /// already exists. `step` says what happens to a written-down step: kept (it is retried soon) or
    /// cleared (it was reconciled). A request NCT holds past `new` is `SENT` on our side. An unknown status
    /// is stored as received and logged once, with a warning. Returns whether NCT's answer changed
    /// anything.
    pub async fn apply_status(&self, tenant: TenantId, row: Uuid, u: &StatusUpdate, schedule: &Schedule, step: StepAfter) -> Result<bool, RepoError> {
        let txn = super::begin_write(&self.db).await?;
        let m = nct_request::Entity::find_by_id(row)
            .filter(nct_request::Column::TenantId.eq(tenant.0))
            .one(&txn)
            .await?
            .ok_or(RepoError::NotFound)?;
        let sku_id = m.sku_id;
        let now = Utc::now();
        let details = serde_json::to_string(&u.revision_details).unwrap_or_else(|_| "[]".to_owned());
        let gz_details = (!u.gz_revision_details.is_empty()).then(|| serde_json::to_string(&u.gz_revision_details).unwrap_or_else(|_| "[]".to_owned()));
        let duplicates = match &u.duplicates {
            Some(d) => Some(serde_json::to_string(d).unwrap_or_else(|_| "[]".to_owned())),
            None => m.duplicates.clone(),
        };
        let before = m.clone();
        let (status, gz_status) = (u.status.as_str().to_owned(), u.gz_status.as_ref().map(|g| g.as_str().to_owned()));
        let status_changed = before.status != status || before.gz_status != gz_status;
        let changed = status_changed
            || before.comment != u.comment
            || before.reason != u.reason
            || before.revision_details != details
            || before.duplicates != duplicates
            || before.photo_score != u.photo.as_ref().map(|p| p.score)
            || before.photo_comment != u.photo.as_ref().and_then(|p| p.comment.clone())
            || before.gz_comment != u.gz_comment
            || before.gz_revision_details != gz_details
            || before.duplicate_review != u.duplicate_review
            || (u.ntin.is_some() && before.ntin != u.ntin);
        if status_changed {
            warn_unknown(&u.status, u.gz_status.as_ref(), before.nct_request_id);
        }
        let mut am: nct_request::ActiveModel = m.into();
        am.status = Set(status);
        am.gz_status = Set(gz_status);
        am.comment = Set(u.comment.clone());
        am.reason = Set(u.reason.clone());
        am.revision_details = Set(details);
        am.duplicates = Set(duplicates);
        am.photo_score = Set(u.photo.as_ref().map(|p| p.score));
        am.photo_comment = Set(u.photo.as_ref().and_then(|p| p.comment.clone()));
        am.gz_comment = Set(u.gz_comment.clone());
        am.gz_revision_details = Set(gz_details);
        am.duplicate_review = Set(u.duplicate_review);
        if u.ntin.is_some() {
            am.ntin = Set(u.ntin.clone());
        }
        if u.product_url.is_some() {
            am.product_url = Set(u.product_url.clone());
        }
        if before.intent_state == Intent::Created.as_str() && u.status != RequestStatus::New {
            am.intent_state = Set(Intent::Sent.as_str().to_owned());
        }
        let unchanged = if status_changed { 0 } else { before.unchanged_checks.saturating_add(1) };
        am.unchanged_checks = Set(unchanged);
        if status_changed || before.status_since.is_none() {
            am.status_since = Set(Some(now));
        }
        am.checked_at = Set(Some(now));
        let keep_step = step == StepAfter::Keep && before.pending_step.is_some();
        if step == StepAfter::Clear {
            clear_pending(&mut am);
        }
        am.next_check_at = Set(if keep_step {
            Some(schedule.retry(now))
        } else {
            schedule.next(&u.status, u.gz_status.as_ref(), u32::try_from(unchanged).unwrap_or(0), now)
        });
        am.updated_at = Set(now);
        am.update(&txn).await?;
        if changed {
            let existing = u.status == RequestStatus::Rejected && u.ntin.is_some();
            let card = u.status.card_status(u.gz_status.as_ref(), u.duplicate_review, existing);
            let ntin = match (&u.status, &u.ntin) {
                (s, Some(n)) if s.gives_ntin() => Some((n.clone(), NtinSource::Request)),
                (RequestStatus::Rejected, Some(n)) => Some((n.clone(), NtinSource::Existing)),
                _ => None,
            };
            let shown = u.gz_status.as_ref().filter(|_| u.status.is_final()).unwrap_or(&u.status);
            mirror(&txn, tenant, sku_id, shown, card, remarks_summary(u).or(Some(String::new())), ntin).await?;
        }
        txn.commit().await?;
        Ok(changed)
    }
}

/// What [`RequestRepo::apply_status`] does with a written-down step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepAfter {
    /// Keep it (it is still to be done): the request is looked at again soon.
    Keep,
    /// It is reconciled: clear it.
    Clear,
}

/// An unknown status is stored as received; it is logged at `warn` each time a request moves to one.
fn warn_unknown(status: &RequestStatus, gz: Option<&RequestStatus>, nct_id: Option<i64>) {
    for s in std::iter::once(status).chain(gz) {
        if let RequestStatus::Other(code) = s {
            tracing::warn!(nct_request_id = nct_id, status = %code, "NCT reported a request status the spec does not list; stored as received and checked at the slow rate");
        }
    }
}

fn clear_remarks(am: &mut nct_request::ActiveModel) {
    am.comment = Set(None);
    am.reason = Set(None);
    am.revision_details = Set("[]".to_owned());
    am.photo_score = Set(None);
    am.photo_comment = Set(None);
    am.gz_comment = Set(None);
    am.gz_revision_details = Set(None);
    am.duplicate_review = Set(false);
}

fn clear_pending(am: &mut nct_request::ActiveModel) {
    am.pending_step = Set(None);
    am.pending_arg = Set(None);
    am.pending_since = Set(None);
}

/// Mirrors a request's state onto its SKU; `remarks: Some("")` clears them. An NTIN is stored with its
/// source unless a person set the SKU's NTIN by hand. A changed moderation status and a newly stored NTIN
/// are written as webhook events in the same transaction.
async fn mirror<C: ConnectionTrait>(conn: &C, tenant: TenantId, sku_id: Uuid, status: &RequestStatus, card: CardStatus, remarks: Option<String>, ntin: Option<(String, NtinSource)>) -> Result<(), RepoError> {
    let Some(m) = sku::Entity::find_by_id(sku_id).filter(sku::Column::TenantId.eq(tenant.0)).one(conn).await? else {
        return Ok(());
    };
    let manual = m.ntin.is_some() && m.ntin_source.as_deref() == Some(NtinSource::Manual.as_str());
    webhook_events(conn, tenant, &m, status, card, remarks.as_deref(), ntin.as_ref().filter(|_| !manual).map(|(n, s)| (n.as_str(), *s))).await?;
    let mut am: sku::ActiveModel = m.into();
    am.card_status = Set(Some(card.as_str().to_owned()));
    am.moderation_status = Set(Some(status.as_str().to_owned()));
    if let Some(r) = remarks {
        am.moderation_remarks = Set((!r.is_empty()).then_some(r));
    }
    if let Some((n, source)) = ntin.filter(|_| !manual) {
        am.ntin = Set(Some(n));
        am.ntin_source = Set(Some(source.as_str().to_owned()));
        am.readiness_class = Set(ReadinessClass::HasNtin.as_str().to_owned());
        am.readiness_reason = Set(None);
        am.readiness_message = Set(None);
    }
    am.updated_at = Set(Utc::now());
    am.update(conn).await?;
    Ok(())
}

/// The webhook events of one mirror: `moderation.status_changed` when NCT's status differs from the stored one,
/// `ntin.assigned` when an NTIN is stored that the SKU did not have.
async fn webhook_events<C: ConnectionTrait>(conn: &C, tenant: TenantId, before: &sku::Model, status: &RequestStatus, card: CardStatus, remarks: Option<&str>, ntin: Option<(&str, NtinSource)>) -> Result<(), RepoError> {
    use crate::webhooks::events::{ModerationChange, NtinAssignment, moderation_status_changed, ntin_assigned};
    if before.moderation_status.as_deref() != Some(status.as_str()) {
        let change = ModerationChange {
            sku_id: before.id,
            seller_sku: before.seller_sku.clone(),
            catalog_id: before.catalog_id,
            previous_status: before.moderation_status.clone(),
            status: status.as_str().to_owned(),
            card_status: card.as_str().to_owned(),
            remarks: match remarks {
                Some(r) => (!r.is_empty()).then(|| r.to_owned()),
                None => before.moderation_remarks.clone(),
            },
        };
        moderation_status_changed(conn, tenant, &change).await?;
    }
    if let Some((n, source)) = ntin.filter(|(n, _)| before.ntin.as_deref() != Some(*n)) {
        let a = NtinAssignment {
            sku_id: before.id,
            seller_sku: before.seller_sku.clone(),
            catalog_id: before.catalog_id,
            ntin: n.to_owned(),
            source,
        };
        ntin_assigned(conn, tenant, std::slice::from_ref(&a)).await?;
    }
    Ok(())
}
