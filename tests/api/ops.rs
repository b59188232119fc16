//! Operations (issue 9, holes 9 and 10): request IDs on errors and in the logs, the tenant in the request
//! span, production switches for introspection and GraphiQL, trusted proxies for the per-IP limit, and the
//! export route's rate limit and link expiry.

use crate::helpers::{TestApp, captured_logs, spawn_app, spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use serde_json::{Value, json};

async fn app_with(f: impl FnOnce(&mut api::config::Settings)) -> TestApp {
    let mut s = test_settings().await;
    f(&mut s);
    spawn_app_with_sim(s, start_sim(test_sim_config()).await).await
}

#[tokio::test]
async fn every_error_carries_the_request_id_of_its_log_line() {
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    // A refusal outside GraphQL (401) and an error inside it (NOT_FOUND in a 200).
    let r = app.client.post(format!("{}/graphql", app.address)).bearer_auth("garbage").json(&json!({"query": "{ viewer { subject } }"})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let header = r.headers().get("x-request-id").unwrap().to_str().unwrap().to_owned();
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["errors"][0]["extensions"]["requestId"], header.as_str());
    let r = app.client.post(format!("{}/graphql", app.address)).bearer_auth(&token).json(&json!({"query": "{ catalogs(first: 1000) { totalCount } }"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let id = r.headers().get("x-request-id").unwrap().to_str().unwrap().to_owned();
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{b}");
    assert_eq!(b["errors"][0]["extensions"]["requestId"], id.as_str(), "{b}");
    assert_ne!(id, header);
    // The log lines of both requests name them, and the authenticated one names its tenant.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let logs = captured_logs();
    let line = |id: &str| logs.lines().find(|l| l.contains(id) && (l.contains("refused") || l.contains("GraphQL errors"))).map(str::to_owned);
    assert!(line(&header).is_some(), "no log line for request {header}");
    let authed = line(&id).unwrap_or_else(|| panic!("no log line for request {id}"));
    let tenant = app.state.tokens.verify(&token).await.unwrap().tenant.unwrap();
    assert!(authed.contains(&format!("\"tenant_id\":\"{tenant}\"")), "{authed}");
}

#[tokio::test]
async fn introspection_and_graphiql_can_be_turned_off() {
    let app = app_with(|s| {
        s.ops.introspection = false;
        s.ops.graphiql = false;
    })
    .await;
    // async-graphql answers a disabled introspection field with null.
    let b = app.gql(None, "{ __schema { queryType { name } } }", json!({})).await;
    assert!(b["data"].is_null() || b["data"]["__schema"].is_null(), "{b}");
    let b = app.gql(None, "{ __type(name: \"Query\") { name } }", json!({})).await;
    assert!(b["data"].is_null() || b["data"]["__type"].is_null(), "{b}");
    assert_eq!(app.client.get(format!("{}/graphql", app.address)).send().await.unwrap().status(), 404);
    // The API itself still answers.
    assert_eq!(app.gql(None, "{ deadlines { date } }", json!({})).await["data"]["deadlines"].as_array().unwrap().len(), 3);
    // Defaults: both on.
    let dev = spawn_app().await;
    assert!(dev.gql(None, "{ __schema { queryType { name } } }", json!({})).await.get("errors").is_none());
    assert_eq!(dev.client.get(format!("{}/graphql", dev.address)).send().await.unwrap().status(), 200);
}

async fn anonymous(app: &TestApp, xff: &str) -> u16 {
    app.client
        .post(format!("{}/graphql", app.address))
        .header("x-forwarded-for", xff)
        .json(&json!({"query": "{ deadlines { date } }"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_per_ip_limit_counts_the_real_client() {
    // Trusted: two clients behind the proxy have a budget each; a forged hop does not create a new one.
    let app = app_with(|s| {
        s.api_rate = Some((1.try_into().unwrap(), 1.try_into().unwrap()));
        s.ops.trusted_proxies = api::client_ip::TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;
    assert_eq!(anonymous(&app, "198.51.100.1").await, 200);
    assert_eq!(anonymous(&app, "198.51.100.2").await, 200);
    assert_eq!(anonymous(&app, "198.51.100.1").await, 429);
    assert_eq!(anonymous(&app, "6.6.6.6, 198.51.100.2").await, 429, "the forged left hop is ignored");
    // Not trusted (the default): the header is ignored, every request is the peer's.
    let app = app_with(|s| s.api_rate = Some((1.try_into().unwrap(), 1.try_into().unwrap()))).await;
    assert_eq!(anonymous(&app, "198.51.100.1").await, 200);
    assert_eq!(anonymous(&app, "198.51.100.2").await, 429);
}

#[tokio::test]
async fn the_export_route_is_rate_limited_and_refuses_an_expired_link() {
    let app = app_with(|s| s.api_rate = Some((1.try_into().unwrap(), 3.try_into().unwrap()))).await;
    let (t, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Main").await;
    let catalog = api::ids::decode(api::ids::Kind::Catalog, &async_graphql_id(&cat)).ok().unwrap();
    // An expired link is refused with a clear message.
    let (url, _) = api::signed_link::export_link_until(&app.state.tokens, t, catalog, chrono::Utc::now() - chrono::Duration::seconds(1));
    let r = app.client.get(format!("{}{url}", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let b: Value = r.json().await.unwrap();
    assert!(b["errors"][0]["message"].as_str().unwrap().contains("expired"), "{b}");
    // A valid link works until the tenant's budget runs out, then 429.
    let (url, _) = api::signed_link::export_link(&app.state.tokens, t, catalog);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(app.client.get(format!("{}{url}", app.address)).send().await.unwrap().status().as_u16());
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert!(statuses.contains(&200), "{statuses:?}");
}

fn async_graphql_id(s: &str) -> async_graphql::ID {
    async_graphql::ID(s.to_owned())
}
