//! `jobProgress` over a real WebSocket (graphql-transport-ws and the legacy graphql-ws protocol).

use crate::helpers::{TestApp, spawn_app, start_sim, spawn_app_with_sim, test_settings, test_sim_config};
use nct_sim::{DEMO_KEY, seed};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest as _, http::HeaderValue};

pub(crate) type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket with `connection_init` sent; returns it and the ack.
pub(crate) async fn connect(app: &TestApp, protocol: &str, token: &str) -> (Ws, Value) {
    let mut req = format!("ws://127.0.0.1:{}/graphql/ws", app.port).into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_str(protocol).unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws.send(Message::Text(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}).to_string().into())).await.unwrap();
    let ack = next_json(&mut ws).await;
    (ws, ack)
}

/// The next JSON message (keep-alives skipped).
pub(crate) async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next()).await.expect("message in time");
        match msg {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "ka" || v["type"] == "ping" {
                    continue;
                }
                return v;
            }
            Some(Ok(Message::Close(f))) => return json!({"type": "closed", "frame": format!("{f:?}")}),
            Some(Ok(_)) => continue,
            other => return json!({"type": "closed", "frame": format!("{other:?}")}),
        }
    }
}

const SUB: &str = "subscription($j:ID!){ jobProgress(jobId:$j){ id state progress{ total processed found } } }";

async fn lookup_job(app: &TestApp, token: &str, n: usize) -> String {
    let cat = app.new_catalog(token, "Sub").await;
    let csv: String = std::iter::once("sku;barcode\n".to_owned())
        .chain((0..n).map(|i| format!("S-{i:04};{}\n", seed::seed_gtin(i))))
        .collect();
    app.import(token, &cat, "CSV", &csv).await;
    app.set_key(token, DEMO_KEY, true).await;
    app.start_lookup(token, &cat, None).await["job"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn job_progress_streams_snapshots_and_always_the_final_state() {
    // Arrange: a simulator slow enough to see progress.
    let mut cfg = test_sim_config();
    cfg.latency = Duration::from_millis(10);
    let app = spawn_app_with_sim(test_settings().await, start_sim(cfg).await).await;
    let (_t, token) = app.new_tenant("Shop").await;
    let job = lookup_job(&app, &token, 200).await;
    // Act
    let (mut ws, ack) = connect(&app, "graphql-transport-ws", &token).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws.send(Message::Text(json!({"id": "1", "type": "subscribe", "payload": {"query": SUB, "variables": {"j": job}}}).to_string().into())).await.unwrap();
    let mut snapshots = Vec::new();
    loop {
        let m = next_json(&mut ws).await;
        match m["type"].as_str().unwrap() {
            "next" => snapshots.push(m["payload"]["data"]["jobProgress"].clone()),
            "complete" => break,
            other => panic!("unexpected {other}: {m}"),
        }
    }
    // Assert
    assert!(snapshots.len() >= 2, "{snapshots:?}");
    let last = snapshots.last().unwrap();
    assert_eq!(last["state"], "SUCCEEDED");
    assert_eq!(last["progress"]["processed"], 200);
    let processed: Vec<u64> = snapshots.iter().map(|s| s["progress"]["processed"].as_u64().unwrap()).collect();
    assert!(processed.windows(2).all(|w| w[0] <= w[1]), "{processed:?}");
}

#[tokio::test]
async fn another_tenant_cannot_subscribe_and_a_bad_token_is_refused() {
    let app = spawn_app().await;
    let (_a, token_a) = app.new_tenant("A").await;
    let (_b, token_b) = app.new_tenant("B").await;
    let job = lookup_job(&app, &token_a, 3).await;
    // Legacy protocol, tenant B: the subscription errors with NOT_FOUND.
    let (mut ws, ack) = connect(&app, "graphql-ws", &token_b).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws.send(Message::Text(json!({"id": "1", "type": "start", "payload": {"query": SUB, "variables": {"j": job}}}).to_string().into())).await.unwrap();
    let m = next_json(&mut ws).await;
    let text = m.to_string();
    assert!(m["type"] == "error" || m["payload"]["errors"].is_array(), "{m}");
    assert!(text.contains("NOT_FOUND"), "{m}");
    assert!(!text.contains("progress\":{"), "no data leaks: {m}");
    // A forged token never gets an ack.
    let (_ws, ack) = connect(&app, "graphql-transport-ws", "forged.token.here").await;
    assert_ne!(ack["type"], "connection_ack", "{ack}");
}

#[tokio::test]
async fn a_subscription_ends_when_its_token_expires() {
    // Arrange: a job slow enough to outlive a 3-second token.
    let mut cfg = test_sim_config();
    cfg.rate_limit_per_sec = Some(20);
    let app = spawn_app_with_sim(test_settings().await, start_sim(cfg).await).await;
    let (tenant, token) = app.new_tenant("Shop").await;
    let job = lookup_job(&app, &token, 300).await;
    let short = app.state.tokens.mint(domain::tenant::Role::Viewer, Some((tenant, 0)), "short", 3).unwrap();
    // Act
    let (mut ws, ack) = connect(&app, "graphql-transport-ws", &short).await;
    assert_eq!(ack["type"], "connection_ack");
    ws.send(Message::Text(json!({"id": "1", "type": "subscribe", "payload": {"query": SUB, "variables": {"j": job}}}).to_string().into())).await.unwrap();
    let started = std::time::Instant::now();
    let mut last = Value::Null;
    loop {
        let m = next_json(&mut ws).await;
        match m["type"].as_str().unwrap() {
            "next" => last = m["payload"]["data"]["jobProgress"].clone(),
            "complete" => break,
            other => panic!("unexpected {other}: {m}"),
        }
    }
    // Assert: it ended with the token, not with the job.
    assert!(started.elapsed() < Duration::from_secs(10), "ended after {:?}", started.elapsed());
    assert_ne!(last["state"], "SUCCEEDED", "{last}");
}
