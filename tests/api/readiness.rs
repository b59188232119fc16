use crate::helpers::{spawn_app, with_check};
use serde_json::json;

const Q: &str = "query($b:[String!]!){ readiness(barcodes:$b){ summary{ total hasNtin autoLookupReady temporaryXtin manualCard duplicates } items{ line input gtin14 class reason{ code message } } } }";

#[tokio::test]
async fn readiness_classifies_every_line_without_a_token() {
    // Arrange
    let app = spawn_app().await;
    let gtin = with_check("487100000000");
    let lines = json!([
        "0200121958529",      // NTIN
        gtin,                 // GTIN-13
        "0041234567890",      // XTIN
        "40084077",           // GTIN-8
        "12345",              // bad length
        "4871000000009",      // bad check digit (unless it happens to be right)
        "",                   // empty
        format!(" {gtin}\r"), // duplicate, with whitespace and CR
        "48A1000000000",      // non-digit
    ]);
    // Act
    let data = app.gql_ok(None, Q, json!({"b": lines})).await;
    // Assert
    let r = &data["readiness"];
    let items = r["items"].as_array().unwrap();
    assert_eq!(items.len(), 9);
    assert_eq!(items[0]["class"], "HAS_NTIN");
    assert_eq!(items[1]["class"], "AUTO_LOOKUP_READY");
    assert_eq!(items[1]["gtin14"], format!("0{gtin}"));
    assert_eq!(items[2]["class"], "TEMPORARY_XTIN");
    assert_eq!(items[3]["gtin14"], "00000040084077");
    assert_eq!(items[4]["reason"]["code"], "BAD_LENGTH");
    assert_eq!(items[6]["reason"]["code"], "EMPTY");
    assert_eq!(items[7]["class"], "AUTO_LOOKUP_READY");
    assert_eq!(items[7]["reason"]["code"], "DUPLICATE_IN_INPUT");
    assert_eq!(items[7]["input"], format!(" {gtin}\r"));
    assert_eq!(items[8]["reason"]["code"], "NON_DIGIT");
    assert_eq!(items[8]["line"], 9);
    assert_eq!(r["summary"]["total"], 9);
    assert_eq!(r["summary"]["duplicates"], 1);
    let s = &r["summary"];
    let sum: u64 = ["hasNtin", "autoLookupReady", "temporaryXtin", "manualCard"]
        .iter()
        .map(|k| s[*k].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 9);
}

#[tokio::test]
async fn readiness_names_the_restricted_range_of_an_in_store_code() {
    let app = spawn_app().await;
    let code = with_check("200000000001");
    let data = app.gql_ok(None, Q, json!({"b": [code]})).await;
    let item = &data["readiness"]["items"][0];
    assert_eq!(item["class"], "MANUAL_CARD");
    assert_eq!(item["reason"]["code"], "RESTRICTED_PREFIX");
    assert!(item["reason"]["message"].as_str().unwrap().contains("200"), "{item}");
}

#[tokio::test]
async fn readiness_accepts_100000_lines_in_one_request() {
    let app = spawn_app().await;
    let lines: Vec<String> = (0..100_000).map(|i| with_check(&format!("487{:09}", 100_000_000 + i))).collect();
    let body = app
        .gql(None, "query($b:[String!]!){ readiness(barcodes:$b){ summary{ total autoLookupReady duplicates } } }", json!({"b": lines}))
        .await;
    assert_eq!(body["data"]["readiness"]["summary"]["total"], 100_000, "{body}");
    assert_eq!(body["data"]["readiness"]["summary"]["autoLookupReady"], 100_000);
}

#[tokio::test]
async fn readiness_over_the_limit_is_refused_with_a_code_naming_the_limit() {
    let app = spawn_app().await;
    let lines = vec!["1"; 200_001];
    let body = app
        .gql(None, "query($b:[String!]!){ readiness(barcodes:$b){ summary{ total } } }", json!({"b": lines}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("200000"));
}

#[tokio::test]
async fn deadlines_list_the_three_segments() {
    let app = spawn_app().await;
    let data = app.gql_ok(None, "{ deadlines { segment date status daysLeft } }", json!({})).await;
    let d = data["deadlines"].as_array().unwrap();
    assert_eq!(d.len(), 3);
    assert_eq!(d[0]["date"], "2026-03-01");
    assert_eq!(d[1]["date"], "2026-04-01");
    assert_eq!(d[2]["date"], "2026-07-01");
}

#[tokio::test]
async fn readiness_items_can_be_filtered_by_class_and_reason_and_paged() {
    // Arrange: two good GTINs, three bad lines, one repeat
    let app = spawn_app().await;
    let g1 = with_check("487100000001");
    let g2 = with_check("487100000002");
    let lines = json!([g1, "12345", g2, "", "abc", g1]);
    let q = "query($b:[String!]!){ readiness(barcodes:$b){ summary{ total manualCard }
        all: itemCount
        manual: itemCount(classes:[MANUAL_CARD])
        dup: itemCount(reasons:[DUPLICATE_IN_INPUT])
        page: items(classes:[MANUAL_CARD], offset:1, first:1){ line input reason{ code } }
        dups: items(reasons:[DUPLICATE_IN_INPUT]){ line }
        every: items{ line } } }";
    // Act
    let data = app.gql_ok(None, q, json!({"b": lines})).await;
    // Assert
    let r = &data["readiness"];
    assert_eq!(r["all"], 6);
    assert_eq!(r["manual"], 3);
    assert_eq!(r["dup"], 1);
    assert_eq!(r["page"], json!([{"line": 4, "input": "", "reason": {"code": "EMPTY"}}]));
    assert_eq!(r["dups"], json!([{"line": 6}]));
    assert_eq!(r["every"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn readiness_refuses_a_negative_page() {
    let app = spawn_app().await;
    let body = app
        .gql(None, "{ readiness(barcodes:[\"1\"]){ items(offset:-1){ line } } }", json!({}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
}
