//! Tenant isolation: B's token with A's IDs gets `null` / NOT_FOUND, exactly like a random ID, and A's data is
//! unchanged afterwards.

use crate::helpers::{TestApp, spawn_app, with_check};
use serde_json::{Value, json};

const DUMP: &str = "query($c:ID!){ catalog(id:$c){ id name skus(first:250){ totalCount nodes{ id sellerSku barcode nameRu ntin updatedAt } } } }";

async fn dump(app: &TestApp, token: &str, catalog: &str) -> Value {
    app.gql_ok(Some(token), DUMP, json!({"c": catalog})).await
}

#[tokio::test]
async fn tenant_b_cannot_read_or_change_anything_of_tenant_a() {
    // Arrange
    let app = spawn_app().await;
    let (_a, token_a) = app.new_tenant("A").await;
    let (_b, token_b) = app.new_tenant("B").await;
    let cat_a = app.new_catalog(&token_a, "A catalog").await;
    let csv = format!("sku;barcode;name_ru\nA-1;{};Чай\nA-2;{};Кофе\n", with_check("487100000000"), with_check("487100000001"));
    let imp = app.import(&token_a, &cat_a, "CSV", &csv).await;
    assert_eq!(imp["created"], 2, "{imp}");
    let before = dump(&app, &token_a, &cat_a).await;
    let sku_a = before["catalog"]["skus"]["nodes"][0]["id"].as_str().unwrap().to_owned();
    let random_catalog = api::ids::encode(api::ids::Kind::Catalog, uuid::Uuid::new_v4()).0;
    let random_sku = api::ids::encode(api::ids::Kind::Sku, uuid::Uuid::new_v4()).0;

    // Act + Assert: reads look like a missing object.
    for id in [&cat_a, &sku_a, &random_catalog, "bm9wZQ", "%%%"] {
        let d = app.gql_ok(Some(&token_b), "query($i:ID!){ node(id:$i){ id } }", json!({"i": id})).await;
        assert_eq!(d["node"], Value::Null, "node({id})");
    }
    let d = app.gql_ok(Some(&token_b), "query($c:ID!){ catalog(id:$c){ id } }", json!({"c": cat_a})).await;
    assert_eq!(d["catalog"], Value::Null);
    let d = app.gql_ok(Some(&token_b), "{ catalogs(first:10){ totalCount } }", json!({})).await;
    assert_eq!(d["catalogs"]["totalCount"], 0);

    // Writes get the same NOT_FOUND as a random ID.
    let foreign_vs_random = [(cat_a.clone(), random_catalog.clone())];
    for (foreign, random) in foreign_vs_random {
        for q in [
            "mutation($c:ID!){ r: updateCatalog(input:{id:$c, name:\"pwned\"}){ userErrors{ code message } } }",
            "mutation($c:ID!){ r: upsertSkus(input:{catalogId:$c, skus:[{sellerSku:\"A-1\", nameRu:\"pwned\"}]}){ userErrors{ code message } } }",
            "mutation($c:ID!){ r: importCatalog(input:{catalogId:$c, format:BARCODES, content:\"A-1;4870000000000\"}){ userErrors{ code message } } }",
        ] {
            let f = app.gql_ok(Some(&token_b), q, json!({"c": foreign})).await;
            let r = app.gql_ok(Some(&token_b), q, json!({"c": random})).await;
            assert_eq!(f["r"]["userErrors"][0]["code"], "NOT_FOUND", "{q}: {f}");
            assert_eq!(f, r, "foreign and random IDs must look the same");
        }
    }
    let owner_b_delete = app.gql_ok(Some(&token_b), "mutation($c:ID!){ deleteCatalog(input:{id:$c}){ userErrors{ code } } }", json!({"c": cat_a})).await;
    assert_eq!(owner_b_delete["deleteCatalog"]["userErrors"][0]["code"], "NOT_FOUND");
    for id in [&sku_a, &random_sku] {
        let d = app.gql_ok(Some(&token_b), "mutation($s:ID!){ updateSku(input:{id:$s, nameRu:\"pwned\"}){ sku{ id } userErrors{ code message } } }", json!({"s": id})).await;
        assert_eq!(d["updateSku"]["userErrors"][0]["code"], "NOT_FOUND");
        let d = app.gql_ok(Some(&token_b), "mutation($s:ID!){ deleteSkus(input:{ids:[$s]}){ deletedIds userErrors{ code } } }", json!({"s": id})).await;
        assert_eq!(d["deleteSkus"]["deletedIds"], json!([]));
        assert_eq!(d["deleteSkus"]["userErrors"][0]["code"], "NOT_FOUND");
    }

    // A's data is unchanged.
    let after = dump(&app, &token_a, &cat_a).await;
    assert_eq!(before, after);
}
