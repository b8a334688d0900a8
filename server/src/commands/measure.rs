//! What the benchmarks share: a scratch folder for their throw-away database, and the
//! percentiles they report.

use std::path::PathBuf;

use anyhow::Context;

/// A folder of its own under the system's temporary folder, removed when dropped.
pub(super) struct ScratchFolder(PathBuf);

impl ScratchFolder {
    pub(super) fn create() -> anyhow::Result<Self> {
        let name = format!("storefleet-bench-{}", uuid::Uuid::new_v4().simple());
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Self(path))
    }

    pub(super) fn database_url(&self) -> String {
        format!("sqlite://{}", self.0.join("bench.db").display())
    }
}

impl Drop for ScratchFolder {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.0) {
            eprintln!("could not remove {}: {error}", self.0.display());
        }
    }
}

/// The median, 95th percentile and maximum of some durations in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Percentiles {
    pub(super) p50: i64,
    pub(super) p95: i64,
    pub(super) max: i64,
}

impl Percentiles {
    /// `None` when there are no samples.
    pub(super) fn of(samples: &[i64]) -> Option<Self> {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        Some(Self {
            p50: percentile(&sorted, 50.0)?,
            p95: percentile(&sorted, 95.0)?,
            max: *sorted.last()?,
        })
    }
}

impl std::fmt::Display for Percentiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:>6} ms   p95 {:>6} ms   max {:>6} ms",
            self.p50, self.p95, self.max
        )
    }
}

/// The nearest-rank `p`-th percentile (0 < p ≤ 100) of sorted samples; `None` when empty.
pub(super) fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

/// A memory line of `/proc/self/status` (`VmRSS`, `VmHWM`), as written there; `?` where
/// there is none.
pub(super) fn memory(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                let value = line.strip_prefix(field)?.strip_prefix(':')?;
                Some(value.trim().to_owned())
            })
        })
        .unwrap_or_else(|| "?".to_owned())
}

/// The processor time this process has used so far (all its threads, user and system), in
/// seconds; `None` where `/proc/self/stat` cannot be read.
pub(super) fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name, in parentheses, may hold spaces: count fields after its end.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime, fields 14 and 15 of the line, in ticks of 1/100 s (USER_HZ).
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}
