//! Jobs and their events, as pages and the command line show them.

use serde::{Deserialize, Serialize};

use super::ids::JobId;

/// Where a job is in its life.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// Held by a worker, or between attempts of a step.
    Running,
    /// Every step done.
    Succeeded,
    /// Gave up; an admin may retry it.
    Failed,
}

impl JobState {
    /// Every state.
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What an event of a job's timeline says.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EventKind {
    /// A step's first attempt began.
    Started,
    /// A step waits: the cluster is still working, says why, or cannot be reached.
    Waiting,
    /// The cluster answers again after an outage.
    Resumed,
    /// An attempt failed and will be tried again.
    Retrying,
    /// A step is done.
    Succeeded,
    /// The job failed at this step.
    Failed,
    /// Every step is done: the job ended.
    Finished,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 7] = [
        EventKind::Started,
        EventKind::Waiting,
        EventKind::Resumed,
        EventKind::Retrying,
        EventKind::Succeeded,
        EventKind::Failed,
        EventKind::Finished,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A job of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    /// The job's id.
    pub id: JobId,
    /// What it does: `provision`, `delete`.
    pub kind: String,
    /// Where it is in its life.
    pub state: JobState,
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
        matches!(self.state, JobState::Succeeded | JobState::Failed)
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
    /// What happened.
    pub kind: EventKind,
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

#[cfg(test)]
mod state_tests {
    use super::*;

    #[test]
    fn states_and_event_kinds_have_one_name_each_on_the_wire_and_in_the_database() {
        for state in JobState::ALL {
            assert_eq!(state.as_str().parse::<JobState>().ok(), Some(state));
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
        }
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>().ok(), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!("done".parse::<EventKind>().ok(), None);
    }
}
