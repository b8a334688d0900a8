//! The backup catalogue, worked as a lease queue: a backup is due at `next_at` until it is
//! done or failed; one worker at a time moves it on, another takes over when its lease lapses.

use sqlx::{any::AnyRow, AnyPool, Row};

use app::domain::backup::{BackupKind, BackupState};

use super::lease::{self, Fenced, Queue};
use super::{DbError, Result};

/// Backups as a lease queue: due while queued or running.
pub(super) const QUEUE: Queue = Queue {
    table: "backups",
    due_at: "next_at",
    claimable: "state IN ('queued', 'running')",
    held: "state IN ('queued', 'running')",
    on_claim: "",
};

/// A backup as stored, with its store's subdomain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRecord {
    /// Unique id.
    pub id: String,
    /// The tenant whose database it saves.
    pub tenant_id: String,
    /// That tenant's subdomain.
    pub subdomain: String,
    /// Why it was taken.
    pub kind: BackupKind,
    /// Where it stands.
    pub state: BackupState,
    /// Its key in the storage.
    pub object_key: String,
    /// Its size, once stored.
    pub size: Option<i64>,
    /// Its SHA-256, once stored.
    pub sha256: Option<String>,
    /// Why it failed, or why its last try did.
    pub error: Option<String>,
    /// Tries so far.
    pub attempts: i64,
    /// Who asked for it.
    pub requested_by: String,
    /// When it was asked for.
    pub created_at: i64,
    /// When its current try began.
    pub started_at: Option<i64>,
    /// When it was stored or given up.
    pub finished_at: Option<i64>,
    /// The multipart upload its current try writes through, until completed or aborted.
    pub upload_id: Option<String>,
}

const COLUMNS: &str = "b.id, b.tenant_id, t.subdomain, b.kind, b.state, b.object_key, b.size, \
    b.sha256, b.error, b.attempts, b.requested_by, b.created_at, b.started_at, b.finished_at, \
    b.upload_id";

fn from_row(row: &AnyRow) -> Result<BackupRecord> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    Ok(BackupRecord {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        subdomain: row.try_get("subdomain")?,
        kind: kind
            .parse()
            .map_err(|_| DbError::Corrupt(format!("backup kind {kind:?}")))?,
        state: state
            .parse()
            .map_err(|_| DbError::Corrupt(format!("backup state {state:?}")))?,
        object_key: row.try_get("object_key")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        error: row.try_get("error")?,
        attempts: row.try_get("attempts")?,
        requested_by: row.try_get("requested_by")?,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        upload_id: row.try_get("upload_id")?,
    })
}

/// A backup to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBackup<'a> {
    /// Its id.
    pub id: &'a str,
    /// The tenant.
    pub tenant_id: &'a str,
    /// Why.
    pub kind: BackupKind,
    /// Its key in the storage.
    pub object_key: &'a str,
    /// Who asks.
    pub requested_by: &'a str,
}

/// Queues a backup, due at once.
pub async fn insert<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    backup: &NewBackup<'_>,
    now: i64,
) -> Result<()> {
    insert_for(db, backup, None, now).await
}

/// Queues `backup`, taken for `job` if any: a job asks for one backup at most, so a second
/// ask of the same job inserts nothing.
async fn insert_for<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    backup: &NewBackup<'_>,
    job: Option<&str>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO backups (id, tenant_id, kind, state, object_key, requested_by, created_at, \
         next_at, job_id) VALUES ($1, $2, $3, 'queued', $4, $5, $6, $6, $7) \
         ON CONFLICT (job_id) DO NOTHING",
    )
    .bind(backup.id)
    .bind(backup.tenant_id)
    .bind(backup.kind.as_str())
    .bind(backup.object_key)
    .bind(backup.requested_by)
    .bind(now)
    .bind(job)
    .execute(db)
    .await?;
    Ok(())
}

/// The backup taken for job `job_id`: `backup`, queued now, unless a try of that job asked
/// for one before. Its id.
pub async fn for_job(
    pool: &AnyPool,
    backup: &NewBackup<'_>,
    job_id: &str,
    now: i64,
) -> Result<String> {
    insert_for(pool, backup, Some(job_id), now).await?;
    let id: String = sqlx::query_scalar("SELECT id FROM backups WHERE job_id = $1")
        .bind(job_id)
        .fetch_one(pool)
        .await?;
    Ok(id)
}

/// The backup with this id.
pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<BackupRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM backups b JOIN tenants t ON t.id = b.tenant_id WHERE b.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// A tenant's backups, newest first, at most `limit`.
pub async fn of_tenant(pool: &AnyPool, tenant_id: &str, limit: i64) -> Result<Vec<BackupRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM backups b JOIN tenants t ON t.id = b.tenant_id \
         WHERE b.tenant_id = $1 ORDER BY b.created_at DESC, b.id LIMIT $2"
    ))
    .bind(tenant_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Ids of the backups due now, oldest due first.
pub async fn due(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<String>> {
    lease::due(pool, &QUEUE, now, limit).await
}

/// How many backups are running (their dumps under way) across the fleet.
pub async fn running(pool: &AnyPool) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM backups WHERE state = 'running'")
            .fetch_one(pool)
            .await?,
    )
}

/// Takes a due backup's lease for `token`.
pub async fn claim(pool: &AnyPool, id: &str, token: &str, now: i64, lease_ms: i64) -> Result<bool> {
    lease::claim(pool, &QUEUE, id, token, now, lease_ms).await
}

/// A held backup's dump began (another try of it, perhaps): it runs from `now`.
pub async fn started(pool: &AnyPool, id: &str, token: &str, now: i64) -> Result<bool> {
    Fenced::new(
        &QUEUE,
        id,
        token,
        "state = 'running', attempts = attempts + 1, started_at = $3",
    )
    .bind(now)
    .execute(pool)
    .await
}

/// A held backup's try writes through the multipart upload `upload_id` (`None`: through none,
/// its last one aborted).
pub async fn uploading(
    pool: &AnyPool,
    id: &str,
    token: &str,
    upload_id: Option<&str>,
) -> Result<bool> {
    Fenced::new(&QUEUE, id, token, "upload_id = $3")
        .bind(upload_id.map(str::to_owned))
        .execute(pool)
        .await
}

/// A held backup is stored: its size and SHA-256 as read back from storage.
pub async fn stored(
    pool: &AnyPool,
    id: &str,
    token: &str,
    size: i64,
    sha256: &str,
    now: i64,
) -> Result<bool> {
    Fenced::new(
        &QUEUE,
        id,
        token,
        "state = 'done', size = $3, sha256 = $4, error = NULL, finished_at = $5, \
         upload_id = NULL",
    )
    .bind(size)
    .bind(sha256.to_owned())
    .bind(now)
    .releasing()
    .execute(pool)
    .await
}

/// A held backup's try failed with `error` (a try that failed before its Job started counts
/// as one): it is queued again for `next_at`, or, with `next_at` `None`, given up.
pub async fn try_failed(
    pool: &AnyPool,
    id: &str,
    token: &str,
    error: &str,
    next_at: Option<i64>,
    now: i64,
) -> Result<bool> {
    match next_at {
        Some(next_at) => {
            Fenced::new(
                &QUEUE,
                id,
                token,
                "attempts = attempts + CASE WHEN state = 'queued' THEN 1 ELSE 0 END, \
                 state = 'queued', error = $3, next_at = $4",
            )
            .bind(error.to_owned())
            .bind(next_at)
            .releasing()
            .execute(pool)
            .await
        }
        None => {
            Fenced::new(
                &QUEUE,
                id,
                token,
                "attempts = attempts + CASE WHEN state = 'queued' THEN 1 ELSE 0 END, \
                 state = 'failed', error = $3, finished_at = $4",
            )
            .bind(error.to_owned())
            .bind(now)
            .releasing()
            .execute(pool)
            .await
        }
    }
}

/// Ends a turn that left a held backup as it was: due again at `next_at`, lease released.
pub async fn later(pool: &AnyPool, id: &str, token: &str, next_at: i64) -> Result<bool> {
    Fenced::new(&QUEUE, id, token, "next_at = $3")
        .bind(next_at)
        .releasing()
        .execute(pool)
        .await
}

/// A ready tenant whose scheduled backup is due, or not planned yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled {
    /// The tenant.
    pub tenant_id: String,
    /// When its backup was due; `None`: never planned.
    pub next_backup_at: Option<i64>,
    /// Its plan's schedule, in cron notation.
    pub schedule: String,
}

/// Ready tenants whose scheduled backup is due at `now`, or was never planned; at most `limit`.
pub async fn schedule_due(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<Scheduled>> {
    let rows = sqlx::query(
        "SELECT t.id, t.next_backup_at, p.backup_schedule FROM tenants t \
         JOIN plans p ON p.name = t.plan \
         WHERE t.state = 'ready' AND t.standby = 0 \
         AND (t.next_backup_at IS NULL OR t.next_backup_at <= $1) \
         ORDER BY t.next_backup_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Scheduled {
                tenant_id: row.try_get("id")?,
                next_backup_at: row.try_get("next_backup_at")?,
                schedule: row.try_get("backup_schedule")?,
            })
        })
        .collect()
}

/// Plans a tenant's next scheduled backup for `next_at` and, with `backup`, queues the one due
/// now — in one transaction, and only if the plan was still `was` (another worker did not get
/// there first). True when this caller did it.
pub async fn plan_next(
    pool: &AnyPool,
    tenant_id: &str,
    was: Option<i64>,
    next_at: i64,
    backup: Option<&NewBackup<'_>>,
    now: i64,
) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let planned = sqlx::query(
        "UPDATE tenants SET next_backup_at = $3 WHERE id = $1 \
         AND (next_backup_at = $2 OR (next_backup_at IS NULL AND $2 IS NULL))",
    )
    .bind(tenant_id)
    .bind(was)
    .bind(next_at)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !planned {
        return Ok(false);
    }
    if let Some(backup) = backup {
        insert(&mut *tx, backup, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// A finished backup as a retention sweep weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedBackup {
    /// Its id.
    pub id: String,
    /// Done or failed.
    pub state: BackupState,
    /// Its key in the storage.
    pub object_key: String,
    /// When it was asked for: the time retention counts it at.
    pub created_at: i64,
}

/// A tenant's backups retention weighs, oldest first: its done scheduled backups and its
/// failed ones. Backups asked for by people or taken before an update, a restore or an archive
/// are not its to remove, nor is any backup a restore names.
pub async fn finished_of_tenant(pool: &AnyPool, tenant_id: &str) -> Result<Vec<FinishedBackup>> {
    let rows = sqlx::query(
        "SELECT id, state, object_key, created_at FROM backups b \
         WHERE tenant_id = $1 AND (state = 'failed' OR (state = 'done' AND kind = 'scheduled')) \
         AND NOT EXISTS (SELECT 1 FROM restores r \
                         WHERE r.backup_id = b.id OR r.saved_backup_id = b.id) \
         ORDER BY created_at, id",
    )
    .bind(tenant_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.try_get("state")?;
            Ok(FinishedBackup {
                id: row.try_get("id")?,
                state: state
                    .parse()
                    .map_err(|_| DbError::Corrupt(format!("backup state {state:?}")))?,
                object_key: row.try_get("object_key")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
}

/// Removes a done or failed backup from the catalogue; false when there was none (a queued
/// or running backup is never removed).
pub async fn delete_finished(pool: &AnyPool, id: &str) -> Result<bool> {
    let deleted = sqlx::query("DELETE FROM backups WHERE id = $1 AND state IN ('done', 'failed')")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected() > 0)
}

/// A tenant's newest done backup.
pub async fn latest_done(pool: &AnyPool, tenant_id: &str) -> Result<Option<BackupRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM backups b JOIN tenants t ON t.id = b.tenant_id \
         WHERE b.tenant_id = $1 AND b.state = 'done' \
         ORDER BY b.created_at DESC, b.id DESC LIMIT 1"
    ))
    .bind(tenant_id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}
