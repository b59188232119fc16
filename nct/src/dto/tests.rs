#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Parsing an untrusted upstream: the lenient shapes.

use super::*;

#[test]
fn v2_lookup_reads_an_array_or_a_single_object() {
    let arr = r#"[{"id":18,"gtin":"0954353542345","ntin":"0200120931509","isGovernment":false,
        "categoryAncestors":[{"level":1,"code":"1024"},{"level":4,"code":"1024-0001-0003-100007979"}]}]"#;
    let one = r#"{"id":18,"gtin":4870000000000,"ntin":"0200120931509","unknown":{"x":1}}"#;
    let a: GtinLookupResponse = serde_json::from_str(arr).unwrap();
    let a = a.into_vec();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].oktru(), Some("1024-0001-0003-100007979"));
    let o: GtinLookupResponse = serde_json::from_str(one).unwrap();
    let o = o.into_vec();
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].gtin.as_deref(), Some("4870000000000"));
}

#[test]
fn status_response_omits_empty_fields() {
    let s = PortalProductRequestStatusDto {
        code: "new".into(),
        value: Some("Новая".into()),
        ..Default::default()
    };
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(json, r#"{"code":"new","value":"Новая"}"#);
}

#[test]
fn edit_response_always_has_every_list() {
    let e = PortalEditProductResponseDto::default();
    let v = serde_json::to_value(&e).unwrap();
    for key in [
        "attributes",
        "mainExtendedAttributes",
        "additionalExtendedAttributes",
        "customExtendedAttributes",
        "imageFiles",
        "documents",
    ] {
        assert_eq!(v[key], serde_json::json!([]), "{key}");
    }
    assert!(v["oktru"].is_null());
}

#[test]
fn request_attribute_keeps_snake_case_is_new_and_tolerates_single_attributes_object() {
    let body = r#"{"oktru":"1","autoPublication":true,"attributes":{"code":"name_ru","value":"x","is_new":true}}"#;
    let dto: PortalCreateUpdateProductRequestDto = serde_json::from_str(body).unwrap();
    assert_eq!(dto.attributes.len(), 1);
    assert_eq!(dto.attributes[0].is_new, Some(true));
    let out = serde_json::to_string(&dto.attributes[0]).unwrap();
    assert!(out.contains(r#""is_new":true"#), "{out}");
}

#[test]
fn uploaded_file_uses_size_mb_spelling() {
    let u: UploadedFileDto =
        serde_json::from_str(r#"{"id":1,"filename":"a.jpg","sizeMB":1.5}"#).unwrap();
    assert!((u.size_mb - 1.5).abs() < f64::EPSILON);
}

#[test]
fn duplicate_decision_wire_form() {
    let d = PortalDuplicateDecisionRequestDto {
        decision: DuplicateDecision::UseExisting,
        ntin: None,
    };
    assert_eq!(
        serde_json::to_string(&d).unwrap(),
        r#"{"decision":"USE_EXISTING"}"#
    );
}
