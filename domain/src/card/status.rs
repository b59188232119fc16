//! The states of a card and of its NCT product request, and the rules over them.
//!
//! - [`RequestStatus`]: NCT's status code of a request (`status.code` and `gzStatus.code`, NCT-API.md §3).
//!   An unknown code is kept as [`RequestStatus::Other`] with its text, never dropped.
//! - [`CardStatus`]: where a SKU's card is in our workflow (`skus.card_status`).
//! - [`Intent`]: our outbox state of a request row, written *before* NCT is called (RELIABILITY.md §7).
//!
//! The rules NCT states for its actions (§3 table) are methods: [`RequestStatus::can_resubmit`],
//! [`RequestStatus::can_cancel`], [`RequestStatus::is_final`]. Following a request over time (when to look
//! again, how a step is reconciled) is in `follow.rs`.

use serde::{Deserialize, Serialize};

use crate::wire::wire_names;

/// NCT's status code of a product request: the base statuses, the extended-card (`…Gz`) statuses, and
/// anything else NCT may send, kept with its text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// `new`: created, not sent to moderation.
    New,
    /// `onModeration`: waiting for a moderator.
    OnModeration,
    /// `accepted`: a moderator took it.
    Accepted,
    /// `underRevision`: returned for revision (or waiting for a duplicate decision).
    UnderRevision,
    /// `readyToPublish`: approved; publish it (unless `autoPublication`).
    ReadyToPublish,
    /// `completed`: published; `ntinCode` is the card's NTIN.
    Completed,
    /// `existingProductSelected`: the seller chose an existing card; `ntinCode` is its NTIN.
    ExistingProductSelected,
    /// `rejected`: refused (with `ntinCode` when the card already exists).
    Rejected,
    /// `cancelled`: withdrawn.
    Cancelled,
    /// `acceptedGz`: the extended part was accepted by CEF.
    AcceptedGz,
    /// `underRevisionGz`: the extended part was returned for revision.
    UnderRevisionGz,
    /// `rejectedGz`: the extended part was refused.
    RejectedGz,
    /// `publishingGz`: the extended card is being published.
    PublishingGz,
    /// A code the spec does not list, as received.
    Other(String),
}

impl RequestStatus {
    /// Every listed status (not `Other`).
    pub const KNOWN: [RequestStatus; 13] = [
        Self::New,
        Self::OnModeration,
        Self::Accepted,
        Self::UnderRevision,
        Self::ReadyToPublish,
        Self::Completed,
        Self::ExistingProductSelected,
        Self::Rejected,
        Self::Cancelled,
        Self::AcceptedGz,
        Self::UnderRevisionGz,
        Self::RejectedGz,
        Self::PublishingGz,
    ];

    /// NCT's code.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::New => "new",
            Self::OnModeration => "onModeration",
            Self::Accepted => "accepted",
            Self::UnderRevision => "underRevision",
            Self::ReadyToPublish => "readyToPublish",
            Self::Completed => "completed",
            Self::ExistingProductSelected => "existingProductSelected",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::AcceptedGz => "acceptedGz",
            Self::UnderRevisionGz => "underRevisionGz",
            Self::RejectedGz => "rejectedGz",
            Self::PublishingGz => "publishingGz",
            Self::Other(s) => s,
        }
    }

    /// Reads NCT's code; an unlisted one becomes [`RequestStatus::Other`].
    #[must_use]
    pub fn parse(code: &str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|s| s.as_str() == code)
            .unwrap_or_else(|| Self::Other(code.to_owned()))
    }

    /// Nothing more happens to the request: `completed`, `existingProductSelected`, `rejected`, `cancelled`.
    #[must_use]
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Completed | Self::ExistingProductSelected | Self::Rejected | Self::Cancelled)
    }

    /// The request can be corrected and sent to moderation again (`PUT` update, then moderation): `new`,
    /// `underRevision`, `underRevisionGz`.
    #[must_use]
    pub fn can_resubmit(&self) -> bool {
        matches!(self, Self::New | Self::UnderRevision | Self::UnderRevisionGz)
    }

    /// The request can be withdrawn: `onModeration` only.
    #[must_use]
    pub fn can_cancel(&self) -> bool {
        matches!(self, Self::OnModeration)
    }

    /// Returned for revision (base or extended part): the seller acts next.
    #[must_use]
    pub fn is_under_revision(&self) -> bool {
        matches!(self, Self::UnderRevision | Self::UnderRevisionGz)
    }

    /// The card exists at NCT and `ntinCode` is its NTIN: `completed`, `existingProductSelected`.
    #[must_use]
    pub fn gives_ntin(&self) -> bool {
        matches!(self, Self::Completed | Self::ExistingProductSelected)
    }

    /// Whether the status is in the spec's list filter of `GET /products/requests?status=` (the base
    /// statuses; the `…Gz` codes and unknown ones cannot be listed).
    #[must_use]
    pub fn is_listable(&self) -> bool {
        matches!(
            self,
            Self::New
                | Self::OnModeration
                | Self::Accepted
                | Self::UnderRevision
                | Self::Rejected
                | Self::Cancelled
                | Self::ReadyToPublish
                | Self::Completed
                | Self::ExistingProductSelected
        )
    }

    /// The card workflow state a request puts its SKU in: the base status, the extended part
    /// (`gz`, which can be returned for revision after `completed`), whether a duplicate decision is
    /// awaited, and whether a `rejected` request named the existing card (`ntinCode`).
    #[must_use]
    pub fn card_status(&self, gz: Option<&RequestStatus>, duplicate_review: bool, existing_ntin: bool) -> CardStatus {
        if gz == Some(&Self::UnderRevisionGz) {
            return CardStatus::NeedsRevision;
        }
        match self {
            Self::New => CardStatus::Created,
            Self::UnderRevision | Self::UnderRevisionGz if duplicate_review => CardStatus::DuplicateReview,
            Self::UnderRevision | Self::UnderRevisionGz => CardStatus::NeedsRevision,
            Self::ReadyToPublish => CardStatus::ReadyToPublish,
            Self::Completed | Self::ExistingProductSelected => CardStatus::Completed,
            // The card already exists: the SKU takes its NTIN, nothing is left to do.
            Self::Rejected if existing_ntin => CardStatus::Completed,
            Self::Rejected => CardStatus::Rejected,
            Self::Cancelled => CardStatus::Cancelled,
            Self::OnModeration
            | Self::Accepted
            | Self::AcceptedGz
            | Self::RejectedGz
            | Self::PublishingGz
            | Self::Other(_) => CardStatus::Submitted,
        }
    }
}

impl std::fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a SKU's card is in our workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CardStatus {
    /// Card data incomplete (the check has errors).
    Draft,
    /// The check passes; can be submitted.
    Ready,
    /// Created at NCT, not yet on moderation.
    Created,
    /// On moderation.
    Submitted,
    /// Returned for revision: fix and `resubmitSku`.
    NeedsRevision,
    /// Potential duplicates: `decideDuplicate`.
    DuplicateReview,
    /// Approved, waiting to be published.
    ReadyToPublish,
    /// Card published (or an existing card chosen): the SKU has its NTIN.
    Completed,
    /// Refused by the moderator.
    Rejected,
    /// Withdrawn.
    Cancelled,
    /// Our submit failed (see the request's `lastError`).
    Failed,
}

wire_names!(CardStatus {
    Draft => "DRAFT",
    Ready => "READY",
    Created => "CREATED",
    Submitted => "SUBMITTED",
    NeedsRevision => "NEEDS_REVISION",
    DuplicateReview => "DUPLICATE_REVIEW",
    ReadyToPublish => "READY_TO_PUBLISH",
    Completed => "COMPLETED",
    Rejected => "REJECTED",
    Cancelled => "CANCELLED",
    Failed => "FAILED",
});

impl CardStatus {
    /// The card is with NCT (not ours to mark DRAFT or READY): anything but `DRAFT`, `READY`, `FAILED`.
    #[must_use]
    pub fn in_moderation(self) -> bool {
        !matches!(self, Self::Draft | Self::Ready | Self::Failed)
    }

    /// Nothing more will happen without the seller: `REJECTED`, `CANCELLED`.
    #[must_use]
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Rejected | Self::Cancelled)
    }
}

/// Our outbox state of a request row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Intent {
    /// Row exists; nothing sent.
    Planned,
    /// About to call (or calling) create; NCT may already hold the request.
    Creating,
    /// NCT's id is recorded; not yet sent to moderation.
    Created,
    /// Sent to moderation at least once.
    Sent,
    /// NCT refused the create; a later submit may try again.
    Failed,
}

wire_names!(Intent {
    Planned => "PLANNED",
    Creating => "CREATING",
    Created => "CREATED",
    Sent => "SENT",
    Failed => "FAILED",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_status_parses_back_and_unknown_codes_keep_their_text() {
        for s in RequestStatus::KNOWN {
            assert_eq!(RequestStatus::parse(s.as_str()), s);
        }
        let odd = RequestStatus::parse("archivedSomehow");
        assert_eq!(odd, RequestStatus::Other("archivedSomehow".into()));
        assert_eq!(odd.as_str(), "archivedSomehow");
        assert!(!odd.is_final() && !odd.is_listable());
    }

    #[test]
    fn the_action_rules_follow_the_spec_table() {
        use RequestStatus::*;
        let resubmit: Vec<_> = RequestStatus::KNOWN.into_iter().filter(RequestStatus::can_resubmit).collect();
        assert_eq!(resubmit, vec![New, UnderRevision, UnderRevisionGz]);
        let cancel: Vec<_> = RequestStatus::KNOWN.into_iter().filter(RequestStatus::can_cancel).collect();
        assert_eq!(cancel, vec![OnModeration]);
        let fin: Vec<_> = RequestStatus::KNOWN.into_iter().filter(RequestStatus::is_final).collect();
        assert_eq!(fin, vec![Completed, ExistingProductSelected, Rejected, Cancelled]);
    }

    #[test]
    fn a_returned_request_waiting_for_a_duplicate_decision_is_a_duplicate_review() {
        assert_eq!(RequestStatus::UnderRevision.card_status(None, true, false), CardStatus::DuplicateReview);
        assert_eq!(RequestStatus::UnderRevisionGz.card_status(None, false, false), CardStatus::NeedsRevision);
        assert_eq!(RequestStatus::ExistingProductSelected.card_status(None, false, false), CardStatus::Completed);
        assert_eq!(RequestStatus::Rejected.card_status(None, false, true), CardStatus::Completed);
        assert_eq!(RequestStatus::Rejected.card_status(None, false, false), CardStatus::Rejected);
        let gz = RequestStatus::UnderRevisionGz;
        assert_eq!(RequestStatus::Completed.card_status(Some(&gz), false, false), CardStatus::NeedsRevision);
        assert!(CardStatus::Submitted.in_moderation());
        assert!(!CardStatus::Failed.in_moderation());
    }

    #[test]
    fn card_statuses_and_intents_have_stable_wire_names() {
        for s in CardStatus::ALL {
            assert_eq!(CardStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(Intent::parse("CREATING"), Some(Intent::Creating));
        assert_eq!(serde_json::to_string(&CardStatus::NeedsRevision).ok().as_deref(), Some("\"NEEDS_REVISION\""));
    }
}
