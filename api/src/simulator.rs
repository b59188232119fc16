//! The embedded NCT simulator, behind the default `sim` cargo feature: `ntin-desk nct-sim`, and the
//! in-process NCT of `serve` when `NCT_BASE_URL` is unset. A build without the feature needs
//! `NCT_BASE_URL` and does not compile the simulator at all.

use crate::config::Settings;

#[cfg(feature = "sim")]
pub use nct_sim::{DEMO_KEY, SimHandle};

/// Stands in for the simulator's handle in builds without it; it cannot be constructed.
#[cfg(not(feature = "sim"))]
pub enum SimHandle {}

#[cfg(not(feature = "sim"))]
impl SimHandle {
    /// Never called: no value of this type exists.
    pub fn base_url(&self) -> String {
        match *self {}
    }

    /// Never called: no value of this type exists.
    pub async fn stop(self) {
        match self {}
    }
}

/// The simulator's accepted key (what `serve --demo` prints).
#[cfg(not(feature = "sim"))]
pub const DEMO_KEY: &str = "";

/// Starts the in-process NCT simulator for the embedded default.
#[cfg(feature = "sim")]
pub async fn start(settings: &Settings) -> anyhow::Result<SimHandle> {
    use anyhow::Context as _;
    let sim = nct_sim::start(
        nct_sim::SimConfig {
            keys: vec![DEMO_KEY.to_owned()],
            seed_size: settings.sim.seed_size,
            rate_limit_per_sec: settings.sim.rate_limit,
            latency: std::time::Duration::from_millis(settings.sim.latency_ms),
            working_day: std::time::Duration::from_millis(settings.sim.working_day_ms),
            ..nct_sim::SimConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .context("cannot start the NCT simulator")?;
    tracing::info!(base_url = %sim.base_url(), demo_key = DEMO_KEY, "NCT simulator started (NCT_BASE_URL unset)");
    Ok(sim)
}

/// Without the simulator, `NCT_BASE_URL` is required.
#[cfg(not(feature = "sim"))]
pub async fn start(_settings: &Settings) -> anyhow::Result<SimHandle> {
    anyhow::bail!("NCT_BASE_URL is required: this build has no NCT simulator (cargo feature `sim`)")
}

/// `ntin-desk nct-sim`.
#[cfg(feature = "sim")]
pub async fn run_cli(
    bind: String,
    seed_file: Option<std::path::PathBuf>,
    keys: Vec<String>,
    rate_limit: Option<u32>,
    latency_ms: u64,
) -> anyhow::Result<()> {
    nct_sim::run_cli(bind, seed_file, keys, rate_limit, latency_ms).await
}

/// `ntin-desk nct-sim` in a build without the simulator.
#[cfg(not(feature = "sim"))]
pub async fn run_cli(
    _bind: String,
    _seed_file: Option<std::path::PathBuf>,
    _keys: Vec<String>,
    _rate_limit: Option<u32>,
    _latency_ms: u64,
) -> anyhow::Result<()> {
    anyhow::bail!("this build has no NCT simulator (cargo feature `sim`)")
}
