//! Following NCT requests until NCT is done with them (issue 10): when each request is checked next, the
//! step written down before an NCT call (so a crash between NCT's answer and our write is reconciled), and
//! the parts of NCT's answer that had no column (the AI photo check, the extended part's remarks, whether a
//! duplicate decision is awaited).
//!
//! SQLite can add only one column per `ALTER TABLE`, so each column is its own statement.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            timestamp_with_time_zone_null(NctRequests::NextCheckAt),
            timestamp_with_time_zone_null(NctRequests::CheckedAt),
            timestamp_with_time_zone_null(NctRequests::StatusSince),
            integer(NctRequests::UnchangedChecks).default(0).to_owned(),
            string_null(NctRequests::PendingStep),
            string_null(NctRequests::PendingArg),
            timestamp_with_time_zone_null(NctRequests::PendingSince),
            integer_null(NctRequests::PhotoScore),
            text_null(NctRequests::PhotoComment),
            text_null(NctRequests::GzComment),
            text_null(NctRequests::GzRevisionDetails),
            boolean(NctRequests::DuplicateReview).default(false).to_owned(),
        ] {
            m.alter_table(Table::alter().table(NctRequests::Table).add_column(col).to_owned())
                .await?;
        }
        m.create_index(
            Index::create()
                .name("idx_nct_requests_next_check")
                .table(NctRequests::Table)
                .col(NctRequests::NextCheckAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_nct_requests_next_check").table(NctRequests::Table).to_owned())
            .await?;
        for col in [
            NctRequests::DuplicateReview,
            NctRequests::GzRevisionDetails,
            NctRequests::GzComment,
            NctRequests::PhotoComment,
            NctRequests::PhotoScore,
            NctRequests::PendingSince,
            NctRequests::PendingArg,
            NctRequests::PendingStep,
            NctRequests::UnchangedChecks,
            NctRequests::StatusSince,
            NctRequests::CheckedAt,
            NctRequests::NextCheckAt,
        ] {
            m.alter_table(Table::alter().table(NctRequests::Table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum NctRequests {
    Table,
    NextCheckAt,
    CheckedAt,
    StatusSince,
    UnchangedChecks,
    PendingStep,
    PendingArg,
    PendingSince,
    PhotoScore,
    PhotoComment,
    GzComment,
    GzRevisionDetails,
    DuplicateReview,
}
