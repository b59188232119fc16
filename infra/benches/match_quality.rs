#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Matching quality on the labelled seller SKUs of `nct-sim/eval/` against the simulator's 100,000-card seed,
//! through the same search path as the MATCH job (`SearchService` over NCT's search gateway, the
//! `domain::matching::finder::Finder` query loop, the documented score).
//!
//! Reports, for the held-out evaluation split (`match_eval.tsv`, never used to set the weights):
//! - **precision@1 at the likely-match rule** (top score ≥ `LIKELY_SCORE` and `LIKELY_MARGIN` ahead of the
//!   second): among SKUs the rule marks likely, the share whose top candidate is the right card, and the
//!   **coverage** (the share of SKUs it marks);
//! - **recall@5**: the share of all SKUs whose right card is among the stored candidates (at most 5);
//! - precision@1 without any threshold, and coverage/precision at plain score thresholds;
//! - searches per SKU and time.
//!
//! Run: `cargo bench -p infra --bench match_quality` (add `-- tune` for the tuning split, `-- errors` to print
//! the likely matches that were wrong and the misses).

use std::time::{Duration, Instant};

use domain::matching::finder::Finder;
use domain::matching::{LIKELY_MARGIN, LIKELY_SCORE, Subject, Verdict};
use futures_util::StreamExt as _;
use infra::cache::CacheTtls;
use infra::cache::search_cache::SearchCache;
use infra::matching::SearchService;
use nct::{NctClient, NctClientConfig};
use nct_sim::seller_names::parse_tsv;
use nct_sim::{DEMO_KEY, SimConfig};
use secrecy::SecretString;

struct Outcome {
    name: String,
    expected: String,
    /// Position of the right card among the candidates.
    rank: Option<usize>,
    top_score: f64,
    top_name: String,
    verdict: Verdict,
    searches: usize,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let split = if args.iter().any(|a| a == "tune") { "match_tune.tsv" } else { "match_eval.tsv" };
    let show_errors = args.iter().any(|a| a == "errors");
    let path = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")), std::path::PathBuf::from)
        .join("../nct-sim/eval")
        .join(split);
    let rows = parse_tsv(&std::fs::read_to_string(&path).expect("read the evaluation set"));
    println!("set: {split} ({} labelled seller SKUs) against a 100,000-card simulator seed", rows.len());

    let sim = nct_sim::start(SimConfig { seed_size: 100_000, ..SimConfig::default() }, "127.0.0.1:0").await.expect("start simulator");
    // A long request timeout: the first search builds the simulator's index over 100,000 cards, which takes a
    // while on a debug build of a busy machine (the figures are about quality, not latency).
    let config = NctClientConfig { base_url: sim.base_url(), request_timeout: Duration::from_secs(600), ..NctClientConfig::default() };
    let client = NctClient::new(config).expect("client");
    let search = SearchService::new(client, SearchCache::memory(), CacheTtls::default());
    let key = SecretString::from(DEMO_KEY);
    // Warm the simulator's index (built on its first search) outside the timing.
    search.search(&key, "чай").await.expect("first search");

    let started = Instant::now();
    let outcomes: Vec<Outcome> = futures_util::stream::iter(rows.into_iter().map(|(expected, name, brand, oktru)| {
        let (search, key) = (search.clone(), key.clone());
        async move {
            let subject = Subject { name: name.clone(), brand, oktru };
            let mut finder = Finder::new(&subject, None);
            let mut searches = 0;
            while let Some(q) = finder.next_query() {
                searches += 1;
                let cards = search.search(&key, &q).await.expect("search").cards;
                finder.add(q, cards);
            }
            let found = finder.finish();
            let c = &found.ranking.candidates;
            Outcome {
                rank: c.iter().position(|s| s.card.ntin == expected),
                top_score: c.first().map_or(0.0, |s| s.score),
                top_name: c.first().map(|s| s.card.name_ru.clone()).unwrap_or_default(),
                verdict: found.ranking.verdict,
                name,
                expected,
                searches,
            }
        }
    }))
    .buffer_unordered(8)
    .collect()
    .await;
    let elapsed = started.elapsed();

    let n = outcomes.len() as f64;
    let pct = |a: usize, b: usize| if b == 0 { 0.0 } else { 100.0 * a as f64 / b as f64 };
    let likely: Vec<&Outcome> = outcomes.iter().filter(|o| o.verdict == Verdict::Likely).collect();
    let likely_right = likely.iter().filter(|o| o.rank == Some(0)).count();
    let top_right = outcomes.iter().filter(|o| o.rank == Some(0)).count();
    let in_five = outcomes.iter().filter(|o| o.rank.is_some_and(|r| r < 5)).count();
    let searches: usize = outcomes.iter().map(|o| o.searches).sum();
    println!();
    println!("likely-match rule (score >= {LIKELY_SCORE}, {LIKELY_MARGIN} ahead of the second):");
    println!("  precision@1 {:.1}% ({likely_right}/{}), coverage {:.1}% of SKUs", pct(likely_right, likely.len()), likely.len(), pct(likely.len(), outcomes.len()));
    println!("recall@5 {:.1}% ({in_five}/{})", pct(in_five, outcomes.len()), outcomes.len());
    println!("precision@1 without a threshold {:.1}%", pct(top_right, outcomes.len()));
    println!();
    println!("threshold | coverage | precision@1");
    for t in [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9] {
        let above: Vec<&Outcome> = outcomes.iter().filter(|o| o.top_score >= t).collect();
        let right = above.iter().filter(|o| o.rank == Some(0)).count();
        println!("   {t:.2}   |  {:5.1}%  |  {:5.1}%", pct(above.len(), outcomes.len()), pct(right, above.len()));
    }
    println!();
    println!("{:.2} searches per SKU, {:.0} ms per SKU at 8 in parallel ({:.1} s in all)", searches as f64 / n, elapsed.as_secs_f64() * 1000.0 / n, elapsed.as_secs_f64());
    if show_errors {
        println!("\nwrong likely matches:");
        for o in likely.iter().filter(|o| o.rank != Some(0)) {
            println!("  {} | {} → {} ({:.3}) right at {:?}", o.name, o.expected, o.top_name, o.top_score, o.rank);
        }
        println!("\nmissed (not in the top 5):");
        for o in outcomes.iter().filter(|o| o.rank.is_none()).take(60) {
            println!("  {} | {} → {} ({:.3})", o.name, o.expected, o.top_name, o.top_score);
        }
    }
    sim.stop().await;
}
