//! Jobs under hostile input and faults (issue 9, holes 5 and 6, and the required tests): foreign IDs, a
//! 100,000-ID `skuIds`, fairness between tenants, and NCT timeouts, garbled answers and dropped connections
//! during a lookup job with no item lost.

use crate::helpers::{TestApp, spawn_app, spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use nct_sim::{DEMO_KEY, FaultConfig, seed};
use sea_orm::ConnectionTrait as _;
use serde_json::json;
use std::time::Duration;

async fn catalog_of(app: &TestApp, token: &str, prefix: &str, n: usize, offset: usize) -> String {
    let cat = app.new_catalog(token, prefix).await;
    let csv: String = std::iter::once("sku;barcode\n".to_owned())
        .chain((0..n).map(|i| format!("{prefix}-{i:05};{}\n", seed::seed_gtin(offset + i))))
        .collect();
    let r = app.import(token, &cat, "CSV", &csv).await;
    assert_eq!(r["rejected"], 0, "{r}");
    cat
}

async fn sku_ids(app: &TestApp, token: &str, cat: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let d = app
            .gql_ok(Some(token), "query($c:ID!,$a:String){ catalog(id:$c){ skus(first:250, after:$a){ nodes{ id } pageInfo{ hasNextPage endCursor } } } }", json!({"c": cat, "a": after}))
            .await;
        let skus = &d["catalog"]["skus"];
        ids.extend(skus["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()));
        if skus["pageInfo"]["hasNextPage"] != true {
            return ids;
        }
        after = skus["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
}

const START: &str = "mutation($c:ID!,$s:[ID!]){ startLookupJob(input:{catalogId:$c, skuIds:$s}){ job{ id progress{ total } } userErrors{ field code message } } }";

#[tokio::test]
async fn another_tenants_ids_look_missing_in_job_cancel_choose_and_start() {
    // Arrange: tenant A with a catalog, SKUs and a job.
    let app = spawn_app().await;
    let (_a, token_a) = app.new_tenant("A").await;
    let (_b, token_b) = app.new_tenant("B").await;
    let cat_a = catalog_of(&app, &token_a, "A", 20, 0).await;
    let cat_b = app.new_catalog(&token_b, "B").await;
    app.set_key(&token_a, DEMO_KEY, true).await;
    let ids_a = sku_ids(&app, &token_a, &cat_a).await;
    let job_a = app.start_lookup(&token_a, &cat_a, None).await["job"]["id"].as_str().unwrap().to_owned();
    // Act + Assert: B reaches nothing of A's.
    let d = app.gql_ok(Some(&token_b), "query($j:ID!){ job(id:$j){ id } }", json!({"j": job_a})).await;
    assert_eq!(d["job"], serde_json::Value::Null);
    let d = app.gql_ok(Some(&token_b), "mutation($j:ID!){ cancelJob(input:{id:$j}){ job{ id } userErrors{ code } } }", json!({"j": job_a})).await;
    assert_eq!(d["cancelJob"]["userErrors"][0]["code"], "NOT_FOUND", "{d}");
    let d = app.gql_ok(Some(&token_b), "mutation($s:ID!){ chooseNtin(input:{skuId:$s, ntin:\"0200000000007\"}){ sku{ id } userErrors{ code } } }", json!({"s": ids_a[7]})).await;
    assert_eq!(d["chooseNtin"]["userErrors"][0]["code"], "NOT_FOUND", "{d}");
    let d = app.gql_ok(Some(&token_b), START, json!({"c": cat_a, "s": null})).await;
    assert_eq!(d["startLookupJob"]["userErrors"][0]["code"], "NOT_FOUND", "{d}");
    // A's SKU IDs in B's own catalog select nothing of A's.
    app.set_key(&token_b, DEMO_KEY, true).await;
    let d = app.gql_ok(Some(&token_b), START, json!({"c": cat_b, "s": ids_a})).await;
    assert_eq!(d["startLookupJob"]["job"]["progress"]["total"], 0, "{d}");
    // A's job is untouched.
    let j = app.wait_job(&token_a, &job_a, Duration::from_secs(30)).await;
    assert_eq!(j["state"], "SUCCEEDED", "{j}");
    assert_eq!(j["progress"]["processed"], 20);
}

#[tokio::test]
async fn start_lookup_job_takes_100000_sku_ids() {
    // Arrange: 300 real SKUs among 100,000 IDs.
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = catalog_of(&app, &token, "K", 300, 0).await;
    app.set_key(&token, DEMO_KEY, true).await;
    let mut ids = sku_ids(&app, &token, &cat).await;
    assert_eq!(ids.len(), 300);
    ids.extend((ids.len()..100_000).map(|_| api::ids::encode(api::ids::Kind::Sku, uuid::Uuid::new_v4()).0));
    // Act
    // A fresh connection: building 100,000 IDs in a debug build can outlast the server's 5 s keep-alive.
    let body = serde_json::to_vec(&json!({"query": START, "variables": {"c": cat, "s": ids}})).unwrap();
    let r = reqwest::Client::new().post(format!("{}/graphql", app.address)).bearer_auth(&token).header("content-type", "application/json").body(body).send().await;
    let r = r.unwrap();
    let status = r.status();
    let b: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{b}");
    let d = b["data"].clone();
    // Assert: one job over the 300 SKUs that exist (no "too many SQL variables").
    assert_eq!(d["startLookupJob"]["userErrors"], json!([]), "{d}");
    assert_eq!(d["startLookupJob"]["job"]["progress"]["total"], 300, "{d}");
    let j = app.wait_job(&token, d["startLookupJob"]["job"]["id"].as_str().unwrap(), Duration::from_secs(60)).await;
    assert_eq!(j["progress"]["processed"], 300, "{j}");
    // 100,001 is refused as too many.
    ids.push(api::ids::encode(api::ids::Kind::Sku, uuid::Uuid::new_v4()).0);
    let body = serde_json::to_vec(&json!({"query": START, "variables": {"c": cat, "s": ids}})).unwrap();
    let b: serde_json::Value = reqwest::Client::new().post(format!("{}/graphql", app.address)).bearer_auth(&token).header("content-type", "application/json").body(body).send().await.unwrap().json().await.unwrap();
    let d = b["data"].clone();
    assert_eq!(d["startLookupJob"]["userErrors"][0]["code"], "TOO_LONG", "{d}");
}

#[tokio::test]
async fn one_tenants_many_jobs_do_not_starve_another_tenants_small_job() {
    // Arrange: a slow NCT; tenant A queues 8 jobs of 150 GTINs each, then B starts a 1-item job.
    let mut cfg = test_sim_config();
    cfg.latency = Duration::from_millis(40);
    let mut settings = test_settings().await;
    settings.job_concurrency = 2;
    let app = spawn_app_with_sim(settings, start_sim(cfg).await).await;
    let (_a, token_a) = app.new_tenant("A").await;
    let (_b, token_b) = app.new_tenant("B").await;
    app.set_key(&token_a, DEMO_KEY, true).await;
    app.set_key(&token_b, DEMO_KEY, true).await;
    let mut cats_a = Vec::new();
    for k in 0..8 {
        cats_a.push(catalog_of(&app, &token_a, &format!("A{k}"), 150, k * 150).await);
    }
    let cat_b = catalog_of(&app, &token_b, "B", 1, 4000).await;
    let mut jobs_a = Vec::new();
    for cat in &cats_a {
        jobs_a.push(app.start_lookup(&token_a, cat, None).await["job"]["id"].as_str().unwrap().to_owned());
    }
    // Act
    let job_b = app.start_lookup(&token_b, &cat_b, None).await["job"]["id"].as_str().unwrap().to_owned();
    let jb = app.wait_job(&token_b, &job_b, Duration::from_secs(60)).await;
    // Assert: B is done while most of A's work is still queued.
    assert_eq!(jb["state"], "SUCCEEDED", "{jb}");
    let mut unfinished = 0;
    for j in &jobs_a {
        let s = app.gql_ok(Some(&token_a), crate::helpers::JOB_Q, json!({"j": j})).await["job"]["state"].as_str().unwrap().to_owned();
        if s == "QUEUED" || s == "RUNNING" {
            unfinished += 1;
        }
    }
    assert!(unfinished >= 6, "B waited for A: only {unfinished} of A's 8 jobs were still open");
}

#[tokio::test]
async fn nct_timeouts_garbled_answers_and_dropped_connections_lose_no_lookup() {
    // Arrange: NCT answers late (past our 2 s timeout), garbled or cut off, on a fifth of its calls. The
    // timeout leaves room for a loaded debug build: an answer that is merely slow must not count as a fault
    // on top of the injected ones, or eight attempts in a row can all fail (seen in CI with 500 ms).
    let mut cfg = test_sim_config();
    cfg.faults = FaultConfig { timeout_rate: 0.05, malformed_rate: 0.08, drop_rate: 0.08, ..FaultConfig::default() };
    let mut settings = test_settings().await;
    settings.limits.nct_timeout = Duration::from_secs(2);
    let app = spawn_app_with_sim(settings, start_sim(cfg).await).await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = catalog_of(&app, &token, "F", 200, 0).await;
    app.set_key(&token, DEMO_KEY, true).await;
    // Act
    let started = app.start_lookup(&token, &cat, None).await;
    let job = app.wait_job(&token, started["job"]["id"].as_str().unwrap(), Duration::from_secs(120)).await;
    // Assert: every item found (or ambiguous), none failed, and the faults really happened.
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    let p = &job["progress"];
    assert_eq!(p["processed"], 200, "{job}");
    if p["failed"] != 0 {
        // Which error failed the item, for the failure message.
        let sql = "SELECT error FROM job_items WHERE error IS NOT NULL";
        let rows = app.state.db.query_all_raw(sea_orm::Statement::from_string(app.state.db.get_database_backend(), sql)).await.unwrap();
        let errors: Vec<String> = rows.iter().map(|r| r.try_get("", "error").unwrap()).collect();
        panic!("{job}: {errors:?}");
    }
    assert_eq!(p["found"].as_u64().unwrap() + p["ambiguous"].as_u64().unwrap(), 200, "{job}");
    assert!(app.sim.stats().faults_injected >= 10, "{:?}", app.sim.stats().faults_injected);
}
