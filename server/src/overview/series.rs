//! Days and figures per day: the pure arithmetic under the overview's charts.

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// How many days the charts cover, today included.
pub const DAYS: usize = 30;

/// The first millisecond of the UTC day holding `at`.
pub fn day_start(at: i64) -> i64 {
    at - at.rem_euclid(DAY_MS)
}

/// The starts of the [`DAYS`] days ending with the one holding `now`, oldest first.
pub fn days(now: i64) -> Vec<i64> {
    let today = day_start(now);
    (0..DAYS as i64)
        .rev()
        .map(|back| today - back * DAY_MS)
        .collect()
}

/// Which of `days` holds `at`, if any.
fn index(days: &[i64], at: i64) -> Option<usize> {
    let first = *days.first()?;
    let offset = (day_start(at) - first).checked_div(DAY_MS)?;
    usize::try_from(offset).ok().filter(|i| *i < days.len())
}

/// How many of `times` fall on each of `days`.
pub fn per_day(days: &[i64], times: &[i64]) -> Vec<f64> {
    let mut counts = vec![0.0; days.len()];
    for at in times {
        if let Some(i) = index(days, *at) {
            counts[i] += 1.0;
        }
    }
    counts
}

/// The `p`th percentile (nearest rank, `p` in 0..=100) of the values of each day, by the time
/// each `(at, value)` was measured; `None` for a day without one.
pub fn percentile_per_day(days: &[i64], samples: &[(i64, f64)], p: f64) -> Vec<Option<f64>> {
    let mut by_day: Vec<Vec<f64>> = vec![Vec::new(); days.len()];
    for (at, value) in samples {
        if let Some(i) = index(days, *at) {
            by_day[i].push(*value);
        }
    }
    by_day
        .into_iter()
        .map(|mut values| {
            values.sort_by(f64::total_cmp);
            percentile(&values, p)
        })
        .collect()
}

/// The `p`th percentile (nearest rank) of sorted `values`; `None` when there are none.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_558_400_000 + 13 * 3_600_000; // a day at 13:00 UTC

    #[test]
    fn thirty_days_end_with_today() {
        let days = days(NOW);
        assert_eq!(days.len(), DAYS);
        assert_eq!(*days.last().unwrap(), day_start(NOW));
        assert!(days.windows(2).all(|w| w[1] - w[0] == DAY_MS));
        assert_eq!(day_start(NOW) % DAY_MS, 0);
    }

    #[test]
    fn events_are_counted_on_their_day_and_older_ones_dropped() {
        let days = days(NOW);
        let times = [NOW, NOW - 1, NOW - DAY_MS, NOW - 40 * DAY_MS, NOW + DAY_MS];
        let counts = per_day(&days, &times);
        assert_eq!(counts[DAYS - 1], 2.0);
        assert_eq!(counts[DAYS - 2], 1.0);
        assert_eq!(counts.iter().sum::<f64>(), 3.0);
    }

    #[test]
    fn percentiles_are_nearest_rank_per_day() {
        let sorted: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 50.0), Some(10.0));
        assert_eq!(percentile(&sorted, 95.0), Some(19.0));
        assert_eq!(percentile(&sorted, 100.0), Some(20.0));
        assert_eq!(percentile(&[7.0], 50.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
        let days = days(NOW);
        let samples = [(NOW, 3.0), (NOW, 1.0), (NOW, 2.0), (NOW - DAY_MS, 9.0)];
        let p50 = percentile_per_day(&days, &samples, 50.0);
        assert_eq!(p50[DAYS - 1], Some(2.0));
        assert_eq!(p50[DAYS - 2], Some(9.0));
        assert_eq!(p50[0], None);
    }
}
