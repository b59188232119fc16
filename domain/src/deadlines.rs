//! NCT registration deadlines per business segment, and how close a seller is to theirs.
//!
//! The dates (importers/manufacturers 2026-03-01, retail chains 2026-04-01, small and micro
//! business 2026-07-01) come from a seller-tool landing page (aww.kz), not from an official act;
//! the 1 July date agrees with press reports of "no sanctions until 1 July" (DOMAIN.md §4).
//! Keep them here, in one place, so a correction is one edit.
//!
//! Day arithmetic uses calendar days; `today` is always passed in (no clock in `domain`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Days left at or below which a deadline is [`DeadlineStatus::DueSoon`].
pub const DUE_SOON_DAYS: i64 = 30;

/// A date known to be valid at compile time (an invalid one fails the build).
const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid calendar date"),
    }
}

/// A business segment with its own registration deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Segment {
    /// Importers and manufacturers: they register goods before selling them.
    ImportersManufacturers,
    /// Retail chains.
    RetailChains,
    /// Small and micro business, which covers most marketplace sellers.
    SmallMicroBusiness,
}

impl Segment {
    /// Every segment, earliest deadline first.
    pub const ALL: [Self; 3] = [
        Self::ImportersManufacturers,
        Self::RetailChains,
        Self::SmallMicroBusiness,
    ];

    /// Stable wire name, e.g. `"RETAIL_CHAINS"` (the same as the serde form).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ImportersManufacturers => "IMPORTERS_MANUFACTURERS",
            Self::RetailChains => "RETAIL_CHAINS",
            Self::SmallMicroBusiness => "SMALL_MICRO_BUSINESS",
        }
    }

    /// Inverse of [`Self::as_str`]; exact match only.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|seg| seg.as_str() == s)
    }

    /// English name for people.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::ImportersManufacturers => "Importers and manufacturers",
            Self::RetailChains => "Retail chains",
            Self::SmallMicroBusiness => "Small and micro business",
        }
    }

    /// The date by which this segment's goods must be in NCT.
    #[must_use]
    pub fn deadline(self) -> NaiveDate {
        match self {
            Self::ImportersManufacturers => ymd(2026, 3, 1),
            Self::RetailChains => ymd(2026, 4, 1),
            Self::SmallMicroBusiness => ymd(2026, 7, 1),
        }
    }
}

/// How close a segment's deadline is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeadlineStatus {
    /// The deadline day is behind us (`days_left < 0`).
    Passed,
    /// 0 to [`DUE_SOON_DAYS`] days left; the deadline day itself is still `DueSoon`.
    DueSoon,
    /// More than [`DUE_SOON_DAYS`] days left.
    Upcoming,
}

impl DeadlineStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Passed, Self::DueSoon, Self::Upcoming];

    /// Stable wire name: `"PASSED"`, `"DUE_SOON"` or `"UPCOMING"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "PASSED",
            Self::DueSoon => "DUE_SOON",
            Self::Upcoming => "UPCOMING",
        }
    }

    /// Inverse of [`Self::as_str`]; exact match only.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// Calendar days from `today` to the segment's deadline: 0 on the day, negative once passed.
#[must_use]
pub fn days_left(segment: Segment, today: NaiveDate) -> i64 {
    (segment.deadline() - today).num_days()
}

/// Where `today` stands relative to the segment's deadline.
#[must_use]
pub fn status(segment: Segment, today: NaiveDate) -> DeadlineStatus {
    match days_left(segment, today) {
        d if d < 0 => DeadlineStatus::Passed,
        d if d <= DUE_SOON_DAYS => DeadlineStatus::DueSoon,
        _ => DeadlineStatus::Upcoming,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_the_published_dates() {
        assert_eq!(Segment::ImportersManufacturers.deadline(), ymd(2026, 3, 1));
        assert_eq!(Segment::RetailChains.deadline(), ymd(2026, 4, 1));
        assert_eq!(Segment::SmallMicroBusiness.deadline(), ymd(2026, 7, 1));
    }

    #[test]
    fn names_round_trip_through_parse_and_serde() {
        for seg in Segment::ALL {
            assert_eq!(Segment::parse(seg.as_str()), Some(seg));
            assert_eq!(
                serde_json::to_string(&seg).ok(),
                Some(format!("\"{}\"", seg.as_str()))
            );
            assert!(!seg.title().is_empty());
        }
        for st in DeadlineStatus::ALL {
            assert_eq!(DeadlineStatus::parse(st.as_str()), Some(st));
            assert_eq!(
                serde_json::to_string(&st).ok(),
                Some(format!("\"{}\"", st.as_str()))
            );
        }
        assert_eq!(Segment::parse("retail_chains"), None);
    }

    #[test]
    fn days_left_counts_calendar_days_and_goes_negative_after_the_deadline() {
        let seg = Segment::SmallMicroBusiness;
        assert_eq!(days_left(seg, ymd(2026, 6, 30)), 1);
        assert_eq!(days_left(seg, ymd(2026, 7, 1)), 0);
        assert_eq!(days_left(seg, ymd(2026, 7, 3)), -2);
        assert_eq!(days_left(seg, ymd(2026, 1, 1)), 181);
    }

    #[test]
    fn status_switches_to_due_soon_at_30_days_and_to_passed_the_day_after() {
        let seg = Segment::RetailChains; // 2026-04-01
        assert_eq!(status(seg, ymd(2026, 3, 1)), DeadlineStatus::Upcoming); // 31 days
        assert_eq!(status(seg, ymd(2026, 3, 2)), DeadlineStatus::DueSoon); // 30 days
        assert_eq!(status(seg, ymd(2026, 4, 1)), DeadlineStatus::DueSoon); // the day itself
        assert_eq!(status(seg, ymd(2026, 4, 2)), DeadlineStatus::Passed);
    }

    #[test]
    fn on_new_year_2026_only_the_importers_are_due_soon() {
        let today = ymd(2026, 1, 30);
        assert_eq!(
            status(Segment::ImportersManufacturers, today),
            DeadlineStatus::DueSoon
        );
        assert_eq!(
            status(Segment::RetailChains, today),
            DeadlineStatus::Upcoming
        );
        assert_eq!(
            status(Segment::SmallMicroBusiness, today),
            DeadlineStatus::Upcoming
        );
    }
}
