//! Catalog sources against a local feed server: changes between pulls, 304s and unchanged bytes, removal
//! marks, bad rows, broken files, slow and oversized bodies, redirects (to private addresses too), and the
//! checks on setting a source.

use crate::helpers::{TestApp, spawn_app, spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use crate::http_stub::{Recorded, Reply, Stub};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A Kaspi price list with `(sku, model, price)` offers; the price is written as given (so it can be bad).
pub fn kaspi(offers: &[(&str, &str, &str)]) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<kaspi_catalog date=\"2026-05-01 10:00\" xmlns=\"kaspiShopping\">\n\
         <company>Demo LLP</company><merchantid>Demo01</merchantid>\n<offers>\n",
    );
    for (sku, model, price) in offers {
        x.push_str(&format!(
            "<offer sku=\"{sku}\"><model>{model}</model><brand>Demo</brand>\
             <availabilities><availability available=\"yes\" storeId=\"PP1\"/></availabilities>\
             <cityprices><cityprice cityId=\"750000000\">{price}</cityprice></cityprices></offer>\n"
        ));
    }
    x.push_str("</offers>\n</kaspi_catalog>\n");
    x
}

/// A feed server that serves `(etag, body)` and answers 304 to a matching `If-None-Match`.
async fn versioned_feed(current: Arc<Mutex<(String, String)>>) -> Stub {
    Stub::start(move |r: &Recorded| {
        let (etag, body) = current.lock().unwrap().clone();
        if r.header("if-none-match") == Some(etag.as_str()) {
            return Reply::status(304);
        }
        Reply::Full(200, vec![("etag", etag), ("content-type", "application/xml".into())], body.into_bytes())
    })
    .await
}

async fn shop(app: &TestApp) -> (String, String) {
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Kaspi").await;
    (token, cat)
}

#[tokio::test]
async fn a_catalog_follows_its_feed_through_changes_not_modified_answers_and_removals() {
    // Arrange: three offers behind an ETag.
    let app = spawn_app().await;
    let (token, cat) = shop(&app).await;
    let current = Arc::new(Mutex::new(("\"v1\"".to_owned(), kaspi(&[("A", "Чай", "100"), ("B", "Кофе", "200"), ("C", "Какао", "300")]))));
    let feed = versioned_feed(current.clone()).await;

    // Act 1: setting the source pulls it at once.
    let set = app.set_source(&token, json!({"catalogId": cat, "format": "KASPI_XML", "url": feed.url("/kaspi.xml"), "intervalSeconds": 3600})).await;
    assert_eq!(set["userErrors"], json!([]), "{set}");
    assert_eq!(set["source"]["format"], "KASPI_XML");
    let p1 = app.wait_pulls(&token, &cat, 1).await;
    // Assert 1
    assert_eq!((p1["outcome"].as_str(), p1["trigger"].as_str(), p1["httpStatus"].as_i64(), p1["created"].as_i64()), (Some("IMPORTED"), Some("SCHEDULE"), Some(200), Some(3)), "{p1}");
    let skus = app.skus_by_code(&token, &cat, json!(null)).await;
    assert_eq!(skus["A"]["price"], 100);
    assert_eq!(skus["A"]["channels"], json!(["kaspi"]));

    // Act 2: pulled again, unchanged: the server answers 304 to our If-None-Match.
    let now = app.pull_now(&token, &cat).await;
    assert_eq!(now["userErrors"], json!([]), "{now}");
    let p2 = app.wait_pulls(&token, &cat, 2).await;
    assert_eq!((p2["outcome"].as_str(), p2["trigger"].as_str(), p2["httpStatus"].as_i64()), (Some("NOT_MODIFIED"), Some("MANUAL"), Some(304)), "{p2}");
    assert_eq!(feed.requests()[1].header("if-none-match"), Some("\"v1\""));

    // Act 3: A's price changes, C leaves the feed, D arrives.
    *current.lock().unwrap() = ("\"v2\"".into(), kaspi(&[("A", "Чай", "150"), ("B", "Кофе", "200"), ("D", "Сок", "400")]));
    app.pull_now(&token, &cat).await;
    let p3 = app.wait_pulls(&token, &cat, 3).await;
    // Assert 3: C is marked, not deleted.
    let counts = |p: &Value| ["created", "updated", "unchanged", "removed", "restored", "rejected"].map(|k| p[k].as_i64().unwrap_or(-1));
    assert_eq!(counts(&p3), [1, 1, 1, 1, 0, 0], "{p3}");
    let skus = app.skus_by_code(&token, &cat, json!(null)).await;
    assert_eq!(skus.len(), 4);
    assert!(skus["C"]["removedFromFeedAt"].is_string(), "{}", skus["C"]);
    assert!(skus["A"]["removedFromFeedAt"].is_null());
    let removed = app.skus_by_code(&token, &cat, json!({"removedFromFeed": true})).await;
    assert_eq!(removed.keys().collect::<Vec<_>>(), ["C"]);

    // Act 4: C comes back; A's row is broken (a bad price) but still names A.
    *current.lock().unwrap() = ("\"v3\"".into(), kaspi(&[("A", "Чай", "1,5"), ("B", "Кофе", "200"), ("C", "Какао", "300"), ("D", "Сок", "400")]));
    app.pull_now(&token, &cat).await;
    let p4 = app.wait_pulls(&token, &cat, 4).await;
    // Assert 4: C restored, A refused with its line but not marked removed, and its stored price kept.
    assert_eq!(counts(&p4), [0, 0, 3, 0, 1, 1], "{p4}");
    assert_eq!(p4["rowErrors"][0]["code"], "BAD_PRICE");
    assert_eq!(p4["rowErrors"][0]["row"], 5);
    let skus = app.skus_by_code(&token, &cat, json!(null)).await;
    assert!(skus.values().all(|s| s["removedFromFeedAt"].is_null()), "{skus:?}");
    assert_eq!(skus["A"]["price"], 150);

    // Act 5: the same bytes under a new ETag (a server that ignores validators) change nothing.
    let body = current.lock().unwrap().1.clone();
    *current.lock().unwrap() = ("\"v3-again\"".into(), body);
    app.pull_now(&token, &cat).await;
    let p5 = app.wait_pulls(&token, &cat, 5).await;
    assert_eq!((p5["outcome"].as_str(), p5["httpStatus"].as_i64()), (Some("NOT_MODIFIED"), Some(200)), "{p5}");

    // Act 6: a truncated file fails as a whole and changes no SKU.
    *current.lock().unwrap() = ("\"v4\"".into(), kaspi(&[("A", "New name", "999")])[..200].to_owned());
    app.pull_now(&token, &cat).await;
    let p6 = app.wait_pulls(&token, &cat, 6).await;
    assert_eq!((p6["outcome"].as_str(), p6["error"]["code"].as_str()), (Some("FAILED"), Some("MALFORMED")), "{p6}");
    let after = app.skus_by_code(&token, &cat, json!(null)).await;
    assert_eq!(after, skus, "a broken file changes nothing stored");
    let src = app.source(&token, &cat).await;
    assert_eq!(src["consecutiveFailures"], 1);
    assert!(src["lastError"].as_str().unwrap().contains("truncated"), "{src}");
    assert_eq!(src["pulls"]["totalCount"], 6);
}

#[tokio::test]
async fn slow_oversized_refused_and_redirected_feeds_fail_cleanly() {
    // Arrange: a 1 s timeout and a 5,000-byte cap; one catalog per misbehaving URL.
    let mut settings = test_settings().await;
    settings.integrations.feeds.timeout = Duration::from_secs(1);
    settings.integrations.feeds.max_bytes = 5_000;
    let app = spawn_app_with_sim(settings, start_sim(test_sim_config()).await).await;
    let (_t, token) = app.new_tenant("Shop").await;
    let good = kaspi(&[("A", "Чай", "100")]);
    let big = kaspi(&(0..100).map(|_| ("X", "Длинное название товара", "1")).collect::<Vec<_>>());
    assert!(big.len() > 5_000);
    let (g, b) = (good.clone(), big.clone());
    let feed = Stub::start(move |r: &Recorded| match r.path.as_str() {
        "/slow.xml" => Reply::Slow(200, g.clone().into_bytes(), 10, Duration::from_millis(300)),
        "/big.xml" => Reply::ok(b.clone()),
        "/unsized.xml" => Reply::Unsized(200, b.clone().into_bytes()),
        "/gone.xml" => Reply::status(404),
        "/to-private.xml" => Reply::redirect("http://10.1.2.3/feed.xml"),
        "/to-metadata.xml" => Reply::redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-good.xml" => Reply::redirect("/good.xml"),
        _ => Reply::ok(g.clone()),
    })
    .await;
    let cases = [
        ("/slow.xml", "FAILED", Some("TIMEOUT")),
        ("/big.xml", "FAILED", Some("TOO_LARGE")),
        ("/unsized.xml", "FAILED", Some("TOO_LARGE")),
        ("/gone.xml", "FAILED", Some("HTTP_STATUS")),
        ("/to-private.xml", "FAILED", Some("BLOCKED_ADDRESS")),
        ("/to-metadata.xml", "FAILED", Some("BLOCKED_ADDRESS")),
        ("/to-good.xml", "IMPORTED", None),
    ];
    let mut catalogs = Vec::new();
    for (path, _, _) in &cases {
        let cat = app.new_catalog(&token, path).await;
        let r = app.set_source(&token, json!({"catalogId": cat, "format": "KASPI_XML", "url": feed.url(path)})).await;
        assert_eq!(r["userErrors"], json!([]), "{r}");
        catalogs.push(cat);
    }

    // Act
    let mut pulls = Vec::new();
    for cat in &catalogs {
        pulls.push(app.wait_pulls(&token, cat, 1).await);
    }

    // Assert
    for ((path, outcome, code), (p, cat)) in cases.iter().zip(pulls.iter().zip(&catalogs)) {
        assert_eq!((p["outcome"].as_str(), p["error"]["code"].as_str()), (Some(*outcome), *code), "{path}: {p}");
        let n = app.skus_by_code(&token, cat, json!(null)).await.len();
        assert_eq!(n, usize::from(*outcome == "IMPORTED"), "{path}");
    }
    assert_eq!(pulls[3]["httpStatus"], 404);
    assert!(pulls[4]["error"]["message"].as_str().unwrap().contains("10.1.2.3"), "{}", pulls[4]);
    // The redirect targets were never contacted (they are not on the stub, and the stub saw only its paths).
    assert!(feed.requests().iter().all(|r| r.path != "/feed.xml" && r.path != "/latest/meta-data/"));
    // A failure backs off: the next pull is about a minute away, not an hour.
    let src = app.source(&token, &catalogs[0]).await;
    let next = chrono::DateTime::parse_from_rfc3339(src["nextPullAt"].as_str().unwrap()).unwrap();
    let wait = next.signed_duration_since(chrono::Utc::now()).num_seconds();
    assert!((1..=61).contains(&wait), "{wait}");
}

#[tokio::test]
async fn setting_a_source_checks_the_url_the_schedule_the_role_and_the_tenant() {
    // Arrange: the production default: no network outside the public internet, 15-minute minimum.
    let mut settings = test_settings().await;
    settings.integrations = api::integrations::IntegrationSettings::default();
    let app = spawn_app_with_sim(settings, start_sim(test_sim_config()).await).await;
    let (tenant, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Main").await;
    let feed = Stub::start(|_| Reply::ok("")).await;
    let input = |url: &str, interval: i64| json!({"catalogId": cat, "format": "CSV", "url": url, "intervalSeconds": interval});

    // Act + Assert: addresses outside the public internet, other schemes, credentials, blanks.
    for (url, code) in [
        (feed.url("/feed.csv"), "INVALID"),
        (format!("http://localhost:{}/feed.csv", feed.port), "INVALID"),
        ("http://[::1]/feed.csv".into(), "INVALID"),
        ("http://169.254.169.254/latest/".into(), "INVALID"),
        ("ftp://example.com/feed.csv".into(), "INVALID"),
        ("https://user:secret@example.com/feed.csv".into(), "INVALID"),
        ("  ".into(), "BLANK"),
    ] {
        let r = app.set_source(&token, input(&url, 3600)).await;
        assert_eq!((r["userErrors"][0]["field"].clone(), r["userErrors"][0]["code"].as_str()), (json!(["input", "url"]), Some(code)), "{url}: {r}");
        assert!(r["source"].is_null());
    }
    // A schedule below the operator's minimum or above a week.
    for interval in [60, 8 * 24 * 3600] {
        let r = app.set_source(&token, input("http://93.184.216.34/feed.csv", interval)).await;
        assert_eq!(r["userErrors"][0]["code"], "INVALID", "{r}");
        assert_eq!(r["userErrors"][0]["field"], json!(["input", "intervalSeconds"]));
    }
    // A public address is accepted (disabled here: this machine has no route out).
    let ok = app.set_source(&token, json!({"catalogId": cat, "format": "CSV", "url": "http://93.184.216.34/feed.csv", "enabled": false})).await;
    assert_eq!(ok["userErrors"], json!([]), "{ok}");
    assert_eq!(ok["source"]["intervalSeconds"], 3600);
    let r = app.pull_now(&token, &cat).await;
    assert_eq!(r["userErrors"][0]["code"], "INVALID_STATE", "{r}");
    // Viewers cannot change sources; editors can.
    let viewer = app.token(tenant, domain::tenant::Role::Viewer);
    let body = app.gql(Some(&viewer), "mutation($i:SetCatalogSourceInput!){ setCatalogSource(input:$i){ source{ id } } }", json!({"i": input("http://93.184.216.34/x.csv", 3600)})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    let body = app.gql(Some(&viewer), "mutation($c:ID!){ pullCatalogSource(input:{catalogId:$c}){ source{ id } } }", json!({"c": cat})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    assert_eq!(app.source(&viewer, &cat).await["url"], "http://93.184.216.34/feed.csv", "viewers read it");
    let editor = app.token(tenant, domain::tenant::Role::Editor);
    assert_eq!(app.set_source(&editor, input("http://93.184.216.34/y.csv", 7200)).await["userErrors"], json!([]));
    // Another tenant sees nothing and changes nothing.
    let (_o, other) = app.new_tenant("Other").await;
    let r = app.set_source(&other, input("http://93.184.216.34/z.csv", 3600)).await;
    assert_eq!(r["userErrors"][0]["code"], "NOT_FOUND", "{r}");
    assert_eq!(app.pull_now(&other, &cat).await["userErrors"][0]["code"], "NOT_FOUND");
    let d = app.gql_ok(Some(&other), "{ catalogSources { id } }", json!({})).await;
    assert_eq!(d["catalogSources"], json!([]));
    let d = app.gql_ok(Some(&other), "mutation($c:ID!){ deleteCatalogSource(input:{catalogId:$c}){ catalogId userErrors{ code } } }", json!({"c": cat})).await;
    assert_eq!(d["deleteCatalogSource"]["userErrors"][0]["code"], "NOT_FOUND");
    // The owner removes it; the SKUs (none here) stay.
    let d = app.gql_ok(Some(&token), "mutation($c:ID!){ deleteCatalogSource(input:{catalogId:$c}){ catalogId userErrors{ code } } }", json!({"c": cat})).await;
    assert_eq!(d["deleteCatalogSource"]["catalogId"], cat.as_str());
    assert!(app.source(&token, &cat).await.is_null());
    assert!(feed.requests().is_empty(), "no check ever reached the loopback server");
}

#[tokio::test]
async fn jmart_and_omarket_feeds_import_with_their_own_channel() {
    // Arrange: the same offer in Jmart's layout (`cityid`) and in OMarket's own (`catalog`, `deactivate`).
    let app = spawn_app().await;
    let (token, jmart_cat) = shop(&app).await;
    let omarket_cat = app.new_catalog(&token, "OMarket").await;
    let feed = Stub::start(|r: &Recorded| match r.path.as_str() {
        "/jmart.xml" => Reply::ok(
            "<jmart_catalog xmlns=\"jmartShopping\" date=\"x\"><company>C</company><merchantid>M</merchantid><offers>\
             <offer sku=\"J-1\"><model>Чай</model><cityprices><cityprice cityid=\"710000000\">5000</cityprice></cityprices></offer>\
             </offers></jmart_catalog>",
        ),
        _ => Reply::ok("<catalog date=\"2026.05.01 10:00\"><offers><offer sku=\"O-1\"><model>Кофе</model><price>900</price></offer>\
                        <offer sku=\"O-2\"><deactivate>true</deactivate></offer></offers></catalog>"),
    })
    .await;

    // Act
    app.set_source(&token, json!({"catalogId": jmart_cat, "format": "JMART_XML", "url": feed.url("/jmart.xml")})).await;
    app.set_source(&token, json!({"catalogId": omarket_cat, "format": "OMARKET_XML", "url": feed.url("/omarket.xml")})).await;
    let (pj, po) = (app.wait_pulls(&token, &jmart_cat, 1).await, app.wait_pulls(&token, &omarket_cat, 1).await);

    // Assert
    assert_eq!((pj["outcome"].as_str(), pj["created"].as_i64()), (Some("IMPORTED"), Some(1)), "{pj}");
    assert_eq!((po["outcome"].as_str(), po["created"].as_i64()), (Some("IMPORTED"), Some(2)), "{po}");
    let j = app.skus_by_code(&token, &jmart_cat, json!(null)).await;
    assert_eq!((j["J-1"]["price"].as_i64(), &j["J-1"]["channels"]), (Some(5000), &json!(["jmart"])));
    let o = app.skus_by_code(&token, &omarket_cat, json!(null)).await;
    assert_eq!((o["O-1"]["nameRu"].as_str(), &o["O-2"]["channels"]), (Some("Кофе"), &json!(["omarket"])));
    // A Kaspi list given as Jmart is refused as a whole.
    let r = app.import(&token, &jmart_cat, "JMART_XML", &kaspi(&[("K", "x", "1")])).await;
    assert_eq!(r["rowErrors"][0]["code"], "WRONG_ROOT", "{r}");
}
