//! Webhook vocabulary: the events a partner can subscribe to, the states of a delivery, and the retry rule.
//!
//! Delivery is at least once: the same event (same id) may arrive more than once, and receivers drop repeats by
//! id, which makes it exactly once in effect. Signing and sending are in `infra::webhooks`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::wire::wire_names;

/// How long a delivery is retried before it is given up.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// The first retry waits about this long; each later one twice as long, up to [`MAX_RETRY_DELAY`].
pub const DEFAULT_RETRY_BASE: Duration = Duration::from_secs(10);
/// The longest wait between two attempts.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(2 * 3600);

/// Something a webhook endpoint can be told about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventType {
    /// A registration job reached a final state (succeeded, failed or cancelled).
    JobFinished,
    /// SKUs got an NTIN from a lookup, a person's choice among lookup candidates, or a card request.
    NtinAssigned,
    /// NCT's moderation status of a SKU's card request changed.
    ModerationStatusChanged,
    /// A catalog source was pulled (imported, not modified, or failed).
    FeedPulled,
    /// A test event sent on request (`sendTestWebhook`); every endpoint can receive it.
    Test,
}

wire_names!(EventType {
    JobFinished => "JOB_FINISHED",
    NtinAssigned => "NTIN_ASSIGNED",
    ModerationStatusChanged => "MODERATION_STATUS_CHANGED",
    FeedPulled => "FEED_PULLED",
    Test => "TEST",
});

impl EventType {
    /// The `type` of the JSON body and the `X-Ntin-Webhook-Event` header, e.g. `job.finished`.
    #[must_use]
    pub fn dotted(self) -> &'static str {
        match self {
            Self::JobFinished => "job.finished",
            Self::NtinAssigned => "ntin.assigned",
            Self::ModerationStatusChanged => "moderation.status_changed",
            Self::FeedPulled => "feed.pulled",
            Self::Test => "webhook.test",
        }
    }

    /// The events an endpoint can subscribe to (the test event needs no subscription).
    pub const SUBSCRIBABLE: [Self; 4] =
        [Self::JobFinished, Self::NtinAssigned, Self::ModerationStatusChanged, Self::FeedPulled];
}

/// Where a delivery of one event to one endpoint stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryState {
    /// Waiting for its next attempt.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up: no 2xx within the retry window.
    Failed,
}

wire_names!(DeliveryState {
    Pending => "PENDING",
    Delivered => "DELIVERED",
    Failed => "FAILED",
});

/// The wait before attempt `attempt + 1` after `attempt` failed ones (`attempt ≥ 1`): `base · 2^(attempt−1)`,
/// capped at [`MAX_RETRY_DELAY`], scaled by `0.8 + 0.4 · jitter` (`jitter` in `[0, 1)`), so that endpoints that
/// failed together do not come back together.
#[must_use]
pub fn retry_delay(attempt: u32, base: Duration, jitter: f64) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20)).min(MAX_RETRY_DELAY);
    exp.mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_up_to_two_hours_and_fit_a_day_about_twenty_times() {
        let base = DEFAULT_RETRY_BASE;
        let secs: Vec<u64> = (1..=12).map(|a| retry_delay(a, base, 0.5).as_secs()).collect();
        assert_eq!(secs, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 7200, 7200]);
        let mut total = Duration::ZERO;
        let mut attempts = 1;
        while total + retry_delay(attempts, base, 0.5) <= DEFAULT_MAX_AGE {
            total += retry_delay(attempts, base, 0.5);
            attempts += 1;
        }
        assert!((18..=24).contains(&attempts), "{attempts}");
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let d = Duration::from_secs(100);
        assert_eq!(retry_delay(1, d, 0.0), Duration::from_secs(80));
        assert!(retry_delay(1, d, 0.999) < Duration::from_secs(120));
        assert_eq!(retry_delay(1, d, 7.0), Duration::from_secs(120));
    }

    #[test]
    fn event_names_are_stable() {
        for e in EventType::ALL {
            assert_eq!(EventType::parse(e.as_str()), Some(e));
            assert!(e.dotted().contains('.'));
        }
    }
}
