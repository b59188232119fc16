#![allow(clippy::expect_used, clippy::unwrap_used)]
//! NCT calls the follower makes for a catalog of 10,000 open requests (a load tool, not criterion: each
//! figure is one run).
//!
//! The simulator runs a compressed clock: one working day is 9 s, so one real hour is one second, and the
//! follower uses the same policy scaled to it (`FollowPolicy::scaled`: first check after a "minute",
//! doubling to an "hour"; working-hours shifting is off, so the figures are an upper bound for the real
//! policy, which also sleeps through nights and weekends). Every request is held `accepted` by the
//! simulator (a moderator who takes days), then all are approved at once.
//!
//! 1. The first "hour" after the requests reach moderation: calls per real minute.
//! 2. Steady state over the next `BENCH_HOURS` "hours": calls per real minute.
//! 3. The decision: NCT calls per approved request until every one is published and has its NTIN.
//!
//! Run: `cargo bench -p api --bench follow_load` (env: BENCH_REQUESTS, default 10000; BENCH_HOURS, default 12).

use domain::card::{FollowPolicy, RequestStatus};
use domain::tenant::TenantId;
use futures_util::StreamExt as _;
use infra::crypto::MasterKeyring;
use infra::db::catalog_repo::CatalogRepo;
use infra::db::key_repo::{NctKeyRepo, status};
use infra::db::request_follow::Schedule;
use infra::db::request_repo::RequestRepo;
use infra::db::sku_repo::{SkuFields, SkuRepo, SkuUpsert};
use infra::db::tenant_repo::TenantRepo;
use infra::jobs::follow::Follower;
use nct::dto::{PortalCreateUpdateProductRequestDto, PortalProductRequestAttributeValue};
use nct::{NctClient, NctClientConfig};
use nct_sim::{DEMO_KEY, Outcome, Script, SimConfig};
use secrecy::SecretString;
use std::time::{Duration, Instant};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const LEAF: &str = "1020-0011-0003-100006374";
/// One working day of the compressed clock: 9 s = 9 real hours, so 1 s = 1 real hour.
const WORKING_DAY: Duration = Duration::from_secs(9);

fn calls(sim: &nct_sim::SimHandle) -> u64 {
    sim.stats().total_requests
}

#[tokio::main]
async fn main() {
    let n = env_num("BENCH_REQUESTS", 10_000) as usize;
    let hours = env_num("BENCH_HOURS", 12);
    println!("machine: {} cores; {n} requests; 1 real hour = 1 s", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let sim = nct_sim::start(SimConfig { seed_size: 1000, working_day: WORKING_DAY, ..SimConfig::default() }, "127.0.0.1:0").await.expect("sim");
    sim.set_default_script(Some(Script { outcome: Some(Outcome::Hold), ..Script::default() }));
    let client = NctClient::new(NctClientConfig { base_url: sim.base_url(), ..NctClientConfig::default() }).expect("client");
    let key = SecretString::from(DEMO_KEY);

    // Our side: a tenant with the key, a catalog, n SKUs.
    let dir = std::env::temp_dir().join(format!("ntin-follow-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = infra::db::connect(&format!("sqlite://{}?mode=rwc", dir.join("bench.sqlite").display()), infra::db::PoolSettings::default()).await.expect("db");
    infra::db::migrate(&db).await.expect("migrate");
    let ring = MasterKeyring::parse(&SecretString::from(format!("1:{}", MasterKeyring::generate_key().expect("key")))).expect("ring");
    let keys = NctKeyRepo::new(db.clone(), ring);
    let tenant: TenantId = TenantRepo::new(db.clone()).create_tenant("Bench", "SMALL_MICRO_BUSINESS", None).await.expect("tenant").id;
    keys.set(tenant, &key, status::VALID, true).await.expect("key");
    let catalog = CatalogRepo::new(db.clone()).create(tenant, "Bench").await.expect("catalog").id;
    let skus = SkuRepo::new(db.clone());
    let rows: Vec<SkuUpsert> = (0..n)
        .map(|i| SkuUpsert { seller_sku: format!("B-{i:06}"), fields: SkuFields { name_ru: Some(format!("Батончик нагрузочный №{i}")), ..SkuFields::default() } })
        .collect();
    skus.upsert(tenant, catalog, &rows).await.expect("skus");

    // n requests at NCT, sent to moderation, and our rows for them (as the SUBMIT job leaves them).
    let started = Instant::now();
    let requests = RequestRepo::new(db.clone());
    let schedule = Schedule::new(FollowPolicy::scaled(WORKING_DAY));
    let ids: Vec<(usize, i64)> = futures_util::stream::iter(0..n)
        .map(|i| {
            let (client, key) = (client.clone(), key.clone());
            async move {
                let body = PortalCreateUpdateProductRequestDto {
                    oktru: LEAF.to_owned(),
                    attributes: vec![PortalProductRequestAttributeValue::new("name_ru", format!("Батончик нагрузочный №{i}"))],
                    ..PortalCreateUpdateProductRequestDto::default()
                };
                let id = client.create_request(&key, &body).await.expect("create");
                client.send_to_moderation(&key, id).await.expect("send");
                (i, id)
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let sku_ids: std::collections::HashMap<String, uuid::Uuid> = {
        use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QuerySelect as _};
        use infra::db::entity::sku;
        sku::Entity::find()
            .select_only()
            .column(sku::Column::SellerSku)
            .column(sku::Column::Id)
            .filter(sku::Column::CatalogId.eq(catalog))
            .into_tuple::<(String, uuid::Uuid)>()
            .all(&db)
            .await
            .expect("ids")
            .into_iter()
            .collect()
    };
    for (i, id) in &ids {
        let sku = sku_ids[&format!("B-{i:06}")];
        let row = requests.plan(tenant, sku, catalog).await.expect("plan");
        requests.mark_created(tenant, row.id, *id, &RequestStatus::New, &schedule, true).await.expect("created");
        requests.mark_sent(tenant, row.id, None, &schedule).await.expect("sent");
    }
    println!("set-up: {n} requests created and sent in {:.1} s", started.elapsed().as_secs_f64());

    let _card_schema = infra::card_schema::CardSchemaCache::install(&client, db.clone());
    // The follower, alone.
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let follower = Follower::new(db.clone(), keys.clone(), client.clone(), FollowPolicy::scaled(WORKING_DAY));
    let task = tokio::spawn(follower.run(stop_rx));
    let per_minute = |calls: u64, secs: f64| calls as f64 / (secs * 60.0);

    let (c0, t0) = (calls(&sim), Instant::now());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (c1, t1) = (calls(&sim), t0.elapsed().as_secs_f64());
    println!("first hour on moderation: {} NCT calls = {:.1} calls per real minute", c1 - c0, per_minute(c1 - c0, t1));
    tokio::time::sleep(Duration::from_secs(hours)).await;
    let (c2, t2) = (calls(&sim), t0.elapsed().as_secs_f64() - t1);
    let s = sim.stats();
    println!(
        "steady state, {hours} hours: {} NCT calls = {:.2} calls per real minute (list pages {}, status reads {})",
        c2 - c1,
        per_minute(c2 - c1, t2),
        s.calls_of("list"),
        s.calls_of("status")
    );

    // Every request approved at once: reads, publishes and the NTIN reads per request.
    sim.set_default_script(Some(Script { outcome: Some(Outcome::Ready), ..Script::default() }));
    let (c3, t3) = (calls(&sim), Instant::now());
    loop {
        let open = requests.followed_counts(tenant).await.expect("counts").values().sum::<u64>();
        if open == 0 {
            break;
        }
        assert!(t3.elapsed() < Duration::from_secs(600), "{open} requests still open");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let done = calls(&sim) - c3;
    println!(
        "decision: all {n} published in {:.1} s ({:.1} real hours): {done} NCT calls = {:.2} per request (publish {})",
        t3.elapsed().as_secs_f64(),
        t3.elapsed().as_secs_f64(),
        done as f64 / n as f64,
        sim.stats().calls_of("publish")
    );
    let _ = stop.send(true);
    let _ = task.await;
    sim.stop().await;
}
