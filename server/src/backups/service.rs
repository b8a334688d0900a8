//! Asking for backups and reading the catalogue: the use cases behind the pages and the
//! command line. A backup asked for is queued; the worker takes it from there.

use app::domain::audit::action;
use app::domain::backup::{BackupKind, BackupState, BackupView};
use app::domain::{Actor, JobId, TenantState};
use sqlx::AnyPool;

use super::error::BackupError;
use super::{object_key, view};
use crate::audit::Recorder;
use crate::clock::now_ms;
use crate::db::backups::{self, BackupRecord, NewBackup};
use crate::db::restores;
use crate::db::tenants::{self, TenantRecord};
use crate::storage::Storage;

/// How many of a store's backups the catalogue lists.
const LISTED: i64 = 100;

/// How long a download link works.
const DOWNLOAD_LINK_LIFE: std::time::Duration = std::time::Duration::from_secs(300);

/// Asks for backups and lists them.
#[derive(Clone)]
pub struct BackupService {
    pool: AnyPool,
    audit: Recorder,
    /// Where backups are kept; `None`: backups are off.
    storage: Option<Storage>,
}

impl BackupService {
    /// Backups over this database, kept in `storage` (`None`: backups are off).
    pub fn new(pool: AnyPool, storage: Option<Storage>) -> Self {
        Self {
            audit: Recorder::new(pool.clone()),
            pool,
            storage,
        }
    }

    /// Whether backups can be taken at all.
    pub fn is_on(&self) -> bool {
        self.storage.is_some()
    }

    /// Queues a backup of the store `subdomain` for `actor`; audited as `backup.create`.
    pub async fn request(
        &self,
        actor: &Actor,
        subdomain: &str,
        kind: BackupKind,
    ) -> Result<BackupView, BackupError> {
        if !self.is_on() {
            return Err(BackupError::Off);
        }
        let tenant = tenants::by_subdomain(&self.pool, subdomain)
            .await?
            .ok_or_else(|| BackupError::NoStore(subdomain.to_owned()))?;
        if !matches!(tenant.state, TenantState::Ready | TenantState::Updating) {
            return Err(BackupError::NotRunning(tenant.state.as_str()));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let key = object_key(&tenant.id, &id);
        let requested_by = actor.cause();
        backups::insert(
            &self.pool,
            &NewBackup {
                id: &id,
                tenant_id: &tenant.id,
                kind,
                object_key: &key,
                requested_by: &requested_by,
            },
            now_ms(),
        )
        .await?;
        self.audit
            .record(
                actor,
                action::BACKUP_CREATE,
                &format!("tenant/{subdomain}"),
                &format!("{} backup {id}", kind.as_str()),
            )
            .await;
        self.show(&id).await
    }

    /// Restores the stored backup `backup_id` into its store `subdomain`, confirmed by typing
    /// the subdomain (`confirm`): the data as it is now is backed up first, the store stopped,
    /// the data put back, the store started again. Audited as `backup.restore`. Returns the
    /// restore job, whose progress the store's pages show.
    pub async fn restore(
        &self,
        actor: &Actor,
        subdomain: &str,
        backup_id: &str,
        confirm: &str,
    ) -> Result<JobId, BackupError> {
        if !self.is_on() {
            return Err(BackupError::Off);
        }
        if confirm.trim() != subdomain {
            // Still 404 for a store or backup that is not there.
            self.stored(subdomain, backup_id).await?;
            return Err(BackupError::Unconfirmed);
        }
        let (tenant, _) = self.stored(subdomain, backup_id).await?;
        let job_id = restores::queue(&self.pool, &tenant.id, backup_id, &actor.cause(), now_ms())
            .await?
            .ok_or(BackupError::NotRunning(tenant.state.as_str()))?;
        self.audit
            .record(
                actor,
                action::BACKUP_RESTORE,
                &format!("tenant/{subdomain}"),
                &format!("backup {backup_id} (job {job_id})"),
            )
            .await;
        tracing::info!(store = subdomain, backup = backup_id, job = %job_id, "restore queued");
        Ok(JobId::new(job_id))
    }

    /// A link, valid for five minutes, to download the stored backup `backup_id` of the store
    /// `subdomain`; audited as `backup.download`. Who may ask is decided at the edge (the
    /// store's owner alone).
    pub async fn download_link(
        &self,
        actor: &Actor,
        subdomain: &str,
        backup_id: &str,
    ) -> Result<String, BackupError> {
        let storage = self.storage.as_ref().ok_or(BackupError::Off)?;
        let (_, backup) = self.stored(subdomain, backup_id).await?;
        let link = storage
            .download_link(&backup.object_key, DOWNLOAD_LINK_LIFE)
            .await
            .map_err(|e| BackupError::Storage(e.to_string()))?;
        self.audit
            .record(
                actor,
                action::BACKUP_DOWNLOAD,
                &format!("tenant/{subdomain}"),
                &format!("backup {backup_id}"),
            )
            .await;
        Ok(link.to_string())
    }

    /// Records in the audit log that `actor` made the store `into` a copy of `subdomain`'s
    /// backup `backup_id`.
    pub async fn copied(&self, actor: &Actor, subdomain: &str, backup_id: &str, into: &str) {
        self.audit
            .record(
                actor,
                action::BACKUP_RESTORE,
                &format!("tenant/{subdomain}"),
                &format!("backup {backup_id} into the new store {into}"),
            )
            .await;
    }

    /// The store and its stored backup `backup_id`.
    pub async fn stored(
        &self,
        subdomain: &str,
        backup_id: &str,
    ) -> Result<(TenantRecord, BackupRecord), BackupError> {
        let tenant = tenants::by_subdomain(&self.pool, subdomain)
            .await?
            .ok_or_else(|| BackupError::NoStore(subdomain.to_owned()))?;
        let backup = backups::get(&self.pool, backup_id)
            .await?
            .filter(|b| b.tenant_id == tenant.id)
            .ok_or(BackupError::NotFound)?;
        if backup.state != BackupState::Done {
            return Err(BackupError::NotStored(backup.state.as_str()));
        }
        Ok((tenant, backup))
    }

    /// One backup.
    pub async fn show(&self, id: &str) -> Result<BackupView, BackupError> {
        let record = backups::get(&self.pool, id)
            .await?
            .ok_or(BackupError::NotFound)?;
        Ok(view::view(&record))
    }

    /// The store's backups, newest first.
    pub async fn list(&self, subdomain: &str) -> Result<Vec<BackupView>, BackupError> {
        let tenant = tenants::by_subdomain(&self.pool, subdomain)
            .await?
            .ok_or_else(|| BackupError::NoStore(subdomain.to_owned()))?;
        Ok(backups::of_tenant(&self.pool, &tenant.id, LISTED)
            .await?
            .iter()
            .map(view::view)
            .collect())
    }
}
