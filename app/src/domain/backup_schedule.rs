//! When each store is backed up: a plan's schedule in cron notation gives how often and from
//! what time of day, and each store gets its own moment within that period, derived from its
//! id, so that ten thousand stores on a daily schedule do not all dump at three o'clock.
//!
//! The notation understood is the part of cron a backup schedule needs: `M H * * *` where `M`
//! is a minute (0–59) and `H` an hour (0–23), `*/N` (every N hours, N dividing 24) or `*`
//! (every hour). The first firing of the day is the anchor; the period is the time between
//! firings; a store's moment is the anchor plus its offset within the period.

use serde::{Deserialize, Serialize};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// A backup schedule: every `period_ms`, from `anchor_ms` after midnight UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSchedule {
    /// The time between two backups of a store.
    pub period_ms: i64,
    /// The first firing of the day, after midnight UTC.
    pub anchor_ms: i64,
}

/// Why a schedule cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("backup schedule {0:?}: write `M H * * *` with a minute, and an hour, `*/N` or `*`")]
pub struct ScheduleProblem(pub String);

impl BackupSchedule {
    /// Reads `M H * * *`.
    pub fn parse(cron: &str) -> Result<Self, ScheduleProblem> {
        let problem = || ScheduleProblem(cron.to_owned());
        let fields: Vec<&str> = cron.split_whitespace().collect();
        let [minute, hour, "*", "*", "*"] = fields[..] else {
            return Err(problem());
        };
        let minute: i64 = minute
            .parse()
            .ok()
            .filter(|m| (0..60).contains(m))
            .ok_or_else(problem)?;
        let (anchor_hour, period_hours) = match hour {
            "*" => (0, 1),
            every if every.starts_with("*/") => {
                let n: i64 = every[2..].parse().map_err(|_| problem())?;
                if n < 1 || 24 % n != 0 {
                    return Err(problem());
                }
                (0, n)
            }
            at => {
                let at: i64 = at
                    .parse()
                    .ok()
                    .filter(|h| (0..24).contains(h))
                    .ok_or_else(problem)?;
                (at, 24)
            }
        };
        Ok(Self {
            period_ms: period_hours * HOUR,
            anchor_ms: anchor_hour * HOUR + minute * MINUTE,
        })
    }

    /// The store's own offset within the period: spread evenly over the fleet.
    pub fn offset_ms(&self, store_id: &str) -> i64 {
        // FNV-1a: stable across builds and machines, unlike the standard hasher.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in store_id.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        let period = u64::try_from(self.period_ms).unwrap_or(1).max(1);
        i64::try_from(hash % period).unwrap_or(0)
    }

    /// The store's next backup after `now_ms`.
    pub fn next_after(&self, store_id: &str, now_ms: i64) -> i64 {
        let day = now_ms.div_euclid(DAY) * DAY;
        // The store's moments are day + anchor + offset + k * period; the period divides a day.
        let first = day - DAY + self.anchor_ms + self.offset_ms(store_id);
        let steps = (now_ms - first).div_euclid(self.period_ms) + 1;
        first + steps * self.period_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_plans_schedules() {
        let daily = BackupSchedule::parse("0 3 * * *").unwrap();
        assert_eq!(daily.period_ms, DAY);
        assert_eq!(daily.anchor_ms, 3 * HOUR);
        let six = BackupSchedule::parse("30 */6 * * *").unwrap();
        assert_eq!(six.period_ms, 6 * HOUR);
        assert_eq!(six.anchor_ms, 30 * MINUTE);
        assert_eq!(BackupSchedule::parse("5 * * * *").unwrap().period_ms, HOUR);
        for bad in [
            "",
            "0 3 * * 1",
            "61 3 * * *",
            "0 24 * * *",
            "0 */5 * * *",
            "x y * * *",
        ] {
            assert!(BackupSchedule::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ten_thousand_daily_stores_are_spread_over_the_day() {
        let daily = BackupSchedule::parse("0 3 * * *").unwrap();
        let mut per_minute = vec![0u32; 24 * 60];
        for n in 0..10_000 {
            let id = format!("tenant-{n}");
            let at = daily.next_after(&id, 0);
            per_minute[usize::try_from(at.rem_euclid(DAY) / MINUTE).unwrap()] += 1;
        }
        // About 7 a minute on average; never a crowd.
        let most = per_minute.iter().max().unwrap();
        assert!(*most <= 25, "{most} stores in one minute");
        let empty = per_minute.iter().filter(|n| **n == 0).count();
        assert!(empty < 60, "{empty} minutes without a backup");
    }

    proptest! {
        #[test]
        fn the_next_backup_is_within_one_period_and_on_the_stores_moment(
            id in "[a-z0-9-]{1,36}",
            now in 0i64..4_000_000_000_000,
            which in 0usize..3,
        ) {
            let schedule = BackupSchedule::parse(["0 3 * * *", "15 */6 * * *", "0 * * * *"][which]).unwrap();
            let next = schedule.next_after(&id, now);
            prop_assert!(next > now);
            prop_assert!(next <= now + schedule.period_ms);
            let moment = (schedule.anchor_ms + schedule.offset_ms(&id)).rem_euclid(schedule.period_ms);
            prop_assert_eq!(next.rem_euclid(DAY).rem_euclid(schedule.period_ms), moment);
            // Asking again from that moment gives the one a period later.
            prop_assert_eq!(schedule.next_after(&id, next), next + schedule.period_ms);
        }
    }
}
