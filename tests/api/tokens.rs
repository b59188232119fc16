//! Tokens (issue 9, hole 7): a future `iat` is refused, and `revokeTokens` revokes our tokens and a
//! partner's for a tenant; owners, admins and the tenant's reseller may call it, nobody else.

use crate::helpers::{TestApp, spawn_app};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

const PARTNER_SECRET: &str = "partner-secret-partner-secret-0123456789";
const REVOKE: &str = "mutation($t:ID){ revokeTokens(input:{tenantId:$t}){ revokedAt ownerToken tenant{ id } userErrors{ field code message } } }";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn status(app: &TestApp, token: &str) -> u16 {
    app.client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .json(&json!({"query": "{ viewer { subject } }"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn own(app: &TestApp, claims: &Value) -> String {
    let secret = secrecy::ExposeSecret::expose_secret(&app.settings.jwt_secret).to_owned();
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

fn partner_token(tid: &str, role: &str, iat: i64) -> String {
    let c = json!({"iss": "https://reseller.example", "aud": "ntin-desk", "sub": "p-user", "exp": now() + 600, "iat": iat, "role": role, "tid": tid});
    encode(&Header::new(Algorithm::HS256), &c, &EncodingKey::from_secret(PARTNER_SECRET.as_bytes())).unwrap()
}

#[tokio::test]
async fn a_token_issued_in_the_future_is_refused() {
    let app = spawn_app().await;
    let (t, _) = app.new_tenant("Shop").await;
    let c = |iat: i64| json!({"iss": "ntin-desk", "aud": "ntin-desk-api", "sub": "x", "exp": now() + 600, "iat": iat, "typ": "access", "role": "owner", "tid": t.0.to_string(), "ver": 0});
    assert_eq!(status(&app, &own(&app, &c(now() + 10 * 365 * 24 * 3600))).await, 401, "ten years ahead");
    assert_eq!(status(&app, &own(&app, &c(now() + 120))).await, 401, "beyond the leeway");
    assert_eq!(status(&app, &own(&app, &c(now() + 5))).await, 200, "within the leeway");
}

#[tokio::test]
async fn an_owner_revokes_its_tenants_tokens_and_gets_a_fresh_one() {
    let app = spawn_app().await;
    let (t, owner) = app.new_tenant("Shop").await;
    let editor = app.token(t, domain::tenant::Role::Editor);
    let (_o, other_owner) = app.new_tenant("Other").await;
    // An editor may not revoke.
    let b = app.gql(Some(&editor), REVOKE, json!({})).await;
    assert_eq!(b["errors"][0]["extensions"]["code"], "FORBIDDEN", "{b}");
    // Another tenant's owner cannot name this tenant.
    let tid = api::ids::encode(api::ids::Kind::Tenant, t.0).0;
    let d = app.gql_ok(Some(&other_owner), REVOKE, json!({"t": tid})).await;
    assert_eq!(d["revokeTokens"]["userErrors"][0]["code"], "NOT_FOUND", "{d}");
    assert_eq!(status(&app, &owner).await, 200);
    // Act
    let d = app.gql_ok(Some(&owner), REVOKE, json!({})).await;
    // Assert
    let fresh = d["revokeTokens"]["ownerToken"].as_str().unwrap().to_owned();
    assert_eq!(status(&app, &owner).await, 401, "the owner's old token");
    assert_eq!(status(&app, &editor).await, 401, "the editor's token");
    assert_eq!(status(&app, &fresh).await, 200, "the fresh owner token");
    assert_eq!(status(&app, &other_owner).await, 200, "another tenant is untouched");
}

#[tokio::test]
async fn a_reseller_revokes_its_tenants_tokens_partner_tokens_included_and_an_admin_any() {
    // Arrange: a partner managing tenant M; tenant U is not its.
    let app = spawn_app().await;
    let admin = app.admin_token();
    let d = app
        .gql_ok(
            Some(&admin),
            "mutation($i:RegisterPartnerInput!){ registerPartner(input:$i){ partner{ id } } }",
            json!({"i": {"name": "Reseller", "issuer": "https://reseller.example", "audience": "ntin-desk", "algorithm": "HS256", "verificationKey": PARTNER_SECRET}}),
        )
        .await;
    let partner = d["registerPartner"]["partner"]["id"].as_str().unwrap().to_owned();
    let (m, m_owner) = app.new_tenant("Managed").await;
    let (u, u_owner) = app.new_tenant("Unmanaged").await;
    let m_id = api::ids::encode(api::ids::Kind::Tenant, m.0).0;
    let u_id = api::ids::encode(api::ids::Kind::Tenant, u.0).0;
    app.gql_ok(Some(&admin), "mutation($t:ID!,$p:ID!){ assignTenantToPartner(tenantId:$t, partnerId:$p) }", json!({"t": m_id, "p": partner})).await;
    let reseller = {
        let c = json!({"iss": "https://reseller.example", "aud": "ntin-desk", "sub": "reseller", "exp": now() + 600, "iat": now(), "role": "reseller"});
        encode(&Header::new(Algorithm::HS256), &c, &EncodingKey::from_secret(PARTNER_SECRET.as_bytes())).unwrap()
    };
    let partner_editor = partner_token(&m.0.to_string(), "editor", now() - 5);
    assert_eq!(status(&app, &partner_editor).await, 200);
    // The reseller cannot reach a tenant it does not manage.
    let d = app.gql_ok(Some(&reseller), REVOKE, json!({"t": u_id})).await;
    assert_eq!(d["revokeTokens"]["userErrors"][0]["code"], "NOT_FOUND", "{d}");
    assert_eq!(status(&app, &u_owner).await, 200);
    // Act: the reseller revokes its tenant's tokens.
    let d = app.gql_ok(Some(&reseller), REVOKE, json!({"t": m_id})).await;
    assert_eq!(d["revokeTokens"]["userErrors"], json!([]), "{d}");
    assert_eq!(d["revokeTokens"]["ownerToken"], Value::Null, "resellers mint their own");
    // Assert: our tokens and the partner's earlier ones are refused; a partner token issued later works.
    assert_eq!(status(&app, &m_owner).await, 401);
    assert_eq!(status(&app, &partner_editor).await, 401, "partner tokens honour revocation");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(status(&app, &partner_token(&m.0.to_string(), "editor", now())).await, 200);
    // An admin revokes any tenant's tokens.
    let d = app.gql_ok(Some(&admin), REVOKE, json!({"t": u_id})).await;
    assert!(d["revokeTokens"]["ownerToken"].is_string(), "{d}");
    assert_eq!(status(&app, &u_owner).await, 401);
}

#[tokio::test]
async fn socket_rechecks_share_a_tenant_read_for_a_second_and_a_revocation_here_is_seen_at_once() {
    // Arrange
    let app = spawn_app().await;
    let (a, token_a) = app.new_tenant("A").await;
    let (b, token_b) = app.new_tenant("B").await;
    let tokens = &app.state.tokens;
    let repo = infra::db::tenant_repo::TenantRepo::new(app.state.db.clone());
    assert!(tokens.verify_again(&token_a).await.is_ok());
    let read_b = std::time::Instant::now();
    assert!(tokens.verify_again(&token_b).await.is_ok());

    // Act: A's tokens are revoked in this process; B is deleted behind the service's back.
    tokens.revoke(a).await.unwrap();
    repo.delete_tenant(b.0).await.unwrap();
    let shared = tokens.verify_again(&token_b).await;
    // (Only when this ran well within the second: a loaded machine may have taken longer.)
    if read_b.elapsed() < std::time::Duration::from_millis(800) {
        assert!(shared.is_ok(), "a re-check within the second shares the earlier read");
    }

    // Assert: the revocation is seen at once, re-check or not.
    assert!(tokens.verify_again(&token_a).await.is_err());
    assert!(tokens.verify(&token_a).await.is_err());
    // A request reads the tenant afresh; a re-check may use the read of the last second, not an older one.
    assert!(tokens.verify(&token_b).await.is_err());
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(tokens.verify_again(&token_b).await.is_err());
}
