//! CSV export: streamed, Excel-safe, tenant-scoped, and reachable by a short-lived signed link.

use crate::helpers::{spawn_app, with_check};
use serde_json::json;

#[tokio::test]
async fn the_catalog_exports_as_excel_safe_utf8_csv_for_its_tenant_only() {
    // Arrange
    let app = spawn_app().await;
    let (_a, token_a) = app.new_tenant("A").await;
    let (_b, token_b) = app.new_tenant("B").await;
    let cat = app.new_catalog(&token_a, "Main").await;
    let mut csv = String::from("sku;barcode;name_ru;name_kk\n");
    csv.push_str(&format!("A-1;{};Шоколад молочный;Сүтті шоқолад\n", with_check("487100000000")));
    csv.push_str("=HYPERLINK(\"http://x\");0200121958529;Формула;\n");
    for i in 0..2500 {
        csv.push_str(&format!("Z-{i:05};{};Товар {i};\n", with_check(&format!("487{:09}", 100_000_100 + i))));
    }
    let r = app.import(&token_a, &cat, "CSV", &csv).await;
    assert_eq!(r["created"], 2502, "{r}");
    let url = format!("{}/exports/catalogs/{cat}.csv", app.address);

    // Act
    let resp = app.client.get(&url).bearer_auth(&token_a).send().await.unwrap();
    // Assert
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let body = resp.text().await.unwrap();
    assert!(body.starts_with('\u{feff}'), "BOM for Excel");
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2503, "header + every SKU across pages");
    assert!(lines[0].starts_with("seller_sku,barcode,gtin14,ntin,ntin_source,readiness_class"));
    assert!(body.contains("Сүтті шоқолад"), "Kazakh letters intact");
    assert!(body.contains("'=HYPERLINK"), "formula cells are neutralised");
    assert!(!body.contains(",=HYPERLINK") && !body.contains("\n=HYPERLINK"));
    assert!(lines.iter().any(|l| l.starts_with("A-1,") && l.contains("AUTO_LOOKUP_READY")));

    // Another tenant, no token, a random catalog: refused without telling which exists.
    let r = app.client.get(&url).bearer_auth(&token_b).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn a_signed_export_link_works_without_a_token_and_cannot_be_bent() {
    let app = spawn_app().await;
    let (_a, token) = app.new_tenant("A").await;
    let cat = app.new_catalog(&token, "Main").await;
    let other = app.new_catalog(&token, "Other").await;
    app.import(&token, &cat, "BARCODES", "S-1;4870000000000\n").await;
    let d = app.gql_ok(Some(&token), "mutation($c:ID!){ createExportLink(input:{catalogId:$c}){ url expiresAt userErrors{ code } } }", json!({"c": cat})).await;
    let path = d["createExportLink"]["url"].as_str().unwrap().to_owned();
    let ok = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("S-1"));
    // The same signature on another catalog, or a changed signature, is refused.
    let bent = path.replace(&cat, &other);
    assert_eq!(app.client.get(format!("{}{bent}", app.address)).send().await.unwrap().status(), 401);
    let tampered = format!("{}x", path);
    assert_eq!(app.client.get(format!("{}{tampered}", app.address)).send().await.unwrap().status(), 401);
    // A foreign catalog ID gets a user error, not a link.
    let (_b, token_b) = app.new_tenant("B").await;
    let d = app.gql_ok(Some(&token_b), "mutation($c:ID!){ createExportLink(input:{catalogId:$c}){ url userErrors{ code } } }", json!({"c": cat})).await;
    assert_eq!(d["createExportLink"]["url"], serde_json::Value::Null);
    assert_eq!(d["createExportLink"]["userErrors"][0]["code"], "NOT_FOUND");
}
