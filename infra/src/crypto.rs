//! Envelope encryption of tenant secrets with `ring` AES-256-GCM: NCT API keys, Kaspi Shop API tokens and
//! webhook signing secrets ([`Purpose`]).
//!
//! Stored form: `nonce (12 bytes) || ciphertext || tag`, with the master-key version in its own column. Every
//! encryption draws a fresh random 96-bit nonce. The additional authenticated data binds the ciphertext to its
//! place: `"<purpose>|<owner uuid>|v<version>"` (e.g. `"nct-api-key|<tenant uuid>|v1"`), so a ciphertext copied
//! into another tenant's row, into a column of another purpose, or relabelled with another version, fails to
//! decrypt.
//!
//! Master keys are versioned (`NTIN_MASTER_KEY=1:<base64>,2:<base64>`, or one bare base64 key = version 1).
//! Encryption uses the newest version; decryption accepts any known version. The keys never touch the
//! database.

use base64::Engine as _;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Why a key could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// `NTIN_MASTER_KEY` (or the key file) is malformed.
    #[error("master key configuration: {0}")]
    Config(String),
    /// The ciphertext was made with a version we do not have.
    #[error("unknown master key version {0}")]
    UnknownVersion(i32),
    /// Authentication failed: wrong tenant, wrong version, or tampered bytes.
    #[error("ciphertext does not authenticate")]
    Invalid,
    /// The system random source failed.
    #[error("random source failed")]
    Random,
}

/// The versioned master keys.
pub struct MasterKeyring {
    keys: BTreeMap<i32, LessSafeKey>,
    fingerprint_key: ring::hmac::Key,
    rng: SystemRandom,
}

impl std::fmt::Debug for MasterKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKeyring")
            .field("versions", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// What a sealed secret is; part of the additional authenticated data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A tenant's NCT API key (owner: the tenant).
    NctApiKey,
    /// A tenant's Kaspi Shop API token (owner: the tenant).
    KaspiToken,
    /// A webhook endpoint's signing secret (owner: the endpoint).
    WebhookSecret,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::NctApiKey => "nct-api-key",
            Purpose::KaspiToken => "kaspi-token",
            Purpose::WebhookSecret => "webhook-secret",
        }
    }
}

fn aad(purpose: Purpose, owner: Uuid, version: i32) -> String {
    format!("{}|{owner}|v{version}", purpose.label())
}

impl MasterKeyring {
    /// Parses `1:<base64>,2:<base64>` or a single bare base64 key (version 1). Each key is 32 bytes.
    pub fn parse(spec: &SecretString) -> Result<Self, CryptoError> {
        let mut keys = BTreeMap::new();
        let mut first_raw: Option<Vec<u8>> = None;
        for part in spec.expose_secret().split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (version, b64) = match part.split_once(':') {
                Some((v, k)) => (
                    v.trim()
                        .trim_start_matches('v')
                        .parse::<i32>()
                        .map_err(|_| CryptoError::Config("version must be a number".into()))?,
                    k.trim(),
                ),
                None => (1, part),
            };
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| CryptoError::Config(format!("version {version} is not base64")))?;
            if raw.len() != 32 {
                return Err(CryptoError::Config(format!("version {version} must be 32 bytes")));
            }
            let unbound = UnboundKey::new(&AES_256_GCM, &raw).map_err(|_| CryptoError::Config("bad key".into()))?;
            if first_raw.is_none() {
                first_raw = Some(raw.clone());
            }
            if keys.insert(version, LessSafeKey::new(unbound)).is_some() {
                return Err(CryptoError::Config(format!("version {version} given twice")));
            }
        }
        let first = first_raw.ok_or_else(|| CryptoError::Config("no key given".into()))?;
        // The fingerprint key derives from the first listed key, so fingerprints survive rotation as long
        // as that key stays listed first.
        let fingerprint_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[b"fingerprint|".as_slice(), &first].concat());
        Ok(Self { keys, fingerprint_key, rng: SystemRandom::new() })
    }

    /// A fresh random 32-byte key, base64 (for `NTIN_MASTER_KEY` or the data-dir file).
    pub fn generate_key() -> Result<String, CryptoError> {
        let mut raw = [0u8; 32];
        SystemRandom::new().fill(&mut raw).map_err(|_| CryptoError::Random)?;
        Ok(base64::engine::general_purpose::STANDARD.encode(raw))
    }

    /// The version new encryptions use.
    pub fn current_version(&self) -> i32 {
        self.keys.keys().next_back().copied().unwrap_or(1)
    }

    /// Encrypts a tenant's NCT key with the newest key; returns `(version, nonce || ct || tag)`.
    pub fn seal(&self, tenant: Uuid, plaintext: &SecretString) -> Result<(i32, Vec<u8>), CryptoError> {
        self.seal_for(Purpose::NctApiKey, tenant, plaintext)
    }

    /// Decrypts a tenant's NCT key sealed under `version`.
    pub fn open(&self, tenant: Uuid, version: i32, blob: &[u8]) -> Result<SecretString, CryptoError> {
        self.open_for(Purpose::NctApiKey, tenant, version, blob)
    }

    /// Encrypts `plaintext` as `purpose` for `owner` with the newest key; returns `(version, nonce || ct || tag)`.
    pub fn seal_for(&self, purpose: Purpose, owner: Uuid, plaintext: &SecretString) -> Result<(i32, Vec<u8>), CryptoError> {
        let version = self.current_version();
        let key = self.keys.get(&version).ok_or(CryptoError::UnknownVersion(version))?;
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| CryptoError::Random)?;
        let mut buf = plaintext.expose_secret().as_bytes().to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(purpose, owner, version).as_bytes()),
            &mut buf,
        )
        .map_err(|_| CryptoError::Invalid)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok((version, out))
    }

    /// Decrypts a blob sealed as `purpose` for `owner` under `version`.
    pub fn open_for(&self, purpose: Purpose, owner: Uuid, version: i32, blob: &[u8]) -> Result<SecretString, CryptoError> {
        let key = self.keys.get(&version).ok_or(CryptoError::UnknownVersion(version))?;
        if blob.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(CryptoError::Invalid);
        }
        let (nonce, ct) = blob.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Invalid)?;
        let mut buf = ct.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(aad(purpose, owner, version).as_bytes()), &mut buf)
            .map_err(|_| CryptoError::Invalid)?;
        let s = String::from_utf8(plain.to_vec()).map_err(|_| CryptoError::Invalid)?;
        Ok(SecretString::from(s))
    }

    /// A short keyed hash of an API key, safe to show: `kf_` + 12 hex characters.
    pub fn fingerprint(&self, plaintext: &SecretString) -> String {
        let tag = ring::hmac::sign(&self.fingerprint_key, plaintext.expose_secret().as_bytes());
        let hex: String = tag.as_ref()[..6].iter().map(|b| format!("{b:02x}")).collect();
        format!("kf_{hex}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring_with(spec: &str) -> MasterKeyring {
        MasterKeyring::parse(&SecretString::from(spec.to_owned())).unwrap()
    }

    #[test]
    fn a_sealed_key_opens_for_its_tenant_only() {
        let k = MasterKeyring::generate_key().unwrap();
        let r = ring_with(&k);
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let (v, blob) = r.seal(a, &SecretString::from("secret-key".to_owned())).unwrap();
        assert_eq!(r.open(a, v, &blob).unwrap().expose_secret(), "secret-key");
        assert!(matches!(r.open(b, v, &blob), Err(CryptoError::Invalid)));
        let mut tampered = blob.clone();
        tampered[20] ^= 1;
        assert!(r.open(a, v, &tampered).is_err());
    }

    #[test]
    fn a_secret_sealed_for_one_purpose_does_not_open_as_another() {
        let r = ring_with(&MasterKeyring::generate_key().unwrap());
        let owner = Uuid::new_v4();
        let s = SecretString::from("token".to_owned());
        let (v, blob) = r.seal_for(Purpose::KaspiToken, owner, &s).unwrap();
        assert_eq!(r.open_for(Purpose::KaspiToken, owner, v, &blob).unwrap().expose_secret(), "token");
        assert!(r.open(owner, v, &blob).is_err());
        assert!(r.open_for(Purpose::WebhookSecret, owner, v, &blob).is_err());
    }

    #[test]
    fn every_seal_uses_a_fresh_nonce() {
        let r = ring_with(&MasterKeyring::generate_key().unwrap());
        let t = Uuid::new_v4();
        let s = SecretString::from("k".to_owned());
        let (_, x) = r.seal(t, &s).unwrap();
        let (_, y) = r.seal(t, &s).unwrap();
        assert_ne!(x[..NONCE_LEN], y[..NONCE_LEN]);
    }

    #[test]
    fn rotation_seals_with_the_newest_and_opens_old_versions() {
        let k1 = MasterKeyring::generate_key().unwrap();
        let k2 = MasterKeyring::generate_key().unwrap();
        let old = ring_with(&k1);
        let both = ring_with(&format!("1:{k1},2:{k2}"));
        let t = Uuid::new_v4();
        let s = SecretString::from("nct".to_owned());
        let (v1, blob) = old.seal(t, &s).unwrap();
        assert_eq!(v1, 1);
        assert_eq!(both.open(t, 1, &blob).unwrap().expose_secret(), "nct");
        let (v2, blob2) = both.seal(t, &s).unwrap();
        assert_eq!(v2, 2);
        // Relabelling a v2 ciphertext as v1 fails (the version is in the AAD).
        assert!(both.open(t, 1, &blob2).is_err());
        assert_eq!(old.fingerprint(&s), both.fingerprint(&s));
    }

    #[test]
    fn malformed_master_keys_are_refused_and_debug_hides_them() {
        assert!(MasterKeyring::parse(&SecretString::from("short".to_owned())).is_err());
        assert!(MasterKeyring::parse(&SecretString::from(String::new())).is_err());
        let k = MasterKeyring::generate_key().unwrap();
        assert!(!format!("{:?}", ring_with(&k)).contains(&k));
    }
}
