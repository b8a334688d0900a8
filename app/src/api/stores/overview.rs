//! One store's dashboard: state, address, plan, health and the latest job.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::{JobProgress, TenantDetail, TenantHealth};
use crate::error::AppError;

/// What the owner's dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreOverviewData {
    /// The tenant and its jobs.
    pub detail: TenantDetail,
    /// The latest job's progress.
    pub progress: Option<JobProgress>,
    /// Health read from the cluster, or why it could not be read.
    pub health: Result<TenantHealth, String>,
    /// Whether billing is on (the billing portal is offered).
    pub billing: bool,
    /// When its newest stored backup was taken; `None` without one (or with backups off).
    pub last_backup: Option<String>,
}

/// The dashboard of a store; its owner or an admin only (anyone else: 404).
#[server(prefix = "/api", endpoint = "stores/overview")]
pub async fn store_overview(subdomain: String) -> Result<StoreOverviewData, AppError> {
    use crate::api::guard::{answer, require_tenant_access, services};

    answer(
        async {
            require_tenant_access(&subdomain).await?;
            let services = services()?;
            let detail = services.tenants.detail(&subdomain).await?;
            let progress = match detail.jobs.first() {
                Some(job) => Some(services.jobs.progress(&job.id, 0).await?),
                None => None,
            };
            let health = services
                .inspection
                .health(&subdomain)
                .await
                .map_err(|e| e.to_string());
            let last_backup = services
                .backups
                .of_store(&subdomain, false, false)
                .await
                .ok()
                .and_then(|backups| {
                    backups
                        .backups
                        .into_iter()
                        .find(|b| b.state == crate::domain::backup::BackupState::Done)
                        .map(|b| b.created_at)
                });
            Ok(StoreOverviewData {
                detail,
                progress,
                health,
                billing: services.billing.enabled(),
                last_backup,
            })
        }
        .await,
    )
}
