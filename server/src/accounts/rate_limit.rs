//! The log-in limits, as a pure decision over counts read from the database.

pub use crate::db::login_failures::Failures;

/// How many failed log-ins are allowed, and over what window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failures allowed per account within the window.
    pub per_account: u32,
    /// Failures allowed per client address within the window.
    pub per_client: u32,
    /// The window, in milliseconds.
    pub window_ms: i64,
}

/// Whether a log-in attempt may be checked at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password.
    Allowed,
    /// Refuse without checking; the caller may try again after this many seconds.
    Limited {
        /// Seconds until the oldest counted failure leaves the window.
        retry_after_secs: u64,
    },
}

/// Decides on an attempt from the failures of its account and of its client address.
pub fn verdict(limits: &LoginLimits, account: Failures, client: Failures, now_ms: i64) -> Verdict {
    let wait = |failures: Failures, limit: u32| -> Option<u64> {
        (failures.count >= limit).then(|| {
            let oldest = failures.oldest_ms.unwrap_or(now_ms);
            let free_at = oldest.saturating_add(limits.window_ms);
            let ms = free_at.saturating_sub(now_ms).max(1000);
            u64::try_from(ms).unwrap_or(u64::MAX).div_ceil(1000)
        })
    };
    match (
        wait(account, limits.per_account),
        wait(client, limits.per_client),
    ) {
        (None, None) => Verdict::Allowed,
        (a, c) => Verdict::Limited {
            retry_after_secs: a.unwrap_or(0).max(c.unwrap_or(0)),
        },
    }
}

/// The message a limited person reads.
pub fn message(retry_after_secs: u64) -> String {
    let minutes = retry_after_secs.div_ceil(60).max(1);
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    format!("Too many failed log-in attempts. Try again in {minutes} {unit}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: LoginLimits = LoginLimits {
        per_account: 5,
        per_client: 20,
        window_ms: 15 * 60 * 1000,
    };
    const NOW: i64 = 1_000_000_000;

    fn failures(count: u32, age_ms: i64) -> Failures {
        Failures {
            count,
            oldest_ms: Some(NOW - age_ms),
        }
    }

    #[test]
    fn allows_until_the_account_limit() {
        let none = Failures::default();
        assert_eq!(
            verdict(&LIMITS, failures(4, 1000), none, NOW),
            Verdict::Allowed
        );
        assert_eq!(
            verdict(&LIMITS, failures(5, 60_000), none, NOW),
            Verdict::Limited {
                retry_after_secs: 14 * 60
            }
        );
    }

    #[test]
    fn the_client_limit_applies_across_accounts() {
        let none = Failures::default();
        assert_eq!(
            verdict(&LIMITS, none, failures(19, 0), NOW),
            Verdict::Allowed
        );
        assert!(matches!(
            verdict(&LIMITS, none, failures(20, 0), NOW),
            Verdict::Limited {
                retry_after_secs: 900
            }
        ));
    }

    #[test]
    fn the_longer_wait_wins() {
        let verdict = verdict(&LIMITS, failures(5, 800_000), failures(20, 60_000), NOW);
        assert_eq!(
            verdict,
            Verdict::Limited {
                retry_after_secs: 840
            }
        );
    }

    #[test]
    fn messages_round_up_to_minutes() {
        assert_eq!(
            message(1),
            "Too many failed log-in attempts. Try again in 1 minute."
        );
        assert_eq!(
            message(61),
            "Too many failed log-in attempts. Try again in 2 minutes."
        );
    }
}
