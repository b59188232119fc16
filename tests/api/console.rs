//! What the web console needs from the API and the server: dictionary search for the card pickers, the
//! attribute schema for the editor, case-insensitive SKU search in Russian and Kazakh (with the migration
//! that fills it for old rows), the card-state filter, and the console's serving rules.

use crate::helpers::{TestApp, spawn_app};
use nct_sim::DEMO_KEY;
use sea_orm::Database;
use serde_json::{Value, json};

const LEAF: &str = "1020-0011-0003-100006374";
const SEARCH: &str = "query($c:ID!,$f:SkuFilterInput){ catalog(id:$c){ skus(first:50, filter:$f){ totalCount nodes{ sellerSku } } } }";
const DICT: &str = "query($d:DictionaryName!,$s:String!,$n:Int!){ dictionarySearch(dictionary:$d, search:$s, first:$n){ code nameRu nameKk isLeaf } }";

async fn skus_matching(app: &TestApp, token: &str, cat: &str, filter: Value) -> Vec<String> {
    let d = app.gql_ok(Some(token), SEARCH, json!({"c": cat, "f": filter})).await;
    d["catalog"]["skus"]["nodes"].as_array().unwrap().iter().map(|n| n["sellerSku"].as_str().unwrap().to_owned()).collect()
}

async fn shop_with_names(app: &TestApp) -> (String, String) {
    let (_t, token) = app.new_tenant("Console shop").await;
    let cat = app.new_catalog(&token, "Names").await;
    let d = app
        .gql_ok(
            Some(&token),
            "mutation($c:ID!,$s:[SkuInput!]!){ upsertSkus(input:{catalogId:$c, skus:$s}){ userErrors{ message } } }",
            json!({"c": cat, "s": [
                {"sellerSku": "tea-1", "nameRu": "Чай чёрный байховый", "nameKk": "Қара шай"},
                {"sellerSku": "Choc-2", "nameRu": "Шоколад молочный", "brand": "Рахат"},
                {"sellerSku": "x-3", "nameRu": "Печенье", "nameKk": "Сұлы печеньесі"},
            ]}),
        )
        .await;
    assert_eq!(d["upsertSkus"]["userErrors"], json!([]), "{d}");
    (token, cat)
}

#[tokio::test]
async fn sku_search_ignores_case_for_russian_and_kazakh_names_and_codes() {
    // Arrange
    let app = spawn_app().await;
    let (token, cat) = shop_with_names(&app).await;
    // Act + Assert: Cyrillic and Kazakh letters in any case, seller SKU and brand too.
    for (q, want) in [
        ("чай", vec!["tea-1"]),
        ("ЧЁРНЫЙ", vec!["tea-1"]),
        ("қара", vec!["tea-1"]),
        ("СҰЛЫ", vec!["x-3"]),
        ("рахат", vec!["Choc-2"]),
        ("CHOC", vec!["Choc-2"]),
        ("печенье", vec!["x-3"]),
        ("кофе", vec![]),
    ] {
        assert_eq!(skus_matching(&app, &token, &cat, json!({"search": q})).await, want, "search {q}");
    }
}

#[tokio::test]
async fn the_search_migration_fills_rows_stored_before_it() {
    // Arrange: SKUs stored by the current code, then the column dropped and the migration run again, as
    // for a database upgraded from the release before it.
    let app = spawn_app().await;
    let (token, cat) = shop_with_names(&app).await;
    let db = Database::connect(app.settings.database_url.as_str()).await.unwrap();
    use migrations::MigratorTrait as _;
    migrations::Migrator::down(&db, Some(1)).await.unwrap();
    // Act
    migrations::Migrator::up(&db, None).await.unwrap();
    // Assert
    assert_eq!(skus_matching(&app, &token, &cat, json!({"search": "ЧАЙ"})).await, vec!["tea-1"]);
    assert_eq!(skus_matching(&app, &token, &cat, json!({"search": "сұлы"})).await, vec!["x-3"]);
}

#[tokio::test]
async fn the_card_state_filter_keeps_only_that_state() {
    // Arrange
    let app = spawn_app().await;
    let (token, cat) = shop_with_names(&app).await;
    app.set_key(&token, DEMO_KEY, true).await;
    let id = app.gql_ok(Some(&token), SEARCH.replace("sellerSku", "sellerSku id").as_str(), json!({"c": cat, "f": {"search": "tea-1"}})).await
        ["catalog"]["skus"]["nodes"][0]["id"].as_str().unwrap().to_owned();
    let d = app.gql_ok(Some(&token), "mutation($i:UpdateCardInput!){ updateCard(input:$i){ sku{ card{ status } } userErrors{ message } } }",
        json!({"i": {"skuId": id, "nameKk": "Қара шай", "oktru": LEAF}})).await;
    let status = d["updateCard"]["sku"]["card"]["status"].as_str().unwrap().to_owned();
    // Act + Assert
    assert_eq!(skus_matching(&app, &token, &cat, json!({"cardStatus": status})).await, vec!["tea-1"]);
    assert!(skus_matching(&app, &token, &cat, json!({"cardStatus": "COMPLETED"})).await.is_empty());
}

#[tokio::test]
async fn dictionary_search_finds_entries_by_code_or_name_whatever_the_case() {
    // Arrange
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Pickers").await;
    app.set_key(&token, DEMO_KEY, true).await;
    // Act: the leaf by its code, then by its Russian name in capitals.
    let by_code = app.gql_ok(Some(&token), DICT, json!({"d": "OKTRU", "s": LEAF, "n": 5})).await["dictionarySearch"].clone();
    let entry = by_code.as_array().unwrap().iter().find(|e| e["code"] == LEAF).cloned().expect("leaf found by code");
    let name = entry["nameRu"].as_str().unwrap().to_uppercase();
    let by_name = app.gql_ok(Some(&token), DICT, json!({"d": "OKTRU", "s": name, "n": 20})).await["dictionarySearch"].clone();
    // Assert
    assert_eq!(entry["isLeaf"], json!(true));
    assert!(by_name.as_array().unwrap().iter().any(|e| e["code"] == LEAF), "{by_name}");
    let country = app.gql_ok(Some(&token), DICT, json!({"d": "COUNTRY", "s": "kz", "n": 5})).await;
    assert_eq!(country["dictionarySearch"][0]["code"], json!("KZ"), "{country}");
    let tnved = app.gql_ok(Some(&token), DICT, json!({"d": "TNVED", "s": "", "n": 3})).await;
    assert_eq!(tnved["dictionarySearch"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn dictionary_search_needs_a_signed_in_tenant_with_a_key_and_bounds_its_page() {
    // Arrange
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("No key").await;
    let code = |b: &Value| b["errors"][0]["extensions"]["code"].as_str().unwrap_or_default().to_owned();
    // Act + Assert
    let anon = app.gql(None, DICT, json!({"d": "OKTRU", "s": "x", "n": 5})).await;
    assert_eq!(code(&anon), "UNAUTHENTICATED", "{anon}");
    let no_key = app.gql(Some(&token), DICT, json!({"d": "OKTRU", "s": "x", "n": 5})).await;
    assert_eq!(code(&no_key), "CONFLICT", "{no_key}");
    app.set_key(&token, DEMO_KEY, true).await;
    let too_many = app.gql(Some(&token), DICT, json!({"d": "OKTRU", "s": "x", "n": 101})).await;
    assert_eq!(code(&too_many), "BAD_USER_INPUT", "{too_many}");
}

#[tokio::test]
async fn card_attributes_give_each_attribute_its_type_and_group() {
    // Arrange
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Editor").await;
    app.set_key(&token, DEMO_KEY, true).await;
    let q = "query($o:String,$g:Boolean!){ cardAttributes(oktru:$o, isGov:$g){ code dataType required dictionary group parts{ code dataType } } }";
    // Act
    let base = app.gql_ok(Some(&token), q, json!({"o": LEAF, "g": false})).await["cardAttributes"].clone();
    let gov = app.gql_ok(Some(&token), q, json!({"o": LEAF, "g": true})).await["cardAttributes"].clone();
    // Assert
    let find = |v: &Value, c: &str| v.as_array().unwrap().iter().find(|a| a["code"] == c).cloned();
    let name_kk = find(&base, "name_kk").expect("name_kk");
    assert_eq!((name_kk["dataType"].as_str(), name_kk["required"].as_bool()), (Some("STRING"), Some(true)));
    assert_eq!(find(&base, "tnved").expect("tnved")["dictionary"], json!("TNVED"));
    assert!(!find(&base, "measure").expect("measure")["parts"].as_array().unwrap().is_empty());
    assert!(base.as_array().unwrap().iter().all(|a| a["group"] == "BASE"));
    assert!(gov.as_array().unwrap().iter().any(|a| a["group"] != "BASE"), "a gov card adds the category's attributes");
}

#[tokio::test]
async fn the_console_is_served_with_spa_fallback_and_a_strict_csp() {
    // Arrange
    let app = spawn_app().await;
    let get = |p: &str| app.client.get(format!("{}{p}", app.address)).send();
    // Act + Assert: the console and its client routes (built or not: then a one-line hint).
    for path in ["/", "/catalogs/abc/lookup", "/skus/xyz"] {
        let r = get(path).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-cache");
        let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self';") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("http"), "no other origin in the CSP: {csp}");
    }
    // GraphiQL on GET /graphql, from the same build.
    let r = get("/graphql").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("connect-src 'self'"));
    let body = r.text().await.unwrap();
    assert!(!body.contains("cdn") && !body.contains("unpkg"), "GraphiQL loads nothing from a CDN");
    // Unknown assets are 404s (not the SPA page), and the API keeps its routes.
    assert_eq!(get("/assets/nope-123.js").await.unwrap().status(), 404);
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    let post = app.client.post(format!("{}/somewhere", app.address)).send().await.unwrap();
    assert_eq!(post.status(), 405);
}
