//! The worker: claims due jobs, runs their steps under a renewed lease, and records what
//! happened. Several workers (in one process or many) can share one database.

use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

use super::estimate::{self, Estimates, History};
use super::policy::{AfterFailure, RetryPolicy};
use super::signals::{JobSignals, Recorded};
use crate::clock::{now_ms, time_of_day};
use crate::db::jobs::{self, JobRecord, JobState};
use crate::db::lease;
use crate::db::DbError;
use app::domain::job_kind::Step;
use app::domain::EventKind;

use super::heartbeat::{heartbeat, AbortOnDrop};
pub use super::step::{FailureKind, JobHandler, StepError, StepOutcome};

mod outage;

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
    /// Where each recorded change is said, for the pages watching the job.
    pub signals: JobSignals,
    /// Notified when jobs were made due sooner than this worker would look (the cluster
    /// changed under waiting jobs): it looks at once.
    pub wake: Arc<tokio::sync::Notify>,
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
            signals: JobSignals::local(),
            wake: Arc::default(),
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
    estimates: Arc<Estimates>,
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Worker {
    /// A worker over this pool, running jobs with this handler.
    pub fn new(pool: AnyPool, handler: Arc<dyn JobHandler>, options: WorkerOptions) -> Self {
        Self {
            estimates: Arc::new(Estimates::new(pool.clone())),
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
                () = self.options.wake.notified() => {}
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
        let span = tracing::info_span!(
            "job",
            job.id = %job.id,
            job.kind = job.kind.as_str(),
            tenant.id = job.tenant_id.as_deref().unwrap_or_default(),
        );
        if let Err(error) = self.steps(job.clone(), lost_rx).instrument(span).await {
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
                let event = Event::new("done", EventKind::Finished, "Done".to_owned());
                let change = Change::Finish(JobState::Succeeded, None);
                if self.record(&job, change, event).await? {
                    tracing::info!(job_id = %job.id, kind = job.kind.as_str(), "job succeeded");
                }
                return Ok(());
            };
            let now = now_ms();
            let looked_at = now;
            if job.step_started_at.is_none() {
                let event = Event::new(
                    step.name.as_str(),
                    EventKind::Started,
                    step.title.to_owned(),
                );
                self.record(&job, Change::Start, event).await?;
                job.step_started_at = Some(now);
            }
            let started = job.step_started_at.unwrap_or(now);
            let timeout = self.step_timeout(step);
            let budget = ms(timeout) - (now - started);
            // The deadline holds across waits and retries, so a step that cannot finish
            // ends the job instead of starting its time over.
            let timed_out = || {
                StepError::permanent(format!(
                    "{}: not done {} s after it began (waiting since {})",
                    step.title,
                    timeout.as_secs(),
                    time_of_day(started)
                ))
            };
            let outcome = if budget <= 0 {
                Err(timed_out())
            } else {
                let span = tracing::info_span!(
                    "job_step",
                    job.id = %job.id,
                    job.kind = job.kind.as_str(),
                    tenant.id = job.tenant_id.as_deref().unwrap_or_default(),
                    step = step.name.as_str(),
                    attempt = job.attempts + 1,
                );
                let attempt = self.handler.run_step(&job, step).instrument(span);
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
                let event = Event::new(step.name.as_str(), EventKind::Resumed, message);
                if !self.record(&job, Change::EndOutage, event).await? {
                    return Ok(());
                }
                job.outage_since = None;
            }
            match outcome {
                Ok(StepOutcome::Done) => {
                    let took = (now - started).max(0);
                    crate::metrics::step_done(
                        job.kind.as_str(),
                        step.name.as_str(),
                        Duration::from_millis(u64::try_from(took).unwrap_or(0)),
                    );
                    let message = format!("{} ({} ms)", step.title, took);
                    let event = Event::new(step.name.as_str(), EventKind::Succeeded, message);
                    if !self.record(&job, Change::Advance, event).await? {
                        return Ok(());
                    }
                    job.step += 1;
                    job.attempts = 0;
                    job.step_started_at = None;
                }
                Ok(StepOutcome::Wait(after)) => {
                    jobs::wait(&self.pool, &job.id, owner, looked_at, now + ms(after), now).await?;
                    return Ok(());
                }
                Err(error) => return self.failed_attempt(&job, step, error).await,
            }
        }
    }

    /// Changes the job and records the event in one transaction, so a crash leaves both or
    /// neither, and says the change as committed to the pages watching the job. Returns
    /// whether the change happened (the lease may have been lost; a step's start is recorded
    /// once).
    async fn record(
        &self,
        job: &JobRecord,
        change: Change<'_>,
        event: Event<'_>,
    ) -> Result<bool, DbError> {
        let owner = job.lease_owner.as_deref().unwrap_or_default();
        // Read before the transaction, not inside it: the history is kept a while. The time
        // left is a courtesy to the pages; without a history they show none, and the change
        // is recorded all the same.
        let history = match self.estimates.history(job.kind).await {
            Ok(history) => history,
            Err(error) => {
                tracing::warn!(job_id = %job.id, error = %error, "step durations unreadable; the time left is not estimated");
                History::default()
            }
        };
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
        if !changed {
            tx.commit().await?;
            return Ok(false);
        }
        let recorded = jobs::append_event(
            &mut *tx,
            &job.id,
            job.step,
            event.step_name,
            event.kind,
            &event.message,
            now,
        )
        .await?;
        let committed = jobs::get(&mut *tx, &job.id)
            .await?
            .ok_or_else(|| DbError::Corrupt(format!("job {} vanished while held", job.id)))?;
        let said = Recorded {
            after: recorded.seq - 1,
            progress: estimate::progress(&committed, vec![recorded], &history, now),
        };
        self.options.signals.notify_within(&mut *tx, &said).await?;
        tx.commit().await?;
        self.options.signals.recorded(said);
        Ok(true)
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
                tracing::warn!(job_id = %job.id, step = step.name.as_str(), error = %error.message, "step failed; will retry");
                let change = Change::Retry {
                    until: now_ms() + ms(wait),
                    attempts,
                    error: &error.message,
                };
                self.record(
                    job,
                    change,
                    Event::new(step.name.as_str(), EventKind::Retrying, message),
                )
                .await?;
            }
            AfterFailure::GiveUp => {
                tracing::error!(job_id = %job.id, step = step.name.as_str(), error = %error.message, "job failed");
                let change = Change::Finish(JobState::Failed, Some(&error.message));
                let event =
                    Event::new(step.name.as_str(), EventKind::Failed, error.message.clone());
                if self.record(job, change, event).await? {
                    self.handler.on_failed(job, &error.message).await;
                }
            }
        }
        Ok(())
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
    kind: EventKind,
    message: String,
}

impl<'a> Event<'a> {
    fn new(step_name: &'a str, kind: EventKind, message: String) -> Self {
        Self {
            step_name,
            kind,
            message,
        }
    }
}
