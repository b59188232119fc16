//! `webhook_events`: the outbox. A row is written in the transaction that makes the change it reports.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    /// The idempotency id partners see (`X-Ntin-Webhook-Id`, `id` in the body).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The tenant the event is about (`None` for a partner endpoint's test event).
    pub tenant_id: Option<Uuid>,
    pub event_type: String,
    /// The exact JSON body every delivery of this event sends.
    pub payload: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
