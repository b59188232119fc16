//! Editing a card: the merge of an edit into the stored card, the `DRAFT`/`READY` decision, and files.

use super::{CardError, CardService, check::check};
use crate::db::card_repo::CardData;
use crate::db::sku_repo::{Sku, SkuFields};
use domain::card::{AttrValue, CardProblem, CardStatus, CustomAttr, ImageRef, ImageType, is_submittable};
use domain::tenant::TenantId;
use nct::NctError;
use uuid::Uuid;

/// Largest photo or document NCT storage accepts.
pub const MAX_CARD_FILE: u64 = 5 * 1024 * 1024;

/// An edit of a card. `None` keeps a field; for the text fields of the card data an empty string clears it;
/// a list replaces the stored list.
#[derive(Clone, Debug, Default)]
pub struct CardEdit {
    /// The SKU columns (barcode, names, brand, OKTRU, TN VED, country, measure, XTIN).
    pub sku: SkuFields,
    /// Short name in Russian.
    pub short_name_ru: Option<String>,
    /// Short name in Kazakh.
    pub short_name_kk: Option<String>,
    /// Extended (gov) card.
    pub is_gov: Option<bool>,
    /// Publish automatically once approved.
    pub auto_publication: Option<bool>,
    /// Other base attributes.
    pub attributes: Option<Vec<AttrValue>>,
    /// Main extended attributes.
    pub main_extended: Option<Vec<AttrValue>>,
    /// Additional extended attributes.
    pub additional_extended: Option<Vec<AttrValue>>,
    /// Seller-made extended attributes.
    pub custom_extended: Option<Vec<CustomAttr>>,
    /// Photos.
    pub images: Option<Vec<ImageRef>>,
    /// PDF documents.
    pub documents: Option<Vec<String>>,
}

impl CardEdit {
    /// Applies the card-data part of the edit to `d`.
    fn merge_into(self, d: &mut CardData) {
        let keep = |new: Option<String>, old: Option<String>| match new {
            Some(s) if s.trim().is_empty() => None,
            Some(s) => Some(s),
            None => old,
        };
        d.short_name_ru = keep(self.short_name_ru, d.short_name_ru.take());
        d.short_name_kk = keep(self.short_name_kk, d.short_name_kk.take());
        d.is_gov = self.is_gov.unwrap_or(d.is_gov);
        d.auto_publication = self.auto_publication.unwrap_or(d.auto_publication);
        if let Some(a) = self.attributes {
            d.attributes = a;
        }
        if let Some(a) = self.main_extended {
            d.main_extended = a;
        }
        if let Some(a) = self.additional_extended {
            d.additional_extended = a;
        }
        if let Some(c) = self.custom_extended {
            d.custom_extended = c;
        }
        if let Some(i) = self.images {
            d.images = i;
        }
        if let Some(docs) = self.documents {
            d.documents = docs;
        }
    }
}

/// What an uploaded file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A product photo of one side (it replaces the card's photo of that side).
    Image(ImageType),
    /// A PDF document (documents accumulate).
    Document,
}

impl CardService {
    /// Stores an edit of a SKU's card and checks the stored card. The check decides `DRAFT` or `READY`
    /// (a card already with NCT keeps its status). Without an NCT key nothing can be checked: the card is
    /// `DRAFT` and the problem list is empty.
    ///
    /// # Errors
    /// [`CardError::NotFound`], an NCT failure while loading the schema, or the database.
    pub async fn update_card(&self, tenant: TenantId, sku_id: Uuid, edit: CardEdit) -> Result<(Sku, Vec<CardProblem>), CardError> {
        let current = self.cards.card(tenant, sku_id).await?.ok_or(CardError::NotFound)?;
        // The SKU columns go through the SKU repository: it keeps readiness in step with barcode and XTIN.
        self.skus.update(tenant, sku_id, &edit.sku).await?;
        let mut data = current.data;
        edit.merge_into(&mut data);
        let saved = self.cards.save_card_data(tenant, sku_id, &data, None).await?;
        let key = self.key(tenant).await?;
        let problems = match &key {
            Some(key) => Some(check(&self.nct, key, &saved).await?),
            None => None,
        };
        let status = match &problems {
            Some(p) if is_submittable(p) => CardStatus::Ready,
            _ => CardStatus::Draft,
        };
        let card = self.cards.save_card_data(tenant, sku_id, &data, Some(status)).await?;
        // Stored after the last write of the SKU, so the stored result is fresh.
        if let Some(key) = &key {
            self.check_and_store(tenant, key, &card).await?;
        }
        Ok((card.sku, problems.unwrap_or_default()))
    }

    /// Uploads a photo or PDF to NCT storage with the tenant's key and attaches the stored name to the card.
    /// Returns that name and the SKU.
    ///
    /// # Errors
    /// [`CardError::Invalid`] for an empty, oversized or wrongly named file; [`CardError::NoKey`];
    /// [`CardError::Nct`] when NCT refuses it; [`CardError::NotFound`].
    pub async fn attach_file(&self, tenant: TenantId, sku_id: Uuid, kind: FileKind, name: &str, bytes: &[u8]) -> Result<(String, Sku), CardError> {
        let current = self.cards.card(tenant, sku_id).await?.ok_or(CardError::NotFound)?;
        let name = name.trim();
        if name.is_empty() || name.len() > 255 {
            return Err(CardError::Invalid { field: "file", message: "the file needs a name of 1 to 255 characters".into() });
        }
        if kind == FileKind::Document && !name.to_ascii_lowercase().ends_with(".pdf") {
            return Err(CardError::Invalid { field: "file", message: "documents must be PDF files (*.pdf)".into() });
        }
        if bytes.is_empty() {
            return Err(CardError::Blank { field: "file", message: "the file is empty".into() });
        }
        if bytes.len() as u64 > MAX_CARD_FILE {
            return Err(CardError::TooLong { field: "file", message: "NCT accepts files of at most 5 MB".into() });
        }
        let key = self.require_key(tenant).await?;
        let uploaded = match kind {
            FileKind::Image(_) => self.nct.upload_image(&key, name, bytes).await,
            FileKind::Document => self.nct.upload_document(&key, name, bytes).await,
        };
        let stored = match uploaded {
            Ok(dto) => dto.filename,
            Err(NctError::Validation { message, .. }) => {
                return Err(CardError::Invalid { field: "file", message: format!("NCT refused the file: {message}") });
            }
            Err(e) => return Err(e.into()),
        };
        let mut d = current.data;
        match kind {
            FileKind::Image(side) => {
                d.images.retain(|i| i.image_type != side);
                d.images.push(ImageRef { file_name: stored.clone(), image_type: side });
            }
            FileKind::Document => d.documents.push(stored.clone()),
        }
        let card = self.cards.save_card_data(tenant, sku_id, &d, None).await?;
        Ok((stored, card.sku))
    }
}
