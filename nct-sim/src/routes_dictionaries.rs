//! Dictionary endpoints: `GET /v1/dictionaries`, `/{code}/roots`, `/{code}/children/{parentId}` and
//! `/{code}/items?page=&size=` (page from 1, size 1–100, else 400). Codes are case-insensitive.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use nct::dto::PageDto;

use super::answers::{ApiFailure, not_found, validation_error};
use super::state::SimState;

/// Registers the routes (under `/portal/api`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/dictionaries", web::get().to(list))
        .route("/v1/dictionaries/{code}/roots", web::get().to(roots))
        .route(
            "/v1/dictionaries/{code}/children/{parent_id}",
            web::get().to(children),
        )
        .route("/v1/dictionaries/{code}/items", web::get().to(items));
}

async fn list(state: web::Data<SimState>) -> HttpResponse {
    HttpResponse::Ok().json(state.dicts.list())
}

async fn roots(
    state: web::Data<SimState>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiFailure> {
    let items = state.dicts.roots(&code).ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(items))
}

async fn children(
    state: web::Data<SimState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiFailure> {
    let (code, parent) = path.into_inner();
    let parent_id = parent.parse::<i64>().map_err(|_| {
        validation_error("Идентификатор родительского элемента должен быть числом.")
    })?;
    let items = state
        .dicts
        .children(&code, parent_id)
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(items))
}

/// Reads the required `page` (from 1) and `size` (1–100) query parameters.
///
/// # Errors
/// 400 `VALIDATION_ERROR` when either is missing or out of range.
pub fn page_params(query: &HashMap<String, String>) -> Result<(usize, usize), ApiFailure> {
    let int = |name: &str| query.get(name).and_then(|v| v.trim().parse::<i64>().ok());
    let (Some(page), Some(size)) = (int("page"), int("size")) else {
        return Err(validation_error("Параметры page и size обязательны."));
    };
    if page < 1 || !(1..=100).contains(&size) {
        return Err(validation_error(
            "Номер страницы начинается с 1, размер страницы — от 1 до 100.",
        ));
    }
    Ok((page as usize, size as usize))
}

async fn items(
    state: web::Data<SimState>,
    code: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiFailure> {
    let (page, size) = page_params(&query)?;
    let all = state.dicts.items(&code).ok_or_else(not_found)?;
    let content = all
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .cloned()
        .collect();
    Ok(HttpResponse::Ok().json(PageDto {
        content,
        total_elements: all.len() as i64,
        total_pages: all.len().div_ceil(size) as i32,
        additional_data: None,
    }))
}
