//! The webhook signature partners verify (documented in the README, "Webhooks for partners").
//!
//! `X-Ntin-Webhook-Signature: v1=<hex>` where `<hex>` is the lowercase hex HMAC-SHA256, keyed with the
//! endpoint's secret exactly as shown at creation (its UTF-8 bytes, `whsec_` prefix included), over
//! `"<X-Ntin-Webhook-Timestamp>.<raw body>"`. During the 24 hours after a secret rotation the header carries one
//! `v1=` per valid secret, comma-separated, newest first; a receiver accepts the delivery when any of them
//! verifies.

use base64::Engine as _;
use ring::rand::SecureRandom as _;
use secrecy::{ExposeSecret as _, SecretString};

/// Header: the event id, the same on every retry (drop repeats by it).
pub const HEADER_ID: &str = "x-ntin-webhook-id";
/// Header: the event type, e.g. `job.finished`.
pub const HEADER_EVENT: &str = "x-ntin-webhook-event";
/// Header: seconds since the Unix epoch when this attempt was signed.
pub const HEADER_TIMESTAMP: &str = "x-ntin-webhook-timestamp";
/// Header: `v1=<hex>[,v1=<hex>]`.
pub const HEADER_SIGNATURE: &str = "x-ntin-webhook-signature";
/// Header: the attempt number, from 1.
pub const HEADER_ATTEMPT: &str = "x-ntin-webhook-attempt";

/// A fresh endpoint secret: `whsec_` and 32 random bytes in base64url.
///
/// # Errors
/// When the system random source fails.
pub fn generate_secret() -> anyhow::Result<SecretString> {
    let mut raw = [0u8; 32];
    ring::rand::SystemRandom::new().fill(&mut raw).map_err(|_| anyhow::anyhow!("system random source failed"))?;
    Ok(SecretString::from(format!("whsec_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw))))
}

/// The last four characters of a secret, to tell secrets apart without showing them.
#[must_use]
pub fn hint(secret: &SecretString) -> String {
    let s = secret.expose_secret();
    let tail: String = s.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("whsec_…{tail}")
}

/// The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
#[must_use]
pub fn sign(secret: &SecretString, timestamp: i64, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.expose_secret().as_bytes());
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    ctx.sign().as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The signature header value for every secret given (newest first).
#[must_use]
pub fn header_value(secrets: &[SecretString], timestamp: i64, body: &[u8]) -> String {
    secrets.iter().map(|s| format!("v1={}", sign(s, timestamp, body))).collect::<Vec<_>>().join(",")
}

/// Verifies a signature header as a receiver would (used by our tests; partners write their own).
#[must_use]
pub fn verify(secret: &SecretString, timestamp: i64, body: &[u8], header: &str) -> bool {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.expose_secret().as_bytes());
    let msg = [timestamp.to_string().as_bytes(), b".", body].concat();
    header.split(',').filter_map(|p| p.trim().strip_prefix("v1=")).any(|hex| {
        decode_hex(hex).is_some_and(|sig| ring::hmac::verify(&key, &msg, &sig).is_ok())
    })
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_an_independent_hmac_and_verifies() {
        // Arrange: RFC 4231 test case 2 shape, with our message layout.
        let secret = SecretString::from("Jefe".to_owned());
        let body = b"what do ya want for nothing?";

        // Act
        let sig = sign(&secret, 1_700_000_000, body);

        // Assert: computed independently with `printf '1700000000.what do ya want for nothing?' | openssl dgst -sha256 -hmac Jefe`.
        assert_eq!(sig, "1cdd0650c8be1cb0974b1788d458b1e781206cfef59b85faafc582d2e182c57e");
        let header = header_value(std::slice::from_ref(&secret), 1_700_000_000, body);
        assert!(verify(&secret, 1_700_000_000, body, &header));
        assert!(!verify(&secret, 1_700_000_001, body, &header), "the timestamp is signed");
        assert!(!verify(&secret, 1_700_000_000, b"what do ya want for nothing!", &header), "the body is signed");
        assert!(!verify(&SecretString::from("other".to_owned()), 1_700_000_000, body, &header));
    }

    #[test]
    fn during_a_rotation_either_secret_verifies() {
        let (new, old) = (generate_secret().unwrap(), generate_secret().unwrap());
        let header = header_value(&[new.clone(), old.clone()], 5, b"{}");
        assert!(verify(&new, 5, b"{}", &header) && verify(&old, 5, b"{}", &header));
        assert_eq!(header.matches("v1=").count(), 2);
    }

    #[test]
    fn secrets_are_random_prefixed_and_hinted_by_their_tail() {
        let s = generate_secret().unwrap();
        assert!(s.expose_secret().starts_with("whsec_") && s.expose_secret().len() == 49);
        assert_ne!(s.expose_secret(), generate_secret().unwrap().expose_secret());
        assert!(hint(&s).ends_with(&s.expose_secret()[45..]));
    }
}
