//! An archive's last backup: the store's data saved once more before its workloads go, while
//! the archive job keeps its database up. Every try of the job finds the backup the first
//! one asked for.

use app::domain::backup::{object_key, BackupKind};

use super::{db_error, Engine};
use crate::clock::now_ms;
use crate::db::backups::{self, NewBackup};
use crate::db::jobs::JobRecord;
use crate::db::tenants::TenantRecord;
use crate::jobs::worker::StepError;
use crate::jobs::StepOutcome;

impl Engine {
    /// Whether the archive job backs the store up before removing its workloads: only where
    /// backups are kept.
    pub(super) fn saves_last(&self) -> bool {
        self.storage.is_some()
    }

    /// Asks for the last backup, once per job, and waits until it is stored.
    pub(super) async fn save_last(
        &self,
        job: &JobRecord,
        tenant: &TenantRecord,
    ) -> Result<StepOutcome, StepError> {
        let id = uuid::Uuid::new_v4().to_string();
        let key = object_key(&tenant.id, &id);
        let asked = NewBackup {
            id: &id,
            tenant_id: &tenant.id,
            kind: BackupKind::Final,
            object_key: &key,
            requested_by: &format!("archive {}", job.id),
        };
        let saved = backups::for_job(&self.pool, &asked, &job.id, now_ms())
            .await
            .map_err(db_error)?;
        self.stored_yet(&saved, "the last backup before the archive")
            .await
    }
}
