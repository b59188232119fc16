//! A faithful simulator of the NCT portal API (`nct-openapi.json`, summarised in `NCT-API.md`), run as an
//! actix-web app on its own port. Tests, the demo and load runs point [`nct::NctClient`] at
//! [`SimHandle::base_url`] instead of `https://nationalcatalog.kz/gwp`.
//!
//! Same paths (`/portal/api/...`), bodies, status codes and error bodies as the spec, with the wire types
//! imported from [`nct::dto`] (never re-declared). On top of that it can misbehave on purpose:
//! per-key token-bucket rate limit (429 + `Retry-After`), latency, 500s, 60 s stalls, broken JSON and bursts
//! of 503, switchable at run time through [`SimHandle`] or the `/__sim/...` control routes (which do not
//! exist on the real NCT and need no key).
//!
//! # Layout
//! - [`seed`]: the deterministic card formula ([`seed::seed_gtin`], [`seed::seed_ntin`],
//!   [`seed::not_found_gtin`]) and the CSV seed file.
//! - [`catalog_data`], [`attribute_data`], [`dict_data`]: the OKTRU tree and its leaves, the base and
//!   extended attribute tables, and the TNVED/COUNTRY/MEASURE dictionaries; [`catalog_names`]: the
//!   realistic card names of the seed; [`seller_names`]: those names rewritten as sellers write them
//!   (labelled matching data, `eval/`).
//! - `state`: shared state and counters ([`SimStats`]); `faults`: the gate every portal call passes;
//!   `answers`: the error bodies handlers share.
//! - `routes_products`, `routes_dictionaries`, `routes_control`: lookups, dictionaries, the `/__sim` knobs.
//! - The search gateway (`/gw/search/api/v1/search`): `search_text` (its analyzer), `search_index` (the
//!   inverted index, built on first use), `search_routes` (the handler).
//! - The moderation flow: `requests_store` (data), `validation` (create/update checks), `moderation`
//!   (the compressed-clock moderator, duplicates, publishing, CEF's extended part), `revision_rules` (the
//!   field checks), [`script`] (decisions tests force per request), `request_views` (list/details
//!   shapes), `routes_requests` and `uploads` (the handlers).

mod answers;
pub mod attribute_data;
pub mod catalog_data;
pub mod catalog_names;
pub mod dict_data;
mod faults;
mod moderation;
mod request_views;
mod requests_store;
mod revision_rules;
mod routes_control;
mod routes_dictionaries;
mod routes_products;
mod routes_requests;
pub mod script;
mod search_index;
mod search_routes;
mod search_text;
pub mod seed;
pub mod seller_names;
mod state;
mod uploads;
mod validation;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_moderation;
#[cfg(test)]
mod tests_requests;
#[cfg(test)]
mod tests_search;

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, ResponseError as _, web};
use anyhow::Context as _;
use serde::{Deserialize, Serialize};

pub use moderation::{DUPLICATES_REASON, EXISTS_COMMENT};
pub use script::{GzOutcome, Outcome, Script};
pub use revision_rules::REVISION_COMMENT;
pub use state::SimStats;

use answers::{not_found, validation_error};
use state::SimState;

/// The key accepted when none is configured (demo only).
pub const DEMO_KEY: &str = "nct-sim-demo-key";

/// Simulator settings.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Accepted `X-API-KEY` values.
    pub keys: Vec<String>,
    /// Number of generated seed cards (ignored when `seed_file` is set).
    pub seed_size: usize,
    /// CSV written by [`seed::write_seed_file`]; generated in memory when `None`.
    pub seed_file: Option<PathBuf>,
    /// Per-key token bucket: requests per second (and burst size); `None` = unlimited.
    pub rate_limit_per_sec: Option<u32>,
    /// Added to every portal call.
    pub latency: Duration,
    /// Injected faults.
    pub faults: FaultConfig,
    /// One moderation "working day" of the compressed clock: a request sent to moderation is `accepted`
    /// after a quarter of it and decided after three.
    pub working_day: Duration,
    /// Delay the answer of the next create by this much, after the request is stored.
    pub stall_create: Option<Duration>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            keys: vec![DEMO_KEY.to_owned()],
            seed_size: 100_000,
            seed_file: None,
            rate_limit_per_sec: None,
            latency: Duration::ZERO,
            faults: FaultConfig::default(),
            working_day: Duration::from_secs(2),
            stall_create: None,
        }
    }
}

/// Faults injected into portal calls (after auth and rate limiting). Rates are probabilities 0–1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FaultConfig {
    /// Share of calls answered 500 INTERNAL_ERROR.
    #[serde(alias = "error_rate")]
    pub error_rate: f64,
    /// Share of calls that stall 60 s before answering normally.
    #[serde(alias = "timeout_rate")]
    pub timeout_rate: f64,
    /// Share of calls answered 200 with broken JSON.
    #[serde(alias = "malformed_rate")]
    pub malformed_rate: f64,
    /// The next N calls get 503 (no `Retry-After`).
    #[serde(rename = "burst5xx", alias = "burst_5xx")]
    pub burst_5xx: u32,
    /// Share of calls whose connection drops mid-answer (headers sent, body cut off).
    #[serde(alias = "drop_rate")]
    pub drop_rate: f64,
}

/// A running simulator. Dropping it leaves the server running until the runtime ends; call [`Self::stop`].
#[derive(Debug)]
pub struct SimHandle {
    state: web::Data<SimState>,
    search: web::Data<search_routes::SearchState>,
    port: u16,
    host: String,
    server: ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl SimHandle {
    /// Base URL for `NctClientConfig::base_url` (the client appends `/portal/api/...`).
    pub fn base_url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> SimStats {
        self.state.stats()
    }

    /// Searches the gateway answered past its gate (`POST /gw/search/api/v1/search`).
    pub fn searches(&self) -> u64 {
        self.search.searches()
    }

    /// Replaces the fault settings (`burst_5xx` arms a new burst).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.state.set_faults(faults);
    }

    /// Sets or clears the per-key rate limit.
    pub fn set_rate_limit(&self, per_sec: Option<u32>) {
        self.state.set_rate_limit(per_sec);
    }

    /// Accepts one more key.
    pub fn add_key(&self, key: String) {
        self.state.add_key(key);
    }

    /// Delays the answer of the next create by `stall` (after the request is stored); `None` disarms.
    pub fn set_stall_create(&self, stall: Option<Duration>) {
        self.state.set_stall("create", stall);
    }

    /// Delays the answer of the next call of `step` (`create`, `update`, `moderation`, `cancel`,
    /// `publish`, `decision`) by `stall`, after it took effect; `None` disarms.
    pub fn set_stall(&self, step: &str, stall: Option<Duration>) {
        self.state.set_stall(step, stall);
    }

    /// Scripts the decision for the request with the script's `name_ru` (see [`Script`]).
    pub fn set_script(&self, script: Script) {
        let name = script.name_ru.trim().to_owned();
        self.state.store().scripts.insert(name, script);
    }

    /// Scripts every request that has no script of its own (`None` clears); it stays in force.
    pub fn set_default_script(&self, script: Option<Script>) {
        self.state.store().default_script = script;
    }

    /// Adds an item to a dictionary (NCT's dictionaries change between our refreshes): `parent_code` names
    /// its parent in the same dictionary (a tree such as OKTRU); the new item has no children.
    pub fn add_dictionary_item(&self, dictionary: &str, code: &str, name_ru: &str, parent_code: Option<&str>) {
        let parent = parent_code.and_then(|p| self.state.dicts.items(dictionary).and_then(|all| all.iter().find(|i| i.code == p).map(|i| (i.id, i.level))));
        let mut extra = self.state.extra_items.lock().unwrap_or_else(|p| p.into_inner());
        let id = 90_000_000 + extra.len() as i64;
        extra.push((
            dictionary.to_ascii_uppercase(),
            nct::dto::DictionaryItemDto {
                id,
                parent_id: parent.map(|p| p.0),
                code: code.to_owned(),
                level: parent.map_or(1, |p| p.1 + 1),
                has_child: false,
                properties: nct::dto::DictionaryItemProperties { code: code.to_owned(), name_kk: name_ru.to_owned(), name_ru: name_ru.to_owned() },
                is_deleted: false,
                created_date: Some(requests_store::now_stamp()),
                updated_date: Some(requests_store::now_stamp()),
                name_ru: Some(name_ru.to_owned()),
                name_kk: Some(name_ru.to_owned()),
                data_type: Some("dictionary".to_owned()),
            },
        ));
    }

    /// With `autoPublication`, NCT publishes a `readyToPublish` request after `after` (default: at once).
    pub fn set_auto_publish_after(&self, after: Duration) {
        self.state.store().auto_publish_after = after;
    }

    /// The next request that passes every rule is returned for revision with this remark instead (a human
    /// moderator's judgement); applies once.
    pub fn set_moderator_remark(&self, attribute_code: &str, comment: &str) {
        if let Ok(mut store) = self.state.requests.lock() {
            store.moderator_remark = Some(nct::dto::PortalRevisionDetailDto {
                attribute_code: Some(attribute_code.to_owned()),
                value: None,
                comment: Some(comment.to_owned()),
            });
        }
    }

    /// Stops the server without waiting for in-flight calls (a stalled call would hold it for 60 s).
    pub async fn stop(self) {
        self.server.stop(false).await;
        if let Err(err) = self.task.await {
            tracing::warn!(error = %err, "NCT simulator task ended abnormally");
        }
    }
}

/// Registers every route; shared by [`start`] and the tests.
fn routes(cfg: &mut web::ServiceConfig) {
    let bad_json = web::JsonConfig::default()
        .limit(2 * 1024 * 1024)
        .error_handler(|err, _| {
            actix_web::error::InternalError::from_response(
                err,
                validation_error("Ошибка валидации данных.").error_response(),
            )
            .into()
        });
    let bad_path = web::PathConfig::default().error_handler(|err, _| {
        actix_web::error::InternalError::from_response(
            err,
            validation_error("Ошибка валидации данных.").error_response(),
        )
        .into()
    });
    let bad_query = web::QueryConfig::default().error_handler(|err, _| {
        actix_web::error::InternalError::from_response(
            err,
            validation_error("Ошибка валидации данных.").error_response(),
        )
        .into()
    });
    cfg.app_data(bad_json)
        .app_data(bad_path)
        .app_data(bad_query)
        .service(web::scope("/__sim").configure(routes_control::configure))
        .service(
            web::scope("/gw/search/api")
                .wrap(from_fn(faults::gate))
                .configure(search_routes::configure),
        )
        .service(
            web::scope("/portal/api")
                .wrap(from_fn(faults::gate))
                .configure(routes_dictionaries::configure)
                .configure(routes_requests::configure)
                .configure(uploads::configure)
                .configure(routes_products::configure)
                .default_service(web::to(|| async { not_found().error_response() })),
        )
        .default_service(web::to(|| async { HttpResponse::NotFound().finish() }));
}

/// Starts the simulator on `bind` (`127.0.0.1:0` picks a free port) inside the current tokio runtime.
///
/// # Errors
/// The seed file cannot be read, or the address cannot be bound.
pub async fn start(config: SimConfig, bind: &str) -> anyhow::Result<SimHandle> {
    let catalog = match &config.seed_file {
        Some(path) => seed::Catalog::load(path)?,
        None => seed::Catalog::generate(config.seed_size),
    };
    let state = web::Data::new(SimState::new(&config, catalog));

    let listener = TcpListener::bind(bind)
        .with_context(|| format!("failed to bind the NCT simulator to {bind}"))?;
    let addr = listener
        .local_addr()
        .context("failed to read the simulator's bound address")?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        addr.ip().to_string()
    };

    let search = web::Data::new(search_routes::SearchState::default());
    let (app_state, app_search) = (state.clone(), search.clone());
    let server = HttpServer::new(move || App::new().app_data(app_state.clone()).app_data(app_search.clone()).configure(routes))
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)
        .context("failed to listen on the simulator socket")?
        .run();
    let handle = server.handle();
    let task = tokio::spawn(server);
    tracing::info!(base_url = %format!("http://{host}:{}", addr.port()), cards = state.catalog.len(), "NCT simulator started");
    Ok(SimHandle {
        state,
        search,
        port: addr.port(),
        host,
        server: handle,
        task,
    })
}

/// Runs the simulator until ctrl-c (the `nct-sim` subcommand). With no keys, [`DEMO_KEY`] is accepted.
///
/// # Errors
/// Start-up failures (see [`start`]).
pub async fn run_cli(
    bind: String,
    seed_file: Option<PathBuf>,
    keys: Vec<String>,
    rate_limit: Option<u32>,
    latency_ms: u64,
) -> anyhow::Result<()> {
    let keys = if keys.is_empty() {
        vec![DEMO_KEY.to_owned()]
    } else {
        keys
    };
    let config = SimConfig {
        keys,
        seed_file,
        rate_limit_per_sec: rate_limit,
        latency: Duration::from_millis(latency_ms),
        ..SimConfig::default()
    };
    let sim = start(config, &bind).await?;
    tracing::info!(base_url = %sim.base_url(), "NCT simulator ready; ctrl-c to stop");
    tokio::signal::ctrl_c()
        .await
        .context("failed to wait for ctrl-c")?;
    sim.stop().await;
    Ok(())
}
