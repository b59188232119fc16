//! Deliveries of webhook events and their attempts: claimed with a lease (a replica that dies mid-attempt
//! loses it, and another one retries), finished with a fenced update (only the claim's owner may record the
//! outcome), listed for the GraphQL API.

use super::endpoint_repo::Owner;
use super::entity::{attempt, delivery, endpoint, event};
use crate::db::RepoError;
use chrono::{DateTime, Utc};
use domain::webhook::{DeliveryState, EventType};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

/// A delivery as the API shows it.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub endpoint_id: Uuid,
    pub event_id: Uuid,
    pub event_type: EventType,
    pub state: DeliveryState,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<delivery::Model> for Delivery {
    fn from(m: delivery::Model) -> Self {
        let state = DeliveryState::parse(&m.state).unwrap_or(DeliveryState::Failed);
        Self {
            id: m.id,
            tenant_id: m.tenant_id,
            endpoint_id: m.endpoint_id,
            event_id: m.event_id,
            event_type: EventType::parse(&m.event_type).unwrap_or(EventType::Test),
            state,
            attempts: m.attempts,
            next_attempt_at: (state == DeliveryState::Pending).then_some(m.next_attempt_at),
            last_status: m.last_status,
            last_error: m.last_error,
            created_at: m.created_at,
            expires_at: m.expires_at,
            delivered_at: m.delivered_at,
        }
    }
}

/// One HTTP attempt.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: i64,
    pub http_status: Option<i32>,
    pub error: Option<String>,
    pub response_snippet: Option<String>,
}

/// A delivery claimed for one attempt.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub url: String,
    pub event_id: Uuid,
    pub event_type: EventType,
    /// The exact body to send.
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The claim (fences the outcome).
    pub lease_owner: Uuid,
}

/// What happens after an attempt.
#[derive(Clone, Debug)]
pub enum Next {
    /// 2xx: done.
    Delivered,
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// Out of time: give up.
    GiveUp,
}

/// Delivery repository.
#[derive(Clone)]
pub struct DeliveryRepo {
    db: DatabaseConnection,
}

fn pending() -> Condition {
    Condition::all().add(delivery::Column::State.eq(DeliveryState::Pending.as_str()))
}

fn lease_free(now: DateTime<Utc>) -> Condition {
    Condition::any().add(delivery::Column::LeaseUntil.is_null()).add(delivery::Column::LeaseUntil.lt(now))
}

/// Deletes an endpoint's deliveries (with their attempts) on `conn`.
pub(crate) async fn delete_for_endpoint<C: ConnectionTrait>(conn: &C, endpoint_id: Uuid) -> Result<(), RepoError> {
    let ids = Query::select().column(delivery::Column::Id).from(delivery::Entity).and_where(delivery::Column::EndpointId.eq(endpoint_id)).to_owned();
    attempt::Entity::delete_many().filter(attempt::Column::DeliveryId.in_subquery(ids)).exec(conn).await?;
    delivery::Entity::delete_many().filter(delivery::Column::EndpointId.eq(endpoint_id)).exec(conn).await?;
    Ok(())
}

impl DeliveryRepo {
    /// Wraps a connection.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Claims up to `n` due deliveries of enabled endpoints for `lease`.
    pub async fn claim(&self, n: u64, lease: Duration) -> Result<Vec<Claimed>, RepoError> {
        let now = Utc::now();
        let enabled = Query::select().column(endpoint::Column::Id).from(endpoint::Entity).and_where(endpoint::Column::Enabled.eq(true)).to_owned();
        let candidates: Vec<Uuid> = delivery::Entity::find()
            .select_only()
            .column(delivery::Column::Id)
            .filter(pending())
            .filter(delivery::Column::NextAttemptAt.lte(now))
            .filter(lease_free(now))
            .filter(delivery::Column::EndpointId.in_subquery(enabled))
            .order_by_asc(delivery::Column::NextAttemptAt)
            .limit(n)
            .into_tuple()
            .all(&self.db)
            .await?;
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        // Compare-and-set: a concurrent replica that took some of them first makes those rows miss the WHERE.
        let owner = Uuid::new_v4();
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
        delivery::Entity::update_many()
            .col_expr(delivery::Column::LeaseOwner, Expr::value(owner))
            .col_expr(delivery::Column::LeaseUntil, Expr::value(until))
            .filter(delivery::Column::Id.is_in(candidates.clone()))
            .filter(pending())
            .filter(lease_free(now))
            .exec(&self.db)
            .await?;
        let rows = delivery::Entity::find()
            .filter(delivery::Column::Id.is_in(candidates))
            .filter(delivery::Column::LeaseOwner.eq(owner))
            .all(&self.db)
            .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let events: HashMap<Uuid, String> = event::Entity::find()
            .filter(event::Column::Id.is_in(rows.iter().map(|r| r.event_id).collect::<Vec<_>>()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.payload))
            .collect();
        let urls: HashMap<Uuid, String> = endpoint::Entity::find()
            .filter(endpoint::Column::Id.is_in(rows.iter().map(|r| r.endpoint_id).collect::<Vec<_>>()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.url))
            .collect();
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(Claimed {
                    id: r.id,
                    endpoint_id: r.endpoint_id,
                    url: urls.get(&r.endpoint_id)?.clone(),
                    event_id: r.event_id,
                    event_type: EventType::parse(&r.event_type)?,
                    payload: events.get(&r.event_id)?.clone(),
                    attempts: r.attempts,
                    created_at: r.created_at,
                    expires_at: r.expires_at,
                    lease_owner: owner,
                })
            })
            .collect())
    }

    /// Records an attempt and what follows, if the claim is still ours. Returns `false` when it was not.
    pub async fn finish(&self, c: &Claimed, a: Attempt, next: Next) -> Result<bool, RepoError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let (state, next_at, delivered) = match next {
            Next::Delivered => (DeliveryState::Delivered, a.started_at, Some(Utc::now())),
            Next::RetryAt(at) => (DeliveryState::Pending, at, None),
            Next::GiveUp => (DeliveryState::Failed, a.started_at, None),
        };
        let res = delivery::Entity::update_many()
            .col_expr(delivery::Column::State, Expr::value(state.as_str()))
            .col_expr(delivery::Column::Attempts, Expr::value(a.attempt))
            .col_expr(delivery::Column::NextAttemptAt, Expr::value(next_at))
            .col_expr(delivery::Column::LeaseOwner, Expr::value(Option::<Uuid>::None))
            .col_expr(delivery::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(delivery::Column::LastStatus, Expr::value(a.http_status))
            .col_expr(delivery::Column::LastError, Expr::value(a.error.clone()))
            .col_expr(delivery::Column::DeliveredAt, Expr::value(delivered))
            .filter(delivery::Column::Id.eq(c.id))
            .filter(delivery::Column::LeaseOwner.eq(c.lease_owner))
            .exec(&txn)
            .await?;
        if res.rows_affected == 0 {
            return Ok(false);
        }
        attempt::ActiveModel {
            delivery_id: Set(c.id),
            attempt: Set(a.attempt),
            started_at: Set(a.started_at),
            duration_ms: Set(a.duration_ms),
            http_status: Set(a.http_status),
            error: Set(a.error),
            response_snippet: Set(a.response_snippet),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// An endpoint's deliveries, newest first, optionally in one state; `before` is the last
    /// `(created_at, id)` of the previous page.
    pub async fn list(&self, endpoint_id: Uuid, state: Option<DeliveryState>, before: Option<(DateTime<Utc>, Uuid)>, limit: u64) -> Result<Vec<Delivery>, RepoError> {
        let mut q = delivery::Entity::find().filter(delivery::Column::EndpointId.eq(endpoint_id));
        if let Some(s) = state {
            q = q.filter(delivery::Column::State.eq(s.as_str()));
        }
        if let Some((at, id)) = before {
            q = q.filter(
                Condition::any()
                    .add(delivery::Column::CreatedAt.lt(at))
                    .add(Condition::all().add(delivery::Column::CreatedAt.eq(at)).add(delivery::Column::Id.lt(id))),
            );
        }
        Ok(q.order_by_desc(delivery::Column::CreatedAt)
            .order_by_desc(delivery::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// How many deliveries an endpoint has (in one state).
    pub async fn count(&self, endpoint_id: Uuid, state: Option<DeliveryState>) -> Result<u64, RepoError> {
        let mut q = delivery::Entity::find().filter(delivery::Column::EndpointId.eq(endpoint_id));
        if let Some(s) = state {
            q = q.filter(delivery::Column::State.eq(s.as_str()));
        }
        Ok(q.count(&self.db).await?)
    }

    /// A delivery of one of the owner's endpoints.
    pub async fn get(&self, owner: Owner, id: Uuid) -> Result<Option<Delivery>, RepoError> {
        let Some(d) = delivery::Entity::find_by_id(id).one(&self.db).await? else { return Ok(None) };
        let owned = match owner {
            Owner::Tenant(t) => endpoint::Column::TenantId.eq(t.0),
            Owner::Partner(p) => endpoint::Column::PartnerId.eq(p),
        };
        let ok = endpoint::Entity::find_by_id(d.endpoint_id).filter(owned).one(&self.db).await?.is_some();
        Ok(ok.then(|| d.into()))
    }

    /// The exact body of an event.
    pub async fn payload(&self, event_id: Uuid) -> Result<Option<String>, RepoError> {
        Ok(event::Entity::find_by_id(event_id).one(&self.db).await?.map(|e| e.payload))
    }

    /// A delivery's attempts, first first.
    pub async fn attempts(&self, delivery_id: Uuid) -> Result<Vec<Attempt>, RepoError> {
        Ok(attempt::Entity::find()
            .filter(attempt::Column::DeliveryId.eq(delivery_id))
            .order_by_asc(attempt::Column::Attempt)
            .order_by_asc(attempt::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| Attempt {
                attempt: a.attempt,
                started_at: a.started_at,
                duration_ms: a.duration_ms,
                http_status: a.http_status,
                error: a.error,
                response_snippet: a.response_snippet,
            })
            .collect())
    }

    /// Sends a delivery again now, with a fresh retry window (a failed one, or a pending one sooner).
    pub async fn redeliver(&self, owner: Owner, id: Uuid, window: Duration) -> Result<Delivery, RepoError> {
        self.get(owner, id).await?.ok_or(RepoError::NotFound)?;
        let now = Utc::now();
        let m = delivery::Entity::find_by_id(id).one(&self.db).await?.ok_or(RepoError::NotFound)?;
        let mut am: delivery::ActiveModel = m.into();
        am.state = Set(DeliveryState::Pending.as_str().to_owned());
        am.next_attempt_at = Set(now);
        am.expires_at = Set(now + chrono::Duration::from_std(window).unwrap_or(chrono::Duration::days(1)));
        am.delivered_at = Set(None);
        Ok(am.update(&self.db).await?.into())
    }

    /// Gives up pending deliveries whose window has passed (e.g. their endpoint stayed disabled).
    pub async fn expire(&self, max_age: Duration) -> Result<u64, RepoError> {
        let now = Utc::now();
        let oldest = now - chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::days(1));
        let r = delivery::Entity::update_many()
            .col_expr(delivery::Column::State, Expr::value(DeliveryState::Failed.as_str()))
            .col_expr(delivery::Column::LastError, Expr::value("gave up: no 2xx answer within the retry window"))
            .filter(pending())
            .filter(lease_free(now))
            .filter(Condition::any().add(delivery::Column::ExpiresAt.lt(now)).add(delivery::Column::CreatedAt.lt(oldest)))
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected)
    }

    /// Deletes finished deliveries, attempts and events older than `keep`.
    pub async fn prune(&self, keep: Duration) -> Result<u64, RepoError> {
        let cut = Utc::now() - chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::days(30));
        let old = Query::select()
            .column(delivery::Column::Id)
            .from(delivery::Entity)
            .and_where(delivery::Column::CreatedAt.lt(cut))
            .and_where(delivery::Column::State.ne(DeliveryState::Pending.as_str()))
            .to_owned();
        attempt::Entity::delete_many().filter(attempt::Column::DeliveryId.in_subquery(old)).exec(&self.db).await?;
        let r = delivery::Entity::delete_many()
            .filter(delivery::Column::CreatedAt.lt(cut))
            .filter(delivery::Column::State.ne(DeliveryState::Pending.as_str()))
            .exec(&self.db)
            .await?;
        let live = Query::select().column(delivery::Column::EventId).from(delivery::Entity).to_owned();
        event::Entity::delete_many()
            .filter(event::Column::CreatedAt.lt(cut))
            .filter(event::Column::Id.not_in_subquery(live))
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected)
    }

    /// Gives back every lease (one process per database, at start).
    pub async fn release_all_leases(&self) -> Result<u64, RepoError> {
        let r = delivery::Entity::update_many()
            .col_expr(delivery::Column::LeaseOwner, Expr::value(Option::<Uuid>::None))
            .col_expr(delivery::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(delivery::Column::LeaseOwner.is_not_null())
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected)
    }
}

impl DeliveryRepo {
    /// Queues a `webhook.test` event for one endpoint (subscribed or not) and returns its delivery.
    pub async fn send_test(&self, endpoint: &super::endpoint_repo::Endpoint) -> Result<Delivery, RepoError> {
        let tenant = match endpoint.owner {
            Owner::Tenant(t) => Some(t),
            Owner::Partner(_) => None,
        };
        let data = serde_json::json!({
            "endpointId": super::outbox::global_id("WebhookEndpoint", endpoint.id),
            "message": "A test event from NTIN Desk: your endpoint is reachable and can check the signature.",
        });
        let txn = crate::db::begin_write(&self.db).await?;
        let event_id = super::outbox::insert(&txn, tenant, EventType::Test, data, &[endpoint.id]).await?;
        let d = delivery::Entity::find().filter(delivery::Column::EventId.eq(event_id)).one(&txn).await?.ok_or(RepoError::NotFound)?;
        txn.commit().await?;
        Ok(d.into())
    }
}
