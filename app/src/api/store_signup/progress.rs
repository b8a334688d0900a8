//! A new store being built, for its owner.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::{JobProgress, TenantView};
use crate::error::AppError;

/// What the progress page shows: the store and its latest job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreProgressData {
    /// The store.
    pub tenant: TenantView,
    /// Its latest job's progress; none while it waits for its first payment.
    pub progress: Option<JobProgress>,
    /// Whether customers pay (so a waiting store can be paid for from the page).
    pub billing: bool,
}

/// The caller's store with this subdomain and its latest job; anyone but its owner is told
/// it does not exist.
#[server(prefix = "/api", endpoint = "signup/progress")]
pub async fn store_progress(subdomain: String) -> Result<StoreProgressData, AppError> {
    use crate::api::guard::{answer, require_user, services};

    answer(
        async {
            let user = require_user().await?;
            let services = services()?;
            let store = services.stores.owned_store(&subdomain, &user.id).await?;
            let progress = match store.jobs.first() {
                Some(job) => Some(services.jobs.progress(&job.id, 0).await?),
                None => None,
            };
            Ok(StoreProgressData {
                tenant: store.tenant,
                progress,
                billing: services.billing.enabled(),
            })
        }
        .await,
    )
}
