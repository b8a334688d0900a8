//! Which backups a store keeps: grandfather-father-son retention over calendar periods in UTC.
//!
//! Periods are counted back from now, on the calendar: with `daily: 7` the windows are today
//! and the six days before it, whether or not a backup was taken on each. A store that stops
//! being backed up therefore sees its old backups age out, so nothing is kept longer than its
//! plan promises, except its newest backup, which is always kept.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// How many backups a plan keeps: the newest of each of the last `daily` days, of each of the
/// last `weekly` ISO weeks (Monday to Sunday) and of each of the last `monthly` months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Retention {
    /// Days, today included, whose newest backup is kept.
    pub daily: u32,
    /// ISO weeks, this one included, whose newest backup is kept.
    pub weekly: u32,
    /// Calendar months, this one included, whose newest backup is kept.
    pub monthly: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            daily: 7,
            weekly: 4,
            monthly: 12,
        }
    }
}

/// A calendar period kind, numbered consecutively from the Unix epoch.
#[derive(Debug, Clone, Copy)]
enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    /// The number of the period holding day `days` (days since 1970-01-01).
    fn of_day(self, days: i64) -> i64 {
        match self {
            Period::Day => days,
            // 1970-01-01 was a Thursday: shifting by three makes weeks start on Mondays.
            Period::Week => (days + 3).div_euclid(7),
            Period::Month => {
                let (year, month, _) = civil_from_days(days);
                year * 12 + i64::from(month) - 1
            }
        }
    }

    /// The first day (days since 1970-01-01) of period number `number`.
    fn first_day(self, number: i64) -> i64 {
        match self {
            Period::Day => number,
            Period::Week => number * 7 - 3,
            Period::Month => {
                let month = u32::try_from(number.rem_euclid(12)).unwrap_or(0) + 1;
                days_from_civil(number.div_euclid(12), month, 1)
            }
        }
    }
}

impl Retention {
    fn windows(&self) -> [(Period, u32); 3] {
        [
            (Period::Day, self.daily),
            (Period::Week, self.weekly),
            (Period::Month, self.monthly),
        ]
    }

    /// The start (ms since the epoch) of the oldest period any window reaches at `now_ms`:
    /// nothing older than this is kept, except the newest backup. With every count zero, the
    /// start of today.
    pub fn horizon(&self, now_ms: i64) -> i64 {
        let today = now_ms.div_euclid(DAY_MS);
        self.windows()
            .into_iter()
            .filter(|(_, count)| *count > 0)
            .map(|(period, count)| {
                period.first_day(period.of_day(today) - i64::from(count) + 1) * DAY_MS
            })
            .min()
            .unwrap_or(today * DAY_MS)
    }

    /// The backups to keep out of `backups` (an id and when it was taken, ms since the epoch),
    /// at `now_ms`: the newest of each period in each window, and the newest of all. Ties on
    /// the time go to the greater id. A backup stamped after `now_ms` counts as taken in the
    /// current periods.
    pub fn keep<T: Ord + Clone>(&self, backups: &[(T, i64)], now_ms: i64) -> BTreeSet<T> {
        let mut kept = BTreeSet::new();
        let newest = |a: &&(T, i64), b: &&(T, i64)| (a.1, &a.0).cmp(&(b.1, &b.0));
        if let Some((id, _)) = backups.iter().max_by(newest) {
            kept.insert(id.clone());
        }
        let today = now_ms.div_euclid(DAY_MS);
        for (period, count) in self.windows() {
            let current = period.of_day(today);
            let oldest = current - i64::from(count) + 1;
            let mut newest_in = std::collections::BTreeMap::<i64, &(T, i64)>::new();
            for backup in backups {
                let number = period.of_day(backup.1.div_euclid(DAY_MS)).min(current);
                if number < oldest {
                    continue;
                }
                newest_in
                    .entry(number)
                    .and_modify(|held| {
                        if newest(&backup, held).is_gt() {
                            *held = backup;
                        }
                    })
                    .or_insert(backup);
            }
            kept.extend(newest_in.into_values().map(|(id, _)| id.clone()));
        }
        kept
    }
}

/// The calendar date (year, month 1–12, day 1–31) of a day counted from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's algorithm, over 400-year eras starting on March 1st.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// The day, counted from 1970-01-01, of a calendar date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests;
