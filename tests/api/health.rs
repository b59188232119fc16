use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_and_readyz_answer_200_when_the_database_is_up() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let h = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    let r = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
    // Assert
    assert_eq!(h.status(), 200);
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn graphiql_is_served_on_get() {
    let app = spawn_app().await;
    let r = app.client.get(format!("{}/graphql", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("graphiql"));
}

#[tokio::test]
async fn an_oversized_json_body_is_refused_with_limit_exceeded() {
    let app = spawn_app().await;
    let big = "x".repeat(33 * 1024 * 1024);
    let r = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
}

#[tokio::test]
async fn callers_over_the_rate_limit_get_429_with_retry_after() {
    use std::num::NonZeroU32;
    // Arrange: 1 request/s with bursts of 3.
    let mut settings = crate::helpers::test_settings().await;
    settings.api_rate = Some((NonZeroU32::new(1).unwrap(), NonZeroU32::new(3).unwrap()));
    let app = crate::helpers::spawn_app_with_sim(settings, crate::helpers::start_sim(crate::helpers::test_sim_config()).await).await;
    let (_t, token) = app.new_tenant("Shop").await;
    // Act: anonymous calls share the IP's bucket.
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let r = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(&serde_json::json!({"query": "{ readiness(barcodes: [\"1\"]) { summary { total } } }"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            retry_after = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
        }
    }
    // Assert
    assert_eq!(&statuses[..3], &[200, 200, 200], "{statuses:?}");
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    assert!(retry_after.unwrap().parse::<u64>().unwrap() >= 1);
    // A tenant has its own bucket.
    let ok = app.gql(Some(&token), "{ viewer { role } }", serde_json::json!({})).await;
    assert_eq!(ok["data"]["viewer"]["role"], "OWNER", "{ok}");
}

#[tokio::test]
async fn abusive_queries_are_refused_before_they_run() {
    let app = crate::helpers::spawn_app().await;
    // 1,000 aliases of a cheap public field.
    let aliases: String = (0..1000).map(|i| format!("a{i}: deadlines {{ date }} ")).collect();
    let body = app.gql(None, &format!("{{ {aliases} }}"), serde_json::json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED", "{body}");
    assert!(body["data"].is_null());
    // Deeper than the depth limit.
    let deep = format!("{{ {}__typename{} }}", "viewer { tenant { ".repeat(10), " } }".repeat(10));
    let body = app.gql(None, &deep, serde_json::json!({})).await;
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("nested too deep"), "{body}");
    assert!(body["data"].is_null(), "{body}");
    // GraphiQL's introspection still fits.
    let body = app.gql(None, "{ __schema { types { name fields { name type { name kind ofType { name kind } } } } } }", serde_json::json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
}
