//! Matching (issue 11): `sku_matches`, one row per SKU searched by name in NCT: its state (`LIKELY`,
//! `CANDIDATES`, `NO_MATCH`, then a person's `CONFIRMED` or `REJECTED`), the ranked candidates with their
//! scores and reasons (JSON), the queries that were run, and who decided when.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SkuMatches::Table)
                .if_not_exists()
                .col(pk_uuid(SkuMatches::SkuId))
                .col(uuid(SkuMatches::TenantId))
                .col(uuid(SkuMatches::CatalogId))
                .col(string(SkuMatches::State))
                .col(text(SkuMatches::Candidates))
                .col(text(SkuMatches::Queries))
                .col(double(SkuMatches::BestScore).default(0.0))
                .col(string_null(SkuMatches::ConfirmedNtin))
                .col(timestamp_with_time_zone(SkuMatches::SearchedAt))
                .col(timestamp_with_time_zone_null(SkuMatches::DecidedAt))
                .col(timestamp_with_time_zone(SkuMatches::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(SkuMatches::Table, SkuMatches::SkuId)
                        .to(Skus::Table, Skus::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sku_matches_tenant_catalog_state")
                .table(SkuMatches::Table)
                .col(SkuMatches::TenantId)
                .col(SkuMatches::CatalogId)
                .col(SkuMatches::State)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SkuMatches::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SkuMatches {
    Table,
    SkuId,
    TenantId,
    CatalogId,
    State,
    Candidates,
    Queries,
    BestScore,
    ConfirmedNtin,
    SearchedAt,
    DecidedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Skus {
    Table,
    Id,
}
