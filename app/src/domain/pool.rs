//! Pools of standby stores: per plan, how many ready stores are kept for sign-ups to claim,
//! and how fast stores became ready with a standby and without.

use serde::{Deserialize, Serialize};

/// The most standby stores one plan may keep: each one is a running store on the cluster.
pub const MAX_SIZE: u32 = 100;

/// One plan's pool as the admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolView {
    /// The plan.
    pub plan: String,
    /// How many ready standby stores it keeps (0: none, sign-ups provision from scratch).
    pub size: u32,
    /// Standby stores ready to be claimed.
    pub ready: u32,
    /// Standby stores being made (or moved to a new release).
    pub provisioning: u32,
    /// Standby stores that failed and are being replaced.
    pub failed: u32,
    /// Standby stores claimed by sign-ups since midnight UTC.
    pub claimed_today: u32,
}

/// How long stores took from the start of their build to ready, over the recent ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadyTimes {
    /// Whether these stores claimed a standby.
    pub from_standby: bool,
    /// How many stores the figures are over.
    pub stores: u32,
    /// The median, in milliseconds; `None` without stores.
    pub p50_ms: Option<i64>,
    /// The 95th percentile, in milliseconds; `None` without stores.
    pub p95_ms: Option<i64>,
}

/// Every plan's pool and the recent ready times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pools {
    /// One per plan, by plan.
    pub pools: Vec<PoolView>,
    /// With a standby, then without.
    pub ready_times: Vec<ReadyTimes>,
}

/// Why a pool size is refused; the message is written for the admin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// Not a whole number.
    #[error("The pool size must be a whole number from 0 to {MAX_SIZE}.")]
    NotANumber,
    /// Too large.
    #[error("A pool keeps at most {MAX_SIZE} standby stores.")]
    TooLarge,
}

/// Parses a pool size as typed.
pub fn parse_size(raw: &str) -> Result<u32, SizeError> {
    let size: u32 = raw.trim().parse().map_err(|_| SizeError::NotANumber)?;
    if size > MAX_SIZE {
        return Err(SizeError::TooLarge);
    }
    Ok(size)
}

/// A duration in milliseconds as a person reads it: `850 ms`, `4.2 s`, `2 min 5 s`. Integer
/// arithmetic only: formatting floats would add its code to the browser's bundle.
pub fn duration_text(ms: i64) -> String {
    match ms {
        ms if ms < 1_000 => format!("{ms} ms"),
        ms if ms < 60_000 => format!("{}.{} s", ms / 1_000, (ms % 1_000) / 100),
        ms => format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_whole_numbers_up_to_the_maximum() {
        assert_eq!(parse_size(" 3 "), Ok(3));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("101"), Err(SizeError::TooLarge));
        assert_eq!(parse_size("-1"), Err(SizeError::NotANumber));
        assert_eq!(parse_size("two"), Err(SizeError::NotANumber));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(850), "850 ms");
        assert_eq!(duration_text(4_240), "4.2 s");
        assert_eq!(duration_text(125_000), "2 min 5 s");
    }
}
