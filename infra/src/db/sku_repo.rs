//! SKUs of a tenant's catalogs: batch upsert by seller SKU (imports), keyset-paged listing with filters,
//! single updates and the readiness summary.

use super::entity::sku;
use super::RepoError;
use domain::sku::NtinSource;
use domain::tenant::TenantId;
use chrono::{DateTime, Utc};
use domain::readiness::{Classification, ReadinessClass, Summary, classify};
use sea_orm::sea_query::ExprTrait as _;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// A stored SKU.
#[derive(Clone, Debug, PartialEq)]
pub struct Sku {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub catalog_id: Uuid,
    pub seller_sku: String,
    pub barcode: Option<String>,
    pub gtin14: Option<String>,
    pub readiness_class: ReadinessClass,
    pub readiness_reason: Option<String>,
    pub readiness_message: Option<String>,
    pub ntin: Option<String>,
    pub ntin_source: Option<NtinSource>,
    pub xtin: Option<String>,
    pub xtin_assigned_at: Option<DateTime<Utc>>,
    pub name_ru: Option<String>,
    pub name_kk: Option<String>,
    pub brand: Option<String>,
    pub oktru: Option<String>,
    pub tnved: Option<String>,
    pub country: Option<String>,
    pub measure_unit: Option<String>,
    pub measure_qty: Option<String>,
    pub price: Option<i64>,
    pub channels: Vec<String>,
    pub attributes: serde_json::Value,
    pub lookup_state: Option<String>,
    pub lookup_candidates: Option<serde_json::Value>,
    pub looked_up_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the catalog's feed stopped listing it (see `domain::feed`).
    pub feed_removed_at: Option<DateTime<Utc>>,
    /// The card's workflow state (`skus.card_status`; a stored code this version does not know reads as none).
    pub card_status: Option<domain::card::CardStatus>,
}

impl From<sku::Model> for Sku {
    fn from(m: sku::Model) -> Self {
        Self {
            id: m.id,
            tenant_id: TenantId(m.tenant_id),
            catalog_id: m.catalog_id,
            seller_sku: m.seller_sku,
            barcode: m.barcode,
            gtin14: m.gtin14,
            readiness_class: ReadinessClass::parse(&m.readiness_class)
                .unwrap_or(ReadinessClass::ManualCard),
            readiness_reason: m.readiness_reason,
            readiness_message: m.readiness_message,
            ntin: m.ntin,
            ntin_source: m.ntin_source.as_deref().and_then(NtinSource::parse),
            xtin: m.xtin,
            xtin_assigned_at: m.xtin_assigned_at,
            name_ru: m.name_ru,
            name_kk: m.name_kk,
            brand: m.brand,
            oktru: m.oktru,
            tnved: m.tnved,
            country: m.country,
            measure_unit: m.measure_unit,
            measure_qty: m.measure_qty,
            price: m.price,
            channels: serde_json::from_str(&m.channels).unwrap_or_default(),
            attributes: serde_json::from_str(&m.attributes)
                .unwrap_or_else(|_| serde_json::json!({})),
            lookup_state: m.lookup_state,
            lookup_candidates: m
                .lookup_candidates
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok()),
            looked_up_at: m.looked_up_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
            feed_removed_at: m.feed_removed_at,
            card_status: m.card_status.as_deref().and_then(domain::card::CardStatus::parse),
        }
    }
}

/// Fields a caller sets on a SKU. `None` keeps the stored value; `Some("")` clears a text field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SkuFields {
    pub barcode: Option<String>,
    pub name_ru: Option<String>,
    pub name_kk: Option<String>,
    pub brand: Option<String>,
    pub oktru: Option<String>,
    pub tnved: Option<String>,
    pub country: Option<String>,
    pub measure_unit: Option<String>,
    pub measure_qty: Option<String>,
    pub ntin: Option<String>,
    pub xtin: Option<String>,
    pub price: Option<i64>,
    pub channels: Option<Vec<String>>,
    pub attributes: Option<serde_json::Value>,
}

/// One SKU to create or update by its seller SKU code.
#[derive(Clone, Debug, PartialEq)]
pub struct SkuUpsert {
    pub seller_sku: String,
    pub fields: SkuFields,
}

/// What an upsert did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl UpsertCounts {
    /// Adds another batch's counts.
    pub fn add(&mut self, o: UpsertCounts) {
        self.created += o.created;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// Filters for listing SKUs.
#[derive(Clone, Debug, Default)]
pub struct SkuFilter {
    pub readiness: Option<ReadinessClass>,
    pub lookup_state: Option<String>,
    /// Substring of seller SKU, barcode, NTIN, brand or Russian or Kazakh name; case-insensitive.
    pub search: Option<String>,
    /// Only this card workflow state (`DRAFT`, `SUBMITTED`, `NEEDS_REVISION`…).
    pub card_status: Option<String>,
    pub ids: Option<Vec<Uuid>>,
    /// `Some(true)`: only SKUs the catalog's feed no longer lists; `Some(false)`: only listed ones.
    pub removed_from_feed: Option<bool>,
}

/// The readiness of a SKU from its barcode, NTIN and XTIN: a valid NTIN wins; then the barcode decides;
/// a SKU with no barcode but an XTIN is temporary.
pub fn sku_readiness(barcode: Option<&str>, ntin: Option<&str>, xtin: Option<&str>) -> Classification {
    if let Some(n) = ntin
        && domain::barcode::Ntin::parse(n).is_ok()
    {
        return Classification {
            class: ReadinessClass::HasNtin,
            gtin14: barcode.and_then(|b| classify(b).gtin14),
            reason: None,
        };
    }
    match barcode {
        Some(b) if !b.trim().is_empty() => classify(b),
        _ => match xtin {
            Some(x) if domain::barcode::Xtin::parse(x).is_ok() => Classification {
                class: ReadinessClass::TemporaryXtin,
                gtin14: None,
                reason: None,
            },
            _ => classify(""),
        },
    }
}

fn norm(v: &Option<String>) -> Option<Option<String>> {
    v.as_ref().map(|s| {
        let t = s.trim();
        (!t.is_empty()).then(|| t.to_owned())
    })
}

/// Applies `f` to `m`; returns whether anything changed. Readiness is recomputed.
pub(super) fn apply_fields(m: &mut sku::Model, f: &SkuFields, now: DateTime<Utc>) -> bool {
    let before = m.clone();
    macro_rules! set_text {
        ($($field:ident),*) => {$(
            if let Some(v) = norm(&f.$field) { m.$field = v; }
        )*};
    }
    set_text!(barcode, name_ru, name_kk, brand, oktru, tnved, country, measure_unit, measure_qty, ntin);
    if let Some(x) = norm(&f.xtin)
        && x != m.xtin
    {
        m.xtin_assigned_at = x.as_ref().map(|_| now);
        m.xtin = x;
    }
    if let Some(ntin) = norm(&f.ntin)
        && ntin.is_some()
        && before.ntin != ntin
    {
        m.ntin_source = Some(NtinSource::Manual.as_str().to_owned());
    }
    if f.price.is_some() {
        m.price = f.price;
    }
    if let Some(c) = &f.channels {
        m.channels = serde_json::to_string(c).unwrap_or_else(|_| "[]".to_owned());
    }
    if let Some(a) = &f.attributes {
        m.attributes = a.to_string();
    }
    m.search_text = Some(search_text(&m.seller_sku, m.brand.as_deref(), m.name_ru.as_deref(), m.name_kk.as_deref()));
    let c = sku_readiness(m.barcode.as_deref(), m.ntin.as_deref(), m.xtin.as_deref());
    m.readiness_class = c.class.as_str().to_owned();
    m.gtin14 = c.gtin14;
    m.readiness_reason = c.reason.as_ref().map(|r| r.code.as_str().to_owned());
    m.readiness_message = c.reason.map(|r| r.message);
    let changed = *m != before;
    if changed {
        m.updated_at = now;
    }
    changed
}

/// A new SKU row: its identity and times, every optional column empty, readiness `MANUAL_CARD` until its fields
/// are applied.
#[must_use]
pub fn new_model(tenant: TenantId, catalog_id: Uuid, seller_sku: &str, now: DateTime<Utc>) -> sku::Model {
    sku::Model {
        id: Uuid::new_v4(),
        tenant_id: tenant.0,
        catalog_id,
        seller_sku: seller_sku.to_owned(),
        barcode: None,
        gtin14: None,
        readiness_class: ReadinessClass::ManualCard.as_str().to_owned(),
        readiness_reason: None,
        readiness_message: None,
        ntin: None,
        ntin_source: None,
        xtin: None,
        xtin_assigned_at: None,
        name_ru: None,
        name_kk: None,
        brand: None,
        oktru: None,
        tnved: None,
        country: None,
        measure_unit: None,
        measure_qty: None,
        price: None,
        channels: "[]".to_owned(),
        attributes: "{}".to_owned(),
        lookup_state: None,
        lookup_candidates: None,
        looked_up_at: None,
        created_at: now,
        updated_at: now,
        card_status: None,
        moderation_status: None,
        moderation_remarks: None,
        card_data: None,
        gov: false,
        search_text: None,
        feed_removed_at: None,
    }
}

/// What `search` is matched against: seller SKU, brand and names, lower-cased with Rust's Unicode
/// `to_lowercase`, since neither SQLite's `LIKE` (ASCII only) nor PostgreSQL's (exact) folds Cyrillic.
/// The migration that added the column fills old rows the same way.
#[must_use]
pub fn search_text(seller_sku: &str, brand: Option<&str>, name_ru: Option<&str>, name_kk: Option<&str>) -> String {
    [Some(seller_sku), brand, name_ru, name_kk].into_iter().flatten().collect::<Vec<_>>().join("\n").to_lowercase()
}

fn full_update(m: sku::Model) -> sku::ActiveModel {
    let mut am: sku::ActiveModel = m.into();
    // Mark every column dirty: `into()` yields Unchanged values.
    use sea_orm::{ActiveValue, Iterable};
    for col in sku::Column::iter() {
        if matches!(col, sku::Column::Id) {
            continue;
        }
        let v = am.get(col);
        if let ActiveValue::Unchanged(val) = v {
            am.set(col, val);
        }
    }
    am
}

/// SKU repository.
#[derive(Clone)]
pub struct SkuRepo {
    db: DatabaseConnection,
}

impl SkuRepo {
    /// Wraps a connection.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// One SKU of this tenant.
    pub async fn get(&self, tenant: TenantId, id: Uuid) -> Result<Option<Sku>, RepoError> {
        Ok(sku::Entity::find_by_id(id)
            .filter(sku::Column::TenantId.eq(tenant.0))
            .one(&self.db)
            .await?
            .map(Into::into))
    }

    fn filtered(tenant: TenantId, catalog_id: Uuid, f: &SkuFilter) -> sea_orm::Select<sku::Entity> {
        let mut q = sku::Entity::find()
            .filter(sku::Column::TenantId.eq(tenant.0))
            .filter(sku::Column::CatalogId.eq(catalog_id));
        if let Some(c) = f.readiness {
            q = q.filter(sku::Column::ReadinessClass.eq(c.as_str()));
        }
        if let Some(s) = &f.lookup_state {
            q = q.filter(sku::Column::LookupState.eq(s.as_str()));
        }
        if let Some(ids) = &f.ids {
            q = q.filter(sku::Column::Id.is_in(ids.clone()));
        }
        if let Some(s) = &f.card_status {
            q = q.filter(sku::Column::CardStatus.eq(s.as_str()));
        }
        match f.removed_from_feed {
            Some(true) => q = q.filter(sku::Column::FeedRemovedAt.is_not_null()),
            Some(false) => q = q.filter(sku::Column::FeedRemovedAt.is_null()),
            None => {}
        }
        if let Some(s) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let pat = format!("%{}%", s.replace(['\\', '%', '_', '\n'], "").to_lowercase());
            q = q.filter(
                Condition::any()
                    .add(sku::Column::SearchText.like(pat.as_str()))
                    .add(sku::Column::Barcode.like(pat.as_str()))
                    .add(sku::Column::Ntin.like(pat.as_str())),
            );
        }
        q
    }

    /// SKUs of a catalog ordered by seller SKU; `after` is the last seller SKU of the previous page.
    pub async fn list(
        &self,
        tenant: TenantId,
        catalog_id: Uuid,
        filter: &SkuFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Sku>, RepoError> {
        let mut q = Self::filtered(tenant, catalog_id, filter);
        if let Some(a) = after {
            q = q.filter(sku::Column::SellerSku.gt(a));
        }
        let q = q.order_by_asc(sku::Column::SellerSku).limit(limit);
        Ok(super::sku_rows::all(&self.db, q).await?.into_iter().map(Into::into).collect())
    }

    /// How many SKUs match.
    pub async fn count(&self, tenant: TenantId, catalog_id: Uuid, filter: &SkuFilter) -> Result<u64, RepoError> {
        Ok(Self::filtered(tenant, catalog_id, filter).count(&self.db).await?)
    }

    /// Readiness summary of a catalog, computed by the database.
    pub async fn readiness_summary(&self, tenant: TenantId, catalog_id: Uuid) -> Result<Summary, RepoError> {
        let rows: Vec<(String, i64)> = sku::Entity::find()
            .select_only()
            .column(sku::Column::ReadinessClass)
            .column_as(sku::Column::Id.count(), "n")
            .filter(sku::Column::TenantId.eq(tenant.0))
            .filter(sku::Column::CatalogId.eq(catalog_id))
            .group_by(sku::Column::ReadinessClass)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut s = Summary::default();
        for (class, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            s.total += n;
            match ReadinessClass::parse(&class) {
                Some(ReadinessClass::HasNtin) => s.has_ntin += n,
                Some(ReadinessClass::AutoLookupReady) => s.auto_lookup_ready += n,
                Some(ReadinessClass::TemporaryXtin) => s.temporary_xtin += n,
                _ => s.manual_card += n,
            }
        }
        s.duplicates = self.duplicate_barcodes(tenant, catalog_id).await?;
        Ok(s)
    }

    /// SKUs whose GTIN-14 is shared with an earlier SKU of the same catalog.
    async fn duplicate_barcodes(&self, tenant: TenantId, catalog_id: Uuid) -> Result<u64, RepoError> {
        let rows: Vec<(Option<String>, i64)> = sku::Entity::find()
            .select_only()
            .column(sku::Column::Gtin14)
            .column_as(sku::Column::Id.count(), "n")
            .filter(sku::Column::TenantId.eq(tenant.0))
            .filter(sku::Column::CatalogId.eq(catalog_id))
            .filter(sku::Column::Gtin14.is_not_null())
            .group_by(sku::Column::Gtin14)
            .having(sku::Column::Id.count().gt(1))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.iter().map(|(_, n)| u64::try_from(n - 1).unwrap_or(0)).sum())
    }

    /// Creates or updates SKUs in one transaction.
    pub async fn upsert(
        &self,
        tenant: TenantId,
        catalog_id: Uuid,
        rows: &[SkuUpsert],
    ) -> Result<UpsertCounts, RepoError> {
        let txn = super::begin_write(&self.db).await?;
        if super::catalog_repo::get_in(&txn, tenant, catalog_id).await?.is_none() {
            return Err(RepoError::NotFound);
        }
        let mut total = UpsertCounts::default();
        for chunk in rows.chunks(1000) {
            total.add(super::sku_upsert::upsert_batch(&txn, tenant, catalog_id, chunk).await?);
        }
        txn.commit().await?;
        Ok(total)
    }

    /// Updates one SKU's fields.
    pub async fn update(&self, tenant: TenantId, id: Uuid, fields: &SkuFields) -> Result<Sku, RepoError> {
        let mut m = sku::Entity::find_by_id(id)
            .filter(sku::Column::TenantId.eq(tenant.0))
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        if apply_fields(&mut m, fields, Utc::now()) {
            full_update(m.clone()).update(&self.db).await?;
        }
        Ok(m.into())
    }

    /// Deletes SKUs of this tenant; returns the IDs that were deleted (foreign ones are ignored).
    pub async fn delete(&self, tenant: TenantId, ids: &[Uuid]) -> Result<Vec<Uuid>, RepoError> {
        let found: Vec<Uuid> = sku::Entity::find()
            .select_only()
            .column(sku::Column::Id)
            .filter(sku::Column::TenantId.eq(tenant.0))
            .filter(sku::Column::Id.is_in(ids.to_vec()))
            .into_tuple()
            .all(&self.db)
            .await?;
        if !found.is_empty() {
            sku::Entity::delete_many()
                .filter(sku::Column::TenantId.eq(tenant.0))
                .filter(sku::Column::Id.is_in(found.clone()))
                .exec(&self.db)
                .await?;
        }
        Ok(found)
    }
}

impl SkuRepo {
    /// Stores a person's choice among ambiguous lookup candidates (source LOOKUP).
    pub async fn choose_ntin(&self, tenant: TenantId, id: Uuid, ntin: &str) -> Result<Sku, RepoError> {
        use sea_orm::Set;
        let m = sku::Entity::find_by_id(id)
            .filter(sku::Column::TenantId.eq(tenant.0))
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        let assignment = (m.ntin.as_deref() != Some(ntin)).then(|| crate::webhooks::events::NtinAssignment {
            sku_id: m.id,
            seller_sku: m.seller_sku.clone(),
            catalog_id: m.catalog_id,
            ntin: ntin.to_owned(),
            source: NtinSource::Lookup,
        });
        let mut am: sku::ActiveModel = m.into();
        am.ntin = Set(Some(ntin.to_owned()));
        am.ntin_source = Set(Some(NtinSource::Lookup.as_str().to_owned()));
        am.lookup_state = Set(Some("FOUND".into()));
        am.readiness_class = Set(ReadinessClass::HasNtin.as_str().to_owned());
        am.readiness_reason = Set(None);
        am.readiness_message = Set(None);
        am.updated_at = Set(Utc::now());
        // The choice and its `ntin.assigned` webhook event commit together.
        let txn = sea_orm::TransactionTrait::begin(&self.db).await?;
        let stored = am.update(&txn).await?;
        crate::webhooks::events::ntin_assigned(&txn, tenant, assignment.as_slice()).await?;
        txn.commit().await?;
        Ok(stored.into())
    }
}
