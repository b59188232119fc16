//! Cards: the card fields of a SKU (the `skus` columns plus the `card_data` JSON) and its card status.
//! The NCT requests behind them are in [`super::request_repo`].

use super::RepoError;
use super::entity::sku;
use super::sku_repo::Sku;
use chrono::{DateTime, Utc};
use domain::card::{AttrValue, CardDraft, CardStatus, CustomAttr, ImageRef};
use domain::tenant::TenantId;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
    /// An edit of a published card (`edit-product`): the fields the edit cannot change.
    pub edit_of: Option<domain::card::LockedFields>,
}

/// A SKU with its card state.
#[derive(Clone, Debug)]
pub struct CardSku {
    /// The SKU.
    pub sku: Sku,
    /// Extra card fields.
    pub data: CardData,
    /// `skus.moderation_status`.
    pub moderation_status: Option<String>,
    /// `skus.moderation_remarks`.
    pub moderation_remarks: Option<String>,
}

impl CardSku {
    pub(super) fn from_model(m: sku::Model) -> Self {
        let data = m.card_data.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
        let (moderation_status, moderation_remarks) = (m.moderation_status.clone(), m.moderation_remarks.clone());
        Self { sku: m.into(), data, moderation_status, moderation_remarks }
    }

    /// The draft the check and the request body are built from.
    pub fn draft(&self) -> CardDraft {
        let s = &self.sku;
        let d = &self.data;
        CardDraft {
            barcode: s.barcode.clone(),
            ntin: d.edit_of.as_ref().map(|l| l.ntin.clone()),
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
            locked: d.edit_of.clone(),
        }
    }
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

    /// Several SKUs of this tenant with their cards (a page), by SKU id; unknown ids are absent.
    pub async fn cards(&self, tenant: TenantId, sku_ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, CardSku>, RepoError> {
        if sku_ids.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        let q = sku::Entity::find()
            .filter(sku::Column::TenantId.eq(tenant.0))
            .filter(sku::Column::Id.is_in(sku_ids.to_vec()));
        // A page's `card` fields land here: decoded like the page's rows (`sku_rows`), not by sea-orm's models.
        Ok(super::sku_rows::all(&self.db, q)
            .await?
            .into_iter()
            .map(|m| (m.id, CardSku::from_model(m)))
            .collect())
    }

    /// Stores the extra card fields and, when given, the card status (never over a moderation state).
    pub async fn save_card_data(&self, tenant: TenantId, sku_id: Uuid, data: &CardData, status: Option<CardStatus>) -> Result<CardSku, RepoError> {
        let m = sku::Entity::find_by_id(sku_id)
            .filter(sku::Column::TenantId.eq(tenant.0))
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        let in_moderation = m.card_status.as_deref().and_then(CardStatus::parse).is_some_and(CardStatus::in_moderation);
        let mut am: sku::ActiveModel = m.into();
        am.card_data = Set(Some(serde_json::to_string(data).map_err(|e| RepoError::Unexpected(e.into()))?));
        am.gov = Set(data.is_gov);
        if let Some(s) = status.filter(|_| !in_moderation) {
            am.card_status = Set(Some(s.as_str().to_owned()));
        }
        am.updated_at = Set(Utc::now());
        Ok(CardSku::from_model(am.update(&self.db).await?))
    }

    /// Sets `card_status` (and optionally `moderation_remarks`) of a SKU.
    pub async fn set_card_status(&self, tenant: TenantId, sku_id: Uuid, status: CardStatus, remarks: Option<String>) -> Result<(), RepoError> {
        let mut q = sku::Entity::update_many()
            .col_expr(sku::Column::CardStatus, Expr::value(status.as_str()))
            .col_expr(sku::Column::UpdatedAt, Expr::value(Utc::now()));
        if let Some(r) = remarks {
            q = q.col_expr(sku::Column::ModerationRemarks, Expr::value(r));
        }
        q.filter(sku::Column::Id.eq(sku_id)).filter(sku::Column::TenantId.eq(tenant.0)).exec(&self.db).await?;
        Ok(())
    }

    /// Some SKUs of this tenant with their cards.
    pub async fn cards_by_ids(&self, tenant: TenantId, ids: &[Uuid]) -> Result<Vec<CardSku>, RepoError> {
        Ok(super::bulk::tenant_rows_in::<sku::Entity, _>(&self.db, sku::Column::TenantId, tenant, sku::Column::Id, ids)
            .await?
            .into_iter()
            .map(CardSku::from_model)
            .collect())
    }

    /// SKUs with an XTIN and no NTIN whose XTIN was assigned at or before `assigned_before`.
    pub async fn xtins_assigned_before(&self, tenant: TenantId, catalog_id: Uuid, assigned_before: DateTime<Utc>, limit: u64) -> Result<Vec<Sku>, RepoError> {
        let q = sku::Entity::find()
            .filter(sku::Column::TenantId.eq(tenant.0))
            .filter(sku::Column::CatalogId.eq(catalog_id))
            .filter(sku::Column::Xtin.is_not_null())
            .filter(sku::Column::Ntin.is_null())
            .filter(sku::Column::XtinAssignedAt.lte(assigned_before))
            .order_by_asc(sku::Column::XtinAssignedAt)
            .limit(limit);
        Ok(super::sku_rows::all(&self.db, q)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// SKUs that need a hand-made card: a manual-card or XTIN barcode, or a GTIN NCT does not know.
pub(super) fn need_card() -> Condition {
    Condition::any()
        .add(sku::Column::ReadinessClass.is_in(["MANUAL_CARD", "TEMPORARY_XTIN"]))
        .add(sku::Column::LookupState.eq("NOT_FOUND"))
}

