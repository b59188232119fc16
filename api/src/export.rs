//! `GET /exports/catalogs/{id}.csv`: the catalog with its NTINs and statuses, streamed page by page in
//! constant memory. UTF-8 with a BOM so Excel keeps Cyrillic and Kazakh letters; cells that a spreadsheet
//! would run as a formula (`= + - @`, tab, CR) are prefixed with `'`.
//!
//! Authorized by the same bearer token as `/graphql`, or by a short-lived signed link from the
//! `createExportLink` mutation ([`crate::signed_link`]) for browsers that cannot send headers.

use crate::routes::auth_refusal;
use domain::tenant::Permission;
use crate::error::error_response;
use crate::signed_link;
use crate::state::AppState;
use crate::ids::{self, Kind};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::tenant::TenantId;
use infra::db::export_repo::{ExportRepo, ExportRow};
use uuid::Uuid;

const PAGE: u64 = 1000;
const HEADER: [&str; 14] = [
    "seller_sku", "barcode", "gtin14", "ntin", "ntin_source", "readiness_class", "lookup_state", "card_status",
    "moderation_status", "remarks", "xtin", "xtin_expires_at", "name_ru", "name_kk",
];

/// Query of a signed link.
#[derive(serde::Deserialize)]
pub struct LinkQuery {
    t: Option<Uuid>,
    e: Option<i64>,
    s: Option<String>,
}

/// A cell as written to CSV: text a spreadsheet would run as a formula (`= + - @`, tab, CR) gets a leading `'`.
pub fn formula_safe(v: &str) -> std::borrow::Cow<'_, str> {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{v}"))
    } else {
        std::borrow::Cow::Borrowed(v)
    }
}

fn record(r: &ExportRow) -> [String; 14] {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let remarks = r
        .moderation_remarks
        .clone()
        .or_else(|| r.readiness_message.clone())
        .unwrap_or_default();
    let expiry = r
        .xtin_assigned_at
        .map(|d| domain::barcode::xtin_expires_at(d).date_naive().to_string())
        .unwrap_or_default();
    [
        r.seller_sku.clone(), o(&r.barcode), o(&r.gtin14), o(&r.ntin), o(&r.ntin_source), r.readiness_class.clone(),
        o(&r.lookup_state), o(&r.card_status), o(&r.moderation_status), remarks, o(&r.xtin), expiry, o(&r.name_ru),
        o(&r.name_kk),
    ]
}

fn to_csv(rows: &[ExportRow], header: bool) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::with_capacity(rows.len() * 160));
    if header {
        w.write_record(HEADER)?;
    }
    for r in rows {
        let rec = record(r);
        w.write_record(rec.iter().map(|c| formula_safe(c).into_owned()))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Resolves the caller's tenant from the bearer token or a signed link.
async fn authorize(st: &AppState, req: &HttpRequest, q: &LinkQuery, catalog: Uuid) -> Result<TenantId, HttpResponse> {
    let unauth = |m: &str| error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", m);
    let header = req.headers().get(actix_web::http::header::AUTHORIZATION).map(|h| h.as_bytes());
    if let Some(ctx) = st.tokens.verify_header(header).await.map_err(auth_refusal)? {
        return ctx
            .tenant_for(Permission::Read)
            .map_err(|_| error_response(StatusCode::FORBIDDEN, "FORBIDDEN", "this token cannot read a catalog"));
    }
    let (Some(t), Some(e), Some(s)) = (q.t, q.e, q.s.as_deref()) else {
        return Err(unauth("a bearer token or a signed link is required"));
    };
    signed_link::verify(&st.tokens, t, catalog, e, s).map_err(unauth)
}

/// `GET /exports/catalogs/{id}.csv`.
pub async fn export_catalog(
    st: web::Data<AppState>,
    gate: web::Data<crate::ratelimit::RateGate>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<LinkQuery>,
) -> HttpResponse {
    let not_found = || error_response(StatusCode::NOT_FOUND, "NOT_FOUND", "not found");
    let Some(id) = path.strip_suffix(".csv") else { return not_found() };
    let Some(catalog) = ids::try_decode(Kind::Catalog, &async_graphql::ID(id.to_owned())) else { return not_found() };
    // The same rate budget as `/graphql`: the tenant's, or the client address's when refused.
    let tenant = match authorize(&st, &req, &q, catalog).await {
        Ok(t) => t,
        Err(resp) => return gate.refusal(&req, None).await.unwrap_or(resp),
    };
    if let Err(wait) = gate.take(&format!("tenant:{tenant}")).await {
        return crate::ratelimit::too_many(wait);
    }
    match st.catalogs.get(tenant, catalog).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error.cause_chain = ?e, "export: catalog lookup failed");
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "internal error");
        }
    }
    let repo = ExportRepo::new(st.db.clone());
    // State: the last seller SKU written; `None` before the first page; done once a short page came.
    let stream = futures_util::stream::unfold((repo, Some(None::<String>)), move |(repo, cursor)| async move {
        let after = cursor?;
        let first = after.is_none();
        match repo.page(tenant, catalog, after.as_deref(), PAGE).await {
            Ok(rows) => {
                let next = (rows.len() as u64 == PAGE).then(|| rows.last().map(|r| r.seller_sku.clone())).flatten().map(Some);
                let mut bytes = if first { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
                match to_csv(&rows, first) {
                    Ok(b) => bytes.extend(b),
                    Err(e) => return Some((Err(actix_web::error::ErrorInternalServerError(e)), (repo, None))),
                }
                Some((Ok(web::Bytes::from(bytes)), (repo, next)))
            }
            Err(e) => {
                tracing::error!(error.cause_chain = ?e, "export page failed");
                Some((Err(actix_web::error::ErrorInternalServerError("export failed")), (repo, None)))
            }
        }
    });
    let file = format!("attachment; filename=\"catalog-{catalog}.csv\"");
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", file))
        .streaming(stream)
}
