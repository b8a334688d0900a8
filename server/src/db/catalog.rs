//! Queries on blueprints and plans.

use sqlx::{any::AnyRow, AnyPool, Row};

use app::domain::{Blueprint, Plan};

use super::{DbError, Result};

fn corrupt(what: &str, error: serde_json::Error) -> DbError {
    DbError::Corrupt(format!("{what}: {error}"))
}

fn plan_from_row(row: &AnyRow) -> Result<Plan> {
    let quota: String = row.try_get("quota")?;
    let retention: Option<String> = row.try_get("retention")?;
    Ok(Plan {
        name: row.try_get("name")?,
        display_name: row.try_get("display_name")?,
        blueprint: row.try_get("blueprint")?,
        price_id: row.try_get("price_id")?,
        monthly_price_cents: row.try_get("monthly_price_cents")?,
        quota: serde_json::from_str(&quota).map_err(|e| corrupt("plan quota", e))?,
        backup_schedule: row.try_get("backup_schedule")?,
        retention: retention
            .map(|r| serde_json::from_str(&r).map_err(|e| corrupt("plan retention", e)))
            .transpose()?
            .unwrap_or_default(),
    })
}

const PLAN_COLUMNS: &str = "name, display_name, blueprint, price_id, monthly_price_cents, quota, \
    backup_schedule, retention";

/// Stores the blueprint and plans unless they exist (by name); existing ones are left as the
/// operator changed them. Runs in one transaction.
pub async fn seed(
    pool: &AnyPool,
    blueprints: &[Blueprint],
    plans: &[Plan],
    now_ms: i64,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    for blueprint in blueprints {
        let spec = serde_json::to_string(blueprint).map_err(|e| corrupt("blueprint", e))?;
        sqlx::query(
            "INSERT INTO blueprints (name, spec, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&blueprint.name)
        .bind(spec)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    }
    for (position, plan) in plans.iter().enumerate() {
        let quota = serde_json::to_string(&plan.quota).map_err(|e| corrupt("quota", e))?;
        let retention =
            serde_json::to_string(&plan.retention).map_err(|e| corrupt("retention", e))?;
        sqlx::query(
            "INSERT INTO plans (name, display_name, blueprint, price_id, monthly_price_cents, \
             quota, backup_schedule, retention, position, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&plan.name)
        .bind(&plan.display_name)
        .bind(&plan.blueprint)
        .bind(plan.price_id.clone())
        .bind(plan.monthly_price_cents)
        .bind(quota)
        .bind(&plan.backup_schedule)
        .bind(retention)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Every plan, in display order.
pub async fn plans(pool: &AnyPool) -> Result<Vec<Plan>> {
    let sql = format!("SELECT {PLAN_COLUMNS} FROM plans ORDER BY position, name");
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    rows.iter().map(plan_from_row).collect()
}

/// The plan with this name.
pub async fn plan(pool: &AnyPool, name: &str) -> Result<Option<Plan>> {
    let sql = format!("SELECT {PLAN_COLUMNS} FROM plans WHERE name = $1");
    let row = sqlx::query(&sql).bind(name).fetch_optional(pool).await?;
    row.as_ref().map(plan_from_row).transpose()
}

/// Every blueprint, by name.
pub async fn blueprints(pool: &AnyPool) -> Result<Vec<Blueprint>> {
    let rows = sqlx::query("SELECT spec FROM blueprints ORDER BY name")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            let spec: String = row.try_get("spec")?;
            serde_json::from_str(&spec).map_err(|e| corrupt("blueprint", e))
        })
        .collect()
}

/// The blueprint with this name.
pub async fn blueprint(pool: &AnyPool, name: &str) -> Result<Option<Blueprint>> {
    let row = sqlx::query("SELECT spec FROM blueprints WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    row.map(|row| {
        let spec: String = row.try_get("spec")?;
        serde_json::from_str(&spec).map_err(|e| corrupt("blueprint", e))
    })
    .transpose()
}
