//! Restores in place: queued with their job in one transaction (the tenant ready → updating),
//! and the backup each takes of the data first, asked for once.

use sqlx::{AnyPool, Row};

use app::domain::backup::BackupKind;
use app::domain::{JobKind, TenantState};

use super::backups::{self, NewBackup};
use super::tenants::{self, move_state, supersede, Created, TenantRecord};
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
    let queued = queue_in(&mut tx, tenant_id, backup_id, requested_by, now).await?;
    if queued.is_some() {
        tx.commit().await?;
    }
    Ok(queued)
}

/// [`queue`] inside the caller's transaction.
async fn queue_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant_id: &str,
    backup_id: &str,
    requested_by: &str,
    now: i64,
) -> Result<Option<String>> {
    let cause = format!("restore of backup {backup_id} by {requested_by}");
    let (from, to) = (TenantState::Ready, TenantState::Updating);
    if !move_state(tx, tenant_id, from, to, &cause, now).await? {
        return Ok(None);
    }
    let job_id = uuid::Uuid::new_v4().to_string();
    supersede(tx, tenant_id, &job_id, JobKind::Restore, now).await?;
    sqlx::query(
        "INSERT INTO restores (job_id, tenant_id, backup_id, requested_by, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&job_id)
    .bind(tenant_id)
    .bind(backup_id)
    .bind(requested_by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
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

/// Makes `tenant` (provisioning) as a copy of `backup_id`: the tenant, its provision job and
/// the copy to restore once it is ready, in one transaction, so no crash leaves an empty store
/// that was meant to hold the backup's data.
pub async fn create_copy(
    pool: &AnyPool,
    tenant: &TenantRecord,
    cause: &str,
    backup_id: &str,
    now: i64,
) -> Result<Created> {
    let mut tx = pool.begin().await?;
    let created = tenants::create_in(&mut tx, tenant, cause, Some(JobKind::Provision), now).await?;
    if let Created::Created { .. } = created {
        sqlx::query(
            "INSERT INTO clones (tenant_id, backup_id, requested_by, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&tenant.id)
        .bind(backup_id)
        .bind(cause)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(created)
}

/// Queues the restore of every clone whose store is now ready, and forgets the clone: one
/// transaction each. Returns how many were queued.
pub async fn start_ready_clones(pool: &AnyPool, now: i64) -> Result<usize> {
    let rows = sqlx::query(
        "SELECT c.tenant_id, c.backup_id, c.requested_by FROM clones c \
         JOIN tenants t ON t.id = c.tenant_id WHERE t.state = 'ready'",
    )
    .fetch_all(pool)
    .await?;
    let mut started = 0;
    for row in rows {
        let tenant_id: String = row.try_get("tenant_id")?;
        let backup_id: String = row.try_get("backup_id")?;
        let requested_by: String = row.try_get("requested_by")?;
        let mut tx = pool.begin().await?;
        let claimed = sqlx::query("DELETE FROM clones WHERE tenant_id = $1")
            .bind(&tenant_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if !claimed {
            continue;
        }
        if queue_in(&mut tx, &tenant_id, &backup_id, &requested_by, now)
            .await?
            .is_some()
        {
            tx.commit().await?;
            started += 1;
        }
    }
    Ok(started)
}
