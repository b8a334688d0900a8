//! Backups of a store, as its owner and admins use them.

use async_trait::async_trait;

use crate::domain::backup::{BackupView, StoreBackups};
use crate::domain::drill::{DrillHealth, DrillView};
use crate::domain::{Actor, JobId};
use crate::error::AppError;

/// Backing up and restoring a store.
#[async_trait]
pub trait Backups: Send + Sync {
    /// The store's backups; `downloadable` when the viewer is its owner, `clonable` when an
    /// admin.
    async fn of_store(
        &self,
        subdomain: &str,
        downloadable: bool,
        clonable: bool,
    ) -> Result<StoreBackups, AppError>;

    /// Backs the store up now.
    async fn back_up(&self, actor: &Actor, subdomain: &str) -> Result<BackupView, AppError>;

    /// Restores a stored backup into its store, confirmed by typing the store's subdomain.
    async fn restore(
        &self,
        actor: &Actor,
        subdomain: &str,
        backup_id: &str,
        confirm: &str,
    ) -> Result<JobId, AppError>;

    /// Makes a new store `into` (the same plan, no owner) and restores the stored backup into
    /// it once it is ready: a copy for an admin to inspect. Returns its subdomain.
    async fn clone_store(
        &self,
        actor: &Actor,
        subdomain: &str,
        backup_id: &str,
        into: &str,
    ) -> Result<String, AppError>;

    /// Every store's last backup and last restore drill, and the stores whose drill failed or
    /// is overdue.
    async fn fleet_health(&self) -> Result<DrillHealth, AppError>;

    /// Drills the store's latest backup now.
    async fn drill_now(&self, actor: &Actor, subdomain: &str) -> Result<DrillView, AppError>;

    /// A short-lived link to download a stored backup of the store; audited.
    async fn download_link(
        &self,
        actor: &Actor,
        subdomain: &str,
        backup_id: &str,
    ) -> Result<String, AppError>;
}
