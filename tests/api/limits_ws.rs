//! WebSocket limits (issue 9, hole 4): the init timeout holds whatever the client sends, frames and messages
//! are capped, subscriptions per socket and sockets per tenant are capped with a clear error, the upgrade
//! is rate-limited, and revoking a tenant's tokens ends its live subscriptions.

use crate::helpers::{TestApp, spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use futures_util::{SinkExt as _, StreamExt as _};
use nct_sim::{DEMO_KEY, seed};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest as _, http::HeaderValue};

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(app: &TestApp) -> Result<Ws, String> {
    let mut req = format!("ws://127.0.0.1:{}/graphql/ws", app.port).into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("graphql-transport-ws"));
    tokio_tungstenite::connect_async(req).await.map(|(ws, _)| ws).map_err(|e| e.to_string())
}

async fn init(ws: &mut Ws, token: &str) -> Value {
    ws.send(Message::Text(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}).to_string().into())).await.unwrap();
    next(ws).await
}

/// The next JSON message, or `{"type":"closed","code":…,"reason":…}`.
async fn next(ws: &mut Ws) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await.expect("a message in time") {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).unwrap(),
            Some(Ok(Message::Close(f))) => {
                return json!({"type": "closed", "code": f.as_ref().map(|f| u16::from(f.code)), "reason": f.map(|f| f.reason.to_string())});
            }
            Some(Ok(_)) => continue,
            other => return json!({"type": "closed", "code": null, "reason": format!("{other:?}")}),
        }
    }
}

async fn app_with(f: impl FnOnce(&mut api::config::Settings)) -> TestApp {
    let mut s = test_settings().await;
    f(&mut s);
    let mut cfg = test_sim_config();
    cfg.latency = Duration::from_millis(30);
    spawn_app_with_sim(s, start_sim(cfg).await).await
}

/// A lookup job long enough to stay running during the test.
async fn long_job(app: &TestApp, token: &str) -> String {
    let cat = app.new_catalog(token, "Ws").await;
    let csv: String = std::iter::once("sku;barcode\n".to_owned()).chain((0..600).map(|i| format!("S-{i:04};{}\n", seed::seed_gtin(i)))).collect();
    app.import(token, &cat, "CSV", &csv).await;
    app.set_key(token, DEMO_KEY, true).await;
    app.start_lookup(token, &cat, None).await["job"]["id"].as_str().unwrap().to_owned()
}

fn subscribe(id: &str, job: &str) -> Message {
    Message::Text(
        json!({"id": id, "type": "subscribe", "payload": {"query": "subscription($j:ID!){ jobProgress(jobId:$j){ state } }", "variables": {"j": job}}})
            .to_string()
            .into(),
    )
}

#[tokio::test]
async fn a_socket_without_connection_init_is_closed_after_the_timeout_whatever_it_sends() {
    // Arrange: a 1 s init timeout.
    let app = app_with(|s| s.limits.ws_init_timeout = Duration::from_secs(1)).await;
    let mut ws = open(&app).await.unwrap();
    let started = Instant::now();
    // Act: ping every 200 ms (WebSocket pings and protocol pings), never init.
    let mut next_ping = Instant::now();
    let closed = loop {
        if Instant::now() >= next_ping {
            let _ = ws.send(Message::Ping(vec![1].into())).await;
            let _ = ws.send(Message::Text(json!({"type": "ping"}).to_string().into())).await;
            next_ping += Duration::from_millis(200);
        }
        match tokio::time::timeout(Duration::from_millis(50), ws.next()).await {
            Ok(Some(Ok(Message::Close(f)))) => break f.map(|f| u16::from(f.code)),
            Ok(None | Some(Err(_))) => break None,
            _ => {}
        }
        assert!(started.elapsed() < Duration::from_secs(10), "still open after 10 s");
    };
    // Assert: closed with 4408 after about the timeout.
    assert_eq!(closed, Some(4408));
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn an_oversized_message_closes_the_socket_before_authentication() {
    let app = app_with(|s| s.limits.ws_max_message = 16 * 1024).await;
    let mut ws = open(&app).await.unwrap();
    ws.send(Message::Text("x".repeat(64 * 1024).into())).await.unwrap();
    let m = next(&mut ws).await;
    assert_eq!(m["type"], "closed");
    assert_eq!(m["code"], 1009, "{m}");
}

#[tokio::test]
async fn continuation_frames_count_toward_the_message_cap() {
    use tokio_tungstenite::tungstenite::protocol::frame::{Frame, coding::{Data, OpCode}};
    let app = app_with(|s| s.limits.ws_max_message = 16 * 1024).await;
    let mut ws = open(&app).await.unwrap();
    // Frames of 8 KiB each (under the cap), continued without end.
    let mut first = Frame::message(vec![b'x'; 8 * 1024], OpCode::Data(Data::Text), false);
    first.header_mut().is_final = false;
    ws.send(Message::Frame(first)).await.unwrap();
    let mut closed = None;
    for _ in 0..20 {
        let f = Frame::message(vec![b'x'; 8 * 1024], OpCode::Data(Data::Continue), false);
        if ws.send(Message::Frame(f)).await.is_err() {
            break;
        }
        if let Ok(Some(Ok(Message::Close(f)))) = tokio::time::timeout(Duration::from_millis(50), ws.next()).await {
            closed = f.map(|f| u16::from(f.code));
            break;
        }
    }
    if closed.is_none() {
        closed = next(&mut ws).await["code"].as_u64().map(|c| c as u16);
    }
    assert_eq!(closed, Some(1009));
}

#[tokio::test]
async fn subscriptions_per_socket_and_sockets_per_tenant_are_capped_with_a_clear_error() {
    // Arrange: 2 subscriptions per socket, 2 sockets per tenant.
    let app = app_with(|s| {
        s.limits.ws_subscriptions = 2;
        s.limits.ws_connections_per_tenant = 2;
    })
    .await;
    let (_t, token) = app.new_tenant("Shop").await;
    let job = long_job(&app, &token).await;
    let mut ws = open(&app).await.unwrap();
    assert_eq!(init(&mut ws, &token).await["type"], "connection_ack");
    // Act: three subscriptions on one socket.
    for id in ["1", "2", "3"] {
        ws.send(subscribe(id, &job)).await.unwrap();
    }
    // Assert: the third gets LIMIT_EXCEEDED; the first two stream.
    let mut seen = std::collections::HashMap::new();
    while seen.len() < 3 {
        let m = next(&mut ws).await;
        if let Some(id) = m["id"].as_str() {
            seen.entry(id.to_owned()).or_insert(m.clone());
        }
    }
    assert_eq!(seen["3"]["type"], "error", "{:?}", seen["3"]);
    assert_eq!(seen["3"]["payload"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    assert_eq!(seen["1"]["type"], "next");
    // Completing one makes room for another.
    ws.send(Message::Text(json!({"id": "1", "type": "complete"}).to_string().into())).await.unwrap();
    ws.send(subscribe("4", &job)).await.unwrap();
    loop {
        let m = next(&mut ws).await;
        if m["id"] == "4" {
            assert_eq!(m["type"], "next", "{m}");
            break;
        }
    }
    // A second socket is fine, a third of the same tenant is refused at init.
    let mut ws2 = open(&app).await.unwrap();
    assert_eq!(init(&mut ws2, &token).await["type"], "connection_ack");
    let mut ws3 = open(&app).await.unwrap();
    let m = init(&mut ws3, &token).await;
    assert_eq!(m["type"], "closed", "{m}");
    assert!(m["reason"].as_str().unwrap_or_default().contains("LIMIT_EXCEEDED"), "{m}");
    // Another tenant is not affected.
    let (_o, other) = app.new_tenant("Other").await;
    let mut ws4 = open(&app).await.unwrap();
    assert_eq!(init(&mut ws4, &other).await["type"], "connection_ack");
    // Closing a socket gives its place back.
    drop(ws2);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut again = open(&app).await.unwrap();
        if init(&mut again, &token).await["type"] == "connection_ack" {
            break;
        }
        assert!(Instant::now() < deadline, "the closed socket's place never came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_websocket_upgrade_is_rate_limited_like_graphql() {
    let app = app_with(|s| s.api_rate = Some((1.try_into().unwrap(), 2.try_into().unwrap()))).await;
    assert!(open(&app).await.is_ok());
    assert!(open(&app).await.is_ok());
    let third = open(&app).await;
    assert!(third.as_ref().is_err_and(|e| e.contains("429")), "{:?}", third.map(|_| ()));
}

#[tokio::test]
async fn revoking_a_tenants_tokens_ends_its_live_subscriptions() {
    // Arrange: a live subscription on a long job.
    let app = app_with(|_| {}).await;
    let (_t, token) = app.new_tenant("Shop").await;
    let job = long_job(&app, &token).await;
    let mut ws = open(&app).await.unwrap();
    assert_eq!(init(&mut ws, &token).await["type"], "connection_ack");
    ws.send(subscribe("1", &job)).await.unwrap();
    assert_eq!(next(&mut ws).await["type"], "next");
    // Act: the owner revokes every token of the tenant.
    let d = app.gql_ok(Some(&token), "mutation{ revokeTokens(input:{}){ revokedAt ownerToken userErrors{ code } } }", json!({})).await;
    let fresh = d["revokeTokens"]["ownerToken"].as_str().unwrap().to_owned();
    // Assert: the socket closes with 4403 soon, the old token is refused, the fresh one works.
    let started = Instant::now();
    let closed = loop {
        let m = next(&mut ws).await;
        if m["type"] == "closed" {
            break m;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the socket outlived the revocation");
    };
    assert_eq!(closed["code"], 4403, "{closed}");
    let r = app.client.post(format!("{}/graphql", app.address)).bearer_auth(&token).json(&json!({"query": "{ viewer { subject } }"})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(app.gql(Some(&fresh), "{ viewer { subject } }", json!({})).await.get("errors").is_none());
}
