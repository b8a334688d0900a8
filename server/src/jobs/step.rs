//! What a job's step reports to the worker: done, not yet, or a failure and how it counts;
//! and the handler that runs the steps (the provisioning engine, or a test's).

use std::time::Duration;

use async_trait::async_trait;

use crate::db::jobs::JobRecord;
use app::domain::job_kind::Step;

/// What a step reports when it returns without error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// The step is done; go on to the next.
    Done,
    /// Not yet (the cluster is still working): run the step again after this long. The wait
    /// counts against the step's timeout, not its attempts.
    Wait(Duration),
}

/// A failed attempt of a step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StepError {
    /// What went wrong, for admins.
    pub message: String,
    /// How the failure counts.
    pub kind: FailureKind,
}

/// How a failed attempt counts against its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Trying again may help: the attempt counts, and retries follow the policy.
    Transient,
    /// No retry will mend it: the job fails now.
    Permanent,
    /// The cluster cannot be reached: nothing is wrong with the store, so the job waits it out
    /// for the outage tolerance without spending attempts.
    ClusterUnreachable,
}

impl StepError {
    /// A failure worth retrying (a timeout, an unreachable peer).
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: FailureKind::Transient,
        }
    }

    /// A failure no retry will mend (bad data).
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: FailureKind::Permanent,
        }
    }

    /// The cluster did not answer, or cannot serve now.
    pub fn cluster_unreachable(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: FailureKind::ClusterUnreachable,
        }
    }
}

/// What the jobs do; implemented by the provisioning engine (and by tests).
#[async_trait]
pub trait JobHandler: Send + Sync {
    /// Runs one attempt of a step. Must be idempotent: after a crash it runs again.
    async fn run_step(&self, job: &JobRecord, step: &Step) -> Result<StepOutcome, StepError>;

    /// Called once when a job ends in `failed`, so its tenant can say so.
    async fn on_failed(&self, job: &JobRecord, error: &str);
}
