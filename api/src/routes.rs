//! HTTP routes: `/graphql` (POST; GraphiQL on GET is in [`crate::console`]), `/healthz`, `/readyz`;
//! `/graphql/ws` is in [`crate::ws`].

use crate::auth::AuthError;
use crate::error::error_response;
use crate::limits::Limits;
use crate::ratelimit::RateGate;
use crate::schema::AppSchema;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use tracing::Instrument as _;

/// Where GraphQL operations run: the process's multi-threaded runtime, not the HTTP worker that read the
/// request, so a costly operation never holds up `/healthz` or another client's request on that worker.
#[derive(Clone)]
pub struct Executor(pub tokio::runtime::Handle);

/// The HTTP answer to a token that was not accepted: 401 when refused, 503 when it could not be checked.
pub fn auth_refusal(e: AuthError) -> HttpResponse {
    match e {
        AuthError::Refused(m) => error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", &m),
        AuthError::Unavailable(cause) => {
            tracing::warn!(error.cause_chain = ?cause, "token check failed: database unavailable");
            let mut resp = error_response(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "temporarily unavailable; retry shortly");
            resp.headers_mut().insert(actix_web::http::header::RETRY_AFTER, actix_web::http::header::HeaderValue::from_static("1"));
            resp
        }
    }
}

/// `POST /graphql`: the token is verified and the caller's rate budget taken **before** the body is read;
/// the body is then read under [`crate::body`]'s caps, and the operation runs on the [`Executor`].
pub async fn graphql(
    schema: web::Data<AppSchema>,
    st: web::Data<AppState>,
    gate: web::Data<RateGate>,
    limits: web::Data<Limits>,
    exec: web::Data<Executor>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let auth = st.tokens.verify_header(req.headers().get(actix_web::http::header::AUTHORIZATION).map(|h| h.as_bytes())).await;
    // One bucket per tenant (or per platform caller), per client IP without a valid token.
    if let Some(resp) = gate.refusal(&req, auth.as_ref().ok().and_then(Option::as_ref)).await {
        return resp;
    }
    let ctx = match auth {
        Ok(ctx) => ctx,
        Err(e) => return auth_refusal(e),
    };
    let mut request = match crate::body::read_request(&req, payload, &limits).await {
        Ok(r) => r,
        Err(e) => return e.response(),
    };
    // Per request: the loaders batch a page's rows into one query per field and cache nothing across requests.
    request = request.data(crate::schema::loaders::new_loader(&st));
    let span = tracing::Span::current();
    if let Some(ctx) = ctx {
        if let Some(t) = ctx.tenant {
            span.record("tenant_id", tracing::field::display(t));
        }
        request = request.data(ctx);
    }
    // Execution and serialization (a 200,000-line readiness answer is tens of MB) run on the executor; the
    // HTTP worker only moves bytes.
    let schema = AppSchema::clone(&schema);
    let id = crate::request_id::of(&req);
    let run = exec.0.spawn(
        async move { render(crate::schema::limits::execute(&schema, request).await, id.as_deref()) }.instrument(span),
    );
    match run.await {
        Ok(Ok(body)) => HttpResponse::Ok().content_type("application/json").body(body),
        Ok(Err(e)) => {
            tracing::error!(error.message = %e, "cannot serialize a GraphQL response");
            error_response(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "internal error")
        }
        Err(e) => {
            tracing::error!(error.message = %e, "GraphQL execution task failed");
            error_response(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "internal error")
        }
    }
}

/// Serializes a GraphQL response; every error gets the request ID, and the request logs one line for them.
fn render(response: async_graphql::Response, request_id: Option<&str>) -> serde_json::Result<Vec<u8>> {
    if response.errors.is_empty() {
        return serde_json::to_vec(&response);
    }
    let codes: Vec<String> = response
        .errors
        .iter()
        .map(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .map_or_else(|| "GRAPHQL".to_owned(), |c| c.to_string().trim_matches('"').to_owned())
        })
        .collect();
    tracing::info!(error.codes = ?codes, "GraphQL errors");
    let mut body = serde_json::to_value(&response)?;
    if let Some(id) = request_id {
        crate::request_id::tag_errors(&mut body, id);
    }
    serde_json::to_vec(&body)
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /readyz`: 200 when the database answers (503 when not). A cache that does not answer makes the
/// service "degraded", not down: lookups then go straight to NCT.
pub async fn readyz(st: web::Data<AppState>) -> HttpResponse {
    let cache_ok = st.lookup.cache_ok().await;
    let cache = if cache_ok { "ok" } else { "degraded" };
    let errors = st.lookup.cache_errors();
    if infra::db::ping(&st.db).await {
        let status = if cache_ok { "ready" } else { "degraded" };
        HttpResponse::Ok().json(json!({"status": status, "database": "ok", "cache": cache, "cacheErrors": errors}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({"status": "unavailable", "database": "down", "cache": cache}))
    }
}
