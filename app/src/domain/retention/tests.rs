use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;

/// 2025-06-16T03:00:00Z.
const FIRST_BACKUP_MS: i64 = 1_750_042_800_000;
/// 2026-06-15T12:00:00Z, a Monday.
const NOW_MS: i64 = 1_781_524_800_000;

#[test]
fn dates_convert_both_ways() {
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(civil_from_days(-1), (1969, 12, 31));
    assert_eq!(days_from_civil(2000, 2, 29), 11_016);
    assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    assert_eq!(civil_from_days(NOW_MS / DAY_MS), (2026, 6, 15));
    for days in -800_000..800_000 {
        let (year, month, day) = civil_from_days(days);
        assert_eq!(days_from_civil(year, month, day), days);
    }
}

#[test]
fn weeks_start_on_mondays() {
    // 2026-06-14 is a Sunday, 2026-06-15 a Monday.
    let monday = days_from_civil(2026, 6, 15);
    assert_eq!(
        Period::Week.of_day(monday - 1) + 1,
        Period::Week.of_day(monday)
    );
    assert_eq!(Period::Week.of_day(monday), Period::Week.of_day(monday + 6));
    assert_eq!(
        Period::Week.first_day(Period::Week.of_day(monday + 3)),
        monday
    );
}

/// A year of backups, one a day at 03:00 UTC from 2025-06-16 (day 0) to 2026-06-15 (day 364),
/// swept on 2026-06-15 at noon with the default policy.
#[test]
fn a_year_of_daily_backups_keeps_the_grandfather_father_son_set() {
    let backups: Vec<(u32, i64)> = (0..365)
        .map(|day| (day, FIRST_BACKUP_MS + i64::from(day) * DAY_MS))
        .collect();
    let kept = Retention::default().keep(&backups, NOW_MS);
    let expected: BTreeSet<u32> = [
        // Daily: 2026-06-09 to 2026-06-15.
        358, 359, 360, 361, 362, 363, 364,
        // Weekly: this week's newest is 06-15 (daily already); 06-08..14 gives 06-14
        // (daily); 06-01..07 gives 06-07; 05-25..31 gives 05-31.
        356, 349,
        // Monthly, July 2025 to June 2026, the last day of each month (June: 06-15, May:
        // 05-31, both above): 04-30, 03-31, 02-28, 01-31, 12-31, 11-30, 10-31, 09-30,
        // 08-31, 07-31. June 2025 is outside the twelve months.
        318, 288, 257, 229, 198, 167, 137, 106, 76, 45,
    ]
    .into();
    assert_eq!(kept, expected);
    assert_eq!(kept.len(), 19);
    // 2025-07-01T00:00:00Z: the twelve months start there.
    assert_eq!(Retention::default().horizon(NOW_MS), 1_751_328_000_000);
}

#[test]
fn the_horizon_is_the_oldest_window_start() {
    let days_only = Retention {
        daily: 3,
        weekly: 0,
        monthly: 0,
    };
    // 2026-06-13T00:00:00Z.
    assert_eq!(days_only.horizon(NOW_MS), 1_781_308_800_000);
    let weeks = Retention {
        daily: 3,
        weekly: 2,
        monthly: 0,
    };
    // Monday 2026-06-08T00:00:00Z.
    assert_eq!(weeks.horizon(NOW_MS), 1_780_876_800_000);
    let nothing = Retention {
        daily: 0,
        weekly: 0,
        monthly: 0,
    };
    // 2026-06-15T00:00:00Z.
    assert_eq!(nothing.horizon(NOW_MS), 1_781_481_600_000);
}

#[test]
fn a_policy_of_zeros_keeps_only_the_newest() {
    let nothing = Retention {
        daily: 0,
        weekly: 0,
        monthly: 0,
    };
    let backups = [("a", NOW_MS - 10), ("c", NOW_MS - 5), ("b", NOW_MS - 1)];
    assert_eq!(nothing.keep(&backups, NOW_MS), BTreeSet::from(["b"]));
    assert_eq!(nothing.keep::<&str>(&[], NOW_MS), BTreeSet::new());
}

#[test]
fn several_backups_on_one_day_keep_the_newest_and_ties_go_to_the_greater_id() {
    let policy = Retention::default();
    let backups = [("a", NOW_MS - 3), ("b", NOW_MS - 2), ("c", NOW_MS - 2)];
    assert_eq!(policy.keep(&backups, NOW_MS), BTreeSet::from(["c"]));
}

#[test]
fn a_policy_reads_with_missing_counts_defaulted() {
    let read: Retention = serde_json::from_str(r#"{"monthly":3}"#).unwrap();
    assert_eq!(
        read,
        Retention {
            daily: 7,
            weekly: 4,
            monthly: 3
        }
    );
}

fn policies() -> impl Strategy<Value = Retention> {
    (0u32..10, 0u32..8, 0u32..15).prop_map(|(daily, weekly, monthly)| Retention {
        daily,
        weekly,
        monthly,
    })
}

/// A sweep time, and backups at or before it (ids are their positions), up to three years
/// back, several a day at times.
fn sweeps() -> impl Strategy<Value = (i64, Vec<(usize, i64)>)> {
    (
        1_600_000_000_000i64..2_000_000_000_000,
        prop::collection::vec(0i64..3 * 366 * DAY_MS, 0..120),
    )
        .prop_map(|(now, ages)| {
            let backups = ages
                .into_iter()
                .enumerate()
                .map(|(id, age)| (id, now - age))
                .collect();
            (now, backups)
        })
}

proptest! {
    #[test]
    fn keeps_at_most_one_per_period_plus_the_newest(policy in policies(), (now, backups) in sweeps()) {
        let kept = policy.keep(&backups, now);
        let bound = (policy.daily + policy.weekly + policy.monthly + 1) as usize;
        prop_assert!(kept.len() <= bound, "{} kept, at most {bound}", kept.len());
        prop_assert!(kept.len() <= backups.len());
    }

    #[test]
    fn keeps_the_newest(policy in policies(), (now, backups) in sweeps()) {
        let kept = policy.keep(&backups, now);
        if let Some(newest) = backups.iter().max_by_key(|(id, at)| (*at, *id)) {
            prop_assert!(kept.contains(&newest.0));
        } else {
            prop_assert!(kept.is_empty());
        }
    }

    #[test]
    fn keeping_is_idempotent(policy in policies(), (now, backups) in sweeps()) {
        let kept = policy.keep(&backups, now);
        let left: Vec<(usize, i64)> =
            backups.iter().filter(|(id, _)| kept.contains(id)).cloned().collect();
        prop_assert_eq!(policy.keep(&left, now), kept);
    }

    #[test]
    fn keeps_nothing_older_than_needed(policy in policies(), (now, backups) in sweeps()) {
        let kept = policy.keep(&backups, now);
        let horizon = policy.horizon(now);
        let newest = backups.iter().max_by_key(|(id, at)| (*at, *id)).map(|(id, _)| *id);
        for (id, at) in &backups {
            let newer_same_day = backups.iter().any(|(other, other_at)| {
                other_at.div_euclid(DAY_MS) == at.div_euclid(DAY_MS) && (other_at, other) > (at, id)
            });
            if kept.contains(id) {
                // A backup another of its day outdates is never the newest of a period.
                prop_assert!(!newer_same_day, "{id} kept though a newer one is from its day");
                prop_assert!(Some(*id) == newest || *at >= horizon, "{id} kept, older than the horizon");
            } else if !newer_same_day && policy.daily > 0 {
                // The newest of each day in the daily window is kept.
                prop_assert!(
                    at.div_euclid(DAY_MS) <= now.div_euclid(DAY_MS) - i64::from(policy.daily),
                    "{id}, newest of a day in the window, dropped"
                );
            }
        }
    }
}
