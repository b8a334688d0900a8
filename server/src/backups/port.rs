//! The backups port for the store pages: each use case of [`BackupService`], its error
//! becoming the UI's once, here.

use app::domain::backup::{BackupKind, BackupView, StoreBackups};
use app::domain::{Actor, JobId};
use app::error::AppError;
use app::ports::Backups;
use async_trait::async_trait;

use super::BackupService;

#[async_trait]
impl Backups for BackupService {
    async fn of_store(
        &self,
        subdomain: &str,
        downloadable: bool,
    ) -> Result<StoreBackups, AppError> {
        Ok(StoreBackups {
            enabled: self.is_on(),
            downloadable,
            backups: self.list(subdomain).await?,
        })
    }

    async fn back_up(&self, actor: &Actor, subdomain: &str) -> Result<BackupView, AppError> {
        Ok(self.request(actor, subdomain, BackupKind::Manual).await?)
    }

    async fn restore(
        &self,
        actor: &Actor,
        subdomain: &str,
        backup_id: &str,
        confirm: &str,
    ) -> Result<JobId, AppError> {
        Ok(BackupService::restore(self, actor, subdomain, backup_id, confirm).await?)
    }

    async fn download_link(
        &self,
        actor: &Actor,
        subdomain: &str,
        backup_id: &str,
    ) -> Result<String, AppError> {
        Ok(BackupService::download_link(self, actor, subdomain, backup_id).await?)
    }
}
