//! GS1 barcode rules: the mod-10 check digit and the three validated code types.
//!
//! - [`Gtin`]: a GS1 trade item number (GTIN-8/12/13/14) with a valid check digit, kept in its
//!   normalized 14-digit form.
//! - [`Ntin`]: the 13-digit national code issued by the National Catalog of Goods (NCT). Every known
//!   NTIN starts `02` (inside the GS1 restricted-circulation range 020–029) and carries a real
//!   GS1 check digit, so it needs its own rule rather than a GTIN rule.
//! - [`Xtin`]: the temporary code NCT hands out before moderation ends. NCT only checks the pattern
//!   `^004\d{10}$`; its own example fails mod-10, so no check digit is required here.
//!
//! `parse` is strict: it never trims or pads its input apart from the documented GTIN zero-padding.
//! Trimming pasted input is the caller's job (see [`crate::readiness::classify`]).
//! Prefix policy (restricted circulation, coupons…) lives in [`crate::readiness`], not here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not a valid barcode of the requested type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    /// The input is the empty string.
    #[error("barcode is empty")]
    Empty,
    /// The input contains a character other than the ASCII digits 0-9 (whitespace included).
    #[error("barcode contains a character that is not a digit 0-9")]
    NonDigit,
    /// The number of digits is not allowed for this code type.
    #[error("barcode has {0} digits, which is not a valid length for this code type")]
    BadLength(usize),
    /// The last digit does not match the GS1 mod-10 check digit of the others.
    #[error("barcode check digit does not match the GS1 mod-10 check digit")]
    BadCheckDigit,
    /// The code does not start with the prefix its type requires (`02` for NTIN, `004` for XTIN).
    #[error("barcode does not start with the prefix required for this code type")]
    WrongPrefix,
}

/// GS1 mod-10 check digit of `body` (ASCII digits, without the check digit).
///
/// Weights 3,1,3,1,… are applied from the right; the result is `(10 - sum % 10) % 10`, as a
/// number 0–9 (not an ASCII character). The same rule serves GTIN-8/12/13/14, NTIN and SSCC.
/// The caller must pass ASCII digits only: other bytes give a meaningless digit (never a panic).
#[inline]
#[must_use]
pub fn gs1_check_digit(body: &[u8]) -> u8 {
    let mut odd = 0u64; // positions 1, 3, 5… counted from the right: weight 3
    let mut even = 0u64; // positions 2, 4, 6… counted from the right: weight 1
    let mut pairs = body.rchunks_exact(2);
    for pair in &mut pairs {
        even += u64::from(pair[0].wrapping_sub(b'0'));
        odd += u64::from(pair[1].wrapping_sub(b'0'));
    }
    if let [first] = pairs.remainder() {
        odd += u64::from(first.wrapping_sub(b'0'));
    }
    let sum = odd * 3 + even;
    // `sum % 10` is below 10, so the result fits in a u8.
    ((10 - sum % 10) % 10) as u8
}

/// `true` when `digits` is at least two ASCII digits and its last digit is the GS1 check digit
/// of the others. Any other character, or fewer than two digits, gives `false`.
#[must_use]
pub fn has_valid_check_digit(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    bytes.len() >= 2 && bytes.iter().all(u8::is_ascii_digit) && check_digit_matches(bytes)
}

/// Check-digit test for a byte string already known to be at least two ASCII digits.
#[inline]
pub(crate) fn check_digit_matches(digits: &[u8]) -> bool {
    match digits.split_last() {
        Some((last, body)) => gs1_check_digit(body) == last.wrapping_sub(b'0'),
        None => false,
    }
}

/// Shared first checks: not empty, ASCII digits only.
fn digits_only(s: &str) -> Result<&[u8], BarcodeError> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return Err(BarcodeError::Empty);
    }
    if !bytes.iter().all(u8::is_ascii_digit) {
        return Err(BarcodeError::NonDigit);
    }
    Ok(bytes)
}

/// A GS1 GTIN with a valid check digit, stored as its normalized 14-digit form (GTIN-14).
///
/// [`Gtin::parse`] accepts GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN-13) and GTIN-14 and left-pads
/// with zeros to 14 digits. Padding never changes validity because the weights count from the
/// right. Prefix ranges are *not* judged here: an RCN or a coupon number is still a `Gtin`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gtin(String);

impl Gtin {
    /// Validate an 8, 12, 13 or 14-digit GTIN and normalize it to 14 digits.
    ///
    /// # Errors
    /// [`BarcodeError::Empty`], [`BarcodeError::NonDigit`] (whitespace included: no trimming),
    /// [`BarcodeError::BadLength`] for any other length, [`BarcodeError::BadCheckDigit`].
    pub fn parse(s: &str) -> Result<Self, BarcodeError> {
        let digits = digits_only(s)?;
        if !matches!(digits.len(), 8 | 12 | 13 | 14) {
            return Err(BarcodeError::BadLength(digits.len()));
        }
        if !check_digit_matches(digits) {
            return Err(BarcodeError::BadCheckDigit);
        }
        Ok(Self(pad_to_gtin14(s)))
    }

    /// The normalized 14-digit form, e.g. `00000040084077` for the GTIN-8 `40084077`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Left-pad a digit string of at most 14 characters with zeros to 14.
pub(crate) fn pad_to_gtin14(digits: &str) -> String {
    let mut out = String::with_capacity(14);
    for _ in digits.len()..14 {
        out.push('0');
    }
    out.push_str(digits);
    out
}

/// A National Catalog code (NTIN): 13 digits, prefix `02`, valid GS1 check digit.
///
/// Example: `0200121958529`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ntin(String);

impl Ntin {
    /// Validate an NTIN.
    ///
    /// # Errors
    /// [`BarcodeError::Empty`], [`BarcodeError::NonDigit`], [`BarcodeError::BadLength`] unless
    /// 13 digits, [`BarcodeError::WrongPrefix`] unless it starts `02`,
    /// [`BarcodeError::BadCheckDigit`].
    pub fn parse(s: &str) -> Result<Self, BarcodeError> {
        let digits = digits_only(s)?;
        if digits.len() != 13 {
            return Err(BarcodeError::BadLength(digits.len()));
        }
        if !digits.starts_with(b"02") {
            return Err(BarcodeError::WrongPrefix);
        }
        if !check_digit_matches(digits) {
            return Err(BarcodeError::BadCheckDigit);
        }
        Ok(Self(s.to_owned()))
    }

    /// The 13 digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Days an XTIN stays valid after it is assigned. About 30 days, from a seller-tool page only: DOMAIN.md §4
/// lists it as UNVERIFIED, so it lives in this one constant.
pub const XTIN_VALID_DAYS: i64 = 30;

/// When an XTIN assigned at `assigned_at` stops being valid.
#[must_use]
pub fn xtin_expires_at(assigned_at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    assigned_at + chrono::Duration::days(XTIN_VALID_DAYS)
}

/// A temporary NCT code (XTIN): exactly `^004\d{10}$`.
///
/// No check digit is required: NCT's own example `0041234567890` fails mod-10 and NCT's
/// moderation endpoint checks only the pattern. Keep an XTIN apart from GTINs and never use it
/// for a GTIN lookup.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Xtin(String);

impl Xtin {
    /// Validate an XTIN.
    ///
    /// # Errors
    /// [`BarcodeError::Empty`], [`BarcodeError::NonDigit`], [`BarcodeError::BadLength`] unless
    /// 13 digits, [`BarcodeError::WrongPrefix`] unless it starts `004`.
    pub fn parse(s: &str) -> Result<Self, BarcodeError> {
        let digits = digits_only(s)?;
        if digits.len() != 13 {
            return Err(BarcodeError::BadLength(digits.len()));
        }
        if !digits.starts_with(b"004") {
            return Err(BarcodeError::WrongPrefix);
        }
        Ok(Self(s.to_owned()))
    }

    /// The 13 digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `Display`, `AsRef<str>`, `FromStr` and string serde for a validated newtype.
/// Deserializing runs `parse`, so an invalid code never enters through JSON.
macro_rules! string_newtype_impls {
    ($ty:ident) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $ty {
            type Err = BarcodeError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_newtype_impls!(Gtin);
string_newtype_impls!(Ntin);
string_newtype_impls!(Xtin);

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Plain reference implementation, to compare the paired loop against.
    fn naive_check_digit(body: &[u8]) -> u8 {
        let sum: u32 = body
            .iter()
            .rev()
            .enumerate()
            .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
            .sum();
        ((10 - sum % 10) % 10) as u8
    }

    #[test]
    fn check_digit_matches_known_codes_of_every_length() {
        assert_eq!(gs1_check_digit(b"4008407"), 7); // GTIN-8 40084077
        assert_eq!(gs1_check_digit(b"03400033895"), 5); // UPC-A 034000338955
        assert_eq!(gs1_check_digit(b"400638133393"), 1); // EAN-13 4006381333931
        assert_eq!(gs1_check_digit(b"020012195852"), 9); // NTIN 0200121958529
        assert_eq!(gs1_check_digit(b"020012093151"), 6); // NTIN 0200120931516
        assert_eq!(gs1_check_digit(b"0463052918141"), 4); // GTIN-14 04630529181414
    }

    #[test]
    fn check_digit_of_an_empty_body_is_zero() {
        assert_eq!(gs1_check_digit(b""), 0);
    }

    #[test]
    fn valid_check_digit_needs_two_or_more_ascii_digits() {
        assert!(has_valid_check_digit("40084077"));
        assert!(has_valid_check_digit("00"));
        assert!(!has_valid_check_digit("0"));
        assert!(!has_valid_check_digit(""));
        assert!(!has_valid_check_digit("4008407x"));
        assert!(!has_valid_check_digit(" 40084077"));
        assert!(!has_valid_check_digit("40084078"));
        assert!(!has_valid_check_digit("４００８４０７７")); // full-width digits are not ASCII
    }

    #[test]
    fn gtin_parse_zero_pads_every_accepted_length_to_14_digits() {
        assert_eq!(Gtin::parse("40084077").unwrap().as_str(), "00000040084077");
        assert_eq!(
            Gtin::parse("034000338955").unwrap().as_str(),
            "00034000338955"
        );
        assert_eq!(
            Gtin::parse("4006381333931").unwrap().as_str(),
            "04006381333931"
        );
        assert_eq!(
            Gtin::parse("04630529181414").unwrap().as_str(),
            "04630529181414"
        );
    }

    #[test]
    fn gtin_parse_rejects_each_kind_of_bad_input() {
        assert_eq!(Gtin::parse(""), Err(BarcodeError::Empty));
        assert_eq!(Gtin::parse("4006381 333931"), Err(BarcodeError::NonDigit));
        assert_eq!(Gtin::parse(" 4006381333931"), Err(BarcodeError::NonDigit));
        assert_eq!(Gtin::parse("34000338955"), Err(BarcodeError::BadLength(11)));
        assert_eq!(Gtin::parse("2270250"), Err(BarcodeError::BadLength(7)));
        assert_eq!(
            Gtin::parse("4006381333932"),
            Err(BarcodeError::BadCheckDigit)
        );
    }

    #[test]
    fn ntin_parse_accepts_the_known_samples() {
        for s in ["0200121958529", "0200120931516", "0200120931509"] {
            assert_eq!(Ntin::parse(s).unwrap().as_str(), s);
        }
    }

    #[test]
    fn ntin_parse_rejects_wrong_length_prefix_and_check_digit() {
        assert_eq!(
            Ntin::parse("00200121958529"),
            Err(BarcodeError::BadLength(14))
        );
        assert_eq!(Ntin::parse("4006381333931"), Err(BarcodeError::WrongPrefix));
        assert_eq!(
            Ntin::parse("0200121958528"),
            Err(BarcodeError::BadCheckDigit)
        );
        assert_eq!(Ntin::parse("02001219585x9"), Err(BarcodeError::NonDigit));
    }

    #[test]
    fn xtin_parse_does_not_require_a_check_digit() {
        assert!(!has_valid_check_digit("0041234567890"));
        assert_eq!(
            Xtin::parse("0041234567890").unwrap().as_str(),
            "0041234567890"
        );
    }

    #[test]
    fn xtin_parse_rejects_the_nct_create_example_and_other_shapes() {
        assert_eq!(Xtin::parse("4000000000000"), Err(BarcodeError::WrongPrefix));
        assert_eq!(
            Xtin::parse("00412345678901"),
            Err(BarcodeError::BadLength(14))
        );
        assert_eq!(Xtin::parse(""), Err(BarcodeError::Empty));
    }

    #[test]
    fn newtypes_serialize_as_plain_strings_and_validate_on_deserialize() {
        let gtin = Gtin::parse("40084077").unwrap();
        assert_eq!(serde_json::to_string(&gtin).unwrap(), "\"00000040084077\"");
        let back: Gtin = serde_json::from_str("\"40084077\"").unwrap();
        assert_eq!(back, gtin);
        assert!(serde_json::from_str::<Gtin>("\"40084078\"").is_err());
        assert!(serde_json::from_str::<Ntin>("\"0041234567890\"").is_err());
        let xtin: Xtin = serde_json::from_str("\"0041234567890\"").unwrap();
        assert_eq!(xtin.to_string(), "0041234567890");
        assert_eq!(xtin.as_ref(), "0041234567890");
    }

    #[test]
    fn error_messages_say_what_is_wrong() {
        assert_eq!(
            BarcodeError::BadLength(11).to_string(),
            "barcode has 11 digits, which is not a valid length for this code type"
        );
        assert_eq!("x".parse::<Gtin>(), Err(BarcodeError::NonDigit));
    }

    proptest! {
        #[test]
        fn any_body_with_its_computed_check_digit_is_a_valid_gtin(
            body in prop_oneof![
                "[0-9]{7}", "[0-9]{11}", "[0-9]{12}", "[0-9]{13}",
            ]
        ) {
            let check = gs1_check_digit(body.as_bytes());
            prop_assert_eq!(check, naive_check_digit(body.as_bytes()));
            let code = format!("{body}{check}");
            prop_assert!(has_valid_check_digit(&code));
            let gtin = Gtin::parse(&code).unwrap();
            prop_assert_eq!(gtin.as_str().len(), 14);
            prop_assert!(gtin.as_str().ends_with(&code));
        }

        #[test]
        fn changing_one_digit_of_a_valid_gtin_breaks_it(
            body in "[0-9]{12}",
            position in 0usize..13,
            delta in 1u8..10,
        ) {
            let check = gs1_check_digit(body.as_bytes());
            let mut code = format!("{body}{check}").into_bytes();
            code[position] = b'0' + (code[position] - b'0' + delta) % 10;
            let code = String::from_utf8(code).unwrap();
            prop_assert!(!has_valid_check_digit(&code));
            prop_assert_eq!(Gtin::parse(&code), Err(BarcodeError::BadCheckDigit));
        }

        #[test]
        fn zero_padding_never_changes_validity(code in "[0-9]{2,14}", pad in 0usize..6) {
            let padded = format!("{}{code}", "0".repeat(pad));
            prop_assert_eq!(has_valid_check_digit(&code), has_valid_check_digit(&padded));
        }

        #[test]
        fn parsers_never_panic_on_arbitrary_strings(s in ".*") {
            let _ = Gtin::parse(&s);
            let _ = Ntin::parse(&s);
            let _ = Xtin::parse(&s);
            let _ = has_valid_check_digit(&s);
        }
    }
}
