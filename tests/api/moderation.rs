//! Every status the spec lists, from the simulator to GraphQL, followed without a click: `accepted`, the AI
//! photo check (returned and rejected), a plain rejection, a rejection naming the existing card (the SKU
//! takes its NTIN, source `EXISTING`), `readyToPublish` left to NCT by
//! `autoPublication` (no tight polling, no publish call), the extended part through CEF after `completed`
//! (`acceptedGz`, `underRevisionGz` with CEF's remarks, `publishingGz`, `rejectedGz`), and a status the spec
//! does not list. `new`, `onModeration`, `underRevision`, duplicates, `existingProductSelected`,
//! `completed` and `cancelled` are in `cards.rs`.

use crate::cards::{request_mutation, shop, submit, update, valid_card, wait_sku, wait_status};
use crate::helpers::{TestApp, captured_logs, spawn_app, spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use nct_sim::{EXISTS_COMMENT, GzOutcome, Outcome, Script, seed};
use serde_json::{Value, json};
use std::time::Duration;

fn script(name: &str, outcome: Outcome) -> Script {
    Script { name_ru: name.into(), outcome: Some(outcome), ..Script::default() }
}

#[tokio::test]
async fn every_base_outcome_reaches_graphql_without_a_click() {
    let app = spawn_app().await;
    let (token, cat) = shop(&app, "Shop").await;
    let cases = [
        ("Батончик на проверке фото", Outcome::Photo),
        ("Батончик отклонён по фото", Outcome::PhotoReject),
        ("Батончик отклонённый", Outcome::Reject),
        ("Батончик уже существующий", Outcome::Exists),
        ("Батончик в работе", Outcome::Hold),
    ];
    let mut ids = Vec::new();
    for (n, (name, outcome)) in cases.iter().enumerate() {
        app.sim.set_script(Script { comment: (*outcome == Outcome::Reject).then(|| "Карточка не соответствует требованиям каталога.".into()), ..script(name, *outcome) });
        ids.push(valid_card(&app, &token, &cat, &format!("O-{n}"), name, 40 + n).await);
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    submit(&app, &token, &cat, &refs).await;

    // AI photo check, returned: reason, score and comment reach the seller.
    let s = wait_status(&app, &token, &ids[0], "underRevision").await;
    assert_eq!(s["card"]["status"], "NEEDS_REVISION", "{s}");
    assert_eq!(s["moderation"]["reason"], "Изображения не прошли проверку ИИ");
    assert_eq!(s["moderation"]["photoCheck"]["score"], 12);
    assert!(s["moderation"]["photoCheck"]["comment"].as_str().is_some_and(|c| c.contains("другой товар")), "{s}");
    assert_eq!(s["moderation"]["awaitingDuplicateDecision"], false);
    assert!(s["moderation"]["nextCheckAt"].is_string(), "a returned request is still followed: {s}");
    // AI photo check, rejected.
    let s = wait_status(&app, &token, &ids[1], "rejected").await;
    assert_eq!(s["card"]["status"], "REJECTED", "{s}");
    assert!(s["moderation"]["photoCheck"]["score"].is_number(), "{s}");
    assert_eq!(s["moderation"]["nextCheckAt"], Value::Null);
    // A plain rejection: the comment, no NTIN.
    let s = wait_status(&app, &token, &ids[2], "rejected").await;
    assert_eq!(s["moderation"]["comment"], "Карточка не соответствует требованиям каталога.", "{s}");
    assert_eq!(s["ntin"], Value::Null);
    assert_eq!(s["card"]["status"], "REJECTED");
    // Rejected because the card exists: the SKU takes that NTIN, source EXISTING, with NCT's reason.
    let s = wait_status(&app, &token, &ids[3], "rejected").await;
    assert_eq!(s["ntin"], seed::seed_ntin(0), "{s}");
    assert_eq!(s["ntinSource"], "EXISTING");
    assert_eq!(s["ntinReason"], EXISTS_COMMENT);
    assert_eq!(s["readinessClass"], "HAS_NTIN");
    assert_eq!(s["card"]["status"], "COMPLETED");
    assert!(s["moderation"]["productUrl"].as_str().is_some_and(|u| u.starts_with("https://nationalcatalog.kz/product/")));
    // A moderator who took the card and has not decided: `accepted`, still followed.
    let s = wait_status(&app, &token, &ids[4], "accepted").await;
    assert_eq!(s["card"]["status"], "SUBMITTED");
    assert!(s["moderation"]["nextCheckAt"].is_string(), "{s}");
    app.sim.set_script(script("Батончик в работе", Outcome::Ready));
    let s = wait_status(&app, &token, &ids[4], "completed").await;
    assert_eq!(s["ntinSource"], "REQUEST", "{s}");
}

#[tokio::test]
async fn ready_to_publish_with_auto_publication_is_left_to_nct_without_tight_polling() {
    // NCT publishes autoPublication requests by itself, four seconds after approving them (long enough for a
    // loaded machine's follower to see the request in readyToPublish first); we would publish ourselves only
    // after a grace of ten.
    let mut settings = test_settings().await;
    settings.follow = Some(domain::card::FollowPolicy { auto_publish_grace: Duration::from_secs(10), ..crate::helpers::test_follow() });
    let app = spawn_app_with_sim(settings, start_sim(test_sim_config()).await).await;
    app.sim.set_auto_publish_after(Duration::from_secs(4));
    let (token, cat) = shop(&app, "Shop").await;
    let id = valid_card(&app, &token, &cat, "A-1", "Батончик автопубликуемый", 60).await;
    update(&app, &token, json!({"skuId": id, "autoPublication": true})).await;
    submit(&app, &token, &cat, &[&id]).await;
    let s = wait_status(&app, &token, &id, "readyToPublish").await;
    assert_eq!(s["card"]["status"], "READY_TO_PUBLISH", "{s}");
    assert!(s["moderation"]["nextCheckAt"].is_string());
    // Act: a second in readyToPublish.
    let before = app.sim.stats().calls_of("status");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let polls = app.sim.stats().calls_of("status") - before;
    // Assert: the backoff (40 ms doubling to 300 ms) allows a handful of reads, not 20 a second.
    assert!(polls <= 8, "{polls} status reads in one second");
    assert_eq!(app.sim.stats().calls_of("publish"), 0, "autoPublication: NCT publishes, we do not");
    let s = wait_status(&app, &token, &id, "completed").await;
    assert_eq!(s["ntinSource"], "REQUEST", "{s}");
    assert_eq!(app.sim.stats().calls_of("publish"), 0);
}

/// A complete extended (isGov) card for the chocolate-bar leaf.
async fn gov_card(app: &TestApp, token: &str, cat: &str, sku: &str, name: &str, k: usize) -> String {
    let id = valid_card(app, token, cat, sku, name, k).await;
    let dims = json!([{"code": "width", "value": "10"}, {"code": "height", "value": "2"}, {"code": "length", "value": "15"}, {"code": "dimension_measure", "value": "см"}]);
    let main = json!([
        {"code": "enstrus", "value": "107311.100.000000"}, {"code": "gross_weight", "value": "0.06"}, {"code": "net_weight", "value": "0.05"},
        {"code": "volume", "value": "0.1"}, {"code": "standards", "value": "ГОСТ 31721-2012"},
        {"code": "package_dimensions", "value": "", "parts": dims}, {"code": "product_dimensions", "value": "", "parts": dims}]);
    let additional = json!([{"code": "sostav", "value": "какао, сахар"}, {"code": "srok_godnosti", "value": "12 месяцев"}]);
    let images = json!([{"fileName": "front.jpg", "imageType": "FRONT"}, {"fileName": "back.jpg", "imageType": "BACK"}]);
    let r = update(app, token, json!({"skuId": id, "isGov": true, "brand": "Рахат", "mainExtended": main, "additionalExtended": additional, "images": images})).await;
    assert_eq!(r["sku"]["card"]["status"], "READY", "{r}");
    id
}

#[tokio::test]
async fn the_extended_part_is_followed_through_cef_after_completed() {
    // One working day of 1 s, so that each of CEF's states lasts long enough to be seen.
    let mut cfg = test_sim_config();
    cfg.working_day = Duration::from_secs(1);
    let app = spawn_app_with_sim(test_settings().await, start_sim(cfg).await).await;
    let (token, cat) = shop(&app, "Shop").await;
    let (returned, refused) = ("Батончик расширенный возвращаемый", "Батончик расширенный отклоняемый");
    app.sim.set_script(Script { name_ru: returned.into(), gz: Some(GzOutcome::Revision), gz_comment: Some("Прошу дополнить заявку".into()), keep: true, ..Script::default() });
    app.sim.set_script(Script { name_ru: refused.into(), gz: Some(GzOutcome::Reject), keep: true, ..Script::default() });
    let a = gov_card(&app, &token, &cat, "G-1", returned, 70).await;
    let b = gov_card(&app, &token, &cat, "G-2", refused, 71).await;
    submit(&app, &token, &cat, &[&a, &b]).await;
    // Published, CEF at work: completed with acceptedGz; the NTIN is there, the request still followed.
    let s = wait_sku(&app, &token, &a, 30, |s| s["moderation"]["extended"]["status"] == "acceptedGz").await;
    assert_eq!(s["moderation"]["status"], "completed", "{s}");
    assert_eq!(s["ntin"].as_str().map(str::len), Some(13));
    assert!(s["moderation"]["nextCheckAt"].is_string(), "{s}");
    // CEF returns the extended part: its remarks reach the seller, who resubmits.
    let s = wait_sku(&app, &token, &a, 30, |s| s["moderation"]["extended"]["status"] == "underRevisionGz").await;
    assert_eq!(s["card"]["status"], "NEEDS_REVISION", "{s}");
    assert_eq!(s["moderation"]["extended"]["comment"], "Прошу дополнить заявку");
    assert_eq!(s["moderation"]["extended"]["revisionDetails"][0]["attributeCode"], "sostav");
    assert_eq!(s["moderation"]["gzStatus"], "underRevisionGz");
    // The other one is refused by CEF: final, not followed any more.
    let s = wait_sku(&app, &token, &b, 30, |s| s["moderation"]["extended"]["status"] == "rejectedGz").await;
    assert_eq!(s["moderation"]["nextCheckAt"], Value::Null, "{s}");
    assert_eq!(s["card"]["status"], "COMPLETED");
    // Resubmit the corrected extended part: CEF accepts and publishes it, then is done.
    app.sim.set_script(Script { name_ru: returned.into(), gz: Some(GzOutcome::Publish), keep: true, ..Script::default() });
    update(&app, &token, json!({"skuId": a, "additionalExtended": [{"code": "sostav", "value": "какао тёртое, сахар, масло какао"}, {"code": "srok_godnosti", "value": "12 месяцев"}]})).await;
    let r = request_mutation(&app, &token, "resubmitSku", json!({"skuId": a})).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    wait_sku(&app, &token, &a, 30, |s| s["moderation"]["extended"]["status"] == "publishingGz").await;
    let s = wait_sku(&app, &token, &a, 30, |s| s["moderation"]["extended"].is_null()).await;
    assert_eq!(s["moderation"]["status"], "completed", "{s}");
    assert_eq!(s["card"]["status"], "COMPLETED");
    assert_eq!(s["moderation"]["nextCheckAt"], Value::Null);
}

#[tokio::test]
async fn an_unknown_status_is_stored_as_received_shown_and_checked_slowly() {
    let app = spawn_app().await;
    let (token, cat) = shop(&app, "Shop").await;
    let name = "Батончик в странном статусе";
    app.sim.set_script(Script { status: Some("archivedByOperator".into()), ..script(name, Outcome::Status) });
    let id = valid_card(&app, &token, &cat, "U-1", name, 80).await;
    submit(&app, &token, &cat, &[&id]).await;
    let s = wait_status(&app, &token, &id, "archivedByOperator").await;
    assert_eq!(s["moderation"]["statusKnown"], false, "{s}");
    assert_eq!(s["card"]["status"], "SUBMITTED");
    assert!(s["moderation"]["nextCheckAt"].is_string());
    // Checked at the slow (seller) pace: 800 ms in the test policy, so at most a few reads in 2 s.
    let before = app.sim.stats().calls_of("status");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let reads = app.sim.stats().calls_of("status") - before;
    assert!(reads <= 4, "{reads} reads of an unknown status in 2 s");
    assert!(captured_logs().contains("archivedByOperator"), "the unknown status is logged");
}
