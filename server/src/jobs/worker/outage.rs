//! An unreachable cluster: a step waits it out without spending attempts, and the job fails
//! only once the outage outlasts the tolerance.

use std::time::Duration;

use super::{ms, Change, Event, Worker};
use crate::clock::{now_ms, time_of_day};
use crate::db::jobs::{JobRecord, JobState};
use crate::db::DbError;
use crate::jobs::policy::AfterFailure;
use crate::jobs::worker::StepError;
use app::domain::job_kind::Step;
use app::domain::EventKind;

impl Worker {
    /// Waits out an unreachable cluster without spending the step's attempts, until the
    /// outage has lasted longer than the policy tolerates.
    pub(super) async fn cluster_unreachable(
        &self,
        job: &JobRecord,
        step: &Step,
        error: StepError,
    ) -> Result<(), DbError> {
        let now = now_ms();
        let since = job.outage_since.unwrap_or(now);
        let lasted = Duration::from_millis(u64::try_from(now - since).unwrap_or(0));
        let unreachable = format!("Cluster unreachable since {}", time_of_day(since));
        match self.options.retry.during_outage(lasted) {
            AfterFailure::Retry(wait) => {
                tracing::warn!(job_id = %job.id, step = step.name.as_str(), error = %error.message, "cluster unreachable; waiting");
                let message = format!(
                    "{unreachable}; trying again in {} s without spending an attempt",
                    wait.as_secs().max(1)
                );
                let last_error = format!("{unreachable}: {}", error.message);
                let change = Change::Outage {
                    until: now + ms(wait),
                    since,
                    error: &last_error,
                };
                self.record(
                    job,
                    change,
                    Event::new(step.name.as_str(), EventKind::Waiting, message),
                )
                .await?;
            }
            AfterFailure::GiveUp => {
                let message = format!(
                    "{unreachable}, longer than the {} tolerated: {}",
                    spoken(self.options.retry.outage_tolerance),
                    error.message
                );
                tracing::error!(job_id = %job.id, step = step.name.as_str(), error = %error.message, "job failed: the cluster stayed unreachable");
                let change = Change::Finish(JobState::Failed, Some(&message));
                let event = Event::new(step.name.as_str(), EventKind::Failed, message.clone());
                if self.record(job, change, event).await? {
                    self.handler.on_failed(job, &message).await;
                }
            }
        }
        Ok(())
    }
}

/// A duration as a timeline says it: `30 min`, `90 s`, `300 ms`.
fn spoken(duration: Duration) -> String {
    match duration.as_secs() {
        0 => format!("{} ms", duration.as_millis()),
        secs if secs % 60 == 0 => format!("{} min", secs / 60),
        secs => format!("{secs} s"),
    }
}
