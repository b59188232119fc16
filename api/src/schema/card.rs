//! Cards and moderation: the card of a SKU, its pre-moderation check, its NCT request, catalog-level
//! readiness and registration plan, and the card mutations (edit, submit, sync, resubmit, cancel, decide
//! duplicates).
//!
//! NCT refusals of a mutation become `userErrors`: 422 → `INVALID_STATE` and 400 → `INVALID`, with NCT's
//! message. The check and the request body come from `domain::card`; the NCT calls and the stored state
//! from `infra` (`card_repo`, `jobs::submit`, `jobs::sync`).

use super::ids::{self, Kind};
use super::job::{JobPayload, load_job};
use super::sku::SkuNode;
use super::types::{UserError, UserErrorCode};
use super::{AppState, state, tenant};
use crate::auth::Permission;
use crate::error::ApiError;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Upload};
use domain::card::{AttrValue, CardProblem as DomainProblem, CustomAttr, ImageRef, ImageType, Severity};
use infra::db::TenantId;
use infra::db::card_repo::{CardData, CardRepo, CardSku, NctRequest, card_status};
use infra::db::job_repo::CreateJobError;
use infra::db::sku_repo::{Sku, SkuFields};
use infra::jobs::submit::{body_hash, check, request_dto};
use infra::jobs::sync::fetch_update;
use infra::nct::NctError;
use infra::nct::dto::{DuplicateDecision as WireDecision, PortalDuplicateDecisionRequestDto};
use secrecy::SecretString;

const MAX_TEXT: usize = 1024;
const MAX_VALUE: usize = 4000;
const MAX_LIST: usize = 200;
/// Days an XTIN is valid after it is assigned.
pub const XTIN_VALID_DAYS: i64 = 30;

/// Severity of a card problem.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ProblemSeverity {
    /// NCT would refuse or return the card.
    Error,
    /// Likely trouble; NCT accepts the card.
    Warning,
    /// Worth knowing.
    Info,
}

/// One problem the pre-moderation check found.
#[derive(SimpleObject, Clone)]
pub struct CardProblem {
    /// Attribute code (`name_kk`, `tnved`, `gtin`…) or request part (`oktru`, `images`…).
    pub field: String,
    /// Stable code, e.g. `MISSING_NAME_KK`, `TNVED_FORMAT`, `OKTRU_NOT_LEAF`, `GTIN_NTIN_MIXUP`.
    pub code: String,
    /// How bad it is.
    pub severity: ProblemSeverity,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl From<&DomainProblem> for CardProblem {
    fn from(p: &DomainProblem) -> Self {
        Self {
            field: p.field.clone(),
            code: p.code.as_str().to_owned(),
            severity: match p.severity {
                Severity::Error => ProblemSeverity::Error,
                Severity::Warning => ProblemSeverity::Warning,
                Severity::Info => ProblemSeverity::Info,
            },
            message: p.message.clone(),
        }
    }
}

/// An attribute value; compound attributes list their parts.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "CardAttributeInput")]
pub struct CardAttribute {
    /// Attribute code.
    pub code: String,
    /// The value (empty for a compound attribute).
    pub value: String,
    /// Parts of a compound attribute.
    #[graphql(default)]
    pub parts: Vec<CardAttributePart>,
}

/// One part of a compound attribute.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "CardAttributePartInput")]
pub struct CardAttributePart {
    /// Part code, e.g. `width`.
    pub code: String,
    /// The value.
    pub value: String,
}

/// A seller-made extended attribute.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "CustomAttributeInput")]
pub struct CustomAttribute {
    /// Name in Russian.
    pub name_ru: String,
    /// Name in Kazakh.
    pub name_kk: String,
    /// The value.
    pub value: String,
}

/// Side of the product a photo shows.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CardImageType {
    /// Front.
    Front,
    /// Back.
    Back,
    /// Left.
    Left,
    /// Right.
    Right,
    /// Top.
    Top,
    /// Bottom.
    Bottom,
}

/// An uploaded photo.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "CardImageInput")]
pub struct CardImage {
    /// The upload's file name.
    pub file_name: String,
    /// The side it shows.
    pub image_type: CardImageType,
}

/// A SKU's card: what would be sent to NCT.
#[derive(SimpleObject)]
pub struct Card {
    /// Workflow state: `DRAFT`, `READY`, `CREATED`, `SUBMITTED`, `NEEDS_REVISION`, `DUPLICATE_REVIEW`,
    /// `READY_TO_PUBLISH`, `COMPLETED`, `REJECTED`, `CANCELLED`, `FAILED`.
    pub status: Option<String>,
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
    /// OKTRU category.
    pub oktru: Option<String>,
    /// TN VED code.
    pub tnved: Option<String>,
    /// Country of origin.
    pub country: Option<String>,
    /// MEASURE unit code.
    pub measure_unit: Option<String>,
    /// Quantity in that unit.
    pub measure_quantity: Option<String>,
    /// Barcode (sent as `gtin` when it is a GTIN).
    pub barcode: Option<String>,
    /// Temporary XTIN.
    pub xtin: Option<String>,
    /// Extended (gov/CEF) card.
    pub is_gov: bool,
    /// Publish automatically once approved.
    pub auto_publication: bool,
    /// Other base attributes.
    pub attributes: Vec<CardAttribute>,
    /// Main extended attributes.
    pub main_extended: Vec<CardAttribute>,
    /// Additional extended attributes.
    pub additional_extended: Vec<CardAttribute>,
    /// Seller-made extended attributes.
    pub custom_extended: Vec<CustomAttribute>,
    /// Photos.
    pub images: Vec<CardImage>,
    /// PDF documents.
    pub documents: Vec<String>,
}

fn attr_out(a: &AttrValue) -> CardAttribute {
    CardAttribute { code: a.code.clone(), value: a.value.clone(), parts: a.parts.iter().map(|p| CardAttributePart { code: p.code.clone(), value: p.value.clone() }).collect() }
}

fn attr_in(a: CardAttribute) -> AttrValue {
    AttrValue { code: a.code.trim().to_owned(), value: a.value, parts: a.parts.into_iter().map(|p| AttrValue::new(p.code.trim(), p.value)).collect() }
}

fn image_type(t: CardImageType) -> ImageType {
    match t {
        CardImageType::Front => ImageType::Front,
        CardImageType::Back => ImageType::Back,
        CardImageType::Left => ImageType::Left,
        CardImageType::Right => ImageType::Right,
        CardImageType::Top => ImageType::Top,
        CardImageType::Bottom => ImageType::Bottom,
    }
}

fn image_type_out(t: ImageType) -> CardImageType {
    match t {
        ImageType::Front => CardImageType::Front,
        ImageType::Back => CardImageType::Back,
        ImageType::Left => CardImageType::Left,
        ImageType::Right => CardImageType::Right,
        ImageType::Top => CardImageType::Top,
        ImageType::Bottom => CardImageType::Bottom,
    }
}

impl From<&CardSku> for Card {
    fn from(c: &CardSku) -> Self {
        let (s, d) = (&c.sku, &c.data);
        Self {
            status: c.card_status.clone(),
            name_ru: s.name_ru.clone(),
            name_kk: s.name_kk.clone(),
            short_name_ru: d.short_name_ru.clone(),
            short_name_kk: d.short_name_kk.clone(),
            brand: s.brand.clone(),
            oktru: s.oktru.clone(),
            tnved: s.tnved.clone(),
            country: s.country.clone(),
            measure_unit: s.measure_unit.clone(),
            measure_quantity: s.measure_qty.clone(),
            barcode: s.barcode.clone(),
            xtin: s.xtin.clone(),
            is_gov: d.is_gov,
            auto_publication: d.auto_publication,
            attributes: d.attributes.iter().map(attr_out).collect(),
            main_extended: d.main_extended.iter().map(attr_out).collect(),
            additional_extended: d.additional_extended.iter().map(attr_out).collect(),
            custom_extended: d.custom_extended.iter().map(|c| CustomAttribute { name_ru: c.name_ru.clone(), name_kk: c.name_kk.clone(), value: c.value.clone() }).collect(),
            images: d.images.iter().map(|i| CardImage { file_name: i.file_name.clone(), image_type: image_type_out(i.image_type) }).collect(),
            documents: d.documents.clone(),
        }
    }
}

/// One field remark of the moderator.
#[derive(SimpleObject)]
pub struct RevisionDetail {
    /// Attribute code.
    pub attribute_code: String,
    /// The value the moderator saw.
    pub value: String,
    /// The remark.
    pub comment: String,
}

/// A potential duplicate NCT found.
#[derive(SimpleObject)]
pub struct DuplicateCandidate {
    /// Card name.
    pub name: Option<String>,
    /// Brand.
    pub brand: Option<String>,
    /// GTIN.
    pub gtin: Option<String>,
    /// NTIN (pass it to `decideDuplicate` with `USE_EXISTING`).
    pub ntin: Option<String>,
    /// Similarity in percent.
    pub similarity: f64,
}

/// The SKU's NCT product request.
#[derive(SimpleObject)]
pub struct Moderation {
    /// NCT's request id.
    pub request_id: Option<String>,
    /// Our outbox state: `PLANNED`, `CREATING`, `CREATED`, `SENT`, `FAILED`.
    pub intent_state: String,
    /// NCT base status code (`new`, `onModeration`, `accepted`, `underRevision`, `readyToPublish`,
    /// `completed`, `existingProductSelected`, `rejected`, `cancelled`).
    pub status: String,
    /// Extended-part status (`acceptedGz`, `underRevisionGz`, `rejectedGz`, `publishingGz`).
    pub gz_status: Option<String>,
    /// The moderator's general remark.
    pub comment: Option<String>,
    /// Why it was returned (e.g. potential duplicates).
    pub reason: Option<String>,
    /// Remarks per field.
    pub revision_details: Vec<RevisionDetail>,
    /// Potential duplicates, while a decision is awaited.
    pub duplicates: Vec<DuplicateCandidate>,
    /// NTIN of the published (or chosen, or already existing) card.
    pub ntin: Option<String>,
    /// Public URL of that card.
    pub product_url: Option<String>,
    /// Our last failure (NCT's message for a refusal).
    pub last_error: Option<String>,
    /// Attempts to create the request.
    pub attempt: i32,
    /// Last change.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<NctRequest> for Moderation {
    fn from(r: NctRequest) -> Self {
        Self {
            request_id: r.nct_request_id.map(|i| i.to_string()),
            intent_state: r.intent_state,
            status: r.status,
            gz_status: r.gz_status,
            comment: r.comment,
            reason: r.reason,
            revision_details: r.revision_details.into_iter().map(|d| RevisionDetail { attribute_code: d.attribute_code, value: d.value, comment: d.comment }).collect(),
            duplicates: r.duplicates.unwrap_or_default().into_iter().map(|d| DuplicateCandidate { name: d.name, brand: d.brand, gtin: d.gtin, ntin: d.ntin, similarity: d.similarity }).collect(),
            ntin: r.ntin,
            product_url: r.product_url,
            last_error: r.last_error,
            attempt: r.attempt,
            updated_at: r.updated_at,
        }
    }
}

fn cards(st: &AppState) -> CardRepo {
    CardRepo::new(st.db.clone())
}

/// The tenant's NCT key, or a `CONFLICT` error telling the user to set one.
async fn nct_key(st: &AppState, t: TenantId) -> Result<Option<SecretString>, ApiError> {
    Ok(st.keys.load(t).await?.map(|(k, _)| k))
}

fn unexpected(e: NctError) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("NCT call failed: {} ({e})", e.code()))
}

/// Runs the check of a card; `None` without a key.
async fn run_check(st: &AppState, t: TenantId, card: &CardSku) -> Result<Option<Vec<DomainProblem>>, ApiError> {
    let Some(key) = nct_key(st, t).await? else { return Ok(None) };
    check(&st.nct, &key, card).await.map(Some).map_err(unexpected)
}

// ----- Sku fields (called from `sku.rs`) ---------------------------------------------------------------------

/// `Sku.card`.
pub async fn sku_card(ctx: &Context<'_>, sku: &Sku) -> Result<Option<Card>, ApiError> {
    let st = state(ctx)?;
    Ok(cards(st).card(sku.tenant_id, sku.id).await?.as_ref().map(Card::from))
}

/// `Sku.cardCheck`.
pub async fn sku_card_check(ctx: &Context<'_>, sku: &Sku) -> Result<Vec<CardProblem>, ApiError> {
    let st = state(ctx)?;
    let card = cards(st).card(sku.tenant_id, sku.id).await?.ok_or(ApiError::NotFound)?;
    match run_check(st, sku.tenant_id, &card).await? {
        Some(p) => Ok(p.iter().map(CardProblem::from).collect()),
        None => Err(ApiError::Conflict("the card check reads NCT's schema and dictionaries: set the tenant's NCT API key first".into())),
    }
}

/// `Sku.moderation`.
pub async fn sku_moderation(ctx: &Context<'_>, sku: &Sku) -> Result<Option<Moderation>, ApiError> {
    let st = state(ctx)?;
    Ok(cards(st).request(sku.tenant_id, sku.id).await?.map(Into::into))
}

/// `Sku.xtinExpiresAt`: XTIN assignment + 30 days.
pub fn xtin_expires_at(sku: &Sku) -> Option<chrono::DateTime<chrono::Utc>> {
    sku.xtin.as_ref()?;
    Some(sku.xtin_assigned_at? + chrono::Duration::days(XTIN_VALID_DAYS))
}

// ----- Catalog fields (called from `catalog.rs`) ---------------------------------------------------------------

/// How many problems of one code.
#[derive(SimpleObject)]
pub struct ProblemCount {
    /// Problem code.
    pub code: String,
    /// Problems with this code (errors and warnings) over the catalog's cards.
    pub count: u64,
}

/// Card readiness over the SKUs that need a card.
#[derive(SimpleObject, Default)]
pub struct CardReadiness {
    /// SKUs that need a card (manual card, XTIN, or a GTIN NCT does not know) and have no NTIN.
    pub total: u64,
    /// Of those, cards without errors.
    pub ready: u64,
    /// Cards with at least one error.
    pub with_errors: u64,
    /// Errors and warnings by code, most frequent first.
    pub problems_by_code: Vec<ProblemCount>,
}

/// When the catalog's cards should have their NTINs.
#[derive(SimpleObject)]
pub struct RegistrationPlan {
    /// Cards still to be registered.
    pub pending: u64,
    /// Earliest expected NTIN date.
    pub earliest_ntin_date: Option<chrono::NaiveDate>,
    /// Latest expected NTIN date.
    pub latest_ntin_date: Option<chrono::NaiveDate>,
    /// What the dates assume.
    pub assumptions: Vec<String>,
}

/// Most SKUs a catalog-level card computation reads.
const MAX_PLAN: u64 = 5000;

async fn pending_cards(st: &AppState, t: TenantId, catalog: uuid::Uuid) -> Result<Vec<CardSku>, ApiError> {
    Ok(cards(st).cards_needed(t, catalog, MAX_PLAN).await?.into_iter().filter(|c| c.sku.ntin.is_none()).collect())
}

/// `Catalog.cardReadiness`.
pub async fn catalog_card_readiness(ctx: &Context<'_>, t: TenantId, catalog: uuid::Uuid) -> Result<CardReadiness, ApiError> {
    let st = state(ctx)?;
    let Some(key) = nct_key(st, t).await? else {
        return Err(ApiError::Conflict("the card check reads NCT's schema and dictionaries: set the tenant's NCT API key first".into()));
    };
    let mut out = CardReadiness::default();
    let mut counts: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for card in pending_cards(st, t, catalog).await? {
        let problems = check(&st.nct, &key, &card).await.map_err(unexpected)?;
        out.total += 1;
        if domain::card::is_submittable(&problems) {
            out.ready += 1;
        } else {
            out.with_errors += 1;
        }
        for p in problems.iter().filter(|p| p.severity != Severity::Info) {
            *counts.entry(p.code.as_str().to_owned()).or_default() += 1;
        }
    }
    let mut by: Vec<ProblemCount> = counts.into_iter().map(|(code, count)| ProblemCount { code, count }).collect();
    by.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    out.problems_by_code = by;
    Ok(out)
}

/// `Catalog.registrationPlan`.
pub async fn catalog_registration_plan(ctx: &Context<'_>, t: TenantId, catalog: uuid::Uuid) -> Result<RegistrationPlan, ApiError> {
    let st = state(ctx)?;
    let key = nct_key(st, t).await?;
    let today = chrono::Utc::now().date_naive();
    let mut assumptions = vec![
        "moderation starts today and takes 3 working days (10 for extended gov cards) on the Kazakhstan working-day calendar".to_owned(),
        "a card with warnings is allowed one revision cycle; a card with errors is assumed fixed today".to_owned(),
        "cards already on moderation are counted from today as well".to_owned(),
    ];
    if key.is_none() {
        assumptions.push("no NCT API key is set, so the cards were not checked: no revision cycles assumed".to_owned());
    }
    let mut dates = Vec::new();
    for card in pending_cards(st, t, catalog).await? {
        if matches!(card.card_status.as_deref(), Some(card_status::REJECTED | card_status::CANCELLED)) {
            continue;
        }
        let cycles = match &key {
            Some(k) => {
                let problems = check(&st.nct, k, &card).await.map_err(unexpected)?;
                u32::from(problems.iter().any(|p| p.severity == Severity::Warning))
            }
            None => 0,
        };
        dates.push(domain::calendar::registration_eta(today, card.data.is_gov, cycles));
    }
    Ok(RegistrationPlan { pending: dates.len() as u64, earliest_ntin_date: dates.iter().min().copied(), latest_ntin_date: dates.iter().max().copied(), assumptions })
}

/// `Catalog.expiringXtins`.
pub async fn catalog_expiring_xtins(ctx: &Context<'_>, t: TenantId, catalog: uuid::Uuid, within_days: i32) -> Result<Vec<SkuNode>, ApiError> {
    if !(0..=365).contains(&within_days) {
        return Err(ApiError::bad_input("withinDays", "withinDays must be between 0 and 365"));
    }
    let st = state(ctx)?;
    let before = chrono::Utc::now() + chrono::Duration::days(i64::from(within_days) - XTIN_VALID_DAYS);
    Ok(cards(st).xtins_assigned_before(t, catalog, before, 1000).await?.into_iter().map(SkuNode).collect())
}

// ----- Mutations ---------------------------------------------------------------------------------------------

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

/// An NCT refusal as a user error; transient failures are errors.
fn nct_refusal(e: NctError) -> Result<ModerationPayload, ApiError> {
    match e {
        NctError::Business { message, .. } => fail("skuId", UserErrorCode::InvalidState, message),
        NctError::Validation { message, .. } => fail("skuId", UserErrorCode::Invalid, message),
        NctError::NotFound => fail("skuId", UserErrorCode::NotFound, "NCT has no such request"),
        NctError::InvalidKey => fail("skuId", UserErrorCode::InvalidState, "NCT refused the tenant's API key; set a valid one with setNctApiKey"),
        other => Err(unexpected(other)),
    }
}

/// The SKU's request with its live status stored; `Err` is a ready payload.
struct Live {
    key: SecretString,
    row: NctRequest,
    nct_id: i64,
    duplicate_review: bool,
}

async fn live(st: &AppState, t: TenantId, sku_id: &ID) -> Result<Result<Live, ModerationPayload>, ApiError> {
    let e = |f: &str, c, m: &str| Ok(Err(ModerationPayload { sku: None, moderation: None, user_errors: vec![UserError::new(&[f], c, m)] }));
    let Some(id) = ids::try_decode(Kind::Sku, sku_id) else { return e("skuId", UserErrorCode::NotFound, "no such SKU") };
    let repo = cards(st);
    if repo.card(t, id).await?.is_none() {
        return e("skuId", UserErrorCode::NotFound, "no such SKU");
    }
    let Some(row) = repo.request(t, id).await? else { return e("skuId", UserErrorCode::InvalidState, "the SKU has no NCT request; submit it first") };
    let Some(nct_id) = row.nct_request_id else { return e("skuId", UserErrorCode::InvalidState, "the SKU's request is not created at NCT yet") };
    let Some(key) = nct_key(st, t).await? else { return e("skuId", UserErrorCode::InvalidState, "no NCT API key is set for this tenant") };
    let update = match fetch_update(&st.nct, &key, nct_id).await {
        Ok(u) => u,
        Err(err) => return nct_refusal(err).map(Err),
    };
    repo.apply_status(t, row.id, &update).await?;
    let row = repo.request(t, id).await?.ok_or(ApiError::NotFound)?;
    Ok(Ok(Live { key, row, nct_id, duplicate_review: update.duplicate_review }))
}

async fn done(st: &AppState, t: TenantId, sku_id: uuid::Uuid) -> Result<ModerationPayload, ApiError> {
    Ok(ModerationPayload {
        sku: st.skus.get(t, sku_id).await?.map(SkuNode),
        moderation: cards(st).request(t, sku_id).await?.map(Into::into),
        user_errors: vec![],
    })
}

fn job_fail(field: &str, code: UserErrorCode, msg: &str) -> JobPayload {
    JobPayload { job: None, user_errors: vec![UserError::new(&[field], code, msg)] }
}

async fn job_result(st: &AppState, t: TenantId, r: Result<(infra::db::job_repo::Job, bool), CreateJobError>) -> Result<JobPayload, ApiError> {
    match r {
        Ok((job, _)) => {
            st.worker_wake.notify_one();
            Ok(JobPayload { job: load_job(st, t, job.id).await?, user_errors: vec![] })
        }
        Err(CreateJobError::CatalogNotFound) => Ok(job_fail("catalogId", UserErrorCode::NotFound, "no such catalog")),
        Err(CreateJobError::IdempotencyConflict) => Ok(job_fail("idempotencyKey", UserErrorCode::IdempotencyConflict, "this idempotencyKey was used with different input")),
        Err(CreateJobError::Repo(e)) => Err(e.into()),
    }
}

fn input_hash(kind: &str, catalog: uuid::Uuid, skus: Option<&[uuid::Uuid]>) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(kind.as_bytes());
    ctx.update(b"|");
    ctx.update(catalog.as_bytes());
    if let Some(s) = skus {
        let mut v = s.to_vec();
        v.sort();
        for u in v {
            ctx.update(u.as_bytes());
        }
    }
    ctx.finish().as_ref().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn idem_ok(k: &Option<String>) -> bool {
    k.as_ref().is_none_or(|k| !k.is_empty() && k.len() <= 200)
}

/// Card queries (none at the root: cards are fields of `Sku` and `Catalog`).
#[derive(Default)]
pub struct CardQuery;

#[Object]
impl CardQuery {
    /// The problem codes the card check can report.
    async fn card_problem_codes(&self) -> Vec<&'static str> {
        domain::card::CardProblemCode::ALL.iter().map(|c| c.as_str()).collect()
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
        let st = state(ctx)?;
        let err = |e: Vec<UserError>| Ok(UpdateCardPayload { sku: None, problems: vec![], user_errors: e });
        let Some(id) = ids::try_decode(Kind::Sku, &input.sku_id) else { return err(vec![UserError::new(&["skuId"], UserErrorCode::NotFound, "no such SKU")]) };
        let errors = validate_card(&input);
        if !errors.is_empty() {
            return err(errors);
        }
        let repo = cards(st);
        let Some(current) = repo.card(t, id).await? else { return err(vec![UserError::new(&["skuId"], UserErrorCode::NotFound, "no such SKU")]) };
        // The SKU columns, through the SKU repository (it keeps readiness in step with barcode and XTIN).
        let fields = SkuFields {
            barcode: input.barcode, name_ru: input.name_ru, name_kk: input.name_kk, brand: input.brand, oktru: input.oktru,
            tnved: input.tnved, country: input.country.map(|c| c.trim().to_ascii_uppercase()), measure_unit: input.measure_unit,
            measure_qty: input.measure_quantity, xtin: input.xtin, ..SkuFields::default()
        };
        st.skus.update(t, id, &fields).await?;
        // The extra card fields.
        let mut d: CardData = current.data;
        let keep = |new: Option<String>, old: Option<String>| match new {
            Some(s) if s.trim().is_empty() => None,
            Some(s) => Some(s),
            None => old,
        };
        d.short_name_ru = keep(input.short_name_ru, d.short_name_ru);
        d.short_name_kk = keep(input.short_name_kk, d.short_name_kk);
        d.is_gov = input.is_gov.unwrap_or(d.is_gov);
        d.auto_publication = input.auto_publication.unwrap_or(d.auto_publication);
        if let Some(a) = input.attributes { d.attributes = a.into_iter().map(attr_in).collect(); }
        if let Some(a) = input.main_extended { d.main_extended = a.into_iter().map(attr_in).collect(); }
        if let Some(a) = input.additional_extended { d.additional_extended = a.into_iter().map(attr_in).collect(); }
        if let Some(c) = input.custom_extended { d.custom_extended = c.into_iter().map(|c| CustomAttr { name_ru: c.name_ru, name_kk: c.name_kk, value: c.value }).collect(); }
        if let Some(i) = input.images { d.images = i.into_iter().map(|i| ImageRef { file_name: i.file_name.trim().to_owned(), image_type: image_type(i.image_type) }).collect(); }
        if let Some(docs) = input.documents { d.documents = docs.into_iter().map(|s| s.trim().to_owned()).collect(); }
        let saved = repo.save_card_data(t, id, &d, None).await?;
        // The check decides DRAFT or READY (kept while the card is in moderation).
        let checked = run_check(st, t, &saved).await?;
        let status = match &checked {
            Some(p) if domain::card::is_submittable(p) => card_status::READY,
            _ => card_status::DRAFT,
        };
        let problems = checked.unwrap_or_default();
        repo.save_card_data(t, id, &d, Some(status)).await?;
        Ok(UpdateCardPayload { sku: st.skus.get(t, id).await?.map(SkuNode), problems: problems.iter().map(CardProblem::from).collect(), user_errors: vec![] })
    }

    /// Starts a SUBMIT job: each card that passes the check is created at NCT and sent to moderation.
    async fn start_submit_job(&self, ctx: &Context<'_>, input: StartSubmitJobInput) -> Result<JobPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let Some(catalog) = ids::try_decode(Kind::Catalog, &input.catalog_id) else { return Ok(job_fail("catalogId", UserErrorCode::NotFound, "no such catalog")) };
        if !idem_ok(&input.idempotency_key) {
            return Ok(job_fail("idempotencyKey", UserErrorCode::Invalid, "idempotencyKey must have 1 to 200 characters"));
        }
        let sku_ids = match &input.sku_ids {
            Some(list) if list.len() > 10_000 => return Ok(job_fail("skuIds", UserErrorCode::TooLong, "at most 10000 SKU IDs")),
            Some(list) => Some(list.iter().filter_map(|i| ids::try_decode(Kind::Sku, i)).collect::<Vec<_>>()),
            None => None,
        };
        let hash = input_hash("submit", catalog, sku_ids.as_deref());
        let st = state(ctx)?;
        let r = cards(st).create_submit_job(t, catalog, sku_ids, input.idempotency_key, hash).await;
        job_result(st, t, r).await
    }

    /// Starts a STATUS_SYNC job over the catalog's requests NCT is still working on.
    async fn start_status_sync_job(&self, ctx: &Context<'_>, input: StartStatusSyncJobInput) -> Result<JobPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let Some(catalog) = ids::try_decode(Kind::Catalog, &input.catalog_id) else { return Ok(job_fail("catalogId", UserErrorCode::NotFound, "no such catalog")) };
        if !idem_ok(&input.idempotency_key) {
            return Ok(job_fail("idempotencyKey", UserErrorCode::Invalid, "idempotencyKey must have 1 to 200 characters"));
        }
        let hash = input_hash("sync", catalog, None);
        let st = state(ctx)?;
        let r = cards(st).create_sync_job(t, catalog, input.idempotency_key, hash).await;
        job_result(st, t, r).await
    }

    /// Sends the corrected card again: `PUT` with the full attribute list, then moderation. Allowed from
    /// `new`, `underRevision` and `underRevisionGz`.
    async fn resubmit_sku(&self, ctx: &Context<'_>, input: SkuRequestInput) -> Result<ModerationPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let st = state(ctx)?;
        let l = match live(st, t, &input.sku_id).await? { Ok(l) => l, Err(p) => return Ok(p) };
        if !matches!(l.row.status.as_str(), "new" | "underRevision" | "underRevisionGz") {
            return fail("skuId", UserErrorCode::InvalidState, format!("the request is {}; only new or returned requests can be resubmitted", l.row.status));
        }
        let card = cards(st).card(t, l.row.sku_id).await?.ok_or(ApiError::NotFound)?;
        let problems = check(&st.nct, &l.key, &card).await.map_err(unexpected)?;
        if let Some(p) = problems.iter().find(|p| p.severity == Severity::Error) {
            return fail("skuId", UserErrorCode::Invalid, format!("{}: {}", p.field, p.message));
        }
        let body = request_dto(&domain::card::to_request_attributes(&card.draft()));
        if let Err(e) = st.nct.update_request(&l.key, l.nct_id, &body).await { return nct_refusal(e) }
        if let Err(e) = st.nct.send_to_moderation(&l.key, l.nct_id).await { return nct_refusal(e) }
        cards(st).mark_sent(t, l.row.id, Some(&body_hash(&body))).await?;
        done(st, t, l.row.sku_id).await
    }

    /// Withdraws a request that is on moderation.
    async fn cancel_request(&self, ctx: &Context<'_>, input: SkuRequestInput) -> Result<ModerationPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let st = state(ctx)?;
        let l = match live(st, t, &input.sku_id).await? { Ok(l) => l, Err(p) => return Ok(p) };
        if l.row.status != "onModeration" {
            return fail("skuId", UserErrorCode::InvalidState, format!("the request is {}; only a request on moderation can be cancelled", l.row.status));
        }
        if let Err(e) = st.nct.cancel_request(&l.key, l.nct_id).await { return nct_refusal(e) }
        refresh(st, t, &l).await?;
        done(st, t, l.row.sku_id).await
    }

    /// Decides a duplicates review. `USE_EXISTING` needs the NTIN of one of the stored candidates; the
    /// system never picks one by similarity.
    async fn decide_duplicate(&self, ctx: &Context<'_>, input: DecideDuplicateInput) -> Result<ModerationPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let st = state(ctx)?;
        let l = match live(st, t, &input.sku_id).await? { Ok(l) => l, Err(p) => return Ok(p) };
        if !l.duplicate_review {
            return fail("skuId", UserErrorCode::InvalidState, "the request is not awaiting a duplicate decision");
        }
        let ntin = input.ntin.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        let body = match input.decision {
            DuplicateChoice::Continue => PortalDuplicateDecisionRequestDto { decision: WireDecision::Continue, ntin: None },
            DuplicateChoice::UseExisting => {
                let Some(ntin) = ntin else { return fail("ntin", UserErrorCode::Blank, "USE_EXISTING needs the ntin of one of the candidates") };
                let candidates = l.row.duplicates.clone().unwrap_or_default();
                if !candidates.iter().any(|c| c.ntin.as_deref() == Some(ntin.as_str())) {
                    return fail("ntin", UserErrorCode::Invalid, "ntin must be one of the request's duplicate candidates");
                }
                PortalDuplicateDecisionRequestDto { decision: WireDecision::UseExisting, ntin: Some(ntin) }
            }
        };
        if let Err(e) = st.nct.duplicate_decision(&l.key, l.nct_id, &body).await { return nct_refusal(e) }
        refresh(st, t, &l).await?;
        done(st, t, l.row.sku_id).await
    }
}

/// Re-reads the request's status after an action and stores it (candidates are cleared once decided).
async fn refresh(st: &AppState, t: TenantId, l: &Live) -> Result<(), ApiError> {
    match fetch_update(&st.nct, &l.key, l.nct_id).await {
        Ok(mut u) => {
            if !u.duplicate_review {
                u.duplicates = Some(Vec::new());
            }
            cards(st).apply_status(t, l.row.id, &u).await?;
            Ok(())
        }
        // The action went through; the next sync stores the state.
        Err(e) => {
            tracing::warn!(error = %e, "cannot re-read the request status after an action");
            Ok(())
        }
    }
}

/// Largest photo or document NCT storage accepts.
pub const MAX_CARD_FILE: u64 = 5 * 1024 * 1024;

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
        let st = state(ctx)?;
        let fail = |f: &str, code, m: String| Ok(UploadCardFilePayload { file_name: None, sku: None, user_errors: vec![UserError::new(&[f], code, m)] });
        let Some(id) = ids::try_decode(Kind::Sku, &input.sku_id) else { return fail("skuId", UserErrorCode::NotFound, "no such SKU".into()) };
        let repo = cards(st);
        let Some(current) = repo.card(t, id).await? else { return fail("skuId", UserErrorCode::NotFound, "no such SKU".into()) };
        let side = match (input.kind, input.image_type) {
            (CardFileKind::Image, None) => return fail("imageType", UserErrorCode::Blank, "a photo needs its imageType".into()),
            (CardFileKind::Image, Some(s)) => Some(image_type(s)),
            (CardFileKind::Document, _) => None,
        };
        // Read the upload (already streamed to a temp file), refusing anything over NCT's 5 MB.
        let upload = input.file.value(ctx).map_err(|e| ApiError::bad_input("file", format!("unreadable upload: {e}")))?;
        let name = upload.filename.trim().to_owned();
        if name.is_empty() || name.len() > 255 {
            return fail("file", UserErrorCode::Invalid, "the file needs a name of 1 to 255 characters".into());
        }
        if side.is_none() && !name.to_ascii_lowercase().ends_with(".pdf") {
            return fail("file", UserErrorCode::Invalid, "documents must be PDF files (*.pdf)".into());
        }
        let mut bytes = Vec::new();
        {
            use std::io::Read as _;
            let mut reader = upload.into_read().take(MAX_CARD_FILE + 1);
            reader.read_to_end(&mut bytes).map_err(|e| ApiError::bad_input("file", format!("unreadable upload: {e}")))?;
        }
        if bytes.is_empty() {
            return fail("file", UserErrorCode::Blank, "the file is empty".into());
        }
        if bytes.len() as u64 > MAX_CARD_FILE {
            return fail("file", UserErrorCode::TooLong, "NCT accepts files of at most 5 MB".into());
        }
        let Some(key) = nct_key(st, t).await? else {
            return fail("skuId", UserErrorCode::InvalidState, "set the tenant's NCT API key first (setNctApiKey)".into());
        };
        let uploaded = match side {
            Some(_) => st.nct.upload_image(&key, &name, &bytes).await,
            None => st.nct.upload_document(&key, &name, &bytes).await,
        };
        let stored_name = match uploaded {
            Ok(dto) => dto.filename,
            Err(NctError::Validation { message, .. }) => return fail("file", UserErrorCode::Invalid, format!("NCT refused the file: {message}")),
            Err(NctError::Business { message, .. }) => return fail("file", UserErrorCode::InvalidState, format!("NCT refused the file: {message}")),
            Err(e) => return Err(unexpected(e)),
        };
        // Attach it: a photo replaces the one of the same side; documents accumulate.
        let mut d: CardData = current.data;
        match side {
            Some(s) => {
                d.images.retain(|i| i.image_type != s);
                d.images.push(ImageRef { file_name: stored_name.clone(), image_type: s });
            }
            None => d.documents.push(stored_name.clone()),
        }
        repo.save_card_data(t, id, &d, None).await?;
        Ok(UploadCardFilePayload { file_name: Some(stored_name), sku: st.skus.get(t, id).await?.map(SkuNode), user_errors: vec![] })
    }
}
