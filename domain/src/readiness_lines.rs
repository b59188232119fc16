//! Readiness of a stream of lines, one line at a time: the bulk twin of [`classify_all`](crate::readiness::classify_all).
//!
//! `classify_all` holds the whole report and finds repeats by sorting at the end, which is the fastest way when
//! the answer is one document. A bulk check of a file with a million lines writes each line's answer as soon as
//! it is read, so repeats must be known on the spot: [`LineChecker`] keeps the first line of every distinct code
//! it has seen. Its memory grows with the distinct codes only, at a fixed size per code (12 bytes for a digit
//! string, 20 for anything else: other text is kept as a 128-bit digest, never as the text), so a caller that
//! caps the number of lines caps the memory.
//!
//! The answers are the same as `classify_all`'s: the same classes, reasons, GTIN-14s and duplicate messages.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

use crate::readiness::{Classification, Summary, classify, duplicate_reason, pack_digits};

/// Classifies lines in order, flags repeats of earlier lines and counts the classes.
#[derive(Debug, Default)]
pub struct LineChecker {
    /// First line (1-based) of each digit-string identity, packed by `pack_digits` (nearly every line).
    packed: HashMap<u64, u32>,
    /// First line of every other identity, keyed by a 128-bit digest of its trimmed text.
    text: HashMap<u128, u32>,
    /// Keys of the digest (random per checker, so nobody can aim collisions at it).
    digest_keys: (std::collections::hash_map::RandomState, std::collections::hash_map::RandomState),
    /// Counts so far.
    summary: Summary,
}

impl LineChecker {
    /// An empty checker.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Classifies the line numbered `line` (1-based, increasing). A repeat keeps its own class and reason;
    /// it gets `DUPLICATE_IN_INPUT` naming the first line only when it had no other reason, as in `classify_all`.
    pub fn check(&mut self, line: usize, input: &str) -> Classification {
        let mut c = classify(input);
        let identity = c.gtin14.as_deref().unwrap_or_else(|| input.trim());
        let line32 = u32::try_from(line).unwrap_or(u32::MAX);
        let first = if let Some(key) = pack_digits(identity) {
            first_or_insert(&mut self.packed, key, line32)
        } else if !identity.is_empty() {
            let key = self.digest(identity);
            first_or_insert(&mut self.text, key, line32)
        } else {
            None
        };
        if let Some(first) = first {
            self.summary.duplicates += 1;
            if c.reason.is_none() {
                c.reason = Some(duplicate_reason(first as usize, c.gtin14.as_deref()));
            }
        }
        self.summary.add(c.class);
        c
    }

    /// Counts over the lines checked so far.
    #[must_use]
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    fn digest(&self, s: &str) -> u128 {
        let half = |keys: &std::collections::hash_map::RandomState| keys.hash_one(s);
        (u128::from(half(&self.digest_keys.0)) << 64) | u128::from(half(&self.digest_keys.1))
    }
}

/// The line already stored for `key`, or `None` after storing `line` as its first.
fn first_or_insert<K: Eq + Hash>(map: &mut HashMap<K, u32>, key: K, line: u32) -> Option<u32> {
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(line);
            None
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::barcode::gs1_check_digit;
    use crate::readiness::{ReasonCode, classify_all};
    use proptest::prelude::*;

    fn with_check(body: &str) -> String {
        format!("{body}{}", gs1_check_digit(body.as_bytes()))
    }

    #[test]
    fn a_repeat_names_its_first_line_and_keeps_its_class() {
        let g = with_check("487100000001");
        let mut c = LineChecker::new();
        assert_eq!(c.check(1, &g).reason, None);
        let again = c.check(2, &format!(" {g}\r"));
        assert_eq!(again.class, crate::readiness::ReadinessClass::AutoLookupReady);
        assert_eq!(again.reason.as_ref().unwrap().code, ReasonCode::DuplicateInInput);
        assert!(again.reason.unwrap().message.contains("line 1"));
        assert_eq!(c.summary().duplicates, 1);
        assert_eq!(c.summary().total, 2);
    }

    #[test]
    fn repeated_text_is_a_duplicate_but_keeps_its_own_reason() {
        let mut c = LineChecker::new();
        c.check(1, "abc");
        let again = c.check(2, "abc");
        assert_eq!(again.reason.unwrap().code, ReasonCode::NonDigit);
        assert_eq!(c.summary().duplicates, 1);
        // Empty lines are never duplicates.
        c.check(3, "");
        c.check(4, "");
        assert_eq!(c.summary().duplicates, 1);
    }

    fn line_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            (0u64..30).prop_map(|n| with_check(&format!("4871000000{n:02}"))),
            (0u64..30).prop_map(|n| format!("{:08}", n * 7)),
            "[0-9a-c ]{0,6}",
            Just(String::new()),
            Just("0200121958529".to_owned()),
        ]
    }

    proptest! {
        #[test]
        fn the_same_answers_as_classify_all(lines in proptest::collection::vec(line_strategy(), 0..60)) {
            let report = classify_all(&lines);
            let mut checker = LineChecker::new();
            for (i, line) in lines.iter().enumerate() {
                let c = checker.check(i + 1, line);
                let item = &report.items[i];
                prop_assert_eq!(c.class, item.class);
                prop_assert_eq!(&c.gtin14, &item.gtin14);
                prop_assert_eq!(&c.reason, &item.reason);
            }
            prop_assert_eq!(checker.summary(), &report.summary);
        }
    }
}
