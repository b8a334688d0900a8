//! Queries on jobs; their timelines are in `job_events`. Every change to a running job is
//! conditioned on the caller's lease, so a worker that lost its lease can change nothing.

use sqlx::{any::AnyRow, AnyPool, Row};

use super::lease::{self, Fenced, Queue};
use super::{DbError, Result};
pub use app::domain::JobState;
use app::domain::{JobId, JobKind, JobView};

pub use super::job_events::{append_event, events_after, recent_step_durations};

/// Jobs as a lease queue: due at `next_run_at`, and `running` while a worker holds one.
pub(super) const QUEUE: Queue = Queue {
    table: "jobs",
    due_at: "next_run_at",
    claimable: "state IN ('queued', 'running')",
    held: "state = 'running'",
    on_claim: "state = 'running', waiting = 0, updated_at = $4",
};

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    /// Unique id.
    pub id: String,
    /// The tenant it works on.
    pub tenant_id: Option<String>,
    /// What it does.
    pub kind: JobKind,
    /// Where it is.
    pub state: JobState,
    /// Index of the step to run next.
    pub step: usize,
    /// Failed attempts of that step so far.
    pub attempts: u32,
    /// When that step's first attempt started, ms since the epoch.
    pub step_started_at: Option<i64>,
    /// Not to be run before this time.
    pub next_run_at: i64,
    /// The worker holding it.
    pub lease_owner: Option<String>,
    /// The last failure, shown to admins.
    pub last_error: Option<String>,
    /// Creation time.
    pub created_at: i64,
    /// End time, once succeeded or failed.
    pub finished_at: Option<i64>,
    /// Since when the cluster has not answered this job's calls, while it waits that out.
    pub outage_since: Option<i64>,
}

impl JobRecord {
    /// The job as its pages show it.
    pub fn view(&self) -> JobView {
        let steps = self.kind.steps();
        JobView {
            id: JobId::new(self.id.clone()),
            kind: self.kind.as_str().to_owned(),
            state: self.state,
            steps_done: self.step.min(steps.len()),
            steps_total: steps.len(),
            step_titles: steps.iter().map(|s| s.title.to_owned()).collect(),
            last_error: self.last_error.clone(),
            created_at: self.created_at,
            finished_at: self.finished_at,
        }
    }
}

const COLUMNS: &str = "id, tenant_id, kind, state, step, attempts, step_started_at, \
    next_run_at, lease_owner, last_error, created_at, finished_at, outage_since";

fn from_row(row: &AnyRow) -> Result<JobRecord> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let step: i64 = row.try_get("step")?;
    let attempts: i64 = row.try_get("attempts")?;
    Ok(JobRecord {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        kind: kind
            .parse::<JobKind>()
            .ok()
            .ok_or_else(|| DbError::Corrupt(format!("job kind {kind:?}")))?,
        state: state
            .parse::<JobState>()
            .ok()
            .ok_or_else(|| DbError::Corrupt(format!("job state {state:?}")))?,
        step: usize::try_from(step).map_err(|_| DbError::Corrupt("job step".into()))?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        step_started_at: row.try_get("step_started_at")?,
        next_run_at: row.try_get("next_run_at")?,
        lease_owner: row.try_get("lease_owner")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        finished_at: row.try_get("finished_at")?,
        outage_since: row.try_get("outage_since")?,
    })
}

/// Queues a job. Takes any executor so it can share the transaction of the change that
/// causes it.
pub async fn enqueue<'e, E>(
    executor: E,
    id: &str,
    tenant_id: Option<&str>,
    kind: JobKind,
    now: i64,
) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO jobs (id, tenant_id, kind, state, step, attempts, next_run_at, created_at, updated_at) \
         VALUES ($1, $2, $3, 'queued', 0, 0, $4, $4, $4)",
    )
    .bind(id)
    .bind(tenant_id.map(str::to_owned))
    .bind(kind.as_str())
    .bind(now)
    .execute(executor)
    .await?;
    Ok(())
}

/// The job with this id. Takes any executor, so a transaction can read back what it changed.
pub async fn get<'e, E>(executor: E, id: &str) -> Result<Option<JobRecord>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(executor).await?;
    row.as_ref().map(from_row).transpose()
}

/// A tenant's jobs, newest first.
pub async fn for_tenant(pool: &AnyPool, tenant_id: &str) -> Result<Vec<JobRecord>> {
    let sql =
        format!("SELECT {COLUMNS} FROM jobs WHERE tenant_id = $1 ORDER BY created_at DESC, id");
    let rows = sqlx::query(&sql).bind(tenant_id).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// Ids of jobs that are due and not held by a live lease, oldest due first.
pub async fn due(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<String>> {
    lease::due(pool, &QUEUE, now, limit).await
}

/// Takes the lease of a due job. Only one caller can win. Returns the job when this caller
/// holds it.
pub async fn claim(
    pool: &AnyPool,
    id: &str,
    owner: &str,
    now: i64,
    lease_ms: i64,
) -> Result<Option<JobRecord>> {
    if !lease::claim(pool, &QUEUE, id, owner, now, lease_ms).await? {
        return Ok(None);
    }
    get(pool, id).await
}

/// Extends a held lease. False when the lease was lost.
pub async fn renew(pool: &AnyPool, id: &str, owner: &str, now: i64, lease_ms: i64) -> Result<bool> {
    lease::renew(pool, &QUEUE, id, owner, now, lease_ms).await
}

/// Notes when the current step started. True only the first time for this step, so the
/// caller records the start once.
pub async fn start_step<'e, E>(executor: E, id: &str, owner: &str, now: i64) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    // As before the lease module: the token fences this one, whatever the job's state.
    Fenced::new(&QUEUE, id, owner, "step_started_at = $3, updated_at = $3")
        .in_any_state()
        .only_if("step_started_at IS NULL")
        .bind(now)
        .execute(executor)
        .await
}

/// Moves to the next step. False when the lease was lost.
pub async fn advance<'e, E>(
    executor: E,
    id: &str,
    owner: &str,
    next_step: usize,
    now: i64,
) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Fenced::new(
        &QUEUE,
        id,
        owner,
        "step = $3, attempts = 0, step_started_at = NULL, last_error = NULL, \
         outage_since = NULL, next_run_at = $4, updated_at = $4",
    )
    .only_if("step = $3 - 1")
    .bind(i64::try_from(next_step).unwrap_or(i64::MAX))
    .bind(now)
    .execute(executor)
    .await
}

/// Releases the lease until `until`, keeping the step and its attempts: the step waits on
/// the cluster, and looks again then, or sooner when [`wake_waiting`] finds the cluster
/// changed. A change found while the step was looking (after `looked_at`) leaves the job due
/// at once: the look may have read the cluster before it. False when the lease was lost.
pub async fn wait(
    pool: &AnyPool,
    id: &str,
    owner: &str,
    looked_at: i64,
    until: i64,
    now: i64,
) -> Result<bool> {
    let set = "next_run_at = CASE WHEN next_run_at > $3 THEN next_run_at ELSE $4 END, \
               waiting = 1, outage_since = NULL, updated_at = $5";
    Fenced::new(&QUEUE, id, owner, set)
        .releasing()
        .bind(looked_at)
        .bind(until)
        .bind(now)
        .execute(pool)
        .await
}

/// Makes the jobs of the tenants with these namespace keys due at `now`: something of theirs
/// in the cluster changed. A job waiting on the cluster becomes due now, if it was due later;
/// a job whose step is running is marked so that, should the step decide to wait, it looks
/// again at once ([`wait`]). Jobs backing off after a failure keep their pause. Returns how
/// many jobs were changed.
pub async fn wake_waiting(pool: &AnyPool, keys: &[String], now: i64) -> Result<u64> {
    if keys.is_empty() {
        return Ok(0);
    }
    let listed = (0..keys.len())
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE jobs SET next_run_at = $1 \
         WHERE state = 'running' \
         AND ((waiting = 1 AND next_run_at > $1) \
              OR (lease_owner IS NOT NULL AND lease_expires_at >= $1 AND next_run_at < $1)) \
         AND tenant_id IN \
         (SELECT id FROM tenants WHERE namespace_key IN ({listed}) AND claimed_by IS NULL)"
    );
    let mut query = sqlx::query(&sql).bind(now);
    for key in keys {
        query = query.bind(key.as_str());
    }
    Ok(query.execute(pool).await?.rows_affected())
}

/// Releases the lease until `until`, keeping the step, for a retry after a failed attempt
/// (`attempts` and `error` record it). The step's deadline stays where it is: waiting and
/// retrying share one time budget.
pub async fn release<'e, E>(
    executor: E,
    id: &str,
    owner: &str,
    until: i64,
    attempts: u32,
    error: Option<&str>,
    now: i64,
) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let set = "next_run_at = $3, attempts = $4, last_error = COALESCE($5, last_error), \
               outage_since = NULL, updated_at = $6";
    Fenced::new(&QUEUE, id, owner, set)
        .releasing()
        .bind(until)
        .bind(i64::from(attempts))
        .bind(error.map(str::to_owned))
        .bind(now)
        .execute(executor)
        .await
}

/// Releases the lease until `until` while the cluster cannot be reached: the attempts stay
/// as they are, `since` is kept as the outage's start unless one is already recorded, and the
/// step's time budget starts again with the next attempt.
pub async fn wait_out_outage<'e, E>(
    executor: E,
    id: &str,
    owner: &str,
    until: i64,
    since: i64,
    error: &str,
    now: i64,
) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Fenced::new(
        &QUEUE,
        id,
        owner,
        "next_run_at = $3, step_started_at = $3, outage_since = COALESCE(outage_since, $4), \
         last_error = $5, updated_at = $6",
    )
    .releasing()
    .bind(until)
    .bind(since)
    .bind(error)
    .bind(now)
    .execute(executor)
    .await
}

/// Notes that the cluster answers again. False when the lease was lost.
pub async fn end_outage<'e, E>(executor: E, id: &str, owner: &str, now: i64) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Fenced::new(&QUEUE, id, owner, "outage_since = NULL, updated_at = $3")
        .only_if("outage_since IS NOT NULL")
        .bind(now)
        .execute(executor)
        .await
}

/// Ends a job, succeeded or failed, releasing its lease.
pub async fn finish<'e, E>(
    executor: E,
    id: &str,
    owner: &str,
    state: JobState,
    error: Option<&str>,
    now: i64,
) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Fenced::new(
        &QUEUE,
        id,
        owner,
        "state = $3, last_error = $4, finished_at = $5, updated_at = $5",
    )
    .releasing()
    .bind(state.as_str())
    .bind(error.map(str::to_owned))
    .bind(now)
    .execute(executor)
    .await
}

/// Puts a failed job back in the queue from its first step, with fresh attempts: steps are
/// idempotent, and starting over applies whatever was fixed meanwhile.
pub async fn retry_failed<'e, E>(executor: E, id: &str, now: i64) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', step = 0, attempts = 0, step_started_at = NULL, \
         outage_since = NULL, next_run_at = $2, finished_at = NULL, updated_at = $2 WHERE id = $1 AND state = 'failed'",
    )
    .bind(id)
    .bind(now)
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends a tenant's unfinished jobs as failed with `reason`; a worker holding one loses it at
/// its next fenced update. For work that a newer job supersedes (a deletion).
pub async fn cancel_unfinished<'e, E>(
    executor: E,
    tenant_id: &str,
    reason: &str,
    now: i64,
) -> Result<u64>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("{CANCEL} WHERE tenant_id = $1 AND state IN ('queued', 'running')");
    let done = sqlx::query(&sql)
        .bind(tenant_id)
        .bind(reason)
        .bind(now)
        .execute(executor)
        .await?;
    Ok(done.rows_affected())
}

/// Ends one unfinished job as failed with `reason`; a worker running it stops at its next
/// step boundary (its lease is gone). False when the job had already finished.
pub async fn cancel<'e, E>(executor: E, job_id: &str, reason: &str, now: i64) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("{CANCEL} WHERE id = $1 AND state IN ('queued', 'running')");
    let done = sqlx::query(&sql)
        .bind(job_id)
        .bind(reason)
        .bind(now)
        .execute(executor)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends jobs as failed (`$2`: why, `$3`: now), releasing their leases.
const CANCEL: &str = "UPDATE jobs SET state = 'failed', last_error = $2, lease_owner = NULL, \
                      lease_expires_at = NULL, finished_at = $3, updated_at = $3";
