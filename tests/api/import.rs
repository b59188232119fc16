use crate::helpers::{TestApp, spawn_app, with_check};
use serde_json::{Value, json};

const KASPI: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<kaspi_catalog date="2026-05-01 10:00" xmlns="kaspiShopping" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="kaspiShopping http://kaspi.kz/kaspishopping.xsd">
  <company>Demo LLP</company>
  <merchantid>Demo01</merchantid>
  <offers>
    <offer sku="TEA-100">
      <model>Чай зелёный 100 г</model>
      <brand>Demo</brand>
      <availabilities><availability available="yes" storeId="PP1" stockCount="12"/></availabilities>
      <cityprices><cityprice cityId="750000000">1490</cityprice></cityprices>
    </offer>
    <offer sku="">
      <model>No SKU</model>
      <price>100</price>
    </offer>
    <offer sku="CHOC-1">
      <model>Шоколад &amp; орехи</model>
      <brand>Рахат</brand>
      <price>abc</price>
    </offer>
    <offer sku="CHOC-2">
      <model>Шоколад молочный</model>
      <brand>Рахат</brand>
      <price>990</price>
    </offer>
  </offers>
</kaspi_catalog>
"#;

async fn skus(app: &TestApp, token: &str, cat: &str) -> Value {
    app.gql_ok(
        Some(token),
        "query($c:ID!){ catalog(id:$c){ skus(first:250){ totalCount nodes{ sellerSku barcode gtin14 nameRu nameKk brand price channels readinessClass } } } }",
        json!({"c": cat}),
    )
    .await["catalog"]["skus"]
        .clone()
}

#[tokio::test]
async fn kaspi_import_keeps_good_offers_and_names_bad_ones_by_line() {
    // Arrange
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Kaspi").await;
    // Act
    let r = app.import(&token, &cat, "KASPI_XML", KASPI).await;
    // Assert
    assert_eq!(r["created"], 2, "{r}");
    assert_eq!(r["rejected"], 2);
    let errs = r["rowErrors"].as_array().unwrap();
    assert_eq!(errs[0]["code"], "MISSING_SKU");
    assert_eq!(errs[0]["row"], 12);
    assert_eq!(errs[1]["code"], "BAD_PRICE");
    let s = skus(&app, &token, &cat).await;
    assert_eq!(s["totalCount"], 2);
    assert_eq!(s["nodes"][1]["sellerSku"], "TEA-100");
    assert_eq!(s["nodes"][1]["price"], 1490);
    assert_eq!(s["nodes"][1]["channels"], json!(["kaspi"]));
    assert_eq!(s["nodes"][1]["readinessClass"], "MANUAL_CARD");
}

#[tokio::test]
async fn barcodes_join_onto_kaspi_skus_and_reimport_changes_nothing() {
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Kaspi").await;
    app.import(&token, &cat, "KASPI_XML", KASPI).await;
    let gtin = with_check("487100000005");
    // A pasted list joins barcodes on the seller SKU.
    let r = app.import(&token, &cat, "BARCODES", &format!("TEA-100;{gtin}\r\nCHOC-2\t0200121958529\n\n")).await;
    assert_eq!(r["updated"], 2, "{r}");
    let s = skus(&app, &token, &cat).await;
    let tea = s["nodes"].as_array().unwrap().iter().find(|n| n["sellerSku"] == "TEA-100").unwrap();
    assert_eq!(tea["readinessClass"], "AUTO_LOOKUP_READY");
    assert_eq!(tea["nameRu"], "Чай зелёный 100 г", "the Kaspi name is kept");
    // Re-importing the same files changes nothing.
    let again = app.import(&token, &cat, "KASPI_XML", KASPI).await;
    assert_eq!(again["created"], 0);
    assert_eq!(again["updated"], 0);
    assert_eq!(again["unchanged"], 2);
    assert_eq!(skus(&app, &token, &cat).await, s);
}

#[tokio::test]
async fn a_truncated_or_hostile_file_changes_nothing_already_stored() {
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Kaspi").await;
    app.import(&token, &cat, "KASPI_XML", KASPI).await;
    let before = skus(&app, &token, &cat).await;
    // Truncated after a changed offer: the change must not land.
    let changed = KASPI.replace("<price>990</price>", "<price>1</price>");
    let cut = &changed[..changed.find("</offers>").unwrap() - 10];
    let r = app.import(&token, &cat, "KASPI_XML", cut).await;
    assert_eq!(r["userErrors"][0]["code"], "INVALID", "{r}");
    assert_eq!(r["rowErrors"][0]["code"], "MALFORMED");
    assert!(r["rowErrors"][0]["row"].as_u64().unwrap() > 0);
    // DOCTYPE (entity expansion) is refused.
    let xxe = format!("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]>{}", &KASPI[KASPI.find("<kaspi_catalog").unwrap()..]);
    let r = app.import(&token, &cat, "KASPI_XML", &xxe).await;
    assert_eq!(r["rowErrors"][0]["code"], "DOCTYPE_FORBIDDEN", "{r}");
    // CSV without a SKU column.
    let r = app.import(&token, &cat, "CSV", "barcode\n4870000000000\n").await;
    assert_eq!(r["rowErrors"][0]["code"], "MISSING_HEADER", "{r}");
    assert_eq!(skus(&app, &token, &cat).await, before);
}

#[tokio::test]
async fn csv_import_reports_bad_rows_with_their_line_and_keeps_the_rest() {
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Main").await;
    let csv = format!(
        "\u{feff}Артикул;Штрихкод;Наименование;name_kk;Цена\nA-1;{};Чай;Шай;1490\nA-2;{};Кофе;;12,5\n;123;No sku;;\nA-3;;Сахар;;100\nA-1;1;dup;;\n",
        with_check("487100000011"),
        with_check("487100000012")
    );
    let r = app.import(&token, &cat, "CSV", &csv).await;
    assert_eq!(r["created"], 2, "{r}");
    assert_eq!(r["rejected"], 3);
    let rows: Vec<u64> = r["rowErrors"].as_array().unwrap().iter().map(|e| e["row"].as_u64().unwrap()).collect();
    assert_eq!(rows, vec![3, 4, 6]);
    let s = skus(&app, &token, &cat).await;
    assert_eq!(s["nodes"][0]["nameKk"], "Шай");
}

#[tokio::test]
async fn a_file_can_be_uploaded_with_a_multipart_request() {
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Kaspi").await;
    let ops = json!({
        "query": "mutation($c:ID!,$f:Upload!){ importCatalog(input:{catalogId:$c, format:KASPI_XML, file:$f}){ created rejected userErrors{ message } } }",
        "variables": {"c": cat, "f": null}
    });
    let boundary = "XyZ123boundary";
    let mut body = String::new();
    body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{ops}\r\n"));
    body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\":[\"variables.f\"]}}\r\n"));
    body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"price.xml\"\r\nContent-Type: application/xml\r\n\r\n{KASPI}\r\n--{boundary}--\r\n"));
    let resp: Value = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&token)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(resp["data"]["importCatalog"]["created"], 2, "{resp}");
}

#[tokio::test]
async fn the_shipped_demo_files_import_every_readiness_class() {
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Demo").await;
    let cat = app.new_catalog(&token, "Demo").await;
    let r = app.import(&token, &cat, "KASPI_XML", include_str!("../../api/demo/kaspi_catalog.xml")).await;
    assert_eq!(r["created"], 36, "{r}");
    let r = app.import(&token, &cat, "CSV", include_str!("../../api/demo/barcodes.csv")).await;
    assert_eq!(r["rejected"], 0, "{r}");
    let d = app.gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ readiness{ total hasNtin autoLookupReady temporaryXtin manualCard } } }", json!({"c": cat})).await;
    let s = &d["catalog"]["readiness"];
    assert_eq!(s["total"], 36);
    for k in ["hasNtin", "autoLookupReady", "temporaryXtin", "manualCard"] {
        assert!(s[k].as_u64().unwrap() > 0, "{k}: {s}");
    }
}

/// A catalog's SKU count and readiness totals.
async fn counts(app: &TestApp, token: &str, cat: &str) -> Value {
    app.gql_ok(Some(token), "query($c:ID!){ catalog(id:$c){ skus(first:1){ totalCount } readiness{ total autoLookupReady } } }", json!({"c": cat})).await["catalog"].clone()
}

#[tokio::test]
async fn a_file_of_several_batches_keeps_every_good_row_refuses_repeats_across_batches_and_a_late_fatal_error_stores_nothing() {
    // Arrange: 4,500 rows (batches of 2,000 are written while the next is prepared); row 3,001 has a bad NTIN
    // and row 4,101 repeats the SKU of row 11.
    let app = spawn_app().await;
    let (_t, token) = app.new_tenant("Shop").await;
    let cat = app.new_catalog(&token, "Big").await;
    let rows: Vec<String> = (0..4500)
        .map(|i| match i {
            2999 => format!("B-{i:05},{},bad-ntin", with_check(&format!("487{:09}", 200_000_000 + i))),
            4099 => format!("B-{:05},{},", 9, with_check("487299999999")),
            _ => format!("B-{i:05},{},", with_check(&format!("487{:09}", 200_000_000 + i))),
        })
        .collect();
    let csv = |rows: &[String]| format!("sku,barcode,ntin\n{}\n", rows.join("\n"));
    // Act: into the empty catalog.
    let r = app.import(&token, &cat, "CSV", &csv(&rows)).await;

    // Assert: the 4,498 good rows, and the two refused by row number (the header is row 1).
    assert_eq!((r["created"].as_u64(), r["rejected"].as_u64()), (Some(4498), Some(2)), "{r}");
    let errors: Vec<(u64, &str)> = r["rowErrors"].as_array().unwrap().iter().map(|e| (e["row"].as_u64().unwrap(), e["code"].as_str().unwrap())).collect();
    assert_eq!(errors, vec![(3001, "BAD_ROW"), (4101, "DUPLICATE_SKU")]);
    assert_eq!(counts(&app, &token, &cat).await, json!({"skus": {"totalCount": 4498}, "readiness": {"total": 4498, "autoLookupReady": 4498}}));

    // Act: the same file again with one barcode changed in the last batch (each batch is read first now).
    let mut changed = rows.clone();
    changed[4300] = format!("B-04300,{},", with_check("487288888888"));
    let r = app.import(&token, &cat, "CSV", &csv(&changed)).await;

    // Assert
    assert_eq!((r["created"].as_u64(), r["updated"].as_u64(), r["unchanged"].as_u64(), r["rejected"].as_u64()), (Some(0), Some(1), Some(4497), Some(2)), "{r}");
    let found = app.gql_ok(Some(&token), "query($c:ID!){ catalog(id:$c){ skus(first:2, filter:{search:\"B-043\"}){ totalCount nodes{ sellerSku barcode } } } }", json!({"c": cat})).await;
    assert_eq!(found["catalog"]["skus"]["totalCount"], 100);
    assert_eq!(found["catalog"]["skus"]["nodes"][0], json!({"sellerSku": "B-04300", "barcode": with_check("487288888888")}));
    assert_eq!(found["catalog"]["skus"]["nodes"][1]["barcode"], json!(with_check("487200004301")));

    // Act: a Kaspi file of 4,500 offers cut off inside its third batch, into another empty catalog.
    let other = app.new_catalog(&token, "Cut").await;
    let offers: String = (0..4500).map(|i| format!("<offer sku=\"K-{i:05}\"><model>Товар {i}</model><price>{}</price></offer>\n", 100 + i)).collect();
    let xml = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<kaspi_catalog xmlns=\"kaspiShopping\"><company>C</company><merchantid>M</merchantid><offers>\n{offers}</offers></kaspi_catalog>\n");
    let cut = &xml[..xml.find("K-04400").unwrap()];
    let r = app.import(&token, &other, "KASPI_XML", cut).await;

    // Assert: the file is refused as a whole, and the two batches already written are rolled back.
    assert_eq!(r["userErrors"][0]["code"], "INVALID", "{r}");
    assert_eq!(r["rowErrors"][0]["code"], "MALFORMED", "{r}");
    assert_eq!(counts(&app, &token, &other).await["skus"]["totalCount"], 0);
}
