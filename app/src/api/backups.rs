//! A store's backups, for its owner and admins: the list, "back up now" and restoring one.
//! Downloads are a plain link (`/stores/<subdomain>/backups/<id>/download`), served outside
//! the server functions, for the owner alone.

use leptos::prelude::*;

use crate::domain::backup::{BackupView, StoreBackups};
use crate::domain::JobId;
use crate::error::AppError;

/// The store's backups; its owner or an admin (anyone else: 404).
#[server(prefix = "/api", endpoint = "stores/backups")]
pub async fn list_backups(subdomain: String) -> Result<StoreBackups, AppError> {
    use crate::api::guard::{answer, require_tenant_access, services};

    answer(
        async {
            let user = require_tenant_access(&subdomain).await?;
            let services = services()?;
            let owner = services.stores.owner_id(&subdomain).await?;
            let downloadable = owner.as_ref() == Some(&user.id);
            services
                .backups
                .of_store(&subdomain, downloadable, user.is_admin())
                .await
        }
        .await,
    )
}

/// Backs the store up now; its owner or an admin.
#[server(prefix = "/api", endpoint = "stores/backups/create")]
pub async fn back_up_now(subdomain: String) -> Result<BackupView, AppError> {
    use crate::api::guard::{actor, answer, require_tenant_access, services};

    answer(
        async {
            let user = require_tenant_access(&subdomain).await?;
            services()?.backups.back_up(&actor(&user), &subdomain).await
        }
        .await,
    )
}

/// Restores a stored backup into the store, confirmed by typing its subdomain; its owner or an
/// admin. The store's page then follows the restore job.
#[server(prefix = "/api", endpoint = "stores/backups/restore")]
pub async fn restore_backup(
    subdomain: String,
    backup_id: String,
    confirm: String,
) -> Result<JobId, AppError> {
    use crate::api::guard::{actor, answer, require_tenant_access, services};

    answer(
        async {
            let user = require_tenant_access(&subdomain).await?;
            services()?
                .backups
                .restore(&actor(&user), &subdomain, &backup_id, &confirm)
                .await
        }
        .await,
    )
}

/// Every store's last backup and last restore drill, and those needing attention; admins only.
#[server(prefix = "/api", endpoint = "admin/backups")]
pub async fn backup_health() -> Result<crate::domain::drill::DrillHealth, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            services()?.backups.fleet_health().await
        }
        .await,
    )
}

/// Drills a store's latest backup now; admins only.
#[server(prefix = "/api", endpoint = "admin/backups/drill")]
pub async fn drill_now(subdomain: String) -> Result<crate::domain::drill::DrillView, AppError> {
    use crate::api::guard::{actor, answer, require_admin, services};

    answer(
        async {
            let user = require_admin().await?;
            services()?
                .backups
                .drill_now(&actor(&user), &subdomain)
                .await
        }
        .await,
    )
}

/// Makes a new store `into` from a stored backup of `subdomain`, for inspection; admins only.
/// Returns the new store's subdomain.
#[server(prefix = "/api", endpoint = "admin/backups/clone")]
pub async fn clone_store(
    subdomain: String,
    backup_id: String,
    into: String,
) -> Result<String, AppError> {
    use crate::api::guard::{actor, answer, require_admin, services};

    answer(
        async {
            let user = require_admin().await?;
            services()?
                .backups
                .clone_store(&actor(&user), &subdomain, &backup_id, &into)
                .await
        }
        .await,
    )
}
