//! Webhook mutations: register, change, delete, rotate the secret, send a test event, redeliver. All need
//! `Manage` (tenant owners, resellers); viewers and editors cannot change endpoints.

use super::feed_mutation::url_user_error;
use super::state;
use super::webhook::{WebhookDeliveryNode, WebhookEndpointNode, WebhookEventType, owner};
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::ids::{self, Kind};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::tenant::Permission;
use domain::webhook::EventType;
use infra::db::RepoError;
use infra::webhooks::endpoint_repo::{EndpointError, EndpointPatch, NewEndpoint};
use secrecy::ExposeSecret as _;

/// Longest endpoint description.
const MAX_DESCRIPTION: usize = 500;

/// Input of `createWebhookEndpoint`.
#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// Where events are POSTed: `https://` (or `http://`) to a public address.
    pub url: String,
    /// The events to receive (at least one; `TEST` needs no subscription).
    pub events: Vec<WebhookEventType>,
    /// A note for people (at most 500 characters).
    pub description: Option<String>,
    /// Start delivering at once.
    #[graphql(default = true)]
    pub enabled: bool,
}

/// Input of `updateWebhookEndpoint`: omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    /// The endpoint.
    pub id: ID,
    /// A new URL.
    pub url: Option<String>,
    /// A new list of events.
    pub events: Option<Vec<WebhookEventType>>,
    /// A new note (an empty string clears it).
    pub description: Option<String>,
    /// Pause (`false`) or resume (`true`) deliveries.
    pub enabled: Option<bool>,
}

/// Input naming one endpoint.
#[derive(InputObject)]
pub struct WebhookEndpointRefInput {
    /// The endpoint.
    pub id: ID,
}

/// Input of `redeliverWebhook`.
#[derive(InputObject)]
pub struct RedeliverWebhookInput {
    /// The delivery to send again now, with a fresh retry window.
    pub delivery_id: ID,
}

/// Result of `createWebhookEndpoint` and `rotateWebhookSecret`.
#[derive(SimpleObject, Default)]
pub struct WebhookSecretPayload {
    /// The endpoint.
    pub endpoint: Option<WebhookEndpointNode>,
    /// The signing secret. Shown only here and now: store it, it cannot be read again.
    pub secret: Option<String>,
    /// Problems with the input; nothing was changed when set.
    pub user_errors: Vec<UserError>,
}

/// Result of `updateWebhookEndpoint`.
#[derive(SimpleObject, Default)]
pub struct WebhookEndpointPayload {
    /// The endpoint after the change.
    pub endpoint: Option<WebhookEndpointNode>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// Result of `deleteWebhookEndpoint`.
#[derive(SimpleObject, Default)]
pub struct DeleteWebhookEndpointPayload {
    /// The deleted endpoint's ID.
    pub deleted_id: Option<ID>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

/// Result of `sendTestWebhook` and `redeliverWebhook`.
#[derive(SimpleObject, Default)]
pub struct WebhookDeliveryPayload {
    /// The delivery (attempted within a second or so).
    pub delivery: Option<WebhookDeliveryNode>,
    /// Problems with the input.
    pub user_errors: Vec<UserError>,
}

fn err(field: &str, code: UserErrorCode, message: impl Into<String>) -> Vec<UserError> {
    vec![UserError::new(&[field], code, message)]
}

fn no_endpoint() -> Vec<UserError> {
    err("id", UserErrorCode::NotFound, "no such webhook endpoint")
}

/// Checks a URL (form, scheme, every resolved address) for an endpoint.
async fn check_url(ctx: &Context<'_>, raw: &str) -> Result<Result<String, Vec<UserError>>, ApiError> {
    if raw.trim().is_empty() {
        return Ok(Err(err("url", UserErrorCode::Blank, "url is required")));
    }
    let client = &state(ctx)?.integrations.outbound;
    let url = match client.check_url(raw) {
        Ok(u) => u,
        Err(e) => return Ok(Err(url_user_error("url", &e))),
    };
    if let Err(e) = client.check_host(&url).await {
        return Ok(Err(url_user_error("url", &e)));
    }
    Ok(Ok(url.to_string()))
}

/// Checks a subscription list: not empty, no `TEST`; repeats are dropped.
fn check_events(events: Vec<WebhookEventType>) -> Result<Vec<EventType>, Vec<UserError>> {
    let mut out: Vec<EventType> = Vec::new();
    for e in events.into_iter().map(EventType::from) {
        if e == EventType::Test {
            return Err(err("events", UserErrorCode::Invalid, "TEST needs no subscription: use sendTestWebhook"));
        }
        if !out.contains(&e) {
            out.push(e);
        }
    }
    if out.is_empty() {
        return Err(err("events", UserErrorCode::Blank, "subscribe to at least one event"));
    }
    Ok(out)
}

fn check_description(d: Option<String>) -> Result<Option<String>, Vec<UserError>> {
    let d = d.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if d.as_ref().is_some_and(|s| s.chars().count() > MAX_DESCRIPTION) {
        return Err(err("description", UserErrorCode::TooLong, format!("description has at most {MAX_DESCRIPTION} characters")));
    }
    Ok(d)
}

/// Webhook mutations.
#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint. The answer holds its signing secret, shown this once.
    async fn create_webhook_endpoint(&self, ctx: &Context<'_>, input: CreateWebhookEndpointInput) -> Result<WebhookSecretPayload, ApiError> {
        let o = owner(ctx, Permission::Manage)?;
        let fail = |e| Ok(WebhookSecretPayload { user_errors: e, ..Default::default() });
        let url = match check_url(ctx, &input.url).await? {
            Ok(u) => u,
            Err(e) => return fail(e),
        };
        let events = match check_events(input.events) {
            Ok(e) => e,
            Err(e) => return fail(e),
        };
        let description = match check_description(input.description) {
            Ok(d) => d,
            Err(e) => return fail(e),
        };
        let new = NewEndpoint { url, events, description, enabled: input.enabled };
        match state(ctx)?.integrations.endpoints.create(o, new).await {
            Ok((e, secret)) => Ok(WebhookSecretPayload { endpoint: Some(WebhookEndpointNode(e)), secret: Some(secret.expose_secret().to_owned()), user_errors: vec![] }),
            Err(EndpointError::TooMany) => fail(err("url", UserErrorCode::TooLong, EndpointError::TooMany.to_string())),
            Err(EndpointError::Repo(e)) => Err(e.into()),
        }
    }

    /// Changes an endpoint. Pausing it keeps pending deliveries until their retry window ends.
    async fn update_webhook_endpoint(&self, ctx: &Context<'_>, input: UpdateWebhookEndpointInput) -> Result<WebhookEndpointPayload, ApiError> {
        let o = owner(ctx, Permission::Manage)?;
        let fail = |e| Ok(WebhookEndpointPayload { endpoint: None, user_errors: e });
        let Some(id) = ids::try_decode(Kind::WebhookEndpoint, &input.id) else { return fail(no_endpoint()) };
        let mut patch = EndpointPatch { enabled: input.enabled, ..Default::default() };
        if let Some(raw) = input.url {
            match check_url(ctx, &raw).await? {
                Ok(u) => patch.url = Some(u),
                Err(e) => return fail(e),
            }
        }
        if let Some(events) = input.events {
            match check_events(events) {
                Ok(e) => patch.events = Some(e),
                Err(e) => return fail(e),
            }
        }
        if let Some(d) = input.description {
            match check_description(Some(d)) {
                Ok(d) => patch.description = Some(d),
                Err(e) => return fail(e),
            }
        }
        match state(ctx)?.integrations.endpoints.update(o, id, patch).await {
            Ok(e) => Ok(WebhookEndpointPayload { endpoint: Some(WebhookEndpointNode(e)), user_errors: vec![] }),
            Err(RepoError::NotFound) => fail(no_endpoint()),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes an endpoint and its delivery log.
    async fn delete_webhook_endpoint(&self, ctx: &Context<'_>, input: WebhookEndpointRefInput) -> Result<DeleteWebhookEndpointPayload, ApiError> {
        let o = owner(ctx, Permission::Manage)?;
        let fail = || Ok(DeleteWebhookEndpointPayload { deleted_id: None, user_errors: no_endpoint() });
        let Some(id) = ids::try_decode(Kind::WebhookEndpoint, &input.id) else { return fail() };
        match state(ctx)?.integrations.endpoints.delete(o, id).await {
            Ok(()) => Ok(DeleteWebhookEndpointPayload { deleted_id: Some(input.id), user_errors: vec![] }),
            Err(RepoError::NotFound) => fail(),
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces the signing secret (shown this once). For 24 hours deliveries carry a signature with the old
    /// secret too, so the receiver can switch without losing events.
    async fn rotate_webhook_secret(&self, ctx: &Context<'_>, input: WebhookEndpointRefInput) -> Result<WebhookSecretPayload, ApiError> {
        let o = owner(ctx, Permission::Manage)?;
        let fail = || Ok(WebhookSecretPayload { user_errors: no_endpoint(), ..Default::default() });
        let Some(id) = ids::try_decode(Kind::WebhookEndpoint, &input.id) else { return fail() };
        match state(ctx)?.integrations.endpoints.rotate_secret(o, id).await {
            Ok((e, s)) => Ok(WebhookSecretPayload { endpoint: Some(WebhookEndpointNode(e)), secret: Some(s.expose_secret().to_owned()), user_errors: vec![] }),
            Err(RepoError::NotFound) => fail(),
            Err(e) => Err(e.into()),
        }
    }

    /// Sends a `webhook.test` event to an endpoint (enabled or subscribed or not, it is queued; a paused
    /// endpoint receives it once resumed).
    async fn send_test_webhook(&self, ctx: &Context<'_>, input: WebhookEndpointRefInput) -> Result<WebhookDeliveryPayload, ApiError> {
        let o = owner(ctx, Permission::Manage)?;
        let it = &state(ctx)?.integrations;
        let fail = || Ok(WebhookDeliveryPayload { delivery: None, user_errors: no_endpoint() });
        let Some(id) = ids::try_decode(Kind::WebhookEndpoint, &input.id) else { return fail() };
        let Some(e) = it.endpoints.get(o, id).await? else { return fail() };
        let d = it.deliveries.send_test(&e).await?;
        Ok(WebhookDeliveryPayload { delivery: Some(WebhookDeliveryNode(d)), user_errors: vec![] })
    }

    /// Sends a delivery again now, with a fresh retry window (after the endpoint was fixed).
    async fn redeliver_webhook(&self, ctx: &Context<'_>, input: RedeliverWebhookInput) -> Result<WebhookDeliveryPayload, ApiError> {
        let o = owner(ctx, Permission::Manage)?;
        let it = &state(ctx)?.integrations;
        let fail = || Ok(WebhookDeliveryPayload { delivery: None, user_errors: err("deliveryId", UserErrorCode::NotFound, "no such delivery") });
        let Some(id) = ids::try_decode(Kind::WebhookDelivery, &input.delivery_id) else { return fail() };
        match it.deliveries.redeliver(o, id, it.settings.webhooks.max_age).await {
            Ok(d) => Ok(WebhookDeliveryPayload { delivery: Some(WebhookDeliveryNode(d)), user_errors: vec![] }),
            Err(RepoError::NotFound) => fail(),
            Err(e) => Err(e.into()),
        }
    }
}
