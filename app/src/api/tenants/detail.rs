//! One tenant, for admins.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::{JobProgress, TenantDetail as Detail};
use crate::error::AppError;

/// What the tenant page shows: the tenant, its jobs, and the progress of the latest one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantPageData {
    /// The tenant and its jobs.
    pub detail: Detail,
    /// The latest job's progress.
    pub progress: Option<JobProgress>,
}

/// The tenant with this subdomain; admins only.
#[server(prefix = "/api", endpoint = "admin/tenants/detail")]
pub async fn tenant_page(subdomain: String) -> Result<TenantPageData, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            let services = services()?;
            let detail = services.tenants.detail(&subdomain).await?;
            let progress = match detail.jobs.first() {
                Some(job) => Some(services.jobs.progress(&job.id, 0).await?),
                None => None,
            };
            Ok(TenantPageData { detail, progress })
        }
        .await,
    )
}
