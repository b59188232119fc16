//! SKU rows decoded straight from the driver's row, for the paths that read many of them (a page, an import
//! batch's stored rows).
//!
//! sea-orm 2.0.4's generated decoding allocates for every column of every row: `TryGetable::try_get` formats
//! `"{prefix}{column}"`, and a NULL value first becomes an error whose message is formatted (`{idx:?}`) before
//! `Option`'s impl turns it into `None`. On a page of 100 SKUs (36 columns, most of them NULL) that was 9% of
//! the server's samples under the read benchmark. Here each column is read from the sqlx row with the same
//! types sea-orm asks the driver for (`Option<T>`, then the value), so the result is the same model, and by
//! position: the positions are found by name once per result set.

use super::entity::sku;
use sea_orm::sqlx::{self, Row as _};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, QueryResult, QueryTrait, Select, Statement};

/// The model's columns, in the order of its fields.
const COLUMNS: [&str; 36] = [
    "id", "tenant_id", "catalog_id", "seller_sku", "barcode", "gtin14", "readiness_class", "readiness_reason", "readiness_message", "ntin", "ntin_source", "xtin", "xtin_assigned_at", "name_ru", "name_kk", "brand", "oktru", "tnved", "country", "measure_unit", "measure_qty", "price", "channels", "attributes", "lookup_state", "lookup_candidates", "looked_up_at", "created_at", "updated_at", "card_status", "moderation_status", "moderation_remarks", "card_data", "gov", "search_text", "feed_removed_at",
];

/// Where each of [`COLUMNS`] is in a result set's rows: looked up by name once per result set, so each row
/// is read by position (a lookup by name hashes the name, 36 times a row).
fn positions<R: sqlx::Row>(r: &R) -> Result<[usize; 36], sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
{
    use sqlx::Column as _;
    let mut p = [0; 36];
    for (k, name) in COLUMNS.iter().enumerate() {
        p[k] = r.try_column(*name)?.ordinal();
    }
    Ok(p)
}

/// Every column of the model, read from a sqlx row of either backend at the positions `$p` gives.
macro_rules! sku_model {
    ($r:expr, $p:expr) => {
        sku::Model {
            id: $r.try_get($p[0])?,
            tenant_id: $r.try_get($p[1])?,
            catalog_id: $r.try_get($p[2])?,
            seller_sku: $r.try_get($p[3])?,
            barcode: $r.try_get($p[4])?,
            gtin14: $r.try_get($p[5])?,
            readiness_class: $r.try_get($p[6])?,
            readiness_reason: $r.try_get($p[7])?,
            readiness_message: $r.try_get($p[8])?,
            ntin: $r.try_get($p[9])?,
            ntin_source: $r.try_get($p[10])?,
            xtin: $r.try_get($p[11])?,
            xtin_assigned_at: $r.try_get($p[12])?,
            name_ru: $r.try_get($p[13])?,
            name_kk: $r.try_get($p[14])?,
            brand: $r.try_get($p[15])?,
            oktru: $r.try_get($p[16])?,
            tnved: $r.try_get($p[17])?,
            country: $r.try_get($p[18])?,
            measure_unit: $r.try_get($p[19])?,
            measure_qty: $r.try_get($p[20])?,
            price: $r.try_get($p[21])?,
            channels: $r.try_get($p[22])?,
            attributes: $r.try_get($p[23])?,
            lookup_state: $r.try_get($p[24])?,
            lookup_candidates: $r.try_get($p[25])?,
            looked_up_at: $r.try_get($p[26])?,
            created_at: $r.try_get($p[27])?,
            updated_at: $r.try_get($p[28])?,
            card_status: $r.try_get($p[29])?,
            moderation_status: $r.try_get($p[30])?,
            moderation_remarks: $r.try_get($p[31])?,
            card_data: $r.try_get($p[32])?,
            gov: $r.try_get($p[33])?,
            search_text: $r.try_get($p[34])?,
            feed_removed_at: $r.try_get($p[35])?,
        }
    };
}

fn from_pg(r: &sqlx::postgres::PgRow, p: &[usize; 36]) -> Result<sku::Model, sqlx::Error> {
    Ok(sku_model!(r, p))
}

fn from_sqlite(r: &sqlx::sqlite::SqliteRow, p: &[usize; 36]) -> Result<sku::Model, sqlx::Error> {
    Ok(sku_model!(r, p))
}

/// SKU rows (every column, as `SELECT *` or the entity's select returns them, in any order).
///
/// # Errors
/// A missing column or a value of another type.
pub fn decode_all(rows: &[QueryResult]) -> Result<Vec<sku::Model>, DbErr> {
    let driver = |e: sqlx::Error| DbErr::Type(format!("skus row: {e}"));
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    if let Some(r) = first.try_as_pg_row() {
        let p = positions(r).map_err(driver)?;
        return rows.iter().map(|res| res.try_as_pg_row().ok_or_else(mixed).and_then(|r| from_pg(r, &p).map_err(driver))).collect();
    }
    if let Some(r) = first.try_as_sqlite_row() {
        let p = positions(r).map_err(driver)?;
        return rows.iter().map(|res| res.try_as_sqlite_row().ok_or_else(mixed).and_then(|r| from_sqlite(r, &p).map_err(driver))).collect();
    }
    rows.iter().map(|res| sku::Model::from_query_result(res, "")).collect()
}

fn mixed() -> DbErr {
    DbErr::Type("skus rows: rows of two backends in one result".to_owned())
}

/// The SKUs `select` finds (it must select the entity's columns, as `sku::Entity::find()` does).
///
/// # Errors
/// The database's, or a row that does not decode.
pub async fn all<C: ConnectionTrait>(conn: &C, select: Select<sku::Entity>) -> Result<Vec<sku::Model>, DbErr> {
    query(conn, select.build(conn.get_database_backend())).await
}

/// The SKU rows `stmt` returns (every column of `skus`, as `SELECT *` does).
///
/// # Errors
/// The database's, or a row that does not decode.
pub async fn query<C: ConnectionTrait>(conn: &C, stmt: Statement) -> Result<Vec<sku::Model>, DbErr> {
    decode_all(&conn.query_all_raw(stmt).await?)
}
