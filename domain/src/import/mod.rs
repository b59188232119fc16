//! Streaming parsers for the ways a seller hands us a catalog: a pasted list of barcodes, a CSV table and
//! the marketplace XML price lists (Kaspi, and the Jmart and OMarket feeds that share its offer layout).
//!
//! Every parser yields one `Result<RowResult, ImportError>` per record and never holds the whole file:
//! - `Ok(Ok(row))`: a good row. `None` fields mean "not in this file: keep what is stored".
//! - `Ok(Err(row_error))`: a bad row, named by its line, with a [`RowErrorCode`]. The other rows go on.
//! - `Err(import_error)`: the file as a whole cannot be read (not UTF-8, truncated XML, no SKU column…). The
//!   iterator ends there, and the caller must store NOTHING from this file: collect first or write in one
//!   transaction.
//!
//! What lives here is parsing only. Barcodes are passed on exactly as typed (trimmed); checking and classifying
//! them happens elsewhere. The rules shared by all formats (SKU trimming and limits, duplicate SKUs, field
//! lengths, whole-tenge prices) are in [`RowChecker`].
//!
//! # Layout
//! - [`barcodes`]: one entry per line, `barcode` or `sku<TAB|;|,>barcode`.
//! - [`csv`]: a header line with aliases (English and Russian), delimiter detected from the header.
//! - [`kaspi`]: the Kaspi `kaspi_catalog` price list (no barcode field in that format), and the Jmart
//!   (`jmart_catalog`) and OMarket (`catalog`) feeds read by the same parser ([`FeedDialect`]).

pub mod barcodes;
pub mod csv;
pub mod kaspi;

use std::collections::HashMap;
use std::io::BufRead;

pub use barcodes::{BarcodeRows, parse_barcodes};
pub use csv::{CsvRows, parse_csv};
pub use kaspi::{FeedDialect, KaspiRows, parse_kaspi, parse_market_feed};

/// Longest accepted seller SKU, in characters (the Kaspi import API allows 1–64).
pub const MAX_SKU_LEN: usize = 64;

/// Longest accepted text field, in characters (the Kaspi import API caps `title` at 1024).
pub const MAX_FIELD_LEN: usize = 1024;

/// The outcome for one record: a parsed row or the reason it was left out.
pub type RowResult = Result<ImportRow, RowError>;

/// A boxed row stream, as returned by [`parse`].
pub type RowStream = Box<dyn Iterator<Item = Result<RowResult, ImportError>> + Send>;

/// The kinds of file a seller can import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportFormat {
    /// A pasted list: one `barcode` or `sku<SEP>barcode` per line.
    Barcodes,
    /// A CSV table with a header line.
    Csv,
    /// The Kaspi XML price list (`kaspi_catalog`).
    KaspiXml,
    /// The OMarket XML price list (`catalog`), or a Kaspi-format file, which OMarket also accepts.
    OmarketXml,
    /// The Jmart / Alatau City Market XML price list (`jmart_catalog`, Kaspi's layout).
    JmartXml,
}

impl ImportFormat {
    /// A stable snake_case name for logs and job records.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Barcodes => "barcodes",
            Self::Csv => "csv",
            Self::KaspiXml => "kaspi_xml",
            Self::OmarketXml => "omarket_xml",
            Self::JmartXml => "jmart_xml",
        }
    }
}

/// One parsed row. `None` means "column not present / empty: keep what is stored".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportRow {
    /// 1-based line in the source: CSV physical line (header = 1), Kaspi line of the `<offer` start tag, or the
    /// line of a pasted list.
    pub row: usize,
    /// The seller's own article code: trimmed, non-empty, at most [`MAX_SKU_LEN`] characters.
    pub seller_sku: String,
    /// The barcode as typed (trimmed). Never "fixed" here: classification happens elsewhere.
    pub barcode: Option<String>,
    /// Product name in Russian (Kaspi `model`).
    pub name_ru: Option<String>,
    /// Product name in Kazakh.
    pub name_kk: Option<String>,
    /// Brand (trade mark).
    pub brand: Option<String>,
    /// Price in whole tenge.
    pub price: Option<i64>,
    /// OKTRU category code as typed (`CCCC-GGGG-KKKK-VVVVVVVVV`).
    pub oktru: Option<String>,
    /// TN VED (HS) code as typed.
    pub tnved: Option<String>,
    /// Country of origin as typed (e.g. `KZ`).
    pub country: Option<String>,
    /// Unit of measure code as typed (e.g. `796`, piece).
    pub measure_unit: Option<String>,
    /// Quantity in that unit as typed.
    pub measure_qty: Option<String>,
    /// An NTIN the seller already has, as typed.
    pub ntin: Option<String>,
    /// A temporary XTIN the seller already has, as typed.
    pub xtin: Option<String>,
    /// Sales channels, lower case (e.g. `["kaspi"]` for Kaspi rows).
    pub channels: Vec<String>,
}

/// Why one record was left out. The other records of the file are kept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {row}: {message}")]
pub struct RowError {
    /// 1-based line of the record, numbered as in [`ImportRow::row`].
    pub row: usize,
    /// Stable machine-readable reason.
    pub code: RowErrorCode,
    /// Human-readable explanation, naming the field and value where that helps.
    pub message: String,
    /// The record's seller SKU when it was readable (a bad price or a duplicate still names its SKU), so a
    /// feed sync knows the SKU is in the file even though the record was left out.
    pub seller_sku: Option<String>,
}

impl RowError {
    /// A row error without a known SKU.
    pub fn new(row: usize, code: RowErrorCode, message: impl Into<String>) -> Self {
        Self {
            row,
            code,
            message: message.into(),
            seller_sku: None,
        }
    }

    /// The same error, naming the record's SKU.
    #[must_use]
    pub fn with_sku(mut self, sku: &str) -> Self {
        self.seller_sku = Some(sku.to_owned());
        self
    }
}

/// Stable reason codes for a bad row. They are a public contract: see [`RowErrorCode::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowErrorCode {
    /// The seller SKU is absent or blank.
    MissingSku,
    /// The seller SKU is longer than [`MAX_SKU_LEN`] characters.
    SkuTooLong,
    /// The same SKU came earlier in this file; the later record is left out.
    DuplicateSku,
    /// The price is not a whole non-negative number of tenge.
    BadPrice,
    /// A text field is longer than [`MAX_FIELD_LEN`] characters.
    FieldTooLong,
    /// The record itself is broken: wrong number of cells, a cell that spans lines, too many columns.
    BadRow,
}

impl RowErrorCode {
    /// The SCREAMING_SNAKE_CASE code sent to clients, e.g. `"MISSING_SKU"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingSku => "MISSING_SKU",
            Self::SkuTooLong => "SKU_TOO_LONG",
            Self::DuplicateSku => "DUPLICATE_SKU",
            Self::BadPrice => "BAD_PRICE",
            Self::FieldTooLong => "FIELD_TOO_LONG",
            Self::BadRow => "BAD_ROW",
        }
    }
}

impl std::fmt::Display for RowErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Fatal: the file as a whole cannot be read; the caller stores NOTHING from it.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The bytes are not UTF-8 (typically Windows-1251 from Excel's default CSV export).
    #[error(
        "line {row} is not UTF-8 text (the file looks like Windows-1251/ANSI): save it as UTF-8 \
         (in Excel: «CSV UTF-8 (разделитель — запятая)») and upload it again"
    )]
    NotUtf8 {
        /// 1-based line where the first invalid byte sits (CSV: the line where its record starts).
        row: usize,
    },
    /// The file is not well-formed (truncated, not XML, broken markup, unknown entity).
    #[error("line {row}: the file cannot be read: {message}")]
    Malformed {
        /// 1-based line where the problem was found.
        row: usize,
        /// What is wrong, in plain words.
        message: String,
    },
    /// The XML has a `<!DOCTYPE>`. We never expand entities, so we refuse the file outright.
    #[error(
        "the XML file has a <!DOCTYPE> declaration, which is not accepted (a Kaspi price list has none)"
    )]
    DoctypeForbidden,
    /// The XML root is not the one of the expected price list (`kaspi_catalog` for Kaspi).
    #[error("the root element is <{found}>, not {expected}: this is not {list}")]
    WrongRoot {
        /// Local name of the root element that was found.
        found: String,
        /// The accepted root(s), e.g. `<kaspi_catalog>`.
        expected: &'static str,
        /// What the file should have been, e.g. `a Kaspi price list`.
        list: &'static str,
    },
    /// A required CSV column is missing; holds the canonical column name (`"seller_sku"`).
    #[error(
        "the header has no `{0}` column (name the SKU column sku, seller_sku, артикул or vendor_code)"
    )]
    MissingHeader(String),
    /// Reading the upload failed.
    #[error("the upload could not be read")]
    Io(#[from] std::io::Error),
}

impl ImportError {
    /// The stable SCREAMING_SNAKE_CASE code sent to clients, e.g. `"NOT_UTF8"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotUtf8 { .. } => "NOT_UTF8",
            Self::Malformed { .. } => "MALFORMED",
            Self::DoctypeForbidden => "DOCTYPE_FORBIDDEN",
            Self::WrongRoot { .. } => "WRONG_ROOT",
            Self::MissingHeader(_) => "MISSING_HEADER",
            Self::Io(_) => "IO",
        }
    }

    /// The 1-based line the error points at, when there is one.
    pub fn row(&self) -> Option<usize> {
        match self {
            Self::NotUtf8 { row } | Self::Malformed { row, .. } => Some(*row),
            _ => None,
        }
    }
}

/// The single entry point for the API layer: picks the parser for `format`.
///
/// # Errors
/// Only CSV can fail here, before any row: [`ImportError::MissingHeader`], [`ImportError::NotUtf8`] on the
/// header line, or [`ImportError::Io`]. Later problems arrive through the stream.
pub fn parse(
    format: ImportFormat,
    reader: Box<dyn BufRead + Send>,
) -> Result<RowStream, ImportError> {
    Ok(match format {
        ImportFormat::Barcodes => Box::new(parse_barcodes(reader)),
        ImportFormat::Csv => Box::new(parse_csv(reader)?),
        ImportFormat::KaspiXml => Box::new(parse_kaspi(reader)),
        ImportFormat::OmarketXml => Box::new(parse_market_feed(reader, FeedDialect::OMarket)),
        ImportFormat::JmartXml => Box::new(parse_market_feed(reader, FeedDialect::Jmart)),
    })
}

/// Trims a cell; an empty result means "not given".
fn clean(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Counts `\n` bytes; used to keep line numbers without a second pass over the input.
fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Characters in `s`, stopping early once past `limit` (only what a limit check needs).
fn longer_than(s: &str, limit: usize) -> bool {
    s.len() > limit && s.chars().nth(limit).is_some()
}

/// The checks every format shares, plus the memory of SKUs already seen in this file.
#[derive(Debug, Default)]
struct RowChecker {
    /// SKU → line where it first appeared. Grows with the number of distinct SKUs, not with the file size.
    seen: HashMap<String, usize>,
}

impl RowChecker {
    /// Validates a drafted row. `row.seller_sku` holds the raw SKU (may be blank); `price_text` the raw price.
    ///
    /// Order: SKU present and short enough, then duplicate (recorded even if the row fails later), then
    /// field lengths, then price.
    fn finish(&mut self, mut row: ImportRow, price_text: Option<&str>) -> RowResult {
        let line = row.row;
        let sku = row.seller_sku.trim();
        if sku.is_empty() {
            return Err(RowError::new(
                line,
                RowErrorCode::MissingSku,
                "the seller SKU is missing",
            ));
        }
        if longer_than(sku, MAX_SKU_LEN) {
            return Err(RowError::new(
                line,
                RowErrorCode::SkuTooLong,
                format!("the seller SKU is longer than {MAX_SKU_LEN} characters"),
            ));
        }
        if sku.len() != row.seller_sku.len() {
            row.seller_sku = sku.to_owned();
        }
        if let Some(&first) = self.seen.get(&row.seller_sku) {
            return Err(RowError::new(
                line,
                RowErrorCode::DuplicateSku,
                format!(
                    "SKU `{}` already appeared on line {first}; this later one is skipped",
                    row.seller_sku
                ),
            )
            .with_sku(&row.seller_sku));
        }
        self.seen.insert(row.seller_sku.clone(), line);

        check_lengths(&row).map_err(|e| e.with_sku(&row.seller_sku))?;
        row.price = match price_text.map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(text) => Some(parse_price(text).ok_or_else(|| {
                RowError::new(
                    line,
                    RowErrorCode::BadPrice,
                    format!(
                        "price `{}` is not a whole number of tenge (digits only, no spaces or decimals)",
                        shorten(text)
                    ),
                )
                .with_sku(&row.seller_sku)
            })?),
        };
        Ok(row)
    }
}

/// Whole tenge: ASCII digits only, fits in `i64`.
fn parse_price(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Cuts a value quoted in an error message to a readable length.
fn shorten(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

fn check_lengths(row: &ImportRow) -> Result<(), RowError> {
    let fields = [
        ("barcode", &row.barcode),
        ("name_ru", &row.name_ru),
        ("name_kk", &row.name_kk),
        ("brand", &row.brand),
        ("oktru", &row.oktru),
        ("tnved", &row.tnved),
        ("country", &row.country),
        ("measure_unit", &row.measure_unit),
        ("measure_qty", &row.measure_qty),
        ("ntin", &row.ntin),
        ("xtin", &row.xtin),
    ];
    let too_long = fields
        .iter()
        .find(|(_, value)| {
            value
                .as_deref()
                .is_some_and(|v| longer_than(v, MAX_FIELD_LEN))
        })
        .map(|(name, _)| *name)
        .or_else(|| {
            row.channels
                .iter()
                .any(|c| longer_than(c, MAX_FIELD_LEN))
                .then_some("channels")
        });
    match too_long {
        None => Ok(()),
        Some(name) => Err(RowError::new(
            row.row,
            RowErrorCode::FieldTooLong,
            format!("`{name}` is longer than {MAX_FIELD_LEN} characters"),
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn collect(stream: RowStream) -> (Vec<ImportRow>, Vec<RowError>) {
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        for item in stream {
            match item {
                Ok(Ok(row)) => rows.push(row),
                Ok(Err(e)) => errors.push(e),
                Err(fatal) => panic!("fatal error: {fatal}"),
            }
        }
        (rows, errors)
    }

    #[test]
    fn the_demo_kaspi_catalog_parses_into_36_rows_without_errors() {
        // Arrange
        let bytes: &'static [u8] = include_bytes!("../../../api/demo/kaspi_catalog.xml");

        // Act
        let stream = parse(ImportFormat::KaspiXml, Box::new(Cursor::new(bytes))).unwrap();
        let (rows, errors) = collect(stream);

        // Assert
        assert_eq!(errors, vec![]);
        assert_eq!(rows.len(), 36);
        assert!(
            rows.iter()
                .all(|r| r.price.is_some() && r.name_ru.is_some() && r.channels == ["kaspi"])
        );
        assert_eq!(rows[0].seller_sku, "DEMO-001");
        assert_eq!(rows[35].seller_sku, "DEMO-036");
    }

    #[test]
    fn the_demo_barcodes_csv_joins_a_row_to_every_kaspi_sku() {
        // Arrange
        let text: &'static str = include_str!("../../../api/demo/barcodes.csv");
        let kaspi: &'static [u8] = include_bytes!("../../../api/demo/kaspi_catalog.xml");
        let (kaspi_rows, _) =
            collect(parse(ImportFormat::KaspiXml, Box::new(Cursor::new(kaspi))).unwrap());

        // Act
        let stream = parse(ImportFormat::Csv, Box::new(Cursor::new(text.as_bytes()))).unwrap();
        let (rows, errors) = collect(stream);

        // Assert
        assert_eq!(errors, vec![]);
        let csv_skus: Vec<&str> = rows.iter().map(|r| r.seller_sku.as_str()).collect();
        let xml_skus: Vec<&str> = kaspi_rows.iter().map(|r| r.seller_sku.as_str()).collect();
        assert_eq!(csv_skus, xml_skus);
        assert!(rows.iter().filter(|r| r.barcode.is_some()).count() >= 30);
        assert!(
            rows.iter()
                .any(|r| r.name_kk.is_some() && r.oktru.is_some())
        );
    }

    const ALL_FORMATS: [ImportFormat; 5] = [
        ImportFormat::Barcodes,
        ImportFormat::Csv,
        ImportFormat::KaspiXml,
        ImportFormat::OmarketXml,
        ImportFormat::JmartXml,
    ];
    const DEMO_XML: &[u8] = include_bytes!("../../../api/demo/kaspi_catalog.xml");

    /// Runs a parser to its end and checks that nothing follows a fatal error.
    fn drain(format: ImportFormat, bytes: Vec<u8>) -> (Vec<RowResult>, Option<ImportError>) {
        let Ok(mut stream) = parse(format, Box::new(Cursor::new(bytes))) else {
            return (Vec::new(), None);
        };
        let mut results = Vec::new();
        for item in stream.by_ref() {
            match item {
                Ok(result) => results.push(result),
                Err(fatal) => {
                    assert!(
                        stream.next().is_none(),
                        "{format:?} yielded after a fatal error"
                    );
                    return (results, Some(fatal));
                }
            }
        }
        (results, None)
    }

    proptest::proptest! {
        #[test]
        fn no_parser_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            for format in ALL_FORMATS {
                let (results, _) = drain(format, bytes.clone());
                for row in results.iter().flatten() {
                    proptest::prop_assert!(!row.seller_sku.is_empty() && row.seller_sku.chars().count() <= MAX_SKU_LEN);
                }
            }
        }

        #[test]
        fn no_parser_panics_on_a_damaged_demo_file(at in 0usize..DEMO_XML.len(), byte in proptest::prelude::any::<u8>()) {
            let mut bytes = DEMO_XML.to_vec();
            bytes[at] = byte;
            for format in ALL_FORMATS {
                drain(format, bytes.clone());
            }
        }

        #[test]
        fn a_truncated_kaspi_file_is_malformed_and_never_yields_a_partial_offer(cut in 0usize..DEMO_XML.len()) {
            // Arrange
            let (full, _) = drain(ImportFormat::KaspiXml, DEMO_XML.to_vec());
            let root_end = DEMO_XML.windows(16).position(|w| w == b"</kaspi_catalog>").unwrap_or(0) + 16;

            // Act
            let (rows, fatal) = drain(ImportFormat::KaspiXml, DEMO_XML[..cut].to_vec());

            // Assert
            if cut < root_end {
                let fatal = fatal.unwrap();
                proptest::prop_assert_eq!(fatal.code(), "MALFORMED", "{:?}", fatal);
            }
            proptest::prop_assert_eq!(&full[..rows.len()], &rows[..]);
        }
    }

    #[test]
    fn the_dispatcher_streams_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let stream = parse(
            ImportFormat::Barcodes,
            Box::new(Cursor::new(b"1\n".to_vec())),
        )
        .unwrap();
        assert_send(&stream);
    }

    #[test]
    fn error_codes_are_screaming_snake_case() {
        assert_eq!(RowErrorCode::DuplicateSku.as_str(), "DUPLICATE_SKU");
        assert_eq!(ImportError::NotUtf8 { row: 3 }.code(), "NOT_UTF8");
        assert_eq!(ImportError::NotUtf8 { row: 3 }.row(), Some(3));
        assert_eq!(ImportError::DoctypeForbidden.row(), None);
    }

    #[test]
    fn a_price_must_be_whole_tenge() {
        assert_eq!(parse_price("1490"), Some(1490));
        assert_eq!(parse_price("0"), Some(0));
        for bad in [
            "",
            "1490.00",
            "1 490",
            "-5",
            "+5",
            "12a",
            "99999999999999999999",
        ] {
            assert_eq!(parse_price(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_checker_trims_the_sku_and_counts_characters_not_bytes() {
        let mut checker = RowChecker::default();
        let cyrillic = "Ж".repeat(MAX_SKU_LEN);
        let row = ImportRow {
            row: 1,
            seller_sku: format!("  {cyrillic} "),
            ..ImportRow::default()
        };
        assert_eq!(checker.finish(row, None).unwrap().seller_sku, cyrillic);
        let long = ImportRow {
            row: 2,
            seller_sku: "Ж".repeat(MAX_SKU_LEN + 1),
            ..ImportRow::default()
        };
        assert_eq!(
            checker.finish(long, None).unwrap_err().code,
            RowErrorCode::SkuTooLong
        );
    }

    #[test]
    fn a_field_over_the_limit_is_field_too_long() {
        let mut checker = RowChecker::default();
        let row = ImportRow {
            row: 4,
            seller_sku: "A".into(),
            brand: Some("b".repeat(MAX_FIELD_LEN + 1)),
            ..ImportRow::default()
        };
        let err = checker.finish(row, None).unwrap_err();
        assert_eq!((err.row, err.code), (4, RowErrorCode::FieldTooLong));
        assert!(err.message.contains("brand"));
    }
}
