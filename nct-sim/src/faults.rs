//! The gate every `/portal/api/...` call passes before its handler, in NCT's order of checks: count it,
//! add the configured latency, check `X-API-KEY` (401 plain-text `no content`), take a rate-limit token
//! (429 with `Retry-After`), then maybe inject a fault (503 burst, 500, a 60 s stall, or broken JSON).
//! The error bodies themselves are in `answers`.

use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, RETRY_AFTER};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use super::answers::api_error;
use nct::dto::ApiErrorDto;
use super::seed::normalize_tin;
use super::state::{Fault, SimState};

/// Header that carries the key.
pub const API_KEY_HEADER: &str = "X-API-KEY";
/// How long a timeout fault stalls before answering.
const TIMEOUT_FAULT_STALL: Duration = Duration::from_secs(60);

/// The caller's key (the gate has already checked it).
pub fn caller_key(req: &HttpRequest) -> String {
    req.headers()
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// `tin` of `/portal/api/v{1,2}/products/{tin}`, normalized, when the path is a card lookup.
fn lookup_tin(path: &str) -> Option<String> {
    let rest = path
        .strip_prefix("/portal/api/v1/products/")
        .or_else(|| path.strip_prefix("/portal/api/v2/products/"))?;
    if rest.contains('/') || rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(normalize_tin(rest).unwrap_or_else(|| rest.to_owned()))
}

/// The operation a portal call is counted under in [`super::SimStats::calls`].
pub fn op_name(method: &actix_web::http::Method, path: &str) -> &'static str {
    let Some(rest) = path.strip_prefix("/portal/api/") else { return "other" };
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let get = method == actix_web::http::Method::GET;
    match parts.as_slice() {
        ["v1" | "v2", "products", "requests"] if get => "list",
        ["v1", "products", "requests"] => "create",
        ["v1", "products", "requests", "attributes"] => "attributes",
        ["v1", "products", "requests", "categories", _, "gov-attributes"] => "gov-attributes",
        ["v1", "products", "requests", _] if get => "other",
        ["v1", "products", "requests", _] if method == actix_web::http::Method::DELETE => "delete",
        ["v1", "products", "requests", _] => "update",
        ["v1", "products", "requests", _, "status"] => "status",
        ["v1", "products", "requests", _, "details"] => "details",
        ["v1", "products", "requests", _, "duplicates"] => "duplicates",
        ["v1", "products", "requests", _, "duplicate-decision"] => "decision",
        ["v1", "products", "requests", _, "moderation"] => "moderation",
        ["v1", "products", "requests", _, "cancel"] => "cancel",
        ["v1", "products", "requests", _, "publish"] => "publish",
        ["v1", "products", "requests", _, "edit-product"] => "edit-product",
        ["v1" | "v2", "products", _] => "lookup",
        ["v1", "dictionaries", ..] => "dictionary",
        ["v1", "storage", ..] => "upload",
        _ => "other",
    }
}

/// The middleware (wrap with `actix_web::middleware::from_fn`).
///
/// # Errors
/// Only errors of the inner service.
pub async fn gate<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<SimState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    state.record_arrival(op_name(req.method(), req.path()), lookup_tin(req.path()));

    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }

    let key = req
        .headers()
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if !state.check_key(key.as_deref()) {
        let resp = HttpResponse::Unauthorized()
            .insert_header((CONTENT_TYPE, "text/plain"))
            .body("no content");
        return Ok(req.into_response(resp).map_into_right_body());
    }
    let key = key.unwrap_or_default();

    if let Err(wait) = state.take_token(&key) {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        let resp = HttpResponse::TooManyRequests()
            .insert_header((RETRY_AFTER, secs.to_string()))
            .json(ApiErrorDto::new(
                "TOO_MANY_REQUESTS",
                "Превышен лимит запросов. Повторите позже.",
            ));
        return Ok(req.into_response(resp).map_into_right_body());
    }

    let early = match state.pick_fault() {
        Fault::None => None,
        Fault::Burst => Some(
            api_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "Сервис временно недоступен.",
            )
            .error_response(),
        ),
        Fault::Error => Some(
            api_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "Произошла непредвиденная ошибка. Пожалуйста, попробуйте позже.",
            )
            .error_response(),
        ),
        Fault::Malformed => Some(
            HttpResponse::Ok()
                .insert_header((CONTENT_TYPE, "application/json"))
                .body(r#"{"id": 18, "gtin": "48700"#),
        ),
        Fault::Timeout => {
            tokio::time::sleep(TIMEOUT_FAULT_STALL).await;
            None
        }
        // The body stream fails after its first bytes: actix cuts the connection mid-answer.
        Fault::Drop => Some(
            HttpResponse::Ok()
                .insert_header((CONTENT_TYPE, "application/json"))
                .streaming(futures_util::stream::iter([
                    Ok::<_, actix_web::Error>(web::Bytes::from_static(b"[{\"id\": 18, \"gt")),
                    Err(actix_web::error::ErrorInternalServerError("connection dropped")),
                ])),
        ),
    };
    match early {
        Some(resp) => Ok(req.into_response(resp).map_into_right_body()),
        None => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
    }
}
