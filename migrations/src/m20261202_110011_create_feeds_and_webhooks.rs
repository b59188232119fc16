//! Catalog sources and webhooks (issue 11, integrations):
//! - `catalog_sources`: the feed or CSV URL a catalog follows, its schedule and lease (one pull at a time across
//!   replicas), and the validators of the last import (`ETag`, `Last-Modified`, body hash);
//! - `catalog_source_pulls`: one row per pull with its import counts, row errors and automatic follow-up;
//! - `skus.feed_removed_at`: the "no longer in the feed" mark (a mark, never a deletion);
//! - `kaspi_tokens`: the tenant's Kaspi Shop API token, AES-256-GCM like the NCT key;
//! - `webhook_endpoints`, `webhook_events` (the outbox, written in the transaction of the change),
//!   `webhook_deliveries` (one per event and endpoint, with retry schedule and lease) and `webhook_attempts`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        sources(m).await?;
        m.alter_table(
            Table::alter()
                .table(Skus::Table)
                .add_column(timestamp_with_time_zone_null(Skus::FeedRemovedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(KaspiTokens::Table)
                .if_not_exists()
                .col(uuid(KaspiTokens::TenantId).primary_key())
                .col(blob(KaspiTokens::Ciphertext))
                .col(integer(KaspiTokens::KeyVersion))
                .col(string(KaspiTokens::Fingerprint))
                .col(string(KaspiTokens::Status))
                .col(timestamp_with_time_zone(KaspiTokens::SetAt))
                .col(timestamp_with_time_zone_null(KaspiTokens::LastVerifiedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(KaspiTokens::Table, KaspiTokens::TenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        webhooks(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            WebhookEvents::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
            KaspiTokens::Table.into_iden(),
            CatalogSourcePulls::Table.into_iden(),
            CatalogSources::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        m.alter_table(Table::alter().table(Skus::Table).drop_column(Skus::FeedRemovedAt).to_owned())
            .await
    }
}

async fn index(m: &SchemaManager<'_>, name: &str, table: impl IntoIden, cols: Vec<DynIden>, unique: bool) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c);
    }
    if unique {
        i.unique();
    }
    m.create_index(i.to_owned()).await
}

async fn sources(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    use CatalogSources as S;
    m.create_table(
        Table::create()
            .table(S::Table)
            .if_not_exists()
            .col(pk_uuid(S::Id))
            .col(uuid(S::TenantId))
            .col(uuid(S::CatalogId))
            .col(string(S::Format))
            .col(text(S::Url))
            .col(big_integer(S::IntervalSecs))
            .col(boolean(S::Enabled).default(true))
            .col(boolean(S::AutoLookup).default(false))
            .col(timestamp_with_time_zone(S::NextPullAt))
            .col(string_null(S::NextTrigger))
            .col(uuid_null(S::LeaseOwner))
            .col(timestamp_with_time_zone_null(S::LeaseUntil))
            .col(text_null(S::Etag))
            .col(text_null(S::LastModified))
            .col(string_null(S::ContentSha256))
            .col(integer(S::ConsecutiveFailures).default(0))
            .col(timestamp_with_time_zone_null(S::LastPullAt))
            .col(timestamp_with_time_zone_null(S::LastSuccessAt))
            .col(text_null(S::LastError))
            .col(timestamp_with_time_zone(S::CreatedAt))
            .col(timestamp_with_time_zone(S::UpdatedAt))
            .foreign_key(
                ForeignKey::create()
                    .from(S::Table, S::CatalogId)
                    .to(Catalogs::Table, Catalogs::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned(),
    )
    .await?;
    index(m, "uq_catalog_sources_catalog", S::Table, vec![S::CatalogId.into_iden()], true).await?;
    index(m, "idx_catalog_sources_tenant", S::Table, vec![S::TenantId.into_iden()], false).await?;
    index(m, "idx_catalog_sources_due", S::Table, vec![S::Enabled.into_iden(), S::NextPullAt.into_iden()], false).await?;

    use CatalogSourcePulls as P;
    m.create_table(
        Table::create()
            .table(P::Table)
            .if_not_exists()
            .col(pk_uuid(P::Id))
            .col(uuid(P::TenantId))
            .col(uuid(P::SourceId))
            .col(uuid(P::CatalogId))
            .col(string(P::Trigger))
            .col(string(P::Outcome))
            .col(timestamp_with_time_zone(P::StartedAt))
            .col(timestamp_with_time_zone(P::FinishedAt))
            .col(integer_null(P::HttpStatus))
            .col(big_integer_null(P::Bytes))
            .col(big_integer(P::Created).default(0))
            .col(big_integer(P::Updated).default(0))
            .col(big_integer(P::Unchanged).default(0))
            .col(big_integer(P::Removed).default(0))
            .col(big_integer(P::Restored).default(0))
            .col(big_integer(P::Rejected).default(0))
            .col(text(P::RowErrors))
            .col(string_null(P::ErrorCode))
            .col(text_null(P::ErrorMessage))
            .col(string_null(P::FollowUp))
            .col(uuid_null(P::FollowUpJobId))
            .foreign_key(
                ForeignKey::create()
                    .from(P::Table, P::SourceId)
                    .to(S::Table, S::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned(),
    )
    .await?;
    index(m, "idx_source_pulls_source_started", P::Table, vec![P::SourceId.into_iden(), P::StartedAt.into_iden()], false).await?;
    index(m, "idx_source_pulls_follow_up", P::Table, vec![P::FollowUp.into_iden()], false).await
}

async fn webhooks(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    use WebhookEndpoints as E;
    m.create_table(
        Table::create()
            .table(E::Table)
            .if_not_exists()
            .col(pk_uuid(E::Id))
            .col(uuid_null(E::TenantId))
            .col(uuid_null(E::PartnerId))
            .col(text(E::Url))
            .col(text(E::Events))
            .col(text_null(E::Description))
            .col(boolean(E::Enabled).default(true))
            .col(blob(E::SecretCiphertext))
            .col(integer(E::SecretVersion))
            .col(string(E::SecretHint))
            .col(blob_null(E::PreviousSecretCiphertext))
            .col(integer_null(E::PreviousSecretVersion))
            .col(timestamp_with_time_zone_null(E::PreviousSecretExpiresAt))
            .col(timestamp_with_time_zone(E::CreatedAt))
            .col(timestamp_with_time_zone(E::UpdatedAt))
            .foreign_key(
                ForeignKey::create()
                    .from(E::Table, E::TenantId)
                    .to(Tenants::Table, Tenants::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(E::Table, E::PartnerId)
                    .to(Partners::Table, Partners::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned(),
    )
    .await?;
    index(m, "idx_webhook_endpoints_tenant", E::Table, vec![E::TenantId.into_iden()], false).await?;
    index(m, "idx_webhook_endpoints_partner", E::Table, vec![E::PartnerId.into_iden()], false).await?;

    use WebhookEvents as V;
    m.create_table(
        Table::create()
            .table(V::Table)
            .if_not_exists()
            .col(pk_uuid(V::Id))
            .col(uuid_null(V::TenantId))
            .col(string(V::EventType))
            .col(text(V::Payload))
            .col(timestamp_with_time_zone(V::CreatedAt))
            .to_owned(),
    )
    .await?;
    index(m, "idx_webhook_events_created", V::Table, vec![V::CreatedAt.into_iden()], false).await?;

    use WebhookDeliveries as D;
    m.create_table(
        Table::create()
            .table(D::Table)
            .if_not_exists()
            .col(pk_uuid(D::Id))
            .col(uuid_null(D::TenantId))
            .col(uuid(D::EndpointId))
            .col(uuid(D::EventId))
            .col(string(D::EventType))
            .col(string(D::State))
            .col(integer(D::Attempts).default(0))
            .col(timestamp_with_time_zone(D::NextAttemptAt))
            .col(uuid_null(D::LeaseOwner))
            .col(timestamp_with_time_zone_null(D::LeaseUntil))
            .col(integer_null(D::LastStatus))
            .col(text_null(D::LastError))
            .col(timestamp_with_time_zone(D::CreatedAt))
            .col(timestamp_with_time_zone(D::ExpiresAt))
            .col(timestamp_with_time_zone_null(D::DeliveredAt))
            .foreign_key(
                ForeignKey::create()
                    .from(D::Table, D::EndpointId)
                    .to(E::Table, E::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(D::Table, D::EventId)
                    .to(V::Table, V::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned(),
    )
    .await?;
    index(m, "idx_webhook_deliveries_due", D::Table, vec![D::State.into_iden(), D::NextAttemptAt.into_iden()], false).await?;
    index(m, "idx_webhook_deliveries_endpoint", D::Table, vec![D::EndpointId.into_iden(), D::CreatedAt.into_iden()], false).await?;
    index(m, "idx_webhook_deliveries_event", D::Table, vec![D::EventId.into_iden()], false).await?;

    use WebhookAttempts as A;
    m.create_table(
        Table::create()
            .table(A::Table)
            .if_not_exists()
            .col(big_pk_auto(A::Id))
            .col(uuid(A::DeliveryId))
            .col(integer(A::Attempt))
            .col(timestamp_with_time_zone(A::StartedAt))
            .col(big_integer(A::DurationMs))
            .col(integer_null(A::HttpStatus))
            .col(text_null(A::Error))
            .col(text_null(A::ResponseSnippet))
            .foreign_key(
                ForeignKey::create()
                    .from(A::Table, A::DeliveryId)
                    .to(D::Table, D::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned(),
    )
    .await?;
    index(m, "idx_webhook_attempts_delivery", A::Table, vec![A::DeliveryId.into_iden()], false).await
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Catalogs {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Skus {
    Table,
    FeedRemovedAt,
}

#[derive(DeriveIden)]
enum CatalogSources {
    Table,
    Id,
    TenantId,
    CatalogId,
    Format,
    Url,
    IntervalSecs,
    Enabled,
    AutoLookup,
    NextPullAt,
    NextTrigger,
    LeaseOwner,
    LeaseUntil,
    Etag,
    LastModified,
    ContentSha256,
    ConsecutiveFailures,
    LastPullAt,
    LastSuccessAt,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CatalogSourcePulls {
    Table,
    Id,
    TenantId,
    SourceId,
    CatalogId,
    Trigger,
    Outcome,
    StartedAt,
    FinishedAt,
    HttpStatus,
    Bytes,
    Created,
    Updated,
    Unchanged,
    Removed,
    Restored,
    Rejected,
    RowErrors,
    ErrorCode,
    ErrorMessage,
    FollowUp,
    FollowUpJobId,
}

#[derive(DeriveIden)]
enum KaspiTokens {
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
enum WebhookEndpoints {
    Table,
    Id,
    TenantId,
    PartnerId,
    Url,
    Events,
    Description,
    Enabled,
    SecretCiphertext,
    SecretVersion,
    SecretHint,
    PreviousSecretCiphertext,
    PreviousSecretVersion,
    PreviousSecretExpiresAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    TenantId,
    EventType,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    TenantId,
    EndpointId,
    EventId,
    EventType,
    State,
    Attempts,
    NextAttemptAt,
    LeaseOwner,
    LeaseUntil,
    LastStatus,
    LastError,
    CreatedAt,
    ExpiresAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    Attempt,
    StartedAt,
    DurationMs,
    HttpStatus,
    Error,
    ResponseSnippet,
}
