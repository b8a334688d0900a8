//! The retention sweep: removes a tenant's backups its plan no longer keeps.
//!
//! Retention weighs a tenant's scheduled backups: one asked for by a person, or taken before an
//! update, a restore or an archive, stays until someone removes it, and so does any backup a
//! restore names. Which scheduled backups stay is [`Retention::keep`]'s choice; a failed backup is removed once
//! it is older than the policy's horizon (nothing of that age is kept any more, and its error
//! has had its time on the pages). Queued and running backups are never touched. Each expired
//! backup's object is deleted from storage first and its catalogue row after, so no row is left
//! pointing at a deleted object by a storage failure: the sweep stops at the first one, the
//! rows it did not reach stay, and the next sweep takes them up again.

use app::domain::backup::BackupState;
use app::domain::Retention;
use sqlx::AnyPool;

use crate::db::backups::{self, FinishedBackup};
use crate::db::DbError;
use crate::storage::{Storage, StorageError};

/// Why a sweep stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Storage did not delete a backup's object; its row stays for the next sweep.
    #[error("deleting {key} from storage: {source}")]
    Storage {
        /// The object's key.
        key: String,
        /// What the storage said.
        #[source]
        source: StorageError,
    },
}

/// Result of retention sweeps.
pub type Result<T, E = RetentionError> = std::result::Result<T, E>;

/// What a sweep did to one tenant's backups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Done backups kept.
    pub kept: usize,
    /// Done backups removed, object and row.
    pub expired: usize,
    /// Failed backups removed.
    pub failed: usize,
}

/// The finished backups `policy` lets go at `now_ms`, oldest first: the done ones it does not
/// keep, and the failed ones older than its horizon.
pub fn expired<'a>(
    policy: &Retention,
    backups: &'a [FinishedBackup],
    now_ms: i64,
) -> Vec<&'a FinishedBackup> {
    let done: Vec<(&str, i64)> = backups
        .iter()
        .filter(|b| b.state == BackupState::Done)
        .map(|b| (b.id.as_str(), b.created_at))
        .collect();
    let kept = policy.keep(&done, now_ms);
    let horizon = policy.horizon(now_ms);
    let mut expired: Vec<&FinishedBackup> = backups
        .iter()
        .filter(|b| match b.state {
            BackupState::Done => !kept.contains(b.id.as_str()),
            BackupState::Failed => b.created_at < horizon,
            BackupState::Queued | BackupState::Running => false,
        })
        .collect();
    expired.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    expired
}

/// Removes `tenant_id`'s backups that `policy` lets go at `now_ms`: each object from storage,
/// then its row. Stops at the first storage failure with an error naming the key; what was
/// removed before it stays removed.
pub async fn prune(
    pool: &AnyPool,
    storage: &Storage,
    tenant_id: &str,
    policy: &Retention,
    now_ms: i64,
) -> Result<Pruned> {
    let backups = backups::finished_of_tenant(pool, tenant_id).await?;
    let expired = expired(policy, &backups, now_ms);
    let done = backups
        .iter()
        .filter(|b| b.state == BackupState::Done)
        .count();
    let done_expired = expired
        .iter()
        .filter(|b| b.state == BackupState::Done)
        .count();
    let mut pruned = Pruned {
        kept: done - done_expired,
        ..Pruned::default()
    };
    for backup in expired {
        if let Err(source) = storage.delete(&backup.object_key).await {
            tracing::warn!(
                tenant = %tenant_id,
                backup = %backup.id,
                error = %source,
                "retention stopped: storage did not delete a backup"
            );
            return Err(RetentionError::Storage {
                key: backup.object_key.clone(),
                source,
            });
        }
        if backups::delete_finished(pool, &backup.id).await? {
            match backup.state {
                BackupState::Failed => pruned.failed += 1,
                _ => pruned.expired += 1,
            }
            tracing::debug!(tenant = %tenant_id, backup = %backup.id, "backup expired");
        }
    }
    tracing::info!(
        tenant = %tenant_id,
        kept = pruned.kept,
        expired = pruned.expired,
        failed = pruned.failed,
        "retention swept"
    );
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;
    /// 2026-06-15T12:00:00Z.
    const NOW: i64 = 1_781_524_800_000;

    fn backup(id: &str, state: BackupState, days_ago: i64) -> FinishedBackup {
        FinishedBackup {
            id: id.into(),
            state,
            object_key: format!("k/{id}"),
            created_at: NOW - days_ago * DAY,
        }
    }

    #[test]
    fn lets_go_of_done_backups_not_kept_and_failed_ones_past_the_horizon() {
        let policy = Retention {
            daily: 2,
            weekly: 0,
            monthly: 0,
        };
        let backups = [
            backup("old", BackupState::Done, 5),
            backup("yesterday", BackupState::Done, 1),
            backup("today", BackupState::Done, 0),
            backup("old-failure", BackupState::Failed, 3),
            backup("new-failure", BackupState::Failed, 1),
        ];
        let ids: Vec<&str> = expired(&policy, &backups, NOW)
            .iter()
            .map(|b| b.id.as_str())
            .collect();
        assert_eq!(ids, ["old", "old-failure"]);
    }

    #[test]
    fn the_newest_done_backup_stays_behind_a_newer_failure() {
        let policy = Retention {
            daily: 0,
            weekly: 0,
            monthly: 0,
        };
        // The newest done backup stays even though a failed one is newer.
        let backups = [
            backup("done", BackupState::Done, 3),
            backup("failed", BackupState::Failed, 0),
        ];
        assert!(expired(&policy, &backups, NOW).is_empty());
    }
}
