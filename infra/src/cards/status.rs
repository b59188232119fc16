//! Reading a request's status from NCT into what we store ([`StatusUpdate`]): the base status with its
//! remarks, the AI photo check, the extended (CEF) part with its own remarks, the result (`ntinCode`,
//! `productUrl`), and the duplicate candidates when a decision is awaited.

use crate::db::request_repo::{DuplicateCandidate, PhotoCheck, RevisionDetail, StatusUpdate};
use domain::card::RequestStatus;
use nct::dto::{PortalProductRequestStatusDto, PortalRevisionDetailDto};
use nct::{NctClient, NctError};
use secrecy::SecretString;

/// Reads a request's status (and its duplicates when it waits for a decision).
///
/// # Errors
/// The NCT call that failed.
pub async fn fetch_update(client: &NctClient, key: &SecretString, id: i64) -> Result<StatusUpdate, NctError> {
    let dto = client.request_status(key, id).await?;
    let mut u = to_update(&dto);
    if u.duplicate_review {
        u.duplicates = match client.duplicates(key, id).await {
            Ok(list) => Some(
                list.into_iter()
                    .map(|d| DuplicateCandidate { name: d.name, brand: d.brand, gtin: d.gtin, ntin: d.ntin, similarity: d.similarity })
                    .collect(),
            ),
            // No duplicate check ran after all: nothing to choose from.
            Err(NctError::NotFound) => Some(Vec::new()),
            Err(e) => return Err(e),
        };
    } else {
        u.duplicates = Some(Vec::new());
    }
    Ok(u)
}

fn details(list: &[PortalRevisionDetailDto]) -> Vec<RevisionDetail> {
    list.iter()
        .map(|d| RevisionDetail {
            attribute_code: d.attribute_code.clone().unwrap_or_default(),
            value: d.value.clone().unwrap_or_default(),
            comment: d.comment.clone().unwrap_or_default(),
        })
        .collect()
}

/// Maps NCT's status answer to what we store. A duplicates review is recognised by `nextAction` pointing
/// at `/duplicates` or by the duplicates `reason` (NCT-API.md §5); the AI photo reason alone is not one.
pub fn to_update(dto: &PortalProductRequestStatusDto) -> StatusUpdate {
    let status = RequestStatus::parse(dto.code.trim());
    let reason_says_duplicates = dto.reason.as_deref().is_some_and(|r| {
        let r = r.to_lowercase();
        r.contains("duplicate") || r.contains("дубл")
    });
    let next_is_duplicates = dto.next_action.as_ref().is_some_and(|a| a.endpoint.trim_end_matches('/').ends_with("/duplicates"));
    let duplicate_review = status.is_under_revision() && (reason_says_duplicates || next_is_duplicates);
    let gz = dto.gz_status.as_ref().filter(|g| !g.code.trim().is_empty());
    StatusUpdate {
        status,
        gz_status: gz.map(|g| RequestStatus::parse(g.code.trim())),
        comment: dto.comment.clone().filter(|c| !c.trim().is_empty()),
        reason: dto.reason.clone().filter(|c| !c.trim().is_empty()),
        revision_details: details(&dto.revision_details),
        gz_comment: gz.and_then(|g| g.comment.clone()).filter(|c| !c.trim().is_empty()),
        gz_revision_details: gz.map(|g| details(&g.revision_details)).unwrap_or_default(),
        photo: dto.photo_moderation.as_ref().map(|p| PhotoCheck { score: p.score.clamp(0, 100), comment: p.comment.clone() }),
        duplicates: None,
        duplicate_review,
        ntin: dto.ntin_code.clone().filter(|n| !n.trim().is_empty()),
        product_url: dto.product_url.clone().filter(|n| !n.trim().is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nct::dto::{PortalGzStatusDto, PortalNextActionDto, PortalPhotoModerationDto};

    #[test]
    fn every_part_of_the_answer_is_kept_apart() {
        // The spec's "published, extended card returned for revision" example, plus a photo check.
        let dto = PortalProductRequestStatusDto {
            code: "completed".into(),
            ntin_code: Some("0200121958529".into()),
            product_url: Some("https://nationalcatalog.kz/product/105254003".into()),
            photo_moderation: Some(PortalPhotoModerationDto { score: 140, comment: Some("не тот товар".into()) }),
            gz_status: Some(PortalGzStatusDto {
                code: "underRevisionGz".into(),
                comment: Some("Прошу дополнить заявку".into()),
                revision_details: vec![PortalRevisionDetailDto { attribute_code: Some("kolichestvo".into()), value: Some("4".into()), comment: Some("Исправьте".into()) }],
                ..Default::default()
            }),
            ..Default::default()
        };
        let u = to_update(&dto);
        assert_eq!(u.status, RequestStatus::Completed);
        assert_eq!(u.gz_status, Some(RequestStatus::UnderRevisionGz));
        assert_eq!(u.gz_comment.as_deref(), Some("Прошу дополнить заявку"));
        assert_eq!(u.gz_revision_details.len(), 1);
        assert!(u.revision_details.is_empty() && u.comment.is_none());
        assert_eq!(u.photo, Some(PhotoCheck { score: 100, comment: Some("не тот товар".into()) }));
        assert_eq!(u.ntin.as_deref(), Some("0200121958529"));
        assert!(!u.duplicate_review);
    }

    #[test]
    fn a_duplicates_review_is_told_from_a_photo_return() {
        let dup = PortalProductRequestStatusDto {
            code: "underRevision".into(),
            reason: Some("Potential duplicate products found".into()),
            next_action: Some(PortalNextActionDto { endpoint: "/gwp/portal/api/v1/products/requests/1/duplicates".into(), ..Default::default() }),
            ..Default::default()
        };
        assert!(to_update(&dup).duplicate_review);
        let photo = PortalProductRequestStatusDto {
            code: "underRevision".into(),
            reason: Some("Изображения не прошли проверку ИИ".into()),
            photo_moderation: Some(PortalPhotoModerationDto { score: 0, comment: Some("x".into()) }),
            ..Default::default()
        };
        let u = to_update(&photo);
        assert!(!u.duplicate_review);
        assert_eq!(u.photo.map(|p| p.score), Some(0));
        let odd = to_update(&PortalProductRequestStatusDto { code: "archived".into(), ..Default::default() });
        assert_eq!(odd.status, RequestStatus::Other("archived".into()));
    }
}
