//! Jobs and their events, as pages and the command line show them.

use serde::{Deserialize, Serialize};

/// A job of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    /// The job's id.
    pub id: String,
    /// What it does: `provision`, `delete`.
    pub kind: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub state: String,
    /// Steps done so far.
    pub steps_done: usize,
    /// Steps in all.
    pub steps_total: usize,
    /// Titles of every step, in order.
    pub step_titles: Vec<String>,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
    /// End time, ms since the epoch.
    pub finished_at: Option<i64>,
}

impl JobView {
    /// Whether the job has ended, one way or the other.
    pub fn is_finished(&self) -> bool {
        self.state == "succeeded" || self.state == "failed"
    }
}

/// One thing a job did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobEventView {
    /// Order within the job, from 1; a reconnecting viewer asks for events after the last
    /// one it saw.
    pub seq: i64,
    /// When, ms since the epoch.
    pub at: i64,
    /// The step's index.
    pub step: usize,
    /// The step's name.
    pub step_name: String,
    /// `started`, `waiting` (the cluster says why a step still waits), `succeeded`,
    /// `retrying`, `failed` or `finished`.
    pub kind: String,
    /// For people.
    pub message: String,
}

/// A job with what it did so far and how long the rest should take, for the progress view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobProgress {
    /// The job.
    pub job: JobView,
    /// Its events so far.
    pub events: Vec<JobEventView>,
    /// Estimated milliseconds left, from recent jobs of the same kind; `None` without history.
    pub estimate_ms: Option<i64>,
}

/// Estimates the milliseconds left of a job from how long each step took in recent jobs:
/// the average of each remaining step, the current one less what it has already taken.
/// `history[i]` holds past durations of step `i`. `None` when a remaining step has no history.
pub fn estimate_remaining_ms(
    history: &[Vec<i64>],
    current_step: usize,
    current_elapsed_ms: i64,
) -> Option<i64> {
    let average = |step: usize| -> Option<i64> {
        let samples = history.get(step).filter(|s| !s.is_empty())?;
        Some(samples.iter().sum::<i64>() / i64::try_from(samples.len()).ok()?)
    };
    let mut total = 0;
    for step in current_step..history.len() {
        let mut left = average(step)?;
        if step == current_step {
            left = (left - current_elapsed_ms).max(0);
        }
        total += left;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_sum_the_averages_of_the_steps_left() {
        let history = vec![vec![100, 300], vec![1000], vec![50, 50, 50]];
        assert_eq!(estimate_remaining_ms(&history, 0, 0), Some(200 + 1000 + 50));
        assert_eq!(estimate_remaining_ms(&history, 1, 400), Some(600 + 50));
        assert_eq!(
            estimate_remaining_ms(&history, 1, 5000),
            Some(50),
            "never negative"
        );
        assert_eq!(
            estimate_remaining_ms(&history, 3, 0),
            Some(0),
            "nothing left"
        );
    }

    #[test]
    fn no_estimate_without_history() {
        assert_eq!(estimate_remaining_ms(&[vec![100], vec![]], 0, 0), None);
        assert_eq!(estimate_remaining_ms(&[], 0, 0), Some(0));
    }
}
