//! Indexes shaped like the hot queries (issue 13):
//! - `job_items (job_id, state, id)`: a claim takes the first pending items of a job in id order; with the old
//!   `(job_id, state)` PostgreSQL sorted every pending item of the job for each batch.
//! - `skus (catalog_id, readiness_class, seller_sku)`: a page of one readiness class in seller-SKU order reads
//!   the index in order instead of sorting the class; it also serves the readiness summary. It replaces
//!   `(tenant_id, catalog_id, readiness_class)`, whose tenant prefix lured both planners, on tables without
//!   statistics, into scanning a whole tenant for key lookups. Every query still filters on the tenant.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("idx_job_items_job_state_id")
                .table(JobItems::Table)
                .col(JobItems::JobId)
                .col(JobItems::State)
                .col(JobItems::Id)
                .to_owned(),
        )
        .await?;
        m.drop_index(Index::drop().name("idx_job_items_job_state").table(JobItems::Table).to_owned()).await?;
        m.create_index(
            Index::create()
                .name("idx_skus_catalog_class_sku")
                .table(Skus::Table)
                .col(Skus::CatalogId)
                .col(Skus::ReadinessClass)
                .col(Skus::SellerSku)
                .to_owned(),
        )
        .await?;
        m.drop_index(Index::drop().name("idx_skus_tenant_catalog_class").table(Skus::Table).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
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
        m.drop_index(Index::drop().name("idx_skus_catalog_class_sku").table(Skus::Table).to_owned()).await?;
        m.create_index(
            Index::create()
                .name("idx_job_items_job_state")
                .table(JobItems::Table)
                .col(JobItems::JobId)
                .col(JobItems::State)
                .to_owned(),
        )
        .await?;
        m.drop_index(Index::drop().name("idx_job_items_job_state_id").table(JobItems::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum JobItems {
    Table,
    Id,
    JobId,
    State,
}

#[derive(DeriveIden)]
enum Skus {
    Table,
    TenantId,
    CatalogId,
    ReadinessClass,
    SellerSku,
}
