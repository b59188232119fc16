//! `GET /graphql/ws`: GraphQL subscriptions (graphql-transport-ws and the legacy graphql-ws), with limits.
//!
//! async-graphql runs the protocol; this module owns the socket around it and enforces what the protocol
//! leaves open:
//! - the upgrade takes one request from the caller's rate budget, as `/graphql` does, and so does each
//!   `subscribe` (over budget: an error for that subscription, code `RATE_LIMITED`);
//! - `connection_init` with a valid token must arrive within `WS_INIT_TIMEOUT_SECS`, whatever else the
//!   client sends meanwhile (pings included): else close 4408;
//! - frames and messages (continuations aggregated) are capped at `WS_MAX_MESSAGE_BYTES`: over it, close
//!   1009 and the buffer is dropped with the socket;
//! - at most `WS_MAX_SUBSCRIPTIONS` live subscriptions per socket (more: an error for that subscription,
//!   code `LIMIT_EXCEEDED`) and `WS_MAX_CONNECTIONS_PER_TENANT` sockets per tenant (more: close 4429);
//! - the token is checked again every few seconds and at once when its tenant's tokens are revoked: an
//!   expired or revoked token closes the socket (4403), which ends its subscriptions;
//! - a client that answers nothing (not even pongs) for 45 s is closed.

use crate::auth::{AuthContext, TokenService, bearer};
use crate::limits::Limits;
use crate::ratelimit::RateGate;
use crate::schema::AppSchema;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use domain::tenant::TenantId;
use futures_util::StreamExt as _;
use std::collections::{HashMap, HashSet};
use std::str::FromStr as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the token of a live socket is checked again.
const RECHECK: Duration = Duration::from_secs(5);
/// How often the server pings.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// Silence after which a client is taken for gone.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(45);
/// Client messages queued towards the protocol engine; a client that outruns it is flooding.
const INBOX: usize = 64;

/// Open sockets per tenant, in this process.
#[derive(Clone, Default)]
pub struct WsConnections(Arc<Mutex<HashMap<TenantId, usize>>>);

/// One tenant socket counted in [`WsConnections`]; dropping it (the socket closed) gives the place back.
pub struct WsSlot {
    conns: WsConnections,
    tenant: TenantId,
}

impl WsConnections {
    /// Takes a place for `tenant`, or `None` when it has `cap` sockets open.
    pub fn try_acquire(&self, tenant: TenantId, cap: usize) -> Option<WsSlot> {
        let mut m = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = m.entry(tenant).or_insert(0);
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(WsSlot { conns: self.clone(), tenant })
    }

    /// Sockets `tenant` has open.
    pub fn count(&self, tenant: TenantId) -> usize {
        self.0.lock().map(|m| m.get(&tenant).copied().unwrap_or(0)).unwrap_or(0)
    }
}

impl Drop for WsSlot {
    fn drop(&mut self) {
        let mut m = self.conns.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = m.get_mut(&self.tenant) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.tenant);
            }
        }
    }
}

/// Reads a token from a `connection_init` payload: `{"Authorization": "Bearer …"}` or `{"token": "…"}`.
fn token_from_init(v: &serde_json::Value) -> Option<String> {
    let obj = v.as_object()?;
    for (k, val) in obj {
        let s = val.as_str()?;
        if k.eq_ignore_ascii_case("authorization") {
            return bearer(s).map(str::to_owned);
        }
        if k.eq_ignore_ascii_case("token") {
            return Some(s.trim_start_matches("Bearer ").to_owned());
        }
    }
    None
}

/// The caller of a socket, once `connection_init` verified it.
struct Authed {
    ctx: AuthContext,
    token: String,
    _slot: Option<WsSlot>,
}

/// `GET /graphql/ws`.
pub async fn graphql_ws(
    schema: web::Data<AppSchema>,
    st: web::Data<crate::state::AppState>,
    gate: web::Data<RateGate>,
    limits: web::Data<Limits>,
    conns: web::Data<WsConnections>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    if let Some(resp) = gate.refusal(&req, None).await {
        return Ok(resp);
    }
    let protocol = req
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').find_map(|p| WebSocketProtocols::from_str(p.trim()).ok()))
        .ok_or_else(|| actix_web::error::ErrorBadRequest("Sec-WebSocket-Protocol must offer graphql-transport-ws or graphql-ws"))?;
    let (resp, session, stream) = actix_ws::handle_with_protocols(&req, payload, &[protocol.sec_websocket_protocol()])?;
    let stream = stream
        .max_frame_size(limits.ws_max_message)
        .aggregate_continuations()
        .max_continuation_size(limits.ws_max_message);
    let socket = Socket {
        schema: AppSchema::clone(&schema),
        state: crate::state::AppState::clone(&st),
        tokens: st.tokens.clone(),
        gate: RateGate::clone(&gate),
        limits: Limits::clone(&limits),
        conns: WsConnections::clone(&conns),
        protocol,
        authed: Arc::new(Mutex::new(None)),
    };
    actix_web::rt::spawn(socket.run(session, stream));
    Ok(resp)
}

struct Socket {
    schema: AppSchema,
    state: crate::state::AppState,
    tokens: TokenService,
    gate: RateGate,
    limits: Limits,
    conns: WsConnections,
    protocol: WebSocketProtocols,
    authed: Arc<Mutex<Option<Authed>>>,
}

/// What the loop does after a step.
enum Step {
    Go,
    Close(u16, String),
    End,
}

impl Socket {
    fn authed<T>(&self, f: impl FnOnce(&Authed) -> T) -> Option<T> {
        self.authed.lock().ok().and_then(|a| a.as_ref().map(f))
    }

    /// The `connection_init` callback: verify the token, take a tenant socket place, remember the caller.
    fn on_init(&self) -> impl FnOnce(serde_json::Value) -> futures_util::future::BoxFuture<'static, async_graphql::Result<async_graphql::Data>> + Send + Unpin + 'static {
        let (tokens, conns, cap, authed) = (self.tokens.clone(), self.conns.clone(), self.limits.ws_connections_per_tenant, self.authed.clone());
        let state = self.state.clone();
        move |v| {
            Box::pin(async move {
                let token = token_from_init(&v)
                    .ok_or_else(|| async_graphql::Error::new("connection_init must carry a bearer token"))?;
                let ctx = tokens.verify(&token).await.map_err(|e| async_graphql::Error::new(format!("UNAUTHENTICATED: {e}")))?;
                let slot = match ctx.tenant {
                    Some(t) => Some(conns.try_acquire(t, cap).ok_or_else(|| {
                        async_graphql::Error::new(format!("LIMIT_EXCEEDED: this tenant has {cap} live connections open; close one first"))
                    })?),
                    None => None,
                };
                let mut data = async_graphql::Data::default();
                data.insert(ctx.clone());
                // Per connection: the loaders batch a page's rows and cache nothing across operations.
                data.insert(crate::schema::loaders::new_loader(&state));
                if let Ok(mut a) = authed.lock() {
                    *a = Some(Authed { ctx, token, _slot: slot });
                }
                Ok(data)
            })
        }
    }

    async fn run(self, mut session: Session, mut incoming: actix_ws::AggregatedMessageStream) {
        let (inbox, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(INBOX);
        let rx = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|m| (m, rx)) });
        let mut engine = WebSocket::new(crate::schema::limits::LimitedSchema(self.schema.clone()), Box::pin(rx), self.protocol).on_connection_init(self.on_init());
        let init_deadline = tokio::time::sleep(self.limits.ws_init_timeout);
        tokio::pin!(init_deadline);
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        let mut recheck = tokio::time::interval(RECHECK);
        let mut revoked = self.tokens.revocations();
        let mut acked = false;
        let mut last_seen = Instant::now();
        let mut subs: HashSet<String> = HashSet::new();
        let close = loop {
            let step = tokio::select! {
                () = &mut init_deadline, if !acked => Step::Close(4408, "Connection initialisation timeout".into()),
                msg = incoming.recv() => match msg {
                    None | Some(Ok(AggregatedMessage::Close(_))) => Step::End,
                    Some(Err(actix_ws::ProtocolError::Overflow)) => Step::Close(1009, format!("message over {} bytes", self.limits.ws_max_message)),
                    // The aggregated continuation frames passed the cap.
                    Some(Err(e)) if e.to_string().contains("continuation size") => {
                        Step::Close(1009, format!("message over {} bytes", self.limits.ws_max_message))
                    }
                    Some(Err(e)) => Step::Close(1002, e.to_string()),
                    Some(Ok(AggregatedMessage::Ping(p))) => {
                        last_seen = Instant::now();
                        if session.pong(&p).await.is_err() { Step::End } else { Step::Go }
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {
                        last_seen = Instant::now();
                        Step::Go
                    }
                    Some(Ok(AggregatedMessage::Text(t))) => {
                        last_seen = Instant::now();
                        self.on_client_message(t.as_bytes(), acked, &mut subs, &inbox, &mut session).await
                    }
                    Some(Ok(AggregatedMessage::Binary(b))) => {
                        last_seen = Instant::now();
                        self.on_client_message(&b, acked, &mut subs, &inbox, &mut session).await
                    }
                },
                out = engine.next() => match out {
                    None => Step::End,
                    Some(WsMessage::Close(code, reason)) => Step::Close(code, reason),
                    Some(WsMessage::Text(t)) => {
                        match server_message(&t) {
                            (Some("connection_ack"), _) => acked = true,
                            (Some("complete" | "error"), Some(id)) => { subs.remove(&id); }
                            _ => {}
                        }
                        if session.text(t).await.is_err() { Step::End } else { Step::Go }
                    }
                },
                _ = heartbeat.tick() => {
                    if last_seen.elapsed() > CLIENT_TIMEOUT {
                        Step::Close(1001, "no answer from the client".into())
                    } else if session.ping(b"").await.is_err() { Step::End } else { Step::Go }
                },
                _ = recheck.tick(), if acked => self.check_token().await,
                r = revoked.recv(), if acked => match r {
                    Ok(t) if self.authed(|a| a.ctx.tenant == Some(t)).unwrap_or(false) => self.check_token().await,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => self.check_token().await,
                    _ => Step::Go,
                },
            };
            match step {
                Step::Go => {}
                Step::Close(code, reason) => break Some((code, reason)),
                Step::End => break None,
            }
        };
        if let Some((code, reason)) = close {
            tracing::info!(code, reason = %reason, "closing a GraphQL socket");
            let _ = session.close(Some(CloseReason { code: CloseCode::from(code), description: Some(reason) })).await;
        }
    }

    /// Verifies the socket's token again; an expired or revoked token closes the socket.
    async fn check_token(&self) -> Step {
        let Some(token) = self.authed(|a| a.token.clone()) else { return Step::Go };
        match self.tokens.verify_again(&token).await {
            Ok(_) => Step::Go,
            Err(crate::auth::AuthError::Refused(m)) => Step::Close(4403, format!("token no longer valid: {m}")),
            // The database did not answer: keep the socket, check again later.
            Err(crate::auth::AuthError::Unavailable(_)) => Step::Go,
        }
    }

    /// A client message: counts subscriptions and rate, then hands it to the protocol engine.
    async fn on_client_message(&self, bytes: &[u8], acked: bool, subs: &mut HashSet<String>, inbox: &tokio::sync::mpsc::Sender<Vec<u8>>, session: &mut Session) -> Step {
        let (kind, id) = client_message(bytes);
        match (kind.as_deref(), id) {
            (Some("subscribe" | "start"), Some(id)) if acked && !subs.contains(&id) => {
                let refusal = if subs.len() >= self.limits.ws_subscriptions {
                    Some(("LIMIT_EXCEEDED", format!("at most {} live subscriptions per connection; complete one first", self.limits.ws_subscriptions)))
                } else {
                    let key = self.authed(|a| format!("tenant:{}", a.ctx.tenant.map(|t| t.to_string()).unwrap_or_else(|| a.ctx.subject.clone())));
                    match key {
                        Some(k) => match self.gate.take(&k).await {
                            Err(wait) => Some(("RATE_LIMITED", format!("too many requests; retry in {} s", wait.as_secs() + 1))),
                            Ok(()) => None,
                        },
                        None => None,
                    }
                };
                if let Some((code, message)) = refusal {
                    let err = serde_json::json!([{"message": message, "extensions": {"code": code}}]);
                    let payload = match self.protocol {
                        WebSocketProtocols::GraphQLWS => err,
                        WebSocketProtocols::SubscriptionsTransportWS => err[0].clone(),
                    };
                    let msg = serde_json::json!({"id": id, "type": "error", "payload": payload}).to_string();
                    return if session.text(msg).await.is_err() { Step::End } else { Step::Go };
                }
                subs.insert(id);
            }
            (Some("complete" | "stop"), Some(id)) => {
                subs.remove(&id);
            }
            _ => {}
        }
        match inbox.try_send(bytes.to_vec()) {
            Ok(()) => Step::Go,
            Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => Step::Close(4429, "too many messages".into()),
            Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => Step::End,
        }
    }
}

#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
}

/// `type` and `id` of a client message (both `None` when it is not JSON).
fn client_message(bytes: &[u8]) -> (Option<String>, Option<String>) {
    serde_json::from_slice::<Envelope>(bytes).map_or((None, None), |e| (e.kind, e.id))
}

/// `type` and `id` of a server message.
fn server_message(text: &str) -> (Option<&'static str>, Option<String>) {
    let (kind, id) = client_message(text.as_bytes());
    let kind = match kind.as_deref() {
        Some("connection_ack") => Some("connection_ack"),
        Some("complete") => Some("complete"),
        Some("error") => Some("error"),
        _ => None,
    };
    (kind, id)
}
