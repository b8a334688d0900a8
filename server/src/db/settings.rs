//! Queries on a tenant's settings: saving a change with its history and update job, reading
//! the history, and the secret settings kept for the tenant's Secret.

use std::collections::BTreeMap;

use sqlx::{AnyPool, Row};

use app::domain::TenantState;

use super::tenants::{move_state, supersede};
use super::{DbError, Result};
use crate::jobs::JobKind;

/// A change of settings to save.
#[derive(Debug)]
pub struct SettingsUpdate<'a> {
    /// The tenant.
    pub tenant_id: &'a str,
    /// Every plain setting, after the change.
    pub settings: &'a BTreeMap<String, String>,
    /// Every secret setting, after the change.
    pub secrets: &'a BTreeMap<String, String>,
    /// What changed, as JSON with secrets redacted.
    pub changes: &'a str,
    /// Who changed it.
    pub actor_email: &'a str,
}

/// A saved change, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRecord {
    /// When.
    pub at: i64,
    /// Who.
    pub actor_email: String,
    /// What, as JSON.
    pub changes: String,
}

fn json(map: &BTreeMap<String, String>) -> String {
    serde_json::to_string(map).unwrap_or_else(|_| "{}".to_owned())
}

/// Saves the settings, records the change, moves the tenant from ready to updating and
/// queues its update job — in one transaction. `None` (nothing changed) when the tenant was
/// no longer ready.
pub async fn save(pool: &AnyPool, update: &SettingsUpdate<'_>, now: i64) -> Result<Option<String>> {
    let mut tx = pool.begin().await?;
    let cause = format!("settings changed by {}", update.actor_email);
    if !move_state(
        &mut tx,
        update.tenant_id,
        TenantState::Ready,
        TenantState::Updating,
        &cause,
        now,
    )
    .await?
    {
        return Ok(None);
    }
    sqlx::query("UPDATE tenants SET settings = $2, secrets = $3 WHERE id = $1")
        .bind(update.tenant_id)
        .bind(json(update.settings))
        .bind(json(update.secrets))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO setting_changes (id, tenant_id, at, actor_email, changes) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(update.tenant_id)
    .bind(now)
    .bind(update.actor_email)
    .bind(update.changes)
    .execute(&mut *tx)
    .await?;
    let job_id = uuid::Uuid::new_v4().to_string();
    supersede(&mut tx, update.tenant_id, &job_id, JobKind::Update, now).await?;
    tx.commit().await?;
    Ok(Some(job_id))
}

/// The tenant's secret settings waiting for (or already in) its Secret.
pub async fn secrets(pool: &AnyPool, tenant_id: &str) -> Result<BTreeMap<String, String>> {
    let raw: Option<String> = sqlx::query_scalar("SELECT secrets FROM tenants WHERE id = $1")
        .bind(tenant_id)
        .fetch_optional(pool)
        .await?;
    match raw {
        Some(raw) => serde_json::from_str(&raw).map_err(|e| DbError::Corrupt(e.to_string())),
        None => Ok(BTreeMap::new()),
    }
}

/// The tenant's changes of settings, newest first.
pub async fn history(pool: &AnyPool, tenant_id: &str, limit: i64) -> Result<Vec<ChangeRecord>> {
    let rows = sqlx::query(
        "SELECT at, actor_email, changes FROM setting_changes WHERE tenant_id = $1 \
         ORDER BY at DESC, id LIMIT $2",
    )
    .bind(tenant_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ChangeRecord {
                at: row.try_get("at")?,
                actor_email: row.try_get("actor_email")?,
                changes: row.try_get("changes")?,
            })
        })
        .collect()
}
