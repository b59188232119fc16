//! Webhook endpoints and their deliveries: the types and queries. Mutations are in
//! [`super::webhook_mutation`].
//!
//! Who owns an endpoint: a tenant token's tenant; a reseller token naming a tenant acts for that tenant; a
//! reseller token naming no tenant owns partner endpoints, which receive the events of every tenant the partner
//! manages. Reading needs `Read`; changing needs `Manage` (owners and resellers).

use super::catalog::ConnectionTotal;
use super::feed::{decode_cursor, encode_cursor};
use super::{caller, page_size, state};
use crate::error::ApiError;
use crate::ids::{self, Kind};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::tenant::{Permission, Role};
use infra::webhooks::delivery_repo::{Attempt, Delivery};
use infra::webhooks::endpoint_repo::{Endpoint, Owner};

/// Events an endpoint can receive.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::webhook::EventType")]
pub enum WebhookEventType {
    /// `job.finished`: a registration job succeeded, failed or was cancelled.
    JobFinished,
    /// `ntin.assigned`: SKUs got an NTIN (lookup, a person's choice, a card request).
    NtinAssigned,
    /// `moderation.status_changed`: NCT's moderation status of a SKU's card changed.
    ModerationStatusChanged,
    /// `feed.pulled`: a catalog source was pulled.
    FeedPulled,
    /// `webhook.test`: sent by `sendTestWebhook`; needs no subscription.
    Test,
}

/// Where a delivery stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::webhook::DeliveryState")]
pub enum WebhookDeliveryState {
    /// Waiting for its next attempt (`nextAttemptAt`).
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// No 2xx within the retry window (a day): given up. `redeliverWebhook` tries again.
    Failed,
}

/// Whose events an endpoint receives.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum WebhookScope {
    /// One tenant's.
    Tenant,
    /// Every tenant its partner manages.
    Partner,
}

/// The endpoint owner the caller acts as, when it holds `perm`.
pub(crate) fn owner(ctx: &Context<'_>, perm: Permission) -> Result<Owner, ApiError> {
    let c = caller(ctx)?;
    match (c.role, c.tenant, c.partner_id) {
        (Role::Reseller, None, Some(p)) => Ok(Owner::Partner(p)),
        _ => Ok(Owner::Tenant(c.tenant_for(perm)?)),
    }
}

/// A registered webhook endpoint (its secret is shown only when it is created or rotated).
pub struct WebhookEndpointNode(pub Endpoint);

#[Object(name = "WebhookEndpoint")]
impl WebhookEndpointNode {
    /// Global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::WebhookEndpoint, self.0.id)
    }
    /// Where events are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The events it receives.
    async fn events(&self) -> Vec<WebhookEventType> {
        self.0.events.iter().map(|e| (*e).into()).collect()
    }
    /// A note for people.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Deliveries are attempted only while enabled: pending ones wait (up to their retry window), and events that
    /// happen while it is paused are not queued for it.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Whose events it receives.
    async fn scope(&self) -> WebhookScope {
        match self.0.owner {
            Owner::Tenant(_) => WebhookScope::Tenant,
            Owner::Partner(_) => WebhookScope::Partner,
        }
    }
    /// The end of the current signing secret, to tell secrets apart.
    async fn secret_hint(&self) -> &str {
        &self.0.secret_hint
    }
    /// After a rotation: until when the previous secret also signs.
    async fn previous_secret_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.previous_secret_expires_at
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Deliveries to this endpoint, newest first (kept 30 days).
    async fn deliveries(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, state: Option<WebhookDeliveryState>) -> Result<Connection<String, WebhookDeliveryNode, ConnectionTotal>, ApiError> {
        owner(ctx, Permission::Read)?;
        let limit = page_size(first)?;
        let before = after.as_deref().map(decode_cursor).transpose()?;
        let repo = &super::state(ctx)?.integrations.deliveries;
        let filter = state.map(Into::into);
        let mut rows = repo.list(self.0.id, filter, before, limit as u64 + 1).await?;
        let has_next = rows.len() > limit;
        rows.truncate(limit);
        let total = repo.count(self.0.id, filter).await?;
        let mut conn = Connection::with_additional_fields(after.is_some(), has_next, ConnectionTotal { total_count: total });
        conn.edges.extend(rows.into_iter().map(|d| Edge::new(encode_cursor(d.created_at, d.id), WebhookDeliveryNode(d))));
        Ok(conn)
    }
}

/// One HTTP attempt of a delivery.
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    /// 1 for the first attempt.
    pub attempt: i32,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// The endpoint's status, when it answered.
    pub http_status: Option<i32>,
    /// Why it did not count as delivered (`TIMEOUT: …`, `HTTP 500: …`, `BLOCKED_ADDRESS: …`).
    pub error: Option<String>,
    /// The first 512 bytes of the endpoint's answer.
    pub response_snippet: Option<String>,
}

impl From<Attempt> for WebhookAttempt {
    fn from(a: Attempt) -> Self {
        Self { attempt: a.attempt, started_at: a.started_at, duration_ms: a.duration_ms, http_status: a.http_status, error: a.error, response_snippet: a.response_snippet }
    }
}

/// One event for one endpoint, with its attempts.
pub struct WebhookDeliveryNode(pub Delivery);

#[Object(name = "WebhookDelivery")]
impl WebhookDeliveryNode {
    /// Global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::WebhookDelivery, self.0.id)
    }
    /// The event's id: the `X-Ntin-Webhook-Id` header and `id` of the body, the same on every attempt.
    async fn event_id(&self) -> String {
        self.0.event_id.to_string()
    }
    /// The event type.
    async fn event_type(&self) -> WebhookEventType {
        self.0.event_type.into()
    }
    /// The tenant the event is about (`null` for a partner's test event).
    async fn tenant_id(&self) -> Option<ID> {
        self.0.tenant_id.map(|t| ids::encode(Kind::Tenant, t))
    }
    /// Where it stands.
    async fn state(&self) -> WebhookDeliveryState {
        self.0.state.into()
    }
    /// Attempts made.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When the next attempt is due (pending only).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_attempt_at
    }
    /// The endpoint's last status.
    async fn last_status(&self) -> Option<i32> {
        self.0.last_status
    }
    /// The last attempt's error.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When the event happened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The end of its retry window.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    /// When the endpoint answered 2xx.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// The exact JSON body sent.
    async fn payload(&self, ctx: &Context<'_>) -> Result<Option<String>, ApiError> {
        Ok(state(ctx)?.integrations.deliveries.payload(self.0.event_id).await?)
    }
    /// Every attempt, first first.
    async fn attempt_log(&self, ctx: &Context<'_>) -> Result<Vec<WebhookAttempt>, ApiError> {
        Ok(state(ctx)?.integrations.deliveries.attempts(self.0.id).await?.into_iter().map(Into::into).collect())
    }
}

/// Webhook queries.
#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The caller's webhook endpoints (a tenant's, or a partner's with a reseller token that names no tenant).
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> Result<Vec<WebhookEndpointNode>, ApiError> {
        let o = owner(ctx, Permission::Read)?;
        Ok(state(ctx)?.integrations.endpoints.list(o).await?.into_iter().map(WebhookEndpointNode).collect())
    }

    /// One endpoint; `null` when unknown or not the caller's.
    async fn webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> Result<Option<WebhookEndpointNode>, ApiError> {
        let o = owner(ctx, Permission::Read)?;
        let Some(uid) = ids::try_decode(Kind::WebhookEndpoint, &id) else { return Ok(None) };
        Ok(state(ctx)?.integrations.endpoints.get(o, uid).await?.map(WebhookEndpointNode))
    }

    /// One delivery; `null` when unknown or not the caller's.
    async fn webhook_delivery(&self, ctx: &Context<'_>, id: ID) -> Result<Option<WebhookDeliveryNode>, ApiError> {
        let o = owner(ctx, Permission::Read)?;
        let Some(uid) = ids::try_decode(Kind::WebhookDelivery, &id) else { return Ok(None) };
        Ok(state(ctx)?.integrations.deliveries.get(o, uid).await?.map(WebhookDeliveryNode))
    }
}
