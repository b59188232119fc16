//! The attribute schema and dictionaries the pre-moderation card check reads.
//!
//! The base attributes and the gov-attributes of each OKTRU category are public facts: the same for every
//! tenant of one NCT. They are cached in process, shared by all tenants and keyed by the NCT base URL
//! ([`CardSchemaCache::for_client`]); any tenant's key may fill them, and entries live for [`TTL`]
//! (1 h). Loads are serialised per cache (one tokio mutex), so a burst of checks costs one round of NCT
//! calls.
//!
//! Across replicas: after [`CardSchemaCache::share_through`] (start-up, with Redis configured) the base
//! attributes and each category's gov-attributes are also kept in Redis (NCT's JSON, for [`TTL`]), so a
//! replica takes what another loaded instead of asking NCT again. Redis is a second tier only: it failing
//! means loading from NCT, as without it. The dictionaries are the database's (below).
//!
//! The dictionaries (OKTRU, TNVED and those the base schema names) are not downloaded by every process:
//! they are stored in the database and refreshed incrementally by [`crate::dictionaries`], installed here
//! once at start-up ([`CardSchemaCache::install`]).
//!
//! [`CardSchemaCache::version`] names what a check ran against (the dictionaries' generations and the base
//! schema): a stored check of another version is stale.

use crate::recent::Recent;
use crate::dictionaries::{DictionaryError, DictionaryStore};
pub use crate::dictionaries::{CachedDictionaries, DictionaryEntry};
use nct::dto::{PortalAttributeObjectDto, PortalGovAttributesDto};
use crate::shared::RedisLink;
use nct::{NctClient, NctError};
use domain::card::{AttributeDef, AttributeGroup, CardSchema, DataType};
use secrecy::SecretString;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

/// How long a loaded schema or dictionary is trusted.
pub const TTL: Duration = Duration::from_secs(3600);

struct Timed<T> {
    at: Instant,
    value: Arc<T>,
}

impl<T> Timed<T> {
    fn fresh(&self) -> Option<Arc<T>> {
        (self.at.elapsed() < TTL).then(|| self.value.clone())
    }
}

/// Gov attributes of one category: `(main, additional)`.
type GovAttrs = (Vec<AttributeDef>, Vec<AttributeDef>);

#[derive(Default)]
struct Entries {
    base: Option<Timed<Vec<AttributeDef>>>,
    gov: HashMap<String, Timed<GovAttrs>>,
}

/// The per-NCT cache. Cheap to share (`Arc`).
pub struct CardSchemaCache {
    client: NctClient,
    entries: tokio::sync::Mutex<Entries>,
    /// The stored dictionaries ([`Self::install`]).
    store: Mutex<Option<Arc<DictionaryStore>>>,
    /// OKTRU codes looked up along their path lately (not again for [`LOOKUP_AGAIN`]).
    looked_up: Mutex<HashMap<String, Instant>>,
    /// The base schema's hash in [`Self::version`] as last computed, trusted for [`VERSION_FOR`] (a page's
    /// 250 `cardCheck`s and a re-check of thousands of cards hash it once, not once each).
    recent_version: Recent<String>,
}

/// How long the base schema's hash is used without hashing the schema again (evicting the schema drops
/// it at once).
const VERSION_FOR: Duration = Duration::from_secs(1);

/// How long an OKTRU code NCT did not have is not looked up again.
pub const LOOKUP_AGAIN: Duration = Duration::from_secs(600);
/// Redis links the schema is shared through, per NCT base URL ([`CardSchemaCache::share_through`]).
static LINKS: LazyLock<Mutex<HashMap<String, RedisLink>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// One cache per NCT base URL, for the life of the process.
/// The live caches, per NCT base URL. Weak: a cache lives as long as something holds it (the application
/// holds the one it installed), so a process that builds many applications (the test suite) does not keep
/// every one's database pool open.
static CACHES: LazyLock<Mutex<HashMap<String, std::sync::Weak<CardSchemaCache>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

impl CardSchemaCache {
    /// The shared cache of the NCT `client` points at: the live one, or a new one (without the dictionary
    /// store until [`Self::install`]).
    pub fn for_client(client: &NctClient) -> Arc<Self> {
        let mut caches = CACHES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(live) = caches.get(client.base_url()).and_then(std::sync::Weak::upgrade) {
            return live;
        }
        caches.retain(|_, w| w.strong_count() > 0);
        let cache = Arc::new(Self {
            client: client.clone(),
            entries: tokio::sync::Mutex::new(Entries::default()),
            store: Mutex::new(None),
            looked_up: Mutex::new(HashMap::new()),
            recent_version: Recent::new(VERSION_FOR),
        });
        caches.insert(client.base_url().to_owned(), Arc::downgrade(&cache));
        cache
    }

    /// Shares the schema of `client`'s NCT with the other replicas through `link`.
    pub fn share_through(client: &NctClient, link: RedisLink) {
        let mut links = LINKS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        links.insert(client.base_url().to_owned(), link);
    }

    fn link(&self) -> Option<RedisLink> {
        LINKS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(self.client.base_url()).cloned()
    }

    /// An entry another replica stored (`None`: none, unreadable, or no Redis).
    async fn shared_get<T: serde::de::DeserializeOwned>(&self, part: &str) -> Option<T> {
        let link = self.link()?;
        let raw: Option<Vec<u8>> = link.run(redis::cmd("GET").arg(link.key(&format!("card-schema:{part}")))).await?;
        serde_json::from_slice(&raw?).ok()
    }

    /// Stores an entry for the other replicas, for [`TTL`].
    async fn shared_put<T: serde::Serialize>(&self, part: &str, value: &T) {
        let (Some(link), Ok(json)) = (self.link(), serde_json::to_vec(value)) else { return };
        let ttl = u64::try_from(TTL.as_millis()).unwrap_or(3_600_000);
        link.run::<()>(redis::cmd("SET").arg(link.key(&format!("card-schema:{part}"))).arg(json).arg("PX").arg(ttl)).await;
    }

    /// Forgets this process's schema entries (base and gov attributes): the next check takes them from the
    /// other replicas (Redis) or from NCT. For a schema NCT changed within the hour, and for tests.
    pub async fn evict_schema(&self) {
        let mut e = self.entries.lock().await;
        e.base = None;
        self.recent_version.clear();
        e.gov.clear();
    }


    /// Installs the database-backed dictionaries of this NCT (start-up; a restart on the same database
    /// installs them again). The caller keeps the returned cache for as long as it runs: the shared cache
    /// lives while something holds it.
    pub fn install(client: &NctClient, db: sea_orm::DatabaseConnection) -> Arc<Self> {
        let cache = Self::for_client(client);
        *cache.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(DictionaryStore::new(db, client.clone())));
        cache
    }

    /// Whether an OKTRU code the dictionary lacks may be looked up now (and records that it is).
    pub fn may_look_up(&self, code: &str) -> bool {
        if code.len() > 40 || !code.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return false;
        }
        let mut seen = self.looked_up.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.retain(|_, at| at.elapsed() < LOOKUP_AGAIN);
        if seen.contains_key(code) || seen.len() > 10_000 {
            return false;
        }
        seen.insert(code.to_owned(), Instant::now());
        true
    }

    /// The installed dictionary store.
    pub fn store(&self) -> Result<Arc<DictionaryStore>, NctError> {
        self.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone().ok_or_else(|| NctError::Unavailable {
            status: None,
            message: "the dictionary store is not installed".to_owned(),
        })
    }

    /// The dictionaries the check reads: `OKTRU`, `TNVED` and every dictionary the base schema names.
    ///
    /// # Errors
    /// The NCT call that failed.
    pub async fn dictionary_codes(&self, key: &SecretString) -> Result<Vec<String>, NctError> {
        let base = self.schema(key, None, false).await?.base;
        let mut codes: BTreeSet<String> = ["OKTRU", "TNVED"].into_iter().map(str::to_owned).collect();
        fn walk(defs: &[AttributeDef], out: &mut BTreeSet<String>) {
            for d in defs {
                if let Some(c) = &d.dictionary_code {
                    out.insert(c.trim().to_ascii_uppercase());
                }
                walk(&d.children, out);
            }
        }
        walk(&base, &mut codes);
        Ok(codes.into_iter().collect())
    }

    /// The dictionaries, from the database (read whole from NCT only the first time).
    ///
    /// # Errors
    /// The NCT call or the database access that failed.
    pub async fn dictionaries(&self, key: &SecretString) -> Result<Arc<CachedDictionaries>, NctError> {
        let codes = self.dictionary_codes(key).await?;
        Ok(self.store()?.snapshot(key, &codes).await?)
    }

    /// What a check runs against now: the dictionaries' generations and a hash of the base schema.
    ///
    /// # Errors
    /// As [`Self::dictionaries`].
    pub async fn version(&self, key: &SecretString) -> Result<String, NctError> {
        let schema = self.schema_hash(key).await?;
        // Read through the store's own short-lived copy, which a change made here drops at once.
        let gens = self.store()?.generations().await.map_err(DictionaryError::from)?;
        Ok(format!("{schema}-{gens}"))
    }

    /// A hash of the base schema, computed at most once per [`VERSION_FOR`].
    async fn schema_hash(&self, key: &SecretString) -> Result<String, NctError> {
        if let Some(hash) = self.recent_version.get() {
            return Ok(hash);
        }
        let base = self.schema(key, None, false).await?.base;
        let json = serde_json::to_vec(&base).unwrap_or_default();
        let hash: String = ring::digest::digest(&ring::digest::SHA256, &json).as_ref().iter().take(6).map(|b| format!("{b:02x}")).collect();
        self.recent_version.set(hash.clone());
        Ok(hash)
    }

    /// The schema for a card in `oktru`: the base attributes, plus the category's gov-attributes when
    /// `gov` (an unknown or non-leaf category has none; the check reports the category itself).
    ///
    /// # Errors
    /// The NCT call that failed.
    pub async fn schema(&self, key: &SecretString, oktru: Option<&str>, gov: bool) -> Result<CardSchema, NctError> {
        let mut e = self.entries.lock().await;
        let base = match e.base.as_ref().and_then(Timed::fresh) {
            Some(b) => b,
            None => {
                let dtos = match self.shared_get::<Vec<PortalAttributeObjectDto>>("base").await {
                    Some(d) => d,
                    None => {
                        let d = self.client.base_attributes(key).await?;
                        self.shared_put("base", &d).await;
                        d
                    }
                };
                let b = Arc::new(dtos.iter().map(|d| to_def(d, AttributeGroup::Base)).collect::<Vec<_>>());
                e.base = Some(Timed { at: Instant::now(), value: b.clone() });
                b
            }
        };
        let mut schema = CardSchema { base: base.as_ref().clone(), ..CardSchema::default() };
        let Some(oktru) = oktru.map(str::trim).filter(|o| gov && !o.is_empty()) else {
            return Ok(schema);
        };
        let attrs = match e.gov.get(oktru).and_then(Timed::fresh) {
            Some(a) => a,
            None => {
                let part = format!("gov:{oktru}");
                // `None` inside: an unknown or non-leaf category (no gov attributes), remembered too.
                let dto = match self.shared_get::<Option<PortalGovAttributesDto>>(&part).await {
                    Some(d) => d,
                    None => {
                        let d = match self.client.gov_attributes(key, oktru).await {
                            Ok(dto) => Some(dto),
                            Err(NctError::Validation { .. } | NctError::NotFound | NctError::Business { .. }) => None,
                            Err(other) => return Err(other),
                        };
                        self.shared_put(&part, &d).await;
                        d
                    }
                };
                let a = dto.map_or_else(
                    || (Vec::new(), Vec::new()),
                    |dto| {
                        (
                            dto.main_attributes.iter().map(|d| to_def(d, AttributeGroup::MainExtended)).collect(),
                            dto.additional_attributes.iter().map(|d| to_def(d, AttributeGroup::AdditionalExtended)).collect(),
                        )
                    },
                );
                let a = Arc::new(a);
                e.gov.insert(oktru.to_owned(), Timed { at: Instant::now(), value: a.clone() });
                a
            }
        };
        schema.gov_main = attrs.0.clone();
        schema.gov_additional = attrs.1.clone();
        Ok(schema)
    }
}

/// Converts an NCT attribute object into the check's definition.
fn to_def(d: &PortalAttributeObjectDto, group: AttributeGroup) -> AttributeDef {
    let num = |s: &Option<String>| s.as_deref().and_then(|v| v.trim().parse::<f64>().ok());
    AttributeDef {
        code: d.code.clone(),
        name_ru: d.name_ru.clone().unwrap_or_default(),
        data_type: d.data_type.as_deref().and_then(DataType::parse).unwrap_or_default(),
        required: d.is_required.unwrap_or(false) || d.is_required_egz.unwrap_or(false) || d.is_required_kgd.unwrap_or(false),
        pattern: d.pattern.clone().filter(|p| !p.is_empty()),
        max_length: d.max_length.and_then(|m| u32::try_from(m).ok()),
        min_value: num(&d.min_value),
        max_value: num(&d.max_value),
        dictionary_code: d.dictionary_code.clone().filter(|c| !c.is_empty()),
        group,
        children: d.attributes.iter().map(|c| to_def(c, group)).collect(),
    }
}
