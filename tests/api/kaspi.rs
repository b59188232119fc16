//! The Kaspi Shop API token: verified with an official endpoint of a stand-in Kaspi server, stored encrypted,
//! never returned, logged or stored in plain text, used for the official category attributes endpoint, and
//! set by owners only.

use crate::helpers::{captured_logs, spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use crate::http_stub::{Recorded, Reply, Stub};
use domain::tenant::Role;
use sea_orm::ConnectionTrait as _;
use serde_json::json;

const SET: &str = "mutation($t:String!){ setKaspiToken(input:{token:$t}){ kaspiToken{ configured fingerprint status lastVerifiedAt } userErrors{ field code message } } }";

#[tokio::test]
async fn the_kaspi_token_is_verified_encrypted_used_for_attributes_and_never_shown() {
    // Arrange: a stand-in for kaspi.kz/shop/api that knows one token.
    let marker = format!("kaspi-MARKER-{}", uuid::Uuid::new_v4().simple());
    let good = marker.clone();
    let kaspi = Stub::start(move |r: &Recorded| {
        if r.header("x-auth-token") != Some(good.as_str()) {
            return Reply::status(401);
        }
        match r.path.split('?').next() {
            Some("/shop/api/products/import/schema") => Reply::ok(r#"{"$schema":"http://json-schema.org/draft-04/schema#","title":"Product attributes import scheme","type":"array"}"#),
            Some("/shop/api/products/classification/attributes") => {
                Reply::ok(r#"[{"code":"Phones*Brand","type":"enum","multiValued":false,"mandatory":true},{"code":"Phones*Colour","type":"string","multiValued":true,"mandatory":false}]"#)
            }
            _ => Reply::status(404),
        }
    })
    .await;
    let mut settings = test_settings().await;
    settings.integrations.kaspi_base_url = kaspi.url("/shop/api");
    let app = spawn_app_with_sim(settings, start_sim(test_sim_config()).await).await;
    let (tenant, token) = app.new_tenant("Shop").await;
    let mut responses = Vec::new();

    // Act + Assert: a token Kaspi refuses is not stored.
    let bad = app.gql_ok(Some(&token), SET, json!({"t": format!("{marker}-wrong")})).await;
    assert_eq!(bad["setKaspiToken"]["userErrors"][0]["code"], "INVALID", "{bad}");
    responses.push(bad.to_string());
    let blank = app.gql_ok(Some(&token), SET, json!({"t": "  "})).await;
    assert_eq!(blank["setKaspiToken"]["userErrors"][0]["code"], "BLANK");
    let none = app.gql_ok(Some(&token), "{ kaspiToken { configured } }", json!({})).await;
    assert_eq!(none["kaspiToken"]["configured"], false);
    // The right one is verified with the import schema and stored.
    let ok = app.gql_ok(Some(&token), SET, json!({"t": marker})).await;
    let info = &ok["setKaspiToken"]["kaspiToken"];
    assert_eq!((info["configured"].as_bool(), info["status"].as_str()), (Some(true), Some("VALID")), "{ok}");
    assert!(info["fingerprint"].as_str().unwrap().starts_with("kf_"));
    responses.push(ok.to_string());
    responses.push(app.gql_ok(Some(&token), "{ kaspiToken { configured fingerprint status setAt } }", json!({})).await.to_string());
    // The official attributes endpoint, with the token in X-Auth-Token only.
    let attrs = app.gql_ok(Some(&token), "{ kaspiCategoryAttributes(categoryCode: \"Master - Smartphones\") { code type multiValued mandatory } }", json!({})).await;
    assert_eq!(attrs["kaspiCategoryAttributes"][0], json!({"code": "Phones*Brand", "type": "enum", "multiValued": false, "mandatory": true}));
    responses.push(attrs.to_string());
    let last = kaspi.requests().last().cloned().unwrap();
    assert_eq!(last.path, "/shop/api/products/classification/attributes?c=Master+-+Smartphones");
    assert_eq!(last.header("accept"), Some("application/json"));
    assert!(kaspi.requests().iter().all(|r| !r.path.contains(&marker)), "the token travels in the header only");
    // Roles: editors and viewers neither see nor set it; viewers may use it for a lookup.
    for role in [Role::Editor, Role::Viewer] {
        let t = app.token(tenant, role);
        let body = app.gql(Some(&t), "{ kaspiToken { configured } }", json!({})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
        let body = app.gql(Some(&t), SET, json!({"t": "x"})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }
    let viewer = app.token(tenant, Role::Viewer);
    assert!(app.gql(Some(&viewer), "{ kaspiCategoryAttributes(categoryCode: \"C\") { code } }", json!({})).await.get("errors").is_none());
    // Another tenant has no token, and says so.
    let (_o, other) = app.new_tenant("Other").await;
    let body = app.gql(Some(&other), "{ kaspiCategoryAttributes(categoryCode: \"C\") { code } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    // Never in a response or a log line; in the database only as ciphertext.
    let logs = captured_logs();
    for r in &responses {
        assert!(!r.contains("MARKER"), "{r}");
    }
    assert!(!logs.contains(&marker));
    let stored = app
        .state
        .db
        .query_one_raw(sea_orm::Statement::from_string(app.state.db.get_database_backend(), "SELECT ciphertext FROM kaspi_tokens"))
        .await
        .unwrap()
        .unwrap();
    let blob: Vec<u8> = stored.try_get("", "ciphertext").unwrap();
    assert!(!String::from_utf8_lossy(&blob).contains("MARKER"));
    assert!(blob.len() > marker.len());
    // Deleting it.
    let d = app.gql_ok(Some(&token), "mutation{ deleteKaspiToken{ deleted } }", json!({})).await;
    assert_eq!(d["deleteKaspiToken"]["deleted"], true);
}
