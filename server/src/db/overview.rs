//! What the admin's overview reads: stores by state and plan, what needs attention, and the
//! times of the last 30 days' sign-ups, stores ready, provisionings and failures.

use sqlx::{AnyPool, Row};

use app::domain::EventKind;

use super::Result;

/// Stores by (state, plan).
pub async fn counts(pool: &AnyPool) -> Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query(
        "SELECT state, plan, COUNT(*) AS stores FROM tenants WHERE standby = 0 \
         GROUP BY state, plan \
         ORDER BY state, plan",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("state")?,
                row.try_get("plan")?,
                row.try_get("stores")?,
            ))
        })
        .collect()
}

/// When each store signed up since `since`.
pub async fn signed_up(pool: &AnyPool, since: i64) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT created_at FROM tenants WHERE created_at >= $1 AND standby = 0")
            .bind(since)
            .fetch_all(pool)
            .await?,
    )
}

/// When each store became ready after being built, since `since`.
pub async fn became_ready(pool: &AnyPool, since: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT at FROM tenant_transitions tt \
         WHERE to_state = 'ready' AND from_state = 'provisioning' AND at >= $1 \
         AND NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = tt.tenant_id AND t.standby = 1)",
    )
    .bind(since)
    .fetch_all(pool)
    .await?)
}

/// Each provisioning that succeeded since `since`: when it ended, and how long it took (ms).
pub async fn provisionings(pool: &AnyPool, since: i64) -> Result<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT finished_at, finished_at - created_at AS took FROM jobs \
         WHERE state = 'succeeded' AND finished_at >= $1 AND kind IN ('provision', 'claim')",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("finished_at")?, row.try_get("took")?)))
        .collect()
}

/// When each job that failed since `since` ended.
pub async fn failures(pool: &AnyPool, since: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT finished_at FROM jobs WHERE state = 'failed' AND finished_at >= $1",
    )
    .bind(since)
    .fetch_all(pool)
    .await?)
}

/// An unfinished job's step under way since before some time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongStep {
    /// The store.
    pub subdomain: String,
    /// The job's kind.
    pub kind: String,
    /// The step's index.
    pub step: i64,
    /// When the step began.
    pub since: i64,
}

/// Unfinished jobs' steps begun before `before`, oldest first.
pub async fn long_steps(pool: &AnyPool, before: i64) -> Result<Vec<LongStep>> {
    let rows = sqlx::query(
        "SELECT t.subdomain, j.kind, j.step, j.step_started_at FROM jobs j \
         JOIN tenants t ON t.id = j.tenant_id \
         WHERE j.state IN ('queued', 'running') AND j.step_started_at < $1 \
         ORDER BY j.step_started_at",
    )
    .bind(before)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(LongStep {
                subdomain: row.try_get("subdomain")?,
                kind: row.try_get("kind")?,
                step: row.try_get("step")?,
                since: row.try_get("step_started_at")?,
            })
        })
        .collect()
}

/// How long the step `step_name` took (ms) the last `limit` times it finished.
pub async fn step_durations(pool: &AnyPool, step_name: &str, limit: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT done.at - began.at FROM job_events done \
         JOIN job_events began ON began.job_id = done.job_id AND began.step = done.step \
           AND began.kind = $2 \
         WHERE done.step_name = $1 AND done.kind = $3 \
         ORDER BY done.at DESC LIMIT $4",
    )
    .bind(step_name)
    .bind(EventKind::Started.as_str())
    .bind(EventKind::Succeeded.as_str())
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Stores serving in a grace period after a failed payment, by subdomain.
pub async fn in_grace(pool: &AnyPool) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT t.subdomain FROM subscriptions s JOIN tenants t ON t.id = s.tenant_id \
         WHERE s.past_due_since IS NOT NULL AND t.state IN ('ready', 'updating') \
         ORDER BY t.subdomain",
    )
    .fetch_all(pool)
    .await?)
}

/// Stores in `state`, by subdomain.
pub async fn in_state(pool: &AnyPool, state: &str, limit: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT subdomain FROM tenants WHERE state = $1 AND standby = 0 \
         ORDER BY updated_at DESC LIMIT $2",
    )
    .bind(state)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Halted rollouts: their id and their release's name.
pub async fn halted_rollouts(pool: &AnyPool) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT r.id, l.name FROM rollouts r JOIN releases l ON l.id = r.release_id \
         WHERE r.state = 'halted' ORDER BY r.created_at DESC",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("name")?)))
        .collect()
}

/// Stores whose last finished restore drill failed, by subdomain.
pub async fn failed_drills(pool: &AnyPool) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT t.subdomain FROM tenants t WHERE t.state <> 'deleted' AND \
           (SELECT d.state FROM drills d WHERE d.tenant_id = t.id \
            AND d.state IN ('passed', 'failed') \
            ORDER BY d.finished_at DESC, d.id DESC LIMIT 1) = 'failed' \
         ORDER BY t.subdomain",
    )
    .fetch_all(pool)
    .await?)
}
