//! What one operation may cost (issue 9, hole 2): fragments count toward the field cap, readiness lines
//! toward a per-request budget, page sizes multiply the cost, and heavy work leaves the HTTP workers free.

use crate::helpers::spawn_app;
use serde_json::{Value, json};
use std::time::Duration;

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn fragment_spreads_count_toward_the_field_cap() {
    let app = spawn_app().await;
    // 50 fields in one fragment, spread 20 times: 1,000 fields as executed (the old count saw 50).
    let fields: String = (0..25).map(|i| format!("d{i}: deadlines {{ date }} ")).collect();
    let spreads = "...F ".repeat(20);
    let q = format!("query {{ {spreads} }} fragment F on QueryRoot {{ {fields} }}");
    let b = app.gql(None, &q, json!({})).await;
    assert_eq!(code(&b), "LIMIT_EXCEEDED", "{b}");
    assert!(b["errors"][0]["message"].as_str().unwrap().contains("1000 fields"), "{b}");
    assert!(b["errors"][0]["extensions"]["requestId"].is_string(), "{b}");
    // Spread once, the same fragment is fine.
    let q = format!("query {{ ...F }} fragment F on QueryRoot {{ {fields} }}");
    let b = app.gql(None, &q, json!({})).await;
    assert!(b.get("errors").is_none(), "{b}");
}

#[tokio::test]
async fn readiness_lines_share_one_budget_per_request() {
    let app = spawn_app().await;
    let lines: Vec<String> = (0..120_000).map(|i| format!("{i}")).collect();
    // Two aliases of 120,000 lines: 240,000 > 200,000, refused before any is classified.
    let q = "query($b:[String!]!){ a: readiness(barcodes:$b){ summary{ total } } b: readiness(barcodes:$b){ summary{ total } } }";
    let b = app.gql(None, q, json!({"b": lines})).await;
    assert_eq!(code(&b), "LIMIT_EXCEEDED", "{}", b["errors"]);
    assert!(b["errors"][0]["message"].as_str().unwrap().contains("240000 readiness lines"), "{}", b["errors"]);
    // One alias of them is fine.
    let q1 = "query($b:[String!]!){ a: readiness(barcodes:$b){ summary{ total } } }";
    let b = app.gql(None, q1, json!({"b": lines})).await;
    assert_eq!(b["data"]["a"]["summary"]["total"], 120_000);
}

#[tokio::test]
async fn a_query_for_a_million_sku_objects_is_refused_as_too_costly_before_it_runs() {
    // Arrange: a viewer; the query asks 250 catalogs × 250 SKUs × 16 aliases (about 340 fields written).
    let app = spawn_app().await;
    let (t, _owner) = app.new_tenant("Shop").await;
    let viewer = app.token(t, domain::tenant::Role::Viewer);
    let sku_fields = "id sellerSku barcode gtin14 readinessClass ntin ntinSource xtin nameRu nameKk brand oktru tnved country measureUnit measureQuantity price channels lookupState createdAt updatedAt";
    let aliases: String = (0..16)
        .map(|i| format!("c{i}: catalogs(first: 250) {{ nodes {{ id name skus(first: 250) {{ totalCount nodes {{ {sku_fields} }} }} }} }} "))
        .collect();
    let q = format!("{{ {aliases} }}");
    // Act
    let b = app.gql(Some(&viewer), &q, json!({})).await;
    // Assert
    assert_eq!(code(&b), "LIMIT_EXCEEDED", "{b}");
    assert!(b["errors"][0]["message"].as_str().unwrap().contains("too costly"), "{b}");
    assert!(b.get("data").is_none_or(Value::is_null), "nothing ran: {b}");
    // A normal page is fine.
    let ok = app.gql(Some(&viewer), &format!("{{ catalogs(first: 5) {{ nodes {{ skus(first: 250) {{ nodes {{ {sku_fields} }} }} }} }} }}"), json!({})).await;
    assert!(ok.get("errors").is_none(), "{ok}");
}

// A multi-threaded runtime, as the server binary has: GraphQL runs on it, the test's own client beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_while_heavy_readiness_checks_run() {
    // Arrange: two clients each classify 100,000 lines (the load tool runs 200,000 on the release build).
    let app = spawn_app().await;
    let lines: Vec<String> = (0..100_000).map(|i| format!("48{i:011}")).collect();
    let q = "query($b:[String!]!){ readiness(barcodes:$b){ summary{ total } items{ line class } } }";
    let mut heavy = Vec::new();
    for _ in 0..2 {
        let (client, url, body) = (app.client.clone(), format!("{}/graphql", app.address), json!({"query": q, "variables": {"b": lines}}));
        heavy.push(tokio::spawn(async move { client.post(url).json(&body).send().await.unwrap().status() }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Act + Assert: /healthz keeps answering meanwhile (the work is off the HTTP workers).
    for _ in 0..5 {
        let r = tokio::time::timeout(Duration::from_secs(10), app.client.get(format!("{}/healthz", app.address)).send())
            .await
            .expect("/healthz answered while readiness checks ran")
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    for h in heavy {
        assert_eq!(h.await.unwrap(), 200);
    }
}
