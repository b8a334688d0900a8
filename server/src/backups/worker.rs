//! The backup worker: takes each due backup under a lease and moves it one step on. A queued
//! backup gets a fresh multipart upload, its links, and its dump Job; a running one is looked
//! at: once its Job has finished, storage is read back for the object's size and SHA-256, and
//! only then is the backup done. Level-triggered: a worker killed at any point leaves a row
//! that the next turn finishes, and a Job already started is found again by its name.

use std::sync::Arc;
use std::time::Duration;

use app::domain::backup::{BackupKind, BackupState};
use app::domain::backup_schedule::BackupSchedule;
use app::domain::Retention;
use sqlx::AnyPool;
use tokio::sync::watch;

use super::{job_name, object_key, retention};
use crate::clock::now_ms;
use crate::db::backups::{self, BackupRecord, NewBackup};
use crate::db::tenants::TenantRecord;
use crate::db::{catalog, lease, restores, tenants, DbError};
use crate::provision::engine::data_jobs::{DataTask, TaskState};
use crate::provision::engine::Engine;
use crate::provision::manifests::data_jobs::PartLinks;
use crate::storage::Storage;
use crate::ticker;

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct BackupOptions {
    /// How often it looks for due backups, and how soon a running one is looked at again.
    pub tick: Duration,
    /// How long a turn's lease lasts.
    pub lease: Duration,
    /// Tries before a backup is given up.
    pub attempts: i64,
    /// The wait after a first failed try; doubled after each.
    pub retry_after: Duration,
    /// How long a dump Job may run; also how long its upload links last.
    pub deadline: Duration,
    /// The size of each uploaded part, in MiB (at least 5, as S3 asks).
    pub part_mib: u64,
    /// Part links per dump: the largest dump is `parts` × `part_mib`.
    pub parts: usize,
    /// Dumps running at once across the fleet, at most (about: two servers may both start
    /// the last one).
    pub parallel: i64,
}

impl Default for BackupOptions {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(2),
            lease: Duration::from_secs(60),
            attempts: 3,
            retry_after: Duration::from_secs(60),
            deadline: Duration::from_secs(3600),
            part_mib: 256,
            parts: 64,
            parallel: 4,
        }
    }
}

/// Takes backups.
pub struct BackupWorker {
    pool: AnyPool,
    engine: Arc<Engine>,
    storage: Storage,
    options: BackupOptions,
    owner: String,
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// What a turn found wrong with a try, for the catalogue.
type Failure = String;

impl BackupWorker {
    /// A worker over this database, cluster and storage.
    pub fn new(
        pool: AnyPool,
        engine: Arc<Engine>,
        storage: Storage,
        options: BackupOptions,
    ) -> Self {
        Self {
            pool,
            engine,
            storage,
            options,
            owner: format!("backups-{}", uuid::Uuid::new_v4().simple()),
        }
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        ticker::every(self.options.tick, shutdown, "taking backups failed", || {
            self.run_due()
        })
        .await;
    }

    /// Queues the scheduled backups due now, then takes one turn of every backup due now;
    /// returns how many turns it took.
    pub async fn run_due(&self) -> Result<usize, DbError> {
        let now = now_ms();
        self.schedule(now).await?;
        restores::start_ready_clones(&self.pool, now).await?;
        let mut turns = 0;
        for id in backups::due(&self.pool, now, 20).await? {
            let token = lease::token(&self.owner);
            if !backups::claim(&self.pool, &id, &token, now, ms(self.options.lease)).await? {
                continue;
            }
            if let Err(error) = self.turn(&id, &token).await {
                tracing::warn!(backup = %id, %error, "a backup's turn failed");
                let again = now_ms() + ms(self.options.tick);
                backups::later(&self.pool, &id, &token, again).await?;
            }
            turns += 1;
        }
        Ok(turns)
    }

    /// Queues a scheduled backup of each ready store whose moment has come, and plans its
    /// next one; a store never planned gets its first moment.
    async fn schedule(&self, now: i64) -> Result<(), DbError> {
        for due in backups::schedule_due(&self.pool, now, 100).await? {
            let schedule = match BackupSchedule::parse(&due.schedule) {
                Ok(schedule) => schedule,
                Err(problem) => {
                    tracing::warn!(store = %due.tenant_id, %problem, "no scheduled backups");
                    let tomorrow = now + 24 * 3_600_000;
                    backups::plan_next(
                        &self.pool,
                        &due.tenant_id,
                        due.next_backup_at,
                        tomorrow,
                        None,
                        now,
                    )
                    .await?;
                    continue;
                }
            };
            let next_at = schedule.next_after(&due.tenant_id, now);
            let id = uuid::Uuid::new_v4().to_string();
            let key = object_key(&due.tenant_id, &id);
            let backup = NewBackup {
                id: &id,
                tenant_id: &due.tenant_id,
                kind: BackupKind::Scheduled,
                object_key: &key,
                requested_by: "schedule",
            };
            let take = due.next_backup_at.is_some().then_some(&backup);
            backups::plan_next(
                &self.pool,
                &due.tenant_id,
                due.next_backup_at,
                next_at,
                take,
                now,
            )
            .await?;
        }
        Ok(())
    }

    async fn turn(&self, id: &str, token: &str) -> Result<(), DbError> {
        let Some(backup) = backups::get(&self.pool, id).await? else {
            return Ok(());
        };
        let outcome = match backup.state {
            BackupState::Queued if backups::running(&self.pool).await? >= self.options.parallel => {
                // As many dumps run as may: this one waits its turn.
                let again = now_ms() + ms(self.options.tick);
                backups::later(&self.pool, id, token, again).await?;
                return Ok(());
            }
            BackupState::Queued => self.start(&backup, token).await?,
            BackupState::Running => self.look(&backup, token).await?,
            BackupState::Done | BackupState::Failed => return Ok(()),
        };
        match outcome {
            Ok(()) => {
                let again = now_ms() + ms(self.options.tick);
                backups::later(&self.pool, id, token, again).await?;
            }
            Err(failure) => self.failed(&backup, token, &failure).await?,
        }
        Ok(())
    }

    /// Starts a try: a fresh multipart upload (a failed try's one aborted first), its links,
    /// and the dump Job of this try.
    async fn start(
        &self,
        backup: &BackupRecord,
        token: &str,
    ) -> Result<Result<(), Failure>, DbError> {
        let Some(tenant) = tenants::by_id(&self.pool, &backup.tenant_id).await? else {
            return Ok(Err("the store is gone".to_owned()));
        };
        if !backup.kind.can_dump(tenant.state) {
            return Ok(Err(format!(
                "the store is {}: its database cannot be dumped now",
                tenant.state.as_str()
            )));
        }
        let name = job_name(&backup.id, backup.attempts + 1);
        // A server stopped between creating this try's Job and recording it: the Job runs
        // with the upload recorded, so it is this try, not a reason to abort.
        match self.engine.data_job_state(&tenant, &name).await {
            Ok(TaskState::Missing) => {}
            Ok(_) => {
                backups::started(&self.pool, &backup.id, token, now_ms()).await?;
                return Ok(Ok(()));
            }
            Err(error) => return Ok(Err(error.message)),
        }
        if let Err(failure) = self.abort_upload(backup, token).await? {
            return Ok(Err(failure));
        }
        let upload = match self
            .storage
            .begin_upload(
                &backup.object_key,
                self.options.parts,
                self.options.deadline,
            )
            .await
        {
            Ok(upload) => upload,
            Err(error) => return Ok(Err(error.to_string())),
        };
        if !backups::uploading(&self.pool, &backup.id, token, Some(&upload.upload_id)).await? {
            // Another worker holds the backup now: this upload is nobody's.
            let _ = self
                .storage
                .abort_upload(&backup.object_key, &upload.upload_id)
                .await;
            return Ok(Ok(()));
        }
        let deadline = i64::try_from(self.options.deadline.as_secs()).unwrap_or(i64::MAX);
        let links = PartLinks {
            parts: &upload.parts,
            complete: &upload.complete,
            part_mib: self.options.part_mib,
        };
        if let Err(error) = self
            .engine
            .start_data_job(&tenant, DataTask::Dump(&links), &name, deadline)
            .await
        {
            return Ok(Err(error.message));
        }
        backups::started(&self.pool, &backup.id, token, now_ms()).await?;
        tracing::info!(backup = %backup.id, store = %backup.subdomain, job = %name, "backup started");
        Ok(Ok(()))
    }

    /// Aborts the upload the backup's last try left, if any, so that none of its parts stays
    /// in storage; a failure to is the try's.
    async fn abort_upload(
        &self,
        backup: &BackupRecord,
        token: &str,
    ) -> Result<Result<(), Failure>, DbError> {
        let Some(upload_id) = &backup.upload_id else {
            return Ok(Ok(()));
        };
        if let Err(error) = self
            .storage
            .abort_upload(&backup.object_key, upload_id)
            .await
        {
            return Ok(Err(format!(
                "the last try's upload could not be aborted: {error}"
            )));
        }
        backups::uploading(&self.pool, &backup.id, token, None).await?;
        Ok(Ok(()))
    }

    /// Looks at a running try's Job; records the backup once storage holds it.
    async fn look(
        &self,
        backup: &BackupRecord,
        token: &str,
    ) -> Result<Result<(), Failure>, DbError> {
        let Some(tenant) = tenants::by_id(&self.pool, &backup.tenant_id).await? else {
            return Ok(Err("the store is gone".to_owned()));
        };
        let name = job_name(&backup.id, backup.attempts);
        let state = match self.engine.data_job_state(&tenant, &name).await {
            Ok(state) => state,
            Err(error) => return Ok(Err(error.message)),
        };
        match state {
            TaskState::Running => {
                let started = backup.started_at.unwrap_or(backup.created_at);
                let grace = ms(self.options.deadline) + ms(self.options.lease);
                if now_ms() - started > grace {
                    return Ok(Err("its dump Job ran past its deadline".to_owned()));
                }
                Ok(Ok(()))
            }
            TaskState::Missing => Ok(Err(format!("its dump Job {name} is gone"))),
            TaskState::Failed(said) => {
                let _ = self.engine.remove_data_job(&tenant, &name).await;
                Ok(Err(format!("the dump failed: {said}")))
            }
            TaskState::Succeeded => {
                let digest = match self.storage.digest(&backup.object_key).await {
                    Ok(Some(digest)) => digest,
                    Ok(None) => {
                        return Ok(Err(
                            "the dump finished but storage holds no object for it".to_owned()
                        ))
                    }
                    Err(error) => return Ok(Err(error.to_string())),
                };
                let size = i64::try_from(digest.size).unwrap_or(i64::MAX);
                if backups::stored(
                    &self.pool,
                    &backup.id,
                    token,
                    size,
                    &digest.sha256,
                    now_ms(),
                )
                .await?
                {
                    tracing::info!(backup = %backup.id, store = %backup.subdomain, size, "backup stored");
                    let _ = self.engine.remove_data_job(&tenant, &name).await;
                    self.prune(&tenant).await;
                }
                // Recorded, with the lease released: the turn's end changes nothing more.
                Ok(Ok(()))
            }
        }
    }

    /// Lets the store's backups go that its plan's retention no longer keeps. A failure is
    /// logged and left to the sweep after its next backup.
    async fn prune(&self, tenant: &TenantRecord) {
        let policy = match catalog::plan(&self.pool, &tenant.plan).await {
            Ok(Some(plan)) => plan.retention,
            Ok(None) => Retention::default(),
            Err(error) => {
                tracing::warn!(store = %tenant.subdomain, %error, "retention not applied");
                return;
            }
        };
        if let Err(error) =
            retention::prune(&self.pool, &self.storage, &tenant.id, &policy, now_ms()).await
        {
            tracing::warn!(store = %tenant.subdomain, %error, "retention not applied");
        }
    }

    /// The upload the backup's current try writes through, as recorded now (the turn may have
    /// begun one since `backup` was read).
    async fn recorded_upload(&self, backup: &BackupRecord) -> Result<Option<String>, DbError> {
        Ok(backups::get(&self.pool, &backup.id)
            .await?
            .and_then(|now| now.upload_id))
    }

    /// Records a failed try: queued again after a backoff, or given up after the last.
    async fn failed(
        &self,
        backup: &BackupRecord,
        token: &str,
        failure: &str,
    ) -> Result<(), DbError> {
        // A try that failed before its Job started counts too.
        let tries = match backup.state {
            BackupState::Queued => backup.attempts + 1,
            _ => backup.attempts,
        };
        let next_at = (tries < self.options.attempts).then(|| {
            let wait = ms(self.options.retry_after).saturating_mul(1 << (tries - 1).min(16));
            now_ms().saturating_add(wait)
        });
        // The failed try's parts go now; if storage cannot be told, the next try tries again.
        let mut failure = failure.to_owned();
        if let Some(upload_id) = self.recorded_upload(backup).await? {
            let aborted = self
                .storage
                .abort_upload(&backup.object_key, &upload_id)
                .await;
            match aborted {
                Ok(()) => {
                    backups::uploading(&self.pool, &backup.id, token, None).await?;
                }
                Err(error) => {
                    failure = format!("{failure}; its upload could not be aborted: {error}");
                }
            }
        }
        let failure = failure.as_str();
        tracing::warn!(backup = %backup.id, store = %backup.subdomain, tries, error = failure, "a backup's try failed");
        backups::try_failed(&self.pool, &backup.id, token, failure, next_at, now_ms()).await?;
        Ok(())
    }
}
