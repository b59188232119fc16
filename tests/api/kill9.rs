//! A real `kill -9`: the server binary runs as a child process, is killed with SIGKILL mid-job, and a new
//! process on the same database finishes the job with exact counts.

use crate::helpers::{fresh_database, start_sim, temp_dir, test_sim_config};
use domain::tenant::Role;
use nct_sim::{DEMO_KEY, seed};
use serde_json::{Value, json};
use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server child process and its address.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(env: &[(&str, String)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ntin-desk-test-server"))
        .arg("serve")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server binary");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("NTIN Desk GraphQL endpoint: ") {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or_default().to_owned());
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(60)).expect("the server printed its endpoint");
    Server { child, url }
}

async fn gql(client: &reqwest::Client, url: &str, token: &str, query: &str, vars: Value) -> Value {
    let b: Value = client.post(url).bearer_auth(token).json(&json!({"query": query, "variables": vars})).send().await.unwrap().json().await.unwrap();
    assert!(b.get("errors").is_none(), "{b}");
    b["data"].clone()
}

#[tokio::test]
async fn a_server_killed_with_sigkill_mid_job_is_finished_by_the_next_one_with_exact_counts() {
    // Arrange: a slow simulator, a fresh database, the server binary as a child process.
    let mut cfg = test_sim_config();
    cfg.latency = Duration::from_millis(30);
    let sim = start_sim(cfg).await;
    let data = temp_dir();
    let db = fresh_database(&data).await;
    let secret = format!("kill9-secret-{}", uuid::Uuid::new_v4());
    let env = [
        ("DATABASE_URL", db.clone()),
        ("BIND", "127.0.0.1:0".to_owned()),
        ("DATA_DIR", data.display().to_string()),
        ("JWT_SECRET", secret.clone()),
        ("NTIN_MASTER_KEY", format!("1:{}", infra::crypto::MasterKeyring::generate_key().unwrap())),
        ("NCT_BASE_URL", sim.base_url()),
        ("API_RATE_LIMIT", "0".to_owned()),
        ("JOB_CONCURRENCY", "4".to_owned()),
    ];
    let first = start(&env);
    let client = reqwest::Client::new();
    // Tokens signed with the server's secret (the database is only read to check tenant versions).
    let conn = infra::db::connect(&db, infra::db::PoolSettings::default()).await.unwrap();
    let tokens = api::auth::TokenService::new(secret.clone().into(), infra::db::tenant_repo::TenantRepo::new(conn));
    let admin = tokens.mint(Role::Admin, None, "kill9", 3600).unwrap();
    let d = gql(&client, &first.url, &admin, "mutation{ createTenant(input:{name:\"Shop\", segment:SMALL_MICRO_BUSINESS}){ ownerToken } }", json!({})).await;
    let owner = d["createTenant"]["ownerToken"].as_str().unwrap().to_owned();
    let d = gql(&client, &first.url, &owner, "mutation{ createCatalog(input:{name:\"Main\"}){ catalog{ id } } }", json!({})).await;
    let cat = d["createCatalog"]["catalog"]["id"].as_str().unwrap().to_owned();
    let csv: String = std::iter::once("sku;barcode\n".to_owned()).chain((0..400).map(|i| format!("K-{i:04};{}\n", seed::seed_gtin(i)))).collect();
    gql(&client, &first.url, &owner, "mutation($c:ID!,$x:String){ importCatalog(input:{catalogId:$c, format:CSV, content:$x}){ created } }", json!({"c": cat, "x": csv})).await;
    gql(&client, &first.url, &owner, "mutation{ setNctApiKey(input:{key:\"nct-sim-demo-key\", verify:false}){ nctKey{ configured } } }", json!({})).await;
    let _ = DEMO_KEY;
    let d = gql(&client, &first.url, &owner, "mutation($c:ID!){ startLookupJob(input:{catalogId:$c}){ job{ id } } }", json!({"c": cat})).await;
    let job = d["startLookupJob"]["job"]["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let d = gql(&client, &first.url, &owner, crate::helpers::JOB_Q, json!({"j": job})).await;
        if d["job"]["progress"]["processed"].as_u64().unwrap_or(0) >= 40 {
            break;
        }
        assert!(Instant::now() < deadline, "the job made no progress: {d}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Act: SIGKILL the process mid-job, then start a new one on the same database.
    let mut first = first;
    first.child.kill().expect("SIGKILL");
    first.child.wait().expect("reaped");
    let asked_before = sim.stats().total_lookups();
    let second = start(&env);
    let deadline = Instant::now() + Duration::from_secs(90);
    let done = loop {
        let d = gql(&client, &second.url, &owner, crate::helpers::JOB_Q, json!({"j": job})).await;
        if d["job"]["state"] == "SUCCEEDED" || d["job"]["state"] == "FAILED" {
            break d["job"].clone();
        }
        assert!(Instant::now() < deadline, "the new server did not finish the job: {d}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Assert: exact counts; the kill really landed mid-job; every GTIN was asked.
    assert_eq!(done["state"], "SUCCEEDED", "{done}");
    let p = &done["progress"];
    assert_eq!(p["processed"], 400, "{done}");
    assert_eq!(p["failed"], 0, "{done}");
    assert_eq!(p["found"].as_u64().unwrap() + p["ambiguous"].as_u64().unwrap(), 400, "{done}");
    assert!(asked_before < 400, "the kill landed after the job ({asked_before} lookups)");
    let stats = sim.stats();
    assert!((0..400).all(|i| stats.lookups_of(&seed::seed_gtin(i)) >= 1));
}
