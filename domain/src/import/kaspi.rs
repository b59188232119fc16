//! The Kaspi XML price list (`kaspi_catalog xmlns="kaspiShopping"`), read as a stream of events, and the two
//! marketplace feeds that share its offer layout ([`FeedDialect`]).
//!
//! Each `<root>/offers/offer` with its `sku` attribute becomes a row: `model` → `name_ru`, `brand` →
//! `brand`, price from `<price>` or, when that is absent, the first `cityprices/cityprice`, and the dialect's
//! channel (`["kaspi"]`). Everything else in the format (`company`, `merchantid`, `availabilities`…) is skipped,
//! and the format has no barcode field at all: barcodes come from a separate list or CSV.
//!
//! Dialects (DOMAIN.md §1.3), none of which adds an element to Kaspi's format:
//! - Jmart / Alatau City Market copies Kaspi's layout under the root `jmart_catalog` (its example spells the
//!   city attribute `cityid`; we read only the price text, so the spelling does not matter).
//! - OMarket's own list has the root `catalog` with `offers/offer@sku` and an optional `deactivate` element;
//!   the other children are read by Kaspi's names when present. OMarket also accepts Kaspi-format files, so
//!   its dialect takes a `kaspi_catalog` root too. A deactivated offer is still the seller's product and is kept.
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

/// A marketplace XML price list with Kaspi's offer layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum FeedDialect {
    /// Kaspi.kz: root `kaspi_catalog` (namespace `kaspiShopping`).
    #[default]
    Kaspi,
    /// Jmart / Alatau City Market: root `jmart_catalog` (namespace `jmartShopping`).
    Jmart,
    /// OMarket: root `catalog`, or a Kaspi-format `kaspi_catalog`.
    OMarket,
}

impl FeedDialect {
    fn accepts_root(self, name: &[u8]) -> bool {
        match self {
            Self::Kaspi => name == b"kaspi_catalog",
            Self::Jmart => name == b"jmart_catalog",
            Self::OMarket => name == b"catalog" || name == b"kaspi_catalog",
        }
    }

    /// The accepted root element(s), for messages.
    fn root(self) -> &'static str {
        match self {
            Self::Kaspi => "<kaspi_catalog>",
            Self::Jmart => "<jmart_catalog>",
            Self::OMarket => "<catalog> or <kaspi_catalog>",
        }
    }

    fn list(self) -> &'static str {
        match self {
            Self::Kaspi => "a Kaspi price list",
            Self::Jmart => "a Jmart price list",
            Self::OMarket => "an OMarket price list",
        }
    }

    /// The sales channel rows of this feed carry.
    #[must_use]
    pub fn channel(self) -> &'static str {
        match self {
            Self::Kaspi => "kaspi",
            Self::Jmart => "jmart",
            Self::OMarket => "omarket",
        }
    }
}

/// Parses a Kaspi price list, one row per `<offer>`.
pub fn parse_kaspi<R: BufRead>(reader: R) -> KaspiRows<R> {
    parse_market_feed(reader, FeedDialect::Kaspi)
}

/// Parses a price list of `dialect`, one row per `<offer>`.
pub fn parse_market_feed<R: BufRead>(reader: R, dialect: FeedDialect) -> KaspiRows<R> {
    KaspiRows {
        xml: Reader::from_reader(reader),
        buf: Vec::with_capacity(4096),
        line: 1,
        state: State { dialect, ..State::default() },
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
            Self::Catalog => "the root element",
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
    /// Which price list this is (root name and channel).
    dialect: FeedDialect,
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
                    format!("a second root element <{found}> after the end of the price list"),
                );
            }
            if !self.dialect.accepts_root(name) {
                return Step::Fatal(ImportError::WrongRoot {
                    found: found.into_owned(),
                    expected: self.dialect.root(),
                    list: self.dialect.list(),
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
                    "the file ends inside {} before the end of the price list: it looks truncated",
                    open.tag()
                ),
            );
        }
        if !self.root_seen {
            return malformed(
                line,
                format!("no {} element: the file is empty or not XML", self.dialect.root()),
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
            channels: vec![self.dialect.channel().to_owned()],
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
#[path = "kaspi_tests.rs"]
mod tests;
