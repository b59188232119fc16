//! Following an NCT request until NCT is done with it: who acts next ([`Waiting`]), when to look again
//! ([`FollowPolicy::next_check`]), and how one of our steps is reconciled with the status NCT reports
//! ([`Step::plan`]).
//!
//! NCT moderation takes working days (DOMAIN.md §4: about three), but its automatic checks (duplicates,
//! the AI photo check, an existing GTIN) answer within minutes of a send. So a request is looked at soon
//! after its status changes and then ever less often: `first · 2^n` after `n` unchanged checks, capped at
//! `cap`. Once past the first hour of a status, checks that would fall outside Kazakhstan working hours
//! (09:00–18:00 UTC+5 on working days, [`crate::calendar::is_working_day`]) move to the next opening.
//! A request waiting for the seller (returned for revision) is looked at every `seller`; it can still
//! change at NCT (the seller may act in NCT's own portal), but nobody expects it to.
//!
//! A step (send to moderation, publish, cancel, resubmit, duplicate decision) is written down before NCT
//! is called. Whoever finds it again (the same call after a refusal, or the follower after a crash) reads
//! the request's status first: when NCT still allows the step it is called (again), otherwise the status
//! is adopted. A 422 for a step that is no longer allowed therefore never fails a card: it means "NCT is
//! already past this step".

use std::time::Duration;

use chrono::{DateTime, Duration as Span, FixedOffset, NaiveTime, TimeZone as _, Utc};
use serde::{Deserialize, Serialize};

use super::status::RequestStatus;
use crate::wire::wire_names;

/// Who acts next on a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// NCT (a moderator, CEF, or publishing): look again with backoff.
    Nct,
    /// The seller (returned for revision, or a send NCT refused): look again rarely.
    Seller,
    /// A status the spec does not list: kept as received, looked at as rarely as a stale request.
    Unknown,
    /// NCT is done: no more checks.
    Done,
}

impl Waiting {
    /// Who acts next for a base status, the extended (CEF) part and the request's `autoPublication`.
    ///
    /// The extended part (`gzStatus`) is worked on after the base request, even after `completed`
    /// (NCT-API.md §3): such a request is followed until CEF is done, i.e. until `gzStatus` disappears or
    /// is `rejectedGz`.
    #[must_use]
    pub fn of(status: &RequestStatus, gz: Option<&RequestStatus>) -> Self {
        if let Some(gz) = gz {
            match gz {
                RequestStatus::UnderRevisionGz => return Self::Seller,
                RequestStatus::AcceptedGz | RequestStatus::PublishingGz => return Self::Nct,
                RequestStatus::RejectedGz => {}
                _ => return Self::Unknown,
            }
        }
        match status {
            RequestStatus::OnModeration
            | RequestStatus::Accepted
            | RequestStatus::ReadyToPublish
            | RequestStatus::AcceptedGz
            | RequestStatus::PublishingGz => Self::Nct,
            RequestStatus::New | RequestStatus::UnderRevision | RequestStatus::UnderRevisionGz => Self::Seller,
            RequestStatus::RejectedGz
            | RequestStatus::Completed
            | RequestStatus::ExistingProductSelected
            | RequestStatus::Rejected
            | RequestStatus::Cancelled => Self::Done,
            RequestStatus::Other(_) => Self::Unknown,
        }
    }
}

/// How often requests are looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowPolicy {
    /// Wait before the first check after a status change (and the base of the backoff).
    pub first: Duration,
    /// Longest wait while NCT is working on a request.
    pub cap: Duration,
    /// Wait while the seller is to act (and for unknown statuses).
    pub seller: Duration,
    /// Move checks that fall outside Kazakhstan working hours to the next opening (real NCT only; the
    /// simulator's compressed clock has no nights).
    pub working_hours: bool,
    /// With `autoPublication`, NCT publishes by itself; after this long in `readyToPublish` we publish
    /// ourselves (the spec does not say when NCT does it, and a card must never be stranded).
    pub auto_publish_grace: Duration,
}

/// The fast phase after a status change, when automatic checks answer: never moved to working hours.
const FAST_CHECKS: u32 = 6;

/// Kazakhstan's single time zone since 2024-03-01: UTC+5.
const KZ_OFFSET_SECS: i32 = 5 * 3600;

impl FollowPolicy {
    /// The real NCT: first check after 1 minute, doubling to at most 1 hour while NCT works, every
    /// 6 hours while the seller is to act, working hours honoured, self-publish after 1 day.
    #[must_use]
    pub fn real() -> Self {
        Self {
            first: Duration::from_secs(60),
            cap: Duration::from_secs(3600),
            seller: Duration::from_secs(6 * 3600),
            working_hours: true,
            auto_publish_grace: Duration::from_secs(24 * 3600),
        }
    }

    /// A compressed moderation clock (the simulator's `working_day`): the same shape, scaled so that one
    /// working day is `working_day` (a real working day is taken as 9 hours).
    #[must_use]
    pub fn scaled(working_day: Duration) -> Self {
        let scale = |real: Duration| Duration::from_secs_f64(real.as_secs_f64() * working_day.as_secs_f64() / (9.0 * 3600.0));
        let real = Self::real();
        Self {
            first: scale(real.first).max(Duration::from_millis(20)),
            cap: scale(real.cap).max(Duration::from_millis(50)),
            seller: scale(real.seller).max(Duration::from_millis(100)),
            working_hours: false,
            auto_publish_grace: working_day,
        }
    }

    /// When to look at a request next, `unchanged` checks after its status last changed; `jitter` in
    /// `0.0..1.0` spreads requests that changed together (up to a tenth of the wait). `None`: never.
    #[must_use]
    pub fn next_check(&self, waiting: Waiting, unchanged: u32, now: DateTime<Utc>, jitter: f64) -> Option<DateTime<Utc>> {
        let wait = match waiting {
            Waiting::Done => return None,
            Waiting::Seller | Waiting::Unknown => self.seller,
            Waiting::Nct => {
                let factor = 2u32.saturating_pow(unchanged.min(20));
                self.first.saturating_mul(factor).min(self.cap)
            }
        };
        let wait = wait + wait.mul_f64(jitter.clamp(0.0, 1.0) / 10.0);
        let at = now + Span::from_std(wait).unwrap_or(Span::hours(1));
        let fast = waiting == Waiting::Nct && unchanged < FAST_CHECKS;
        Some(if self.working_hours && !fast { next_working_moment(at, jitter) } else { at })
    }
}

/// `at` when it falls in Kazakhstan working hours, else the next opening (09:00 UTC+5 on a working day)
/// plus up to 30 minutes of `jitter`, so a catalog's checks do not all land at 09:00:00.
#[must_use]
pub fn next_working_moment(at: DateTime<Utc>, jitter: f64) -> DateTime<Utc> {
    let Some(kz) = FixedOffset::east_opt(KZ_OFFSET_SECS) else { return at };
    let local = at.with_timezone(&kz);
    let open = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
    let close = NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default();
    let (day, time) = (local.date_naive(), local.time());
    if crate::calendar::is_working_day(day) && time >= open && time < close {
        return at;
    }
    let mut next = if time < open && crate::calendar::is_working_day(day) { day } else { day.succ_opt().unwrap_or(day) };
    for _ in 0..30 {
        if crate::calendar::is_working_day(next) {
            break;
        }
        next = next.succ_opt().unwrap_or(next);
    }
    let spread = Span::seconds((jitter.clamp(0.0, 1.0) * 1800.0) as i64);
    kz.from_local_datetime(&next.and_time(open))
        .single()
        .map_or(at, |t| (t.with_timezone(&Utc) + spread).max(at))
}

/// One of our actions on a request, written down before NCT is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Step {
    /// `PUT …/moderation` of a new request.
    Send,
    /// `PUT …` (the corrected card) then `PUT …/moderation`.
    Resubmit,
    /// `PUT …/publish`.
    Publish,
    /// `PUT …/cancel`.
    Cancel,
    /// `POST …/duplicate-decision` with `CONTINUE`.
    DecideContinue,
    /// `POST …/duplicate-decision` with `USE_EXISTING` (the NTIN is kept beside the step).
    DecideUseExisting,
}

wire_names!(Step {
    Send => "SEND",
    Resubmit => "RESUBMIT",
    Publish => "PUBLISH",
    Cancel => "CANCEL",
    DecideContinue => "DECIDE_CONTINUE",
    DecideUseExisting => "DECIDE_USE_EXISTING",
});

/// What to do with a step, given what NCT reports now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// NCT still allows it: call (again).
    Call,
    /// NCT is past it (it happened, or it can no longer happen): store the status as it is.
    Adopt,
}

/// What NCT reports about a request, as far as the step rules need it.
#[derive(Clone, Copy, Debug)]
pub struct Seen<'a> {
    /// Base status.
    pub status: &'a RequestStatus,
    /// Extended-part status.
    pub gz: Option<&'a RequestStatus>,
    /// Waiting for a duplicate decision.
    pub awaiting_decision: bool,
    /// NCT's remarks are the ones we stored before the step: nothing was decided since.
    pub remarks_unchanged: bool,
}

impl Step {
    /// Whether the step is still to be called (NCT-API.md §3 table). A send or resubmit is called when
    /// the request is still sendable *and* NCT's remarks are the ones we saw before the step: a request
    /// sent by us and already returned again carries new remarks, and is adopted instead of sent twice.
    #[must_use]
    pub fn plan(self, seen: Seen<'_>) -> Plan {
        let call = match self {
            Step::Send | Step::Resubmit => resubmittable(seen.status, seen.gz) && seen.remarks_unchanged,
            Step::Publish => *seen.status == RequestStatus::ReadyToPublish,
            Step::Cancel => *seen.status == RequestStatus::OnModeration,
            Step::DecideContinue | Step::DecideUseExisting => seen.awaiting_decision,
        };
        if call { Plan::Call } else { Plan::Adopt }
    }

    /// Whether NCT's status shows the step took effect.
    #[must_use]
    pub fn took_effect(self, status: &RequestStatus, gz: Option<&RequestStatus>) -> bool {
        match self {
            Step::Send | Step::Resubmit | Step::DecideContinue => {
                !resubmittable(status, gz) && !matches!(status, RequestStatus::Cancelled)
            }
            Step::Publish => matches!(status, RequestStatus::Completed) || gz == Some(&RequestStatus::PublishingGz),
            Step::Cancel => *status == RequestStatus::Cancelled,
            Step::DecideUseExisting => *status == RequestStatus::ExistingProductSelected,
        }
    }
}

/// NCT allows `PUT` update and moderation: base `new`, `underRevision`, `underRevisionGz`, or an extended
/// part returned for revision (`gzStatus` `underRevisionGz`, also after `completed`).
#[must_use]
pub fn resubmittable(status: &RequestStatus, gz: Option<&RequestStatus>) -> bool {
    status.can_resubmit() || gz == Some(&RequestStatus::UnderRevisionGz)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> FollowPolicy {
        FollowPolicy { working_hours: false, ..FollowPolicy::real() }
    }

    #[test]
    fn the_wait_doubles_from_the_first_check_to_the_cap_and_the_seller_waits_longer() {
        let now = Utc.with_ymd_and_hms(2026, 4, 1, 10, 0, 0).single().unwrap_or_default();
        let p = policy();
        let wait = |w, n| p.next_check(w, n, now, 0.0).map(|t| (t - now).num_seconds());
        assert_eq!(wait(Waiting::Nct, 0), Some(60));
        assert_eq!(wait(Waiting::Nct, 3), Some(480));
        assert_eq!(wait(Waiting::Nct, 30), Some(3600));
        assert_eq!(wait(Waiting::Seller, 0), Some(6 * 3600));
        assert_eq!(wait(Waiting::Unknown, 0), Some(6 * 3600));
        assert_eq!(wait(Waiting::Done, 0), None);
        // Jitter adds at most a tenth.
        let j = p.next_check(Waiting::Nct, 30, now, 0.999).map(|t| (t - now).num_seconds());
        assert!(j.is_some_and(|s| (3600..=3960).contains(&s)), "{j:?}");
    }

    #[test]
    fn slow_checks_wait_for_working_hours_but_the_first_hour_does_not() {
        let p = FollowPolicy::real();
        // Friday 2026-04-03 17:30 in Kazakhstan (12:30 UTC): a 1-hour wait lands after closing.
        let fri = Utc.with_ymd_and_hms(2026, 4, 3, 12, 30, 0).single().unwrap_or_default();
        let next = p.next_check(Waiting::Nct, 20, fri, 0.0).unwrap_or(fri);
        // Monday 2026-04-06 09:00 UTC+5 = 04:00 UTC.
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 4, 6, 4, 0, 0).single().unwrap_or_default());
        // In the fast phase the 2-minute check is not moved.
        let quick = p.next_check(Waiting::Nct, 1, fri + Span::hours(3), 0.0).unwrap_or(fri);
        assert_eq!(quick, fri + Span::hours(3) + Span::minutes(2));
        // Nauryz 2026: 21–25 March off; Friday 20th after closing → Thursday 26th.
        let before = Utc.with_ymd_and_hms(2026, 3, 20, 14, 0, 0).single().unwrap_or_default();
        let next = p.next_check(Waiting::Seller, 0, before, 0.0).unwrap_or(before);
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 3, 26, 4, 0, 0).single().unwrap_or_default());
    }

    #[test]
    fn a_scaled_policy_keeps_the_shape_on_a_compressed_clock() {
        let p = FollowPolicy::scaled(Duration::from_millis(900));
        assert!(!p.working_hours);
        assert!(p.first >= Duration::from_millis(20) && p.first < p.cap && p.cap < p.seller, "{p:?}");
        assert_eq!(p.auto_publish_grace, Duration::from_millis(900));
    }

    #[test]
    fn who_waits_follows_the_base_status_and_the_extended_part() {
        use RequestStatus::*;
        assert_eq!(Waiting::of(&OnModeration, None), Waiting::Nct);
        assert_eq!(Waiting::of(&Accepted, None), Waiting::Nct);
        assert_eq!(Waiting::of(&ReadyToPublish, None), Waiting::Nct);
        assert_eq!(Waiting::of(&New, None), Waiting::Seller);
        assert_eq!(Waiting::of(&UnderRevision, None), Waiting::Seller);
        assert_eq!(Waiting::of(&Completed, None), Waiting::Done);
        assert_eq!(Waiting::of(&Rejected, None), Waiting::Done);
        // The extended part keeps a completed request followed until CEF is done.
        assert_eq!(Waiting::of(&Completed, Some(&AcceptedGz)), Waiting::Nct);
        assert_eq!(Waiting::of(&Completed, Some(&PublishingGz)), Waiting::Nct);
        assert_eq!(Waiting::of(&Completed, Some(&UnderRevisionGz)), Waiting::Seller);
        assert_eq!(Waiting::of(&Completed, Some(&RejectedGz)), Waiting::Done);
        assert_eq!(Waiting::of(&Other("archived".into()), None), Waiting::Unknown);
        assert_eq!(Waiting::of(&Completed, Some(&Other("x".into()))), Waiting::Unknown);
    }

    #[test]
    fn a_step_is_called_while_nct_allows_it_and_adopted_once_nct_is_past_it() {
        use RequestStatus::*;
        let seen = |status: &'static RequestStatus| Seen { status, gz: None, awaiting_decision: false, remarks_unchanged: true };
        // The case: the send reached NCT, we crashed; NCT now says onModeration.
        assert_eq!(Step::Send.plan(seen(&OnModeration)), Plan::Adopt);
        assert!(Step::Send.took_effect(&OnModeration, None));
        assert_eq!(Step::Send.plan(seen(&New)), Plan::Call);
        assert_eq!(Step::Publish.plan(seen(&ReadyToPublish)), Plan::Call);
        assert_eq!(Step::Publish.plan(seen(&Completed)), Plan::Adopt);
        assert!(Step::Publish.took_effect(&Completed, None));
        assert_eq!(Step::Cancel.plan(seen(&OnModeration)), Plan::Call);
        assert_eq!(Step::Cancel.plan(seen(&Accepted)), Plan::Adopt);
        assert!(!Step::Cancel.took_effect(&Accepted, None));
        // A resubmit whose request was already returned again (new remarks) is not sent twice.
        let returned = Seen { status: &UnderRevision, gz: None, awaiting_decision: false, remarks_unchanged: false };
        assert_eq!(Step::Resubmit.plan(returned), Plan::Adopt);
        // The extended part returned after completed can be resubmitted.
        let gz = Seen { status: &Completed, gz: Some(&UnderRevisionGz), awaiting_decision: false, remarks_unchanged: true };
        assert_eq!(Step::Resubmit.plan(gz), Plan::Call);
        let waiting = Seen { status: &UnderRevision, gz: None, awaiting_decision: true, remarks_unchanged: true };
        assert_eq!(Step::DecideUseExisting.plan(waiting), Plan::Call);
        assert!(Step::DecideUseExisting.took_effect(&ExistingProductSelected, None));
        assert_eq!(Step::parse("DECIDE_USE_EXISTING"), Some(Step::DecideUseExisting));
    }
}
