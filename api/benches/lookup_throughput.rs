#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Lookup job throughput against the NCT simulator (a load tool over the real server parts, not criterion:
//! each figure is one run of a whole job).
//!
//! 1. Rate-limited: the simulator allows R lookups/s per key with latency L; a job over N GTINs should reach
//!    at least 90% of R with zero failed items.
//! 2. Baseline: one-at-a-time sequential lookups, as the public NCT clients do it.
//! 3. Warm cache: a 100,000-SKU catalog whose GTINs are already cached (another tenant looked them up).
//!
//! Run: `cargo bench -p api --bench lookup_throughput` (env: BENCH_RATE, BENCH_LATENCY_MS, BENCH_N, BENCH_WARM_N).

use api::config::{LogFormat, MasterKeySource, Settings, SimSettings};
use nct_sim::{self, DEMO_KEY, SimConfig, seed};
use api::startup::Application;
use domain::tenant::TenantId;
use infra::db::key_repo::status;
use infra::db::job_start::{StartJob, start_job as start_job_in};
use infra::db::sku_repo::{SkuFields, SkuUpsert};
use domain::job::JobKind;
use nct::{NctClient, NctClientConfig};
use secrecy::SecretString;
use std::time::{Duration, Instant};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn app_for(sim_url: String) -> Application {
    let dir = std::env::temp_dir().join(format!("ntin-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let settings = Settings {
        database_url: format!("sqlite://{}?mode=rwc", dir.join("bench.sqlite").display()),
        bind: "127.0.0.1:0".into(),
        data_dir: dir,
        jwt_secret: SecretString::from("bench-secret-bench-secret-bench-secret".to_owned()),
        nct_base_url: Some(sim_url),
        nct_search_url: None,
        redis_url: std::env::var("REDIS_URL").ok(),
        log_format: LogFormat::Pretty,
        demo: false,
        job_concurrency: 8,
        master_key: MasterKeySource::Env(SecretString::from(
            infra::crypto::MasterKeyring::generate_key().expect("key"),
        )),
        sim: SimSettings::default(),
        cache_ttls: infra::cache::CacheTtls::default(),
        follow: None,
        release_leases_on_start: true,
        api_rate: None,
        nct_rate_limit: None,
        run_worker: true,
        job_watch: infra::jobs::watch::WatchConfig::default(),
        integrations: api::integrations::IntegrationSettings::default(),
        limits: api::limits::Limits::default(),
        ops: api::config::Ops::default(),
    };
    Application::build(&settings).await.expect("build app")
}


#[tokio::main]
async fn main() {
    let rate = env_num("BENCH_RATE", 200) as u32;
    let latency = Duration::from_millis(env_num("BENCH_LATENCY_MS", 50));
    let n = env_num("BENCH_N", 3000) as usize;
    let warm_n = env_num("BENCH_WARM_N", 100_000) as usize;
    println!("machine: {} cores", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));

    // 1. Rate-limited job.
    let sim = nct_sim::start(
        SimConfig { rate_limit_per_sec: Some(rate), latency, seed_size: 100_000, ..SimConfig::default() },
        "127.0.0.1:0",
    )
    .await
    .expect("sim");
    let app = app_for(sim.base_url()).await;
    let st = app.state().clone();
    let holder = AppHolder(st);
    let handle = tokio::spawn(app.run_until_stopped());
    let (took, p) = run_job_state(&holder, 0, n).await;
    let tput = p.processed as f64 / took.as_secs_f64();
    let s = sim.stats();
    println!(
        "rate-limited job: R={rate}/s L={}ms N={n}: {:.1}s, {tput:.1} lookups/s = {:.1}% of R; failed={} 429s={}",
        latency.as_millis(),
        took.as_secs_f64(),
        100.0 * tput / rate as f64,
        p.failed,
        s.rate_limited
    );

    // 2. Sequential baseline (one call at a time).
    let client = NctClient::new(NctClientConfig { base_url: sim.base_url(), ..NctClientConfig::default() }).expect("client");
    let key = SecretString::from(DEMO_KEY.to_owned());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let m = 100;
    let start = Instant::now();
    for i in 50_000..50_000 + m {
        let _ = client.lookup_gtin(&key, &seed::seed_gtin(i)).await;
    }
    let seq = m as f64 / start.elapsed().as_secs_f64();
    println!("sequential one-at-a-time: {seq:.1} lookups/s (job is {:.1}x faster)", tput / seq);
    handle.abort();
    sim.stop().await;

    // 3. Warm cache: tenant A looks the catalog up (cold, unthrottled), tenant B's identical catalog is warm.
    let sim = nct_sim::start(SimConfig { seed_size: warm_n.max(100_000), ..SimConfig::default() }, "127.0.0.1:0").await.expect("sim");
    let app = app_for(sim.base_url()).await;
    let holder = AppHolder(app.state().clone());
    let handle = tokio::spawn(app.run_until_stopped());
    let (cold, pc) = run_job_state(&holder, 0, warm_n).await;
    let calls = sim.stats().total_lookups();
    let (warm, pw) = run_job_state(&holder, 0, warm_n).await;
    println!(
        "cold job, unthrottled local simulator: {warm_n} SKUs in {:.1}s ({:.0}/s), {} NCT calls",
        cold.as_secs_f64(),
        pc.processed as f64 / cold.as_secs_f64(),
        calls
    );
    println!(
        "warm-cache job: {warm_n} SKUs in {:.2}s ({:.0}/s), {} extra NCT calls, failed={}",
        warm.as_secs_f64(),
        pw.processed as f64 / warm.as_secs_f64(),
        sim.stats().total_lookups() - calls,
        pw.failed
    );
    handle.abort();
    sim.stop().await;
}

struct AppHolder(api::schema::AppState);

async fn run_job_state(h: &AppHolder, from: usize, n: usize) -> (Duration, infra::db::job_repo::Progress) {
    run_job_inner(&h.0, from, n).await
}

async fn run_job_inner(st: &api::schema::AppState, from: usize, n: usize) -> (Duration, infra::db::job_repo::Progress) {
    let tenant = st.tenants.create_tenant("Bench", "RETAIL_CHAINS", None).await.expect("tenant");
    let t: TenantId = tenant.id;
    let cat = st.catalogs.create(t, "Bench").await.expect("catalog");
    for chunk in (from..from + n).collect::<Vec<_>>().chunks(5000) {
        let rows: Vec<SkuUpsert> = chunk
            .iter()
            .map(|i| SkuUpsert {
                seller_sku: format!("B-{i:06}"),
                fields: SkuFields { barcode: Some(seed::seed_gtin(*i)), ..SkuFields::default() },
            })
            .collect();
        st.skus.upsert(t, cat.id, &rows).await.expect("skus");
    }
    st.keys.set(t, &SecretString::from(DEMO_KEY.to_owned()), status::VALID, true).await.expect("key");
    let start = Instant::now();
    let start_job = StartJob { kind: JobKind::Lookup, catalog_id: cat.id, sku_ids: None, idempotency_key: None, scan: true };
    let (job, _) = start_job_in(&st.db, t, start_job).await.expect("start the lookup job");
    st.worker_wake.notify_one();
    loop {
        let j = st.jobs.get(t, job.id).await.expect("job").expect("job exists");
        if j.state.is_final() {
            return (start.elapsed(), j.progress);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
