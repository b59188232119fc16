//! What replicas share through Redis: per-tenant API rate limits, the NCT budget per key, the card schema.
//! (Live progress across replicas is in `subscription.rs`.) Each test needs the services it names and says
//! so when it is skipped on the embedded default.

use crate::helpers::{TestApp, spawn_app_with_sim, start_sim, temp_dir, test_settings, test_sim_config};
use nct_sim::{DEMO_KEY, FaultConfig, seed};
use serde_json::json;
use std::time::Duration;

fn services(need_pg: bool) -> bool {
    let set = |v: &str| std::env::var(v).is_ok_and(|u| !u.is_empty());
    let ok = set("TEST_REDIS_URL") && (!need_pg || set("TEST_DATABASE_URL"));
    if !ok {
        eprintln!("skipped: needs Redis{} (TEST_REDIS_URL, TEST_DATABASE_URL)", if need_pg { " and PostgreSQL" } else { "" });
    }
    ok
}

/// Two replicas on one database, Redis and simulator; `tune` adjusts the settings of both.
async fn two_replicas(sim: std::sync::Arc<nct_sim::SimHandle>, tune: impl Fn(&mut api::config::Settings)) -> (TestApp, TestApp) {
    let mut settings = test_settings().await;
    settings.release_leases_on_start = false;
    tune(&mut settings);
    let mut settings_b = settings.clone();
    settings_b.data_dir = temp_dir();
    (spawn_app_with_sim(settings, sim.clone()).await, spawn_app_with_sim(settings_b, sim).await)
}

#[tokio::test]
async fn a_tenants_api_rate_limit_holds_across_replicas() {
    if !services(true) {
        return;
    }
    // Arrange: 1 request/s per tenant with bursts of 3, on each of two replicas.
    let sim = start_sim(test_sim_config()).await;
    let (a, b) = two_replicas(sim, |s| s.api_rate = std::num::NonZeroU32::new(1).zip(std::num::NonZeroU32::new(3))).await;
    let (_t, token) = a.new_tenant("Shop").await;
    let status = |app: &TestApp| {
        let req = app.client.post(format!("{}/graphql", app.address)).bearer_auth(&token).json(&json!({"query": "{ jobs { id } }"}));
        async move { req.send().await.unwrap().status().as_u16() }
    };
    // Act: the burst on A (createTenant above was the admin's, not the tenant's), then one more on B.
    let mut on_a = Vec::new();
    for _ in 0..3 {
        on_a.push(status(&a).await);
    }
    let on_b = status(&b).await;
    // Assert: B knows what A counted.
    assert_eq!(on_a, vec![200, 200, 200]);
    assert_eq!(on_b, 429, "the tenant's 4th request within the burst went through on the other replica");
}

#[tokio::test]
async fn two_replicas_working_one_job_stay_under_the_nct_rate_limit_together() {
    if !services(true) {
        return;
    }
    // Arrange: NCT allows 20 calls/s per key; each replica is told the same, and both work the job.
    let mut cfg = test_sim_config();
    cfg.rate_limit_per_sec = Some(20);
    let sim = start_sim(cfg).await;
    let (a, b) = two_replicas(sim.clone(), |s| s.nct_rate_limit = std::num::NonZeroU32::new(20)).await;
    let (_t, token) = a.new_tenant("Shop").await;
    let cat = a.new_catalog(&token, "Budget").await;
    let csv: String = std::iter::once("sku;barcode\n".to_owned()).chain((0..120).map(|i| format!("B-{i:04};{}\n", seed::seed_gtin(3000 + i)))).collect();
    a.import(&token, &cat, "CSV", &csv).await;
    a.set_key(&token, DEMO_KEY, true).await;
    // Act
    let job = a.start_lookup(&token, &cat, None).await["job"]["id"].as_str().unwrap().to_owned();
    let done = b.wait_job(&token, &job, Duration::from_secs(60)).await;
    // Assert: every item done, and NCT never had to say 429.
    assert_eq!(done["state"], "SUCCEEDED", "{done}");
    assert_eq!(done["progress"]["processed"], 120);
    assert_eq!(done["progress"]["failed"], 0);
    assert_eq!(sim.stats().rate_limited, 0, "the replicas together went over NCT's limit");
    assert!(sim.stats().total_lookups() >= 120);
}

#[tokio::test]
async fn the_card_schema_one_replica_loaded_serves_the_next_without_nct() {
    if !services(false) {
        return;
    }
    // Arrange: a card checked once, so the schema of its category is loaded (and shared).
    let app = spawn_app_with_sim(test_settings().await, start_sim(test_sim_config()).await).await;
    let (_t, token) = app.new_tenant("Shop").await;
    app.set_key(&token, DEMO_KEY, true).await;
    let cat = app.new_catalog(&token, "Cards").await;
    app.gql_ok(Some(&token), "mutation($c:ID!){ upsertSkus(input:{catalogId:$c, skus:[{sellerSku:\"C-1\"}]}){ userErrors{ message } } }", json!({"c": cat})).await;
    let d = app.gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ skus(first:1){ nodes{ id } } } }", json!({"c": cat})).await;
    let id = d["catalog"]["skus"]["nodes"][0]["id"].clone();
    let upd = "mutation($i:UpdateCardInput!){ updateCard(input:$i){ userErrors{ message } } }";
    app.gql_ok(Some(&token), upd, json!({"i": {"skuId": id, "nameRu": "Батончик", "oktru": "1020-0011-0003-100006374", "tnved": "1806321000"}})).await;
    let check = "query($s:ID!){ node(id:$s){ ... on Sku { cardCheck{ field code } } } }";
    let before = app.gql(Some(&token), check, json!({"s": id})).await;
    assert!(before.get("errors").is_none(), "{before}");
    // Act: this process forgets the schema (as a fresh replica would not have it) and NCT fails every call.
    infra::card_schema::CardSchemaCache::for_client(&app.state.nct).evict_schema().await;
    app.sim.set_faults(FaultConfig { error_rate: 1.0, ..FaultConfig::default() });
    let after = app.gql(Some(&token), check, json!({"s": id})).await;
    // Assert: the same check, from the shared schema.
    assert!(after.get("errors").is_none(), "the schema was not shared: {after}");
    assert_eq!(after["data"], before["data"]);
}
