//! Value checks driven by an [`AttributeDef`]: pattern, `maxLength`, number limits, boolean,
//! dictionary and multi-dictionary values, and the parts of compound attributes.
//!
//! Patterns: the domain crate has no regex engine, and a general one is not worth adding for the
//! few patterns NCT's schema uses. [`pattern_matches`] knows those patterns by their exact text and
//! checks them by hand; any other pattern is left **unchecked** (no problem is reported), so a new
//! pattern in the live schema never blocks a card, it is just not pre-checked.

use super::model::{AttrValue, AttributeDef, DataType, Dictionaries};
use super::problem::{CardProblemCode as Code, Problems};

/// Whether `value` matches the schema `pattern`; `None` when the pattern is not one we know.
///
/// Known: `^\d{10}$` (tnved), `^004\d{10}$` (xtin), `^\d{13}$`, `^\d{12}$` (BIN/IIN),
/// `^02\d{11}$` (ntin), and the GTIN forms `^\d{8}$|^\d{12,14}$` and `^(\d{8}|\d{12}|\d{13}|\d{14})$`.
#[must_use]
pub(super) fn pattern_matches(pattern: &str, value: &str) -> Option<bool> {
    let matched = match pattern {
        r"^\d{10}$" => digits_of_len(value, 10),
        r"^\d{12}$" => digits_of_len(value, 12),
        r"^\d{13}$" => digits_of_len(value, 13),
        r"^004\d{10}$" => is_xtin_shape(value),
        r"^02\d{11}$" => value
            .strip_prefix("02")
            .is_some_and(|r| digits_of_len(r, 11)),
        r"^\d{8}$|^\d{12,14}$" | r"^(\d{8}|\d{12}|\d{13}|\d{14})$" => {
            [8, 12, 13, 14].iter().any(|n| digits_of_len(value, *n))
        }
        _ => return None,
    };
    Some(matched)
}

/// Exactly `len` ASCII digits.
pub(super) fn digits_of_len(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_digit())
}

/// `^004\d{10}$` (NCT-API.md §4 "XTIN": 13 digits starting `004`, no check digit).
pub(super) fn is_xtin_shape(value: &str) -> bool {
    digits_of_len(value, 13) && value.starts_with("004")
}

/// The OKTRU level a code's shape gives (DOMAIN.md §3: codes are written 4-4-4-9): `4` (1), `4-4` (2), `4-4-4` (3), `4-4-4-9` (4); `None` for
/// anything else.
pub(super) fn oktru_level(value: &str) -> Option<usize> {
    let parts: Vec<&str> = value.split('-').collect();
    let lens = [4, 4, 4, 9];
    (parts.len() <= 4 && parts.iter().zip(lens).all(|(p, len)| digits_of_len(p, len))).then_some(parts.len())
}

/// A plain decimal `-?\d+(\.\d+)?` as a number. Rejects `1e5`, `inf`, `NaN`, `,` decimals and
/// surrounding spaces, which `f64::from_str` would partly accept.
pub(super) fn parse_decimal(value: &str) -> Option<f64> {
    let unsigned = value.strip_prefix('-').unwrap_or(value);
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return None;
    }
    value.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Every check of a plain value against its definition; the value is already trimmed and non-empty.
pub(super) fn check_value(
    def: &AttributeDef,
    field: &str,
    value: &str,
    dicts: &dyn Dictionaries,
    out: &mut Problems,
) {
    check_pattern(def, field, value, out);
    check_length(def, field, value, out);
    check_type(def, field, value, out);
    check_dictionary(def, field, value, dicts, out);
}

/// The schema pattern, when it is one we know.
pub(super) fn check_pattern(def: &AttributeDef, field: &str, value: &str, out: &mut Problems) {
    if let Some(pattern) = def.pattern.as_deref()
        && pattern_matches(pattern, value) == Some(false)
    {
        out.error(
            field,
            Code::PatternMismatch,
            format!(
                "{field} \"{value}\" does not match the required format {pattern}; correct the value"
            ),
        );
    }
}

/// `maxLength`, counted in characters as NCT counts them.
pub(super) fn check_length(def: &AttributeDef, field: &str, value: &str, out: &mut Problems) {
    let len = value.chars().count();
    if let Some(max) = def.max_length.filter(|m| len > *m as usize) {
        out.error(
            field,
            Code::TooLong,
            format!("{field} has {len} characters, at most {max} are allowed; shorten it"),
        );
    }
}

/// Number syntax and limits, boolean literals.
fn check_type(def: &AttributeDef, field: &str, value: &str, out: &mut Problems) {
    match def.data_type {
        DataType::Number => match parse_decimal(value) {
            None => out.error(
                field,
                Code::PatternMismatch,
                format!(
                    "{field} \"{value}\" is not a number; write digits with a dot for decimals, e.g. 12.5"
                ),
            ),
            Some(n) => {
                let below = def.min_value.is_some_and(|min| n < min);
                let above = def.max_value.is_some_and(|max| n > max);
                if below || above {
                    out.error(
                        field,
                        Code::OutOfRange,
                        format!(
                            "{field} {value} is outside the allowed range {}; enter a value within it",
                            range_text(def.min_value, def.max_value)
                        ),
                    );
                }
            }
        },
        DataType::Boolean if !matches!(value, "true" | "false") => out.error(
            field,
            Code::PatternMismatch,
            format!("{field} must be true or false, not \"{value}\""),
        ),
        _ => {}
    }
}

fn range_text(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("{min}..{max}"),
        (Some(min), None) => format!("{min} or more"),
        (None, Some(max)) => format!("{max} or less"),
        (None, None) => "of the schema".to_owned(),
    }
}

/// Dictionary codes, each `@`-separated part for a multi-dictionary (NCT-API.md §4
/// "multiDictionary"). An unknown dictionary leaves the value unchecked.
fn check_dictionary(
    def: &AttributeDef,
    field: &str,
    value: &str,
    dicts: &dyn Dictionaries,
    out: &mut Problems,
) {
    let Some(dictionary) = def.dictionary_code.as_deref() else {
        return;
    };
    let parts: Vec<&str> = match def.data_type {
        DataType::MultiDictionary => value.split('@').collect(),
        DataType::Dictionary => vec![value],
        _ => return,
    };
    for part in parts {
        if part.trim().is_empty() {
            out.error(
                field,
                Code::NotInDictionary,
                format!(
                    "{field} \"{value}\" has an empty code between '@' separators; join the codes as CODE@CODE"
                ),
            );
        } else if dicts.dictionary_has(dictionary, part) == Some(false) {
            out.error(
                field,
                Code::NotInDictionary,
                format!(
                    "{field} value \"{part}\" is not in the {dictionary} dictionary; pick a code from it"
                ),
            );
        }
    }
}

/// A whole attribute value: a plain value, or the parts of a compound one.
pub(super) fn check_attr(
    def: &AttributeDef,
    attr: &AttrValue,
    dicts: &dyn Dictionaries,
    out: &mut Problems,
) {
    if def.children.is_empty() {
        let value = attr.value.trim();
        if !value.is_empty() {
            check_value(def, &def.code, value, dicts, out);
        }
        return;
    }
    if attr.parts.is_empty() {
        if !attr.value.trim().is_empty() {
            out.error(
                &def.code,
                Code::PatternMismatch,
                format!(
                    "{} is a compound attribute: fill its parts ({}) instead of a single value",
                    def.code,
                    child_codes(def)
                ),
            );
        }
        return;
    }
    for child in &def.children {
        let value = attr
            .parts
            .iter()
            .find(|p| p.code == child.code)
            .map(|p| p.value.trim())
            .filter(|v| !v.is_empty());
        match value {
            Some(v) => check_value(child, &child.code, v, dicts, out),
            None if child.required => out.error(
                &child.code,
                Code::MissingRequired,
                format!("{} needs its part {}; fill it in", def.code, child.code),
            ),
            None => {}
        }
    }
    for part in attr
        .parts
        .iter()
        .filter(|p| !def.children.iter().any(|c| c.code == p.code))
    {
        out.warning(
            &def.code,
            Code::WrongGroup,
            format!(
                "{} has no part {}; its parts are {}",
                def.code,
                part.code,
                child_codes(def)
            ),
        );
    }
}

fn child_codes(def: &AttributeDef) -> String {
    def.children
        .iter()
        .map(|c| c.code.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
