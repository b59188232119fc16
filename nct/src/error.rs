//! [`NctError`]: every way a single NCT call can fail, classified so a caller can act on it.
//!
//! The classification (which status becomes which variant) lives in one function, [`classify_response`],
//! next to the enum, its stable codes and the `Retry-After` parser. Messages are built by us: they carry at most NCT's own `ApiErrorDto.message`
//! (truncated to [`MAX_MESSAGE_CHARS`]), never a raw upstream body, never a header, never the API key.

use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret as _, SecretString};

use super::dto::ApiErrorDto;

/// Longest upstream message kept in an error.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// A failed NCT call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NctError {
    /// 401/403: the key is wrong, revoked or lacks access. Pause the tenant's jobs and tell the user.
    #[error("NCT rejected the API key")]
    InvalidKey,
    /// 404, or a lookup that returned an empty list.
    #[error("NCT has no matching record")]
    NotFound,
    /// 429, or 503 with `Retry-After`. Wait at least `retry_after` (shared by every caller of the key).
    #[error("NCT rate limit reached{}", retry_after_text(.retry_after))]
    RateLimited {
        /// Parsed `Retry-After`, when NCT sent a usable one.
        retry_after: Option<Duration>,
    },
    /// 5xx, timeouts, connection failures: transient.
    #[error("NCT is unavailable{}: {message}", status_text(.status))]
    Unavailable {
        /// HTTP status, `None` for transport failures.
        status: Option<u16>,
        /// What went wrong (our words, or NCT's message).
        message: String,
    },
    /// A 2xx body that is not the expected JSON (or a response we cannot use, like a redirect).
    #[error("NCT sent an unexpected response: {0}")]
    Malformed(String),
    /// 400 (and other 4xx): the input is wrong. Permanent; keep NCT's message verbatim.
    #[error("NCT validation error {code}: {message}")]
    Validation {
        /// `ApiErrorDto.code`, e.g. `VALIDATION_ERROR`.
        code: String,
        /// `ApiErrorDto.message`.
        message: String,
    },
    /// 422: well-formed but refused by a business rule (wrong status, bad XTIN, extended card…).
    #[error("NCT business rule error {code}: {message}")]
    Business {
        /// `ApiErrorDto.code`, e.g. `BUSINESS_ERROR`.
        code: String,
        /// `ApiErrorDto.message`.
        message: String,
    },
    /// What answered is not NCT's portal API: an HTML page with 200 (a base URL without `/gwp` reaches
    /// the portal's web app), or a 404 without NCT's error body (a path NCT does not have, e.g. a base URL
    /// ending in `/portal/api`). A configuration error: never retried, never cached as an answer.
    #[error("the configured NCT base URL does not lead to NCT's portal API: {0}")]
    WrongBaseUrl(String),
}

fn retry_after_text(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(" (retry after {} ms)", d.as_millis()),
        None => String::new(),
    }
}

fn status_text(status: &Option<u16>) -> String {
    match status {
        Some(s) => format!(" (HTTP {s})"),
        None => String::new(),
    }
}

impl NctError {
    /// True for failures worth retrying later: [`NctError::RateLimited`] and [`NctError::Unavailable`].
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Unavailable { .. })
    }

    /// Stable machine code, part of our public error contract.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidKey => "NCT_INVALID_KEY",
            Self::NotFound => "NCT_NOT_FOUND",
            Self::RateLimited { .. } => "NCT_RATE_LIMITED",
            Self::Unavailable { .. } => "NCT_UNAVAILABLE",
            Self::Malformed(_) => "NCT_MALFORMED",
            Self::Validation { .. } => "NCT_VALIDATION",
            Self::Business { .. } => "NCT_BUSINESS",
            Self::WrongBaseUrl(_) => "NCT_WRONG_BASE_URL",
        }
    }

    /// The wait NCT asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }
}

/// Cuts `s` to at most [`MAX_MESSAGE_CHARS`] characters (on a char boundary), adding `…` when cut.
pub fn truncate_message(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((idx, _)) => format!("{}…", &s[..idx]),
        None => s.to_owned(),
    }
}

/// Parses a `Retry-After` value (RFC 9110 §10.2.3): delta-seconds (`120`) or an HTTP-date
/// (`Sun, 06 Nov 1994 08:49:37 GMT`). A date in the past gives zero. The obsolete RFC 850 and asctime
/// date forms are not accepted (`None`).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at: SystemTime = date.with_timezone(&chrono::Utc).into();
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// THE status mapping. 2xx → `Ok`; 401/403 → `InvalidKey` (the 401 body is plain text `no content`);
/// 404 → `NotFound` when the body is NCT's error object (or empty), `WrongBaseUrl` otherwise (an HTML page,
/// a framework's "no such path" object: the path is not NCT's); 429 → `RateLimited`; 503 with a usable `Retry-After` → `RateLimited`; other 5xx →
/// `Unavailable`; 422 → `Business`; 400 and other 4xx → `Validation`; 3xx (redirects are not followed)
/// and anything else → `Malformed`. `ApiErrorDto` is read when the body is a JSON object; its message is
/// truncated and any occurrence of the key is replaced by `***`.
///
/// # Errors
/// The classified [`NctError`] for every non-2xx status.
pub fn classify_response(
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
    key: &SecretString,
) -> Result<(), NctError> {
    let retry_after = || retry_after.and_then(|v| parse_retry_after(v, SystemTime::now()));
    let api_error = || parse_api_error(body, key);
    match status {
        200..=299 => Ok(()),
        300..=399 => Err(NctError::Malformed(format!(
            "NCT answered HTTP {status} (a redirect); redirects are not followed"
        ))),
        401 | 403 => Err(NctError::InvalidKey),
        404 if !foreign_404(body) => Err(NctError::NotFound),
        404 => Err(NctError::WrongBaseUrl(
            "NCT answered 404 without its error body, so the path is not NCT's; NCT_BASE_URL must be the gateway base (https://nationalcatalog.kz/gwp), without /portal/api".to_owned(),
        )),
        429 => Err(NctError::RateLimited {
            retry_after: retry_after(),
        }),
        503 if retry_after().is_some() => Err(NctError::RateLimited {
            retry_after: retry_after(),
        }),
        500..=599 => Err(NctError::Unavailable {
            status: Some(status),
            message: api_error()
                .map(|e| e.message)
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| format!("HTTP {status}")),
        }),
        422 => {
            let e = api_error().unwrap_or_default();
            Err(NctError::Business {
                code: non_empty(e.code, "BUSINESS_ERROR"),
                message: non_empty(e.message, "HTTP 422"),
            })
        }
        400..=499 => {
            let e = api_error().unwrap_or_default();
            let fallback = if status == 400 {
                "VALIDATION_ERROR".to_owned()
            } else {
                format!("HTTP_{status}")
            };
            Err(NctError::Validation {
                code: non_empty(e.code, &fallback),
                message: non_empty(e.message, &format!("HTTP {status}")),
            })
        }
        _ => Err(NctError::Malformed(format!(
            "NCT answered with unexpected HTTP {status}"
        ))),
    }
}

/// A 404 that is not NCT's "no such record": an HTML page, or a web framework's "no such path" object
/// (`status` and `path`, and no `code` of NCT's `ApiErrorDto`).
fn foreign_404(body: &[u8]) -> bool {
    let trimmed = body.trim_ascii_start();
    if trimmed.first() == Some(&b'<') {
        return true;
    }
    match serde_json::from_slice::<serde_json::Value>(trimmed) {
        Ok(serde_json::Value::Object(m)) => m.get("code").is_none() && m.contains_key("path") && m.contains_key("status"),
        _ => false,
    }
}

fn non_empty(s: String, fallback: &str) -> String {
    if s.trim().is_empty() {
        fallback.to_owned()
    } else {
        s
    }
}

/// Reads an `ApiErrorDto` from a JSON object body; code and message are scrubbed and truncated.
fn parse_api_error(body: &[u8], key: &SecretString) -> Option<ApiErrorDto> {
    let trimmed = body.trim_ascii_start();
    if !trimmed.starts_with(b"{") {
        return None;
    }
    let dto: ApiErrorDto = serde_json::from_slice(trimmed).ok()?;
    let code: String = scrub(&dto.code, key).chars().take(64).collect();
    Some(ApiErrorDto {
        code,
        message: truncate_message(&scrub(&dto.message, key)),
    })
}

/// Replaces the key with `***` in text that came from upstream.
fn scrub(text: &str, key: &SecretString) -> String {
    let secret = key.expose_secret();
    if secret.is_empty() {
        text.to_owned()
    } else {
        text.replace(secret, "***")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_delta_seconds() {
        assert_eq!(
            parse_retry_after(" 7 ", SystemTime::now()),
            Some(Duration::from_secs(7))
        );
        assert_eq!(parse_retry_after("", SystemTime::now()), None);
        assert_eq!(parse_retry_after("-3", SystemTime::now()), None);
        assert_eq!(parse_retry_after("soon", SystemTime::now()), None);
    }

    #[test]
    fn retry_after_reads_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn messages_are_truncated_on_char_boundaries() {
        let long = "ж".repeat(1000);
        let cut = truncate_message(&long);
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert_eq!(truncate_message("short"), "short");
    }

    #[test]
    fn only_rate_limits_and_outages_are_retryable() {
        assert!(NctError::RateLimited { retry_after: None }.is_retryable());
        assert!(
            NctError::Unavailable {
                status: Some(500),
                message: "x".into()
            }
            .is_retryable()
        );
        assert!(!NctError::InvalidKey.is_retryable());
        assert!(!NctError::NotFound.is_retryable());
        assert!(!NctError::Malformed("x".into()).is_retryable());
        assert!(
            !NctError::Validation {
                code: "V".into(),
                message: "m".into()
            }
            .is_retryable()
        );
        assert!(
            !NctError::Business {
                code: "B".into(),
                message: "m".into()
            }
            .is_retryable()
        );
    }

    #[test]
    fn upstream_messages_are_kept_but_truncated() {
        let body = format!(
            r#"{{"code":"VALIDATION_ERROR","message":"{}"}}"#,
            "я".repeat(500)
        );
        match classify_response(400, None, body.as_bytes(), &key()) {
            Err(NctError::Validation { code, message }) => {
                assert_eq!(code, "VALIDATION_ERROR");
                assert!(message.chars().count() <= 301);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn status_mapping() {
        let k = key();
        assert!(classify_response(204, None, b"", &k).is_ok());
        assert_eq!(
            classify_response(401, None, b"no content", &k),
            Err(NctError::InvalidKey)
        );
        assert_eq!(
            classify_response(403, None, b"", &k),
            Err(NctError::InvalidKey)
        );
        assert_eq!(
            classify_response(404, None, b"{}", &k),
            Err(NctError::NotFound)
        );
        // `/duplicates` declares its 404 body as an array of matches.
        assert_eq!(classify_response(404, None, b"[]", &k), Err(NctError::NotFound));
        assert!(matches!(
            classify_response(404, None, b"<!DOCTYPE html><html>...</html>", &k),
            Err(NctError::WrongBaseUrl(_))
        ));
        let spring = br#"{"timestamp":"2026-01-01T00:00:00","status":404,"error":"Not Found","path":"/portal/api/portal/api/v2/products/1"}"#;
        assert!(matches!(classify_response(404, None, spring, &k), Err(NctError::WrongBaseUrl(_))));
        assert_eq!(
            classify_response(429, Some("2"), b"", &k),
            Err(NctError::RateLimited {
                retry_after: Some(Duration::from_secs(2))
            })
        );
        assert_eq!(
            classify_response(503, Some("1"), b"", &k),
            Err(NctError::RateLimited {
                retry_after: Some(Duration::from_secs(1))
            })
        );
        assert!(matches!(
            classify_response(503, None, b"", &k),
            Err(NctError::Unavailable {
                status: Some(503),
                ..
            })
        ));
        assert!(matches!(
            classify_response(
                422,
                None,
                br#"{"code":"BUSINESS_ERROR","message":"no"}"#,
                &k
            ),
            Err(NctError::Business { .. })
        ));
        assert!(matches!(
            classify_response(302, None, b"", &k),
            Err(NctError::Malformed(_))
        ));
    }

    const MARKER: &str = "sk-LEAKMARKER-1a2b3c";

    fn key() -> SecretString {
        SecretString::from(MARKER)
    }
}
