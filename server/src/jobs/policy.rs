//! Retry policy: the shared exponential backoff with a limit on attempts, and patience with a
//! cluster that cannot be reached. Pure.

use std::time::Duration;

use crate::backoff::Backoff;

/// How failed attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait after the first failure.
    pub base: Duration,
    /// The longest wait between attempts.
    pub max: Duration,
    /// Attempts of one step before the job fails.
    pub max_attempts: u32,
    /// How long a job waits for an unreachable cluster before it fails; waiting spends no
    /// attempts, since nothing was wrong with the store.
    pub outage_tolerance: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(2),
            max: Duration::from_secs(300),
            max_attempts: 8,
            outage_tolerance: Duration::from_secs(30 * 60),
        }
    }
}

/// What to do after an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again after this long.
    Retry(Duration),
    /// Give up: the job fails, visibly, until an admin retries it.
    GiveUp,
}

impl RetryPolicy {
    /// Decides after the `attempts`-th failed attempt (1 for the first).
    pub fn after_failure(&self, attempts: u32) -> AfterFailure {
        if attempts >= self.max_attempts {
            return AfterFailure::GiveUp;
        }
        AfterFailure::Retry(self.backoff().after(attempts))
    }

    /// The waits between failed attempts.
    pub fn backoff(&self) -> Backoff {
        Backoff {
            base: self.base,
            max: self.max,
        }
    }

    /// Decides after an attempt found the cluster unreachable, `lasted` after the outage
    /// began. Each wait is as long as the outage so far (from `base` up to `max`), so the
    /// waits double without a count of them, and the last try falls on the tolerance's end.
    pub fn during_outage(&self, lasted: Duration) -> AfterFailure {
        if lasted >= self.outage_tolerance {
            return AfterFailure::GiveUp;
        }
        let left = self.outage_tolerance - lasted;
        AfterFailure::Retry(lasted.clamp(self.base, self.max.max(self.base)).min(left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_then_give_up() {
        let policy = RetryPolicy {
            base: Duration::from_secs(1),
            max: Duration::from_secs(5),
            max_attempts: 5,
            ..RetryPolicy::default()
        };
        let waits: Vec<AfterFailure> = (1..=5).map(|n| policy.after_failure(n)).collect();
        assert_eq!(
            waits,
            [
                AfterFailure::Retry(Duration::from_secs(1)),
                AfterFailure::Retry(Duration::from_secs(2)),
                AfterFailure::Retry(Duration::from_secs(4)),
                AfterFailure::Retry(Duration::from_secs(5)),
                AfterFailure::GiveUp,
            ]
        );
    }

    #[test]
    fn huge_attempt_counts_do_not_overflow() {
        let policy = RetryPolicy {
            max_attempts: u32::MAX,
            ..RetryPolicy::default()
        };
        assert_eq!(
            policy.after_failure(1000),
            AfterFailure::Retry(Duration::from_secs(300))
        );
    }

    #[test]
    fn an_outage_is_waited_out_with_growing_waits_until_the_tolerance_ends() {
        let policy = RetryPolicy {
            base: Duration::from_secs(1),
            max: Duration::from_secs(5),
            max_attempts: 2,
            outage_tolerance: Duration::from_secs(30),
        };
        let secs = Duration::from_secs;
        let after = |lasted: u64| policy.during_outage(secs(lasted));
        assert_eq!(after(0), AfterFailure::Retry(secs(1)));
        assert_eq!(after(1), AfterFailure::Retry(secs(1)));
        assert_eq!(after(2), AfterFailure::Retry(secs(2)));
        assert_eq!(after(4), AfterFailure::Retry(secs(4)));
        assert_eq!(after(8), AfterFailure::Retry(secs(5)), "capped");
        assert_eq!(
            after(28),
            AfterFailure::Retry(secs(2)),
            "the last try at the tolerance's end"
        );
        assert_eq!(after(30), AfterFailure::GiveUp);
        assert_eq!(after(3600), AfterFailure::GiveUp);
    }

    #[test]
    fn waiting_out_an_outage_ignores_the_attempt_limit() {
        let policy = RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.after_failure(1), AfterFailure::GiveUp);
        assert!(matches!(
            policy.during_outage(Duration::from_secs(29 * 60)),
            AfterFailure::Retry(_)
        ));
    }

    #[test]
    fn no_tolerance_gives_up_at_once() {
        let policy = RetryPolicy {
            outage_tolerance: Duration::ZERO,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.during_outage(Duration::ZERO), AfterFailure::GiveUp);
    }
}
