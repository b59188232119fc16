//! Control routes under `/__sim` for black-box tests and the demo. They do NOT exist on the real NCT and
//! need no API key: `GET /__sim/stats`, `PUT /__sim/faults` (a [`FaultConfig`]),
//! `PUT /__sim/rate-limit` (`{"perSecond": n | null}`), `POST /__sim/keys` (`{"key": "..."}`) and
//! `PUT /__sim/stall` (`{"ms": n | null}`: delay the answer of the next create, after it is stored),
//! `PUT /__sim/moderator-remark` (`{"attributeCode": "…", "comment": "…"}`: the next request that passes every
//! rule is returned for revision with this remark, as a human moderator might).

use actix_web::{HttpResponse, ResponseError as _, web};
use serde::Deserialize;

use super::FaultConfig;
use super::answers::validation_error;
use super::state::SimState;

/// Registers the routes (under `/__sim`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/stats", web::get().to(stats))
        .route("/faults", web::get().to(get_faults))
        .route("/faults", web::put().to(put_faults))
        .route("/rate-limit", web::put().to(put_rate_limit))
        .route("/keys", web::post().to(add_key))
        .route("/stall", web::put().to(put_stall))
        .route("/moderator-remark", web::put().to(put_remark));
}

async fn stats(state: web::Data<SimState>) -> HttpResponse {
    HttpResponse::Ok().json(state.stats())
}

async fn get_faults(state: web::Data<SimState>) -> HttpResponse {
    HttpResponse::Ok().json(state.faults())
}

async fn put_faults(state: web::Data<SimState>, body: web::Json<FaultConfig>) -> HttpResponse {
    let faults = body.into_inner();
    let rates = [
        faults.error_rate,
        faults.timeout_rate,
        faults.malformed_rate,
    ];
    if rates.iter().any(|r| !(0.0..=1.0).contains(r)) {
        return validation_error("rates must be between 0 and 1").error_response();
    }
    state.set_faults(faults.clone());
    HttpResponse::Ok().json(faults)
}

/// Body of `PUT /__sim/rate-limit`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RateLimitBody {
    #[serde(default, alias = "per_second")]
    per_second: Option<u32>,
}

async fn put_rate_limit(
    state: web::Data<SimState>,
    body: web::Json<RateLimitBody>,
) -> HttpResponse {
    state.set_rate_limit(body.per_second);
    HttpResponse::Ok().json(serde_json::json!({ "perSecond": body.per_second }))
}

/// Body of `POST /__sim/keys`.
#[derive(Debug, Deserialize)]
struct KeyBody {
    key: String,
}

async fn add_key(state: web::Data<SimState>, body: web::Json<KeyBody>) -> HttpResponse {
    let key = body.into_inner().key;
    if key.trim().is_empty() {
        return validation_error("key must not be empty").error_response();
    }
    state.add_key(key);
    HttpResponse::NoContent().finish()
}

/// Body of `PUT /__sim/stall`.
#[derive(Debug, Deserialize)]
struct StallBody {
    #[serde(default)]
    ms: Option<u64>,
}

async fn put_stall(state: web::Data<SimState>, body: web::Json<StallBody>) -> HttpResponse {
    state.set_stall_create(body.ms.map(std::time::Duration::from_millis));
    HttpResponse::Ok().json(serde_json::json!({ "ms": body.ms }))
}

/// Body of `PUT /__sim/moderator-remark`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RemarkBody {
    attribute_code: String,
    comment: String,
}

async fn put_remark(state: web::Data<SimState>, body: web::Json<RemarkBody>) -> HttpResponse {
    if let Ok(mut store) = state.requests.lock() {
        store.moderator_remark = Some(nct::dto::PortalRevisionDetailDto {
            attribute_code: Some(body.attribute_code.clone()),
            value: None,
            comment: Some(body.comment.clone()),
        });
    }
    HttpResponse::NoContent().finish()
}
