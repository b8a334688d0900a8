//! The fleet's backups and drills at a glance: what planning weighs and what the health page
//! shows, one row per store with a backup.

use sqlx::{AnyPool, Row};

use app::domain::backup::BackupState;
use app::domain::drill::DrillFacts;

use super::{DbError, Result};

/// What planning weighs of each store with a done backup (stores deleted are left out).
pub async fn facts(pool: &AnyPool) -> Result<Vec<DrillFacts>> {
    let rows = sqlx::query(
        "SELECT t.id, \
           (SELECT MIN(b.created_at) FROM backups b \
            WHERE b.tenant_id = t.id AND b.state = 'done') AS first_backup_at, \
           (SELECT MAX(d.created_at) FROM drills d WHERE d.tenant_id = t.id) AS last_drill_at, \
           (SELECT MAX(d.finished_at) FROM drills d \
            WHERE d.tenant_id = t.id AND d.state = 'passed') AS last_passed_at, \
           (SELECT COUNT(*) FROM drills d \
            WHERE d.tenant_id = t.id AND d.state IN ('queued', 'running')) AS active \
         FROM tenants t WHERE t.state <> 'deleted' AND EXISTS \
           (SELECT 1 FROM backups b WHERE b.tenant_id = t.id AND b.state = 'done') \
         ORDER BY t.id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let active: i64 = row.try_get("active")?;
            Ok(DrillFacts {
                tenant_id: row.try_get("id")?,
                first_backup_at: row.try_get("first_backup_at")?,
                last_drill_at: row.try_get("last_drill_at")?,
                last_passed_at: row.try_get("last_passed_at")?,
                active: active > 0,
            })
        })
        .collect()
}

/// One store's backup and drill standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreStanding {
    /// The store's subdomain.
    pub subdomain: String,
    /// When its last backup was asked for.
    pub last_backup_at: i64,
    /// Where that backup stands.
    pub last_backup_state: BackupState,
    /// When its oldest done backup was taken; `None`: none is stored.
    pub first_backup_at: Option<i64>,
    /// Its last finished drill's id.
    pub last_drill_id: Option<String>,
    /// When its last passed drill finished.
    pub last_passed_at: Option<i64>,
}

/// Every store with a backup (stores deleted are left out), by subdomain.
pub async fn standing(pool: &AnyPool) -> Result<Vec<StoreStanding>> {
    let rows = sqlx::query(
        "SELECT t.subdomain, \
           (SELECT MAX(b.created_at) FROM backups b WHERE b.tenant_id = t.id) AS last_backup_at, \
           (SELECT b.state FROM backups b WHERE b.tenant_id = t.id \
            ORDER BY b.created_at DESC, b.id DESC LIMIT 1) AS last_backup_state, \
           (SELECT MIN(b.created_at) FROM backups b \
            WHERE b.tenant_id = t.id AND b.state = 'done') AS first_backup_at, \
           (SELECT d.id FROM drills d WHERE d.tenant_id = t.id \
            AND d.state IN ('passed', 'failed') \
            ORDER BY d.finished_at DESC, d.id DESC LIMIT 1) AS last_drill_id, \
           (SELECT MAX(d.finished_at) FROM drills d \
            WHERE d.tenant_id = t.id AND d.state = 'passed') AS last_passed_at \
         FROM tenants t WHERE t.state <> 'deleted' AND EXISTS \
           (SELECT 1 FROM backups b WHERE b.tenant_id = t.id) \
         ORDER BY t.subdomain",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.try_get("last_backup_state")?;
            Ok(StoreStanding {
                subdomain: row.try_get("subdomain")?,
                last_backup_at: row.try_get("last_backup_at")?,
                last_backup_state: state
                    .parse()
                    .map_err(|_| DbError::Corrupt(format!("backup state {state:?}")))?,
                first_backup_at: row.try_get("first_backup_at")?,
                last_drill_id: row.try_get("last_drill_id")?,
                last_passed_at: row.try_get("last_passed_at")?,
            })
        })
        .collect()
}

/// How many drills are under way (queued or running).
pub async fn under_way(pool: &AnyPool) -> Result<i64> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM drills WHERE state IN ('queued', 'running')")
            .fetch_one(pool)
            .await?;
    Ok(count)
}
