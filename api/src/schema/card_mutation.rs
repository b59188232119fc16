//! Card mutations: edit a card, upload its files, start submit and status-sync jobs, and act on a request
//! (resubmit, cancel, decide duplicates). Each resolver checks the input, calls `infra::cards`, and turns its
//! refusals into `userErrors` (`crate::error::card_user_error`).

use super::card::{CardAttribute, CardImage, CardImageType, CardProblem, CustomAttribute, Moderation, attr_in};
use super::job::{JobPayload, start_job};
use super::sku::SkuNode;
use super::{state, tenant};
use crate::error::{ApiError, UserError, UserErrorCode, card_user_error};
use crate::ids::{self, Kind};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Upload};
use domain::card::{CustomAttr, ImageRef};
use domain::job::JobKind;
use domain::tenant::{Permission, TenantId};
use infra::cards::edit::MAX_CARD_FILE;
use infra::cards::moderation::Decision;
use infra::cards::{CardEdit, CardError, FileKind};
use infra::db::request_repo::NctRequest;
use infra::db::sku_repo::SkuFields;

const MAX_TEXT: usize = 1024;
const MAX_VALUE: usize = 4000;
const MAX_LIST: usize = 200;

/// Input of `updateCard`. Omitted fields keep their value; an empty string clears a text field.
#[derive(InputObject, Default)]
pub struct UpdateCardInput {
    /// The SKU.
    pub sku_id: ID,
    /// Full name in Russian.
    pub name_ru: Option<String>,
    /// Full name in Kazakh.
    pub name_kk: Option<String>,
    /// Short name in Russian.
    pub short_name_ru: Option<String>,
    /// Short name in Kazakh.
    pub short_name_kk: Option<String>,
    /// Brand.
    pub brand: Option<String>,
    /// OKTRU category (level 4).
    pub oktru: Option<String>,
    /// TN VED code (10 digits).
    pub tnved: Option<String>,
    /// Country (ISO alpha-2).
    pub country: Option<String>,
    /// MEASURE unit code.
    pub measure_unit: Option<String>,
    /// Quantity.
    pub measure_quantity: Option<String>,
    /// Barcode.
    pub barcode: Option<String>,
    /// Temporary XTIN.
    pub xtin: Option<String>,
    /// Extended (gov) card.
    pub is_gov: Option<bool>,
    /// Publish automatically once approved.
    pub auto_publication: Option<bool>,
    /// Other base attributes (replaces the list).
    pub attributes: Option<Vec<CardAttribute>>,
    /// Main extended attributes (replaces the list).
    pub main_extended: Option<Vec<CardAttribute>>,
    /// Additional extended attributes (replaces the list).
    pub additional_extended: Option<Vec<CardAttribute>>,
    /// Seller-made extended attributes (replaces the list).
    pub custom_extended: Option<Vec<CustomAttribute>>,
    /// Photos (replaces the list).
    pub images: Option<Vec<CardImage>>,
    /// PDF documents (replaces the list).
    pub documents: Option<Vec<String>>,
}

/// Result of `updateCard`.
#[derive(SimpleObject)]
pub struct UpdateCardPayload {
    /// The SKU after the change.
    pub sku: Option<SkuNode>,
    /// The check of the stored card (empty without an NCT key).
    pub problems: Vec<CardProblem>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

fn validate_card(i: &UpdateCardInput) -> Vec<UserError> {
    let mut errs = Vec::new();
    let texts = [
        ("nameRu", &i.name_ru), ("nameKk", &i.name_kk), ("shortNameRu", &i.short_name_ru), ("shortNameKk", &i.short_name_kk),
        ("brand", &i.brand), ("oktru", &i.oktru), ("tnved", &i.tnved), ("country", &i.country), ("measureUnit", &i.measure_unit),
        ("measureQuantity", &i.measure_quantity), ("barcode", &i.barcode), ("xtin", &i.xtin),
    ];
    for (name, v) in texts {
        if v.as_ref().is_some_and(|s| s.chars().count() > MAX_TEXT) {
            errs.push(UserError::new(&[name], UserErrorCode::TooLong, format!("at most {MAX_TEXT} characters")));
        }
    }
    for (name, list) in [("attributes", &i.attributes), ("mainExtended", &i.main_extended), ("additionalExtended", &i.additional_extended)] {
        let Some(list) = list else { continue };
        if list.len() > MAX_LIST {
            errs.push(UserError::new(&[name], UserErrorCode::TooLong, format!("at most {MAX_LIST} attributes")));
        }
        for (n, a) in list.iter().enumerate() {
            let idx = n.to_string();
            if a.code.trim().is_empty() {
                errs.push(UserError::new(&[name, &idx, "code"], UserErrorCode::Blank, "an attribute needs a code"));
            }
            let long = a.code.chars().count() > 100 || a.value.chars().count() > MAX_VALUE || a.parts.len() > 20
                || a.parts.iter().any(|p| p.code.chars().count() > 100 || p.value.chars().count() > MAX_VALUE);
            if long {
                errs.push(UserError::new(&[name, &idx], UserErrorCode::TooLong, format!("codes have at most 100 characters, values {MAX_VALUE}, compounds 20 parts")));
            }
        }
    }
    if let Some(c) = &i.custom_extended
        && (c.len() > MAX_LIST || c.iter().any(|a| a.name_ru.chars().count() > MAX_TEXT || a.name_kk.chars().count() > MAX_TEXT || a.value.chars().count() > MAX_VALUE))
    {
        errs.push(UserError::new(&["customExtended"], UserErrorCode::TooLong, format!("at most {MAX_LIST} attributes; names {MAX_TEXT} characters, values {MAX_VALUE}")));
    }
    if i.images.as_ref().is_some_and(|l| l.len() > 20 || l.iter().any(|f| f.file_name.trim().is_empty() || f.file_name.len() > 255)) {
        errs.push(UserError::new(&["images"], UserErrorCode::Invalid, "at most 20 photos, each with a file name of 1 to 255 characters"));
    }
    if i.documents.as_ref().is_some_and(|l| l.len() > 20 || l.iter().any(|f| f.trim().is_empty() || f.len() > 255)) {
        errs.push(UserError::new(&["documents"], UserErrorCode::Invalid, "at most 20 documents, each a file name of 1 to 255 characters"));
    }
    errs
}

/// Input of `startSubmitJob`.
#[derive(InputObject)]
pub struct StartSubmitJobInput {
    /// The catalog.
    pub catalog_id: ID,
    /// Only these SKUs (default: every SKU that needs a card and is not on moderation).
    pub sku_ids: Option<Vec<ID>>,
    /// Replays the first job for the same key and input; the same key with other input is an error.
    pub idempotency_key: Option<String>,
}

/// Input of `startStatusSyncJob`.
#[derive(InputObject)]
pub struct StartStatusSyncJobInput {
    /// The catalog.
    pub catalog_id: ID,
    /// Replays the first job for the same key and input.
    pub idempotency_key: Option<String>,
}

/// Input of `resubmitSku` and `cancelRequest`.
#[derive(InputObject)]
pub struct SkuRequestInput {
    /// The SKU.
    pub sku_id: ID,
}

/// A duplicate decision.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DuplicateDecision")]
pub enum DuplicateChoice {
    /// Not a duplicate: moderation continues.
    Continue,
    /// Use the existing card with `ntin` (one of the stored candidates).
    UseExisting,
}

/// Input of `decideDuplicate`.
#[derive(InputObject)]
pub struct DecideDuplicateInput {
    /// The SKU.
    pub sku_id: ID,
    /// The decision.
    pub decision: DuplicateChoice,
    /// NTIN of the chosen candidate (required for `USE_EXISTING`).
    pub ntin: Option<String>,
}

/// Result of the request mutations.
#[derive(SimpleObject)]
pub struct ModerationPayload {
    /// The SKU after the action.
    pub sku: Option<SkuNode>,
    /// Its request after the action.
    pub moderation: Option<Moderation>,
    /// Problems (NCT's refusals included).
    pub user_errors: Vec<UserError>,
}

fn fail(field: &str, code: UserErrorCode, msg: impl Into<String>) -> Result<ModerationPayload, ApiError> {
    Ok(ModerationPayload { sku: None, moderation: None, user_errors: vec![UserError::new(&[field], code, msg)] })
}

impl UpdateCardInput {
    /// The edit, in the use-case's terms.
    fn into_edit(self) -> CardEdit {
        CardEdit {
            sku: SkuFields {
                barcode: self.barcode,
                name_ru: self.name_ru,
                name_kk: self.name_kk,
                brand: self.brand,
                oktru: self.oktru,
                tnved: self.tnved,
                country: self.country.map(|c| c.trim().to_ascii_uppercase()),
                measure_unit: self.measure_unit,
                measure_qty: self.measure_quantity,
                xtin: self.xtin,
                ..SkuFields::default()
            },
            short_name_ru: self.short_name_ru,
            short_name_kk: self.short_name_kk,
            is_gov: self.is_gov,
            auto_publication: self.auto_publication,
            attributes: self.attributes.map(|l| l.into_iter().map(attr_in).collect()),
            main_extended: self.main_extended.map(|l| l.into_iter().map(attr_in).collect()),
            additional_extended: self.additional_extended.map(|l| l.into_iter().map(attr_in).collect()),
            custom_extended: self
                .custom_extended
                .map(|l| l.into_iter().map(|c| CustomAttr { name_ru: c.name_ru, name_kk: c.name_kk, value: c.value }).collect()),
            images: self.images.map(|l| {
                l.into_iter().map(|i| ImageRef { file_name: i.file_name.trim().to_owned(), image_type: i.image_type.into() }).collect()
            }),
            documents: self.documents.map(|l| l.into_iter().map(|s| s.trim().to_owned()).collect()),
        }
    }
}

/// The payload of a request action: the SKU and its request, or the refusal.
async fn moderation_payload(ctx: &Context<'_>, t: TenantId, sku_id: uuid::Uuid, r: Result<NctRequest, CardError>) -> Result<ModerationPayload, ApiError> {
    match r {
        Ok(req) => Ok(ModerationPayload {
            sku: state(ctx)?.skus.get(t, sku_id).await?.map(SkuNode),
            moderation: Some(req.into()),
            user_errors: vec![],
        }),
        Err(e) => Ok(ModerationPayload { sku: None, moderation: None, user_errors: vec![card_user_error(e, "skuId")?] }),
    }
}

/// Card mutations.
#[derive(Default)]
pub struct CardMutation;

#[Object]
impl CardMutation {
    /// Edits a SKU's card; returns the check of the stored card.
    async fn update_card(&self, ctx: &Context<'_>, input: UpdateCardInput) -> Result<UpdateCardPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let err = |e: Vec<UserError>| Ok(UpdateCardPayload { sku: None, problems: vec![], user_errors: e });
        let Some(id) = ids::try_decode(Kind::Sku, &input.sku_id) else {
            return err(vec![UserError::new(&["skuId"], UserErrorCode::NotFound, "no such SKU")]);
        };
        let errors = validate_card(&input);
        if !errors.is_empty() {
            return err(errors);
        }
        match state(ctx)?.cards.update_card(t, id, input.into_edit()).await {
            Ok((sku, problems)) => Ok(UpdateCardPayload {
                sku: Some(SkuNode(sku)),
                problems: problems.iter().map(CardProblem::from).collect(),
                user_errors: vec![],
            }),
            Err(e) => err(vec![card_user_error(e, "skuId")?]),
        }
    }

    /// Starts a SUBMIT job: each card that passes the check is created at NCT and sent to moderation.
    async fn start_submit_job(&self, ctx: &Context<'_>, input: StartSubmitJobInput) -> Result<JobPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        start_job(ctx, t, JobKind::Submit, &input.catalog_id, input.sku_ids.as_deref(), input.idempotency_key).await
    }

    /// Starts a STATUS_SYNC job over the catalog's requests NCT is still working on.
    async fn start_status_sync_job(&self, ctx: &Context<'_>, input: StartStatusSyncJobInput) -> Result<JobPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        start_job(ctx, t, JobKind::StatusSync, &input.catalog_id, None, input.idempotency_key).await
    }

    /// Sends the corrected card again: `PUT` with the full attribute list, then moderation. Allowed from
    /// `new`, `underRevision` and `underRevisionGz`.
    async fn resubmit_sku(&self, ctx: &Context<'_>, input: SkuRequestInput) -> Result<ModerationPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let Some(id) = ids::try_decode(Kind::Sku, &input.sku_id) else { return fail("skuId", UserErrorCode::NotFound, "no such SKU") };
        let r = state(ctx)?.cards.resubmit(t, id).await;
        moderation_payload(ctx, t, id, r).await
    }

    /// Starts an edit of the SKU's published card (`edit-product`): the card becomes NCT's body, the
    /// fields an edit cannot change are kept (the check reports a change: `EDIT_LOCKED_FIELD`); correct it
    /// with `updateCard` and send it with `resubmitSku`.
    async fn start_card_edit(&self, ctx: &Context<'_>, input: SkuRequestInput) -> Result<ModerationPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let Some(id) = ids::try_decode(Kind::Sku, &input.sku_id) else { return fail("skuId", UserErrorCode::NotFound, "no such SKU") };
        let r = state(ctx)?.cards.start_edit(t, id).await;
        moderation_payload(ctx, t, id, r).await
    }

    /// Withdraws a request that is on moderation.
    async fn cancel_request(&self, ctx: &Context<'_>, input: SkuRequestInput) -> Result<ModerationPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let Some(id) = ids::try_decode(Kind::Sku, &input.sku_id) else { return fail("skuId", UserErrorCode::NotFound, "no such SKU") };
        let r = state(ctx)?.cards.cancel(t, id).await;
        moderation_payload(ctx, t, id, r).await
    }

    /// Decides a duplicates review. `USE_EXISTING` needs the NTIN of one of the stored candidates; the
    /// system never picks one by similarity.
    async fn decide_duplicate(&self, ctx: &Context<'_>, input: DecideDuplicateInput) -> Result<ModerationPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let Some(id) = ids::try_decode(Kind::Sku, &input.sku_id) else { return fail("skuId", UserErrorCode::NotFound, "no such SKU") };
        let ntin = input.ntin.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        let decision = match (input.decision, ntin) {
            (DuplicateChoice::Continue, _) => Decision::Continue,
            (DuplicateChoice::UseExisting, Some(ntin)) => Decision::UseExisting(ntin),
            (DuplicateChoice::UseExisting, None) => {
                return fail("ntin", UserErrorCode::Blank, "USE_EXISTING needs the ntin of one of the candidates");
            }
        };
        let r = state(ctx)?.cards.decide_duplicate(t, id, decision).await;
        moderation_payload(ctx, t, id, r).await
    }
}

/// What an uploaded card file is.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CardFileKind {
    /// A product photo (give its `imageType`).
    Image,
    /// A PDF document.
    Document,
}

/// Input of `uploadCardFile` (a GraphQL multipart request).
#[derive(InputObject)]
pub struct UploadCardFileInput {
    /// The SKU whose card gets the file.
    pub sku_id: ID,
    /// Photo or document.
    pub kind: CardFileKind,
    /// For photos: the side it shows (a new photo replaces the card's photo of that side).
    pub image_type: Option<CardImageType>,
    /// The file, at most 5 MB.
    pub file: Upload,
}

/// Result of `uploadCardFile`.
#[derive(SimpleObject)]
pub struct UploadCardFilePayload {
    /// The name NCT storage gave the file (what the card refers to).
    pub file_name: Option<String>,
    /// The SKU with its updated card.
    pub sku: Option<SkuNode>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// File uploads.
#[derive(Default)]
pub struct CardFileMutation;

#[Object]
impl CardFileMutation {
    /// Uploads a photo or PDF to NCT storage with the tenant's key and attaches it to the SKU's card.
    async fn upload_card_file(&self, ctx: &Context<'_>, input: UploadCardFileInput) -> Result<UploadCardFilePayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let fail = |e: UserError| Ok(UploadCardFilePayload { file_name: None, sku: None, user_errors: vec![e] });
        let Some(id) = ids::try_decode(Kind::Sku, &input.sku_id) else {
            return fail(UserError::new(&["skuId"], UserErrorCode::NotFound, "no such SKU"));
        };
        let kind = match (input.kind, input.image_type) {
            (CardFileKind::Image, None) => return fail(UserError::new(&["imageType"], UserErrorCode::Blank, "a photo needs its imageType")),
            (CardFileKind::Image, Some(s)) => FileKind::Image(s.into()),
            (CardFileKind::Document, _) => FileKind::Document,
        };
        // The upload is already streamed to a temp file; read at most one byte past NCT's 5 MB.
        let upload = input.file.value(ctx).map_err(|e| ApiError::bad_input("file", format!("unreadable upload: {e}")))?;
        let name = upload.filename.clone();
        let mut bytes = Vec::new();
        {
            use std::io::Read as _;
            let mut reader = upload.into_read().take(MAX_CARD_FILE + 1);
            reader.read_to_end(&mut bytes).map_err(|e| ApiError::bad_input("file", format!("unreadable upload: {e}")))?;
        }
        match state(ctx)?.cards.attach_file(t, id, kind, &name, &bytes).await {
            Ok((stored, sku)) => Ok(UploadCardFilePayload { file_name: Some(stored), sku: Some(SkuNode(sku)), user_errors: vec![] }),
            Err(e) => fail(card_user_error(e, "file")?),
        }
    }
}
