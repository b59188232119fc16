//! Cards and moderation, read side: the card of a SKU, its pre-moderation check and its NCT request. The
//! catalog-level views are in `card_plan`, the mutations in `card_mutation`; the work itself is in
//! `infra::cards`.

use super::loaders::{CardOf, KeyOf, Loaders, MatchOf, ModerationOf, StoredCheckOf};
use super::state;
use crate::error::ApiError;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use domain::card::{AttrValue, CardProblem as DomainProblem};
use infra::cards::check::check;
use infra::db::card_repo::CardSku;
use infra::db::request_repo::NctRequest;
use infra::db::sku_repo::Sku;

/// Severity of a card problem.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::card::Severity")]
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
            severity: p.severity.into(),
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
#[graphql(remote = "domain::card::ImageType")]
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

pub(super) fn attr_in(a: CardAttribute) -> AttrValue {
    AttrValue { code: a.code.trim().to_owned(), value: a.value, parts: a.parts.into_iter().map(|p| AttrValue::new(p.code.trim(), p.value)).collect() }
}

impl From<&CardSku> for Card {
    fn from(c: &CardSku) -> Self {
        let (s, d) = (&c.sku, &c.data);
        Self {
            status: s.card_status.map(|c| c.as_str().to_owned()),
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
            images: d.images.iter().map(|i| CardImage { file_name: i.file_name.clone(), image_type: i.image_type.into() }).collect(),
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

/// NCT's AI check of the card's photos, when it scored below NCT's threshold.
#[derive(SimpleObject)]
pub struct PhotoCheck {
    /// 0–100: how well the photos match the card (the figure NCT's portal shows).
    pub score: i32,
    /// What is wrong with the photos, in NCT's words.
    pub comment: Option<String>,
}

/// The extended (CEF) part of a request: present while CEF works on it, also after `completed`.
#[derive(SimpleObject)]
pub struct ExtendedPart {
    /// `acceptedGz`, `underRevisionGz`, `rejectedGz`, `publishingGz` (or a code the spec does not list).
    pub status: String,
    /// CEF's general remark.
    pub comment: Option<String>,
    /// CEF's remarks per field.
    pub revision_details: Vec<RevisionDetail>,
}

/// The SKU's NCT product request.
#[derive(SimpleObject)]
pub struct Moderation {
    /// NCT's request id.
    pub request_id: Option<String>,
    /// Our outbox state: `PLANNED`, `CREATING`, `CREATED`, `SENT`, `FAILED`.
    pub intent_state: String,
    /// NCT base status code (`new`, `onModeration`, `accepted`, `underRevision`, `readyToPublish`,
    /// `completed`, `existingProductSelected`, `rejected`, `cancelled`), or a code the spec does not list,
    /// as NCT sent it (then `statusKnown` is false).
    pub status: String,
    /// Whether `status` (and the extended part's) is one the spec lists.
    pub status_known: bool,
    /// Extended-part status (`acceptedGz`, `underRevisionGz`, `rejectedGz`, `publishingGz`).
    pub gz_status: Option<String>,
    /// The extended part with its remarks.
    pub extended: Option<ExtendedPart>,
    /// NCT's AI photo check, when the photos fell below its threshold (with `underRevision` or `rejected`).
    pub photo_check: Option<PhotoCheck>,
    /// The request waits for a duplicate decision (`decideDuplicate`).
    pub awaiting_duplicate_decision: bool,
    /// When NCT is asked about the request next (no click needed); null once NCT is done with it.
    pub next_check_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When NCT was last asked.
    pub checked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Since when the request has had its status.
    pub status_since: Option<chrono::DateTime<chrono::Utc>>,
    /// A step written down and not yet confirmed by NCT (`SEND`, `RESUBMIT`, `PUBLISH`, `CANCEL`,
    /// `DECIDE_CONTINUE`, `DECIDE_USE_EXISTING`); it is finished automatically.
    pub pending_step: Option<String>,
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

fn details(list: Vec<infra::db::request_repo::RevisionDetail>) -> Vec<RevisionDetail> {
    list.into_iter().map(|d| RevisionDetail { attribute_code: d.attribute_code, value: d.value, comment: d.comment }).collect()
}

impl From<NctRequest> for Moderation {
    fn from(r: NctRequest) -> Self {
        let known = |s: &domain::card::RequestStatus| !matches!(s, domain::card::RequestStatus::Other(_));
        Self {
            request_id: r.nct_request_id.map(|i| i.to_string()),
            intent_state: r.intent_state.as_str().to_owned(),
            status: r.status.as_ref().map_or_else(String::new, |s| s.as_str().to_owned()),
            status_known: r.status.as_ref().is_none_or(known) && r.gz_status.as_ref().is_none_or(known),
            extended: r.gz_status.as_ref().map(|g| ExtendedPart {
                status: g.as_str().to_owned(),
                comment: r.gz_comment.clone(),
                revision_details: details(r.gz_revision_details.clone()),
            }),
            photo_check: r.photo.clone().map(|p| PhotoCheck { score: p.score, comment: p.comment }),
            awaiting_duplicate_decision: r.duplicate_review,
            next_check_at: r.next_check_at,
            checked_at: r.checked_at,
            status_since: r.status_since,
            pending_step: r.pending_step.map(|s| s.as_str().to_owned()),
            gz_status: r.gz_status.map(|s| s.as_str().to_owned()),
            comment: r.comment,
            reason: r.reason,
            revision_details: details(r.revision_details),
            duplicates: r.duplicates.unwrap_or_default().into_iter().map(|d| DuplicateCandidate { name: d.name, brand: d.brand, gtin: d.gtin, ntin: d.ntin, similarity: d.similarity }).collect(),
            ntin: r.ntin,
            product_url: r.product_url,
            last_error: r.last_error,
            attempt: r.attempt,
            updated_at: r.updated_at,
        }
    }
}

// ----- Sku fields (called from `sku.rs`) ---------------------------------------------------------------------

/// The card of a SKU, through the request's loader (one query for a page) when it has one.
async fn load_card(ctx: &Context<'_>, sku: &Sku) -> Result<Option<CardSku>, ApiError> {
    match ctx.data_opt::<Loaders>() {
        Some(l) => Ok(l.load_one(CardOf(sku.tenant_id, sku.id)).await?),
        None => Ok(state(ctx)?.cards.cards().card(sku.tenant_id, sku.id).await?),
    }
}

/// `Sku.card`.
pub async fn sku_card(ctx: &Context<'_>, sku: &Sku) -> Result<Option<Card>, ApiError> {
    Ok(load_card(ctx, sku).await?.as_ref().map(Card::from))
}

/// `Sku.cardCheck`.
pub async fn sku_card_check(ctx: &Context<'_>, sku: &Sku) -> Result<Vec<CardProblem>, ApiError> {
    let st = state(ctx)?;
    let card = load_card(ctx, sku).await?.ok_or(ApiError::NotFound)?;
    let key = match ctx.data_opt::<Loaders>() {
        Some(l) => l.load_one(KeyOf(sku.tenant_id)).await?,
        None => st.keys.load(sku.tenant_id).await?,
    };
    let Some((key, _)) = key else {
        return Err(ApiError::Conflict("the card check reads NCT's schema and dictionaries: set the tenant's NCT API key first".into()));
    };
    // The stored check when it is fresh (made of this card with the current schema and dictionaries): a
    // page of 250 reads one row each instead of checking 250 cards again.
    let version = infra::card_schema::CardSchemaCache::for_client(&st.nct).version(&key).await?;
    let stored = match ctx.data_opt::<Loaders>() {
        Some(l) => l.load_one(StoredCheckOf(sku.tenant_id, sku.id)).await?,
        None => st.cards.checks().stored_for(sku.tenant_id, &[sku.id]).await?.pop(),
    };
    let fresh = stored
        .filter(|c| c.version == version && c.checked_at >= card.sku.updated_at)
        .and_then(|c| serde_json::from_str::<Vec<DomainProblem>>(&c.problems).ok());
    let mut problems = match fresh {
        Some(p) => p,
        None => check(&st.nct, &key, &card).await?,
    };
    // Before a card is submitted: does NCT have it already? (One cached search; a warning, never an error.)
    let found = match ctx.data_opt::<Loaders>() {
        Some(l) => l.load_one(MatchOf(sku.tenant_id, sku.id)).await?,
        None => st.matches.get(sku.tenant_id, sku.id).await?,
    };
    let match_state = found.map(|m| m.state);
    problems.extend(infra::matching::duplicate::duplicate_warning(&st.search, &key, &card, match_state).await);
    Ok(problems.iter().map(CardProblem::from).collect())
}

/// `Sku.moderation`.
pub async fn sku_moderation(ctx: &Context<'_>, sku: &Sku) -> Result<Option<Moderation>, ApiError> {
    let request = match ctx.data_opt::<Loaders>() {
        Some(l) => l.load_one(ModerationOf(sku.tenant_id, sku.id)).await?,
        None => state(ctx)?.cards.requests().request(sku.tenant_id, sku.id).await?,
    };
    Ok(request.map(Into::into))
}

/// `Sku.ntinReason`: why the SKU has its NTIN, when NCT said so (a request rejected because the card
/// already exists: NCT's comment).
pub async fn sku_ntin_reason(ctx: &Context<'_>, sku: &Sku) -> Result<Option<String>, ApiError> {
    if sku.ntin_source != Some(domain::sku::NtinSource::Existing) {
        return Ok(None);
    }
    let st = state(ctx)?;
    let r = st.cards.requests().request(sku.tenant_id, sku.id).await?;
    Ok(r.and_then(|r| r.comment.or_else(|| Some("NCT already has a card for this product".to_owned()))))
}

/// `Sku.xtinExpiresAt`.
pub fn xtin_expires_at(sku: &Sku) -> Option<chrono::DateTime<chrono::Utc>> {
    sku.xtin.as_ref()?;
    Some(domain::barcode::xtin_expires_at(sku.xtin_assigned_at?))
}

/// One of NCT's dictionaries as stored here for the card check.
#[derive(SimpleObject)]
pub struct NctDictionary {
    /// Dictionary code (`OKTRU`, `TNVED`, and those the base attribute schema names, e.g. `COUNTRY` and the
    /// unit dictionary of `measure_unit`).
    pub code: String,
    /// Items stored (not deleted).
    pub items: u64,
    /// End of the last complete refresh pass.
    pub refreshed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Raised by every refresh that changed something.
    pub generation: i32,
    /// The page the refresh pass reads next (1 when no pass is under way).
    pub next_page: i32,
}

/// Card queries (none at the root but the code list and the dictionaries: cards are fields of `Sku` and
/// `Catalog`).
#[derive(Default)]
pub struct CardQuery;

#[Object]
impl CardQuery {
    /// NCT's dictionaries the card check reads, as stored (refreshed incrementally in the background).
    async fn nct_dictionaries(&self, ctx: &Context<'_>) -> Result<Vec<NctDictionary>, ApiError> {
        super::caller(ctx)?;
        let st = state(ctx)?;
        let repo = infra::db::dictionary_repo::DictionaryRepo::new(st.db.clone());
        Ok(repo
            .summary(st.nct.base_url())
            .await?
            .into_iter()
            .map(|(code, items, s)| NctDictionary { code, items, refreshed_at: s.finished_at, generation: s.generation, next_page: s.next_page })
            .collect())
    }

    /// The problem codes the card check can report.
    async fn card_problem_codes(&self) -> Vec<&'static str> {
        domain::card::CardProblemCode::ALL.iter().map(|c| c.as_str()).collect()
    }
}
