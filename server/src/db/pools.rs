//! Queries on pools of standby stores: how many each plan keeps, what its standbys are doing,
//! and a customer's store claiming one.

use sqlx::{AnyPool, Row};

use super::tenants::{self, TenantRecord};
use super::Result;
use app::domain::JobKind;

/// One plan's pool as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRecord {
    /// The plan.
    pub plan: String,
    /// How many ready standby stores it keeps.
    pub size: u32,
    /// When the size was last set.
    pub updated_at: i64,
}

/// Sets how many standby stores `plan` keeps; the plan must exist.
pub async fn set(pool: &AnyPool, plan: &str, size: u32, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO pools (plan, size, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (plan) DO UPDATE SET size = excluded.size, updated_at = excluded.updated_at",
    )
    .bind(plan)
    .bind(i64::from(size))
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Every plan's pool that was ever set, by plan.
pub async fn all(pool: &AnyPool) -> Result<Vec<PoolRecord>> {
    let rows = sqlx::query("SELECT plan, size, updated_at FROM pools ORDER BY plan")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(PoolRecord {
                plan: row.try_get("plan")?,
                size: u32::try_from(row.try_get::<i64, _>("size")?).unwrap_or(0),
                updated_at: row.try_get("updated_at")?,
            })
        })
        .collect()
}

/// The standby stores of every plan that are not gone: being made, ready, failed or being
/// removed; oldest first.
pub async fn standbys(pool: &AnyPool) -> Result<Vec<TenantRecord>> {
    let sql = format!(
        "SELECT {} FROM tenants WHERE standby = 1 AND state <> 'deleted' \
         ORDER BY created_at, id",
        tenants::columns("tenants")
    );
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    rows.iter().map(tenants::from_row).collect()
}

/// How many standby stores of each plan were claimed since `since`.
pub async fn claimed_since(pool: &AnyPool, since: i64) -> Result<Vec<(String, u32)>> {
    per_plan(
        pool,
        "SELECT plan, COUNT(*) AS n FROM tenants \
         WHERE standby = 1 AND claimed_at >= $1 GROUP BY plan ORDER BY plan",
        since,
    )
    .await
}

/// A count per plan, from a query selecting `plan` and `n` after `$1`.
async fn per_plan(pool: &AnyPool, sql: &str, since: i64) -> Result<Vec<(String, u32)>> {
    let rows = sqlx::query(sql).bind(since).fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let n: i64 = row.try_get("n")?;
            Ok((row.try_get("plan")?, u32::try_from(n).unwrap_or(u32::MAX)))
        })
        .collect()
}

/// Makes the standby stores `plan`'s pool lacks, in one transaction holding the pool's row,
/// so that servers refilling at once never make more than the size. `wanted` says how many to
/// make from the pool's size, its live standbys (being made, updated or ready) and those
/// being built; `make` gives each new standby's record. Returns how many were made.
pub async fn top_up(
    pool: &AnyPool,
    plan: &str,
    wanted: impl FnOnce(u32, u32, u32) -> u32,
    mut make: impl FnMut() -> TenantRecord,
    now: i64,
) -> Result<u32> {
    let mut tx = pool.begin().await?;
    let size: Option<i64> = sqlx::query_scalar(
        "UPDATE pools SET updated_at = updated_at WHERE plan = $1 RETURNING size",
    )
    .bind(plan)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(size) = size else {
        return Ok(0);
    };
    let states: Vec<String> = sqlx::query_scalar(
        "SELECT state FROM tenants WHERE standby = 1 AND claimed_by IS NULL AND plan = $1 \
         AND state IN ('provisioning', 'updating', 'ready')",
    )
    .bind(plan)
    .fetch_all(&mut *tx)
    .await?;
    let live = u32::try_from(states.len()).unwrap_or(u32::MAX);
    let building = u32::try_from(states.iter().filter(|s| *s != "ready").count()).unwrap_or(0);
    let count = wanted(u32::try_from(size).unwrap_or(0), live, building);
    let mut made = 0;
    for _ in 0..count {
        let record = make();
        let created = tenants::create_in(
            &mut tx,
            &record,
            "pool refill",
            Some(JobKind::Provision),
            now,
        )
        .await?;
        if matches!(created, tenants::Created::Created { .. }) {
            made += 1;
        }
    }
    tx.commit().await?;
    Ok(made)
}

/// How long each customer's store built since `since` took from its first build being queued
/// to ready, in ms, and whether it claimed a standby; the newest `limit`.
pub async fn ready_times(pool: &AnyPool, since: i64, limit: i64) -> Result<Vec<(bool, i64)>> {
    let rows = sqlx::query(
        "SELECT j.kind, j.finished_at - j.created_at AS took FROM jobs j \
         JOIN tenants t ON t.id = j.tenant_id \
         WHERE j.kind IN ('provision', 'claim') AND j.state = 'succeeded' \
         AND j.finished_at >= $1 AND t.standby = 0 \
         ORDER BY j.finished_at DESC LIMIT $2",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            Ok((kind == JobKind::Claim.as_str(), row.try_get("took")?))
        })
        .collect()
}

/// How many standby stores of each plan failed since `since`.
pub async fn failures_since(pool: &AnyPool, since: i64) -> Result<Vec<(String, u32)>> {
    per_plan(
        pool,
        "SELECT t.plan AS plan, COUNT(*) AS n FROM tenant_transitions tt \
         JOIN tenants t ON t.id = tt.tenant_id \
         WHERE t.standby = 1 AND tt.to_state = 'failed' AND tt.at >= $1 \
         GROUP BY t.plan ORDER BY t.plan",
        since,
    )
    .await
}
