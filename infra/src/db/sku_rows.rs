//! SKU rows decoded straight from the driver's row, for the paths that read many of them (a page, an import
//! batch's stored rows).
//!
//! sea-orm 2.0.4's generated decoding allocates for every column of every row: `TryGetable::try_get` formats
//! `"{prefix}{column}"`, and a NULL value first becomes an error whose message is formatted (`{idx:?}`) before
//! `Option`'s impl turns it into `None`. On a page of 100 SKUs (36 columns, most of them NULL) that was 9% of
//! the server's samples under the read benchmark. Here each column is read by name from the sqlx row with the
//! same types sea-orm asks the driver for (`Option<T>`, then the value), so the result is the same model.

use super::entity::sku;
use sea_orm::sqlx::{self, Row as _};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, QueryResult, QueryTrait, Select, Statement};

/// Every column of the model, read by name from a sqlx row of either backend.
macro_rules! sku_model {
    ($r:expr) => {
        sku::Model {
            id: $r.try_get("id")?,
            tenant_id: $r.try_get("tenant_id")?,
            catalog_id: $r.try_get("catalog_id")?,
            seller_sku: $r.try_get("seller_sku")?,
            barcode: $r.try_get("barcode")?,
            gtin14: $r.try_get("gtin14")?,
            readiness_class: $r.try_get("readiness_class")?,
            readiness_reason: $r.try_get("readiness_reason")?,
            readiness_message: $r.try_get("readiness_message")?,
            ntin: $r.try_get("ntin")?,
            ntin_source: $r.try_get("ntin_source")?,
            xtin: $r.try_get("xtin")?,
            xtin_assigned_at: $r.try_get("xtin_assigned_at")?,
            name_ru: $r.try_get("name_ru")?,
            name_kk: $r.try_get("name_kk")?,
            brand: $r.try_get("brand")?,
            oktru: $r.try_get("oktru")?,
            tnved: $r.try_get("tnved")?,
            country: $r.try_get("country")?,
            measure_unit: $r.try_get("measure_unit")?,
            measure_qty: $r.try_get("measure_qty")?,
            price: $r.try_get("price")?,
            channels: $r.try_get("channels")?,
            attributes: $r.try_get("attributes")?,
            lookup_state: $r.try_get("lookup_state")?,
            lookup_candidates: $r.try_get("lookup_candidates")?,
            looked_up_at: $r.try_get("looked_up_at")?,
            created_at: $r.try_get("created_at")?,
            updated_at: $r.try_get("updated_at")?,
            card_status: $r.try_get("card_status")?,
            moderation_status: $r.try_get("moderation_status")?,
            moderation_remarks: $r.try_get("moderation_remarks")?,
            card_data: $r.try_get("card_data")?,
            gov: $r.try_get("gov")?,
            search_text: $r.try_get("search_text")?,
            feed_removed_at: $r.try_get("feed_removed_at")?,
        }
    };
}

fn from_pg(r: &sqlx::postgres::PgRow) -> Result<sku::Model, sqlx::Error> {
    Ok(sku_model!(r))
}

fn from_sqlite(r: &sqlx::sqlite::SqliteRow) -> Result<sku::Model, sqlx::Error> {
    Ok(sku_model!(r))
}

/// One SKU row (every column, as `SELECT *` or the entity's select returns them).
///
/// # Errors
/// A missing column or a value of another type.
pub fn decode(res: &QueryResult) -> Result<sku::Model, DbErr> {
    let driver = |e: sqlx::Error| DbErr::Type(format!("skus row: {e}"));
    if let Some(r) = res.try_as_pg_row() {
        return from_pg(r).map_err(driver);
    }
    if let Some(r) = res.try_as_sqlite_row() {
        return from_sqlite(r).map_err(driver);
    }
    sku::Model::from_query_result(res, "")
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
    conn.query_all_raw(stmt).await?.iter().map(decode).collect()
}
