//! Settings of restore drills: the PostgreSQL server they restore into, how often each store
//! is drilled and how many drills run at once.

use clap::Args;

/// How restore drills run; off without a PostgreSQL server for them.
#[derive(Debug, Clone, Args)]
pub struct DrillConfig {
    /// PostgreSQL URL of a server (and a role that may create databases) that restore drills
    /// restore into, each in a scratch database `drill_…` dropped afterwards. Unset: drills
    /// are off.
    #[arg(long, env = "STOREFLEET_DRILL_POSTGRES_URL")]
    pub drill_postgres_url: Option<String>,

    /// Each store with a stored backup is drilled at least once per this many hours, the
    /// fleet's drills spread over the period. 0: only on demand.
    #[arg(long, env = "STOREFLEET_DRILL_EVERY_HOURS", default_value_t = 168)]
    pub drill_every_hours: u64,

    /// Drills running at once, at most.
    #[arg(long, env = "STOREFLEET_DRILL_PARALLEL", default_value_t = 2)]
    pub drill_parallel: usize,

    /// Milliseconds between two looks of the drill worker for drills to plan and run.
    #[arg(long, env = "STOREFLEET_DRILL_TICK_MS", default_value_t = 5000)]
    pub drill_tick_ms: u64,
}

impl DrillConfig {
    /// The drill server's URL, when one is set.
    pub fn postgres_url(&self) -> Option<&str> {
        self.drill_postgres_url
            .as_deref()
            .map(str::trim)
            .filter(|url| !url.is_empty())
    }

    /// The period in milliseconds (0: on demand only).
    pub fn every_ms(&self) -> i64 {
        i64::try_from(self.drill_every_hours.saturating_mul(3_600_000)).unwrap_or(i64::MAX)
    }
}
