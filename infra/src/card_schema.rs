//! The attribute schema and dictionaries the pre-moderation card check reads, loaded from NCT and cached in
//! process.
//!
//! The base attributes, the gov-attributes of each OKTRU category and the OKTRU/TNVED/COUNTRY/MEASURE
//! dictionaries are public facts: the same for every tenant of one NCT. So the cache is shared by all
//! tenants and keyed by the NCT base URL ([`CardSchemaCache::for_client`]); any tenant's key may fill it.
//! Entries live for [`TTL`] (1 h). Loads are serialised per cache (one tokio mutex), so a burst of checks
//! costs one round of NCT calls.
//!
//! Known limitation: dictionaries are read page by page (size 100) into memory. That suits the simulator's
//! small dictionaries; the real OKTRU (tens of thousands of nodes) and TNVED (~13 600 codes) would want a
//! persistent store refreshed in the background instead of a full read per process and hour.

use nct::dto::{DictionaryItemDto, PortalAttributeObjectDto};
use nct::{NctClient, NctError};
use domain::card::{AttributeDef, AttributeGroup, CardSchema, DataType, Dictionaries, OktruNode};
use secrecy::SecretString;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

/// How long a loaded schema or dictionary is trusted.
pub const TTL: Duration = Duration::from_secs(3600);

/// Page size for dictionary reads (NCT's maximum).
const PAGE_SIZE: u32 = 100;

/// Safety stop for a dictionary read: more pages than this is a misbehaving server.
const MAX_PAGES: u32 = 2000;

/// The cached dictionaries, answering the check from memory.
#[derive(Clone, Debug, Default)]
pub struct CachedDictionaries {
    oktru: HashMap<String, OktruNode>,
    tnved: HashSet<String>,
    /// Flat dictionaries by upper-case code (`COUNTRY`, `MEASURE`).
    flat: HashMap<String, HashSet<String>>,
    /// Every entry by upper-case dictionary code, in NCT's order, for the console's pickers. Each entry
    /// keeps its code and names lower-cased (Rust's Unicode `to_lowercase`), so "чай" finds "Чай".
    entries: HashMap<String, Vec<(DictionaryEntry, String)>>,
}

/// One dictionary entry, as a picker shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DictionaryEntry {
    /// The code (`1020-0011-0003-100006374`, `1806321000`, `KZ`, `796`).
    pub code: String,
    /// Russian name.
    pub name_ru: String,
    /// Kazakh name.
    pub name_kk: String,
    /// No children: for OKTRU, only leaves take cards.
    pub is_leaf: bool,
}

impl CachedDictionaries {
    /// Stores one dictionary's items (`code` is `OKTRU`, `TNVED`, `COUNTRY`, `MEASURE`…).
    pub fn insert_items(&mut self, code: &str, items: Vec<DictionaryItemDto>) {
        let code = code.to_ascii_uppercase();
        let mut entries = Vec::with_capacity(items.len());
        for item in items.into_iter().filter(|i| !i.is_deleted) {
            let entry = DictionaryEntry {
                code: item.code.clone(),
                name_ru: item.properties.name_ru.clone(),
                name_kk: item.properties.name_kk.clone(),
                is_leaf: !item.has_child,
            };
            let haystack = format!("{}\n{}\n{}", entry.code, entry.name_ru, entry.name_kk).to_lowercase();
            entries.push((entry, haystack));
            match code.as_str() {
                "OKTRU" => {
                    let node = OktruNode {
                        code: item.code.clone(),
                        name_ru: item.properties.name_ru,
                        is_leaf: !item.has_child,
                        // NCT's dictionary carries no goods/services flag; nothing is marked a service.
                        is_service: false,
                    };
                    self.oktru.insert(item.code, node);
                }
                "TNVED" => {
                    self.tnved.insert(item.code);
                }
                _ => {
                    self.flat.entry(code.clone()).or_default().insert(item.code);
                }
            }
        }
        self.entries.insert(code, entries);
    }

    /// Entries of `dictionary` whose code or Russian or Kazakh name contains every word of `query`, whatever
    /// the case; codes that start with the query come first. An empty query lists the first `limit` entries.
    #[must_use]
    pub fn search(&self, dictionary: &str, query: &str, limit: usize) -> Vec<DictionaryEntry> {
        let Some(entries) = self.entries.get(&dictionary.trim().to_ascii_uppercase()) else {
            return Vec::new();
        };
        let query = query.trim().to_lowercase();
        let words: Vec<&str> = query.split_whitespace().collect();
        let hits = entries.iter().filter(|(_, hay)| words.iter().all(|w| hay.contains(w)));
        let (mut prefix, mut rest): (Vec<_>, Vec<_>) = hits.partition(|(e, _)| !query.is_empty() && e.code.to_lowercase().starts_with(&query));
        prefix.truncate(limit);
        rest.truncate(limit - prefix.len());
        prefix.into_iter().chain(rest).map(|(e, _)| e.clone()).collect()
    }
}

impl Dictionaries for CachedDictionaries {
    fn oktru(&self, code: &str) -> Option<OktruNode> {
        self.oktru.get(code.trim()).cloned()
    }

    fn tnved_exists(&self, code: &str) -> bool {
        self.tnved.contains(code.trim())
    }

    fn dictionary_has(&self, dictionary: &str, code: &str) -> Option<bool> {
        let dict = dictionary.trim().to_ascii_uppercase();
        match dict.as_str() {
            "TNVED" => Some(self.tnved_exists(code)),
            "OKTRU" => Some(self.oktru.contains_key(code.trim())),
            _ => self.flat.get(&dict).map(|d| d.contains(code.trim())),
        }
    }
}

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
    dicts: Option<Timed<CachedDictionaries>>,
    gov: HashMap<String, Timed<GovAttrs>>,
}

/// The per-NCT cache. Cheap to share (`Arc`).
pub struct CardSchemaCache {
    client: NctClient,
    entries: tokio::sync::Mutex<Entries>,
}

/// One cache per NCT base URL, for the life of the process.
static CACHES: LazyLock<Mutex<HashMap<String, Arc<CardSchemaCache>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

impl CardSchemaCache {
    /// The shared cache of the NCT `client` points at.
    pub fn for_client(client: &NctClient) -> Arc<Self> {
        let mut caches = CACHES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        caches
            .entry(client.base_url().to_owned())
            .or_insert_with(|| {
                Arc::new(Self {
                    client: client.clone(),
                    entries: tokio::sync::Mutex::new(Entries::default()),
                })
            })
            .clone()
    }

    /// The dictionaries, loading them with `key` when missing or stale.
    ///
    /// # Errors
    /// The NCT call that failed.
    pub async fn dictionaries(&self, key: &SecretString) -> Result<Arc<CachedDictionaries>, NctError> {
        let mut e = self.entries.lock().await;
        if let Some(d) = e.dicts.as_ref().and_then(Timed::fresh) {
            return Ok(d);
        }
        let d = Arc::new(self.load_dictionaries(key).await?);
        e.dicts = Some(Timed { at: Instant::now(), value: d.clone() });
        Ok(d)
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
                let dtos = self.client.base_attributes(key).await?;
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
                let a = match self.client.gov_attributes(key, oktru).await {
                    Ok(dto) => (
                        dto.main_attributes.iter().map(|d| to_def(d, AttributeGroup::MainExtended)).collect(),
                        dto.additional_attributes.iter().map(|d| to_def(d, AttributeGroup::AdditionalExtended)).collect(),
                    ),
                    // Unknown or non-leaf category: no gov attributes.
                    Err(NctError::Validation { .. } | NctError::NotFound | NctError::Business { .. }) => (Vec::new(), Vec::new()),
                    Err(other) => return Err(other),
                };
                let a = Arc::new(a);
                e.gov.insert(oktru.to_owned(), Timed { at: Instant::now(), value: a.clone() });
                a
            }
        };
        schema.gov_main = attrs.0.clone();
        schema.gov_additional = attrs.1.clone();
        Ok(schema)
    }

    async fn load_dictionaries(&self, key: &SecretString) -> Result<CachedDictionaries, NctError> {
        let mut d = CachedDictionaries::default();
        for code in ["OKTRU", "TNVED", "COUNTRY", "MEASURE"] {
            let items = self.all_items(key, code).await?;
            d.insert_items(code, items);
        }
        Ok(d)
    }

    async fn all_items(&self, key: &SecretString, code: &str) -> Result<Vec<DictionaryItemDto>, NctError> {
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let p = self.client.dictionary_items(key, code, page, PAGE_SIZE).await?;
            out.extend(p.content.into_iter().filter(|i| !i.is_deleted));
            if page >= u32::try_from(p.total_pages).unwrap_or(0) || page >= MAX_PAGES {
                return Ok(out);
            }
            page += 1;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use nct::dto::DictionaryItemProperties;

    fn item(code: &str, ru: &str, kk: &str, has_child: bool) -> DictionaryItemDto {
        DictionaryItemDto {
            code: code.into(),
            has_child,
            properties: DictionaryItemProperties { code: code.into(), name_ru: ru.into(), name_kk: kk.into() },
            ..DictionaryItemDto::default()
        }
    }

    fn dicts() -> CachedDictionaries {
        let mut d = CachedDictionaries::default();
        d.insert_items("OKTRU", vec![
            item("1020", "Продукты питания", "Азық-түлік", true),
            item("1020-0011-0003-100006374", "Чай чёрный байховый", "Қара шай", false),
            item("1030-0001-0001-100000001", "Шоколад молочный", "Сүтті шоколад", false),
        ]);
        d.insert_items("TNVED", vec![item("0902300000", "Чай черный", "Қара шай", false), item("1806321000", "Шоколад", "Шоколад", false)]);
        d.insert_items("COUNTRY", vec![item("KZ", "Казахстан", "Қазақстан", false)]);
        d
    }

    #[test]
    fn search_ignores_case_in_russian_and_kazakh_names() {
        let d = dicts();
        let codes = |q: &str| d.search("OKTRU", q, 10).into_iter().map(|e| e.code).collect::<Vec<_>>();
        assert_eq!(codes("ЧАЙ"), vec!["1020-0011-0003-100006374"]);
        assert_eq!(codes("чай байховый"), vec!["1020-0011-0003-100006374"]);
        assert_eq!(codes("ҚАРА ШАЙ"), vec!["1020-0011-0003-100006374"]);
        assert!(codes("кофе").is_empty());
    }

    #[test]
    fn search_puts_code_prefixes_first_and_respects_the_limit() {
        let d = dicts();
        let hits = d.search("tnved", "09", 10);
        assert_eq!(hits[0].code, "0902300000");
        assert_eq!(d.search("OKTRU", "", 2).len(), 2);
        assert_eq!(d.search("OKTRU", "1020", 10)[0].code, "1020");
        assert!(!d.search("OKTRU", "1020", 10)[0].is_leaf);
        assert!(d.search("NO_SUCH", "x", 10).is_empty());
    }

    #[test]
    fn inserted_items_still_answer_the_check() {
        let d = dicts();
        assert!(d.tnved_exists("1806321000"));
        assert_eq!(d.dictionary_has("COUNTRY", "KZ"), Some(true));
        assert!(d.oktru("1020-0011-0003-100006374").is_some_and(|n| n.is_leaf));
        assert!(d.oktru("1020").is_some_and(|n| !n.is_leaf));
    }
}
