//! Cards and their NCT requests: the card fields of a SKU (the `skus` columns plus the `card_data` JSON),
//! the `nct_requests` outbox rows, and the creation of SUBMIT and STATUS_SYNC jobs.
//!
//! The outbox (RELIABILITY.md §7): a row is `PLANNED`, then `CREATING` with the body hash and a new attempt
//! number *before* NCT is called, then `CREATED` with NCT's id, then `SENT`. A row left `CREATING` without an
//! id means NCT may or may not hold a request; the submit job reconciles it before creating anything.
//!
//! Every change of a request's moderation state is mirrored onto `skus.card_status`, `moderation_status` and
//! `moderation_remarks`, so exports can stream them from `skus` alone.

use super::entity::{job_item, nct_request, sku};
use super::job_repo::{CreateJobError, Job};
use super::sku_repo::Sku;
use super::{RepoError, TenantId};
use chrono::{DateTime, Utc};
use domain::card::{AttrValue, CardDraft, CustomAttr, ImageRef};
use domain::job::{ItemState, JobKind};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// Outbox states of a request row (ours, not NCT's).
pub mod intent {
    /// Row exists; nothing sent.
    pub const PLANNED: &str = "PLANNED";
    /// About to call (or calling) create; NCT may already hold the request.
    pub const CREATING: &str = "CREATING";
    /// NCT's id is recorded; not yet sent to moderation.
    pub const CREATED: &str = "CREATED";
    /// Sent to moderation at least once.
    pub const SENT: &str = "SENT";
    /// NCT refused the create; a later submit may try again.
    pub const FAILED: &str = "FAILED";
}

/// `skus.card_status` values.
pub mod card_status {
    /// Card data incomplete (the check has errors).
    pub const DRAFT: &str = "DRAFT";
    /// The check passes; can be submitted.
    pub const READY: &str = "READY";
    /// Created at NCT, not yet on moderation.
    pub const CREATED: &str = "CREATED";
    /// On moderation.
    pub const SUBMITTED: &str = "SUBMITTED";
    /// Returned for revision: fix and `resubmitSku`.
    pub const NEEDS_REVISION: &str = "NEEDS_REVISION";
    /// Potential duplicates: `decideDuplicate`.
    pub const DUPLICATE_REVIEW: &str = "DUPLICATE_REVIEW";
    /// Approved, waiting to be published.
    pub const READY_TO_PUBLISH: &str = "READY_TO_PUBLISH";
    /// Card published (or an existing card chosen): the SKU has its NTIN.
    pub const COMPLETED: &str = "COMPLETED";
    /// Refused by the moderator.
    pub const REJECTED: &str = "REJECTED";
    /// Withdrawn.
    pub const CANCELLED: &str = "CANCELLED";
    /// Our submit failed (see the request's `lastError`).
    pub const FAILED: &str = "FAILED";
}

/// NCT statuses after which nothing more happens to a request.
pub const FINAL_STATUSES: [&str; 4] = ["completed", "existingProductSelected", "rejected", "cancelled"];

/// NCT statuses the status sync polls.
pub const SYNCED_STATUSES: [&str; 5] = ["onModeration", "accepted", "readyToPublish", "underRevision", "underRevisionGz"];

/// The card fields that have no column on `skus`, stored as JSON in `skus.card_data`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CardData {
    /// Short name in Russian.
    pub short_name_ru: Option<String>,
    /// Short name in Kazakh.
    pub short_name_kk: Option<String>,
    /// Extended (gov/CEF) card.
    pub is_gov: bool,
    /// Publish automatically once approved.
    pub auto_publication: bool,
    /// Other base attributes.
    pub attributes: Vec<AttrValue>,
    /// `mainExtendedAttributes`.
    pub main_extended: Vec<AttrValue>,
    /// `additionalExtendedAttributes`.
    pub additional_extended: Vec<AttrValue>,
    /// `customExtendedAttributes`.
    pub custom_extended: Vec<CustomAttr>,
    /// Uploaded photos.
    pub images: Vec<ImageRef>,
    /// Uploaded PDF file names.
    pub documents: Vec<String>,
}

/// A SKU with its card state.
#[derive(Clone, Debug)]
pub struct CardSku {
    /// The SKU.
    pub sku: Sku,
    /// Extra card fields.
    pub data: CardData,
    /// `skus.card_status`.
    pub card_status: Option<String>,
    /// `skus.moderation_status`.
    pub moderation_status: Option<String>,
    /// `skus.moderation_remarks`.
    pub moderation_remarks: Option<String>,
}

impl CardSku {
    fn from_model(m: sku::Model) -> Self {
        let data = m.card_data.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
        let (card_status, moderation_status, moderation_remarks) =
            (m.card_status.clone(), m.moderation_status.clone(), m.moderation_remarks.clone());
        Self { sku: m.into(), data, card_status, moderation_status, moderation_remarks }
    }

    /// The draft the check and the request body are built from.
    pub fn draft(&self) -> CardDraft {
        let s = &self.sku;
        let d = &self.data;
        CardDraft {
            barcode: s.barcode.clone(),
            ntin: None,
            xtin: s.xtin.clone(),
            oktru: s.oktru.clone(),
            tnved: s.tnved.clone(),
            name_ru: s.name_ru.clone(),
            name_kk: s.name_kk.clone(),
            short_name_ru: d.short_name_ru.clone(),
            short_name_kk: d.short_name_kk.clone(),
            brand: s.brand.clone(),
            country: s.country.clone(),
            measure_unit: s.measure_unit.clone(),
            measure_qty: s.measure_qty.clone(),
            is_gov: d.is_gov,
            attributes: d.attributes.clone(),
            main_extended: d.main_extended.clone(),
            additional_extended: d.additional_extended.clone(),
            custom_extended: d.custom_extended.clone(),
            images: d.images.clone(),
            documents: d.documents.clone(),
            auto_publication: d.auto_publication,
        }
    }
}

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
    pub intent_state: String,
    pub status: String,
    pub gz_status: Option<String>,
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
}

impl From<nct_request::Model> for NctRequest {
    fn from(m: nct_request::Model) -> Self {
        Self {
            id: m.id,
            tenant_id: TenantId(m.tenant_id),
            sku_id: m.sku_id,
            catalog_id: m.catalog_id,
            nct_request_id: m.nct_request_id,
            intent_state: m.intent_state,
            status: m.status,
            gz_status: m.gz_status,
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
        }
    }
}

impl NctRequest {
    /// Whether NCT is done with it.
    pub fn is_final(&self) -> bool {
        FINAL_STATUSES.contains(&self.status.as_str())
    }
}

/// What NCT said about a request, to be stored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusUpdate {
    pub status: String,
    pub gz_status: Option<String>,
    pub comment: Option<String>,
    pub reason: Option<String>,
    pub revision_details: Vec<RevisionDetail>,
    /// `None` keeps the stored candidates.
    pub duplicates: Option<Vec<DuplicateCandidate>>,
    /// Whether the request waits for a duplicate decision.
    pub duplicate_review: bool,
    pub ntin: Option<String>,
    pub product_url: Option<String>,
}

/// The `skus.card_status` for an NCT status.
pub fn card_status_for(status: &str, duplicate_review: bool) -> &'static str {
    match status {
        "new" => card_status::CREATED,
        "onModeration" | "accepted" => card_status::SUBMITTED,
        "underRevision" | "underRevisionGz" if duplicate_review => card_status::DUPLICATE_REVIEW,
        "underRevision" | "underRevisionGz" => card_status::NEEDS_REVISION,
        "readyToPublish" => card_status::READY_TO_PUBLISH,
        "completed" | "existingProductSelected" => card_status::COMPLETED,
        "rejected" => card_status::REJECTED,
        "cancelled" => card_status::CANCELLED,
        _ => card_status::SUBMITTED,
    }
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
    if let Some(d) = u.duplicates.as_ref().filter(|d| !d.is_empty()) {
        parts.push(format!("{} potential duplicate(s)", d.len()));
    }
    if u.status == "rejected"
        && let Some(n) = &u.ntin
    {
        parts.push(format!("existing card NTIN {n}"));
    }
    let s = parts.join("; ");
    (!s.is_empty()).then(|| s.chars().take(1000).collect())
}

/// Card repository.
#[derive(Clone)]
pub struct CardRepo {
    db: DatabaseConnection,
}

impl CardRepo {
    /// Wraps a connection.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// One SKU of this tenant with its card.
    pub async fn card(&self, tenant: TenantId, sku_id: Uuid) -> Result<Option<CardSku>, RepoError> {
        Ok(sku::Entity::find_by_id(sku_id)
            .filter(sku::Column::TenantId.eq(tenant.0))
            .one(&self.db)
            .await?
            .map(CardSku::from_model))
    }

    /// Stores the extra card fields and, when given, the card status (never over a moderation state).
    pub async fn save_card_data(&self, tenant: TenantId, sku_id: Uuid, data: &CardData, status: Option<&str>) -> Result<CardSku, RepoError> {
        let m = sku::Entity::find_by_id(sku_id)
            .filter(sku::Column::TenantId.eq(tenant.0))
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        let in_moderation = m.card_status.as_deref().is_some_and(|s| ![card_status::DRAFT, card_status::READY, card_status::FAILED].contains(&s));
        let mut am: sku::ActiveModel = m.into();
        am.card_data = Set(Some(serde_json::to_string(data).map_err(|e| RepoError::Unexpected(e.into()))?));
        am.gov = Set(data.is_gov);
        if let Some(s) = status.filter(|_| !in_moderation) {
            am.card_status = Set(Some(s.to_owned()));
        }
        am.updated_at = Set(Utc::now());
        Ok(CardSku::from_model(am.update(&self.db).await?))
    }

    /// Sets `card_status` (and optionally `moderation_remarks`) of a SKU.
    pub async fn set_card_status(&self, tenant: TenantId, sku_id: Uuid, status: &str, remarks: Option<String>) -> Result<(), RepoError> {
        let mut q = sku::Entity::update_many()
            .col_expr(sku::Column::CardStatus, Expr::value(status))
            .col_expr(sku::Column::UpdatedAt, Expr::value(Utc::now()));
        if let Some(r) = remarks {
            q = q.col_expr(sku::Column::ModerationRemarks, Expr::value(r));
        }
        q.filter(sku::Column::Id.eq(sku_id)).filter(sku::Column::TenantId.eq(tenant.0)).exec(&self.db).await?;
        Ok(())
    }

    /// SKUs of a catalog that need a card made by hand: no NTIN, and a manual-card or XTIN barcode or a GTIN
    /// NCT does not know.
    pub async fn cards_needed(&self, tenant: TenantId, catalog_id: Uuid, limit: u64) -> Result<Vec<CardSku>, RepoError> {
        Ok(sku::Entity::find()
            .filter(sku::Column::TenantId.eq(tenant.0))
            .filter(sku::Column::CatalogId.eq(catalog_id))
            .filter(need_card())
            .order_by_asc(sku::Column::SellerSku)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(CardSku::from_model)
            .collect())
    }

    /// SKUs with an XTIN and no NTIN whose XTIN was assigned at or before `assigned_before`.
    pub async fn xtins_assigned_before(&self, tenant: TenantId, catalog_id: Uuid, assigned_before: DateTime<Utc>, limit: u64) -> Result<Vec<Sku>, RepoError> {
        Ok(sku::Entity::find()
            .filter(sku::Column::TenantId.eq(tenant.0))
            .filter(sku::Column::CatalogId.eq(catalog_id))
            .filter(sku::Column::Xtin.is_not_null())
            .filter(sku::Column::Ntin.is_null())
            .filter(sku::Column::XtinAssignedAt.lte(assigned_before))
            .order_by_asc(sku::Column::XtinAssignedAt)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
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
            intent_state: Set(intent::PLANNED.to_owned()),
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
        };
        match m.insert(&self.db).await {
            Ok(m) => Ok(m.into()),
            // A concurrent submit planned it first.
            Err(e) => match RepoError::from(e) {
                RepoError::Duplicate(_) => self.request(tenant, sku_id).await?.ok_or(RepoError::NotFound),
                other => Err(other),
            },
        }
    }

    /// Records the intent to create: `CREATING`, the body hash, the next attempt; the old NCT id (of a
    /// rejected or cancelled request) and remarks are cleared. Returns the attempt number.
    pub async fn mark_creating(&self, row: Uuid, body_hash: &str) -> Result<i32, RepoError> {
        let txn = self.db.begin().await?;
        let m = nct_request::Entity::find_by_id(row).one(&txn).await?.ok_or(RepoError::NotFound)?;
        let attempt = m.attempt + 1;
        let mut am: nct_request::ActiveModel = m.into();
        am.intent_state = Set(intent::CREATING.to_owned());
        am.nct_request_id = Set(None);
        am.status = Set(String::new());
        am.body_hash = Set(body_hash.to_owned());
        am.attempt = Set(attempt);
        am.comment = Set(None);
        am.reason = Set(None);
        am.gz_status = Set(None);
        am.revision_details = Set("[]".to_owned());
        am.duplicates = Set(None);
        am.last_error = Set(None);
        am.updated_at = Set(Utc::now());
        am.update(&txn).await?;
        txn.commit().await?;
        Ok(attempt)
    }

    /// Records NCT's id: `CREATED`, status `new`.
    pub async fn mark_created(&self, tenant: TenantId, row: Uuid, nct_id: i64, status: &str) -> Result<(), RepoError> {
        let txn = self.db.begin().await?;
        let m = nct_request::Entity::find_by_id(row).one(&txn).await?.ok_or(RepoError::NotFound)?;
        let sku_id = m.sku_id;
        let mut am: nct_request::ActiveModel = m.into();
        am.intent_state = Set(intent::CREATED.to_owned());
        am.nct_request_id = Set(Some(nct_id));
        am.status = Set(status.to_owned());
        am.updated_at = Set(Utc::now());
        am.update(&txn).await?;
        mirror(&txn, tenant, sku_id, status, card_status_for(status, false), None, None).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Records a send to moderation: `SENT`, status `onModeration`, remarks cleared.
    pub async fn mark_sent(&self, tenant: TenantId, row: Uuid, body_hash: Option<&str>) -> Result<(), RepoError> {
        let txn = self.db.begin().await?;
        let m = nct_request::Entity::find_by_id(row).one(&txn).await?.ok_or(RepoError::NotFound)?;
        let sku_id = m.sku_id;
        let mut am: nct_request::ActiveModel = m.into();
        am.intent_state = Set(intent::SENT.to_owned());
        am.status = Set("onModeration".to_owned());
        if let Some(h) = body_hash {
            am.body_hash = Set(h.to_owned());
        }
        am.comment = Set(None);
        am.reason = Set(None);
        am.revision_details = Set("[]".to_owned());
        am.duplicates = Set(None);
        am.last_error = Set(None);
        am.updated_at = Set(Utc::now());
        am.update(&txn).await?;
        mirror(&txn, tenant, sku_id, "onModeration", card_status::SUBMITTED, Some(String::new()), None).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Records a failure of ours (NCT's refusal or a check error). `intent_failed` moves a `CREATING` row to
    /// `FAILED` (NCT refused the create, so it holds nothing); the SKU's card status becomes `FAILED`.
    pub async fn mark_error(&self, tenant: TenantId, row: Uuid, error: &str, intent_failed: bool) -> Result<(), RepoError> {
        let txn = self.db.begin().await?;
        let m = nct_request::Entity::find_by_id(row).one(&txn).await?.ok_or(RepoError::NotFound)?;
        let sku_id = m.sku_id;
        let mut am: nct_request::ActiveModel = m.into();
        if intent_failed {
            am.intent_state = Set(intent::FAILED.to_owned());
        }
        am.last_error = Set(Some(error.to_owned()));
        am.updated_at = Set(Utc::now());
        am.update(&txn).await?;
        sku::Entity::update_many()
            .col_expr(sku::Column::CardStatus, Expr::value(card_status::FAILED))
            .col_expr(sku::Column::ModerationRemarks, Expr::value(error.chars().take(1000).collect::<String>()))
            .col_expr(sku::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(sku::Column::Id.eq(sku_id))
            .filter(sku::Column::TenantId.eq(tenant.0))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Stores what NCT said about a request and mirrors it onto the SKU; a completed request (or a chosen
    /// existing card) stores its NTIN on the SKU with source `REQUEST`, unless a person set one by hand.
    /// Returns whether anything changed.
    pub async fn apply_status(&self, tenant: TenantId, row: Uuid, u: &StatusUpdate) -> Result<bool, RepoError> {
        let txn = self.db.begin().await?;
        let m = nct_request::Entity::find_by_id(row)
            .filter(nct_request::Column::TenantId.eq(tenant.0))
            .one(&txn)
            .await?
            .ok_or(RepoError::NotFound)?;
        let sku_id = m.sku_id;
        let details = serde_json::to_string(&u.revision_details).unwrap_or_else(|_| "[]".to_owned());
        let duplicates = match &u.duplicates {
            Some(d) => Some(serde_json::to_string(d).unwrap_or_else(|_| "[]".to_owned())),
            None => m.duplicates.clone(),
        };
        let before = m.clone();
        let mut am: nct_request::ActiveModel = m.into();
        am.status = Set(u.status.clone());
        am.gz_status = Set(u.gz_status.clone());
        am.comment = Set(u.comment.clone());
        am.reason = Set(u.reason.clone());
        am.revision_details = Set(details.clone());
        am.duplicates = Set(duplicates.clone());
        if u.ntin.is_some() {
            am.ntin = Set(u.ntin.clone());
        }
        if u.product_url.is_some() {
            am.product_url = Set(u.product_url.clone());
        }
        let changed = before.status != u.status
            || before.gz_status != u.gz_status
            || before.comment != u.comment
            || before.reason != u.reason
            || before.revision_details != details
            || before.duplicates != duplicates
            || (u.ntin.is_some() && before.ntin != u.ntin);
        if !changed {
            txn.rollback().await?;
            return Ok(false);
        }
        am.updated_at = Set(Utc::now());
        am.update(&txn).await?;
        let ntin = matches!(u.status.as_str(), "completed" | "existingProductSelected").then(|| u.ntin.clone()).flatten();
        mirror(&txn, tenant, sku_id, &u.status, card_status_for(&u.status, u.duplicate_review), remarks_summary(u), ntin).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Creates a SUBMIT job over `sku_ids` (default: every SKU of the catalog that needs a card and has no
    /// request in moderation). Same idempotency rules as `JobRepo::create_lookup_job`.
    pub async fn create_submit_job(&self, tenant: TenantId, catalog_id: Uuid, sku_ids: Option<Vec<Uuid>>, idempotency_key: Option<String>, input_hash: String) -> Result<(Job, bool), CreateJobError> {
        let mut q = sku::Entity::find()
            .select_only()
            .column(sku::Column::Id)
            .filter(sku::Column::TenantId.eq(tenant.0))
            .filter(sku::Column::CatalogId.eq(catalog_id))
            .filter(sku::Column::Ntin.is_null());
        q = match sku_ids {
            Some(ids) => q.filter(sku::Column::Id.is_in(ids)),
            None => q.filter(need_card()).filter(
                Condition::any()
                    .add(sku::Column::CardStatus.is_null())
                    .add(sku::Column::CardStatus.is_in([card_status::DRAFT, card_status::READY, card_status::FAILED, card_status::REJECTED, card_status::CANCELLED])),
            ),
        };
        self.create_job(JobKind::Submit, tenant, catalog_id, q.order_by_asc(sku::Column::SellerSku), idempotency_key, input_hash).await
    }

    /// Creates a STATUS_SYNC job over the catalog's requests that NCT is still working on.
    pub async fn create_sync_job(&self, tenant: TenantId, catalog_id: Uuid, idempotency_key: Option<String>, input_hash: String) -> Result<(Job, bool), CreateJobError> {
        let open: Vec<Uuid> = nct_request::Entity::find()
            .select_only()
            .column(nct_request::Column::SkuId)
            .filter(nct_request::Column::TenantId.eq(tenant.0))
            .filter(nct_request::Column::CatalogId.eq(catalog_id))
            .filter(nct_request::Column::NctRequestId.is_not_null())
            .filter(nct_request::Column::Status.is_in(SYNCED_STATUSES))
            .into_tuple()
            .all(&self.db)
            .await?;
        let q = sku::Entity::find()
            .select_only()
            .column(sku::Column::Id)
            .filter(sku::Column::TenantId.eq(tenant.0))
            .filter(sku::Column::Id.is_in(open))
            .order_by_asc(sku::Column::SellerSku);
        self.create_job(JobKind::StatusSync, tenant, catalog_id, q, idempotency_key, input_hash).await
    }

    async fn create_job(&self, kind: JobKind, tenant: TenantId, catalog_id: Uuid, targets: sea_orm::Select<sku::Entity>, idempotency_key: Option<String>, input_hash: String) -> Result<(Job, bool), CreateJobError> {
        super::job_repo::create_job_over(&self.db, kind, tenant, catalog_id, targets, idempotency_key, input_hash).await
    }

    /// Finishes a card job item (`Done` with an outcome, or `Failed` with an error). A no-op when the item is
    /// already final.
    pub async fn finish_item(&self, item_id: i64, state: ItemState, outcome: Option<&str>, error: Option<String>) -> Result<bool, RepoError> {
        let r = job_item::Entity::update_many()
            .col_expr(job_item::Column::State, Expr::value(state.as_str()))
            .col_expr(job_item::Column::Outcome, Expr::value(outcome.map(str::to_owned)))
            .col_expr(job_item::Column::Error, Expr::value(error))
            .col_expr(job_item::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(job_item::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(job_item::Column::Id.eq(item_id))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected > 0)
    }

    /// Keeps an item pending but out of reach until `until` (the lease doubles as "poll again at").
    pub async fn defer_item(&self, item_id: i64, until: DateTime<Utc>) -> Result<(), RepoError> {
        job_item::Entity::update_many()
            .col_expr(job_item::Column::LeasedUntil, Expr::value(until))
            .filter(job_item::Column::Id.eq(item_id))
            .filter(job_item::Column::State.eq(ItemState::Pending.as_str()))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

/// SKUs that need a hand-made card: a manual-card or XTIN barcode, or a GTIN NCT does not know.
fn need_card() -> Condition {
    Condition::any()
        .add(sku::Column::ReadinessClass.is_in(["MANUAL_CARD", "TEMPORARY_XTIN"]))
        .add(sku::Column::LookupState.eq("NOT_FOUND"))
}

/// Mirrors a request's state onto its SKU; `remarks: Some("")` clears them.
async fn mirror<C: ConnectionTrait>(conn: &C, tenant: TenantId, sku_id: Uuid, status: &str, card: &str, remarks: Option<String>, ntin: Option<String>) -> Result<(), RepoError> {
    let Some(m) = sku::Entity::find_by_id(sku_id).filter(sku::Column::TenantId.eq(tenant.0)).one(conn).await? else {
        return Ok(());
    };
    let manual = m.ntin.is_some() && m.ntin_source.as_deref() == Some("MANUAL");
    let mut am: sku::ActiveModel = m.into();
    am.card_status = Set(Some(card.to_owned()));
    am.moderation_status = Set(Some(status.to_owned()));
    if let Some(r) = remarks {
        am.moderation_remarks = Set((!r.is_empty()).then_some(r));
    }
    if let Some(n) = ntin.filter(|_| !manual) {
        am.ntin = Set(Some(n));
        am.ntin_source = Set(Some("REQUEST".to_owned()));
        am.readiness_class = Set("HAS_NTIN".to_owned());
        am.readiness_reason = Set(None);
        am.readiness_message = Set(None);
    }
    am.updated_at = Set(Utc::now());
    am.update(conn).await?;
    Ok(())
}
