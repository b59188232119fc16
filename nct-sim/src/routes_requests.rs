//! Product request endpoints (`/v1/products/requests...`), scoped per API key: another key's request is
//! 404. The status machine is NCT-API.md §3; an action the current status does not allow is 422
//! `BUSINESS_ERROR` and leaves the status unchanged.
//!
//! | action | allowed from |
//! |---|---|
//! | PUT update | new, underRevision, underRevisionGz, cancelled (status kept) |
//! | PUT moderation | new, underRevision, underRevisionGz (bad XTIN → 422) |
//! | PUT cancel | onModeration |
//! | DELETE | new |
//! | PUT publish | readyToPublish |
//! | duplicate-decision | underRevision awaiting a duplicate decision |

use std::collections::HashMap;
use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, web};
use nct::dto::{
    CreateProductResponseDto, DuplicateDecision, PagedPortalProductRequestShortDto,
    PortalCreateUpdateProductRequestDto, PortalDuplicateDecisionRequestDto,
    PortalEditProductResponseDto, PortalProductRequestStatusDto, ProductRequestFileDto,
};

use super::attribute_data::Pattern;
use super::catalog_data::is_leaf;
use super::faults::caller_key;
use super::answers::{ApiFailure, business_error, no_content_ok, not_found, validation_error};
use super::moderation::{Ctx, advance, product_url, publish};
use super::request_views::{details_dto, short_dto};
use super::requests_store::{SimRequest, attr_value, now_stamp, status, status_label};
use super::routes_dictionaries::page_params;
use super::state::SimState;
use super::validation::{EXTENDED_CARD_MESSAGE, card_attributes, card_by_ntin, validate_request};

/// Registers the routes (under `/portal/api`), before the `/v1/products/{tin}` lookup.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/products/requests", web::post().to(create))
        .route("/v1/products/requests", web::get().to(list))
        .route("/v1/products/requests/{id}", web::put().to(update))
        .route("/v1/products/requests/{id}", web::delete().to(delete))
        .route(
            "/v1/products/requests/{id}/moderation",
            web::put().to(moderation),
        )
        .route("/v1/products/requests/{id}/cancel", web::put().to(cancel))
        .route(
            "/v1/products/requests/{id}/publish",
            web::put().to(publish_request),
        )
        .route(
            "/v1/products/requests/{id}/status",
            web::get().to(get_status),
        )
        .route("/v1/products/requests/{id}/details", web::get().to(details))
        .route(
            "/v1/products/requests/{id}/duplicates",
            web::get().to(duplicates),
        )
        .route(
            "/v1/products/requests/{id}/duplicate-decision",
            web::post().to(decision),
        )
        .route(
            "/v1/products/requests/{ntin}/edit-product",
            web::post().to(edit_product),
        );
}

fn ctx(state: &SimState) -> Ctx<'_> {
    Ctx {
        catalog: &state.catalog,
        dicts: &state.dicts,
        working_day: state.working_day,
    }
}

fn refuse(r: &SimRequest, action: &str) -> ApiFailure {
    business_error(format!(
        "Заявка в статусе «{}» ({}) не допускает действие: {action}.",
        status_label(r.status),
        r.status
    ))
}

async fn create(
    state: web::Data<SimState>,
    req: HttpRequest,
    body: web::Json<PortalCreateUpdateProductRequestDto>,
) -> Result<HttpResponse, ApiFailure> {
    let key = caller_key(&req);
    let mut body = body.into_inner();
    let id = {
        let mut store = state.store();
        validate_request(&mut body, &state.catalog, &store)?;
        store.insert(&key, body)
    };
    state.count_created();
    // The request is stored; a stalled answer lets a test kill the caller between NCT's write and ours.
    if let Some(stall) = state.take_stall_create() {
        tokio::time::sleep(stall).await;
    }
    Ok(HttpResponse::Ok().json(CreateProductResponseDto { id }))
}

async fn list(
    state: web::Data<SimState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiFailure> {
    let key = caller_key(&req);
    let (page, size) = page_params(&query)?;
    let wanted = query
        .get("status")
        .map(String::as_str)
        .filter(|s| !s.is_empty());
    if let Some(s) = wanted.filter(|s| !status::FILTERABLE.contains(s)) {
        return Err(validation_error(format!(
            "Недопустимое значение status: {s}."
        )));
    }
    let mut store = state.store();
    let now = Instant::now();
    let ids = store.ids_of(&key);
    for id in &ids {
        advance(&mut store, *id, &ctx(&state), now);
    }
    let matching: Vec<&SimRequest> = ids
        .iter()
        .filter_map(|id| store.get(*id))
        .filter(|r| wanted.is_none_or(|s| r.status == s))
        .collect();
    let content = matching
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .map(|r| short_dto(r))
        .collect();
    Ok(HttpResponse::Ok().json(PagedPortalProductRequestShortDto {
        content,
        total_elements: matching.len() as i64,
        total_pages: matching.len().div_ceil(size) as i32,
        additional_data: None,
    }))
}

async fn update(
    state: web::Data<SimState>,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<PortalCreateUpdateProductRequestDto>,
) -> Result<HttpResponse, ApiFailure> {
    let (key, id) = (caller_key(&req), id.into_inner());
    let mut body = body.into_inner();
    let mut store = state.store();
    advance(&mut store, id, &ctx(&state), Instant::now());
    let r = store.owned(id, &key)?;
    if !matches!(
        r.status,
        status::NEW | status::UNDER_REVISION | status::UNDER_REVISION_GZ | status::CANCELLED
    ) {
        return Err(refuse(r, "обновление"));
    }
    validate_request(&mut body, &state.catalog, &store)?;
    let r = store.owned_mut(id, &key)?;
    r.body = body;
    r.updated = now_stamp();
    Ok(no_content_ok())
}

async fn delete(
    state: web::Data<SimState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiFailure> {
    let (key, id) = (caller_key(&req), id.into_inner());
    let mut store = state.store();
    advance(&mut store, id, &ctx(&state), Instant::now());
    let r = store.owned(id, &key)?;
    if r.status != status::NEW {
        return Err(refuse(r, "удаление"));
    }
    store.remove(id);
    Ok(no_content_ok())
}

async fn moderation(
    state: web::Data<SimState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiFailure> {
    let (key, id) = (caller_key(&req), id.into_inner());
    let now = Instant::now();
    let mut store = state.store();
    advance(&mut store, id, &ctx(&state), now);
    let r = store.owned_mut(id, &key)?;
    if !matches!(
        r.status,
        status::NEW | status::UNDER_REVISION | status::UNDER_REVISION_GZ
    ) {
        return Err(refuse(r, "отправка на модерацию"));
    }
    if let Some(xtin) = attr_value(&r.body.attributes, "xtin")
        .filter(|x| !Pattern::PrefixDigits("004", 10).matches(x))
    {
        return Err(business_error(format!(
            "Неверный временный код XTIN {xtin}: код должен состоять ровно из 13 цифр и начинаться с 004."
        )));
    }
    r.start_moderation(now);
    Ok(no_content_ok())
}

async fn cancel(
    state: web::Data<SimState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiFailure> {
    let (key, id) = (caller_key(&req), id.into_inner());
    let mut store = state.store();
    advance(&mut store, id, &ctx(&state), Instant::now());
    let r = store.owned_mut(id, &key)?;
    if r.status != status::ON_MODERATION {
        return Err(refuse(r, "отзыв"));
    }
    r.settle(status::CANCELLED, PortalProductRequestStatusDto::default());
    Ok(no_content_ok())
}

async fn publish_request(
    state: web::Data<SimState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiFailure> {
    let (key, id) = (caller_key(&req), id.into_inner());
    let mut store = state.store();
    let ctx = ctx(&state);
    advance(&mut store, id, &ctx, Instant::now());
    let r = store.owned(id, &key)?;
    if r.status != status::READY_TO_PUBLISH {
        return Err(business_error(format!(
            "Заявка не готова к публикации или уже опубликована (статус {}).",
            r.status
        )));
    }
    publish(&mut store, id, &ctx);
    Ok(no_content_ok())
}

async fn get_status(
    state: web::Data<SimState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiFailure> {
    let (key, id) = (caller_key(&req), id.into_inner());
    let mut store = state.store();
    advance(&mut store, id, &ctx(&state), Instant::now());
    Ok(HttpResponse::Ok().json(store.owned(id, &key)?.status_dto()))
}

async fn duplicates(
    state: web::Data<SimState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiFailure> {
    let (key, id) = (caller_key(&req), id.into_inner());
    let mut store = state.store();
    advance(&mut store, id, &ctx(&state), Instant::now());
    let list = store
        .owned(id, &key)?
        .duplicates
        .clone()
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(list))
}

async fn decision(
    state: web::Data<SimState>,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<PortalDuplicateDecisionRequestDto>,
) -> Result<HttpResponse, ApiFailure> {
    let (key, id) = (caller_key(&req), id.into_inner());
    let body = body.into_inner();
    let now = Instant::now();
    let mut store = state.store();
    advance(&mut store, id, &ctx(&state), now);
    let chosen = match body.decision {
        DuplicateDecision::UseExisting => {
            let ntin = body
                .ntin
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty());
            let ntin =
                ntin.ok_or_else(|| validation_error("Для решения USE_EXISTING обязателен ntin."))?;
            let (card, _) = card_by_ntin(&state.catalog, &store, ntin).ok_or_else(|| {
                validation_error(format!("Карточка с НТИН {ntin} не найдена (ntin)."))
            })?;
            Some(card)
        }
        DuplicateDecision::Continue => None,
    };
    let r = store.owned_mut(id, &key)?;
    if !(r.awaiting_decision && r.status == status::UNDER_REVISION) {
        return Err(business_error(
            "Заявка не находится в статусе ожидания решения по дублям.",
        ));
    }
    r.awaiting_decision = false;
    match chosen {
        Some(card) => r.settle(
            status::EXISTING_PRODUCT_SELECTED,
            PortalProductRequestStatusDto {
                ntin_code: Some(card.ntin),
                product_url: Some(product_url(card.id)),
                ..Default::default()
            },
        ),
        None => {
            r.skip_duplicate_check = true;
            r.start_moderation(now);
        }
    }
    Ok(HttpResponse::Ok().finish())
}

async fn edit_product(
    state: web::Data<SimState>,
    req: HttpRequest,
    ntin: web::Path<String>,
) -> Result<HttpResponse, ApiFailure> {
    let key = caller_key(&req);
    let ntin = ntin.into_inner();
    let mut store = state.store();
    let (card, is_gov) = card_by_ntin(&state.catalog, &store, &ntin).ok_or_else(not_found)?;
    if is_gov {
        return Err(business_error(EXTENDED_CARD_MESSAGE));
    }
    let image_files: Vec<ProductRequestFileDto> = card
        .to_dto()
        .image_data
        .map(|d| d.image_files)
        .unwrap_or_default()
        .into_iter()
        .map(|f| ProductRequestFileDto {
            file_name: f.file_name.unwrap_or_default(),
            image_type: f.image_type.unwrap_or_default(),
        })
        .collect();
    let body = PortalCreateUpdateProductRequestDto {
        oktru: card.oktru.clone(),
        attributes: card_attributes(&card),
        ntin: Some(card.ntin.clone()),
        is_gov: Some(false),
        image_files,
        ..PortalCreateUpdateProductRequestDto::default()
    };
    let response = PortalEditProductResponseDto {
        product_request_id: 0,
        oktru: is_leaf(&card.oktru).then(|| card.oktru.clone()),
        is_gov: false,
        auto_publication: false,
        attributes: body.attributes.clone(),
        image_files: body.image_files.clone(),
        ..PortalEditProductResponseDto::default()
    };
    let id = store.insert(&key, body);
    drop(store);
    state.count_created();
    Ok(HttpResponse::Ok().json(PortalEditProductResponseDto {
        product_request_id: id,
        ..response
    }))
}

async fn details(
    state: web::Data<SimState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiFailure> {
    let (key, id) = (caller_key(&req), id.into_inner());
    let mut store = state.store();
    advance(&mut store, id, &ctx(&state), Instant::now());
    Ok(HttpResponse::Ok().json(details_dto(store.owned(id, &key)?)))
}
