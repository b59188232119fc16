#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The client against a local stub: retries, caps, and that the key never leaks.

use super::*;
use crate::retry::{RetryPolicy, with_retries};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

const MARKER: &str = "sk-LEAKMARKER-9f8e7d6c";

fn key() -> SecretString {
    SecretString::from(MARKER)
}

fn assert_clean(err: &NctError) {
    let debug = format!("{err:?}");
    let display = err.to_string();
    assert!(!debug.contains(MARKER), "Debug leaks the key: {debug}");
    assert!(
        !display.contains(MARKER),
        "Display leaks the key: {display}"
    );
}

#[test]
fn no_error_variant_ever_contains_the_key() {
    // Upstream echoing the key back, in every status class the mapping knows.
    let echo = format!(
        r#"{{"code":"X{MARKER}","message":"bad key {MARKER} {}"}}"#,
        "y".repeat(400)
    );
    let plain = format!("no content {MARKER}");
    for status in [
        301, 400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503, 504, 600,
    ] {
        for body in [echo.as_bytes(), plain.as_bytes(), b"".as_slice()] {
            for retry_after in [None, Some("3"), Some("Sun, 06 Nov 1994 08:49:37 GMT")] {
                if let Err(err) = classify_response(status, retry_after, body, &key()) {
                    assert_clean(&err);
                }
            }
        }
    }
    let malformed =
        decode::<Vec<i32>>(format!("[\"{MARKER}\"]").as_bytes(), "list").unwrap_err();
    assert_clean(&malformed);
    // And every variant built by hand.
    for err in [
        NctError::InvalidKey,
        NctError::NotFound,
        NctError::RateLimited {
            retry_after: Some(Duration::from_secs(1)),
        },
        NctError::Unavailable {
            status: None,
            message: "request to NCT timed out".into(),
        },
        NctError::Malformed("x".into()),
        NctError::Validation {
            code: "VALIDATION_ERROR".into(),
            message: "m".into(),
        },
        NctError::Business {
            code: "BUSINESS_ERROR".into(),
            message: "m".into(),
        },
    ] {
        assert_clean(&err);
    }
}

#[tokio::test]
async fn transport_errors_are_unavailable_and_clean() {
    // A port that was free a moment ago: connection refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = NctClient::new(NctClientConfig {
        base_url: format!("http://127.0.0.1:{port}"),
        connect_timeout: Duration::from_millis(500),
        ..NctClientConfig::default()
    })
    .unwrap();
    let err = client
        .lookup_gtin(&key(), "4870000000000")
        .await
        .unwrap_err();
    assert!(
        matches!(err, NctError::Unavailable { status: None, .. }),
        "{err:?}"
    );
    assert_clean(&err);
}

#[test]
fn bad_base_urls_are_refused() {
    for url in ["nationalcatalog.kz/gwp", "ftp://x/y", ""] {
        let config = NctClientConfig {
            base_url: url.into(),
            ..NctClientConfig::default()
        };
        assert!(NctClient::new(config).is_err(), "{url}");
    }
}

#[test]
fn full_jitter_stays_within_bounds_and_honours_retry_after() {
    let policy = RetryPolicy {
        max_attempts: 5,
        base: Duration::from_millis(100),
        cap: Duration::from_millis(300),
    };
    for attempt in 0..10 {
        let d = policy.delay(attempt, None);
        assert!(d <= Duration::from_millis(300), "{d:?}");
    }
    assert!(policy.delay(0, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
}

#[tokio::test]
async fn with_retries_retries_only_transient_errors() {
    let policy = RetryPolicy {
        max_attempts: 3,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(2),
    };
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let result: Result<u32, NctError> = with_retries(&policy, || {
        let c = c.clone();
        async move {
            let n = c.fetch_add(1, Ordering::SeqCst);
            if n < 2 {
                Err(NctError::Unavailable {
                    status: Some(500),
                    message: "x".into(),
                })
            } else {
                Ok(n)
            }
        }
    })
    .await;
    assert_eq!(result, Ok(2));

    let calls2 = Arc::new(AtomicU32::new(0));
    let c2 = calls2.clone();
    let result: Result<(), NctError> = with_retries(&policy, || {
        let c2 = c2.clone();
        async move {
            c2.fetch_add(1, Ordering::SeqCst);
            Err(NctError::InvalidKey)
        }
    })
    .await;
    assert_eq!(result, Err(NctError::InvalidKey));
    assert_eq!(calls2.load(Ordering::SeqCst), 1);

    let calls3 = Arc::new(AtomicU32::new(0));
    let c3 = calls3.clone();
    let result: Result<(), NctError> = with_retries(&policy, || {
        let c3 = c3.clone();
        async move {
            c3.fetch_add(1, Ordering::SeqCst);
            Err(NctError::RateLimited { retry_after: None })
        }
    })
    .await;
    assert!(matches!(result, Err(NctError::RateLimited { .. })));
    assert_eq!(calls3.load(Ordering::SeqCst), 3);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[test]
fn multipart_body_has_one_file_part() {
    let Payload::Multipart { boundary, body } = multipart_payload("a\"b.jpg", b"\xff\xd8data")
    else {
        panic!("not multipart");
    };
    let text = String::from_utf8_lossy(&body);
    assert!(text.starts_with(&format!("--{boundary}\r\n")));
    assert!(text.contains("name=\"file\"; filename=\"a%22b.jpg\""));
    assert!(text.contains("Content-Type: image/jpeg"));
    assert!(text.ends_with(&format!("--{boundary}--\r\n")));
}

#[test]
fn path_segments_are_encoded() {
    assert_eq!(encode_segment("1020-0011"), "1020-0011");
    assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
}
