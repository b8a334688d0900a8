//! Stored times (milliseconds since the Unix epoch) as pages and timelines say them.

/// The time of day of a stored time, in UTC: `10:42 UTC`.
pub fn time_of_day(ms: i64) -> String {
    let minutes = ms.div_euclid(60_000).rem_euclid(24 * 60);
    format!("{:02}:{:02} UTC", minutes / 60, minutes % 60)
}

/// Milliseconds since the epoch of an RFC 3339 time in UTC, as the server writes them
/// (`2026-12-06T20:55:16.602Z`); `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z')?;
    let (date, clock) = text.split_once('T')?;
    let mut date = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut clock = clock.splitn(3, ':').map(str::parse::<i64>);
    let (hour, minute, second) = (
        clock.next()?.ok()?,
        clock.next()?.ok()?,
        clock.next()?.ok()?,
    );
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let millis = match fraction {
        "" => 0,
        digits if digits.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{digits:0<3}")[..3].parse::<i64>().ok()?
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

/// Days since 1970-01-01 of a date in the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day number (days since 1970-01-01).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A stored time in RFC 3339, UTC, to the millisecond: `2026-12-06T20:55:16.602Z`.
pub fn rfc3339(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(86_400_000));
    let in_day = ms.rem_euclid(86_400_000);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// A stored time as a date and time in UTC: `2026-12-06 20:55 UTC`.
pub fn utc_text(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{year:04}-{month:02}-{day:02} {}", time_of_day(ms))
}

/// How long ago `at` was, as of `now`: `just now`, `3 min ago`, `5 h ago`, `2 days ago`;
/// the date past a month; `in 4 min` for a time to come.
pub fn relative(at: i64, now: i64) -> String {
    let seconds = (now - at) / 1000;
    let (ago, seconds) = if seconds >= 0 {
        (true, seconds)
    } else {
        (false, -seconds)
    };
    let amount = match seconds {
        0..=44 => return "just now".to_owned(),
        45..=5_399 => format!("{} min", ((seconds + 30) / 60).max(1)),
        5_400..=129_599 => format!("{} h", (seconds + 1_800) / 3_600),
        129_600..=2_591_999 => format!("{} days", (seconds + 43_200) / 86_400),
        _ => return utc_text(at)[..10].to_owned(),
    };
    if ago {
        format!("{amount} ago")
    } else {
        format!("in {amount}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_times_the_server_writes() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-11-18T11:06:40.123Z"),
            Some(1_795_000_000_123)
        );
        assert_eq!(
            parse_rfc3339("2026-11-18T11:06:40.1Z"),
            Some(1_795_000_000_100)
        );
        assert_eq!(parse_rfc3339("2000-02-29T23:59:59Z"), Some(951_868_799_000));
        for bad in [
            "",
            "2026-11-18",
            "2026-11-18T11:06:40",
            "2026-13-01T00:00:00Z",
            "never",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        assert_eq!(utc_text(1_795_000_000_123), "2026-11-18 11:06 UTC");
        for ms in [0, 1_795_000_000_123, 951_868_799_000] {
            assert_eq!(parse_rfc3339(&rfc3339(ms)), Some(ms));
        }
        assert_eq!(rfc3339(1_795_000_000_123), "2026-11-18T11:06:40.123Z");
        assert_eq!(utc_text(951_868_799_000), "2000-02-29 23:59 UTC");
    }

    #[test]
    fn says_how_long_ago() {
        let now = 1_795_000_000_000;
        assert_eq!(relative(now - 10_000, now), "just now");
        assert_eq!(relative(now - 3 * 60_000, now), "3 min ago");
        assert_eq!(relative(now - 5 * 3_600_000, now), "5 h ago");
        assert_eq!(relative(now - 2 * 86_400_000, now), "2 days ago");
        assert_eq!(relative(now - 40 * 86_400_000, now), "2026-10-09");
        assert_eq!(relative(now + 4 * 60_000, now), "in 4 min");
    }

    #[test]
    fn says_the_time_of_day_in_utc() {
        assert_eq!(time_of_day(0), "00:00 UTC");
        assert_eq!(time_of_day(1_795_000_000_123), "11:06 UTC");
        assert_eq!(time_of_day(86_399_999), "23:59 UTC");
        assert_eq!(time_of_day(-60_000), "23:59 UTC");
    }
}
