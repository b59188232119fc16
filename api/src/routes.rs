//! HTTP routes: `/graphql` (POST; GraphiQL on GET is in `console`), `/graphql/ws`, `/healthz`, `/readyz`.

use crate::auth::{AuthError, bearer};
use actix_web::http::StatusCode;
use crate::schema::AppSchema;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql_actix_web::{GraphQLRequest, GraphQLResponse, GraphQLSubscription};
use crate::error::error_response;
use serde_json::json;

/// Largest JSON body `/graphql` takes (200,000 barcodes fit); uploads are limited separately.
pub const MAX_JSON_BODY: u64 = 32 * 1024 * 1024;
/// Largest uploaded file.
pub const MAX_UPLOAD: usize = 128 * 1024 * 1024;

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

/// `POST /graphql`.
pub async fn graphql(
    schema: web::Data<AppSchema>,
    st: web::Data<AppState>,
    limiter: web::Data<Option<crate::ratelimit::ApiRateLimiter>>,
    req: HttpRequest,
    gql: GraphQLRequest,
) -> HttpResponse {
    let mut request = gql.into_inner();
    let auth = st.tokens.verify_header(req.headers().get(actix_web::http::header::AUTHORIZATION).map(|h| h.as_bytes())).await;
    // One bucket per tenant (or per platform caller), per client IP without a token.
    if let Some(l) = limiter.get_ref() {
        let key = match &auth {
            Ok(Some(ctx)) => match ctx.tenant {
                Some(t) => format!("tenant:{t}"),
                None => format!("sub:{}", ctx.subject),
            },
            _ => format!("ip:{}", req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default()),
        };
        if let Err(wait) = l.check(&key) {
            let secs = wait.as_secs() + 1;
            let mut resp = error_response(
                actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                &format!("too many requests; retry in {secs} s"),
            );
            if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(actix_web::http::header::RETRY_AFTER, v);
            }
            return resp;
        }
    }
    match auth {
        Ok(Some(ctx)) => {
            tracing::Span::current().record("tenant_id", tracing::field::display(
                ctx.tenant.map(|t| t.to_string()).unwrap_or_default(),
            ));
            request = request.data(ctx);
        }
        Ok(None) => {}
        Err(e) => return auth_refusal(e),
    }
    let resp: GraphQLResponse = schema.execute(request).await.into();
    actix_web::Responder::respond_to(resp, &req).map_into_boxed_body()
}

/// Refuses oversized JSON bodies before they are read.
pub async fn body_guard(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let len = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let is_multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/"));
    if !is_multipart && len.is_some_and(|l| l > MAX_JSON_BODY) {
        let resp = error_response(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "LIMIT_EXCEEDED",
            &format!("request body over {MAX_JSON_BODY} bytes; upload files with a multipart request"),
        );
        return Ok(req.into_response(resp));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Reads a token from a `connection_init` payload: `{"Authorization": "Bearer …"}` or `{"token": "…"}`.
fn token_from_init(v: &serde_json::Value) -> Option<String> {
    let obj = v.as_object()?;
    for (k, val) in obj {
        let s = val.as_str()?;
        if k.eq_ignore_ascii_case("authorization") {
            return bearer(s).map(str::to_owned);
        }
        if k.eq_ignore_ascii_case("token") {
            return Some(s.trim_start_matches("Bearer ").to_owned());
        }
    }
    None
}

/// `GET /graphql/ws`: subscriptions (graphql-transport-ws and legacy graphql-ws). The token goes in
/// `connection_init`; a missing or bad token closes the connection.
pub async fn graphql_ws(
    schema: web::Data<AppSchema>,
    st: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let tokens = st.tokens.clone();
    GraphQLSubscription::new(AppSchema::clone(&schema))
        .on_connection_init(move |v| async move {
            let token = token_from_init(&v)
                .ok_or_else(|| async_graphql::Error::new("connection_init must carry a bearer token"))?;
            let ctx = tokens
                .verify(&token)
                .await
                .map_err(|e| async_graphql::Error::new(format!("UNAUTHENTICATED: {e}")))?;
            let mut data = async_graphql::Data::default();
            data.insert(ctx);
            Ok(data)
        })
        .keepalive_timeout(std::time::Duration::from_secs(60))
        .start(&req, payload)
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
