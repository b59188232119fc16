//! Card lookups (`GET /v1/products/{tin}`, `GET /v2/products/{tin}`) and the attribute schemas
//! (`GET /v1/products/requests/attributes`, `GET /v1/products/requests/categories/{oktru}/gov-attributes`).

use actix_web::{HttpResponse, web};
use nct::dto::{PortalAttributeObjectDto, PortalGovAttributesDto, PortalProductDto};

use super::attribute_data::{BASE_ATTRIBUTES, GOV_MAIN, gov_attr_dto};
use super::catalog_data::{is_leaf, leaf};
use super::answers::{ApiFailure, not_found, validation_error};
use super::seed::normalize_tin;
use super::state::SimState;

/// Registers the routes (under `/portal/api`). Must come after the `/v1/products/requests/...` routes,
/// or `{tin}` would swallow `requests`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/v1/products/requests/attributes",
        web::get().to(base_attributes),
    )
    .route(
        "/v1/products/requests/categories/{oktru}/gov-attributes",
        web::get().to(gov_attributes),
    )
    .route("/v1/products/{tin}", web::get().to(product_v1))
    .route("/v2/products/{tin}", web::get().to(product_v2));
}

/// Every card for a path `tin`: GTIN-13, zero-padded GTIN-14, or an NTIN (single card).
fn find(state: &SimState, tin: &str) -> Result<Vec<PortalProductDto>, ApiFailure> {
    if tin.is_empty() || !tin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(validation_error(
            "Код NTIN или GTIN должен состоять только из цифр.",
        ));
    }
    let Some(tin) = normalize_tin(tin) else {
        return Err(validation_error(
            "Код NTIN состоит из 13 цифр, код GTIN — из 8, 12, 13 или 14 цифр.",
        ));
    };
    let mut cards: Vec<PortalProductDto> = state
        .catalog
        .lookup(&tin)
        .into_iter()
        .map(|c| c.to_dto())
        .collect();
    if cards.is_empty() {
        // Cards published through the simulator's own moderation flow.
        cards = state.store().published_lookup(&tin);
    }
    if cards.is_empty() {
        Err(not_found())
    } else {
        Ok(cards)
    }
}

/// `GET /v1/products/{tin}`: the first matching card, as an object.
async fn product_v1(
    state: web::Data<SimState>,
    tin: web::Path<String>,
) -> Result<HttpResponse, ApiFailure> {
    let mut cards = find(&state, &tin)?;
    Ok(HttpResponse::Ok().json(cards.swap_remove(0)))
}

/// `GET /v2/products/{tin}`: every matching card, as an array.
async fn product_v2(
    state: web::Data<SimState>,
    tin: web::Path<String>,
) -> Result<HttpResponse, ApiFailure> {
    Ok(HttpResponse::Ok().json(find(&state, &tin)?))
}

/// `GET /v1/products/requests/attributes`.
async fn base_attributes() -> HttpResponse {
    let attrs: Vec<PortalAttributeObjectDto> = BASE_ATTRIBUTES
        .iter()
        .enumerate()
        .map(|(i, a)| a.to_dto(i + 1))
        .collect();
    HttpResponse::Ok().json(attrs)
}

/// `GET /v1/products/requests/categories/{oktru}/gov-attributes`: 400 unless `oktru` is a known leaf.
async fn gov_attributes(oktru: web::Path<String>) -> Result<HttpResponse, ApiFailure> {
    let oktru = oktru.into_inner();
    if !is_leaf(&oktru) {
        return Err(validation_error(format!(
            "Категория ОКТРУ {oktru} не найдена или не является конечной."
        )));
    }
    let additional = leaf(&oktru).map(|l| l.additional).unwrap_or_default();
    Ok(HttpResponse::Ok().json(PortalGovAttributesDto {
        main_attributes: GOV_MAIN.iter().map(gov_attr_dto).collect(),
        additional_attributes: additional.iter().map(gov_attr_dto).collect(),
    }))
}
