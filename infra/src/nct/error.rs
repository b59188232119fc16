//! [`NctError`]: every way a single NCT call can fail, classified so a caller can act on it.
//!
//! The classification (which status becomes which variant) lives in one place,
//! `super::client::classify_response`; this module holds the enum, its stable codes and the
//! `Retry-After` parser. Messages are built by us: they carry at most NCT's own `ApiErrorDto.message`
//! (truncated to [`MAX_MESSAGE_CHARS`]), never a raw upstream body, never a header, never the API key.

use std::time::{Duration, SystemTime};

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
}
