//! Storage of the moderation flow: product requests (scoped per API key), upload ids and the cards
//! published through requests. Pure data plus small accessors; the rules live in `validation.rs` and
//! `moderation.rs`, the HTTP side in `routes_requests.rs` and `uploads.rs`.

use std::collections::HashMap;
use std::time::Instant;

use nct::dto::{
    PortalRevisionDetailDto,
    LocalizationItemDto, PortalCreateUpdateProductRequestDto, PortalDuplicateMatchDto,
    PortalProductDto, PortalProductRequestAttributeValue, PortalProductRequestStatusDto,
};

use super::answers::{ApiFailure, not_found};
use super::seed::SeedCard;

/// Base status codes.
pub mod status {
    /// Draft.
    pub const NEW: &str = "new";
    /// Sent, not yet taken.
    pub const ON_MODERATION: &str = "onModeration";
    /// Taken by a moderator.
    pub const ACCEPTED: &str = "accepted";
    /// Returned with remarks (or for a duplicate decision).
    pub const UNDER_REVISION: &str = "underRevision";
    /// Returned by CEF (never produced by the simulator, accepted where the spec names it).
    pub const UNDER_REVISION_GZ: &str = "underRevisionGz";
    /// Refused.
    pub const REJECTED: &str = "rejected";
    /// Withdrawn while on moderation.
    pub const CANCELLED: &str = "cancelled";
    /// Approved, waiting for publish.
    pub const READY_TO_PUBLISH: &str = "readyToPublish";
    /// Published.
    pub const COMPLETED: &str = "completed";
    /// Closed by choosing an existing card.
    pub const EXISTING_PRODUCT_SELECTED: &str = "existingProductSelected";
    /// Every code the `status` filter accepts.
    pub const FILTERABLE: &[&str] = &[
        NEW,
        ON_MODERATION,
        ACCEPTED,
        UNDER_REVISION,
        REJECTED,
        CANCELLED,
        READY_TO_PUBLISH,
        COMPLETED,
        EXISTING_PRODUCT_SELECTED,
    ];
}

/// Display label of a status code.
pub fn status_label(code: &str) -> &'static str {
    match code {
        status::NEW => "Новая",
        status::ON_MODERATION => "Отправлена на модерацию",
        status::ACCEPTED => "Принято в работу",
        status::UNDER_REVISION | status::UNDER_REVISION_GZ => "На доработке",
        status::REJECTED => "Отклонено",
        status::CANCELLED => "Отозвано",
        status::READY_TO_PUBLISH => "Готов к публикации",
        status::COMPLETED => "Выполнено",
        status::EXISTING_PRODUCT_SELECTED => "Выбран существующий товар",
        _ => "Неизвестный статус",
    }
}

/// `{code, value}` of a status.
pub fn status_item(code: &str) -> LocalizationItemDto {
    LocalizationItemDto::new(code, status_label(code))
}

/// The current local time in NCT's zone-less format.
pub fn now_stamp() -> String {
    chrono::Local::now()
        .naive_local()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// One product request.
#[derive(Debug, Clone)]
pub struct SimRequest {
    /// Request id.
    pub id: i64,
    /// The key that created it; other keys get 404.
    pub owner: String,
    /// Current content (replaced by PUT).
    pub body: PortalCreateUpdateProductRequestDto,
    /// Base status code (see [`status`]).
    pub status: &'static str,
    /// Creation time.
    pub created: String,
    /// Last change.
    pub updated: String,
    /// When the current moderation round started (drives the compressed clock).
    pub sent_at: Option<Instant>,
    /// Remarks and result shown by the status endpoint (`code`/`value` are filled on render).
    pub remarks: PortalProductRequestStatusDto,
    /// Duplicates found by the last duplicate check; `None` if no duplicates review happened.
    pub duplicates: Option<Vec<PortalDuplicateMatchDto>>,
    /// Held in `underRevision` for a duplicate decision.
    pub awaiting_decision: bool,
    /// Set by `CONTINUE`: the next moderation round skips the duplicate check.
    pub skip_duplicate_check: bool,
}

impl SimRequest {
    /// The status response: status plus non-empty remarks.
    pub fn status_dto(&self) -> PortalProductRequestStatusDto {
        let mut dto = self.remarks.clone();
        dto.code = self.status.to_owned();
        if dto.value.is_none() {
            dto.value = Some(status_label(self.status).to_owned());
        }
        dto
    }

    /// Starts a moderation round: clears the previous remarks.
    pub fn start_moderation(&mut self, now: Instant) {
        self.status = status::ON_MODERATION;
        self.sent_at = Some(now);
        self.remarks = PortalProductRequestStatusDto::default();
        self.awaiting_decision = false;
        self.updated = now_stamp();
    }

    /// Moves to `status`, stopping the clock.
    pub fn settle(&mut self, status: &'static str, remarks: PortalProductRequestStatusDto) {
        self.status = status;
        self.sent_at = None;
        self.remarks = remarks;
        self.updated = now_stamp();
    }

    /// `isGov` of the content.
    pub fn is_gov(&self) -> bool {
        self.body.is_gov.unwrap_or(false)
    }
}

/// A card published through a request.
#[derive(Debug, Clone)]
pub struct PublishedCard {
    /// The card.
    pub card: SeedCard,
    /// Published from an extended request: edits are refused (they go through CEF).
    pub is_gov: bool,
}

/// All mutable data of the flow.
#[derive(Debug)]
pub struct RequestStore {
    /// A moderator's remark to return with the next request that passes every rule (a judgement no rule
    /// can check, e.g. "the photo does not show the product"); applies once. Set through the control API.
    pub moderator_remark: Option<PortalRevisionDetailDto>,
    next_id: i64,
    requests: HashMap<i64, SimRequest>,
    next_upload_id: i64,
    published: Vec<PublishedCard>,
    next_card_seq: u64,
}

impl Default for RequestStore {
    fn default() -> Self {
        Self {
            moderator_remark: None,
            next_id: 4125,
            requests: HashMap::new(),
            next_upload_id: 1,
            published: Vec::new(),
            next_card_seq: 1,
        }
    }
}

impl RequestStore {
    /// Stores a new draft and returns its id.
    pub fn insert(&mut self, owner: &str, body: PortalCreateUpdateProductRequestDto) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        let stamp = now_stamp();
        self.requests.insert(
            id,
            SimRequest {
                id,
                owner: owner.to_owned(),
                body,
                status: status::NEW,
                created: stamp.clone(),
                updated: stamp,
                sent_at: None,
                remarks: PortalProductRequestStatusDto::default(),
                duplicates: None,
                awaiting_decision: false,
                skip_duplicate_check: false,
            },
        );
        id
    }

    /// A request of `owner`.
    ///
    /// # Errors
    /// 404 `NOT_FOUND` for an unknown id or another key's request.
    pub fn owned(&self, id: i64, owner: &str) -> Result<&SimRequest, ApiFailure> {
        self.requests
            .get(&id)
            .filter(|r| r.owner == owner)
            .ok_or_else(not_found)
    }

    /// A request of `owner`, mutable.
    ///
    /// # Errors
    /// 404 `NOT_FOUND` for an unknown id or another key's request.
    pub fn owned_mut(&mut self, id: i64, owner: &str) -> Result<&mut SimRequest, ApiFailure> {
        self.requests
            .get_mut(&id)
            .filter(|r| r.owner == owner)
            .ok_or_else(not_found)
    }

    /// Any request by id (the moderation clock).
    pub fn get(&self, id: i64) -> Option<&SimRequest> {
        self.requests.get(&id)
    }

    /// Any request by id, mutable.
    pub fn get_mut(&mut self, id: i64) -> Option<&mut SimRequest> {
        self.requests.get_mut(&id)
    }

    /// Removes a request.
    pub fn remove(&mut self, id: i64) {
        self.requests.remove(&id);
    }

    /// Ids of `owner`'s requests, newest first.
    pub fn ids_of(&self, owner: &str) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .requests
            .values()
            .filter(|r| r.owner == owner)
            .map(|r| r.id)
            .collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids
    }

    /// Id for a new upload. Uploaded bytes are not kept, and requests may name files that were never
    /// uploaded (the simulator does not cross-check `fileName`s).
    pub fn next_upload_id(&mut self) -> i64 {
        let id = self.next_upload_id;
        self.next_upload_id += 1;
        id
    }

    /// Publishes a new card (`0202…` NTIN) and returns it.
    pub fn publish_card(
        &mut self,
        gtin: Option<String>,
        name_ru: String,
        name_kk: String,
        oktru: String,
        is_gov: bool,
    ) -> SeedCard {
        let seq = self.next_card_seq;
        self.next_card_seq += 1;
        let body = format!("0202{seq:08}");
        let ntin = format!("{body}{}", super::seed::gs1_check_digit(&body));
        let card = SeedCard {
            id: 105_000_000 + seq as i64,
            gtin: gtin.unwrap_or_default(),
            ntin,
            name_ru,
            name_kk,
            oktru,
        };
        self.published.push(PublishedCard {
            card: card.clone(),
            is_gov,
        });
        card
    }

    /// Published card by NTIN.
    pub fn published_by_ntin(&self, ntin: &str) -> Option<&PublishedCard> {
        self.published.iter().find(|p| p.card.ntin == ntin)
    }

    /// Published cards carrying `gtin`.
    pub fn published_by_gtin(&self, gtin: &str) -> Vec<&PublishedCard> {
        self.published
            .iter()
            .filter(|p| !gtin.is_empty() && p.card.gtin == gtin)
            .collect()
    }

    /// Every published card.
    pub fn published(&self) -> &[PublishedCard] {
        &self.published
    }

    /// Lookup of a normalized tin among published cards (NTIN first, then GTIN).
    pub fn published_lookup(&self, tin: &str) -> Vec<PortalProductDto> {
        if let Some(p) = self.published_by_ntin(tin) {
            return vec![p.to_dto()];
        }
        self.published_by_gtin(tin)
            .into_iter()
            .map(PublishedCard::to_dto)
            .collect()
    }
}

impl PublishedCard {
    /// Wire form.
    pub fn to_dto(&self) -> PortalProductDto {
        let mut dto = self.card.to_dto();
        if self.is_gov {
            dto.request_type = Some("gov".to_owned());
        }
        dto
    }
}

/// The attribute with `code` in a list.
pub fn find_attr<'a>(
    attrs: &'a [PortalProductRequestAttributeValue],
    code: &str,
) -> Option<&'a PortalProductRequestAttributeValue> {
    attrs.iter().find(|a| a.code.as_deref() == Some(code))
}

/// The trimmed, non-empty value of the attribute with `code`.
pub fn attr_value<'a>(
    attrs: &'a [PortalProductRequestAttributeValue],
    code: &str,
) -> Option<&'a str> {
    find_attr(attrs, code)
        .and_then(|a| a.value.as_deref())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}
