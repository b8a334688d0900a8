//! The worker: claims due jobs, runs their steps under a renewed lease, and records what
//! happened. Several workers (in one process or many) can share one database.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::AnyPool;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::policy::{AfterFailure, RetryPolicy};
use crate::clock::{now_ms, time_of_day};
use crate::db::jobs::{self, JobRecord, JobState};
use crate::db::lease;
use crate::db::DbError;
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

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// This worker's name in leases: unique per process.
    pub owner: String,
    /// How long a lease lasts without renewal.
    pub lease: Duration,
    /// How often to look for due jobs when idle.
    pub poll: Duration,
    /// Jobs run at once by this worker.
    pub concurrency: usize,
    /// Retries of failed attempts.
    pub retry: RetryPolicy,
    /// Upper bound on every step's timeout.
    pub step_timeout_cap: Option<Duration>,
    /// How long attempts in flight may go on after a stop before they are cut off (steps are
    /// idempotent: the next holder of the job runs the step again).
    pub stop_grace: Duration,
}

impl WorkerOptions {
    /// Defaults with a fresh unique owner name.
    pub fn new() -> Self {
        Self {
            owner: format!("worker-{}", uuid::Uuid::new_v4().simple()),
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(500),
            concurrency: 8,
            retry: RetryPolicy::default(),
            step_timeout_cap: None,
            stop_grace: Duration::from_secs(3),
        }
    }
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs jobs from the database.
#[derive(Clone)]
pub struct Worker {
    pool: AnyPool,
    handler: Arc<dyn JobHandler>,
    options: Arc<WorkerOptions>,
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Worker {
    /// A worker over this pool, running jobs with this handler.
    pub fn new(pool: AnyPool, handler: Arc<dyn JobHandler>, options: WorkerOptions) -> Self {
        Self {
            pool,
            handler,
            options: Arc::new(options),
        }
    }

    /// Runs until `shutdown` turns true; jobs in flight finish their current attempt first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut running = JoinSet::new();
        loop {
            while running.try_join_next().is_some() {}
            let free = self.options.concurrency.saturating_sub(running.len());
            if free > 0 {
                match self.claim_due(free).await {
                    Ok(jobs) => {
                        for job in jobs {
                            let worker = self.clone();
                            running.spawn(async move { worker.execute(job).await });
                        }
                    }
                    Err(error) => tracing::warn!(error = %error, "claiming jobs failed"),
                }
            }
            tokio::select! {
                _ = shutdown.changed() => break,
                _ = tokio::time::sleep(self.options.poll) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
        let drained = async { while running.join_next().await.is_some() {} };
        if tokio::time::timeout(self.options.stop_grace, drained)
            .await
            .is_err()
        {
            // An attempt stuck on a cluster that does not answer must not hold up a stop; its
            // lease lapses and the job resumes at its step.
            tracing::warn!(
                jobs = running.len(),
                "stopping: cutting off job attempts still running"
            );
            running.shutdown().await;
        }
    }

    /// Claims and runs every job due now, once; returns how many ran. For tests and tools.
    pub async fn run_due(&self) -> Result<usize, DbError> {
        let jobs = self.claim_due(self.options.concurrency.max(1)).await?;
        let count = jobs.len();
        let mut running = JoinSet::new();
        for job in jobs {
            let worker = self.clone();
            running.spawn(async move { worker.execute(job).await });
        }
        while running.join_next().await.is_some() {}
        Ok(count)
    }

    async fn claim_due(&self, limit: usize) -> Result<Vec<JobRecord>, DbError> {
        let now = now_ms();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut claimed = Vec::new();
        for id in jobs::due(&self.pool, now, limit).await? {
            let token = lease::token(&self.options.owner);
            if let Some(job) =
                jobs::claim(&self.pool, &id, &token, now, ms(self.options.lease)).await?
            {
                claimed.push(job);
            }
        }
        Ok(claimed)
    }

    /// Runs a held job's steps until it finishes, waits, fails an attempt or loses its lease.
    async fn execute(&self, job: JobRecord) {
        let (lost_tx, lost_rx) = watch::channel(false);
        // Aborted when this attempt ends in any way, a panicking step included, so a dead
        // attempt never keeps renewing its lease.
        let _heartbeat = AbortOnDrop(tokio::spawn(heartbeat(
            self.pool.clone(),
            job.id.clone(),
            job.lease_owner.clone().unwrap_or_default(),
            self.options.lease,
            lost_tx,
        )));
        if let Err(error) = self.steps(job.clone(), lost_rx).await {
            tracing::warn!(job_id = %job.id, error = %error, "job bookkeeping failed; the lease will expire and another attempt resumes it");
        }
    }

    async fn steps(
        &self,
        mut job: JobRecord,
        mut lost: watch::Receiver<bool>,
    ) -> Result<(), DbError> {
        let token = job.lease_owner.clone().unwrap_or_default();
        let owner = token.as_str();
        let steps = job.kind.steps();
        loop {
            let Some(step) = steps.get(job.step) else {
                let event = Event::new("done", "finished", "Done".to_owned());
                let change = Change::Finish(JobState::Succeeded, None);
                if self.record(&job, change, event).await? {
                    tracing::info!(job_id = %job.id, kind = job.kind.as_str(), "job succeeded");
                }
                return Ok(());
            };
            let now = now_ms();
            if job.step_started_at.is_none() {
                let event = Event::new(step.name, "started", step.title.to_owned());
                self.record(&job, Change::Start, event).await?;
                job.step_started_at = Some(now);
            }
            let started = job.step_started_at.unwrap_or(now);
            let timeout = self.step_timeout(step);
            let budget = ms(timeout) - (now - started);
            let timed_out = || {
                StepError::transient(format!(
                    "{} timed out after {} s",
                    step.title,
                    timeout.as_secs()
                ))
            };
            let outcome = if budget <= 0 {
                Err(timed_out())
            } else {
                let attempt = self.handler.run_step(&job, step);
                let limit = Duration::from_millis(u64::try_from(budget).unwrap_or(0));
                tokio::select! {
                    result = tokio::time::timeout(limit, attempt) => result.unwrap_or_else(|_| Err(timed_out())),
                    _ = lost.wait_for(|lost| *lost) => {
                        tracing::warn!(job_id = %job.id, "lease lost; leaving the job to its new holder");
                        return Ok(());
                    }
                }
            };
            let now = now_ms();
            let unreachable =
                matches!(&outcome, Err(e) if e.kind == FailureKind::ClusterUnreachable);
            if let (Some(since), false) = (job.outage_since, unreachable) {
                let message = format!(
                    "Cluster reachable again (unreachable since {})",
                    time_of_day(since)
                );
                let event = Event::new(step.name, "resumed", message);
                if !self.record(&job, Change::EndOutage, event).await? {
                    return Ok(());
                }
                job.outage_since = None;
            }
            match outcome {
                Ok(StepOutcome::Done) => {
                    let took = (now - started).max(0);
                    let message = format!("{} ({} ms)", step.title, took);
                    let event = Event::new(step.name, "succeeded", message);
                    if !self.record(&job, Change::Advance, event).await? {
                        return Ok(());
                    }
                    job.step += 1;
                    job.attempts = 0;
                    job.step_started_at = None;
                }
                Ok(StepOutcome::Wait(after)) => {
                    jobs::release(
                        &self.pool,
                        &job.id,
                        owner,
                        now + ms(after),
                        job.attempts,
                        None,
                        now,
                    )
                    .await?;
                    return Ok(());
                }
                Err(error) => return self.failed_attempt(&job, step, error).await,
            }
        }
    }

    /// Changes the job and records the event in one transaction, so a crash leaves both or
    /// neither. Returns whether the change happened (the lease may have been lost; a step's
    /// start is recorded once).
    async fn record(
        &self,
        job: &JobRecord,
        change: Change<'_>,
        event: Event<'_>,
    ) -> Result<bool, DbError> {
        let owner = job.lease_owner.as_deref().unwrap_or_default();
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let changed = match change {
            Change::Start => jobs::start_step(&mut *tx, &job.id, owner, now).await?,
            Change::Advance => jobs::advance(&mut *tx, &job.id, owner, job.step + 1, now).await?,
            Change::Retry {
                until,
                attempts,
                error,
            } => jobs::release(&mut *tx, &job.id, owner, until, attempts, Some(error), now).await?,
            Change::Finish(state, error) => {
                jobs::finish(&mut *tx, &job.id, owner, state, error, now).await?
            }
            Change::Outage {
                until,
                since,
                error,
            } => jobs::wait_out_outage(&mut *tx, &job.id, owner, until, since, error, now).await?,
            Change::EndOutage => jobs::end_outage(&mut *tx, &job.id, owner, now).await?,
        };
        if changed {
            jobs::append_event(
                &mut *tx,
                &job.id,
                job.step,
                event.step_name,
                event.kind,
                &event.message,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    fn step_timeout(&self, step: &Step) -> Duration {
        let own = Duration::from_secs(step.timeout_secs);
        self.options
            .step_timeout_cap
            .map_or(own, |cap| own.min(cap))
    }

    async fn failed_attempt(
        &self,
        job: &JobRecord,
        step: &Step,
        error: StepError,
    ) -> Result<(), DbError> {
        if error.kind == FailureKind::ClusterUnreachable {
            return self.cluster_unreachable(job, step, error).await;
        }
        let attempts = job.attempts.saturating_add(1);
        let decision = match error.kind {
            FailureKind::Permanent => AfterFailure::GiveUp,
            _ => self.options.retry.after_failure(attempts),
        };
        match decision {
            AfterFailure::Retry(wait) => {
                let message = format!(
                    "{} (attempt {attempts}); retrying in {} s",
                    error.message,
                    wait.as_secs().max(1)
                );
                tracing::warn!(job_id = %job.id, step = step.name, error = %error.message, "step failed; will retry");
                let change = Change::Retry {
                    until: now_ms() + ms(wait),
                    attempts,
                    error: &error.message,
                };
                self.record(job, change, Event::new(step.name, "retrying", message))
                    .await?;
            }
            AfterFailure::GiveUp => {
                tracing::error!(job_id = %job.id, step = step.name, error = %error.message, "job failed");
                let change = Change::Finish(JobState::Failed, Some(&error.message));
                let event = Event::new(step.name, "failed", error.message.clone());
                if self.record(job, change, event).await? {
                    self.handler.on_failed(job, &error.message).await;
                }
            }
        }
        Ok(())
    }
}

impl Worker {
    /// Waits out an unreachable cluster without spending the step's attempts, until the
    /// outage has lasted longer than the policy tolerates.
    async fn cluster_unreachable(
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
                tracing::warn!(job_id = %job.id, step = step.name, error = %error.message, "cluster unreachable; waiting");
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
                self.record(job, change, Event::new(step.name, "waiting", message))
                    .await?;
            }
            AfterFailure::GiveUp => {
                let message = format!(
                    "{unreachable}, longer than the {} tolerated: {}",
                    spoken(self.options.retry.outage_tolerance),
                    error.message
                );
                tracing::error!(job_id = %job.id, step = step.name, error = %error.message, "job failed: the cluster stayed unreachable");
                let change = Change::Finish(JobState::Failed, Some(&message));
                let event = Event::new(step.name, "failed", message.clone());
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

/// A change to a held job that comes with an event.
enum Change<'a> {
    /// The current step's first attempt starts.
    Start,
    /// The current step is done; go to the next.
    Advance,
    /// The attempt failed; release the job until `until`.
    Retry {
        until: i64,
        attempts: u32,
        error: &'a str,
    },
    /// The job ends.
    Finish(JobState, Option<&'a str>),
    /// The cluster cannot be reached; release the job until `until`, attempts untouched.
    Outage {
        until: i64,
        since: i64,
        error: &'a str,
    },
    /// The cluster answers again.
    EndOutage,
}

/// What a change records in the job's timeline.
struct Event<'a> {
    step_name: &'a str,
    kind: &'a str,
    message: String,
}

impl<'a> Event<'a> {
    fn new(step_name: &'a str, kind: &'a str, message: String) -> Self {
        Self {
            step_name,
            kind,
            message,
        }
    }
}

/// Renews the lease at a third of its length; signals `lost` when renewal fails.
async fn heartbeat(
    pool: AnyPool,
    id: String,
    owner: String,
    lease: Duration,
    lost: watch::Sender<bool>,
) {
    let mut ticks = tokio::time::interval(lease / 3);
    ticks.tick().await;
    let mut held_until = now_ms() + ms(lease);
    loop {
        ticks.tick().await;
        let now = now_ms();
        match jobs::renew(&pool, &id, &owner, now, ms(lease)).await {
            Ok(true) => held_until = now + ms(lease),
            Ok(false) => {
                let _ = lost.send(true);
                return;
            }
            // Unable to renew past the lease's end: another worker may hold the job by now.
            Err(error) if now >= held_until => {
                tracing::warn!(job_id = %id, error = %error, "lease lapsed while the database was unreachable");
                let _ = lost.send(true);
                return;
            }
            Err(error) => tracing::warn!(job_id = %id, error = %error, "renewing a lease failed"),
        }
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
