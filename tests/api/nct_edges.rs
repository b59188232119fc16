//! NCT lookup and configuration edge cases: a GTIN-14 with an indicator digit (v2 takes 13 digits only, so
//! it goes to v1), and an `NCT_BASE_URL` that does not lead to NCT's API (without `/gwp` the portal's web
//! app answers 200 with HTML; a base ending in `/portal/api` reaches paths NCT does not have): a clear
//! error at start-up and from `setNctApiKey`, and lookups that never cache such answers.

use crate::helpers::{spawn_app, spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use api::startup::Application;
use nct_sim::{DEMO_KEY, seed};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

#[tokio::test]
async fn a_gtin14_with_an_indicator_digit_is_looked_up_through_v1() {
    // Arrange: seed card 113's case pack has a GTIN-14 with indicator 1 (no 13-digit form).
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    app.set_key(&token, DEMO_KEY, true).await;
    let cat = app.new_catalog(&token, "Cases").await;
    let csv = format!("sku;barcode\nCASE-1;{}\nUNIT-1;{}\n", seed::case_gtin14(113), seed::seed_gtin(113));
    let r = app.import(&token, &cat, "CSV", &csv).await;
    assert_eq!(r["rejected"], 0, "{r}");
    // Act
    let job = app.start_lookup(&token, &cat, None).await["job"]["id"].as_str().unwrap().to_owned();
    let job = app.wait_job(&token, &job, Duration::from_secs(30)).await;
    // Assert: both found, the case by v1 with its 14 digits; v2 was never asked for 14 digits.
    assert_eq!(job["progress"]["found"], 2, "{job}");
    let d = app.gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ skus(first:5, filter:{search:\"CASE-1\"}){ nodes{ ntin gtin14 lookupState } } } }", json!({"c": cat})).await;
    let case = &d["catalog"]["skus"]["nodes"][0];
    assert_eq!(case["ntin"], seed::case_ntin(113), "{d}");
    assert_eq!(case["gtin14"], seed::case_gtin14(113));
    assert_eq!(app.sim.stats().calls_of("lookup"), 2);
}

/// A stand-in for a wrong base URL: without an `X-API-KEY` it refuses (401, as NCT does, so the start-up
/// check passes); with one, `/dictionaries` is an HTML page and everything else a framework's 404 object.
async fn wrong_base() -> (String, Arc<AtomicU64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicU64::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let counted = counted.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_lowercase();
                let keyed = head.lines().any(|l| l.starts_with("x-api-key:") && l.trim().len() > "x-api-key:".len());
                let (status, ctype, body) = if !keyed {
                    ("401 Unauthorized", "text/plain", "no content".to_owned())
                } else if head.contains("/dictionaries") {
                    ("200 OK", "text/html", "<!DOCTYPE html><html><body>НКТ</body></html>".to_owned())
                } else {
                    counted.fetch_add(1, Ordering::SeqCst);
                    ("404 Not Found", "application/json", r#"{"timestamp":"2026-01-01T00:00:00","status":404,"error":"Not Found","path":"/x"}"#.to_owned())
                };
                let resp = format!("HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    (url, hits)
}

#[tokio::test]
async fn a_base_url_that_is_not_ncts_api_stops_the_start_with_a_clear_line() {
    // An HTML page for every path (the portal's web app, reached without /gwp).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let _ = sock.read(&mut buf).await;
            let body = "<!DOCTYPE html><html><body>app</body></html>";
            let _ = sock.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes()).await;
        }
    });
    for (base, says) in [
        (url.as_str(), "/gwp"),
        ("https://nationalcatalog.kz/gwp/portal/api", "/portal/api"),
        ("https://nationalcatalog.kz", "/gwp"),
    ] {
        let mut settings = test_settings().await;
        settings.nct_base_url = Some(base.to_owned());
        let err = match Application::build(&settings).await {
            Ok(_) => panic!("{base}: the server started"),
            Err(e) => format!("{e:#}"),
        };
        assert!(err.contains("NCT_BASE_URL") && err.contains(says), "{base}: {err}");
    }
}

#[tokio::test]
async fn set_nct_api_key_names_a_wrong_base_url_and_lookups_never_cache_its_answers() {
    let (url, hits) = wrong_base().await;
    let mut settings = test_settings().await;
    settings.nct_base_url = Some(url);
    let app = spawn_app_with_sim(settings, start_sim(test_sim_config()).await).await;
    let (_t, token) = app.new_tenant("Shop").await;
    // The key is checked against an HTML page: a clear error, nothing stored.
    let r = app.set_key(&token, "a-real-key", true).await;
    assert_eq!(r["userErrors"][0]["code"], "INVALID_STATE", "{r}");
    let msg = r["userErrors"][0]["message"].as_str().unwrap();
    assert!(msg.contains("NCT_BASE_URL") && msg.contains("/gwp"), "{msg}");
    let k = app.gql_ok(Some(&token), "{ nctKey { configured } }", json!({})).await;
    assert_eq!(k["nctKey"]["configured"], false, "{k}");
    // Stored without the check, lookups fail clearly and every job asks again (nothing was cached).
    app.set_key(&token, "a-real-key", false).await;
    let cat = app.new_catalog(&token, "Wrong").await;
    app.import(&token, &cat, "CSV", &format!("sku;barcode\nA;{}\n", seed::seed_gtin(1))).await;
    for round in 1..=2u64 {
        let job = app.start_lookup(&token, &cat, None).await["job"]["id"].as_str().unwrap().to_owned();
        let job = app.wait_job(&token, &job, Duration::from_secs(30)).await;
        assert_eq!(job["progress"]["failed"], 1, "{job}");
        assert_eq!(job["progress"]["notFound"], 0, "a wrong path is not 'no such GTIN': {job}");
        assert_eq!(hits.load(Ordering::SeqCst), round, "round {round}: NCT was asked again");
    }
    let d = app.gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ skus(first:1){ nodes{ lookupState } } } }", json!({"c": cat})).await;
    assert_eq!(d["catalog"]["skus"]["nodes"][0]["lookupState"], "FAILED", "{d}");
}
