//! NCT's dictionaries in the database, refreshed incrementally (issue 10), and the card check's result per
//! SKU, stored when the card changes, so catalog readiness is an aggregate over stored rows.
//!
//! - `nct_dictionary_items`: one row per item of one dictionary of one NCT (`namespace` is the NCT base
//!   URL), with NCT's id, parent, code, level, names, and the refresh pass that last saw it.
//! - `nct_dictionary_syncs`: where the refresh of each dictionary is (page, pass, lease) and its
//!   `generation`, raised when a pass changed anything (readers reload then).
//! - `card_checks` and `card_check_codes`: the problems of a SKU's card and their codes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(NctDictionaryItems::Table)
                .if_not_exists()
                .col(big_pk_auto(NctDictionaryItems::Id))
                .col(string(NctDictionaryItems::Namespace))
                .col(string(NctDictionaryItems::Dictionary))
                .col(big_integer(NctDictionaryItems::ItemId))
                .col(big_integer_null(NctDictionaryItems::ParentId))
                .col(string(NctDictionaryItems::Code))
                .col(integer(NctDictionaryItems::Level).default(1))
                .col(boolean(NctDictionaryItems::HasChild).default(false))
                .col(text(NctDictionaryItems::NameRu))
                .col(text(NctDictionaryItems::NameKk))
                .col(boolean(NctDictionaryItems::Deleted).default(false))
                .col(string_null(NctDictionaryItems::UpdatedDate))
                .col(integer(NctDictionaryItems::Pass).default(0))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_dictionary_items_item")
                .table(NctDictionaryItems::Table)
                .col(NctDictionaryItems::Namespace)
                .col(NctDictionaryItems::Dictionary)
                .col(NctDictionaryItems::ItemId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dictionary_items_code")
                .table(NctDictionaryItems::Table)
                .col(NctDictionaryItems::Namespace)
                .col(NctDictionaryItems::Dictionary)
                .col(NctDictionaryItems::Code)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NctDictionarySyncs::Table)
                .if_not_exists()
                .col(big_pk_auto(NctDictionarySyncs::Id))
                .col(string(NctDictionarySyncs::Namespace))
                .col(string(NctDictionarySyncs::Dictionary))
                .col(integer(NctDictionarySyncs::Pass).default(1))
                .col(integer(NctDictionarySyncs::NextPage).default(1))
                .col(integer(NctDictionarySyncs::TotalPages).default(0))
                .col(boolean(NctDictionarySyncs::Running).default(false))
                .col(timestamp_with_time_zone_null(NctDictionarySyncs::LeaseUntil))
                .col(timestamp_with_time_zone_null(NctDictionarySyncs::StartedAt))
                .col(timestamp_with_time_zone_null(NctDictionarySyncs::FinishedAt))
                .col(big_integer(NctDictionarySyncs::Items).default(0))
                .col(big_integer(NctDictionarySyncs::Changed).default(0))
                .col(integer(NctDictionarySyncs::Generation).default(0))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_dictionary_syncs")
                .table(NctDictionarySyncs::Table)
                .col(NctDictionarySyncs::Namespace)
                .col(NctDictionarySyncs::Dictionary)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CardChecks::Table)
                .if_not_exists()
                .col(uuid(CardChecks::SkuId).primary_key())
                .col(uuid(CardChecks::TenantId))
                .col(uuid(CardChecks::CatalogId))
                .col(integer(CardChecks::Errors).default(0))
                .col(integer(CardChecks::Warnings).default(0))
                .col(boolean(CardChecks::Gov).default(false))
                .col(text(CardChecks::Problems))
                .col(string(CardChecks::Version))
                .col(timestamp_with_time_zone(CardChecks::CheckedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(CardChecks::Table, CardChecks::SkuId)
                        .to(Skus::Table, Skus::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_card_checks_catalog")
                .table(CardChecks::Table)
                .col(CardChecks::TenantId)
                .col(CardChecks::CatalogId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CardCheckCodes::Table)
                .if_not_exists()
                .col(big_pk_auto(CardCheckCodes::Id))
                .col(uuid(CardCheckCodes::SkuId))
                .col(uuid(CardCheckCodes::TenantId))
                .col(uuid(CardCheckCodes::CatalogId))
                .col(string(CardCheckCodes::Code))
                .col(string(CardCheckCodes::Severity))
                .foreign_key(
                    ForeignKey::create()
                        .from(CardCheckCodes::Table, CardCheckCodes::SkuId)
                        .to(Skus::Table, Skus::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_card_check_codes_catalog")
                .table(CardCheckCodes::Table)
                .col(CardCheckCodes::TenantId)
                .col(CardCheckCodes::CatalogId)
                .col(CardCheckCodes::Code)
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("idx_card_check_codes_sku").table(CardCheckCodes::Table).col(CardCheckCodes::SkuId).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CardCheckCodes::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(CardChecks::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(NctDictionarySyncs::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(NctDictionaryItems::Table).to_owned()).await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum NctDictionaryItems {
    Table,
    Id,
    Namespace,
    Dictionary,
    ItemId,
    ParentId,
    Code,
    Level,
    HasChild,
    NameRu,
    NameKk,
    Deleted,
    UpdatedDate,
    Pass,
}

#[derive(DeriveIden)]
enum NctDictionarySyncs {
    Table,
    Id,
    Namespace,
    Dictionary,
    Pass,
    NextPage,
    TotalPages,
    Running,
    LeaseUntil,
    StartedAt,
    FinishedAt,
    Items,
    Changed,
    Generation,
}

#[derive(DeriveIden)]
enum CardChecks {
    Table,
    SkuId,
    TenantId,
    CatalogId,
    Errors,
    Warnings,
    Gov,
    Problems,
    Version,
    CheckedAt,
}

#[derive(DeriveIden)]
enum CardCheckCodes {
    Table,
    Id,
    SkuId,
    TenantId,
    CatalogId,
    Code,
    Severity,
}

#[derive(DeriveIden)]
enum Skus {
    Table,
    Id,
}
