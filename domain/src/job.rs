//! Registration job and item states, and the legal moves between job states.
//!
//! A job (look up a list of GTINs in NCT, submit cards, or sync moderation status) is queued,
//! leased by a worker, and ends succeeded, failed or cancelled. A worker that loses its lease
//! (crash, restart) puts the job back to `QUEUED`. Each item of a job has its own
//! [`ItemState`]; a lookup item records a [`LookupOutcome`].
//!
//! Every enum has a stable `SCREAMING_SNAKE_CASE` wire name (`as_str`, `parse`, and the same form
//! in serde), used in the database and in GraphQL.

use serde::{Deserialize, Serialize};

use crate::wire::wire_names;

/// What a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobKind {
    /// Look GTINs up in NCT to find existing cards and NTINs.
    Lookup,
    /// Submit new cards to NCT for moderation.
    Submit,
    /// Poll NCT for the moderation status of submitted cards.
    StatusSync,
    /// Search NCT by name for SKUs without a usable barcode and rank the candidates.
    Match,
}

wire_names!(JobKind {
    Lookup => "LOOKUP",
    Submit => "SUBMIT",
    StatusSync => "STATUS_SYNC",
    Match => "MATCH",
});

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// Leased by a worker.
    Running,
    /// Finished; item outcomes are recorded per item (some items may still have failed).
    Succeeded,
    /// Stopped by an error that affects the whole job.
    Failed,
    /// Stopped on a user's request.
    Cancelled,
}

wire_names!(JobState {
    Queued => "QUEUED",
    Running => "RUNNING",
    Succeeded => "SUCCEEDED",
    Failed => "FAILED",
    Cancelled => "CANCELLED",
});

/// A job state change that the state machine does not allow.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("illegal job state transition from {from} to {to}")]
pub struct IllegalTransition {
    /// Wire name of the current state, e.g. `"SUCCEEDED"`.
    pub from: String,
    /// Wire name of the requested state.
    pub to: String,
}

impl JobState {
    /// `true` for `SUCCEEDED`, `FAILED` and `CANCELLED`: nothing leaves these states.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }

    /// Move to `to` if allowed, returning the new state.
    ///
    /// Allowed: `QUEUED → RUNNING | CANCELLED`, `RUNNING → SUCCEEDED | FAILED | CANCELLED`, and
    /// `RUNNING → QUEUED` (lease lost or worker restart). Staying in the same state is not a
    /// transition and is refused too.
    ///
    /// # Errors
    /// [`IllegalTransition`] naming both states for any other move, including any move out of a
    /// final state.
    pub fn transition(self, to: JobState) -> Result<JobState, IllegalTransition> {
        use JobState::{Cancelled, Failed, Queued, Running, Succeeded};
        match (self, to) {
            (Queued, Running | Cancelled) | (Running, Succeeded | Failed | Cancelled | Queued) => {
                Ok(to)
            }
            _ => Err(IllegalTransition {
                from: self.as_str().to_owned(),
                to: to.as_str().to_owned(),
            }),
        }
    }
}

/// Where one item (one product line) of a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemState {
    /// Not processed yet.
    Pending,
    /// Processed successfully.
    Done,
    /// Processing failed; the item carries the error.
    Failed,
    /// Deliberately not processed (e.g. not applicable to this job kind).
    Skipped,
}

wire_names!(ItemState {
    Pending => "PENDING",
    Done => "DONE",
    Failed => "FAILED",
    Skipped => "SKIPPED",
});

impl ItemState {
    /// `true` for every state except `PENDING`.
    #[must_use]
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Pending)
    }
}

/// What an NCT lookup of one GTIN found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LookupOutcome {
    /// Exactly one card carries this GTIN.
    Found,
    /// Several cards carry this GTIN; a person must choose.
    Ambiguous,
    /// No card carries this GTIN.
    NotFound,
}

wire_names!(LookupOutcome {
    Found => "FOUND",
    Ambiguous => "AMBIGUOUS",
    NotFound => "NOT_FOUND",
});

#[cfg(test)]
mod tests {
    use super::*;

    fn serde_name<T: Serialize>(value: T) -> Option<String> {
        serde_json::to_value(value)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    }

    #[test]
    fn wire_names_round_trip_and_match_serde() {
        for v in JobKind::ALL {
            assert_eq!(JobKind::parse(v.as_str()), Some(v));
            assert_eq!(serde_name(v).as_deref(), Some(v.as_str()));
        }
        for v in JobState::ALL {
            assert_eq!(JobState::parse(v.as_str()), Some(v));
            assert_eq!(serde_name(v).as_deref(), Some(v.as_str()));
        }
        for v in ItemState::ALL {
            assert_eq!(ItemState::parse(v.as_str()), Some(v));
            assert_eq!(serde_name(v).as_deref(), Some(v.as_str()));
        }
        for v in LookupOutcome::ALL {
            assert_eq!(LookupOutcome::parse(v.as_str()), Some(v));
            assert_eq!(serde_name(v).as_deref(), Some(v.as_str()));
        }
        assert_eq!(JobKind::StatusSync.as_str(), "STATUS_SYNC");
        assert_eq!(LookupOutcome::NotFound.as_str(), "NOT_FOUND");
        assert_eq!(JobState::parse("queued"), None);
    }

    #[test]
    fn exactly_the_documented_transitions_are_allowed() {
        use JobState::*;
        let allowed = [
            (Queued, Running),
            (Queued, Cancelled),
            (Running, Succeeded),
            (Running, Failed),
            (Running, Cancelled),
            (Running, Queued),
        ];
        for from in JobState::ALL {
            for to in JobState::ALL {
                let result = from.transition(to);
                if allowed.contains(&(from, to)) {
                    assert_eq!(result, Ok(to));
                } else {
                    assert!(result.is_err(), "{from:?} -> {to:?} should be refused");
                }
            }
        }
    }

    #[test]
    fn nothing_leaves_a_final_state() {
        for from in JobState::ALL.into_iter().filter(|s| s.is_final()) {
            for to in JobState::ALL {
                assert!(from.transition(to).is_err());
            }
        }
        assert!(!JobState::Queued.is_final());
        assert!(!JobState::Running.is_final());
    }

    #[test]
    fn an_illegal_transition_names_both_states() {
        let err = JobState::Succeeded.transition(JobState::Running);
        assert_eq!(
            err,
            Err(IllegalTransition {
                from: "SUCCEEDED".into(),
                to: "RUNNING".into()
            })
        );
        assert_eq!(
            err.err().map(|e| e.to_string()).as_deref(),
            Some("illegal job state transition from SUCCEEDED to RUNNING")
        );
    }

    #[test]
    fn only_pending_items_are_unfinished() {
        assert!(!ItemState::Pending.is_final());
        assert!(ItemState::Done.is_final());
        assert!(ItemState::Failed.is_final());
        assert!(ItemState::Skipped.is_final());
    }
}
