//! Retry policy: exponential backoff with a cap and a limit. Pure.

use std::time::Duration;

/// How failed attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait after the first failure.
    pub base: Duration,
    /// The longest wait between attempts.
    pub max: Duration,
    /// Attempts of one step before the job fails.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(2),
            max: Duration::from_secs(300),
            max_attempts: 8,
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
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1));
        AfterFailure::Retry(self.base.saturating_mul(factor).min(self.max))
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
}
