//! Catalog sources over time: the schedule survives a restart, two replicas on one database never pull a
//! source twice at once, and new SKUs are looked up automatically when the source opts in.

use crate::feeds::kaspi;
use crate::helpers::{spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use crate::http_stub::{Recorded, Reply, Stub};
use crate::integrations::eventually;
use nct_sim::{DEMO_KEY, seed};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn times(pull: &Value) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    let t = |k: &str| pull[k].as_str().unwrap().parse().unwrap();
    (t("startedAt"), t("finishedAt"))
}

#[tokio::test]
async fn the_schedule_survives_a_restart_and_two_replicas_never_pull_a_source_twice_at_once() {
    // Arrange: a feed that takes about half a second to send, pulled every second.
    let mut settings = test_settings().await;
    settings.release_leases_on_start = true;
    let sim = start_sim(test_sim_config()).await;
    let body = kaspi(&[("A", "Чай", "100"), ("B", "Кофе", "200")]);
    let feed = Stub::start(move |_: &Recorded| Reply::Slow(200, body.clone().into_bytes(), 3, Duration::from_millis(150))).await;
    let app = spawn_app_with_sim(settings.clone(), sim.clone()).await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Kaspi").await;
    let r = app.set_source(&token, json!({"catalogId": cat, "format": "KASPI_XML", "url": feed.url("/k.xml"), "intervalSeconds": 1})).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    app.wait_pulls(&token, &cat, 3).await;

    // Act 1: the process dies (perhaps mid-pull) and comes back: the schedule is in the database.
    let (settings, sim) = app.kill().await;
    // The stub is still sending the killed pull's body for a moment; a new pull must not overlap it.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let before = feed.requests().len();
    let app = spawn_app_with_sim(settings.clone(), sim.clone()).await;
    let n = app.source(&token, &cat).await["pulls"]["totalCount"].as_u64().unwrap();
    app.wait_pulls(&token, &cat, n + 2).await;
    assert!(feed.requests().len() >= before + 2);

    // Act 2: a second replica on the same database (it must not free the first one's leases).
    let mut replica_settings = settings.clone();
    replica_settings.release_leases_on_start = false;
    let replica = spawn_app_with_sim(replica_settings, sim.clone()).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let _ = replica.kill().await;
    let _ = app.kill().await;
    tokio::time::sleep(Duration::from_millis(600)).await;

    // Assert: pulls never overlapped, each request of the live processes is one pull, all of them imported.
    let app = spawn_app_with_sim(settings, sim).await;
    let src = app.source(&token, &cat).await;
    let mut pulls: Vec<Value> = src["pulls"]["nodes"].as_array().unwrap().clone();
    pulls.reverse();
    for pair in pulls.windows(2) {
        let (a, b) = (times(&pair[0]), times(&pair[1]));
        assert!(b.0 >= a.1, "pulls overlap: {} and {}", pair[0], pair[1]);
    }
    assert_eq!(feed.max_in_flight(), 1, "the server never served two pulls at once");
    let total = src["pulls"]["totalCount"].as_u64().unwrap() as usize;
    let requests = feed.requests().len();
    assert!(requests >= total && requests <= total + 4, "requests {requests}, pulls {total} (each killed process and the reader may leave a request without a pull)");
    assert!(total >= 8, "{total}");
    assert!(pulls.iter().all(|p| p["outcome"] == "IMPORTED" || p["outcome"] == "NOT_MODIFIED"), "{pulls:?}");
}

#[tokio::test]
async fn new_skus_of_a_feed_are_looked_up_automatically_in_a_job_the_tenant_sees() {
    // Arrange: a CSV feed with barcodes: four GTINs NCT knows, one it does not, one SKU without a barcode.
    let app = spawn_app_with_sim(test_settings().await, start_sim(test_sim_config()).await).await;
    let (_t, token) = app.new_tenant("Shop").await;
    app.set_key(&token, DEMO_KEY, true).await;
    let cat = app.new_catalog(&token, "CSV").await;
    let rows = |extra: &str| {
        let mut csv = String::from("sku;barcode;name\n");
        for i in 1..=4 {
            csv.push_str(&format!("F-{i};{};Товар {i}\n", seed::seed_gtin(i)));
        }
        csv.push_str(&format!("M-1;{};Неизвестный\nNB-1;;Без штрихкода\n{extra}", seed::not_found_gtin(1)));
        csv
    };
    let current = Arc::new(Mutex::new(rows("")));
    let c2 = current.clone();
    let feed = Stub::start(move |_: &Recorded| Reply::ok(c2.lock().unwrap().clone())).await;

    // Act 1
    let r = app.set_source(&token, json!({"catalogId": cat, "format": "CSV", "url": feed.url("/f.csv"), "autoLookup": true})).await;
    assert_eq!(r["source"]["autoLookup"], true, "{r}");
    let job = eventually(Duration::from_secs(20), "follow-up job", || async {
        let p = app.source(&token, &cat).await["pulls"]["nodes"][0].clone();
        if p["followUp"] == "STARTED" { Ok(p["followUpJob"].clone()) } else { Err(p) }
    })
    .await;

    // Assert 1: one LOOKUP job over the five SKUs with a GTIN; the tenant sees it among its jobs.
    assert_eq!(job["kind"], "LOOKUP");
    let done = app.wait_job(&token, job["id"].as_str().unwrap(), Duration::from_secs(30)).await;
    assert_eq!((done["state"].as_str(), done["progress"]["total"].as_u64(), done["progress"]["found"].as_u64(), done["progress"]["notFound"].as_u64()), (Some("SUCCEEDED"), Some(5), Some(4), Some(1)), "{done}");
    let skus = app.skus_by_code(&token, &cat, json!(null)).await;
    assert_eq!(skus["F-1"]["ntin"], seed::seed_ntin(1));
    assert_eq!(skus["NB-1"]["lookupState"], Value::Null);
    let jobs = app.gql_ok(Some(&token), "{ jobs(first: 10) { id } }", json!({})).await;
    assert!(jobs.to_string().contains(job["id"].as_str().unwrap()), "{jobs}");

    // Act 2: one new SKU arrives; the next follow-up looks up exactly that one.
    *current.lock().unwrap() = rows(&format!("F-9;{};Новинка\n", seed::seed_gtin(9)));
    app.pull_now(&token, &cat).await;
    let job2 = eventually(Duration::from_secs(20), "second follow-up", || async {
        let p = app.source(&token, &cat).await["pulls"]["nodes"][0].clone();
        if p["followUp"] == "STARTED" && p["followUpJob"]["id"] != job["id"] { Ok(p["followUpJob"].clone()) } else { Err(p) }
    })
    .await;
    let done2 = app.wait_job(&token, job2["id"].as_str().unwrap(), Duration::from_secs(30)).await;
    assert_eq!(done2["progress"]["total"], 1, "{done2}");

    // Act 3: nothing new: not modified, and no follow-up at all.
    app.pull_now(&token, &cat).await;
    let p3 = app.wait_pulls(&token, &cat, 3).await;
    assert_eq!((p3["outcome"].as_str(), &p3["followUp"]), (Some("NOT_MODIFIED"), &Value::Null), "{p3}");
}
