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
#[path = "readiness_tests.rs"]
mod tests;
