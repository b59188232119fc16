//! The moderation flow driven through [`nct::NctClient`]: status transitions, scoping and listing,
//! the XTIN check, uploads and the create stall. The helpers here are shared with `tests_moderation.rs`.
//! The clock runs with a 100 ms working day.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use nct::dto::{
    PortalCreateUpdateProductRequestDto as Req, PortalProductRequestAttributeValue as Attr,
    PortalProductRequestStatusDto,
};
use nct::{NctClient, NctClientConfig, NctError};
use secrecy::SecretString;

use super::seed::gs1_check_digit;
use super::tests::{key, small_config, spawn};
use super::{SimConfig, SimHandle};

pub(super) const CHOCOLATE: &str = "1020-0011-0003-100006374";
pub(super) const WORKING_DAY: Duration = Duration::from_millis(100);

pub(super) async fn flow_sim() -> (SimHandle, NctClient) {
    spawn(SimConfig {
        working_day: WORKING_DAY,
        ..small_config()
    })
    .await
}

pub(super) fn measure(unit: &str, quantity: &str) -> Attr {
    Attr::compound(
        "measure",
        vec![
            Attr::new("measure_unit", unit),
            Attr::new("quantity", quantity),
        ],
    )
}

/// A request that passes every moderation rule.
pub(super) fn valid(name: &str) -> Req {
    Req {
        oktru: CHOCOLATE.to_owned(),
        attributes: vec![
            Attr::new("name_ru", name),
            Attr::new("name_kk", format!("{name} (қаз)")),
            Attr::new("tnved", "1806321000"),
            Attr::new("country", "KZ"),
            Attr::new("brand", "Тест"),
            measure("796", "1"),
        ],
        ..Req::default()
    }
}

pub(super) fn with_attr(mut req: Req, code: &str, value: Option<&str>) -> Req {
    req.attributes.retain(|a| a.code.as_deref() != Some(code));
    if let Some(v) = value {
        req.attributes.push(Attr::new(code, v));
    }
    req
}

/// Polls until the moderator has decided (or 5 s pass).
pub(super) async fn decided(client: &NctClient, id: i64) -> PortalProductRequestStatusDto {
    let started = Instant::now();
    loop {
        let status = client.request_status(&key(), id).await.unwrap();
        if !matches!(status.code.as_str(), "onModeration" | "accepted")
            || started.elapsed() > Duration::from_secs(5)
        {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(super) async fn submit(client: &NctClient, req: &Req) -> i64 {
    let id = client.create_request(&key(), req).await.unwrap();
    client.send_to_moderation(&key(), id).await.unwrap();
    id
}

pub(super) fn is_business(r: Result<(), NctError>) -> bool {
    matches!(r, Err(NctError::Business { ref code, .. }) if code == "BUSINESS_ERROR")
}

#[tokio::test]
async fn a_clean_request_goes_new_on_moderation_accepted_ready_and_completed() {
    let (sim, client) = flow_sim().await;
    let k = key();
    let id = client
        .create_request(&k, &valid("Батончик чистый 1"))
        .await
        .unwrap();
    assert_eq!(client.request_status(&k, id).await.unwrap().code, "new");
    client.send_to_moderation(&k, id).await.unwrap();
    // The moderator's clock runs in real time (a working day is 0.1 s here): on a loaded machine a poll can
    // miss a step, so the test checks the order of the codes it saw, not when it saw them.
    let mut seen: Vec<String> = Vec::new();
    let started = Instant::now();
    loop {
        let code = client.request_status(&k, id).await.unwrap().code;
        if seen.last() != Some(&code) {
            seen.push(code.clone());
        }
        if !matches!(code.as_str(), "onModeration" | "accepted") || started.elapsed() > Duration::from_secs(5) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let order = ["onModeration", "accepted", "readyToPublish"];
    let ranks: Vec<usize> = seen.iter().map(|c| order.iter().position(|o| o == c).unwrap_or(usize::MAX)).collect();
    assert!(ranks.windows(2).all(|w| w[0] < w[1]) && ranks.iter().all(|r| *r != usize::MAX), "codes out of order: {seen:?}");
    let status = decided(&client, id).await;
    assert_eq!(
        status,
        PortalProductRequestStatusDto {
            code: "readyToPublish".into(),
            value: Some("Готов к публикации".into()),
            ..Default::default()
        }
    );

    client.publish_request(&k, id).await.unwrap();
    let done = client.request_status(&k, id).await.unwrap();
    assert_eq!(done.code, "completed");
    let ntin = done.ntin_code.clone().unwrap();
    assert!(ntin.starts_with("0202") && ntin.len() == 13);
    assert_eq!(gs1_check_digit(&ntin[..12]).to_string(), &ntin[12..]);
    assert!(
        done.product_url
            .unwrap()
            .starts_with("https://nationalcatalog.kz/product/")
    );
    // The new card can be looked up, and publishing twice is refused.
    let cards = client.lookup_gtin(&k, &ntin).await.unwrap();
    assert_eq!(cards[0].name_ru.as_deref(), Some("Батончик чистый 1"));
    assert!(is_business(client.publish_request(&k, id).await));
    sim.stop().await;
}

#[tokio::test]
async fn auto_publication_completes_without_publish() {
    let (sim, client) = flow_sim().await;
    let id = submit(
        &client,
        &Req {
            auto_publication: true,
            ..valid("Батончик авто")
        },
    )
    .await;
    let status = decided(&client, id).await;
    assert_eq!(status.code, "completed");
    assert!(status.ntin_code.is_some() && status.gz_status.is_none());
    sim.stop().await;
}

#[tokio::test]
async fn disallowed_actions_are_business_errors_and_keep_the_status() {
    let (sim, client) = flow_sim().await;
    let k = key();
    let id = client
        .create_request(&k, &valid("Батончик статусы"))
        .await
        .unwrap();
    // From new: cancel and publish are refused.
    assert!(is_business(client.cancel_request(&k, id).await));
    assert!(is_business(client.publish_request(&k, id).await));
    client.send_to_moderation(&k, id).await.unwrap();
    // From onModeration: update, delete, moderation again and publish are refused.
    assert!(is_business(
        client.update_request(&k, id, &valid("x")).await
    ));
    assert!(is_business(client.delete_request(&k, id).await));
    assert!(is_business(client.send_to_moderation(&k, id).await));
    assert!(is_business(client.publish_request(&k, id).await));
    let code = client.request_status(&k, id).await.unwrap().code;
    // The moderator takes it a quarter of a working day after the send (a loaded machine gets there).
    assert!(code == "onModeration" || code == "accepted", "{code}");
    if code == "accepted" {
        return sim.stop().await;
    }
    // Cancel works only now; a cancelled request can be updated but not re-sent or deleted.
    client.cancel_request(&k, id).await.unwrap();
    assert_eq!(
        client.request_status(&k, id).await.unwrap().code,
        "cancelled"
    );
    client
        .update_request(&k, id, &valid("Батончик статусы 2"))
        .await
        .unwrap();
    assert_eq!(
        client.request_status(&k, id).await.unwrap().code,
        "cancelled"
    );
    assert!(is_business(client.send_to_moderation(&k, id).await));
    assert!(is_business(client.delete_request(&k, id).await));
    // An accepted request can no longer be cancelled.
    let id2 = submit(&client, &valid("Батончик принят")).await;
    tokio::time::sleep(WORKING_DAY / 2).await;
    assert!(is_business(client.cancel_request(&k, id2).await));
    // Delete works from new only, then the request is gone.
    let id3 = client
        .create_request(&k, &valid("Батончик удаляемый"))
        .await
        .unwrap();
    client.delete_request(&k, id3).await.unwrap();
    assert_eq!(
        client.request_status(&k, id3).await,
        Err(NctError::NotFound)
    );
    sim.stop().await;
}

#[tokio::test]
async fn requests_are_scoped_per_key_and_listed_with_filters() {
    let (sim, client) = flow_sim().await;
    let k = key();
    let id = client
        .create_request(&k, &valid("Батончик список"))
        .await
        .unwrap();
    let page = client.list_requests(&k, None, 1, 10).await.unwrap();
    assert_eq!(page.total_elements, 1);
    assert_eq!(page.content[0].id, id);
    assert_eq!(page.content[0].status.as_ref().unwrap().code, "new");
    assert_eq!(page.content[0].category_ancestors.len(), 4);
    assert_eq!(
        client
            .list_requests(&k, Some("completed"), 1, 10)
            .await
            .unwrap()
            .total_elements,
        0
    );
    assert!(matches!(
        client.list_requests(&k, Some("bogus"), 1, 10).await,
        Err(NctError::Validation { .. })
    ));
    assert!(matches!(
        client.list_requests(&k, None, 1, 101).await,
        Err(NctError::Validation { .. })
    ));
    assert!(matches!(
        client.list_requests(&k, None, 0, 10).await,
        Err(NctError::Validation { .. })
    ));
    let details = client.request_details(&k, id).await.unwrap();
    assert_eq!(details["status"]["code"], "new");
    assert!(
        details["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["code"] == "country" && a["values"]["code"] == "KZ")
    );

    sim.add_key("other".into());
    let other = SecretString::from("other");
    assert_eq!(
        client.request_status(&other, id).await,
        Err(NctError::NotFound)
    );
    assert_eq!(
        client.delete_request(&other, id).await,
        Err(NctError::NotFound)
    );
    assert_eq!(
        client
            .list_requests(&other, None, 1, 10)
            .await
            .unwrap()
            .total_elements,
        0
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_bad_xtin_fails_only_at_moderation_and_keeps_the_status() {
    let (sim, client) = flow_sim().await;
    let k = key();
    let id = client
        .create_request(
            &k,
            &with_attr(valid("Батончик XTIN"), "xtin", Some("4000000000000")),
        )
        .await
        .unwrap();
    assert!(is_business(client.send_to_moderation(&k, id).await));
    assert_eq!(client.request_status(&k, id).await.unwrap().code, "new");
    client
        .update_request(
            &k,
            id,
            &with_attr(valid("Батончик XTIN"), "xtin", Some("0041234567890")),
        )
        .await
        .unwrap();
    client.send_to_moderation(&k, id).await.unwrap();
    assert_eq!(decided(&client, id).await.code, "readyToPublish");
    sim.stop().await;
}

#[tokio::test]
async fn uploads_accept_photos_and_pdfs_up_to_5_mb() {
    let (sim, client) = flow_sim().await;
    let k = key();
    let photo = client
        .upload_image(&k, "front photo.JPG", b"\xff\xd8\xff\xe0fake-jpeg")
        .await
        .unwrap();
    assert!(photo.filename.ends_with(".jpg"));
    assert_eq!(photo.original_filename.as_deref(), Some("front photo.JPG"));
    assert_eq!(photo.size_bytes, 13);
    let doc = client
        .upload_document(&k, "certificate.pdf", b"%PDF-1.4 fake")
        .await
        .unwrap();
    assert!(doc.filename.ends_with(".pdf") && doc.id != photo.id);
    assert!(matches!(
        client.upload_document(&k, "cert.txt", b"x").await,
        Err(NctError::Validation { .. })
    ));
    let big = vec![0u8; 5 * 1024 * 1024 + 1];
    let err = client.upload_image(&k, "big.jpg", &big).await.unwrap_err();
    assert!(
        matches!(err, NctError::Validation { ref code, .. } if code == "PAYLOAD_TOO_LARGE"),
        "{err:?}"
    );
    client
        .upload_image(&k, "max.png", &big[..5 * 1024 * 1024])
        .await
        .unwrap();
    sim.stop().await;
}

#[tokio::test]
async fn a_stalled_create_is_stored_before_the_caller_gives_up() {
    let (sim, _) = flow_sim().await;
    let impatient = NctClient::new(NctClientConfig {
        base_url: sim.base_url(),
        request_timeout: Duration::from_millis(200),
        ..NctClientConfig::default()
    })
    .unwrap();
    sim.set_stall_create(Some(Duration::from_millis(800)));
    let err = impatient
        .create_request(&key(), &valid("Батончик застрял"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, NctError::Unavailable { status: None, .. }),
        "{err:?}"
    );
    let list = impatient.list_requests(&key(), None, 1, 10).await.unwrap();
    assert_eq!(list.total_elements, 1);
    // The stall applies once.
    impatient
        .create_request(&key(), &valid("Батончик следующий"))
        .await
        .unwrap();
    assert_eq!(sim.stats().requests_created, 2);
    sim.stop().await;
}
