//! The pre-moderation check of a stored card, and the NCT request body built from it.
//!
//! The rules are `domain::card::check_card`; this module feeds them the schema (cached per process) and
//! the stored dictionaries of the NCT the client talks to ([`CardSchemaCache`]), and turns a draft into
//! the wire body. An OKTRU code the stored dictionary lacks is looked up along its path first (at most
//! once per code per [`crate::card_schema::LOOKUP_AGAIN`]).

use crate::card_schema::CardSchemaCache;
use crate::db::card_repo::CardSku;
use domain::card::{CardProblem, Dictionaries as _, RequestAttr, RequestBody, check_card, to_request_attributes};
use nct::dto::{
    PortalCreateUpdateProductRequestDto, PortalProductRequestAttributeValue, ProductRequestDocumentDto,
    ProductRequestFileDto,
};
use nct::{NctClient, NctError};
use secrecy::SecretString;

/// Runs the pre-moderation check of a card with the cached schema and dictionaries.
///
/// # Errors
/// The NCT call that loading the schema or dictionaries needed.
pub async fn check(client: &NctClient, key: &SecretString, card: &CardSku) -> Result<Vec<CardProblem>, NctError> {
    let cache = CardSchemaCache::for_client(client);
    let draft = card.draft();
    let mut dicts = cache.dictionaries(key).await?;
    // A category NCT added since the last refresh pass is looked up along its path (roots/children).
    if let Some(code) = draft.oktru.as_deref().map(str::trim).filter(|c| !c.is_empty())
        && dicts.oktru(code).is_none()
        && cache.may_look_up(code)
        && cache.store()?.find_oktru(key, code).await.map_err(NctError::from)?
    {
        dicts = cache.dictionaries(key).await?;
    }
    let schema = cache.schema(key, draft.oktru.as_deref(), draft.is_gov).await?;
    Ok(check_card(&draft, &schema, dicts.as_ref()))
}

/// The wire body of a domain request body.
pub fn request_dto(b: &RequestBody) -> PortalCreateUpdateProductRequestDto {
    fn attr(a: &RequestAttr) -> PortalProductRequestAttributeValue {
        PortalProductRequestAttributeValue {
            code: a.code.clone(),
            value: a.value.clone(),
            name_ru: a.name_ru.clone(),
            name_kk: a.name_kk.clone(),
            attributes: a.attributes.iter().map(attr).collect(),
            ..PortalProductRequestAttributeValue::default()
        }
    }
    PortalCreateUpdateProductRequestDto {
        oktru: b.oktru.clone(),
        attributes: b.attributes.iter().map(attr).collect(),
        ntin: b.ntin.clone(),
        auto_publication: b.auto_publication,
        is_gov: Some(b.is_gov),
        main_extended_attributes: b.main_extended.iter().map(attr).collect(),
        additional_extended_attributes: b.additional_extended.iter().map(attr).collect(),
        custom_extended_attributes: b.custom_extended.iter().map(attr).collect(),
        image_files: b
            .image_files
            .iter()
            .map(|f| ProductRequestFileDto { file_name: f.file_name.clone(), image_type: f.image_type.clone() })
            .collect(),
        documents: b.documents.iter().map(|d| ProductRequestDocumentDto { file_name: d.clone() }).collect(),
    }
}

/// SHA-256 of the JSON body, first 16 bytes as hex.
pub fn body_hash(body: &PortalCreateUpdateProductRequestDto) -> String {
    let json = serde_json::to_vec(body).unwrap_or_default();
    ring::digest::digest(&ring::digest::SHA256, &json).as_ref().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The wire body of a stored card.
pub fn card_body(card: &CardSku) -> PortalCreateUpdateProductRequestDto {
    request_dto(&to_request_attributes(&card.draft()))
}
