//! Stored times (milliseconds since the Unix epoch) as pages and timelines say them.

/// The time of day of a stored time, in UTC: `10:42 UTC`.
pub fn time_of_day(ms: i64) -> String {
    let minutes = ms.div_euclid(60_000).rem_euclid(24 * 60);
    format!("{:02}:{:02} UTC", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_the_time_of_day_in_utc() {
        assert_eq!(time_of_day(0), "00:00 UTC");
        assert_eq!(time_of_day(1_795_000_000_123), "11:06 UTC");
        assert_eq!(time_of_day(86_399_999), "23:59 UTC");
        assert_eq!(time_of_day(-60_000), "23:59 UTC");
    }
}
