//! `skus.search_text`: the seller SKU, brand and Russian and Kazakh names, lower-cased by Rust's Unicode
//! `to_lowercase`, so a SKU search ignores case for Cyrillic and Kazakh letters on both backends (SQLite's
//! `LIKE` folds ASCII only, PostgreSQL's folds nothing). The SKU repository keeps it in step on every write;
//! this migration adds the column and fills it for the SKUs already stored, in the same way
//! (`infra::db::sku_repo::search_text`).

use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Rows read and written per round of the backfill.
const BATCH: u64 = 1000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Skus::Table).add_column(text_null(Skus::SearchText)).to_owned())
            .await?;
        let db = m.get_connection();
        loop {
            let select = Query::select()
                .columns([Skus::Id, Skus::SellerSku, Skus::Brand, Skus::NameRu, Skus::NameKk])
                .from(Skus::Table)
                .and_where(Expr::col(Skus::SearchText).is_null())
                .limit(BATCH)
                .to_owned();
            let rows = db.query_all(&select).await?;
            if rows.is_empty() {
                return Ok(());
            }
            for row in rows {
                let id: sea_orm_migration::sea_orm::prelude::Uuid = row.try_get("", "id")?;
                let part = |c: &str| row.try_get::<Option<String>>("", c);
                let text = [Some(row.try_get::<String>("", "seller_sku")?), part("brand")?, part("name_ru")?, part("name_kk")?]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("\n")
                    .to_lowercase();
                let update = Query::update()
                    .table(Skus::Table)
                    .value(Skus::SearchText, text)
                    .and_where(Expr::col(Skus::Id).eq(id))
                    .to_owned();
                db.execute(&update).await?;
            }
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Skus::Table).drop_column(Skus::SearchText).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Skus {
    Table,
    Id,
    SellerSku,
    Brand,
    NameRu,
    NameKk,
    SearchText,
}
