//! What the check reports: one [`CardProblem`] per problem and field, with a stable code, a
//! severity and an English message that says how to fix it.

use serde::{Deserialize, Serialize};

use crate::wire::wire_names;

/// How bad a problem is. Ordered: `Error` < `Warning` < `Info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// NCT would return the card for revision or refuse the request.
    Error,
    /// Likely trouble, but NCT accepts the card.
    Warning,
    /// Worth knowing.
    Info,
}

wire_names!(Severity {
    Error => "ERROR",
    Warning => "WARNING",
    Info => "INFO",
});

/// Machine-readable problem code, a public contract (GraphQL `CardProblemCode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CardProblemCode {
    /// No OKTRU category.
    MissingOktru,
    /// The OKTRU code is not 4-4-4-9 digits or not in the dictionary.
    UnknownOktru,
    /// The OKTRU code is a group, not a leaf (level 4).
    OktruNotLeaf,
    /// A service or digital-goods category: NCT registers goods only.
    ServiceNotGoods,
    /// No Russian name.
    MissingNameRu,
    /// No Kazakh name, or (as a warning) a Kazakh name that looks untranslated.
    MissingNameKk,
    /// A name longer than the schema allows.
    NameTooLong,
    /// An NTIN or XTIN in the barcode field, or a GTIN in the NTIN field.
    GtinNtinMixup,
    /// A barcode or NTIN that is not a valid code.
    InvalidBarcode,
    /// No TN VED code.
    MissingTnved,
    /// A TN VED code that is not exactly 10 digits.
    TnvedFormat,
    /// A TN VED code that is not in the dictionary.
    UnknownTnved,
    /// No unit or no quantity.
    MissingMeasure,
    /// A quantity that is not a positive number, or a unit not in the MEASURE dictionary.
    InvalidMeasure,
    /// No country of origin.
    MissingCountry,
    /// A country that is not an ISO alpha-2 code of the COUNTRY dictionary.
    UnknownCountry,
    /// A required attribute without a value.
    MissingRequired,
    /// A value against the attribute's pattern or type.
    PatternMismatch,
    /// A number outside the attribute's limits.
    OutOfRange,
    /// A value longer than the attribute's `maxLength`.
    TooLong,
    /// A dictionary value that is not in its dictionary.
    NotInDictionary,
    /// An attribute in the wrong request array.
    WrongGroup,
    /// An XTIN that is not `004` + 10 digits.
    InvalidXtin,
    /// An extended card without a brand.
    GovMissingBrand,
    /// An extended card without its FRONT or BACK photo.
    GovMissingImage,
    /// An extended card without one of the main (CEF) extended attributes.
    GovMissingMainAttribute,
    /// A document that is not a PDF.
    InvalidDocument,
    /// A custom attribute without its Russian name, Kazakh name or value.
    CustomAttributeIncomplete,
    /// An edit of a published card changes a field NCT keeps (`name_ru`, `name_kk`, `ntin`, `tnved`).
    EditLockedField,
    /// NCT's search found a card that very probably is this product (a warning: `domain::matching::duplicate`).
    LikelyExistingCard,
}

wire_names!(CardProblemCode {
    MissingOktru => "MISSING_OKTRU",
    UnknownOktru => "UNKNOWN_OKTRU",
    OktruNotLeaf => "OKTRU_NOT_LEAF",
    ServiceNotGoods => "SERVICE_NOT_GOODS",
    MissingNameRu => "MISSING_NAME_RU",
    MissingNameKk => "MISSING_NAME_KK",
    NameTooLong => "NAME_TOO_LONG",
    GtinNtinMixup => "GTIN_NTIN_MIXUP",
    InvalidBarcode => "INVALID_BARCODE",
    MissingTnved => "MISSING_TNVED",
    TnvedFormat => "TNVED_FORMAT",
    UnknownTnved => "UNKNOWN_TNVED",
    MissingMeasure => "MISSING_MEASURE",
    InvalidMeasure => "INVALID_MEASURE",
    MissingCountry => "MISSING_COUNTRY",
    UnknownCountry => "UNKNOWN_COUNTRY",
    MissingRequired => "MISSING_REQUIRED",
    PatternMismatch => "PATTERN_MISMATCH",
    OutOfRange => "OUT_OF_RANGE",
    TooLong => "TOO_LONG",
    NotInDictionary => "NOT_IN_DICTIONARY",
    WrongGroup => "WRONG_GROUP",
    InvalidXtin => "INVALID_XTIN",
    GovMissingBrand => "GOV_MISSING_BRAND",
    GovMissingImage => "GOV_MISSING_IMAGE",
    GovMissingMainAttribute => "GOV_MISSING_MAIN_ATTRIBUTE",
    InvalidDocument => "INVALID_DOCUMENT",
    CustomAttributeIncomplete => "CUSTOM_ATTRIBUTE_INCOMPLETE",
    EditLockedField => "EDIT_LOCKED_FIELD",
    LikelyExistingCard => "LIKELY_EXISTING_CARD",
});

/// One problem of a card draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardProblem {
    /// Attribute code (`name_kk`, `tnved`, `gtin`, `measure_unit`…) or request part (`oktru`,
    /// `images`, `documents`, `custom_extended`).
    pub field: String,
    /// Machine-readable code.
    pub code: CardProblemCode,
    /// How bad it is.
    pub severity: Severity,
    /// English sentence naming the problem and the fix.
    pub message: String,
}

/// `true` when no problem is an [`Severity::Error`]: the card can be sent to moderation.
#[must_use]
pub fn is_submittable(problems: &[CardProblem]) -> bool {
    problems.iter().all(|p| p.severity != Severity::Error)
}

/// Collects problems while the rules run.
#[derive(Debug, Default)]
pub(super) struct Problems(Vec<CardProblem>);

impl Problems {
    /// Adds one problem.
    pub(super) fn push(
        &mut self,
        severity: Severity,
        field: &str,
        code: CardProblemCode,
        message: impl Into<String>,
    ) {
        self.0.push(CardProblem {
            field: field.to_owned(),
            code,
            severity,
            message: message.into(),
        });
    }

    /// Adds an [`Severity::Error`].
    pub(super) fn error(&mut self, field: &str, code: CardProblemCode, message: impl Into<String>) {
        self.push(Severity::Error, field, code, message);
    }

    /// Adds a [`Severity::Warning`].
    pub(super) fn warning(
        &mut self,
        field: &str,
        code: CardProblemCode,
        message: impl Into<String>,
    ) {
        self.push(Severity::Warning, field, code, message);
    }

    /// Adds an [`Severity::Info`].
    pub(super) fn info(&mut self, field: &str, code: CardProblemCode, message: impl Into<String>) {
        self.push(Severity::Info, field, code, message);
    }

    /// The problems, errors first, then by field; rule order is kept within a field.
    pub(super) fn finish(mut self) -> Vec<CardProblem> {
        self.0.sort_by(|a, b| {
            a.severity
                .cmp(&b.severity)
                .then_with(|| a.field.cmp(&b.field))
        });
        self.0
    }
}
