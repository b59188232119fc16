//! Kazakhstan working days, for estimating when NCT moderation finishes.
//!
//! Public holidays follow the Labour Code of RK (art. 84) and the Law "On holidays in the Republic
//! of Kazakhstan":
//! - fixed dates: 1–2 January (New Year), 7 January (Orthodox Christmas), 8 March, 21–23 March
//!   (Nauryz), 1 May, 7 May, 9 May, 6 July (Capital Day), 30 August (Constitution Day),
//!   25 October (Republic Day), 16 December (Independence Day);
//! - the first day of Kurban Ait, a lunar date listed here for 2025–2028 only.
//!
//! When a fixed holiday other than 7 January falls on a Saturday or Sunday, the next working day
//! after it becomes a day off ([`is_transferred_day_off`]). Several such holidays in a row each
//! move one day, in date order: Nauryz 2026 (21 Sat, 22 Sun, 23 Mon) gives 24 and 25 March off,
//! which matches the published 2026 calendar (five days, 21–25 March). Religious holidays
//! (7 January, Kurban Ait) never move.
//!
//! **Not modelled:** the yearly government decrees that swap a working day with a bridge day
//! (e.g. a Saturday worked so that a Friday is free). Estimates can be a day off around such
//! dates. Outside 2025–2028 only the fixed-date rules apply (Kurban Ait is then unknown).
//! A six-day working week is not modelled either: Saturday is never a working day here.

use chrono::{Datelike, NaiveDate, Weekday};

/// Working days NCT moderation usually takes (DOMAIN.md §4: "about 3 working days", one source).
pub const MODERATION_WORKING_DAYS: u32 = 3;

/// Working days assumed for moderation of goods for government procurement (UNVERIFIED).
pub const GOV_MODERATION_WORKING_DAYS: u32 = 10;

/// A date known to be valid at compile time (an invalid one fails the build).
const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid calendar date"),
    }
}

/// Fixed-date holidays as (month, day, moves to the next working day when on a weekend),
/// in calendar order (the transfer rule relies on that order).
const FIXED_HOLIDAYS: [(u32, u32, bool); 14] = [
    (1, 1, true),   // New Year
    (1, 2, true),   // New Year
    (1, 7, false),  // Orthodox Christmas: religious, never moved
    (3, 8, true),   // International Women's Day
    (3, 21, true),  // Nauryz
    (3, 22, true),  // Nauryz
    (3, 23, true),  // Nauryz
    (5, 1, true),   // Kazakhstan People's Unity Day
    (5, 7, true),   // Defender of the Fatherland Day
    (5, 9, true),   // Victory Day
    (7, 6, true),   // Capital Day
    (8, 30, true),  // Constitution Day
    (10, 25, true), // Republic Day
    (12, 16, true), // Independence Day
];

/// First day of Kurban Ait (a day off that is never moved). Known for 2025–2028 only.
const KURBAN_AIT: [NaiveDate; 4] = [
    ymd(2025, 6, 6),
    ymd(2026, 5, 27),
    ymd(2027, 5, 16),
    ymd(2028, 5, 5),
];

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `true` on a public holiday itself (fixed date, or Kurban Ait in 2025–2028).
///
/// A day off moved from a holiday that fell on a weekend is *not* a holiday: see
/// [`is_transferred_day_off`], and use [`is_working_day`] to ask whether people work.
#[must_use]
pub fn is_public_holiday(d: NaiveDate) -> bool {
    FIXED_HOLIDAYS
        .iter()
        .any(|&(month, day, _)| d.month() == month && d.day() == day)
        || KURBAN_AIT.contains(&d)
}

/// Days off in `year` moved from fixed holidays that fell on a Saturday or Sunday.
///
/// Each such holiday moves to the first Monday–Friday after it that is neither a holiday nor
/// already taken by an earlier move. The latest movable holiday is 16 December, so a move never
/// crosses into the next year.
fn transferred_days_off(year: i32) -> Vec<NaiveDate> {
    let mut moved = Vec::new();
    for &(month, day, movable) in &FIXED_HOLIDAYS {
        let Some(holiday) = NaiveDate::from_ymd_opt(year, month, day) else {
            continue;
        };
        if !movable || !is_weekend(holiday) {
            continue;
        }
        let mut candidate = holiday;
        while let Some(next) = candidate.succ_opt() {
            candidate = next;
            if !is_weekend(candidate)
                && !is_public_holiday(candidate)
                && !moved.contains(&candidate)
            {
                moved.push(candidate);
                break;
            }
        }
    }
    moved
}

/// `true` on a weekday made a day off because a fixed holiday fell on a weekend
/// (e.g. Monday 2026-08-31 for Constitution Day on Sunday 2026-08-30).
#[must_use]
pub fn is_transferred_day_off(d: NaiveDate) -> bool {
    !is_weekend(d) && !is_public_holiday(d) && transferred_days_off(d.year()).contains(&d)
}

/// `true` on Monday–Friday that is neither a public holiday nor a moved day off.
#[must_use]
pub fn is_working_day(d: NaiveDate) -> bool {
    !is_weekend(d) && !is_public_holiday(d) && !transferred_days_off(d.year()).contains(&d)
}

/// The date on which `n` working days after `start` have passed: the `n`-th working day after
/// `start` (`start` itself never counts; `n = 0` gives `start`).
///
/// Walks day by day, so the cost grows with `n`; callers passing user input should bound it.
/// Saturates at the last date chrono can represent.
#[must_use]
pub fn add_working_days(start: NaiveDate, n: u32) -> NaiveDate {
    let mut day = start;
    let mut left = n;
    let mut year = day.year();
    let mut moved = transferred_days_off(year);
    while left > 0 {
        let Some(next) = day.succ_opt() else {
            return day;
        };
        day = next;
        if day.year() != year {
            year = day.year();
            moved = transferred_days_off(year);
        }
        if !is_weekend(day) && !is_public_holiday(day) && !moved.contains(&day) {
            left -= 1;
        }
    }
    day
}

/// Estimated date an NCT registration submitted on `today` is through moderation.
///
/// Each moderation round takes [`MODERATION_WORKING_DAYS`] ([`GOV_MODERATION_WORKING_DAYS`]
/// when `gov`); every revision cycle (card sent back, fixed, resubmitted) adds one more round:
/// `add_working_days(today, days * (1 + revision_cycles))`, saturating on overflow.
#[must_use]
pub fn registration_eta(today: NaiveDate, gov: bool, revision_cycles: u32) -> NaiveDate {
    let per_round = if gov {
        GOV_MODERATION_WORKING_DAYS
    } else {
        MODERATION_WORKING_DAYS
    };
    add_working_days(
        today,
        per_round.saturating_mul(revision_cycles.saturating_add(1)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_fixed_holiday_is_a_public_holiday_every_year() {
        for year in [2024, 2025, 2026, 2027, 2028, 2031] {
            for &(month, day, _) in &FIXED_HOLIDAYS {
                assert!(
                    is_public_holiday(ymd(year, month, day)),
                    "{year}-{month}-{day}"
                );
            }
        }
        assert!(
            !is_public_holiday(ymd(2026, 12, 17)),
            "17 December is no longer a holiday"
        );
        assert!(!is_public_holiday(ymd(2026, 3, 24)));
    }

    #[test]
    fn kurban_ait_is_a_holiday_only_on_its_listed_dates() {
        for d in KURBAN_AIT {
            assert!(is_public_holiday(d), "{d}");
        }
        assert!(!is_public_holiday(ymd(2026, 5, 28)));
        assert!(!is_working_day(ymd(2026, 5, 27)), "a Wednesday");
    }

    #[test]
    fn one_working_day_after_friday_before_nauryz_2026_is_thursday_the_26th() {
        // 21 Mar Sat, 22 Sun, 23 Mon (holidays); 21 and 22 move to Tue 24 and Wed 25.
        assert_eq!(ymd(2026, 3, 20).weekday(), Weekday::Fri);
        assert_eq!(ymd(2026, 3, 23).weekday(), Weekday::Mon);
        assert!(is_transferred_day_off(ymd(2026, 3, 24)));
        assert!(is_transferred_day_off(ymd(2026, 3, 25)));
        assert_eq!(add_working_days(ymd(2026, 3, 20), 1), ymd(2026, 3, 26));
    }

    #[test]
    fn nauryz_2025_on_the_weekend_gives_monday_and_tuesday_off() {
        // Published 2025 calendar: rest 21–25 March.
        assert!(!is_working_day(ymd(2025, 3, 24)));
        assert!(!is_working_day(ymd(2025, 3, 25)));
        assert!(is_working_day(ymd(2025, 3, 26)));
    }

    #[test]
    fn a_holiday_on_a_weekend_gives_the_monday_off() {
        let sunday = ymd(2026, 8, 30); // Constitution Day
        assert_eq!(sunday.weekday(), Weekday::Sun);
        assert!(!is_working_day(ymd(2026, 8, 31)));
        assert!(is_transferred_day_off(ymd(2026, 8, 31)));
        assert!(!is_public_holiday(ymd(2026, 8, 31)));
        assert!(is_working_day(ymd(2026, 9, 1)));

        let saturday = ymd(2026, 5, 9); // Victory Day
        assert_eq!(saturday.weekday(), Weekday::Sat);
        assert!(!is_working_day(ymd(2026, 5, 11)));
    }

    #[test]
    fn new_year_2028_on_the_weekend_moves_to_monday_and_tuesday() {
        assert_eq!(ymd(2028, 1, 1).weekday(), Weekday::Sat);
        assert!(!is_working_day(ymd(2028, 1, 3)));
        assert!(!is_working_day(ymd(2028, 1, 4)));
        assert!(is_working_day(ymd(2028, 1, 5)));
    }

    #[test]
    fn religious_holidays_on_a_weekend_do_not_move() {
        assert_eq!(ymd(2024, 1, 7).weekday(), Weekday::Sun);
        assert!(is_working_day(ymd(2024, 1, 8)));
        assert_eq!(ymd(2027, 5, 16).weekday(), Weekday::Sun); // Kurban Ait
        assert!(is_working_day(ymd(2027, 5, 17)));
    }

    #[test]
    fn weekends_are_never_working_days_and_ordinary_weekdays_are() {
        assert!(!is_working_day(ymd(2026, 6, 6)));
        assert!(!is_working_day(ymd(2026, 6, 7)));
        assert!(is_working_day(ymd(2026, 6, 8)));
        assert_eq!(add_working_days(ymd(2026, 6, 5), 1), ymd(2026, 6, 8));
    }

    #[test]
    fn adding_zero_working_days_returns_the_start_even_on_a_holiday() {
        assert_eq!(add_working_days(ymd(2026, 3, 22), 0), ymd(2026, 3, 22));
    }

    #[test]
    fn working_days_carry_across_the_new_year() {
        // Wed 2026-12-30, Thu 31, Fri 2027-01-01 and Sat 02 holidays (02 moves to Mon 04).
        assert_eq!(add_working_days(ymd(2026, 12, 30), 1), ymd(2026, 12, 31));
        assert_eq!(add_working_days(ymd(2026, 12, 30), 2), ymd(2027, 1, 5));
    }

    #[test]
    fn registration_eta_adds_a_round_per_revision_cycle() {
        let today = ymd(2026, 3, 20);
        // Working days after 20 March: 26, 27, 30, 31 Mar, 1, 2, 3, 6, 7, 8 Apr.
        assert_eq!(registration_eta(today, false, 0), ymd(2026, 3, 30));
        assert_eq!(registration_eta(today, false, 1), ymd(2026, 4, 2));
        assert_eq!(registration_eta(today, true, 0), ymd(2026, 4, 8));
    }

    #[test]
    fn add_working_days_saturates_at_the_last_representable_date() {
        assert_eq!(add_working_days(NaiveDate::MAX, 5), NaiveDate::MAX);
    }

    proptest! {
        #[test]
        fn the_result_is_the_nth_working_day_after_start(
            offset in 0i64..(366 * 5),
            n in 0u32..40,
        ) {
            let start = ymd(2025, 1, 1) + chrono::Duration::days(offset);
            let end = add_working_days(start, n);
            let counted = start
                .iter_days()
                .skip(1)
                .take_while(|d| *d <= end)
                .filter(|d| is_working_day(*d))
                .count();
            prop_assert_eq!(counted, n as usize);
            if n > 0 {
                prop_assert!(is_working_day(end));
            }
        }
    }
}
