//! The simulator driven through the real [`nct::NctClient`]: lookups, auth, rate limit, faults,
//! retries, dictionaries and the attribute schemas.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use nct::{NctClient, NctClientConfig, NctError, RetryPolicy, with_retries};
use secrecy::SecretString;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::seed::{not_found_gtin, seed_gtin, seed_ntin, seed_twin_ntin};
use super::{FaultConfig, SimConfig, SimHandle, start};

const KEY: &str = "test-key-1";

pub(super) fn key() -> SecretString {
    SecretString::from(KEY)
}

pub(super) fn small_config() -> SimConfig {
    SimConfig {
        keys: vec![KEY.to_owned()],
        seed_size: 1_000,
        ..SimConfig::default()
    }
}

pub(super) async fn spawn(config: SimConfig) -> (SimHandle, NctClient) {
    let sim = start(config, "127.0.0.1:0").await.unwrap();
    let client = NctClient::new(NctClientConfig {
        base_url: sim.base_url(),
        request_timeout: Duration::from_secs(5),
        ..NctClientConfig::default()
    })
    .unwrap();
    (sim, client)
}

/// A bare HTTP/1.1 call (the control routes are not part of the client).
pub(super) async fn raw_http(port: u16, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn a_seed_gtin_is_found_with_its_card() {
    // Arrange
    let (sim, client) = spawn(small_config()).await;
    // Act
    let cards = client.lookup_gtin(&key(), &seed_gtin(1)).await.unwrap();
    // Assert
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].ntin.as_deref(), Some(seed_ntin(1).as_str()));
    assert_eq!(cards[0].gtin.as_deref(), Some(seed_gtin(1).as_str()));
    assert_eq!(cards[0].category_ancestors.len(), 4);
    assert_eq!(cards[0].name_ru, Some(super::seed::seed_names(1, false).0));
    assert_eq!(sim.stats().lookups_of(&seed_gtin(1)), 1);
    sim.stop().await;
}

#[tokio::test]
async fn an_ambiguous_gtin_returns_two_cards_and_each_ntin_one() {
    let (sim, client) = spawn(small_config()).await;
    let cards = client.lookup_gtin(&key(), &seed_gtin(107)).await.unwrap();
    let mut ntins: Vec<String> = cards.iter().filter_map(|c| c.ntin.clone()).collect();
    ntins.sort();
    assert_eq!(ntins, vec![seed_ntin(107), seed_twin_ntin(107)]);
    for ntin in [seed_ntin(107), seed_twin_ntin(107)] {
        let by_ntin = client.lookup_gtin(&key(), &ntin).await.unwrap();
        assert_eq!(by_ntin.len(), 1);
        assert_eq!(by_ntin[0].ntin.as_deref(), Some(ntin.as_str()));
    }
    sim.stop().await;
}

#[tokio::test]
async fn unknown_gtins_are_not_found_and_non_digits_are_validation_errors() {
    let (sim, client) = spawn(small_config()).await;
    assert_eq!(
        client.lookup_gtin(&key(), &not_found_gtin(3)).await,
        Err(NctError::NotFound)
    );
    assert_eq!(
        client.get_product(&key(), &not_found_gtin(3)).await,
        Err(NctError::NotFound)
    );
    // A seed index past seed_size is not in the catalog either.
    assert_eq!(
        client.lookup_gtin(&key(), &seed_gtin(5_000)).await,
        Err(NctError::NotFound)
    );
    let err = client.lookup_gtin(&key(), "48700abc").await.unwrap_err();
    assert!(
        matches!(err, NctError::Validation { ref code, .. } if code == "VALIDATION_ERROR"),
        "{err:?}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn v2_takes_13_digits_only_and_v1_takes_gtin14_in_both_forms() {
    let (sim, client) = spawn(small_config()).await;
    let padded = format!("0{}", seed_gtin(42));
    // v2: "only 13 digits".
    let err = client.lookup_gtin(&key(), &padded).await.unwrap_err();
    assert!(matches!(err, NctError::Validation { .. }), "{err:?}");
    let cards = client.lookup_gtin(&key(), &seed_gtin(42)).await.unwrap();
    assert_eq!(cards[0].ntin.as_deref(), Some(seed_ntin(42).as_str()));
    // A GTIN-14 with indicator 1 exists only as 14 digits: v1 finds it, v2 cannot be asked.
    let case = super::seed::case_gtin14(113);
    assert!(matches!(client.lookup_gtin(&key(), &case).await, Err(NctError::Validation { .. })));
    let card = client.get_product(&key(), &case).await.unwrap();
    assert_eq!(card.ntin.as_deref(), Some(super::seed::case_ntin(113).as_str()));
    let via = client.lookup_gtin14(&key(), &case).await.unwrap();
    assert_eq!(via[0].ntin, card.ntin);
    let via = client.lookup_gtin14(&key(), &padded).await.unwrap();
    assert_eq!(via[0].ntin.as_deref(), Some(seed_ntin(42).as_str()));
    let card = client.get_product(&key(), &padded).await.unwrap();
    assert_eq!(card.ntin.as_deref(), Some(seed_ntin(42).as_str()));
    assert!(card.attributes.iter().any(|a| a.code == "tnved"));
    let card = client.get_product(&key(), &seed_ntin(43)).await.unwrap();
    assert_eq!(card.gtin.as_deref(), Some(seed_gtin(43).as_str()));
    assert_eq!(sim.stats().lookups_of(&seed_gtin(42)), 4);
    sim.stop().await;
}

#[tokio::test]
async fn an_unknown_key_is_invalid_and_a_new_key_can_be_added() {
    let (sim, client) = spawn(small_config()).await;
    let other = SecretString::from("someone-else");
    assert_eq!(
        client.lookup_gtin(&other, &seed_gtin(1)).await,
        Err(NctError::InvalidKey)
    );
    assert_eq!(client.verify_key(&other).await, Err(NctError::InvalidKey));
    sim.add_key("someone-else".to_owned());
    assert_eq!(client.verify_key(&other).await, Ok(()));
    assert_eq!(sim.stats().unauthorized, 2);
    sim.stop().await;
}

#[tokio::test]
async fn over_the_rate_limit_calls_are_rate_limited_with_retry_after() {
    let (sim, client) = spawn(SimConfig {
        rate_limit_per_sec: Some(3),
        ..small_config()
    })
    .await;
    let mut limited = None;
    for _ in 0..10 {
        if let Err(err) = client.verify_key(&key()).await {
            limited = Some(err);
            break;
        }
    }
    let err = limited.expect("the limit was never hit");
    assert_eq!(
        err,
        NctError::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        }
    );
    assert!(sim.stats().rate_limited >= 1);
    // The limit is per key: another key has its own bucket.
    sim.add_key("second".to_owned());
    assert_eq!(
        client.verify_key(&SecretString::from("second")).await,
        Ok(())
    );
    sim.set_rate_limit(None);
    assert_eq!(client.verify_key(&key()).await, Ok(()));
    sim.stop().await;
}

#[tokio::test]
async fn injected_faults_map_to_malformed_and_unavailable() {
    let (sim, client) = spawn(small_config()).await;

    sim.set_faults(FaultConfig {
        malformed_rate: 1.0,
        ..FaultConfig::default()
    });
    assert!(matches!(
        client.lookup_gtin(&key(), &seed_gtin(1)).await,
        Err(NctError::Malformed(_))
    ));

    sim.set_faults(FaultConfig {
        drop_rate: 1.0,
        ..FaultConfig::default()
    });
    // A connection cut mid-answer is an outage (retryable), not a malformed answer.
    assert!(matches!(
        client.lookup_gtin(&key(), &seed_gtin(1)).await,
        Err(NctError::Unavailable { .. })
    ));

    sim.set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::default()
    });
    assert!(matches!(
        client.verify_key(&key()).await,
        Err(NctError::Unavailable {
            status: Some(500),
            ..
        })
    ));

    sim.set_faults(FaultConfig {
        burst_5xx: 2,
        ..FaultConfig::default()
    });
    for _ in 0..2 {
        assert!(matches!(
            client.verify_key(&key()).await,
            Err(NctError::Unavailable {
                status: Some(503),
                ..
            })
        ));
    }
    assert_eq!(client.verify_key(&key()).await, Ok(()));
    assert_eq!(sim.stats().faults_injected, 5);
    sim.stop().await;
}

#[tokio::test]
async fn a_stalled_call_times_out_as_unavailable() {
    let (sim, _) = spawn(small_config()).await;
    let client = NctClient::new(NctClientConfig {
        base_url: sim.base_url(),
        request_timeout: Duration::from_millis(300),
        ..NctClientConfig::default()
    })
    .unwrap();
    sim.set_faults(FaultConfig {
        timeout_rate: 1.0,
        ..FaultConfig::default()
    });
    let started = Instant::now();
    let err = client.verify_key(&key()).await.unwrap_err();
    assert!(
        matches!(err, NctError::Unavailable { status: None, .. }),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    sim.stop().await;
}

#[tokio::test]
async fn with_retries_recovers_after_a_503_burst() {
    let (sim, client) = spawn(small_config()).await;
    sim.set_faults(FaultConfig {
        burst_5xx: 3,
        ..FaultConfig::default()
    });
    let policy = RetryPolicy {
        max_attempts: 5,
        base: Duration::from_millis(10),
        cap: Duration::from_millis(50),
    };
    let gtin = seed_gtin(9);
    let k = key();
    let cards = with_retries(&policy, || client.lookup_gtin(&k, &gtin))
        .await
        .unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!(sim.stats().lookups_of(&gtin), 4);
    sim.stop().await;
}

#[tokio::test]
async fn latency_is_applied_to_every_call() {
    let (sim, client) = spawn(SimConfig {
        latency: Duration::from_millis(150),
        ..small_config()
    })
    .await;
    let started = Instant::now();
    client.verify_key(&key()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150));
    sim.stop().await;
}

#[tokio::test]
async fn dictionaries_page_within_bounds_and_codes_are_case_insensitive() {
    let (sim, client) = spawn(small_config()).await;
    let k = key();
    for (page, size) in [(0, 10), (1, 0), (1, 101)] {
        let err = client
            .dictionary_items(&k, "TNVED", page, size)
            .await
            .unwrap_err();
        assert!(
            matches!(err, NctError::Validation { .. }),
            "page {page} size {size}: {err:?}"
        );
    }
    let first = client.dictionary_items(&k, "tnved", 1, 100).await.unwrap();
    assert_eq!(first.content.len(), 100);
    assert_eq!(first.total_elements, 360);
    assert_eq!(first.total_pages, 4);
    let last = client.dictionary_items(&k, "TNVED", 4, 100).await.unwrap();
    assert_eq!(last.content.len(), 60);
    let beyond = client.dictionary_items(&k, "TNVED", 5, 100).await.unwrap();
    assert!(beyond.content.is_empty());
    let mut codes = Vec::new();
    for p in 1..=4 {
        codes.extend(
            client
                .dictionary_items(&k, "TNVED", p, 100)
                .await
                .unwrap()
                .content
                .into_iter()
                .map(|i| i.code),
        );
    }
    for code in [
        "6810190001",
        "1806321000",
        "3305100000",
        "9503007000",
        "0902100000",
        "4202920000",
    ] {
        assert!(codes.iter().any(|c| c == code), "{code} missing");
    }

    let roots = client.dictionary_roots(&k, "oktru").await.unwrap();
    assert!(roots.iter().all(|r| r.level == 1 && r.has_child));
    let food = roots.iter().find(|r| r.code == "1020").unwrap();
    let children = client
        .dictionary_children(&k, "OKTRU", food.id)
        .await
        .unwrap();
    assert!(
        children
            .iter()
            .any(|c| c.code == "1020-0011" && c.parent_id == Some(food.id))
    );
    let countries = client
        .dictionary_items(&k, "country", 1, 100)
        .await
        .unwrap();
    assert!(countries.total_elements >= 30);
    let measures = client.dictionary_roots(&k, "MEASURE").await.unwrap();
    for code in ["796", "166", "112", "055", "006"] {
        assert!(measures.iter().any(|m| m.code == code), "{code}");
    }
    assert_eq!(
        client.dictionary_roots(&k, "NOPE").await,
        Err(NctError::NotFound)
    );
    assert!(
        client
            .dictionaries(&k)
            .await
            .unwrap()
            .iter()
            .any(|d| d.code == "OKTRU")
    );
    sim.stop().await;
}

#[tokio::test]
async fn attribute_schemas_are_served_from_the_tables() {
    let (sim, client) = spawn(small_config()).await;
    let base = client.base_attributes(&key()).await.unwrap();
    let tnved = base.iter().find(|a| a.code == "tnved").unwrap();
    assert_eq!(tnved.pattern.as_deref(), Some("^\\d{10}$"));
    assert_eq!(tnved.dictionary_code.as_deref(), Some("TNVED"));
    let measure = base.iter().find(|a| a.code == "measure").unwrap();
    assert_eq!(measure.attributes.len(), 2);
    let xtin = base.iter().find(|a| a.code == "xtin").unwrap();
    assert_eq!(xtin.pattern.as_deref(), Some("^004\\d{10}$"));

    let gov = client
        .gov_attributes(&key(), "1020-0011-0003-100006374")
        .await
        .unwrap();
    let main: Vec<&str> = gov
        .main_attributes
        .iter()
        .map(|a| a.code.as_str())
        .collect();
    assert_eq!(
        main,
        [
            "enstrus",
            "gross_weight",
            "net_weight",
            "volume",
            "standards",
            "package_dimensions",
            "product_dimensions"
        ]
    );
    assert!(!gov.additional_attributes.is_empty());
    for bad in ["1020-0011", "9999-0000-0000-000000000"] {
        assert!(
            matches!(
                client.gov_attributes(&key(), bad).await,
                Err(NctError::Validation { .. })
            ),
            "{bad}"
        );
    }
    sim.stop().await;
}

#[tokio::test]
async fn control_routes_work_over_http_without_a_key() {
    let (sim, client) = spawn(small_config()).await;
    let port = sim.port();
    let (status, _) = raw_http(port, "PUT", "/__sim/faults", r#"{"burst5xx":1}"#).await;
    assert_eq!(status, 200);
    assert!(matches!(
        client.verify_key(&key()).await,
        Err(NctError::Unavailable { .. })
    ));
    let (status, _) = raw_http(port, "PUT", "/__sim/rate-limit", r#"{"perSecond":null}"#).await;
    assert_eq!(status, 200);
    let (status, _) = raw_http(port, "POST", "/__sim/keys", r#"{"key":"via-http"}"#).await;
    assert_eq!(status, 204);
    assert_eq!(
        client.verify_key(&SecretString::from("via-http")).await,
        Ok(())
    );
    let (status, body) = raw_http(port, "GET", "/__sim/stats", "").await;
    assert_eq!(status, 200);
    let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(stats["faultsInjected"], 1);
    // A portal call without a key: 401, plain text.
    let (status, body) = raw_http(port, "GET", "/portal/api/v1/dictionaries", "").await;
    assert_eq!((status, body.as_str()), (401, "no content"));
    sim.stop().await;
}

#[tokio::test]
async fn a_seed_file_is_loaded_when_given() {
    let path = std::env::temp_dir().join(format!("nct-sim-seed-{}.csv", std::process::id()));
    super::seed::write_seed_file(&path, 50).unwrap();
    let (sim, client) = spawn(SimConfig {
        seed_file: Some(path.clone()),
        ..small_config()
    })
    .await;
    assert_eq!(
        client
            .lookup_gtin(&key(), &seed_gtin(7))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        client.lookup_gtin(&key(), &seed_gtin(60)).await,
        Err(NctError::NotFound)
    );
    sim.stop().await;
    std::fs::remove_file(&path).ok();
}

#[test]
fn the_default_seed_has_its_cards_plus_the_ambiguous_extras() {
    let catalog = super::seed::Catalog::generate(100_000);
    // Twins (1 in 100) and case packs (1 in 100).
    assert_eq!(catalog.len(), 102_000);
}
