//! The web console and GraphiQL, built from `web/` by Vite and embedded in the binary.
//!
//! - `GET /` and every other unknown `GET` path: the console's `index.html` (SPA fallback: the console
//!   routes on the client), never cached.
//! - `GET /assets/*`: content-hashed files, cached for a year (`immutable`).
//! - `GET /graphql`: GraphiQL, a second page of the same build, so it works offline.
//! - Every file is stored as built plus `.br` and `.gz` copies made at build time; the one the browser
//!   accepts is sent with `Content-Encoding`.
//! - HTML carries a strict Content-Security-Policy: scripts, styles and connections from this origin only.
//!
//! Release builds embed `web/dist/app` (rust-embed); debug builds read the same folder from disk, so a
//! console rebuild needs no Rust rebuild. Without a build (`cargo build` on a machine without Node), the
//! pages say in one line how to build the console; the API is unaffected.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;
use std::borrow::Cow;

/// The built console (`npm run build` in `web/`).
#[derive(RustEmbed)]
#[folder = "../web/dist/app/"]
#[allow_missing = true]
struct Assets;

/// CSP of the console: nothing from another origin, no inline script or style, no framing.
pub const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
     font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// CSP of GraphiQL: its editor sets inline styles, everything else as strict as the console.
pub const GRAPHIQL_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What the pages say when the console was not built.
pub const NOT_BUILT: &str =
    "The web console is not built: run `npm ci && npm run build` in web/ (or ./scripts/dev), then restart.";

/// Mounts the console: `/assets/*` and the SPA fallback for every other `GET`. Register it after the API
/// routes, since the fallback answers any path they do not.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/assets/{file:.*}")
            .route(web::get().to(asset))
            .route(web::head().to(asset)),
    )
    .default_service(web::to(fallback));
}

/// `GET /graphql`: GraphiQL from the embedded build, unless turned off (`GRAPHIQL=false`: 404).
pub async fn graphiql(req: HttpRequest, ops: web::Data<crate::config::Ops>) -> HttpResponse {
    if !ops.graphiql {
        return crate::error::error_response(
            actix_web::http::StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "GraphiQL is turned off on this server",
        );
    }
    html_page(&req, "graphiql.html", GRAPHIQL_CSP)
}

/// `GET /assets/{file}`.
async fn asset(req: HttpRequest, file: web::Path<String>) -> HttpResponse {
    let path = format!("assets/{}", file.into_inner());
    match serve(&req, &path) {
        Some(mut resp) => {
            resp.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            resp
        }
        None => HttpResponse::NotFound().content_type("text/plain; charset=utf-8").body("not found"),
    }
}

/// Any other path: static files at the root (`favicon.svg`), else `index.html` for `GET`, else 404.
async fn fallback(req: HttpRequest) -> HttpResponse {
    if req.method() != actix_web::http::Method::GET && req.method() != actix_web::http::Method::HEAD {
        return HttpResponse::MethodNotAllowed().finish();
    }
    let path = req.path().trim_start_matches('/');
    if !path.is_empty()
        && !path.ends_with(".html")
        && let Some(mut resp) = serve(&req, path)
    {
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
        return resp;
    }
    html_page(&req, "index.html", CONSOLE_CSP)
}

/// An HTML page of the build with its CSP, never cached.
fn html_page(req: &HttpRequest, name: &str, csp: &'static str) -> HttpResponse {
    let mut resp = serve(req, name).unwrap_or_else(|| {
        HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(NOT_BUILT)
    });
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

/// The embedded file at `path`, in the best encoding the request accepts.
fn serve(req: &HttpRequest, path: &str) -> Option<HttpResponse> {
    let original = Assets::get(path)?;
    let accepts = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (body, encoding): (Cow<'static, [u8]>, Option<&'static str>) =
        match best_encoding(accepts).and_then(|(ext, enc)| Assets::get(&format!("{path}.{ext}")).map(|f| (f.data, enc))) {
            Some((data, enc)) => (data, Some(enc)),
            None => (original.data, None),
        };
    let mut b = HttpResponse::Ok();
    b.content_type(content_type(path))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if let Some(enc) = encoding {
        b.insert_header((header::CONTENT_ENCODING, enc));
    }
    Some(match body {
        Cow::Borrowed(bytes) => b.body(actix_web::web::Bytes::from_static(bytes)),
        Cow::Owned(bytes) => b.body(bytes),
    })
}

/// Brotli before gzip, when the client accepts it (`q=0` refuses).
fn best_encoding(accept_encoding: &str) -> Option<(&'static str, &'static str)> {
    let accepted = |name: &str| {
        accept_encoding.split(',').any(|part| {
            let mut it = part.split(';');
            let coding = it.next().unwrap_or_default().trim();
            let q0 = it.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            coding.eq_ignore_ascii_case(name) && !q0
        })
    };
    if accepted("br") {
        Some(("br", "br"))
    } else if accepted("gzip") {
        Some(("gz", "gzip"))
    } else {
        None
    }
}

/// The media type of a built file, by extension.
fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "json" | "map" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_is_preferred_and_q0_refuses() {
        assert_eq!(best_encoding("gzip, deflate, br, zstd"), Some(("br", "br")));
        assert_eq!(best_encoding("gzip"), Some(("gz", "gzip")));
        assert_eq!(best_encoding("br;q=0, gzip;q=0.5"), Some(("gz", "gzip")));
        assert_eq!(best_encoding("identity"), None);
        assert_eq!(best_encoding(""), None);
    }

    #[test]
    fn hashed_assets_get_their_media_types() {
        assert_eq!(content_type("assets/index-Bx1.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("assets/index-Bx1.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("assets/blob"), "application/octet-stream");
    }
}
