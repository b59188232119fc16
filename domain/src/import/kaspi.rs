//! The Kaspi XML price list (`kaspi_catalog xmlns="kaspiShopping"`), read as a stream of events.
//!
//! Each `kaspi_catalog/offers/offer` with its `sku` attribute becomes a row: `model` → `name_ru`, `brand` →
//! `brand`, price from `<price>` or, when that is absent, the first `cityprices/cityprice`, and
//! `channels = ["kaspi"]`. Everything else in the format (`company`, `merchantid`, `availabilities`…) is skipped,
//! and the format has no barcode field at all: barcodes come from a separate list or CSV.
//!
//! Safety and failure rules:
//! - Elements are matched by local name, so the default namespace `kaspiShopping` (or a prefix) does not matter.
//! - Any `<!DOCTYPE` is refused ([`ImportError::DoctypeForbidden`]); quick-xml never expands entities beyond the
//!   five predefined ones and character references, and an unknown entity makes the file malformed.
//! - Broken or truncated XML is fatal ([`ImportError::Malformed`]) with the line where it was noticed.
//! - Line numbers come from counting `\n` in the bytes of each event as it is read (quick-xml puts everything
//!   between the `<`…`>` delimiters and every text run in the event buffer), so the cost stays O(n).

use std::io::BufRead;
use std::sync::Arc;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, BytesText, Event};

use super::{ImportError, ImportRow, RowChecker, RowResult, clean, count_newlines};

/// Parses a Kaspi price list, one row per `<offer>`.
pub fn parse_kaspi<R: BufRead>(reader: R) -> KaspiRows<R> {
    KaspiRows {
        xml: Reader::from_reader(reader),
        buf: Vec::with_capacity(4096),
        line: 1,
        state: State::default(),
        done: false,
    }
}

/// Iterator returned by [`parse_kaspi`]: one item per `<offer>`, then `None`.
/// After a fatal [`ImportError`] it yields nothing more.
pub struct KaspiRows<R> {
    xml: Reader<R>,
    /// Reused event buffer: holds one event's bytes at a time.
    buf: Vec<u8>,
    /// 1-based line where the next event starts.
    line: usize,
    state: State,
    done: bool,
}

impl<R> std::fmt::Debug for KaspiRows<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KaspiRows")
            .field("line", &self.line)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<R: BufRead> Iterator for KaspiRows<R> {
    type Item = Result<RowResult, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.buf.clear();
            let line = self.line;
            let (step, read) = match self.xml.read_event_into(&mut self.buf) {
                Ok(event) => (self.state.handle(event, line), true),
                Err(e) => (Step::Fatal(xml_error(e, line)), false),
            };
            // Events split only at ASCII `<` and `>`, so no UTF-8 sequence straddles two buffers: checking each
            // buffer checks the whole file, including the parts we otherwise skip (company, comments…).
            if read && let Err(bad) = std::str::from_utf8(&self.buf) {
                self.done = true;
                let row = line + count_newlines(&self.buf[..bad.valid_up_to()]);
                // A sequence cut short by the end of the file is truncation, not a foreign encoding.
                let at_eof = matches!(self.xml.get_mut().fill_buf(), Ok(rest) if rest.is_empty());
                if bad.error_len().is_none() && at_eof {
                    let message = "the file ends in the middle of a character: it looks truncated";
                    return Some(Err(ImportError::Malformed {
                        row,
                        message: message.to_owned(),
                    }));
                }
                return Some(Err(ImportError::NotUtf8 { row }));
            }
            self.line += count_newlines(&self.buf);
            match step {
                Step::Continue => {}
                Step::OfferDone => return Some(Ok(self.state.finish_offer())),
                Step::Fatal(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Step::End => self.done = true,
            }
        }
        None
    }
}

/// What one event leads to.
enum Step {
    Continue,
    /// An `</offer>` (or `<offer/>`) was read: the draft is complete.
    OfferDone,
    Fatal(ImportError),
    End,
}

/// Elements we track. Anything else inside the catalog is `Other` and only kept for nesting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Catalog,
    Offers,
    Offer,
    Model,
    Brand,
    Price,
    CityPrices,
    CityPrice,
    Other,
}

impl Node {
    fn is_field(self) -> bool {
        matches!(
            self,
            Self::Model | Self::Brand | Self::Price | Self::CityPrice
        )
    }

    fn tag(self) -> &'static str {
        match self {
            Self::Catalog => "<kaspi_catalog>",
            Self::Offers => "<offers>",
            Self::Offer => "<offer>",
            Self::Model => "<model>",
            Self::Brand => "<brand>",
            Self::Price => "<price>",
            Self::CityPrices => "<cityprices>",
            Self::CityPrice => "<cityprice>",
            Self::Other => "an element",
        }
    }
}

/// The offer being read.
#[derive(Debug, Default)]
struct OfferDraft {
    /// Line of the `<offer` start tag.
    row: usize,
    sku: Option<String>,
    model: Option<String>,
    brand: Option<String>,
    price: Option<String>,
    /// First non-empty `cityprice`, used only when there is no `<price>`.
    city_price: Option<String>,
}

/// Parser state apart from the reader and its buffer (so an event can borrow the buffer while we update this).
#[derive(Debug, Default)]
struct State {
    /// Open elements, outermost first. Reused, so it stops allocating after the first offer.
    stack: Vec<Node>,
    root_seen: bool,
    root_closed: bool,
    offer: Option<OfferDraft>,
    /// Text of the field element being read (text may arrive in several pieces around comments or CDATA).
    text: String,
    checker: RowChecker,
}

impl State {
    fn handle(&mut self, event: Event<'_>, line: usize) -> Step {
        match event {
            Event::Start(e) => self.open(&e, line),
            Event::Empty(e) => match self.open(&e, line) {
                Step::Continue => self.close(line),
                other => other,
            },
            Event::End(_) => self.close(line),
            Event::Text(t) => self.text(&t, line),
            Event::CData(c) => match self.stack.last() {
                Some(node) if node.is_field() => match std::str::from_utf8(&c) {
                    Ok(s) => {
                        self.text.push_str(s);
                        Step::Continue
                    }
                    Err(_) => Step::Fatal(ImportError::NotUtf8 { row: line }),
                },
                Some(_) => Step::Continue,
                None => malformed(line, "CDATA outside the root element"),
            },
            Event::DocType(_) => Step::Fatal(ImportError::DoctypeForbidden),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => Step::Continue,
            Event::Eof => self.eof(line),
        }
    }

    fn open(&mut self, e: &BytesStart<'_>, line: usize) -> Step {
        let name = e.local_name();
        let name = name.as_ref();
        let Some(&parent) = self.stack.last() else {
            let found = String::from_utf8_lossy(name);
            if self.root_closed {
                return malformed(
                    line,
                    format!("a second root element <{found}> after </kaspi_catalog>"),
                );
            }
            if name != b"kaspi_catalog" {
                return Step::Fatal(ImportError::WrongRoot {
                    found: found.into_owned(),
                });
            }
            self.root_seen = true;
            self.stack.push(Node::Catalog);
            return Step::Continue;
        };
        let node = match (parent, name) {
            (Node::Catalog, b"offers") => Node::Offers,
            (Node::Offers, b"offer") => Node::Offer,
            (Node::Offer, b"model") => Node::Model,
            (Node::Offer, b"brand") => Node::Brand,
            (Node::Offer, b"price") => Node::Price,
            (Node::Offer, b"cityprices") => Node::CityPrices,
            (Node::CityPrices, b"cityprice") => Node::CityPrice,
            _ => Node::Other,
        };
        if node == Node::Offer {
            match sku_attribute(e, line) {
                Ok(sku) => {
                    self.offer = Some(OfferDraft {
                        row: line,
                        sku,
                        ..OfferDraft::default()
                    })
                }
                Err(fatal) => return Step::Fatal(fatal),
            }
        } else if node.is_field() {
            self.text.clear();
        }
        self.stack.push(node);
        Step::Continue
    }

    fn close(&mut self, line: usize) -> Step {
        let Some(node) = self.stack.pop() else {
            return malformed(line, "a closing tag without an opening one");
        };
        match (node, self.offer.as_mut()) {
            (Node::Catalog, _) => self.root_closed = true,
            (Node::Offer, Some(_)) => return Step::OfferDone,
            (Node::Model, Some(offer)) => offer.model = clean(&self.text),
            (Node::Brand, Some(offer)) => offer.brand = clean(&self.text),
            (Node::Price, Some(offer)) => offer.price = clean(&self.text),
            (Node::CityPrice, Some(offer)) if offer.city_price.is_none() => {
                offer.city_price = clean(&self.text)
            }
            _ => {}
        }
        Step::Continue
    }

    fn text(&mut self, t: &BytesText<'_>, line: usize) -> Step {
        match self.stack.last() {
            Some(node) if node.is_field() => match t.unescape() {
                Ok(s) => {
                    self.text.push_str(&s);
                    Step::Continue
                }
                Err(e) => Step::Fatal(xml_error(e, line)),
            },
            Some(_) => Step::Continue,
            None if t.iter().all(u8::is_ascii_whitespace) => Step::Continue,
            None => malformed(
                line,
                "text outside the root element: this is not an XML price list",
            ),
        }
    }

    fn eof(&mut self, line: usize) -> Step {
        if let Some(open) = self.stack.last() {
            return malformed(
                line,
                format!(
                    "the file ends inside {} before </kaspi_catalog>: it looks truncated",
                    open.tag()
                ),
            );
        }
        if !self.root_seen {
            return malformed(
                line,
                "no <kaspi_catalog> element: the file is empty or not XML",
            );
        }
        Step::End
    }

    fn finish_offer(&mut self) -> RowResult {
        let draft = self.offer.take().unwrap_or_default();
        let price = draft.price.or(draft.city_price);
        let row = ImportRow {
            row: draft.row,
            seller_sku: draft.sku.unwrap_or_default(),
            name_ru: draft.model,
            brand: draft.brand,
            channels: vec!["kaspi".to_owned()],
            ..ImportRow::default()
        };
        self.checker.finish(row, price.as_deref())
    }
}

/// The decoded `sku` attribute of an `<offer>`, if any.
fn sku_attribute(e: &BytesStart<'_>, line: usize) -> Result<Option<String>, ImportError> {
    for attr in e.attributes() {
        let attr = attr.map_err(|err| ImportError::Malformed {
            row: line,
            message: format!("broken attribute in <offer>: {err}"),
        })?;
        if attr.key.local_name().as_ref() == b"sku" {
            let value = attr.unescape_value().map_err(|err| xml_error(err, line))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

fn malformed(row: usize, message: impl Into<String>) -> Step {
    Step::Fatal(ImportError::Malformed {
        row,
        message: message.into(),
    })
}

fn xml_error(error: quick_xml::Error, row: usize) -> ImportError {
    use quick_xml::Error as X;
    match error {
        X::Io(io) => ImportError::Io(
            Arc::try_unwrap(io).unwrap_or_else(|io| std::io::Error::new(io.kind(), io.to_string())),
        ),
        X::Encoding(_) => ImportError::NotUtf8 { row },
        X::Syntax(e) => ImportError::Malformed {
            row,
            message: format!("{e} (the file looks truncated or is not XML)"),
        },
        other => ImportError::Malformed {
            row,
            message: other.to_string(),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
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
        assert!(matches!(&err, ImportError::WrongRoot { found } if found == "yml_catalog"));
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
}
