#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Tests of the Kaspi XML parser: shapes, row errors, hostile input.

use super::*;
use crate::import::{RowError, RowErrorCode};

fn parse_all(xml: &str) -> Result<Vec<RowResult>, ImportError> {
    parse_kaspi(xml.as_bytes()).collect()
}

fn ok_rows(xml: &str) -> Vec<ImportRow> {
    parse_all(xml)
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

fn catalog(offers: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <kaspi_catalog date=\"2026-05-01 10:00\" xmlns=\"kaspiShopping\"\n\
         \x20 xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n\
         \x20 xsi:schemaLocation=\"kaspiShopping http://kaspi.kz/kaspishopping.xsd\">\n\
         <company>Demo LLP</company><merchantid>Demo01</merchantid>\n\
         <offers>\n{offers}</offers>\n</kaspi_catalog>\n"
    )
}

#[test]
fn the_domain_sample_parses() {
    // Arrange: the tiny example of DOMAIN.md 1.1, verbatim.
    let xml = r#"<kaspi_catalog xmlns="kaspiShopping" date="2026-05-01 10:00">
  <company>Demo LLP</company><merchantid>Demo01</merchantid>
  <offers><offer sku="TEA-100">
<model>Green tea 100 g</model><brand>Demo</brand>
<availabilities><availability available="yes" storeId="PP1" stockCount="12"/></availabilities>
<cityprices><cityprice cityId="750000000">1490</cityprice></cityprices>
  </offer></offers>
</kaspi_catalog>
"#;

    // Act
    let rows = ok_rows(xml);

    // Assert
    assert_eq!(
        rows,
        [ImportRow {
            row: 3,
            seller_sku: "TEA-100".into(),
            name_ru: Some("Green tea 100 g".into()),
            brand: Some("Demo".into()),
            price: Some(1490),
            channels: vec!["kaspi".into()],
            ..ImportRow::default()
        }]
    );
}

#[test]
fn both_price_forms_are_read_and_price_wins_over_cityprices() {
    let xml = catalog(
        "<offer sku=\"A\"><model>A</model><price oldprice=\"1200\">990</price></offer>\n\
         <offer sku=\"B\"><cityprices><cityprice cityId=\"750000000\"> 2490 </cityprice>\
         <cityprice cityId=\"710000000\">2590</cityprice></cityprices></offer>\n\
         <offer sku=\"C\"><price>100</price><cityprices><cityprice cityId=\"1\">200</cityprice></cityprices></offer>\n\
         <offer sku=\"D\"><model>No price</model></offer>\n",
    );
    let prices: Vec<_> = ok_rows(&xml).iter().map(|r| r.price).collect();
    assert_eq!(prices, [Some(990), Some(2490), Some(100), None]);
}

#[test]
fn row_numbers_are_the_lines_of_the_offer_start_tags() {
    // Arrange: newlines inside a comment, attributes, text, CDATA and a PI must all be counted.
    let xml = "<?xml version=\"1.0\"?>\n<!-- a\ncomment -->\n<kaspi_catalog\n xmlns=\"kaspiShopping\">\n<offers>\n\
               <offer\n sku=\"A\"><model>two\nlines</model></offer><?pi x\ny?>\n\
               <offer sku=\"B\"><model><![CDATA[x\n&y]]></model></offer>\n\n<offer sku=\"C\"/>\n\
               </offers></kaspi_catalog>";
    let expected: Vec<usize> = xml
        .match_indices("<offer")
        .filter(|(at, _)| !xml[*at..].starts_with("<offers"))
        .map(|(at, _)| xml[..at].matches('\n').count() + 1)
        .collect();

    // Act
    let rows = ok_rows(xml);

    // Assert
    assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), expected);
    assert_eq!(expected, [7, 11, 14]);
    assert_eq!(rows[1].name_ru.as_deref(), Some("x\n&y"));
    assert_eq!(rows[2].name_ru, None);
}

#[test]
fn a_doctype_is_refused_before_anything_is_expanded() {
    let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE kaspi_catalog [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n\
               <kaspi_catalog><offers><offer sku=\"A\"><model>&x;</model></offer></offers></kaspi_catalog>";
    let mut items = parse_kaspi(xml.as_bytes());
    assert!(matches!(
        items.next(),
        Some(Err(ImportError::DoctypeForbidden))
    ));
    assert!(items.next().is_none());
}

#[test]
fn a_different_root_is_wrong_root() {
    let err = parse_all("<yml_catalog><shop/></yml_catalog>").unwrap_err();
    assert!(matches!(&err, ImportError::WrongRoot { found, .. } if found == "yml_catalog"));
    assert_eq!(err.code(), "WRONG_ROOT");
}

#[test]
fn a_truncated_file_is_malformed_with_a_line() {
    // Arrange: cut the file in the middle of the second offer, then in the middle of a tag.
    let full = catalog(
        "<offer sku=\"A\"><model>A</model></offer>\n<offer sku=\"B\"><model>B</model></offer>\n",
    );
    let cut_text = &full[..full.find("<model>B").unwrap()];
    let cut_tag = &full[..full.find("sku=\"B\"").unwrap() + 6];

    for cut in [cut_text, cut_tag] {
        // Act
        let items: Vec<_> = parse_kaspi(cut.as_bytes()).collect();

        // Assert: the first offer came through, then a fatal error on line 8 and nothing after it.
        assert!(matches!(items[0], Ok(Ok(_))));
        let last = items.last().unwrap().as_ref().unwrap_err();
        assert!(
            matches!(last, ImportError::Malformed { row: 8, .. }),
            "{last:?}"
        );
        assert_eq!(items.len(), 2);
    }
}

#[test]
fn broken_markup_and_non_xml_are_malformed() {
    let mismatched =
        parse_all(&catalog("<offer sku=\"A\"><model>A</brand></offer>\n")).unwrap_err();
    assert_eq!(
        (mismatched.code(), mismatched.row()),
        ("MALFORMED", Some(7))
    );
    let csv = parse_all("sku;barcode\nA;1\n").unwrap_err();
    assert_eq!((csv.code(), csv.row()), ("MALFORMED", Some(1)));
    let empty = parse_all("").unwrap_err();
    assert_eq!(empty.code(), "MALFORMED");
    let unknown_entity = parse_all(&catalog(
        "<offer sku=\"A\"><model>A&nbsp;B</model></offer>\n",
    ))
    .unwrap_err();
    assert_eq!(
        (unknown_entity.code(), unknown_entity.row()),
        ("MALFORMED", Some(7))
    );
}

#[test]
fn a_duplicate_sku_is_reported_on_the_later_offer() {
    let xml = catalog(
        "<offer sku=\"A\"><price>1</price></offer>\n<offer sku=\" A \"><price>2</price></offer>\n",
    );
    let rows = parse_all(&xml).unwrap();
    assert_eq!(rows[0].as_ref().unwrap().price, Some(1));
    let err = rows[1].as_ref().unwrap_err();
    assert_eq!((err.row, err.code), (8, RowErrorCode::DuplicateSku));
    assert!(err.message.contains("line 7"));
}

#[test]
fn a_missing_or_blank_or_long_sku_and_a_bad_price_are_row_errors() {
    // Arrange
    let long = "S".repeat(65);
    let xml = catalog(&format!(
        "<offer><model>no sku</model></offer>\n<offer sku=\" \"/>\n<offer sku=\"{long}\"/>\n\
         <offer sku=\"P\"><price>1490.50</price></offer>\n<offer sku=\"Q\"><price>1490</price></offer>\n"
    ));

    // Act
    let rows = parse_all(&xml).unwrap();

    // Assert
    let errors: Vec<_> = rows
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e: &RowError| (e.row, e.code))
        .collect();
    assert_eq!(
        errors,
        [
            (7, RowErrorCode::MissingSku),
            (8, RowErrorCode::MissingSku),
            (9, RowErrorCode::SkuTooLong),
            (10, RowErrorCode::BadPrice),
        ]
    );
    assert_eq!(rows[4].as_ref().unwrap().seller_sku, "Q");
}

#[test]
fn entity_escapes_are_decoded_in_text_and_attributes() {
    let xml = catalog(
        "<offer sku=\"M&amp;M&apos;s-1\"><model>Драже &quot;M&amp;M&apos;s&quot; &lt;45 г&gt; &#8470;1</model>\
         <brand>Procter &amp; Gamble</brand></offer>\n",
    );
    let row = &ok_rows(&xml)[0];
    assert_eq!(row.seller_sku, "M&M's-1");
    assert_eq!(row.name_ru.as_deref(), Some("Драже \"M&M's\" <45 г> №1"));
    assert_eq!(row.brand.as_deref(), Some("Procter & Gamble"));
}

#[test]
fn a_namespace_prefix_and_a_bom_do_not_matter() {
    let xml = "\u{FEFF}<k:kaspi_catalog xmlns:k=\"kaspiShopping\"><k:offers><k:offer sku=\"A\">\
               <k:model>A</k:model></k:offer></k:offers></k:kaspi_catalog>";
    assert_eq!(ok_rows(xml)[0].name_ru.as_deref(), Some("A"));
}

#[test]
fn non_utf8_bytes_anywhere_are_not_utf8_with_the_line() {
    let mut xml = catalog("<offer sku=\"A\"><model>A</model></offer>\n").into_bytes();
    let at = xml.windows(8).position(|w| w == b"Demo LLP").unwrap();
    xml[at] = 0xC4; // "Д" in Windows-1251, inside <company>, which we otherwise skip
    let err = parse_kaspi(xml.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert!(matches!(err, ImportError::NotUtf8 { row: 5 }), "{err:?}");
}

#[test]
fn jmart_and_omarket_roots_are_read_with_their_channel() {
    // Arrange: Jmart's example spells `cityid`; OMarket's own root is `catalog`, with `deactivate`.
    let jmart = "<jmart_catalog xmlns=\"jmartShopping\" date=\"x\"><company>C</company><merchantid>M</merchantid>\
                 <offers><offer sku=\"J-1\"><model>Чай</model><cityprices><cityprice cityid=\"710000000\">5000</cityprice>\
                 </cityprices></offer></offers></jmart_catalog>";
    let omarket = "<catalog date=\"2026.05.01 10:00\"><offers><offer sku=\"O-1\"><deactivate>true</deactivate></offer>\
                   <offer sku=\"O-2\"><model>Кофе</model><price>900</price></offer></offers></catalog>";

    // Act
    let j: Vec<ImportRow> = parse_market_feed(jmart.as_bytes(), FeedDialect::Jmart).map(|r| r.unwrap().unwrap()).collect();
    let o: Vec<ImportRow> = parse_market_feed(omarket.as_bytes(), FeedDialect::OMarket).map(|r| r.unwrap().unwrap()).collect();
    let kaspi_as_omarket: Vec<ImportRow> =
        parse_market_feed(catalog("<offer sku=\"K\"/>\n").as_bytes(), FeedDialect::OMarket).map(|r| r.unwrap().unwrap()).collect();

    // Assert
    assert_eq!((j[0].seller_sku.as_str(), j[0].price, j[0].channels.as_slice()), ("J-1", Some(5000), ["jmart".to_owned()].as_slice()));
    assert_eq!(o.iter().map(|r| r.seller_sku.as_str()).collect::<Vec<_>>(), ["O-1", "O-2"]);
    assert_eq!((o[1].name_ru.as_deref(), o[1].price), (Some("Кофе"), Some(900)));
    assert_eq!(o[0].channels, ["omarket"]);
    assert_eq!(kaspi_as_omarket[0].seller_sku, "K");
}

#[test]
fn a_dialect_refuses_another_marketplace_root() {
    let err = parse_market_feed(catalog("").as_bytes(), FeedDialect::Jmart).collect::<Result<Vec<_>, _>>().unwrap_err();
    assert!(err.to_string().contains("<jmart_catalog>"), "{err}");
    let err = parse_kaspi("<catalog><offers/></catalog>".as_bytes()).collect::<Result<Vec<_>, _>>().unwrap_err();
    assert_eq!(err.code(), "WRONG_ROOT");
}

#[test]
fn a_refused_offer_still_names_its_sku() {
    let xml = catalog("<offer sku=\"P\"><price>1,5</price></offer>\n<offer sku=\"P\"/>\n");
    let rows = parse_all(&xml).unwrap();
    let skus: Vec<_> = rows.iter().map(|r| r.as_ref().unwrap_err().seller_sku.as_deref()).collect();
    assert_eq!(skus, [Some("P"), Some("P")]);
}

#[test]
fn a_hundred_thousand_offers_parse() {
    // Arrange
    let mut offers = String::with_capacity(100_000 * 260);
    for i in 0..100_000 {
        offers.push_str(&format!(
            "<offer sku=\"SKU-{i}\">\n  <model>Чай зелёный &amp; мята {i}</model><brand>Demo</brand>\n  \
             <availabilities><availability available=\"yes\" storeId=\"PP1\" stockCount=\"5\"/></availabilities>\n  \
             <cityprices><cityprice cityId=\"750000000\">{}</cityprice></cityprices>\n</offer>\n",
            1000 + i
        ));
    }
    let xml = catalog(&offers);

    // Act
    let started = std::time::Instant::now();
    let mut count = 0usize;
    for item in parse_kaspi(xml.as_bytes()) {
        assert!(item.unwrap().is_ok());
        count += 1;
    }

    // Assert
    assert_eq!(count, 100_000);
    eprintln!(
        "100k offers ({} MB) parsed in {:?}",
        xml.len() / 1_000_000,
        started.elapsed()
    );
}
