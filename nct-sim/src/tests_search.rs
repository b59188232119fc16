//! The search gateway driven through the real [`nct::NctClient`]: seller spellings, paging, codes, errors,
//! and the gate (key, rate limit) it shares with the portal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use nct::NctError;
use secrecy::SecretString;

use super::seed::{seed_gtin, seed_names, seed_ntin};
use super::tests::{key, small_config, spawn};

#[tokio::test]
async fn a_seller_spelling_finds_the_card_first_and_the_answer_is_paged() {
    // Arrange
    let (sim, client) = spawn(small_config()).await;
    let (name, _) = seed_names(42, false);
    let seller: String = name.split(' ').rev().collect::<Vec<_>>().join(" ").to_lowercase();

    // Act
    let page0 = client.search(&key(), &seller, 0, 5).await.unwrap();
    let page1 = client.search(&key(), &seller, 1, 5).await.unwrap();

    // Assert
    assert_eq!(page0.items[0].ntin.as_deref(), Some(seed_ntin(42).as_str()), "{seller}");
    assert_eq!(page0.items.len(), 5);
    assert!(page0.page_info.total_size > 5, "the search is broad: {:?}", page0.page_info);
    assert_eq!(page0.page_info.total_pages, (page0.page_info.total_size + 4) / 5);
    assert_eq!((page1.page_info.page, page1.items.len()), (1, 5));
    assert!(page1.items.iter().all(|i| !page0.items.contains(i)));
    let first = &page0.items[0];
    assert_eq!(first.gtin.as_deref(), Some(seed_gtin(42).as_str()));
    assert_eq!(first.category_code_l4.as_deref(), first.full_category_code.as_deref());
    assert!(first.category_name_ru_l1.is_some() && first.attribute("brand").is_some());
    assert_eq!(sim.searches(), 2);
    sim.stop().await;
}

#[tokio::test]
async fn a_gtin_query_finds_its_card() {
    let (sim, client) = spawn(small_config()).await;
    let page = client.search(&key(), &seed_gtin(9), 0, 3).await.unwrap();
    assert_eq!(page.items[0].ntin.as_deref(), Some(seed_ntin(9).as_str()));
    sim.stop().await;
}

#[tokio::test]
async fn bad_bodies_bad_keys_and_the_rate_limit_are_refused_like_the_portal() {
    let mut config = small_config();
    config.rate_limit_per_sec = Some(2);
    let (sim, client) = spawn(config).await;
    // A body without `size` (e.g. `pageSize`) is a validation error at NCT.
    let raw = reqwest::Client::new()
        .post(format!("{}/gw/search/api/v1/search", sim.base_url()))
        .header("X-API-KEY", "test-key-1")
        .json(&serde_json::json!({"query": "чай", "pageNumber": 0, "pageSize": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    let wrong = client.search(&SecretString::from("nope"), "чай", 0, 5).await;
    assert_eq!(wrong.err(), Some(NctError::InvalidKey));
    let mut limited = false;
    for _ in 0..5 {
        if let Err(NctError::RateLimited { .. }) = client.search(&key(), "чай", 0, 5).await {
            limited = true;
        }
    }
    assert!(limited, "the search shares the per-key rate limit");
    sim.stop().await;
}
