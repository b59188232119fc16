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
    use infra::db::entity::sku;
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryOrder};
    // Arrange: one SKU with every column set, one with every nullable column NULL.
    let (db, tenant, cats) = tenant_with_catalogs(1).await;
    let cat = cats[0];
    let now = chrono::Utc::now();
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

/// A tenant and `catalogs` catalogs of it, inserted directly.
async fn tenant_with_catalogs(catalogs: usize) -> (sea_orm::DatabaseConnection, uuid::Uuid, Vec<uuid::Uuid>) {
    use infra::db::entity::catalog;
    use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, Statement};
    let db = Database::connect(crate::helpers::fresh_database(&crate::helpers::temp_dir()).await).await.unwrap();
    infra::db::migrate(&db).await.unwrap();
    let backend = db.get_database_backend();
    let tenant = uuid::Uuid::new_v4();
    let now = chrono::Utc::now();
    let insert_tenant = crate::helpers::placeholders(backend, "INSERT INTO tenants (id, name, segment, token_version, created_at) VALUES (?, 'T', 'RETAIL_CHAINS', 0, ?)");
    db.execute_raw(Statement::from_sql_and_values(backend, insert_tenant, [tenant.into(), now.into()])).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..catalogs {
        let id = uuid::Uuid::new_v4();
        catalog::ActiveModel::from(catalog::Model { id, tenant_id: tenant, name: format!("C{i}"), created_at: now, updated_at: now }).insert(&db).await.unwrap();
        ids.push(id);
    }
    (db, tenant, ids)
}

/// The SKUs stored in `catalog`.
async fn skus_in(db: &sea_orm::DatabaseConnection, catalog: uuid::Uuid) -> Vec<infra::db::entity::sku::Model> {
    use infra::db::entity::sku;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    sku::Entity::find().filter(sku::Column::CatalogId.eq(catalog)).order_by_asc(sku::Column::SellerSku).all(db).await.unwrap()
}

#[tokio::test]
async fn bulk_writes_bind_a_value_shared_by_every_row_once_and_store_each_row_exactly() {
    use infra::db::bulk;
    use infra::db::entity::sku;
    // Arrange: rows that share the tenant, catalog, times, class and a NULL brand, and differ in SKU, barcode
    // and name (one of them NULL).
    let (db, tenant, cats) = tenant_with_catalogs(1).await;
    // PostgreSQL keeps microseconds.
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    let rows: Vec<sku::Model> = (0..5)
        .map(|i| {
            let mut m = infra::db::sku_repo::new_model(domain::tenant::TenantId(tenant), cats[0], &format!("S-{i}"), now);
            m.barcode = Some(format!("48700000000{i}"));
            m.name_ru = (i != 2).then(|| format!("Товар «{i}» \"q\""));
            m.readiness_class = "MANUAL_CARD".into();
            m
        })
        .collect();

    // Act: insert them, and a single row on its own.
    bulk::insert::<sku::Entity, _>(&db, &rows).await.unwrap();
    let single = infra::db::sku_repo::new_model(domain::tenant::TenantId(tenant), cats[0], "T-0", now);
    bulk::insert::<sku::Entity, _>(&db, std::slice::from_ref(&single)).await.unwrap();

    // Assert: every row as written.
    let mut expected = rows.clone();
    expected.push(single);
    assert_eq!(skus_in(&db, cats[0]).await, expected);

    // Act: update all but the single row, setting a brand shared by every row, a new time, and names that
    // differ.
    let later = now + chrono::Duration::seconds(5);
    let updated: Vec<sku::Model> = rows
        .iter()
        .map(|m| {
            let mut m = m.clone();
            m.brand = Some("Бренд".into());
            m.updated_at = later;
            m.name_ru = Some(format!("{} (2)", m.seller_sku));
            m
        })
        .collect();
    let set = [sku::Column::Brand, sku::Column::UpdatedAt, sku::Column::NameRu];
    bulk::update::<sku::Entity, _>(&db, &updated, sku::Column::Id, &set).await.unwrap();

    // Assert: the updated rows changed in those columns only; the single row did not change.
    let mut expected = updated;
    expected.push(infra::db::sku_repo::new_model(domain::tenant::TenantId(tenant), cats[0], "T-0", now));
    let got = skus_in(&db, cats[0]).await;
    assert_eq!(got.len(), 6);
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!((&g.seller_sku, &g.brand, &g.name_ru, g.updated_at, &g.barcode), (&e.seller_sku, &e.brand, &e.name_ru, e.updated_at, &e.barcode));
    }
}

#[tokio::test]
async fn a_sku_must_name_an_existing_catalog_and_a_deleted_catalog_or_tenant_takes_its_skus_along() {
    use infra::db::bulk;
    use infra::db::entity::sku;
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    // Arrange: two catalogs of three SKUs each.
    let (db, tenant, cats) = tenant_with_catalogs(2).await;
    let backend = db.get_database_backend();
    let sql = |q: &str| crate::helpers::placeholders(backend, q);
    let now = chrono::Utc::now();
    let model = |cat: uuid::Uuid, s: &str| infra::db::sku_repo::new_model(domain::tenant::TenantId(tenant), cat, s, now);
    for &cat in &cats {
        bulk::insert::<sku::Entity, _>(&db, &[model(cat, "A"), model(cat, "B"), model(cat, "C")]).await.unwrap();
    }

    // Act + assert: a SKU of a catalog that does not exist is refused, inserted or moved there.
    let missing = uuid::Uuid::new_v4();
    let err = bulk::insert::<sku::Entity, _>(&db, &[model(cats[0], "D"), model(missing, "E")]).await.unwrap_err();
    assert!(err.to_string().to_lowercase().contains("foreign key"), "{err}");
    let moved = db.execute_raw(Statement::from_sql_and_values(backend, sql("UPDATE skus SET catalog_id = ? WHERE catalog_id = ?"), [missing.into(), cats[0].into()])).await;
    assert!(moved.unwrap_err().to_string().to_lowercase().contains("foreign key"));
    assert_eq!(skus_in(&db, cats[0]).await.len(), 3, "the refused statements wrote nothing");

    // Act: the first catalog is deleted.
    db.execute_raw(Statement::from_sql_and_values(backend, sql("DELETE FROM catalogs WHERE id = ?"), [cats[0].into()])).await.unwrap();

    // Assert: its SKUs are gone, the other catalog's are not.
    assert!(skus_in(&db, cats[0]).await.is_empty());
    assert_eq!(skus_in(&db, cats[1]).await.len(), 3);

    if backend == sea_orm::DbBackend::Postgres {
        // A deletion waits for an import into the catalog, then takes the imported rows too.
        let importing = db.begin().await.unwrap();
        bulk::insert::<sku::Entity, _>(&importing, &[model(cats[1], "D")]).await.unwrap();
        let deleting = {
            let (db, q, cat) = (db.clone(), sql("DELETE FROM catalogs WHERE id = ?"), cats[1]);
            tokio::spawn(async move { db.execute_raw(Statement::from_sql_and_values(backend, q, [cat.into()])).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!deleting.is_finished(), "the deletion waits for the import's transaction");
        importing.commit().await.unwrap();
        deleting.await.unwrap().unwrap();
        assert!(skus_in(&db, cats[1]).await.is_empty());

        // An insert into a catalog being deleted waits for the deletion, then fails.
        let more = [uuid::Uuid::new_v4()];
        let insert_catalog = sql("INSERT INTO catalogs (id, tenant_id, name, created_at, updated_at) VALUES (?, ?, 'Late', ?, ?)");
        db.execute_raw(Statement::from_sql_and_values(backend, insert_catalog, [more[0].into(), tenant.into(), now.into(), now.into()])).await.unwrap();
        let deleting = db.begin().await.unwrap();
        deleting.execute_raw(Statement::from_sql_and_values(backend, sql("DELETE FROM catalogs WHERE id = ?"), [more[0].into()])).await.unwrap();
        let importing = {
            let (db, row) = (db.clone(), model(more[0], "Z"));
            tokio::spawn(async move { bulk::insert::<sku::Entity, _>(&db, &[row]).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!importing.is_finished(), "the insert waits for the deletion's transaction");
        deleting.commit().await.unwrap();
        let err = importing.await.unwrap().unwrap_err();
        assert!(err.to_string().to_lowercase().contains("foreign key"), "{err}");
        assert!(skus_in(&db, more[0]).await.is_empty());
    }

    // Act + assert: the tenant's deletion takes its catalogs and their SKUs.
    let last = uuid::Uuid::new_v4();
    let insert_catalog = sql("INSERT INTO catalogs (id, tenant_id, name, created_at, updated_at) VALUES (?, ?, 'Last', ?, ?)");
    db.execute_raw(Statement::from_sql_and_values(backend, insert_catalog, [last.into(), tenant.into(), now.into(), now.into()])).await.unwrap();
    bulk::insert::<sku::Entity, _>(&db, &[model(last, "A")]).await.unwrap();
    db.execute_raw(Statement::from_sql_and_values(backend, sql("DELETE FROM tenants WHERE id = ?"), [tenant.into()])).await.unwrap();
    assert!(skus_in(&db, last).await.is_empty());
}

/// A running app with a tenant (its ID and token) and one catalog of it (its global ID and UUID).
async fn app_with_catalog() -> (crate::helpers::TestApp, domain::tenant::TenantId, String, String, uuid::Uuid) {
    let app = spawn_app().await;
    let (tenant, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "C").await;
    let cat_id = api::ids::decode(api::ids::Kind::Catalog, &async_graphql::ID(cat.clone())).unwrap();
    (app, tenant, token, cat, cat_id)
}

#[tokio::test]
async fn a_page_of_plain_fields_answers_like_the_field_resolvers() {
    use infra::db::entity::sku;
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    // Arrange: a SKU with every column set (enums, times, a negative price, channels, text to escape) and
    // one with every nullable column NULL, stored straight into the app's database.
    let (app, tenant, token, cat, cat_id) = app_with_catalog().await;
    let now = chrono::Utc::now();
    let text = |s: &str| Some(format!("{s} «ы» \"q\" \\ \n"));
    let full = sku::Model {
        id: uuid::Uuid::new_v4(),
        tenant_id: tenant.0,
        catalog_id: cat_id,
        seller_sku: "A-1 \"x\"".into(),
        barcode: text("4870000000011"),
        gtin14: Some("04870000000011".into()),
        readiness_class: "AUTO_LOOKUP_READY".into(),
        readiness_reason: None,
        readiness_message: None,
        ntin: Some("0200000000001".into()),
        ntin_source: Some("LOOKUP".into()),
        xtin: Some("0040000000001".into()),
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
        channels: "[\"kaspi\",\"halyk\"]".into(),
        attributes: "{\"a\":\"b\"}".into(),
        lookup_state: text("FOUND"),
        lookup_candidates: Some("[{\"ntin\":\"0200000000001\"}]".into()),
        looked_up_at: Some(now),
        created_at: now,
        updated_at: now + chrono::Duration::milliseconds(1234),
        card_status: Some("READY".into()),
        moderation_status: None,
        moderation_remarks: None,
        card_data: None,
        gov: false,
        search_text: None,
        feed_removed_at: Some(now),
    };
    let mut bare = infra::db::sku_repo::new_model(tenant, cat_id, "B-2", now);
    bare.readiness_reason = Some("EMPTY".into());
    // A status this version does not know reads as none, both ways.
    bare.card_status = Some("NOT_A_STATUS".into());
    for m in [&full, &bare] {
        m.clone().into_active_model().insert(&app.state.db).await.unwrap();
    }
    let fields = "id catalogId sellerSku barcode gtin14 readinessClass ntin ntinSource xtin xtinAssignedAt xtinExpiresAt \
                  nameRu nameKk brand oktru tnved country measureUnit measureQuantity price channels lookupState \
                  lookedUpAt createdAt updatedAt removedFromFeedAt __typename";
    // The plain selection, the same through a fragment (which takes the field resolvers), and aliases.
    let q = format!(
        "query($c: ID!) {{ catalog(id: $c) {{ \
           plain: skus(first: 10) {{ nodes {{ {fields} }} edges {{ node {{ {fields} }} }} }} \
           resolved: skus(first: 10) {{ nodes {{ ...F }} edges {{ node {{ ...F }} }} }} \
           aliased: skus(first: 10) {{ nodes {{ a: ntin b: price ntin }} }} \
           mixed: skus(first: 10) {{ nodes {{ ntin readinessReason {{ code }} }} }} }} }} \
         fragment F on Sku {{ {fields} }}"
    );

    // Act
    let d = app.gql_ok(Some(&token), &q, json!({"c": cat})).await;

    // Assert: the same answer both ways, field for field and in order; aliases and mixed selections work.
    let c = &d["catalog"];
    assert_eq!(serde_json::to_string(&c["plain"]).unwrap(), serde_json::to_string(&c["resolved"]).unwrap());
    let nodes = c["plain"]["nodes"].as_array().unwrap();
    assert_eq!(c["mixed"]["nodes"][0]["ntin"], "0200000000001");
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0]["price"], -12_345_678_901i64);
    assert_eq!(nodes[0]["channels"], json!(["kaspi", "halyk"]));
    assert_eq!(nodes[0]["ntinSource"], "LOOKUP");
    assert_eq!(nodes[0]["readinessClass"], "AUTO_LOOKUP_READY");
    assert!(nodes[0]["xtinExpiresAt"].is_string(), "{}", nodes[0]);
    assert_eq!(nodes[1]["ntin"], Value::Null);
    assert_eq!(nodes[1]["channels"], json!([]));
    assert_eq!(c["aliased"]["nodes"][0], json!({"a": "0200000000001", "b": -12_345_678_901i64, "ntin": "0200000000001"}));
    assert_eq!(c["mixed"]["nodes"][1]["readinessReason"]["code"], "EMPTY");

    // Plain fields among fields with resolvers, one of which fails (the card check needs an NCT key): the
    // same data and the same errors as through a fragment.
    let m = "ntin readinessReason { code message } card { status } moderation { status } sellerSku cardCheck { code } createdAt \
             c: card { __typename s: status } d: card { status nameRu }";
    let q = format!(
        "query($c: ID!) {{ catalog(id: $c) {{ direct: skus(first: 10) {{ nodes {{ {m} }} }} resolved: skus(first: 10) {{ nodes {{ ...M }} }} }} }} \
         fragment M on Sku {{ {m} }}"
    );
    let b = app.gql(Some(&token), &q, json!({"c": cat})).await;
    let c = &b["data"]["catalog"];
    assert_eq!(c["direct"], c["resolved"], "{b}");
    assert_eq!(c["direct"]["nodes"][1]["readinessReason"]["code"], "EMPTY", "{b}");
    assert_eq!(c["direct"]["nodes"][0]["sellerSku"], "A-1 \"x\"", "{b}");
    assert_eq!(c["direct"]["nodes"][0]["card"], json!({"status": "READY"}), "{b}");
    assert_eq!(c["direct"]["nodes"][0]["c"], json!({"__typename": "Card", "s": "READY"}), "{b}");
    assert_eq!(c["direct"]["nodes"][1]["card"], json!({"status": null}), "{b}");
    let errors = b["errors"].as_array().unwrap();
    let at = |alias: &str| -> Vec<(String, Value)> {
        let mut e: Vec<_> = errors.iter().filter(|e| e["path"][1] == alias).map(|e| (e["message"].as_str().unwrap().to_owned(), Value::from(e["path"].as_array().unwrap()[2..].to_vec()))).collect();
        e.sort_by_key(|a| a.1.to_string());
        e
    };
    assert_eq!(at("direct").len(), 2, "{b}");
    assert_eq!(at("direct"), at("resolved"), "{b}");
}

#[tokio::test]
async fn expiring_xtins_lists_the_xtins_without_an_ntin_that_expire_within_the_window_soonest_first() {
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    // Arrange: XTINs assigned 29, 25 and 2 days ago (30 days valid), one of 29 days that already has its NTIN.
    let (app, tenant, token, cat, cat_id) = app_with_catalog().await;
    let now = chrono::Utc::now();
    for (sku, days_ago, ntin) in [("X-25", 25, None), ("X-29", 29, None), ("X-2", 2, None), ("X-N", 29, Some("0200000000001"))] {
        let mut m = infra::db::sku_repo::new_model(tenant, cat_id, sku, now);
        m.xtin = Some("0040000000001".into());
        m.xtin_assigned_at = Some(now - chrono::Duration::days(days_ago));
        m.ntin = ntin.map(str::to_owned);
        m.into_active_model().insert(&app.state.db).await.unwrap();
    }
    let q = "query($c: ID!, $d: Int!) { catalog(id: $c) { expiringXtins(withinDays: $d) { sellerSku xtinExpiresAt } } }";

    // Act
    let week = app.gql_ok(Some(&token), q, json!({"c": cat, "d": 7})).await;
    let none = app.gql_ok(Some(&token), q, json!({"c": cat, "d": 0})).await;
    let bad = app.gql(Some(&token), q, json!({"c": cat, "d": 400})).await;

    // Assert: within a week, the two old ones, the soonest first; none has expired yet; a bad window is refused.
    let skus: Vec<_> = week["catalog"]["expiringXtins"].as_array().unwrap().iter().map(|s| s["sellerSku"].as_str().unwrap().to_owned()).collect();
    assert_eq!(skus, ["X-29", "X-25"], "{week}");
    assert!(week["catalog"]["expiringXtins"][0]["xtinExpiresAt"].is_string());
    assert_eq!(none["catalog"]["expiringXtins"], json!([]), "{none}");
    assert!(bad["errors"][0]["message"].as_str().unwrap_or("").contains("withinDays"), "{bad}");
}
