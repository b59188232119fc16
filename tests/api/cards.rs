//! Cards and moderation end to end: the check, submit, automatic following on the simulator's compressed
//! clock, revision, duplicates, cancel, tenant isolation and exactly-once creation across a kill. The
//! helpers here are shared with `moderation.rs` (every NCT status) and `moderation_crash.rs` (a kill at
//! every step).

use crate::helpers::{TestApp, spawn_app, spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use nct_sim::{DEMO_KEY, seed};
use serde_json::{Value, json};
use std::time::Duration;

pub(crate) const LEAF: &str = "1020-0011-0003-100006374";
pub(crate) const TNVED: &str = "1806321000";

pub(crate) const SKU_Q: &str = "query($s:ID!){ node(id:$s){ ... on Sku { id ntin ntinSource ntinReason readinessClass card{ status nameRu nameKk shortNameRu isGov autoPublication } cardCheck{ field code severity message } moderation{ requestId intentState status statusKnown gzStatus extended{ status comment revisionDetails{ attributeCode comment } } photoCheck{ score comment } awaitingDuplicateDecision nextCheckAt checkedAt statusSince pendingStep comment reason revisionDetails{ attributeCode value comment } duplicates{ name ntin similarity } ntin productUrl lastError } } } }";
const UPDATE: &str = "mutation($i:UpdateCardInput!){ updateCard(input:$i){ sku{ id card{ status } } problems{ field code severity } userErrors{ field code message } } }";

/// A tenant with a key and a catalog; returns (token, catalog).
pub(crate) async fn shop(app: &TestApp, name: &str) -> (String, String) {
    let (_t, token) = app.new_tenant(name).await;
    app.set_key(&token, DEMO_KEY, true).await;
    let cat = app.new_catalog(&token, "Cards").await;
    (token, cat)
}

/// Creates a SKU with a complete, valid card named `name_ru`; returns its ID.
pub(crate) async fn valid_card(app: &TestApp, token: &str, cat: &str, sku: &str, name_ru: &str, k: usize) -> String {
    let d = app.gql_ok(Some(token), "mutation($c:ID!,$s:String!){ upsertSkus(input:{catalogId:$c, skus:[{sellerSku:$s}]}){ userErrors{ message } } }", json!({"c": cat, "s": sku})).await;
    assert_eq!(d["upsertSkus"]["userErrors"], json!([]), "{d}");
    let d = app.gql_ok(Some(token), "query($c:ID!,$s:String!){ catalog(id:$c){ skus(first:1, filter:{search:$s}){ nodes{ id } } } }", json!({"c": cat, "s": sku})).await;
    let id = d["catalog"]["skus"]["nodes"][0]["id"].as_str().unwrap().to_owned();
    let r = update(app, token, json!({"skuId": id, "nameRu": name_ru, "nameKk": format!("{name_ru} қазақша"), "oktru": LEAF, "tnved": TNVED,
        "country": "KZ", "measureUnit": "796", "measureQuantity": "1", "barcode": seed::not_found_gtin(k)})).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    id
}

pub(crate) async fn update(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql_ok(Some(token), UPDATE, json!({"i": input})).await["updateCard"].clone()
}

pub(crate) async fn sku(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql_ok(Some(token), SKU_Q, json!({"s": id})).await["node"].clone()
}

/// Polls the SKU until `done` holds (the follower works without clicks); panics after `secs` seconds.
pub(crate) async fn wait_sku(app: &TestApp, token: &str, id: &str, secs: u64, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let s = sku(app, token, id).await;
        if done(&s) {
            // One query reads the SKU, its card and its request at slightly different moments; read
            // again so that every part is from after the change that was seen.
            return sku(app, token, id).await;
        }
        assert!(std::time::Instant::now() < deadline, "the SKU did not get there in {secs} s: {s}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the SKU's request has NCT status `status`.
pub(crate) async fn wait_status(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    wait_sku(app, token, id, 30, |s| s["moderation"]["status"] == status).await
}

pub(crate) async fn submit(app: &TestApp, token: &str, cat: &str, ids: &[&str]) -> Value {
    let d = app.gql_ok(Some(token), "mutation($c:ID!,$s:[ID!]){ startSubmitJob(input:{catalogId:$c, skuIds:$s}){ job{ id } userErrors{ code message } } }", json!({"c": cat, "s": ids})).await;
    let id = d["startSubmitJob"]["job"]["id"].as_str().unwrap_or_else(|| panic!("{d}")).to_owned();
    app.wait_job(token, &id, Duration::from_secs(60)).await;
    app.assert_counters_match_items(token, &id).await
}

pub(crate) async fn sync(app: &TestApp, token: &str, cat: &str) -> Value {
    let d = app.gql_ok(Some(token), "mutation($c:ID!){ startStatusSyncJob(input:{catalogId:$c}){ job{ id } userErrors{ code message } } }", json!({"c": cat})).await;
    let id = d["startStatusSyncJob"]["job"]["id"].as_str().unwrap_or_else(|| panic!("{d}")).to_owned();
    app.wait_job(token, &id, Duration::from_secs(60)).await;
    app.assert_counters_match_items(token, &id).await
}

pub(crate) async fn request_mutation(app: &TestApp, token: &str, name: &str, input: Value) -> Value {
    let q = format!("mutation($i:{}Input!){{ {name}(input:$i){{ sku{{ ntin ntinSource card{{ status }} }} moderation{{ status ntin }} userErrors{{ field code message }} }} }}",
        match name { "resubmitSku" | "cancelRequest" => "SkuRequest", _ => "DecideDuplicate" });
    app.gql_ok(Some(token), &q, json!({"i": input})).await[name].clone()
}

fn codes(s: &Value) -> Vec<(String, String)> {
    s["cardCheck"].as_array().unwrap().iter().filter(|p| p["severity"] == "ERROR").map(|p| (p["field"].as_str().unwrap().to_owned(), p["code"].as_str().unwrap().to_owned())).collect()
}

#[tokio::test]
async fn the_card_check_reports_the_problems_and_fixing_them_makes_the_card_submittable() {
    // Arrange: a card without a Kazakh name, a 9-digit TN VED, a group OKTRU and an NTIN as barcode.
    let app = spawn_app().await;
    let (token, cat) = shop(&app, "Shop").await;
    let id = valid_card(&app, &token, &cat, "P-1", "Батончик проверочный", 1).await;
    let r = update(&app, &token, json!({"skuId": id, "nameKk": "", "tnved": "180632100", "oktru": "1020-0011-0003", "barcode": "0200121958529"})).await;
    assert_eq!(r["sku"]["card"]["status"], "DRAFT", "{r}");
    // Act
    let s = sku(&app, &token, &id).await;
    // Assert
    let errors = codes(&s);
    assert!(errors.contains(&("name_kk".into(), "MISSING_NAME_KK".into())), "{errors:?}");
    assert!(errors.contains(&("tnved".into(), "TNVED_FORMAT".into())), "{errors:?}");
    assert!(errors.iter().any(|(f, c)| f == "oktru" && (c == "OKTRU_NOT_LEAF" || c == "UNKNOWN_OKTRU")), "{errors:?}");
    assert!(errors.iter().any(|(f, c)| f == "gtin" && c == "GTIN_NTIN_MIXUP"), "{errors:?}");
    // A submit fails the item with the check's first error and creates nothing at NCT.
    let job = submit(&app, &token, &cat, &[&id]).await;
    assert_eq!(job["progress"]["failed"], 1, "{job}");
    assert_eq!(app.sim.stats().requests_created, 0);
    // Fixing them makes it submittable.
    let r = update(&app, &token, json!({"skuId": id, "nameKk": "Тексеру батончигі", "tnved": TNVED, "oktru": LEAF, "barcode": seed::not_found_gtin(1)})).await;
    assert_eq!(r["sku"]["card"]["status"], "READY", "{r}");
    assert_eq!(codes(&sku(&app, &token, &id).await), vec![]);
}

#[tokio::test]
async fn a_submitted_card_is_followed_without_clicks_published_and_stores_its_ntin() {
    let app = spawn_app().await;
    let (token, cat) = shop(&app, "Shop").await;
    let id = valid_card(&app, &token, &cat, "S-1", "Батончик уникальный первый", 2).await;
    // Act
    let job = submit(&app, &token, &cat, &[&id]).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    assert_eq!(job["progress"]["failed"], 0, "{job}");
    let s = sku(&app, &token, &id).await;
    assert_eq!(s["moderation"]["intentState"], "SENT", "{s}");
    // On the simulator's 200 ms working day a loaded machine may already see the decision.
    if ["onModeration", "accepted"].contains(&s["moderation"]["status"].as_str().unwrap()) {
        assert_eq!(s["moderation"]["pendingStep"], Value::Null, "{s}");
        assert_eq!(s["card"]["status"], "SUBMITTED", "{s}");
        assert!(s["moderation"]["nextCheckAt"].is_string(), "a followed request shows its next check: {s}");
    }
    // Assert: nobody syncs; the follower publishes it and stores the NTIN.
    let s = wait_status(&app, &token, &id, "completed").await;
    assert_eq!(s["moderation"]["nextCheckAt"], Value::Null, "NCT is done: no more checks: {s}");
    assert!(s["moderation"]["checkedAt"].is_string());
    let ntin = s["ntin"].as_str().unwrap();
    assert_eq!(ntin.len(), 13);
    assert_eq!(s["moderation"]["ntin"], ntin);
    assert!(s["moderation"]["productUrl"].as_str().unwrap().starts_with("https://nationalcatalog.kz/product/"));
    assert_eq!(s["ntinSource"], "REQUEST");
    assert_eq!(s["readinessClass"], "HAS_NTIN");
    assert_eq!(s["card"]["status"], "COMPLETED");
    assert_eq!(app.sim.stats().requests_created, 1);
    assert_eq!(app.sim.stats().calls_of("publish"), 1);
    // A sync job now finds nothing open and succeeds at once.
    let job = sync(&app, &token, &cat).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    assert_eq!(job["progress"]["total"], 0, "{job}");
}

#[tokio::test]
async fn a_card_returned_for_revision_is_fixed_resubmitted_and_completes() {
    let app = spawn_app().await;
    let (token, cat) = shop(&app, "Shop").await;
    let id = valid_card(&app, &token, &cat, "R-1", "Батончик на доработку", 3).await;
    // Our check passes the card; the moderator returns it anyway, with a remark no rule can check.
    app.sim.set_moderator_remark("short_name_ru", "Краткое наименование не соответствует товару на фото.");
    submit(&app, &token, &cat, &[&id]).await;
    let s = wait_status(&app, &token, &id, "underRevision").await;
    assert_eq!(s["card"]["status"], "NEEDS_REVISION");
    let details = s["moderation"]["revisionDetails"].as_array().unwrap();
    assert!(details.iter().any(|d| d["attributeCode"] == "short_name_ru"), "{details:?}");
    // Fix, resubmit, sync.
    update(&app, &token, json!({"skuId": id, "shortNameRu": "Батончик"})).await;
    let r = request_mutation(&app, &token, "resubmitSku", json!({"skuId": id})).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert!(["onModeration", "accepted"].contains(&r["moderation"]["status"].as_str().unwrap_or("")), "{r}");
    let s = wait_status(&app, &token, &id, "completed").await;
    assert_eq!(s["ntinSource"], "REQUEST");
    assert_eq!(app.sim.stats().requests_created, 1, "the resubmit updates the same request");
    // Resubmitting a completed request is refused.
    let r = request_mutation(&app, &token, "resubmitSku", json!({"skuId": id})).await;
    assert_eq!(r["userErrors"][0]["code"], "INVALID_STATE", "{r}");
}

#[tokio::test]
async fn duplicate_reviews_are_decided_by_a_person_use_existing_and_continue() {
    let app = spawn_app().await;
    let (token, cat) = shop(&app, "Shop").await;
    // Seed card 0 lives in LEAVES[0] = LEAF: a card with its exact name is a potential duplicate.
    let (seed_name, _) = seed::seed_names(0, false);
    let a = valid_card(&app, &token, &cat, "D-1", &seed_name, 4).await;
    let b = valid_card(&app, &token, &cat, "D-2", &seed_name, 5).await;
    submit(&app, &token, &cat, &[&a, &b]).await;
    let s = wait_sku(&app, &token, &a, 30, |s| s["card"]["status"] == "DUPLICATE_REVIEW").await;
    wait_sku(&app, &token, &b, 30, |s| s["card"]["status"] == "DUPLICATE_REVIEW").await;
    assert_eq!(s["moderation"]["awaitingDuplicateDecision"], true, "{s}");
    assert_eq!(s["moderation"]["duplicates"][0]["ntin"], seed::seed_ntin(0), "{s}");
    // USE_EXISTING needs a candidate's NTIN.
    let bad = request_mutation(&app, &token, "decideDuplicate", json!({"skuId": a, "decision": "USE_EXISTING", "ntin": "0200000000000"})).await;
    assert_eq!(bad["userErrors"][0]["code"], "INVALID", "{bad}");
    let r = request_mutation(&app, &token, "decideDuplicate", json!({"skuId": a, "decision": "USE_EXISTING", "ntin": seed::seed_ntin(0)})).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(r["moderation"]["status"], "existingProductSelected");
    assert_eq!(r["sku"]["ntin"], seed::seed_ntin(0));
    assert_eq!(r["sku"]["ntinSource"], "REQUEST");
    // CONTINUE: moderation goes on and the card is published.
    let r = request_mutation(&app, &token, "decideDuplicate", json!({"skuId": b, "decision": "CONTINUE"})).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    let s = wait_status(&app, &token, &b, "completed").await;
    assert_ne!(s["ntin"], seed::seed_ntin(0));
}

#[tokio::test]
async fn a_request_on_moderation_can_be_cancelled_and_another_tenant_sees_nothing() {
    // A slow moderation clock: the request stays onModeration for the whole test.
    let mut cfg = test_sim_config();
    cfg.working_day = Duration::from_secs(60);
    let app = spawn_app_with_sim(test_settings().await, start_sim(cfg).await).await;
    let (token, cat) = shop(&app, "A").await;
    let (token_b, _cat_b) = shop(&app, "B").await;
    let id = valid_card(&app, &token, &cat, "C-1", "Батончик отзываемый", 6).await;
    submit(&app, &token, &cat, &[&id]).await;
    // Tenant B: NOT_FOUND on every new mutation, null on the node.
    let r = update(&app, &token_b, json!({"skuId": id, "nameRu": "x"})).await;
    assert_eq!(r["userErrors"][0]["code"], "NOT_FOUND", "{r}");
    for m in ["resubmitSku", "cancelRequest"] {
        let r = request_mutation(&app, &token_b, m, json!({"skuId": id})).await;
        assert_eq!(r["userErrors"][0]["code"], "NOT_FOUND", "{m}: {r}");
    }
    let r = request_mutation(&app, &token_b, "decideDuplicate", json!({"skuId": id, "decision": "CONTINUE"})).await;
    assert_eq!(r["userErrors"][0]["code"], "NOT_FOUND", "{r}");
    let j = app.gql_ok(Some(&token_b), "mutation($c:ID!,$s:[ID!]){ startSubmitJob(input:{catalogId:$c, skuIds:$s}){ userErrors{ code } } }", json!({"c": cat, "s": [id]})).await;
    assert_eq!(j["startSubmitJob"]["userErrors"][0]["code"], "NOT_FOUND", "{j}");
    let j = app.gql_ok(Some(&token_b), "mutation($c:ID!){ startStatusSyncJob(input:{catalogId:$c}){ userErrors{ code } } }", json!({"c": cat})).await;
    assert_eq!(j["startStatusSyncJob"]["userErrors"][0]["code"], "NOT_FOUND", "{j}");
    assert_eq!(app.gql_ok(Some(&token_b), SKU_Q, json!({"s": id})).await["node"], Value::Null);
    // Act
    let r = request_mutation(&app, &token, "cancelRequest", json!({"skuId": id})).await;
    // Assert
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(r["moderation"]["status"], "cancelled");
    assert_eq!(r["sku"]["card"]["status"], "CANCELLED");
    let again = request_mutation(&app, &token, "cancelRequest", json!({"skuId": id})).await;
    assert_eq!(again["userErrors"][0]["code"], "INVALID_STATE", "{again}");
}

#[tokio::test]
async fn a_kill_between_the_create_and_our_write_never_creates_a_second_request() {
    // Arrange: the simulator stores the create, then stalls its answer.
    let sim = start_sim(test_sim_config()).await;
    let app = spawn_app_with_sim(test_settings().await, sim).await;
    let (token, cat) = shop(&app, "Shop").await;
    let a = valid_card(&app, &token, &cat, "K-1", "Батончик упавший", 7).await;
    let b = valid_card(&app, &token, &cat, "K-2", "Батончик соседний", 8).await;
    app.sim.set_stall_create(Some(Duration::from_secs(30)));
    let d = app.gql_ok(Some(&token), "mutation($c:ID!,$s:[ID!]){ startSubmitJob(input:{catalogId:$c, skuIds:$s}){ job{ id } } }", json!({"c": cat, "s": [a, b]})).await;
    let job = d["startSubmitJob"]["job"]["id"].as_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while app.sim.stats().requests_created < 1 {
        assert!(std::time::Instant::now() < deadline, "the create never arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Act: kill while NCT holds the request and we do not know its id; restart on the same database.
    let (settings, sim) = app.kill().await;
    let app = spawn_app_with_sim(settings, sim).await;
    let done = app.wait_job(&token, &job, Duration::from_secs(60)).await;
    // Assert: exactly one request per SKU, and ours point at them.
    assert_eq!(done["state"], "SUCCEEDED", "{done}");
    let dbg = (sku(&app, &token, &a).await, sku(&app, &token, &b).await);
    assert_eq!(done["progress"]["failed"], 0, "{done} {dbg:?}");
    assert_eq!(app.sim.stats().requests_created, 2);
    let (ma, mb) = (sku(&app, &token, &a).await, sku(&app, &token, &b).await);
    for s in [&ma, &mb] {
        assert_eq!(s["moderation"]["intentState"], "SENT", "{s}");
        assert!(["onModeration", "accepted", "readyToPublish", "completed"].contains(&s["moderation"]["status"].as_str().unwrap()), "{s}");
    }
    assert_ne!(ma["moderation"]["requestId"], mb["moderation"]["requestId"]);
    wait_status(&app, &token, &a, "completed").await;
    wait_status(&app, &token, &b, "completed").await;
    assert_eq!(app.sim.stats().requests_created, 2);
}

/// Sends `uploadCardFile` as a GraphQL multipart request; returns its payload.
async fn upload(app: &TestApp, token: &str, sku: &str, kind: &str, side: Option<&str>, name: &str, bytes: Vec<u8>) -> Value {
    upload_raw(app, token, sku, kind, side, name, bytes).await["data"]["uploadCardFile"].clone()
}

/// Sends `uploadCardFile` as a GraphQL multipart request; returns the whole response body.
async fn upload_raw(app: &TestApp, token: &str, sku: &str, kind: &str, side: Option<&str>, name: &str, bytes: Vec<u8>) -> Value {
    let ops = json!({
        "query": "mutation($i:UploadCardFileInput!){ uploadCardFile(input:$i){ fileName sku{ card{ images{ fileName imageType } documents } } userErrors{ field code message } } }",
        "variables": {"i": {"skuId": sku, "kind": kind, "imageType": side, "file": null}}
    });
    let boundary = "card-file-boundary-7d1";
    let mut body = Vec::new();
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{ops}\r\n").bytes());
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\":[\"variables.i.file\"]}}\r\n").bytes());
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").bytes());
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    let resp: Value = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    resp
}

#[tokio::test]
async fn photos_and_pdfs_upload_to_nct_storage_and_attach_to_the_card() {
    // Arrange
    let app = spawn_app().await;
    let (token, cat) = shop(&app, "Shop").await;
    let id = valid_card(&app, &token, &cat, "P-1", "Батончик с фото", 6).await;
    let png = b"\x89PNG\r\n\x1a\nfake image bytes".to_vec();
    // Act: a FRONT photo, then a new FRONT photo, a BACK photo and a PDF.
    let first = upload(&app, &token, &id, "IMAGE", Some("FRONT"), "front.png", png.clone()).await;
    assert_eq!(first["userErrors"], json!([]), "{first}");
    let second = upload(&app, &token, &id, "IMAGE", Some("FRONT"), "front2.png", png.clone()).await;
    let back = upload(&app, &token, &id, "IMAGE", Some("BACK"), "back.png", png.clone()).await;
    let pdf = upload(&app, &token, &id, "DOCUMENT", None, "cert.pdf", b"%PDF-1.4 fake".to_vec()).await;
    // Assert: NCT's file names are on the card, one photo per side.
    let card = &pdf["sku"]["card"];
    let images = card["images"].as_array().unwrap();
    assert_eq!(images.len(), 2, "{card}");
    assert!(images.iter().any(|i| i["imageType"] == "FRONT" && i["fileName"] == second["fileName"]));
    assert!(images.iter().any(|i| i["imageType"] == "BACK" && i["fileName"] == back["fileName"]));
    assert_eq!(card["documents"], json!([pdf["fileName"]]));
    // Bad input: no side for a photo, a non-PDF document, more than 5 MB.
    let r = upload(&app, &token, &id, "IMAGE", None, "x.png", png.clone()).await;
    assert_eq!(r["userErrors"][0]["code"], "BLANK", "{r}");
    let r = upload(&app, &token, &id, "DOCUMENT", None, "cert.docx", b"doc".to_vec()).await;
    assert_eq!(r["userErrors"][0]["code"], "INVALID", "{r}");
    // Over 5 MB the request is refused at the HTTP layer as soon as the file passes 5 MB (413).
    let r = upload_raw(&app, &token, &id, "IMAGE", Some("LEFT"), "big.png", vec![0u8; 5 * 1024 * 1024 + 1]).await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED", "{r}");
    // Another tenant cannot attach anything to this SKU.
    let (token_b, _) = shop(&app, "Other").await;
    let r = upload(&app, &token_b, &id, "IMAGE", Some("TOP"), "x.png", png).await;
    assert_eq!(r["userErrors"][0]["code"], "NOT_FOUND", "{r}");
    let d = app.gql_ok(Some(&token), "query($s:ID!){ node(id:$s){ ... on Sku { card { images { imageType } } } } }", json!({"s": id})).await;
    assert_eq!(d["node"]["card"]["images"].as_array().unwrap().len(), 2, "{d}");
}
