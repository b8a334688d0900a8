//! The backups port for the store pages: each use case of [`BackupService`], its error
//! becoming the UI's once, here.

use app::domain::backup::{BackupKind, BackupView, StoreBackups};
use app::domain::drill::{DrillHealth, DrillView};
use app::domain::{Actor, JobId};
use app::error::AppError;
use app::ports::Backups;
use async_trait::async_trait;
use std::sync::Arc;

use super::BackupService;
use crate::drills::DrillService;
use crate::tenants::TenantService;

/// Backups and restore drills, behind the one port the store and admin pages use.
#[derive(Clone)]
pub struct BackupPort {
    /// Backups and restores.
    pub backups: BackupService,
    /// Restore drills and the fleet's backup health.
    pub drills: DrillService,
    /// Where a copy of a store is made.
    pub tenants: Arc<TenantService>,
}

#[async_trait]
impl Backups for BackupPort {
    async fn of_store(
        &self,
        subdomain: &str,
        downloadable: bool,
        clonable: bool,
    ) -> Result<StoreBackups, AppError> {
        Ok(StoreBackups {
            enabled: self.backups.is_on(),
            downloadable,
            clonable,
            backups: self.backups.list(subdomain).await?,
        })
    }

    async fn back_up(&self, actor: &Actor, subdomain: &str) -> Result<BackupView, AppError> {
        Ok(self
            .backups
            .request(actor, subdomain, BackupKind::Manual)
            .await?)
    }

    async fn restore(
        &self,
        actor: &Actor,
        subdomain: &str,
        backup_id: &str,
        confirm: &str,
    ) -> Result<JobId, AppError> {
        Ok(self
            .backups
            .restore(actor, subdomain, backup_id, confirm)
            .await?)
    }

    async fn download_link(
        &self,
        actor: &Actor,
        subdomain: &str,
        backup_id: &str,
    ) -> Result<String, AppError> {
        Ok(self
            .backups
            .download_link(actor, subdomain, backup_id)
            .await?)
    }

    async fn clone_store(
        &self,
        actor: &Actor,
        subdomain: &str,
        backup_id: &str,
        into: &str,
    ) -> Result<String, AppError> {
        let (tenant, _) = self.backups.stored(subdomain, backup_id).await?;
        let (copy, _) = self
            .tenants
            .create_copy(actor, into, &tenant.plan, backup_id)
            .await?;
        self.backups
            .copied(actor, subdomain, backup_id, &copy.subdomain)
            .await;
        Ok(copy.subdomain)
    }

    async fn fleet_health(&self) -> Result<DrillHealth, AppError> {
        Ok(self.drills.health().await?)
    }

    async fn drill_now(&self, actor: &Actor, subdomain: &str) -> Result<DrillView, AppError> {
        Ok(self.drills.drill_now(actor, subdomain).await?)
    }
}
