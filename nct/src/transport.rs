//! The plumbing under [`crate::NctClient`]: request bodies (JSON, multipart), size-capped reads, and the
//! mapping of transport failures and undecodable bodies to [`NctError`].

use rand::Rng as _;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::NctError;

/// A body to send.
pub(crate) enum Payload {
    Empty,
    Json(Vec<u8>),
    Multipart { boundary: String, body: Vec<u8> },
}

/// Reads the body, failing once it passes `cap` bytes.
pub(crate) async fn read_capped(response: &mut reqwest::Response, cap: usize) -> Result<Vec<u8>, NctError> {
    let too_big = || NctError::Malformed(format!("response body exceeds {cap} bytes"));
    if response
        .content_length()
        .is_some_and(|len| len > cap as u64)
    {
        return Err(too_big());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > cap {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Maps a reqwest failure to [`NctError::Unavailable`] with our own words (reqwest's text can carry the URL).
pub(crate) fn transport_error(err: reqwest::Error) -> NctError {
    let message = if err.is_timeout() {
        "request to NCT timed out"
    } else if err.is_connect() {
        "could not connect to NCT"
    } else if err.is_body() || err.is_decode() {
        "connection to NCT broke while reading the response"
    } else if err.is_redirect() {
        "NCT redirected the request"
    } else {
        "request to NCT failed"
    };
    tracing::debug!(error = %err.without_url(), "NCT transport error");
    NctError::Unavailable {
        status: None,
        message: message.to_owned(),
    }
}

/// Parses a 2xx body. The error names what was expected and where parsing stopped, never the body.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, NctError> {
    serde_json::from_slice(body).map_err(|e| {
        NctError::Malformed(format!(
            "{what} is not the expected JSON ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

pub(crate) fn json_payload<T: Serialize>(value: &T) -> Result<Payload, NctError> {
    serde_json::to_vec(value)
        .map(Payload::Json)
        .map_err(|e| NctError::Malformed(format!("could not serialize the request body: {e}")))
}

/// A `multipart/form-data` body with one `file` part (reqwest's `multipart` feature is not enabled).
pub(crate) fn multipart_payload(filename: &str, bytes: &[u8]) -> Payload {
    let boundary = {
        let mut rng = rand::rng();
        format!(
            "----ntin-desk-{:016x}{:016x}",
            rng.random::<u64>(),
            rng.random::<u64>()
        )
    };
    // Quotes and line breaks would break the header; percent-encode them.
    let safe_name: String = filename
        .chars()
        .map(|c| match c {
            '"' => "%22".to_owned(),
            '\r' => "%0D".to_owned(),
            '\n' => "%0A".to_owned(),
            '\\' => "%5C".to_owned(),
            c => c.to_string(),
        })
        .collect();
    let mut body = Vec::with_capacity(bytes.len() + 256);
    body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    body.extend_from_slice(
        format!("Content-Disposition: form-data; name=\"file\"; filename=\"{safe_name}\"\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!("Content-Type: {}\r\n\r\n", content_type_for(filename)).as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Payload::Multipart { boundary, body }
}

pub(crate) fn content_type_for(filename: &str) -> &'static str {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, for path segments and query values.
pub(crate) fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------------------------------------

