//! A job's progress as its pages show it: the job, its events, and the time it has left, drawn
//! from how long its kind's steps took lately. That history is read at most once per kind
//! every few seconds, however many jobs record events or pages read them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::AnyPool;

use app::domain::job::estimate_remaining_ms;
use app::domain::{JobEventView, JobKind, JobProgress};

use crate::db::jobs::{self, JobRecord};
use crate::db::Result;

/// How long a kind's step history is used before it is read again.
const KEPT: Duration = Duration::from_secs(10);

/// How many of a kind's latest succeeded jobs the estimates are drawn from.
const SAMPLE: i64 = 20;

/// How long each step took, by step: `history[i]` holds durations of step `i` in ms.
pub type History = Arc<Vec<Vec<i64>>>;

/// The recent step durations of each job kind, read when missing or older than [`KEPT`].
pub struct Estimates {
    pool: AnyPool,
    kept: Mutex<HashMap<JobKind, (Instant, History)>>,
}

impl Estimates {
    /// Estimates from the jobs in this database.
    pub fn new(pool: AnyPool) -> Self {
        Self {
            pool,
            kept: Mutex::default(),
        }
    }

    /// How long each step of `kind` took lately.
    pub async fn history(&self, kind: JobKind) -> Result<History> {
        let fresh = |kept: &HashMap<JobKind, (Instant, History)>| {
            kept.get(&kind)
                .filter(|(read, _)| read.elapsed() < KEPT)
                .map(|(_, history)| history.clone())
        };
        if let Some(history) = fresh(&self.lock()) {
            return Ok(history);
        }
        let history: History =
            Arc::new(jobs::recent_step_durations(&self.pool, kind, SAMPLE).await?);
        self.lock().insert(kind, (Instant::now(), history.clone()));
        Ok(history)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<JobKind, (Instant, History)>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The job with `events`, and the time it has left at `now`: none left once it has ended,
/// unknown while a remaining step has no history.
pub fn progress(
    job: &JobRecord,
    events: Vec<JobEventView>,
    history: &[Vec<i64>],
    now: i64,
) -> JobProgress {
    let estimate_ms = if job.finished_at.is_some() {
        Some(0)
    } else {
        let elapsed = job.step_started_at.map_or(0, |at| (now - at).max(0));
        estimate_remaining_ms(history, job.step, elapsed)
    };
    JobProgress {
        job: job.view(),
        events,
        estimate_ms,
    }
}
