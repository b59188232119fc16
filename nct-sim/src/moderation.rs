//! The simulated moderator, on a compressed clock. A request sent to moderation is `onModeration`, becomes
//! `accepted` after a quarter of a "working day", and is decided after three working days
//! (`SimConfig::working_day`). The clock is evaluated lazily whenever the request is read or acted on, so
//! no background task is needed and the outcome is deterministic:
//!
//! 1. field remarks (`revision_rules.rs`) → `underRevision` with `comment` + `revisionDetails`;
//! 2. a `gtin` attribute that already belongs to a card → `rejected` with `comment`, `ntinCode`, `productUrl`;
//! 3. a `name_ru` equal (case-insensitive) to a card's in the same category → duplicates review:
//!    `underRevision`, `reason` "Potential duplicate products found", `nextAction` → `/duplicates`;
//! 4. a category of works and services (NCT registers goods only) → `rejected` with `comment`;
//! 5. otherwise `readyToPublish`, published by NCT itself with `autoPublication` (after
//!    `RequestStore::auto_publish_after`).
//!
//! A script (`script.rs`, by `name_ru`) replaces the decision: every status the spec lists can be forced,
//! plus a code it does not list. Extended (`isGov`) requests then go through CEF's clock (`gzStatus`).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use nct::dto::{
    PortalDuplicateMatchDto, PortalNextActionDto, PortalPhotoModerationDto, PortalProductRequestStatusDto,
    PortalRevisionDetailDto,
};

use super::catalog_data::{ancestors, leaf, oktru_id, service_category};
use super::dict_data::Dictionaries;
use super::requests_store::{GzState, RequestStore, SimRequest, attr_value, status};
use super::script::{GZ_COMMENT, GzOutcome, Outcome, PHOTO_COMMENT, PHOTO_REASON, REJECT_COMMENT, Script};
use super::revision_rules::{REVISION_COMMENT, revision_details};
use super::seed::{Catalog, SeedCard, brand_of, normalize_tin};

/// `reason` of a duplicates review.
pub const DUPLICATES_REASON: &str = "Potential duplicate products found";
/// `comment` of a rejection for an existing card.
pub const EXISTS_COMMENT: &str =
    "Заявка отклонена: такая карточка товара уже существует в каталоге";
/// Public URL of a card.
pub fn product_url(card_id: i64) -> String {
    format!("https://nationalcatalog.kz/product/{card_id}")
}

/// What the moderator needs to see.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// Seed cards.
    pub catalog: &'a Catalog,
    /// Dictionaries.
    pub dicts: &'a Dictionaries,
    /// One compressed working day.
    pub working_day: Duration,
}

/// The moderator's decision.
#[derive(Debug)]
enum Verdict {
    Revision(Vec<PortalRevisionDetailDto>, Option<String>),
    Photo { reject: bool, score: i32, comment: String },
    Reject(String),
    Exists { ntin: String, card_id: i64 },
    Duplicates(Vec<PortalDuplicateMatchDto>),
    Ready,
    Status(String),
}

/// Moves request `id` along the clock up to `now`: the base moderation round, `autoPublication`, and the
/// extended part on CEF's clock.
pub fn advance(store: &mut RequestStore, id: i64, ctx: &Ctx<'_>, now: Instant) {
    advance_round(store, id, ctx, now);
    advance_auto_publish(store, id, ctx, now);
    advance_gz(store, id, ctx, now);
}

fn advance_round(store: &mut RequestStore, id: i64, ctx: &Ctx<'_>, now: Instant) {
    let Some(req) = store.get_mut(id) else { return };
    let Some(sent) = req.sent_at else { return };
    let elapsed = now.saturating_duration_since(sent);
    if req.status == status::ON_MODERATION && elapsed >= ctx.working_day / 4 {
        req.status = status::ACCEPTED;
    }
    if !matches!(req.status, status::ON_MODERATION | status::ACCEPTED)
        || elapsed < ctx.working_day * 3
    {
        return;
    }
    let name = attr_value(&req.body.attributes, "name_ru").unwrap_or_default().to_owned();
    let named = store.scripts.get(&name).filter(|s| s.outcome.is_some()).cloned();
    let is_named = named.is_some();
    let script = named.or_else(|| store.default_script.clone().filter(|s| s.outcome.is_some()));
    let verdict = match &script {
        Some(s) if s.outcome == Some(Outcome::Hold) => return,
        Some(s) => scripted(s, ctx, id),
        None => match store.get(id) {
            Some(req) => decide(req, ctx, store),
            None => return,
        },
    };
    if is_named
        && script.as_ref().is_some_and(|s| !s.keep)
        && let Some(s) = store.scripts.get_mut(&name)
    {
        s.outcome = None;
    }
    let verdict = match verdict {
        Verdict::Ready if script.is_none() => match store.moderator_remark.take() {
            Some(remark) => Verdict::Revision(vec![remark], None),
            None => Verdict::Ready,
        },
        other => other,
    };
    let auto_now = store.auto_publish_after.is_zero();
    let Some(req) = store.get_mut(id) else { return };
    match verdict {
        Verdict::Revision(details, comment) => req.settle(
            status::UNDER_REVISION,
            PortalProductRequestStatusDto {
                comment: Some(comment.unwrap_or_else(|| REVISION_COMMENT.to_owned())),
                revision_details: details,
                ..Default::default()
            },
        ),
        Verdict::Photo { reject, score, comment } => req.settle(
            if reject { status::REJECTED } else { status::UNDER_REVISION },
            PortalProductRequestStatusDto {
                comment: reject.then(|| REJECT_COMMENT.to_owned()),
                reason: (!reject).then(|| PHOTO_REASON.to_owned()),
                photo_moderation: Some(PortalPhotoModerationDto { score, comment: Some(comment) }),
                ..Default::default()
            },
        ),
        Verdict::Reject(comment) => req.settle(
            status::REJECTED,
            PortalProductRequestStatusDto { comment: Some(comment), ..Default::default() },
        ),
        Verdict::Exists { ntin, card_id } => req.settle(
            status::REJECTED,
            PortalProductRequestStatusDto {
                comment: Some(EXISTS_COMMENT.to_owned()),
                ntin_code: Some(ntin),
                product_url: Some(product_url(card_id)),
                ..Default::default()
            },
        ),
        Verdict::Duplicates(matches) => {
            req.settle(
                status::UNDER_REVISION,
                PortalProductRequestStatusDto {
                    value: Some("Returned for revision".to_owned()),
                    reason: Some(DUPLICATES_REASON.to_owned()),
                    next_action: Some(PortalNextActionDto {
                        description:
                            "Get the list of potential duplicates and make a duplicate decision"
                                .to_owned(),
                        method: "GET".to_owned(),
                        endpoint: format!("/gwp/portal/api/v1/products/requests/{id}/duplicates"),
                    }),
                    ..Default::default()
                },
            );
            req.duplicates = Some(matches);
            req.awaiting_decision = true;
        }
        Verdict::Status(code) => {
            req.settle(status::ACCEPTED, PortalProductRequestStatusDto::default());
            req.forced_status = Some(code);
        }
        Verdict::Ready => {
            let auto = req.body.auto_publication;
            req.settle(
                status::READY_TO_PUBLISH,
                PortalProductRequestStatusDto::default(),
            );
            if auto && auto_now {
                publish(store, id, ctx);
            }
        }
    }
}

/// `autoPublication` (the spec: "automatic publication after a successful request"): NCT publishes a
/// `readyToPublish` request by itself, after [`RequestStore::auto_publish_after`].
fn advance_auto_publish(store: &mut RequestStore, id: i64, ctx: &Ctx<'_>, now: Instant) {
    let after = store.auto_publish_after;
    let due = store.get(id).is_some_and(|r| {
        r.status == status::READY_TO_PUBLISH
            && r.forced_status.is_none()
            && r.body.auto_publication
            && r.ready_at.is_some_and(|t| now.saturating_duration_since(t) >= after)
    });
    if due {
        publish(store, id, ctx);
    }
}

/// CEF's clock for the extended part: `acceptedGz` is decided after one working day (the script's `gz`,
/// default publish), `publishingGz` is done after one more (the part disappears: CEF is done).
fn advance_gz(store: &mut RequestStore, id: i64, ctx: &Ctx<'_>, now: Instant) {
    let Some(req) = store.get(id) else { return };
    let Some(gz) = &req.gz else { return };
    if now.saturating_duration_since(gz.since) < ctx.working_day {
        return;
    }
    let name = attr_value(&req.body.attributes, "name_ru").unwrap_or_default().to_owned();
    let script = store.scripts.get(&name).cloned().unwrap_or_default();
    let leaf_attr = leaf(&req.body.oktru).and_then(|l| l.additional.first()).map_or("standards", |a| a.0);
    let code = gz.code;
    let Some(req) = store.get_mut(id) else { return };
    let comment = script.gz_comment.clone().unwrap_or_else(|| GZ_COMMENT.to_owned());
    req.gz = match (code, script.gz.unwrap_or_default()) {
        (status::ACCEPTED_GZ, GzOutcome::Publish) => Some(GzState { code: status::PUBLISHING_GZ, since: now, comment: Some("Карточка передана на публикацию.".to_owned()), details: Vec::new() }),
        (status::ACCEPTED_GZ, GzOutcome::Revision) => Some(GzState {
            code: status::UNDER_REVISION_GZ,
            since: now,
            comment: Some(comment),
            details: vec![PortalRevisionDetailDto { attribute_code: Some(leaf_attr.to_owned()), value: None, comment: Some("Исправьте это поле".to_owned()) }],
        }),
        (status::ACCEPTED_GZ, GzOutcome::Reject) => Some(GzState { code: status::REJECTED_GZ, since: now, comment: Some(comment), details: Vec::new() }),
        (status::PUBLISHING_GZ, _) => None,
        _ => return,
    };
    req.updated = super::requests_store::now_stamp();
}

/// The verdict a script asks for.
fn scripted(s: &Script, ctx: &Ctx<'_>, id: i64) -> Verdict {
    let card = || {
        let ntin = s.ntin.clone().unwrap_or_else(|| super::seed::seed_ntin(0));
        ctx.catalog.by_ntin(&ntin).cloned()
    };
    match s.outcome.unwrap_or(Outcome::Ready) {
        Outcome::Ready | Outcome::Hold => Verdict::Ready,
        Outcome::Revision => Verdict::Revision(
            vec![PortalRevisionDetailDto {
                attribute_code: Some(s.attribute_code.clone().unwrap_or_else(|| "name_ru".to_owned())),
                value: None,
                comment: Some(s.comment.clone().unwrap_or_else(|| "Уточните значение.".to_owned())),
            }],
            None,
        ),
        Outcome::Photo | Outcome::PhotoReject => Verdict::Photo {
            reject: s.outcome == Some(Outcome::PhotoReject),
            score: s.score.unwrap_or(12),
            comment: s.comment.clone().unwrap_or_else(|| PHOTO_COMMENT.to_owned()),
        },
        Outcome::Reject => Verdict::Reject(s.comment.clone().unwrap_or_else(|| REJECT_COMMENT.to_owned())),
        Outcome::Exists => match card() {
            Some(c) => Verdict::Exists { ntin: c.ntin, card_id: c.id },
            None => Verdict::Reject(EXISTS_COMMENT.to_owned()),
        },
        Outcome::Duplicates => Verdict::Duplicates(card().map(|c| vec![match_dto(1, 100.0, &c)]).unwrap_or_default()),
        Outcome::Status => Verdict::Status(s.status.clone().unwrap_or_else(|| format!("archived{id}"))),
    }
}

fn decide(req: &SimRequest, ctx: &Ctx<'_>, store: &RequestStore) -> Verdict {
    let details = revision_details(req, ctx.dicts);
    if !details.is_empty() {
        return Verdict::Revision(details, None);
    }
    let own_ntin = req.body.ntin.as_deref().unwrap_or("");
    if let Some(gtin) = attr_value(&req.body.attributes, "gtin").and_then(normalize_tin) {
        let seed = ctx
            .catalog
            .by_gtin(&gtin)
            .into_iter()
            .find(|c| c.ntin != own_ntin)
            .map(|c| (c.ntin.clone(), c.id));
        let published = || {
            store
                .published_by_gtin(&gtin)
                .into_iter()
                .find(|p| p.card.ntin != own_ntin)
                .map(|p| (p.card.ntin.clone(), p.card.id))
        };
        if let Some((ntin, card_id)) = seed.or_else(published) {
            return Verdict::Exists { ntin, card_id };
        }
    }
    if let Some(category) = service_category(&req.body.oktru) {
        return Verdict::Reject(format!("НКТ регистрирует только товары: категория ОКТРУ «{category}» относится к работам и услугам."));
    }
    if !req.skip_duplicate_check {
        let name = attr_value(&req.body.attributes, "name_ru").unwrap_or_default();
        let matches = find_duplicates(name, &req.body.oktru, own_ntin, ctx.catalog, store);
        if !matches.is_empty() {
            return Verdict::Duplicates(matches);
        }
    }
    Verdict::Ready
}

/// Word-set similarity in percent.
fn similarity(a: &str, b: &str) -> f64 {
    let words = |s: &str| {
        s.split_whitespace()
            .map(str::to_owned)
            .collect::<HashSet<String>>()
    };
    let (wa, wb) = (words(a), words(b));
    let union = wa.union(&wb).count();
    if union == 0 {
        return 0.0;
    }
    (wa.intersection(&wb).count() as f64 * 1000.0 / union as f64).round() / 10.0
}

/// Cards of the same category whose name equals `name` (case-insensitive), plus close ones (≥ 60 % of
/// words shared), best first, at most 5. Empty unless there is an exact match.
fn find_duplicates(
    name: &str,
    oktru: &str,
    own_ntin: &str,
    catalog: &Catalog,
    store: &RequestStore,
) -> Vec<PortalDuplicateMatchDto> {
    let wanted = name.trim().to_lowercase();
    if wanted.is_empty() {
        return Vec::new();
    }
    let candidates = catalog
        .cards()
        .iter()
        .chain(store.published().iter().map(|p| &p.card));
    let mut found: Vec<(f64, &SeedCard)> = Vec::new();
    let mut exact = false;
    for card in candidates.filter(|c| c.oktru == oktru && c.ntin != own_ntin) {
        let other = card.name_ru.to_lowercase();
        if other == wanted {
            exact = true;
            found.push((100.0, card));
        } else {
            let s = similarity(&wanted, &other);
            if s >= 60.0 {
                found.push((s, card));
            }
        }
    }
    if !exact {
        return Vec::new();
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
    found
        .into_iter()
        .take(5)
        .enumerate()
        .map(|(n, (similarity, card))| match_dto(n + 1, similarity, card))
        .collect()
}

/// One duplicate candidate as NCT lists it.
fn match_dto(order: usize, similarity: f64, card: &SeedCard) -> PortalDuplicateMatchDto {
    PortalDuplicateMatchDto {
        order_number: i32::try_from(order).unwrap_or(i32::MAX),
        name: Some(card.name_ru.clone()),
        brand: brand_of(&card.name_ru).map(str::to_owned),
        gtin: (!card.gtin.is_empty()).then(|| card.gtin.clone()),
        ntin: Some(card.ntin.clone()),
        category_ancestors: ancestors(&card.oktru)
            .into_iter()
            .map(|a| serde_json::json!({"id": oktru_id(&a.code), "code": a.code, "nameRu": a.name_ru}))
            .collect(),
        similarity,
    }
}

/// Publishes a `readyToPublish` request: an edit keeps its card's NTIN, a new request gets a fresh
/// `0202…` NTIN. An extended request completes with its extended part `acceptedGz` (CEF's review, see
/// [`advance`]). The spec's publish text names `publishingGz` as the state after publishing an extended
/// card, while its status examples show `completed` with `underRevisionGz`: CEF reviews after the base
/// card is out, so the simulator goes `acceptedGz` → `publishingGz` (or `underRevisionGz`/`rejectedGz`)
/// → done.
pub fn publish(store: &mut RequestStore, id: i64, ctx: &Ctx<'_>) {
    let Some(req) = store.get(id) else { return };
    let (is_gov, edit_of) = (req.is_gov(), req.body.ntin.clone());
    let existing = edit_of.and_then(|ntin| {
        ctx.catalog
            .by_ntin(&ntin)
            .map(|c| (c.ntin.clone(), c.id))
            .or_else(|| {
                store
                    .published_by_ntin(&ntin)
                    .map(|p| (p.card.ntin.clone(), p.card.id))
            })
    });
    let (ntin, card_id) = match existing {
        Some(found) => found,
        None => {
            let attrs = &req.body.attributes;
            let gtin = attr_value(attrs, "gtin").and_then(normalize_tin);
            let name_ru = attr_value(attrs, "name_ru").unwrap_or_default().to_owned();
            let name_kk = attr_value(attrs, "name_kk").unwrap_or_default().to_owned();
            let oktru = req.body.oktru.clone();
            let card = store.publish_card(gtin, name_ru, name_kk, oktru, is_gov);
            (card.ntin, card.id)
        }
    };
    let Some(req) = store.get_mut(id) else { return };
    req.settle(
        status::COMPLETED,
        PortalProductRequestStatusDto {
            ntin_code: Some(ntin),
            product_url: Some(product_url(card_id)),
            ..Default::default()
        },
    );
    // The base card is published; CEF takes the extended part in work.
    if is_gov {
        req.gz = Some(GzState { code: status::ACCEPTED_GZ, since: Instant::now(), comment: None, details: Vec::new() });
    }
}
