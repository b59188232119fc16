//! Core tables: tenants, partners, catalogs, SKUs, NCT keys, registration jobs and their items.
//!
//! Every tenant-owned row carries `tenant_id`, so one filter scopes any query. JSON payloads are stored as text,
//! which both backends handle the same way.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Partners::Table)
                .if_not_exists()
                .col(pk_uuid(Partners::Id))
                .col(string(Partners::Name))
                .col(string_uniq(Partners::Issuer))
                .col(string(Partners::Audience))
                .col(string(Partners::Algorithm))
                .col(text(Partners::VerificationKey))
                .col(timestamp_with_time_zone(Partners::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Tenants::Table)
                .if_not_exists()
                .col(pk_uuid(Tenants::Id))
                .col(string(Tenants::Name))
                .col(string(Tenants::Segment))
                .col(uuid_null(Tenants::PartnerId))
                .col(integer(Tenants::TokenVersion).default(0))
                .col(timestamp_with_time_zone(Tenants::CreatedAt))
                .col(timestamp_with_time_zone_null(Tenants::DeletedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Tenants::Table, Tenants::PartnerId)
                        .to(Partners::Table, Partners::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Catalogs::Table)
                .if_not_exists()
                .col(pk_uuid(Catalogs::Id))
                .col(uuid(Catalogs::TenantId))
                .col(string(Catalogs::Name))
                .col(timestamp_with_time_zone(Catalogs::CreatedAt))
                .col(timestamp_with_time_zone(Catalogs::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Catalogs::Table, Catalogs::TenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_catalogs_tenant")
                .table(Catalogs::Table)
                .col(Catalogs::TenantId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Skus::Table)
                .if_not_exists()
                .col(pk_uuid(Skus::Id))
                .col(uuid(Skus::TenantId))
                .col(uuid(Skus::CatalogId))
                .col(string(Skus::SellerSku))
                .col(string_null(Skus::Barcode))
                .col(string_null(Skus::Gtin14))
                .col(string(Skus::ReadinessClass))
                .col(string_null(Skus::ReadinessReason))
                .col(text_null(Skus::ReadinessMessage))
                .col(string_null(Skus::Ntin))
                .col(string_null(Skus::NtinSource))
                .col(string_null(Skus::Xtin))
                .col(timestamp_with_time_zone_null(Skus::XtinAssignedAt))
                .col(text_null(Skus::NameRu))
                .col(text_null(Skus::NameKk))
                .col(string_null(Skus::Brand))
                .col(string_null(Skus::Oktru))
                .col(string_null(Skus::Tnved))
                .col(string_null(Skus::Country))
                .col(string_null(Skus::MeasureUnit))
                .col(string_null(Skus::MeasureQty))
                .col(big_integer_null(Skus::Price))
                .col(text(Skus::Channels))
                .col(text(Skus::Attributes))
                .col(string_null(Skus::LookupState))
                .col(text_null(Skus::LookupCandidates))
                .col(timestamp_with_time_zone_null(Skus::LookedUpAt))
                .col(timestamp_with_time_zone(Skus::CreatedAt))
                .col(timestamp_with_time_zone(Skus::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Skus::Table, Skus::CatalogId)
                        .to(Catalogs::Table, Catalogs::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_skus_catalog_seller_sku")
                .table(Skus::Table)
                .col(Skus::CatalogId)
                .col(Skus::SellerSku)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_skus_tenant_catalog_class")
                .table(Skus::Table)
                .col(Skus::TenantId)
                .col(Skus::CatalogId)
                .col(Skus::ReadinessClass)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NctKeys::Table)
                .if_not_exists()
                .col(uuid(NctKeys::TenantId).primary_key())
                .col(blob(NctKeys::Ciphertext))
                .col(integer(NctKeys::KeyVersion))
                .col(string(NctKeys::Fingerprint))
                .col(string(NctKeys::Status))
                .col(timestamp_with_time_zone(NctKeys::SetAt))
                .col(timestamp_with_time_zone_null(NctKeys::LastVerifiedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(NctKeys::Table, NctKeys::TenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .if_not_exists()
                .col(pk_uuid(Jobs::Id))
                .col(uuid(Jobs::TenantId))
                .col(uuid(Jobs::CatalogId))
                .col(string(Jobs::Kind))
                .col(string(Jobs::State))
                .col(string_null(Jobs::IdempotencyKey))
                .col(string_null(Jobs::InputHash))
                .col(big_integer(Jobs::Total).default(0))
                .col(boolean(Jobs::CancelRequested).default(false))
                .col(text_null(Jobs::LastError))
                .col(timestamp_with_time_zone(Jobs::CreatedAt))
                .col(timestamp_with_time_zone_null(Jobs::StartedAt))
                .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Jobs::Table, Jobs::TenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_jobs_tenant_idempotency")
                .table(Jobs::Table)
                .col(Jobs::TenantId)
                .col(Jobs::IdempotencyKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(JobItems::Table)
                .if_not_exists()
                .col(big_pk_auto(JobItems::Id))
                .col(uuid(JobItems::TenantId))
                .col(uuid(JobItems::JobId))
                .col(uuid(JobItems::SkuId))
                .col(string_null(JobItems::Gtin14))
                .col(string(JobItems::State))
                .col(string_null(JobItems::Outcome))
                .col(text_null(JobItems::Error))
                .col(integer(JobItems::Attempts).default(0))
                .col(timestamp_with_time_zone_null(JobItems::LeasedUntil))
                .col(timestamp_with_time_zone(JobItems::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(JobItems::Table, JobItems::JobId)
                        .to(Jobs::Table, Jobs::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_job_items_job_state")
                .table(JobItems::Table)
                .col(JobItems::JobId)
                .col(JobItems::State)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            JobItems::Table.into_iden(),
            Jobs::Table.into_iden(),
            NctKeys::Table.into_iden(),
            Skus::Table.into_iden(),
            Catalogs::Table.into_iden(),
            Tenants::Table.into_iden(),
            Partners::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
    Name,
    Issuer,
    Audience,
    Algorithm,
    VerificationKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    Name,
    Segment,
    PartnerId,
    TokenVersion,
    CreatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Catalogs {
    Table,
    Id,
    TenantId,
    Name,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Skus {
    Table,
    Id,
    TenantId,
    CatalogId,
    SellerSku,
    Barcode,
    Gtin14,
    ReadinessClass,
    ReadinessReason,
    ReadinessMessage,
    Ntin,
    NtinSource,
    Xtin,
    XtinAssignedAt,
    NameRu,
    NameKk,
    Brand,
    Oktru,
    Tnved,
    Country,
    MeasureUnit,
    MeasureQty,
    Price,
    Channels,
    Attributes,
    LookupState,
    LookupCandidates,
    LookedUpAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NctKeys {
    Table,
    TenantId,
    Ciphertext,
    KeyVersion,
    Fingerprint,
    Status,
    SetAt,
    LastVerifiedAt,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    TenantId,
    CatalogId,
    Kind,
    State,
    IdempotencyKey,
    InputHash,
    Total,
    CancelRequested,
    LastError,
    CreatedAt,
    StartedAt,
    FinishedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum JobItems {
    Table,
    Id,
    TenantId,
    JobId,
    SkuId,
    Gtin14,
    State,
    Outcome,
    Error,
    Attempts,
    LeasedUntil,
    UpdatedAt,
}
