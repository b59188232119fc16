//! Request bodies under hostile senders (issue 9, hole 1): caps hold for every transfer encoding and are
//! counted while streaming, JSON lists are capped before they are built, over-limit callers are refused
//! before their body is read, and multipart parts have caps of their own.

use crate::helpers::{TestApp, spawn_app, spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A raw HTTP/1.1 exchange: sends `head`, then `prefix` body bytes, then (unless the server answered first)
/// the rest after `pause`. Returns the status, the response text, and whether the answer came before the
/// rest of the body was sent.
pub async fn raw_exchange(port: u16, head: String, prefix: Vec<u8>, rest: Vec<u8>, pause: Duration) -> (u16, String, bool) {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let sent_rest = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = sent_rest.clone();
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(head.as_bytes()).await;
        let _ = wr.write_all(&prefix).await;
        tokio::time::sleep(pause).await;
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = wr.write_all(&rest).await;
        wr
    });
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let answered_early;
    loop {
        let n = tokio::time::timeout(Duration::from_secs(30), rd.read(&mut chunk)).await.expect("an answer in time").unwrap_or(0);
        if n == 0 {
            answered_early = !sent_rest.load(std::sync::atomic::Ordering::SeqCst);
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some((h, body)) = text.split_once("\r\n\r\n") {
            let len = h
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)));
            if len.is_some_and(|l| body.len() >= l) {
                answered_early = !sent_rest.load(std::sync::atomic::Ordering::SeqCst);
                break;
            }
        }
    }
    writer.abort();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text, answered_early)
}

fn body_json(text: &str) -> Value {
    text.split_once("\r\n\r\n").and_then(|(_, b)| serde_json::from_str(b).ok()).unwrap_or(Value::Null)
}

fn chunked(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in data.chunks(64 * 1024) {
        out.extend(format!("{:x}\r\n", c.len()).bytes());
        out.extend_from_slice(c);
        out.extend(b"\r\n");
    }
    out
}

async fn small_body_app() -> TestApp {
    let mut s = test_settings().await;
    s.limits.json_body = 1024 * 1024;
    spawn_app_with_sim(s, start_sim(test_sim_config()).await).await
}

#[tokio::test]
async fn a_chunked_body_over_the_cap_is_refused_while_it_streams() {
    // Arrange: a 1 MiB cap; 3 MiB of JSON sent chunked (no Content-Length).
    let app = small_body_app().await;
    let big = format!(r#"{{"query":"{{ deadlines {{ date }} }}","variables":{{"x":"{}"}}}}"#, "a".repeat(3 * 1024 * 1024));
    let body = chunked(big.as_bytes());
    let (prefix, rest) = body.split_at(2 * 1024 * 1024);
    let head = "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned();
    // Act: send 2 MiB, then wait before the rest.
    let (status, text, early) = raw_exchange(app.port, head, prefix.to_vec(), rest.to_vec(), Duration::from_secs(5)).await;
    // Assert: 413 before the rest was sent, with the code and a request id.
    assert_eq!(status, 413, "{text}");
    assert!(early, "the server waited for the whole body");
    let b = body_json(&text);
    assert_eq!(b["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED", "{text}");
    assert!(b["errors"][0]["extensions"]["requestId"].is_string(), "{text}");
    // The server is fine afterwards.
    assert_eq!(app.gql(None, "{ deadlines { date } }", json!({})).await["data"]["deadlines"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_declared_length_over_the_cap_is_refused_before_a_byte_is_read() {
    let app = small_body_app().await;
    let head = "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n".to_owned();
    let (status, text, early) = raw_exchange(app.port, head, b"{\"query\":".to_vec(), vec![b' '; 1024], Duration::from_secs(5)).await;
    assert_eq!(status, 413, "{text}");
    assert!(early);
}

#[tokio::test]
async fn a_long_variable_list_is_refused_before_it_is_built() {
    // Arrange: 200,001 zeros (400 KB of JSON that would become 200,001 values).
    let app = spawn_app().await;
    let zeros = vec!["0"; 200_001].join(",");
    let body = format!(r#"{{"query":"{{ deadlines {{ date }} }}","variables":{{"x":[{zeros}]}}}}"#);
    // Act
    let r = app.client.post(format!("{}/graphql", app.address)).header("content-type", "application/json").body(body).send().await.unwrap();
    // Assert
    assert_eq!(r.status(), 413);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED", "{b}");
    assert!(b["errors"][0]["message"].as_str().unwrap().contains("200000 elements"), "{b}");
    // Batches are not a way around the per-request limits.
    let r = app.client.post(format!("{}/graphql", app.address)).json(&json!([{"query": "{ deadlines { date } }"}])).send().await.unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn an_over_limit_caller_is_refused_before_its_body_is_read() {
    // Arrange: one request per second; the first is spent.
    let mut s = test_settings().await;
    s.api_rate = Some((1.try_into().unwrap(), 1.try_into().unwrap()));
    let app = spawn_app_with_sim(s, start_sim(test_sim_config()).await).await;
    assert_eq!(app.client.post(format!("{}/graphql", app.address)).json(&json!({"query": "{ deadlines { date } }"})).send().await.unwrap().status(), 200);
    // Act: declare 30 MB, send 1 KB, then stall.
    let head = "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 30000000\r\n\r\n".to_owned();
    let (status, text, early) = raw_exchange(app.port, head, vec![b' '; 1024], vec![b' '; 1024], Duration::from_secs(5)).await;
    // Assert: 429 at once, with Retry-After.
    assert_eq!(status, 429, "{text}");
    assert!(early, "the server read the body before refusing");
    assert!(text.to_ascii_lowercase().contains("retry-after:"), "{text}");
    assert_eq!(body_json(&text)["errors"][0]["extensions"]["code"], "RATE_LIMITED");
}

fn multipart(operations: &str, map: &str, file: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "hardening-boundary-91";
    let mut body = Vec::new();
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n").bytes());
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{map}\r\n").bytes());
    if let Some(f) = file {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"f.png\"\r\nContent-Type: image/png\r\n\r\n").bytes());
        body.extend_from_slice(f);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn a_multipart_operations_part_gets_the_json_cap() {
    let app = small_body_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let ops = json!({"query": "{ deadlines { date } }", "variables": {"x": "a".repeat(2 * 1024 * 1024)}}).to_string();
    let (ct, body) = multipart(&ops, "{}", None);
    let r = app.client.post(format!("{}/graphql", app.address)).bearer_auth(&token).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(r.status(), 413);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED", "{b}");
}

#[tokio::test]
async fn a_card_file_over_5_mb_is_refused_as_soon_as_it_passes_5_mb() {
    // Arrange: an upload of 8 MB for uploadCardFile.
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let ops = json!({
        "query": "mutation($i:UploadCardFileInput!){ uploadCardFile(input:$i){ fileName } }",
        "variables": {"i": {"skuId": "x", "kind": "IMAGE", "imageType": "FRONT", "file": null}}
    })
    .to_string();
    let (ct, body) = multipart(&ops, r#"{"0":["variables.i.file"]}"#, Some(&vec![7u8; 8 * 1024 * 1024]));
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (prefix, rest) = body.split_at(6 * 1024 * 1024);
    // Act: send 6 MB of it, then stall.
    let (status, text, early) = raw_exchange(app.port, head, prefix.to_vec(), rest.to_vec(), Duration::from_secs(5)).await;
    // Assert: refused before the last 2 MB were sent.
    assert_eq!(status, 413, "{text}");
    assert!(early, "the server read past 5 MB before refusing");
    assert_eq!(body_json(&text)["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
}
