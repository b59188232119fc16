//! Two replicas behind a load balancer (`scripts/cluster test` starts them and runs this): a job started
//! through the balancer on one replica, its live progress watched on the other, and NCT's rate limit respected
//! by both replicas together. Ignored unless run that way (it needs the cluster's `CLUSTER_*` variables).

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest as _, http::HeaderValue};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run this through `scripts/cluster test`"))
}

/// A GraphQL call through the balancer: the body and the replica that served it.
async fn gql(client: &reqwest::Client, token: &str, query: &str, variables: Value) -> (Value, String) {
    let resp = client
        .post(format!("{}/graphql", env("CLUSTER_URL")))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap();
    let served = resp.headers().get("x-served-by").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body: Value = resp.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    (body["data"].clone(), served)
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A subscription socket through the balancer, on a replica other than `not_on`.
async fn socket_avoiding(not_on: &str, token: &str) -> (Ws, String) {
    let url = env("CLUSTER_URL").replace("http://", "ws://");
    for _ in 0..20 {
        let mut req = format!("{url}/graphql/ws").into_client_request().unwrap();
        req.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("graphql-transport-ws"));
        let (mut ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
        let served = resp.headers().get("x-served-by").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        if served.is_empty() || served == not_on {
            let _ = ws.close(None).await;
            continue;
        }
        ws.send(Message::Text(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}).to_string().into())).await.unwrap();
        return (ws, served);
    }
    panic!("the balancer never sent a WebSocket to a replica other than {not_on}");
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await.expect("a message in time") {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).unwrap(),
            Some(Ok(Message::Close(f))) => return json!({"type": "closed", "frame": format!("{f:?}")}),
            Some(Ok(_)) => continue,
            other => return json!({"type": "closed", "frame": format!("{other:?}")}),
        }
    }
}

/// GTIN-13 of the simulator's seed card `i` (`487` + 9 digits + check digit).
fn seed_gtin(i: usize) -> String {
    crate::helpers::with_check(&format!("487{:09}", 100_000_000 + i))
}

#[tokio::test]
#[ignore = "needs the cluster of scripts/cluster (run `scripts/cluster test`)"]
async fn a_job_started_on_one_replica_is_watched_live_on_the_other_within_nct_limits() {
    let client = reqwest::Client::new();
    let admin = env("CLUSTER_ADMIN_TOKEN");
    let sim = env("CLUSTER_SIM_URL");
    let rate: u64 = env("CLUSTER_NCT_RATE").parse().unwrap();
    // Arrange: a tenant with its NCT key and a catalog of 8 s of lookups at NCT's rate.
    let n = rate * 8;
    let (d, _) = gql(&client, &admin, "mutation{ createTenant(input:{name:\"Cluster\", segment:RETAIL_CHAINS}){ ownerToken userErrors{ message } } }", json!({})).await;
    let token = d["createTenant"]["ownerToken"].as_str().unwrap().to_owned();
    let (d, _) = gql(&client, &token, "mutation{ createCatalog(input:{name:\"Cluster\"}){ catalog{ id } } }", json!({})).await;
    let cat = d["createCatalog"]["catalog"]["id"].as_str().unwrap().to_owned();
    let csv: String = std::iter::once("sku;barcode\n".to_owned()).chain((0..n as usize).map(|i| format!("C-{i:05};{}\n", seed_gtin(20_000 + i)))).collect();
    let (d, _) = gql(&client, &token, "mutation($c:ID!,$x:String){ importCatalog(input:{catalogId:$c, format:CSV, content:$x}){ created } }", json!({"c": cat, "x": csv})).await;
    assert_eq!(d["importCatalog"]["created"], n);
    let (d, _) = gql(&client, &token, "mutation($k:String!){ setNctApiKey(input:{key:$k, verify:true}){ nctKey{ status } } }", json!({"k": env("CLUSTER_NCT_KEY")})).await;
    assert_eq!(d["setNctApiKey"]["nctKey"]["status"], "VALID", "{d}");
    let limited_before = client.get(format!("{sim}/__sim/stats")).send().await.unwrap().json::<Value>().await.unwrap()["rateLimited"].as_u64().unwrap();
    // Act: start the job through the balancer, then watch it through the balancer on the other replica.
    let (d, started_on) = gql(&client, &token, "mutation($c:ID!){ startLookupJob(input:{catalogId:$c}){ job{ id } } }", json!({"c": cat})).await;
    let job = d["startLookupJob"]["job"]["id"].as_str().unwrap().to_owned();
    assert!(!started_on.is_empty(), "the balancer names the replica");
    let (mut ws, watched_on) = socket_avoiding(&started_on, &token).await;
    assert_eq!(next_json(&mut ws).await["type"], "connection_ack");
    let sub = "subscription($j:ID!){ jobProgress(jobId:$j){ state progress{ processed total } } }";
    ws.send(Message::Text(json!({"id": "1", "type": "subscribe", "payload": {"query": sub, "variables": {"j": job}}}).to_string().into())).await.unwrap();
    let mut snapshots = Vec::new();
    let end = loop {
        let m = next_json(&mut ws).await;
        match m["type"].as_str().unwrap_or_default() {
            "next" => snapshots.push(m["payload"]["data"]["jobProgress"].clone()),
            "ping" => ws.send(Message::Text(json!({"type": "pong"}).to_string().into())).await.unwrap(),
            _ => break m,
        }
    };
    // Assert: the other replica streamed the job to its end, and NCT never had to refuse a call.
    assert_ne!(watched_on, started_on);
    assert_eq!(end["type"], "complete", "{end}");
    let last = snapshots.last().unwrap();
    assert_eq!(last["state"], "SUCCEEDED", "{last}");
    assert_eq!(last["progress"]["processed"], n);
    let distinct: std::collections::BTreeSet<u64> = snapshots.iter().map(|s| s["progress"]["processed"].as_u64().unwrap()).collect();
    assert!(distinct.len() >= 4, "live progress, not just the ends: {distinct:?}");
    let stats: Value = client.get(format!("{sim}/__sim/stats")).send().await.unwrap().json().await.unwrap();
    assert_eq!(stats["rateLimited"].as_u64().unwrap(), limited_before, "the replicas together went over NCT's limit: {stats}");
    eprintln!("cluster: job started on {started_on}, watched on {watched_on}, {} snapshots, {} NCT calls, 0 refused", snapshots.len(), stats["totalRequests"]);
}
