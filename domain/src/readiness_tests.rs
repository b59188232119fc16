#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Tests of the readiness classification, including property tests over random input.

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
