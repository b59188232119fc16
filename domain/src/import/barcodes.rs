//! A pasted list of barcodes, one entry per line.
//!
//! A line is either `barcode` (the barcode then doubles as the seller SKU) or `sku<SEP>barcode`, where SEP is the
//! first tab, `;` or `,` on the line. The second form is how barcodes join onto SKUs that a Kaspi import created,
//! since the Kaspi price list has no barcode field. Blank lines are skipped; `\r\n` is accepted; a UTF-8 BOM on
//! the first line is dropped. The barcode is kept exactly as typed (trimmed): judging it is not this module's job.

use std::io::BufRead;

use super::{ImportError, ImportRow, RowChecker, RowError, RowErrorCode, RowResult, clean};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses a pasted barcode list line by line.
pub fn parse_barcodes<R: BufRead>(reader: R) -> BarcodeRows<R> {
    BarcodeRows {
        reader,
        line: 0,
        buf: Vec::new(),
        checker: RowChecker::default(),
        done: false,
    }
}

/// Iterator returned by [`parse_barcodes`]: one item per non-blank line, then `None`.
/// After a fatal [`ImportError`] it yields nothing more.
#[derive(Debug)]
pub struct BarcodeRows<R> {
    reader: R,
    /// Lines read so far; the current line's number once it has been read.
    line: usize,
    /// Reused line buffer.
    buf: Vec<u8>,
    checker: RowChecker,
    done: bool,
}

impl<R: BufRead> Iterator for BarcodeRows<R> {
    type Item = Result<RowResult, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.buf.clear();
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.line += 1;
                    let mut bytes = self.buf.as_slice();
                    if self.line == 1 {
                        bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
                    }
                    let Ok(text) = std::str::from_utf8(bytes) else {
                        self.done = true;
                        return Some(Err(ImportError::NotUtf8 { row: self.line }));
                    };
                    if !text.trim().is_empty() {
                        return Some(Ok(parse_line(&mut self.checker, self.line, text)));
                    }
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e.into()));
                }
            }
        }
        None
    }
}

/// One non-blank line (line ending included) → a row or a row error.
fn parse_line(checker: &mut RowChecker, line: usize, text: &str) -> RowResult {
    let text = text.trim_end_matches(['\r', '\n']);
    let (sku, barcode) = match text.find(['\t', ';', ',']) {
        None => (text, clean(text)),
        Some(at) => {
            let separator = &text[at..=at];
            let rest = &text[at + 1..];
            if rest.contains(separator) {
                return Err(RowError::new(
                    line,
                    RowErrorCode::BadRow,
                    format!(
                        "expected `sku{sep}barcode` or just a barcode, found more than two columns",
                        sep = if separator == "\t" {
                            "<TAB>"
                        } else {
                            separator
                        }
                    ),
                ));
            }
            (&text[..at], clean(rest))
        }
    };
    let row = ImportRow {
        row: line,
        seller_sku: sku.to_owned(),
        barcode,
        ..ImportRow::default()
    };
    checker.finish(row, None)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn rows(input: &[u8]) -> Vec<RowResult> {
        parse_barcodes(input).map(|item| item.unwrap()).collect()
    }

    fn pair(row: &RowResult) -> (usize, &str, Option<&str>) {
        let row = row.as_ref().unwrap();
        (row.row, row.seller_sku.as_str(), row.barcode.as_deref())
    }

    #[test]
    fn a_plain_barcode_is_its_own_sku() {
        let got = rows(b" 4870000000017 \n0200000000017\n");
        assert_eq!(pair(&got[0]), (1, "4870000000017", Some("4870000000017")));
        assert_eq!(pair(&got[1]), (2, "0200000000017", Some("0200000000017")));
        assert_eq!(got[0].as_ref().unwrap().channels, Vec::<String>::new());
    }

    #[test]
    fn sku_and_barcode_split_on_semicolon_comma_or_tab() {
        let got = rows(b"TEA-1;4870000000017\nTEA-2,4870000000024\nTEA-3\t 4870000000031 \n");
        assert_eq!(pair(&got[0]), (1, "TEA-1", Some("4870000000017")));
        assert_eq!(pair(&got[1]), (2, "TEA-2", Some("4870000000024")));
        assert_eq!(pair(&got[2]), (3, "TEA-3", Some("4870000000031")));
    }

    #[test]
    fn the_first_separator_wins_and_the_barcode_stays_as_typed() {
        let got = rows(b"A;48 70,1\n");
        assert_eq!(pair(&got[0]), (1, "A", Some("48 70,1")));
    }

    #[test]
    fn blank_lines_are_skipped_but_still_counted() {
        let got = rows(b"\n  \nA;1\n\n\t\nB;2");
        assert_eq!(got.len(), 2);
        assert_eq!(pair(&got[0]), (3, "A", Some("1")));
        assert_eq!(pair(&got[1]), (6, "B", Some("2")));
    }

    #[test]
    fn crlf_line_endings_and_a_bom_are_accepted() {
        let got = rows(b"\xEF\xBB\xBFA;4870000000017\r\nB\t4870000000024\r\n\r\n");
        assert_eq!(pair(&got[0]), (1, "A", Some("4870000000017")));
        assert_eq!(pair(&got[1]), (2, "B", Some("4870000000024")));
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn an_empty_sku_or_a_third_column_is_a_row_error() {
        let got = rows(b";4870000000017\nA;1;2\nB;3\nB;4\nC;\n\t4870000000017\n");
        let codes: Vec<_> = got
            .iter()
            .map(|r| r.as_ref().map_err(|e| (e.row, e.code)))
            .collect();
        assert_eq!(codes[0], Err((1, RowErrorCode::MissingSku)));
        assert_eq!(codes[1], Err((2, RowErrorCode::BadRow)));
        assert_eq!(pair(&got[2]), (3, "B", Some("3")));
        assert_eq!(codes[3], Err((4, RowErrorCode::DuplicateSku)));
        assert_eq!(pair(&got[4]), (5, "C", None));
        assert_eq!(codes[5], Err((6, RowErrorCode::MissingSku)));
    }

    #[test]
    fn windows_1251_bytes_stop_the_list_with_the_line() {
        let mut items = parse_barcodes(&b"A;1\n\xC0\xF0\xF2;2\nC;3\n"[..]);
        assert!(matches!(items.next(), Some(Ok(Ok(_)))));
        assert!(matches!(
            items.next(),
            Some(Err(ImportError::NotUtf8 { row: 2 }))
        ));
        assert!(items.next().is_none());
    }
}
