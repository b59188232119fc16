//! Webhooks against a local receiver: signed, retried with backoff (a failure, a timeout, then success), one
//! idempotency id per event, durable across a crash, given up after the window and redelivered on request;
//! events from jobs, lookups, moderation and feed pulls; endpoint checks, roles, tenants and partners.

use crate::helpers::{TestApp, spawn_app, spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use crate::http_stub::{Recorded, Reply, Stub};
use crate::integrations::eventually;
use domain::tenant::Role;
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const ENDPOINT_FIELDS: &str = "id url events description enabled scope secretHint previousSecretExpiresAt";
const DELIVERY_FIELDS: &str = "id eventId eventType tenantId state attempts nextAttemptAt lastStatus lastError payload attemptLog{ attempt httpStatus error durationMs responseSnippet }";

/// Verifies `X-Ntin-Webhook-Signature` the way the README tells partners to: HMAC-SHA256 with the secret's
/// bytes over `"<timestamp>.<body>"`, hex, any `v1=` entry.
pub fn signature_verifies(secret: &str, r: &Recorded) -> bool {
    let (Some(ts), Some(header)) = (r.header("x-ntin-webhook-timestamp"), r.header("x-ntin-webhook-signature")) else { return false };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let msg = [ts.as_bytes(), b".", &r.body].concat();
    let expected: String = ring::hmac::sign(&key, &msg).as_ref().iter().map(|b| format!("{b:02x}")).collect();
    header.split(',').any(|p| p.trim() == format!("v1={expected}"))
}

async fn create_endpoint(app: &TestApp, token: &str, url: &str, events: Value) -> Value {
    let q = format!("mutation($i:CreateWebhookEndpointInput!){{ createWebhookEndpoint(input:$i){{ endpoint{{ {ENDPOINT_FIELDS} }} secret userErrors{{ field code message }} }} }}");
    app.gql_ok(Some(token), &q, json!({"i": {"url": url, "events": events}})).await["createWebhookEndpoint"].clone()
}

async fn deliveries(app: &TestApp, token: &str, endpoint: &str) -> Vec<Value> {
    let q = format!("query($e:ID!){{ webhookEndpoint(id:$e){{ deliveries(first:100){{ totalCount nodes{{ {DELIVERY_FIELDS} }} }} }} }}");
    let d = app.gql_ok(Some(token), &q, json!({"e": endpoint})).await;
    d["webhookEndpoint"]["deliveries"]["nodes"].as_array().cloned().unwrap_or_default()
}

/// Waits until the endpoint has a delivery of `event_type` in `state`; returns it.
async fn wait_delivery(app: &TestApp, token: &str, endpoint: &str, event_type: &str, state: &str) -> Value {
    eventually(Duration::from_secs(30), "delivery", || async {
        let all = deliveries(app, token, endpoint).await;
        all.iter().find(|d| d["eventType"] == event_type && d["state"] == state).cloned().ok_or(Value::Array(all))
    })
    .await
}

/// Runs a lookup job on an empty catalog: it finishes at once, which is a `job.finished` event.
async fn finish_a_job(app: &TestApp, token: &str) -> String {
    let cat = app.new_catalog(token, "Empty").await;
    app.set_key(token, nct_sim::DEMO_KEY, false).await;
    let started = app.start_lookup(token, &cat, None).await;
    let id = started["job"]["id"].as_str().unwrap_or_else(|| panic!("{started}")).to_owned();
    let job = app.wait_job(token, &id, Duration::from_secs(20)).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    id
}

#[tokio::test]
async fn a_receiver_that_fails_then_times_out_then_succeeds_gets_one_signed_event() {
    // Arrange: 500 first, then no answer (past the 0.7 s timeout), then 200.
    let app = spawn_app().await;
    let (tenant, token) = app.new_tenant("Shop").await;
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let receiver = Stub::start(move |_: &Recorded| match c.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::Full(500, vec![], b"boom".to_vec()),
        1 => Reply::Hang,
        _ => Reply::ok("thanks"),
    })
    .await;
    let created = create_endpoint(&app, &token, &receiver.url("/hooks"), json!(["JOB_FINISHED"])).await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    let endpoint = created["endpoint"]["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && created["endpoint"]["secretHint"].as_str().unwrap().ends_with(&secret[secret.len() - 4..]));

    // Act
    let job = finish_a_job(&app, &token).await;
    let d = wait_delivery(&app, &token, &endpoint, "JOB_FINISHED", "DELIVERED").await;

    // Assert: three attempts, recorded as they happened.
    let log = d["attemptLog"].as_array().unwrap();
    assert_eq!(log.len(), 3, "{d}");
    assert_eq!((log[0]["httpStatus"].as_i64(), log[0]["responseSnippet"].as_str()), (Some(500), Some("boom")));
    assert!(log[1]["httpStatus"].is_null() && log[1]["error"].as_str().unwrap().starts_with("TIMEOUT"), "{}", log[1]);
    assert_eq!(log[2]["httpStatus"], 200);
    assert_eq!(d["attempts"], 3);
    // Three POSTs of the same event: one idempotency id, identical bodies, each signed, attempts numbered.
    let posts = receiver.requests();
    assert_eq!(posts.len(), 3);
    for (i, r) in posts.iter().enumerate() {
        assert_eq!(r.method, "POST");
        assert_eq!(r.header("x-ntin-webhook-id"), d["eventId"].as_str());
        assert_eq!(r.header("x-ntin-webhook-event"), Some("job.finished"));
        assert_eq!(r.header("x-ntin-webhook-attempt"), Some((i + 1).to_string().as_str()));
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.body, posts[0].body);
        assert!(signature_verifies(&secret, r), "attempt {i} signature");
        assert!(!signature_verifies("whsec_wrong", r));
    }
    // A tampered body or timestamp does not verify.
    let mut tampered = posts[2].clone();
    tampered.body.push(b' ');
    assert!(!signature_verifies(&secret, &tampered));
    // The body: the event, with IDs the API understands.
    let body: Value = serde_json::from_slice(&posts[0].body).unwrap();
    assert_eq!(body["id"], d["eventId"]);
    assert_eq!(body["type"], "job.finished");
    assert_eq!(body["tenantId"], api::ids::encode(api::ids::Kind::Tenant, tenant.0).0);
    assert_eq!((body["data"]["jobId"].as_str(), body["data"]["state"].as_str(), body["data"]["kind"].as_str()), (Some(job.as_str()), Some("SUCCEEDED"), Some("LOOKUP")));
    assert_eq!(body["data"]["progress"]["total"], 0);
    assert_eq!(d["payload"].as_str().map(str::as_bytes), Some(posts[0].body.as_slice()));
}

#[tokio::test]
async fn an_event_survives_a_crash_and_a_given_up_delivery_can_be_redelivered() {
    // Arrange: a receiver that is down (503) until we say so.
    let sim = start_sim(test_sim_config()).await;
    let app = spawn_app_with_sim(test_settings().await, sim).await;
    let (_t, token) = app.new_tenant("Shop").await;
    let up = Arc::new(AtomicUsize::new(0));
    let u = up.clone();
    let receiver = Stub::start(move |_: &Recorded| if u.load(Ordering::SeqCst) == 1 { Reply::ok("") } else { Reply::status(503) }).await;
    let created = create_endpoint(&app, &token, &receiver.url("/h"), json!(["JOB_FINISHED"])).await;
    let endpoint = created["endpoint"]["id"].as_str().unwrap().to_owned();
    finish_a_job(&app, &token).await;
    eventually(Duration::from_secs(10), "a failed attempt", || async {
        let d = deliveries(&app, &token, &endpoint).await;
        if d.first().is_some_and(|d| d["attempts"].as_i64() >= Some(1)) { Ok(()) } else { Err(Value::Array(d)) }
    })
    .await;

    // Act 1: the process dies with the event undelivered; the receiver recovers meanwhile.
    let (mut settings, sim) = app.kill().await;
    up.store(1, Ordering::SeqCst);
    let app = spawn_app_with_sim(settings.clone(), sim.clone()).await;
    let d = wait_delivery(&app, &token, &endpoint, "JOB_FINISHED", "DELIVERED").await;

    // Assert 1: the same event, retried across the crash.
    assert!(d["attempts"].as_i64().unwrap() >= 2, "{d}");
    let ids: std::collections::BTreeSet<_> = receiver.requests().iter().filter_map(|r| r.header("x-ntin-webhook-id").map(str::to_owned)).collect();
    assert_eq!(ids.into_iter().collect::<Vec<_>>(), [d["eventId"].as_str().unwrap().to_owned()]);

    // Act 2: with a one-second retry window and the receiver down again, the next event is given up...
    let _ = app.kill().await;
    up.store(0, Ordering::SeqCst);
    settings.integrations.webhooks.max_age = Duration::from_secs(1);
    let app = spawn_app_with_sim(settings, sim).await;
    finish_a_job(&app, &token).await;
    let failed = eventually(Duration::from_secs(20), "a given-up delivery", || async {
        let all = deliveries(&app, &token, &endpoint).await;
        all.iter().find(|d| d["state"] == "FAILED").cloned().ok_or(Value::Array(all))
    })
    .await;
    assert!(failed["lastError"].as_str().unwrap().contains("503"), "{failed}");
    assert!(failed["nextAttemptAt"].is_null());
    // ...and a person redelivers it once the receiver is fixed.
    up.store(1, Ordering::SeqCst);
    let r = app
        .gql_ok(Some(&token), "mutation($d:ID!){ redeliverWebhook(input:{deliveryId:$d}){ delivery{ state } userErrors{ code } } }", json!({"d": failed["id"]}))
        .await;
    assert_eq!(r["redeliverWebhook"]["delivery"]["state"], "PENDING", "{r}");
    let again = eventually(Duration::from_secs(20), "redelivered", || async {
        let all = deliveries(&app, &token, &endpoint).await;
        all.iter().find(|d| d["id"] == failed["id"] && d["state"] == "DELIVERED").cloned().ok_or(Value::Array(all))
    })
    .await;

    // Assert 2
    assert_eq!(again["eventId"], failed["eventId"]);
    assert_eq!(receiver.requests().last().unwrap().header("x-ntin-webhook-id"), failed["eventId"].as_str());
}

#[tokio::test]
async fn lookups_choices_and_feed_pulls_are_events_for_subscribers_only() {
    // Arrange: one endpoint for NTIN_ASSIGNED and FEED_PULLED (not JOB_FINISHED); a CSV feed of seed GTINs.
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    app.set_key(&token, nct_sim::DEMO_KEY, true).await;
    let receiver = Stub::start(|_: &Recorded| Reply::ok("")).await;
    let created = create_endpoint(&app, &token, &receiver.url("/h"), json!(["NTIN_ASSIGNED", "FEED_PULLED"])).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let cat = app.new_catalog(&token, "CSV").await;
    let csv: String = std::iter::once("sku;barcode\n".to_owned()).chain((0..9).map(|i| format!("S-{i};{}\n", nct_sim::seed::seed_gtin(i)))).collect();
    let feed = Stub::start(move |_: &Recorded| Reply::ok(csv.clone())).await;

    // Act: the pull imports 9 SKUs and looks them up (i = 7 is ambiguous); then a person picks one of 7's cards.
    app.set_source(&token, json!({"catalogId": cat, "format": "CSV", "url": feed.url("/f.csv"), "autoLookup": true})).await;
    let job = eventually(Duration::from_secs(20), "follow-up", || async {
        let p = app.source(&token, &cat).await["pulls"]["nodes"][0].clone();
        p["followUpJob"]["id"].as_str().map(str::to_owned).ok_or(p)
    })
    .await;
    app.wait_job(&token, &job, Duration::from_secs(30)).await;
    let skus = app.skus_by_code(&token, &cat, json!(null)).await;
    let ambiguous = &skus["S-7"];
    let chosen = nct_sim::seed::seed_ntin(7);
    let r = app.gql_ok(Some(&token), "mutation($s:ID!,$n:String!){ chooseNtin(input:{skuId:$s, ntin:$n}){ userErrors{ message } } }", json!({"s": ambiguous["id"], "n": chosen})).await;
    assert_eq!(r["chooseNtin"]["userErrors"], json!([]), "{r}");

    // Assert: a feed.pulled event, ntin.assigned for the 8 found and then for the chosen one; no job.finished.
    let bodies = eventually(Duration::from_secs(20), "events", || async {
        let b: Vec<Value> = receiver.requests().iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
        let assigned: usize = b.iter().filter(|e| e["type"] == "ntin.assigned").map(|e| e["data"]["assignments"].as_array().unwrap().len()).sum();
        if assigned == 9 && b.iter().any(|e| e["type"] == "feed.pulled") { Ok(b) } else { Err(Value::Array(b)) }
    })
    .await;
    assert!(receiver.requests().iter().all(|r| signature_verifies(&secret, r)));
    assert!(bodies.iter().all(|e| e["type"] != "job.finished"), "not subscribed");
    let pulled = bodies.iter().find(|e| e["type"] == "feed.pulled").unwrap();
    assert_eq!((pulled["data"]["outcome"].as_str(), pulled["data"]["created"].as_i64(), pulled["data"]["catalogId"].as_str()), (Some("IMPORTED"), Some(9), Some(cat.as_str())), "{pulled}");
    let all: Vec<&Value> = bodies.iter().filter(|e| e["type"] == "ntin.assigned").flat_map(|e| e["data"]["assignments"].as_array().unwrap()).collect();
    let s1 = all.iter().find(|a| a["sellerSku"] == "S-1").unwrap();
    assert_eq!((s1["ntin"].as_str(), s1["source"].as_str(), &s1["skuId"]), (Some(nct_sim::seed::seed_ntin(1).as_str()), Some("LOOKUP"), &skus["S-1"]["id"]));
    let s7 = all.iter().find(|a| a["sellerSku"] == "S-7").unwrap();
    assert_eq!(s7["ntin"], chosen);
    // Every event is distinct (one id each).
    let ids: std::collections::BTreeSet<_> = bodies.iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), bodies.len());
}

#[tokio::test]
async fn moderation_status_changes_and_the_published_ntin_are_events() {
    // Arrange
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    app.set_key(&token, nct_sim::DEMO_KEY, true).await;
    let receiver = Stub::start(|_: &Recorded| Reply::ok("")).await;
    create_endpoint(&app, &token, &receiver.url("/h"), json!(["MODERATION_STATUS_CHANGED", "NTIN_ASSIGNED"])).await;
    let cat = app.new_catalog(&token, "Cards").await;
    app.gql_ok(Some(&token), "mutation($c:ID!){ upsertSkus(input:{catalogId:$c, skus:[{sellerSku:\"CARD-1\"}]}){ userErrors{ message } } }", json!({"c": cat})).await;
    let id = app.skus_by_code(&token, &cat, json!(null)).await["CARD-1"]["id"].as_str().unwrap().to_owned();
    let card = json!({"skuId": id, "nameRu": "Батончик вебхуковый", "nameKk": "Батончик вебхуковый қазақша", "oktru": "1020-0011-0003-100006374", "tnved": "1806321000",
        "country": "KZ", "measureUnit": "796", "measureQuantity": "1", "barcode": nct_sim::seed::not_found_gtin(3)});
    let r = app.gql_ok(Some(&token), "mutation($i:UpdateCardInput!){ updateCard(input:$i){ userErrors{ message } } }", json!({"i": card})).await;
    assert_eq!(r["updateCard"]["userErrors"], json!([]), "{r}");

    // Act: submit, then follow moderation to the published card.
    for (m, vars, args) in [("startSubmitJob", ",$s:ID!", ", skuIds:[$s]"), ("startStatusSyncJob", "", "")] {
        let q = format!("mutation($c:ID!{vars}){{ {m}(input:{{catalogId:$c{args}}}){{ job{{ id }} }} }}");
        let d = app.gql_ok(Some(&token), &q, json!({"c": cat, "s": id})).await;
        let job = app.wait_job(&token, d[m]["job"]["id"].as_str().unwrap(), Duration::from_secs(60)).await;
        assert_eq!((job["state"].as_str(), job["progress"]["failed"].as_u64()), (Some("SUCCEEDED"), Some(0)), "{m}: {job}");
    }

    // Assert: the status path up to `completed`, then the NTIN with source REQUEST (the follower publishes
    // the approved request in the background, on the simulator's compressed clock).
    let ntin = eventually(Duration::from_secs(60), "the published NTIN", || async {
        let skus = app.skus_by_code(&token, &cat, json!(null)).await;
        match skus["CARD-1"]["ntin"].as_str() {
            Some(n) => Ok(n.to_owned()),
            None => Err(skus["CARD-1"].clone()),
        }
    })
    .await;
    let bodies = eventually(Duration::from_secs(20), "events", || async {
        let b: Vec<Value> = receiver.requests().iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
        if b.iter().any(|e| e["type"] == "ntin.assigned") && b.iter().any(|e| e["data"]["status"] == "completed") { Ok(b) } else { Err(Value::Array(b)) }
    })
    .await;
    let changes: Vec<(Value, Value)> = bodies.iter().filter(|e| e["type"] == "moderation.status_changed").map(|e| (e["data"]["previousStatus"].clone(), e["data"]["status"].clone())).collect();
    // The events chain from no status to `completed`, each one's `previousStatus` the one before (they may arrive
    // in any order).
    let (mut at, mut path) = (Value::Null, Vec::new());
    while let Some((_, next)) = changes.iter().find(|(prev, _)| *prev == at) {
        path.push(next.as_str().unwrap().to_owned());
        at = next.clone();
    }
    assert_eq!(path.len(), changes.len(), "{changes:?}");
    assert_eq!((path.first().map(String::as_str), path.last().map(String::as_str)), (Some("new"), Some("completed")), "{path:?}");
    assert!(path.contains(&"onModeration".to_owned()), "{path:?}");
    let done = bodies.iter().find(|e| e["data"]["status"] == "completed").unwrap();
    assert_eq!((done["data"]["sellerSku"].as_str(), done["data"]["skuId"].as_str(), done["data"]["cardStatus"].as_str()), (Some("CARD-1"), Some(id.as_str()), Some("COMPLETED")), "{done}");
    let assigned = bodies.iter().find(|e| e["type"] == "ntin.assigned").unwrap();
    assert_eq!(assigned["data"]["assignments"], json!([{"skuId": id, "sellerSku": "CARD-1", "catalogId": cat, "ntin": ntin, "source": "REQUEST"}]));
}

#[tokio::test]
async fn endpoints_are_checked_scoped_to_their_owner_and_changed_by_owners_only() {
    // Arrange: production defaults (public addresses only).
    let mut settings = test_settings().await;
    settings.integrations.outbound = infra::outbound::OutboundPolicy::default();
    let app = spawn_app_with_sim(settings, start_sim(test_sim_config()).await).await;
    let (tenant, token) = app.new_tenant("Shop").await;

    // Act + Assert: bad input is a typed userError and stores nothing.
    for (url, events, field, code) in [
        ("http://127.0.0.1:9/h", json!(["JOB_FINISHED"]), "url", "INVALID"),
        ("http://10.0.0.8/h", json!(["JOB_FINISHED"]), "url", "INVALID"),
        ("http://169.254.169.254/h", json!(["JOB_FINISHED"]), "url", "INVALID"),
        ("gopher://93.184.216.34/h", json!(["JOB_FINISHED"]), "url", "INVALID"),
        ("", json!(["JOB_FINISHED"]), "url", "BLANK"),
        ("https://93.184.216.34/h", json!([]), "events", "BLANK"),
        ("https://93.184.216.34/h", json!(["TEST"]), "events", "INVALID"),
    ] {
        let r = create_endpoint(&app, &token, url, events).await;
        assert_eq!((r["userErrors"][0]["field"].clone(), r["userErrors"][0]["code"].as_str()), (json!(["input", field]), Some(code)), "{url}: {r}");
        assert!(r["secret"].is_null() && r["endpoint"].is_null());
    }
    let long = app.gql_ok(Some(&token), "mutation{ createWebhookEndpoint(input:{url:\"https://93.184.216.34/h\", events:[FEED_PULLED], description:\"%\"}){ userErrors{ code } } }".replace('%', &"x".repeat(501)).as_str(), json!({})).await;
    assert_eq!(long["createWebhookEndpoint"]["userErrors"][0]["code"], "TOO_LONG");
    let list = app.gql_ok(Some(&token), "{ webhookEndpoints { id } }", json!({})).await;
    assert_eq!(list["webhookEndpoints"], json!([]));
    // An owner registers one (paused: no route out of this machine); repeats in `events` collapse.
    let ok = app.gql_ok(Some(&token), "mutation{ createWebhookEndpoint(input:{url:\"https://93.184.216.34/hooks\", events:[FEED_PULLED, FEED_PULLED, JOB_FINISHED], enabled:false}){ endpoint{ id events enabled scope } secret userErrors{ code } } }", json!({})).await;
    let e = &ok["createWebhookEndpoint"];
    assert_eq!((&e["endpoint"]["events"], &e["endpoint"]["scope"]), (&json!(["FEED_PULLED", "JOB_FINISHED"]), &json!("TENANT")), "{e}");
    let id = e["endpoint"]["id"].as_str().unwrap().to_owned();
    let secret = e["secret"].as_str().unwrap().to_owned();
    // The secret is never readable again.
    let read = app.gql_ok(Some(&token), "query($e:ID!){ webhookEndpoint(id:$e){ id url secretHint } webhookEndpoints{ id } }", json!({"e": id})).await;
    assert!(!read.to_string().contains(&secret[6..]), "{read}");
    // Viewers read but cannot change; editors cannot either (endpoints are an owner's setting).
    for role in [Role::Viewer, Role::Editor] {
        let t = app.token(tenant, role);
        let body = app.gql(Some(&t), "mutation{ createWebhookEndpoint(input:{url:\"https://93.184.216.34/x\", events:[FEED_PULLED]}){ secret } }", json!({})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{role:?}: {body}");
        let body = app.gql(Some(&t), "mutation($e:ID!){ deleteWebhookEndpoint(input:{id:$e}){ deletedId } }", json!({"e": id})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert_eq!(app.gql_ok(Some(&t), "{ webhookEndpoints { id } }", json!({})).await["webhookEndpoints"][0]["id"], id.as_str());
    }
    // Another tenant sees nothing and changes nothing.
    let (_o, other) = app.new_tenant("Other").await;
    let seen = app.gql_ok(Some(&other), "query($e:ID!){ webhookEndpoint(id:$e){ id } webhookEndpoints{ id } }", json!({"e": id})).await;
    assert_eq!(seen, json!({"webhookEndpoint": null, "webhookEndpoints": []}));
    for m in ["deleteWebhookEndpoint", "rotateWebhookSecret", "sendTestWebhook"] {
        let d = app.gql_ok(Some(&other), &format!("mutation($e:ID!){{ {m}(input:{{id:$e}}){{ userErrors{{ code }} }} }}"), json!({"e": id})).await;
        assert_eq!(d[m]["userErrors"][0]["code"], "NOT_FOUND", "{m}");
    }
    let d = app.gql_ok(Some(&other), "mutation($e:ID!){ updateWebhookEndpoint(input:{id:$e, enabled:true}){ userErrors{ code } } }", json!({"e": id})).await;
    assert_eq!(d["updateWebhookEndpoint"]["userErrors"][0]["code"], "NOT_FOUND");
    // The owner changes, rotates and deletes it.
    let d = app.gql_ok(Some(&token), "mutation($e:ID!){ updateWebhookEndpoint(input:{id:$e, url:\"http://10.0.0.1/\"}){ userErrors{ field code } } }", json!({"e": id})).await;
    assert_eq!(d["updateWebhookEndpoint"]["userErrors"][0]["code"], "INVALID", "{d}");
    let d = app.gql_ok(Some(&token), "mutation($e:ID!){ rotateWebhookSecret(input:{id:$e}){ secret endpoint{ previousSecretExpiresAt } } }", json!({"e": id})).await;
    assert_ne!(d["rotateWebhookSecret"]["secret"].as_str(), Some(secret.as_str()));
    assert!(d["rotateWebhookSecret"]["endpoint"]["previousSecretExpiresAt"].is_string());
    let d = app.gql_ok(Some(&token), "mutation($e:ID!){ deleteWebhookEndpoint(input:{id:$e}){ deletedId } }", json!({"e": id})).await;
    assert_eq!(d["deleteWebhookEndpoint"]["deletedId"], id.as_str());
}

#[tokio::test]
async fn a_rotated_secret_and_the_old_one_both_sign_for_a_day_and_test_events_need_no_subscription() {
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let receiver = Stub::start(|_: &Recorded| Reply::ok("")).await;
    let created = create_endpoint(&app, &token, &receiver.url("/h"), json!(["FEED_PULLED"])).await;
    let (id, old) = (created["endpoint"]["id"].as_str().unwrap().to_owned(), created["secret"].as_str().unwrap().to_owned());
    let rotated = app.gql_ok(Some(&token), "mutation($e:ID!){ rotateWebhookSecret(input:{id:$e}){ secret } }", json!({"e": id})).await;
    let new = rotated["rotateWebhookSecret"]["secret"].as_str().unwrap().to_owned();
    // Act
    let sent = app.gql_ok(Some(&token), "mutation($e:ID!){ sendTestWebhook(input:{id:$e}){ delivery{ id eventType state } userErrors{ code } } }", json!({"e": id})).await;
    assert_eq!(sent["sendTestWebhook"]["delivery"]["eventType"], "TEST", "{sent}");
    wait_delivery(&app, &token, &id, "TEST", "DELIVERED").await;
    // Assert
    let r = &receiver.requests()[0];
    assert_eq!(r.header("x-ntin-webhook-event"), Some("webhook.test"));
    assert_eq!(r.header("x-ntin-webhook-signature").unwrap().matches("v1=").count(), 2);
    assert!(signature_verifies(&new, r) && signature_verifies(&old, r));
    // Neither secret is stored or logged in plain text.
    let rows = app
        .state
        .db
        .query_all_raw(sea_orm::Statement::from_string(app.state.db.get_database_backend(), "SELECT secret_ciphertext, previous_secret_ciphertext FROM webhook_endpoints"))
        .await
        .unwrap();
    for row in rows {
        for col in ["secret_ciphertext", "previous_secret_ciphertext"] {
            let blob: Vec<u8> = row.try_get("", col).unwrap();
            let text = String::from_utf8_lossy(&blob);
            assert!(!text.contains(&new[6..]) && !text.contains(&old[6..]) && !text.contains("whsec_"));
        }
    }
    let logs = crate::helpers::captured_logs();
    assert!(!logs.contains(&new[6..]) && !logs.contains(&old[6..]));
}

#[tokio::test]
async fn a_partner_endpoint_hears_the_tenants_it_manages_and_no_other() {
    // Arrange: an HS256 partner; tenant A is managed by it, tenant B is not.
    let app = spawn_app().await;
    let secret = "partner-shared-secret-of-at-least-32-bytes!!";
    let admin = app.admin_token();
    let p = app
        .gql_ok(Some(&admin), "mutation($k:String!){ registerPartner(input:{name:\"P\", issuer:\"https://p.example\", audience:\"ntin\", algorithm:\"HS256\", verificationKey:$k}){ partner{ id } } }", json!({"k": secret}))
        .await;
    let partner = p["registerPartner"]["partner"]["id"].as_str().unwrap().to_owned();
    let (a, token_a) = app.new_tenant("A").await;
    let (_b, token_b) = app.new_tenant("B").await;
    app.gql_ok(Some(&admin), "mutation($t:ID!,$p:ID!){ assignTenantToPartner(tenantId:$t, partnerId:$p) }", json!({"t": api::ids::encode(api::ids::Kind::Tenant, a.0), "p": partner})).await;
    let exp = chrono::Utc::now().timestamp() + 600;
    let reseller = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"iss": "https://p.example", "aud": "ntin", "sub": "p-admin", "exp": exp, "role": "reseller"}),
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap();
    let receiver = Stub::start(|_: &Recorded| Reply::ok("")).await;
    let created = create_endpoint(&app, &reseller, &receiver.url("/partner"), json!(["JOB_FINISHED"])).await;
    assert_eq!(created["endpoint"]["scope"], "PARTNER", "{created}");
    let endpoint = created["endpoint"]["id"].as_str().unwrap().to_owned();
    // Act
    finish_a_job(&app, &token_b).await;
    let job_a = finish_a_job(&app, &token_a).await;
    let d = wait_delivery(&app, &reseller, &endpoint, "JOB_FINISHED", "DELIVERED").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Assert: only A's event; A's own list does not show the partner's endpoint.
    assert_eq!(d["tenantId"], api::ids::encode(api::ids::Kind::Tenant, a.0).0);
    assert_eq!(receiver.requests().len(), 1);
    let body: Value = serde_json::from_slice(&receiver.requests()[0].body).unwrap();
    assert_eq!(body["data"]["jobId"], job_a.as_str());
    assert_eq!(app.gql_ok(Some(&token_a), "{ webhookEndpoints { id } }", json!({})).await["webhookEndpoints"], json!([]));
    let seen = app.gql_ok(Some(&token_a), "query($e:ID!){ webhookEndpoint(id:$e){ id } }", json!({"e": endpoint})).await;
    assert!(seen["webhookEndpoint"].is_null());
}
