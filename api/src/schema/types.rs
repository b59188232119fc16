//! Shared GraphQL types: user errors, readiness reports, deadlines.

use async_graphql::{Enum, SimpleObject};
use domain::readiness as r;

/// Codes of `userErrors`: stable, documented in the README.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserErrorCode {
    /// A required value is missing.
    Blank,
    /// A value is malformed or out of range.
    Invalid,
    /// Too long or too many.
    TooLong,
    /// The referenced object does not exist (or belongs to someone else).
    NotFound,
    /// Already taken (unique constraint).
    Taken,
    /// The same idempotency key was used with different input.
    IdempotencyConflict,
    /// The object is in a state that does not allow the action.
    InvalidState,
}

/// A problem with mutation input that the caller can fix.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// Path to the input field, e.g. `["input", "skus", "3", "sellerSku"]`.
    pub field: Vec<String>,
    /// Machine-readable code.
    pub code: UserErrorCode,
    /// Human-readable message.
    pub message: String,
}

impl UserError {
    /// Builds a user error on `input.<field...>`.
    pub fn new(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> Self {
        let mut path = vec!["input".to_owned()];
        path.extend(field.iter().map(|s| (*s).to_owned()));
        Self {
            field: path,
            code,
            message: message.into(),
        }
    }
}

/// Readiness class of a barcode.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadinessClass {
    /// Already an NTIN (13 digits, prefix 02, valid check digit).
    HasNtin,
    /// A valid GTIN-8/12/13/14 that NCT can be searched for.
    AutoLookupReady,
    /// A temporary XTIN (13 digits starting 004).
    TemporaryXtin,
    /// Needs a card created by hand.
    ManualCard,
}

impl From<r::ReadinessClass> for ReadinessClass {
    fn from(c: r::ReadinessClass) -> Self {
        match c {
            r::ReadinessClass::HasNtin => Self::HasNtin,
            r::ReadinessClass::AutoLookupReady => Self::AutoLookupReady,
            r::ReadinessClass::TemporaryXtin => Self::TemporaryXtin,
            r::ReadinessClass::ManualCard => Self::ManualCard,
        }
    }
}

impl From<ReadinessClass> for r::ReadinessClass {
    fn from(c: ReadinessClass) -> Self {
        match c {
            ReadinessClass::HasNtin => Self::HasNtin,
            ReadinessClass::AutoLookupReady => Self::AutoLookupReady,
            ReadinessClass::TemporaryXtin => Self::TemporaryXtin,
            ReadinessClass::ManualCard => Self::ManualCard,
        }
    }
}

/// Why a barcode is not ready.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReasonCode {
    /// Nothing given.
    Empty,
    /// Characters other than digits.
    NonDigit,
    /// Whitespace inside the code.
    InnerWhitespace,
    /// Not 8, 12, 13 or 14 digits.
    BadLength,
    /// The GS1 check digit does not match.
    BadCheckDigit,
    /// A GS1 restricted-circulation or coupon range.
    RestrictedPrefix,
    /// The same code appeared earlier in the input.
    DuplicateInInput,
}

impl From<r::ReasonCode> for ReasonCode {
    fn from(c: r::ReasonCode) -> Self {
        match c {
            r::ReasonCode::Empty => Self::Empty,
            r::ReasonCode::NonDigit => Self::NonDigit,
            r::ReasonCode::InnerWhitespace => Self::InnerWhitespace,
            r::ReasonCode::BadLength => Self::BadLength,
            r::ReasonCode::BadCheckDigit => Self::BadCheckDigit,
            r::ReasonCode::RestrictedPrefix => Self::RestrictedPrefix,
            r::ReasonCode::DuplicateInInput => Self::DuplicateInInput,
        }
    }
}

/// A reason with its code and a human explanation.
#[derive(SimpleObject, Clone, Debug)]
pub struct Reason {
    /// Machine-readable code.
    pub code: ReasonCode,
    /// What exactly is wrong.
    pub message: String,
}

/// Counts per readiness class.
#[derive(SimpleObject, Clone, Debug, Default)]
pub struct ReadinessSummary {
    /// Lines or SKUs counted.
    pub total: u64,
    /// Already an NTIN.
    pub has_ntin: u64,
    /// Ready for auto-lookup.
    pub auto_lookup_ready: u64,
    /// Temporary XTIN.
    pub temporary_xtin: u64,
    /// Need a manual card.
    pub manual_card: u64,
    /// Repeats of an earlier code.
    pub duplicates: u64,
}

impl From<r::Summary> for ReadinessSummary {
    fn from(s: r::Summary) -> Self {
        Self {
            total: s.total,
            has_ntin: s.has_ntin,
            auto_lookup_ready: s.auto_lookup_ready,
            temporary_xtin: s.temporary_xtin,
            manual_card: s.manual_card,
            duplicates: s.duplicates,
        }
    }
}

/// One classified input line.
#[derive(SimpleObject, Clone, Debug)]
pub struct ReadinessItem {
    /// 1-based position in the input.
    pub line: u64,
    /// The input as given.
    pub input: String,
    /// Normalized GTIN-14, when the code is a well-formed GTIN.
    pub gtin14: Option<String>,
    /// The class.
    pub class: ReadinessClass,
    /// Why, when not ready (or a duplicate).
    pub reason: Option<Reason>,
}

/// Result of a readiness check.
#[derive(SimpleObject, Clone, Debug)]
pub struct ReadinessReport {
    /// Counts.
    pub summary: ReadinessSummary,
    /// Every line, in input order.
    pub items: Vec<ReadinessItem>,
}

impl From<r::ReadinessReport> for ReadinessReport {
    fn from(rep: r::ReadinessReport) -> Self {
        Self {
            summary: rep.summary.into(),
            items: rep
                .items
                .into_iter()
                .map(|i| ReadinessItem {
                    line: i.line as u64,
                    input: i.input,
                    gtin14: i.gtin14,
                    class: i.class.into(),
                    reason: i.reason.map(|x| Reason {
                        code: x.code.into(),
                        message: x.message,
                    }),
                })
                .collect(),
        }
    }
}
