//! A CSV table with a header line, as sellers save it from Excel or export it from their ERP.
//!
//! - Encoding: UTF-8 with or without BOM. Anything else (Excel's default "CSV" in a Russian locale writes
//!   Windows-1251) is refused with [`ImportError::NotUtf8`] and the line, never guessed at.
//! - Delimiter: the most frequent of `;`, `,` and tab in the header line, outside quotes (ties prefer `;`, which
//!   Excel uses in a Russian locale).
//! - Header names are case-insensitive, spaces and hyphens count as `_`, and Russian aliases are accepted (see
//!   [`column_for`]). Unknown columns are ignored. Without a SKU column the file is refused
//!   ([`ImportError::MissingHeader`]).
//! - A record with the wrong number of cells, or a quoted cell spanning lines (usually an unclosed quote), is a
//!   [`RowErrorCode::BadRow`]; the other rows go on. Records whose cells are all blank (Excel's `;;;;` tails)
//!   are skipped silently.

use std::io::{BufRead, BufReader, Chain, Cursor, Read};

use ::csv::{ByteRecord, ErrorKind, Reader, ReaderBuilder};

use super::{
    ImportError, ImportRow, RowChecker, RowError, RowErrorCode, RowResult, clean, count_newlines,
};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The fields a CSV column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Sku,
    Barcode,
    NameRu,
    NameKk,
    Brand,
    Price,
    Oktru,
    Tnved,
    Country,
    MeasureUnit,
    MeasureQty,
    Ntin,
    Xtin,
    Channels,
}

/// Maps a header cell to a column: trimmed, lower-cased, with spaces and hyphens read as `_`.
fn column_for(header: &str) -> Option<Column> {
    let name: String = header
        .trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect();
    Some(match name.as_str() {
        "sku" | "seller_sku" | "артикул" | "vendor_code" => Column::Sku,
        "barcode" | "gtin" | "ean" | "штрихкод" | "штрих_код" => Column::Barcode,
        "name_ru" | "name" | "наименование" | "model" => Column::NameRu,
        "name_kk" | "наименование_kk" => Column::NameKk,
        "brand" | "бренд" => Column::Brand,
        "price" | "цена" => Column::Price,
        "oktru" | "октру" => Column::Oktru,
        "tnved" | "тн_вэд" | "hs_code" => Column::Tnved,
        "country" => Column::Country,
        "measure_unit" => Column::MeasureUnit,
        "measure_qty" => Column::MeasureQty,
        "ntin" | "нтин" => Column::Ntin,
        "xtin" => Column::Xtin,
        "channels" => Column::Channels,
        _ => return None,
    })
}

/// Whether a header cell names the barcode column (`barcode`, `gtin`, `ean`, `штрихкод`…), as the import reads it.
#[must_use]
pub fn is_barcode_header(name: &str) -> bool {
    column_for(name) == Some(Column::Barcode)
}

/// The byte source under the CSV reader: the header line we peeked at, then the rest of the upload.
type Source<R> = Chain<Cursor<Vec<u8>>, BufReader<R>>;

/// Reads the header line, detects the delimiter and maps the columns, then streams the records.
///
/// # Errors
/// [`ImportError::MissingHeader`]`("seller_sku")` when no header cell names the SKU (an empty file included),
/// [`ImportError::NotUtf8`] when the header line is not UTF-8, [`ImportError::Io`] when reading fails.
pub fn parse_csv<R: Read>(reader: R) -> Result<CsvRows<R>, ImportError> {
    // Peek at the first physical line to choose the delimiter; then hand it back to the CSV reader.
    let mut input = BufReader::new(reader);
    let mut first = Vec::new();
    input.read_until(b'\n', &mut first)?;
    if first.starts_with(UTF8_BOM) {
        first.drain(..UTF8_BOM.len());
    }
    if std::str::from_utf8(&first).is_err() {
        return Err(ImportError::NotUtf8 { row: 1 });
    }
    let delimiter = detect_delimiter(&first);
    let mut csv = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(Cursor::new(first).chain(input));

    let mut header = ByteRecord::new();
    let missing = || ImportError::MissingHeader("seller_sku".to_owned());
    if !csv
        .read_byte_record(&mut header)
        .map_err(|e| csv_error(e, 1))?
    {
        return Err(missing());
    }
    let mut columns = Vec::with_capacity(header.len());
    for cell in &header {
        let name = std::str::from_utf8(cell).map_err(|_| ImportError::NotUtf8 { row: 1 })?;
        let column = column_for(name);
        // The first column of a kind wins; a repeated header is ignored like an unknown one.
        columns.push(column.filter(|c| !columns.contains(&Some(*c))));
    }
    if !columns.contains(&Some(Column::Sku)) {
        return Err(missing());
    }
    Ok(CsvRows {
        csv,
        columns,
        record: ByteRecord::new(),
        checker: RowChecker::default(),
        last_line: 1,
        done: false,
    })
}

/// Iterator returned by [`parse_csv`]: one item per data record, then `None`.
/// After a fatal [`ImportError`] it yields nothing more.
#[derive(Debug)]
pub struct CsvRows<R> {
    csv: Reader<Source<R>>,
    /// What each header cell maps to, by position; `None` = ignored column.
    columns: Vec<Option<Column>>,
    /// Reused record buffer, so no allocation per row beyond the row's own strings.
    record: ByteRecord,
    checker: RowChecker,
    /// Line of the last record read, for errors that carry no position.
    last_line: usize,
    done: bool,
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Result<RowResult, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.csv.read_byte_record(&mut self.record) {
                Ok(false) => self.done = true,
                Ok(true) => {
                    let line = self
                        .record
                        .position()
                        .and_then(|p| usize::try_from(p.line()).ok())
                        .unwrap_or(self.last_line + 1);
                    self.last_line = line;
                    if std::str::from_utf8(self.record.as_slice()).is_err() {
                        self.done = true;
                        return Some(Err(ImportError::NotUtf8 { row: line }));
                    }
                    if self.record.iter().all(|cell| cell.trim_ascii().is_empty()) {
                        continue;
                    }
                    return Some(Ok(self.build_row(line)));
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(csv_error(e, self.last_line + 1)));
                }
            }
        }
        None
    }
}

impl<R> CsvRows<R> {
    /// Turns the current (UTF-8 checked, non-blank) record into a row or a row error.
    fn build_row(&mut self, line: usize) -> RowResult {
        let record = &self.record;
        let spanned = count_newlines(record.as_slice());
        if spanned > 0 || record.as_slice().contains(&b'\r') {
            return Err(RowError::new(
                line,
                RowErrorCode::BadRow,
                format!(
                    "a quoted cell runs over several lines ({line}–{}); check for an unclosed quote",
                    line + spanned
                ),
            ));
        }
        if record.len() != self.columns.len() {
            return Err(RowError::new(
                line,
                RowErrorCode::BadRow,
                format!(
                    "expected {} cells as in the header, found {}",
                    self.columns.len(),
                    record.len()
                ),
            ));
        }

        let mut row = ImportRow {
            row: line,
            ..ImportRow::default()
        };
        let mut price = None;
        for (column, cell) in self.columns.iter().zip(record.iter()) {
            let Some(column) = column else { continue };
            // Checked as a whole record by the caller, so every cell is UTF-8.
            let cell = std::str::from_utf8(cell).unwrap_or_default();
            match column {
                Column::Sku => row.seller_sku = cell.to_owned(),
                Column::Price => price = Some(cell),
                Column::Channels => {
                    row.channels = cell
                        .split(['|', ','])
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_lowercase)
                        .collect();
                }
                Column::Barcode => row.barcode = clean(cell),
                Column::NameRu => row.name_ru = clean(cell),
                Column::NameKk => row.name_kk = clean(cell),
                Column::Brand => row.brand = clean(cell),
                Column::Oktru => row.oktru = clean(cell),
                Column::Tnved => row.tnved = clean(cell),
                Column::Country => row.country = clean(cell),
                Column::MeasureUnit => row.measure_unit = clean(cell),
                Column::MeasureQty => row.measure_qty = clean(cell),
                Column::Ntin => row.ntin = clean(cell),
                Column::Xtin => row.xtin = clean(cell),
            }
        }
        self.checker.finish(row, price)
    }
}

/// Picks `;`, `,` or tab: whichever occurs most often outside quotes in the header line (ties: `;`, tab, `,`).
/// The delimiter of a header line: the most frequent of `;`, `,` and tab outside quotes (ties prefer `;`).
#[must_use]
pub fn detect_delimiter(header: &[u8]) -> u8 {
    let (mut semicolons, mut commas, mut tabs) = (0usize, 0usize, 0usize);
    let mut quoted = false;
    for &b in header {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => semicolons += 1,
            b',' if !quoted => commas += 1,
            b'\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if semicolons >= tabs && semicolons >= commas && semicolons > 0 {
        b';'
    } else if tabs >= commas && tabs > 0 {
        b'\t'
    } else {
        b','
    }
}

/// The `csv` crate reads bytes, so only I/O can really fail; anything else is reported as malformed.
fn csv_error(error: ::csv::Error, line: usize) -> ImportError {
    let line = error
        .position()
        .and_then(|p| usize::try_from(p.line()).ok())
        .unwrap_or(line);
    match error.into_kind() {
        ErrorKind::Io(io) => ImportError::Io(io),
        other => ImportError::Malformed {
            row: line,
            message: format!("{other:?}"),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Vec<RowResult> {
        parse_csv(input)
            .unwrap()
            .map(|item| item.unwrap())
            .collect()
    }

    fn ok(result: &RowResult) -> &ImportRow {
        result.as_ref().unwrap()
    }

    #[test]
    fn semicolon_files_from_a_russian_excel_parse() {
        // Arrange
        let input = "sku;barcode;name_ru;price\nTEA-1;4870000000017;Чай зелёный; 1490 \nTEA-2;;;\n";

        // Act
        let got = parse_all(input.as_bytes());

        // Assert
        assert_eq!(got.len(), 2);
        assert_eq!(
            ok(&got[0]),
            &ImportRow {
                row: 2,
                seller_sku: "TEA-1".into(),
                barcode: Some("4870000000017".into()),
                name_ru: Some("Чай зелёный".into()),
                price: Some(1490),
                ..ImportRow::default()
            }
        );
        assert_eq!(
            ok(&got[1]),
            &ImportRow {
                row: 3,
                seller_sku: "TEA-2".into(),
                ..ImportRow::default()
            }
        );
    }

    #[test]
    fn comma_files_with_quotes_parse() {
        let input = "SKU,EAN,Name,Channels\r\n\"A,1\",\"0487\",\"Шампунь \"\"Алма\"\"\",\"Kaspi| Halyk\"\r\n";
        let got = parse_all(input.as_bytes());
        let row = ok(&got[0]);
        assert_eq!(row.seller_sku, "A,1");
        assert_eq!(row.barcode.as_deref(), Some("0487"));
        assert_eq!(row.name_ru.as_deref(), Some("Шампунь \"Алма\""));
        assert_eq!(row.channels, ["kaspi", "halyk"]);
    }

    #[test]
    fn tab_separated_files_parse() {
        let got = parse_all(b"sku\tbarcode\nA\t4870000000017\n");
        assert_eq!(ok(&got[0]).barcode.as_deref(), Some("4870000000017"));
    }

    #[test]
    fn a_bom_before_the_header_is_ignored() {
        let got = parse_all(b"\xEF\xBB\xBFsku;barcode\nA;1\n");
        assert_eq!((ok(&got[0]).row, ok(&got[0]).seller_sku.as_str()), (2, "A"));
    }

    #[test]
    fn russian_header_aliases_map_to_fields() {
        // Arrange
        let input = "Артикул;Штрих-код;Наименование;Наименование_KK;Бренд;Цена;ОКТРУ;ТН ВЭД;НТИН;Склад\n\
                     A-1;4870000000017;Шоколад;Шоколад kk;Рахат;990;1020-0011-0003-100006374;1806329000;0200000000017;PP1\n";

        // Act
        let got = parse_all(input.as_bytes());

        // Assert
        let row = ok(&got[0]);
        assert_eq!(row.seller_sku, "A-1");
        assert_eq!(row.barcode.as_deref(), Some("4870000000017"));
        assert_eq!(row.name_ru.as_deref(), Some("Шоколад"));
        assert_eq!(row.name_kk.as_deref(), Some("Шоколад kk"));
        assert_eq!(row.brand.as_deref(), Some("Рахат"));
        assert_eq!(row.price, Some(990));
        assert_eq!(row.oktru.as_deref(), Some("1020-0011-0003-100006374"));
        assert_eq!(row.tnved.as_deref(), Some("1806329000"));
        assert_eq!(row.ntin.as_deref(), Some("0200000000017"));
    }

    #[test]
    fn a_bad_row_in_the_middle_keeps_the_others_with_right_line_numbers() {
        // Arrange: line 3 has too many cells, line 4 a bad price, line 6 a blank Excel tail, line 7 an
        // unclosed quote that swallows line 8.
        let input =
            "sku;barcode;price\nA;1;10\nB;2;20;extra\nC;3;1 490\nD;4;40\n;;\nE;\"5;50\nF;6;60\n";

        // Act
        let got = parse_all(input.as_bytes());

        // Assert
        let summary: Vec<_> = got
            .iter()
            .map(|r| match r {
                Ok(row) => (row.row, row.seller_sku.clone()),
                Err(e) => (e.row, e.code.as_str().to_owned()),
            })
            .collect();
        assert_eq!(
            summary,
            [
                (2, "A".to_owned()),
                (3, "BAD_ROW".to_owned()),
                (4, "BAD_PRICE".to_owned()),
                (5, "D".to_owned()),
                (7, "BAD_ROW".to_owned()),
            ]
        );
    }

    #[test]
    fn duplicate_and_missing_skus_are_row_errors() {
        let got = parse_all(b"sku,barcode\nA,1\n ,2\nA,3\n");
        assert_eq!(got[1].as_ref().unwrap_err().code, RowErrorCode::MissingSku);
        let dup = got[2].as_ref().unwrap_err();
        assert_eq!((dup.row, dup.code), (4, RowErrorCode::DuplicateSku));
    }

    #[test]
    fn windows_1251_bytes_are_refused_as_not_utf8_with_the_line() {
        // "Чай" in Windows-1251 on line 3.
        let input = b"sku;name\nA;tea\nB;\xD7\xE0\xE9\nC;x\n";
        let mut items = parse_csv(&input[..]).unwrap();
        assert!(matches!(items.next(), Some(Ok(Ok(_)))));
        let err = items.next().unwrap().unwrap_err();
        assert!(matches!(err, ImportError::NotUtf8 { row: 3 }));
        assert!(err.to_string().contains("UTF-8"));
        assert!(items.next().is_none());
    }

    #[test]
    fn a_windows_1251_header_is_refused_before_any_row() {
        let err = parse_csv(&b"\xC0\xF0\xF2\xE8\xEA\xF3\xEB;barcode\nA;1\n"[..]).unwrap_err();
        assert_eq!((err.code(), err.row()), ("NOT_UTF8", Some(1)));
    }

    #[test]
    fn a_file_without_a_sku_column_is_refused() {
        let err = parse_csv(&b"barcode;name\n1;x\n"[..]).unwrap_err();
        assert!(matches!(&err, ImportError::MissingHeader(c) if c == "seller_sku"));
        assert!(matches!(
            parse_csv(&b""[..]),
            Err(ImportError::MissingHeader(_))
        ));
    }

    #[test]
    fn the_delimiter_is_the_most_frequent_outside_quotes() {
        assert_eq!(detect_delimiter(b"sku;barcode;\"a,b,c\"\n"), b';');
        assert_eq!(detect_delimiter(b"sku,barcode\n"), b',');
        assert_eq!(detect_delimiter(b"sku\tbarcode\n"), b'\t');
        assert_eq!(detect_delimiter(b"sku\n"), b',');
    }
}
