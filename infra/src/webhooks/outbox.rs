//! Writing webhook events: [`emit`] runs inside the transaction of the change it reports, so the change and its
//! event commit (or roll back) together, and a crash loses neither. It writes the event once and one delivery
//! per subscribed, enabled endpoint of the tenant (and of the partner that manages it). With no such endpoint it
//! writes nothing: unsubscribed changes cost one indexed query.
//!
//! The body a partner receives is fixed here:
//! `{"id": "<event uuid>", "type": "job.finished", "createdAt": "<RFC 3339>", "tenantId": "<global id>", "data": {…}}`.
//! IDs in `data` are the global IDs of the GraphQL API (`node(id:)`, `catalog(id:)`…).

use super::entity::{delivery, endpoint, event};
use crate::db::RepoError;
use crate::db::entity::tenant;
use base64::Engine as _;
use chrono::Utc;
use domain::tenant::TenantId;
use domain::webhook::{DeliveryState, EventType};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

/// The global ID of an object, as the GraphQL API writes it (`base64url("<Type>:<uuid>")`).
#[must_use]
pub fn global_id(type_name: &str, id: Uuid) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}"))
}

/// The enabled endpoints that receive `kind` for `tenant`: the tenant's own, and its partner's.
async fn subscribers<C: ConnectionTrait>(conn: &C, tenant: TenantId, kind: EventType) -> Result<Vec<Uuid>, RepoError> {
    let partner_of_tenant = Query::select()
        .column(tenant::Column::PartnerId)
        .from(tenant::Entity)
        .and_where(tenant::Column::Id.eq(tenant.0))
        .to_owned();
    let rows: Vec<(Uuid, String)> = endpoint::Entity::find()
        .select_only()
        .column(endpoint::Column::Id)
        .column(endpoint::Column::Events)
        .filter(endpoint::Column::Enabled.eq(true))
        .filter(
            Condition::any()
                .add(endpoint::Column::TenantId.eq(tenant.0))
                .add(endpoint::Column::PartnerId.in_subquery(partner_of_tenant)),
        )
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, events)| {
            serde_json::from_str::<Vec<String>>(events).is_ok_and(|e| e.iter().any(|x| x == kind.as_str()))
        })
        .map(|(id, _)| id)
        .collect())
}

/// Whether any endpoint would receive `kind` for `tenant` (callers skip building a payload otherwise).
///
/// # Errors
/// The database.
pub async fn subscribed<C: ConnectionTrait>(conn: &C, tenant: TenantId, kind: EventType) -> Result<bool, RepoError> {
    Ok(!subscribers(conn, tenant, kind).await?.is_empty())
}

/// Writes an event of `kind` about `tenant` and its deliveries, on `conn` (the change's transaction). Returns
/// the event id, or `None` when no endpoint is subscribed.
///
/// # Errors
/// The database; the caller's transaction then rolls back with the change.
pub async fn emit<C: ConnectionTrait>(conn: &C, tenant: TenantId, kind: EventType, data: serde_json::Value) -> Result<Option<Uuid>, RepoError> {
    let endpoints = subscribers(conn, tenant, kind).await?;
    if endpoints.is_empty() {
        return Ok(None);
    }
    insert(conn, Some(tenant), kind, data, &endpoints).await.map(Some)
}

/// Writes an event for exactly `endpoints` (a test event goes to one endpoint, subscribed or not; a partner's
/// test event is about no tenant).
pub async fn insert<C: ConnectionTrait>(conn: &C, tenant: Option<TenantId>, kind: EventType, data: serde_json::Value, endpoints: &[Uuid]) -> Result<Uuid, RepoError> {
    let id = Uuid::new_v4();
    let now = Utc::now();
    let body = serde_json::json!({
        "id": id,
        "type": kind.dotted(),
        "createdAt": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "tenantId": tenant.map(|t| global_id("Tenant", t.0)),
        "data": data,
    });
    event::Entity::insert(event::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant.map(|t| t.0)),
        event_type: Set(kind.as_str().to_owned()),
        payload: Set(body.to_string()),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    let expires = now + chrono::Duration::from_std(domain::webhook::DEFAULT_MAX_AGE).unwrap_or(chrono::Duration::days(1));
    let rows: Vec<delivery::ActiveModel> = endpoints
        .iter()
        .map(|e| delivery::ActiveModel {
            id: Set(Uuid::new_v4()),
            tenant_id: Set(tenant.map(|t| t.0)),
            endpoint_id: Set(*e),
            event_id: Set(id),
            event_type: Set(kind.as_str().to_owned()),
            state: Set(DeliveryState::Pending.as_str().to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            lease_owner: Set(None),
            lease_until: Set(None),
            last_status: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            expires_at: Set(expires),
            delivered_at: Set(None),
        })
        .collect();
    delivery::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(id)
}
