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

/// Reads a subscription to its end: the snapshots, and how it ended (`complete`, or the close frame).
async fn drain(ws: &mut Ws) -> (Vec<Value>, Value) {
    let mut snapshots = Vec::new();
    loop {
        let m = next_json(ws).await;
        match m["type"].as_str().unwrap() {
            "next" => snapshots.push(m["payload"]["data"]["jobProgress"].clone()),
            _ => return (snapshots, m),
        }
    }
}

async fn subscribe(app: &TestApp, token: &str, job: &str) -> Ws {
    let (mut ws, ack) = connect(app, "graphql-transport-ws", token).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws.send(Message::Text(json!({"id": "1", "type": "subscribe", "payload": {"query": SUB, "variables": {"j": job}}}).to_string().into())).await.unwrap();
    ws
}

#[tokio::test]
async fn every_subscriber_of_a_job_shares_one_watcher_and_gets_the_final_state() {
    // Arrange: a job slow enough to be watched.
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let job = lookup_job(&app, &token, 300).await;
    // Hold the job (1 NCT call/s) while the subscribers connect, then let it run.
    app.sim.set_rate_limit(Some(1));
    // Act: 25 subscribers.
    let mut sockets = Vec::new();
    for _ in 0..25 {
        let mut ws = subscribe(&app, &token, &job).await;
        let first = next_json(&mut ws).await;
        assert_eq!(first["type"], "next", "{first}");
        sockets.push(ws);
    }
    let watched_while_running = app.state.watch.watched();
    app.sim.set_rate_limit(None);
    let ends = futures_util::future::join_all(sockets.iter_mut().map(drain)).await;
    // Assert: one watcher served them all, and each got the same final state, then `complete`.
    assert_eq!(watched_while_running, 1, "one watcher for one job, whatever the subscribers");
    for (snapshots, end) in &ends {
        assert_eq!(end["type"], "complete", "{end}");
        let last = snapshots.last().expect("a final snapshot");
        assert_eq!(last["state"], "SUCCEEDED", "{last}");
        assert_eq!(last["progress"]["processed"], 300);
        let processed: Vec<u64> = snapshots.iter().map(|s| s["progress"]["processed"].as_u64().unwrap()).collect();
        assert!(processed.windows(2).all(|w| w[0] <= w[1]), "{processed:?}");
    }
    assert_eq!(app.state.watch.watched(), 0, "the watcher ends with its job");
}

#[tokio::test]
async fn a_client_that_sends_no_pings_watches_a_job_longer_than_a_minute_to_the_end() {
    // Arrange: a job of about 70 s (one NCT call per second per parallel call, at most 8 in parallel).
    let mut cfg = test_sim_config();
    cfg.latency = Duration::from_secs(1);
    let mut settings = test_settings().await;
    settings.job_concurrency = 1;
    let app = spawn_app_with_sim(settings, start_sim(cfg).await).await;
    let (_t, token) = app.new_tenant("Shop").await;
    let job = lookup_job(&app, &token, 8 * 66).await;
    // Act: subscribe and send nothing more (graphql-ws's default: no protocol pings); WebSocket-level
    // pings from the server are answered by the client library, as browsers do.
    let started = std::time::Instant::now();
    let mut ws = subscribe(&app, &token, &job).await;
    let (snapshots, end) = drain(&mut ws).await;
    // Assert: still open past 60 s, and the final state arrived.
    assert!(started.elapsed() > Duration::from_secs(62), "the job ended too early to prove anything: {:?}", started.elapsed());
    assert_eq!(end["type"], "complete", "closed before the job finished: {end}");
    assert_eq!(snapshots.last().unwrap()["state"], "SUCCEEDED");
}

#[tokio::test]
async fn a_subscriber_on_another_replica_follows_the_job_through_redis() {
    // Replicas share PostgreSQL and Redis; skipped on the embedded default.
    let (pg, redis) = (std::env::var("TEST_DATABASE_URL").unwrap_or_default(), std::env::var("TEST_REDIS_URL").unwrap_or_default());
    if pg.is_empty() || redis.is_empty() {
        eprintln!("skipped: replicas need PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL)");
        return;
    }
    // Arrange: A works jobs; B works none and never re-reads on its own (a resync of an hour), so every
    // snapshot B sends after the first comes from an event A published through Redis.
    let sim = start_sim(test_sim_config()).await;
    let mut settings = test_settings().await;
    settings.release_leases_on_start = false;
    let mut settings_b = settings.clone();
    settings_b.data_dir = crate::helpers::temp_dir();
    settings_b.run_worker = false;
    settings_b.job_watch.resync = Duration::from_secs(3600);
    let a = spawn_app_with_sim(settings, sim.clone()).await;
    let b = spawn_app_with_sim(settings_b, sim.clone()).await;
    let (_t, token) = a.new_tenant("Shop").await;
    let job = lookup_job(&a, &token, 200).await;
    sim.set_rate_limit(Some(2));
    // Act: watch on B while A works the job, held at 2 calls/s for a moment, then released.
    let mut ws = subscribe(&b, &token, &job).await;
    let first = next_json(&mut ws).await;
    assert_eq!(first["type"], "next", "{first}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    sim.set_rate_limit(None);
    let (snapshots, end) = drain(&mut ws).await;
    // Assert: intermediate snapshots and the final state reached B.
    assert_eq!(end["type"], "complete", "{end}");
    assert_eq!(snapshots.last().unwrap()["state"], "SUCCEEDED");
    assert_eq!(snapshots.last().unwrap()["progress"]["processed"], 200);
    let distinct: std::collections::BTreeSet<u64> = snapshots.iter().map(|s| s["progress"]["processed"].as_u64().unwrap()).collect();
    assert!(distinct.len() >= 3, "B saw only {distinct:?}");
    assert_eq!(b.state.watch.watched(), 0);
}

