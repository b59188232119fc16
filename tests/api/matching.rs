//! Matching end to end over the real server: a catalog without barcodes gets ranked candidates from NCT's
//! search, a person confirms (an NTIN without any card) or rejects (the SKU goes on to a card), decisions are
//! typed and all-or-nothing, tenants never see each other's matches while sharing the search cache, the job
//! streams its progress and keeps to NCT's rate limit, and the card check warns about a likely existing card.

use crate::helpers::{TestApp, spawn_app, spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use crate::subscription::{connect, next_json};
use domain::tenant::Role;
use futures_util::SinkExt as _;
use nct_sim::catalog_names::brand;
use nct_sim::seed::{seed_names, seed_ntin};
use nct_sim::seller_names::seller_sku;
use nct_sim::{DEMO_KEY, seed};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const SKU_Q: &str = "query($s:ID!){ node(id:$s){ ... on Sku { id ntin ntinSource readinessClass cardCheck{ code severity message } match{ state bestScore queries searchedAt decidedAt confirmedNtin candidates{ ntin nameRu brand oktru categoryName score aboveThreshold reasons{ code points detail } } } } } }";
const CONFIRM: &str = "mutation($i:ConfirmMatchInput!){ confirmMatch(input:$i){ sku{ id ntin ntinSource readinessClass } userErrors{ field code message } } }";
const CONFIRM_MANY: &str = "mutation($i:ConfirmMatchesInput!){ confirmMatches(input:$i){ skus{ id ntin ntinSource } userErrors{ field code message } } }";
const REJECT: &str = "mutation($i:RejectMatchesInput!){ rejectMatches(input:$i){ match{ state decidedAt } userErrors{ field code message } } }";

/// Seed card `i`'s name the way a tidy seller writes it: lower case, the brand in the brand field.
fn tidy(i: usize) -> (String, String) {
    let (name, _) = seed_names(i, false);
    let b = brand(i);
    (name.replace(b, " ").split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase(), b.to_owned())
}

/// A catalog without barcodes: tidy names of seed cards 1..=`tidy_n`, seller rewrites of cards 100..,
/// a product NCT does not have, and one SKU with a GTIN (not a MATCH target). Returns the catalog.
async fn barcode_free_catalog(app: &TestApp, token: &str, tidy_n: usize, rewritten: usize) -> String {
    let cat = app.new_catalog(token, "Kaspi").await;
    let mut csv = String::from("sku;name_ru;brand;oktru;barcode\n");
    for i in 1..=tidy_n {
        let (name, b) = tidy(i);
        csv.push_str(&format!("T-{i:03};{name};{b};;\n"));
    }
    for k in 0..rewritten {
        let s = seller_sku(100 + k, 42);
        csv.push_str(&format!("R-{k:03};{};{};{};\n", s.name.replace(';', " "), s.brand.unwrap_or_default(), s.oktru.unwrap_or_default()));
    }
    csv.push_str("CAT-FOOD;Корм сухой для кошек с курицей 1,5 кг;Мысық;;\n");
    csv.push_str(&format!("G-1;С баркодом;;;{}\n", seed::seed_gtin(3)));
    let r = app.import(token, &cat, "CSV", &csv).await;
    assert_eq!(r["rejected"], 0, "{r}");
    cat
}

async fn sku_id(app: &TestApp, token: &str, cat: &str, seller_sku: &str) -> String {
    let d = app.gql_ok(Some(token), "query($c:ID!,$s:String!){ catalog(id:$c){ skus(first:1, filter:{search:$s}){ nodes{ id } } } }", json!({"c": cat, "s": seller_sku})).await;
    d["catalog"]["skus"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("{d}")).to_owned()
}

async fn sku(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql_ok(Some(token), SKU_Q, json!({"s": id})).await["node"].clone()
}

async fn start_match(app: &TestApp, token: &str, cat: &str) -> Value {
    let d = app.gql_ok(Some(token), "mutation($c:ID!){ startMatchJob(input:{catalogId:$c}){ job{ id kind progress{ total } } userErrors{ code message } } }", json!({"c": cat})).await;
    d["startMatchJob"].clone()
}

async fn run_match(app: &TestApp, token: &str, cat: &str) -> Value {
    let started = start_match(app, token, cat).await;
    let id = started["job"]["id"].as_str().unwrap_or_else(|| panic!("{started}")).to_owned();
    app.wait_job(token, &id, Duration::from_secs(120)).await
}

async fn submit_total(app: &TestApp, token: &str, cat: &str) -> u64 {
    let d = app.gql_ok(Some(token), "mutation($c:ID!){ startSubmitJob(input:{catalogId:$c}){ job{ id progress{ total } } userErrors{ code message } } }", json!({"c": cat})).await;
    let job = &d["startSubmitJob"]["job"];
    let id = job["id"].as_str().unwrap_or_else(|| panic!("{d}")).to_owned();
    app.wait_job(token, &id, Duration::from_secs(60)).await;
    job["progress"]["total"].as_u64().unwrap()
}

#[tokio::test]
async fn a_catalog_without_barcodes_gets_ranked_candidates_and_a_confirm_gives_an_ntin_without_a_card() {
    // Arrange
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = barcode_free_catalog(&app, &token, 4, 6).await;
    app.set_key(&token, DEMO_KEY, true).await;

    // Act
    let started = start_match(&app, &token, &cat).await;
    assert_eq!(started["job"]["kind"], "MATCH", "{started}");
    assert_eq!(started["job"]["progress"]["total"], 4 + 6 + 1, "every SKU without a usable barcode: {started}");
    let job = app.wait_job(&token, started["job"]["id"].as_str().unwrap(), Duration::from_secs(120)).await;

    // Assert: progress counts every item.
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    let p = &job["progress"];
    assert_eq!(p["processed"], 11);
    assert_eq!(p["failed"], 0);
    assert!(p["found"].as_u64().unwrap() >= 4, "{p}");
    // A tidy name: a likely match, the right card first, with its reasons.
    let t1 = sku_id(&app, &token, &cat, "T-001").await;
    let s = sku(&app, &token, &t1).await;
    let m = &s["match"];
    assert_eq!(m["state"], "LIKELY", "{s}");
    let top = &m["candidates"][0];
    assert_eq!(top["ntin"], seed_ntin(1), "{m}");
    assert_eq!(top["aboveThreshold"], true);
    let codes: Vec<&str> = top["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"NAME_SIMILARITY") && codes.contains(&"BRAND_MATCH") && codes.contains(&"MEASURE_MATCH"), "{top}");
    let points: f64 = top["reasons"].as_array().unwrap().iter().map(|r| r["points"].as_f64().unwrap()).sum();
    assert!((points.min(1.0) - top["score"].as_f64().unwrap()).abs() < 0.01, "the reasons add up to the score: {top}");
    assert!(!m["queries"].as_array().unwrap().is_empty(), "{m}");
    // Seller rewrites: the right card is among the candidates for most.
    let mut in_candidates = 0;
    for k in 0..6 {
        let id = sku_id(&app, &token, &cat, &format!("R-{k:03}")).await;
        let m = sku(&app, &token, &id).await["match"].clone();
        if m["candidates"].as_array().unwrap().iter().any(|c| c["ntin"] == seed_ntin(100 + k)) {
            in_candidates += 1;
        }
    }
    assert!(in_candidates >= 4, "{in_candidates} of 6");
    // A product NCT does not have: nothing close.
    let food = sku_id(&app, &token, &cat, "CAT-FOOD").await;
    assert_eq!(sku(&app, &token, &food).await["match"]["state"], "NO_MATCH");

    // Act: a person confirms.
    let r = app.gql_ok(Some(&token), CONFIRM, json!({"i": {"skuId": t1, "ntin": seed_ntin(1)}})).await["confirmMatch"].clone();

    // Assert: the SKU has the NTIN, from MATCH, and no card was ever created.
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!((r["sku"]["ntin"].as_str(), r["sku"]["ntinSource"].as_str(), r["sku"]["readinessClass"].as_str()), (Some(seed_ntin(1).as_str()), Some("MATCH"), Some("HAS_NTIN")));
    let s = sku(&app, &token, &t1).await;
    assert_eq!((s["match"]["state"].as_str(), s["match"]["confirmedNtin"].as_str()), (Some("CONFIRMED"), Some(seed_ntin(1).as_str())));
    assert!(s["match"]["decidedAt"].is_string());
    assert_eq!(app.sim.stats().requests_created, 0);
    // Confirming again, or a NTIN that is not a candidate, is refused with a typed error.
    let again = app.gql_ok(Some(&token), CONFIRM, json!({"i": {"skuId": t1, "ntin": seed_ntin(1)}})).await["confirmMatch"].clone();
    assert_eq!(again["userErrors"][0]["code"], "INVALID_STATE", "{again}");
    let t2 = sku_id(&app, &token, &cat, "T-002").await;
    let wrong = app.gql_ok(Some(&token), CONFIRM, json!({"i": {"skuId": t2, "ntin": seed_ntin(3)}})).await["confirmMatch"].clone();
    assert_eq!((wrong["userErrors"][0]["code"].as_str(), wrong["userErrors"][0]["field"][1].as_str()), (Some("INVALID"), Some("ntin")), "{wrong}");
    assert_eq!(sku(&app, &token, &t2).await["ntin"], Value::Null);
    // A new MATCH job leaves the decided SKU alone.
    let again = start_match(&app, &token, &cat).await;
    assert_eq!(again["job"]["progress"]["total"], 10, "{again}");
}

#[tokio::test]
async fn rejecting_the_candidates_sends_the_sku_on_to_a_card() {
    // Arrange: two SKUs with likely matches.
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = barcode_free_catalog(&app, &token, 2, 0).await;
    app.set_key(&token, DEMO_KEY, true).await;
    run_match(&app, &token, &cat).await;
    // While a match awaits a decision, bulk card submission holds the SKU back (only the cat food goes on).
    assert_eq!(submit_total(&app, &token, &cat).await, 1);

    // Act
    let t1 = sku_id(&app, &token, &cat, "T-001").await;
    let r = app.gql_ok(Some(&token), REJECT, json!({"i": {"skuId": t1}})).await["rejectMatches"].clone();

    // Assert
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(r["match"]["state"], "REJECTED");
    assert_eq!(submit_total(&app, &token, &cat).await, 2, "the rejected SKU goes on to a card");
    let twice = app.gql_ok(Some(&token), REJECT, json!({"i": {"skuId": t1}})).await["rejectMatches"].clone();
    assert_eq!(twice["userErrors"][0]["code"], "INVALID_STATE", "{twice}");
    // A rejected SKU is not searched again by a new job (only when named).
    let again = start_match(&app, &token, &cat).await;
    assert_eq!(again["job"]["progress"]["total"], 2, "{again}");
}

#[tokio::test]
async fn decisions_are_all_or_nothing_typed_and_isolated_between_tenants() {
    // Arrange
    let app = spawn_app().await;
    let (tenant_a, token) = app.new_tenant("A").await;
    let cat = barcode_free_catalog(&app, &token, 3, 0).await;
    app.set_key(&token, DEMO_KEY, true).await;
    run_match(&app, &token, &cat).await;
    let mut skus = Vec::new();
    for n in 1..=3 {
        skus.push(sku_id(&app, &token, &cat, &format!("T-{n:03}")).await);
    }

    // Act: one bad decision in the list.
    let bad = app
        .gql_ok(Some(&token), CONFIRM_MANY, json!({"i": {"items": [{"skuId": skus[0], "ntin": seed_ntin(1)}, {"skuId": skus[1], "ntin": seed_ntin(9)}, {"skuId": skus[0], "ntin": seed_ntin(1)}]}}))
        .await["confirmMatches"]
        .clone();

    // Assert: typed errors on the items at fault, nothing written.
    let errs = bad["userErrors"].as_array().unwrap();
    assert_eq!(errs.len(), 2, "{bad}");
    assert_eq!((&errs[0]["field"], &errs[0]["code"]), (&json!(["input", "items", "1", "ntin"]), &json!("INVALID")));
    assert_eq!((&errs[1]["field"], &errs[1]["code"]), (&json!(["input", "items", "2", "skuId"]), &json!("INVALID")));
    assert_eq!(sku(&app, &token, &skus[0]).await["ntin"], Value::Null);
    // The right list confirms both.
    let good = app.gql_ok(Some(&token), CONFIRM_MANY, json!({"i": {"items": [{"skuId": skus[0], "ntin": seed_ntin(1)}, {"skuId": skus[1], "ntin": seed_ntin(2)}]}})).await["confirmMatches"].clone();
    assert_eq!(good["userErrors"], json!([]), "{good}");
    assert_eq!(good["skus"][1]["ntin"], seed_ntin(2));

    // Another tenant sees nothing and cannot decide; a viewer cannot decide.
    let (_b, token_b) = app.new_tenant("B").await;
    assert_eq!(app.gql_ok(Some(&token_b), SKU_Q, json!({"s": skus[2]})).await["node"], Value::Null);
    let foreign = app.gql_ok(Some(&token_b), CONFIRM, json!({"i": {"skuId": skus[2], "ntin": seed_ntin(3)}})).await["confirmMatch"].clone();
    assert_eq!(foreign["userErrors"][0]["code"], "NOT_FOUND", "{foreign}");
    let foreign = app.gql_ok(Some(&token_b), REJECT, json!({"i": {"skuId": skus[2]}})).await["rejectMatches"].clone();
    assert_eq!(foreign["userErrors"][0]["code"], "NOT_FOUND", "{foreign}");
    let viewer = app.token(tenant_a, Role::Viewer);
    let denied = app.gql(Some(&viewer), CONFIRM, json!({"i": {"skuId": skus[2], "ntin": seed_ntin(3)}})).await;
    assert_eq!(denied["errors"][0]["extensions"]["code"], "FORBIDDEN", "{denied}");
    let denied = app.gql(Some(&viewer), "mutation($c:ID!){ startMatchJob(input:{catalogId:$c}){ job{ id } } }", json!({"c": cat})).await;
    assert_eq!(denied["errors"][0]["extensions"]["code"], "FORBIDDEN", "{denied}");
    assert_eq!(sku(&app, &token, &skus[2]).await["ntin"], Value::Null);
}

#[tokio::test]
async fn a_second_tenant_matching_the_same_names_is_served_from_the_shared_cache() {
    let app = spawn_app().await;
    let (_a, token_a) = app.new_tenant("A").await;
    let cat_a = barcode_free_catalog(&app, &token_a, 3, 2).await;
    app.set_key(&token_a, DEMO_KEY, true).await;
    run_match(&app, &token_a, &cat_a).await;
    let searches = app.sim.searches();
    assert!(searches >= 6, "{searches}");

    let (_b, token_b) = app.new_tenant("B").await;
    let cat_b = barcode_free_catalog(&app, &token_b, 3, 2).await;
    app.set_key(&token_b, DEMO_KEY, true).await;
    let job = run_match(&app, &token_b, &cat_b).await;

    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    // No NCT search for names another tenant searched. The cache fails open: a Redis call that misses its
    // 100 ms deadline on a loaded machine costs one search, and is counted in `/readyz` (never more searches
    // than cache failures; with the in-process cache, none).
    let extra = app.sim.searches() - searches;
    let ready: Value = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap().json().await.unwrap();
    let cache_errors = ready["cacheErrors"].as_u64().unwrap_or(0);
    assert!(extra <= cache_errors, "{extra} searches for names already searched, {cache_errors} cache failures: {ready}");
    let b1 = sku_id(&app, &token_b, &cat_b, "T-001").await;
    assert_eq!(sku(&app, &token_b, &b1).await["match"]["candidates"][0]["ntin"], seed_ntin(1));
}

#[tokio::test]
async fn a_rate_limited_gateway_slows_the_job_down_without_failing_items_and_progress_streams_live() {
    // Arrange: NCT allows 4 calls a second for the key.
    let mut cfg = test_sim_config();
    cfg.rate_limit_per_sec = Some(4);
    let app = spawn_app_with_sim(test_settings().await, start_sim(cfg).await).await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = barcode_free_catalog(&app, &token, 8, 4).await;
    app.set_key(&token, DEMO_KEY, true).await;
    let job = start_match(&app, &token, &cat).await["job"]["id"].as_str().unwrap().to_owned();

    // Act: watch it over the subscription.
    let (mut ws, ack) = connect(&app, "graphql-transport-ws", &token).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let sub = "subscription($j:ID!){ jobProgress(jobId:$j){ kind state progress{ total processed failed } } }";
    ws.send(Message::Text(json!({"id": "1", "type": "subscribe", "payload": {"query": sub, "variables": {"j": job}}}).to_string().into())).await.unwrap();
    let mut last = Value::Null;
    loop {
        let m = next_json(&mut ws).await;
        match m["type"].as_str().unwrap() {
            "next" => last = m["payload"]["data"]["jobProgress"].clone(),
            "complete" => break,
            other => panic!("unexpected {other}: {m}"),
        }
    }

    // Assert
    assert_eq!((last["kind"].as_str(), last["state"].as_str()), (Some("MATCH"), Some("SUCCEEDED")), "{last}");
    assert_eq!((last["progress"]["processed"].as_u64(), last["progress"]["failed"].as_u64()), (Some(13), Some(0)), "{last}");
}

#[tokio::test]
async fn the_card_check_warns_when_nct_already_has_the_card() {
    // Arrange: a SKU whose card would be seed card 5, and one NCT does not have.
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Cards").await;
    let (name, _) = seed_names(5, false);
    let csv = format!("sku;name_ru;brand;oktru\nDUP;{name};{};{}\nNEW;Корм сухой для кошек с курицей 1,5 кг;Мысық;\n", brand(5), nct_sim::catalog_data::LEAVES[5].code);
    app.import(&token, &cat, "CSV", &csv).await;
    app.set_key(&token, DEMO_KEY, true).await;

    // Act
    let dup = sku(&app, &token, &sku_id(&app, &token, &cat, "DUP").await).await;
    let new = sku(&app, &token, &sku_id(&app, &token, &cat, "NEW").await).await;

    // Assert
    let warning = dup["cardCheck"].as_array().unwrap().iter().find(|p| p["code"] == "LIKELY_EXISTING_CARD").cloned().unwrap_or_else(|| panic!("{dup}"));
    assert_eq!(warning["severity"], "WARNING");
    assert!(warning["message"].as_str().unwrap().contains(&seed_ntin(5)), "{warning}");
    assert!(new["cardCheck"].as_array().unwrap().iter().all(|p| p["code"] != "LIKELY_EXISTING_CARD"), "{new}");
}

#[tokio::test]
async fn bad_input_gets_typed_errors_and_writes_nothing() {
    // Arrange: a matched catalog, and a MATCH job started before any NCT key exists.
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = barcode_free_catalog(&app, &token, 2, 0).await;
    let keyless = run_match(&app, &token, &cat).await;
    assert_eq!(keyless["state"], "FAILED", "{keyless}");
    assert!(keyless["lastError"].as_str().unwrap().contains("setNctApiKey"), "{keyless}");
    app.set_key(&token, DEMO_KEY, true).await;
    run_match(&app, &token, &cat).await;
    let t1 = sku_id(&app, &token, &cat, "T-001").await;
    let with_gtin = sku_id(&app, &token, &cat, "G-1").await;

    // Act / Assert: IDs that are not SKUs or catalogs.
    let r = app.gql_ok(Some(&token), CONFIRM, json!({"i": {"skuId": "nonsense", "ntin": seed_ntin(1)}})).await["confirmMatch"].clone();
    assert_eq!((r["userErrors"][0]["code"].as_str(), &r["userErrors"][0]["field"]), (Some("NOT_FOUND"), &json!(["input", "skuId"])), "{r}");
    let r = app.gql_ok(Some(&token), REJECT, json!({"i": {"skuId": cat}})).await["rejectMatches"].clone();
    assert_eq!(r["userErrors"][0]["code"], "NOT_FOUND", "{r}");
    let r = app.gql_ok(Some(&token), "mutation($c:ID!){ startMatchJob(input:{catalogId:$c}){ job{ id } userErrors{ field code } } }", json!({"c": t1})).await["startMatchJob"].clone();
    assert_eq!((r["job"].clone(), r["userErrors"][0]["code"].as_str()), (Value::Null, Some("NOT_FOUND")), "{r}");
    // An NTIN that is not well-formed is not a candidate.
    let r = app.gql_ok(Some(&token), CONFIRM, json!({"i": {"skuId": t1, "ntin": "02-not-a-number"}})).await["confirmMatch"].clone();
    assert_eq!((r["userErrors"][0]["code"].as_str(), &r["userErrors"][0]["field"]), (Some("INVALID"), &json!(["input", "ntin"])), "{r}");
    // A SKU the job never searched (it has a GTIN): nothing to confirm or reject.
    let r = app.gql_ok(Some(&token), CONFIRM, json!({"i": {"skuId": with_gtin, "ntin": seed_ntin(3)}})).await["confirmMatch"].clone();
    assert_eq!(r["userErrors"][0]["code"], "INVALID_STATE", "{r}");
    let r = app.gql_ok(Some(&token), REJECT, json!({"i": {"skuId": with_gtin}})).await["rejectMatches"].clone();
    assert_eq!(r["userErrors"][0]["code"], "INVALID_STATE", "{r}");
    // Too many decisions in one call.
    let many: Vec<Value> = (0..1_001).map(|_| json!({"skuId": t1, "ntin": seed_ntin(1)})).collect();
    let r = app.gql_ok(Some(&token), CONFIRM_MANY, json!({"i": {"items": many}})).await["confirmMatches"].clone();
    assert_eq!((r["userErrors"][0]["code"].as_str(), &r["userErrors"][0]["field"]), (Some("TOO_LONG"), &json!(["input", "items"])), "{r}");
    // Without a token there is no path to a search.
    let anon = app.gql(None, "mutation($c:ID!){ startMatchJob(input:{catalogId:$c}){ job{ id } } }", json!({"c": cat})).await;
    assert_eq!(anon["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{anon}");

    // Nothing was written.
    let s = sku(&app, &token, &t1).await;
    assert_eq!((s["ntin"].clone(), s["match"]["state"].as_str()), (Value::Null, Some("LIKELY")), "{s}");
}

#[tokio::test]
async fn the_demo_catalog_gets_the_matches_its_readme_promises() {
    // Arrange: the shipped demo files against the full 100,000-card seed (the demo's simulator).
    let mut cfg = test_sim_config();
    cfg.seed_size = 100_000;
    let app = spawn_app_with_sim(test_settings().await, start_sim(cfg).await).await;
    let (_t, token) = app.new_tenant("Demo").await;
    let cat = app.new_catalog(&token, "Demo").await;
    app.import(&token, &cat, "KASPI_XML", include_str!("../../api/demo/kaspi_catalog.xml")).await;
    app.import(&token, &cat, "CSV", include_str!("../../api/demo/barcodes.csv")).await;
    app.set_key(&token, DEMO_KEY, true).await;
    let mut ids = Vec::new();
    for s in ["DEMO-032", "DEMO-034", "DEMO-035", "DEMO-036"] {
        ids.push(sku_id(&app, &token, &cat, s).await);
    }

    // Act: match the four SKUs without a barcode.
    let d = app.gql_ok(Some(&token), "mutation($c:ID!,$s:[ID!]){ startMatchJob(input:{catalogId:$c, skuIds:$s}){ job{ id } userErrors{ code message } } }", json!({"c": cat, "s": ids})).await;
    let job = app.wait_job(&token, d["startMatchJob"]["job"]["id"].as_str().unwrap_or_else(|| panic!("{d}")), Duration::from_secs(300)).await;

    // Assert: `api/demo/README.md`'s promises.
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    let state = |s: &Value| s["match"]["state"].as_str().unwrap_or_default().to_owned();
    let cat_food = sku(&app, &token, &ids[0]).await;
    assert_eq!(state(&cat_food), "NO_MATCH", "{cat_food}");
    let cookies = sku(&app, &token, &ids[1]).await;
    assert_eq!(state(&cookies), "CANDIDATES", "{cookies}");
    for (n, card) in [(2, 81_681), (3, 35_953)] {
        let s = sku(&app, &token, &ids[n]).await;
        assert_eq!((state(&s), s["match"]["candidates"][0]["ntin"].as_str()), ("LIKELY".to_owned(), Some(seed_ntin(card).as_str())), "{s}");
    }
}
