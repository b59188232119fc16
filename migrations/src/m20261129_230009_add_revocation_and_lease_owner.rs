//! Hardening (issue 9): `tenants.tokens_revoked_at` (tokens issued before it are refused, partner tokens
//! included: they carry no token version of ours) and `job_items.lease_owner` (which worker holds an item's
//! lease: only that worker may renew or finish it, so two replicas never both submit one card).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Tenants::Table)
                .add_column(timestamp_with_time_zone_null(Tenants::TokensRevokedAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table(JobItems::Table).add_column(uuid_null(JobItems::LeaseOwner)).to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(JobItems::Table).drop_column(JobItems::LeaseOwner).to_owned())
            .await?;
        m.alter_table(Table::alter().table(Tenants::Table).drop_column(Tenants::TokensRevokedAt).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    TokensRevokedAt,
}

#[derive(DeriveIden)]
enum JobItems {
    Table,
    LeaseOwner,
}
