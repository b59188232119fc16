//! `POST /readiness`: the bulk readiness check, streamed as NDJSON or CSV.

use crate::helpers::{spawn_app, with_check};
use serde_json::{Value, json};
use std::time::Duration;

async fn post(app: &crate::helpers::TestApp, content_type: &str, accept: Option<&str>, body: Vec<u8>) -> reqwest::Response {
    let mut req = app.client.post(format!("{}/readiness", app.address)).header("content-type", content_type).body(body);
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    req.send().await.expect("send")
}

#[tokio::test]
async fn bulk_readiness_streams_ndjson_with_the_same_answers_as_the_query() {
    // Arrange: every class, a repeat, an empty line, a CRLF line end and a BOM
    let app = spawn_app().await;
    let g = with_check("487100000000");
    let lines = vec!["0200121958529".to_owned(), g.clone(), "0041234567890".into(), "12345".into(), String::new(), g.clone(), "4,87E+12".into()];
    let mut text = b"\xEF\xBB\xBF".to_vec();
    text.extend(lines.join("\r\n").into_bytes());
    text.extend(b"\r\n");
    // Act
    let resp = post(&app, "text/plain", None, text).await;
    // Assert: one object per line shaped like ReadinessItem, then the summary
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/x-ndjson"));
    let body = resp.text().await.unwrap();
    let rows: Vec<Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), lines.len() + 1, "{body}");
    let q = "query($b:[String!]!){ readiness(barcodes:$b){ summary{ total hasNtin autoLookupReady temporaryXtin manualCard duplicates } items{ line input gtin14 class reason{ code message } } } }";
    let expected = app.gql_ok(None, q, json!({"b": lines})).await;
    for (i, item) in expected["readiness"]["items"].as_array().unwrap().iter().enumerate() {
        assert_eq!(&rows[i], item, "line {}", i + 1);
    }
    assert_eq!(rows[lines.len()]["summary"], expected["readiness"]["summary"]);
    assert_eq!(rows[5]["reason"]["code"], "DUPLICATE_IN_INPUT");
}

#[tokio::test]
async fn bulk_readiness_reads_the_barcode_column_of_a_csv_and_answers_csv() {
    // Arrange: a semicolon CSV with the barcode in the second column; a formula-looking cell
    let app = spawn_app().await;
    let g = with_check("487100000001");
    let csv = format!("sku;штрихкод;name\nA-1;{g};Чай\nA-2;=1+1;Кофе\nA-3\n");
    // Act
    let resp = post(&app, "text/csv; charset=utf-8", Some("text/csv"), csv.into_bytes()).await;
    // Assert: the physical line numbers (the header is line 1), formula cells defused
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let body = resp.text().await.unwrap();
    let mut rows = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = rows.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, ["line", "input", "gtin14", "class", "reason_code", "reason_message"]);
    let recs: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 3);
    assert_eq!(&recs[0][0], "2");
    assert_eq!(&recs[0][2], &format!("0{g}"));
    assert_eq!(&recs[0][3], "AUTO_LOOKUP_READY");
    assert_eq!(&recs[1][1], "'=1+1");
    assert_eq!(&recs[1][4], "NON_DIGIT");
    assert_eq!(&recs[2][0], "4");
    assert_eq!(&recs[2][4], "EMPTY");
}

#[tokio::test]
async fn bulk_readiness_refuses_what_it_cannot_read() {
    let app = spawn_app().await;
    // A CSV without a barcode column.
    let resp = post(&app, "text/csv", None, b"sku;name\nA;x\n".to_vec()).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("barcode"));
    // JSON is the query's business.
    let resp = post(&app, "application/json", None, b"[\"1\"]".to_vec()).await;
    assert_eq!(resp.status(), 415);
    // An unknown output format.
    let resp = app.client.post(format!("{}/readiness?format=xml", app.address)).body("1\n").send().await.unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn bulk_readiness_refuses_more_than_a_million_lines_before_answering() {
    let app = spawn_app().await;
    let body = "1\n".repeat(1_000_001).into_bytes();
    let resp = post(&app, "text/plain", None, body).await;
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED", "{body}");
}

#[tokio::test]
async fn bulk_readiness_answers_busy_when_every_slot_is_taken() {
    // Arrange: two uploads that never finish hold both slots
    let app = spawn_app().await;
    let hold = || async {
        let s = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
        let head = b"POST /readiness HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\n123\n";
        s.writable().await.unwrap();
        assert_eq!(s.try_write(head).unwrap(), head.len());
        s
    };
    let mut held = Vec::new();
    for _ in 0..api::readiness_bulk::BULK_CONCURRENCY {
        held.push(hold().await);
    }
    // Act: a third check, until the two are seen. A check of ours may take a slot before a held upload
    // reaches the server, which then answers that upload 503: such an upload is sent again.
    let mut status = 0;
    for _ in 0..200 {
        status = post(&app, "text/plain", None, b"1\n".to_vec()).await.status().as_u16();
        if status == 503 {
            break;
        }
        for s in &mut held {
            let mut buf = [0u8; 512];
            if s.try_read(&mut buf).is_ok() {
                *s = hold().await;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Assert: refused with a hint to retry; a slot frees when an upload goes away
    assert_eq!(status, 503);
    drop(held);
    let mut ok = false;
    for _ in 0..50 {
        if post(&app, "text/plain", None, b"1\n".to_vec()).await.status() == 200 {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok, "a slot was not given back after the uploads went away");
}
