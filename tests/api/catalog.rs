use crate::helpers::{spawn_app, with_check};
use serde_json::{Value, json};

#[tokio::test]
async fn catalogs_and_skus_can_be_created_paged_filtered_updated_and_deleted() {
    // Arrange
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Main").await;
    let skus: Vec<Value> = (0..30)
        .map(|i| json!({"sellerSku": format!("S-{i:03}"), "barcode": with_check(&format!("487{:09}", 100_000_000 + i)), "nameRu": format!("Товар {i}")}))
        .chain([json!({"sellerSku": "X-1", "barcode": "bad"}), json!({"sellerSku": "X-2", "ntin": "0200121958529"})])
        .collect();

    // Act: upsert.
    let d = app.gql_ok(Some(&token), "mutation($c:ID!,$s:[SkuInput!]!){ upsertSkus(input:{catalogId:$c, skus:$s}){ created updated unchanged userErrors{ field code message } } }", json!({"c": cat, "s": skus})).await;
    assert_eq!(d["upsertSkus"]["created"], 32, "{d}");
    let again = app.gql_ok(Some(&token), "mutation($c:ID!,$s:[SkuInput!]!){ upsertSkus(input:{catalogId:$c, skus:$s}){ created updated unchanged } }", json!({"c": cat, "s": skus})).await;
    assert_eq!(again["upsertSkus"]["unchanged"], 32);

    // Paging: 3 pages of 12.
    let q = "query($c:ID!,$a:String){ catalog(id:$c){ skus(first:12, after:$a){ totalCount pageInfo{ hasNextPage endCursor } nodes{ sellerSku } } } }";
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let d = app.gql_ok(Some(&token), q, json!({"c": cat, "a": after})).await;
        let page = &d["catalog"]["skus"];
        assert_eq!(page["totalCount"], 32);
        seen.extend(page["nodes"].as_array().unwrap().iter().map(|n| n["sellerSku"].as_str().unwrap().to_owned()));
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), 32);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);

    // Filters and summary.
    let d = app.gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ readiness{ total hasNtin autoLookupReady manualCard } m: skus(first:10, filter:{readiness:MANUAL_CARD}){ nodes{ sellerSku readinessReason{ code } } } s: skus(first:10, filter:{search:\"S-02\"}){ totalCount } } }", json!({"c": cat})).await;
    assert_eq!(d["catalog"]["readiness"], json!({"total": 32, "hasNtin": 1, "autoLookupReady": 30, "manualCard": 1}));
    assert_eq!(d["catalog"]["m"]["nodes"], json!([{"sellerSku": "X-1", "readinessReason": {"code": "NON_DIGIT"}}]));
    assert_eq!(d["catalog"]["s"]["totalCount"], 10);

    // Page size over the maximum is a typed error.
    let body = app.gql(Some(&token), "query($c:ID!){ catalog(id:$c){ skus(first:251){ totalCount } } }", json!({"c": cat})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");

    // Update one SKU: fixing the barcode changes its class; bad input is a user error and changes nothing.
    let x1 = app.gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ skus(first:1, filter:{search:\"X-1\"}){ nodes{ id } } } }", json!({"c": cat})).await["catalog"]["skus"]["nodes"][0]["id"].clone();
    let bad = app.gql_ok(Some(&token), "mutation($i:ID!){ updateSku(input:{id:$i, ntin:\"123\", price:-5}){ sku{ id } userErrors{ field code } } }", json!({"i": x1})).await;
    assert_eq!(bad["updateSku"]["userErrors"].as_array().unwrap().len(), 2, "{bad}");
    let good = app.gql_ok(Some(&token), "mutation($i:ID!,$b:String){ updateSku(input:{id:$i, barcode:$b, nameKk:\"Тауар\"}){ sku{ readinessClass gtin14 nameKk } userErrors{ code } } }", json!({"i": x1, "b": with_check("487100000099")})).await;
    assert_eq!(good["updateSku"]["sku"]["readinessClass"], "AUTO_LOOKUP_READY");
    assert_eq!(good["updateSku"]["sku"]["nameKk"], "Тауар");

    // Delete SKUs and the catalog.
    let d = app.gql_ok(Some(&token), "mutation($i:ID!){ deleteSkus(input:{ids:[$i]}){ deletedIds userErrors{ code } } }", json!({"i": x1})).await;
    assert_eq!(d["deleteSkus"]["deletedIds"], json!([x1]));
    let d = app.gql_ok(Some(&token), "mutation($c:ID!){ deleteCatalog(input:{id:$c}){ deletedId } }", json!({"c": cat})).await;
    assert_eq!(d["deleteCatalog"]["deletedId"], json!(cat));
    let d = app.gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ id } }", json!({"c": cat})).await;
    assert_eq!(d["catalog"], Value::Null);
}

#[tokio::test]
async fn upsert_with_a_bad_row_stores_nothing_and_names_the_row() {
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Main").await;
    let d = app.gql_ok(Some(&token), "mutation($c:ID!){ upsertSkus(input:{catalogId:$c, skus:[{sellerSku:\"ok\"},{sellerSku:\"\"},{sellerSku:\"ok\"}]}){ created userErrors{ field code } } }", json!({"c": cat})).await;
    assert_eq!(d["upsertSkus"]["created"], 0);
    let errs = d["upsertSkus"]["userErrors"].as_array().unwrap();
    assert_eq!(errs[0]["field"], json!(["input", "skus", "1", "sellerSku"]));
    assert_eq!(errs[1]["code"], "TAKEN");
    let d = app.gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ skus(first:5){ totalCount } } }", json!({"c": cat})).await;
    assert_eq!(d["catalog"]["skus"]["totalCount"], 0);
}
