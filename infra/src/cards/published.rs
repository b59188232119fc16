//! Editing a published card. `POST …/{ntin}/edit-product` makes a draft edit request and answers with
//! the card's body in PUT format; that body becomes the SKU's card, with the fields an edit cannot change
//! (`name_ru`, `name_kk`, `ntin`, `tnved`) kept beside it so the check reports a change of them
//! (`EDIT_LOCKED_FIELD`) before NCT refuses it. The seller corrects the card and sends it with
//! `resubmitSku` (`PUT` + moderation, allowed from `new`); the follower takes it to `completed`, where
//! the card keeps its NTIN.
//!
//! The draft is made through the outbox, like a new request: the intent is written first, and after a
//! crash a `new` request of this tenant with the card's name and category is adopted instead of asking NCT
//! for a second draft. NCT refuses to edit an extended card (with a KZTIN), a deactivated one or one its
//! producer protected: its message is kept (422).

use super::{CardError, CardService};
use crate::db::card_repo::CardData;
use crate::db::request_repo::NctRequest;
use crate::db::sku_repo::SkuFields;
use domain::card::{AttrValue, DEDICATED_CODES, ImageRef, ImageType, Intent, LockedFields, RequestStatus};
use domain::tenant::TenantId;
use nct::NctError;
use nct::dto::{PortalEditProductResponseDto, PortalProductRequestAttributeValue as Attr};
use uuid::Uuid;

fn value(attrs: &[Attr], code: &str) -> Option<String> {
    attrs.iter().find(|a| a.code.as_deref() == Some(code)).and_then(|a| a.value.clone()).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn part(attrs: &[Attr], code: &str, part: &str) -> Option<String> {
    attrs.iter().find(|a| a.code.as_deref() == Some(code)).and_then(|a| value(&a.attributes, part))
}

fn to_value(a: &Attr) -> AttrValue {
    AttrValue {
        code: a.code.clone().unwrap_or_default(),
        value: a.value.clone().unwrap_or_default(),
        parts: a.attributes.iter().map(to_value).collect(),
    }
}

impl CardService {
    /// Starts an edit of the SKU's published card (see the module docs).
    ///
    /// # Errors
    /// [`CardError::InvalidState`] without an NTIN or with a request still open; [`CardError::Invalid`]
    /// when NCT has no such card; NCT's refusal (an extended or locked card); [`CardError::NotFound`],
    /// [`CardError::NoKey`].
    pub async fn start_edit(&self, tenant: TenantId, sku_id: Uuid) -> Result<NctRequest, CardError> {
        let card = self.cards.card(tenant, sku_id).await?.ok_or(CardError::NotFound)?;
        let Some(ntin) = card.sku.ntin.clone() else {
            return Err(CardError::InvalidState("only a SKU with an NTIN (a published card) can be edited".into()));
        };
        let key = self.require_key(tenant).await?;
        if let Some(r) = self.requests.request(tenant, sku_id).await?
            && r.next_check_at.is_some()
            && r.status.as_ref().is_some_and(|s| !s.is_final())
        {
            let status = r.status.as_ref().map_or("", RequestStatus::as_str).to_owned();
            return Err(CardError::InvalidState(format!("the SKU's NCT request is {status}; finish or cancel it first")));
        }
        let row = self.requests.plan(tenant, sku_id, card.sku.catalog_id).await?;
        let hash = format!("edit:{ntin}");
        // A draft NCT made before a crash is adopted, not made twice.
        if row.intent_state == Intent::Creating && row.nct_request_id.is_none() && row.body_hash == hash {
            let name = card.sku.name_ru.clone().unwrap_or_default();
            let oktru = card.sku.oktru.clone().unwrap_or_default();
            let known = self.requests.known_nct_ids(tenant).await?;
            if let Some((id, _)) = crate::jobs::submit::find_existing(&self.nct, &key, &name, &oktru, &known, Some("new")).await? {
                self.requests.mark_created(tenant, row.id, id, &RequestStatus::New, &self.schedule, false).await?;
                return self.request_of_sku(tenant, sku_id).await;
            }
        }
        self.requests.mark_creating(row.id, &hash).await?;
        let resp = match self.nct.edit_product(&key, &ntin).await {
            Ok(r) => r,
            Err(NctError::NotFound) => {
                let msg = format!("NCT has no card with NTIN {ntin}");
                self.requests.mark_error(tenant, row.id, &msg, true, &self.schedule).await?;
                return Err(CardError::Invalid { field: "skuId", message: msg });
            }
            Err(e @ (NctError::Business { .. } | NctError::Validation { .. })) => {
                self.requests.mark_error(tenant, row.id, &super::super::jobs::submit::nct_message(&e), true, &self.schedule).await?;
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        };
        self.requests.mark_created(tenant, row.id, resp.product_request_id, &RequestStatus::New, &self.schedule, false).await?;
        self.fill_from_edit(tenant, sku_id, &ntin, &resp, card.data).await?;
        self.request_of_sku(tenant, sku_id).await
    }

    /// The SKU's card becomes the body `edit-product` returned, with the locked fields kept beside it.
    async fn fill_from_edit(&self, tenant: TenantId, sku_id: Uuid, ntin: &str, r: &PortalEditProductResponseDto, mut data: CardData) -> Result<(), CardError> {
        let a = &r.attributes;
        let fields = SkuFields {
            name_ru: value(a, "name_ru"),
            name_kk: value(a, "name_kk"),
            brand: value(a, "brand"),
            oktru: r.oktru.clone().filter(|o| !o.trim().is_empty()),
            tnved: value(a, "tnved"),
            country: value(a, "country"),
            measure_unit: part(a, "measure", "measure_unit"),
            measure_qty: part(a, "measure", "quantity"),
            ..SkuFields::default()
        };
        self.skus.update(tenant, sku_id, &fields).await?;
        data.short_name_ru = value(a, "short_name_ru");
        data.short_name_kk = value(a, "short_name_kk");
        data.is_gov = false;
        data.auto_publication = r.auto_publication;
        data.attributes = a.iter().filter(|x| x.code.as_deref().is_some_and(|c| !DEDICATED_CODES.contains(&c))).map(to_value).collect();
        data.main_extended.clear();
        data.additional_extended.clear();
        data.custom_extended.clear();
        data.images = r
            .image_files
            .iter()
            .filter_map(|f| {
                let side = nct::dto::ImageType::parse(&f.image_type)?;
                let image_type = match side {
                    nct::dto::ImageType::Front => ImageType::Front,
                    nct::dto::ImageType::Back => ImageType::Back,
                    nct::dto::ImageType::Left => ImageType::Left,
                    nct::dto::ImageType::Right => ImageType::Right,
                    nct::dto::ImageType::Top => ImageType::Top,
                    nct::dto::ImageType::Bottom => ImageType::Bottom,
                };
                Some(ImageRef { file_name: f.file_name.clone(), image_type })
            })
            .collect();
        data.documents = r.documents.iter().map(|d| d.file_name.clone()).collect();
        data.edit_of = Some(LockedFields { ntin: ntin.to_owned(), name_ru: fields.name_ru.clone(), name_kk: fields.name_kk.clone(), tnved: fields.tnved.clone() });
        let card = self.cards.save_card_data(tenant, sku_id, &data, None).await?;
        if let Some(key) = self.key(tenant).await? {
            self.check_and_store(tenant, &key, &card).await?;
        }
        Ok(())
    }

    async fn request_of_sku(&self, tenant: TenantId, sku_id: Uuid) -> Result<NctRequest, CardError> {
        self.requests.request(tenant, sku_id).await?.ok_or(CardError::NotFound)
    }
}
