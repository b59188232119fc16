//! Scripts: what the simulated moderator and CEF decide for one request, set by tests through
//! `PUT /__sim/script` (or [`super::SimHandle::set_script`]). A script is keyed by the request's `name_ru`,
//! so parallel tests never steer each other's requests, and it replaces the rule-based decision at the end
//! of the moderation round (rules that refuse earlier, like a bad XTIN at `PUT …/moderation`, still apply).
//!
//! Every status and transition the spec lists can be reached this way:
//!
//! | `outcome` | base status NCT shows | with |
//! |---|---|---|
//! | `ready` | `readyToPublish` (then `completed` on publish, or by itself with `autoPublication`) | – |
//! | `revision` | `underRevision` | `comment` + one `revisionDetails` entry (`attributeCode`, `comment`) |
//! | `photo` | `underRevision` | `reason` "Изображения не прошли проверку ИИ" + `photoModeration` (`score`, `comment`) |
//! | `photoReject` | `rejected` | `comment` + `photoModeration` |
//! | `reject` | `rejected` | `comment` (a plain refusal) |
//! | `exists` | `rejected` | `comment` + `ntinCode`/`productUrl` of the seed card `ntin` (default: card 0) |
//! | `duplicates` | `underRevision` awaiting a duplicate decision | `reason`, `nextAction`, the seed card as candidate |
//! | `hold` | stays `accepted` | – (replace the script to let it go on) |
//! | `status` | the code in `status`, as given (a status the spec does not list) | – |
//!
//! `gz` decides the extended (CEF) part of an `isGov` request after its base part is published:
//! `publish` (default: `acceptedGz` → `publishingGz` → gone), `revision` (`acceptedGz` →
//! `underRevisionGz` with `comment` and a per-field remark), `reject` (`acceptedGz` → `rejectedGz`).

use serde::{Deserialize, Serialize};

/// The base outcome of a scripted request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Approved: `readyToPublish`.
    Ready,
    /// Returned with a moderator's remark.
    Revision,
    /// Returned by the AI photo check.
    Photo,
    /// Refused by the AI photo check.
    PhotoReject,
    /// Refused (plain).
    Reject,
    /// Refused: the card already exists.
    Exists,
    /// Returned for a duplicate decision.
    Duplicates,
    /// Kept `accepted` (a moderator who has not decided yet).
    Hold,
    /// A status code the spec does not list.
    Status,
}

/// CEF's outcome for the extended part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GzOutcome {
    /// Accepted and published.
    #[default]
    Publish,
    /// Returned for revision.
    Revision,
    /// Refused.
    Reject,
}

/// A script for one request (by `name_ru`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Script {
    /// The request's `name_ru` (exact, trimmed).
    pub name_ru: String,
    /// The base outcome; `None` keeps the rule-based decision.
    pub outcome: Option<Outcome>,
    /// Remark text (`comment`, or the photo check's comment).
    pub comment: Option<String>,
    /// The field a `revision` remark is about (default `name_ru`).
    pub attribute_code: Option<String>,
    /// The photo check's score (default 12).
    pub score: Option<i32>,
    /// The existing card's NTIN for `exists` (a seed card; default card 0).
    pub ntin: Option<String>,
    /// The code for `status`.
    pub status: Option<String>,
    /// CEF's outcome for an extended request.
    pub gz: Option<GzOutcome>,
    /// CEF's remark for `gz: revision`/`reject`.
    pub gz_comment: Option<String>,
    /// Keep the script after it decided once (default: it applies to one round).
    pub keep: bool,
}

/// The reason NCT gives when the AI photo check fails and nothing else is wrong.
pub const PHOTO_REASON: &str = "Изображения не прошли проверку ИИ";
/// The photo check's default comment.
pub const PHOTO_COMMENT: &str = "Фотография не соответствует заявленному названию товара: на изображении представлен другой товар.";
/// A plain refusal's default comment.
pub const REJECT_COMMENT: &str = "Карточка не соответствует требованиям каталога.";
/// CEF's default remark.
pub const GZ_COMMENT: &str = "Прошу дополнить заявку";
