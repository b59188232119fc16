//! Shared simulator state: the immutable catalog and dictionaries, and the knobs tests turn at run time
//! (accepted keys, rate limit, faults) with the counters they read back. One `Arc` (actix `web::Data`)
//! is shared by the server and the [`super::SimHandle`]; nothing is global.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::FaultConfig;
use super::dict_data::Dictionaries;
use super::requests_store::RequestStore;
use super::seed::Catalog;

/// Counters of what the simulator saw; `GET /__sim/stats` serves them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimStats {
    /// Portal API calls that arrived (any outcome).
    pub total_requests: u64,
    /// 429 answers sent.
    pub rate_limited: u64,
    /// 401 answers sent.
    pub unauthorized: u64,
    /// Injected faults (500, timeout, malformed, 503 burst).
    pub faults_injected: u64,
    /// Product requests created (`POST /products/requests` and `POST /{ntin}/edit-product` drafts).
    pub requests_created: u64,
    /// Card lookups (v1 and v2) per normalized 13-digit tin, counted on arrival, whatever the outcome.
    pub lookups: BTreeMap<String, u64>,
    /// Stalls that began (an action took effect and its answer is being held).
    pub stalled: u64,
    /// Portal calls per operation (`list`, `status`, `create`, `update`, `moderation`, `publish`, `cancel`,
    /// `decision`, `duplicates`, `details`, `lookup`, `dictionary`, …), counted on arrival.
    pub calls: BTreeMap<String, u64>,
}

impl SimStats {
    /// Lookups that arrived for `tin` (GTIN-14 with a leading zero counts as its GTIN-13).
    pub fn lookups_of(&self, tin: &str) -> u64 {
        let key = super::seed::normalize_tin(tin).unwrap_or_else(|| tin.to_owned());
        self.lookups.get(&key).copied().unwrap_or(0)
    }

    /// Lookups over all tins.
    pub fn total_lookups(&self) -> u64 {
        self.lookups.values().sum()
    }

    /// Calls of one operation (see [`SimStats::calls`]).
    pub fn calls_of(&self, op: &str) -> u64 {
        self.calls.get(op).copied().unwrap_or(0)
    }
}

/// The fault picked for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Serve normally.
    None,
    /// 500 INTERNAL_ERROR.
    Error,
    /// Sleep 60 s, then serve.
    Timeout,
    /// 200 with broken JSON.
    Malformed,
    /// 503 (part of a burst).
    Burst,
    /// 200, then the connection drops before the body is complete.
    Drop,
}

/// Token bucket of one key: `rate` tokens per second, at most `rate` stored.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Debug)]
struct Control {
    keys: HashSet<String>,
    faults: FaultConfig,
    burst_left: u32,
    rate_limit: Option<u32>,
    buckets: HashMap<String, Bucket>,
    stats: SimStats,
    /// Per step (`create`, `update`, `moderation`, `cancel`, `publish`, `decision`): delay the answer of
    /// the next such call, after it took effect.
    stalls: HashMap<String, Duration>,
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct SimState {
    /// Published seed cards.
    pub catalog: Catalog,
    /// Dictionaries.
    pub dicts: Dictionaries,
    /// Delay added to every portal call.
    pub latency: Duration,
    /// Length of one compressed moderation "working day".
    pub working_day: Duration,
    /// Product requests, uploads and cards published through them.
    pub requests: Mutex<RequestStore>,
    /// Dictionary items added at run time (`PUT /__sim/dictionary-item`): NCT's dictionaries change.
    pub extra_items: Mutex<Vec<(String, nct::dto::DictionaryItemDto)>>,
    control: Mutex<Control>,
}

impl SimState {
    /// Builds the state from the config parts.
    pub fn new(config: &super::SimConfig, catalog: Catalog) -> Self {
        let faults = config.faults.clone();
        Self {
            catalog,
            dicts: Dictionaries::build(),
            latency: config.latency,
            working_day: config.working_day,
            requests: Mutex::new(RequestStore::default()),
            extra_items: Mutex::new(Vec::new()),
            control: Mutex::new(Control {
                keys: config.keys.iter().cloned().collect(),
                burst_left: faults.burst_5xx,
                faults,
                rate_limit: config.rate_limit_per_sec,
                buckets: HashMap::new(),
                stats: SimStats::default(),
                stalls: config.stall_create.map(|d| ("create".to_owned(), d)).into_iter().collect(),
            }),
        }
    }

    fn control(&self) -> MutexGuard<'_, Control> {
        // A panic while holding the lock leaves plain counters behind; keep serving.
        self.control
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The request store, locked.
    pub fn store(&self) -> MutexGuard<'_, RequestStore> {
        self.requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts an arriving portal call of operation `op` (and the lookup of `tin`, if it is one).
    pub fn record_arrival(&self, op: &str, lookup_tin: Option<String>) {
        let mut c = self.control();
        c.stats.total_requests += 1;
        *c.stats.calls.entry(op.to_owned()).or_default() += 1;
        if let Some(tin) = lookup_tin {
            *c.stats.lookups.entry(tin).or_default() += 1;
        }
    }

    /// Whether `key` is accepted; counts a 401 when not.
    pub fn check_key(&self, key: Option<&str>) -> bool {
        let mut c = self.control();
        let ok = key.is_some_and(|k| c.keys.contains(k));
        if !ok {
            c.stats.unauthorized += 1;
        }
        ok
    }

    /// Takes a token from `key`'s bucket, or says how long until one is available (and counts a 429).
    pub fn take_token(&self, key: &str) -> Result<(), Duration> {
        let mut c = self.control();
        let Some(rate) = c.rate_limit.filter(|r| *r > 0) else {
            return Ok(());
        };
        let rate = f64::from(rate);
        let now = Instant::now();
        let bucket = c.buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: rate,
            last: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.last).as_secs_f64() * rate).min(rate);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = Duration::from_secs_f64((1.0 - bucket.tokens) / rate);
        c.stats.rate_limited += 1;
        Err(wait)
    }

    /// Picks the fault for this call (a pending 503 burst first, then the configured rates).
    pub fn pick_fault(&self) -> Fault {
        let mut c = self.control();
        let fault = if c.burst_left > 0 {
            c.burst_left -= 1;
            Fault::Burst
        } else {
            let f = &c.faults;
            let total = f.error_rate + f.timeout_rate + f.malformed_rate + f.drop_rate;
            if total <= 0.0 {
                Fault::None
            } else {
                let r: f64 = rand::random();
                if r < f.error_rate {
                    Fault::Error
                } else if r < f.error_rate + f.timeout_rate {
                    Fault::Timeout
                } else if r < f.error_rate + f.timeout_rate + f.malformed_rate {
                    Fault::Malformed
                } else if r < total {
                    Fault::Drop
                } else {
                    Fault::None
                }
            }
        };
        if fault != Fault::None {
            c.stats.faults_injected += 1;
        }
        fault
    }

    /// Replaces the fault settings; `burst_5xx` arms a new burst of that many 503s.
    pub fn set_faults(&self, faults: FaultConfig) {
        let mut c = self.control();
        c.burst_left = faults.burst_5xx;
        c.faults = faults;
    }

    /// Current fault settings (`burst_5xx` shows the 503s still pending).
    pub fn faults(&self) -> FaultConfig {
        let c = self.control();
        FaultConfig {
            burst_5xx: c.burst_left,
            ..c.faults.clone()
        }
    }

    /// Sets or clears the per-key rate limit (resets the buckets).
    pub fn set_rate_limit(&self, per_sec: Option<u32>) {
        let mut c = self.control();
        c.rate_limit = per_sec;
        c.buckets.clear();
    }

    /// Accepts one more key.
    pub fn add_key(&self, key: String) {
        self.control().keys.insert(key);
    }

    /// Delays the response of the next call of `step` (after it took effect); `None` disarms.
    pub fn set_stall(&self, step: &str, stall: Option<Duration>) {
        let mut c = self.control();
        match stall {
            Some(d) => c.stalls.insert(step.to_owned(), d),
            None => c.stalls.remove(step),
        };
    }

    /// Takes the pending stall of `step`, if any (it applies once), and counts it.
    pub fn take_stall(&self, step: &str) -> Option<Duration> {
        let mut c = self.control();
        let stall = c.stalls.remove(step);
        if stall.is_some() {
            c.stats.stalled += 1;
        }
        stall
    }

    /// Items added to `dictionary` at run time.
    pub fn extra_items(&self, dictionary: &str) -> Vec<nct::dto::DictionaryItemDto> {
        let extra = self.extra_items.lock().unwrap_or_else(|p| p.into_inner());
        extra.iter().filter(|(d, _)| d.eq_ignore_ascii_case(dictionary)).map(|(_, i)| i.clone()).collect()
    }

    /// Counts a created request.
    pub fn count_created(&self) {
        self.control().stats.requests_created += 1;
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> SimStats {
        self.control().stats.clone()
    }
}
