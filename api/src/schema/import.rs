//! `importCatalog`: a pasted barcode list, CSV or the Kaspi XML price list, as text or an uploaded file.

use crate::ids::{self, Kind};
use crate::error::{UserError, UserErrorCode};
use super::{state, tenant};
use domain::tenant::Permission;
use crate::error::ApiError;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Upload};
use domain::import::ImportFormat;
use infra::db::RepoError;
use infra::db::import_repo::{ImportFailure, run_import};
use std::io::{BufRead, BufReader, Cursor};

/// Import formats.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormatInput {
    /// One barcode per line, or `sku;barcode` (tab, `;` or `,`) to join barcodes onto seller SKUs.
    Barcodes,
    /// CSV with a header row (`,`, `;` or tab; UTF-8 with or without BOM).
    Csv,
    /// The Kaspi XML price list (`kaspi_catalog`); it has no barcodes, SKUs are keyed by `sku`.
    KaspiXml,
    /// The OMarket XML price list (`catalog`, or a Kaspi-format file, which OMarket also accepts).
    OmarketXml,
    /// The Jmart / Alatau City Market XML price list (`jmart_catalog`, Kaspi's layout).
    JmartXml,
}

/// Input of `importCatalog`: exactly one of `content` and `file`.
#[derive(InputObject)]
pub struct ImportCatalogInput {
    /// The catalog to import into.
    pub catalog_id: ID,
    /// The format.
    pub format: ImportFormatInput,
    /// The data as text.
    pub content: Option<String>,
    /// The data as an uploaded file (GraphQL multipart request).
    pub file: Option<Upload>,
}

/// A refused row.
#[derive(SimpleObject)]
pub struct RowErrorOut {
    /// 1-based row (CSV: physical line, header = 1; XML: line of the `<offer>`; list: line).
    pub row: u64,
    /// Machine-readable code, e.g. `MISSING_SKU`, `DUPLICATE_SKU`, `BAD_PRICE`, `MALFORMED`.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// Result of `importCatalog`.
#[derive(SimpleObject, Default)]
pub struct ImportCatalogPayload {
    /// SKUs created.
    pub created: u64,
    /// SKUs changed.
    pub updated: u64,
    /// SKUs already up to date.
    pub unchanged: u64,
    /// Rows refused (their errors are in `rowErrors`, the first 1000).
    pub rejected: u64,
    /// Refused rows with their numbers. A fatal error (nothing stored) is listed here too.
    pub row_errors: Vec<RowErrorOut>,
    /// Problems with the input as a whole; when set, nothing was stored.
    pub user_errors: Vec<UserError>,
}

/// Import mutations.
#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Imports SKUs; re-importing upserts by seller SKU. Good rows are stored, bad rows are listed with their
    /// row numbers, and a file that cannot be read as a whole changes nothing.
    async fn import_catalog(&self, ctx: &Context<'_>, input: ImportCatalogInput) -> Result<ImportCatalogPayload, ApiError> {
        let t = tenant(ctx, Permission::Write)?;
        let fail = |f: &str, code, m: String| Ok(ImportCatalogPayload { user_errors: vec![UserError::new(&[f], code, m)], ..Default::default() });
        let Some(catalog_id) = ids::try_decode(Kind::Catalog, &input.catalog_id) else {
            return fail("catalogId", UserErrorCode::NotFound, "no such catalog".into());
        };
        let (field, reader): (&str, Box<dyn BufRead + Send>) = match (input.content, input.file) {
            (Some(c), None) => ("content", Box::new(Cursor::new(c.into_bytes()))),
            (None, Some(f)) => {
                let v = f.value(ctx).map_err(|e| ApiError::bad_input("file", format!("unreadable upload: {e}")))?;
                ("file", Box::new(BufReader::with_capacity(64 * 1024, v.into_read())))
            }
            _ => return fail("content", UserErrorCode::Invalid, "give exactly one of content and file".into()),
        };
        let format = match input.format {
            ImportFormatInput::Barcodes => ImportFormat::Barcodes,
            ImportFormatInput::Csv => ImportFormat::Csv,
            ImportFormatInput::KaspiXml => ImportFormat::KaspiXml,
            ImportFormatInput::OmarketXml => ImportFormat::OmarketXml,
            ImportFormatInput::JmartXml => ImportFormat::JmartXml,
        };
        match run_import(&state(ctx)?.db, t, catalog_id, format, reader).await {
            Ok(o) => Ok(ImportCatalogPayload {
                created: o.counts.created,
                updated: o.counts.updated,
                unchanged: o.counts.unchanged,
                rejected: o.rejected,
                row_errors: o.row_errors.into_iter().map(|e| RowErrorOut { row: e.row as u64, code: e.code.as_str().to_owned(), message: e.message }).collect(),
                user_errors: vec![],
            }),
            Err(ImportFailure::Fatal(e)) => Ok(ImportCatalogPayload {
                row_errors: vec![RowErrorOut { row: e.row().unwrap_or(0) as u64, code: e.code().to_owned(), message: e.to_string() }],
                user_errors: vec![UserError::new(&[field], UserErrorCode::Invalid, format!("nothing was imported: {e}"))],
                ..Default::default()
            }),
            Err(ImportFailure::Repo(RepoError::NotFound)) => fail("catalogId", UserErrorCode::NotFound, "no such catalog".into()),
            Err(ImportFailure::Repo(RepoError::Duplicate(_))) => fail(
                "catalogId",
                UserErrorCode::Taken,
                "another import into this catalog stored some of these SKUs at the same time; nothing was imported, import again".into(),
            ),
            Err(ImportFailure::Repo(e)) => Err(e.into()),
        }
    }
}
