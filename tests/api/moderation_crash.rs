//! A kill at every step of moderation, after NCT took the step and before we wrote it down: the send to
//! moderation (the reproduction), publish, cancel, resubmit (after the `PUT`, and after the send)
//! and a duplicate decision. The simulator applies the step, then holds its answer (`set_stall`); the test
//! kills the server while the answer is held and restarts it on the same database. Every card must end
//! where NCT says it is, with no step done twice and no request created twice.

use crate::cards::{request_mutation, shop, sku, submit, update, valid_card, wait_sku, wait_status};
use crate::helpers::{TestApp, spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use nct_sim::{Outcome, Script};
use serde_json::{Value, json};
use std::time::Duration;

/// Waits until the simulator holds the answer of a step that took effect.
async fn wait_stalled(app: &TestApp, before: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while app.sim.stats().stalled <= before {
        assert!(std::time::Instant::now() < deadline, "the stalled step never arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Kills the server and starts it again on the same database and simulator.
async fn restart(app: TestApp) -> TestApp {
    let (settings, sim) = app.kill().await;
    spawn_app_with_sim(settings, sim).await
}

/// Sends a mutation that will never get its answer (the server is killed meanwhile).
fn fire(app: &TestApp, token: &str, name: &str, input: Value) {
    let (client, url, token) = (app.client.clone(), format!("{}/graphql", app.address), token.to_owned());
    let q = format!(
        "mutation($i:{}Input!){{ {name}(input:$i){{ userErrors{{ code }} }} }}",
        if name == "decideDuplicate" { "DecideDuplicate" } else { "SkuRequest" }
    );
    tokio::spawn(async move {
        let _ = client.post(url).bearer_auth(token).json(&json!({"query": q, "variables": {"i": input}})).send().await;
    });
}

#[tokio::test]
async fn a_kill_after_the_moderation_put_reached_nct_still_ends_with_an_ntin() {
    // Arrange: NCT applies the send to moderation, then holds its answer; we are killed meanwhile.
    let mut cfg = test_sim_config();
    cfg.latency = Duration::from_millis(60);
    let app = spawn_app_with_sim(test_settings().await, start_sim(cfg).await).await;
    let (token, cat) = shop(&app, "Shop").await;
    let id = valid_card(&app, &token, &cat, "M-1", "Батончик после падения", 11).await;
    app.sim.set_stall("moderation", Some(Duration::from_secs(30)));
    let d = app.gql_ok(Some(&token), "mutation($c:ID!,$s:[ID!]){ startSubmitJob(input:{catalogId:$c, skuIds:$s}){ job{ id } } }", json!({"c": cat, "s": [id]})).await;
    let job = d["startSubmitJob"]["job"]["id"].as_str().unwrap().to_owned();
    wait_stalled(&app, 0).await;
    // Act: kill while NCT holds the request on moderation and we still think it is new.
    let app = restart(app).await;
    let before = sku(&app, &token, &id).await;
    // Assert: the resumed send is answered 422 ("already on moderation"); the status is read and adopted.
    let done = app.wait_job(&token, &job, Duration::from_secs(60)).await;
    assert_eq!(done["state"], "SUCCEEDED", "{done} (before: {before})");
    assert_eq!(done["progress"]["failed"], 0, "{done}");
    let s = wait_status(&app, &token, &id, "completed").await;
    assert_eq!(s["ntin"].as_str().map(str::len), Some(13), "{s}");
    assert_eq!(s["ntinSource"], "REQUEST");
    assert_eq!(s["moderation"]["pendingStep"], Value::Null);
    let stats = app.sim.stats();
    assert_eq!(stats.requests_created, 1);
    assert!(stats.calls_of("moderation") <= 2, "one send, at most one refused repeat: {stats:?}");
    assert_eq!(stats.calls_of("publish"), 1);
}

#[tokio::test]
async fn a_kill_after_nct_published_adopts_the_ntin_without_publishing_twice() {
    let app = spawn_app_with_sim(test_settings().await, start_sim(test_sim_config()).await).await;
    let (token, cat) = shop(&app, "Shop").await;
    let id = valid_card(&app, &token, &cat, "P-1", "Батончик публикуемый", 12).await;
    app.sim.set_stall("publish", Some(Duration::from_secs(30)));
    submit(&app, &token, &cat, &[&id]).await;
    wait_stalled(&app, 0).await;
    let app = restart(app).await;
    let s = wait_status(&app, &token, &id, "completed").await;
    assert_eq!(s["ntin"].as_str().map(str::len), Some(13), "{s}");
    assert_eq!(app.sim.stats().calls_of("publish"), 1);
}

#[tokio::test]
async fn a_kill_after_nct_cancelled_finishes_the_sellers_cancel() {
    // A slow moderation clock keeps the request on moderation.
    let mut cfg = test_sim_config();
    cfg.working_day = Duration::from_secs(120);
    let app = spawn_app_with_sim(test_settings().await, start_sim(cfg).await).await;
    let (token, cat) = shop(&app, "Shop").await;
    let id = valid_card(&app, &token, &cat, "C-1", "Батончик отзываемый дважды", 13).await;
    submit(&app, &token, &cat, &[&id]).await;
    app.sim.set_stall("cancel", Some(Duration::from_secs(30)));
    fire(&app, &token, "cancelRequest", json!({"skuId": id}));
    wait_stalled(&app, 0).await;
    let app = restart(app).await;
    let s = wait_sku(&app, &token, &id, 30, |s| s["card"]["status"] == "CANCELLED").await;
    assert_eq!(s["moderation"]["status"], "cancelled", "{s}");
    assert_eq!(s["moderation"]["pendingStep"], Value::Null);
    assert_eq!(s["moderation"]["nextCheckAt"], Value::Null);
    assert_eq!(app.sim.stats().calls_of("cancel"), 1);
}

#[tokio::test]
async fn a_kill_inside_a_resubmit_is_finished_after_the_put_and_adopted_after_the_send() {
    let app = spawn_app_with_sim(test_settings().await, start_sim(test_sim_config()).await).await;
    let (token, cat) = shop(&app, "Shop").await;
    let names = ["Батончик возвращённый первый", "Батончик возвращённый второй"];
    let mut ids = Vec::new();
    for (n, name) in names.iter().enumerate() {
        app.sim.set_script(Script { name_ru: (*name).into(), outcome: Some(Outcome::Revision), attribute_code: Some("short_name_ru".into()), ..Script::default() });
        ids.push(valid_card(&app, &token, &cat, &format!("R-{n}"), name, 14 + n).await);
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    submit(&app, &token, &cat, &refs).await;
    for id in &ids {
        wait_sku(&app, &token, id, 30, |s| s["card"]["status"] == "NEEDS_REVISION").await;
        update(&app, &token, json!({"skuId": id, "shortNameRu": "Батончик"})).await;
    }
    // First: killed after NCT took the corrected card (PUT) but before the send.
    app.sim.set_stall("update", Some(Duration::from_secs(30)));
    fire(&app, &token, "resubmitSku", json!({"skuId": ids[0]}));
    wait_stalled(&app, 0).await;
    let app = restart(app).await;
    let s = wait_status(&app, &token, &ids[0], "completed").await;
    assert_eq!(s["moderation"]["pendingStep"], Value::Null, "{s}");
    // Second: killed after the send reached NCT.
    let stalled = app.sim.stats().stalled;
    app.sim.set_stall("moderation", Some(Duration::from_secs(30)));
    fire(&app, &token, "resubmitSku", json!({"skuId": ids[1]}));
    wait_stalled(&app, stalled).await;
    let app = restart(app).await;
    let s = wait_status(&app, &token, &ids[1], "completed").await;
    assert_eq!(s["ntinSource"], "REQUEST", "{s}");
    // Two first sends and one resubmit send each: NCT never got a send twice for one round.
    let stats = app.sim.stats();
    assert_eq!(stats.calls_of("moderation"), 4, "{stats:?}");
    assert_eq!(stats.requests_created, 2);
}

#[tokio::test]
async fn a_kill_after_nct_took_a_duplicate_decision_adopts_the_chosen_card() {
    let app = spawn_app_with_sim(test_settings().await, start_sim(test_sim_config()).await).await;
    let (token, cat) = shop(&app, "Shop").await;
    let name = "Батончик похожий на другой";
    app.sim.set_script(Script { name_ru: name.into(), outcome: Some(Outcome::Duplicates), ..Script::default() });
    let id = valid_card(&app, &token, &cat, "D-1", name, 16).await;
    submit(&app, &token, &cat, &[&id]).await;
    let s = wait_sku(&app, &token, &id, 30, |s| s["card"]["status"] == "DUPLICATE_REVIEW").await;
    let chosen = s["moderation"]["duplicates"][0]["ntin"].as_str().unwrap().to_owned();
    app.sim.set_stall("decision", Some(Duration::from_secs(30)));
    fire(&app, &token, "decideDuplicate", json!({"skuId": id, "decision": "USE_EXISTING", "ntin": chosen}));
    wait_stalled(&app, 0).await;
    let app = restart(app).await;
    let s = wait_status(&app, &token, &id, "existingProductSelected").await;
    assert_eq!(s["ntin"], chosen.as_str(), "{s}");
    assert_eq!(s["moderation"]["pendingStep"], Value::Null);
    assert_eq!(app.sim.stats().calls_of("decision"), 1);
    // The mutation's own answer never came; a second decision is refused as not awaited.
    let r = request_mutation(&app, &token, "decideDuplicate", json!({"skuId": id, "decision": "CONTINUE"})).await;
    assert_eq!(r["userErrors"][0]["code"], "INVALID_STATE", "{r}");
}
