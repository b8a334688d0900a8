//! Queries on the record of failed log-ins, kept in the database so that every server
//! replica enforces the same limits.

use sqlx::{AnyPool, Row};

use super::Result;

/// Failed log-ins of one subject (an account or a client address) within the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    /// How many.
    pub count: u32,
    /// When the oldest of them happened, ms since the epoch.
    pub oldest_ms: Option<i64>,
}

/// Failures of one subject since a time.
pub async fn since(pool: &AnyPool, subject: &str, since_ms: i64) -> Result<Failures> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS failures, MIN(failed_at) AS oldest FROM login_failures \
         WHERE subject = $1 AND failed_at >= $2",
    )
    .bind(subject)
    .bind(since_ms)
    .fetch_one(pool)
    .await?;
    let count: i64 = row.try_get("failures")?;
    Ok(Failures {
        count: u32::try_from(count).unwrap_or(u32::MAX),
        oldest_ms: row.try_get("oldest")?,
    })
}

/// Records one failure against each subject; returns the rows' ids, so an attempt counted
/// before it is checked can be taken back if it succeeds.
pub async fn record(pool: &AnyPool, subjects: &[&str], at_ms: i64) -> Result<Vec<String>> {
    let mut tx = pool.begin().await?;
    let mut ids = Vec::with_capacity(subjects.len());
    for subject in subjects {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query("INSERT INTO login_failures (id, subject, failed_at) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(*subject)
            .bind(at_ms)
            .execute(&mut *tx)
            .await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}

/// Takes back recorded failures by id.
pub async fn forget(pool: &AnyPool, ids: &[String]) -> Result<()> {
    for id in ids {
        sqlx::query("DELETE FROM login_failures WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// Forgets a subject's failures (after a successful log-in).
pub async fn clear(pool: &AnyPool, subject: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE subject = $1")
        .bind(subject)
        .execute(pool)
        .await?;
    Ok(())
}

/// Deletes failures older than the window; they no longer count.
pub async fn prune(pool: &AnyPool, before_ms: i64) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE failed_at < $1")
        .bind(before_ms)
        .execute(pool)
        .await?;
    Ok(())
}
