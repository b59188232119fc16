//! The NCT lookup pipeline end to end: keys, jobs, cache, faults, restarts, subscriptions.

use crate::helpers::{TestApp, placeholders, spawn_app, spawn_app_with_sim, start_sim, test_settings, test_sim_config};
use nct_sim::{DEMO_KEY, FaultConfig, seed};
use serde_json::{Value, json};
use std::time::Duration;

/// A catalog with `n_found` seed GTINs (i = 0..), the ambiguous seed GTIN i = 7 among them, and
/// `n_missing` valid GTINs that NCT does not know.
async fn seeded_catalog(app: &TestApp, token: &str, n_found: usize, n_missing: usize) -> String {
    let cat = app.new_catalog(token, "Lookup").await;
    let mut csv = String::from("sku;barcode\n");
    for i in 0..n_found {
        csv.push_str(&format!("F-{i:05};{}\n", seed::seed_gtin(i)));
    }
    for k in 0..n_missing {
        csv.push_str(&format!("M-{k:05};{}\n", seed::not_found_gtin(k)));
    }
    // Rows that are not looked up: an NTIN already, and an invalid code.
    csv.push_str("N-1;0200121958529\nX-1;123\n");
    let r = app.import(token, &cat, "CSV", &csv).await;
    assert_eq!(r["rejected"], 0, "{r}");
    cat
}

fn ambiguous_in(n: usize) -> u64 {
    (0..n).filter(|i| i % 100 == 7).count() as u64
}

#[tokio::test]
async fn a_lookup_job_stores_ntins_shows_ambiguity_and_counts_exactly() {
    // Arrange
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = seeded_catalog(&app, &token, 120, 15).await;
    let key = app.set_key(&token, DEMO_KEY, true).await;
    assert_eq!(key["nctKey"]["status"], "VALID", "{key}");
    // Act
    let started = app.start_lookup(&token, &cat, None).await;
    let job_id = started["job"]["id"].as_str().unwrap().to_owned();
    assert_eq!(started["job"]["progress"]["total"], 135);
    let job = app.wait_job(&token, &job_id, Duration::from_secs(60)).await;
    // Assert
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    let p = &job["progress"];
    let amb = ambiguous_in(120);
    assert_eq!(p["processed"], 135);
    assert_eq!(p["found"], 120 - amb);
    assert_eq!(p["ambiguous"], amb);
    assert_eq!(p["notFound"], 15);
    assert_eq!(p["failed"], 0);
    app.assert_counters_match_items(&token, &job_id).await;
    // Each GTIN cost exactly one NCT call.
    let stats = app.sim.stats();
    for i in 0..120 {
        assert_eq!(stats.lookups_of(&seed::seed_gtin(i)), 1, "gtin {i}");
    }
    // SKUs carry the results; the ambiguous one waits for a person.
    let d = app.gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ readiness{ hasNtin } f: skus(first:1, filter:{search:\"F-00001\"}){ nodes{ ntin ntinSource lookupState lookedUpAt } } a: skus(first:1, filter:{search:\"F-00007\"}){ nodes{ id ntin lookupState lookupCandidates } } } }", json!({"c": cat})).await;
    let f = &d["catalog"]["f"]["nodes"][0];
    assert_eq!(f["ntin"], seed::seed_ntin(1));
    assert_eq!(f["ntinSource"], "LOOKUP");
    let a = &d["catalog"]["a"]["nodes"][0];
    assert_eq!(a["ntin"], Value::Null);
    assert_eq!(a["lookupState"], "AMBIGUOUS");
    let cands: Vec<String> = a["lookupCandidates"].as_array().unwrap().iter().map(|c| c["ntin"].as_str().unwrap().to_owned()).collect();
    assert_eq!(cands.len(), 2);
    assert_eq!(d["catalog"]["readiness"]["hasNtin"], 1 + 120 - amb);
    // A person chooses; a non-candidate is refused.
    let bad = app.gql_ok(Some(&token), "mutation($s:ID!){ chooseNtin(input:{skuId:$s, ntin:\"0200121958529\"}){ sku{ ntin } userErrors{ code } } }", json!({"s": a["id"]})).await;
    assert_eq!(bad["chooseNtin"]["userErrors"][0]["code"], "INVALID");
    let ok = app.gql_ok(Some(&token), "mutation($s:ID!,$n:String!){ chooseNtin(input:{skuId:$s, ntin:$n}){ sku{ ntin ntinSource readinessClass } userErrors{ code } } }", json!({"s": a["id"], "n": cands[1]})).await;
    assert_eq!(ok["chooseNtin"]["sku"]["ntin"], cands[1].as_str());
    assert_eq!(ok["chooseNtin"]["sku"]["readinessClass"], "HAS_NTIN");
}

#[tokio::test]
async fn the_same_idempotency_key_never_starts_a_second_job() {
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = seeded_catalog(&app, &token, 5, 0).await;
    let other = app.new_catalog(&token, "Other").await;
    app.set_key(&token, DEMO_KEY, true).await;
    let a = app.start_lookup(&token, &cat, Some("k-1")).await;
    let b = app.start_lookup(&token, &cat, Some("k-1")).await;
    assert_eq!(a["job"]["id"], b["job"]["id"]);
    let c = app.start_lookup(&token, &other, Some("k-1")).await;
    assert_eq!(c["userErrors"][0]["code"], "IDEMPOTENCY_CONFLICT", "{c}");
    let jobs = app.gql_ok(Some(&token), "{ jobs { id } }", json!({})).await;
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_invalid_key_stops_the_job_without_burning_the_catalog() {
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = seeded_catalog(&app, &token, 300, 0).await;
    // Refused at save when verified.
    let refused = app.set_key(&token, "wrong-key", true).await;
    assert_eq!(refused["userErrors"][0]["code"], "INVALID", "{refused}");
    let k = app.gql_ok(Some(&token), "{ nctKey { configured } }", json!({})).await;
    assert_eq!(k["nctKey"]["configured"], false);
    // Stored unverified, then the job meets the 401.
    app.set_key(&token, "wrong-key", false).await;
    let started = app.start_lookup(&token, &cat, None).await;
    let job = app.wait_job(&token, started["job"]["id"].as_str().unwrap(), Duration::from_secs(30)).await;
    assert_eq!(job["state"], "FAILED", "{job}");
    assert!(job["lastError"].as_str().unwrap().contains("API key"), "{job}");
    assert!(job["progress"]["processed"].as_u64().unwrap() < 100, "{job}");
    assert!(app.sim.stats().unauthorized < 100);
    let k = app.gql_ok(Some(&token), "{ nctKey { status } }", json!({})).await;
    assert_eq!(k["nctKey"]["status"], "INVALID");
}

#[tokio::test]
async fn a_job_without_a_key_fails_with_a_clear_error_and_cancel_works() {
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = seeded_catalog(&app, &token, 5, 0).await;
    let started = app.start_lookup(&token, &cat, None).await;
    let job = app.wait_job(&token, started["job"]["id"].as_str().unwrap(), Duration::from_secs(20)).await;
    assert_eq!(job["state"], "FAILED");
    assert!(job["lastError"].as_str().unwrap().contains("setNctApiKey"));

    // Cancel a slow job: it stops claiming and skips the rest.
    app.sim.set_rate_limit(Some(20));
    let cat2 = seeded_catalog(&app, &token, 400, 0).await;
    app.set_key(&token, DEMO_KEY, true).await;
    let started = app.start_lookup(&token, &cat2, None).await;
    let id = started["job"]["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let c = app.gql_ok(Some(&token), "mutation($j:ID!){ cancelJob(input:{id:$j}){ job{ cancelRequested } userErrors{ code } } }", json!({"j": id})).await;
    assert_eq!(c["cancelJob"]["job"]["cancelRequested"], true, "{c}");
    let job = app.wait_job(&token, &id, Duration::from_secs(30)).await;
    assert_eq!(job["state"], "CANCELLED", "{job}");
    let p = &job["progress"];
    assert_eq!(p["processed"], 400);
    assert!(p["skipped"].as_u64().unwrap() > 0);
    app.assert_counters_match_items(&token, &id).await;
}

#[tokio::test]
async fn faults_and_rate_limits_lose_no_item() {
    let mut cfg = test_sim_config();
    cfg.rate_limit_per_sec = Some(150);
    cfg.latency = Duration::from_millis(5);
    cfg.faults = FaultConfig { error_rate: 0.15, burst_5xx: 20, ..FaultConfig::default() };
    let sim = start_sim(cfg).await;
    let app = spawn_app_with_sim(test_settings().await, sim).await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = seeded_catalog(&app, &token, 300, 20).await;
    app.set_key(&token, DEMO_KEY, true).await;
    let started = app.start_lookup(&token, &cat, None).await;
    let job = app.wait_job(&token, started["job"]["id"].as_str().unwrap(), Duration::from_secs(90)).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    let p = &job["progress"];
    assert_eq!(p["processed"], 320);
    assert_eq!(p["failed"], 0, "{job}");
    assert_eq!(p["notFound"], 20);
    app.assert_counters_match_items(&token, started["job"]["id"].as_str().unwrap()).await;
    let stats = app.sim.stats();
    assert!(stats.rate_limited > 0 || stats.faults_injected > 0);
}

#[tokio::test]
async fn a_job_survives_a_restart_with_exact_counts() {
    // Arrange: a slow simulator so the kill lands mid-job.
    let mut cfg = test_sim_config();
    cfg.latency = Duration::from_millis(30);
    let sim = start_sim(cfg).await;
    let settings = test_settings().await;
    let app = spawn_app_with_sim(settings, sim).await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = seeded_catalog(&app, &token, 400, 0).await;
    app.set_key(&token, DEMO_KEY, true).await;
    let started = app.start_lookup(&token, &cat, None).await;
    let id = started["job"]["id"].as_str().unwrap().to_owned();
    app.wait_processed(&token, &id, 60, Duration::from_secs(30)).await;
    // Act: kill, then start a new server on the same database.
    let (settings, sim) = app.kill().await;
    let before = sim.stats().total_lookups();
    let app2 = spawn_app_with_sim(settings, sim).await;
    let job = app2.wait_job(&token, &id, Duration::from_secs(60)).await;
    // Assert
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    let p = &job["progress"];
    assert_eq!(p["processed"], 400);
    assert_eq!(p["found"].as_u64().unwrap() + p["ambiguous"].as_u64().unwrap(), 400);
    assert_eq!(p["failed"], 0);
    app2.assert_counters_match_items(&token, &id).await;
    let stats = app2.sim.stats();
    assert!(before < 400, "the kill landed mid-job ({before} lookups)");
    // Only items in flight at the kill may have been asked twice.
    let twice = (0..400).filter(|i| stats.lookups_of(&seed::seed_gtin(*i)) > 1).count();
    assert!(twice <= 64, "{twice} GTINs looked up twice");
    assert!((0..400).all(|i| stats.lookups_of(&seed::seed_gtin(i)) >= 1));
}

#[tokio::test]
async fn a_warm_cache_resolves_a_second_tenants_catalog_without_nct_calls() {
    let app = spawn_app().await;
    let (_a, token_a) = app.new_tenant("A").await;
    let (_b, token_b) = app.new_tenant("B").await;
    let cat_a = seeded_catalog(&app, &token_a, 50, 5).await;
    let cat_b = seeded_catalog(&app, &token_b, 50, 5).await;
    app.set_key(&token_a, DEMO_KEY, true).await;
    app.set_key(&token_b, DEMO_KEY, true).await;
    let j = app.start_lookup(&token_a, &cat_a, None).await;
    app.wait_job(&token_a, j["job"]["id"].as_str().unwrap(), Duration::from_secs(30)).await;
    let calls = app.sim.stats().total_lookups();
    let j = app.start_lookup(&token_b, &cat_b, None).await;
    let job = app.wait_job(&token_b, j["job"]["id"].as_str().unwrap(), Duration::from_secs(30)).await;
    assert_eq!(job["state"], "SUCCEEDED");
    assert_eq!(job["progress"]["notFound"], 5);
    assert_eq!(app.sim.stats().total_lookups(), calls, "every GTIN came from the cache");
}

#[tokio::test]
async fn a_warm_catalog_read_ahead_in_small_batches_finishes_every_item_once() {
    // Arrange: batches of 7, so the warm rounds read ahead many times and split each batch over the writers.
    let mut settings = test_settings().await;
    settings.limits.job_warm_batch = 7;
    let app = spawn_app_with_sim(settings, start_sim(test_sim_config()).await).await;
    let (_a, token_a) = app.new_tenant("A").await;
    let (_b, token_b) = app.new_tenant("B").await;
    let cat_a = seeded_catalog(&app, &token_a, 120, 9).await;
    let cat_b = seeded_catalog(&app, &token_b, 120, 9).await;
    app.set_key(&token_a, DEMO_KEY, true).await;
    app.set_key(&token_b, DEMO_KEY, true).await;
    let j = app.start_lookup(&token_a, &cat_a, None).await;
    let id_a = j["job"]["id"].as_str().unwrap().to_owned();
    let job_a = app.wait_job(&token_a, &id_a, Duration::from_secs(60)).await;
    // (On SQLite the cold first batch of the scan hands the rest over as pending items.)
    assert_eq!((job_a["state"].as_str(), job_a["progress"]["processed"].as_u64()), (Some("SUCCEEDED"), Some(129)), "{job_a}");
    app.assert_counters_match_items(&token_a, &id_a).await;
    let calls = app.sim.stats().total_lookups();

    // Act: the second tenant's catalog resolves from the cache.
    let j = app.start_lookup(&token_b, &cat_b, None).await;
    let id = j["job"]["id"].as_str().unwrap().to_owned();
    let job = app.wait_job(&token_b, &id, Duration::from_secs(60)).await;

    // Assert: every item finished once, counted once, and no NCT call.
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    let p = &job["progress"];
    assert_eq!((p["total"].as_u64(), p["processed"].as_u64(), p["notFound"].as_u64(), p["failed"].as_u64()), (Some(129), Some(129), Some(9), Some(0)), "{job}");
    assert_eq!(p["found"].as_u64().unwrap() + p["ambiguous"].as_u64().unwrap(), 120, "{job}");
    app.assert_counters_match_items(&token_b, &id).await;
    assert_eq!(app.sim.stats().total_lookups(), calls, "every GTIN came from the cache");
}

#[tokio::test]
async fn two_replicas_on_one_postgresql_share_a_job_and_both_see_it_finish() {
    // Replicas share PostgreSQL; SQLite is the single-process embedded default.
    if std::env::var("TEST_DATABASE_URL").map_or(true, |u| u.is_empty()) {
        eprintln!("skipped: replicas need PostgreSQL (TEST_DATABASE_URL)");
        return;
    }
    // Arrange: two servers on the same database and the same slow simulator.
    let mut cfg = test_sim_config();
    cfg.latency = Duration::from_millis(20);
    let sim = start_sim(cfg).await;
    let mut settings = test_settings().await;
    settings.release_leases_on_start = false;
    let mut settings2 = settings.clone();
    settings2.data_dir = crate::helpers::temp_dir();
    let a = spawn_app_with_sim(settings, sim.clone()).await;
    let b = spawn_app_with_sim(settings2, sim).await;
    let (_t, token) = a.new_tenant("Shop").await;
    let cat = seeded_catalog(&a, &token, 400, 0).await;
    a.set_key(&token, DEMO_KEY, true).await;
    // Act: start on A, watch on B.
    let started = a.start_lookup(&token, &cat, None).await;
    let id = started["job"]["id"].as_str().unwrap().to_owned();
    let job = b.wait_job(&token, &id, Duration::from_secs(60)).await;
    // Assert: exact counts, each GTIN asked once although two workers claimed items.
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    assert_eq!(job["progress"]["processed"], 400);
    assert_eq!(job["progress"]["failed"], 0);
    b.assert_counters_match_items(&token, &id).await;
    let stats = a.sim.stats();
    let twice = (0..400).filter(|i| stats.lookups_of(&seed::seed_gtin(*i)) > 1).count();
    assert_eq!(twice, 0, "SKIP LOCKED claims never overlap");
}

/// A fresh migrated database with one tenant and, for each of `jobs`, a running lookup job of `items` pending
/// items. Returns the database and the tenant.
async fn running_jobs(jobs: &[uuid::Uuid], items: usize) -> (sea_orm::DatabaseConnection, uuid::Uuid) {
    use sea_orm::{ConnectionTrait, Database, Statement, Value as V};
    let db = Database::connect(crate::helpers::fresh_database(&crate::helpers::temp_dir()).await).await.unwrap();
    infra::db::migrate(&db).await.unwrap();
    let backend = db.get_database_backend();
    let tenant = uuid::Uuid::new_v4();
    let now = chrono::Utc::now();
    let exec = |q: &str, values: Vec<V>| db.execute_raw(Statement::from_sql_and_values(backend, placeholders(backend, q), values));
    exec("INSERT INTO tenants (id, name, segment, token_version, created_at) VALUES (?, 'T', 'RETAIL_CHAINS', 0, ?)", vec![tenant.into(), now.into()]).await.unwrap();
    for job in jobs {
        exec("INSERT INTO jobs (id, tenant_id, catalog_id, kind, state, total, cancel_requested, created_at, updated_at) VALUES (?, ?, ?, 'LOOKUP', 'RUNNING', ?, false, ?, ?)",
            vec![(*job).into(), tenant.into(), uuid::Uuid::new_v4().into(), i64::try_from(items).unwrap().into(), now.into(), now.into()]).await.unwrap();
        for _ in 0..items {
            exec("INSERT INTO job_items (tenant_id, job_id, sku_id, gtin14, state, attempts, updated_at) VALUES (?, ?, ?, '04870000000001', 'PENDING', 0, ?)",
                vec![tenant.into(), (*job).into(), uuid::Uuid::new_v4().into(), now.into()]).await.unwrap();
        }
    }
    (db, tenant)
}

#[tokio::test]
async fn a_cache_hit_is_finished_without_a_claim_only_where_no_other_worker_holds_its_lease() {
    use infra::db::job_repo::{Held, JobRepo, LookupItemResult};
    use sea_orm::{ConnectionTrait, Statement, Value as V};
    // Arrange: a running job of three items; another worker holds the second item's lease.
    let job = uuid::Uuid::new_v4();
    let (db, tenant) = running_jobs(&[job], 3).await;
    let backend = db.get_database_backend();
    let sql = |q: &str| placeholders(backend, q);
    let other = uuid::Uuid::new_v4();
    let now = chrono::Utc::now();
    let exec = |q: &str, values: Vec<V>| db.execute_raw(Statement::from_sql_and_values(backend, sql(q), values));
    let repo = JobRepo::new(db.clone());
    let seen = repo.peek(job, 10).await.unwrap();
    assert_eq!(seen.len(), 3);
    let until = now + chrono::Duration::seconds(60);
    exec("UPDATE job_items SET leased_until = ?, lease_owner = ? WHERE id = ?", vec![until.into(), other.into(), seen[1].id.into()]).await.unwrap();

    // Act: the batch seen before the other worker's claim is finished from the cache.
    let results = seen.iter().map(|i| (i.clone(), LookupItemResult::NotFound)).collect();
    let finished = repo.finish_lookup_items(domain::tenant::TenantId(tenant), results, Held::Unclaimed).await.unwrap();

    // Assert: the leased item is left to its holder; the others read as claimed and finished by this worker.
    assert_eq!(finished, 2);
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql("SELECT id, state, attempts, lease_owner FROM job_items WHERE job_id = ? ORDER BY id"), [job.into()]))
        .await
        .unwrap();
    let got: Vec<(String, i32, Option<uuid::Uuid>)> =
        rows.iter().map(|r| (r.try_get("", "state").unwrap(), r.try_get("", "attempts").unwrap(), r.try_get("", "lease_owner").unwrap())).collect();
    assert_eq!(got, vec![("DONE".into(), 1, Some(repo.owner())), ("PENDING".into(), 0, Some(other)), ("DONE".into(), 1, Some(repo.owner()))]);
    let p = repo.get(domain::tenant::TenantId(tenant), job).await.unwrap().unwrap().progress;
    assert_eq!((p.processed, p.not_found), (2, 2));
    assert!(repo.peek(job, 10).await.unwrap().is_empty(), "a leased item is not seen");
    assert!(repo.claim_ids(&[seen[1].id], Duration::from_secs(30)).await.unwrap().is_empty(), "nor claimed by id");
}

#[tokio::test]
async fn peeking_after_an_item_skips_it_and_a_deleted_job_takes_its_items_along() {
    use infra::db::job_repo::JobRepo;
    use sea_orm::{ConnectionTrait, Statement};
    // Arrange: two running jobs of three items each.
    let jobs = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()];
    let (db, _tenant) = running_jobs(&jobs, 3).await;
    let backend = db.get_database_backend();
    let sql = |q: &str| placeholders(backend, q);
    let repo = JobRepo::new(db.clone());
    let all = repo.peek(jobs[0], 10).await.unwrap();

    // Act + assert: the items after the first, in claim order, at most as many as asked.
    let after = repo.peek_after(jobs[0], 10, all[0].id).await.unwrap();
    assert_eq!(after.iter().map(|i| i.id).collect::<Vec<_>>(), all[1..].iter().map(|i| i.id).collect::<Vec<_>>());
    assert_eq!(repo.peek_after(jobs[0], 1, all[0].id).await.unwrap().len(), 1);
    assert!(repo.peek_after(jobs[0], 10, all[2].id).await.unwrap().is_empty());

    // Act: the first job is deleted (PostgreSQL: a statement trigger; SQLite: the foreign key's cascade).
    db.execute_raw(Statement::from_sql_and_values(backend, sql("DELETE FROM jobs WHERE id = ?"), [jobs[0].into()])).await.unwrap();

    // Assert: its items are gone, the other job's are not.
    let count = |job: uuid::Uuid| {
        let db = db.clone();
        let q = sql("SELECT COUNT(*) AS n FROM job_items WHERE job_id = ?");
        async move { db.query_one_raw(Statement::from_sql_and_values(backend, q, [job.into()])).await.unwrap().unwrap().try_get::<i64>("", "n").unwrap() }
    };
    assert_eq!(count(jobs[0]).await, 0);
    assert_eq!(count(jobs[1]).await, 3);
}

#[tokio::test]
async fn a_catalog_scan_writes_each_sku_once_and_a_cancel_skips_what_it_has_not_reached() {
    use infra::db::job_repo::LookupItemResult;
    use infra::db::lookup_scan::ScanWrite;
    // Arrange: no worker, so the test moves the scan itself (on either backend); 10 SKUs to look up.
    let ScanJob { app, tenant, token, cat, id, uid, repo, job, started } = scanning_job(10).await;
    assert_eq!(started["job"]["progress"]["total"], 10, "counted at the start: {started}");
    assert_eq!(job.scan_after.as_deref(), Some(""), "the job scans its catalog");
    assert_eq!(app.state.jobs.recount(uid).await.unwrap().total, 0, "and wrote no item at the start");

    // Act: the first four, two answered from the "cache", one not found, one missed.
    let batch = repo.scan_read(&job, "", 4).await.unwrap();
    assert!(batch.full);
    let skus: Vec<&str> = batch.items.iter().map(|s| s.seller_sku.as_str()).collect();
    assert_eq!(skus, ["F-00000", "F-00001", "F-00002", "F-00003"]);
    let answers = [
        Some(LookupItemResult::Found { ntin: "0200000000017".into(), candidates: r#"[{"ntin":"0200000000017"}]"#.into() }),
        Some(LookupItemResult::Found { ntin: "0200000000024".into(), candidates: r#"[{"ntin":"0200000000024"}]"#.into() }),
        Some(LookupItemResult::NotFound),
        None,
    ];
    let part = |from: &str| ScanWrite {
        from: from.into(),
        to: "F-00003".into(),
        done: false,
        hand_over: false,
        items: batch.items.iter().cloned().zip(answers.clone()).collect(),
        wait_for: None,
        written: None,
    };
    assert!(repo.scan_write(&job, part("")).await.unwrap());
    // The same part again (another worker read it too): the cursor has moved on, nothing is written.
    assert!(!repo.scan_write(&job, part("")).await.unwrap());

    // Assert: three answers counted, the miss the one item (pending); the found NTINs are on their SKUs.
    let job = repo.get(tenant, uid).await.unwrap().unwrap();
    assert_eq!(job.scan_after.as_deref(), Some("F-00003"));
    let items = repo.recount(uid).await.unwrap();
    assert_eq!((items.total, items.processed, items.found, items.not_found), (4, 3, 2, 1));
    assert_eq!(item_states(&repo, uid).await, ["PENDING"], "only the miss has an item");
    assert_eq!((job.progress.processed, job.progress.found, job.progress.not_found, job.progress.total), (3, 2, 1, 10));
    let rest = repo.scan_read(&job, "F-00003", 100).await.unwrap();
    assert_eq!(rest.items.len(), 6, "found SKUs leave the scan, the rest follow the cursor");
    assert!(!rest.full);
    let ntins = app
        .gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ skus(first:20){ nodes{ sellerSku ntin lookupState } } } }", json!({"c": cat}))
        .await;
    let rows = ntins["catalog"]["skus"]["nodes"].as_array().unwrap();
    let ntin_of = |sku: &str| rows.iter().find(|r| r["sellerSku"] == sku).map(|r| r["ntin"].clone()).unwrap();
    assert_eq!((ntin_of("F-00000"), ntin_of("F-00001"), ntin_of("F-00002")), (json!("0200000000017"), json!("0200000000024"), Value::Null));

    // Act: cancel; the worker's next round skips the pending miss and the six SKUs the scan has not reached.
    let skipped = repo.skip_pending(&job).await.unwrap();

    // Assert: the counters match the items and the answers, and the scan is over.
    assert_eq!(skipped, 7);
    assert_eq!(item_states(&repo, uid).await, ["SKIPPED"; 7]);
    let job = repo.get(tenant, uid).await.unwrap().unwrap();
    assert_eq!(job.scan_after, None);
    assert_eq!((job.progress.total, job.progress.processed, job.progress.skipped), (10, 10, 7));
    assert!(!repo.scan_write(&job, part("F-00003")).await.unwrap(), "a cancelled scan takes no more writes");
    app.assert_counters_match_items(&token, &id).await;
}

#[tokio::test]
async fn a_cold_scan_hands_the_rest_of_the_catalog_over_as_pending_items() {
    use infra::db::job_repo::LookupItemResult;
    use infra::db::lookup_scan::ScanWrite;
    // Arrange: no worker, so the test moves the scan itself (on either backend); 10 SKUs to look up.
    let ScanJob { app, tenant, token, id, uid, repo, job, .. } = scanning_job(10).await;

    // Act: the first three, one answered from the "cache" and two missed, written with the rest handed over.
    let batch = repo.scan_read(&job, "", 3).await.unwrap();
    let answers = [Some(LookupItemResult::Found { ntin: "0200000000017".into(), candidates: r#"[{"ntin":"0200000000017"}]"#.into() }), None, None];
    let part = ScanWrite {
        from: String::new(),
        to: "F-00002".into(),
        done: false,
        hand_over: true,
        items: batch.items.into_iter().zip(answers).collect(),
        wait_for: None,
        written: None,
    };
    assert!(repo.scan_write(&job, part).await.unwrap());

    // Assert: the scan is over; the two misses and the seven SKUs after them are pending items, once each.
    let job = repo.get(tenant, uid).await.unwrap().unwrap();
    assert_eq!(job.scan_after, None);
    assert_eq!(item_states(&repo, uid).await, ["PENDING"; 9]);
    assert_eq!((job.progress.total, job.progress.processed, job.progress.found), (10, 1, 1));
    let claimed = repo.claim(uid, 100, Duration::from_secs(30)).await.unwrap();
    let mut skus: Vec<_> = claimed.iter().map(|i| i.sku_id).collect();
    skus.sort_unstable();
    skus.dedup();
    assert_eq!(skus.len(), 9, "each SKU but the found one, once");
    app.assert_counters_match_items(&token, &id).await;
}

#[tokio::test]
async fn one_worker_at_a_time_scans_a_job_until_its_lease_passes() {
    // Arrange: no worker; a scanning lookup job, and two repositories as two replicas' workers.
    let ScanJob { app: _app, tenant, uid, repo: a, .. } = scanning_job(3).await;
    let b = infra::db::job_repo::JobRepo::new(a.db().clone());
    let long = Duration::from_secs(30);

    // Act + Assert: A takes the scan; B cannot while A's lease runs; A renews it (here: shortens it).
    assert!(a.take_scan(uid, long).await.unwrap());
    assert!(!b.take_scan(uid, long).await.unwrap());
    assert!(a.take_scan(uid, Duration::from_millis(1)).await.unwrap());
    tokio::time::sleep(Duration::from_millis(20)).await;
    // A's lease has passed: B takes the scan over, and now A is left out.
    assert!(b.take_scan(uid, long).await.unwrap());
    assert!(!a.take_scan(uid, long).await.unwrap());
    // A restart gives every lease back; a scan that is over (here: cancelled) has none to take.
    b.release_all_leases().await.unwrap();
    assert!(a.take_scan(uid, long).await.unwrap());
    let job = a.get(tenant, uid).await.unwrap().unwrap();
    assert_eq!(a.skip_pending(&job).await.unwrap(), 3);
    assert!(!a.take_scan(uid, long).await.unwrap());
    assert!(!b.take_scan(uid, long).await.unwrap());
}

#[tokio::test]
async fn parts_of_a_scan_written_at_once_move_the_cursor_in_order() {
    use infra::db::job_repo::LookupItemResult;
    use infra::db::lookup_scan::ScanWrite;
    // Parts at once are PostgreSQL's (SQLite has one writer: a waiting part would hold the write lock).
    if std::env::var("TEST_DATABASE_URL").map_or(true, |u| u.is_empty()) {
        eprintln!("skipped: parts at once need PostgreSQL (TEST_DATABASE_URL)");
        return;
    }
    // Arrange: no worker; six SKUs in two parts, all not found.
    let ScanJob { app, tenant, token, id, uid, repo, job, .. } = scanning_job(6).await;
    let batch = repo.scan_read(&job, "", 6).await.unwrap();
    let mut items = batch.items.into_iter().map(|s| (s, Some(LookupItemResult::NotFound)));
    let (tx, rx) = tokio::sync::oneshot::channel();
    let first = ScanWrite { from: String::new(), to: "F-00002".into(), done: false, hand_over: false, items: items.by_ref().take(3).collect(), wait_for: None, written: Some(tx) };
    let second = ScanWrite { from: "F-00002".into(), to: "F-00005".into(), done: true, hand_over: false, items: items.collect(), wait_for: Some(rx), written: None };

    // Act: the second part starts first and reaches the cursor before the first part has moved it.
    let second = tokio::spawn({
        let (repo, job) = (repo.clone(), job.clone());
        async move { repo.scan_write(&job, second).await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let first = repo.scan_write(&job, first).await.unwrap();

    // Assert: both parts were written, in order, and the scan is over with every SKU counted once.
    assert!(first);
    assert!(second.await.unwrap(), "the second part waited for the first instead of rolling back");
    let job = repo.get(tenant, uid).await.unwrap().unwrap();
    assert_eq!(job.scan_after, None);
    assert_eq!((job.progress.total, job.progress.processed, job.progress.not_found), (6, 6, 6));
    app.assert_counters_match_items(&token, &id).await;
}

#[tokio::test]
async fn a_feed_follow_up_leaves_the_skus_ahead_of_a_running_scan_to_it() {
    use infra::db::job_repo::LookupItemResult;
    use infra::db::lookup_scan::ScanWrite;
    use sea_orm::{ConnectionTrait, Statement, Value as V};
    // Arrange: no worker (and so no feed scheduler); a scan of 10 SKUs that has written its first four.
    let ScanJob { app, tenant, token, cat, repo, job, .. } = scanning_job(10).await;
    let batch = repo.scan_read(&job, "", 4).await.unwrap();
    let items = batch.items.into_iter().map(|s| (s, Some(LookupItemResult::NotFound))).collect();
    let part = ScanWrite { from: String::new(), to: "F-00003".into(), done: false, hand_over: false, items, wait_for: None, written: None };
    assert!(repo.scan_write(&job, part).await.unwrap());
    // Two new SKUs: one the scan has passed (F-00001a sorts before its cursor), one ahead of it.
    let csv = format!("sku;barcode\nF-00001a;{}\nF-00005a;{}\n", seed::seed_gtin(10), seed::seed_gtin(11));
    assert_eq!(app.import(&token, &cat, "CSV", &csv).await["rejected"], 0);
    // A pull that owes a follow-up, as the feed scheduler stores it (its source disabled).
    let db = repo.db();
    let backend = db.get_database_backend();
    let (_, cat_id) = api::ids::decode_any(&cat).unwrap();
    let (source, pull) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let now = chrono::Utc::now();
    let exec = |q: &str, values: Vec<V>| db.execute_raw(Statement::from_sql_and_values(backend, placeholders(backend, q), values));
    exec("INSERT INTO catalog_sources (id, tenant_id, catalog_id, format, url, interval_secs, enabled, auto_lookup, next_pull_at, created_at, updated_at) \
          VALUES (?, ?, ?, 'KASPI_XML', 'https://feeds.example/kaspi.xml', 3600, false, true, ?, ?, ?)",
        vec![source.into(), tenant.0.into(), cat_id.into(), now.into(), now.into(), now.into()]).await.unwrap();
    exec("INSERT INTO catalog_source_pulls (id, tenant_id, source_id, catalog_id, \"trigger\", outcome, started_at, finished_at, row_errors, follow_up) \
          VALUES (?, ?, ?, ?, 'SCHEDULE', 'IMPORTED', ?, ?, '[]', 'PENDING')",
        vec![pull.into(), tenant.0.into(), source.into(), cat_id.into(), now.into(), now.into()]).await.unwrap();

    // Act
    let n = infra::feeds::follow_up::run_pending(db, 10).await.unwrap();

    // Assert: one job, for the SKU behind the cursor only; the scan takes F-00005a when it gets there.
    assert_eq!(n, 1);
    let q = placeholders(backend, "SELECT s.seller_sku FROM catalog_source_pulls p JOIN job_items i ON i.job_id = p.follow_up_job_id \
                                   JOIN skus s ON s.id = i.sku_id WHERE p.id = ?");
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, q, [pull.into()])).await.unwrap();
    let skus: Vec<String> = rows.iter().map(|r| r.try_get("", "seller_sku").unwrap()).collect();
    assert_eq!(skus, ["F-00001a"]);
    let rest = repo.scan_read(&job, "F-00003", 100).await.unwrap();
    assert!(rest.items.iter().any(|s| s.seller_sku == "F-00005a"), "the scan still has the SKU ahead of its cursor");
}

/// A scanning lookup job and what the tests of the scan use of it.
struct ScanJob {
    app: TestApp,
    tenant: domain::tenant::TenantId,
    token: String,
    cat: String,
    /// The job's global ID, and its UUID.
    id: String,
    uid: uuid::Uuid,
    repo: infra::db::job_repo::JobRepo,
    job: infra::db::job_repo::Job,
    /// `startLookupJob`'s answer.
    started: Value,
}

/// A lookup job over a catalog of `n` SKUs to look up, started on a server without a worker (and so without
/// the feed scheduler), with the scan forced on either backend: the test moves the scan itself.
async fn scanning_job(n: usize) -> ScanJob {
    let mut settings = test_settings().await;
    settings.run_worker = false;
    settings.limits.job_lookup_scan = true;
    let app = spawn_app_with_sim(settings, start_sim(test_sim_config()).await).await;
    let (tenant, token) = app.new_tenant("Shop").await;
    let cat = seeded_catalog(&app, &token, n, 0).await;
    let started = app.start_lookup(&token, &cat, None).await;
    let id = started["job"]["id"].as_str().unwrap().to_owned();
    let (_, uid) = api::ids::decode_any(&id).unwrap();
    let repo = app.state.jobs.clone();
    let job = repo.get(tenant, uid).await.unwrap().unwrap();
    ScanJob { app, tenant, token, cat, id, uid, repo, job, started }
}

/// The states of a job's items, in id order.
async fn item_states(repo: &infra::db::job_repo::JobRepo, job: uuid::Uuid) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = repo.db().get_database_backend();
    let q = placeholders(backend, "SELECT state FROM job_items WHERE job_id = ? ORDER BY id");
    let rows = repo.db().query_all_raw(Statement::from_sql_and_values(backend, q, [job.into()])).await.unwrap();
    rows.iter().map(|r| r.try_get::<String>("", "state").unwrap()).collect()
}

#[tokio::test]
async fn a_cold_job_reads_after_its_cursor_and_still_takes_the_items_behind_it_once_they_are_free() {
    // Arrange: 40 cold items written at the start, on a server without a worker. Another replica holds the
    // first five for a second; this test's worker reads in batches of eight after its cursor.
    use infra::db::job_repo::JobRepo;
    use infra::jobs::worker::{Worker, WorkerConfig};
    let mut settings = test_settings().await;
    settings.run_worker = false;
    settings.limits.job_lookup_scan = false;
    let app = spawn_app_with_sim(settings, start_sim(test_sim_config()).await).await;
    let (tenant, token) = app.new_tenant("Shop").await;
    let cat = seeded_catalog(&app, &token, 40, 0).await;
    app.set_key(&token, DEMO_KEY, true).await;
    let started = app.start_lookup(&token, &cat, None).await;
    let id = started["job"]["id"].as_str().unwrap().to_owned();
    let (_, uid) = api::ids::decode_any(&id).unwrap();
    let other = JobRepo::new(app.state.db.clone());
    let held = other.claim(uid, 5, Duration::from_secs(1)).await.unwrap();
    assert_eq!(held.len(), 5);
    let s = &app.state;
    let worker = Worker::new(
        JobRepo::new(s.db.clone()),
        s.keys.clone(),
        s.lookup.clone(),
        s.nct.clone(),
        s.events.clone(),
        WorkerConfig { batch: 8, release_leases_on_start: false, ..WorkerConfig::default() },
    );

    // Act: rounds until the job has nothing this worker can take.
    let mut rounds = 0;
    while worker.round().await.unwrap() {
        rounds += 1;
        assert!(rounds < 100, "the worker kept working");
    }
    let before = item_states(&app.state.jobs, uid).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    while worker.round().await.unwrap() {
        rounds += 1;
        assert!(rounds < 100, "the worker kept working");
    }

    // Assert: the 35 free items first, the five held ones once their lease passed (read from the start, since
    // nothing followed the cursor), and the job then finished with every item looked up once.
    assert_eq!(before.iter().filter(|s| *s == "PENDING").count(), 5, "{before:?}");
    assert!(before[..5].iter().all(|s| s == "PENDING"), "the held items are the first five: {before:?}");
    let after = item_states(&app.state.jobs, uid).await;
    assert!(after.iter().all(|s| s == "DONE"), "{after:?}");
    let job = app.state.jobs.get(tenant, uid).await.unwrap().unwrap();
    assert_eq!(job.state, domain::job::JobState::Succeeded);
    let p = app.assert_counters_match_items(&token, &id).await;
    assert_eq!(p["progress"]["processed"], 40, "{p}");
}
