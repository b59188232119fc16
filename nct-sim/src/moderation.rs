//! The simulated moderator, on a compressed clock. A request sent to moderation is `onModeration`, becomes
//! `accepted` after a quarter of a "working day", and is decided after three working days
//! (`SimConfig::working_day`). The clock is evaluated lazily whenever the request is read or acted on, so
//! no background task is needed and the outcome is deterministic:
//!
//! 1. field remarks (`revision_rules.rs`) → `underRevision` with `comment` + `revisionDetails`;
//! 2. a `gtin` attribute that already belongs to a card → `rejected` with `comment`, `ntinCode`, `productUrl`;
//! 3. a `name_ru` equal (case-insensitive) to a card's in the same category → duplicates review:
//!    `underRevision`, `reason` "Potential duplicate products found", `nextAction` → `/duplicates`;
//! 4. otherwise `readyToPublish`, or straight to `completed` with `autoPublication`.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use nct::dto::{
    PortalDuplicateMatchDto, PortalGzStatusDto, PortalNextActionDto, PortalProductRequestStatusDto,
    PortalRevisionDetailDto,
};

use super::catalog_data::{ancestors, oktru_id};
use super::dict_data::Dictionaries;
use super::requests_store::{RequestStore, SimRequest, attr_value, status};
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
    Revision(Vec<PortalRevisionDetailDto>),
    Exists { ntin: String, card_id: i64 },
    Duplicates(Vec<PortalDuplicateMatchDto>),
    Ready,
}

/// Moves request `id` along the clock up to `now`.
pub fn advance(store: &mut RequestStore, id: i64, ctx: &Ctx<'_>, now: Instant) {
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
    let verdict = match store.get(id) {
        Some(req) => decide(req, ctx, store),
        None => return,
    };
    let verdict = match verdict {
        Verdict::Ready => match store.moderator_remark.take() {
            Some(remark) => Verdict::Revision(vec![remark]),
            None => Verdict::Ready,
        },
        other => other,
    };
    let Some(req) = store.get_mut(id) else { return };
    match verdict {
        Verdict::Revision(details) => req.settle(
            status::UNDER_REVISION,
            PortalProductRequestStatusDto {
                comment: Some(REVISION_COMMENT.to_owned()),
                revision_details: details,
                ..Default::default()
            },
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
        Verdict::Ready => {
            let auto = req.body.auto_publication;
            req.settle(
                status::READY_TO_PUBLISH,
                PortalProductRequestStatusDto::default(),
            );
            if auto {
                publish(store, id, ctx);
            }
        }
    }
}

fn decide(req: &SimRequest, ctx: &Ctx<'_>, store: &RequestStore) -> Verdict {
    let details = revision_details(req, ctx.dicts);
    if !details.is_empty() {
        return Verdict::Revision(details);
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
        .map(|(n, (similarity, card))| PortalDuplicateMatchDto {
            order_number: n as i32 + 1,
            name: Some(card.name_ru.clone()),
            brand: brand_of(&card.name_ru).map(str::to_owned),
            gtin: (!card.gtin.is_empty()).then(|| card.gtin.clone()),
            ntin: Some(card.ntin.clone()),
            category_ancestors: ancestors(&card.oktru)
                .into_iter()
                .map(|a| serde_json::json!({"id": oktru_id(&a.code), "code": a.code, "nameRu": a.name_ru}))
                .collect(),
            similarity,
        })
        .collect()
}

/// Publishes a `readyToPublish` request: an edit keeps its card's NTIN, a new request gets a fresh
/// `0202…` NTIN. Extended requests complete with `gzStatus` `publishingGz`.
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
            gz_status: is_gov.then(|| PortalGzStatusDto {
                code: "publishingGz".to_owned(),
                value: Some("Публикация".to_owned()),
                comment: Some("Карточка передана на публикацию.".to_owned()),
                revision_details: Vec::new(),
            }),
            ..Default::default()
        },
    );
}
