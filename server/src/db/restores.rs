//! Restores in place: queued with their job in one transaction (the tenant ready → updating),
//! and the backup each takes of the data first, asked for once.

use sqlx::{AnyPool, Row};

use app::domain::backup::BackupKind;
use app::domain::{JobKind, TenantState};

use super::backups::{self, NewBackup};
use super::tenants::{move_state, supersede};
use super::Result;

/// A restore as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreRecord {
    /// Its job.
    pub job_id: String,
    /// The tenant.
    pub tenant_id: String,
    /// The backup whose data is put back.
    pub backup_id: String,
    /// The backup of the data as it was, once asked for.
    pub saved_backup_id: Option<String>,
}

/// Queues the restore of `backup_id` into a ready tenant: the tenant moves to updating and a
/// restore job is queued, in one transaction. `None` when the tenant was not ready.
pub async fn queue(
    pool: &AnyPool,
    tenant_id: &str,
    backup_id: &str,
    requested_by: &str,
    now: i64,
) -> Result<Option<String>> {
    let mut tx = pool.begin().await?;
    let cause = format!("restore of backup {backup_id} by {requested_by}");
    if !move_state(
        &mut tx,
        tenant_id,
        TenantState::Ready,
        TenantState::Updating,
        &cause,
        now,
    )
    .await?
    {
        return Ok(None);
    }
    let job_id = uuid::Uuid::new_v4().to_string();
    supersede(&mut tx, tenant_id, &job_id, JobKind::Restore, now).await?;
    sqlx::query(
        "INSERT INTO restores (job_id, tenant_id, backup_id, requested_by, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&job_id)
    .bind(tenant_id)
    .bind(backup_id)
    .bind(requested_by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(job_id))
}

/// The restore a job does.
pub async fn of_job(pool: &AnyPool, job_id: &str) -> Result<Option<RestoreRecord>> {
    let row = sqlx::query(
        "SELECT job_id, tenant_id, backup_id, saved_backup_id FROM restores WHERE job_id = $1",
    )
    .bind(job_id)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(RestoreRecord {
            job_id: row.try_get("job_id")?,
            tenant_id: row.try_get("tenant_id")?,
            backup_id: row.try_get("backup_id")?,
            saved_backup_id: row.try_get("saved_backup_id")?,
        })
    })
    .transpose()
}

/// Asks for the backup a restore takes of the data first, once: the backup queued and the
/// restore pointing at it, in one transaction. Returns the backup's id (the one asked for
/// before, if any).
pub async fn save_first(
    pool: &AnyPool,
    restore: &RestoreRecord,
    object_key: impl Fn(&str) -> String,
    requested_by: &str,
    now: i64,
) -> Result<String> {
    if let Some(saved) = &restore.saved_backup_id {
        return Ok(saved.clone());
    }
    let mut tx = pool.begin().await?;
    let id = uuid::Uuid::new_v4().to_string();
    let key = object_key(&id);
    backups::insert(
        &mut *tx,
        &NewBackup {
            id: &id,
            tenant_id: &restore.tenant_id,
            kind: BackupKind::PreRestore,
            object_key: &key,
            requested_by,
        },
        now,
    )
    .await?;
    let pointed = sqlx::query(
        "UPDATE restores SET saved_backup_id = $2 WHERE job_id = $1 AND saved_backup_id IS NULL",
    )
    .bind(&restore.job_id)
    .bind(&id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !pointed {
        // Another attempt asked first: use its backup.
        drop(tx);
        let again = of_job(pool, &restore.job_id).await?;
        return Ok(again.and_then(|r| r.saved_backup_id).unwrap_or(id));
    }
    tx.commit().await?;
    Ok(id)
}
