//! NCT's dictionaries for the card check: stored in the database ([`DictionaryRepo`]), refreshed
//! incrementally in the background, read through an in-process snapshot that is rebuilt only when a
//! refresh changed something.
//!
//! - **Which**: `OKTRU`, `TNVED` and every dictionary the base attribute schema names
//!   (`dictionaryCode` of an attribute or one of its parts, e.g. `COUNTRY` and the unit dictionary).
//! - **Refresh** ([`DictionaryStore::refresh_step`], run by the follower with any tenant's valid key;
//!   dictionaries are public facts, the same for every tenant of one NCT): a pass reads
//!   `GET /dictionaries/{code}/items?page=&size=100` a few pages per step, writes only what changed, and
//!   resumes after a crash from the stored page; one pass per dictionary per [`REFRESH_EVERY`].
//! - **New OKTRU codes between passes** ([`DictionaryStore::find_oktru`]): a code the store does not
//!   have is looked up along its own path with `GET /dictionaries/OKTRU/roots` and
//!   `…/children/{parentId}` (at most four calls), and what is found is stored.
//! - **First use**: a dictionary that never completed a pass is read whole once, before the first check
//!   (the check must not call an unknown code unknown). After that no process reads a dictionary whole.

use crate::db::RepoError;
use crate::db::dictionary_repo::{DictItem, DictionaryRepo};
use crate::recent::Recent;
use domain::card::{Dictionaries, OktruNode};
use nct::dto::DictionaryItemDto;
use nct::{NctClient, NctError};
use sea_orm::DatabaseConnection;
use secrecy::SecretString;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// How often a dictionary is read again.
pub const REFRESH_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Page size of a dictionary read (NCT's maximum).
const PAGE_SIZE: u32 = 100;

/// How long a process holds a dictionary's refresh between two steps.
const LEASE: Duration = Duration::from_secs(120);

/// Safety stop: more pages than this in one pass is a misbehaving server.
const MAX_PAGES: i32 = 5000;

/// The dictionaries as the check and the console's pickers read them: codes in memory.
#[derive(Clone, Debug, Default)]
pub struct CachedDictionaries {
    oktru: HashMap<String, OktruNode>,
    tnved: HashSet<String>,
    /// Other dictionaries by upper-case code.
    flat: HashMap<String, HashSet<String>>,
    /// Every entry by upper-case dictionary code, in NCT's id order, for the console's pickers. Each entry
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

impl CachedDictionaries {
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

    /// Builds the in-memory form from stored items (OKTRU nodes get their ancestors' names).
    fn build(items: HashMap<String, Vec<DictItem>>) -> Self {
        let mut out = Self::default();
        for (dict, mut list) in items {
            list.sort_by_key(|i| i.item_id);
            let entries = list
                .iter()
                .map(|i| {
                    let e = DictionaryEntry { code: i.code.clone(), name_ru: i.name_ru.clone(), name_kk: i.name_kk.clone(), is_leaf: !i.has_child };
                    let hay = format!("{}\n{}\n{}", e.code, e.name_ru, e.name_kk).to_lowercase();
                    (e, hay)
                })
                .collect();
            out.entries.insert(dict.clone(), entries);
            match dict.as_str() {
                "OKTRU" => {
                    let by_id: HashMap<i64, &DictItem> = list.iter().map(|i| (i.item_id, i)).collect();
                    for it in &list {
                        let mut path = Vec::new();
                        let mut parent = it.parent_id;
                        while let Some(p) = parent.and_then(|id| by_id.get(&id)).filter(|_| path.len() < 8) {
                            path.push(p.name_ru.clone());
                            parent = p.parent_id;
                        }
                        path.reverse();
                        out.oktru.insert(it.code.clone(), OktruNode { code: it.code.clone(), name_ru: it.name_ru.clone(), is_leaf: !it.has_child, path });
                    }
                }
                "TNVED" => out.tnved = list.into_iter().map(|i| i.code).collect(),
                _ => {
                    out.flat.insert(dict, list.into_iter().map(|i| i.code).collect());
                }
            }
        }
        out
    }
}

/// An item as NCT sends it, in our terms. Names come from `properties` (`getItems`) or from the
/// attribute-object fields the spec declares for roots/children.
fn to_item(d: &DictionaryItemDto) -> DictItem {
    let pick = |a: &str, b: &Option<String>| if a.trim().is_empty() { b.clone().unwrap_or_default() } else { a.to_owned() };
    DictItem {
        item_id: d.id,
        parent_id: d.parent_id,
        code: d.code.trim().to_owned(),
        level: d.level.max(1),
        has_child: d.has_child,
        name_ru: pick(&d.properties.name_ru, &d.name_ru),
        name_kk: pick(&d.properties.name_kk, &d.name_kk),
        deleted: d.is_deleted,
        updated_date: d.updated_date.clone(),
    }
}

/// Why the dictionaries could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DictionaryError {
    /// NCT failed.
    #[error(transparent)]
    Nct(#[from] NctError),
    /// The database failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<DictionaryError> for NctError {
    fn from(e: DictionaryError) -> Self {
        match e {
            DictionaryError::Nct(n) => n,
            DictionaryError::Repo(r) => NctError::Unavailable { status: None, message: format!("the dictionary store failed: {r}") },
        }
    }
}

/// A built snapshot and the dictionaries' generations it was built from.
type Snapshot = (Vec<(String, i32)>, Arc<CachedDictionaries>);

/// How long a snapshot is handed out without asking the database whether the dictionaries changed. A
/// change made by this process drops it at once; one made by another replica is seen within this time.
const RECENT_FOR: Duration = Duration::from_secs(1);


/// The stored dictionaries of one NCT.
pub struct DictionaryStore {
    repo: DictionaryRepo,
    client: NctClient,
    /// The NCT base URL: dictionaries of another NCT are other rows.
    ns: String,
    /// The last snapshot and the generations it was built from.
    snapshot: tokio::sync::Mutex<Option<Snapshot>>,
    /// The fast path of [`Self::snapshot`]: a check of many cards reads the database once per
    /// [`RECENT_FOR`], not once per card (and never waits on the mutex above meanwhile).
    recent: Recent<(Vec<String>, Arc<CachedDictionaries>)>,
    /// [`Self::generations`] as last read (trusted for [`RECENT_FOR`] like the snapshot).
    recent_generations: Recent<String>,
}

impl DictionaryStore {
    /// The store of the NCT `client` talks to.
    pub fn new(db: DatabaseConnection, client: NctClient) -> Self {
        let ns = client.base_url().to_owned();
        Self { repo: DictionaryRepo::new(db), client, ns, snapshot: tokio::sync::Mutex::new(None), recent: Recent::new(RECENT_FOR), recent_generations: Recent::new(RECENT_FOR) }
    }

    /// The dictionaries `codes` (upper-case) from the database; any that never completed a pass is read
    /// whole first.
    ///
    /// # Errors
    /// The NCT call or the database access that failed.
    pub async fn snapshot(&self, key: &SecretString, codes: &[String]) -> Result<Arc<CachedDictionaries>, DictionaryError> {
        if let Some((_, snap)) = self.recent.get_if(|(c, _)| c.as_slice() == codes) {
            return Ok(snap);
        }
        let snap = self.snapshot_now(key, codes).await?;
        self.recent.set((codes.to_vec(), snap.clone()));
        Ok(snap)
    }

    /// Drops the fast path's snapshot: this process changed the dictionaries.
    fn changed(&self) {
        self.recent.clear();
        self.recent_generations.clear();
    }

    async fn snapshot_now(&self, key: &SecretString, codes: &[String]) -> Result<Arc<CachedDictionaries>, DictionaryError> {
        let mut cached = self.snapshot.lock().await;
        for code in codes {
            if self.repo.state(&self.ns, code).await?.is_none_or(|s| s.finished_at.is_none()) {
                self.full_pass(key, code).await?;
            }
        }
        let mut gens = self.repo.generations(&self.ns).await?;
        gens.sort();
        if let Some((_, snap)) = cached.as_ref().filter(|(g, _)| *g == gens) {
            return Ok(snap.clone());
        }
        let mut items = HashMap::new();
        for code in codes {
            items.insert(code.clone(), self.repo.items(&self.ns, code).await?);
        }
        let snap = Arc::new(CachedDictionaries::build(items));
        *cached = Some((gens, snap.clone()));
        Ok(snap)
    }

    /// Reads one dictionary whole now (first use).
    async fn full_pass(&self, key: &SecretString, code: &str) -> Result<(), DictionaryError> {
        for _ in 0..MAX_PAGES {
            if self.step_one(key, code, Duration::ZERO, u32::MAX).await? {
                return Ok(());
            }
            if self.repo.state(&self.ns, code).await?.is_some_and(|s| s.finished_at.is_some()) {
                // Another process completed it meanwhile.
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// One background step: up to `pages` pages of each of `codes` that is due. Returns the pages read.
    ///
    /// # Errors
    /// The NCT call or the database access that failed (the pass resumes at the next step).
    pub async fn refresh_step(&self, key: &SecretString, codes: &[String], pages: u32) -> Result<u32, DictionaryError> {
        let mut read = 0;
        for code in codes {
            let before = self.repo.state(&self.ns, code).await?.map(|s| (s.pass, s.next_page));
            self.step_one(key, code, REFRESH_EVERY, pages).await?;
            let after = self.repo.state(&self.ns, code).await?.map(|s| (s.pass, s.next_page));
            read += u32::from(before != after);
        }
        Ok(read)
    }

    /// Claims `code`'s refresh (if due per `every`) and reads up to `pages` pages. `true` when a pass
    /// finished.
    async fn step_one(&self, key: &SecretString, code: &str, every: Duration, pages: u32) -> Result<bool, DictionaryError> {
        let Some(state) = self.repo.claim(&self.ns, code, LEASE, every).await? else {
            return Ok(false);
        };
        let mut page = state.next_page.max(1);
        let result = async {
            for _ in 0..pages {
                let p = self.client.dictionary_items(key, code, u32::try_from(page).unwrap_or(1), PAGE_SIZE).await?;
                let items: Vec<DictItem> = p.content.iter().map(to_item).collect();
                let last = page >= p.total_pages || p.content.is_empty() || page >= MAX_PAGES;
                self.repo.store_page(&self.ns, code, state.pass, &items, page + 1, p.total_pages, LEASE).await?;
                self.changed();
                if last {
                    self.repo.finish_pass(&self.ns, code).await?;
                    self.changed();
                    return Ok::<bool, DictionaryError>(true);
                }
                page += 1;
            }
            Ok(false)
        }
        .await;
        self.repo.release(&self.ns, code).await?;
        result
    }

    /// The dictionaries' generations, as one string (part of a check's version).
    ///
    /// # Errors
    /// The database.
    pub async fn generations(&self) -> Result<String, RepoError> {
        if let Some(g) = self.recent_generations.get() {
            return Ok(g);
        }
        let mut gens = self.repo.generations(&self.ns).await?;
        gens.sort();
        let g = gens.iter().map(|(d, g)| format!("{d}{g}")).collect::<Vec<_>>().join(".");
        self.recent_generations.set(g.clone());
        Ok(g)
    }

    /// Looks an OKTRU code the store does not have up along its path with roots/children (at most four
    /// calls) and stores the nodes found. `true` when the code was found.
    ///
    /// # Errors
    /// The NCT call or the database access that failed.
    pub async fn find_oktru(&self, key: &SecretString, code: &str) -> Result<bool, DictionaryError> {
        let parts: Vec<&str> = code.trim().split('-').collect();
        let mut found = Vec::new();
        let mut level = self.client.dictionary_roots(key, "OKTRU").await?;
        for n in 1..=parts.len() {
            let prefix = parts[..n].join("-");
            let Some(node) = level.iter().find(|i| i.code.trim() == prefix).cloned() else {
                break;
            };
            found.push(to_item(&node));
            if n == parts.len() || !node.has_child {
                break;
            }
            level = self.client.dictionary_children(key, "OKTRU", node.id).await?;
        }
        let hit = found.last().is_some_and(|i| i.code == code.trim());
        if !found.is_empty() {
            self.repo.store_found(&self.ns, "OKTRU", &found).await?;
            self.changed();
        }
        Ok(hit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, parent: Option<i64>, code: &str, ru: &str, kk: &str, has_child: bool) -> DictItem {
        DictItem { item_id: id, parent_id: parent, code: code.into(), level: 1, has_child, name_ru: ru.into(), name_kk: kk.into(), deleted: false, updated_date: None }
    }

    fn dicts() -> CachedDictionaries {
        let mut items = HashMap::new();
        items.insert(
            "OKTRU".to_owned(),
            vec![
                item(3, None, "1030-0001-0001-100000001", "Шоколад молочный", "Сүтті шоколад", false),
                item(1, None, "1020", "Продукты питания", "Азық-түлік", true),
                item(2, Some(1), "1020-0011-0003-100006374", "Чай чёрный байховый", "Қара шай", false),
            ],
        );
        items.insert("TNVED".to_owned(), vec![item(1, None, "0902300000", "Чай черный", "Қара шай", false), item(2, None, "1806321000", "Шоколад", "Шоколад", false)]);
        items.insert("COUNTRY".to_owned(), vec![item(1, None, "KZ", "Казахстан", "Қазақстан", false)]);
        CachedDictionaries::build(items)
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
    fn search_puts_code_prefixes_first_keeps_nct_order_and_respects_the_limit() {
        let d = dicts();
        assert_eq!(d.search("tnved", "09", 10)[0].code, "0902300000");
        assert_eq!(d.search("OKTRU", "", 2).iter().map(|e| e.code.as_str()).collect::<Vec<_>>(), vec!["1020", "1020-0011-0003-100006374"]);
        assert_eq!(d.search("OKTRU", "1020", 10)[0].code, "1020");
        assert!(!d.search("OKTRU", "1020", 10)[0].is_leaf);
        assert!(d.search("NO_SUCH", "x", 10).is_empty());
    }

    #[test]
    fn stored_items_answer_the_check_with_the_category_path() {
        let d = dicts();
        assert!(d.tnved_exists("1806321000"));
        assert_eq!(d.dictionary_has("COUNTRY", "KZ"), Some(true));
        assert_eq!(d.dictionary_has("COUNTRY", "XX"), Some(false));
        assert_eq!(d.dictionary_has("MEASURE", "796"), None);
        let tea = d.oktru("1020-0011-0003-100006374").expect("stored");
        assert!(tea.is_leaf);
        assert_eq!(tea.path, vec!["Продукты питания".to_owned()]);
        assert!(d.oktru("1020").is_some_and(|n| !n.is_leaf));
    }
}
