//! SKUs: the type, the list filter and the SKU mutations.

use crate::ids::{self, Kind};
use super::types::{NtinSource, Reason, ReadinessClass};
use crate::error::{UserError, UserErrorCode};
use super::{state, tenant};
use domain::tenant::Permission;
use crate::error::ApiError;
use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use infra::db::sku_repo::{Sku, SkuFields, SkuFilter, SkuUpsert};

/// Most SKUs one `upsertSkus` call takes.
pub const MAX_UPSERT: usize = 1000;
const MAX_TEXT: usize = 1024;

/// One seller SKU.
pub struct SkuNode(pub Sku);

#[Object(name = "Sku")]
impl SkuNode {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Sku, self.0.id)
    }
    /// The catalog's global ID.
    async fn catalog_id(&self) -> ID {
        ids::encode(Kind::Catalog, self.0.catalog_id)
    }
    /// The seller's SKU code (unique per catalog).
    async fn seller_sku(&self) -> &str {
        &self.0.seller_sku
    }
    /// The barcode as entered.
    async fn barcode(&self) -> Option<&str> {
        self.0.barcode.as_deref()
    }
    /// Normalized GTIN-14 of the barcode, when it is a well-formed GTIN.
    async fn gtin14(&self) -> Option<&str> {
        self.0.gtin14.as_deref()
    }
    /// Readiness class.
    async fn readiness_class(&self) -> ReadinessClass {
        self.0.readiness_class.into()
    }
    /// Why it is not ready, if so.
    async fn readiness_reason(&self) -> Option<Reason> {
        let code = self.0.readiness_reason.as_deref()?;
        let code = domain::readiness::ReasonCode::parse(code)?;
        Some(Reason {
            code: code.into(),
            message: self.0.readiness_message.clone().unwrap_or_default(),
        })
    }
    /// The NTIN, once known.
    async fn ntin(&self) -> Option<&str> {
        self.0.ntin.as_deref()
    }
    /// Where the NTIN came from.
    async fn ntin_source(&self) -> Option<NtinSource> {
        self.0.ntin_source.map(Into::into)
    }
    /// Why the SKU has this NTIN, when NCT said so (source `EXISTING`: NCT's comment on the rejected
    /// request, e.g. that the card already exists).
    async fn ntin_reason(&self, ctx: &Context<'_>) -> Result<Option<String>, ApiError> {
        super::card::sku_ntin_reason(ctx, &self.0).await
    }
    /// Temporary XTIN.
    async fn xtin(&self) -> Option<&str> {
        self.0.xtin.as_deref()
    }
    /// When the XTIN was recorded.
    async fn xtin_assigned_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.xtin_assigned_at
    }
    /// Name in Russian.
    async fn name_ru(&self) -> Option<&str> {
        self.0.name_ru.as_deref()
    }
    /// Name in Kazakh.
    async fn name_kk(&self) -> Option<&str> {
        self.0.name_kk.as_deref()
    }
    /// Brand.
    async fn brand(&self) -> Option<&str> {
        self.0.brand.as_deref()
    }
    /// OKTRU category code.
    async fn oktru(&self) -> Option<&str> {
        self.0.oktru.as_deref()
    }
    /// TN VED (HS) code.
    async fn tnved(&self) -> Option<&str> {
        self.0.tnved.as_deref()
    }
    /// Country of origin (ISO 3166 alpha-2).
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// Measure unit code (MKEI).
    async fn measure_unit(&self) -> Option<&str> {
        self.0.measure_unit.as_deref()
    }
    /// Quantity in the measure unit.
    async fn measure_quantity(&self) -> Option<&str> {
        self.0.measure_qty.as_deref()
    }
    /// Price in whole tenge.
    async fn price(&self) -> Option<i64> {
        self.0.price
    }
    /// Sales channels (e.g. `kaspi`).
    async fn channels(&self) -> &[String] {
        &self.0.channels
    }
    /// Extra attributes.
    async fn attributes(&self) -> Json<serde_json::Value> {
        Json(self.0.attributes.clone())
    }
    /// Result of the last NCT lookup: `FOUND`, `AMBIGUOUS`, `NOT_FOUND` or `FAILED`.
    async fn lookup_state(&self) -> Option<&str> {
        self.0.lookup_state.as_deref()
    }
    /// When one GTIN maps to several NCT cards: the candidates, for a person to choose from.
    async fn lookup_candidates(&self) -> Option<Json<serde_json::Value>> {
        self.0.lookup_candidates.clone().map(Json)
    }
    /// When the last lookup finished.
    async fn looked_up_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.looked_up_at
    }
    /// Creation time.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// The card that would be sent to NCT.
    async fn card(&self, ctx: &Context<'_>) -> Result<Option<super::card::Card>, ApiError> {
        super::card::sku_card(ctx, &self.0).await
    }
    /// The pre-moderation check of the card (needs the tenant's NCT key: it reads NCT's schema).
    async fn card_check(&self, ctx: &Context<'_>) -> Result<Vec<super::card::CardProblem>, ApiError> {
        super::card::sku_card_check(ctx, &self.0).await
    }
    /// The card's NCT product request, once submitted.
    async fn moderation(&self, ctx: &Context<'_>) -> Result<Option<super::card::Moderation>, ApiError> {
        super::card::sku_moderation(ctx, &self.0).await
    }
    /// Name-search candidates from a MATCH job, with scores and reasons, and a person's decision.
    #[graphql(name = "match")]
    async fn match_(&self, ctx: &Context<'_>) -> Result<Option<super::matching::SkuMatchNode>, ApiError> {
        super::matching::sku_match(ctx, &self.0).await
    }
    /// When the temporary XTIN expires (assigned + 30 days).
    async fn xtin_expires_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        super::card::xtin_expires_at(&self.0)
    }
    /// When a pull of the catalog's source found this SKU missing from the feed. A mark only: the SKU keeps
    /// its NTIN and card, and the mark clears when the feed lists it again.
    async fn removed_from_feed_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.feed_removed_at
    }
}

/// A SKU of a page (`Catalog.skus`): the same GraphQL type as [`SkuNode`], with its plain fields answered
/// straight from the row instead of through a future each.
///
/// async-graphql resolves each selected field of each object through a boxed future, a join and a map insert:
/// on a page of 100 SKUs with ten fields that was over a third of the server's time under the read benchmark.
/// Here the plain scalar fields of a selection (and `card { status }`) are built from the row in one pass, with
/// the same values as the resolvers above; the other fields (`card { name }`, `cardCheck`, …) go to
/// [`SkuNode`]'s resolvers, together, as async-graphql would run them. The test
/// `a_page_of_plain_fields_answers_like_the_field_resolvers` compares both paths. A selection with a fragment,
/// a directive, a repeated response key or more than [`MAX_DIRECT`] fields is left to async-graphql whole. The
/// schema has no extensions: one added later would not see the plain fields resolve one by one.
pub struct SkuRow(pub SkuNode);

/// Most fields of a selection [`SkuRow`] answers itself.
const MAX_DIRECT: usize = 40;

impl async_graphql::OutputType for SkuRow {
    fn type_name() -> std::borrow::Cow<'static, str> {
        <SkuNode as async_graphql::OutputType>::type_name()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        <SkuNode as async_graphql::OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &async_graphql::ContextSelectionSet<'_>,
        field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
    ) -> async_graphql::ServerResult<async_graphql::Value> {
        match direct_selection(ctx) {
            Some(fields) => Ok(Box::pin(self.answer(ctx, &fields)).await),
            // Boxed, like the call above, so that this future stays small.
            None => Box::pin(<SkuNode as async_graphql::OutputType>::resolve(&self.0, ctx, field)).await,
        }
    }
}

type FieldRef<'a> = &'a async_graphql::Positioned<async_graphql::parser::types::Field>;

impl SkuRow {
    /// The selection's fields in order: the plain ones from the row, the others through their resolvers (all
    /// at once). A field whose resolver fails is left out and its error recorded, as async-graphql does.
    async fn answer(&self, ctx: &async_graphql::ContextSelectionSet<'_>, fields: &[FieldRef<'_>]) -> async_graphql::Value {
        use async_graphql::ContainerType as _;
        let mut values: Vec<Option<async_graphql::Value>> =
            fields.iter().map(|f| plain_field(&self.0 .0, &f.node).or_else(|| card_status_only(&self.0 .0, &f.node))).collect();
        let rest: Vec<usize> = (0..fields.len()).filter(|&i| values[i].is_none()).collect();
        if !rest.is_empty() {
            let resolved = futures_util::future::join_all(rest.iter().map(|&i| {
                let f = fields[i];
                async move { self.0.resolve_field(&ctx.with_field(f)).await }
            }))
            .await;
            for (i, r) in rest.into_iter().zip(resolved) {
                match r {
                    Ok(v) => values[i] = Some(v.unwrap_or_default()),
                    Err(e) => ctx.add_error(e),
                }
            }
        }
        let mut map = async_graphql::indexmap::IndexMap::with_capacity(fields.len());
        for (f, v) in fields.iter().zip(values) {
            if let Some(v) = v {
                map.insert(f.node.response_key().node.clone(), v);
            }
        }
        async_graphql::Value::Object(map)
    }
}

/// `card { status }` (with `__typename` at most) from the row: the console's SKU page asks for it on every
/// row, and the card itself is a second read of the page's rows. `None` for any other `card` selection.
fn card_status_only(s: &Sku, f: &async_graphql::parser::types::Field) -> Option<async_graphql::Value> {
    use async_graphql::parser::types::Selection;
    use async_graphql::Value;
    if f.name.node != "card" || !f.arguments.is_empty() || !f.directives.is_empty() {
        return None;
    }
    let items = &f.selection_set.node.items;
    let mut map = async_graphql::indexmap::IndexMap::with_capacity(items.len());
    for item in items {
        let Selection::Field(sub) = &item.node else {
            return None;
        };
        let sub = &sub.node;
        if !sub.arguments.is_empty() || !sub.directives.is_empty() || !sub.selection_set.node.items.is_empty() {
            return None;
        }
        let value = match sub.name.node.as_str() {
            "status" => s.card_status.map_or(Value::Null, |c| Value::String(c.as_str().to_owned())),
            "__typename" => Value::String("Card".to_owned()),
            _ => return None,
        };
        let key = sub.response_key().node.clone();
        if map.contains_key(&key) {
            return None;
        }
        map.insert(key, value);
    }
    Some(Value::Object(map))
}

/// The selected fields, or `None` when [`SkuRow`] leaves the selection to async-graphql.
fn direct_selection<'a>(ctx: &'a async_graphql::ContextSelectionSet<'_>) -> Option<Vec<FieldRef<'a>>> {
    use async_graphql::parser::types::Selection;
    let items = &ctx.item.node.items;
    if items.len() > MAX_DIRECT {
        return None;
    }
    let mut fields: Vec<FieldRef<'a>> = Vec::with_capacity(items.len());
    for item in items {
        let Selection::Field(f) = &item.node else {
            return None;
        };
        let key = &f.node.response_key().node;
        if !f.node.directives.is_empty() || fields.iter().any(|o| &o.node.response_key().node == key) {
            return None;
        }
        fields.push(f);
    }
    Some(fields)
}

/// A plain field's value from the row, or `None` for a field with arguments, a selection of its own or a
/// resolver (those go to [`SkuNode`]).
fn plain_field(s: &Sku, f: &async_graphql::parser::types::Field) -> Option<async_graphql::Value> {
    use async_graphql::resolver_utils::enum_value;
    use async_graphql::{ScalarType as _, Value};
    if !f.arguments.is_empty() || !f.selection_set.node.items.is_empty() {
        return None;
    }
    let text = |v: &Option<String>| v.as_ref().map_or(Value::Null, |t| Value::String(t.clone()));
    let time = |v: Option<chrono::DateTime<chrono::Utc>>| v.map_or(Value::Null, |t| t.to_value());
    Some(match f.name.node.as_str() {
        "__typename" => Value::String("Sku".to_owned()),
        "id" => Value::String(ids::encode(Kind::Sku, s.id).0),
        "catalogId" => Value::String(ids::encode(Kind::Catalog, s.catalog_id).0),
        "sellerSku" => Value::String(s.seller_sku.clone()),
        "barcode" => text(&s.barcode),
        "gtin14" => text(&s.gtin14),
        "readinessClass" => enum_value(ReadinessClass::from(s.readiness_class)),
        "ntin" => text(&s.ntin),
        "ntinSource" => s.ntin_source.map_or(Value::Null, |v| enum_value(NtinSource::from(v))),
        "xtin" => text(&s.xtin),
        "xtinAssignedAt" => time(s.xtin_assigned_at),
        "xtinExpiresAt" => time(super::card::xtin_expires_at(s)),
        "nameRu" => text(&s.name_ru),
        "nameKk" => text(&s.name_kk),
        "brand" => text(&s.brand),
        "oktru" => text(&s.oktru),
        "tnved" => text(&s.tnved),
        "country" => text(&s.country),
        "measureUnit" => text(&s.measure_unit),
        "measureQuantity" => text(&s.measure_qty),
        "price" => s.price.map_or(Value::Null, |p| p.to_value()),
        "channels" => Value::List(s.channels.iter().map(|c| Value::String(c.clone())).collect()),
        "lookupState" => text(&s.lookup_state),
        "lookedUpAt" => time(s.looked_up_at),
        "createdAt" => s.created_at.to_value(),
        "updatedAt" => s.updated_at.to_value(),
        "removedFromFeedAt" => time(s.feed_removed_at),
        _ => return None,
    })
}

/// Filter for `Catalog.skus`.
#[derive(InputObject, Default)]
pub struct SkuFilterInput {
    /// Only this readiness class.
    pub readiness: Option<ReadinessClass>,
    /// Only this lookup state (`FOUND`, `AMBIGUOUS`, `NOT_FOUND`, `FAILED`).
    pub lookup_state: Option<String>,
    /// Substring of seller SKU, barcode, NTIN, brand or Russian or Kazakh name, whatever the case.
    pub search: Option<String>,
    /// Only this card state (`DRAFT`, `READY`, `SUBMITTED`, `NEEDS_REVISION`, `DUPLICATE_REVIEW`, `COMPLETED`…).
    pub card_status: Option<String>,
    /// `true`: only SKUs the catalog's feed no longer lists; `false`: only those it lists.
    pub removed_from_feed: Option<bool>,
}

impl From<SkuFilterInput> for SkuFilter {
    fn from(f: SkuFilterInput) -> Self {
        SkuFilter {
            readiness: f.readiness.map(Into::into),
            lookup_state: f.lookup_state,
            search: f.search,
            card_status: f.card_status,
            ids: None,
            removed_from_feed: f.removed_from_feed,
        }
    }
}

/// SKU fields. Omitted fields keep their stored value; an empty string clears a text field.
#[derive(InputObject, Default, Clone)]
pub struct SkuFieldsInput {
    /// Barcode (GTIN), as printed.
    pub barcode: Option<String>,
    /// Name in Russian.
    pub name_ru: Option<String>,
    /// Name in Kazakh.
    pub name_kk: Option<String>,
    /// Brand.
    pub brand: Option<String>,
    /// OKTRU code.
    pub oktru: Option<String>,
    /// TN VED code.
    pub tnved: Option<String>,
    /// Country (ISO alpha-2).
    pub country: Option<String>,
    /// Measure unit code.
    pub measure_unit: Option<String>,
    /// Quantity.
    pub measure_quantity: Option<String>,
    /// NTIN entered by hand.
    pub ntin: Option<String>,
    /// Temporary XTIN.
    pub xtin: Option<String>,
    /// Price in whole tenge.
    pub price: Option<i64>,
    /// Sales channels.
    pub channels: Option<Vec<String>>,
    /// Extra attributes (a JSON object).
    pub attributes: Option<Json<serde_json::Value>>,
}

/// Validates fields; returns the repository form or the user errors (field paths under `prefix`).
pub fn validate_fields(f: SkuFieldsInput, prefix: &[&str]) -> Result<SkuFields, Vec<UserError>> {
    let mut errs = Vec::new();
    let path = |name: &str| {
        let mut p: Vec<&str> = prefix.to_vec();
        p.push(name);
        p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()
    };
    let mut push = |name: &str, code, msg: String| {
        let p = path(name);
        let refs: Vec<&str> = p.iter().map(String::as_str).collect();
        errs.push(UserError::new(&refs, code, msg));
    };
    for (name, v) in [
        ("barcode", &f.barcode), ("nameRu", &f.name_ru), ("nameKk", &f.name_kk), ("brand", &f.brand),
        ("oktru", &f.oktru), ("tnved", &f.tnved), ("country", &f.country), ("measureUnit", &f.measure_unit),
        ("measureQuantity", &f.measure_quantity), ("ntin", &f.ntin), ("xtin", &f.xtin),
    ] {
        if v.as_ref().is_some_and(|s| s.chars().count() > MAX_TEXT) {
            push(name, UserErrorCode::TooLong, format!("at most {MAX_TEXT} characters"));
        }
    }
    if let Some(n) = f.ntin.as_deref().filter(|s| !s.trim().is_empty())
        && let Err(e) = domain::barcode::Ntin::parse(n.trim())
    {
        push("ntin", UserErrorCode::Invalid, format!("not an NTIN: {e}"));
    }
    if let Some(x) = f.xtin.as_deref().filter(|s| !s.trim().is_empty())
        && let Err(e) = domain::barcode::Xtin::parse(x.trim())
    {
        push("xtin", UserErrorCode::Invalid, format!("not an XTIN (13 digits starting 004): {e}"));
    }
    if f.price.is_some_and(|p| p < 0) {
        push("price", UserErrorCode::Invalid, "price must not be negative".into());
    }
    if f.channels.as_ref().is_some_and(|c| c.len() > 20 || c.iter().any(|s| s.len() > 64)) {
        push("channels", UserErrorCode::TooLong, "at most 20 channels of 64 characters".into());
    }
    if f.attributes.as_ref().is_some_and(|a| !a.0.is_object()) {
        push("attributes", UserErrorCode::Invalid, "attributes must be a JSON object".into());
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(SkuFields {
        barcode: f.barcode,
        name_ru: f.name_ru,
        name_kk: f.name_kk,
        brand: f.brand,
        oktru: f.oktru,
        tnved: f.tnved,
        country: f.country.map(|c| c.trim().to_ascii_uppercase()),
        measure_unit: f.measure_unit,
        measure_qty: f.measure_quantity,
        ntin: f.ntin,
        xtin: f.xtin,
        price: f.price,
        channels: f.channels,
        attributes: f.attributes.map(|a| a.0),
    })
}

/// One SKU of `upsertSkus`.
#[derive(InputObject)]
pub struct SkuInput {
    /// Seller SKU code: creates the SKU or updates the one with this code.
    pub seller_sku: String,
    /// Fields to set.
    #[graphql(flatten)]
    pub fields: SkuFieldsInput,
}

/// Input of `upsertSkus`.
#[derive(InputObject)]
pub struct UpsertSkusInput {
    /// The catalog.
    pub catalog_id: ID,
    /// At most 1000 SKUs.
    pub skus: Vec<SkuInput>,
}

/// Result of `upsertSkus`. Nothing is written when there are user errors.
#[derive(SimpleObject, Default)]
pub struct UpsertSkusPayload {
    /// SKUs created.
    pub created: u64,
    /// SKUs changed.
    pub updated: u64,
    /// SKUs that already had these values.
    pub unchanged: u64,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// Input of `updateSku`.
#[derive(InputObject)]
pub struct UpdateSkuInput {
    /// The SKU.
    pub id: ID,
    /// Fields to set.
    #[graphql(flatten)]
    pub fields: SkuFieldsInput,
}

/// Result of `updateSku`.
#[derive(SimpleObject)]
pub struct SkuPayload {
    /// The SKU after the change.
    pub sku: Option<SkuNode>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// Input of `deleteSkus`.
#[derive(InputObject)]
pub struct DeleteSkusInput {
    /// SKUs to delete (at most 1000).
    pub ids: Vec<ID>,
}

/// Result of `deleteSkus`.
#[derive(SimpleObject)]
pub struct DeleteSkusPayload {
    /// The SKUs that were deleted.
    pub deleted_ids: Vec<ID>,
    /// IDs that matched nothing of the caller's.
    pub user_errors: Vec<UserError>,
}

/// SKU mutations.
#[derive(Default)]
pub struct SkuMutation;

#[Object]
impl SkuMutation {
    /// Creates or updates SKUs by seller SKU, all or nothing.
    async fn upsert_skus(&self, ctx: &Context<'_>, input: UpsertSkusInput) -> Result<UpsertSkusPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let fail = |e: Vec<UserError>| Ok(UpsertSkusPayload { user_errors: e, ..Default::default() });
        if input.skus.len() > MAX_UPSERT {
            return fail(vec![UserError::new(&["skus"], UserErrorCode::TooLong, format!("at most {MAX_UPSERT} SKUs per call"))]);
        }
        let Some(catalog_id) = ids::try_decode(Kind::Catalog, &input.catalog_id) else {
            return fail(vec![UserError::new(&["catalogId"], UserErrorCode::NotFound, "no such catalog")]);
        };
        let mut errors = Vec::new();
        let mut rows = Vec::with_capacity(input.skus.len());
        let mut seen = std::collections::HashSet::new();
        for (i, s) in input.skus.into_iter().enumerate() {
            let idx = i.to_string();
            let code = s.seller_sku.trim().to_owned();
            if code.is_empty() || code.chars().count() > domain::import::MAX_SKU_LEN {
                errors.push(UserError::new(&["skus", &idx, "sellerSku"], UserErrorCode::Invalid,
                    format!("sellerSku must have 1 to {} characters", domain::import::MAX_SKU_LEN)));
                continue;
            }
            if !seen.insert(code.clone()) {
                errors.push(UserError::new(&["skus", &idx, "sellerSku"], UserErrorCode::Taken, "sellerSku repeats an earlier entry"));
                continue;
            }
            match validate_fields(s.fields, &["skus", &idx]) {
                Ok(fields) => rows.push(SkuUpsert { seller_sku: code, fields }),
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return fail(errors);
        }
        match state(ctx)?.skus.upsert(t, catalog_id, &rows).await {
            Ok(c) => Ok(UpsertSkusPayload { created: c.created, updated: c.updated, unchanged: c.unchanged, user_errors: vec![] }),
            Err(infra::db::RepoError::NotFound) => fail(vec![UserError::new(&["catalogId"], UserErrorCode::NotFound, "no such catalog")]),
            Err(e) => Err(e.into()),
        }
    }

    /// Updates one SKU.
    async fn update_sku(&self, ctx: &Context<'_>, input: UpdateSkuInput) -> Result<SkuPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let nf = || Ok(SkuPayload { sku: None, user_errors: vec![UserError::new(&["id"], UserErrorCode::NotFound, "no such SKU")] });
        let Some(id) = ids::try_decode(Kind::Sku, &input.id) else { return nf() };
        let fields = match validate_fields(input.fields, &[]) {
            Ok(f) => f,
            Err(e) => return Ok(SkuPayload { sku: None, user_errors: e }),
        };
        match state(ctx)?.skus.update(t, id, &fields).await {
            Ok(s) => Ok(SkuPayload { sku: Some(SkuNode(s)), user_errors: vec![] }),
            Err(infra::db::RepoError::NotFound) => nf(),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes SKUs; IDs that are unknown or not the caller's are reported and nothing else happens to them.
    async fn delete_skus(&self, ctx: &Context<'_>, input: DeleteSkusInput) -> Result<DeleteSkusPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        if input.ids.len() > MAX_UPSERT {
            return Ok(DeleteSkusPayload { deleted_ids: vec![], user_errors: vec![UserError::new(&["ids"], UserErrorCode::TooLong, format!("at most {MAX_UPSERT} IDs per call"))] });
        }
        let uuids: Vec<uuid::Uuid> = input.ids.iter().filter_map(|i| ids::try_decode(Kind::Sku, i)).collect();
        let deleted = state(ctx)?.skus.delete(t, &uuids).await?;
        let deleted_ids: Vec<ID> = deleted.iter().map(|u| ids::encode(Kind::Sku, *u)).collect();
        let user_errors = input
            .ids
            .iter()
            .enumerate()
            .filter(|(_, i)| !deleted_ids.contains(i))
            .map(|(n, _)| UserError::new(&["ids", &n.to_string()], UserErrorCode::NotFound, "no such SKU"))
            .collect();
        Ok(DeleteSkusPayload { deleted_ids, user_errors })
    }
}
