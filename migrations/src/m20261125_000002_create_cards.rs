//! Cards and moderation: the `nct_requests` outbox (one NCT product request per SKU, with the intent written
//! before NCT is called) and the card columns on `skus` (card status, moderation summary, card extras).
//!
//! SQLite can add only one column per `ALTER TABLE`, so each column is its own statement.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(NctRequests::Table)
                .if_not_exists()
                .col(pk_uuid(NctRequests::Id))
                .col(uuid(NctRequests::TenantId))
                .col(uuid(NctRequests::SkuId))
                .col(uuid(NctRequests::CatalogId))
                .col(big_integer_null(NctRequests::NctRequestId))
                .col(string(NctRequests::IntentState))
                .col(string(NctRequests::Status))
                .col(string_null(NctRequests::GzStatus))
                .col(string(NctRequests::BodyHash))
                .col(integer(NctRequests::Attempt).default(0))
                .col(text_null(NctRequests::Comment))
                .col(text_null(NctRequests::Reason))
                .col(text(NctRequests::RevisionDetails))
                .col(text_null(NctRequests::Duplicates))
                .col(string_null(NctRequests::Ntin))
                .col(string_null(NctRequests::ProductUrl))
                .col(text_null(NctRequests::LastError))
                .col(timestamp_with_time_zone(NctRequests::CreatedAt))
                .col(timestamp_with_time_zone(NctRequests::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(NctRequests::Table, NctRequests::SkuId)
                        .to(Skus::Table, Skus::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_nct_requests_tenant_sku")
                .table(NctRequests::Table)
                .col(NctRequests::TenantId)
                .col(NctRequests::SkuId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_nct_requests_tenant_catalog")
                .table(NctRequests::Table)
                .col(NctRequests::TenantId)
                .col(NctRequests::CatalogId)
                .to_owned(),
        )
        .await?;
        for col in [
            string_null(Skus::CardStatus),
            string_null(Skus::ModerationStatus),
            text_null(Skus::ModerationRemarks),
            text_null(Skus::CardData),
            boolean(Skus::Gov).default(false).to_owned(),
        ] {
            m.alter_table(Table::alter().table(Skus::Table).add_column(col).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(NctRequests::Table).to_owned())
            .await?;
        for col in [
            Skus::Gov,
            Skus::CardData,
            Skus::ModerationRemarks,
            Skus::ModerationStatus,
            Skus::CardStatus,
        ] {
            m.alter_table(Table::alter().table(Skus::Table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum NctRequests {
    Table,
    Id,
    TenantId,
    SkuId,
    CatalogId,
    NctRequestId,
    IntentState,
    Status,
    GzStatus,
    BodyHash,
    Attempt,
    Comment,
    Reason,
    RevisionDetails,
    Duplicates,
    Ntin,
    ProductUrl,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Skus {
    Table,
    Id,
    CardStatus,
    ModerationStatus,
    ModerationRemarks,
    CardData,
    Gov,
}
