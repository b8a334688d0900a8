//! Queries on jobs' events: the timeline each job writes as it runs, and the step durations
//! its estimates are drawn from.

use sqlx::{AnyPool, Row};

use super::{DbError, Result};
use app::domain::{EventKind, JobEventView, JobKind};

/// Appends an event after the job's last one, and returns it as stored.
pub async fn append_event<'e, E>(
    executor: E,
    job_id: &str,
    step: usize,
    step_name: &str,
    kind: EventKind,
    message: &str,
    at: i64,
) -> Result<JobEventView>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO job_events (job_id, seq, at, step, step_name, kind, message) \
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6 FROM job_events WHERE job_id = $1 \
         RETURNING seq",
    )
    .bind(job_id)
    .bind(at)
    .bind(i64::try_from(step).unwrap_or(i64::MAX))
    .bind(step_name)
    .bind(kind.as_str())
    .bind(message)
    .fetch_one(executor)
    .await?;
    Ok(JobEventView {
        seq,
        at,
        step,
        step_name: step_name.to_owned(),
        kind,
        message: message.to_owned(),
    })
}

/// A job's events after `after_seq`, in order.
pub async fn events_after(
    pool: &AnyPool,
    job_id: &str,
    after_seq: i64,
) -> Result<Vec<JobEventView>> {
    let rows = sqlx::query(
        "SELECT seq, at, step, step_name, kind, message FROM job_events \
         WHERE job_id = $1 AND seq > $2 ORDER BY seq",
    )
    .bind(job_id)
    .bind(after_seq)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let step: i64 = row.try_get("step")?;
            let kind: String = row.try_get("kind")?;
            let kind = kind
                .parse::<EventKind>()
                .ok()
                .ok_or_else(|| DbError::Corrupt(format!("job event kind {kind:?}")))?;
            Ok(JobEventView {
                seq: row.try_get("seq")?,
                at: row.try_get("at")?,
                step: usize::try_from(step).unwrap_or_default(),
                step_name: row.try_get("step_name")?,
                kind,
                message: row.try_get("message")?,
            })
        })
        .collect()
}

/// How long each step took in the last `limit` succeeded jobs of a kind: `result[step]` holds
/// the durations in milliseconds.
pub async fn recent_step_durations(
    pool: &AnyPool,
    kind: JobKind,
    limit: i64,
) -> Result<Vec<Vec<i64>>> {
    let rows = sqlx::query(
        "SELECT s.step AS step, f.at - s.at AS took FROM job_events s \
         JOIN job_events f ON f.job_id = s.job_id AND f.step = s.step AND f.kind = 'succeeded' \
         WHERE s.kind = 'started' AND s.job_id IN \
         (SELECT id FROM jobs WHERE kind = $1 AND state = 'succeeded' ORDER BY finished_at DESC LIMIT $2)",
    )
    .bind(kind.as_str())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut durations = vec![Vec::new(); kind.steps().len()];
    for row in rows {
        let step: i64 = row.try_get("step")?;
        let took: i64 = row.try_get("took")?;
        if let Some(samples) = usize::try_from(step)
            .ok()
            .and_then(|s| durations.get_mut(s))
        {
            samples.push(took);
        }
    }
    Ok(durations)
}
