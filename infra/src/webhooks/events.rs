//! The payloads (`data`) of each event type, written by the repositories that store the change, on their
//! transaction. Field names are camelCase and IDs are the API's global IDs; see the README for examples.

use super::outbox::{emit, global_id, subscribed};
use crate::db::RepoError;
use crate::db::job_progress::recount;
use crate::db::job_repo::Job;
use domain::sku::NtinSource;
use domain::tenant::TenantId;
use domain::webhook::EventType;
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

/// Most assignments one `ntin.assigned` event carries; a bigger batch becomes several events.
pub const MAX_ASSIGNMENTS_PER_EVENT: usize = 500;

/// One NTIN given to a SKU.
#[derive(Clone, Debug)]
pub struct NtinAssignment {
    pub sku_id: Uuid,
    pub seller_sku: String,
    pub catalog_id: Uuid,
    pub ntin: String,
    pub source: NtinSource,
}

/// `ntin.assigned`: `{"assignments": [{skuId, sellerSku, catalogId, ntin, source}]}`.
///
/// # Errors
/// The database.
pub async fn ntin_assigned<C: ConnectionTrait>(conn: &C, tenant: TenantId, assignments: &[NtinAssignment]) -> Result<(), RepoError> {
    if assignments.is_empty() || !subscribed(conn, tenant, EventType::NtinAssigned).await? {
        return Ok(());
    }
    for chunk in assignments.chunks(MAX_ASSIGNMENTS_PER_EVENT) {
        let list: Vec<_> = chunk
            .iter()
            .map(|a| {
                json!({
                    "skuId": global_id("Sku", a.sku_id),
                    "sellerSku": a.seller_sku,
                    "catalogId": global_id("Catalog", a.catalog_id),
                    "ntin": a.ntin,
                    "source": a.source.as_str(),
                })
            })
            .collect();
        emit(conn, tenant, EventType::NtinAssigned, json!({ "assignments": list })).await?;
    }
    Ok(())
}

/// A change of NCT's moderation status of a SKU's request.
#[derive(Clone, Debug)]
pub struct ModerationChange {
    pub sku_id: Uuid,
    pub seller_sku: String,
    pub catalog_id: Uuid,
    /// NCT's status before (`None` for the first one).
    pub previous_status: Option<String>,
    /// NCT's status now (`onModeration`, `underRevision`, `completed`…).
    pub status: String,
    /// Our card status after the change (`SUBMITTED`, `NEEDS_REVISION`, `COMPLETED`…).
    pub card_status: String,
    /// The moderator's remarks, summarised.
    pub remarks: Option<String>,
}

/// `moderation.status_changed`: `{skuId, sellerSku, catalogId, previousStatus, status, cardStatus, remarks}`.
///
/// # Errors
/// The database.
pub async fn moderation_status_changed<C: ConnectionTrait>(conn: &C, tenant: TenantId, c: &ModerationChange) -> Result<(), RepoError> {
    let data = json!({
        "skuId": global_id("Sku", c.sku_id),
        "sellerSku": c.seller_sku,
        "catalogId": global_id("Catalog", c.catalog_id),
        "previousStatus": c.previous_status,
        "status": c.status,
        "cardStatus": c.card_status,
        "remarks": c.remarks,
    });
    emit(conn, tenant, EventType::ModerationStatusChanged, data).await.map(|_| ())
}

/// `job.finished`: `{jobId, catalogId, kind, state, lastError, createdAt, finishedAt, progress{…}}`.
///
/// # Errors
/// The database.
pub async fn job_finished<C: ConnectionTrait>(conn: &C, job: &Job) -> Result<(), RepoError> {
    if !subscribed(conn, job.tenant_id, EventType::JobFinished).await? {
        return Ok(());
    }
    // Counted from the items in the finishing transaction: exact whatever the counters say.
    let p = recount(conn, job.id).await?;
    let data = json!({
        "jobId": global_id("RegistrationJob", job.id),
        "catalogId": global_id("Catalog", job.catalog_id),
        "kind": job.kind.as_str(),
        "state": job.state.as_str(),
        "lastError": job.last_error,
        "createdAt": job.created_at,
        "finishedAt": job.finished_at,
        "progress": {
            "total": p.total, "processed": p.processed, "found": p.found, "ambiguous": p.ambiguous,
            "notFound": p.not_found, "failed": p.failed, "skipped": p.skipped,
        },
    });
    emit(conn, job.tenant_id, EventType::JobFinished, data).await.map(|_| ())
}
