//! The tenant's NCT key: encrypted at rest, bound to its tenant, rotatable, and absent from every response,
//! log line, database column and cache entry.

use crate::helpers::{captured_logs, spawn_app};
use base64::Engine as _;
use infra::crypto::MasterKeyring;
use domain::tenant::TenantId;
use infra::db::key_repo::NctKeyRepo;
use sea_orm::{ConnectionTrait, Statement};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn the_key_never_appears_in_responses_logs_database_or_cache() {
    // Arrange: a unique marker key that the simulator accepts.
    let app = spawn_app().await;
    let marker = format!("nct-key-MARKER-{}", uuid::Uuid::new_v4().simple());
    app.sim.add_key(marker.clone());
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Main").await;
    let csv: String = std::iter::once("sku;barcode\n".to_owned())
        .chain((0..30).map(|i| format!("S-{i};{}\n", nct_sim::seed::seed_gtin(i))))
        .collect();
    app.import(&token, &cat, "CSV", &csv).await;
    let mut responses = Vec::new();
    // Act: set it, read its status, run a job, read the job.
    let set = app.set_key(&token, &marker, true).await;
    assert_eq!(set["nctKey"]["status"], "VALID", "{set}");
    assert!(set["nctKey"]["fingerprint"].as_str().unwrap().starts_with("kf_"));
    responses.push(set.to_string());
    responses.push(app.gql(Some(&token), "{ nctKey { configured fingerprint status } }", json!({})).await.to_string());
    let started = app.start_lookup(&token, &cat, None).await;
    responses.push(started.to_string());
    let job = app.wait_job(&token, started["job"]["id"].as_str().unwrap(), Duration::from_secs(30)).await;
    assert_eq!(job["state"], "SUCCEEDED");
    responses.push(job.to_string());
    // An error path too: a bad key echoes nothing.
    responses.push(app.set_key(&token, &format!("{marker}-bad"), true).await.to_string());
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Assert
    let b64 = base64::engine::general_purpose::STANDARD.encode(&marker);
    let needles = [marker.as_str(), b64.as_str(), "MARKER"];
    for r in &responses {
        for n in needles {
            assert!(!r.contains(n), "response leaks the key: {r}");
        }
    }
    let logs = captured_logs();
    assert!(logs.contains("job finished"), "logs were captured");
    for n in needles {
        assert!(!logs.contains(n), "a log line leaks the key");
    }
    let db_text = dump_database(&app).await;
    assert!(!db_text.is_empty());
    for n in needles {
        assert!(!db_text.contains(n), "the database holds the key in plain text");
    }
    if let Ok(url) = std::env::var("TEST_REDIS_URL") {
        let client = redis::Client::open(url.as_str()).unwrap();
        let mut con = client.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> = redis::cmd("KEYS").arg("*").query_async(&mut con).await.unwrap();
        assert!(!keys.is_empty(), "the lookups were cached in Redis");
        for k in keys {
            let v: Option<String> = redis::cmd("GET").arg(&k).query_async(&mut con).await.unwrap_or(None);
            let all = format!("{k} {}", v.unwrap_or_default());
            for n in needles {
                assert!(!all.contains(n), "Redis holds the key");
            }
            assert!(!all.contains(&_t.0.to_string()), "no tenant data in the shared cache");
        }
    }
}

/// Every row of every table as text (PostgreSQL), or the raw SQLite files.
async fn dump_database(app: &crate::helpers::TestApp) -> String {
    let url = &app.settings.database_url;
    if url.starts_with("sqlite:") {
        let path = url.trim_start_matches("sqlite://").split('?').next().unwrap().to_owned();
        let mut out = String::new();
        for p in [path.clone(), format!("{path}-wal")] {
            if let Ok(bytes) = std::fs::read(&p) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
        return out;
    }
    let mut out = String::new();
    for table in ["tenants", "partners", "catalogs", "skus", "nct_keys", "jobs", "job_items"] {
        let rows = app
            .state
            .db
            .query_all_raw(Statement::from_string(
                app.state.db.get_database_backend(),
                format!("SELECT CAST(row_to_json(t) AS TEXT) AS j FROM {table} t"),
            ))
            .await
            .unwrap();
        for r in rows {
            out.push_str(&r.try_get::<String>("", "j").unwrap());
        }
    }
    out
}

#[tokio::test]
async fn a_ciphertext_copied_to_another_tenant_does_not_decrypt() {
    let app = spawn_app().await;
    let (a, token_a) = app.new_tenant("A").await;
    let (b, token_b) = app.new_tenant("B").await;
    app.set_key(&token_a, nct_sim::DEMO_KEY, true).await;
    app.set_key(&token_b, "something-else", false).await;
    // Copy A's ciphertext into B's row.
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql(backend, "SELECT ciphertext FROM nct_keys WHERE tenant_id = $1"), [a.0.into()]))
        .await
        .unwrap()
        .unwrap();
    let blob: Vec<u8> = row.try_get("", "ciphertext").unwrap();
    db.execute_raw(Statement::from_sql_and_values(backend, sql(backend, "UPDATE nct_keys SET ciphertext = $1 WHERE tenant_id = $2"), [blob.into(), b.0.into()]))
        .await
        .unwrap();
    // B's key no longer opens; A's still does.
    assert!(app.state.keys.load(b).await.is_err());
    let (key_a, _) = app.state.keys.load(a).await.unwrap().unwrap();
    assert_eq!(key_a.expose_secret(), nct_sim::DEMO_KEY);
    let _ = token_b;
}

fn sql(backend: sea_orm::DbBackend, s: &str) -> String {
    match backend {
        sea_orm::DbBackend::Postgres => s.to_owned(),
        _ => s.replace("$1", "?").replace("$2", "?"),
    }
}

#[tokio::test]
async fn rotation_reencrypts_every_key_and_is_safe_to_rerun() {
    let app = spawn_app().await;
    let (a, _) = app.new_tenant("A").await;
    let (b, _) = app.new_tenant("B").await;
    let k1 = MasterKeyring::generate_key().unwrap();
    let k2 = MasterKeyring::generate_key().unwrap();
    let parse = |s: String| MasterKeyring::parse(&SecretString::from(s)).unwrap();
    let old = NctKeyRepo::new(app.state.db.clone(), parse(format!("1:{k1}")));
    for (t, k) in [(a, "key-a"), (b, "key-b")] {
        old.set(t, &SecretString::from(k.to_owned()), "VALID", true).await.unwrap();
    }
    // A server still on v1 that can re-read the key source after rotation.
    let spec = format!("1:{k1},2:{k2}");
    let spec2 = spec.clone();
    let running = NctKeyRepo::new(app.state.db.clone(), parse(format!("1:{k1}")))
        .with_reload(std::sync::Arc::new(move || MasterKeyring::parse(&SecretString::from(spec2.clone())).ok()));
    let rotator = NctKeyRepo::new(app.state.db.clone(), parse(spec));
    assert_eq!(rotator.rotate_all().await.unwrap(), 2);
    assert_eq!(rotator.rotate_all().await.unwrap(), 0, "a re-run moves nothing");
    for (t, k) in [(a, "key-a"), (b, "key-b")] {
        assert_eq!(rotator.load(t).await.unwrap().unwrap().0.expose_secret(), k);
        assert_eq!(running.load(t).await.unwrap().unwrap().0.expose_secret(), k, "no restart needed");
    }
    let _: TenantId = a;
}
