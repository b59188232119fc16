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
