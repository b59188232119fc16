//! Request IDs: every request gets one (the `request_id` of its tracing span), every response carries it in
//! `X-Request-Id`, and every error a client sees carries it in `extensions.requestId`, so a support ticket
//! with an error names the log lines of that request. The request span also declares `tenant_id`, filled in
//! once the token is verified.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _, HttpRequest};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

/// The response header.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The root span of a request: tracing-actix-web's fields plus `tenant_id` (empty until a token names one).
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        tracing_actix_web::root_span!(request, tenant_id = tracing::field::Empty)
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// The ID of this request, as text.
pub fn of(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<RequestId>().map(ToString::to_string)
}

/// Puts `requestId` into the `extensions` of every error of a GraphQL-shaped JSON body.
pub fn tag_errors(body: &mut serde_json::Value, id: &str) {
    if let Some(errors) = body.get_mut("errors").and_then(|e| e.as_array_mut()) {
        for e in errors {
            if let Some(obj) = e.as_object_mut() {
                let ext = obj.entry("extensions").or_insert_with(|| serde_json::json!({}));
                if let Some(ext) = ext.as_object_mut() {
                    ext.insert("requestId".into(), serde_json::Value::String(id.to_owned()));
                }
            }
        }
    }
}

/// Middleware (inside `TracingLogger`): adds `X-Request-Id` to every response, and to refusals made outside
/// GraphQL execution (401, 413, 429, 503, … with an `errors` body) adds `extensions.requestId` and logs one
/// line in the request's span.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = req.extensions().get::<RequestId>().map(ToString::to_string);
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(id) = id else { return Ok(res) };
    let status = res.status();
    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let mut res = if status.as_u16() >= 400 && is_json {
        let (req, res) = res.into_parts();
        let (mut head, body) = res.into_parts();
        let body = match body.try_into_bytes() {
            Ok(bytes) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
                Ok(mut v) => {
                    let code = v["errors"][0]["extensions"]["code"].as_str().unwrap_or_default().to_owned();
                    tracing::info!(status = status.as_u16(), code = %code, "request refused");
                    tag_errors(&mut v, &id);
                    head.headers_mut().remove(CONTENT_LENGTH);
                    BoxBody::new(serde_json::to_vec(&v).unwrap_or_else(|_| bytes.to_vec()))
                }
                Err(_) => BoxBody::new(bytes),
            },
            Err(body) => body,
        };
        ServiceResponse::new(req, head.set_body(body))
    } else {
        res
    };
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HEADER, v);
    }
    Ok(res)
}
