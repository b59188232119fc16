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

#[tokio::test]
async fn skus_decoded_from_the_driver_row_equal_sea_orms_models() {
    use infra::db::entity::{catalog, sku};
    use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, EntityTrait, IntoActiveModel, QueryOrder, Statement};
    // Arrange: one SKU with every column set, one with every nullable column NULL.
    let db = Database::connect(crate::helpers::fresh_database(&crate::helpers::temp_dir()).await).await.unwrap();
    infra::db::migrate(&db).await.unwrap();
    let backend = db.get_database_backend();
    let (tenant, cat) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let now = chrono::Utc::now();
    let insert_tenant = crate::helpers::placeholders(backend, "INSERT INTO tenants (id, name, segment, token_version, created_at) VALUES (?, 'T', 'RETAIL_CHAINS', 0, ?)");
    db.execute_raw(Statement::from_sql_and_values(backend, insert_tenant, [tenant.into(), now.into()])).await.unwrap();
    catalog::ActiveModel::from(catalog::Model { id: cat, tenant_id: tenant, name: "C".into(), created_at: now, updated_at: now })
        .insert(&db)
        .await
        .unwrap();
    let text = |s: &str| Some(format!("{s} «ы» \"q\""));
    let full = sku::Model {
        id: uuid::Uuid::new_v4(),
        tenant_id: tenant,
        catalog_id: cat,
        seller_sku: "A-1".into(),
        barcode: text("4870000000011"),
        gtin14: text("04870000000011"),
        readiness_class: "HAS_NTIN".into(),
        readiness_reason: text("reason"),
        readiness_message: text("message"),
        ntin: text("0200000000001"),
        ntin_source: text("LOOKUP"),
        xtin: text("0040000000001"),
        xtin_assigned_at: Some(now),
        name_ru: text("Товар"),
        name_kk: text("Тауар"),
        brand: text("Brand"),
        oktru: text("10.11.11.110"),
        tnved: text("0201100001"),
        country: text("KZ"),
        measure_unit: text("pcs"),
        measure_qty: text("1"),
        price: Some(-12_345_678_901),
        channels: "[\"kaspi\"]".into(),
        attributes: "{\"a\":\"b\"}".into(),
        lookup_state: text("FOUND"),
        lookup_candidates: text("[]"),
        looked_up_at: Some(now),
        created_at: now,
        updated_at: now,
        card_status: text("DRAFT"),
        moderation_status: text("ON_MODERATION"),
        moderation_remarks: text("remarks"),
        card_data: text("{}"),
        gov: true,
        search_text: text("search"),
        feed_removed_at: Some(now),
    };
    let bare = infra::db::sku_repo::new_model(domain::tenant::TenantId(tenant), cat, "B-2", now);
    for m in [&full, &bare] {
        m.clone().into_active_model().insert(&db).await.unwrap();
    }

    // Act
    let select = || sku::Entity::find().order_by_asc(sku::Column::SellerSku);
    let ours = infra::db::sku_rows::all(&db, select()).await.unwrap();
    let theirs = select().all(&db).await.unwrap();

    // Assert: the same models, NULLs and all.
    assert_eq!(ours, theirs);
    assert_eq!(ours.len(), 2);
    assert_eq!(ours[1].price, None);
    assert_eq!(ours[0].price, Some(-12_345_678_901));
}
