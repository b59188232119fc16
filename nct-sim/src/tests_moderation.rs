//! The simulated moderator's decisions through [`nct::NctClient`]: draft and group validation, each
//! revision rule, an existing GTIN, duplicates and both decisions, and edit requests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use nct::NctError;
use nct::dto::{
    DuplicateDecision, PortalCreateUpdateProductRequestDto as Req,
    PortalDuplicateDecisionRequestDto, PortalProductRequestAttributeValue as Attr,
    ProductRequestDocumentDto, ProductRequestFileDto,
};

use super::catalog_data::LEAVES;
use super::moderation::{DUPLICATES_REASON, EXISTS_COMMENT};
use super::revision_rules::REVISION_COMMENT;
use super::seed::{seed_gtin, seed_names, seed_ntin};
use super::tests::key;
use super::tests_requests::{decided, flow_sim, is_business, measure, submit, valid, with_attr};

#[tokio::test]
async fn group_and_draft_validation_names_the_attribute() {
    let (sim, client) = flow_sim().await;
    let base = valid("Батончик группы");
    let gov_in_attributes = Req {
        attributes: [
            base.attributes.clone(),
            vec![Attr::new("gross_weight", "1 кг")],
        ]
        .concat(),
        ..base.clone()
    };
    let flagged = Req {
        attributes: [
            base.attributes.clone(),
            vec![Attr {
                is_gov: Some(true),
                ..Attr::new("article", "A1")
            }],
        ]
        .concat(),
        ..base.clone()
    };
    let main_wrong = Req {
        main_extended_attributes: vec![Attr::new("material", "x")],
        ..base.clone()
    };
    let additional_wrong = Req {
        additional_extended_attributes: vec![Attr::new("net_weight", "1")],
        ..base.clone()
    };
    let custom_code = Req {
        custom_extended_attributes: vec![Attr {
            name_ru: Some("a".into()),
            name_kk: Some("b".into()),
            ..Attr::new("my_code", "v")
        }],
        ..base.clone()
    };
    let custom_missing = Req {
        custom_extended_attributes: vec![Attr {
            name_ru: Some("a".into()),
            value: Some("v".into()),
            ..Attr::default()
        }],
        ..base.clone()
    };
    let bad_doc = Req {
        documents: vec![ProductRequestDocumentDto {
            file_name: "cert.docx".into(),
        }],
        ..base.clone()
    };
    let bad_image = Req {
        image_files: vec![ProductRequestFileDto {
            file_name: "a.jpg".into(),
            image_type: "SIDE".into(),
        }],
        ..base.clone()
    };
    let no_oktru = Req {
        oktru: " ".into(),
        ..base.clone()
    };
    let no_name = with_attr(base.clone(), "name_ru", None);
    let cases = [
        (gov_in_attributes, "gross_weight"),
        (flagged, "article"),
        (main_wrong, "material"),
        (additional_wrong, "net_weight"),
        (custom_code, "my_code"),
        (custom_missing, "nameKk"),
        (bad_doc, "cert.docx"),
        (bad_image, "SIDE"),
        (no_oktru, "oktru"),
        (no_name, "name_ru"),
    ];
    for (req, named) in cases {
        match client.create_request(&key(), &req).await {
            Err(NctError::Validation { code, message }) => {
                assert_eq!(code, "VALIDATION_ERROR");
                assert!(message.contains(named), "{named}: {message}");
            }
            other => panic!("{named}: expected a validation error, got {other:?}"),
        }
    }
    // Allowed: form flags with isGov in attributes, upper-case FRONT, a correct custom attribute.
    let ok = Req {
        attributes: [
            base.attributes.clone(),
            vec![Attr {
                is_gov: Some(true),
                ..Attr::new("szpt_category", "SZPT-001")
            }],
        ]
        .concat(),
        image_files: vec![ProductRequestFileDto {
            file_name: "f.jpg".into(),
            image_type: "FRONT".into(),
        }],
        additional_extended_attributes: vec![Attr::new("sostav", "какао")],
        custom_extended_attributes: vec![Attr {
            name_ru: Some("Моя".into()),
            name_kk: Some("Менің".into()),
            value: Some("1".into()),
            ..Attr::default()
        }],
        ..base
    };
    client.create_request(&key(), &ok).await.unwrap();
    sim.stop().await;
}

#[tokio::test]
async fn each_revision_rule_returns_the_request_with_a_remark_on_its_field() {
    let (sim, client) = flow_sim().await;
    let gov = Req {
        is_gov: Some(true),
        ..with_attr(valid("Батончик гос"), "brand", None)
    };
    let cases: Vec<(Req, Vec<(&str, &str)>)> = vec![
        (
            with_attr(valid("Р1"), "name_kk", None),
            vec![("name_kk", "казахском")],
        ),
        (
            with_attr(valid("Р2"), "tnved", Some("180632100")),
            vec![("tnved", "10 цифр")],
        ),
        (
            with_attr(valid("Р3"), "tnved", Some("1234567890")),
            vec![("tnved", "не найден")],
        ),
        (
            with_attr(valid("Р4"), "tnved", None),
            vec![("tnved", "ТН ВЭД")],
        ),
        (
            Req {
                oktru: "1020-0011".into(),
                ..valid("Р5")
            },
            vec![("oktru", "конечной")],
        ),
        (
            with_attr(valid("Р6"), "measure", None),
            vec![("measure", "единицу измерения")],
        ),
        (
            with_attr(valid("Р7"), "country", None),
            vec![("country", "Страна происхождения")],
        ),
        (
            with_attr(valid("Р8"), "country", Some("ZZ")),
            vec![("country", "COUNTRY")],
        ),
        (
            with_attr(valid("Р9"), "producer_identifier", Some("12AB")),
            vec![("producer_identifier", "^\\d{12}$")],
        ),
        (
            with_attr(valid("Р10"), "gtin", Some("123")),
            vec![("gtin", "формату")],
        ),
        (
            with_attr(valid("Р11"), "is_domestic", Some("да")),
            vec![("is_domestic", "true или false")],
        ),
        (
            with_attr(valid("Р12"), "short_name_ru", Some(&"я".repeat(101))),
            vec![("short_name_ru", "100 символов")],
        ),
        (
            Req {
                attributes: [
                    with_attr(valid("Р13"), "measure", None).attributes,
                    vec![measure("999", "0")],
                ]
                .concat(),
                ..valid("Р13")
            },
            vec![("measure_unit", "MEASURE"), ("quantity", "положительным")],
        ),
        (
            gov,
            vec![("brand", "бренд"), ("imageFiles", "FRONT и BACK")],
        ),
    ];
    let mut ids = Vec::new();
    for (req, _) in &cases {
        ids.push(submit(&client, req).await);
    }
    for ((_, expected), id) in cases.iter().zip(ids) {
        let status = decided(&client, id).await;
        assert_eq!(status.code, "underRevision", "{expected:?}");
        assert_eq!(status.comment.as_deref(), Some(REVISION_COMMENT));
        assert_eq!(
            status.revision_details.len(),
            expected.len(),
            "{expected:?}: {:?}",
            status.revision_details
        );
        for (code, text) in expected {
            let d = status
                .revision_details
                .iter()
                .find(|d| d.attribute_code.as_deref() == Some(*code))
                .unwrap();
            let comment = d.comment.as_deref().unwrap_or_default().to_lowercase();
            assert!(comment.contains(&text.to_lowercase()), "{code}: {comment}");
        }
    }
    sim.stop().await;
}

#[tokio::test]
async fn a_gtin_that_already_has_a_card_is_rejected_with_that_card() {
    let (sim, client) = flow_sim().await;
    let id = submit(
        &client,
        &with_attr(valid("Батончик с чужим GTIN"), "gtin", Some(&seed_gtin(12))),
    )
    .await;
    let status = decided(&client, id).await;
    assert_eq!(status.code, "rejected");
    assert_eq!(status.comment.as_deref(), Some(EXISTS_COMMENT));
    assert_eq!(status.ntin_code, Some(seed_ntin(12)));
    assert_eq!(
        status.product_url.as_deref(),
        Some("https://nationalcatalog.kz/product/14")
    );
    assert!(status.next_action.is_none());
    let list = client
        .list_requests(&key(), Some("rejected"), 1, 10)
        .await
        .unwrap();
    assert_eq!(
        list.content[0]
            .rejection_reason
            .as_ref()
            .unwrap()
            .reason
            .as_deref(),
        Some(EXISTS_COMMENT)
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_duplicate_name_goes_to_review_and_both_decisions_work() {
    let (sim, client) = flow_sim().await;
    let k = key();
    let (name, _) = seed_names(3, false);
    let dup = Req {
        oktru: LEAVES[3].code.to_owned(),
        ..with_attr(valid("x"), "name_ru", Some(&name.to_uppercase()))
    };
    let dup = with_attr(dup, "tnved", Some(LEAVES[3].tnved));

    let id = submit(&client, &dup).await;
    assert_eq!(client.duplicates(&k, id).await, Err(NctError::NotFound));
    let status = decided(&client, id).await;
    assert_eq!(
        (status.code.as_str(), status.reason.as_deref()),
        ("underRevision", Some(DUPLICATES_REASON))
    );
    let next = status.next_action.unwrap();
    assert_eq!(
        (next.method.as_str(), next.endpoint),
        (
            "GET",
            format!("/gwp/portal/api/v1/products/requests/{id}/duplicates")
        )
    );
    let matches = client.duplicates(&k, id).await.unwrap();
    assert_eq!(matches[0].ntin, Some(seed_ntin(3)));
    assert!((matches[0].similarity - 100.0).abs() < f64::EPSILON);
    assert_eq!(matches[0].order_number, 1);

    let use_existing = |ntin: Option<String>| PortalDuplicateDecisionRequestDto {
        decision: DuplicateDecision::UseExisting,
        ntin,
    };
    assert!(matches!(
        client.duplicate_decision(&k, id, &use_existing(None)).await,
        Err(NctError::Validation { .. })
    ));
    client
        .duplicate_decision(&k, id, &use_existing(Some(seed_ntin(3))))
        .await
        .unwrap();
    let chosen = client.request_status(&k, id).await.unwrap();
    assert_eq!(chosen.code, "existingProductSelected");
    assert_eq!(chosen.ntin_code, Some(seed_ntin(3)));
    assert_eq!(
        chosen.product_url.as_deref(),
        Some("https://nationalcatalog.kz/product/4")
    );
    // Not awaiting a decision any more.
    assert!(is_business(
        client
            .duplicate_decision(&k, id, &use_existing(Some(seed_ntin(3))))
            .await
    ));

    let id2 = submit(&client, &dup).await;
    assert_eq!(
        decided(&client, id2).await.reason.as_deref(),
        Some(DUPLICATES_REASON)
    );
    let cont = PortalDuplicateDecisionRequestDto {
        decision: DuplicateDecision::Continue,
        ntin: None,
    };
    client.duplicate_decision(&k, id2, &cont).await.unwrap();
    assert_eq!(
        client.request_status(&k, id2).await.unwrap().code,
        "onModeration"
    );
    assert_eq!(decided(&client, id2).await.code, "readyToPublish");
    sim.stop().await;
}

#[tokio::test]
async fn edit_requests_keep_immutable_fields_and_extended_cards_are_refused() {
    let (sim, client) = flow_sim().await;
    let k = key();
    let ntin = seed_ntin(5);
    let draft = client.edit_product(&k, &ntin).await.unwrap();
    assert!(draft.product_request_id > 0);
    assert_eq!(draft.oktru.as_deref(), Some(LEAVES[5].code));
    assert!(draft.attributes.iter().any(|a| a.code.as_deref() == Some("ntin") && a.value.as_deref() == Some(ntin.as_str())));
    assert!(draft.main_extended_attributes.is_empty());
    assert_eq!(
        client.edit_product(&k, "0200999999999").await,
        Err(NctError::NotFound)
    );

    // PUT the draft back with a new short name; changing name_ru is refused.
    let mut body = Req {
        oktru: draft.oktru.clone().unwrap(),
        attributes: draft.attributes.clone(),
        ntin: Some(ntin.clone()),
        ..Req::default()
    };
    body = with_attr(body, "short_name_ru", Some("Новое краткое"));
    client
        .update_request(&k, draft.product_request_id, &body)
        .await
        .unwrap();
    let renamed = with_attr(body.clone(), "name_ru", Some("Другое имя"));
    let err = client
        .update_request(&k, draft.product_request_id, &renamed)
        .await
        .unwrap_err();
    assert!(
        matches!(err, NctError::Validation { ref message, .. } if message.contains("name_ru")),
        "{err:?}"
    );

    // POST with ntin and without the immutable fields: they are taken from the card; publish keeps the NTIN.
    let minimal = Req {
        oktru: String::new(),
        ntin: Some(ntin.clone()),
        attributes: vec![Attr::new("short_name_ru", "Кратко")],
        ..Req::default()
    };
    let minimal = Req {
        attributes: [
            minimal.attributes,
            vec![Attr::new("country", "KZ"), measure("796", "1")],
        ]
        .concat(),
        ..minimal
    };
    let id = submit(&client, &minimal).await;
    assert_eq!(decided(&client, id).await.code, "readyToPublish");
    client.publish_request(&k, id).await.unwrap();
    assert_eq!(
        client.request_status(&k, id).await.unwrap().ntin_code,
        Some(ntin)
    );

    // An extended card published through the flow cannot be edited.
    let gov = Req {
        is_gov: Some(true),
        auto_publication: true,
        image_files: vec![
            ProductRequestFileDto {
                file_name: "f.jpg".into(),
                image_type: "FRONT".into(),
            },
            ProductRequestFileDto {
                file_name: "b.jpg".into(),
                image_type: "back".into(),
            },
        ],
        ..valid("Батончик расширенный")
    };
    let gov_id = submit(&client, &gov).await;
    let status = decided(&client, gov_id).await;
    assert_eq!(status.code, "completed");
    // CEF takes the extended part in work once the base card is published.
    assert_eq!(status.gz_status.as_ref().unwrap().code, "acceptedGz");
    let err = client
        .edit_product(&k, &status.ntin_code.unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err, NctError::Business { ref message, .. } if message.contains("ЦЭФ")),
        "{err:?}"
    );
    sim.stop().await;
}
