//! The JWT attack suite (RELIABILITY.md §3) and the role matrix.

use crate::helpers::{TestApp, spawn_app};
use domain::tenant::Role;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

const VIEWER_Q: &str = "{ viewer { role tenant { name } } }";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn own_claims(app: &TestApp, tid: &str) -> Value {
    let _ = app;
    json!({"iss": "ntin-desk", "aud": "ntin-desk-api", "sub": "x", "exp": now() + 600, "iat": now(), "typ": "access", "role": "owner", "tid": tid, "ver": 0})
}

fn sign_hs(secret: &str, claims: &Value) -> String {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

async fn expect_unauthenticated(app: &TestApp, token: &str, why: &str) {
    let r = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .json(&json!({"query": VIEWER_Q}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "{why}: expected 401");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{why}: {body}");
}

/// An Ed25519 key pair: (PKCS#8 DER for signing, SPKI PEM for verifying).
fn ed25519_pair() -> (Vec<u8>, String) {
    use ring::signature::KeyPair as _;
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let kp = ring::signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    let mut spki = hex_decode("302a300506032b6570032100");
    spki.extend_from_slice(kp.public_key().as_ref());
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(&spki)
    );
    (pkcs8.as_ref().to_vec(), pem)
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

async fn register_partner(app: &TestApp, issuer: &str, alg: &str, key: &str) -> String {
    let data = app
        .gql_ok(
            Some(&app.admin_token()),
            "mutation($i:RegisterPartnerInput!){ registerPartner(input:$i){ partner{ id } userErrors{ code message } } }",
            json!({"i": {"name": "Partner", "issuer": issuer, "audience": "ntin-desk", "algorithm": alg, "verificationKey": key}}),
        )
        .await;
    data["registerPartner"]["partner"]["id"].as_str().unwrap_or_else(|| panic!("{data}")).to_owned()
}

#[tokio::test]
async fn forged_and_misused_tokens_are_refused_with_unauthenticated() {
    // Arrange
    let app = spawn_app().await;
    let (tenant, good) = app.new_tenant("Shop").await;
    let tid = tenant.0.to_string();
    let secret = "wrong-secret-wrong-secret-wrong-secret";
    let real_secret = secrecy::ExposeSecret::expose_secret(&app.settings.jwt_secret).to_owned();

    // Assert: the good token works.
    let ok = app.gql_ok(Some(&good), VIEWER_Q, json!({})).await;
    assert_eq!(ok["viewer"]["role"], "OWNER");

    // Wrong signature.
    expect_unauthenticated(&app, &sign_hs(secret, &own_claims(&app, &tid)), "wrong signature").await;
    // alg: none.
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(own_claims(&app, &tid).to_string());
    expect_unauthenticated(&app, &format!("{header}.{payload}."), "alg none").await;
    // Role escalated in the payload of a valid token (signature no longer matches).
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut claims: Value = serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["role"] = json!("reseller");
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    expect_unauthenticated(&app, &parts.join("."), "escalated role").await;
    // Expired.
    let mut c = own_claims(&app, &tid);
    c["exp"] = json!(now() - 3600);
    expect_unauthenticated(&app, &sign_hs(&real_secret, &c), "expired").await;
    // Not yet valid.
    let mut c = own_claims(&app, &tid);
    c["nbf"] = json!(now() + 3600);
    expect_unauthenticated(&app, &sign_hs(&real_secret, &c), "nbf in the future").await;
    // Wrong audience.
    let mut c = own_claims(&app, &tid);
    c["aud"] = json!("someone-else");
    expect_unauthenticated(&app, &sign_hs(&real_secret, &c), "wrong aud").await;
    // Unknown issuer.
    let mut c = own_claims(&app, &tid);
    c["iss"] = json!("evil");
    expect_unauthenticated(&app, &sign_hs(&real_secret, &c), "unknown iss").await;
    // Missing exp.
    let mut c = own_claims(&app, &tid);
    c.as_object_mut().unwrap().remove("exp");
    expect_unauthenticated(&app, &sign_hs(&real_secret, &c), "missing exp").await;
    // Another purpose.
    let mut c = own_claims(&app, &tid);
    c["typ"] = json!("export");
    expect_unauthenticated(&app, &sign_hs(&real_secret, &c), "export token as access").await;
    // Tenant that does not exist.
    let c = own_claims(&app, &uuid::Uuid::new_v4().to_string());
    expect_unauthenticated(&app, &sign_hs(&real_secret, &c), "unknown tenant").await;
    // Revoked version.
    let mut c = own_claims(&app, &tid);
    c["ver"] = json!(7);
    expect_unauthenticated(&app, &sign_hs(&real_secret, &c), "wrong token version").await;
    // Garbage and oversized.
    expect_unauthenticated(&app, "not-a-jwt", "garbage").await;
    expect_unauthenticated(&app, &"a".repeat(9000), "oversized").await;
    // A deleted tenant's still-signed token.
    app.state.tenants.delete_tenant(tenant.0).await.unwrap();
    expect_unauthenticated(&app, &good, "deleted tenant").await;
}

#[tokio::test]
async fn partner_tokens_verify_only_with_the_partners_key_and_algorithm() {
    // Arrange: an EdDSA partner and a tenant it manages.
    let app = spawn_app().await;
    let (pkcs8, pem) = ed25519_pair();
    let partner_id = register_partner(&app, "https://partner.example", "EdDSA", &pem).await;
    let (tenant, _) = app.new_tenant("Managed").await;
    let (other, _) = app.new_tenant("Not managed").await;
    app.gql_ok(
        Some(&app.admin_token()),
        "mutation($t:ID!,$p:ID!){ assignTenantToPartner(tenantId:$t, partnerId:$p) }",
        json!({"t": api::ids::encode(api::ids::Kind::Tenant, tenant.0), "p": partner_id}),
    )
    .await;
    let claims = |tid: &str, role: &str| json!({"iss": "https://partner.example", "aud": "ntin-desk", "sub": "p-user", "exp": now() + 600, "role": role, "tid": tid});
    let ed = EncodingKey::from_ed_der(&pkcs8);
    let sign_ed = |c: &Value| encode(&Header::new(Algorithm::EdDSA), c, &ed).unwrap();

    // Act + Assert: a proper partner token for a managed tenant works.
    let t = sign_ed(&claims(&tenant.0.to_string(), "editor"));
    let data = app.gql_ok(Some(&t), VIEWER_Q, json!({})).await;
    assert_eq!(data["viewer"]["role"], "EDITOR");
    // A reseller token lists only managed tenants.
    let r = sign_ed(&json!({"iss": "https://partner.example", "aud": "ntin-desk", "sub": "p", "exp": now() + 600, "role": "reseller"}));
    let data = app.gql_ok(Some(&r), "{ tenants { name } }", json!({})).await;
    assert_eq!(data["tenants"], json!([{"name": "Managed"}]));
    // A tenant the partner does not manage is refused.
    expect_unauthenticated(&app, &sign_ed(&claims(&other.0.to_string(), "owner")), "unmanaged tenant").await;
    // Algorithm confusion: HS256 signed with the public key PEM as the secret.
    expect_unauthenticated(&app, &sign_hs(&pem, &claims(&tenant.0.to_string(), "owner")), "HS/EdDSA confusion").await;
    // Partners cannot mint admins.
    expect_unauthenticated(&app, &sign_ed(&claims(&tenant.0.to_string(), "admin")), "partner admin").await;
}

#[tokio::test]
async fn roles_are_enforced_on_the_server() {
    let app = spawn_app().await;
    let (tenant, owner) = app.new_tenant("Shop").await;
    let catalog = app.new_catalog(&owner, "Main").await;
    let viewer = app.token(tenant, Role::Viewer);
    let editor = app.token(tenant, Role::Editor);

    // A viewer reads but cannot write.
    let data = app.gql_ok(Some(&viewer), "{ catalogs(first: 10) { totalCount } }", json!({})).await;
    assert_eq!(data["catalogs"]["totalCount"], 1);
    let body = app.gql(Some(&viewer), "mutation{ createCatalog(input:{name:\"x\"}){ catalog{ id } } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    // An editor writes but cannot delete catalogs.
    let body = app.gql(Some(&editor), "mutation($c:ID!){ deleteCatalog(input:{id:$c}){ deletedId } }", json!({"c": catalog})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    // Only admins create tenants.
    let body = app.gql(Some(&owner), "mutation{ createTenant(input:{name:\"x\", segment:RETAIL_CHAINS}){ tenant{ id } } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    // No token at all on a private field.
    let body = app.gql(None, "{ catalogs(first: 1) { totalCount } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body}");
}
