//! Exponential backoff, capped: the wait between attempts for every worker that retries
//! (jobs, mail). Pure.

use std::time::Duration;

/// Waits that double after each failed attempt, from `base` up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Wait after the first failed attempt.
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Backoff {
    /// The wait after the `attempts`-th failed attempt (1 for the first).
    pub fn after(&self, attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1));
        self.base.saturating_mul(factor).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_and_never_end() {
        let backoff = Backoff {
            base: Duration::from_secs(1),
            max: Duration::from_secs(5),
        };
        let waits: Vec<u64> = (1..=5).map(|n| backoff.after(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 5, 5]);
        assert_eq!(backoff.after(u32::MAX), Duration::from_secs(5));
        assert_eq!(backoff.after(0), Duration::from_secs(1));
    }

    #[test]
    fn sub_second_waits_keep_their_milliseconds() {
        let ms = Duration::from_millis;
        let backoff = Backoff {
            base: ms(150),
            max: ms(1000),
        };
        assert_eq!(backoff.after(3), ms(600));
        assert_eq!(backoff.after(4), ms(1000));
    }

    #[test]
    fn the_cap_wins_over_a_larger_base() {
        let backoff = Backoff {
            base: Duration::from_secs(10),
            max: Duration::from_secs(3),
        };
        assert_eq!(backoff.after(1), Duration::from_secs(3));
    }

    #[test]
    fn a_huge_base_saturates_instead_of_overflowing() {
        let backoff = Backoff {
            base: Duration::MAX,
            max: Duration::MAX,
        };
        assert_eq!(backoff.after(40), Duration::MAX);
    }
}
