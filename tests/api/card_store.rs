//! The card check's stored side: results stored per SKU so catalog readiness aggregates past the old
//! 5,000-SKU cap; NCT's dictionaries stored in the database (read whole once, not again by a restarted
//! process, a new OKTRU category found along its path with roots/children); and editing a published card
//! with the spec's unchanged-fields rule.

use crate::cards::{LEAF, TNVED, request_mutation, shop, sku, update, wait_status};
use crate::helpers::{TestApp, spawn_app, spawn_app_with_sim};
use nct_sim::{DEMO_KEY, seed};
use serde_json::{Value, json};
use std::time::Duration;

const READINESS: &str = "query($c:ID!){ catalog(id:$c){ cardReadiness{ total ready withErrors unchecked problemsByCode{ code count } } } }";

async fn readiness(app: &TestApp, token: &str, cat: &str) -> Value {
    app.gql_ok(Some(token), READINESS, json!({"c": cat})).await["catalog"]["cardReadiness"].clone()
}

#[tokio::test]
async fn catalog_card_readiness_aggregates_stored_checks_past_the_old_cap() {
    // Arrange: 5,100 SKUs that need a card (invalid barcodes), none with a name.
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Big").await;
    app.set_key(&token, DEMO_KEY, true).await;
    let cat = app.new_catalog(&token, "Big").await;
    let mut csv = String::from("sku;barcode\n");
    for i in 0..5_100 {
        csv.push_str(&format!("B-{i:05};12{i}\n"));
    }
    let r = app.import(&token, &cat, "CSV", &csv).await;
    assert_eq!(r["created"], 5_100, "{r}");
    // Act: the first call checks 1,000 at once; the follower's upkeep checks the rest in the background.
    let first = readiness(&app, &token, &cat).await;
    assert_eq!(first["total"], 5_100, "{first}");
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    let all = loop {
        let r = readiness(&app, &token, &cat).await;
        if r["unchecked"] == 0 {
            break r;
        }
        assert!(std::time::Instant::now() < deadline, "still unchecked: {r}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    // Assert: every SKU counted, by code, no cap.
    assert_eq!(all["withErrors"], 5_100, "{all}");
    let by = |code: &str| all["problemsByCode"].as_array().unwrap().iter().find(|p| p["code"] == code).map(|p| p["count"].clone());
    assert_eq!(by("MISSING_NAME_RU"), Some(json!(5_100)), "{all}");
    assert_eq!(by("MISSING_OKTRU"), Some(json!(5_100)), "{all}");
    // An edit is stored at once: the aggregate moves without a re-check of the catalog.
    let d = app.gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ skus(first:1, filter:{search:\"B-00000\"}){ nodes{ id } } } }", json!({"c": cat})).await;
    let id = d["catalog"]["skus"]["nodes"][0]["id"].as_str().unwrap().to_owned();
    update(&app, &token, json!({"skuId": id, "nameRu": "Батончик", "nameKk": "Батончик қазақша", "oktru": LEAF, "tnved": TNVED, "country": "KZ", "measureUnit": "796", "measureQuantity": "1"})).await;
    let after = readiness(&app, &token, &cat).await;
    assert_eq!(after["ready"], 1, "{after}");
    assert_eq!(after["withErrors"], 5_099);
    // The plan counts every pending card too.
    let plan = || async {
        let p = app.gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ registrationPlan{ pending } } }", json!({"c": cat})).await;
        p["catalog"]["registrationPlan"]["pending"].clone()
    };
    assert_eq!(plan().await, 5_100);
    // A settled answer is given again while nothing changes, and follows any change, made by any path: here
    // SQL behind the server's back, as another replica or an operator would write.
    assert_eq!(readiness(&app, &token, &cat).await, after);
    let db = &app.state.db;
    let sql = |s: &'static str| async move {
        use sea_orm::ConnectionTrait;
        db.execute_unprepared(s).await.expect(s);
    };
    sql("UPDATE skus SET ntin = '0212345678903' WHERE seller_sku = 'B-00001'").await;
    let r = readiness(&app, &token, &cat).await;
    assert_eq!((r["total"].as_i64(), r["withErrors"].as_i64()), (Some(5_099), Some(5_098)), "{r}");
    assert_eq!(plan().await, 5_099);
    sql("DELETE FROM skus WHERE seller_sku = 'B-00002'").await;
    let r = readiness(&app, &token, &cat).await;
    assert_eq!((r["total"].as_i64(), r["withErrors"].as_i64()), (Some(5_098), Some(5_097)), "{r}");
    assert_eq!(plan().await, 5_098);
    // A stored check changed alone (no SKU write): its errors are gone.
    sql("UPDATE card_checks SET errors = 0 WHERE sku_id = (SELECT id FROM skus WHERE seller_sku = 'B-00003')").await;
    let r = readiness(&app, &token, &cat).await;
    assert_eq!((r["ready"].as_i64(), r["withErrors"].as_i64()), (Some(2), Some(5_096)), "{r}");
}

const DICTS: &str = "{ nctDictionaries { code items refreshedAt generation } }";

#[tokio::test]
async fn dictionaries_are_stored_read_once_and_a_new_category_is_found_along_its_path() {
    let app = spawn_app().await;
    let (token, cat) = shop(&app, "Dicts").await;
    // The first check reads each dictionary whole once and stores it.
    let id = crate::cards::valid_card(&app, &token, &cat, "D-1", "Батончик протеиновый", 90).await;
    let d = app.gql_ok(Some(&token), DICTS, json!({})).await;
    let dicts = d["nctDictionaries"].as_array().unwrap().clone();
    let codes: Vec<&str> = dicts.iter().map(|x| x["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"OKTRU") && codes.contains(&"TNVED") && codes.contains(&"COUNTRY"), "{d}");
    assert!(dicts.iter().all(|x| x["refreshedAt"].is_string() && x["items"].as_u64().unwrap() > 0), "{d}");
    let oktru = |d: &Value| d["nctDictionaries"].as_array().unwrap().iter().find(|x| x["code"] == "OKTRU").unwrap()["items"].as_u64().unwrap();
    let before = oktru(&d);
    // A restarted process reads them from the database, not from NCT (its start-up check of the base URL
    // is one key-less call).
    let (settings, sim) = app.kill().await;
    let app = spawn_app_with_sim(settings, sim).await;
    let reads = app.sim.stats().calls_of("dictionary");
    let s = sku(&app, &token, &id).await;
    assert_eq!(s["cardCheck"].as_array().unwrap().iter().filter(|p| p["severity"] == "ERROR").count(), 0, "{s}");
    assert_eq!(app.sim.stats().calls_of("dictionary"), reads, "no dictionary was read again");
    // NCT adds a category; a card in it is checked without waiting for the next refresh pass.
    let new_leaf = "1020-0011-0003-100006399";
    app.sim.add_dictionary_item("OKTRU", new_leaf, "Батончики протеиновые", Some("1020-0011-0003"));
    let r = update(&app, &token, json!({"skuId": id, "oktru": new_leaf})).await;
    let problems = r["problems"].as_array().unwrap();
    assert!(!problems.iter().any(|p| p["field"] == "oktru"), "the new category is known: {r}");
    assert!(app.sim.stats().calls_of("dictionary") - reads <= 4, "roots and children along the path only");
    let d = app.gql_ok(Some(&token), DICTS, json!({})).await;
    assert_eq!(oktru(&d), before + 1, "{d}");
}

#[tokio::test]
async fn a_published_card_is_edited_without_changing_its_locked_fields() {
    // Arrange: a SKU whose GTIN NCT knows gets its NTIN by lookup.
    let app = spawn_app().await;
    let (token, cat) = shop(&app, "Edit").await;
    app.import(&token, &cat, "CSV", &format!("sku;barcode\nE-1;{}\n", seed::seed_gtin(3))).await;
    let job = app.start_lookup(&token, &cat, None).await["job"]["id"].as_str().unwrap().to_owned();
    app.wait_job(&token, &job, Duration::from_secs(30)).await;
    let d = app.gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ skus(first:1){ nodes{ id ntin } } } }", json!({"c": cat})).await;
    let id = d["catalog"]["skus"]["nodes"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(d["catalog"]["skus"]["nodes"][0]["ntin"], seed::seed_ntin(3));
    // Act: start the edit; the card becomes NCT's body.
    let q = "mutation($i:SkuRequestInput!){ startCardEdit(input:$i){ moderation{ status requestId } sku{ card{ status nameRu } } userErrors{ code message } } }";
    let r = app.gql_ok(Some(&token), q, json!({"i": {"skuId": id}})).await["startCardEdit"].clone();
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(r["moderation"]["status"], "new");
    let (name, _) = seed::seed_names(3, false);
    assert_eq!(r["sku"]["card"]["nameRu"], name.as_str());
    // A changed locked field is an error of the check.
    let bad = update(&app, &token, json!({"skuId": id, "nameRu": "Другое название"})).await;
    assert!(bad["problems"].as_array().unwrap().iter().any(|p| p["code"] == "EDIT_LOCKED_FIELD" && p["field"] == "name_ru" && p["severity"] == "ERROR"), "{bad}");
    let ok = update(&app, &token, json!({"skuId": id, "nameRu": name, "shortNameRu": "Батончик", "country": "KZ"})).await;
    assert!(!ok["problems"].as_array().unwrap().iter().any(|p| p["severity"] == "ERROR"), "{ok}");
    // Send it; the follower takes it to completed and the card keeps its NTIN.
    let sent = request_mutation(&app, &token, "resubmitSku", json!({"skuId": id})).await;
    assert_eq!(sent["userErrors"], json!([]), "{sent}");
    let s = wait_status(&app, &token, &id, "completed").await;
    assert_eq!(s["ntin"], seed::seed_ntin(3), "{s}");
    assert_eq!(s["moderation"]["ntin"], seed::seed_ntin(3));
    assert_eq!(app.sim.stats().calls_of("edit-product"), 1);
    // An edit needs a published card.
    let (token_b, cat_b) = shop(&app, "NoNtin").await;
    let other = crate::cards::valid_card(&app, &token_b, &cat_b, "N-1", "Батончик без НТИН", 91).await;
    let r = app.gql_ok(Some(&token_b), q, json!({"i": {"skuId": other}})).await["startCardEdit"].clone();
    assert_eq!(r["userErrors"][0]["code"], "INVALID_STATE", "{r}");
}

#[tokio::test]
async fn a_sku_moved_to_another_catalog_moves_both_catalogs_stamps_and_a_plain_update_only_its_own() {
    // Arrange: two catalogs of one tenant, two SKUs each.
    use infra::db::card_check_repo::CardCheckRepo;
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Stamps").await;
    let (a, b) = (app.new_catalog(&token, "A").await, app.new_catalog(&token, "B").await);
    for (cat, p) in [(&a, "STAMPA"), (&b, "STAMPB")] {
        let r = app.import(&token, cat, "CSV", &format!("sku;barcode\n{p}-1;4870000000015\n{p}-2;4870000000022\n")).await;
        assert_eq!(r["created"], 2, "{r}");
    }
    let uid = |id: &str| api::ids::decode_any(id).unwrap().1;
    let (ua, ub) = (uid(&a), uid(&b));
    let stamps = CardCheckRepo::new(app.state.db.clone());
    let db = &app.state.db;
    let now = || async { (stamps.catalog_stamp(ua).await.unwrap(), stamps.catalog_stamp(ub).await.unwrap()) };
    let sql = |s: String| async move {
        db.execute_unprepared(&s).await.expect(&s);
    };

    // Act and assert: a plain bulk update of A's SKUs moves A's stamp only.
    let (a0, b0) = now().await;
    sql("UPDATE skus SET name_ru = 'x' WHERE seller_sku LIKE 'STAMPA-%'".to_owned()).await;
    let (a1, b1) = now().await;
    assert_ne!(a1, a0, "A's SKUs changed");
    assert_eq!(b1, b0, "B's did not");

    // A SKU moved from A to B by SQL behind the server's back moves both.
    sql("UPDATE skus SET catalog_id = (SELECT catalog_id FROM skus WHERE seller_sku = 'STAMPB-1') WHERE seller_sku = 'STAMPA-2'".to_owned()).await;
    let (a2, b2) = now().await;
    assert_ne!(a2, a1, "the catalog the SKU left");
    assert_ne!(b2, b1, "the catalog the SKU joined");
}
