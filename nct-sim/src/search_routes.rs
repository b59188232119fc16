//! `POST /gw/search/api/v1/search`: the search gateway over the seed cards and the cards published through
//! the simulator's moderation, with the same gate as the portal (key, rate limit, latency, faults).
//!
//! Body `{query, page, size}` ([`nct::dto::SearchRequestDto`]; `page` from 0, `size` 1–100, a blank query is a
//! 400, as are `pageNumber`/`pageSize`, which leave `size` at 0). The answer is `pageInfo` plus `items`, best
//! first (ties by card id). The index ([`SearchIndex`]) is built on the first search, on a blocking thread, and
//! every search runs there too, so the simulator's single HTTP worker never stalls on it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{HttpResponse, web};
use nct::dto::{SearchAttributeDto, SearchItemDto, SearchPageInfoDto, SearchRequestDto, SearchResponseDto};
use tokio::sync::OnceCell;

use super::answers::{ApiFailure, api_error, validation_error};
use super::catalog_data::ancestors;
use super::search_index::SearchIndex;
use super::seed::SeedCard;
use super::state::SimState;

/// Largest page.
const MAX_SIZE: u32 = 100;

/// The gateway's own state: the index (built once) and a counter.
#[derive(Debug, Default)]
pub struct SearchState {
    index: OnceCell<Arc<SearchIndex>>,
    searches: AtomicU64,
}

impl SearchState {
    /// Searches that reached the handler (past the gate).
    pub fn searches(&self) -> u64 {
        self.searches.load(Ordering::Relaxed)
    }
}

/// Registers the route (under `/gw/search/api`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/search", web::post().to(search));
}

/// A ranked card: a seed card by position, or a published one (cloned).
enum Found {
    Seed(u32),
    Published(Box<SeedCard>),
}

async fn search(
    state: web::Data<SimState>,
    gateway: web::Data<SearchState>,
    body: web::Json<SearchRequestDto>,
) -> Result<HttpResponse, ApiFailure> {
    gateway.searches.fetch_add(1, Ordering::Relaxed);
    let req = body.into_inner();
    let query = req.query.trim().to_owned();
    if query.is_empty() {
        return Err(validation_error("Поле query обязательно."));
    }
    if !(1..=MAX_SIZE).contains(&req.size) {
        return Err(validation_error(format!("Размер страницы size должен быть от 1 до {MAX_SIZE}.")));
    }
    let index = {
        let st = state.clone();
        gateway
            .index
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || Arc::new(SearchIndex::build(st.catalog.cards()))).await
            })
            .await
            .map_err(|_| internal())?
            .clone()
    };
    let published: Vec<SeedCard> = state.store().published().iter().map(|p| p.card.clone()).collect();
    let (page, size) = (req.page, req.size);
    let st = state.clone();
    let (total, items) = tokio::task::spawn_blocking(move || {
        let mut ranked: Vec<(f32, i64, Found)> = index
            .search(&query)
            .into_iter()
            .map(|h| (h.score, st.catalog.cards()[h.doc as usize].id, Found::Seed(h.doc)))
            .collect();
        for card in published {
            let score = index.score_card(&query, &card);
            if score > 0.0 {
                ranked.push((score, card.id, Found::Published(Box::new(card))));
            }
        }
        let total = ranked.len();
        let wanted = ((page as usize) + 1).saturating_mul(size as usize).min(total);
        let by_rank = |a: &(f32, i64, Found), b: &(f32, i64, Found)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if wanted > 0 && wanted < total {
            ranked.select_nth_unstable_by(wanted - 1, by_rank);
            ranked.truncate(wanted);
        }
        ranked.sort_by(by_rank);
        let items: Vec<SearchItemDto> = ranked
            .into_iter()
            .skip((page as usize).saturating_mul(size as usize))
            .map(|(_, _, f)| match f {
                Found::Seed(doc) => item(&st.catalog.cards()[doc as usize]),
                Found::Published(card) => item(&card),
            })
            .collect();
        (total, items)
    })
    .await
    .map_err(|_| internal())?;
    let total = total as i64;
    let size = i64::from(size);
    Ok(HttpResponse::Ok().json(SearchResponseDto {
        page_info: SearchPageInfoDto { page: i64::from(page), size, total_pages: (total + size - 1) / size, total_size: total },
        items,
    }))
}

fn internal() -> ApiFailure {
    api_error(
        actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_ERROR",
        "Произошла непредвиденная ошибка. Пожалуйста, попробуйте позже.",
    )
}

/// A card as the gateway lists it.
fn item(card: &SeedCard) -> SearchItemDto {
    let levels = ancestors(&card.oktru);
    let code = |n: i32| levels.iter().find(|a| a.level == n).map(|a| a.code.clone());
    let name = |n: i32| levels.iter().find(|a| a.level == n).and_then(|a| a.name_ru.clone());
    let brand = card.brand().map(|b| SearchAttributeDto {
        code: "brand".into(),
        name_ru: Some("Бренд".into()),
        value: Some(b.to_owned()),
        value_ru: Some(b.to_owned()),
    });
    SearchItemDto {
        id: card.id,
        name_ru: Some(card.name_ru.clone()),
        name_kk: Some(card.name_kk.clone()),
        name_en: None,
        short_name_ru: Some(card.name_ru.chars().take(100).collect()),
        gtin: (!card.gtin.is_empty()).then(|| card.gtin.clone()),
        kztin: None,
        ntin: Some(card.ntin.clone()),
        full_category_code: Some(card.oktru.clone()),
        category_code_l1: code(1),
        category_code_l2: code(2),
        category_code_l3: code(3),
        category_code_l4: code(4),
        category_name_ru_l1: name(1),
        category_name_ru_l2: name(2),
        category_name_ru_l3: name(3),
        category_name_ru_l4: name(4),
        attributes: brand.into_iter().collect(),
    }
}
