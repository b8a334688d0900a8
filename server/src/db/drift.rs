//! The reconciler's bookkeeping: which running stores are due for a look, what differed at
//! the last one, the drifts found (and whether they were put back), and each store's
//! self-heal switch (both also read with the tenant).

use sqlx::{AnyPool, Row};

use super::Result;

/// How many drift events a store's health shows.
const RECENT: i64 = 5;

/// A store due for a look, with what the look needs to know of its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The store.
    pub tenant_id: String,
    /// Whether drift is put back, or only reported.
    pub self_heal: bool,
    /// Whether the last look found drift it left standing.
    pub drifted: bool,
}

/// Stores due for a look at `now`, oldest first: ready or suspended, with no unfinished job
/// (a job converges the store itself).
pub async fn due(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<Due>> {
    let rows = sqlx::query(
        "SELECT id, self_heal, CAST(CASE WHEN drift IS NULL THEN 0 ELSE 1 END AS BIGINT) AS drifted \
         FROM tenants t \
         WHERE t.state IN ('ready', 'suspended') AND t.check_after <= $1 \
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.tenant_id = t.id \
                         AND j.state IN ('queued', 'running')) \
         ORDER BY t.check_after LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let self_heal: i64 = row.try_get("self_heal")?;
            let drifted: i64 = row.try_get("drifted")?;
            Ok(Due {
                tenant_id: row.try_get("id")?,
                self_heal: self_heal != 0,
                drifted: drifted != 0,
            })
        })
        .collect()
}

/// Takes a due store for one look, not to look again before `next`. False when another
/// process took it first.
pub async fn claim(pool: &AnyPool, tenant_id: &str, now: i64, next: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE tenants SET check_after = $2 WHERE id = $1 AND check_after <= $3")
            .bind(tenant_id)
            .bind(next)
            .bind(now)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a look: what differed (`None`: nothing), and when something did, the drift event
/// with whether it was put back. One transaction.
pub async fn record(
    pool: &AnyPool,
    tenant_id: &str,
    drift: Option<&str>,
    repaired: bool,
    now: i64,
) -> Result<()> {
    let Some(summary) = drift else {
        sqlx::query("UPDATE tenants SET drift = NULL WHERE id = $1")
            .bind(tenant_id)
            .execute(pool)
            .await?;
        return Ok(());
    };
    let mut tx = pool.begin().await?;
    // A repaired store no longer differs; a reported one does until it is put back.
    sqlx::query("UPDATE tenants SET drift = $2 WHERE id = $1")
        .bind(tenant_id)
        .bind((!repaired).then_some(summary))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO drift_events (tenant_id, at, summary, repaired) VALUES ($1, $2, $3, $4)",
    )
    .bind(tenant_id)
    .bind(now)
    .bind(summary)
    .bind(i64::from(repaired))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One drift found by the reconciler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftRecord {
    /// When it was found (milliseconds since the epoch).
    pub at: i64,
    /// What differed.
    pub summary: String,
    /// Whether it was put back.
    pub repaired: bool,
}

/// A store's latest drift events, newest first.
pub async fn recent(pool: &AnyPool, tenant_id: &str) -> Result<Vec<DriftRecord>> {
    sqlx::query(
        "SELECT at, summary, repaired FROM drift_events WHERE tenant_id = $1 \
         ORDER BY at DESC LIMIT $2",
    )
    .bind(tenant_id)
    .bind(RECENT)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        let repaired: i64 = row.try_get("repaired")?;
        Ok(DriftRecord {
            at: row.try_get("at")?,
            summary: row.try_get("summary")?,
            repaired: repaired != 0,
        })
    })
    .collect()
}

/// Turns a store's self-heal on or off; a store turned on is looked at again soon.
pub async fn set_self_heal(pool: &AnyPool, tenant_id: &str, on: bool) -> Result<()> {
    sqlx::query("UPDATE tenants SET self_heal = $2, check_after = 0 WHERE id = $1")
        .bind(tenant_id)
        .bind(i64::from(on))
        .execute(pool)
        .await?;
    Ok(())
}
