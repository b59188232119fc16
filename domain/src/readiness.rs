//! Readiness check: sort a seller's barcodes into what it takes to get each product into NCT.
//!
//! [`classify`] looks at one pasted barcode and gives a [`ReadinessClass`]:
//! - `HAS_NTIN`: already an NCT code (13 digits, `02…`, valid check digit);
//! - `TEMPORARY_XTIN`: an NCT temporary code (`004` + 10 digits, no check digit required);
//! - `AUTO_LOOKUP_READY`: a well-formed product GTIN that can be looked up in NCT;
//! - `MANUAL_CARD`: everything else, with a [`Reason`] saying precisely why.
//!
//! The only change ever made to the input is trimming surrounding whitespace (including the `\r`
//! of Windows line ends). A code that lost its leading zero or has a space inside is reported, not
//! repaired: guessing would attach the wrong product to a seller's card.
//!
//! Prefix rules follow the GS1 ranges in `DOMAIN.md` §2 and are reported as reasons, never hidden.
//! NTINs sit inside the restricted range 020–029, which is why the NTIN rule runs first.
//! [`classify_all`] classifies a whole list, flags repeated codes and counts the classes.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::{Deserialize, Serialize};

use crate::barcode::{check_digit_matches, gs1_check_digit, pad_to_gtin14};

/// Most lines one readiness check accepts. Enforced by the caller (the API) before it calls
/// [`classify_all`], which itself has no limit.
pub const MAX_READINESS_LINES: usize = 200_000;

/// What a product needs before it can be sold under the NCT rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReadinessClass {
    /// The code is already an NTIN: nothing to register.
    HasNtin,
    /// A well-formed product GTIN: look it up in NCT, then register or link the card.
    AutoLookupReady,
    /// An NCT temporary code: the card is in moderation, follow it up.
    TemporaryXtin,
    /// No usable product code: a card has to be filled in by hand.
    ManualCard,
}

impl ReadinessClass {
    /// Every class, in report order.
    pub const ALL: [Self; 4] = [
        Self::HasNtin,
        Self::AutoLookupReady,
        Self::TemporaryXtin,
        Self::ManualCard,
    ];

    /// Stable wire name, e.g. `"AUTO_LOOKUP_READY"` (the same as the serde form).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HasNtin => "HAS_NTIN",
            Self::AutoLookupReady => "AUTO_LOOKUP_READY",
            Self::TemporaryXtin => "TEMPORARY_XTIN",
            Self::ManualCard => "MANUAL_CARD",
        }
    }

    /// Inverse of [`Self::as_str`]; exact match only.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Machine-readable reason attached to a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReasonCode {
    /// The line is empty after trimming.
    Empty,
    /// A character other than 0-9 (and not whitespace) is present.
    NonDigit,
    /// Whitespace between digits, e.g. two codes on one line or a split code.
    InnerWhitespace,
    /// Digits only, but not 8, 12, 13 or 14 of them.
    BadLength,
    /// The last digit is not the GS1 check digit of the others.
    BadCheckDigit,
    /// A well-formed code in a range that does not identify a product for sale across the market
    /// (restricted circulation, coupons, refund receipts, variable measure).
    RestrictedPrefix,
    /// The same code already appeared on an earlier line.
    DuplicateInInput,
}

impl ReasonCode {
    /// Every reason code.
    pub const ALL: [Self; 7] = [
        Self::Empty,
        Self::NonDigit,
        Self::InnerWhitespace,
        Self::BadLength,
        Self::BadCheckDigit,
        Self::RestrictedPrefix,
        Self::DuplicateInInput,
    ];

    /// Stable wire name, e.g. `"BAD_CHECK_DIGIT"` (the same as the serde form).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "EMPTY",
            Self::NonDigit => "NON_DIGIT",
            Self::InnerWhitespace => "INNER_WHITESPACE",
            Self::BadLength => "BAD_LENGTH",
            Self::BadCheckDigit => "BAD_CHECK_DIGIT",
            Self::RestrictedPrefix => "RESTRICTED_PREFIX",
            Self::DuplicateInInput => "DUPLICATE_IN_INPUT",
        }
    }

    /// Inverse of [`Self::as_str`]; exact match only.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Why a line got its class: a code for programs and an English sentence for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// Machine-readable reason.
    pub code: ReasonCode,
    /// Human explanation naming the exact problem, e.g. "check digit should be 7, found 3".
    pub message: String,
}

impl Reason {
    fn new(code: ReasonCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Result of classifying one barcode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// Readiness class.
    pub class: ReadinessClass,
    /// The zero-padded GTIN-14 when the input is a well-formed GTIN (`AUTO_LOOKUP_READY`, or
    /// `MANUAL_CARD` for a restricted prefix). `None` for NTINs and XTINs, which are not GTINs.
    pub gtin14: Option<String>,
    /// Why the class is not the plain one; `None` for `HAS_NTIN`, `TEMPORARY_XTIN` and
    /// `AUTO_LOOKUP_READY`.
    pub reason: Option<Reason>,
}

impl Classification {
    fn manual(code: ReasonCode, message: impl Into<String>) -> Self {
        Self {
            class: ReadinessClass::ManualCard,
            gtin14: None,
            reason: Some(Reason::new(code, message)),
        }
    }

    fn plain(class: ReadinessClass, gtin14: Option<String>) -> Self {
        Self {
            class,
            gtin14,
            reason: None,
        }
    }
}

/// Classify one pasted barcode. Never panics; the only normalization is trimming.
///
/// Rules, in order: empty; whitespace inside; non-digit; `004` + 10 digits is an XTIN; 13 digits
/// `02…` is an NTIN if its check digit holds; length other than 8/12/13/14; check digit;
/// restricted prefixes; otherwise `AUTO_LOOKUP_READY`.
#[must_use]
pub fn classify(input: &str) -> Classification {
    let s = input.trim();
    let digits = s.as_bytes();
    if digits.is_empty() {
        return Classification::manual(ReasonCode::Empty, "empty line: no barcode");
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return classify_non_digit(s);
    }
    let len = digits.len();

    // NCT's own codes first: both look like GS1 codes from other ranges.
    if len == 13 && digits.starts_with(b"004") {
        return Classification::plain(ReadinessClass::TemporaryXtin, None);
    }
    if len == 13 && digits.starts_with(b"02") {
        return match check_digit_reason(digits) {
            None => Classification::plain(ReadinessClass::HasNtin, None),
            Some(reason) => Classification {
                class: ReadinessClass::ManualCard,
                gtin14: None,
                reason: Some(reason),
            },
        };
    }

    if !matches!(len, 8 | 12 | 13 | 14) {
        return Classification::manual(
            ReasonCode::BadLength,
            format!("length {len}: a GTIN has 8, 12, 13 or 14 digits"),
        );
    }
    if let Some(reason) = check_digit_reason(digits) {
        return Classification {
            class: ReadinessClass::ManualCard,
            gtin14: None,
            reason: Some(reason),
        };
    }

    let gtin14 = pad_to_gtin14(s);
    match restricted_prefix(digits) {
        Some(message) => Classification {
            class: ReadinessClass::ManualCard,
            gtin14: Some(gtin14),
            reason: Some(Reason::new(ReasonCode::RestrictedPrefix, message)),
        },
        None => Classification::plain(ReadinessClass::AutoLookupReady, Some(gtin14)),
    }
}

/// The reason for a trimmed, non-empty input that is not all ASCII digits.
fn classify_non_digit(s: &str) -> Classification {
    // 1-based character positions, because that is what a person counts.
    if let Some(position) = s.chars().position(char::is_whitespace) {
        return Classification::manual(
            ReasonCode::InnerWhitespace,
            format!(
                "whitespace inside the code at position {}: codes are not joined or split automatically",
                position + 1
            ),
        );
    }
    let Some((position, ch)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) else {
        // Unreachable for callers in this module (they checked for a non-digit); stay total.
        return Classification::manual(ReasonCode::NonDigit, "not a digit string");
    };
    let mut message = format!(
        "character {ch:?} at position {} is not a digit 0-9",
        position + 1
    );
    if looks_like_scientific_notation(s) {
        message.push_str(
            "; this looks like a spreadsheet number in scientific notation, which has lost digits: \
             format the column as text and export again",
        );
    }
    Classification::manual(ReasonCode::NonDigit, message)
}

/// `4.00638E+12`-style text, as spreadsheets write long numbers.
fn looks_like_scientific_notation(s: &str) -> bool {
    let Some((mantissa, exponent)) = s.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let mantissa_ok = !mantissa.is_empty()
        && mantissa.bytes().any(|b| b.is_ascii_digit())
        && mantissa
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',');
    mantissa_ok && !exponent.is_empty() && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// `None` when the check digit holds, else a reason naming the expected and the found digit.
fn check_digit_reason(digits: &[u8]) -> Option<Reason> {
    if check_digit_matches(digits) {
        return None;
    }
    let (last, body) = digits.split_last()?;
    Some(Reason::new(
        ReasonCode::BadCheckDigit,
        format!(
            "check digit should be {}, found {}",
            gs1_check_digit(body),
            char::from(*last)
        ),
    ))
}

const RCN_REGION_0: &str = "prefix 020-029: restricted circulation number (in-store / variable-measure) within a geographic region";
const RCN_REGION_2: &str = "prefix 200-299: restricted circulation number (in-store / variable-measure) within a geographic region";
const RCN_COMPANY: &str = "prefix 040-049: restricted circulation number for use within a company";
const GS1_US_RESERVED: &str =
    "prefix 050-059: GS1 US reserved range (formerly coupons), not a product GTIN";
const REFUND_RECEIPT: &str = "prefix 980: refund receipt, not a product GTIN";
const COUPON_CURRENCY: &str =
    "prefix 981-984: coupon identification for a currency area, not a product GTIN";
const COUPON: &str = "prefix 990-999: coupon identification, not a product GTIN";
const RCN_GTIN8: &str = "GTIN-8 starting with 0 or 2: restricted circulation number for internal use, not a product GTIN";
const VARIABLE_MEASURE: &str =
    "GTIN-14 indicator digit 9: variable measure trade item, not a fixed product code";

/// The restricted range a valid 8/12/13/14-digit GTIN falls in, if any.
///
/// A GTIN-8 is judged on its own 8 digits. Longer codes are judged on their GTIN-13 form (the
/// last 13 digits of the GTIN-14), after the GTIN-14 indicator digit 9 rule.
/// ISSN/ISBN/ISMN (977-979) are not restricted: books and periodicals are sold.
fn restricted_prefix(digits: &[u8]) -> Option<String> {
    let d = |i: usize| u16::from(digits[i] - b'0');
    let prefix3 = match digits.len() {
        8 => {
            return matches!(digits[0], b'0' | b'2').then(|| RCN_GTIN8.to_owned());
        }
        12 => d(0) * 10 + d(1), // GTIN-13 form is "0" + the 12 digits
        13 => d(0) * 100 + d(1) * 10 + d(2),
        14 => {
            if digits[0] == b'9' {
                return Some(VARIABLE_MEASURE.to_owned());
            }
            d(1) * 100 + d(2) * 10 + d(3)
        }
        _ => return None,
    };
    let message = match prefix3 {
        20..=29 => return Some(rcn_region_0_message(digits)),
        40..=49 => RCN_COMPANY,
        50..=59 => GS1_US_RESERVED,
        200..=299 => RCN_REGION_2,
        980 => REFUND_RECEIPT,
        981..=984 => COUPON_CURRENCY,
        990..=999 => COUPON,
        _ => return None,
    };
    Some(message.to_owned())
}

/// The 020-029 message. When the GTIN-13 form is NTIN-shaped (12 digits `2…` or 14 digits
/// `002…`), add a hint: spreadsheets drop the leading zero of an NTIN, and some tools pad it to
/// 14. The hint suggests; it does not repair.
fn rcn_region_0_message(digits: &[u8]) -> String {
    let (gtin13, what) = match digits {
        [b'0', rest @ ..] if rest.len() == 13 => (rest.to_vec(), "padded with an extra zero"),
        _ if digits.len() == 12 => (
            [b"0".as_slice(), digits].concat(),
            "that lost its leading zero",
        ),
        _ => return RCN_REGION_0.to_owned(),
    };
    let ntin = String::from_utf8_lossy(&gtin13);
    format!("{RCN_REGION_0}; if this is an NTIN {what}, enter it as the 13 digits {ntin}")
}

/// One line of a readiness report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportItem {
    /// 1-based line number in the submitted list.
    pub line: usize,
    /// The line exactly as given (untrimmed), so the seller can find it.
    pub input: String,
    /// Normalized GTIN-14, as in [`Classification::gtin14`].
    pub gtin14: Option<String>,
    /// Readiness class of this line on its own (a duplicate keeps its class).
    pub class: ReadinessClass,
    /// Why; `DUPLICATE_IN_INPUT` only when the line had no other reason.
    pub reason: Option<Reason>,
}

/// Counts for a readiness report. `total` equals the sum of the four class counters;
/// `duplicates` counts lines whose code appeared on an earlier line (they are in the class
/// counters as well).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of lines.
    pub total: u64,
    /// Lines classed `HAS_NTIN`.
    pub has_ntin: u64,
    /// Lines classed `AUTO_LOOKUP_READY`.
    pub auto_lookup_ready: u64,
    /// Lines classed `TEMPORARY_XTIN`.
    pub temporary_xtin: u64,
    /// Lines classed `MANUAL_CARD`.
    pub manual_card: u64,
    /// Lines repeating the code of an earlier line.
    pub duplicates: u64,
}

impl Summary {
    /// Count one line of class `class` (updates `total` and that class's counter).
    pub fn add(&mut self, class: ReadinessClass) {
        self.total += 1;
        let counter = match class {
            ReadinessClass::HasNtin => &mut self.has_ntin,
            ReadinessClass::AutoLookupReady => &mut self.auto_lookup_ready,
            ReadinessClass::TemporaryXtin => &mut self.temporary_xtin,
            ReadinessClass::ManualCard => &mut self.manual_card,
        };
        *counter += 1;
    }
}

/// A classified list: counts plus one item per input line, in input order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessReport {
    /// Counts over all lines.
    pub summary: Summary,
    /// One item per line, in input order.
    pub items: Vec<ReportItem>,
}

/// Classify every line and flag repeats.
///
/// A line's identity is its GTIN-14 when it has one (so `40084077` and `00000040084077` are the
/// same product), otherwise its trimmed text; empty lines are never duplicates. A repeated line
/// keeps its own class and reason; it gets `DUPLICATE_IN_INPUT` (naming the first line) only if
/// it had no other reason. The line limit [`MAX_READINESS_LINES`] is not enforced here.
pub fn classify_all<I, S>(lines: I) -> ReadinessReport
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let lines = lines.into_iter();
    let capacity = lines.size_hint().0.min(MAX_READINESS_LINES);
    let mut report = ReadinessReport {
        summary: Summary::default(),
        items: Vec::with_capacity(capacity),
    };
    // Identities that pack into a u64 (nearly all lines), as (key, item index): sorted after the
    // loop, which is several times cheaper than probing a large hash table once per line.
    let mut packed: Vec<(u64, usize)> = Vec::with_capacity(capacity);
    // Other identities (text), decided on the spot; rare, so a plain map is fine.
    let mut text: HashMap<String, usize> = HashMap::new();

    for (index, raw) in lines.enumerate() {
        let input = raw.as_ref();
        let Classification {
            class,
            gtin14,
            mut reason,
        } = classify(input);

        let identity = gtin14.as_deref().unwrap_or_else(|| input.trim());
        if let Some(key) = pack_digits(identity) {
            packed.push((key, index));
        } else if !identity.is_empty() {
            match text.entry(identity.to_owned()) {
                Entry::Occupied(first) => {
                    report.summary.duplicates += 1;
                    if reason.is_none() {
                        reason = Some(duplicate_reason(*first.get() + 1, None));
                    }
                }
                Entry::Vacant(slot) => {
                    slot.insert(index);
                }
            }
        }

        report.summary.add(class);
        report.items.push(ReportItem {
            line: index + 1,
            input: input.to_owned(),
            gtin14,
            class,
            reason,
        });
    }

    // Equal keys end up adjacent, earliest line first.
    packed.sort_unstable();
    for group in packed.chunk_by(|a, b| a.0 == b.0) {
        let Some(((_, first), repeats)) = group.split_first() else {
            continue;
        };
        for &(_, index) in repeats {
            report.summary.duplicates += 1;
            if let Some(item) = report.items.get_mut(index)
                && item.reason.is_none()
            {
                item.reason = Some(duplicate_reason(first + 1, item.gtin14.as_deref()));
            }
        }
    }
    report
}

/// `DUPLICATE_IN_INPUT` naming the first line (and the shared GTIN-14 when there is one).
pub(crate) fn duplicate_reason(first_line: usize, gtin14: Option<&str>) -> Reason {
    let message = match gtin14 {
        Some(g) => format!("duplicate of line {first_line} (same GTIN-14 {g})"),
        None => format!("duplicate of line {first_line}"),
    };
    Reason::new(ReasonCode::DuplicateInInput, message)
}

/// `value * 16 + length` for 1 to 14 ASCII digits; `None` otherwise.
pub(crate) fn pack_digits(s: &str) -> Option<u64> {
    let bytes = s.as_bytes();
    if bytes.is_empty() || bytes.len() > 14 {
        return None;
    }
    let mut value = 0u64;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(b - b'0');
    }
    // 10^14 * 16 < 2^64, and the length (at most 14) fits in the low 4 bits.
    Some(value * 16 + bytes.len() as u64)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reason_code(input: &str) -> Option<ReasonCode> {
        classify(input).reason.map(|r| r.code)
    }

    fn message(input: &str) -> String {
        classify(input)
            .reason
            .map(|r| r.message)
            .unwrap_or_default()
    }

    fn assert_restricted(input: &str, range: &str) {
        let c = classify(input);
        assert_eq!(c.class, ReadinessClass::ManualCard, "{input}");
        assert_eq!(
            reason_code(input),
            Some(ReasonCode::RestrictedPrefix),
            "{input}"
        );
        assert!(
            c.gtin14.is_some(),
            "{input} is well formed, so it keeps its GTIN-14"
        );
        assert!(
            message(input).contains(range),
            "{input}: {}",
            message(input)
        );
    }

    /// A valid code built from `body` by appending its check digit.
    fn with_check(body: &str) -> String {
        format!("{body}{}", gs1_check_digit(body.as_bytes()))
    }

    #[test]
    fn class_and_reason_names_round_trip_through_parse_and_serde() {
        for class in ReadinessClass::ALL {
            assert_eq!(ReadinessClass::parse(class.as_str()), Some(class));
            let json = serde_json::to_string(&class).unwrap();
            assert_eq!(json, format!("\"{}\"", class.as_str()));
        }
        for code in ReasonCode::ALL {
            assert_eq!(ReasonCode::parse(code.as_str()), Some(code));
            assert_eq!(
                serde_json::to_string(&code).unwrap(),
                format!("\"{}\"", code.as_str())
            );
        }
        assert_eq!(ReadinessClass::parse("has_ntin"), None);
        assert_eq!(ReasonCode::parse(""), None);
    }

    #[test]
    fn the_known_ntin_samples_are_has_ntin_without_a_gtin() {
        for ntin in ["0200121958529", "0200120931516"] {
            assert_eq!(
                classify(ntin),
                Classification::plain(ReadinessClass::HasNtin, None)
            );
        }
    }

    #[test]
    fn an_ntin_with_a_wrong_check_digit_needs_a_manual_card() {
        let c = classify("0200121958528");
        assert_eq!(c.class, ReadinessClass::ManualCard);
        assert_eq!(c.gtin14, None);
        assert_eq!(
            c.reason.unwrap().message,
            "check digit should be 9, found 8"
        );
    }

    #[test]
    fn the_nct_xtin_example_is_temporary_even_though_its_mod_10_fails() {
        assert!(!crate::barcode::has_valid_check_digit("0041234567890"));
        assert_eq!(
            classify("0041234567890"),
            Classification::plain(ReadinessClass::TemporaryXtin, None)
        );
    }

    #[test]
    fn valid_gtins_of_each_length_are_auto_lookup_ready_with_the_padded_form() {
        for (input, gtin14) in [
            ("40084077", "00000040084077"),
            ("034000338955", "00034000338955"),
            ("4006381333931", "04006381333931"),
            ("4870204391510", "04870204391510"),
            ("04630529181414", "04630529181414"),
        ] {
            let c = classify(input);
            assert_eq!(c.class, ReadinessClass::AutoLookupReady, "{input}");
            assert_eq!(c.gtin14.as_deref(), Some(gtin14));
            assert_eq!(c.reason, None);
        }
    }

    #[test]
    fn surrounding_whitespace_and_windows_line_ends_are_trimmed() {
        let c = classify("  4006381333931\r");
        assert_eq!(c.class, ReadinessClass::AutoLookupReady);
        assert_eq!(c.gtin14.as_deref(), Some("04006381333931"));
        assert_eq!(
            classify("\t0200121958529\r\n").class,
            ReadinessClass::HasNtin
        );
    }

    #[test]
    fn empty_and_blank_lines_are_empty() {
        for input in ["", "   ", "\r", "\u{a0}"] {
            assert_eq!(classify(input).class, ReadinessClass::ManualCard);
            assert_eq!(reason_code(input), Some(ReasonCode::Empty));
        }
    }

    #[test]
    fn whitespace_inside_a_code_is_reported_with_its_position() {
        assert_eq!(
            reason_code("400638 1333931"),
            Some(ReasonCode::InnerWhitespace)
        );
        assert_eq!(
            reason_code("4006381333931\t4006381333931"),
            Some(ReasonCode::InnerWhitespace)
        );
        assert!(message("400638 1333931").contains("position 7"));
    }

    #[test]
    fn non_digits_are_reported_with_the_character_and_its_position() {
        assert_eq!(reason_code("4006381-333931"), Some(ReasonCode::NonDigit));
        assert_eq!(
            message("40A"),
            "character 'A' at position 3 is not a digit 0-9"
        );
        assert_eq!(reason_code("-"), Some(ReasonCode::NonDigit));
        assert_eq!(reason_code("４００８４０７７"), Some(ReasonCode::NonDigit));
    }

    #[test]
    fn spreadsheet_scientific_notation_gets_a_hint() {
        assert!(message("4.00638E+12").contains("scientific notation"));
        assert!(message("4,00638e12").contains("scientific notation"));
        assert!(!message("ABC").contains("scientific notation"));
    }

    #[test]
    fn lengths_other_than_8_12_13_14_are_bad_length() {
        assert_eq!(
            message("34000338955"),
            "length 11: a GTIN has 8, 12, 13 or 14 digits"
        );
        assert_eq!(reason_code("2270250"), Some(ReasonCode::BadLength));
        assert_eq!(reason_code("1"), Some(ReasonCode::BadLength));
        assert_eq!(reason_code("004123456789"), Some(ReasonCode::BadCheckDigit)); // 12 digits: not an XTIN
        assert_eq!(reason_code("004123456789012"), Some(ReasonCode::BadLength));
    }

    #[test]
    fn a_wrong_check_digit_names_the_expected_and_the_found_digit() {
        let c = classify("4006381333933");
        assert_eq!(c.class, ReadinessClass::ManualCard);
        assert_eq!(c.gtin14, None);
        assert_eq!(
            c.reason.unwrap().message,
            "check digit should be 1, found 3"
        );
    }

    #[test]
    fn each_restricted_range_is_named() {
        assert_restricted(&with_check("20123456789"), "020-029"); // UPC-A number system 2
        assert_restricted(&with_check("0020012345678"), "020-029"); // GTIN-14 over 002…
        assert_restricted(&with_check("200123456789"), "200-299");
        assert_restricted(&with_check("299999999999"), "200-299");
        assert_restricted(&with_check("40123456789"), "040-049"); // UPC-A number system 4
        assert_restricted(&with_check("040123456789"), "040-049");
        assert_restricted(&with_check("050123456789"), "050-059");
        assert_restricted(&with_check("980123456789"), "980");
        assert_restricted(&with_check("981123456789"), "981-984");
        assert_restricted(&with_check("984123456789"), "981-984");
        assert_restricted(&with_check("990123456789"), "990-999");
        assert_restricted(&with_check("999123456789"), "990-999");
        assert_restricted(&with_check("0123456"), "GTIN-8 starting with 0 or 2");
        assert_restricted(&with_check("2123456"), "GTIN-8 starting with 0 or 2");
        assert_restricted(&with_check("9487020439151"), "indicator digit 9");
    }

    #[test]
    fn neighbours_of_the_restricted_ranges_are_ready() {
        for body in [
            "019999999999",
            "030123456789",
            "060123456789",
            "199999999999",
            "300123456789",
            "487020439151",
            "979999999999",
            "985123456789",
            "989999999999",
            "1487020439151", // GTIN-14 with indicator 1
            "4008407",
            "9123456",     // GTIN-8 not starting with 0 or 2
            "12345678901", // UPC-A number system 1
        ] {
            let code = with_check(body);
            assert_eq!(
                classify(&code).class,
                ReadinessClass::AutoLookupReady,
                "{code}"
            );
        }
    }

    #[test]
    fn books_periodicals_and_sheet_music_stay_ready() {
        for body in ["977123456789", "978316148410", "979012345678"] {
            assert_eq!(
                classify(&with_check(body)).class,
                ReadinessClass::AutoLookupReady
            );
        }
    }

    #[test]
    fn a_gtin8_is_judged_on_its_own_digits_not_its_padded_form() {
        // 40084077 pads to 00000040084077, whose GTIN-13 form starts 000: fine either way, but a
        // GTIN-8 starting 2 must be caught although its padded form starts 000.
        assert_eq!(classify("40084077").class, ReadinessClass::AutoLookupReady);
        let rcn8 = with_check("2000001");
        assert_eq!(reason_code(&rcn8), Some(ReasonCode::RestrictedPrefix));
        // The same digits padded to 13 are not a GTIN-8 any more and are not restricted.
        assert_eq!(
            classify(&format!("00000{rcn8}")).class,
            ReadinessClass::AutoLookupReady
        );
    }

    #[test]
    fn an_ntin_written_with_12_or_14_digits_is_hinted_but_not_repaired() {
        for input in ["200121958529", "00200121958529"] {
            let c = classify(input);
            assert_eq!(c.class, ReadinessClass::ManualCard);
            assert!(
                message(input).contains("13 digits 0200121958529"),
                "{}",
                message(input)
            );
        }
        assert!(message("200121958529").contains("lost its leading zero"));
        assert!(message("00200121958529").contains("padded with an extra zero"));
        assert!(!message(&with_check("1020012195852")).contains("NTIN"));
        assert!(!message(&with_check("200123456789")).contains("NTIN"));
    }

    #[test]
    fn classify_all_counts_every_line_and_keeps_the_input_untrimmed() {
        let report = classify_all([
            "0200121958529\r",
            "4006381333931",
            "0041234567890",
            "",
            "abc",
        ]);
        let s = &report.summary;
        assert_eq!(s.total, 5);
        assert_eq!(
            (
                s.has_ntin,
                s.auto_lookup_ready,
                s.temporary_xtin,
                s.manual_card
            ),
            (1, 1, 1, 2)
        );
        assert_eq!(s.duplicates, 0);
        assert_eq!(report.items[0].line, 1);
        assert_eq!(report.items[0].input, "0200121958529\r");
        assert_eq!(report.items[4].line, 5);
    }

    #[test]
    fn a_repeated_gtin_is_a_duplicate_even_when_written_differently() {
        let report = classify_all(["40084077", "x", "00000040084077 ", "40084077"]);
        assert_eq!(report.summary.duplicates, 2);
        assert_eq!(report.summary.auto_lookup_ready, 3);
        let dup = &report.items[2];
        assert_eq!(dup.class, ReadinessClass::AutoLookupReady);
        let reason = dup.reason.as_ref().unwrap();
        assert_eq!(reason.code, ReasonCode::DuplicateInInput);
        assert_eq!(
            reason.message,
            "duplicate of line 1 (same GTIN-14 00000040084077)"
        );
        assert_eq!(
            report.items[3].reason.as_ref().unwrap().message,
            reason.message
        );
    }

    #[test]
    fn a_duplicate_keeps_its_own_reason_but_is_counted() {
        let report = classify_all([
            "abc",
            " abc",
            "0041234567890",
            "0041234567890",
            "",
            "",
            "123456789012345",
            "123456789012345",
        ]);
        assert_eq!(report.summary.duplicates, 3);
        assert_eq!(
            report.items[7].reason.as_ref().unwrap().code,
            ReasonCode::BadLength
        );
        assert_eq!(
            report.items[1].reason.as_ref().unwrap().code,
            ReasonCode::NonDigit
        );
        let xtin_dup = &report.items[3];
        assert_eq!(xtin_dup.class, ReadinessClass::TemporaryXtin);
        assert_eq!(
            xtin_dup.reason.as_ref().unwrap().message,
            "duplicate of line 3"
        );
        assert_eq!(
            report.items[5].reason.as_ref().unwrap().code,
            ReasonCode::Empty
        );
    }

    #[test]
    fn an_ntin_and_its_padded_14_digit_form_are_different_identities() {
        let report = classify_all(["0200121958529", "00200121958529"]);
        assert_eq!(report.summary.duplicates, 0);
    }

    #[test]
    fn packing_keeps_leading_zeros_apart() {
        assert_ne!(pack_digits("0200121958529"), pack_digits("00200121958529"));
        assert_eq!(
            pack_digits("12345678901234"),
            Some(12_345_678_901_234 * 16 + 14)
        );
        assert_eq!(pack_digits("123456789012345"), None);
        assert_eq!(pack_digits("12a"), None);
        assert_eq!(pack_digits(""), None);
    }

    #[test]
    fn the_report_serializes_to_json() {
        let report = classify_all(["4006381333933"]);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["items"][0]["class"], "MANUAL_CARD");
        assert_eq!(json["items"][0]["reason"]["code"], "BAD_CHECK_DIGIT");
        assert_eq!(json["summary"]["manual_card"], 1);
    }

    proptest! {
        #[test]
        fn classify_never_panics_and_is_consistent(s in "\\PC{0,40}|[0-9 \\r\\t]{0,20}") {
            let c = classify(&s);
            match c.class {
                ReadinessClass::HasNtin | ReadinessClass::TemporaryXtin => {
                    prop_assert!(c.gtin14.is_none() && c.reason.is_none());
                }
                ReadinessClass::AutoLookupReady => {
                    prop_assert!(c.reason.is_none());
                    let g = c.gtin14.unwrap();
                    prop_assert_eq!(g.len(), 14);
                    prop_assert!(crate::barcode::has_valid_check_digit(&g));
                }
                ReadinessClass::ManualCard => prop_assert!(c.reason.is_some()),
            }
        }

        #[test]
        fn every_valid_gtin_is_either_ready_or_restricted(
            body in prop_oneof!["[0-9]{7}", "[0-9]{11}", "[13-9][0-9]{11}", "[0-9]{13}"],
        ) {
            let code = with_check(&body);
            let c = classify(&code);
            let padded = crate::barcode::Gtin::parse(&code).unwrap();
            prop_assert_eq!(c.gtin14.as_deref(), Some(padded.as_str()));
            prop_assert!(c.reason.is_none() || reason_code(&code) == Some(ReasonCode::RestrictedPrefix));
        }

        #[test]
        fn summary_total_is_the_sum_of_the_classes(lines in proptest::collection::vec("[0-9a ]{0,14}", 0..60)) {
            let report = classify_all(&lines);
            let s = &report.summary;
            prop_assert_eq!(s.total, lines.len() as u64);
            prop_assert_eq!(s.total, s.has_ntin + s.auto_lookup_ready + s.temporary_xtin + s.manual_card);
            prop_assert!(s.duplicates < s.total.max(1));
        }
    }
}
