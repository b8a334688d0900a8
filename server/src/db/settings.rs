//! Queries on a tenant's settings: saving a change with its history and update job, and
//! reading the history. The secret settings, sealed, are read in [`super::secrets`].

use std::collections::BTreeMap;

use sqlx::{AnyPool, Row};

use app::domain::TenantState;

use super::secrets::json;
use super::tenants::{move_state, supersede};
use super::Result;
use app::domain::JobKind;

/// A change of settings to save.
#[derive(Debug)]
pub struct SettingsUpdate<'a> {
    /// The tenant.
    pub tenant_id: &'a str,
    /// Every plain setting, after the change.
    pub settings: &'a BTreeMap<String, String>,
    /// Every secret setting, after the change, sealed.
    pub sealed_secrets: &'a BTreeMap<String, String>,
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
    sqlx::query("UPDATE tenants SET settings = $2, sealed_secrets = $3 WHERE id = $1")
        .bind(update.tenant_id)
        .bind(json(update.settings))
        .bind(json(update.sealed_secrets))
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
