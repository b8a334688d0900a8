//! The restore job's own steps: the data as it is now backed up first, then the backup's data
//! put back by a restore Job in the store's namespace, reading through a link for that one
//! object. Each step finds what an earlier attempt started and goes on from there.

use std::time::Duration;

use app::domain::backup::BackupState;

use super::data_jobs::{DataTask, TaskState};
use super::{db_error, Engine, POLL};
use crate::clock::now_ms;
use crate::db::backups;
use crate::db::jobs::JobRecord;
use crate::db::restores::{self, RestoreRecord};
use crate::db::tenants::TenantRecord;
use crate::jobs::worker::StepError;
use crate::jobs::StepOutcome;
use app::domain::backup::object_key;

/// How long a restore Job may run, and its download link last.
const RESTORE_DEADLINE: Duration = Duration::from_secs(3600);

/// The name of a restore job's restore Job.
fn restore_job_name(job_id: &str) -> String {
    format!("restore-{}", job_id.replace('-', ""))
}

impl Engine {
    async fn restore_of(&self, job: &JobRecord) -> Result<RestoreRecord, StepError> {
        restores::of_job(&self.pool, &job.id)
            .await
            .map_err(db_error)?
            .ok_or_else(|| StepError::permanent("the job names no restore"))
    }

    /// Backs up the data as it is now, once, and waits until that backup is stored.
    pub(super) async fn save_first(
        &self,
        job: &JobRecord,
        tenant: &TenantRecord,
    ) -> Result<StepOutcome, StepError> {
        if self.storage.is_none() {
            return Err(StepError::permanent(
                "backups are off: no object storage is configured",
            ));
        }
        let restore = self.restore_of(job).await?;
        let saved = restores::save_first(
            &self.pool,
            &restore,
            |id| object_key(&tenant.id, id),
            &format!("restore {}", job.id),
            now_ms(),
        )
        .await
        .map_err(db_error)?;
        self.stored_yet(&saved, "the backup before the restore")
            .await
    }

    /// Done once backup `id` is stored; waits while it is taken; fails if it failed. `what`
    /// names it in that failure.
    pub(super) async fn stored_yet(&self, id: &str, what: &str) -> Result<StepOutcome, StepError> {
        let backup = backups::get(&self.pool, id)
            .await
            .map_err(db_error)?
            .ok_or_else(|| StepError::permanent(format!("backup {id} is gone")))?;
        match backup.state {
            BackupState::Done => Ok(StepOutcome::Done),
            BackupState::Failed => Err(StepError::permanent(format!(
                "{what} failed: {}",
                backup.error.unwrap_or_else(|| "no reason given".into())
            ))),
            BackupState::Queued | BackupState::Running => Ok(StepOutcome::Wait(POLL)),
        }
    }

    /// Puts the backup's data back with a restore Job, and waits until it has finished.
    pub(super) async fn restore_data(
        &self,
        job: &JobRecord,
        tenant: &TenantRecord,
    ) -> Result<StepOutcome, StepError> {
        let storage = self.storage.as_ref().ok_or_else(|| {
            StepError::permanent("backups are off: no object storage is configured")
        })?;
        let restore = self.restore_of(job).await?;
        let name = restore_job_name(&job.id);
        match self.data_job_state(tenant, &name).await? {
            TaskState::Missing => {
                let backup = backups::get(&self.pool, &restore.backup_id)
                    .await
                    .map_err(db_error)?
                    .filter(|b| b.state == BackupState::Done)
                    .ok_or_else(|| {
                        StepError::permanent(format!("backup {} is not stored", restore.backup_id))
                    })?;
                let link = storage
                    .download_link(&backup.object_key, RESTORE_DEADLINE)
                    .await
                    .map_err(|e| StepError::transient(e.to_string()))?;
                let deadline = i64::try_from(RESTORE_DEADLINE.as_secs()).unwrap_or(i64::MAX);
                self.start_data_job(tenant, DataTask::Restore(link.as_str()), &name, deadline)
                    .await?;
                Ok(StepOutcome::Wait(POLL))
            }
            TaskState::Running => Ok(StepOutcome::Wait(POLL)),
            TaskState::Succeeded => {
                self.remove_data_job(tenant, &name).await?;
                Ok(StepOutcome::Done)
            }
            TaskState::Failed(said) => {
                // Cleared away, so that a retry of the job starts a fresh one.
                self.remove_data_job(tenant, &name).await?;
                Err(StepError::permanent(format!("restoring failed: {said}")))
            }
        }
    }
}
